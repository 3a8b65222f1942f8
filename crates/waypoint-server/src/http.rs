//! The HTTP API (docs/sync-protocol.md): routes, the device credential, errors as JSON.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, State};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde::Deserialize;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use waypoint_protocol::{
    AuditAck, AuditPush, AuditRecord, BATCH_CONTENT_TYPE, DEFAULT_PULL_LIMIT, DIRECTORY_HEADER,
    EnrolRequest, EnrolResponse, ErrorBody, Limit, MAX_BODY_BYTES, MAX_CLIENT_SEQ_JUMP,
    MAX_DECODED_BYTES, MAX_PULL_LIMIT, MIN_SCHEMA_VERSION, ProtocolError, PullPage, PushRequest,
    PushResponse, REVOKED_HEADER, RevokeReason, SCHEMA_HEADER, SCHEMA_VERSION, SignInRequest,
    SignInResponse, StaffDirectory, StatusResponse, SyncRequest, SyncResponse, hlc, paths,
};

use crate::server_key::ServerKey;
use crate::store::{Device, DeviceRecovery, FailureKind, ServerStore, ServerStoreError, name_key};
use crate::{admin, auth};

/// How long failed enrolments and sign-ins are remembered for the rate limits.
pub const FAILURE_WINDOW_MS: u64 = 15 * 60 * 1000;
/// Failed sign-ins for one name, or from one device, within the window after which sign-in
/// is refused (429) until the window has passed.
pub const MAX_SIGN_IN_FAILURES: u32 = 5;
/// Wrong enrolment codes from one address within the window after which enrolment from that
/// address is refused (429).
pub const MAX_ENROL_FAILURES: u32 = 10;

/// The server's clock (tests set their own).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        crate::wall_clock_ms()
    }
}

/// PIN checks (Argon2id, 64 MiB each) that run at once; the others wait their turn. Without a
/// bound, a burst of sign-ins grew the server by gigabytes.
pub const PIN_CHECKS_AT_ONCE: usize = 2;

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct ServerState {
    pub store: Arc<dyn ServerStore>,
    pub clock: Arc<dyn Clock>,
    /// How long one request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Bulk bodies being decompressed and decoded at once (each may take 128 MiB and a
    /// core): the rest wait, off the async workers.
    pub decoders: Arc<tokio::sync::Semaphore>,
    /// Wraps recovery secrets before they are stored (see `server_key`).
    pub server_key: Arc<ServerKey>,
    /// At most [`PIN_CHECKS_AT_ONCE`] PIN checks at once.
    pin_checks: Arc<tokio::sync::Semaphore>,
    /// PIN checks started since the server started (tests read it).
    pin_checks_run: Arc<AtomicU64>,
}

impl ServerState {
    /// A state with a new server key kept in memory only (tests, in-process servers): the
    /// recovery secrets it wraps open only while it lives. `serve` uses [`ServerState::with_key`].
    pub fn new(store: Arc<dyn ServerStore>) -> Self {
        #[allow(clippy::expect_used)]
        let key = ServerKey::generate().expect("the system supplies random numbers");
        Self::with_key(store, key)
    }

    /// A state whose recovery secrets are wrapped by `server_key`.
    pub fn with_key(store: Arc<dyn ServerStore>, server_key: ServerKey) -> Self {
        ServerState {
            store,
            clock: Arc::new(SystemClock),
            request_timeout: Duration::from_secs(120),
            decoders: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8)),
            )),
            server_key: Arc::new(server_key),
            pin_checks: Arc::new(tokio::sync::Semaphore::new(PIN_CHECKS_AT_ONCE)),
            pin_checks_run: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many PIN checks (Argon2id hashes) this state has started.
    pub fn pin_checks_run(&self) -> u64 {
        self.pin_checks_run.load(Ordering::Relaxed)
    }

    /// Checks `pin` against `phc` (the decoy when `None`) off the async threads, waiting for
    /// one of the [`PIN_CHECKS_AT_ONCE`] places.
    async fn check_pin(
        &self,
        pin: zeroize::Zeroizing<String>,
        phc: Option<String>,
    ) -> Result<bool, ApiError> {
        let _place = self.pin_checks.acquire().await.map_err(internal)?;
        self.pin_checks_run.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || auth::verify_pin(&pin, phc.as_deref()))
            .await
            .map_err(internal)
    }

    fn server_hlc(&self, seen: u64) -> u64 {
        hlc::from_parts(self.clock.now_ms(), 0).max(seen)
    }
}

