//! Async threads at the server, on SQLite and PostgreSQL: patients' texts through the signed
//! webhook (stored once, matched by number, unmatched ones for triage, every bad request
//! refused with nothing stored), replies queued in the push and sent once with their delivery
//! tracked, and the thread actions (claim, escalate, review, close, link) with their refusals.

use chrono::{Duration, Utc};
use rounds_domain::sync::*;
use rounds_domain::*;
use rounds_server::seed::{
    self, DEMO_CARE_COORDINATOR, DEMO_NURSE_PRACTITIONER, DEMO_PHYSICIAN, DEMO_SMS_ADULT, DEMO_SMS_PEDIATRIC,
};
use rounds_server::sms::{dispatch, RecordingSender};
use rounds_server::AppState;
use rounds_tests::{form, on_both_databases, post_webhook, pull_changes, push_as, TestServer, TEST_SMS_SECRET};
use std::collections::HashMap;
use std::sync::Arc;

const INBOUND: &str = "/webhooks/sms";
const STATUS: &str = "/webhooks/sms/status";

struct Fixture {
    server: TestServer,
    state: AppState,
    sender: Arc<RecordingSender>,
    storage: Arc<dyn rounds_server::Storage>,
}

async fn fixture(db: &rounds_tests::Db) -> Fixture {
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let sender = Arc::new(RecordingSender::default());
    let mut state = AppState::new(db.storage.clone());
    state.sign_in_limiter = Arc::new(rounds_server::limit::RateLimiter::new(1_000_000, Duration::minutes(5)));
    state.sms_secret = Some(Arc::from(TEST_SMS_SECRET.as_bytes()));
    state.sms = sender.clone();
    let server = TestServer::start(state.clone()).await;
    Fixture { server, state, sender, storage: db.storage.clone() }
}

impl Fixture {
    async fn text(&self, from: &str, to: &str, body: &str, sid: &str) -> reqwest::Response {
        let body = form(&[("From", from), ("To", to), ("Body", body), ("MessageSid", sid)]);
        post_webhook(&self.server.url, INBOUND, &body, TEST_SMS_SECRET.as_bytes(), Utc::now().timestamp()).await
    }

    async fn messages(&self) -> i64 {
        self.storage.counts().await.expect("counts").messages
    }
}

