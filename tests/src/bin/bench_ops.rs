//! Operations benchmarks (`make bench`):
//! - a queue screen over 100,000 tasks in a device's encrypted cache (counts and the first 50
//!   items of a role's queue, by due time and by priority, and "mine");
//! - coverage by state for an organisation of 1,000 clinicians licensed across 50 states with
//!   100,000 tasks (server, SQLite and PostgreSQL when DATABASE_URL is set).

use chrono::{Duration as Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rounds_domain::ops::{QueueFilter, QueueSort};
use rounds_domain::state::STATE_CODES;
use rounds_domain::*;
use rounds_store::{CacheKey, Store};
use rounds_tests::{Backend, Db};
use std::time::{Duration, Instant};

const TASKS: usize = 100_000;
const CLINICIANS: usize = 1_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

#[allow(clippy::print_stdout)]
fn row(metric: &str, workload: &str, times: &mut [Duration], target: &str) {
    times.sort();
    println!("| {metric} | {workload} | {} | {} | {target} |", ms(percentile(times, 0.5)), ms(percentile(times, 0.95)));
}

fn task(rng: &mut StdRng, i: usize, patient: PatientId, owner: Option<PractitionerId>) -> Task {
    let queues = [Role::Physician, Role::NursePractitioner, Role::CareCoordinator, Role::RegisteredNurse];
    let kinds = [TaskKind::RefillRequest, TaskKind::LabFollowUp, TaskKind::Outreach, TaskKind::Scheduling];
    let priorities = [TaskPriority::Routine, TaskPriority::Routine, TaskPriority::Urgent, TaskPriority::Stat];
    let owned = owner.is_some() && rng.gen_bool(0.02);
    Task {
        id: TaskId::new_v7(1_700_000_000_000 + i as u64),
        kind: kinds[rng.gen_range(0..kinds.len())],
        patient_id: patient,
        queue: queues[rng.gen_range(0..queues.len())],
        license_state: STATE_CODES[rng.gen_range(0..50)].parse().expect("state"),
        priority: priorities[rng.gen_range(0..priorities.len())],
        status: if owned { TaskStatus::InProgress } else { TaskStatus::Ready },
        owner_id: if owned { owner } else { None },
        description: format!("Task {i}"),
        due_at: Utc::now() + Days::minutes(rng.gen_range(-5_000..20_000)),
        version: 1,
        focus: None,
        history: vec![],
    }
}

fn clinician(rng: &mut StdRng, i: usize, org: OrganizationId) -> Practitioner {
    let roles = [Role::Physician, Role::NursePractitioner, Role::RegisteredNurse];
    let role = roles[i % roles.len()];
    let mut states: Vec<&str> = (0..rng.gen_range(1..=8)).map(|_| STATE_CODES[rng.gen_range(0..50)]).collect();
    states.sort();
    states.dedup();
    Practitioner {
        id: PractitionerId::new_v7(1_700_000_000_000 + i as u64),
        organization_id: org,
        display_name: format!("Clinician {i}"),
        email: format!("clinician{i}@bench.example"),
        roles: vec![role],
        licenses: states
            .into_iter()
            .map(|s| License {
                state: s.parse().expect("state"),
                license_type: "MD".into(),
                number: format!("N{i}"),
                expires_on: NaiveDate::from_ymd_opt(2025 + rng.gen_range(0..4), 6, 30).expect("date"),
            })
            .collect(),
        supervisor_id: None,
        on_duty: rng.gen_bool(0.6),
    }
}

fn bench_patient(i: u64) -> Patient {
    Patient {
        id: PatientId::new_v7(1_700_000_000_000 + i),
        mrn: format!("{i:07}"),
        given_name: format!("Given{i}"),
        family_name: format!("Family{i}"),
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).expect("date"),
        sex: Sex::Female,
        phone: None,
        email: None,
        preferred_channel: Channel::Sms,
        current_state: "CA".parse().expect("CA"),
        guardian: None,
        allergies: vec![],
        medications: vec![],
        problems: vec![],
        version: 1,
    }
}

