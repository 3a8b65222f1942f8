// The names of the app's own commands: the only ones the window may call. Shared by build.rs
// (Tauri's access-control manifest) and the crate (tests check the capability against it).

/// Every `#[tauri::command]` the window may call, grouped by area.
pub const COMMANDS: &[&str] = &[
    // sign-in and locks
    "session",
    "sign_in",
    "lock",
    // search and cases
    "search",
    "find_abn",
    "get_case",
    // identity and document checks
    "check_mrz",
    "record_identity_check",
    // document custody
    "document_custody",
    "record_custody_transfer",
    // pre-departure counselling
    "counselling_programmes",
    "record_counselling",
    // special needs
    "special_needs_options",
    "update_special_needs",
    // bookings, their warnings and the ABN
    "case_bookings",
    "booking",
    "save_booking",
    "acknowledge_warning",
    "abn",
    "save_abn_pdf",
    // import
    "import_csv",
    // sync status, sync and conflicts
    "status",
    "sync_now",
    "conflicts",
    "resolve_conflict",
    // a case's history, its journey and exit permits
    "case_history",
    "change_journey",
    "record_exit_permit",
];
