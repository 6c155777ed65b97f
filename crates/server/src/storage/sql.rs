//! The SQL both backends share. A macro stamps the same method bodies onto each pool type, so
//! there is one copy of every query.
//!
//! Every write transaction first locks its organisation's change-log head row. That serialises
//! an organisation's writers, which gives change-log positions in commit order (a reader that
//! saw head H has seen every change up to H) and rules out lost updates between the read and
//! the write of a compare-and-set.

use super::rows::{self, *};
use super::{
    CareTeam, Counts, InboundSms, Incoming, IssuedTokens, OutboundSms, PushRefused, Received, Result, Rotation,
    SecondFactorState, SendOutcome, Storage, StorageError, MAX_SEND_ATTEMPTS,
};
use crate::audit::{row_hash, AuditEvent, AuditRow, Severity, GENESIS};
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
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
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        sqlx::migrate!("../../migrations/server/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl PostgresStorage {
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        sqlx::migrate!("../../migrations/server/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

/// Rows per multi-row INSERT (well under both databases' limits on bound parameters).
const FLUSH_ROWS: usize = 500;

/// What a push writes at its end (see `flush`): commands read and write their own rows as they
/// apply, so later commands see earlier ones, but the log, audit and result rows wait.
#[derive(Default)]
struct Batch {
    changes: Vec<(Option<PatientId>, Record)>,
    audits: Vec<AuditEvent>,
    results: Vec<(i64, Uuid, CommandResult)>,
}

impl Batch {
    fn change(&mut self, scope: Option<PatientId>, record: Record) {
        self.changes.push((scope, record));
    }
}

fn entity_name(r: &Record) -> &'static str {
    match r {
        Record::Patient(_) => "patient",
        Record::Encounter(_) => "encounter",
        Record::Thread(_) => "thread",
        Record::Message(_) => "message",
        Record::Task(_) => "task",
        Record::Withdrawn(_) => "withdrawn",
        Record::OrgDocument(_) => "org_document",
        Record::Practitioner(_) => "practitioner",
        Record::ThreadTime(_) => "thread_time",
    }
}

fn entity_id(r: &Record) -> Uuid {
    match r {
        Record::Patient(p) => p.id.0,
        Record::Encounter(e) => e.id.0,
        Record::Thread(t) => t.id.0,
        Record::Message(m) => m.id.0,
        Record::Task(t) => t.id.0,
        Record::Withdrawn(w) => w.id,
        Record::OrgDocument(_) => Uuid::nil(),
        Record::Practitioner(p) => p.id.0,
        Record::ThreadTime(t) => t.id,
    }
}

macro_rules! storage_impl {
    ($storage:ty, $backend:literal, $db:ty) => {
        impl $storage {
            async fn load_practitioner(&self, row: PractitionerRow) -> Result<Practitioner> {
                let mut conn = self.pool.acquire().await?;
                Self::with_roles_and_licenses(&mut conn, row).await
            }

            /// A practitioner row completed with its roles and licenses, on `conn` (a pooled
            /// connection, or the one of a transaction).
            async fn with_roles_and_licenses(
                conn: &mut <$db as sqlx::Database>::Connection,
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

            /// Writes what a push buffered, one statement per table: its change-log rows (positions
            /// handed out from the locked head), its audit rows (the chain extended in memory from
            /// the locked head) and its command results.
            async fn flush(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId, device: DeviceId, now: Time, batch: Batch) -> Result<()> {
                if !batch.changes.is_empty() {
                    let (end,): (i64,) = sqlx::query_as(
                        "UPDATE log_heads SET position = position + $2 WHERE organization_id = $1 RETURNING position",
                    )
                    .bind(org.0)
                    .bind(batch.changes.len() as i64)
                    .fetch_one(&mut **tx)
                    .await?;
                    let first = end - batch.changes.len() as i64 + 1;
                    let rows: Vec<(i64, &(Option<PatientId>, Record))> =
                        batch.changes.iter().enumerate().map(|(i, c)| (first + i as i64, c)).collect();
                    for chunk in rows.chunks(FLUSH_ROWS) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO change_log (organization_id, position, entity, entity_id, scope_patient_id, record, committed_at) ",
                        );
                        q.push_values(chunk, |mut b, (position, (scope, record))| {
                            b.push_bind(org.0)
                                .push_bind(*position)
                                .push_bind(entity_name(record))
                                .push_bind(entity_id(record))
                                .push_bind(scope.map(|p| p.0))
                                .push_bind(Json(record))
                                .push_bind(now);
                        });
                        q.build().execute(&mut **tx).await?;
                    }
                }
                if !batch.audits.is_empty() {
                    let (end, mut prev): (i64, String) = sqlx::query_as(
                        "UPDATE audit_heads SET seq = seq + $2 WHERE organization_id = $1 RETURNING seq, hash",
                    )
                    .bind(org.0)
                    .bind(batch.audits.len() as i64)
                    .fetch_one(&mut **tx)
                    .await?;
                    let first = end - batch.audits.len() as i64 + 1;
                    let mut rows = Vec::with_capacity(batch.audits.len());
                    for (i, e) in batch.audits.iter().enumerate() {
                        let seq = first + i as i64;
                        let hash = row_hash(&prev, seq, e);
                        rows.push((seq, e, std::mem::replace(&mut prev, hash.clone()), hash));
                    }
                    for chunk in rows.chunks(FLUSH_ROWS) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO audit_log (organization_id, seq, at, practitioner_id, device_id, patient_id, action,
                                detail, severity, prev_hash, hash) ",
                        );
                        q.push_values(chunk, |mut b, (seq, e, prev_hash, hash)| {
                            b.push_bind(e.organization_id.0)
                                .push_bind(*seq)
                                .push_bind(e.at)
                                .push_bind(e.practitioner_id.0)
                                .push_bind(e.device_id.map(|d| d.0))
                                .push_bind(e.patient_id.map(|p| p.0))
                                .push_bind(e.action.clone())
                                .push_bind(e.detail.clone())
                                .push_bind(e.severity.as_str())
                                .push_bind(prev_hash.clone())
                                .push_bind(hash.clone());
                        });
                        q.build().execute(&mut **tx).await?;
                    }
                    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE organization_id = $1")
                        .bind(org.0)
                        .bind(&prev)
                        .execute(&mut **tx)
                        .await?;
                }
                for chunk in batch.results.chunks(FLUSH_ROWS) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO command_results (device_id, client_seq, mutation_id, outcome, applied_at) ",
                    );
                    q.push_values(chunk, |mut b, (seq, mutation_id, result)| {
                        b.push_bind(device.0).push_bind(*seq).push_bind(*mutation_id).push_bind(Json(result)).push_bind(now);
                    });
                    q.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn write_roles_and_licenses(tx: &mut sqlx::Transaction<'static, $db>, p: &Practitioner) -> Result<()> {
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

            /// Locks the organisation's log head for the rest of `tx` (see the module docs).
            async fn lock_org(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId) -> Result<()> {
                let locked = sqlx::query("UPDATE log_heads SET position = position WHERE organization_id = $1")
                    .bind(org.0)
                    .execute(&mut **tx)
                    .await?;
                if locked.rows_affected() != 1 {
                    return Err(StorageError::NotFound);
                }
                Ok(())
            }

            /// Appends an audit event in `tx`, extending the organisation's hash chain.
            async fn append_audit(tx: &mut sqlx::Transaction<'static, $db>, e: &AuditEvent) -> Result<()> {
                let (seq, prev): (i64, String) = sqlx::query_as(
                    "UPDATE audit_heads SET seq = seq + 1 WHERE organization_id = $1 RETURNING seq, hash",
                )
                .bind(e.organization_id.0)
                .fetch_one(&mut **tx)
                .await?;
                let hash = row_hash(&prev, seq, e);
                sqlx::query(
                    "INSERT INTO audit_log (organization_id, seq, at, practitioner_id, device_id, patient_id, action,
                        detail, severity, prev_hash, hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(e.organization_id.0)
                .bind(seq)
                .bind(e.at)
                .bind(e.practitioner_id.0)
                .bind(e.device_id.map(|d| d.0))
                .bind(e.patient_id.map(|p| p.0))
                .bind(&e.action)
                .bind(&e.detail)
                .bind(e.severity.as_str())
                .bind(&prev)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE audit_heads SET hash = $2 WHERE organization_id = $1")
                    .bind(e.organization_id.0)
                    .bind(&hash)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// The command's name in audit rows.
            fn kind_of(m: &Mutation) -> &'static str {
                match m {
                    Mutation::EditPatient { .. } => "edit_patient",
                    Mutation::PostMessage { .. } => "post_message",
                    Mutation::ClaimTask { .. } => "claim_task",
                    Mutation::CompleteTask { .. } => "complete_task",
                    Mutation::StartEncounter { .. } => "start_encounter",
                    Mutation::EditSection { .. } => "edit_section",
                    Mutation::SignEncounter { .. } => "sign_encounter",
                    Mutation::CosignEncounter { .. } => "cosign_encounter",
                    Mutation::AddAddendum { .. } => "add_addendum",
                    Mutation::CreateTask { .. } => "create_task",
                    Mutation::CancelTask { .. } => "cancel_task",
                    Mutation::HandOffTask { .. } => "hand_off_task",
                    Mutation::ThreadAction { .. } => "thread_action",
                    Mutation::LogThreadTime { .. } => "log_thread_time",
                    Mutation::RecordAccess { .. } => "record_access",
                }
            }

            /// The patient a command touches, for its audit row.
            async fn command_patient(tx: &mut sqlx::Transaction<'static, $db>, m: &Mutation) -> Result<Option<PatientId>> {
                let (sql, id) = match m {
                    Mutation::EditPatient { patient_id, .. } => return Ok(Some(*patient_id)),
                    Mutation::PostMessage { thread_id, .. }
                    | Mutation::ThreadAction { thread_id, .. }
                    | Mutation::LogThreadTime { thread_id, .. } => ("SELECT patient_id FROM threads WHERE id = $1", thread_id.0),
                    Mutation::ClaimTask { task_id, .. }
                    | Mutation::CompleteTask { task_id }
                    | Mutation::CancelTask { task_id }
                    | Mutation::HandOffTask { task_id, .. } => ("SELECT patient_id FROM tasks WHERE id = $1", task_id.0),
                    Mutation::StartEncounter { patient_id, .. }
                    | Mutation::CreateTask { patient_id, .. }
                    | Mutation::RecordAccess { patient_id, .. } => return Ok(Some(*patient_id)),
                    Mutation::EditSection { encounter_id, .. }
                    | Mutation::SignEncounter { encounter_id, .. }
                    | Mutation::AddAddendum { encounter_id, .. }
                    | Mutation::CosignEncounter { encounter_id, .. } => {
                        ("SELECT patient_id FROM encounters WHERE id = $1", encounter_id.0)
                    }
                };
                let row: Option<(Option<Uuid>,)> = sqlx::query_as(sql).bind(id).fetch_optional(&mut **tx).await?;
                Ok(row.and_then(|(p,)| p).map(PatientId))
            }

            /// Appends `record` to the organisation's change log; returns its position.
            async fn append(
                tx: &mut sqlx::Transaction<'static, $db>,
                org: OrganizationId,
                scope: Option<PatientId>,
                record: &Record,
                now: Time,
            ) -> Result<i64> {
                let (position,): (i64,) = sqlx::query_as(
                    "UPDATE log_heads SET position = position + 1 WHERE organization_id = $1 RETURNING position",
                )
                .bind(org.0)
                .fetch_one(&mut **tx)
                .await?;
                sqlx::query(
                    "INSERT INTO change_log (organization_id, position, entity, entity_id, scope_patient_id, record, committed_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org.0)
                .bind(position)
                .bind(entity_name(record))
                .bind(entity_id(record))
                .bind(scope.map(|p| p.0))
                .bind(Json(record))
                .bind(now)
                .execute(&mut **tx)
                .await?;
                Ok(position)
            }

            /// Inserts a patient (with its care team) or, for an existing one (`team` None),
            /// writes its demographics and clinical lists; organisation, team and MRN stay.
            async fn write_patient(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId, team: Option<CareTeamId>, p: &Patient) -> Result<()> {
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

            async fn write_thread(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId, t: &Thread) -> Result<()> {
                sqlx::query(
                    "INSERT INTO threads (id, organization_id, patient_id, channel, status, assignee_id, service_line,
                        last_message_at, version, urgent, from_number, respond_by, reviewed_by, reviewed_at, escalation,
                        encounter_id, queue)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                     ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, status = excluded.status,
                        assignee_id = excluded.assignee_id, last_message_at = excluded.last_message_at,
                        version = excluded.version, urgent = excluded.urgent, from_number = excluded.from_number,
                        respond_by = excluded.respond_by, reviewed_by = excluded.reviewed_by,
                        reviewed_at = excluded.reviewed_at, escalation = excluded.escalation,
                        encounter_id = excluded.encounter_id, queue = excluded.queue",
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
                .bind(t.urgent)
                .bind(&t.from_number)
                .bind(t.respond_by)
                .bind(t.reviewed_by.map(|p| p.0))
                .bind(t.reviewed_at)
                .bind(t.escalation.as_ref().map(Json))
                .bind(t.encounter_id.map(|e| e.0))
                .bind(t.queue.as_str())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn write_message(tx: &mut sqlx::Transaction<'static, $db>, m: &Message) -> Result<()> {
                sqlx::query(
                    "INSERT INTO messages (id, thread_id, direction, author_id, body, sent_at, external_id, delivery)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (id) DO UPDATE SET external_id = excluded.external_id, delivery = excluded.delivery",
                )
                .bind(m.id.0)
                .bind(m.thread_id.0)
                .bind(name_of(&m.direction))
                .bind(m.author_id.map(|p| p.0))
                .bind(&m.body)
                .bind(m.sent_at)
                .bind(&m.external_id)
                .bind(m.delivery.map(|d| d.as_str()))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn write_task(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId, t: &Task) -> Result<()> {
                sqlx::query(
                    "INSERT INTO tasks (id, organization_id, kind, patient_id, queue, license_state, priority, status,
                        owner_id, description, due_at, version, focus, history)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                     ON CONFLICT (id) DO UPDATE SET status = excluded.status, owner_id = excluded.owner_id,
                        queue = excluded.queue, priority = excluded.priority, due_at = excluded.due_at,
                        version = excluded.version, history = excluded.history",
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
                .bind(t.focus.map(Json))
                .bind(Json(&t.history))
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn write_encounter(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId, e: &Encounter) -> Result<()> {
                sqlx::query(
                    "INSERT INTO encounters (id, organization_id, patient_id, author_id, mode, service_line, state_of_care,
                        status, chief_complaints, note, started_at, signed_at, version, draft, signed_by, content_hash,
                        cosign_required, cosigned_by, cosigned_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                     ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, state_of_care = excluded.state_of_care,
                        service_line = excluded.service_line, status = excluded.status, chief_complaints = excluded.chief_complaints, note = excluded.note,
                        signed_at = excluded.signed_at, version = excluded.version, draft = excluded.draft,
                        signed_by = excluded.signed_by, content_hash = excluded.content_hash,
                        cosign_required = excluded.cosign_required, cosigned_by = excluded.cosigned_by,
                        cosigned_at = excluded.cosigned_at",
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
                .bind(e.draft.as_deref().map(Json))
                .bind(e.signed_by.map(|p| p.0))
                .bind(&e.content_hash)
                .bind(e.cosign_required)
                .bind(e.cosigned_by.map(|p| p.0))
                .bind(e.cosigned_at)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// An encounter of a patient `who` may see, with its addenda.
            async fn encounter_for(tx: &mut sqlx::Transaction<'static, $db>, who: PractitionerId, id: EncounterId) -> Result<Option<Encounter>> {
                let row: Option<EncounterRow> = sqlx::query_as(&format!(
                    "SELECT {ENCOUNTER_COLUMNS} FROM encounters e WHERE e.id = $2 AND e.patient_id IN ({SCOPE})"
                ))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let mut e = row.into_domain()?;
                let addenda: Vec<AddendumRow> = sqlx::query_as(
                    "SELECT id, author_id, text, signed_at, content_hash FROM addenda WHERE encounter_id = $1
                     ORDER BY signed_at, id",
                )
                .bind(id.0)
                .fetch_all(&mut **tx)
                .await?;
                e.addenda = addenda.into_iter().map(AddendumRow::into_domain).collect();
                Ok(Some(e))
            }

            async fn insert_addendum(tx: &mut sqlx::Transaction<'static, $db>, encounter: EncounterId, a: &Addendum) -> Result<()> {
                sqlx::query(
                    "INSERT INTO addenda (id, encounter_id, author_id, text, signed_at, content_hash)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.id.0)
                .bind(encounter.0)
                .bind(a.author_id.0)
                .bind(&a.text)
                .bind(a.signed_at)
                .bind(&a.content_hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Writes a new task and its change.
            async fn create_task(tx: &mut sqlx::Transaction<'static, $db>, batch: &mut Batch, org: OrganizationId, t: &Task) -> Result<()> {
                Self::write_task(tx, org, t).await?;
                batch.change(Some(t.patient_id), Record::Task(t.clone()));
                Ok(())
            }

            /// A new task's first history entry: who made it and where it went.
            fn created(mut t: Task, by: Option<PractitionerId>, now: Time) -> Task {
                let note = format!("to the {} queue", t.queue.as_str().replace('_', " "));
                t.record(now, by, TaskAction::Created, note);
                t
            }

            /// The charting commands (start, edit a section, sign, co-sign, addenda) and task
            /// creation. Every refusal is decided before anything is written.
            async fn apply_charting(tx: &mut sqlx::Transaction<'static, $db>, batch: &mut Batch, who: &Practitioner, m: &Mutation, now: Time) -> Result<(Outcome, Option<Record>)> {
                use rounds_domain::charting::{content_hash, needs_cosign, Draft, MAX_ADDENDUM_CHARS};
                let org = who.organization_id;
                let today = now.date_naive();
                let refuse = |code, message: &str| Ok((Outcome::rejected(code, message), None));
                match m {
                    Mutation::StartEncounter { encounter_id, patient_id, service_line, mode, state_of_care } => {
                        if Self::patient_for(tx, who.id, *patient_id).await?.is_none() {
                            return refuse(RejectCode::NotFound, "patient not found");
                        }
                        if !who.roles.iter().any(Role::is_licensed_clinician) {
                            return refuse(RejectCode::Forbidden, "only clinicians chart visits");
                        }
                        if !rounds_domain::charting::is_service_line(service_line) {
                            return refuse(RejectCode::Invalid, "unknown service line");
                        }
                        let existing: Option<(Uuid, Uuid)> = sqlx::query_as("SELECT patient_id, author_id FROM encounters WHERE id = $1")
                            .bind(encounter_id.0)
                            .fetch_optional(&mut **tx)
                            .await?;
                        if let Some((p, a)) = existing {
                            return if p == patient_id.0 && a == who.id.0 {
                                Ok((Outcome::Applied, None))
                            } else {
                                refuse(RejectCode::Invalid, "a different encounter already has this id")
                            };
                        }
                        let e = Encounter {
                            id: *encounter_id,
                            patient_id: *patient_id,
                            author_id: who.id,
                            mode: *mode,
                            service_line: service_line.clone(),
                            state_of_care: *state_of_care,
                            status: EncounterStatus::Draft,
                            chief_complaints: vec![],
                            note: String::new(),
                            started_at: now,
                            signed_at: None,
                            version: 1,
                            draft: Some(Box::new(Draft::new(*mode, *state_of_care, service_line))),
                            signed_by: None,
                            content_hash: None,
                            cosign_required: false,
                            cosigned_by: None,
                            cosigned_at: None,
                            addenda: vec![],
                        };
                        Self::write_encounter(tx, org, &e).await?;
                        batch.change(Some(e.patient_id), Record::Encounter(e));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::EditSection { encounter_id, base, section } => {
                        if let Err(reason) = section.validate() {
                            return refuse(RejectCode::Invalid, &reason);
                        }
                        let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                            return refuse(RejectCode::NotFound, "encounter not found");
                        };
                        let current = Record::Encounter(e.clone());
                        if e.author_id != who.id {
                            return Ok((Outcome::rejected(RejectCode::Forbidden, "only the author edits a draft"), Some(current)));
                        }
                        if e.status.is_signed() {
                            return Ok((Outcome::rejected(RejectCode::Invalid, "the note is signed: changes are addenda"), Some(current)));
                        }
                        let Some(mut draft) = e.draft.take() else {
                            return Ok((Outcome::rejected(RejectCode::Invalid, "this note has no sections"), Some(current)));
                        };
                        let theirs = draft.section_hash(section.key());
                        if theirs == section.hash() {
                            return Ok((Outcome::Applied, None)); // already so (a retry, or the same edit twice)
                        }
                        if &theirs != base {
                            return Ok((
                                Outcome::rejected(RejectCode::Conflict, format!("{} was changed on another device", section.key().title())),
                                Some(current),
                            ));
                        }
                        draft.set(section.clone());
                        e.chief_complaints = draft.complaint_codes();
                        e.mode = draft.context.mode;
                        e.state_of_care = draft.context.state_of_care;
                        e.service_line = draft.context.service_line.clone();
                        e.draft = Some(draft);
                        e.version += 1;
                        Self::write_encounter(tx, org, &e).await?;
                        batch.change(Some(e.patient_id), Record::Encounter(e));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::SignEncounter { encounter_id, content_hash: hash } => {
                        let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                            return refuse(RejectCode::NotFound, "encounter not found");
                        };
                        let current = Record::Encounter(e.clone());
                        if e.status.is_signed() {
                            return Ok(if e.signed_by == Some(who.id) && e.content_hash.as_ref() == Some(hash) {
                                (Outcome::Applied, None)
                            } else {
                                (Outcome::rejected(RejectCode::Invalid, "the note is signed already"), Some(current))
                            });
                        }
                        if e.author_id != who.id {
                            return Ok((Outcome::rejected(RejectCode::Forbidden, "only the author signs this note"), Some(current)));
                        }
                        let Some(draft) = e.draft.as_deref() else {
                            return Ok((Outcome::rejected(RejectCode::Invalid, "this note has no sections"), Some(current)));
                        };
                        let state = draft.context.state_of_care;
                        if who.license_for(state, today).is_none() {
                            return Ok((
                                Outcome::rejected(RejectCode::Forbidden, format!("no active license in {state}, where the patient is")),
                                Some(current),
                            ));
                        }
                        let missing = draft.incomplete();
                        if !missing.is_empty() {
                            let reasons: Vec<String> = missing.iter().map(|b| b.message()).collect();
                            return Ok((Outcome::rejected(RejectCode::Invalid, reasons.join("; ")), Some(current)));
                        }
                        let note = draft.compose_note();
                        if &content_hash(&note) != hash {
                            return Ok((
                                Outcome::rejected(RejectCode::Conflict, "the note changed on another device since it was signed here: review it and sign again"),
                                Some(current),
                            ));
                        }
                        let (cosign_setting,): (bool,) = sqlx::query_as("SELECT cosign_np_notes FROM organizations WHERE id = $1")
                            .bind(org.0)
                            .fetch_one(&mut **tx)
                            .await?;
                        let planned = draft.plan.tasks.clone();
                        e.status = EncounterStatus::Signed;
                        e.content_hash = Some(hash.clone());
                        e.note = note;
                        e.signed_by = Some(who.id);
                        e.signed_at = Some(now);
                        e.cosign_required = needs_cosign(who, cosign_setting);
                        e.version += 1;
                        Self::write_encounter(tx, org, &e).await?;
                        let millis = now.timestamp_millis().max(0) as u64;
                        for p in planned {
                            let t = Task {
                                id: TaskId::new_v7(millis),
                                kind: p.kind,
                                patient_id: e.patient_id,
                                queue: p.queue,
                                license_state: state,
                                priority: TaskPriority::Routine,
                                status: TaskStatus::Ready,
                                owner_id: None,
                                description: p.description,
                                due_at: now + chrono::Duration::days(1),
                                version: 1,
                                focus: Some(TaskFocus::Encounter(e.id)),
                                history: vec![],
                            };
                            Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                        }
                        if e.cosign_required {
                            let t = Task {
                                id: TaskId::new_v7(millis),
                                kind: TaskKind::CosignNote,
                                patient_id: e.patient_id,
                                queue: Role::Physician,
                                license_state: state,
                                priority: TaskPriority::Routine,
                                status: TaskStatus::Ready,
                                owner_id: None,
                                description: format!("Co-sign the {} note of {} (encounter {})", state, e.started_at.format("%Y-%m-%d"), e.id),
                                due_at: now + chrono::Duration::days(2),
                                version: 1,
                                focus: Some(TaskFocus::Encounter(e.id)),
                                history: vec![],
                            };
                            Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                        }
                        batch.change(Some(e.patient_id), Record::Encounter(e));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::CosignEncounter { encounter_id, content_hash: hash } => {
                        let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                            return refuse(RejectCode::NotFound, "encounter not found");
                        };
                        let current = Record::Encounter(e.clone());
                        if e.cosigned_by == Some(who.id) {
                            return Ok((Outcome::Applied, None));
                        }
                        if !who.has_role(Role::Physician) || who.license_for(e.state_of_care, today).is_none() {
                            return Ok((
                                Outcome::rejected(RejectCode::Forbidden, format!("co-signing needs a physician licensed in {}", e.state_of_care)),
                                Some(current),
                            ));
                        }
                        if !e.status.is_signed() || !e.cosign_required || e.cosigned_by.is_some() {
                            return Ok((Outcome::rejected(RejectCode::Invalid, "this note is not waiting for a co-signature"), Some(current)));
                        }
                        if e.content_hash.as_ref() != Some(hash) {
                            return Ok((Outcome::rejected(RejectCode::Conflict, "the note differs from the one co-signed"), Some(current)));
                        }
                        e.cosigned_by = Some(who.id);
                        e.cosigned_at = Some(now);
                        e.version += 1;
                        Self::write_encounter(tx, org, &e).await?;
                        batch.change(Some(e.patient_id), Record::Encounter(e));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::AddAddendum { addendum_id, encounter_id, text } => {
                        let text = text.trim();
                        if text.is_empty() || text.chars().count() > MAX_ADDENDUM_CHARS {
                            return refuse(RejectCode::Invalid, &format!("an addendum needs 1 to {MAX_ADDENDUM_CHARS} characters"));
                        }
                        let Some(mut e) = Self::encounter_for(tx, who.id, *encounter_id).await? else {
                            return refuse(RejectCode::NotFound, "encounter not found");
                        };
                        if let Some(a) = e.addenda.iter().find(|a| a.id == *addendum_id) {
                            return Ok((if a.text == text { Outcome::Applied } else {
                                Outcome::rejected(RejectCode::Invalid, "a different addendum already has this id")
                            }, None));
                        }
                        let current = Record::Encounter(e.clone());
                        if !who.roles.iter().any(Role::is_licensed_clinician) {
                            return Ok((Outcome::rejected(RejectCode::Forbidden, "only clinicians add addenda"), Some(current)));
                        }
                        if !e.status.is_signed() {
                            return Ok((Outcome::rejected(RejectCode::Invalid, "the note is still a draft: edit it instead"), Some(current)));
                        }
                        let taken: Option<(Uuid,)> = sqlx::query_as("SELECT encounter_id FROM addenda WHERE id = $1")
                            .bind(addendum_id.0)
                            .fetch_optional(&mut **tx)
                            .await?;
                        if taken.is_some() {
                            return refuse(RejectCode::Invalid, "a different addendum already has this id");
                        }
                        let a = Addendum { id: *addendum_id, author_id: who.id, text: text.to_string(), signed_at: now, content_hash: content_hash(text) };
                        Self::insert_addendum(tx, e.id, &a).await?;
                        e.addenda.push(a);
                        e.status = EncounterStatus::Amended;
                        e.version += 1;
                        Self::write_encounter(tx, org, &e).await?;
                        batch.change(Some(e.patient_id), Record::Encounter(e));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::CreateTask { task_id, patient_id, task_kind, queue, license_state, priority, description, focus } => {
                        let description = description.trim();
                        if description.is_empty() || description.chars().count() > 2000 {
                            return refuse(RejectCode::Invalid, "a task needs a description of 1 to 2,000 characters");
                        }
                        if *queue == Some(Role::Admin) {
                            return refuse(RejectCode::Invalid, "clinical work goes to a care queue, not to administrators");
                        }
                        let rules = Self::routing_rules(tx, org).await?;
                        let (routed, due_at) = rules.route(*task_kind, now);
                        let queue = queue.unwrap_or(routed);
                        if Self::patient_for(tx, who.id, *patient_id).await?.is_none() {
                            return refuse(RejectCode::NotFound, "patient not found");
                        }
                        let existing: Option<(Uuid, String)> = sqlx::query_as("SELECT patient_id, description FROM tasks WHERE id = $1")
                            .bind(task_id.0)
                            .fetch_optional(&mut **tx)
                            .await?;
                        if let Some((p, d)) = existing {
                            return if p == patient_id.0 && d == description {
                                Ok((Outcome::Applied, None))
                            } else {
                                refuse(RejectCode::Invalid, "a different task already has this id")
                            };
                        }
                        let t = Task {
                            id: *task_id,
                            kind: *task_kind,
                            patient_id: *patient_id,
                            queue,
                            license_state: *license_state,
                            priority: *priority,
                            status: TaskStatus::Ready,
                            owner_id: None,
                            description: description.to_string(),
                            due_at: match priority {
                                TaskPriority::Stat => now + chrono::Duration::hours(1),
                                TaskPriority::Urgent => due_at.min(now + chrono::Duration::hours(4)),
                                TaskPriority::Routine => due_at,
                            },
                            version: 1,
                            focus: *focus,
                            history: vec![],
                        };
                        Self::create_task(tx, batch, org, &Self::created(t, Some(who.id), now)).await?;
                        Ok((Outcome::Applied, None))
                    }
                    _ => Ok((Outcome::rejected(RejectCode::Invalid, "not a charting command"), None)),
                }
            }

            async fn patient_for(tx: &mut sqlx::Transaction<'static, $db>, who: PractitionerId, id: PatientId) -> Result<Option<Patient>> {
                let row: Option<PatientRow> = sqlx::query_as(&format!(
                    "SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $2 AND p.id IN ({SCOPE})"
                ))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(PatientRow::into_domain).transpose()
            }

            /// Stores a new access token and refresh token of a session family.
            async fn issue(tx: &mut sqlx::Transaction<'static, $db>, who: PractitionerId, family: Uuid, t: &IssuedTokens, now: Time) -> Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, practitioner_id, created_at, expires_at, family_id) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&t.access_hash)
                .bind(who.0)
                .bind(now)
                .bind(t.access_expires_at)
                .bind(family)
                .execute(&mut **tx)
                .await?;
                sqlx::query("INSERT INTO refresh_tokens (token_hash, family_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(&t.refresh_hash)
                    .bind(family)
                    .bind(now)
                    .bind(t.refresh_expires_at)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Ends a session family: its access tokens are deleted, its refresh tokens refused.
            async fn revoke_family(tx: &mut sqlx::Transaction<'static, $db>, family: Uuid, reason: &str, now: Time) -> Result<()> {
                sqlx::query("UPDATE session_families SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL")
                    .bind(family)
                    .bind(now)
                    .bind(reason)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE family_id = $1").bind(family).execute(&mut **tx).await?;
                Ok(())
            }

            /// One message, found by id (`by_id`) or by the text key in `condition`.
            async fn message_by(tx: &mut sqlx::Transaction<'static, $db>, condition: &str, key: &str, by_id: Option<Uuid>) -> Result<Option<Message>> {
                let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE {condition}");
                let q = sqlx::query_as::<_, MessageRow>(&sql);
                let row = match by_id {
                    Some(id) => q.bind(id).fetch_optional(&mut **tx).await?,
                    None => q.bind(key).fetch_optional(&mut **tx).await?,
                };
                row.map(MessageRow::into_domain).transpose()
            }

            /// A thread of the user's patients, or an unmatched one when they triage.
            async fn thread_for(tx: &mut sqlx::Transaction<'static, $db>, who: &Practitioner, id: ThreadId) -> Result<Option<Thread>> {
                let row: Option<ThreadRow> = sqlx::query_as(&format!(
                    "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id = $2
                       AND (t.patient_id IN ({SCOPE}) OR (t.patient_id IS NULL AND t.organization_id = $3 AND $4))"
                ))
                .bind(who.id.0)
                .bind(id.0)
                .bind(who.organization_id.0)
                .bind(rounds_domain::thread::may_triage(who))
                .fetch_optional(&mut **tx)
                .await?;
                row.map(ThreadRow::into_domain).transpose()
            }

            async fn task_for(tx: &mut sqlx::Transaction<'static, $db>, who: PractitionerId, id: TaskId) -> Result<Option<Task>> {
                let row: Option<TaskRow> = sqlx::query_as(&format!(
                    "SELECT {TASK_COLUMNS} FROM tasks k WHERE k.id = $2 AND k.patient_id IN ({SCOPE})"
                ))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(TaskRow::into_domain).transpose()
            }

            /// Applies one command inside the push transaction. Every rejection is decided
            /// before anything is written, so a rejected command leaves no trace but its result.
            async fn apply(tx: &mut sqlx::Transaction<'static, $db>, batch: &mut Batch, who: &Practitioner, cmd: &Command, now: Time) -> Result<(Outcome, Option<Record>)> {
                let org = who.organization_id;
                let today = now.date_naive();
                match &cmd.mutation {
                    Mutation::EditPatient { patient_id, changes } => {
                        let Some(current) = Self::patient_for(tx, who.id, *patient_id).await? else {
                            return Ok((Outcome::rejected(RejectCode::NotFound, "patient not found"), None));
                        };
                        let mut next = match apply_patient_changes(&current, changes) {
                            Ok(next) => next,
                            Err(e) => return Ok((e.into_outcome(), Some(Record::Patient(current)))),
                        };
                        if next == current {
                            return Ok((Outcome::Applied, None));
                        }
                        next.version = current.version + 1;
                        Self::write_patient(tx, org, None, &next).await?;
                        fail::fail_point!("apply.row_written", |_| Err(StorageError::Injected("apply.row_written")));
                        batch.change(Some(next.id), Record::Patient(next));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::PostMessage { message_id, thread_id, body } => {
                        let body = body.trim();
                        if body.is_empty() || body.chars().count() > MAX_MESSAGE_CHARS {
                            return Ok((Outcome::rejected(RejectCode::Invalid, format!("a message needs 1 to {MAX_MESSAGE_CHARS} characters")), None));
                        }
                        let Some(mut thread) = Self::thread_for(tx, who, *thread_id).await? else {
                            return Ok((Outcome::rejected(RejectCode::NotFound, "thread not found"), None));
                        };
                        let existing: Option<(Uuid, String)> =
                            sqlx::query_as("SELECT thread_id, body FROM messages WHERE id = $1")
                                .bind(message_id.0)
                                .fetch_optional(&mut **tx)
                                .await?;
                        if let Some((existing_thread, existing_body)) = existing {
                            return Ok((if existing_body == body && existing_thread == thread_id.0 {
                                Outcome::Applied
                            } else {
                                Outcome::rejected(RejectCode::Invalid, "a different message already has this id")
                            }, None));
                        }
                        if thread.status == ThreadStatus::Closed {
                            return Ok((Outcome::rejected(RejectCode::Invalid, "the thread is closed"), None));
                        }
                        // An SMS reply is queued for the provider in this transaction, so a
                        // reply pushed twice is sent once.
                        let to_number = if thread.channel == Channel::Sms { Self::reply_number(tx, &thread).await? } else { None };
                        let message = Message {
                            id: *message_id,
                            thread_id: *thread_id,
                            direction: MessageDirection::Outbound,
                            author_id: Some(who.id),
                            body: body.to_string(),
                            sent_at: now,
                            external_id: None,
                            delivery: match (thread.channel, &to_number) {
                                (Channel::Sms, Some(_)) => Some(Delivery::Queued),
                                (Channel::Sms, None) => Some(Delivery::Failed),
                                _ => None,
                            },
                        };
                        Self::write_message(tx, &message).await?;
                        if let Some(to) = to_number {
                            sqlx::query(
                                "INSERT INTO sms_outbox (message_id, organization_id, to_number, attempts, next_attempt_at)
                                 VALUES ($1, $2, $3, 0, $4)",
                            )
                            .bind(message_id.0)
                            .bind(org.0)
                            .bind(to)
                            .bind(now)
                            .execute(&mut **tx)
                            .await?;
                        }
                        rounds_domain::thread::on_outbound(&mut thread, now);
                        thread.version += 1;
                        Self::write_thread(tx, org, &thread).await?;
                        batch.change(thread.patient_id, Record::Message(message));
                        batch.change(thread.patient_id, Record::Thread(thread));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::ClaimTask { task_id, base_version } => {
                        let Some(task) = Self::task_for(tx, who.id, *task_id).await? else {
                            return Ok((Outcome::rejected(RejectCode::NotFound, "task not found"), None));
                        };
                        let mut next = match tasks::claim(&task, who, *base_version, today) {
                            Ok(next) => next,
                            Err(outcome) => return Ok((outcome, Some(Record::Task(task)))),
                        };
                        if next != task {
                            next.record(now, Some(who.id), TaskAction::Claimed, "");
                            Self::write_task(tx, org, &next).await?;
                            batch.change(Some(next.patient_id), Record::Task(next));
                        }
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::CompleteTask { task_id } => {
                        let Some(task) = Self::task_for(tx, who.id, *task_id).await? else {
                            return Ok((Outcome::rejected(RejectCode::NotFound, "task not found"), None));
                        };
                        let mut next = match tasks::complete(&task, who, today) {
                            Ok(next) => next,
                            Err(outcome) => return Ok((outcome, Some(Record::Task(task)))),
                        };
                        if next != task {
                            next.record(now, Some(who.id), TaskAction::Completed, "");
                            Self::write_task(tx, org, &next).await?;
                            batch.change(Some(next.patient_id), Record::Task(next));
                        }
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::CancelTask { task_id } => {
                        let Some(task) = Self::task_for(tx, who.id, *task_id).await? else {
                            return Ok((Outcome::rejected(RejectCode::NotFound, "task not found"), None));
                        };
                        let mut next = match tasks::cancel(&task, who, today) {
                            Ok(next) => next,
                            Err(outcome) => return Ok((outcome, Some(Record::Task(task)))),
                        };
                        if next != task {
                            next.record(now, Some(who.id), TaskAction::Cancelled, "");
                            Self::write_task(tx, org, &next).await?;
                            batch.change(Some(next.patient_id), Record::Task(next));
                        }
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::HandOffTask { task_id, base_version, to, queue } => {
                        let Some(task) = Self::task_for(tx, who.id, *task_id).await? else {
                            return Ok((Outcome::rejected(RejectCode::NotFound, "task not found"), None));
                        };
                        let colleague = match Self::practitioner_in(tx, org, *to).await? {
                            Some(p) => p,
                            None => return Ok((Outcome::rejected(RejectCode::NotFound, "no such colleague"), Some(Record::Task(task)))),
                        };
                        let mut next = match tasks::hand_off(&task, who, &colleague, *queue, *base_version, today) {
                            Ok(next) => next,
                            Err(outcome) => return Ok((outcome, Some(Record::Task(task)))),
                        };
                        if next != task {
                            next.record(now, Some(who.id), TaskAction::HandedOff, format!("to {} ({})", colleague.display_name, queue.as_str().replace('_', " ")));
                            Self::write_task(tx, org, &next).await?;
                            batch.change(Some(next.patient_id), Record::Task(next));
                        }
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::StartEncounter { .. }
                    | Mutation::EditSection { .. }
                    | Mutation::SignEncounter { .. }
                    | Mutation::CosignEncounter { .. }
                    | Mutation::AddAddendum { .. }
                    | Mutation::CreateTask { .. } => Self::apply_charting(tx, batch, who, &cmd.mutation, now).await,
                    Mutation::ThreadAction { .. } | Mutation::LogThreadTime { .. } => {
                        Self::apply_thread(tx, batch, who, &cmd.mutation, now).await
                    }
                    // Nothing changes but the audit trail (the push audits every command); a
                    // read is recorded even when the patient has left the user's care teams since.
                    Mutation::RecordAccess { patient_id, .. } => {
                        let known: Option<(Uuid,)> =
                            sqlx::query_as("SELECT id FROM patients WHERE id = $1 AND organization_id = $2")
                                .bind(patient_id.0)
                                .bind(org.0)
                                .fetch_optional(&mut **tx)
                                .await?;
                        Ok((if known.is_some() { Outcome::Applied } else { Outcome::rejected(RejectCode::NotFound, "patient not found") }, None))
                    }
                }
            }

            /// The number a reply goes to: the one the patient texted from, else the guardian's
            /// (a minor's parent), else the patient's own.
            async fn reply_number(tx: &mut sqlx::Transaction<'static, $db>, thread: &Thread) -> Result<Option<String>> {
                if let Some(n) = &thread.from_number {
                    return Ok(Some(n.clone()));
                }
                let Some(patient) = thread.patient_id else { return Ok(None) };
                let row: Option<PatientRow> = sqlx::query_as(&format!("SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $1"))
                    .bind(patient.0)
                    .fetch_optional(&mut **tx)
                    .await?;
                let Some(p) = row.map(PatientRow::into_domain).transpose()? else { return Ok(None) };
                Ok(p.guardian.map(|g| g.phone).or(p.phone))
            }

            /// Thread actions and time on threads. Every refusal is decided before anything is
            /// written.
            async fn apply_thread(tx: &mut sqlx::Transaction<'static, $db>, batch: &mut Batch, who: &Practitioner, m: &Mutation, now: Time) -> Result<(Outcome, Option<Record>)> {
                use rounds_domain::thread::{apply_action, MAX_TIME_SLICE_SECONDS};
                let org = who.organization_id;
                let refuse = |code, message: &str| Ok((Outcome::rejected(code, message), None));
                match m {
                    Mutation::ThreadAction { thread_id, action } => {
                        let Some(thread) = Self::thread_for(tx, who, *thread_id).await? else {
                            return refuse(RejectCode::NotFound, "thread not found");
                        };
                        if !who.roles.iter().any(|r| r.is_licensed_clinician() || *r == Role::CareCoordinator) {
                            return refuse(RejectCode::Forbidden, "only the care team works threads");
                        }
                        if matches!(action, ThreadAction::MarkReviewed | ThreadAction::RequestReview)
                            && !who.roles.iter().any(Role::is_licensed_clinician)
                        {
                            return refuse(RejectCode::Forbidden, "only clinicians review threads");
                        }
                        let mut next = thread.clone();
                        if let Err(why) = apply_action(&mut next, action, who.id, now) {
                            return Ok((Outcome::rejected(RejectCode::Invalid, why), Some(Record::Thread(thread))));
                        }
                        let mut task = None;
                        match action {
                            ThreadAction::Assign { to } => {
                                let colleague: Option<(Uuid,)> = sqlx::query_as(
                                    "SELECT id FROM practitioners WHERE id = $1 AND organization_id = $2",
                                )
                                .bind(to.0)
                                .bind(org.0)
                                .fetch_optional(&mut **tx)
                                .await?;
                                if colleague.is_none() {
                                    return refuse(RejectCode::NotFound, "no such colleague");
                                }
                            }
                            ThreadAction::LinkPatient { patient_id } => {
                                let found = Self::patient_for(tx, who.id, *patient_id).await?;
                                if found.is_none() {
                                    return refuse(RejectCode::NotFound, "patient not found");
                                }
                            }
                            ThreadAction::LinkEncounter { encounter_id } => {
                                let e: Option<(Uuid,)> = sqlx::query_as("SELECT patient_id FROM encounters WHERE id = $1")
                                    .bind(encounter_id.0)
                                    .fetch_optional(&mut **tx)
                                    .await?;
                                if e.map(|(p,)| p) != thread.patient_id.map(|p| p.0) || thread.patient_id.is_none() {
                                    return refuse(RejectCode::NotFound, "no such visit for this thread's patient");
                                }
                            }
                            ThreadAction::Escalate { task_id, to, reason } if thread.escalation.as_ref().is_none_or(|e| e.task_id != *task_id) => {
                                let Some(patient_id) = thread.patient_id else {
                                    return refuse(RejectCode::Invalid, "link the thread to a patient before escalating it");
                                };
                                let Some(patient) = Self::patient_for(tx, who.id, patient_id).await? else {
                                    return refuse(RejectCode::NotFound, "patient not found");
                                };
                                let taken: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM tasks WHERE id = $1")
                                    .bind(task_id.0)
                                    .fetch_optional(&mut **tx)
                                    .await?;
                                if taken.is_some() {
                                    return refuse(RejectCode::Invalid, "a different task already has this id");
                                }
                                let priority = if thread.urgent { TaskPriority::Urgent } else { TaskPriority::Routine };
                                let rules = Self::routing_rules(tx, org).await?;
                                let (_, due_at) = rules.route(TaskKind::ReviewThread, now);
                                task = Some(Self::created(
                                    Task {
                                        id: *task_id,
                                        kind: TaskKind::ReviewThread,
                                        patient_id,
                                        queue: *to,
                                        license_state: patient.current_state,
                                        priority,
                                        status: TaskStatus::Ready,
                                        owner_id: None,
                                        description: format!("Escalated thread: {}", reason.trim()),
                                        due_at: if thread.urgent { due_at.min(now + chrono::Duration::hours(1)) } else { due_at },
                                        version: 1,
                                        focus: Some(TaskFocus::Thread(thread.id)),
                                        history: vec![],
                                    },
                                    Some(who.id),
                                    now,
                                ));
                            }
                            _ => {}
                        }
                        if next == thread {
                            return Ok((Outcome::Applied, None));
                        }
                        if let Some(task) = task {
                            Self::create_task(tx, batch, org, &task).await?;
                        }
                        next.version = thread.version + 1;
                        Self::write_thread(tx, org, &next).await?;
                        batch.change(next.patient_id, Record::Thread(next));
                        Ok((Outcome::Applied, None))
                    }
                    Mutation::LogThreadTime { entry_id, thread_id, started_at, seconds } => {
                        if *seconds == 0 || *seconds > MAX_TIME_SLICE_SECONDS {
                            return refuse(RejectCode::Invalid, "a slice of time is 1 second to 15 minutes");
                        }
                        if *started_at > now + chrono::Duration::minutes(5) || *started_at < now - chrono::Duration::days(30) {
                            return refuse(RejectCode::Invalid, "time on a thread is recorded within 30 days");
                        }
                        let Some(thread) = Self::thread_for(tx, who, *thread_id).await? else {
                            return refuse(RejectCode::NotFound, "thread not found");
                        };
                        let existing: Option<(Uuid, i64)> = sqlx::query_as("SELECT thread_id, seconds FROM thread_time WHERE id = $1")
                            .bind(entry_id)
                            .fetch_optional(&mut **tx)
                            .await?;
                        if let Some((t, secs)) = existing {
                            return if t == thread_id.0 && secs == i64::from(*seconds) {
                                Ok((Outcome::Applied, None))
                            } else {
                                refuse(RejectCode::Invalid, "a different slice of time already has this id")
                            };
                        }
                        sqlx::query(
                            "INSERT INTO thread_time (id, organization_id, thread_id, practitioner_id, started_at, seconds)
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(entry_id)
                        .bind(org.0)
                        .bind(thread_id.0)
                        .bind(who.id.0)
                        .bind(started_at)
                        .bind(i64::from(*seconds))
                        .execute(&mut **tx)
                        .await?;
                        let slice = ThreadTime {
                            id: *entry_id,
                            thread_id: *thread_id,
                            practitioner_id: who.id,
                            started_at: *started_at,
                            seconds: *seconds,
                        };
                        batch.change(thread.patient_id, Record::ThreadTime(slice));
                        Ok((Outcome::Applied, None))
                    }
                    _ => refuse(RejectCode::Invalid, "not a thread command"),
                }
            }

            /// The organisation's routing rules (its document, else the standard ones).
            async fn routing_rules(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId) -> Result<rounds_domain::routing::RoutingRules> {
                let body: Option<(String,)> = sqlx::query_as(
                    "SELECT body FROM org_documents WHERE organization_id = $1 AND kind = 'routing_rules' AND name = 'default'",
                )
                .bind(org.0)
                .fetch_optional(&mut **tx)
                .await?;
                match body {
                    Some((b,)) => serde_json::from_str(&b).map_err(|e| StorageError::InvalidData(format!("routing rules: {e}"))),
                    None => Ok(rounds_domain::routing::RoutingRules::standard()),
                }
            }

            /// A practitioner of `org` with roles and licenses, read inside `tx`.
            async fn practitioner_in(tx: &mut sqlx::Transaction<'static, $db>, org: OrganizationId, id: PractitionerId) -> Result<Option<Practitioner>> {
                let row: Option<PractitionerRow> = sqlx::query_as(
                    "SELECT id, organization_id, display_name, email, supervisor_id, on_duty FROM practitioners
                     WHERE id = $1 AND organization_id = $2",
                )
                .bind(id.0)
                .bind(org.0)
                .fetch_optional(&mut **tx)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(Self::with_roles_and_licenses(&mut **tx, row).await?))
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

            #[tracing::instrument(skip_all)]
            #[tracing::instrument(skip_all)]
            async fn put_org_document(&self, org: OrganizationId, by: Option<PractitionerId>, doc: &OrgDocument, now: Time) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                Self::lock_org(&mut tx, org).await?;
                let current: Option<(String,)> = sqlx::query_as(
                    "SELECT version FROM org_documents WHERE organization_id = $1 AND kind = $2 AND name = $3",
                )
                .bind(org.0)
                .bind(doc.kind.as_str())
                .bind(&doc.name)
                .fetch_optional(&mut *tx)
                .await?;
                if current.is_some_and(|(v,)| v == doc.version) {
                    return Ok(false); // the same document again
                }
                sqlx::query(
                    "INSERT INTO org_documents (organization_id, kind, name, version, body, updated_at, updated_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (organization_id, kind, name) DO UPDATE SET version = excluded.version,
                        body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                )
                .bind(org.0)
                .bind(doc.kind.as_str())
                .bind(&doc.name)
                .bind(&doc.version)
                .bind(&doc.body)
                .bind(now)
                .bind(by.map(|p| p.0))
                .execute(&mut *tx)
                .await?;
                Self::append(&mut tx, org, None, &Record::OrgDocument(doc.clone()), now).await?;
                if let Some(who) = by {
                    let event = AuditEvent::new(org, now, who, &format!("admin.replace_{}", doc.kind.as_str()))
                        .detail(format!("{} version {}", doc.name, doc.version))
                        .severity(Severity::High);
                    Self::append_audit(&mut tx, &event).await?;
                }
                tx.commit().await?;
                Ok(true)
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
                let (email,): (String,) = sqlx::query_as("SELECT email FROM practitioners WHERE id = $1")
                    .bind(p.id.0)
                    .fetch_one(&mut *tx)
                    .await?;
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
            async fn escalate_overdue(&self, now: Time) -> Result<Vec<(OrganizationId, i64)>> {
                let orgs: Vec<(Uuid,)> = sqlx::query_as(
                    "SELECT DISTINCT organization_id FROM tasks WHERE status = 'ready' AND owner_id IS NULL AND due_at < $1",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut changed = Vec::new();
                for (org,) in orgs {
                    let org = OrganizationId(org);
                    let mut tx = self.pool.begin().await?;
                    Self::lock_org(&mut tx, org).await?;
                    let rules = Self::routing_rules(&mut tx, org).await?;
                    let rows: Vec<TaskRow> = sqlx::query_as(&format!(
                        "SELECT {TASK_COLUMNS} FROM tasks k WHERE k.organization_id = $1 AND k.status = 'ready'
                         AND k.owner_id IS NULL AND k.due_at < $2"
                    ))
                    .bind(org.0)
                    .bind(now)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut batch = Batch::default();
                    for row in rows {
                        let task = row.into_domain()?;
                        if let Some(mut next) = rules.escalate(&task, now) {
                            let note = format!("overdue: to the {} queue, {:?}", next.queue.as_str().replace('_', " "), next.priority);
                            next.record(now, None, TaskAction::Escalated, note);
                            Self::write_task(&mut tx, org, &next).await?;
                            batch.change(Some(next.patient_id), Record::Task(next));
                        }
                    }
                    let n = batch.changes.len();
                    // No device and no person: the change-log rows are the record of it.
                    Self::flush(&mut tx, org, DeviceId(Uuid::nil()), now, batch).await?;
                    tx.commit().await?;
                    if n > 0 {
                        tracing::info!(tasks = n, "overdue tasks escalated");
                        changed.push((org, self.head(org).await?));
                    }
                }
                Ok(changed)
            }

            #[tracing::instrument(skip_all)]
            async fn coverage(&self, org: OrganizationId, now: Time) -> Result<Vec<rounds_domain::ops::StateCoverage>> {
                let today = now.date_naive();
                let clinicians: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT l.state, count(DISTINCT p.id),
                            count(DISTINCT CASE WHEN p.on_duty THEN p.id END)
                     FROM licenses l JOIN practitioners p ON p.id = l.practitioner_id
                     WHERE p.organization_id = $1 AND l.expires_on >= $2
                       AND EXISTS (SELECT 1 FROM practitioner_roles r WHERE r.practitioner_id = p.id
                                   AND r.role IN ('physician', 'nurse_practitioner', 'physician_assistant', 'registered_nurse'))
                     GROUP BY l.state",
                )
                .bind(org.0)
                .bind(today)
                .fetch_all(&self.pool)
                .await?;
                let work: Vec<(String, i64, i64, Option<Time>)> = sqlx::query_as(
                    "SELECT license_state, count(*), count(CASE WHEN due_at < $2 THEN 1 END), min(due_at)
                     FROM tasks
                     WHERE organization_id = $1 AND status = 'ready' AND owner_id IS NULL
                       AND queue IN ('physician', 'nurse_practitioner', 'physician_assistant', 'registered_nurse')
                     GROUP BY license_state",
                )
                .bind(org.0)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let mut by_state: std::collections::BTreeMap<String, rounds_domain::ops::StateCoverage> = Default::default();
                for (st, licensed, on_duty) in clinicians {
                    let state = rows::state(&st)?;
                    by_state.insert(st, rounds_domain::ops::StateCoverage { state, on_duty, licensed, waiting: 0, overdue: 0, oldest_due: None });
                }
                for (st, waiting, overdue, oldest) in work {
                    let state = rows::state(&st)?;
                    let entry = by_state.entry(st).or_insert(rounds_domain::ops::StateCoverage {
                        state,
                        on_duty: 0,
                        licensed: 0,
                        waiting: 0,
                        overdue: 0,
                        oldest_due: None,
                    });
                    entry.waiting = waiting;
                    entry.overdue = overdue;
                    entry.oldest_due = oldest;
                }
                Ok(by_state.into_values().collect())
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
            async fn credentials_by_email(&self, email: &str) -> Result<Option<(Practitioner, String)>> {
                #[allow(clippy::type_complexity)]
                let row: Option<(Uuid, Uuid, String, String, String, Option<Uuid>, bool)> = sqlx::query_as(
                    "SELECT id, organization_id, display_name, email, password_hash, supervisor_id, on_duty
                     FROM practitioners WHERE email = $1",
                )
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
                let Some((id, organization_id, display_name, email, hash, supervisor_id, on_duty)) = row else { return Ok(None) };
                let p = self
                    .load_practitioner(PractitionerRow { id, organization_id, display_name, email, supervisor_id, on_duty })
                    .await?;
                Ok(Some((p, hash)))
            }

            async fn locked_until(&self, who: PractitionerId) -> Result<Option<Time>> {
                let row: Option<(Option<Time>,)> = sqlx::query_as("SELECT locked_until FROM practitioners WHERE id = $1")
                    .bind(who.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.and_then(|(t,)| t))
            }

            async fn record_failed_sign_in(&self, who: PractitionerId, max: i64, lock_until: Time) -> Result<Option<Time>> {
                let mut tx = self.pool.begin().await?;
                let (failed,): (i64,) = sqlx::query_as(
                    "UPDATE practitioners SET failed_sign_ins = failed_sign_ins + 1 WHERE id = $1 RETURNING failed_sign_ins",
                )
                .bind(who.0)
                .fetch_one(&mut *tx)
                .await?;
                let locked = if failed >= max {
                    sqlx::query("UPDATE practitioners SET failed_sign_ins = 0, locked_until = $2 WHERE id = $1")
                        .bind(who.0)
                        .bind(lock_until)
                        .execute(&mut *tx)
                        .await?;
                    Some(lock_until)
                } else {
                    None
                };
                tx.commit().await?;
                Ok(locked)
            }

            async fn record_sign_in(&self, who: PractitionerId) -> Result<()> {
                sqlx::query("UPDATE practitioners SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1")
                    .bind(who.0)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn open_session(&self, who: PractitionerId, client: &str, tokens: &IssuedTokens, now: Time) -> Result<Uuid> {
                let family = Uuid::now_v7();
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO session_families (id, practitioner_id, created_at, last_used_at, client) VALUES ($1, $2, $3, $3, $4)",
                )
                .bind(family)
                .bind(who.0)
                .bind(now)
                .bind(client)
                .execute(&mut *tx)
                .await?;
                Self::issue(&mut tx, who, family, tokens, now).await?;
                tx.commit().await?;
                Ok(family)
            }

            #[tracing::instrument(skip_all)]
            async fn rotate_refresh(&self, refresh_hash: &str, next: &IssuedTokens, now: Time) -> Result<Rotation> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(Uuid, Uuid, Time, Option<Time>, Option<Time>)> = sqlx::query_as(
                    "SELECT f.id, f.practitioner_id, r.expires_at, r.used_at, f.revoked_at
                     FROM refresh_tokens r JOIN session_families f ON f.id = r.family_id WHERE r.token_hash = $1",
                )
                .bind(refresh_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((family, who, expires_at, used_at, revoked_at)) = row else { return Ok(Rotation::Refused) };
                if revoked_at.is_some() || expires_at <= now {
                    return Ok(Rotation::Refused);
                }
                let who = PractitionerId(who);
                if used_at.is_some() {
                    Self::revoke_family(&mut tx, family, "a refresh token was used twice", now).await?;
                    tx.commit().await?;
                    return Ok(Rotation::Reused(self.practitioner(who).await?));
                }
                // Compare-and-set: of two racing uses, one rotates and the other is a reuse.
                let marked = sqlx::query("UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL")
                    .bind(refresh_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if marked != 1 {
                    return Ok(Rotation::Refused);
                }
                Self::issue(&mut tx, who, family, next, now).await?;
                sqlx::query("UPDATE session_families SET last_used_at = $2 WHERE id = $1")
                    .bind(family)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Rotation::Rotated(self.practitioner(who).await?))
            }

            #[tracing::instrument(skip_all)]
            async fn session(&self, token_hash: &str, now: Time) -> Result<Option<super::SessionUser>> {
                let row: Option<(Uuid, Option<Uuid>, bool)> = sqlx::query_as(
                    "SELECT s.practitioner_id, s.family_id, (o.require_totp AND p.totp_secret IS NULL)
                     FROM sessions s LEFT JOIN session_families f ON f.id = s.family_id
                     JOIN practitioners p ON p.id = s.practitioner_id
                     JOIN organizations o ON o.id = p.organization_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND f.revoked_at IS NULL",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some((who, family, must_enrol)) => Ok(Some(super::SessionUser {
                        practitioner: self.practitioner(PractitionerId(who)).await?,
                        family,
                        must_enrol,
                    })),
                    None => Ok(None),
                }
            }

            async fn second_factor(&self, who: PractitionerId) -> Result<SecondFactorState> {
                let row: Option<(Option<String>, Option<String>, Option<i64>, bool)> = sqlx::query_as(
                    "SELECT p.totp_secret, p.totp_pending, p.totp_last_step, o.require_totp
                     FROM practitioners p JOIN organizations o ON o.id = p.organization_id WHERE p.id = $1",
                )
                .bind(who.0)
                .fetch_optional(&self.pool)
                .await?;
                let (secret, pending, last_step, required) = row.ok_or(StorageError::NotFound)?;
                Ok(SecondFactorState { secret, pending, last_step, required })
            }

            async fn set_second_factor_pending(&self, who: PractitionerId, secret: &str) -> Result<()> {
                sqlx::query("UPDATE practitioners SET totp_pending = $2 WHERE id = $1")
                    .bind(who.0)
                    .bind(secret)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn confirm_second_factor(&self, who: PractitionerId, step: i64) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE practitioners SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $2
                     WHERE id = $1 AND totp_pending IS NOT NULL",
                )
                .bind(who.0)
                .bind(step)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn use_second_factor_step(&self, who: PractitionerId, step: i64) -> Result<bool> {
                let done = sqlx::query(
                    "UPDATE practitioners SET totp_last_step = $2
                     WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                )
                .bind(who.0)
                .bind(step)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn set_require_second_factor(&self, org: OrganizationId, required: bool) -> Result<()> {
                sqlx::query("UPDATE organizations SET require_totp = $2 WHERE id = $1")
                    .bind(org.0)
                    .bind(required)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_may_break_glass(&self, org: OrganizationId, who: PractitionerId, allowed: bool) -> Result<bool> {
                let done = sqlx::query("UPDATE practitioners SET may_break_glass = $3 WHERE id = $1 AND organization_id = $2")
                    .bind(who.0)
                    .bind(org.0)
                    .bind(allowed)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(done == 1)
            }

            async fn may_break_glass(&self, who: PractitionerId) -> Result<bool> {
                let row: Option<(bool,)> = sqlx::query_as("SELECT may_break_glass FROM practitioners WHERE id = $1")
                    .bind(who.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.is_some_and(|(b,)| b))
            }

            #[tracing::instrument(skip_all)]
            async fn grant_break_glass(&self, who: &Practitioner, patient: PatientId, reason: &str, now: Time, expires_at: Time) -> Result<Option<()>> {
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

            async fn break_glass_grant(&self, who: PractitionerId, patient: PatientId, now: Time) -> Result<Option<(String, Time)>> {
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

            async fn patient_id_by_mrn(&self, org: OrganizationId, mrn: &str) -> Result<Option<PatientId>> {
                let row: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM patients WHERE organization_id = $1 AND mrn = $2")
                    .bind(org.0)
                    .bind(mrn)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(id,)| PatientId(id)))
            }

            async fn chart_for_break_glass(&self, org: OrganizationId, patient: PatientId) -> Result<Option<(Patient, Vec<Encounter>)>> {
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

            async fn sessions(&self, who: PractitionerId, now: Time) -> Result<Vec<super::SessionRow>> {
                let rows: Vec<(Uuid, Time, Time, String)> = sqlx::query_as(
                    "SELECT f.id, f.created_at, f.last_used_at, f.client FROM session_families f
                     WHERE f.practitioner_id = $1 AND f.revoked_at IS NULL
                       AND EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = f.id AND r.used_at IS NULL AND r.expires_at > $2)
                     ORDER BY f.last_used_at DESC",
                )
                .bind(who.0)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, created_at, last_used_at, client)| super::SessionRow { id, created_at, last_used_at, client })
                    .collect())
            }

            #[tracing::instrument(skip_all)]
            async fn revoke_session(&self, who: PractitionerId, family: Uuid, reason: &str, now: Time) -> Result<bool> {
                let mut tx = self.pool.begin().await?;
                let mine: Option<(Uuid,)> = sqlx::query_as(
                    "SELECT id FROM session_families WHERE id = $1 AND practitioner_id = $2 AND revoked_at IS NULL",
                )
                .bind(family)
                .bind(who.0)
                .fetch_optional(&mut *tx)
                .await?;
                if mine.is_none() {
                    return Ok(false);
                }
                Self::revoke_family(&mut tx, family, reason, now).await?;
                tx.commit().await?;
                Ok(true)
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
            async fn insert_patient(&self, org: OrganizationId, team: CareTeamId, p: &Patient, now: Time) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_org(&mut tx, org).await?;
                Self::write_patient(&mut tx, org, Some(team), p).await?;
                Self::append(&mut tx, org, Some(p.id), &Record::Patient(p.clone()), now).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn patients_in_scope(&self, who: PractitionerId, after: Option<PatientId>, limit: u32) -> Result<Vec<Patient>> {
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
                let row: Option<PatientRow> = sqlx::query_as(&format!(
                    "SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $2 AND p.id IN ({SCOPE})"
                ))
                .bind(who.0)
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
                row.map(PatientRow::into_domain).transpose()
            }

            #[tracing::instrument(skip_all)]
            async fn insert_encounter(&self, org: OrganizationId, e: &Encounter, now: Time) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_org(&mut tx, org).await?;
                Self::write_encounter(&mut tx, org, e).await?;
                for a in &e.addenda {
                    Self::insert_addendum(&mut tx, e.id, a).await?;
                }
                Self::append(&mut tx, org, Some(e.patient_id), &Record::Encounter(e.clone()), now).await?;
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn insert_thread(&self, org: OrganizationId, t: &Thread, messages: &[Message], now: Time) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_org(&mut tx, org).await?;
                Self::write_thread(&mut tx, org, t).await?;
                Self::append(&mut tx, org, t.patient_id, &Record::Thread(t.clone()), now).await?;
                for m in messages {
                    Self::write_message(&mut tx, m).await?;
                    Self::append(&mut tx, org, t.patient_id, &Record::Message(m.clone()), now).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn insert_task(&self, org: OrganizationId, t: &Task, now: Time) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::lock_org(&mut tx, org).await?;
                Self::write_task(&mut tx, org, t).await?;
                Self::append(&mut tx, org, Some(t.patient_id), &Record::Task(t.clone()), now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_sms_number(&self, org: OrganizationId, number: &str, service_line: &str) -> Result<()> {
                let key = rounds_domain::patient::phone_key(number)
                    .ok_or_else(|| StorageError::InvalidData("not a phone number".into()))?;
                sqlx::query(
                    "INSERT INTO sms_numbers (phone_key, organization_id, service_line) VALUES ($1, $2, $3)
                     ON CONFLICT (phone_key) DO UPDATE SET organization_id = excluded.organization_id,
                        service_line = excluded.service_line",
                )
                .bind(key)
                .bind(org.0)
                .bind(service_line)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all)]
            async fn receive_sms(&self, sms: &InboundSms, now: Time) -> Result<Received> {
                use rounds_domain::patient::phone_key;
                use rounds_domain::thread::{on_inbound, DEFAULT_RESPONSE_TARGET_MINUTES};
                let Some(to_key) = phone_key(&sms.to) else { return Ok(Received::UnknownNumber) };
                let mut tx = self.pool.begin().await?;
                let line: Option<(Uuid, String)> =
                    sqlx::query_as("SELECT organization_id, service_line FROM sms_numbers WHERE phone_key = $1")
                        .bind(&to_key)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((org, service_line)) = line else { return Ok(Received::UnknownNumber) };
                let org = OrganizationId(org);
                Self::lock_org(&mut tx, org).await?;
                let seen: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM messages WHERE external_id = $1")
                    .bind(&sms.message_sid)
                    .fetch_optional(&mut *tx)
                    .await?;
                if seen.is_some() {
                    return Ok(Received::Duplicate);
                }
                // One patient on the number: theirs. None, or several (siblings sharing a
                // parent's phone): a person decides.
                let from_key = phone_key(&sms.from);
                let candidates: Vec<(Uuid,)> = match &from_key {
                    Some(key) => sqlx::query_as(
                        "SELECT patient_id FROM patient_phones WHERE organization_id = $1 AND phone_key = $2 LIMIT 2",
                    )
                    .bind(org.0)
                    .bind(key)
                    .fetch_all(&mut *tx)
                    .await?,
                    None => vec![],
                };
                let patient = match candidates.as_slice() {
                    [(one,)] => Some(PatientId(*one)),
                    _ => None,
                };
                let open: Option<ThreadRow> = match patient {
                    Some(p) => sqlx::query_as(&format!(
                        "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.organization_id = $1 AND t.patient_id = $2
                           AND t.channel = 'sms' AND t.status <> 'closed' ORDER BY t.last_message_at DESC LIMIT 1"
                    ))
                    .bind(org.0)
                    .bind(p.0)
                    .fetch_optional(&mut *tx)
                    .await?,
                    None => sqlx::query_as(&format!(
                        "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.organization_id = $1 AND t.patient_id IS NULL
                           AND t.from_number = $2 AND t.status <> 'closed' ORDER BY t.last_message_at DESC LIMIT 1"
                    ))
                    .bind(org.0)
                    .bind(&sms.from)
                    .fetch_optional(&mut *tx)
                    .await?,
                };
                let mut thread = match open.map(ThreadRow::into_domain).transpose()? {
                    Some(t) => t,
                    None => Thread {
                        id: ThreadId(Uuid::now_v7()),
                        patient_id: patient,
                        channel: Channel::Sms,
                        status: ThreadStatus::Open,
                        assignee_id: None,
                        service_line: service_line.clone(),
                        last_message_at: now,
                        version: 0,
                        urgent: false,
                        from_number: Some(sms.from.clone()),
                        respond_by: None,
                        reviewed_by: None,
                        reviewed_at: None,
                        escalation: None,
                        encounter_id: None,
                        queue: Role::NursePractitioner,
                    },
                };
                let catalog: Option<(String,)> = sqlx::query_as(
                    "SELECT body FROM org_documents WHERE organization_id = $1 AND kind = 'complaint_catalog' AND name = $2",
                )
                .bind(org.0)
                .bind(&thread.service_line)
                .fetch_optional(&mut *tx)
                .await?;
                let target = catalog
                    .and_then(|(body,)| serde_json::from_str::<ComplaintCatalog>(&body).ok())
                    .and_then(|c| c.response_target_minutes)
                    .unwrap_or(DEFAULT_RESPONSE_TARGET_MINUTES);
                let message = Message {
                    id: MessageId(Uuid::now_v7()),
                    thread_id: thread.id,
                    direction: MessageDirection::Inbound,
                    author_id: None,
                    body: sms.body.clone(),
                    sent_at: now,
                    external_id: Some(sms.message_sid.clone()),
                    delivery: None,
                };
                on_inbound(&mut thread, &sms.body, now, target);
                thread.from_number = Some(sms.from.clone());
                thread.version += 1;
                Self::write_thread(&mut tx, org, &thread).await?;
                Self::write_message(&mut tx, &message).await?;
                // The thread first: a device stores a message only in a thread it has.
                Self::append(&mut tx, org, thread.patient_id, &Record::Thread(thread.clone()), now).await?;
                let head = Self::append(&mut tx, org, thread.patient_id, &Record::Message(message), now).await?;
                match tx.commit().await {
                    Ok(()) => {}
                    // The same MessageSid committed by a concurrent delivery first.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(Received::Duplicate),
                    Err(e) => return Err(e.into()),
                }
                Ok(Received::Stored { organization_id: org, head, thread_id: thread.id, matched: patient.is_some() })
            }

            async fn due_sms(&self, now: Time, limit: u32) -> Result<Vec<OutboundSms>> {
                let rows: Vec<(Uuid, Uuid, String, String, i64)> = sqlx::query_as(
                    "SELECT o.message_id, o.organization_id, o.to_number, m.body, o.attempts
                     FROM sms_outbox o JOIN messages m ON m.id = o.message_id
                     WHERE o.done_at IS NULL AND o.next_attempt_at <= $1
                     ORDER BY o.next_attempt_at LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(m, o, to, body, attempts)| OutboundSms {
                        message_id: MessageId(m),
                        organization_id: OrganizationId(o),
                        to,
                        body,
                        attempts,
                    })
                    .collect())
            }

            #[tracing::instrument(skip_all)]
            async fn record_send(&self, message: MessageId, outcome: SendOutcome, now: Time) -> Result<Option<(OrganizationId, i64)>> {
                let mut tx = self.pool.begin().await?;
                let row: Option<(Uuid, i64, Option<Uuid>)> = sqlx::query_as(
                    "SELECT o.organization_id, o.attempts, t.patient_id FROM sms_outbox o
                     JOIN messages m ON m.id = o.message_id JOIN threads t ON t.id = m.thread_id
                     WHERE o.message_id = $1 AND o.done_at IS NULL",
                )
                .bind(message.0)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((org, attempts, patient)) = row else { return Ok(None) };
                let org = OrganizationId(org);
                Self::lock_org(&mut tx, org).await?;
                let attempts = attempts + 1;
                let (delivery, provider_id) = match outcome {
                    SendOutcome::Sent { provider_id } => (Delivery::Sent, Some(provider_id)),
                    SendOutcome::Failed => (Delivery::Failed, None),
                    SendOutcome::Retry if attempts >= MAX_SEND_ATTEMPTS => (Delivery::Failed, None),
                    SendOutcome::Retry => {
                        let wait = chrono::Duration::seconds(2_i64.pow(attempts.min(8) as u32)).min(chrono::Duration::minutes(5));
                        sqlx::query("UPDATE sms_outbox SET attempts = $2, next_attempt_at = $3 WHERE message_id = $1")
                            .bind(message.0)
                            .bind(attempts)
                            .bind(now + wait)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                        return Ok(None);
                    }
                };
                sqlx::query("UPDATE sms_outbox SET attempts = $2, done_at = $3 WHERE message_id = $1")
                    .bind(message.0)
                    .bind(attempts)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let mut m = Self::message_by(&mut tx, "m.id = $1", message.0.to_string().as_str(), Some(message.0)).await?
                    .ok_or(StorageError::NotFound)?;
                m.delivery = Some(delivery);
                if provider_id.is_some() {
                    m.external_id = provider_id;
                }
                Self::write_message(&mut tx, &m).await?;
                let head = Self::append(&mut tx, org, patient.map(PatientId), &Record::Message(m), now).await?;
                tx.commit().await?;
                Ok(Some((org, head)))
            }

            #[tracing::instrument(skip_all)]
            async fn delivery_report(&self, external_id: &str, delivery: Delivery, now: Time) -> Result<Option<(OrganizationId, i64)>> {
                let mut tx = self.pool.begin().await?;
                let Some(mut m) = Self::message_by(&mut tx, "m.external_id = $1", external_id, None).await? else {
                    return Ok(None);
                };
                if !m.delivery.is_some_and(|d| d.advances_to(delivery)) {
                    return Ok(None);
                }
                let (org, patient): (Uuid, Option<Uuid>) =
                    sqlx::query_as("SELECT organization_id, patient_id FROM threads WHERE id = $1")
                        .bind(m.thread_id.0)
                        .fetch_one(&mut *tx)
                        .await?;
                let org = OrganizationId(org);
                Self::lock_org(&mut tx, org).await?;
                m.delivery = Some(delivery);
                Self::write_message(&mut tx, &m).await?;
                let head = Self::append(&mut tx, org, patient.map(PatientId), &Record::Message(m), now).await?;
                tx.commit().await?;
                Ok(Some((org, head)))
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

            #[tracing::instrument(skip_all)]
            async fn push(
                &self,
                who: &Practitioner,
                device: DeviceId,
                commands: &[Incoming],
                now: Time,
            ) -> Result<std::result::Result<PushResponse, PushRefused>> {
                let mut tx = self.pool.begin().await?;
                // Register the device on first use and lock its row for this push.
                let (owner, mut last_seq): (Uuid, i64) = sqlx::query_as(
                    "INSERT INTO devices (id, practitioner_id, last_seq, created_at, last_seen_at) VALUES ($1, $2, 0, $3, $3)
                     ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at
                     RETURNING practitioner_id, last_seq",
                )
                .bind(device.0)
                .bind(who.id.0)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                if owner != who.id.0 {
                    return Ok(Err(PushRefused::DeviceOfAnother));
                }
                fail::fail_point!("push.device_locked", |_| Err(StorageError::Injected("push.device_locked")));
                if let Some(first) = commands.first() {
                    if first.client_seq() > last_seq + 1 {
                        return Ok(Err(PushRefused::Gap { last_seq }));
                    }
                }
                Self::lock_org(&mut tx, who.organization_id).await?;
                fail::fail_point!("push.org_locked", |_| Err(StorageError::Injected("push.org_locked")));
                let mut results = Vec::with_capacity(commands.len());
                let mut batch = Batch::default();
                for incoming in commands {
                    let client_seq = incoming.client_seq();
                    if client_seq <= last_seq {
                        // Already applied: answer exactly as the first time.
                        let stored: Option<(Json<CommandResult>,)> = sqlx::query_as(
                            "SELECT outcome FROM command_results WHERE device_id = $1 AND client_seq = $2",
                        )
                        .bind(device.0)
                        .bind(client_seq)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let result = stored.map(|(o,)| o.0).ok_or_else(|| {
                            StorageError::InvalidData(format!("no stored result for applied command {client_seq}"))
                        })?;
                        results.push(result);
                        continue;
                    }
                    let (mutation_id, kind, outcome, current, patient) = match incoming {
                        Incoming::Unreadable { mutation_id, outcome, .. } => {
                            (*mutation_id, "unreadable_command", outcome.clone(), None, None)
                        }
                        Incoming::Ready(cmd) => {
                            let (outcome, current) = Self::apply(&mut tx, &mut batch, who, cmd, now).await?;
                            let patient = Self::command_patient(&mut tx, &cmd.mutation).await?;
                            (cmd.mutation_id, Self::kind_of(&cmd.mutation), outcome, current, patient)
                        }
                    };
                    let (status, severity) = match &outcome {
                        Outcome::Applied => ("applied".to_string(), Severity::Normal),
                        Outcome::Rejected { code, .. } => (
                            format!("rejected:{}", rows::name_of(code)),
                            if *code == RejectCode::Forbidden { Severity::High } else { Severity::Normal },
                        ),
                    };
                    let mut event = match incoming {
                        // A read on the device: named as the read, with the device's time.
                        Incoming::Ready(Command { mutation: Mutation::RecordAccess { what, at, .. }, .. }) => {
                            AuditEvent::new(who.organization_id, now, who.id, &format!("device.{}_read", what.as_str()))
                                .detail(format!("read on the device at {} (device clock); command {mutation_id} {status}", at.to_rfc3339()))
                        }
                        _ => AuditEvent::new(who.organization_id, now, who.id, &format!("sync.{kind}"))
                            .detail(format!("command {mutation_id} {status}")),
                    }
                    .device(device)
                    .severity(severity);
                    event.patient_id = patient;
                    batch.audits.push(event);
                    fail::fail_point!("push.command_applied", |_| Err(StorageError::Injected("push.command_applied")));
                    let result = CommandResult { client_seq, outcome, current };
                    batch.results.push((client_seq, mutation_id, result.clone()));
                    fail::fail_point!("push.result_stored", |_| Err(StorageError::Injected("push.result_stored")));
                    last_seq = client_seq;
                    results.push(result);
                }
                Self::flush(&mut tx, who.organization_id, device, now, batch).await?;
                sqlx::query("UPDATE devices SET last_seq = $2 WHERE id = $1")
                    .bind(device.0)
                    .bind(last_seq)
                    .execute(&mut *tx)
                    .await?;
                fail::fail_point!("push.before_commit", |_| Err(StorageError::Injected("push.before_commit")));
                tx.commit().await?;
                // Committed, but the answer never reaches the device (a lost acknowledgement).
                fail::fail_point!("push.after_commit", |_| Err(StorageError::Injected("push.after_commit")));
                Ok(Ok(PushResponse { results, last_seq }))
            }

            #[tracing::instrument(skip_all)]
            async fn pull(&self, who: &Practitioner, cursor: i64, limit: u32, now: Time) -> Result<PullResponse> {
                let mut tx = self.pool.begin().await?;
                // The head first: every position up to it is committed, so a cursor never
                // moves past a change that commits later.
                let (head, epoch): (i64, Uuid) =
                    sqlx::query_as("SELECT position, epoch FROM log_heads WHERE organization_id = $1")
                        .bind(who.organization_id.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StorageError::NotFound)?;
                let rows: Vec<(i64, Json<Record>)> = sqlx::query_as(&format!(
                    "SELECT position, record FROM change_log
                     WHERE organization_id = $2 AND position > $3 AND position <= $4
                       AND (scope_patient_id IN ({SCOPE})
                            OR (scope_patient_id IS NULL AND entity IN ('org_document', 'practitioner'))
                            OR (scope_patient_id IS NULL AND entity IN ('thread', 'message') AND $6))
                     ORDER BY position LIMIT $5"
                ))
                .bind(who.id.0)
                .bind(who.organization_id.0)
                .bind(cursor)
                .bind(head)
                .bind(i64::from(limit))
                .bind(rounds_domain::thread::may_triage(who))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let more = rows.len() == limit as usize;
                let cursor = if more { rows.last().map(|(p, _)| *p).unwrap_or(cursor) } else { head.max(cursor) };
                // Tasks outside the user's queues and licensed states go out withdrawn.
                let today = now.date_naive();
                let changes = rows
                    .into_iter()
                    .map(|(position, record)| {
                        let record = match record.0 {
                            Record::Task(t) if !tasks::visible_to(who, &t, today) => {
                                Record::Withdrawn(Withdrawn { entity: "task".into(), id: t.id.0 })
                            }
                            other => other,
                        };
                        Change { position, record }
                    })
                    .collect();
                Ok(PullResponse { epoch, changes, cursor, more, head, scope: scope_key(who, today) })
            }

            #[tracing::instrument(skip_all)]
            async fn audit(&self, event: &AuditEvent) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                Self::append_audit(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_log(&self, org: OrganizationId) -> Result<Vec<AuditRow>> {
                let rows: Vec<AuditDbRow> = sqlx::query_as(
                    "SELECT organization_id, seq, at, practitioner_id, device_id, patient_id, action, detail, severity,
                            prev_hash, hash
                     FROM audit_log WHERE organization_id = $1 ORDER BY seq",
                )
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(AuditDbRow::into_domain).collect()
            }

            async fn head(&self, org: OrganizationId) -> Result<i64> {
                let (head,): (i64,) = sqlx::query_as("SELECT position FROM log_heads WHERE organization_id = $1")
                    .bind(org.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(StorageError::NotFound)?;
                Ok(head)
            }
        }
    };
}

storage_impl!(SqliteStorage, "sqlite", sqlx::Sqlite);
storage_impl!(PostgresStorage, "postgres", sqlx::Postgres);
