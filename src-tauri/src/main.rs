// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // No core dumps, and panics that say where but not what (they may hold personal data).
    waypoint_app::guard_crash_output("waypoint-desktop");
    waypoint_desktop::run()
}