/// A pediatric patient in California or Texas without a thread, whose phone number no other
/// patient shares, as the NP sees them.
async fn patient_with_own_number(url: &str) -> Patient {
    let changes = pull_changes(url, DEMO_NURSE_PRACTITIONER).await;
    let with_threads: Vec<PatientId> = changes
        .iter()
        .filter_map(|c| match &c.record {
            Record::Thread(t) => t.patient_id,
            _ => None,
        })
        .collect();
    let patients: Vec<Patient> = changes
        .into_iter()
        .filter_map(|c| match c.record {
            Record::Patient(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for p in &patients {
        for k in p.phone_keys() {
            *by_key.entry(k).or_default() += 1;
        }
    }
    patients
        .into_iter()
        .find(|p| {
            p.guardian.is_some() && p.phone_keys().iter().all(|k| by_key[k] == 1) && !with_threads.contains(&p.id)
            // Both demo clinicians hold licenses there.
            && matches!(p.current_state.as_str(), "CA" | "TX")
        })
        .expect("a child with a number of their own and no thread yet")
}

/// The latest copies of every thread and message `email` can see.
async fn threads_as(url: &str, email: &str) -> (HashMap<ThreadId, Thread>, HashMap<MessageId, Message>) {
    let (mut threads, mut messages) = (HashMap::new(), HashMap::new());
    for c in pull_changes(url, email).await {
        match c.record {
            Record::Thread(t) => {
                threads.insert(t.id, t);
            }
            Record::Message(m) => {
                messages.insert(m.id, m);
            }
            _ => {}
        }
    }
    (threads, messages)
}

fn rejected(o: &Outcome) -> Option<(RejectCode, String)> {
    match o {
        Outcome::Applied => None,
        Outcome::Rejected { code, message, .. } => Some((*code, message.clone())),
    }
}

on_both_databases! {
    async fn a_signed_text_is_stored_once_in_the_patients_thread(db) {
        let f = fixture(&db).await;
        let patient = patient_with_own_number(&f.server.url).await;
        let from = patient.guardian.as_ref().map(|g| g.phone.clone()).expect("guardian");
        let before = f.messages().await;
        let sent_at = Utc::now();
        let body = "Hi, my son has had a fever for 2 days and now he can't breathe well at night. Should we come in?";
        let answer = f.text(&from, DEMO_SMS_PEDIATRIC, body, "SM0001").await;
        assert_eq!(answer.status(), 200);
        let answer: serde_json::Value = answer.json().await.expect("json");
        assert_eq!(answer, serde_json::json!({"stored": true, "matched": true}));
        // The provider retries: stored once.
        let again: serde_json::Value = f.text(&from, DEMO_SMS_PEDIATRIC, body, "SM0001").await.json().await.expect("json");
        assert_eq!(again["stored"], false);
        assert_eq!(f.messages().await, before + 1);

        let (threads, messages) = threads_as(&f.server.url, DEMO_NURSE_PRACTITIONER).await;
        let m = messages.values().find(|m| m.external_id.as_deref() == Some("SM0001")).expect("message synced");
        assert_eq!((m.direction, m.body.as_str()), (MessageDirection::Inbound, body));
        let t = &threads[&m.thread_id];
        assert_eq!(t.patient_id, Some(patient.id));
        assert_eq!((t.channel, t.status, t.queue), (Channel::Sms, ThreadStatus::Open, Role::NursePractitioner));
        assert!(t.urgent, "\"can't breathe\" is a red flag");
        // The pediatric line's target is 15 minutes.
        let due = t.respond_by.expect("a response is due");
        assert!(due >= sent_at + Duration::minutes(15) && due <= Utc::now() + Duration::minutes(15), "{due}");

        // A second text joins the open thread; the clock keeps the first message's target.
        f.text(&from, DEMO_SMS_PEDIATRIC, "He is drinking ok.", "SM0002").await;
        let (threads, messages) = threads_as(&f.server.url, DEMO_NURSE_PRACTITIONER).await;
        let second = messages.values().find(|m| m.external_id.as_deref() == Some("SM0002")).expect("second");
        assert_eq!(second.thread_id, m.thread_id);
        assert_eq!(threads[&m.thread_id].respond_by, Some(due));
    }

    async fn bad_webhook_requests_are_refused_and_store_nothing(db) {
        let f = fixture(&db).await;
        let patient = patient_with_own_number(&f.server.url).await;
        let from = patient.guardian.as_ref().map(|g| g.phone.clone()).expect("guardian");
        let url = &f.server.url;
        let now = Utc::now().timestamp();
        let secret = TEST_SMS_SECRET.as_bytes();
        let good = |body: &str, sid: &str| form(&[("From", &from), ("To", DEMO_SMS_PEDIATRIC), ("Body", body), ("MessageSid", sid)]);
        let before = f.messages().await;
        let mut cases: Vec<(&str, reqwest::Response, u16)> = vec![
            ("wrong secret", post_webhook(url, INBOUND, &good("hi", "SM1"), b"not-the-secret-not-the-secret-xx", now).await, 401),
            ("stale timestamp", post_webhook(url, INBOUND, &good("hi", "SM2"), secret, now - 3600).await, 401),
            ("missing Body", post_webhook(url, INBOUND, &form(&[("From", &from), ("To", DEMO_SMS_PEDIATRIC), ("MessageSid", "SM3")]), secret, now).await, 400),
            ("missing From", post_webhook(url, INBOUND, &form(&[("To", DEMO_SMS_PEDIATRIC), ("Body", "x"), ("MessageSid", "SM4")]), secret, now).await, 400),
            ("non-UTF-8 body", post_webhook(url, INBOUND, b"From=%2B14155550100&To=%2B14155550199&Body=%FF%FE&MessageSid=SM5", secret, now).await, 400),
            ("raw non-UTF-8", post_webhook(url, INBOUND, &[b'B', b'o', b'd', b'y', b'=', 0xC3, 0x28], secret, now).await, 400),
            ("text over 1,600 characters", post_webhook(url, INBOUND, &good(&"a".repeat(1601), "SM6"), secret, now).await, 400),
            ("body over 16 KiB", post_webhook(url, INBOUND, &good(&"a".repeat(17 * 1024), "SM7"), secret, now).await, 413),
            ("a number nobody has", post_webhook(url, INBOUND, &form(&[("From", &from), ("To", "+12025550100"), ("Body", "x"), ("MessageSid", "SM8")]), secret, now).await, 404),
            ("a MessageSid that is not one", post_webhook(url, INBOUND, &good("hi", "SM 9; drop"), secret, now).await, 400),
            ("signed for another path", post_webhook(url, STATUS, &good("hi", "SM10"), secret, now).await, 400),
        ];
        // Signed for the status path but sent to the inbound one.
        let body = good("hi", "SM11");
        let forged = reqwest::Client::new()
            .post(format!("{url}{INBOUND}"))
            .header("x-rounds-timestamp", now.to_string())
            .header("x-rounds-signature", rounds_server::sms::signature(secret, now, STATUS, &body))
            .body(body)
            .send()
            .await
            .expect("post");
        cases.push(("signature of another path", forged, 401));
        let unsigned = reqwest::Client::new().post(format!("{url}{INBOUND}")).body(good("hi", "SM12")).send().await.expect("post");
        cases.push(("unsigned", unsigned, 401));
        for (what, response, status) in cases {
            assert_eq!(response.status().as_u16(), status, "{what}");
            let error: serde_json::Value = response.json().await.unwrap_or_default();
            if status != 413 {
                assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a reason is given");
            }
        }
        assert_eq!(f.messages().await, before, "nothing stored");
    }

    async fn an_unknown_number_opens_an_unmatched_thread_for_triage(db) {
        let f = fixture(&db).await;
        let url = &f.server.url;
        let answer: serde_json::Value =
            f.text("+1 (307) 555-0142", DEMO_SMS_ADULT, "Hello, is this the clinic? I need a refill.", "SMX1").await.json().await.expect("json");
        assert_eq!(answer, serde_json::json!({"stored": true, "matched": false}));
        let (threads, _) = threads_as(url, DEMO_CARE_COORDINATOR).await;
        let unmatched: Vec<&Thread> = threads.values().filter(|t| t.patient_id.is_none()).collect();
        assert_eq!(unmatched.len(), 1);
        let t = unmatched[0].clone();
        assert_eq!((t.from_number.as_deref(), t.service_line.as_str()), (Some("+1 (307) 555-0142"), "adult_primary"));
        // Physicians do not triage: they do not see it.
        let (physician_threads, _) = threads_as(url, DEMO_PHYSICIAN).await;
        assert!(!physician_threads.contains_key(&t.id));
        // A second text from the number joins it.
        f.text("+1 (307) 555-0142", DEMO_SMS_ADULT, "Lisinopril 10 mg.", "SMX2").await;
        let (threads, _) = threads_as(url, DEMO_CARE_COORDINATOR).await;
        assert_eq!(threads.values().filter(|t| t.patient_id.is_none()).count(), 1);

        // The coordinator links it to a patient: it is theirs from then on.
        let patient = patient_with_own_number(url).await;
        let escalate = Mutation::ThreadAction {
            thread_id: t.id,
            action: ThreadAction::Escalate { task_id: TaskId::new_v7(1), to: Role::Physician, reason: "refill".into() },
        };
        let link = Mutation::ThreadAction { thread_id: t.id, action: ThreadAction::LinkPatient { patient_id: patient.id } };
        let r = push_as(url, DEMO_CARE_COORDINATOR, &[escalate, link]).await;
        assert_eq!(rejected(&r.results[0].outcome).map(|r| r.0), Some(RejectCode::Invalid), "no patient, no escalation");
        assert_eq!(r.results[1].outcome, Outcome::Applied);
        let (threads, _) = threads_as(url, DEMO_NURSE_PRACTITIONER).await;
        assert_eq!(threads[&t.id].patient_id, Some(patient.id));
    }

    async fn replies_are_queued_in_the_push_and_sent_once(db) {
        let f = fixture(&db).await;
        let url = &f.server.url;
        let patient = patient_with_own_number(url).await;
        let guardian_phone = patient.guardian.as_ref().map(|g| g.phone.clone()).expect("guardian");
        f.text(&guardian_phone, DEMO_SMS_PEDIATRIC, "Rash since Monday.", "SMR1").await;
        let (threads, _) = threads_as(url, DEMO_NURSE_PRACTITIONER).await;
        let thread = threads.values().find(|t| t.patient_id == Some(patient.id) && t.respond_by.is_some()).expect("thread").clone();

        let reply_id = MessageId::new_v7(9);
        let reply = Mutation::PostMessage { message_id: reply_id, thread_id: thread.id, body: "Please send a photo of the rash.".into() };
        // The same reply twice in a push (a device retrying): one message, one send.
        let r = push_as(url, DEMO_NURSE_PRACTITIONER, &[reply.clone(), reply.clone()]).await;
        assert!(r.results.iter().all(|r| r.outcome == Outcome::Applied), "{:?}", r.results);
        assert_eq!(dispatch(&f.state).await.expect("dispatch"), 1);
        assert_eq!(dispatch(&f.state).await.expect("dispatch"), 0, "sent once");
        let sent = f.sender.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].to.as_str(), sent[0].body.as_str()), (guardian_phone.as_str(), "Please send a photo of the rash."));

        let (threads, messages) = threads_as(url, DEMO_NURSE_PRACTITIONER).await;
        let m = &messages[&reply_id];
        assert_eq!(m.delivery, Some(Delivery::Sent));
        let provider_id = m.external_id.clone().expect("provider id");
        let t = &threads[&thread.id];
        assert_eq!((t.respond_by, t.urgent), (None, false), "answered");

        // Delivery reports move forward only.
        let report = |status: &str| form(&[("MessageSid", &provider_id), ("MessageStatus", status)]);
        let now = Utc::now().timestamp();
        assert_eq!(post_webhook(url, STATUS, &report("delivered"), TEST_SMS_SECRET.as_bytes(), now).await.status(), 204);
        assert_eq!(post_webhook(url, STATUS, &report("sent"), TEST_SMS_SECRET.as_bytes(), now).await.status(), 204);
        assert_eq!(post_webhook(url, STATUS, &report("exploded"), TEST_SMS_SECRET.as_bytes(), now).await.status(), 400);
        let (_, messages) = threads_as(url, DEMO_NURSE_PRACTITIONER).await;
        assert_eq!(messages[&reply_id].delivery, Some(Delivery::Delivered));

        // A closed thread takes no reply.
        let close = Mutation::ThreadAction { thread_id: thread.id, action: ThreadAction::Close };
        let late = Mutation::PostMessage { message_id: MessageId::new_v7(10), thread_id: thread.id, body: "One more thing".into() };
        let r = push_as(url, DEMO_NURSE_PRACTITIONER, &[close, late]).await;
        assert_eq!(r.results[0].outcome, Outcome::Applied);
        let (code, message) = rejected(&r.results[1].outcome).expect("refused");
        assert_eq!((code, message.as_str()), (RejectCode::Invalid, "the thread is closed"));
        assert_eq!(dispatch(&f.state).await.expect("dispatch"), 0);
    }

    async fn thread_actions_escalate_review_and_refuse(db) {
        let f = fixture(&db).await;
        let url = &f.server.url;
        let patient = patient_with_own_number(url).await;
        let phone = patient.guardian.as_ref().map(|g| g.phone.clone()).expect("guardian");
        f.text(&phone, DEMO_SMS_PEDIATRIC, "Wheezing since last night.", "SMA1").await;
        let (threads, _) = threads_as(url, DEMO_NURSE_PRACTITIONER).await;
        let thread = threads.values().find(|t| t.patient_id == Some(patient.id) && t.respond_by.is_some()).expect("thread").clone();
        let act = |action: ThreadAction| Mutation::ThreadAction { thread_id: thread.id, action };

        // The NP claims it; the physician cannot claim it from under her.
        assert_eq!(push_as(url, DEMO_NURSE_PRACTITIONER, &[act(ThreadAction::Claim)]).await.results[0].outcome, Outcome::Applied);
        let r = push_as(url, DEMO_PHYSICIAN, &[act(ThreadAction::Claim)]).await;
        assert!(rejected(&r.results[0].outcome).is_some_and(|(_, m)| m.contains("colleague")));
        // Escalation needs a reason; with one, the physicians' queue gets a task about the thread.
        let task_id = TaskId::new_v7(77); // one id for every try below
        let r = push_as(url, DEMO_NURSE_PRACTITIONER, &[
            act(ThreadAction::Escalate { task_id, to: Role::Physician, reason: " ".into() }),
            act(ThreadAction::Escalate { task_id, to: Role::Physician, reason: "Wheeze in a 3-year-old: needs an MD".into() }),
            act(ThreadAction::Escalate { task_id, to: Role::Physician, reason: "Wheeze in a 3-year-old: needs an MD".into() }),
        ]).await;
        assert_eq!(rejected(&r.results[0].outcome).map(|r| r.0), Some(RejectCode::Invalid));
        assert_eq!((&r.results[1].outcome, &r.results[2].outcome), (&Outcome::Applied, &Outcome::Applied));
        let tasks: Vec<Task> = pull_changes(url, DEMO_PHYSICIAN).await.into_iter().filter_map(|c| match c.record {
            Record::Task(t) if t.id == task_id => Some(t),
            _ => None,
        }).collect();
        assert_eq!(tasks.len(), 1, "escalated once");
        let task = &tasks[0];
        assert_eq!((task.queue, task.kind, task.focus), (Role::Physician, TaskKind::ReviewThread, Some(TaskFocus::Thread(thread.id))));
        assert_eq!(task.license_state, patient.current_state);
        let (threads, _) = threads_as(url, DEMO_PHYSICIAN).await;
        let t = &threads[&thread.id];
        let e = t.escalation.clone().expect("escalation");
        assert_eq!((e.to, e.reason.as_str(), e.task_id), (Role::Physician, "Wheeze in a 3-year-old: needs an MD", task_id));
        assert_eq!((t.queue, t.assignee_id), (Role::Physician, None));

        // Review: requested, then marked by a clinician with who and when.
        let r = push_as(url, DEMO_CARE_COORDINATOR, &[act(ThreadAction::MarkReviewed)]).await;
        assert_eq!(rejected(&r.results[0].outcome).map(|r| r.0), Some(RejectCode::Forbidden));
        let r = push_as(url, DEMO_PHYSICIAN, &[act(ThreadAction::RequestReview), act(ThreadAction::MarkReviewed)]).await;
        assert!(r.results.iter().all(|r| r.outcome == Outcome::Applied), "{:?}", r.results);
        let (threads, _) = threads_as(url, DEMO_NURSE_PRACTITIONER).await;
        let t = &threads[&thread.id];
        assert_eq!(t.status, ThreadStatus::Open);
        assert!(t.reviewed_by.is_some() && t.reviewed_at.is_some());

        // Time on the thread: slices of 1 s to 15 min, each stored once.
        let slice = |id: u128, seconds: u32| Mutation::LogThreadTime {
            entry_id: uuid::Uuid::from_u128(id),
            thread_id: thread.id,
            started_at: Utc::now() - Duration::minutes(3),
            seconds,
        };
        let r = push_as(url, DEMO_NURSE_PRACTITIONER, &[slice(1, 240), slice(1, 240), slice(2, 0), slice(3, 3600)]).await;
        let outcomes: Vec<Option<RejectCode>> = r.results.iter().map(|r| rejected(&r.outcome).map(|r| r.0)).collect();
        assert_eq!(outcomes, vec![None, None, Some(RejectCode::Invalid), Some(RejectCode::Invalid)]);
        let slices: Vec<ThreadTime> = pull_changes(url, DEMO_NURSE_PRACTITIONER).await.into_iter().filter_map(|c| match c.record {
            Record::ThreadTime(t) => Some(t),
            _ => None,
        }).collect();
        assert_eq!(slices.len(), 1);
        assert_eq!(slices[0].seconds, 240);

        // A thread outside the user's care teams is not found (the same answer as a missing one).
        let r = push_as(url, DEMO_NURSE_PRACTITIONER, &[Mutation::ThreadAction { thread_id: ThreadId::new_v7(5), action: ThreadAction::Claim }]).await;
        assert_eq!(rejected(&r.results[0].outcome).map(|r| r.0), Some(RejectCode::NotFound));
    }
}

