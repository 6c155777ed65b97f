//! Threads and messages, with the SMS channel (inbound texts, the outbox, delivery).

use super::{Store, Tx};
use crate::storage::rows::*;
use crate::storage::sql::Batch;
use crate::storage::*;
use async_trait::async_trait;
use rounds_domain::sync::*;
use rounds_domain::*;
use sqlx::types::Json;
use uuid::Uuid;

impl Store {
    pub(super) async fn write_thread(tx: &mut Tx, org: OrganizationId, t: &Thread) -> Result<()> {
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

    pub(super) async fn write_message(tx: &mut Tx, m: &Message) -> Result<()> {
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

    /// One message, found by id (`by_id`) or by the text key in `condition`.
    pub(super) async fn message_by(
        tx: &mut Tx,
        condition: &str,
        key: &str,
        by_id: Option<Uuid>,
    ) -> Result<Option<Message>> {
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE {condition}");
        let q = sqlx::query_as::<_, MessageRow>(&sql);
        let row = match by_id {
            Some(id) => q.bind(id).fetch_optional(&mut **tx).await?,
            None => q.bind(key).fetch_optional(&mut **tx).await?,
        };
        row.map(MessageRow::into_domain).transpose()
    }

    /// A thread of the user's patients, or an unmatched one when they triage.
    pub(super) async fn thread_for(tx: &mut Tx, who: &Practitioner, id: ThreadId) -> Result<Option<Thread>> {
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

    /// The number a reply goes to: the one the patient texted from, else the guardian's
    /// (a minor's parent), else the patient's own.
    pub(super) async fn reply_number(tx: &mut Tx, thread: &Thread) -> Result<Option<String>> {
        if let Some(n) = &thread.from_number {
            return Ok(Some(n.clone()));
        }
        let Some(patient) = thread.patient_id else { return Ok(None) };
        let row: Option<PatientRow> =
            sqlx::query_as(&format!("SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = $1"))
                .bind(patient.0)
                .fetch_optional(&mut **tx)
                .await?;
        let Some(p) = row.map(PatientRow::into_domain).transpose()? else { return Ok(None) };
        Ok(p.guardian.map(|g| g.phone).or(p.phone))
    }

    /// Thread actions and time on threads. Every refusal is decided before anything is
    /// written.
    pub(super) async fn apply_thread(
        tx: &mut Tx,
        batch: &mut Batch,
        who: &Practitioner,
        m: &Mutation,
        now: Time,
    ) -> Result<(Outcome, Option<Record>)> {
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
                        let colleague: Option<(Uuid,)> =
                            sqlx::query_as("SELECT id FROM practitioners WHERE id = $1 AND organization_id = $2")
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
                    ThreadAction::Escalate { task_id, to, reason }
                        if thread.escalation.as_ref().is_none_or(|e| e.task_id != *task_id) =>
                    {
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
                                due_at: if thread.urgent {
                                    due_at.min(now + chrono::Duration::hours(1))
                                } else {
                                    due_at
                                },
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
                let existing: Option<(Uuid, i64)> =
                    sqlx::query_as("SELECT thread_id, seconds FROM thread_time WHERE id = $1")
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
}

#[async_trait]
impl ThreadStore for Store {
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
            Some(key) => {
                sqlx::query_as(
                    "SELECT patient_id FROM patient_phones WHERE organization_id = $1 AND phone_key = $2 LIMIT 2",
                )
                .bind(org.0)
                .bind(key)
                .fetch_all(&mut *tx)
                .await?
            }
            None => vec![],
        };
        let patient = match candidates.as_slice() {
            [(one,)] => Some(PatientId(*one)),
            _ => None,
        };
        let open: Option<ThreadRow> = match patient {
            Some(p) => {
                sqlx::query_as(&format!(
                    "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.organization_id = $1 AND t.patient_id = $2
                   AND t.channel = 'sms' AND t.status <> 'closed' ORDER BY t.last_message_at DESC LIMIT 1"
                ))
                .bind(org.0)
                .bind(p.0)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => {
                sqlx::query_as(&format!(
                    "SELECT {THREAD_COLUMNS} FROM threads t WHERE t.organization_id = $1 AND t.patient_id IS NULL
                   AND t.from_number = $2 AND t.status <> 'closed' ORDER BY t.last_message_at DESC LIMIT 1"
                ))
                .bind(org.0)
                .bind(&sms.from)
                .fetch_optional(&mut *tx)
                .await?
            }
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
    async fn record_send(
        &self,
        message: MessageId,
        outcome: SendOutcome,
        now: Time,
    ) -> Result<Option<(OrganizationId, i64)>> {
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
                let wait =
                    chrono::Duration::seconds(2_i64.pow(attempts.min(8) as u32)).min(chrono::Duration::minutes(5));
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
        let mut m = Self::message_by(&mut tx, "m.id = $1", message.0.to_string().as_str(), Some(message.0))
            .await?
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
    async fn delivery_report(
        &self,
        external_id: &str,
        delivery: Delivery,
        now: Time,
    ) -> Result<Option<(OrganizationId, i64)>> {
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
}
