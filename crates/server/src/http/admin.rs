//! Organisation data for administrators: replace a service line's complaint catalog (JSON) or
//! the service menu (CSV). Each replacement is checked whole (every problem listed, nothing
//! stored on any), audited, and reaches every device of the organisation through sync.

use super::extract::ApiJson;
use super::extract::{AdminUser, CurrentUser};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use rounds_domain::sync::{OrgDocument, OrgDocumentKind};
use rounds_domain::{ComplaintCatalog, ErrorCode, Role};
use serde::Serialize;

/// Largest catalog or service menu accepted.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

#[derive(Serialize, schemars::JsonSchema)]
pub struct Stored {
    kind: OrgDocumentKind,
    name: String,
    version: String,
    /// False when the organisation already had exactly this document.
    changed: bool,
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
    AdminUser(user): AdminUser,
    Path(service_line): Path<String>,
    ApiJson(catalog): ApiJson<ComplaintCatalog>,
) -> Result<Json<Stored>, ApiError> {
    let body = serde_json::to_string(&catalog).map_err(|e| ApiError::invalid(e.to_string()))?;
    let doc = OrgDocument::new(OrgDocumentKind::ComplaintCatalog, &service_line, &body).map_err(ApiError::invalid)?;
    store(&state, &user, doc).await
}

/// `PUT /admin/routing` with the routing rules as JSON.
pub async fn put_routing(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiJson(rules): ApiJson<rounds_domain::routing::RoutingRules>,
) -> Result<Json<Stored>, ApiError> {
    let body = serde_json::to_string(&rules).map_err(|e| ApiError::invalid(e.to_string()))?;
    let doc = OrgDocument::new(OrgDocumentKind::RoutingRules, "default", &body).map_err(ApiError::invalid)?;
    store(&state, &user, doc).await
}

/// `PUT /admin/security-policy` with the policy as JSON (the desktop's idle limit).
pub async fn put_security_policy(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    ApiJson(policy): ApiJson<rounds_domain::api::SecurityPolicy>,
) -> Result<Json<Stored>, ApiError> {
    policy.validate().map_err(ApiError::invalid)?;
    let body = serde_json::to_string(&policy).map_err(|e| ApiError::invalid(e.to_string()))?;
    let doc = OrgDocument::new(OrgDocumentKind::SecurityPolicy, "default", &body).map_err(ApiError::invalid)?;
    store(&state, &user, doc).await
}

/// `PUT /admin/practitioners/{id}`: name, roles, licenses, supervisor and duty status. Refused
/// whole, with every problem named: impossible license dates, a state twice, no role, a
/// supervisor who is not one of the organisation's physicians.
pub async fn put_practitioner(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    Path(id): Path<rounds_domain::PractitionerId>,
    ApiJson(update): ApiJson<rounds_domain::ops::PractitionerUpdate>,
) -> Result<Json<rounds_domain::Practitioner>, ApiError> {
    let mut problems = Vec::new();
    if update.display_name.trim().is_empty() || update.display_name.chars().count() > 200 {
        problems.push("a name of 1 to 200 characters is needed".to_string());
    }
    if update.roles.is_empty() {
        problems.push("at least one role is needed".to_string());
    }
    if let Err(e) = rounds_domain::practitioner::validate_licenses(&update.licenses) {
        problems.push(e);
    }
    let directory = state.storage.practitioners(user.organization_id).await?;
    let Some(current) = directory.iter().find(|p| p.id == id) else {
        return Err(ApiError::new(ErrorCode::NotFound, "no such practitioner"));
    };
    if let Some(s) = update.supervisor_id {
        if s == id || !directory.iter().any(|p| p.id == s && p.has_role(Role::Physician)) {
            problems.push("the supervisor must be another of the organisation's physicians".to_string());
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems.join("; ")));
    }
    let mut next = current.clone();
    next.display_name = update.display_name.trim().to_string();
    next.roles = update.roles;
    next.licenses = update.licenses;
    next.supervisor_id = update.supervisor_id;
    next.on_duty = update.on_duty;
    let now = state.clock.now();
    if !state.storage.update_practitioner(user.id, &next, now).await? {
        return Err(ApiError::new(ErrorCode::NotFound, "no such practitioner"));
    }
    let head = state.storage.head(user.organization_id).await?;
    let _ = state.pokes.send((user.organization_id, head));
    Ok(Json(next))
}

/// `GET /operations/coverage`: by state, licensed clinicians, those on duty, and work waiting.
pub async fn coverage(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Vec<rounds_domain::ops::StateCoverage>>, ApiError> {
    Ok(Json(state.storage.coverage(user.organization_id, state.clock.now()).await?))
}

/// `PUT /admin/service-menu` with the menu as CSV (`Content-Type: text/csv`).
pub async fn put_service_menu(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
    headers: HeaderMap,
    body: String,
) -> Result<Json<Stored>, ApiError> {
    let csv =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/csv"));
    if !csv {
        return Err(ApiError::unsupported_media_type("expected a CSV body (Content-Type: text/csv)"));
    }
    let doc = OrgDocument::new(OrgDocumentKind::ServiceMenu, "default", &body).map_err(ApiError::invalid)?;
    store(&state, &user, doc).await
}
