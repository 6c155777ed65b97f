//! Sync (docs/sync.md) over loopback HTTP, on SQLite and PostgreSQL: the server's push/pull
//! protocol, then whole devices (rounds-client workspaces) editing apart and converging.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use rounds_client::{Config, Workspace};
use rounds_domain::api::SignInResponse;
use rounds_domain::sync::*;
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_server::storage::CareTeam;
use rounds_server::AppState;
use rounds_tests::{on_both_databases, vault, Db, TestServer};
use serde_json::json;
use std::collections::HashSet;

/// A signed-in HTTP client for the sync endpoints, standing in for one device.
struct Device {
    http: reqwest::Client,
    url: String,
    token: String,
    id: DeviceId,
    next_seq: i64,
}

impl Device {
    async fn sign_in(url: &str, email: &str) -> Device {
        let http = reqwest::Client::new();
        let resp = http
            .post(format!("{url}/auth/sign-in"))
            .json(&json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(resp.status(), StatusCode::OK);
        let token = resp.json::<SignInResponse>().await.expect("json").token;
        Device { http, url: url.into(), token, id: DeviceId::new_v7(1), next_seq: 1 }
    }

    fn command(&mut self, mutation: Mutation) -> Command {
        let c = Command {
            client_seq: self.next_seq,
            mutation_id: uuid::Uuid::now_v7(),
            schema_version: COMMAND_SCHEMA_VERSION,
            mutation,
        };
        self.next_seq += 1;
        c
    }

    async fn push_raw(&self, commands: &[Command]) -> reqwest::Response {
        self.http
            .post(format!("{}/sync/push", self.url))
            .bearer_auth(&self.token)
            .json(&PushRequest { device_id: self.id, commands: commands.to_vec() })
            .send()
            .await
            .expect("push")
    }

    async fn push(&self, commands: &[Command]) -> PushResponse {
        let resp = self.push_raw(commands).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("push json")
    }

    async fn pull(&self, cursor: i64, limit: u32) -> PullResponse {
        let resp = self
            .http
            .get(format!("{}/sync/pull?cursor={cursor}&limit={limit}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("pull");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("pull json")
    }

    async fn pull_all(&self) -> (Vec<Change>, i64) {
        let (mut all, mut cursor) = (Vec::new(), 0);
        loop {
            let page = self.pull(cursor, 97).await;
            assert!(page.cursor >= cursor, "cursors only move forward");
            cursor = page.cursor;
            all.extend(page.changes);
            if !page.more {
                return (all, cursor);
            }
        }
    }
}

async fn a_patient(dev: &Device) -> Patient {
    let (changes, _) = dev.pull_all().await;
    changes
        .into_iter()
        .find_map(|c| match c.record {
            Record::Patient(p) => Some(p),
            _ => None,
        })
        .expect("a patient in scope")
}

fn edit(patient: &Patient, field: PatientField, value: serde_json::Value) -> Mutation {
    Mutation::EditPatient {
        patient_id: patient.id,
        changes: vec![FieldChange { field, base: patient_field(patient, field), value }],
    }
}

async fn seeded(db: &Db) -> TestServer {
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    TestServer::start_with(db.storage.clone(), None).await
}

on_both_databases! {
    async fn the_same_batch_pushed_twice_at_once_is_applied_once(db) {
        let server = seeded(&db).await;
        let mut dev = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        let patient = a_patient(&dev).await;
        let (_, before) = dev.pull_all().await;
        let batch = [
            dev.command(edit(&patient, PatientField::Email, json!("twice@example.com"))),
            dev.command(edit(&patient, PatientField::Phone, json!("+14155550142"))),
        ];
        // A retry racing the original (a client that timed out and pushed again at once).
        let (first, second) = tokio::join!(dev.push(&batch), dev.push(&batch));
        assert_eq!(first.results, second.results, "both answers are the stored answer");
        assert!(first.results.iter().all(|r| r.outcome == Outcome::Applied));
        assert_eq!((first.last_seq, second.last_seq), (2, 2));
        let (changes, after) = dev.pull_all().await;
        let edits = changes.iter().filter(|c| matches!(&c.record, Record::Patient(p) if p.id == patient.id) && c.position > before).count();
        assert_eq!(edits, 2, "two commands, two changes: nothing applied twice");
        assert!(after > before);
    }

    async fn pull_returns_the_scope_once_in_commit_order(db) {
        let server = seeded(&db).await;
        let physician = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        let (changes, cursor) = physician.pull_all().await;
        let positions: Vec<i64> = changes.iter().map(|c| c.position).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "strictly increasing positions");
        let patients: HashSet<PatientId> = changes
            .iter()
            .filter_map(|c| match &c.record { Record::Patient(p) => Some(p.id), _ => None })
            .collect();
        assert_eq!(patients.len(), seed::DEMO_PATIENTS);
        assert!(changes.iter().any(|c| matches!(c.record, Record::Message(_))));
        assert!(changes.iter().any(|c| matches!(c.record, Record::Task(_))));
        assert!(changes.iter().any(|c| matches!(c.record, Record::Encounter(_))));
        // Caught up: nothing more, and the cursor stays.
        let again = physician.pull(cursor, 100).await;
        assert!(again.changes.is_empty());
        assert_eq!(again.cursor, cursor);
        // Bad cursors and limits are refused.
        for q in ["cursor=-1", "cursor=0&limit=0", "cursor=0&limit=5000", "limit=5", "cursor=abc"] {
            let resp = physician.http.get(format!("{}/sync/pull?{q}", server.url)).bearer_auth(&physician.token).send().await.expect("send");
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
        }
    }

    async fn a_retried_push_applies_once_and_gets_the_same_answer(db) {
        let server = seeded(&db).await;
        let mut dev = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        let patient = a_patient(&dev).await;
        let (_, head_before) = dev.pull_all().await;
        let cmd = dev.command(edit(&patient, PatientField::Phone, json!("+14155550188")));
        let first = dev.push(std::slice::from_ref(&cmd)).await;
        assert_eq!(first.results[0].outcome, Outcome::Applied);
        // The acknowledgement was "lost": the device sends the same command again.
        let second = dev.push(std::slice::from_ref(&cmd)).await;
        assert_eq!(second.results, first.results);
        let (changes, _) = dev.pull_all().await;
        let edits: Vec<&Patient> = changes
            .iter()
            .filter(|c| c.position > head_before)
            .filter_map(|c| match &c.record { Record::Patient(p) if p.id == patient.id => Some(p), _ => None })
            .collect();
        assert_eq!(edits.len(), 1, "applied exactly once");
        assert_eq!(edits[0].version, patient.version + 1);
        assert_eq!(edits[0].phone.as_deref(), Some("+14155550188"));

        // A gap (seq 3 when 1 is the last applied) is refused as a whole.
        let mut skipped = dev.command(edit(&patient, PatientField::Email, json!("x@example.com")));
        skipped.client_seq = 3;
        let resp = dev.push_raw(&[skipped]).await;
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert_eq!(resp.json::<ErrorBody>().await.expect("json").code, ErrorCode::SyncGap);
        // Out-of-order batches are malformed.
        let a = Command { client_seq: 2, ..cmd.clone() };
        let b = Command { client_seq: 4, ..cmd.clone() };
        assert_eq!(dev.push_raw(&[a, b]).await.status(), StatusCode::BAD_REQUEST);
    }

    async fn different_fields_merge_and_the_same_field_conflicts(db) {
        let server = seeded(&db).await;
        let mut a = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        let mut b = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        b.id = DeviceId::new_v7(2);
        let patient = a_patient(&a).await;

        let a1 = a.command(edit(&patient, PatientField::Phone, json!("+14155550177")));
        let b1 = b.command(edit(&patient, PatientField::CurrentState, json!("NV")));
        assert_eq!(a.push(&[a1]).await.results[0].outcome, Outcome::Applied);
        assert_eq!(b.push(&[b1]).await.results[0].outcome, Outcome::Applied);

        // B edits the phone from the value it saw before A's edit: a conflict, nothing applied.
        let b2 = b.command(edit(&patient, PatientField::Phone, json!("+14155550166")));
        let result = b.push(&[b2]).await.results.remove(0);
        let Outcome::Rejected { code, conflicts, .. } = &result.outcome else { panic!("expected a conflict") };
        assert_eq!(*code, RejectCode::Conflict);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].theirs, json!("+14155550177"));
        assert_eq!(conflicts[0].ours, json!("+14155550166"));
        let Some(Record::Patient(current)) = &result.current else { panic!("the server's copy comes back") };
        assert_eq!(current.phone.as_deref(), Some("+14155550177"));
        assert_eq!(current.current_state.as_str(), "NV");
        assert_eq!(current.version, patient.version + 2);
    }

