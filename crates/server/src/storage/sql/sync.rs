//! The change log: a device's push (commands applied in one transaction) and pull.

use super::{Db, Store, Tx};
use crate::audit::{row_hash, AuditEvent, Severity};
use crate::storage::rows::{self, *};
use crate::storage::sql::{entity_id, entity_name, Batch, FLUSH_ROWS};
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use sqlx::types::Json;
use uuid::Uuid;

impl Store {
    /// Writes what a push buffered, one statement per table: its change-log rows (positions
    /// handed out from the locked head), its audit rows (the chain extended in memory from
    /// the locked head) and its command results.
    pub(super) async fn flush(
        tx: &mut Tx,
        org: OrganizationId,
        device: DeviceId,
        now: Time,
        batch: Batch,
    ) -> Result<()> {
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
                let mut q = sqlx::QueryBuilder::<Db>::new(
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
            let (end, mut prev): (i64, String) =
                sqlx::query_as("UPDATE audit_heads SET seq = seq + $2 WHERE organization_id = $1 RETURNING seq, hash")
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
                let mut q = sqlx::QueryBuilder::<Db>::new(
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
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO command_results (device_id, client_seq, mutation_id, outcome, applied_at) ",
            );
            q.push_values(chunk, |mut b, (seq, mutation_id, result)| {
                b.push_bind(device.0).push_bind(*seq).push_bind(*mutation_id).push_bind(Json(result)).push_bind(now);
            });
            q.build().execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Locks the organisation's log head for the rest of `tx` (see the module docs).
    pub(super) async fn lock_org(tx: &mut Tx, org: OrganizationId) -> Result<()> {
        let locked = sqlx::query("UPDATE log_heads SET position = position WHERE organization_id = $1")
            .bind(org.0)
            .execute(&mut **tx)
            .await?;
        if locked.rows_affected() != 1 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    /// The command's name in audit rows.
    pub(super) fn kind_of(m: &Mutation) -> &'static str {
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
    pub(super) async fn command_patient(tx: &mut Tx, m: &Mutation) -> Result<Option<PatientId>> {
        let (sql, id) = match m {
            Mutation::EditPatient { patient_id, .. } => return Ok(Some(*patient_id)),
            Mutation::PostMessage { thread_id, .. }
            | Mutation::ThreadAction { thread_id, .. }
            | Mutation::LogThreadTime { thread_id, .. } => {
                ("SELECT patient_id FROM threads WHERE id = $1", thread_id.0)
            }
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
    pub(super) async fn append(
        tx: &mut Tx,
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

    /// Applies one command inside the push transaction. Every rejection is decided
    /// before anything is written, so a rejected command leaves no trace but its result.
    pub(super) async fn apply(
        tx: &mut Tx,
        batch: &mut Batch,
        who: &Practitioner,
        cmd: &Command,
        now: Time,
    ) -> Result<(Outcome, Option<Record>)> {
        let org = who.organization_id;
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
                let Some(thread) = Self::thread_for(tx, who, *thread_id).await? else {
                    return Ok((Outcome::rejected(RejectCode::NotFound, "thread not found"), None));
                };
                let existing: Option<(Uuid, String)> =
                    sqlx::query_as("SELECT thread_id, body FROM messages WHERE id = $1")
                        .bind(message_id.0)
                        .fetch_optional(&mut **tx)
                        .await?;
                if let Some((existing_thread, existing_body)) = existing {
                    return Ok((
                        if existing_body == body.trim() && existing_thread == thread_id.0 {
                            Outcome::Applied
                        } else {
                            Outcome::rejected(RejectCode::Invalid, "a different message already has this id")
                        },
                        None,
                    ));
                }
                let (mut message, mut thread) =
                    match rounds_domain::thread::post_message(&thread, *message_id, who.id, body, now) {
                        Ok(posted) => posted,
                        Err(r) => return Ok((r.into(), None)),
                    };
                // An SMS reply is queued for the provider in this transaction, so a
                // reply pushed twice is sent once; with no number to send it to, it failed.
                let to_number =
                    if thread.channel == Channel::Sms { Self::reply_number(tx, &thread).await? } else { None };
                if thread.channel == Channel::Sms && to_number.is_none() {
                    message.delivery = Some(Delivery::Failed);
                }
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
                thread.version += 1;
                Self::write_thread(tx, org, &thread).await?;
                batch.change(thread.patient_id, Record::Message(message));
                batch.change(thread.patient_id, Record::Thread(thread));
                Ok((Outcome::Applied, None))
            }
            Mutation::ClaimTask { .. }
            | Mutation::CompleteTask { .. }
            | Mutation::CancelTask { .. }
            | Mutation::HandOffTask { .. } => Self::apply_task(tx, batch, who, &cmd.mutation, now).await,
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
                Ok((
                    if known.is_some() {
                        Outcome::Applied
                    } else {
                        Outcome::rejected(RejectCode::NotFound, "patient not found")
                    },
                    None,
                ))
            }
        }
    }
}

#[async_trait]
impl SyncStore for Store {
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
                let stored: Option<(Json<CommandResult>,)> =
                    sqlx::query_as("SELECT outcome FROM command_results WHERE device_id = $1 AND client_seq = $2")
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
                    AuditEvent::new(who.organization_id, now, who.id, &format!("device.{}_read", what.as_str())).detail(
                        format!(
                            "read on the device at {} (device clock); command {mutation_id} {status}",
                            at.to_rfc3339()
                        ),
                    )
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

    async fn head(&self, org: OrganizationId) -> Result<i64> {
        let (head,): (i64,) = sqlx::query_as("SELECT position FROM log_heads WHERE organization_id = $1")
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        Ok(head)
    }
}
