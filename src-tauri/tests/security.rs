//! The window's security settings, checked as files so that a loosened setting fails a test:
//! a strict Content-Security-Policy, no global Tauri object, no shell/fs/http plugins, and a
//! capability that allows the app's own commands and nothing else.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn json(path: &str) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}

#[test]
fn the_csp_is_strict_and_tauri_is_not_global() {
    let conf = json("tauri.conf.json");
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    for loose in ["unsafe-eval", "unsafe-inline", "https:", "http:*", "*"] {
        assert!(!csp.contains(loose), "CSP allows {loose}: {csp}");
    }
    // Only Tauri's own IPC; nothing from the network.
    let connect = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("connect-src"))
        .unwrap();
    assert_eq!(connect, "connect-src ipc: http://ipc.localhost");
    assert!(conf["app"]["security"]["dangerousDisableAssetCspModification"].is_null());
    assert!(
        conf["build"]["devUrl"].is_null(),
        "the app never loads a page from a server"
    );
}

/// The web view keeps nothing on disk: an incognito (ephemeral) WebKit data store, so no web
/// storage, cache or cookie of a session outlives it (docs/security.md: nothing personal in the
/// web view's storage and caches). The E2E test also scans the app's data and cache directories.
#[test]
fn the_web_view_keeps_nothing_on_disk() {
    let conf = json("tauri.conf.json");
    let windows = conf["app"]["windows"].as_array().unwrap();
    assert!(!windows.is_empty());
    for w in windows {
        assert_eq!(w["incognito"], true, "{w}");
        assert!(w["dataDirectory"].is_null(), "{w}");
    }
}

#[test]
fn the_capability_allows_only_the_apps_own_commands() {
    let conf = json("tauri.conf.json");
    assert_eq!(
        conf["app"]["security"]["capabilities"],
        serde_json::json!(["main-window"])
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let files: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert_eq!(files.len(), 1, "one capability file");
    let cap = json("capabilities/main-window.json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(
        cap["permissions"],
        serde_json::json!(["allow-app-commands"])
    );
    assert!(
        cap["remote"].is_null(),
        "no remote page gets any capability"
    );

    let toml = read("permissions/app.toml");
    let list = toml.split("commands.allow = [").nth(1).unwrap();
    let list = &list[..list.find(']').unwrap()];
    let allowed: Vec<&str> = list
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(allowed, waypoint_desktop::COMMANDS);
    assert!(!toml.contains("commands.deny"));
}

#[test]
fn no_shell_fs_or_http_plugin() {
    let manifest = read("Cargo.toml");
    assert!(
        !manifest.contains("tauri-plugin"),
        "the app uses no Tauri plugin"
    );
    let shell = read("src/shell.rs");
    assert!(!shell.contains(".plugin("), "no plugin is registered");
    for command in waypoint_desktop::COMMANDS {
        assert!(
            shell.contains(&format!("fn {command}(")),
            "{command} is not a command"
        );
    }
}
