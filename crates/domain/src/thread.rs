//! Asynchronous conversations with patients (SMS, in-app chat): threads, their messages, the
//! actions on a thread, the time clinicians spend on it (e-visits) and the inbox's rules.

use crate::{Channel, EncounterId, MessageId, PatientId, PractitionerId, Role, TaskId, ThreadId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStatus {
    Open,
    AwaitingReview,
    Closed,
}

impl ThreadStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ThreadStatus::Open => "open",
            ThreadStatus::AwaitingReview => "awaiting_review",
            ThreadStatus::Closed => "closed",
        }
    }
}

/// Who escalated a thread, to which queue, and why (shown on the thread and in the review
/// queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Escalation {
    pub by: PractitionerId,
    pub to: Role,
    pub reason: String,
    pub at: DateTime<Utc>,
    /// The task put in `to`'s queue.
    pub task_id: TaskId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Thread {
    pub id: ThreadId,
    /// None while the sender's number matches no patient (triage).
    pub patient_id: Option<PatientId>,
    pub channel: Channel,
    pub status: ThreadStatus,
    pub assignee_id: Option<PractitionerId>,
    pub service_line: String,
    pub last_message_at: DateTime<Utc>,
    #[ts(type = "number")]
    pub version: i64,
    /// A patient message mentions a red flag (see [`is_urgent`]); cleared by a reply.
    #[serde(default)]
    pub urgent: bool,
    /// The number an unmatched thread came from, for triage.
    #[serde(default)]
    pub from_number: Option<String>,
    /// When a patient message waiting for a reply is due one (the service line's response
    /// target after it arrived); None when the care team spoke last.
    #[serde(default)]
    pub respond_by: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reviewed_by: Option<PractitionerId>,
    #[serde(default)]
    pub reviewed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub escalation: Option<Escalation>,
    /// The e-visit this thread became.
    #[serde(default)]
    pub encounter_id: Option<EncounterId>,
    /// The role whose inbox holds the thread: nurse practitioners first (top-of-license care);
    /// an escalation moves it to the physicians'.
    #[serde(default = "first_line")]
    pub queue: Role,
}

fn first_line() -> Role {
    Role::NursePractitioner
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageDirection {
    /// From the patient.
    Inbound,
    /// From the care team.
    Outbound,
}

/// Where an outbound message is on its way to the patient's phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Accepted by the server, not yet handed to the provider.
    Queued,
    Sent,
    Delivered,
    Failed,
}

