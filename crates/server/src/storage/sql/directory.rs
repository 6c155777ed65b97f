//! Organisations, care teams and the practitioner directory.

use super::{Db, Store, Tx};
use crate::audit::{AuditEvent, Severity, GENESIS};
use crate::storage::rows::*;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use uuid::Uuid;

impl Store {
    pub(super) async fn load_practitioner(&self, row: PractitionerRow) -> Result<Practitioner> {
        let mut conn = self.pool.acquire().await?;
        Self::with_roles_and_licenses(&mut conn, row).await
    }

    /// A practitioner row completed with its roles and licenses, on `conn` (a pooled
    /// connection, or the one of a transaction).
    pub(super) async fn with_roles_and_licenses(
        conn: &mut <Db as sqlx::Database>::Connection,
        row: PractitionerRow,
    ) -> Result<Practitioner> {
        let roles: Vec<(String,)> =
            sqlx::query_as("SELECT role FROM practitioner_roles WHERE practitioner_id = $1 ORDER BY role")
                .bind(row.id)
                .fetch_all(&mut *conn)
                .await?;
        let licenses: Vec<LicenseRow> = sqlx::query_as(
            "SELECT state, license_type, number, expires_on FROM licenses
             WHERE practitioner_id = $1 ORDER BY state, license_type",
        )
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Practitioner {
            id: PractitionerId(row.id),
            organization_id: OrganizationId(row.organization_id),
            display_name: row.display_name,
            email: row.email,
            roles: roles
                .into_iter()
                .map(|(r,)| Role::parse(&r).ok_or_else(|| StorageError::InvalidData(format!("role '{r}'"))))
                .collect::<Result<_>>()?,
            licenses: licenses.into_iter().map(LicenseRow::into_domain).collect::<Result<_>>()?,
            supervisor_id: row.supervisor_id.map(PractitionerId),
            on_duty: row.on_duty,
        })
    }

    pub(super) async fn write_roles_and_licenses(tx: &mut Tx, p: &Practitioner) -> Result<()> {
        for role in &p.roles {
            sqlx::query("INSERT INTO practitioner_roles (practitioner_id, role) VALUES ($1, $2)")
                .bind(p.id.0)
                .bind(role.as_str())
                .execute(&mut **tx)
                .await?;
        }
        for l in &p.licenses {
            sqlx::query(
                "INSERT INTO licenses (practitioner_id, state, license_type, number, expires_on)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(p.id.0)
            .bind(l.state.as_str())
            .bind(&l.license_type)
            .bind(&l.number)
            .bind(l.expires_on)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// A practitioner of `org` with roles and licenses, read inside `tx`.
    pub(super) async fn practitioner_in(
        tx: &mut Tx,
        org: OrganizationId,
        id: PractitionerId,
    ) -> Result<Option<Practitioner>> {
        let row: Option<PractitionerRow> = sqlx::query_as(
            "SELECT id, organization_id, display_name, email, supervisor_id, on_duty FROM practitioners
             WHERE id = $1 AND organization_id = $2",
        )
        .bind(id.0)
        .bind(org.0)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Self::with_roles_and_licenses(tx, row).await?))
    }
}

#[async_trait]
impl DirectoryStore for Store {
    #[tracing::instrument(skip_all)]
    async fn create_organization(&self, id: OrganizationId, name: &str, now: Time) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO log_heads (organization_id, position, epoch) VALUES ($1, 0, $2)")
            .bind(id.0)
            .bind(Uuid::now_v7())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO audit_heads (organization_id, seq, hash) VALUES ($1, 0, $2)")
            .bind(id.0)
            .bind(GENESIS)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn organization_by_name(&self, name: &str) -> Result<Option<OrganizationId>> {
        let row: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM organizations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(id,)| OrganizationId(id)))
    }

    async fn set_cosign_np_notes(&self, org: OrganizationId, required: bool) -> Result<()> {
        sqlx::query("UPDATE organizations SET cosign_np_notes = $2 WHERE id = $1")
            .bind(org.0)
            .bind(required)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_practitioner(&self, p: &Practitioner, password_hash: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::lock_org(&mut tx, p.organization_id).await?;
        sqlx::query(
            "INSERT INTO practitioners (id, organization_id, display_name, email, password_hash, supervisor_id, on_duty)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(p.id.0)
        .bind(p.organization_id.0)
        .bind(&p.display_name)
        .bind(p.email.trim().to_lowercase())
        .bind(password_hash)
        .bind(p.supervisor_id.map(|s| s.0))
        .bind(p.on_duty)
        .execute(&mut *tx)
        .await?;
        Self::write_roles_and_licenses(&mut tx, p).await?;
        let mut stored = p.clone();
        stored.email = p.email.trim().to_lowercase();
        let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
        Self::append(&mut tx, p.organization_id, None, &Record::Practitioner(stored), now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_practitioner(&self, by: PractitionerId, p: &Practitioner, now: Time) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        Self::lock_org(&mut tx, p.organization_id).await?;
        let done = sqlx::query(
            "UPDATE practitioners SET display_name = $3, supervisor_id = $4, on_duty = $5
             WHERE id = $1 AND organization_id = $2",
        )
        .bind(p.id.0)
        .bind(p.organization_id.0)
        .bind(&p.display_name)
        .bind(p.supervisor_id.map(|s| s.0))
        .bind(p.on_duty)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM practitioner_roles WHERE practitioner_id = $1").bind(p.id.0).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM licenses WHERE practitioner_id = $1").bind(p.id.0).execute(&mut *tx).await?;
        Self::write_roles_and_licenses(&mut tx, p).await?;
        let (email,): (String,) =
            sqlx::query_as("SELECT email FROM practitioners WHERE id = $1").bind(p.id.0).fetch_one(&mut *tx).await?;
        let mut stored = p.clone();
        stored.email = email;
        Self::append(&mut tx, p.organization_id, None, &Record::Practitioner(stored), now).await?;
        let event = AuditEvent::new(p.organization_id, now, by, "admin.update_practitioner")
            .detail(format!("practitioner {}", p.id))
            .severity(Severity::High);
        Self::append_audit(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all)]
    async fn practitioners(&self, org: OrganizationId) -> Result<Vec<Practitioner>> {
        let rows: Vec<PractitionerRow> = sqlx::query_as(
            "SELECT id, organization_id, display_name, email, supervisor_id, on_duty FROM practitioners
             WHERE organization_id = $1 ORDER BY display_name, id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.load_practitioner(row).await?);
        }
        Ok(out)
    }

    #[tracing::instrument(skip_all)]
    async fn practitioner(&self, id: PractitionerId) -> Result<Practitioner> {
        let row: PractitionerRow = sqlx::query_as(
            "SELECT id, organization_id, display_name, email, supervisor_id, on_duty FROM practitioners WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        self.load_practitioner(row).await
    }

    #[tracing::instrument(skip_all)]
    async fn insert_care_team(&self, team: &CareTeam) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO care_teams (id, organization_id, name) VALUES ($1, $2, $3)")
            .bind(team.id.0)
            .bind(team.organization_id.0)
            .bind(&team.name)
            .execute(&mut *tx)
            .await?;
        for member in &team.members {
            sqlx::query("INSERT INTO care_team_members (care_team_id, practitioner_id) VALUES ($1, $2)")
                .bind(team.id.0)
                .bind(member.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
