//! Break-glass access to patients outside the user's care teams.

use super::Store;
use crate::audit::{AuditEvent, Severity};
use crate::storage::rows::*;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::*;
use uuid::Uuid;

#[async_trait]
impl BreakGlassStore for Store {
    async fn set_may_break_glass(
        &self,
        org: OrganizationId,
        who: PractitionerId,
        allowed: bool,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE practitioners SET may_break_glass = $3 WHERE id = $1 AND organization_id = $2")
            .bind(who.0)
            .bind(org.0)
            .bind(allowed)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        Self::append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn may_break_glass(&self, who: PractitionerId) -> Result<bool> {
        let row: Option<(bool,)> = sqlx::query_as("SELECT may_break_glass FROM practitioners WHERE id = $1")
            .bind(who.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some_and(|(b,)| b))
    }

    #[tracing::instrument(skip_all)]
    async fn grant_break_glass(
        &self,
        who: &Practitioner,
        patient: PatientId,
        reason: &str,
        now: Time,
        expires_at: Time,
    ) -> Result<Option<()>> {
        let mut tx = self.pool.begin().await?;
        let known: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM patients WHERE id = $1 AND organization_id = $2")
            .bind(patient.0)
            .bind(who.organization_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO break_glass_grants (id, practitioner_id, patient_id, reason, granted_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(who.id.0)
        .bind(patient.0)
        .bind(reason)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        let event = AuditEvent::new(who.organization_id, now, who.id, "break_glass.granted")
            .patient(patient)
            .detail(format!("until {}: {reason}", expires_at.to_rfc3339()))
            .severity(Severity::High);
        Self::append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    async fn break_glass_grant(
        &self,
        who: PractitionerId,
        patient: PatientId,
        now: Time,
    ) -> Result<Option<(String, Time)>> {
        Ok(sqlx::query_as(
            "SELECT reason, expires_at FROM break_glass_grants
             WHERE practitioner_id = $1 AND patient_id = $2 AND expires_at > $3 ORDER BY expires_at DESC LIMIT 1",
        )
        .bind(who.0)
        .bind(patient.0)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn chart_for_break_glass(
        &self,
        org: OrganizationId,
        patient: PatientId,
    ) -> Result<Option<(Patient, Vec<Encounter>)>> {
        let row: Option<PatientRow> = sqlx::query_as(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $1 AND p.organization_id = $2"
        ))
        .bind(patient.0)
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(p) = row.map(PatientRow::into_domain).transpose()? else { return Ok(None) };
        let rows: Vec<EncounterRow> = sqlx::query_as(&format!(
            "SELECT {ENCOUNTER_COLUMNS} FROM encounters e WHERE e.patient_id = $1 AND e.status <> 'draft'
             ORDER BY e.started_at DESC LIMIT 50"
        ))
        .bind(patient.0)
        .fetch_all(&self.pool)
        .await?;
        let encounters = rows.into_iter().map(EncounterRow::into_domain).collect::<Result<Vec<_>>>()?;
        Ok(Some((p, encounters)))
    }
}
