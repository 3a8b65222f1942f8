//! Sync and re-import together: a colleague's edit that arrived by sync is an edit made in
//! Waypoint, which a re-import of an older file keeps and lists as a clash. Real
//! `waypoint-server` and `waypoint` processes, as in `sync`.

use std::ffi::OsStr;

use crate::sync::{Server, sync};
use crate::util::{Env, individual, sample_path};

#[test]
fn a_reimport_of_an_older_file_keeps_a_colleagues_synced_edit_and_lists_the_clash() {
    let server = Server::start();
    let (one, two) = (Env::new(), Env::new());
    server.enrol("KGL-TC1", &one, "kgl-laptop-1");
    server.enrol("KGL-TC1", &two, "kgl-laptop-2");
    one.import_sample();
    sync(&one);
    sync(&two);

    // Laptop 1 corrects a name (a sensitive field) and a phone number, and syncs.
    one.ok([
        "individual",
        "set",
        "I-0001002",
        "family_name",
        "Mukamana-Uwase",
    ]);
    one.ok([
        "individual",
        "set",
        "I-0001002",
        "phone",
        "+250 788 000 111",
    ]);
    sync(&one);

    // Laptop 2 receives them, then loads the older file again, and syncs.
    sync(&two);
    let sample = sample_path();
    let summary = two.ok([OsStr::new("import"), sample.as_os_str()]);
    assert!(summary.contains("clashes:     2"), "{summary}");
    let clash = format!(
        "{}:3: I-0001002 family_name: kept 'Mukamana-Uwase' (edited in Waypoint), file has 'MUKAMANA'",
        sample.display()
    );
    assert!(
        summary.lines().any(|l| l.trim() == clash),
        "no line '{clash}' in:\n{summary}"
    );
    for _ in 0..2 {
        sync(&two);
        sync(&one);
    }

    // The colleague's values survive on both laptops.
    for laptop in [&one, &two] {
        let lines = laptop.export_lines();
        let person = individual(&lines, "I-0001002");
        assert_eq!(person["family_name"], "Mukamana-Uwase");
        assert_eq!(person["phone"], "+250 788 000 111");
    }
    assert_eq!(one.export(), two.export());
}
