//! A desktop client without a window, for fault-injection runs with the real binaries: it signs
//! in (retrying while the server is away), queues numbered replies, and syncs, printing how many
//! of its commands the server has acknowledged. The harness kills it at random moments.
//!
//!     rounds-soak-client SERVER_URL DATA_DIR TOTAL PREFIX [--finish]
//!
//! With --finish it queues nothing more and syncs until the outbox is empty.

use rounds_client::{Config, KeyVault, Workspace};
use rounds_server::seed::{DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD};
use rounds_store::CacheKey;
use std::path::Path;
use std::time::Duration;

/// Test-only: a fixed cache key (the soak data is synthetic). The product keeps keys in the OS
/// keychain (rounds_client::OsKeychain).
struct FixedVault;

impl KeyVault for FixedVault {
    fn cache_key(&self, _cache_path: &Path) -> rounds_client::Result<CacheKey> {
        Ok(CacheKey::from_bytes([0x5a; 32]))
    }

    /// The session lasts as long as the process: each run signs in.
    fn token_slot(&self, cache_path: &Path) -> std::sync::Arc<dyn rounds_client::TokenSlot> {
        rounds_client::MemoryVault::default().token_slot(cache_path)
    }
}

#[allow(clippy::print_stdout)]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        return Err("usage: rounds-soak-client SERVER_URL DATA_DIR TOTAL PREFIX [--finish]".into());
    }
    let (url, dir, total, prefix) = (&args[1], &args[2], args[3].parse::<i64>()?, &args[4]);
    let finish = args.get(5).is_some_and(|a| a == "--finish");
    let ws = Workspace::open(&Config { data_dir: dir.into(), server_url: url.clone() }, FixedVault)?;
    loop {
        match ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await {
            Ok(_) => break,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let thread = ws.open_threads(1)?.first().map(|t| t.id.to_string()).ok_or("no open thread")?;
    loop {
        let state = ws.sync_state()?;
        if !finish && state.queued < total {
            ws.post_message(&thread, &format!("{prefix}-{}", state.queued + 1))?;
        }
        let synced = ws.sync_now().await;
        let state = ws.sync_state()?;
        if synced.is_ok() {
            println!("ACKED {}", state.queued - i64::from(state.pending));
        }
        if finish && synced.is_ok() && state.pending == 0 {
            println!("DONE {}", state.queued);
            return Ok(());
        }
        if synced.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
