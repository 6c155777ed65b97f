//! Model-based sync test: three devices (two of a physician's, one of a nurse practitioner's)
//! and the real server, driven by random edits, replies, task claims and completions, syncs,
//! restarts and reconnects, with device clocks skewed by years. A serial reference model of the
//! server (the same domain rules, applied in the order the pushes arrive) predicts every
//! outcome. At the end every device is back online and synced, and:
//! - every queued command was applied exactly once or visibly refused (the server's watermark
//!   for each device equals the commands it queued; refusals match the model's);
//! - the server's patients, tasks and message count equal the model's (no duplicates);
//! - every device holds exactly the server's records (convergence);
//! - a task has one owner at most, and cursors only moved forward.
//!
//! Cases per backend: ROUNDS_SYNC_MODEL_CASES (default 3), operations per case:
//! ROUNDS_SYNC_MODEL_OPS (default 60). A failure prints its seed; rerun it with
//! ROUNDS_SYNC_MODEL_SEED.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rounds_client::{Config, Workspace};
use rounds_domain::sync::*;
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, pull_changes, vault, watermark, Db, TestServer};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The server as the model sees it.
#[derive(Clone, Default)]
struct ServerModel {
    patients: BTreeMap<PatientId, Patient>,
    tasks: BTreeMap<TaskId, Task>,
    threads: BTreeMap<ThreadId, Thread>,
    messages: usize,
}

impl ServerModel {
    /// What the server does with one command (mirrors crates/server/src/storage/sql.rs).
    fn apply(&mut self, who: &Practitioner, m: &Mutation, today: chrono::NaiveDate) -> bool {
        match m {
            Mutation::EditPatient { patient_id, changes } => {
                let current = &self.patients[patient_id];
                match apply_patient_changes(current, changes) {
                    Ok(mut next) => {
                        if &next != current {
                            next.version = current.version + 1;
                            self.patients.insert(*patient_id, next);
                        }
                        true
                    }
                    Err(_) => false,
                }
            }
            Mutation::PostMessage { .. } => {
                self.messages += 1;
                true
            }
            Mutation::ClaimTask { task_id, base_version } => {
                match tasks::claim(&self.tasks[task_id], who, *base_version, today) {
                    Ok(next) => {
                        self.tasks.insert(*task_id, next);
                        true
                    }
                    Err(_) => false,
                }
            }
            Mutation::CompleteTask { task_id } => match tasks::complete(&self.tasks[task_id], who, today) {
                Ok(next) => {
                    self.tasks.insert(*task_id, next);
                    true
                }
                Err(_) => false,
            },
            other => panic!("the model does not generate {other:?}"),
        }
    }
}

struct Client {
    name: &'static str,
    email: &'static str,
    cfg: Config,
    skew: Duration,
    ws: Workspace,
    who: Practitioner,
    online: bool,
    /// The model of this device's cache: the server as of its last sync, plus its own edits.
    view_patients: BTreeMap<PatientId, Patient>,
    view_tasks: BTreeMap<TaskId, Task>,
    pending: Vec<Mutation>,
    queued: i64,
    refused: usize,
    last_cursor: i64,
}

fn open(cfg: &Config, skew: Duration) -> Workspace {
    let clock: rounds_client::Clock = Arc::new(move || Utc::now() + skew);
    Workspace::open_with_clock(cfg, vault(), clock).expect("open workspace")
}

impl Client {
    /// The model's half of a successful sync: the pending commands reach the server in order.
    fn synced(&mut self, server: &mut ServerModel, today: chrono::NaiveDate) {
        for m in self.pending.drain(..) {
            if !server.apply(&self.who, &m, today) {
                self.refused += 1;
            }
        }
        self.view_patients = server.patients.clone();
        self.view_tasks = server.tasks.clone();
    }

    fn check_cursor(&mut self) {
        let cursor = self.ws.sync_state().expect("state").cursor;
        assert!(cursor >= self.last_cursor, "{}: cursor went back from {} to {cursor}", self.name, self.last_cursor);
        self.last_cursor = cursor;
    }
}

const PHONES: [&str; 3] = ["+14155550101", "+14155550102", "+14155550103"];
const EMAILS: [&str; 3] = ["one@example.com", "two@example.com", "three@example.com"];
const STATES: [&str; 4] = ["CA", "TX", "NV", "AZ"];
const FAMILY: [&str; 2] = ["Okafor", "Okafor-Lee"];

fn random_edit(rng: &mut StdRng) -> (PatientField, Value) {
    match rng.gen_range(0..5) {
        0 => (PatientField::Phone, json!(PHONES[rng.gen_range(0..3)])),
        1 => (PatientField::Email, json!(EMAILS[rng.gen_range(0..3)])),
        2 => (PatientField::CurrentState, json!(STATES[rng.gen_range(0..4)])),
        3 => (PatientField::PreferredChannel, json!(["sms", "chat", "phone"][rng.gen_range(0..3)])),
        _ => (PatientField::FamilyName, json!(FAMILY[rng.gen_range(0..2)])),
    }
}

