//! The device's audit entries, kept by the server when they continue the chain it holds.

use axum::Json;
use axum::extract::State;
use waypoint_protocol::{AuditAck, AuditPush, ErrorBody};

use super::error::ApiError;
use super::extract::SyncDevice;
use super::state::ServerState;

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
pub(super) async fn audit(
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
