//! The TypeScript types committed under ui/src/lib/bindings/ are exactly what the Rust DTOs
//! generate. After changing a DTO: `WAYPOINT_BLESS=1 cargo test -p waypoint-desktop --test bindings`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ts"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn committed_typescript_bindings_match_the_rust_types() {
    let committed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(waypoint_desktop::bindings::UI_BINDINGS);
    if std::env::var_os("WAYPOINT_BLESS").is_some() {
        if committed.exists() {
            for name in read_dir(&committed).keys() {
                std::fs::remove_file(committed.join(name)).unwrap();
            }
        }
        waypoint_desktop::bindings::export(&committed).unwrap();
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    waypoint_desktop::bindings::export(fresh.path()).unwrap();
    let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
    assert!(!want.is_empty());
    let missing: Vec<&String> = want.keys().filter(|k| !have.contains_key(*k)).collect();
    let extra: Vec<&String> = have.keys().filter(|k| !want.contains_key(*k)).collect();
    let changed: Vec<&String> = want
        .iter()
        .filter(|(k, v)| have.get(*k).is_some_and(|h| h != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && changed.is_empty(),
        "ui/src/lib/bindings/ is out of date (missing {missing:?}, extra {extra:?}, changed {changed:?}): \
         run WAYPOINT_BLESS=1 cargo test -p waypoint-desktop --test bindings and commit the result"
    );
}