/// Everything the server holds now, as the physician (whose care teams cover all patients).
async fn server_truth(url: &str) -> (BTreeMap<PatientId, Patient>, BTreeMap<TaskId, Task>) {
    let (mut patients, mut tasks) = (BTreeMap::new(), BTreeMap::new());
    for c in pull_changes(url, DEMO_PHYSICIAN).await {
        match c.record {
            Record::Patient(p) => {
                patients.insert(p.id, p);
            }
            Record::Task(t) => {
                tasks.insert(t.id, t);
            }
            _ => {}
        }
    }
    (patients, tasks)
}

async fn run_case(db: &Db, seed_value: u64, ops: u64) {
    let mut rng = StdRng::seed_from_u64(seed_value);
    let now: DateTime<Utc> = Utc::now();
    let today = now.date_naive();
    seed::demo(db.storage.as_ref(), now).await.expect("seed");
    let server = TestServer::start_with(db.storage.clone(), None).await;
    let seeded_messages = db.storage.counts().await.expect("counts").messages as usize;

    let (patients, tasks) = server_truth(&server.url).await;
    let mut model = ServerModel { patients, tasks, threads: BTreeMap::new(), messages: seeded_messages };
    let targets: Vec<PatientId> = model.patients.keys().copied().take(4).collect();
    let task_ids: Vec<TaskId> = model.tasks.keys().copied().collect();

    let dir = tempfile::tempdir().expect("dir");
    let specs = [
        ("physician-laptop", DEMO_PHYSICIAN, Duration::days(-3 * 365)),
        ("physician-tablet", DEMO_PHYSICIAN, Duration::days(2 * 365)),
        ("np-laptop", DEMO_NURSE_PRACTITIONER, Duration::minutes(7)),
    ];
    let mut clients = Vec::new();
    for (name, email, skew) in specs {
        let cfg = Config { data_dir: dir.path().join(name), server_url: server.url.clone() };
        let ws = open(&cfg, skew);
        let session = ws.sign_in(email, DEMO_PASSWORD).await.expect("sign in");
        let mut c = Client {
            name,
            email,
            cfg,
            skew,
            ws,
            who: session.practitioner,
            online: true,
            view_patients: BTreeMap::new(),
            view_tasks: BTreeMap::new(),
            pending: vec![],
            queued: 0,
            refused: 0,
            last_cursor: 0,
        };
        c.synced(&mut model, today);
        c.check_cursor();
        clients.push(c);
    }
    for thread in clients[2].ws.open_threads(50).expect("threads") {
        model.threads.insert(thread.id, thread);
    }
    let threads: Vec<ThreadId> = model.threads.keys().copied().collect();

    for step in 0..ops {
        let c = &mut clients[rng.gen_range(0..3)];
        let roll = rng.gen_range(0..100);
        let context = format!("seed {seed_value}, step {step}, {}", c.name);
        match roll {
            0..=34 => {
                let id = targets[rng.gen_range(0..targets.len())];
                let edits: Vec<(PatientField, Value)> =
                    (0..rng.gen_range(1..=2)).map(|_| random_edit(&mut rng)).collect();
                let mut dedup: Vec<(PatientField, Value)> = Vec::new();
                for (f, v) in edits {
                    if !dedup.iter().any(|(g, _)| *g == f) {
                        dedup.push((f, v));
                    }
                }
                let view = c.view_patients[&id].clone();
                let changes: Vec<FieldChange> = dedup
                    .iter()
                    .map(|(f, v)| FieldChange { field: *f, base: patient_field(&view, *f), value: v.clone() })
                    .collect();
                let next = apply_patient_changes(&view, &changes).expect("edits of the local view apply");
                let edits: Vec<FieldEdit> =
                    dedup.iter().map(|(f, v)| FieldEdit { field: *f, value: v.clone() }).collect();
                let shown = c.ws.edit_patient(&id.to_string(), &edits).expect(&context);
                assert_eq!(shown, next, "{context}: the edit shows as the model predicts");
                if next != view {
                    c.pending.push(Mutation::EditPatient { patient_id: id, changes });
                    c.queued += 1;
                    c.view_patients.insert(id, next);
                }
            }
            35..=44 if !threads.is_empty() => {
                let thread = threads[rng.gen_range(0..threads.len())];
                let body = format!("Reply {step} from {}", c.name);
                let m = c.ws.post_message(&thread.to_string(), &body).expect(&context);
                c.pending.push(Mutation::PostMessage { message_id: m.id, thread_id: thread, body });
                c.queued += 1;
            }
            45..=59 if !task_ids.is_empty() => {
                let id = task_ids[rng.gen_range(0..task_ids.len())];
                let mutation = if rng.gen_bool(0.7) {
                    c.ws.claim_task(&id.to_string()).expect(&context);
                    Mutation::ClaimTask { task_id: id, base_version: c.view_tasks[&id].version }
                } else {
                    c.ws.complete_task(&id.to_string()).expect(&context);
                    Mutation::CompleteTask { task_id: id }
                };
                c.pending.push(mutation);
                c.queued += 1;
            }
            60..=84 => {
                if c.online {
                    c.ws.sync_now().await.expect(&context);
                    c.synced(&mut model, today);
                    c.check_cursor();
                } else {
                    let err = c.ws.sync_now().await.expect_err(&context);
                    assert_eq!(err.code, ErrorCode::Unauthorized, "{context}");
                }
            }
            85..=92 => {
                // The app is killed and started again: the outbox must survive; the server
                // session does not (it lives in memory).
                let replacement = open(&c.cfg, c.skew);
                c.ws = replacement;
                c.online = false;
                assert_eq!(
                    c.ws.sync_state().expect("state").pending as usize,
                    c.pending.len(),
                    "{context}: outbox kept"
                );
            }
            _ => {
                if !c.online {
                    c.ws.sign_in(c.email, DEMO_PASSWORD).await.expect(&context);
                    c.online = true;
                    c.synced(&mut model, today);
                    c.check_cursor();
                }
            }
        }
    }

    // Everyone comes back and syncs twice (the second round brings the others' last changes).
    for round in 0..2 {
        for c in clients.iter_mut() {
            if !c.online {
                c.ws.sign_in(c.email, DEMO_PASSWORD).await.expect("reconnect");
                c.online = true;
            } else {
                c.ws.sync_now().await.expect("final sync");
            }
            if round == 0 {
                c.synced(&mut model, today);
            }
            c.check_cursor();
        }
    }

    let (truth_patients, truth_tasks) = server_truth(&server.url).await;
    for id in &targets {
        assert_eq!(truth_patients[id], model.patients[id], "seed {seed_value}: server patient matches the model");
    }
    for (id, task) in &model.tasks {
        assert_eq!(&truth_tasks[id], task, "seed {seed_value}: server task matches the model");
        if task.status == TaskStatus::Ready {
            assert_eq!(task.owner_id, None);
        }
    }
    assert_eq!(
        db.storage.counts().await.expect("counts").messages as usize,
        model.messages,
        "seed {seed_value}: no duplicate or lost messages"
    );

    let queued: i64 = clients.iter().map(|c| c.queued).sum();
    let refused: usize = clients.iter().map(|c| c.refused).sum();
    eprintln!(
        "seed {seed_value}: {queued} commands queued, {refused} refused, {} messages",
        model.messages - seeded_messages
    );
    assert!(queued > 0, "the case exercised nothing");

    let mut owners: HashMap<TaskId, PractitionerId> = HashMap::new();
    for c in &clients {
        let state = c.ws.sync_state().expect("state");
        assert_eq!(state.pending, 0, "seed {seed_value}: {} has nothing left to send", c.name);
        assert_eq!(
            state.rejected as usize, c.refused,
            "seed {seed_value}: {} shows the refusals the model predicts",
            c.name
        );
        assert_eq!(
            watermark(&server.url, c.email, state.device_id).await,
            c.queued,
            "seed {seed_value}: {}: each command applied once",
            c.name
        );
        for id in &targets {
            assert_eq!(
                c.ws.patient(&id.to_string()).expect("patient"),
                truth_patients[id],
                "seed {seed_value}: {} converged",
                c.name
            );
        }
        for (id, task) in &truth_tasks {
            assert_eq!(
                &c.ws.task(&id.to_string()).expect("task"),
                task,
                "seed {seed_value}: {} has the server's task",
                c.name
            );
            if let Some(owner) = task.owner_id {
                assert_eq!(*owners.entry(*id).or_insert(owner), owner, "one owner per task");
            }
        }
    }
}

on_both_databases! {
    async fn devices_converge_on_the_serial_model(db) {
        let cases = env_or("ROUNDS_SYNC_MODEL_CASES", 3);
        let ops = env_or("ROUNDS_SYNC_MODEL_OPS", 60);
        let first = env_or("ROUNDS_SYNC_MODEL_SEED", 0x5eed);
        let _ = &db;
        for case in 0..cases {
            // A fresh database per case keeps the cases independent.
            let db = Db::new(db.backend).await;
            run_case(&db, first + case, ops).await;
        }
    }
}
