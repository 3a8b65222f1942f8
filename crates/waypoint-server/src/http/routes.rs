//! The router: each path to its handler, the limits every request meets, and a JSON body on
//! every error answer (also those of the routing and the limits).

use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use waypoint_protocol::{ErrorBody, MAX_BODY_BYTES, paths};

use super::error::ApiError;
use super::state::ServerState;
use super::{audit, enrol, openapi, staff, sync};

/// Builds the API over `state`.
pub fn app(state: ServerState) -> Router {
    let timeout = state.request_timeout;
    Router::new()
        .route(paths::ENROL, post(enrol::enrol))
        .route(paths::PUSH, post(sync::push))
        .route(paths::PULL, get(sync::pull))
        .route(paths::SYNC, post(sync::sync))
        .route(paths::STATUS, get(enrol::status))
        .route(paths::SIGN_IN, post(staff::sign_in))
        .route(paths::DIRECTORY, get(staff::directory))
        .route(paths::AUDIT, post(audit::audit))
        .route(paths::OPENAPI, get(openapi::openapi))
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