    async fn one_claim_wins_a_race_for_a_task(db) {
        let server = seeded(&db).await;
        let (physician, _) = db.storage.credentials_by_email(DEMO_PHYSICIAN).await.expect("q").expect("physician");
        let second = Practitioner {
            id: PractitionerId::new_v7(9),
            organization_id: physician.organization_id,
            display_name: "Omar Haddad, MD".into(),
            email: "omar.haddad@demo.rounds.health".into(),
            roles: vec![Role::Physician],
            licenses: physician.licenses.clone(),
            supervisor_id: None,
            on_duty: false,
        };
        let hash = rounds_server::auth::hash_password(DEMO_PASSWORD).expect("hash");
        db.storage.insert_practitioner(&second, &hash).await.expect("second physician");
        let team = CareTeam { id: CareTeamId::new_v7(9), organization_id: physician.organization_id, name: "Race".into(), members: vec![physician.id, second.id] };
        db.storage.insert_care_team(&team).await.expect("team");
        let mut patient = a_patient(&Device::sign_in(&server.url, DEMO_PHYSICIAN).await).await;
        patient.id = PatientId::new_v7(9);
        patient.mrn = "7700001".into();
        patient.current_state = "CA".parse().expect("CA");
        db.storage.insert_patient(physician.organization_id, team.id, &patient, Utc::now()).await.expect("patient");
        let task = Task {
            id: TaskId::new_v7(9),
            kind: TaskKind::LabFollowUp,
            patient_id: patient.id,
            queue: Role::Physician,
            license_state: "CA".parse().expect("CA"),
            priority: TaskPriority::Urgent,
            status: TaskStatus::Ready,
            owner_id: None,
            description: "Potassium 6.1: repeat and call".into(),
            due_at: Utc::now() + Duration::hours(2),
            version: 1,
            focus: None,
            history: vec![],
        };
        db.storage.insert_task(physician.organization_id, &task, Utc::now()).await.expect("task");

        let mut one = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        let mut two = Device::sign_in(&server.url, "omar.haddad@demo.rounds.health").await;
        two.id = DeviceId::new_v7(3);
        let c1 = one.command(Mutation::ClaimTask { task_id: task.id, base_version: 1 });
        let c2 = two.command(Mutation::ClaimTask { task_id: task.id, base_version: 1 });
        let (b1, b2) = ([c1], [c2]);
        let (r1, r2) = tokio::join!(one.push(&b1), two.push(&b2));
        let outcomes = [&r1.results[0].outcome, &r2.results[0].outcome];
        assert_eq!(outcomes.iter().filter(|o| ***o == Outcome::Applied).count(), 1, "exactly one owner");
        assert_eq!(
            outcomes.iter().filter(|o| matches!(o, Outcome::Rejected { code: RejectCode::AlreadyClaimed, .. })).count(),
            1,
            "the other is told it lost"
        );
        let (changes, _) = one.pull_all().await;
        let owners: HashSet<Option<PractitionerId>> = changes
            .iter()
            .filter_map(|c| match &c.record { Record::Task(t) if t.id == task.id && t.status == TaskStatus::InProgress => Some(t.owner_id), _ => None })
            .collect();
        assert_eq!(owners.len(), 1);

        // The NP may not claim a physician's task (role), nor complete the owner's.
        let mut np = Device::sign_in(&server.url, DEMO_NURSE_PRACTITIONER).await;
        np.id = DeviceId::new_v7(4);
        let c3 = np.command(Mutation::CompleteTask { task_id: task.id });
        let r3 = np.push(&[c3]).await;
        assert!(matches!(r3.results[0].outcome, Outcome::Rejected { code: RejectCode::NotFound, .. }), "outside the NP's care teams: {:?}", r3.results[0].outcome);
    }