/// An error answer: a status and a JSON `{error}` written for a person.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("This device is not enrolled, or it was revoked. Ask HQ for a new enrolment code.")]
    Unauthorized,
    #[error(
        "HQ revoked this device as lost: it is refused, and it erases its Waypoint data now. \
         If you have it in hand, take it to HQ; it can be enrolled again with a new code."
    )]
    RevokedLost,
    #[error(
        "HQ retired this device: it may only send its pending changes (`waypoint sync`), after \
         which it erases its Waypoint data."
    )]
    RevokedRetired,
    #[error(
        "This enrolment code is not valid: it may be mistyped, already used or expired. \
         Ask HQ for a new code."
    )]
    BadCode,
    #[error("{0}")]
    UpgradeRequired(String),
    #[error("The name or PIN is not right.")]
    WrongPin,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyAttempts(String),
    #[error(
        "This device was enrolled before online sign-in existed, so it cannot take a new \
         person's sign-in: ask HQ for a new enrolment code and enrol it again."
    )]
    NoRecovery,
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    /// Audit entries the server does not keep (the chain it holds would break): why.
    #[error("{0}")]
    AuditRefused(String),
    #[error(
        "The request is larger than this server takes ({MAX_BODY_BYTES} bytes); send smaller batches."
    )]
    TooLarge,
    #[error(
        "The request is larger than this server takes once decompressed ({MAX_DECODED_BYTES} \
         bytes); send smaller batches."
    )]
    DecodedTooLarge,
    #[error("The request holds more than this server takes ({0}); send smaller batches.")]
    OverLimit(Limit),
    #[error("A bulk request must be sent with Content-Type: {BATCH_CONTENT_TYPE}.")]
    WrongContentType,
    #[error(
        "The server could not complete the request because of a problem on its side. \
         Nothing was lost: the device keeps its changes; try again later."
    )]
    Internal,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized
            | ApiError::RevokedLost
            | ApiError::RevokedRetired
            | ApiError::BadCode => StatusCode::UNAUTHORIZED,
            ApiError::UpgradeRequired(_) => StatusCode::UPGRADE_REQUIRED,
            ApiError::WrongPin | ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NoRecovery => StatusCode::CONFLICT,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::AuditRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge | ApiError::DecodedTooLarge | ApiError::OverLimit(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::WrongContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn revoked(reason: RevokeReason) -> ApiError {
        match reason {
            RevokeReason::Lost => ApiError::RevokedLost,
            RevokeReason::Retired => ApiError::RevokedRetired,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The reason is what a device acts on (wipe now, or push first); the sentence is for
        // the person at it.
        let revoked = match self {
            ApiError::RevokedLost => Some(RevokeReason::Lost),
            ApiError::RevokedRetired => Some(RevokeReason::Retired),
            _ => None,
        };
        (
            self.status(),
            Json(ErrorBody {
                error: self.to_string(),
                revoked,
            }),
        )
            .into_response()
    }
}

impl From<ServerStoreError> for ApiError {
    fn from(e: ServerStoreError) -> Self {
        match e {
            // The store refuses pushes of a device revoked as lost (a retired one may push).
            ServerStoreError::Revoked => ApiError::RevokedLost,
            ServerStoreError::OutOfOrder(_) | ServerStoreError::OutOfRange => {
                ApiError::BadRequest(e.to_string())
            }
            other => {
                // Store errors name tables and constraints, never values (see ServerStoreError).
                tracing::error!("storage failed: {other}");
                ApiError::Internal
            }
        }
    }
}

impl From<ProtocolError> for ApiError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::UnsupportedSchema { .. } => ApiError::UpgradeRequired(e.to_string()),
            ProtocolError::TooLarge => ApiError::DecodedTooLarge,
            ProtocolError::OverLimit(limit) => ApiError::OverLimit(limit),
            ProtocolError::Encode(_) => {
                tracing::error!("encoding an answer failed: {e}");
                ApiError::Internal
            }
            ProtocolError::Decode(_) => ApiError::BadRequest(e.to_string()),
        }
    }
}