impl Delivery {
    pub fn as_str(&self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Delivery> {
        Some(match s {
            "queued" | "accepted" | "sending" => Delivery::Queued,
            "sent" => Delivery::Sent,
            "delivered" | "read" => Delivery::Delivered,
            "failed" | "undelivered" => Delivery::Failed,
            _ => return None,
        })
    }

    /// Status callbacks can arrive out of order: a later state never goes back.
    pub fn advances_to(self, next: Delivery) -> bool {
        let rank = |d: Delivery| match d {
            Delivery::Queued => 0,
            Delivery::Sent => 1,
            Delivery::Delivered | Delivery::Failed => 2,
        };
        rank(next) > rank(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Message {
    pub id: MessageId,
    pub thread_id: ThreadId,
    pub direction: MessageDirection,
    pub author_id: Option<PractitionerId>,
    pub body: String,
    /// Server time of receipt: display order is the server's, never a device clock.
    pub sent_at: DateTime<Utc>,
    /// The provider's id (an inbound MessageSid, or the id a reply was sent under).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Outbound only.
    #[serde(default)]
    pub delivery: Option<Delivery>,
}

/// What a clinician does to a thread. Each is idempotent: doing it twice is doing it once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ThreadAction {
    /// Take the thread (refused when a colleague has it).
    Claim,
    /// Give the thread to a colleague (or take it from one, e.g. a coordinator rebalancing).
    Assign {
        to: PractitionerId,
    },
    /// Above this clinician's license: a task in `to`'s queue, the thread marked.
    Escalate {
        task_id: TaskId,
        to: Role,
        reason: String,
    },
    /// Put the thread in the review queue.
    RequestReview,
    MarkReviewed,
    Close,
    Reopen,
    /// Triage: the unmatched number belongs to this patient.
    LinkPatient {
        patient_id: PatientId,
    },
    /// The thread became this e-visit (a draft async encounter).
    LinkEncounter {
        encounter_id: EncounterId,
    },
}

/// Longest escalation reason.
pub const MAX_REASON_CHARS: usize = 500;

impl ThreadAction {
    /// Checks what can be checked without the database.
    pub fn validate(&self) -> Result<(), String> {
        if let ThreadAction::Escalate { reason, to, .. } = self {
            if reason.trim().is_empty() {
                return Err("an escalation needs a reason".into());
            }
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(format!("the reason is over {MAX_REASON_CHARS} characters"));
            }
            if !to.is_licensed_clinician() {
                return Err(format!("a thread escalates to a clinical queue, not {}", to.as_str()));
            }
        }
        Ok(())
    }

    pub fn name(&self) -> &'static str {
        match self {
            ThreadAction::Claim => "claim",
            ThreadAction::Assign { .. } => "assign",
            ThreadAction::Escalate { .. } => "escalate",
            ThreadAction::RequestReview => "request_review",
            ThreadAction::MarkReviewed => "mark_reviewed",
            ThreadAction::Close => "close",
            ThreadAction::Reopen => "reopen",
            ThreadAction::LinkPatient { .. } => "link_patient",
            ThreadAction::LinkEncounter { .. } => "link_encounter",
        }
    }
}

/// Applies an action to a thread, as the server and (optimistically) the device do. `Err` is
/// the refusal, in words for the clinician; the thread is then unchanged.
pub fn apply_action(
    thread: &mut Thread,
    action: &ThreadAction,
    who: PractitionerId,
    now: DateTime<Utc>,
) -> Result<(), String> {
    action.validate()?;
    let closed = thread.status == ThreadStatus::Closed;
    match action {
        ThreadAction::Claim => {
            if closed {
                return Err("the thread is closed".into());
            }
            if thread.assignee_id.is_some_and(|a| a != who) {
                return Err("a colleague has this thread".into());
            }
            thread.assignee_id = Some(who);
        }
        ThreadAction::Assign { to } => {
            if closed {
                return Err("the thread is closed".into());
            }
            thread.assignee_id = Some(*to);
        }
        ThreadAction::Escalate { task_id, to, reason } => {
            if closed {
                return Err("the thread is closed".into());
            }
            if thread.escalation.as_ref().is_some_and(|e| e.task_id == *task_id) {
                return Ok(());
            }
            thread.escalation =
                Some(Escalation { by: who, to: *to, reason: reason.trim().to_string(), at: now, task_id: *task_id });
            thread.queue = *to;
            thread.assignee_id = None;
        }
        ThreadAction::RequestReview => {
            if closed {
                return Err("the thread is closed".into());
            }
            thread.status = ThreadStatus::AwaitingReview;
            thread.reviewed_by = None;
            thread.reviewed_at = None;
        }
        ThreadAction::MarkReviewed => {
            if thread.status != ThreadStatus::AwaitingReview {
                if thread.reviewed_at.is_some() {
                    return Ok(());
                }
                return Err("the thread is not awaiting review".into());
            }
            thread.status = ThreadStatus::Open;
            thread.reviewed_by = Some(who);
            thread.reviewed_at = Some(now);
        }
        ThreadAction::Close => {
            thread.status = ThreadStatus::Closed;
            thread.respond_by = None;
            thread.urgent = false;
        }
        ThreadAction::Reopen => {
            if closed {
                thread.status = ThreadStatus::Open;
            }
        }
        ThreadAction::LinkPatient { patient_id } => {
            if thread.patient_id.is_some_and(|p| p != *patient_id) {
                return Err("the thread already belongs to another patient".into());
            }
            thread.patient_id = Some(*patient_id);
        }
        ThreadAction::LinkEncounter { encounter_id } => {
            if thread.encounter_id.is_some_and(|e| e != *encounter_id) {
                return Err("the thread already became an e-visit".into());
            }
            thread.encounter_id = Some(*encounter_id);
        }
    }
    Ok(())
}

/// A message arriving from the patient: the thread reopens, the response clock starts (unless
/// one is already running) and red flags mark it urgent.
pub fn on_inbound(thread: &mut Thread, body: &str, at: DateTime<Utc>, target_minutes: u32) {
    if thread.status == ThreadStatus::Closed {
        thread.status = ThreadStatus::Open;
    }
    if thread.respond_by.is_none() {
        thread.respond_by = Some(at + Duration::minutes(i64::from(target_minutes)));
    }
    thread.urgent |= is_urgent(body);
    thread.last_message_at = at;
}

/// A reply from the care team: nothing is waiting for an answer any more.
pub fn on_outbound(thread: &mut Thread, at: DateTime<Utc>) {
    thread.respond_by = None;
    thread.urgent = false;
    thread.last_message_at = at;
}

/// A reply from the care team, written by `author` (trimmed body), and the thread as it leaves
/// it (see `on_outbound`). An SMS reply is queued for the provider; a closed thread takes no
/// reply (reopen it first).
pub fn post_message(
    thread: &Thread,
    id: MessageId,
    author: PractitionerId,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(Message, Thread), crate::sync::Refusal> {
    use crate::sync::{Refusal, MAX_MESSAGE_CHARS};
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Refusal::invalid(format!("a message needs 1 to {MAX_MESSAGE_CHARS} characters")));
    }
    if thread.status == ThreadStatus::Closed {
        return Err(Refusal::invalid("the thread is closed"));
    }
    let message = Message {
        id,
        thread_id: thread.id,
        direction: MessageDirection::Outbound,
        author_id: Some(author),
        body: body.to_string(),
        sent_at: now,
        external_id: None,
        delivery: (thread.channel == Channel::Sms).then_some(Delivery::Queued),
    };
    let mut answered = thread.clone();
    on_outbound(&mut answered, now);
    Ok((message, answered))
}

