//! Patients and the care-team scope that decides who sees them.

use super::{Store, Tx};
use crate::storage::rows::*;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use sqlx::types::Json;
use uuid::Uuid;

impl Store {
    /// Inserts a patient (with its care team) or, for an existing one (`team` None),
    /// writes its demographics and clinical lists; organisation, team and MRN stay.
    pub(super) async fn write_patient(
        tx: &mut Tx,
        org: OrganizationId,
        team: Option<CareTeamId>,
        p: &Patient,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO patients (id, organization_id, care_team_id, mrn, given_name, family_name, birth_date,
                sex, phone, email, preferred_channel, current_state, guardian, allergies, medications,
                problems, version)
             VALUES ($1, $2, COALESCE($3, (SELECT care_team_id FROM patients WHERE id = $1)), $4, $5, $6, $7,
                $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (id) DO UPDATE SET given_name = excluded.given_name,
                family_name = excluded.family_name, birth_date = excluded.birth_date, sex = excluded.sex,
                phone = excluded.phone, email = excluded.email, preferred_channel = excluded.preferred_channel,
                current_state = excluded.current_state, guardian = excluded.guardian,
                allergies = excluded.allergies, medications = excluded.medications,
                problems = excluded.problems, version = excluded.version",
        )
        .bind(p.id.0)
        .bind(org.0)
        .bind(team.map(|t| t.0))
        .bind(&p.mrn)
        .bind(&p.given_name)
        .bind(&p.family_name)
        .bind(p.birth_date)
        .bind(name_of(&p.sex))
        .bind(&p.phone)
        .bind(&p.email)
        .bind(name_of(&p.preferred_channel))
        .bind(p.current_state.as_str())
        .bind(p.guardian.as_ref().map(Json))
        .bind(Json(&p.allergies))
        .bind(Json(&p.medications))
        .bind(Json(&p.problems))
        .bind(p.version)
        .execute(&mut **tx)
        .await?;
        // The numbers the patient texts from, for matching inbound SMS.
        sqlx::query("DELETE FROM patient_phones WHERE patient_id = $1").bind(p.id.0).execute(&mut **tx).await?;
        for key in p.phone_keys() {
            sqlx::query("INSERT INTO patient_phones (organization_id, phone_key, patient_id) VALUES ($1, $2, $3)")
                .bind(org.0)
                .bind(key)
                .bind(p.id.0)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    pub(super) async fn patient_for(tx: &mut Tx, who: PractitionerId, id: PatientId) -> Result<Option<Patient>> {
        let row: Option<PatientRow> =
            sqlx::query_as(&format!("SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $2 AND p.id IN ({SCOPE})"))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
        row.map(PatientRow::into_domain).transpose()
    }
}

#[async_trait]
impl PatientStore for Store {
    async fn patient_id_by_mrn(&self, org: OrganizationId, mrn: &str) -> Result<Option<PatientId>> {
        let row: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM patients WHERE organization_id = $1 AND mrn = $2")
            .bind(org.0)
            .bind(mrn)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id,)| PatientId(id)))
    }

    #[tracing::instrument(skip_all)]
    async fn insert_patient(&self, org: OrganizationId, team: CareTeamId, p: &Patient, now: Time) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::lock_org(&mut tx, org).await?;
        Self::write_patient(&mut tx, org, Some(team), p).await?;
        Self::append(&mut tx, org, Some(p.id), &Record::Patient(p.clone()), now).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn patients_in_scope(
        &self,
        who: PractitionerId,
        after: Option<PatientId>,
        limit: u32,
    ) -> Result<Vec<Patient>> {
        let rows: Vec<PatientRow> = sqlx::query_as(&format!(
            "SELECT {PATIENT_COLUMNS} FROM patients p
             WHERE p.id IN ({SCOPE}) AND ($2 IS NULL OR p.id > $2)
             ORDER BY p.id LIMIT $3"
        ))
        .bind(who.0)
        .bind(after.map(|a| a.0))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PatientRow::into_domain).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn patient_in_scope(&self, who: PractitionerId, id: PatientId) -> Result<Option<Patient>> {
        let row: Option<PatientRow> =
            sqlx::query_as(&format!("SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $2 AND p.id IN ({SCOPE})"))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        row.map(PatientRow::into_domain).transpose()
    }
}
