//! The published OpenAPI description tells the truth about the API: where each parameter goes,
//! that bulk bodies are bytes, and every error status the server answers. The description is
//! also written to `<target>/tmp/openapi.json`, which `scripts/test` validates against the
//! OpenAPI specification and `scripts/fuzz-api` drives against a real server.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use waypoint_protocol as wire;

fn doc() -> Value {
    waypoint_server::openapi_json()
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not described");
    op
}

fn statuses(op: &Value) -> Vec<String> {
    op["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_description_is_written_for_the_validator_and_the_api_tester() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("openapi.json");
    let text = serde_json::to_string_pretty(&doc()).unwrap();
    std::fs::write(&path, text).unwrap();
    let back: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(back["openapi"].as_str().unwrap().starts_with('3'));
}

#[test]
fn pull_takes_after_and_limit_in_the_query_and_the_schema_version_as_a_header() {
    let doc = doc();
    let params = operation(&doc, "get", wire::paths::PULL)["parameters"]
        .as_array()
        .unwrap();
    let place = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not described"))["in"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(place("after"), "query");
    assert_eq!(place("limit"), "query");
    assert_eq!(place(wire::SCHEMA_HEADER), "header");
    // The path has no template, so nothing may be declared "in": "path".
    assert!(params.iter().all(|p| p["in"] != "path"));
    // The server takes any u32 for these (an int32 would call half of them invalid).
    for name in ["limit", wire::SCHEMA_HEADER] {
        let schema = &params.iter().find(|p| p["name"] == name).unwrap()["schema"];
        assert_eq!(schema["maximum"], u64::from(u32::MAX), "{name}: {schema}");
    }
}

#[test]
fn every_response_has_a_description_and_every_error_the_json_error_body() {
    let doc = doc();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let description = response["description"].as_str().unwrap_or_default();
                assert!(
                    !description.trim().is_empty(),
                    "{method} {path} {status} has no description"
                );
                if !status.starts_with('2') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status} is not the JSON error body"
                    );
                }
            }
        }
    }
}

#[test]
fn bulk_bodies_are_described_as_bytes_not_lists_of_numbers() {
    let doc = doc();
    let binary = |schema: &Value, what: &str| {
        assert_eq!(schema["type"], "string", "{what}: {schema}");
        assert_eq!(schema["format"], "binary", "{what}: {schema}");
    };
    for (method, path) in [
        ("post", wire::paths::PUSH),
        ("post", wire::paths::SYNC),
        ("get", wire::paths::PULL),
    ] {
        let op = operation(&doc, method, path);
        if method == "post" {
            binary(
                &op["requestBody"]["content"][wire::BATCH_CONTENT_TYPE]["schema"],
                &format!("{path} request"),
            );
        }
        binary(
            &op["responses"]["200"]["content"][wire::BATCH_CONTENT_TYPE]["schema"],
            &format!("{path} answer"),
        );
    }
}

/// The error statuses each handler can answer (http.rs: the extractors, `ApiError::status`,
/// the body limit, axum's JSON rejections), each of which must be listed.
#[test]
fn every_error_status_the_server_gives_is_listed() {
    let doc = doc();
    let expected: &[(&str, &str, &[&str])] = &[
        ("post", wire::paths::ENROL, &["400", "401", "413", "429"]),
        (
            "post",
            wire::paths::SIGN_IN,
            &["400", "401", "403", "409", "413", "429"],
        ),
        ("post", wire::paths::PUSH, &["400", "401", "413", "426"]),
        ("get", wire::paths::PULL, &["400", "401", "426"]),
        ("post", wire::paths::SYNC, &["400", "401", "413", "426"]),
        ("get", wire::paths::STATUS, &["401"]),
        ("get", wire::paths::DIRECTORY, &["401"]),
        (
            "post",
            wire::paths::AUDIT,
            &["400", "401", "413", "415", "422"],
        ),
    ];
    for (method, path, errors) in expected {
        let listed = statuses(operation(&doc, method, path));
        for status in errors.iter().chain(&["200"]) {
            assert!(
                listed.iter().any(|s| s == status),
                "{method} {path} does not list {status} (lists {listed:?})"
            );
        }
    }
}
