//! Embeds the admins' workspace (`web/dist`, built by `make web`) into the
//! API: writes `$OUT_DIR/web_assets.rs`, a table of every built file with
//! `include_bytes!`. When the page has not been built the table is empty and
//! the API answers `/` with how to build it, so `cargo` never needs Node.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
        // Any change under dist (a new build) embeds again.
        println!("cargo:rerun-if-changed={}", dist.display());
    } else {
        // No build yet: look again once one appears. `web/` itself is
        // watched (a missing path would rerun this script on every build).
        println!("cargo:rerun-if-changed={}", web.display());
    }
    files.sort();

    let mut table = String::from("&[\n");
    for (path, file) in &files {
        writeln!(
            table,
            "    ({path:?}, include_bytes!({file:?}) as &[u8]),",
            file = file.display()
        )
        .expect("writing to a String");
    }
    table.push(']');
    std::fs::write(
        out.join("web_assets.rs"),
        format!("/// Built files of `web/dist`: path from the root, bytes.\npub static ASSETS: &[(&str, &[u8])] = {table};\n"),
    )
    .expect("writing web_assets.rs");
}

/// Every file under `dir`, as (`/`-separated path from `root`, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let absolute = path.canonicalize().unwrap_or(path);
            files.push((name, absolute));
        }
    }
}
