//! Who is asking: the device a request's credential belongs to, and the address it came from.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use waypoint_protocol::RevokeReason;

use super::error::ApiError;
use super::state::ServerState;
use crate::auth;
use crate::store::Device;

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
