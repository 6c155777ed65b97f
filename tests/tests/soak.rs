//! Fault injection with the real binaries over loopback: the headless client
//! (rounds-soak-client) is killed with SIGKILL at random moments, the server (rounds-server on
//! its SQLite database) is killed and restarted, and in the second test every connection passes
//! through a proxy that drops, resets, truncates or delays it. Each reports acknowledged
//! commands lost, duplicates, and whether the device converged with the server; the first two
//! must be 0 and the last true.
//!
//! Bounded for CI (200 client kills, 50 server restarts); `make soak` runs a longer one:
//! ROUNDS_SOAK_KILLS, ROUNDS_SOAK_SERVER_RESTARTS, ROUNDS_SOAK_PROXY_KILLS.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rounds_domain::sync::Record;
use rounds_domain::ThreadId;
use rounds_server::seed::DEMO_NURSE_PRACTITIONER;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The server binary next to this test's build (target/<profile>/rounds-server).
fn server_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("rounds-server");
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace` first (make test does)", bin.display());
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

struct Server {
    db: String,
    port: u16,
    child: Option<Child>,
    restarts: u64,
}

impl Server {
    async fn seeded(dir: &Path) -> Server {
        let db = format!("sqlite://{}", dir.join("server.sqlite3").display());
        let status = Command::new(server_bin())
            .args(["--database", &db, "seed", "--demo"])
            .env("RUST_LOG", "warn")
            .status()
            .await
            .expect("seed");
        assert!(status.success());
        let mut server = Server { db, port: free_port(), child: None, restarts: 0 };
        server.start().await;
        server
    }

    async fn start(&mut self) {
        let child = Command::new(server_bin())
            .args(["--database", &self.db, "serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("RUST_LOG", "warn")
            // The soak client signs in at every start; the per-address limit is not under test here.
            .env("ROUNDS_SIGN_IN_LIMIT", "1000000")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start server");
        self.child = Some(child);
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{}/health", self.url())).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("server did not come up");
    }

    /// SIGKILL, then start again on the same port and database.
    async fn crash_and_restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        self.restarts += 1;
        self.start().await;
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Runs the client until it exits or `lifetime` passes (then SIGKILL); returns the highest
/// acknowledged count it printed and whether it finished.
async fn run_client(url: &str, dir: &Path, total: u64, lifetime: Option<Duration>) -> (Option<i64>, Option<i64>) {
    let mut args = vec![url.to_string(), dir.display().to_string(), total.to_string(), "soak".to_string()];
    if lifetime.is_none() {
        args.push("--finish".into());
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rounds-soak-client"))
        .args(&args)
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start client");
    let stdout = child.stdout.take().expect("stdout");
    let reader = tokio::spawn(async move {
        let (mut acked, mut done) = (None, None);
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(n) = line.strip_prefix("ACKED ").and_then(|n| n.parse::<i64>().ok()) {
                acked = Some(acked.map_or(n, |a: i64| a.max(n)));
            } else if let Some(n) = line.strip_prefix("DONE ").and_then(|n| n.parse::<i64>().ok()) {
                done = Some(n);
            }
        }
        (acked, done)
    });
    match lifetime {
        Some(lifetime) => {
            tokio::time::sleep(lifetime).await;
            let _ = child.kill().await; // SIGKILL
        }
        None => {
            let status = tokio::time::timeout(Duration::from_secs(120), child.wait()).await;
            assert!(status.is_ok_and(|s| s.is_ok_and(|s| s.success())), "the finishing client did not finish");
        }
    }
    reader.await.expect("reader")
}

#[derive(Debug, Default)]
struct Verdict {
    queued: i64,
    acked: i64,
    lost_acknowledged: usize,
    lost_total: usize,
    duplicates: usize,
    converged: bool,
}

/// Reads the server's copy of the soak replies and compares with what the client queued and
/// was told.
async fn verdict(url: &str, dir: &Path, queued: i64, acked: i64) -> Verdict {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    let mut thread_messages: HashMap<ThreadId, usize> = HashMap::new();
    // A message is logged again when its delivery moves on (queued, sent): one copy per id.
    let mut messages: HashMap<rounds_domain::MessageId, rounds_domain::Message> = HashMap::new();
    for c in rounds_tests::pull_changes(url, DEMO_NURSE_PRACTITIONER).await {
        if let Record::Message(m) = c.record {
            messages.insert(m.id, m);
        }
    }
    for m in messages.values() {
        *thread_messages.entry(m.thread_id).or_default() += 1;
        if let Some(n) = m.body.strip_prefix("soak-").and_then(|n| n.parse::<i64>().ok()) {
            *counts.entry(n).or_default() += 1;
        }
    }
    let lost = |upto: i64| (1..=upto).filter(|n| !counts.contains_key(n)).count();
    // The device's own copy: open its cache the way the client does and count the thread.
    let device_messages = device_thread_counts(dir, url).await;
    let converged = device_messages.iter().all(|(thread, n)| thread_messages.get(thread) == Some(n));
    Verdict {
        queued,
        acked,
        lost_acknowledged: lost(acked),
        lost_total: lost(queued),
        duplicates: counts.values().filter(|c| **c > 1).count(),
        converged,
    }
}

async fn device_thread_counts(dir: &Path, url: &str) -> HashMap<ThreadId, usize> {
    struct FixedVault;
    impl rounds_client::KeyVault for FixedVault {
        fn cache_key(&self, _: &Path) -> rounds_client::Result<rounds_store::CacheKey> {
            Ok(rounds_store::CacheKey::from_bytes([0x5a; 32]))
        }
        fn token_slot(&self, path: &Path) -> std::sync::Arc<dyn rounds_client::TokenSlot> {
            rounds_client::MemoryVault::default().token_slot(path)
        }
    }
    let ws = rounds_client::Workspace::open(
        &rounds_client::Config { data_dir: dir.into(), server_url: url.into() },
        &FixedVault,
    )
    .expect("open the device cache");
    ws.unlock(rounds_server::seed::DEMO_PASSWORD).expect("unlock the device cache");
    let mut out = HashMap::new();
    for thread in ws.open_threads(1000).expect("threads") {
        out.insert(thread.id, ws.messages(&thread.id.to_string()).expect("messages").len());
    }
    out
}

/// Kills the client `kills` times and the server `restarts` times, then lets the client
/// finish and judges the result. `url_for_client` may point at a proxy.
async fn soak(server: &mut Server, client_url: &str, dir: &Path, kills: u64, restarts: u64, seed: u64) -> Verdict {
    // More than the runs can queue, so kills land while commands are still being written.
    let total = kills * 50;
    let every = (kills / restarts.max(1)).max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut acked = 0;
    for i in 0..kills {
        let lifetime = Duration::from_millis(rng.gen_range(40..350));
        let (seen, _) = run_client(client_url, dir, total, Some(lifetime)).await;
        if let Some(seen) = seen {
            assert!(seen >= acked, "acknowledged count went back from {acked} to {seen}");
            acked = seen;
        }
        if restarts > 0 && i % every == every - 1 && server.restarts < restarts {
            server.crash_and_restart().await;
        }
    }
    let (_, done) = run_client(client_url, dir, total, None).await;
    let queued = done.expect("the finishing client reports its total");
    verdict(&server.url(), dir, queued, acked).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_clients_and_servers_lose_nothing() {
    let kills = env_or("ROUNDS_SOAK_KILLS", 200);
    let restarts = env_or("ROUNDS_SOAK_SERVER_RESTARTS", 50);
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Server::seeded(dir.path()).await;
    let url = server.url();
    let v = soak(&mut server, &url, &dir.path().join("device"), kills, restarts, 1).await;
    eprintln!(
        "soak: {kills} client kills, {} server restarts: {} queued, {} acknowledged before the last kill, \
         {} acknowledged lost, {} lost in all, {} duplicates, converged: {}",
        server.restarts, v.queued, v.acked, v.lost_acknowledged, v.lost_total, v.duplicates, v.converged
    );
    assert_eq!(server.restarts, restarts);
    assert!(v.queued >= kills as i64 / 2, "the client made progress: {v:?}");
    assert_eq!((v.lost_acknowledged, v.lost_total, v.duplicates, v.converged), (0, 0, 0, true), "{v:?}");
}

#[derive(Default)]
struct Faults {
    dropped: AtomicU64,
    reset: AtomicU64,
    truncated: AtomicU64,
    delayed: AtomicU64,
    passed: AtomicU64,
}

/// A TCP proxy that hurts connections: drop at once, reset, cut the answer short, or delay.
async fn faulty_proxy(listener: TcpListener, upstream: SocketAddr, faults: Arc<Faults>) {
    let mut rng = StdRng::seed_from_u64(7);
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { return };
        let roll = rng.gen_range(0..100);
        let cut = rng.gen_range(1..400usize);
        let delay = Duration::from_millis(rng.gen_range(20..300));
        let faults = faults.clone();
        tokio::spawn(async move {
            match roll {
                0..=9 => {
                    faults.dropped.fetch_add(1, Ordering::Relaxed);
                    drop(inbound);
                }
                10..=19 => {
                    faults.reset.fetch_add(1, Ordering::Relaxed);
                    // Linger zero makes close send RST: the reset we want (and it does not block).
                    #[allow(deprecated)]
                    let _ = inbound.set_linger(Some(Duration::ZERO));
                    drop(inbound);
                }
                20..=34 => {
                    faults.truncated.fetch_add(1, Ordering::Relaxed);
                    let Ok(mut out) = TcpStream::connect(upstream).await else { return };
                    let (mut ri, mut wi) = inbound.split();
                    let (mut ro, mut wo) = out.split();
                    let up = tokio::io::copy(&mut ri, &mut wo);
                    let down = async {
                        let mut buf = vec![0u8; cut];
                        let mut sent = 0;
                        while sent < cut {
                            match ro.read(&mut buf[sent..]).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    if wi.write_all(&buf[sent..sent + n]).await.is_err() {
                                        break;
                                    }
                                    sent += n;
                                }
                            }
                        }
                    };
                    tokio::select! { _ = up => {}, _ = down => {} }
                }
                _ => {
                    if roll < 50 {
                        faults.delayed.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(delay).await;
                    } else {
                        faults.passed.fetch_add(1, Ordering::Relaxed);
                    }
                    let Ok(mut out) = TcpStream::connect(upstream).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_network_loses_nothing() {
    let kills = env_or("ROUNDS_SOAK_PROXY_KILLS", 40);
    let dir = tempfile::tempdir().expect("dir");
    let mut server = Server::seeded(dir.path()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy");
    let proxy_url = format!("http://{}", listener.local_addr().expect("addr"));
    let faults = Arc::new(Faults::default());
    let upstream: SocketAddr = format!("127.0.0.1:{}", server.port).parse().expect("addr");
    let proxy = tokio::spawn(faulty_proxy(listener, upstream, faults.clone()));
    let v = soak(&mut server, &proxy_url, &dir.path().join("device"), kills, kills / 4, 2).await;
    proxy.abort();
    let f = |a: &AtomicU64| a.load(Ordering::Relaxed);
    eprintln!(
        "proxy soak: connections dropped {}, reset {}, truncated {}, delayed {}, passed {}; {} client kills, {} server \
         restarts: {} queued, {} acknowledged lost, {} lost in all, {} duplicates, converged: {}",
        f(&faults.dropped),
        f(&faults.reset),
        f(&faults.truncated),
        f(&faults.delayed),
        f(&faults.passed),
        kills,
        server.restarts,
        v.queued,
        v.lost_acknowledged,
        v.lost_total,
        v.duplicates,
        v.converged
    );
    assert!(f(&faults.truncated) > 0 && f(&faults.reset) > 0 && f(&faults.dropped) > 0, "every fault happened");
    assert_eq!((v.lost_acknowledged, v.lost_total, v.duplicates, v.converged), (0, 0, 0, true), "{v:?}");
}