fn queue_bench() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite3"), &CacheKey::from_bytes([3; 32]))?;
    let mut rng = StdRng::seed_from_u64(7);
    let org = OrganizationId::new_v7(1);
    let me =
        Practitioner { roles: vec![Role::NursePractitioner, Role::RegisteredNurse], ..clinician(&mut rng, 0, org) };
    let patients: Vec<Patient> = (0..2_000).map(bench_patient).collect();
    store.transaction(|tx| {
        tx.upsert_practitioner(&me)?;
        tx.set_session(&me, "http://127.0.0.1", Utc::now())?;
        for p in &patients {
            tx.upsert_patient(p)?;
        }
        for i in 0..TASKS {
            let t = task(&mut rng, i, patients[i % patients.len()].id, Some(me.id));
            tx.upsert_task(&t)?;
        }
        Ok::<_, rounds_store::StoreError>(())
    })?;
    let now = Utc::now();
    let mut counts = Vec::new();
    let (mut by_due, mut by_priority, mut mine) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..200 {
        let tx = store.read();
        let t = Instant::now();
        tx.queue_counts(&me.roles, me.id, now)?;
        counts.push(t.elapsed());
        let t = Instant::now();
        let items = tx.queue_items(QueueFilter::Role(Role::NursePractitioner), me.id, QueueSort::Due, 50, now)?;
        by_due.push(t.elapsed());
        assert_eq!(items.len(), 50);
        let t = Instant::now();
        tx.queue_items(QueueFilter::Role(Role::NursePractitioner), me.id, QueueSort::Priority, 50, now)?;
        by_priority.push(t.elapsed());
        let t = Instant::now();
        tx.queue_items(QueueFilter::Mine, me.id, QueueSort::Due, 50, now)?;
        mine.push(t.elapsed());
    }
    let workload = format!("{TASKS} tasks, 4 queues");
    row("queue counts (ready and overdue per queue, mine)", &workload, &mut counts, "p95 <= 10 ms");
    row("queue, first 50 by due time", &workload, &mut by_due, "p95 <= 10 ms");
    row("queue, first 50 by priority", &workload, &mut by_priority, "p95 <= 10 ms");
    row("my tasks, first 50", &workload, &mut mine, "p95 <= 10 ms");
    Ok(())
}

async fn coverage_bench(backend: Backend) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::new(backend).await;
    let now = Utc::now();
    let org = OrganizationId::new_v7(now.timestamp_millis() as u64);
    db.storage.create_organization(org, "Coverage bench", now).await?;
    let mut rng = StdRng::seed_from_u64(11);
    let people: Vec<Practitioner> = (0..CLINICIANS).map(|i| clinician(&mut rng, i, org)).collect();
    for p in &people {
        db.storage.insert_practitioner(p, "not-a-password-hash").await?;
    }
    let team = rounds_server::storage::CareTeam {
        id: CareTeamId::new_v7(1),
        organization_id: org,
        name: "Everyone".into(),
        members: vec![people[0].id],
    };
    db.storage.insert_care_team(&team).await?;
    let patient = bench_patient(0);
    db.storage.insert_patient(org, team.id, &patient, now).await?;
    let loaded = Instant::now();
    for i in 0..TASKS {
        db.storage.insert_task(org, &task(&mut rng, i, patient.id, None), now).await?;
    }
    let took = loaded.elapsed();
    // Steady state: statistics as autovacuum (PostgreSQL) or `PRAGMA optimize` would leave them.
    db.execute("ANALYZE").await?;
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let states = db.storage.coverage(org, now).await?;
        times.push(t.elapsed());
        assert!(states.len() >= 45, "coverage of {} states", states.len());
    }
    row(
        &format!("coverage by state ({backend:?}; {TASKS} tasks loaded in {:.0} s)", took.as_secs_f64()),
        &format!("{CLINICIANS} clinicians across 50 states, {TASKS} tasks"),
        &mut times,
        "<= 50 ms",
    );
    Ok(())
}

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("| metric | workload | median | p95 | target |");
    println!("|---|---|---|---|---|");
    // ROUNDS_BENCH_OPS=queues or =coverage runs one half.
    let only = std::env::var("ROUNDS_BENCH_OPS").unwrap_or_default();
    if only != "coverage" {
        queue_bench()?;
    }
    if only != "queues" {
        coverage_bench(Backend::Sqlite).await?;
        if std::env::var("DATABASE_URL").is_ok() {
            coverage_bench(Backend::Postgres).await?;
        }
    }
    Ok(())
}
