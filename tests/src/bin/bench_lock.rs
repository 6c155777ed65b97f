//! Automatic-lock benchmarks (`make bench`), on a device signed in to the demo organisation over
//! loopback (SQLite server): how long locking takes, how long the password takes to open the
//! cache again (Argon2id verifier check + reopening the encrypted cache), and the first patient
//! search after unlocking.

use chrono::Utc;
use rounds_client::{Config, MemoryVault, Workspace};
use rounds_server::seed::{self, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{Backend, Db, TestServer};
use std::time::{Duration, Instant};

const RUNS: usize = 30;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[allow(clippy::print_stdout)]
fn row(metric: &str, workload: &str, times: &mut [Duration], target: &str) {
    times.sort();
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!("| {metric} | {workload} | {} | {} | {target} |", ms(percentile(times, 0.5)), ms(percentile(times, 0.95)));
}

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() {
    let db = Db::new(Backend::Sqlite).await;
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let server = TestServer::start_with(db.storage.clone(), None).await;
    let dir = tempfile::tempdir().expect("dir");
    let ws = Workspace::open(
        &Config { data_dir: dir.path().into(), server_url: server.url.clone() },
        MemoryVault::default(),
    )
    .expect("open");
    let session = ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
    let workload = format!("{} cached patients", session.cached_patients);

    let (mut lock, mut unlock, mut first_read) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        ws.lock_now().expect("lock");
        lock.push(started.elapsed());
        assert!(ws.is_locked());

        let started = Instant::now();
        ws.unlock(DEMO_PASSWORD).expect("unlock");
        unlock.push(started.elapsed());

        let started = Instant::now();
        assert!(!ws.search_patients("a", 50).expect("search").is_empty());
        first_read.push(started.elapsed());
    }
    println!("| Metric | Workload | Median | p95 | Target |");
    println!("|---|---|---|---|---|");
    row("Lock (close the cache, forget the token)", &workload, &mut lock, "<= 10 ms");
    row("Unlock (Argon2id check + reopen the encrypted cache)", &workload, &mut unlock, "<= 500 ms");
    row("First patient search after unlocking", &workload, &mut first_read, "<= 50 ms");
}
