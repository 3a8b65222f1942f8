//! The Tauri shell: opens the store (`WAYPOINT_DATA_DIR`, as the CLI) and registers the
//! commands, each a thin wrapper around [`crate::commands`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use waypoint_store::Store;

use crate::commands;
use crate::dto::*;
use crate::error::CommandError;
use crate::state::AppState;

type Res<T> = Result<T, CommandError>;

// ---- search: on a blocking thread, as it may wait for the index being built at start
#[tauri::command(rename_all = "snake_case")]
async fn search(app: AppHandle, query: String, limit: Option<usize>) -> Res<Vec<SearchHit>> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        commands::search::search(&state, &query, limit.unwrap_or(20))
    })
    .await
    .map_err(|e| CommandError::invalid(format!("the search stopped: {e}")))?
}

// ---- cases
#[tauri::command(rename_all = "snake_case")]
async fn get_case(state: State<'_, AppState>, case_no: String) -> Res<CaseDetail> {
    commands::cases::get_case(&state, &case_no)
}

// ---- checks
#[tauri::command(rename_all = "snake_case")]
async fn check_mrz(
    state: State<'_, AppState>,
    individual_no: String,
    mrz: String,
) -> Res<MrzComparison> {
    commands::checks::check_mrz(&state, &individual_no, &mrz)
}

#[tauri::command(rename_all = "snake_case")]
async fn record_identity_check(
    state: State<'_, AppState>,
    request: IdentityCheckRequest,
) -> Res<IdentityCheckRecord> {
    commands::checks::record_identity_check(&state, &request)
}

// ---- custody
#[tauri::command(rename_all = "snake_case")]
async fn document_custody(
    state: State<'_, AppState>,
    case_no: String,
) -> Res<Vec<DocumentCustody>> {
    commands::custody::document_custody(&state, &case_no)
}

#[tauri::command(rename_all = "snake_case")]
async fn record_custody_transfer(
    state: State<'_, AppState>,
    request: TransferRequest,
) -> Res<DocumentCustody> {
    commands::custody::record_custody_transfer(&state, &request)
}

// ---- counselling
#[tauri::command(rename_all = "snake_case")]
async fn counselling_programmes(state: State<'_, AppState>) -> Res<Vec<SopProgramme>> {
    Ok(commands::counselling::counselling_programmes(&state))
}

#[tauri::command(rename_all = "snake_case")]
async fn record_counselling(
    state: State<'_, AppState>,
    request: CounsellingRequest,
) -> Res<CounsellingRecord> {
    commands::counselling::record_counselling(&state, &request)
}

// ---- special needs
#[tauri::command(rename_all = "snake_case")]
async fn special_needs_options() -> Res<SpecialNeedsOptions> {
    Ok(commands::special_needs::special_needs_options())
}

#[tauri::command(rename_all = "snake_case")]
async fn update_special_needs(
    state: State<'_, AppState>,
    update: SpecialNeedsUpdate,
) -> Res<Member> {
    commands::special_needs::update_special_needs(&state, &update)
}

// ---- import: on a blocking thread, with progress through a channel
#[tauri::command(rename_all = "snake_case")]
async fn import_csv(
    app: AppHandle,
    request: ImportRequest,
    on_progress: Channel<ImportProgress>,
) -> Res<ImportOutcome> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        commands::import::import_csv(&state, &request, &mut |p| {
            // A closed window no longer listens; the import goes on regardless.
            let _ = on_progress.send(p);
        })
    })
    .await
    .map_err(|e| CommandError::invalid(format!("the import stopped: {e}")))?
}

// ---- status
#[tauri::command(rename_all = "snake_case")]
async fn status(state: State<'_, AppState>) -> Res<Status> {
    commands::status::status(&state)
}

// ---- sync: on a blocking thread, on its own connection to the store
#[tauri::command(rename_all = "snake_case")]
async fn sync_now(app: AppHandle) -> Res<SyncOutcome> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        commands::sync::sync_now(&state)
    })
    .await
    .map_err(|e| CommandError::invalid(format!("the sync stopped: {e}")))?
}

// ---- sync conflicts
#[tauri::command(rename_all = "snake_case")]
async fn conflicts(state: State<'_, AppState>) -> Res<Vec<ConflictItem>> {
    commands::conflicts::conflicts(&state)
}

#[tauri::command(rename_all = "snake_case")]
async fn resolve_conflict(
    state: State<'_, AppState>,
    resolution: ConflictResolution,
) -> Res<Vec<ConflictItem>> {
    commands::conflicts::resolve_conflict(&state, &resolution)
}

/// Starts the desktop app; returns when its window is closed.
pub fn run() -> ExitCode {
    let state = match open_state() {
        Ok(state) => state,
        Err(e) => {
            eprintln!("waypoint-desktop: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = tauri::Builder::default()
        .manage(state)
        .setup(|app| {
            // Build the search index now, off the store: the window and its other commands do
            // not wait for it; a search waits for it to be installed.
            // Begun here, so that a search typed at once already waits for it.
            match app.state::<AppState>().begin_search_index() {
                Ok(pending) => {
                    let handle = app.handle().clone();
                    std::thread::spawn(move || {
                        let state = handle.state::<AppState>();
                        if let Err(e) = state.finish_search_index(pending) {
                            eprintln!("waypoint-desktop: search index: {e}");
                        }
                    });
                }
                Err(e) => eprintln!("waypoint-desktop: search index: {e}"),
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            search,
            get_case,
            check_mrz,
            record_identity_check,
            document_custody,
            record_custody_transfer,
            counselling_programmes,
            record_counselling,
            special_needs_options,
            update_special_needs,
            import_csv,
            status,
            sync_now,
            conflicts,
            resolve_conflict,
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("waypoint-desktop: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The data directory: `WAYPOINT_DATA_DIR`, else the platform's (as the CLI).
fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("WAYPOINT_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "Waypoint", "waypoint")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| anyhow!("no data directory could be found: set WAYPOINT_DATA_DIR"))
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn open_state() -> anyhow::Result<AppState> {
    let dir = data_dir()?;
    // Until the sign-in screen (issue 6, items 2 and 3), the staff member and PIN come from
    // the environment, as for the CLI: WAYPOINT_STAFF (else WAYPOINT_OFFICER) and WAYPOINT_PIN.
    let staff = env_text("WAYPOINT_STAFF")
        .or_else(|| env_text("WAYPOINT_OFFICER"))
        .ok_or_else(|| anyhow!("who is working? set WAYPOINT_STAFF and WAYPOINT_PIN"))?;
    let pin = zeroize::Zeroizing::new(
        std::env::var("WAYPOINT_PIN")
            .ok()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| anyhow!("no PIN: set WAYPOINT_PIN"))?,
    );
    let place = waypoint_keys::SecretPlace::for_this_device()?;
    let (_, key) = waypoint_keys::DeviceKeys::unlock_or_create(
        &dir,
        &place,
        &dir.join(waypoint_store::DB_FILE),
        &staff,
        &pin,
    )?;
    let store = Store::open(&dir, &key)
        .with_context(|| format!("opening the store in {}", dir.display()))?;
    let officer = env_text("WAYPOINT_OFFICER").unwrap_or_else(|| staff.clone());
    let site = env_text("WAYPOINT_SITE").map(|s| s.to_ascii_uppercase());
    Ok(AppState::new(store, dir, officer, site))
}