    async fn messages_are_insert_only_by_client_id(db) {
        let server = seeded(&db).await;
        let mut dev = Device::sign_in(&server.url, DEMO_NURSE_PRACTITIONER).await;
        let (changes, _) = dev.pull_all().await;
        let thread = changes
            .iter()
            .find_map(|c| match &c.record { Record::Thread(t) if t.status != ThreadStatus::Closed => Some(t.clone()), _ => None })
            .expect("an open thread");
        let message_id = MessageId::new_v7(5);
        let post = |body: &str| Mutation::PostMessage { message_id, thread_id: thread.id, body: body.into() };
        let c1 = dev.command(post("Please keep her hydrated; I will call at 3pm."));
        let c2 = dev.command(post("Please keep her hydrated; I will call at 3pm."));
        let c3 = dev.command(post("A different text under the same id"));
        let c4 = dev.command(Mutation::PostMessage { message_id: MessageId::new_v7(6), thread_id: thread.id, body: "   ".into() });
        let results = dev.push(&[c1, c2, c3, c4]).await.results;
        assert_eq!(results[0].outcome, Outcome::Applied);
        assert_eq!(results[1].outcome, Outcome::Applied, "the same message again is the same message");
        assert!(matches!(results[2].outcome, Outcome::Rejected { code: RejectCode::Invalid, .. }));
        assert!(matches!(results[3].outcome, Outcome::Rejected { code: RejectCode::Invalid, .. }));
        let (changes, _) = dev.pull_all().await;
        let copies: Vec<&Message> = changes.iter().filter_map(|c| match &c.record { Record::Message(m) if m.id == message_id => Some(m), _ => None }).collect();
        assert_eq!(copies.len(), 1);
        let (np, _) = db.storage.credentials_by_email(DEMO_NURSE_PRACTITIONER).await.expect("q").expect("np");
        assert_eq!(copies[0].author_id, Some(np.id), "the author is who pushed it");
        assert_eq!(copies[0].direction, MessageDirection::Outbound);
    }