mod on_the_device {
    use super::*;
    use rounds_client::{Config, Workspace};
    use rounds_domain::summary::SummaryKind;
    use rounds_domain::thread::{InboxFilter, InboxQueue};
    use rounds_server::seed::DEMO_PASSWORD;

    fn all_mine(queue: InboxQueue) -> InboxFilter {
        InboxFilter { queue, urgent_only: false, unread_only: false, service_line: None, offset: 0, limit: 500 }
    }

    // A patient texts; the NP finds the thread at the top of her inbox with its target, reads
    // the summary (each sentence citing its message), replies offline, and the reply is sent
    // once after she reconnects. Her time on the thread turns the e-visit she converts it into
    // a 99421, with the history taken from the summary.
    on_both_databases! {
        async fn a_text_is_answered_offline_and_becomes_an_evisit(db) {
            let f = fixture(&db).await;
            let (addr, url) = (f.server.addr, f.server.url.clone());
            let patient = patient_with_own_number(&url).await;
            let phone = patient.guardian.as_ref().map(|g| g.phone.clone()).expect("guardian");
            for (i, body) in [
                "Hi, my daughter has a fever for 3 days and a cough since yesterday.",
                "She is drinking ok. I gave her Tylenol at 8am. Should I bring her in?",
            ].iter().enumerate() {
                assert_eq!(f.text(&phone, DEMO_SMS_PEDIATRIC, body, &format!("SMD{i}")).await.status(), 200);
            }
            let dir = tempfile::tempdir().expect("dir");
            let ws = Workspace::open(&Config { data_dir: dir.path().join("np"), server_url: url.clone() }, rounds_tests::vault()).expect("open");
            ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in");
            ws.sync_now().await.expect("sync");

            let inbox = ws.inbox(&all_mine(InboxQueue::MyRoles)).expect("inbox");
            let row = inbox.items.iter().find(|i| i.thread.patient_id == Some(patient.id)).expect("in the inbox");
            assert!(row.unread && row.last_from_patient);
            assert!(row.thread.respond_by.is_some(), "the countdown runs");
            assert_eq!(row.preview, "She is drinking ok. I gave her Tylenol at 8am. Should I bring her in?");
            // Nothing with a response due comes after a thread without one.
            let due: Vec<bool> = inbox.items.iter().filter(|i| !i.thread.urgent).map(|i| i.thread.respond_by.is_some()).collect();
            assert!(due.windows(2).all(|w| w[0] >= w[1]), "due threads first");
            let thread_id = row.thread.id.to_string();

            let view = ws.open_thread(&thread_id).expect("open");
            assert_eq!((view.messages, view.first_unread, view.last_read_at), (2, None, None));
            let summary = ws.thread_summary(&thread_id, view.last_read_at).expect("summary");
            let window = ws.thread_messages(&thread_id, 0, 50).expect("messages");
            let first = window.messages[0].id;
            let second = window.messages[1].id;
            let cites = |kind: SummaryKind, text: &str| {
                summary.sentences.iter().find(|s| s.kind == kind && s.text == text).map(|s| s.sources.clone())
            };
            assert_eq!(cites(SummaryKind::Symptom, "Fever, for 3 days."), Some(vec![first]));
            assert_eq!(cites(SummaryKind::Symptom, "Cough, since yesterday."), Some(vec![first]));
            assert_eq!(cites(SummaryKind::Medication, "Acetaminophen: \u{201c}I gave her Tylenol at 8am.\u{201d}"), Some(vec![second]));
            assert_eq!(cites(SummaryKind::Question, "Should I bring her in?"), Some(vec![second]));
            assert_eq!(ws.message_position(&thread_id, &second.to_string()).expect("position"), 1);
            // Opening marked it read.
            let row = ws.inbox(&all_mine(InboxQueue::MyRoles)).expect("inbox").items.into_iter().find(|i| i.thread.id == view.thread.id).expect("row");
            assert!(!row.unread);

            // Offline: claim, reply, and six minutes on the thread.
            f.server.stop().await;
            ws.thread_action(&thread_id, ThreadAction::Claim).expect("claim offline");
            let reply = ws.post_message(&thread_id, "Thanks. Please keep her drinking fluids; I'll set up an e-visit.").expect("reply offline");
            assert_eq!(reply.delivery, Some(Delivery::Queued));
            assert_eq!(ws.log_thread_time(&thread_id, 200).expect("time"), 3);
            assert_eq!(ws.log_thread_time(&thread_id, 170).expect("time"), 6);
            let row = ws.inbox(&all_mine(InboxQueue::Mine)).expect("mine").items.into_iter().find(|i| i.thread.id == view.thread.id).expect("mine");
            assert_eq!((row.thread.respond_by, row.last_from_patient), (None, false), "answered, shown at once");
            assert!(ws.post_message(&thread_id, "   ").is_err(), "an empty reply is refused");

            let encounter = ws.convert_thread_to_evisit(&thread_id).expect("e-visit offline");
            let visit = ws.encounter_view(&encounter.to_string()).expect("visit");
            assert_eq!(visit.encounter.mode, EncounterMode::Async);
            let history = &visit.encounter.draft.as_ref().expect("draft").history.narrative;
            assert!(history.contains("- Fever, for 3 days.") && history.contains("I gave her Tylenol at 8am."), "{history}");
            // The reply came after the question: it is no longer listed as unanswered.
            assert!(!history.contains("Questions from the patient"), "{history}");
            assert!(history.contains("Action items:\n- Please keep her drinking fluids; I'll set up an e-visit."), "{history}");
            assert_eq!(visit.billing.code.as_deref(), Some("99421"), "{:?}", visit.billing);
            assert_eq!(ws.convert_thread_to_evisit(&thread_id).expect("again"), encounter, "one e-visit per thread");

            // Back online: everything lands once and the reply goes out once.
            let mut state = f.state.clone();
            state.sms = f.sender.clone();
            let server = TestServer::start_on(state.clone(), addr).await;
            ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in again");
            ws.sync_now().await.expect("sync");
            ws.sync_now().await.expect("sync again");
            assert_eq!(ws.sync_status().expect("status").rejected, 0);
            assert_eq!(dispatch(&state).await.expect("dispatch"), 1);
            assert_eq!(dispatch(&state).await.expect("dispatch"), 0);
            let sent = f.sender.sent();
            assert_eq!(sent.len(), 1);
            assert_eq!((sent[0].to.as_str(), sent[0].key), (phone.as_str(), reply.id));
            ws.sync_now().await.expect("sync");
            let window = ws.thread_messages(&thread_id, 0, 50).expect("messages");
            assert_eq!(window.messages.iter().find(|m| m.id == reply.id).and_then(|m| m.delivery), Some(Delivery::Sent));
            let (threads, _) = threads_as(&server.url, DEMO_PHYSICIAN).await;
            let t = &threads[&view.thread.id];
            assert_eq!((t.encounter_id, t.assignee_id.is_some()), (Some(encounter), true));
        }
    }
}
