//! Tauri's build step: configuration, and the access-control manifest that makes every app
//! command need an explicit permission (see capabilities/ and permissions/). Also writes a
//! placeholder page when the UI has not been built yet, so that `cargo build`, `clippy` and
//! `test` work without Node.js.

use std::path::Path;

include!("src/command_names.rs");

fn main() {
    let dist = Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        let page = "<!doctype html><meta charset=utf-8><title>Waypoint</title>\
            <p>The Waypoint UI has not been built: run <code>npm run build</code> in <code>ui/</code>, \
            or use <code>scripts/run-desktop</code>.</p>\n";
        if std::fs::create_dir_all(dist).is_ok() {
            let _ = std::fs::write(dist.join("index.html"), page);
        }
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=sop");
    println!("cargo:rerun-if-changed=src/command_names.rs");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        println!("cargo:warning=tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}
