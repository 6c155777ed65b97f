//! Sync benchmarks over loopback (run by `make bench` in release mode):
//! - initial sync of 100,000 records into a fresh device (SQLite server);
//! - propagation of one reply from device A through the server to device B, with the poke;
//! - server push throughput (EditPatient commands per second) on PostgreSQL and SQLite.
//!
//! PostgreSQL comes from DATABASE_URL (`make bench` starts a throwaway cluster).

use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rounds_client::{Config, MemoryVault, Workspace};
use rounds_domain::sync::*;
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_server::storage::CareTeam;
use rounds_tests::{Backend, Db, TestServer};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RECORDS: usize = 100_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[allow(clippy::print_stdout)]
fn row(metric: &str, workload: &str, median: &str, p95: &str, target: &str) {
    println!("| {metric} | {workload} | {median} | {p95} | {target} |");
}

fn synthetic_patient(rng: &mut StdRng, i: usize) -> Patient {
    const GIVEN: [&str; 8] = ["Ava", "Liam", "Maya", "Noah", "Sofia", "Omar", "Priya", "Kai"];
    const FAMILY: [&str; 8] = ["Nguyen", "Okafor", "Garcia", "Kim", "Haddad", "Rossi", "Singh", "Walker"];
    Patient {
        id: PatientId::new_v7(1_700_000_000_000 + i as u64),
        mrn: format!("{}", 20_000_000 + i),
        given_name: GIVEN[rng.gen_range(0..8)].into(),
        family_name: FAMILY[rng.gen_range(0..8)].into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
            + chrono::Duration::days(rng.gen_range(0..25_000)),
        sex: Sex::Female,
        phone: Some(format!("+1415555{:04}", rng.gen_range(0..10_000))),
        email: None,
        preferred_channel: Channel::Sms,
        current_state: "CA".parse().unwrap_or_else(|_| unreachable!()),
        guardian: None,
        allergies: vec![Allergy { substance: "Penicillin".into(), reaction: Some("Hives".into()) }],
        medications: vec![],
        problems: vec![Problem { description: "Essential hypertension".into(), icd10: Some("I10".into()) }],
        version: 1,
    }
}

async fn initial_sync() {
    let db = Db::new(Backend::Sqlite).await;
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let (physician, _) = db.storage.credentials_by_email(DEMO_PHYSICIAN).await.expect("q").expect("physician");
    let team = CareTeam {
        id: CareTeamId::new_v7(1),
        organization_id: physician.organization_id,
        name: "Bench".into(),
        members: vec![physician.id],
    };
    db.storage.insert_care_team(&team).await.expect("team");
    let mut rng = StdRng::seed_from_u64(1);
    let now = Utc::now();
    for i in 0..RECORDS {
        let p = synthetic_patient(&mut rng, i);
        db.storage.insert_patient(physician.organization_id, team.id, &p, now).await.expect("insert");
    }
    let server = TestServer::start_with(db.storage.clone(), None).await;
    // The server's half alone: every page over HTTP, nothing applied.
    let started = Instant::now();
    let pulled = rounds_tests::pull_changes(&server.url, DEMO_PHYSICIAN).await.len();
    row(
        "Initial sync, the server's half (pull every page over HTTP)",
        &format!("{pulled} change-log records"),
        &format!("{:.2} s", started.elapsed().as_secs_f64()),
        "(single run)",
        "",
    );
    let dir = tempfile::tempdir().expect("dir");
    let ws = Workspace::open(
        &Config { data_dir: dir.path().into(), server_url: server.url.clone() },
        MemoryVault::default(),
    )
    .expect("open");
    let started = Instant::now();
    let session = ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
    let took = started.elapsed();
    let records = ws.sync_state().expect("state").cursor;
    row(
        "Initial sync (sign-in to usable cache)",
        &format!("{records} change-log records, {} patients", session.cached_patients),
        &format!("{:.2} s", took.as_secs_f64()),
        "(single run)",
        "<= 10 s",
    );
}

