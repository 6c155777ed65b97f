//! Patients in the caller's scope, a page at a time or one by one; every read is audited.

use super::extract::{ApiQuery, CurrentUser};
use crate::audit::AuditEvent;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use rounds_domain::api::{PatientPage, MAX_PAGE};
use rounds_domain::{Patient, PatientId};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    after: Option<PatientId>,
    limit: Option<u32>,
}

/// `GET /patients`
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<PatientPage>, ApiError> {
    let limit = q.limit.unwrap_or(500);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::invalid(format!("limit must be between 1 and {MAX_PAGE}")));
    }
    // One extra row tells whether another page follows.
    let mut patients = state.storage.patients_in_scope(user.id, q.after, limit + 1).await?;
    let next_after = if patients.len() > limit as usize {
        patients.truncate(limit as usize);
        patients.last().map(|p| p.id)
    } else {
        None
    };
    let event = AuditEvent::new(user.organization_id, state.clock.now(), user.id, "patient.list").detail(
        match patients.len() {
            1 => "1 patient".to_string(),
            n => format!("{n} patients"),
        },
    );
    state.storage.audit(&event).await?;
    Ok(Json(PatientPage { patients, next_after }))
}

/// `GET /patients/{id}`
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Patient>, ApiError> {
    let id: PatientId = id.parse().map_err(|_| ApiError::invalid("patient id must be a UUID"))?;
    // Outside the user's care teams is answered exactly like a missing patient: no existence leak.
    let patient = state.storage.patient_in_scope(user.id, id).await?.ok_or_else(|| ApiError::not_found("patient"))?;
    state
        .storage
        .audit(&AuditEvent::new(user.organization_id, state.clock.now(), user.id, "patient.read").patient(id))
        .await?;
    Ok(Json(patient))
}
