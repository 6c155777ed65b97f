//! The HTTP surface: the router, built from the one route table ([`ROUTES`]), and the handlers
//! by area. Extractors are in [`extract`]; every error's status is decided in `crate::error`.

pub mod admin;
pub mod audit;
pub mod break_glass;
pub mod extract;
pub mod patients;
mod routes;
pub mod sessions;
pub mod sms;
pub mod sync;

pub use routes::{Route, ROUTES};

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::routing::MethodFilter;
use axum::{Json, Router};
use rounds_domain::api::Health;
use rounds_domain::ErrorCode;

/// Largest request body accepted anywhere (sign-in and, later, sync pushes have their own caps).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    ROUTES
        .iter()
        .fold(Router::new(), |router, r| {
            let method = Method::from_bytes(r.method.as_bytes()).expect("the route table holds HTTP methods");
            let filter = MethodFilter::try_from(method).expect("the route table holds routable methods");
            router.route(r.path, (r.handler)(filter))
        })
        .fallback(|| async { ApiError::new(ErrorCode::NotFound, "no such endpoint") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.storage.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.storage.backend().into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::collections::HashSet;
    use tower::ServiceExt;

    /// Built from the one table: each route is there once, with its policy and its OpenAPI
    /// operation (the document states the same access), and the router reaches its handler.
    #[tokio::test]
    async fn every_route_has_a_policy_an_operation_and_a_handler() {
        let doc = crate::openapi::document();
        let mut seen = HashSet::new();
        for r in ROUTES {
            let what = format!("{} {}", r.method, r.path);
            assert!(seen.insert((r.method, r.path)), "{what} is in the table twice");
            let op = &doc["paths"][r.path][r.method.to_lowercase()];
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{what} has no OpenAPI operation");
            assert_eq!(op["x-access"], format!("{:?}", r.access), "{what}: the document states another policy");
        }
        let described: usize =
            doc["paths"].as_object().expect("paths").values().map(|p| p.as_object().expect("ops").len()).sum();
        assert_eq!(described, ROUTES.len(), "the document describes an operation the table does not have");

        let file = std::env::temp_dir().join(format!("rounds-routes-{}.db", uuid::Uuid::now_v7()));
        let storage = crate::storage::connect(&format!("sqlite://{}", file.display())).await.expect("database");
        let app = app(AppState::new(storage));
        for r in ROUTES {
            let what = format!("{} {}", r.method, r.path);
            let path: Vec<String> = r
                .path
                .split('/')
                .map(|seg| if seg.starts_with('{') { uuid::Uuid::now_v7().to_string() } else { seg.to_string() })
                .collect();
            let request = axum::http::Request::builder()
                .method(r.method)
                .uri(path.join("/"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{}"))
                .expect("request");
            let response = app.clone().oneshot(request).await.expect("answer");
            let status = response.status();
            assert_ne!(status, axum::http::StatusCode::METHOD_NOT_ALLOWED, "{what} is not routed for its method");
            if status == axum::http::StatusCode::NOT_FOUND {
                let body = response.into_body().collect().await.expect("body").to_bytes();
                let body: rounds_domain::ErrorBody = serde_json::from_slice(&body).expect("error body");
                assert_ne!(body.message, "no such endpoint", "{what} is not routed");
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
}