/// Whether a practitioner triages threads from numbers that match no patient (and so sees
/// them): care coordinators, nurses and nurse practitioners.
pub fn may_triage(p: &crate::Practitioner) -> bool {
    p.roles.iter().any(|r| matches!(r, Role::CareCoordinator | Role::RegisteredNurse | Role::NursePractitioner))
}

/// Response target when a service line sets none.
pub const DEFAULT_RESPONSE_TARGET_MINUTES: u32 = 60;

/// Phrases in a patient's message that put the thread at the top of the inbox. Matched on
/// lower-cased text; deliberately over-inclusive (a false alarm costs a glance).
const RED_FLAGS: &[&str] = &[
    "chest pain",
    "can't breathe",
    "cant breathe",
    "cannot breathe",
    "trouble breathing",
    "difficulty breathing",
    "struggling to breathe",
    "short of breath",
    "blue lips",
    "lips are blue",
    "unresponsive",
    "won't wake",
    "passed out",
    "fainted",
    "seizure",
    "stiff neck",
    "suicid",
    "kill myself",
    "overdose",
    "swallowed",
    "severe bleeding",
    "won't stop bleeding",
    "anaphyla",
    "throat is closing",
    "no wet diaper",
    "not peeing",
];

/// Whether a patient's message mentions a red flag.
pub fn is_urgent(body: &str) -> bool {
    let lower = body.to_lowercase();
    RED_FLAGS.iter().any(|flag| lower.contains(flag))
}

/// Clinician time on a thread, recorded in slices while it is open on screen (insert-only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct ThreadTime {
    #[ts(type = "string")]
    pub id: Uuid,
    pub thread_id: ThreadId,
    pub practitioner_id: PractitionerId,
    pub started_at: DateTime<Utc>,
    pub seconds: u32,
}

