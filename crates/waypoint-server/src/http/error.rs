//! Error answers: a status and a JSON `{error}` written for a person.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use waypoint_protocol::{
    BATCH_CONTENT_TYPE, ErrorBody, Limit, MAX_BODY_BYTES, MAX_DECODED_BYTES, ProtocolError,
    RevokeReason,
};

use crate::sign_in::Refusal;
use crate::store::ServerStoreError;

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

    pub(super) fn revoked(reason: RevokeReason) -> ApiError {
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

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::TooManyCodes | Refusal::TooManyPins => {
                ApiError::TooManyAttempts(refusal.to_string())
            }
            Refusal::WrongPin => ApiError::WrongPin,
            Refusal::Disabled => ApiError::Forbidden(refusal.to_string()),
            Refusal::Store(e) => e.into(),
            Refusal::CheckStopped => internal(refusal),
        }
    }
}

pub(super) fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!("{e}");
    ApiError::Internal
}