async fn propagation() {
    let db = Db::new(Backend::Sqlite).await;
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let server = TestServer::start_with(db.storage.clone(), None).await;
    let dir = tempfile::tempdir().expect("dir");
    let vault = MemoryVault::default();
    let open = |name: &str| {
        Workspace::open(&Config { data_dir: dir.path().join(name), server_url: server.url.clone() }, vault.clone())
            .expect("open")
    };
    let a = open("a");
    let b = Arc::new(open("b"));
    a.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("a");
    b.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("b");
    let background = tokio::spawn(b.clone().run_sync());
    tokio::time::sleep(Duration::from_millis(300)).await; // B's poke stream connects
    let thread = a.open_threads(1).expect("threads")[0].id.to_string();
    let mut samples = Vec::new();
    for i in 0..60 {
        let started = Instant::now();
        let m = a.post_message(&thread, &format!("propagation sample {i}")).expect("post");
        a.sync_now().await.expect("push");
        loop {
            if b.messages(&thread).expect("messages").iter().any(|x| x.id == m.id) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "B never received the reply");
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        samples.push(started.elapsed());
    }
    background.abort();
    samples.sort();
    row(
        "Propagation A -> server -> B (write, push, poke, pull, apply)",
        "one reply, loopback, 60 samples",
        &ms(percentile(&samples, 0.5)),
        &ms(percentile(&samples, 0.95)),
        "p95 <= 250 ms",
    );
}

async fn push_throughput(backend: Backend) {
    let db = Db::new(backend).await;
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let server = TestServer::start_with(db.storage.clone(), None).await;
    let token = rounds_tests::sign_in_token(&server.url, DEMO_PHYSICIAN).await;
    let http = reqwest::Client::new();
    let (physician, _) = db.storage.credentials_by_email(DEMO_PHYSICIAN).await.expect("q").expect("physician");
    let patients = db.storage.patients_in_scope(physician.id, None, 200).await.expect("patients");
    let device = DeviceId::new_v7(7);
    let total = 10_000usize;
    let mut seq = 0i64;
    let mut phones: Vec<serde_json::Value> = patients.iter().map(|p| json!(p.phone)).collect();
    let mut batches = Vec::new();
    while (seq as usize) < total {
        let mut commands = Vec::new();
        for _ in 0..MAX_PUSH_COMMANDS {
            seq += 1;
            let k = seq as usize % patients.len();
            let value = json!(format!("+1212555{:04}", seq % 10_000));
            commands.push(Command {
                client_seq: seq,
                mutation_id: uuid::Uuid::now_v7(),
                schema_version: COMMAND_SCHEMA_VERSION,
                mutation: Mutation::EditPatient {
                    patient_id: patients[k].id,
                    changes: vec![FieldChange {
                        field: PatientField::Phone,
                        base: phones[k].clone(),
                        value: value.clone(),
                    }],
                },
            });
            phones[k] = value;
        }
        batches.push(commands);
    }
    let started = Instant::now();
    for commands in batches {
        let resp: PushResponse = http
            .post(format!("{}/sync/push", server.url))
            .bearer_auth(&token)
            .json(&PushRequest { device_id: device, commands })
            .send()
            .await
            .expect("push")
            .json()
            .await
            .expect("json");
        assert!(resp.results.iter().all(|r| r.outcome == Outcome::Applied), "every bench command applies");
    }
    let took = started.elapsed();
    let rate = total as f64 / took.as_secs_f64();
    row(
        &format!("Server push throughput ({})", db.storage.backend()),
        &format!("{total} patient edits in pushes of {MAX_PUSH_COMMANDS}, one device"),
        &format!("{rate:.0} commands/s"),
        "(single run)",
        ">= 5,000 commands/s (PostgreSQL)",
    );
}

#[tokio::main]
async fn main() {
    #[allow(clippy::print_stdout)]
    {
        println!("| metric | workload | median | p95 | target |");
        println!("|---|---|---|---|---|");
    }
    propagation().await;
    push_throughput(Backend::Sqlite).await;
    if std::env::var_os("DATABASE_URL").is_some() {
        push_throughput(Backend::Postgres).await;
    }
    initial_sync().await;
}