/// Longest slice one command may record: a device reports at least every few minutes.
pub const MAX_TIME_SLICE_SECONDS: u32 = 15 * 60;

/// The window e-visit time is summed over.
pub const EVISIT_WINDOW_DAYS: i64 = 7;

/// Minutes (rounded down, as the codes count them) in the slices that started within the
/// seven days before `now`.
pub fn evisit_minutes(slices: &[ThreadTime], now: DateTime<Utc>) -> u32 {
    let from = now - Duration::days(EVISIT_WINDOW_DAYS);
    let seconds: u64 =
        slices.iter().filter(|s| s.started_at > from && s.started_at <= now).map(|s| u64::from(s.seconds)).sum();
    u32::try_from(seconds / 60).unwrap_or(u32::MAX)
}

/// Which threads an inbox shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboxQueue {
    /// Assigned to me.
    Mine,
    /// In the queue of one of my roles.
    MyRoles,
    /// Nobody has taken them.
    Unassigned,
    /// Waiting for a clinician's review.
    Review,
    /// From numbers that match no patient.
    Triage,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxFilter {
    pub queue: InboxQueue,
    #[serde(default)]
    pub urgent_only: bool,
    #[serde(default)]
    pub unread_only: bool,
    #[serde(default)]
    pub service_line: Option<String>,
    /// The window of rows wanted (the list is virtualised).
    #[serde(default)]
    pub offset: u32,
    pub limit: u32,
}

/// Most rows in one inbox window.
pub const MAX_INBOX_WINDOW: u32 = 500;

impl InboxFilter {
    pub fn validate(&self) -> Result<(), String> {
        if self.limit == 0 || self.limit > MAX_INBOX_WINDOW {
            return Err(format!("an inbox window is 1 to {MAX_INBOX_WINDOW} rows"));
        }
        if self.service_line.as_deref().is_some_and(|l| !crate::charting::is_service_line(l)) {
            return Err("unknown service line".into());
        }
        Ok(())
    }
}

/// One row of the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct InboxItem {
    pub thread: Thread,
    /// "Family, Given" (None for an unmatched number).
    pub patient_name: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub state: Option<crate::UsState>,
    /// The latest message, shortened.
    pub preview: String,
    pub last_from_patient: bool,
    /// A message arrived after this user last read the thread.
    pub unread: bool,
    pub assignee_name: Option<String>,
}

/// How many open threads each queue holds (the inbox's tabs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct InboxCounts {
    pub mine: u32,
    pub my_roles: u32,
    pub unassigned: u32,
    pub review: u32,
    pub triage: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    /// Rows matching the filter (the virtual list's length).
    pub total: u32,
    pub counts: InboxCounts,
}

/// A window of a thread's messages (the list is virtualised).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct MessageWindow {
    pub offset: u32,
    pub messages: Vec<Message>,
    /// Messages in the thread.
    pub total: u32,
}

/// What the thread screen shows around its message list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct ThreadView {
    pub thread: Thread,
    /// The patient's context (None for an unmatched number).
    pub patient: Option<crate::Patient>,
    /// Messages in the thread.
    pub messages: u32,
    /// When this user last read the thread before opening it now.
    pub last_read_at: Option<DateTime<Utc>>,
    /// Position of the first message after that (the "new" line), if any.
    pub first_unread: Option<u32>,
    /// This user's time on the patient's threads over the last 7 days, in minutes.
    pub evisit_minutes: u32,
    /// The e-visit code those minutes suggest from the service menu, if any.
    pub evisit_code: Option<String>,
    pub assignee_name: Option<String>,
    pub escalated_by_name: Option<String>,
    pub reviewer_name: Option<String>,
    /// The summary covers messages after the patient's last signed visit.
    pub summary_since: Option<DateTime<Utc>>,
    /// The newest messages (up to [`OPEN_WINDOW`]): the screen paints them with no second
    /// request.
    pub latest: MessageWindow,
}

/// Messages sent with a thread when it is opened.
pub const OPEN_WINDOW: u32 = 100;

