//! Rewrites the generated sections of the repository README from the
//! catalog and the validation rules (`make docs`).
//!
//! `cargo run -p dic-core --example readme`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("cannot read {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let rendered = match dic_core::docs::render_readme(&current) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("cannot update {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
    };
    if rendered == current {
        println!("README.md is up to date");
        return ExitCode::SUCCESS;
    }
    if let Err(err) = std::fs::write(&path, rendered) {
        eprintln!("cannot write {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    println!("README.md updated");
    ExitCode::SUCCESS
}
