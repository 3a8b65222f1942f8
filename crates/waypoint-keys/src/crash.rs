//! Crash output without personal data (docs/security.md: nothing personal in clear anywhere,
//! crash output included).
//!
//! A process that holds the store key and records in memory must not leave them behind when it
//! fails. [`guard_crash_output`] makes two changes for the whole process, at its start:
//!
//! - **No core dumps.** The process is made non-dumpable (`PR_SET_DUMPABLE` 0, which also keeps
//!   other processes of the same user from reading its memory through `ptrace` or
//!   `/proc/PID/mem`) and its core-file size limit is set to 0. A core file would hold the
//!   store key and every record the process had read, in clear.
//! - **Panics say where, never what.** Rust's default panic message includes the panic's
//!   payload, which can be formatted from data (`expect` on a value, an assertion with a
//!   field). The hook prints the program, the source location and what to do, nothing else.
//!
//! Both are best effort where the operating system does not offer them (they are Linux calls).

use std::io::Write;

/// What a crash prints: where it happened, and that the details are withheld. No payload.
pub fn crash_message(program: &str, location: Option<(&str, u32)>) -> String {
    let place = location
        .map(|(file, line)| format!(" at {file}:{line}"))
        .unwrap_or_default();
    format!(
        "{program}: internal error{place}. Its details are not shown because they may hold \
         personal data. Work that was saved is safe; please report this error and where it \
         happened."
    )
}

/// Installs the panic hook and turns core dumps off for this process (see the module docs).
/// Call it first thing in `main`.
pub fn guard_crash_output(program: &'static str) {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{
            DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit,
        };
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    std::panic::set_hook(Box::new(move |info| {
        let message = crash_message(program, info.location().map(|l| (l.file(), l.line())));
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }));
}