    async fn unknown_command_versions_and_foreign_devices_are_refused(db) {
        let server = seeded(&db).await;
        let mut dev = Device::sign_in(&server.url, DEMO_PHYSICIAN).await;
        let patient = a_patient(&dev).await;
        let mut cmd = dev.command(edit(&patient, PatientField::Email, json!("new@example.com")));
        cmd.schema_version = COMMAND_SCHEMA_VERSION + 1;
        let result = dev.push(&[cmd]).await.results.remove(0);
        assert!(matches!(result.outcome, Outcome::Rejected { code: RejectCode::UnsupportedSchema, .. }), "rejected with a reason, never dropped");

        // Older formats are read and converted; a command the server cannot read is refused
        // with the reason, in its place, and the commands after it still apply.
        let v1 = dev.command(edit(&patient, PatientField::Email, json!("v1@example.com")));
        let mut v1 = serde_json::to_value(&v1).expect("json");
        v1["schema_version"] = json!(1);
        let sign = dev.command(Mutation::SignEncounter { encounter_id: EncounterId::new_v7(1), content_hash: "00".into() });
        let mut sign_v1 = serde_json::to_value(&sign).expect("json");
        sign_v1["schema_version"] = json!(1);
        let unknown = dev.command(edit(&patient, PatientField::Email, json!("x@example.com")));
        let mut unknown = serde_json::to_value(&unknown).expect("json");
        unknown["mutation"] = json!({"kind": "teleport_patient", "patient_id": patient.id});
        let garbled = dev.command(edit(&patient, PatientField::Email, json!("y@example.com")));
        let mut garbled = serde_json::to_value(&garbled).expect("json");
        garbled["mutation"]["changes"] = json!("not a list");
        let after = dev.command(edit(&patient, PatientField::Phone, json!("+14155550199")));
        let body = json!({"device_id": dev.id, "commands": [v1, sign_v1, unknown, garbled, after]});
        let response: PushResponse = dev
            .http
            .post(format!("{}/sync/push", dev.url))
            .bearer_auth(&dev.token)
            .json(&body)
            .send()
            .await
            .expect("push")
            .json()
            .await
            .expect("answer");
        let outcomes: Vec<&Outcome> = response.results.iter().map(|r| &r.outcome).collect();
        assert_eq!(outcomes[0], &Outcome::Applied, "a format-1 command is read as format 2");
        let reason = |o: &Outcome| match o {
            Outcome::Rejected { code: RejectCode::Invalid, message, .. } => message.clone(),
            other => panic!("expected an invalid-command refusal, got {other:?}"),
        };
        assert!(reason(outcomes[1]).contains("'sign_encounter' is not a command of format 1"));
        assert!(reason(outcomes[2]).contains("'teleport_patient' is not a command of format 3"));
        assert!(reason(outcomes[3]).contains("cannot read this command"));
        assert_eq!(outcomes[4], &Outcome::Applied, "the commands after a refused one still apply");
        assert_eq!(response.last_seq, dev.next_seq - 1, "every command answered, none dropped");
        let (changes, _) = dev.pull_all().await;
        let now = changes.iter().rev().find_map(|c| match &c.record { Record::Patient(p) if p.id == patient.id => Some(p.clone()), _ => None }).expect("patient");
        assert_eq!((now.email.as_deref(), now.phone.as_deref()), (Some("v1@example.com"), Some("+14155550199")));

        // Another user presenting this device id is refused.
        let mut np = Device::sign_in(&server.url, DEMO_NURSE_PRACTITIONER).await;
        np.id = dev.id;
        let c = np.command(edit(&patient, PatientField::Email, json!("np@example.com")));
        assert_eq!(np.push_raw(&[c]).await.status(), StatusCode::FORBIDDEN);
    }