/// Most messages in one window.
pub const MAX_MESSAGE_WINDOW: u32 = 500;

#[cfg(test)]
mod tests {
    use super::*;

    fn thread() -> Thread {
        Thread {
            id: ThreadId(Uuid::from_u128(1)),
            patient_id: None,
            channel: Channel::Sms,
            status: ThreadStatus::Open,
            assignee_id: None,
            service_line: "pediatric_sms".into(),
            last_message_at: DateTime::UNIX_EPOCH,
            version: 1,
            urgent: false,
            from_number: None,
            respond_by: None,
            reviewed_by: None,
            reviewed_at: None,
            escalation: None,
            encounter_id: None,
            queue: Role::NursePractitioner,
        }
    }

    fn who(n: u128) -> PractitionerId {
        PractitionerId(Uuid::from_u128(n))
    }

    mod post_a_message {
        use super::*;
        use crate::sync::{RejectCode, MAX_MESSAGE_CHARS};

        #[test]
        fn a_reply_is_queued_for_sms_and_answers_the_thread() {
            let mut t = thread();
            t.urgent = true;
            t.respond_by = Some(DateTime::UNIX_EPOCH);
            let at = DateTime::UNIX_EPOCH + Duration::minutes(5);
            let (m, next) =
                post_message(&t, MessageId(Uuid::from_u128(9)), who(1), "  On my way.  ", at).expect("posted");
            assert_eq!((m.thread_id, m.author_id, m.body.as_str(), m.sent_at), (t.id, Some(who(1)), "On my way.", at));
            assert_eq!((m.direction, m.delivery), (MessageDirection::Outbound, Some(Delivery::Queued)));
            assert_eq!(
                (next.urgent, next.respond_by, next.last_message_at, next.version),
                (false, None, at, t.version)
            );
            let chat = Thread { channel: Channel::Chat, ..t };
            assert_eq!(
                post_message(&chat, MessageId(Uuid::from_u128(9)), who(1), "Hi", at).expect("posted").0.delivery,
                None
            );
        }

        #[test]
        fn refusals() {
            let t = thread();
            let id = MessageId(Uuid::from_u128(9));
            let length = (RejectCode::Invalid, format!("a message needs 1 to {MAX_MESSAGE_CHARS} characters"));
            for body in ["  ".to_string(), "x".repeat(MAX_MESSAGE_CHARS + 1)] {
                let e = post_message(&t, id, who(1), &body, DateTime::UNIX_EPOCH).expect_err("length");
                assert_eq!((e.code, e.message), length);
            }
            let closed = Thread { status: ThreadStatus::Closed, ..t };
            let e = post_message(&closed, id, who(1), "Hi", DateTime::UNIX_EPOCH).expect_err("closed");
            assert_eq!((e.code, e.message.as_str()), (RejectCode::Invalid, "the thread is closed"));
        }
    }

    #[test]
    fn claim_is_refused_when_a_colleague_has_the_thread_and_idempotent_otherwise() {
        let mut t = thread();
        apply_action(&mut t, &ThreadAction::Claim, who(1), DateTime::UNIX_EPOCH).expect("allowed");
        apply_action(&mut t, &ThreadAction::Claim, who(1), DateTime::UNIX_EPOCH).expect("allowed");
        let before = t.clone();
        let err = apply_action(&mut t, &ThreadAction::Claim, who(2), DateTime::UNIX_EPOCH).expect_err("refused");
        assert!(err.contains("colleague"), "{err}");
        assert_eq!(t, before);
    }

    #[test]
    fn closed_threads_refuse_work_until_reopened() {
        let mut t = thread();
        apply_action(&mut t, &ThreadAction::Close, who(1), DateTime::UNIX_EPOCH).expect("allowed");
        assert!(apply_action(&mut t, &ThreadAction::Claim, who(1), DateTime::UNIX_EPOCH).is_err());
        assert!(apply_action(&mut t, &ThreadAction::RequestReview, who(1), DateTime::UNIX_EPOCH).is_err());
        apply_action(&mut t, &ThreadAction::Reopen, who(1), DateTime::UNIX_EPOCH).expect("allowed");
        assert_eq!(t.status, ThreadStatus::Open);
    }