/// The body of a bulk request, once its Content-Type is the bulk one.
fn bulk_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let is_batch = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(BATCH_CONTENT_TYPE));
    if !is_batch {
        return Err(ApiError::WrongContentType);
    }
    body.map_err(body_error)
}

/// Decompresses and decodes a bulk request on a blocking thread, a few at a time: a body of
/// a few KB may decompress to 128 MiB, which must not stall the requests of other devices.
async fn decode_bulk<T>(state: &ServerState, body: Bytes) -> Result<T, ApiError>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let permit = state
        .decoders
        .clone()
        .acquire_owned()
        .await
        .map_err(internal)?;
    // The permit goes with the work: a request that times out leaves its decode running.
    tokio::task::spawn_blocking(move || {
        let decoded = waypoint_protocol::decode_request::<T>(&body);
        drop(permit);
        decoded
    })
    .await
    .map_err(internal)?
    .map_err(ApiError::from)
}

fn body_error(e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::BadRequest("the body could not be received".into())
    }
}

/// The enrolled device holding the request's `Authorization: Bearer <token>`, revoked or not.
async fn device_of(parts: &Parts, state: &ServerState) -> Result<Device, ApiError> {
    let token = bearer(parts)?;
    state
        .store
        .device_by_token(&auth::hash_secret(token))
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// The device a request's `Authorization: Bearer <token>` belongs to: its scope comes from
/// the server's tables, never from the request. A revoked device is refused (401, with the
/// reason in the body's `revoked`), whatever the reason.
#[derive(Debug, Clone)]
pub struct AuthDevice(pub Device);

impl FromRequestParts<ServerState> for AuthDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, ApiError> {
        let device = device_of(parts, state).await?;
        match device.revoked {
            Some(reason) => Err(ApiError::revoked(reason)),
            None => Ok(AuthDevice(device)),
        }
    }
}

/// As [`AuthDevice`], but a device HQ *retired* is let in (`POST /v1/sync` only): it may still
/// push its pending changes before it wipes itself. A device revoked as lost is refused.
#[derive(Debug, Clone)]
pub struct SyncDevice(pub Device);

impl FromRequestParts<ServerState> for SyncDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, ApiError> {
        let device = device_of(parts, state).await?;
        match device.revoked {
            Some(RevokeReason::Lost) => Err(ApiError::RevokedLost),
            None | Some(RevokeReason::Retired) => Ok(SyncDevice(device)),
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)
}

/// The device asking for an online sign-in: by its sign-in credential (what a device whose
/// store is still locked holds) or by its token.
#[derive(Debug, Clone)]
pub struct SignInDevice(pub Device);

