//! A device's enrolment with its one-time code, and its own view of its enrolment.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use waypoint_protocol::{
    EnrolRequest, EnrolResponse, ErrorBody, MIN_SCHEMA_VERSION, SCHEMA_VERSION, StatusResponse,
};

use super::error::{ApiError, internal};
use super::extract::{AuthDevice, Peer};
use super::state::ServerState;
use crate::store::DeviceRecovery;
use crate::{auth, sign_in};

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
pub(super) async fn enrol(
    State(state): State<ServerState>,
    Peer(peer): Peer,
    request: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<Json<EnrolResponse>, ApiError> {
    let Json(request) =
        request.map_err(|_| ApiError::BadRequest("expected JSON like {\"code\": \"…\"}".into()))?;
    let now = state.clock.now_ms();
    let attempt = sign_in::reserve_enrolment(state.store.as_ref(), peer, now).await?;
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
    attempt.succeeded(state.store.as_ref()).await?;
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
pub(super) async fn status(
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
