//! The device side of sync: the outbox, the cursor, and applying pulled changes.
//!
//! Local edits are applied to the cached rows at once (optimistically) and queued as commands.
//! Rows from the server replace cached rows of the same or an older version; then the pending
//! commands are applied again on top ("rebase"), so a clinician never sees their own unsynced
//! edit disappear, and never sees one the server refused.

use crate::codec::{from_json, parse, to_json};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use rounds_domain::sync::*;
use rounds_domain::*;
use rusqlite::OptionalExtension;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncState {
    pub device_id: DeviceId,
    /// Commands this device has queued in its lifetime (the last client_seq handed out).
    pub queued: i64,
    pub cursor: i64,
    pub epoch: Option<Uuid>,
    /// The scope fingerprint of the last pulled page.
    pub scope: Option<String>,
    pub pending: u32,
    pub rejected: u32,
    pub last_synced_at: Option<DateTime<Utc>>,
}

/// A command the server refused, kept until the clinician has seen it.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectedCommand {
    pub command: Command,
    pub outcome: Outcome,
}

impl Tx<'_> {
    /// Creates this device's identity on first use.
    pub(crate) fn ensure_sync_state(&self) -> Result<()> {
        self.conn.execute(
            "INSERT INTO sync_state (id, device_id, next_seq, cursor) VALUES (1, ?1, 1, 0) ON CONFLICT (id) DO NOTHING",
            [Uuid::now_v7().to_string()],
        )?;
        Ok(())
    }

    pub fn sync_state(&self) -> Result<SyncState> {
        #[allow(clippy::type_complexity)]
        let (device, cursor, epoch, last, next_seq, scope): (
            String,
            i64,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT device_id, cursor, epoch, last_synced_at, next_seq, scope FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
        let (pending, rejected): (u32, u32) = self.conn.query_row(
            // Reads waiting to reach the audit trail are not changes: not counted as pending.
            "SELECT count(*) FILTER (WHERE state = 'pending' AND json_extract(command, '$.mutation.kind') IS NOT 'record_access'),
                    count(*) FILTER (WHERE state = 'rejected') FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(SyncState {
            device_id: parse(&device, "device id")?,
            queued: next_seq - 1,
            cursor,
            epoch: epoch.as_deref().map(|e| parse(e, "epoch")).transpose()?,
            scope,
            pending,
            rejected,
            last_synced_at: last.as_deref().map(crate::records::time).transpose()?,
        })
    }

    /// Queues `mutation` as this device's next command. Call inside the transaction that
    /// applied the same edit locally, so the edit and its command land together.
    pub fn enqueue(&self, mutation: Mutation, now: DateTime<Utc>) -> Result<Command> {
        let seq: i64 = self.conn.query_row(
            "UPDATE sync_state SET next_seq = next_seq + 1 WHERE id = 1 RETURNING next_seq - 1",
            [],
            |r| r.get(0),
        )?;
        let command =
            Command { client_seq: seq, mutation_id: Uuid::now_v7(), schema_version: COMMAND_SCHEMA_VERSION, mutation };
        self.conn.execute(
            "INSERT INTO outbox (client_seq, mutation_id, command, state, created_at) VALUES (?1, ?2, ?3, 'pending', ?4)",
            (seq, command.mutation_id.to_string(), to_json(&command)?, now.to_rfc3339()),
        )?;
        Ok(command)
    }

    /// Queues a draft section edit, folding it into the previous command when that one edits
    /// the same section of the same note and has not been handed to the server yet: typing a
    /// paragraph makes one command, not one per keystroke. The folded command keeps its base
    /// (the version the server should still have).
    pub fn enqueue_draft_edit(
        &self,
        encounter_id: EncounterId,
        base: String,
        section: rounds_domain::charting::Section,
        now: DateTime<Utc>,
    ) -> Result<Command> {
        let last: Option<(i64, String)> = self
            .conn
            .prepare_cached(
                "SELECT client_seq, command FROM outbox WHERE state = 'pending' AND pushed = 0
                 AND client_seq = (SELECT max(client_seq) FROM outbox)",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((seq, json)) = last {
            let mut command: Command = from_json(&json)?;
            if let Mutation::EditSection { encounter_id: e, section: s, .. } = &mut command.mutation {
                if *e == encounter_id && s.key() == section.key() {
                    *s = section;
                    self.conn
                        .execute("UPDATE outbox SET command = ?2 WHERE client_seq = ?1", (seq, to_json(&command)?))?;
                    return Ok(command);
                }
            }
        }
        self.enqueue(Mutation::EditSection { encounter_id, base, section }, now)
    }

    /// The oldest pending commands, marked as handed to the server (never folded into again).
    pub fn take_for_push(&self, limit: usize) -> Result<Vec<Command>> {
        let commands = self.pending_commands(limit)?;
        if let Some(last) = commands.last() {
            self.conn.execute(
                "UPDATE outbox SET pushed = 1 WHERE state = 'pending' AND pushed = 0 AND client_seq <= ?1",
                [last.client_seq],
            )?;
        }
        Ok(commands)
    }

    /// The oldest pending commands, in order.
    pub fn pending_commands(&self, limit: usize) -> Result<Vec<Command>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT command FROM outbox WHERE state = 'pending' ORDER BY client_seq LIMIT ?1")?;
        let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|r| from_json(&r?)).collect()
    }

    /// Records the server's answers: applied commands leave the outbox; refused ones stay,
    /// marked, with the reason, until the clinician dismisses them, and their optimistic effect
    /// is taken back out (from the server's copy that comes with the refusal).
    pub fn record_results(&self, results: &[CommandResult], now: DateTime<Utc>) -> Result<()> {
        for r in results {
            match &r.outcome {
                Outcome::Applied => {
                    self.conn
                        .execute("DELETE FROM outbox WHERE client_seq = ?1 AND state = 'pending'", [r.client_seq])?;
                }
                rejected @ Outcome::Rejected { .. } => {
                    let command: Option<String> = self
                        .conn
                        .query_row(
                            "UPDATE outbox SET state = 'rejected', outcome = ?2 WHERE client_seq = ?1 AND state = 'pending'
                             RETURNING command",
                            (r.client_seq, to_json(rejected)?),
                            |row| row.get(0),
                        )
                        .optional()?;
                    let Some(command) = command else { continue };
                    match from_json::<Command>(&command)?.mutation {
                        Mutation::PostMessage { message_id, .. } => {
                            self.conn.execute("DELETE FROM messages WHERE id = ?1", [message_id.to_string()])?;
                        }
                        Mutation::AddAddendum { addendum_id, .. } => self.remove_local_addendum(addendum_id)?,
                        _ => {}
                    }
                    if let Some(current) = &r.current {
                        self.apply_records(std::slice::from_ref(current))?;
                    }
                }
            }
        }
        self.conn.execute("UPDATE sync_state SET last_synced_at = ?1 WHERE id = 1", [now.to_rfc3339()])?;
        Ok(())
    }

    /// When the command with `client_seq` was queued (the device's clock).
    pub fn outbox_created_at(&self, client_seq: Option<i64>) -> Result<Option<DateTime<Utc>>> {
        let Some(seq) = client_seq else { return Ok(None) };
        let at: Option<String> = self
            .conn
            .query_row("SELECT created_at FROM outbox WHERE client_seq = ?1", [seq], |r| r.get(0))
            .optional()?;
        at.as_deref().map(crate::records::time).transpose()
    }

    pub fn rejected_commands(&self) -> Result<Vec<RejectedCommand>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT command, outcome FROM outbox WHERE state = 'rejected' ORDER BY client_seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (c, o) = r?;
            Ok(RejectedCommand { command: from_json(&c)?, outcome: from_json(&o)? })
        })
        .collect()
    }

    /// The clinician has seen a refused command: it leaves the outbox.
    pub fn dismiss_rejected(&self, client_seq: i64) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM outbox WHERE client_seq = ?1 AND state = 'rejected'", [client_seq])? > 0)
    }

    /// Starts the change log over (a new epoch, a different user, a changed scope): the outbox
    /// is kept.
    pub fn reset_cursor(&self, epoch: Option<Uuid>) -> Result<()> {
        self.conn.execute(
            "UPDATE sync_state SET cursor = 0, epoch = ?1, scope = NULL WHERE id = 1",
            [epoch.map(|e| e.to_string())],
        )?;
        Ok(())
    }

    /// Applies one pulled page and moves the cursor, in the caller's transaction, then applies
    /// the pending commands again on top of what arrived.
    pub fn apply_pull(&self, page: &PullResponse) -> Result<()> {
        let state = self.sync_state()?;
        if state.epoch.is_some_and(|e| e != page.epoch) {
            return Err(StoreError::InvalidData("pulled page belongs to another epoch".into()));
        }
        let records: Vec<Record> = page.changes.iter().map(|c| c.record.clone()).collect();
        self.apply_records(&records)?;
        // Cursors only move forward.
        self.conn.execute(
            "UPDATE sync_state SET cursor = max(cursor, ?1), epoch = ?2, scope = ?3 WHERE id = 1",
            (page.cursor, page.epoch.to_string(), &page.scope),
        )?;
        Ok(())
    }

    /// Stores records from the server (each replacing a cached copy of the same or an older
    /// version), then applies the pending commands again on top of them.
    fn apply_records(&self, records: &[Record]) -> Result<()> {
        let mut touched_patients = Vec::new();
        let mut touched_tasks = Vec::new();
        for record in records {
            match record {
                Record::Patient(p) => {
                    self.upsert_patient(p)?;
                    touched_patients.push(p.id);
                }
                Record::Encounter(e) => {
                    self.upsert_encounter(e)?;
                    self.rebase_encounter(e.id)?;
                }
                Record::Thread(t) => {
                    self.upsert_thread(t)?;
                }
                Record::Message(m) => {
                    self.upsert_message_from_server(m)?;
                }
                Record::Task(t) => {
                    self.upsert_task(t)?;
                    touched_tasks.push(t.id);
                }
                Record::OrgDocument(doc) => self.store_org_document(doc)?,
                Record::Practitioner(p) => self.upsert_practitioner(p)?,
                Record::ThreadTime(t) => self.insert_thread_time(t)?,
                Record::Withdrawn(w) => {
                    if w.entity == "task" {
                        self.conn.execute("DELETE FROM tasks WHERE id = ?1", [w.id.to_string()])?;
                    }
                }
            }
        }
        if !touched_patients.is_empty() || !touched_tasks.is_empty() {
            self.rebase(&touched_patients, &touched_tasks)?;
        }
        Ok(())
    }

    /// Applies pending commands again to the given rows (fresh from the server).
    fn rebase(&self, patients: &[PatientId], tasks: &[TaskId]) -> Result<()> {
        for command in self.pending_commands(usize::MAX >> 1)? {
            match &command.mutation {
                Mutation::EditPatient { patient_id, changes } if patients.contains(patient_id) => {
                    let current = self.patient(*patient_id)?;
                    // A change that no longer applies is the server's to judge: leave the row.
                    if let Ok(next) = apply_patient_changes(&current, changes) {
                        self.replace_patient_local(&next)?;
                    }
                }
                Mutation::ClaimTask { task_id, .. }
                | Mutation::CompleteTask { task_id }
                | Mutation::CancelTask { task_id }
                | Mutation::HandOffTask { task_id, .. }
                    if tasks.contains(task_id) =>
                {
                    self.apply_task_locally(*task_id, &command.mutation)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The optimistic effect of a task command on the cached task (owner: the signed-in user
    /// when claiming). The version stays: the server's copy replaces this one when it comes.
    pub fn apply_task_locally(&self, id: TaskId, mutation: &Mutation) -> Result<()> {
        let me: Option<String> = self
            .conn
            .query_row("SELECT practitioner_id FROM local_session WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let open = "status IN ('ready', 'in_progress')";
        match mutation {
            Mutation::ClaimTask { .. } => self.conn.execute(
                &format!("UPDATE tasks SET status = 'in_progress', owner_id = coalesce(owner_id, ?2) WHERE id = ?1 AND {open}"),
                (id.to_string(), me),
            )?,
            Mutation::CompleteTask { .. } => self.conn.execute(
                &format!("UPDATE tasks SET status = 'completed', owner_id = coalesce(owner_id, ?2) WHERE id = ?1 AND {open}"),
                (id.to_string(), me),
            )?,
            Mutation::CancelTask { .. } => self
                .conn
                .execute(&format!("UPDATE tasks SET status = 'cancelled' WHERE id = ?1 AND {open}"), [id.to_string()])?,
            Mutation::HandOffTask { to, queue, .. } => self.conn.execute(
                &format!("UPDATE tasks SET status = 'in_progress', owner_id = ?2, queue = ?3 WHERE id = ?1 AND {open}"),
                (id.to_string(), to.to_string(), queue.as_str()),
            )?,
            _ => 0,
        };
        Ok(())
    }
}