impl FromRequestParts<ServerState> for SignInDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, ApiError> {
        let hash = auth::hash_secret(bearer(parts)?);
        if let Some(device) = state.store.device_by_sign_in_token(&hash).await? {
            return Ok(SignInDevice(device));
        }
        // By its token: a revoked device (whatever the reason) signs no one in.
        match state.store.device_by_token(&hash).await? {
            Some(Device {
                revoked: Some(reason),
                ..
            }) => Err(ApiError::revoked(reason)),
            Some(device) => Ok(SignInDevice(device)),
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// The address a request came from, when the server knows it (counted for enrolment's rate
/// limit; behind a proxy every request seems to come from the proxy).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<std::net::IpAddr>);

impl FromRequestParts<ServerState> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &ServerState,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!("{e}");
    ApiError::Internal
}

fn batch<T: serde::Serialize>(message: &T) -> Result<Response, ApiError> {
    let body = waypoint_protocol::encode(message)?;
    Ok(([(header::CONTENT_TYPE, BATCH_CONTENT_TYPE)], body).into_response())
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Waypoint sync API",
        description = "The contract between `waypoint sync` and `waypoint-server` \
                       (docs/sync-protocol.md). Bulk bodies are zstd-compressed postcard \
                       (application/x-waypoint-batch); their types live in the \
                       waypoint-protocol crate."
    ),
    paths(enrol, push, pull, sync, status, sign_in, directory, audit),
    components(schemas(EnrolRequest, EnrolResponse, StatusResponse, ErrorBody, SignInRequest,
                       SignInResponse, StaffDirectory, RevokeReason, AuditPush, AuditAck,
                       AuditRecord)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

/// A bulk body as it travels: opaque bytes (zstd-compressed postcard of a waypoint-protocol
/// type), so that a generated client sends and receives bytes, not a list of numbers.
struct Batch;

impl utoipa::PartialSchema for Batch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{KnownFormat, ObjectBuilder, SchemaFormat, schema::Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for Batch {}

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "device_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI description of the API, as served at `GET /v1/openapi.json`.
pub fn openapi_json() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// Builds the API over `state`.
pub fn app(state: ServerState) -> Router {
    let timeout = state.request_timeout;
    Router::new()
        .route(paths::ENROL, post(enrol))
        .route(paths::PUSH, post(push))
        .route(paths::PULL, get(pull))
        .route(paths::SYNC, post(sync))
        .route(paths::STATUS, get(status))
        .route(paths::SIGN_IN, post(sign_in))
        .route(paths::DIRECTORY, get(directory))
        .route(paths::AUDIT, post(audit))
        .route(paths::OPENAPI, get(openapi))
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::map_response(json_errors))
}

/// Enrols a device with its one-time code.
#[utoipa::path(
    post,
    path = "/v1/enrol",
    request_body = EnrolRequest,
    responses(
        (status = 200, description = "The device's identity and token (shown once)", body = EnrolResponse),
        (status = 400, description = "The body is not JSON like {\"code\": \"…\"}", body = ErrorBody),
        (status = 401, description = "The code is unknown, used or expired", body = ErrorBody),
        (status = 413, description = "The body is larger than the server takes", body = ErrorBody),
        (status = 429, description = "Too many wrong codes from this address", body = ErrorBody),
    )
)]
async fn enrol(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    request: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let Json(request) =
        request.map_err(|_| ApiError::BadRequest("expected JSON like {\"code\": \"…\"}".into()))?;
    let now = state.clock.now_ms();
    let peer_key = auth::hash_secret(&format!(
        "peer:{}",
        peer.map(|p| p.to_string()).unwrap_or_default()
    ));
    let since = now.saturating_sub(FAILURE_WINDOW_MS);
    // Counted before the code is checked, atomically: concurrent wrong codes cannot all pass.
    let Some(attempt) = state
        .store
        .reserve_attempt(
            &[(FailureKind::EnrolPeer, peer_key)],
            MAX_ENROL_FAILURES,
            now,
            since,
        )
        .await?
    else {
        return Err(ApiError::TooManyAttempts(
            "Too many wrong enrolment codes came from this address: wait 15 minutes, then type \
             the code again carefully."
                .into(),
        ));
    };
    let code = auth::normalize_code(&request.code);
    let token = auth::new_token().map_err(internal)?;
    let sign_in_token = auth::new_token().map_err(internal)?;
    let recovery_secret = auth::new_recovery_secret().map_err(internal)?;
    let device = if code.is_empty() {
        None
    } else {
        state
            .store
            .enrol_with(
                &auth::hash_secret(&code),
                &auth::hash_secret(&token),
                Some(DeviceRecovery {
                    signin_token_hash: auth::hash_secret(&sign_in_token),
                    recovery_secret: state.server_key.wrap(&recovery_secret).map_err(internal)?,
                }),
                now,
            )
            .await?
    };
    // A wrong code stays counted.
    let Some(device) = device else {
        return Err(ApiError::BadCode);
    };
    state.store.release_attempt(&attempt).await?;
    tracing::info!(device = %device.name, "device enrolled");
    Ok(Json(EnrolResponse {
        device_id: device.id,
        device_name: device.name,
        token,
        sites: device.sites,
        sign_in_token: Some(sign_in_token),
        recovery_secret: Some(recovery_secret),
    }))
}