    async fn two_devices_edit_apart_and_converge(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let device = |name: &str| Config { data_dir: dir.path().join(name), server_url: server.url.clone() };
        let a = Workspace::open(&device("a"), vault()).expect("open a");
        let b = Workspace::open(&device("b"), vault()).expect("open b");
        a.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("a signs in");
        b.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("b signs in");
        let shared = b.search_patients("", 200).expect("b's patients")[0].clone();
        let id = shared.id.to_string();

        // Both edit while apart (no sync in between): different fields, and one field both.
        let fe = |field, value| FieldEdit { field, value };
        a.edit_patient(&id, &[fe(PatientField::Phone, json!("+14155550155")), fe(PatientField::Email, json!("a@example.com"))]).expect("a edits");
        b.edit_patient(&id, &[fe(PatientField::CurrentState, json!("NV")), fe(PatientField::Email, json!("b@example.com"))]).expect("b edits");
        assert_eq!(a.sync_status().expect("status").pending, 1);
        assert_eq!(a.patient(&id).expect("local").phone.as_deref(), Some("+14155550155"), "the edit shows at once");

        let report_b = b.sync_now().await.expect("b syncs first");
        assert_eq!((report_b.pushed, report_b.rejected), (1, 0));
        let report_a = a.sync_now().await.expect("a syncs");
        // a pushes its edit and the read it noted when it looked at the patient.
        assert_eq!((report_a.pushed, report_a.rejected), (2, 1), "a's edit touched the email b had changed");
        b.sync_now().await.expect("b catches up");

        let on_a = a.patient(&id).expect("a");
        let on_b = b.patient(&id).expect("b");
        assert_eq!(on_a, on_b, "converged");
        assert_eq!(on_a.current_state.as_str(), "NV");
        assert_eq!(on_a.email.as_deref(), Some("b@example.com"), "the first to reach the server kept the field");
        assert_eq!(on_a.phone.as_deref(), shared.phone.as_deref(), "a's whole edit was refused: nothing half-applied");
        let rejected = a.rejected_changes().expect("rejected");
        assert_eq!(rejected.len(), 1);
        let Outcome::Rejected { code: RejectCode::Conflict, conflicts, .. } = &rejected[0].outcome else { panic!("conflict") };
        assert_eq!(conflicts[0].field, PatientField::Email);
        assert_eq!(a.sync_status().expect("status").pending, 0);
        assert_eq!(a.sync_status().expect("status").rejected, 1);
        a.dismiss_rejected(rejected[0].client_seq).expect("dismiss");
        assert_eq!(a.sync_status().expect("status").rejected, 0);
        assert_eq!(a.dismiss_rejected(rejected[0].client_seq).expect_err("twice").code, ErrorCode::NotFound);

        // Bad edits are refused locally and queue nothing.
        for (field, value) in [(PatientField::CurrentState, json!("XX")), (PatientField::GivenName, json!(""))] {
            assert_eq!(a.edit_patient(&id, &[fe(field, value)]).expect_err("bad").code, ErrorCode::InvalidInput);
        }
        assert_eq!(a.edit_patient("nope", &[fe(PatientField::Email, json!("x@y.z"))]).expect_err("id").code, ErrorCode::InvalidInput);
        assert_eq!(a.sync_status().expect("status").pending, 0);
    }

