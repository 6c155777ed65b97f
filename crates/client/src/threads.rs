//! Async threads on the device: the inbox, the thread screen (a window of messages, the
//! patient's context, a summary citing its messages), replies, thread actions, time on the
//! thread and the e-visit it becomes. Everything works offline: replies and actions wait in the
//! outbox and the server applies the same rules when they arrive.

use crate::{not_found, parse_id, ClientError, Result, Workspace};
use chrono::Duration;
use rounds_domain::billing;
use rounds_domain::charting::{HistorySection, Section};
use rounds_domain::summary::{ExtractiveSummarizer, Summarizer, Summary, SummaryKind};
use rounds_domain::sync::{Mutation, OrgDocumentKind};
use rounds_domain::thread::{
    apply_action, evisit_minutes, InboxFilter, InboxPage, MessageWindow, ThreadView, EVISIT_WINDOW_DAYS,
    MAX_MESSAGE_WINDOW, MAX_TIME_SLICE_SECONDS, OPEN_WINDOW,
};
use rounds_domain::*;

impl Workspace {
    /// One window of the inbox.
    pub fn inbox(&self, filter: &InboxFilter) -> Result<InboxPage> {
        filter.validate().map_err(ClientError::invalid)?;
        let me = self.require_session()?;
        let store = self.store()?;
        let tx = store.read();
        let roles = tx.practitioner(me).map(|p| p.roles).unwrap_or_default();
        Ok(tx.inbox(me, &roles, filter)?)
    }