/// A staff member's online sign-in on a device: checks the PIN against its hash, that the
/// account is enabled and belongs to one of the device's sites, and answers the role, the
/// device's recovery secret and the directory. Rate-limited per name and per device.
#[utoipa::path(
    post,
    path = "/v1/sign-in",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "The account's role, the device's recovery secret and the staff directory", body = SignInResponse),
        (status = 400, description = "The body is not JSON like {\"name\": \"…\", \"pin\": \"…\"}, or the name is empty", body = ErrorBody),
        (status = 401, description = "Unknown or revoked device", body = ErrorBody),
        (status = 403, description = "Wrong name or PIN, a disabled account, or an account of another site", body = ErrorBody),
        (status = 409, description = "The device has no recovery secret (enrolled before sign-in existed)", body = ErrorBody),
        (status = 413, description = "The body is larger than the server takes", body = ErrorBody),
        (status = 429, description = "Too many wrong PINs for this name or from this device", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn sign_in(
    State(state): State<ServerState>,
    SignInDevice(device): SignInDevice,
    request: Result<Json<SignInRequest>, JsonRejection>,
) -> Result<Json<SignInResponse>, ApiError> {
    let Json(request) = request.map_err(|_| {
        ApiError::BadRequest("expected JSON like {\"name\": \"…\", \"pin\": \"…\"}".into())
    })?;
    let key = name_key(&request.name);
    if key.is_empty() {
        return Err(ApiError::BadRequest("a sign-in needs a name".into()));
    }
    let pin = zeroize::Zeroizing::new(request.pin);
    let now = state.clock.now_ms();
    let since = now.saturating_sub(FAILURE_WINDOW_MS);
    let name_hash = auth::hash_secret(&format!("staff:{key}"));
    let device_hash = auth::hash_secret(&format!("device:{}", device.id));
    // Counted as wrong before the PIN is checked, atomically (across server processes too):
    // a burst of concurrent sign-ins gets at most MAX_SIGN_IN_FAILURES checks.
    let Some(attempt) = state
        .store
        .reserve_attempt(
            &[
                (FailureKind::SignInName, name_hash.clone()),
                (FailureKind::SignInDevice, device_hash),
            ],
            MAX_SIGN_IN_FAILURES,
            now,
            since,
        )
        .await?
    else {
        tracing::warn!(device = %device.name, "sign-in refused: too many wrong PINs");
        return Err(ApiError::TooManyAttempts(format!(
            "Too many wrong PINs ({MAX_SIGN_IN_FAILURES} within 15 minutes) for this name or on \
             this device: wait 15 minutes before trying again, or ask HQ."
        )));
    };
    // An account of another site is checked like an unknown name (against the decoy, in the
    // same time, with the same answer): a device learns nothing about other sites' PINs.
    let credential = state
        .store
        .staff_credential(&key)
        .await?
        .filter(|c| device.sites.contains(&c.account.site));
    let phc = credential.as_ref().map(|c| c.pin_hash.clone());
    let right = state.check_pin(pin, phc).await?;
    let Some(credential) = credential.filter(|_| right) else {
        tracing::info!(device = %device.name, "sign-in refused: wrong name or PIN");
        return Err(ApiError::WrongPin);
    };
    state.store.release_attempt(&attempt).await?;
    let account = credential.account;
    if account.disabled {
        tracing::info!(device = %device.name, "sign-in refused: account disabled");
        return Err(ApiError::Forbidden(
            "This staff account is disabled: it can no longer sign in. Ask HQ if this is a mistake."
                .into(),
        ));
    }
    state
        .store
        .clear_failures(FailureKind::SignInName, &name_hash)
        .await?;
    let stored = state
        .store
        .recovery_secret(&device)
        .await?
        .ok_or(ApiError::NoRecovery)?;
    let recovery_secret = state
        .server_key
        .unwrap(&stored)
        .map_err(internal)?
        .to_string();
    let directory = admin::directory(state.store.as_ref(), &device.sites).await?;
    tracing::info!(device = %device.name, "staff signed in");
    Ok(Json(SignInResponse {
        name: account.name,
        role: account.role,
        site: account.site,
        recovery_secret,
        directory,
    }))
}

/// The staff directory of the device's sites and their policy (never a PIN's hash).
#[utoipa::path(
    get,
    path = "/v1/directory",
    responses(
        (status = 200, description = "The staff directory of the device's sites and their policy", body = StaffDirectory),
        (status = 401, description = "Unknown or revoked device", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn directory(
    State(state): State<ServerState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<StaffDirectory>, ApiError> {
    Ok(Json(
        admin::directory(state.store.as_ref(), &device.sites).await?,
    ))
}

/// The device's audit entries after the last one the server holds; the server keeps them only
/// if they continue the chain it holds (`crate::audit`). A retired device may push them too.
#[utoipa::path(
    post,
    path = "/v1/audit",
    request_body = AuditPush,
    responses(
        (status = 200, description = "How far the server now holds the device's audit log", body = AuditAck),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 401, description = "Unknown device, or revoked as lost", body = ErrorBody),
        (status = 413, description = "The body is larger than the server takes", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "The JSON is not an AuditPush, or the entries do not continue the chain the server holds", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn audit(
    State(state): State<ServerState>,
    SyncDevice(device): SyncDevice,
    Json(push): Json<AuditPush>,
) -> Result<Json<AuditAck>, ApiError> {
    let count = push.entries.len();
    match crate::audit::accept(
        state.store.as_ref(),
        device.id,
        push.entries,
        state.clock.now_ms(),
    )
    .await
    {
        Ok(ack) => {
            if count > 0 {
                tracing::info!(device = %device.name, entries = count, held = ack.held_seq, "audit");
            }
            Ok(Json(ack))
        }
        Err(crate::audit::AuditRefusal::Store(e)) => Err(e.into()),
        Err(refusal) => {
            tracing::warn!(device = %device.name, "audit refused: {refusal}");
            Err(ApiError::AuditRefused(refusal.to_string()))
        }
    }
}

/// A push's answer, and the sequence numbers it wrote.
async fn do_push(
    state: &ServerState,
    device: &Device,
    changes: Vec<waypoint_protocol::Change>,
) -> Result<(PushResponse, std::ops::Range<u64>), ApiError> {
    // Change numbers grow one by one: one far past the last settled would make every later
    // change of this device look repeated, and be ignored.
    let ceiling = device.last_client_seq.saturating_add(MAX_CLIENT_SEQ_JUMP);
    if let Some(c) = changes.iter().find(|c| c.client_seq > ceiling) {
        return Err(ApiError::BadRequest(format!(
            "change number {} is more than {MAX_CLIENT_SEQ_JUMP} past the last change HQ \
             settled for this device ({}); the device's outbox numbering is damaged",
            c.client_seq, device.last_client_seq
        )));
    }
    let count = changes.len();
    let outcome = state
        .store
        .push(device, changes, state.clock.now_ms())
        .await?;
    if count > 0 {
        tracing::info!(
            device = %device.name,
            changes = count,
            refused = outcome.refused.len(),
            acked_up_to = outcome.acked_up_to,
            "push"
        );
    }
    Ok((
        PushResponse {
            acked_up_to: outcome.acked_up_to,
            refused: outcome.refused,
            server_hlc: state.server_hlc(outcome.max_hlc),
        },
        outcome.written,
    ))
}

async fn do_pull(
    state: &ServerState,
    device: &Device,
    after: u64,
    limit: Option<u32>,
    schema_version: u32,
    own: std::ops::Range<u64>,
) -> Result<PullPage, ApiError> {
    let limit = match limit {
        None | Some(0) => DEFAULT_PULL_LIMIT,
        Some(n) => n.min(MAX_PULL_LIMIT),
    };
    let page = state.store.pull_except(device, after, limit, own).await?;
    // Storage pages hold one value per field (schema 1); schema 2 groups them by record.
    let changes = if schema_version >= 2 {
        waypoint_protocol::group_records(page.changes)
    } else {
        page.changes
    };
    Ok(PullPage {
        changes,
        conflicts: page.conflicts,
        next_cursor: page.next_cursor,
        more: page.more,
        server_hlc: state.server_hlc(0),
    })
}

/// Pushes a batch of outbox entries.
#[utoipa::path(
    post,
    path = "/v1/push",
    request_body(content = inline(Batch), content_type = "application/x-waypoint-batch",
                 description = "zstd-compressed postcard PushRequest"),
    responses(
        (status = 200, description = "zstd-compressed postcard PushResponse",
         content_type = "application/x-waypoint-batch", body = inline(Batch)),
        (status = 400, description = "The body is not a valid batch", body = ErrorBody),
        (status = 401, description = "Unknown or revoked device", body = ErrorBody),
        (status = 413, description = "The body, or what it decompresses to, is larger than the server takes", body = ErrorBody),
        (status = 415, description = "Not application/x-waypoint-batch", body = ErrorBody),
        (status = 426, description = "Unsupported schema version", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn push(
    State(state): State<ServerState>,
    AuthDevice(device): AuthDevice,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = bulk_body(&headers, body)?;
    let request: PushRequest = decode_bulk(&state, body).await?;
    batch(&do_push(&state, &device, request.changes).await?.0)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PullParams {
    /// The cursor: the `next_cursor` of the last page applied (0 at first).
    #[serde(default)]
    after: u64,
    /// Page size in field values (default 20,000; more than 50,000 is taken as 50,000). Any
    /// 32-bit unsigned number is taken, which the description says (a u32 is no int32).
    #[param(value_type = Option<u64>, maximum = 4294967295.0)]
    limit: Option<u32>,
}

fn check_schema_header(headers: &HeaderMap) -> Result<u32, ApiError> {
    let version = headers
        .get(SCHEMA_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| {
            ApiError::BadRequest(format!("the {SCHEMA_HEADER} header (a number) is missing"))
        })?;
    if waypoint_protocol::schema_supported(version) {
        Ok(version)
    } else {
        Err(ProtocolError::UnsupportedSchema { got: version }.into())
    }
}

/// Pulls the next page of changes in the device's scope.
#[utoipa::path(
    get,
    path = "/v1/pull",
    params(PullParams, ("waypoint-schema-version" = u64, Header, maximum = 4294967295.0,
            description = "The device's schema version (a u32; one the server does not accept gets 426)")),
    responses(
        (status = 200, description = "zstd-compressed postcard PullPage",
         content_type = "application/x-waypoint-batch", body = inline(Batch)),
        (status = 400, description = "The schema version header is missing, or after or limit is not a number", body = ErrorBody),
        (status = 401, description = "Unknown or revoked device", body = ErrorBody),
        (status = 426, description = "Unsupported schema version", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn pull(
    State(state): State<ServerState>,
    AuthDevice(device): AuthDevice,
    headers: HeaderMap,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    // A malformed request is told so (400) before its schema version is judged (426).
    // A cursor past i64 (what the stores keep) is as malformed as one that is not a number.
    let Some(Query(params)) = params
        .ok()
        .filter(|Query(p)| i64::try_from(p.after).is_ok())
    else {
        return Err(ApiError::BadRequest(
            "expected ?after=CURSOR&limit=N (numbers)".into(),
        ));
    };
    let version = check_schema_header(&headers)?;
    batch(&do_pull(&state, &device, params.after, params.limit, version, 0..0).await?)
}

/// Pushes a batch and pulls the first page after it, in one round trip. A device HQ retired
/// may still push; it is sent no page, and every answer carries `waypoint-device-revoked:
/// retired` so that it wipes itself once its outbox is empty.
#[utoipa::path(
    post,
    path = "/v1/sync",
    params(("waypoint-directory" = Option<String>, Header,
            description = "The digest of the staff directory the device holds; the answer \
                           carries the server's digest when it differs")),
    request_body(content = inline(Batch), content_type = "application/x-waypoint-batch",
                 description = "zstd-compressed postcard SyncRequest"),
    responses(
        (status = 200, description = "zstd-compressed postcard SyncResponse (for a retired \
         device: an empty page and the header waypoint-device-revoked: retired)",
         content_type = "application/x-waypoint-batch", body = inline(Batch)),
        (status = 400, description = "The body is not a valid batch", body = ErrorBody),
        (status = 401, description = "Unknown device, or revoked as lost (body: revoked = lost)",
         body = ErrorBody),
        (status = 413, description = "The body, or what it decompresses to, is larger than the server takes", body = ErrorBody),
        (status = 415, description = "Not application/x-waypoint-batch", body = ErrorBody),
        (status = 426, description = "Unsupported schema version", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn sync(
    State(state): State<ServerState>,
    SyncDevice(device): SyncDevice,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let mut answer = sync_answer(&state, &device, &headers, body)
        .await
        .into_response();
    // A retired device is told so on every answer, errors included: it must not go on
    // syncing as if nothing happened.
    if device.revoked == Some(RevokeReason::Retired) {
        answer.headers_mut().insert(
            REVOKED_HEADER,
            header::HeaderValue::from_static(RevokeReason::Retired.as_str()),
        );
    }
    answer
}

async fn sync_answer(
    state: &ServerState,
    device: &Device,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = bulk_body(headers, body)?;
    let request: SyncRequest = decode_bulk(state, body).await?;
    let (push, written) = do_push(state, device, request.changes).await?;
    if device.revoked == Some(RevokeReason::Retired) {
        // Its changes are taken; it is sent nothing more (the header is added by `sync`).
        let page = PullPage {
            changes: Vec::new(),
            conflicts: Vec::new(),
            next_cursor: request.after,
            more: false,
            server_hlc: state.server_hlc(0),
        };
        return batch(&SyncResponse { push, page });
    }
    let limit = (request.limit > 0).then_some(request.limit);
    // The page after a push leaves out what the push itself stored: the device has it.
    let page = do_pull(
        state,
        device,
        request.after,
        limit,
        request.schema_version,
        written,
    )
    .await?;
    let mut response = batch(&SyncResponse { push, page })?;
    // A device that says which directory it holds is told when the server's differs.
    if let Some(held) = headers.get(DIRECTORY_HEADER).and_then(|v| v.to_str().ok()) {
        let digest = admin::directory(state.store.as_ref(), &device.sites)
            .await?
            .digest();
        if held.trim() != digest {
            if let Ok(value) = header::HeaderValue::from_str(&digest) {
                response.headers_mut().insert(DIRECTORY_HEADER, value);
            }
        }
    }
    Ok(response)
}

/// The device's own view of its enrolment and progress.
#[utoipa::path(
    get,
    path = "/v1/status",
    responses(
        (status = 200, description = "The device's identity, sites and progress, and the server's schema versions", body = StatusResponse),
        (status = 401, description = "Unknown or revoked device", body = ErrorBody),
    ),
    security(("device_token" = []))
)]
async fn status(
    State(state): State<ServerState>,
    AuthDevice(device): AuthDevice,
) -> Json<StatusResponse> {
    Json(StatusResponse {
        device_id: device.id,
        device_name: device.name,
        sites: device.sites,
        acked_up_to: device.last_client_seq,
        schema_version: SCHEMA_VERSION,
        min_schema_version: MIN_SCHEMA_VERSION,
        server_hlc: state.server_hlc(0),
    })
}

async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_json())
}

async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "There is no such address on this server.",
    )
}

fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(ErrorBody::new(message))).into_response()
}

/// Gives every error answer (also those of the routing and the limits) a JSON body for a person.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "This address does not take that method.".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge.to_string(),
        StatusCode::REQUEST_TIMEOUT => {
            "The request took too long and was stopped; the device keeps its changes, try again."
                .to_string()
        }
        other => format!(
            "The request failed ({}).",
            other.canonical_reason().unwrap_or("error")
        ),
    };
    let mut replaced = error_response(status, &message);
    if let Some(allow) = response.headers().get(header::ALLOW) {
        replaced.headers_mut().insert(header::ALLOW, allow.clone());
    }
    replaced
}
