//! The README's generated sections must match the catalog and the rules.

use std::path::PathBuf;

#[test]
fn readme_generated_sections_are_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let rendered = dic_core::docs::render_readme(&readme)
        .unwrap_or_else(|err| panic!("{err}; then run `make docs`"));
    if rendered != readme {
        let line = readme
            .lines()
            .zip(rendered.lines())
            .position(|(old, new)| old != new)
            .unwrap_or_else(|| readme.lines().count().min(rendered.lines().count()))
            + 1;
        panic!(
            "README.md is out of date with the catalog or the validation rules \
             (first difference at line {line}): run `make docs` and commit README.md"
        );
    }
}