    async fn a_reply_written_offline_is_sent_once_when_back(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let addr = server.addr;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = Config { data_dir: dir.path().join("np"), server_url: server.url.clone() };
        let np = Workspace::open(&cfg, vault()).expect("open");
        np.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect("sign in");
        let thread = np.open_threads(10).expect("threads").first().expect("an open thread on the NP's device").id;
        let messages_before = db.storage.counts().await.expect("counts").messages;

        server.stop().await;
        let message = np.post_message(&thread.to_string(), "Fever under 102 with fluids is fine; call if it climbs.").expect("written offline");
        let err = np.sync_now().await.expect_err("offline");
        assert_eq!(err.code, ErrorCode::ServerUnreachable);
        let status = np.sync_status().expect("status");
        assert_eq!(status.pending, 1);
        assert!(status.offline_since.is_some());

        let _back = TestServer::start_on(AppState::new(db.storage.clone()), addr).await;
        let report = np.sync_now().await.expect("back online");
        assert_eq!((report.pushed, report.rejected), (1, 0));
        np.sync_now().await.expect("again: nothing to send");
        let status = np.sync_status().expect("status");
        assert_eq!((status.pending, status.offline_since), (0, None));

        // The server holds it exactly once, under the device's id.
        let dev = Device::sign_in(&format!("http://{addr}"), DEMO_NURSE_PRACTITIONER).await;
        let (changes, _) = dev.pull_all().await;
        let copies = changes.iter().filter(|c| matches!(&c.record, Record::Message(m) if m.id == message.id)).count();
        assert_eq!(copies, 1);
        assert_eq!(db.storage.counts().await.expect("counts").messages, messages_before + 1);
    }
}
