//! Care operations at the server API, on SQLite and PostgreSQL: who may take which work (a table
//! of role x action x state, expired licenses included), routing by the organisation's rules,
//! escalation of overdue work with an injected clock, hand-off to a licensed colleague, the
//! provider directory (edits refused when impossible, synced to devices) and coverage by state.

use chrono::{Duration, NaiveDate, Utc};
use rounds_client::{Config, Workspace};
use rounds_domain::ops::*;
use rounds_domain::sync::*;
use rounds_domain::*;
use rounds_server::clock::FixedClock;
use rounds_server::seed::{
    self, DEMO_ADMIN, DEMO_CARE_COORDINATOR, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN,
};
use rounds_tests::{on_both_databases, pull_changes, push_as, sign_in_token, vault, TestServer};
use std::sync::Arc;

fn outcome_code(o: &Outcome) -> Option<RejectCode> {
    match o {
        Outcome::Applied => None,
        Outcome::Rejected { code, .. } => Some(*code),
    }
}

/// The latest copy of a task in `email`'s pull (None when withdrawn or never seen).
async fn task_as(url: &str, email: &str, id: TaskId) -> Option<Task> {
    let mut found = None;
    for c in pull_changes(url, email).await {
        match c.record {
            Record::Task(t) if t.id == id => found = Some(t),
            Record::Withdrawn(w) if w.id == id.0 => found = None,
            _ => {}
        }
    }
    found
}

