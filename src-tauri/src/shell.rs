//! The Tauri shell: starts locked over the data directory (`WAYPOINT_DATA_DIR`, as the CLI),
//! watches for a system suspend, and registers the commands, each a thin wrapper around
//! [`crate::commands`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::commands;
use crate::dto::*;
use crate::error::CommandError;
use waypoint_app::session::Session;

type Res<T> = Result<T, CommandError>;

// ---- sign-in and locks
#[tauri::command(rename_all = "snake_case")]
async fn session(state: State<'_, Session>) -> Res<SessionInfo> {
    Ok(commands::session::session(&state))
}

/// On a blocking thread: the PIN is stretched by Argon2id (64 MiB, 3 passes). A successful
/// sign-in builds the search index in the background.
#[tauri::command(rename_all = "snake_case")]
async fn sign_in(app: AppHandle, name: String, pin: String) -> Res<SignInOutcome> {
    let pin = zeroize::Zeroizing::new(pin);
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<Session>();
        let outcome = commands::session::sign_in(&state, &name, &pin)?;
        if matches!(outcome, SignInOutcome::SignedIn { .. }) {
            index_in_background(&app);
        }
        Ok(outcome)
    })
    .await
    .map_err(|e| CommandError::invalid(format!("the sign-in stopped: {e}")))?
}

/// On a blocking thread: locking waits for a command that holds the store (an import).
#[tauri::command(rename_all = "snake_case")]
async fn lock(app: AppHandle, reason: LockReason) -> Res<SessionInfo> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<Session>();
        commands::session::lock(&state, reason)
    })
    .await
    .map_err(|e| CommandError::invalid(format!("locking stopped: {e}")))
}

/// Builds the search index off the store: the window and its other commands do not wait for
/// it; a search waits for it to be installed. Begun here, so that a search typed at once
/// already waits for it.
fn index_in_background(app: &AppHandle) {
    match app.state::<Session>().begin_search_index() {
        Ok(pending) => {
            let handle = app.clone();
            std::thread::spawn(move || {
                let state = handle.state::<Session>();
                if let Err(e) = state.finish_search_index(pending) {
                    eprintln!("waypoint-desktop: search index: {e}");
                }
            });
        }
        Err(e) => eprintln!("waypoint-desktop: search index: {e}"),
    }
}

// ---- search: on a blocking thread, as it may wait for the index being built at start
#[tauri::command(rename_all = "snake_case")]
async fn search(app: AppHandle, query: String, limit: Option<usize>) -> Res<Vec<SearchHit>> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<Session>();
        commands::search::search(&state, &query, limit.unwrap_or(20))
    })
    .await
    .map_err(|e| CommandError::invalid(format!("the search stopped: {e}")))?
}

#[tauri::command(rename_all = "snake_case")]
async fn find_abn(state: State<'_, Session>, query: String) -> Res<Option<String>> {
    commands::search::find_abn(&state, &query)
}

// ---- cases
#[tauri::command(rename_all = "snake_case")]
async fn get_case(state: State<'_, Session>, case_no: String) -> Res<CaseDetail> {
    commands::cases::get_case(&state, &case_no)
}

// ---- checks
#[tauri::command(rename_all = "snake_case")]
async fn check_mrz(
    state: State<'_, Session>,
    individual_no: String,
    mrz: String,
) -> Res<MrzComparison> {
    commands::checks::check_mrz(&state, &individual_no, &mrz)
}

#[tauri::command(rename_all = "snake_case")]
async fn record_identity_check(
    state: State<'_, Session>,
    request: IdentityCheckRequest,
) -> Res<IdentityCheckRecord> {
    commands::checks::record_identity_check(&state, &request)
}

// ---- custody
#[tauri::command(rename_all = "snake_case")]
async fn document_custody(state: State<'_, Session>, case_no: String) -> Res<Vec<DocumentCustody>> {
    commands::custody::document_custody(&state, &case_no)
}

#[tauri::command(rename_all = "snake_case")]
async fn record_custody_transfer(
    state: State<'_, Session>,
    request: TransferRequest,
) -> Res<DocumentCustody> {
    commands::custody::record_custody_transfer(&state, &request)
}

// ---- counselling
#[tauri::command(rename_all = "snake_case")]
async fn counselling_programmes() -> Res<Vec<SopProgramme>> {
    Ok(commands::counselling::counselling_programmes())
}

#[tauri::command(rename_all = "snake_case")]
async fn record_counselling(
    state: State<'_, Session>,
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
    state: State<'_, Session>,
    update: SpecialNeedsUpdate,
) -> Res<Member> {
    commands::special_needs::update_special_needs(&state, &update)
}

// ---- bookings, their warnings and the ABN
#[tauri::command(rename_all = "snake_case")]
async fn case_bookings(state: State<'_, Session>, case_no: String) -> Res<Vec<BookingDetail>> {
    commands::bookings::case_bookings(&state, &case_no)
}

#[tauri::command(rename_all = "snake_case")]
async fn booking(state: State<'_, Session>, booking_ref: String) -> Res<BookingDetail> {
    commands::bookings::booking(&state, &booking_ref)
}

#[tauri::command(rename_all = "snake_case")]
async fn save_booking(state: State<'_, Session>, request: BookingRequest) -> Res<BookingDetail> {
    commands::bookings::save_booking(&state, &request)
}

#[tauri::command(rename_all = "snake_case")]
async fn acknowledge_warning(
    state: State<'_, Session>,
    request: AcknowledgeRequest,
) -> Res<BookingDetail> {
    commands::bookings::acknowledge_warning(&state, &request)
}

