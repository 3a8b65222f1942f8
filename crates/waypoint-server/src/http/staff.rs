//! A staff member's online sign-in on a device (the policy is `crate::sign_in`), and the
//! staff directory of the device's sites.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use waypoint_protocol::{ErrorBody, SignInRequest, SignInResponse, StaffDirectory};

use super::error::{ApiError, internal};
use super::extract::{AuthDevice, SignInDevice};
use super::state::ServerState;
use crate::store::name_key;
use crate::{admin, sign_in};

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
pub(super) async fn sign_in(
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
    let account = sign_in::check_staff(
        state.store.as_ref(),
        &state.pin_checks,
        &device,
        &key,
        pin,
        state.clock.now_ms(),
    )
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
pub(super) async fn directory(
    State(state): State<ServerState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<StaffDirectory>, ApiError> {
    Ok(Json(
        admin::directory(state.store.as_ref(), &device.sites).await?,
    ))
}
