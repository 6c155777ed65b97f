//! The SQL both backends share. A macro stamps the same method bodies onto each pool type, so
//! there is one copy of every query.

use super::rows::{name_of, LicenseRow, PatientRow, PractitionerRow, Time, PATIENT_COLUMNS};
use super::{CareTeam, Counts, Result, Storage, StorageError};
use async_trait::async_trait;
use rounds_domain::*;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use std::str::FromStr;
use uuid::Uuid;

pub struct SqliteStorage {
    pool: SqlitePool,
}

pub struct PostgresStorage {
    pool: PgPool,
}

impl SqliteStorage {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../../migrations/server/sqlite")
            .run(&pool)
            .await?;
        Ok(Self { pool })
    }
}

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        sqlx::migrate!("../../migrations/server/postgres")
            .run(&pool)
            .await?;
        Ok(Self { pool })
    }
}

macro_rules! storage_impl {
    ($storage:ty, $backend:literal) => {
        impl $storage {
            async fn load_practitioner(&self, row: PractitionerRow) -> Result<Practitioner> {
                let roles: Vec<(String,)> =
                    sqlx::query_as("SELECT role FROM practitioner_roles WHERE practitioner_id = $1 ORDER BY role")
                        .bind(row.id)
                        .fetch_all(&self.pool)
                        .await?;
                let licenses: Vec<LicenseRow> = sqlx::query_as(
                    "SELECT state, license_type, number, expires_on FROM licenses
                     WHERE practitioner_id = $1 ORDER BY state, license_type",
                )
                .bind(row.id)
                .fetch_all(&self.pool)
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
                })
            }
        }

        #[async_trait]
        impl Storage for $storage {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn create_organization(&self, id: OrganizationId, name: &str, now: Time) -> Result<()> {
                sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(id.0)
                    .bind(name)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn organization_by_name(&self, name: &str) -> Result<Option<OrganizationId>> {
                let row: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM organizations WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(id,)| OrganizationId(id)))
            }

            #[tracing::instrument(skip_all)]
            async fn insert_practitioner(&self, p: &Practitioner, password_hash: &str) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO practitioners (id, organization_id, display_name, email, password_hash)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.0)
                .bind(p.organization_id.0)
                .bind(&p.display_name)
                .bind(p.email.trim().to_lowercase())
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
                for role in &p.roles {
                    sqlx::query("INSERT INTO practitioner_roles (practitioner_id, role) VALUES ($1, $2)")
                        .bind(p.id.0)
                        .bind(role.as_str())
                        .execute(&mut *tx)
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
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn practitioner(&self, id: PractitionerId) -> Result<Practitioner> {
                let row: PractitionerRow = sqlx::query_as(
                    "SELECT id, organization_id, display_name, email FROM practitioners WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StorageError::NotFound)?;
                self.load_practitioner(row).await
            }

            #[tracing::instrument(skip_all)]
            async fn credentials_by_email(&self, email: &str) -> Result<Option<(Practitioner, String)>> {
                let row: Option<(Uuid, Uuid, String, String, String)> = sqlx::query_as(
                    "SELECT id, organization_id, display_name, email, password_hash FROM practitioners WHERE email = $1",
                )
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                let Some((id, organization_id, display_name, email, hash)) = row else { return Ok(None) };
                let p = self.load_practitioner(PractitionerRow { id, organization_id, display_name, email }).await?;
                Ok(Some((p, hash)))
            }

            #[tracing::instrument(skip_all)]
            async fn create_session(&self, token_hash: &str, who: PractitionerId, now: Time, expires_at: Time) -> Result<()> {
                sqlx::query("INSERT INTO sessions (token_hash, practitioner_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(who.0)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn session_practitioner(&self, token_hash: &str, now: Time) -> Result<Option<Practitioner>> {
                let row: Option<PractitionerRow> = sqlx::query_as(
                    "SELECT p.id, p.organization_id, p.display_name, p.email
                     FROM sessions s JOIN practitioners p ON p.id = s.practitioner_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(row) => Ok(Some(self.load_practitioner(row).await?)),
                    None => Ok(None),
                }
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

            #[tracing::instrument(skip_all)]
            async fn insert_patient(&self, org: OrganizationId, team: CareTeamId, p: &Patient) -> Result<()> {
                sqlx::query(
                    "INSERT INTO patients (id, organization_id, care_team_id, mrn, given_name, family_name, birth_date,
                        sex, phone, email, preferred_channel, current_state, guardian, allergies, medications,
                        problems, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                )
                .bind(p.id.0)
                .bind(org.0)
                .bind(team.0)
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
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn patients_in_scope(&self, who: PractitionerId, after: Option<PatientId>, limit: u32) -> Result<Vec<Patient>> {
                let rows: Vec<PatientRow> = sqlx::query_as(&format!(
                    "SELECT {PATIENT_COLUMNS} FROM patients p
                     WHERE p.care_team_id IN (SELECT care_team_id FROM care_team_members WHERE practitioner_id = $1)
                       AND ($2 IS NULL OR p.id > $2)
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
                let row: Option<PatientRow> = sqlx::query_as(&format!(
                    "SELECT {PATIENT_COLUMNS} FROM patients p
                     WHERE p.id = $2
                       AND p.care_team_id IN (SELECT care_team_id FROM care_team_members WHERE practitioner_id = $1)"
                ))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
                row.map(PatientRow::into_domain).transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn insert_encounter(&self, org: OrganizationId, e: &Encounter) -> Result<()> {
                sqlx::query(
                    "INSERT INTO encounters (id, organization_id, patient_id, author_id, mode, service_line, state_of_care,
                        status, chief_complaints, note, started_at, signed_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(e.id.0)
                .bind(org.0)
                .bind(e.patient_id.0)
                .bind(e.author_id.0)
                .bind(name_of(&e.mode))
                .bind(&e.service_line)
                .bind(e.state_of_care.as_str())
                .bind(name_of(&e.status))
                .bind(Json(&e.chief_complaints))
                .bind(&e.note)
                .bind(e.started_at)
                .bind(e.signed_at)
                .bind(e.version)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn insert_thread(&self, org: OrganizationId, t: &Thread) -> Result<()> {
                sqlx::query(
                    "INSERT INTO threads (id, organization_id, patient_id, channel, status, assignee_id, service_line,
                        last_message_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(t.id.0)
                .bind(org.0)
                .bind(t.patient_id.map(|p| p.0))
                .bind(name_of(&t.channel))
                .bind(name_of(&t.status))
                .bind(t.assignee_id.map(|p| p.0))
                .bind(&t.service_line)
                .bind(t.last_message_at)
                .bind(t.version)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn insert_message(&self, m: &Message) -> Result<()> {
                sqlx::query(
                    "INSERT INTO messages (id, thread_id, direction, author_id, body, sent_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(m.id.0)
                .bind(m.thread_id.0)
                .bind(name_of(&m.direction))
                .bind(m.author_id.map(|p| p.0))
                .bind(&m.body)
                .bind(m.sent_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn insert_task(&self, org: OrganizationId, t: &Task) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tasks (id, organization_id, kind, patient_id, queue, license_state, priority, status,
                        owner_id, description, due_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(t.id.0)
                .bind(org.0)
                .bind(name_of(&t.kind))
                .bind(t.patient_id.0)
                .bind(t.queue.as_str())
                .bind(t.license_state.as_str())
                .bind(name_of(&t.priority))
                .bind(name_of(&t.status))
                .bind(t.owner_id.map(|p| p.0))
                .bind(&t.description)
                .bind(t.due_at)
                .bind(t.version)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn counts(&self) -> Result<Counts> {
                let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
                    "SELECT (SELECT count(*) FROM practitioners), (SELECT count(*) FROM patients),
                            (SELECT count(*) FROM encounters), (SELECT count(*) FROM threads),
                            (SELECT count(*) FROM messages), (SELECT count(*) FROM tasks)",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(Counts {
                    practitioners: row.0,
                    patients: row.1,
                    encounters: row.2,
                    threads: row.3,
                    messages: row.4,
                    tasks: row.5,
                })
            }
        }
    };
}

storage_impl!(SqliteStorage, "sqlite");
storage_impl!(PostgresStorage, "postgres");