on_both_databases! {
    async fn who_may_take_which_work_by_role_and_state(db) {
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let np = db.storage.credentials_by_email(DEMO_NURSE_PRACTITIONER).await.expect("q").expect("np").0;
        let az_expiry = np.licenses.iter().find(|l| l.state.as_str() == "AZ").expect("AZ").expires_on;
        let patient = rounds_tests::first_patient(&server.url, DEMO_NURSE_PRACTITIONER).await;

        // Each row: who claims, a task in which queue and state, and what the server answers.
        // Physician: CA NY TX WA FL IL. NP: CA TX AZ (expiring) CO. Coordinator: no license.
        let rows: [(&str, Role, &str, Option<RejectCode>); 9] = [
            (DEMO_PHYSICIAN, Role::Physician, "TX", None),
            (DEMO_PHYSICIAN, Role::Physician, "AZ", Some(RejectCode::Forbidden)), // no AZ license
            (DEMO_PHYSICIAN, Role::NursePractitioner, "TX", Some(RejectCode::Forbidden)), // not her role
            (DEMO_NURSE_PRACTITIONER, Role::NursePractitioner, "CO", None),
            (DEMO_NURSE_PRACTITIONER, Role::NursePractitioner, "AZ", None), // expires later
            (DEMO_NURSE_PRACTITIONER, Role::NursePractitioner, "NY", Some(RejectCode::Forbidden)),
            (DEMO_NURSE_PRACTITIONER, Role::Physician, "CA", Some(RejectCode::Forbidden)),
            (DEMO_CARE_COORDINATOR, Role::CareCoordinator, "NV", None), // no license needed
            (DEMO_CARE_COORDINATOR, Role::NursePractitioner, "CA", Some(RejectCode::Forbidden)),
        ];
        for (i, (email, queue, state, expected)) in rows.iter().enumerate() {
            let id = TaskId::new_v7(Utc::now().timestamp_millis() as u64 + i as u64);
            let create = Mutation::CreateTask {
                task_id: id,
                patient_id: patient,
                task_kind: TaskKind::Outreach,
                queue: Some(*queue),
                license_state: state.parse().expect("state"),
                priority: TaskPriority::Routine,
                description: format!("row {i}"),
                focus: None,
            };
            assert_eq!(push_as(&server.url, DEMO_ADMIN_OR_COORDINATOR, &[create]).await.results[0].outcome, Outcome::Applied);
            let claim = Mutation::ClaimTask { task_id: id, base_version: 1 };
            let answer = push_as(&server.url, email, &[claim]).await;
            assert_eq!(outcome_code(&answer.results[0].outcome), *expected, "row {i}: {email} claims a {queue:?} task in {state}");
        }

        // The day after the AZ license expires, the same claim is refused.
        clock.advance(Duration::days((az_expiry - start.date_naive()).num_days() + 1));
        let id = TaskId::new_v7(Utc::now().timestamp_millis() as u64 + 100);
        let create = Mutation::CreateTask {
            task_id: id, patient_id: patient, task_kind: TaskKind::RefillRequest, queue: None,
            license_state: "AZ".parse().expect("AZ"), priority: TaskPriority::Routine, description: "after expiry".into(), focus: None,
        };
        assert_eq!(push_as(&server.url, DEMO_ADMIN_OR_COORDINATOR, &[create]).await.results[0].outcome, Outcome::Applied);
        let answer = push_as(&server.url, DEMO_NURSE_PRACTITIONER, &[Mutation::ClaimTask { task_id: id, base_version: 1 }]).await;
        match &answer.results[0].outcome {
            Outcome::Rejected { code: RejectCode::Forbidden, message, .. } => assert!(message.contains("license in AZ"), "{message}"),
            other => panic!("expected a license refusal, got {other:?}"),
        }
    }

    async fn routed_escalated_handed_off_and_completed(db) {
        let start = Utc::now().trunc_subsecs_micros();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let patient = rounds_tests::first_patient(&server.url, DEMO_NURSE_PRACTITIONER).await;
        let state: UsState = "TX".parse().expect("TX");

        // A scheduling task without a queue goes where the rules say: care coordinators.
        let id = TaskId::new_v7(Utc::now().timestamp_millis() as u64);
        let create = Mutation::CreateTask {
            task_id: id, patient_id: patient, task_kind: TaskKind::RefillRequest, queue: None,
            license_state: state, priority: TaskPriority::Routine, description: "Refill: lisinopril".into(), focus: None,
        };
        assert_eq!(push_as(&server.url, DEMO_CARE_COORDINATOR, &[create]).await.results[0].outcome, Outcome::Applied);
        let routed = task_as(&server.url, DEMO_NURSE_PRACTITIONER, id).await.expect("in the NP queue");
        assert_eq!(routed.queue, Role::NursePractitioner);
        assert_eq!(routed.due_at, start + Duration::hours(24));

        // Nobody takes it: a minute after it is due it escalates to the physicians, urgent.
        // (The seeded history has overdue work of its own; only this task is watched here.)
        db.storage.escalate_overdue(start + Duration::hours(23)).await.expect("escalate");
        assert_eq!(task_as(&server.url, DEMO_NURSE_PRACTITIONER, id).await.expect("still").version, 1, "not due yet");
        let later = start + Duration::hours(24) + Duration::minutes(1);
        assert_eq!(db.storage.escalate_overdue(later).await.expect("escalate").len(), 1, "one organisation changed");
        let up = task_as(&server.url, DEMO_PHYSICIAN, id).await.expect("in the physician queue");
        assert_eq!((up.queue, up.priority, up.version), (Role::Physician, TaskPriority::Urgent, 2));
        assert!(task_as(&server.url, DEMO_NURSE_PRACTITIONER, id).await.is_none(), "withdrawn from the NP queue");
        db.storage.escalate_overdue(later).await.expect("again");
        assert_eq!(task_as(&server.url, DEMO_PHYSICIAN, id).await.expect("t").version, 2, "once per due time");

        // The physician claims it and hands it to the NP (licensed in TX); the NP completes it.
        let (np, _) = db.storage.credentials_by_email(DEMO_NURSE_PRACTITIONER).await.expect("q").expect("np");
        let (coordinator, _) = db.storage.credentials_by_email(DEMO_CARE_COORDINATOR).await.expect("q").expect("cc");
        let claim = Mutation::ClaimTask { task_id: id, base_version: 2 };
        let to_coordinator = Mutation::HandOffTask { task_id: id, base_version: 3, to: coordinator.id, queue: Role::NursePractitioner };
        let to_np = Mutation::HandOffTask { task_id: id, base_version: 3, to: np.id, queue: Role::NursePractitioner };
        let answers = push_as(&server.url, DEMO_PHYSICIAN, &[claim, to_coordinator, to_np]).await;
        assert_eq!(answers.results[0].outcome, Outcome::Applied);
        match &answers.results[1].outcome {
            Outcome::Rejected { code: RejectCode::Forbidden, message, .. } => assert!(message.contains("cannot take it"), "{message}"),
            other => panic!("a coordinator cannot take NP work: {other:?}"),
        }
        assert_eq!(answers.results[2].outcome, Outcome::Applied);
        let handed = task_as(&server.url, DEMO_NURSE_PRACTITIONER, id).await.expect("the NP's now");
        assert_eq!((handed.owner_id, handed.queue, handed.status), (Some(np.id), Role::NursePractitioner, TaskStatus::InProgress));
        // Not the physician's to finish any more; the NP's to complete (twice is once).
        let late = push_as(&server.url, DEMO_PHYSICIAN, &[Mutation::CompleteTask { task_id: id }]).await;
        assert_eq!(outcome_code(&late.results[0].outcome), Some(RejectCode::Forbidden), "someone else's task now");
        let done = push_as(&server.url, DEMO_NURSE_PRACTITIONER, &[Mutation::CompleteTask { task_id: id }, Mutation::CompleteTask { task_id: id }]).await;
        assert!(done.results.iter().all(|r| r.outcome == Outcome::Applied));
        let finished = task_as(&server.url, DEMO_NURSE_PRACTITIONER, id).await.expect("t");
        assert_eq!(finished.status, TaskStatus::Completed);
        // Its history, oldest first: made, escalated by the server, claimed, handed on, done.
        let actions: Vec<TaskAction> = finished.history.iter().map(|e| e.action).collect();
        assert_eq!(actions, vec![TaskAction::Created, TaskAction::Escalated, TaskAction::Claimed, TaskAction::HandedOff, TaskAction::Completed]);
        assert_eq!(finished.history[1].by, None, "escalation is the server's");
        assert!(finished.history[3].note.contains("Nina Patel"), "{:?}", finished.history[3]);
        // Cancelling a completed task is refused; cancelling twice is once.
        let cancel = push_as(&server.url, DEMO_NURSE_PRACTITIONER, &[Mutation::CancelTask { task_id: id }]).await;
        assert_eq!(outcome_code(&cancel.results[0].outcome), Some(RejectCode::Invalid));

        // Routing rules are organisation data: bad ones are refused whole.
        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        let bad = serde_json::json!({"rules": [
            {"kind": "refill_request", "queue": "admin", "due_minutes": 0, "escalate_to": null},
            {"kind": "refill_request", "queue": "physician", "due_minutes": 60, "escalate_to": "physician"}
        ]});
        let response = reqwest::Client::new().put(format!("{}/admin/routing", server.url)).bearer_auth(&admin).json(&bad).send().await.expect("put");
        assert_eq!(response.status().as_u16(), 400);
        let message = response.text().await.expect("body");
        for part in ["routed twice", "no work queue", "due time", "already in"] {
            assert!(message.contains(part), "{message}");
        }
        let unknown = serde_json::json!({"rules": [{"kind": "refill_request", "queue": "pharmacist", "due_minutes": 60, "escalate_to": null}]});
        let response = reqwest::Client::new().put(format!("{}/admin/routing", server.url)).bearer_auth(&admin).json(&unknown).send().await.expect("put");
        assert_eq!(response.status().as_u16(), 422, "an unknown role does not read");
        let mut rules = rounds_domain::routing::RoutingRules::standard();
        let refill = rules.rules.iter_mut().find(|r| r.kind == TaskKind::RefillRequest).expect("rule");
        refill.queue = Role::Physician;
        refill.escalate_to = None;
        let response = reqwest::Client::new().put(format!("{}/admin/routing", server.url)).bearer_auth(&admin).json(&rules).send().await.expect("put");
        assert_eq!(response.status().as_u16(), 200);
        let id2 = TaskId::new_v7(Utc::now().timestamp_millis() as u64 + 7);
        let create = Mutation::CreateTask {
            task_id: id2, patient_id: patient, task_kind: TaskKind::RefillRequest, queue: None,
            license_state: state, priority: TaskPriority::Routine, description: "Refill: metformin".into(), focus: None,
        };
        push_as(&server.url, DEMO_CARE_COORDINATOR, &[create]).await;
        assert_eq!(task_as(&server.url, DEMO_PHYSICIAN, id2).await.expect("routed").queue, Role::Physician);
    }

    async fn the_directory_is_edited_by_administrators_and_reaches_devices(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().join("np"), server_url: server.url.clone() }, vault()).expect("open");
        ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in");
        let directory = ws.directory().expect("directory");
        assert!(directory.len() >= 4, "every practitioner of the organisation");
        let nina = directory.iter().find(|e| e.practitioner.email == DEMO_NURSE_PRACTITIONER).expect("np");
        assert_eq!(nina.supervisor_name.as_deref(), Some("Maya Chen, MD"));
        assert_eq!(nina.expiring.iter().map(|l| l.state.as_str()).collect::<Vec<_>>(), vec!["AZ"], "AZ expires within 30 days");

        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        let http = reqwest::Client::new();
        let url = format!("{}/admin/practitioners/{}", server.url, nina.practitioner.id);
        let mut update = PractitionerUpdate {
            display_name: "Nina Patel, NP".into(),
            roles: vec![Role::NursePractitioner],
            licenses: nina.practitioner.licenses.clone(),
            supervisor_id: nina.practitioner.supervisor_id,
            on_duty: false,
        };
        // Impossible: a license expiring in 1899, the same state twice, no roles.
        let mut bad = update.clone();
        bad.roles = vec![];
        bad.licenses.push(License { state: "CA".parse().expect("CA"), license_type: "APRN".into(), number: "X".into(), expires_on: NaiveDate::from_ymd_opt(1899, 1, 1).expect("d") });
        let response = http.put(&url).bearer_auth(&admin).json(&bad).send().await.expect("put");
        assert_eq!(response.status().as_u16(), 400);
        let message = response.text().await.expect("body");
        for part in ["not a possible date", "CA appears twice", "at least one role"] {
            assert!(message.contains(part), "{message}");
        }
        let doctor = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        assert_eq!(http.put(&url).bearer_auth(&doctor).json(&update).send().await.expect("put").status().as_u16(), 403);

        // A good edit: Nina adds a Washington license and goes off duty; her device learns it.
        update.licenses.push(License { state: "WA".parse().expect("WA"), license_type: "APRN".into(), number: "AP61234567".into(), expires_on: NaiveDate::from_ymd_opt(2028, 6, 30).expect("d") });
        let response = http.put(&url).bearer_auth(&admin).json(&update).send().await.expect("put");
        assert_eq!(response.status().as_u16(), 200);
        ws.sync_now().await.expect("sync");
        let nina = ws.directory().expect("directory").into_iter().find(|e| e.practitioner.email == DEMO_NURSE_PRACTITIONER).expect("np");
        assert!(!nina.practitioner.on_duty);
        assert!(nina.practitioner.licenses.iter().any(|l| l.state.as_str() == "WA"));

        // Coverage: Washington now has a licensed NP who is off duty.
        let coverage = ws.coverage().await.expect("coverage");
        let wa = coverage.iter().find(|c| c.state.as_str() == "WA").expect("WA");
        assert_eq!((wa.licensed, wa.on_duty), (2, 1), "{wa:?}"); // the physician (on duty) and Nina (off)
        let tx = coverage.iter().find(|c| c.state.as_str() == "TX").expect("TX");
        assert!(tx.licensed >= 2);

        // Queues on the device: her roles' counts and her own work.
        let view = ws.task_queue(QueueFilter::Role(Role::NursePractitioner), QueueSort::Priority, 50).expect("queue");
        assert_eq!(view.counts.iter().map(|c| c.queue).collect::<Vec<_>>(), vec![Role::NursePractitioner]);
        assert!(view.items.iter().all(|i| i.task.queue == Role::NursePractitioner && i.task.owner_id.is_none()));
        assert_eq!(ws.task_queue(QueueFilter::Role(Role::Physician), QueueSort::Due, 50).expect_err("not hers").code, ErrorCode::Forbidden);
        assert_eq!(ws.task_queue(QueueFilter::Mine, QueueSort::Due, 0).expect_err("limit").code, ErrorCode::InvalidInput);
    }
}

/// Who creates the tasks in these tables: a care coordinator (any staff member may route work).
const DEMO_ADMIN_OR_COORDINATOR: &str = DEMO_CARE_COORDINATOR;

trait Micros {
    fn trunc_subsecs_micros(self) -> Self;
}

impl Micros for chrono::DateTime<Utc> {
    fn trunc_subsecs_micros(self) -> Self {
        chrono::SubsecRound::trunc_subsecs(self, 6)
    }
}