    /// What the thread screen shows around its messages. Opening it marks it read (the "new"
    /// line stays where it was for this visit).
    pub fn open_thread(&self, thread_id: &str) -> Result<ThreadView> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        let me = self.require_session()?;
        let now = self.now();
        let view = self.store()?.transaction(|tx| {
            let thread = tx.thread(id)?;
            let patient = thread.patient_id.map(|p| tx.patient(p)).transpose()?;
            let last_read_at = tx.last_read(me, id)?;
            let first_unread = match last_read_at {
                Some(at) => tx.first_message_after(id, at)?,
                None => None,
            };
            let latest = tx.latest_messages(id, OPEN_WINDOW)?;
            let messages = latest.total;
            let since = now - Duration::days(EVISIT_WINDOW_DAYS);
            let slices = match thread.patient_id {
                Some(p) => tx.time_on_patient_threads(me, p, since)?,
                None => vec![],
            };
            let minutes = evisit_minutes(&slices, now);
            let menu =
                crate::charting::service_menu(tx.org_document(OrgDocumentKind::ServiceMenu, "default")?.as_deref());
            let evisit_code = billing::evisit_code(minutes, &menu);
            let name = |id: Option<PractitionerId>| -> rounds_store::Result<Option<String>> {
                Ok(match id {
                    Some(id) => tx.practitioner(id).ok().map(|p| p.display_name),
                    None => None,
                })
            };
            let summary_since = match thread.patient_id {
                Some(p) => tx.last_signed_visit(p)?,
                None => None,
            };
            tx.mark_read(me, id, now.max(thread.last_message_at))?;
            Ok::<_, rounds_store::StoreError>(ThreadView {
                assignee_name: name(thread.assignee_id)?,
                escalated_by_name: name(thread.escalation.as_ref().map(|e| e.by))?,
                reviewer_name: name(thread.reviewed_by)?,
                thread,
                patient,
                messages,
                last_read_at,
                first_unread,
                evisit_minutes: minutes,
                evisit_code,
                summary_since,
                latest,
            })
        });
        let view = view.map_err(|e| not_found(e, "this thread is not on this device"))?;
        if let Some(patient) = view.thread.patient_id {
            self.record_read(patient, rounds_domain::sync::AccessKind::Thread)?;
        }
        Ok(view)
    }

    /// Messages `offset..offset + limit` of a thread (0 = the oldest).
    pub fn thread_messages(&self, thread_id: &str, offset: u32, limit: u32) -> Result<MessageWindow> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        if limit == 0 || limit > MAX_MESSAGE_WINDOW {
            return Err(ClientError::invalid(format!("a window is 1 to {MAX_MESSAGE_WINDOW} messages")));
        }
        self.require_session()?;
        let store = self.store()?;
        let tx = store.read();
        tx.thread(id).map_err(|e| not_found(e, "this thread is not on this device"))?;
        Ok(tx.message_window(id, offset, limit)?)
    }

    /// Where a message sits in its thread, to scroll a cited message into view.
    pub fn message_position(&self, thread_id: &str, message_id: &str) -> Result<u32> {
        let thread: ThreadId = parse_id(thread_id, "thread")?;
        let message: MessageId = parse_id(message_id, "message")?;
        self.require_session()?;
        let store = self.store()?;
        let tx = store.read();
        tx.message_position(thread, message).map_err(|e| not_found(e, "this message is not in this thread"))
    }

    /// The thread summarised since the patient's last signed visit; sentences citing messages
    /// newer than `last_read_at` (when this user last read it before now) are marked new.
    pub fn thread_summary(
        &self,
        thread_id: &str,
        last_read_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Summary> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        self.require_session()?;
        let messages = {
            let store = self.store()?;
            let tx = store.read();
            let thread = tx.thread(id).map_err(|e| not_found(e, "this thread is not on this device"))?;
            let since = match thread.patient_id {
                Some(p) => tx.last_signed_visit(p)?,
                None => None,
            };
            tx.messages_since(id, since)?
        };
        Ok(ExtractiveSummarizer::default().summarize(&messages, last_read_at))
    }

    /// Claims, assigns, escalates, reviews, closes, reopens or links a thread. Refused here
    /// at once when the rules say no; otherwise shown at once and sent when online.
    pub fn thread_action(&self, thread_id: &str, action: ThreadAction) -> Result<Thread> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        let me = self.require_session()?;
        let now = self.now();
        let action = match action {
            // A new task for the escalation, named here so a retry is the same escalation.
            ThreadAction::Escalate { to, reason, .. } => ThreadAction::Escalate {
                task_id: TaskId::new_v7(now.timestamp_millis().max(0) as u64),
                to,
                reason: reason.trim().to_string(),
            },
            other => other,
        };
        action.validate().map_err(ClientError::invalid)?;
        let thread = self.store()?.transaction(|tx| {
            let missing = |e| not_found(e, "this thread, patient or colleague is not on this device");
            let mut thread = tx.thread(id).map_err(missing)?;
            match &action {
                ThreadAction::LinkPatient { patient_id } => {
                    tx.patient(*patient_id).map_err(missing)?;
                }
                ThreadAction::Assign { to } => {
                    tx.practitioner(*to).map_err(missing)?;
                }
                ThreadAction::Escalate { .. } if thread.patient_id.is_none() => {
                    return Err(ClientError::invalid("link the thread to a patient before escalating it"));
                }
                _ => {}
            }
            apply_action(&mut thread, &action, me, now).map_err(ClientError::invalid)?;
            tx.replace_thread_local(&thread)?;
            tx.enqueue(Mutation::ThreadAction { thread_id: id, action: action.clone() }, now)?;
            Ok::<_, ClientError>(thread)
        })?;
        self.wake.notify_one();
        Ok(thread)
    }

    /// Records `seconds` of this clinician's time on a thread, ending now (the screen reports
    /// the time it was in use).
    pub fn log_thread_time(&self, thread_id: &str, seconds: u32) -> Result<u32> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        if seconds == 0 || seconds > MAX_TIME_SLICE_SECONDS {
            return Err(ClientError::invalid(format!("a slice of time is 1 to {MAX_TIME_SLICE_SECONDS} seconds")));
        }
        let me = self.require_session()?;
        let now = self.now();
        let slice = ThreadTime {
            id: uuid::Uuid::now_v7(),
            thread_id: id,
            practitioner_id: me,
            started_at: now - Duration::seconds(i64::from(seconds)),
            seconds,
        };
        let minutes = self.store()?.transaction(|tx| {
            let thread = tx.thread(id)?;
            tx.insert_thread_time(&slice)?;
            tx.enqueue(
                Mutation::LogThreadTime { entry_id: slice.id, thread_id: id, started_at: slice.started_at, seconds },
                now,
            )?;
            let slices = match thread.patient_id {
                Some(p) => tx.time_on_patient_threads(me, p, now - Duration::days(EVISIT_WINDOW_DAYS))?,
                None => vec![slice.clone()],
            };
            Ok::<_, rounds_store::StoreError>(evisit_minutes(&slices, now))
        });
        let minutes = minutes.map_err(|e| not_found(e, "this thread is not on this device"))?;
        self.wake.notify_one();
        Ok(minutes)
    }

    /// Turns the thread into a draft e-visit (an async encounter) for its patient, the history
    /// pre-filled from the summary, and links the two. A thread that already became one opens
    /// that visit again.
    pub fn convert_thread_to_evisit(&self, thread_id: &str) -> Result<EncounterId> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        self.require_session()?;
        let thread = self.store()?.read().thread(id).map_err(|e| not_found(e, "this thread is not on this device"))?;
        if let Some(existing) = thread.encounter_id {
            return Ok(existing);
        }
        let Some(patient) = thread.patient_id else {
            return Err(ClientError::invalid("link the thread to a patient before starting an e-visit"));
        };
        // Started first: only clinicians chart visits (the rule is `charting::start`'s).
        let view = self.start_encounter(&patient.to_string(), &thread.service_line, EncounterMode::Async)?;
        let summary = self.thread_summary(thread_id, None)?;
        let narrative = history_from_summary(&summary);
        if !narrative.is_empty() {
            self.save_section(
                &view.encounter.id.to_string(),
                Section::History(HistorySection { answers: vec![], narrative }),
            )?;
        }
        self.thread_action(thread_id, ThreadAction::LinkEncounter { encounter_id: view.encounter.id })?;
        Ok(view.encounter.id)
    }
}

/// The history narrative of an e-visit, from its thread's summary.
pub fn history_from_summary(summary: &Summary) -> String {
    let section = |kind: SummaryKind, title: &str| {
        let lines: Vec<String> =
            summary.sentences.iter().filter(|s| s.kind == kind).map(|s| format!("- {}", s.text)).collect();
        if lines.is_empty() {
            String::new()
        } else {
            format!("{title}:\n{}\n", lines.join("\n"))
        }
    };
    let body = [
        section(SummaryKind::Concern, "Reason for contact (patient's words)"),
        section(SummaryKind::Symptom, "Symptoms reported"),
        section(SummaryKind::Medication, "Medications mentioned"),
        section(SummaryKind::Question, "Questions from the patient"),
        section(SummaryKind::ActionItem, "Action items"),
    ]
    .concat();
    if body.is_empty() {
        return body;
    }
    format!("From the patient's message thread ({} messages):\n{body}", summary.messages).trim_end().to_string()
}
