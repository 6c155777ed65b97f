//! Break-glass: in an emergency, a practitioner an administrator has flagged opens the chart of a
//! patient outside their care teams, for 30 minutes, by giving a reason. Nothing else changes:
//! the patient does not join their sync scope, the chart is read from the server each time, and
//! every grant and read is in the audit trail at high severity (with the reason) for an
//! administrator to review.

use super::extract::ApiJson;
use super::extract::{AdminUser, CurrentUser};
use crate::audit::{AuditEvent, Severity};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rounds_domain::api::{BreakGlassPermission, BreakGlassRequest, BreakGlassView, MAX_BREAK_GLASS_REASON};
use rounds_domain::{ErrorCode, PatientId, PractitionerId};

/// How long a grant lasts.
pub const GRANT_MINUTES: i64 = 30;

fn forbidden(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Forbidden, message)
}

/// `POST /break-glass`: opens a chart outside the user's care teams, with a reason.
pub async fn open(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<BreakGlassRequest>,
) -> Result<Json<BreakGlassView>, ApiError> {
    let now = state.clock.now();
    let patient_id = match (&req.patient_id, req.mrn.as_deref().map(str::trim).filter(|m| !m.is_empty())) {
        (Some(id), None) => Some(*id),
        (None, Some(mrn)) if mrn.len() <= 64 => state.storage.patient_id_by_mrn(user.organization_id, mrn).await?,
        _ => return Err(ApiError::invalid("give the patient's id or their medical record number (one of the two)")),
    };
    if !state.storage.may_break_glass(user.id).await? {
        let mut event = AuditEvent::new(user.organization_id, now, user.id, "break_glass.refused")
            .detail("not allowed to break the glass")
            .severity(Severity::High);
        event.patient_id = patient_id;
        state.storage.audit(&event).await?;
        return Err(forbidden("you are not allowed emergency access; ask an administrator"));
    }
    let reason = req.reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > MAX_BREAK_GLASS_REASON {
        return Err(ApiError::invalid(format!(
            "say why you need this chart (10 to {MAX_BREAK_GLASS_REASON} characters)"
        )));
    }
    let Some(patient_id) = patient_id else { return Err(ApiError::not_found("patient")) };
    let expires_at = now + chrono::Duration::minutes(GRANT_MINUTES);
    if state.storage.grant_break_glass(&user, patient_id, reason, now, expires_at).await?.is_none() {
        return Err(ApiError::not_found("patient"));
    }
    tracing::warn!(practitioner = %user.id, "break-glass access granted");
    chart(&state, &user, patient_id, reason.to_string(), expires_at).await
}

/// `GET /break-glass/{patient_id}`: the chart again while the grant lasts.
pub async fn read(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(patient): Path<String>,
) -> Result<Json<BreakGlassView>, ApiError> {
    let patient: PatientId = patient.parse().map_err(|_| ApiError::invalid("patient id must be a UUID"))?;
    let Some((reason, expires_at)) = state.storage.break_glass_grant(user.id, patient, state.clock.now()).await? else {
        return Err(forbidden("no emergency access to this chart now: open it again with a reason"));
    };
    chart(&state, &user, patient, reason, expires_at).await
}

async fn chart(
    state: &AppState,
    user: &rounds_domain::Practitioner,
    patient: PatientId,
    reason: String,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> Result<Json<BreakGlassView>, ApiError> {
    let (patient_record, encounters) = state
        .storage
        .chart_for_break_glass(user.organization_id, patient)
        .await?
        .ok_or_else(|| ApiError::not_found("patient"))?;
    let event = AuditEvent::new(user.organization_id, state.clock.now(), user.id, "break_glass.read")
        .patient(patient)
        .detail(format!("{} notes", encounters.len()))
        .severity(Severity::High);
    state.storage.audit(&event).await?;
    Ok(Json(BreakGlassView { patient: patient_record, encounters, expires_at, reason }))
}

/// `PUT /admin/practitioners/{id}/break-glass`: whether a practitioner may break the glass.
pub async fn permit(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    Path(id): Path<String>,
    ApiJson(permission): ApiJson<BreakGlassPermission>,
) -> Result<StatusCode, ApiError> {
    let id: PractitionerId = id.parse().map_err(|_| ApiError::invalid("practitioner id must be a UUID"))?;
    let event = AuditEvent::new(admin.organization_id, state.clock.now(), admin.id, "admin.break_glass_permission")
        .detail(format!("practitioner {id}: {}", if permission.allowed { "allowed" } else { "not allowed" }))
        .severity(Severity::High);
    if !state.storage.set_may_break_glass(admin.organization_id, id, permission.allowed, &event).await? {
        return Err(ApiError::not_found("practitioner"));
    }
    Ok(StatusCode::NO_CONTENT)
}
