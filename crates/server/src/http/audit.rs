//! The audit trail for administrators: export (CSV or JSON) by patient or by user, and the
//! chain verifier. Every export is itself audited.

use super::extract::ApiQuery;
use super::extract::CurrentUser;
use crate::audit::{first_broken, AuditEvent, AuditRow};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rounds_domain::api::{AuditEntry, AuditVerification};
use rounds_domain::{ErrorCode, PatientId, PractitionerId, Role};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    patient_id: Option<PatientId>,
    practitioner_id: Option<PractitionerId>,
    /// "csv" (default) or "json".
    format: Option<String>,
}

fn entry(r: &AuditRow) -> AuditEntry {
    let e = &r.event;
    AuditEntry {
        seq: r.seq,
        at: e.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        practitioner_id: e.practitioner_id.to_string(),
        device_id: e.device_id.map(|d| d.to_string()),
        patient_id: e.patient_id.map(|p| p.to_string()),
        action: e.action.clone(),
        detail: e.detail.clone(),
        severity: e.severity.as_str().to_string(),
        hash: r.hash.clone(),
    }
}

fn require_admin(user: &rounds_domain::Practitioner) -> Result<(), ApiError> {
    if user.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden, "the audit trail is for administrators"))
    }
}

/// `GET /audit?patient_id=..&practitioner_id=..&format=csv|json`
pub async fn export(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    require_admin(&user)?;
    let format = q.format.as_deref().unwrap_or("csv");
    if format != "csv" && format != "json" {
        return Err(ApiError::invalid("format must be csv or json"));
    }
    let rows = state.storage.audit_log(user.organization_id).await?;
    let entries: Vec<AuditEntry> = rows
        .iter()
        .filter(|r| q.patient_id.is_none_or(|p| r.event.patient_id == Some(p)))
        .filter(|r| q.practitioner_id.is_none_or(|p| r.event.practitioner_id == p))
        .map(entry)
        .collect();
    let mut event = AuditEvent::new(user.organization_id, state.clock.now(), user.id, "audit.export")
        .detail(format!("{} rows as {format}", entries.len()));
    event.patient_id = q.patient_id;
    state.storage.audit(&event).await?;
    if format == "json" {
        return Ok(Json(entries).into_response());
    }
    let mut csv = String::from("seq,at,practitioner_id,device_id,patient_id,action,detail,severity,hash\n");
    for e in &entries {
        let fields = [
            e.seq.to_string(),
            e.at.clone(),
            e.practitioner_id.clone(),
            e.device_id.clone().unwrap_or_default(),
            e.patient_id.clone().unwrap_or_default(),
            e.action.clone(),
            e.detail.clone(),
            e.severity.clone(),
            e.hash.clone(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

/// Quotes a CSV field when it needs it; a leading formula character is neutralised so a
/// spreadsheet never runs an audit row.
fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@']) { format!("'{f}") } else { f.to_string() };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

/// `GET /audit/verify`
pub async fn verify(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<AuditVerification>, ApiError> {
    require_admin(&user)?;
    let rows = state.storage.audit_log(user.organization_id).await?;
    Ok(Json(AuditVerification { rows: rows.len() as u64, first_broken: first_broken(&rows) }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(super::csv_field("plain"), "plain");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
