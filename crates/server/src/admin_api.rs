//! Organisation data for administrators: replace a service line's complaint catalog (JSON) or
//! the service menu (CSV). Each replacement is checked whole (every problem listed, nothing
//! stored on any), audited, and reaches every device of the organisation through sync.

use crate::api::ApiJson;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use rounds_domain::sync::{OrgDocument, OrgDocumentKind};
use rounds_domain::{ComplaintCatalog, ErrorCode, Role};
use serde::Serialize;

/// Largest catalog or service menu accepted.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

#[derive(Serialize)]
pub struct Stored {
    kind: OrgDocumentKind,
    name: String,
    version: String,
    /// False when the organisation already had exactly this document.
    changed: bool,
}

fn require_admin(user: &rounds_domain::Practitioner) -> Result<(), ApiError> {
    if user.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "organisation data is for administrators"))
    }
}

async fn store(
    state: &AppState,
    user: &rounds_domain::Practitioner,
    doc: OrgDocument,
) -> Result<Json<Stored>, ApiError> {
    let now = state.clock.now();
    let changed = state.storage.put_org_document(user.organization_id, Some(user.id), &doc, now).await?;
    if changed {
        let head = state.storage.head(user.organization_id).await?;
        let _ = state.pokes.send((user.organization_id, head));
    }
    Ok(Json(Stored { kind: doc.kind, name: doc.name, version: doc.version, changed }))
}

/// `PUT /admin/catalogs/{service_line}` with the catalog as JSON.
pub async fn put_catalog(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(service_line): Path<String>,
    ApiJson(catalog): ApiJson<ComplaintCatalog>,
) -> Result<Json<Stored>, ApiError> {
    require_admin(&user)?;
    let body = serde_json::to_string(&catalog).map_err(|e| ApiError::invalid(e.to_string()))?;
    let doc = OrgDocument::new(OrgDocumentKind::ComplaintCatalog, &service_line, &body).map_err(ApiError::invalid)?;
    store(&state, &user, doc).await
}

/// `PUT /admin/service-menu` with the menu as CSV (`Content-Type: text/csv`).
pub async fn put_service_menu(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Stored>, ApiError> {
    require_admin(&user)?;
    let csv =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/csv"));
    if !csv {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidInput,
            "expected a CSV body (Content-Type: text/csv)",
        ));
    }
    let doc = OrgDocument::new(OrgDocumentKind::ServiceMenu, "default", &body).map_err(ApiError::invalid)?;
    store(&state, &user, doc).await
}
