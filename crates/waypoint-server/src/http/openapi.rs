//! The OpenAPI description of the API, served at `GET /v1/openapi.json`.

use axum::Json;
use utoipa::OpenApi;
use waypoint_protocol::{
    AuditAck, AuditPush, AuditRecord, EnrolRequest, EnrolResponse, ErrorBody, RevokeReason,
    SignInRequest, SignInResponse, StaffDirectory, StatusResponse,
};

// `paths(…)` names the description utoipa derives next to each handler; imported by name,
// the operations stay untagged, as they were when the handlers lived in one file.
use super::audit::__path_audit;
use super::enrol::{__path_enrol, __path_status};
use super::staff::{__path_directory, __path_sign_in};
use super::sync::{__path_pull, __path_push, __path_sync};

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

pub(super) async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_json())
}