    #[test]
    fn review_records_who_and_when_and_a_second_mark_changes_nothing() {
        let mut t = thread();
        let now = DateTime::UNIX_EPOCH + Duration::hours(1);
        assert!(apply_action(&mut t, &ThreadAction::MarkReviewed, who(1), now).is_err());
        apply_action(&mut t, &ThreadAction::RequestReview, who(2), now).expect("allowed");
        apply_action(&mut t, &ThreadAction::MarkReviewed, who(1), now).expect("allowed");
        assert_eq!((t.status, t.reviewed_by, t.reviewed_at), (ThreadStatus::Open, Some(who(1)), Some(now)));
        let again = t.clone();
        apply_action(&mut t, &ThreadAction::MarkReviewed, who(3), now + Duration::hours(1)).expect("allowed");
        assert_eq!(t, again);
    }

    #[test]
    fn escalation_needs_a_reason_and_a_clinical_queue() {
        let mut t = thread();
        let task_id = TaskId(Uuid::from_u128(9));
        let bad = ThreadAction::Escalate { task_id, to: Role::Physician, reason: "  ".into() };
        assert!(apply_action(&mut t, &bad, who(1), DateTime::UNIX_EPOCH).is_err());
        let bad = ThreadAction::Escalate { task_id, to: Role::CareCoordinator, reason: "x".into() };
        assert!(apply_action(&mut t, &bad, who(1), DateTime::UNIX_EPOCH).is_err());
        let ok = ThreadAction::Escalate { task_id, to: Role::Physician, reason: " Wheeze on video ".into() };
        apply_action(&mut t, &ok, who(1), DateTime::UNIX_EPOCH).expect("allowed");
        let e = t.escalation.clone().expect("allowed");
        assert_eq!((e.by, e.to, e.reason.as_str()), (who(1), Role::Physician, "Wheeze on video"));
    }

    #[test]
    fn inbound_starts_the_clock_once_and_a_reply_stops_it() {
        let mut t = thread();
        let at = DateTime::UNIX_EPOCH + Duration::hours(2);
        on_inbound(&mut t, "She has a fever", at, 15);
        on_inbound(&mut t, "Now she has chest pain", at + Duration::minutes(5), 15);
        assert_eq!(t.respond_by, Some(at + Duration::minutes(15)));
        assert!(t.urgent);
        on_outbound(&mut t, at + Duration::minutes(7));
        assert_eq!((t.respond_by, t.urgent), (None, false));
    }

    #[test]
    fn red_flags_are_found_in_any_case() {
        assert!(is_urgent("He CAN'T BREATHE well"));
        assert!(is_urgent("lips are blue after coughing"));
        assert!(!is_urgent("Runny nose for two days, eating fine"));
    }

    #[test]
    fn delivery_never_goes_back() {
        assert!(Delivery::Queued.advances_to(Delivery::Sent));
        assert!(Delivery::Sent.advances_to(Delivery::Delivered));
        assert!(!Delivery::Delivered.advances_to(Delivery::Sent));
        assert!(!Delivery::Failed.advances_to(Delivery::Delivered));
        assert_eq!(Delivery::parse("undelivered"), Some(Delivery::Failed));
        assert_eq!(Delivery::parse("lost"), None);
    }

    #[test]
    fn evisit_minutes_sum_seven_days_rounded_down() {
        let now = DateTime::UNIX_EPOCH + Duration::days(30);
        let slice = |days_ago: i64, seconds: u32| ThreadTime {
            id: Uuid::from_u128(seconds as u128),
            thread_id: ThreadId(Uuid::from_u128(1)),
            practitioner_id: who(1),
            started_at: now - Duration::days(days_ago),
            seconds,
        };
        let slices = [slice(0, 200), slice(3, 250), slice(6, 209), slice(8, 6000)];
        assert_eq!(evisit_minutes(&slices, now), 10);
    }
}
