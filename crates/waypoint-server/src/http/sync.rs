//! Push, pull, and both in one round trip (`POST /v1/sync`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use waypoint_protocol::{
    DEFAULT_PULL_LIMIT, DIRECTORY_HEADER, ErrorBody, MAX_CLIENT_SEQ_JUMP, MAX_PULL_LIMIT,
    ProtocolError, PullPage, PushRequest, PushResponse, REVOKED_HEADER, RevokeReason,
    SCHEMA_HEADER, SyncRequest, SyncResponse,
};

use super::bulk::{Batch, batch, bulk_body, decode_bulk};
use super::error::ApiError;
use super::extract::{AuthDevice, SyncDevice};
use super::state::ServerState;
use crate::admin;
use crate::store::Device;

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
    // Arrivals past their retention end first, so that the page carries their removal.
    state.store.expire_arrivals(state.clock.now_ms()).await?;
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
pub(super) async fn push(
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
pub(super) struct PullParams {
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
pub(super) async fn pull(
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
pub(super) async fn sync(
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