#[tauri::command(rename_all = "snake_case")]
async fn abn(state: State<'_, Session>, abn_no: String) -> Res<AbnDetail> {
    commands::bookings::abn(&state, &abn_no)
}

/// On a blocking thread: laying out the PDF takes a moment. It goes to the person's documents
/// folder (else downloads, else the app's data directory); the window says where.
#[tauri::command(rename_all = "snake_case")]
async fn save_abn_pdf(app: AppHandle, request: AbnPdfRequest) -> Res<AbnPdfSaved> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<Session>();
        let paths = app.path();
        let dir = paths
            .document_dir()
            .or_else(|_| paths.download_dir())
            .unwrap_or_else(|_| state.data_dir.join("abn"));
        commands::bookings::save_abn_pdf(&state, &request, &dir)
    })
    .await
    .map_err(|e| CommandError::invalid(format!("writing the ABN stopped: {e}")))?
}

// ---- import: on a blocking thread, with progress through a channel
#[tauri::command(rename_all = "snake_case")]
async fn import_csv(
    app: AppHandle,
    request: ImportRequest,
    on_progress: Channel<ImportProgress>,
) -> Res<ImportOutcome> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<Session>();
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
async fn status(state: State<'_, Session>) -> Res<Status> {
    commands::status::status(&state)
}

// ---- sync: on a blocking thread, on its own connection to the store
#[tauri::command(rename_all = "snake_case")]
async fn sync_now(app: AppHandle) -> Res<SyncOutcome> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<Session>();
        commands::sync::sync_now(&state)
    })
    .await
    .map_err(|e| CommandError::invalid(format!("the sync stopped: {e}")))?
}

// ---- sync conflicts
#[tauri::command(rename_all = "snake_case")]
async fn conflicts(state: State<'_, Session>) -> Res<Vec<ConflictItem>> {
    commands::conflicts::conflicts(&state)
}

#[tauri::command(rename_all = "snake_case")]
async fn resolve_conflict(
    state: State<'_, Session>,
    resolution: ConflictResolution,
) -> Res<Vec<ConflictItem>> {
    commands::conflicts::resolve_conflict(&state, &resolution)
}

// ---- a case's history, its journey and exit permits
#[tauri::command(rename_all = "snake_case")]
async fn case_history(
    state: State<'_, Session>,
    case_no: String,
    individual_no: Option<String>,
) -> Res<Vec<HistoryEntry>> {
    commands::history::case_history(&state, &case_no, individual_no.as_deref())
}

#[tauri::command(rename_all = "snake_case")]
async fn change_journey(
    state: State<'_, Session>,
    request: JourneyChangeRequest,
) -> Res<Vec<MemberJourney>> {
    commands::journey::change_journey(&state, &request)
}

#[tauri::command(rename_all = "snake_case")]
async fn record_exit_permit(
    state: State<'_, Session>,
    request: ExitPermitStepRequest,
) -> Res<Vec<ExitPermitRecord>> {
    commands::journey::record_exit_permit(&state, &request)
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
            // A suspend locks the app; the window learns it at its next look at the session
            // (it asks every few seconds, and any command answers "locked").
            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("suspend-watch".into())
                .spawn(move || {
                    crate::suspend::watch(|_asleep| {
                        handle.state::<Session>().lock(LockReason::Suspend);
                    })
                })?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            session,
            sign_in,
            lock,
            search,
            find_abn,
            get_case,
            check_mrz,
            record_identity_check,
            document_custody,
            record_custody_transfer,
            counselling_programmes,
            record_counselling,
            special_needs_options,
            update_special_needs,
            case_bookings,
            booking,
            save_booking,
            acknowledge_warning,
            abn,
            save_abn_pdf,
            import_csv,
            status,
            sync_now,
            conflicts,
            resolve_conflict,
            case_history,
            change_journey,
            record_exit_permit,
        ])
        .run(context());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("waypoint-desktop: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The app's configuration (tauri.conf.json). Its window is incognito: WebKit keeps no cookies,
/// storage or cache on disk. One exception: under WebDriver (`TAURI_WEBVIEW_AUTOMATION`, set by
/// tauri-driver for the end-to-end test), because wry gives an incognito window an ephemeral
/// WebKit context that does not allow automation. The end-to-end test then scans the web
/// view's (persistent) data and cache directories for the sample's names and document
/// numbers, which is the stricter check: nothing personal there even when WebKit keeps files.
fn context() -> tauri::Context<tauri::Wry> {
    let mut context = tauri::generate_context!();
    if std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true") {
        for window in &mut context.config_mut().app.windows {
            window.incognito = false;
        }
    }
    context
}

/// The data directory: `WAYPOINT_DATA_DIR`, else the platform's (as the CLI).
fn data_dir() -> anyhow::Result<PathBuf> {
    let given = std::env::var_os("WAYPOINT_DATA_DIR").map(PathBuf::from);
    Ok(waypoint_app::session::data_dir(given)?)
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The app as it starts: locked. Nobody's name or PIN comes from the environment: a person
/// signs in on the sign-in screen.
fn open_state() -> anyhow::Result<Session> {
    let dir = data_dir()?;
    let place = waypoint_app::session::SecretPlace::for_this_device()?;
    let site = env_text("WAYPOINT_SITE").map(|s| s.to_ascii_uppercase());
    // WAYPOINT_IDLE_SECONDS: a shorter (or longer) idle lock than the site's, for tests.
    let idle = match env_text("WAYPOINT_IDLE_SECONDS") {
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            anyhow!("WAYPOINT_IDLE_SECONDS must be a whole number of seconds, not {text}")
        })?),
        None => None,
    };
    Ok(Session::locked(dir, site, Some(place)).with_idle_seconds(idle))
}
