//! Crash output holds no personal data (docs/security.md): a panic whose message carries names and
//! a document number prints only where it happened, and the process can leave no core dump.
//! The test runs itself again as a child process that installs the guard and panics.
#![allow(clippy::unwrap_used)] // a test that cannot set up fails loudly

use std::process::Command;

/// What a careless `expect` could put in a panic message. Obviously fake.
const MARKER: &str = "qzxcrashcanary TESTPERSON-ZZQ RTD-ZZQ-000931";
const CHILD: &str = "WAYPOINT_CRASH_TEST_CHILD";
const NAME: &str = "a_panic_says_where_but_not_what_and_leaves_no_core_dump";

#[test]
fn a_panic_says_where_but_not_what_and_leaves_no_core_dump() {
    if std::env::var_os(CHILD).is_some() {
        waypoint_keys::guard_crash_output("crash-test");
        #[cfg(target_os = "linux")]
        {
            let dumpable = rustix::process::dumpable_behavior().unwrap();
            let core = rustix::process::getrlimit(rustix::process::Resource::Core);
            println!("dumpable={dumpable:?} core={:?}", core.current);
        }
        panic!("could not read {MARKER}");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child panicked: {stdout}");
    assert!(
        stderr.contains("crash-test: internal error at crates/waypoint-keys/tests/crash.rs:"),
        "says where: {stderr}"
    );
    for part in MARKER.split(' ') {
        assert!(
            !stderr.contains(part) && !stdout.contains(part),
            "{part} was printed: {stdout} {stderr}"
        );
    }
    #[cfg(target_os = "linux")]
    assert!(
        stdout.contains("dumpable=NotDumpable core=Some(0)"),
        "no core dump: {stdout}"
    );
}

#[test]
fn the_crash_message_names_the_place_and_nothing_else() {
    let m = waypoint_keys::crash_message("waypoint", Some(("src/main.rs", 12)));
    assert!(
        m.starts_with("waypoint: internal error at src/main.rs:12."),
        "{m}"
    );
    assert!(m.contains("not shown"), "{m}");
    let m = waypoint_keys::crash_message("waypoint", None);
    assert!(m.starts_with("waypoint: internal error."), "{m}");
}
