//! Bulk bodies (zstd-compressed postcard): checked, decoded off the async workers, encoded.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use waypoint_protocol::BATCH_CONTENT_TYPE;

use super::error::{ApiError, internal};
use super::state::ServerState;

/// The body of a bulk request, once its Content-Type is the bulk one.
pub(super) fn bulk_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, ApiError> {
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
pub(super) async fn decode_bulk<T>(state: &ServerState, body: Bytes) -> Result<T, ApiError>
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

pub(super) fn batch<T: serde::Serialize>(message: &T) -> Result<Response, ApiError> {
    let body = waypoint_protocol::encode(message)?;
    Ok(([(header::CONTENT_TYPE, BATCH_CONTENT_TYPE)], body).into_response())
}

/// A bulk body as it travels: opaque bytes (zstd-compressed postcard of a waypoint-protocol
/// type), so that a generated client sends and receives bytes, not a list of numbers.
pub(super) struct Batch;

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
