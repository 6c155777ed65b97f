//! Test harness: a fresh server database per test on SQLite or PostgreSQL, and a real server on
//! a loopback port. `on_both_databases!` stamps each test out once per backend, so every server
//! database test visibly runs on both (`name::sqlite`, `name::postgres`).
//!
//! PostgreSQL comes from `DATABASE_URL` (an admin connection; each test creates its own
//! database). `make test` starts a throwaway cluster when it is unset; running a postgres test
//! without it fails loudly instead of being skipped.

use rounds_client::MemoryVault;
use rounds_domain::api::SignInResponse;
use rounds_domain::sync::{Change, PullResponse, PushRequest, PushResponse};
use rounds_domain::DeviceId;
use rounds_server::seed::DEMO_PASSWORD;
use rounds_server::{AppState, Clock, Storage};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated server database that lives as long as this value.
pub struct Db {
    pub storage: Arc<dyn Storage>,
    pub backend: Backend,
    /// The database's own URL (for tests that must reach under the storage layer).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn new(backend: Backend) -> Db {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("server.sqlite3").display());
                let storage = rounds_server::connect(&url).await.expect("open sqlite");
                Db { storage, backend, url, _dir: Some(dir) }
            }
            Backend::Postgres => {
                let admin = std::env::var("DATABASE_URL").expect(
                    "DATABASE_URL is not set: run `make test` (it starts a throwaway PostgreSQL) or point it at one",
                );
                let name = format!("rounds_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.expect("connect to DATABASE_URL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
                let url = with_database(&admin, &name);
                let storage = rounds_server::connect(&url).await.expect("open postgres");
                Db { storage, backend, url, _dir: None }
            }
        }
    }
}

impl Db {
    /// Runs one SQL statement straight on the database, under the storage layer (to prove
    /// that triggers refuse what the application would never ask).
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
            }
        }
    }
}

/// `admin` with its database name replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// The SMS webhook secret of test servers.
pub const TEST_SMS_SECRET: &str = "test-only-sms-webhook-secret-0123456789";

/// Posts a form to an SMS webhook, signed with `secret` at `timestamp` (Unix seconds).
pub async fn post_webhook(url: &str, path: &str, body: &[u8], secret: &[u8], timestamp: i64) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header(rounds_server::sms::TIMESTAMP_HEADER, timestamp.to_string())
        .header(rounds_server::sms::SIGNATURE_HEADER, rounds_server::sms::signature(secret, timestamp, path, body))
        .body(body.to_vec())
        .send()
        .await
        .expect("webhook")
}

/// A form body, each value percent-encoded.
pub fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

/// A running server on 127.0.0.1 with a random port.
pub struct TestServer {
    pub url: String,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(state: AppState) -> TestServer {
        Self::start_on(state, "127.0.0.1:0".parse().expect("addr")).await
    }

    /// Serves on `addr`; pass a stopped server's address to bring "the same server" back.
    pub async fn start_on(state: AppState, addr: SocketAddr) -> TestServer {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket.bind(addr).expect("bind loopback");
        let listener = socket.listen(128).expect("listen");
        let addr = listener.local_addr().expect("local addr");
        let app = rounds_server::app(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        TestServer { url: format!("http://{addr}"), addr, task }
    }

    /// A server for stories that sign in often: its per-address sign-in limit is out of the way
    /// (tests of the limit itself build their own AppState).
    pub async fn start_with(storage: Arc<dyn Storage>, clock: Option<Arc<dyn Clock>>) -> TestServer {
        let mut state = AppState::new(storage);
        state.sign_in_limiter =
            Arc::new(rounds_server::limit::RateLimiter::new(1_000_000, chrono::Duration::minutes(5)));
        if let Some(clock) = clock {
            state = state.with_clock(clock);
        }
        state.sms_secret = Some(std::sync::Arc::from(TEST_SMS_SECRET.as_bytes()));
        Self::start(state).await
    }

    /// Stops serving; the port refuses connections afterwards.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Cache keys held in memory, one per data folder, shared by every test in a binary (reopening a
/// device's folder finds its key again).
pub fn vault() -> &'static MemoryVault {
    static VAULT: std::sync::LazyLock<MemoryVault> = std::sync::LazyLock::new(MemoryVault::default);
    &VAULT
}

/// Signs in over HTTP with the demo password; returns the bearer token.
pub async fn sign_in_token(url: &str, email: &str) -> String {
    let signed: SignInResponse = reqwest::Client::new()
        .post(format!("{url}/auth/sign-in"))
        .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("sign-in answer");
    signed.token
}

/// The server's watermark for a device (the last client_seq it applied): an empty push answers it.
pub async fn watermark(url: &str, email: &str, device: DeviceId) -> i64 {
    let token = sign_in_token(url, email).await;
    let resp: PushResponse = reqwest::Client::new()
        .post(format!("{url}/sync/push"))
        .bearer_auth(token)
        .json(&PushRequest { device_id: device, commands: vec![] })
        .send()
        .await
        .expect("push")
        .json()
        .await
        .expect("push answer");
    resp.last_seq
}

/// Pushes `mutations` as `email` from a fresh device (client_seq 1, 2, ...).
pub async fn push_as(url: &str, email: &str, mutations: &[rounds_domain::sync::Mutation]) -> PushResponse {
    let token = sign_in_token(url, email).await;
    let commands = mutations
        .iter()
        .enumerate()
        .map(|(i, m)| rounds_domain::sync::Command {
            client_seq: i as i64 + 1,
            mutation_id: uuid::Uuid::now_v7(),
            schema_version: rounds_domain::sync::COMMAND_SCHEMA_VERSION,
            mutation: m.clone(),
        })
        .collect();
    reqwest::Client::new()
        .post(format!("{url}/sync/push"))
        .bearer_auth(token)
        .json(&PushRequest { device_id: DeviceId::new_v7(chrono::Utc::now().timestamp_millis() as u64), commands })
        .send()
        .await
        .expect("push")
        .json()
        .await
        .expect("push answer")
}

/// The id of the first patient `email` may see.
pub async fn first_patient(url: &str, email: &str) -> rounds_domain::PatientId {
    let token = sign_in_token(url, email).await;
    let page: rounds_domain::api::PatientPage = reqwest::Client::new()
        .get(format!("{url}/patients?limit=1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("patients")
        .json()
        .await
        .expect("patients answer");
    page.patients[0].id
}

/// Every change in `email`'s scope, from the start of the log, through the pull endpoint.
pub async fn pull_changes(url: &str, email: &str) -> Vec<Change> {
    let token = sign_in_token(url, email).await;
    let http = reqwest::Client::new();
    let (mut changes, mut cursor) = (Vec::new(), 0);
    loop {
        let page: PullResponse = http
            .get(format!("{url}/sync/pull?cursor={cursor}&limit=1000"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("pull")
            .json()
            .await
            .expect("pull answer");
        changes.extend(page.changes);
        cursor = page.cursor;
        if !page.more {
            return changes;
        }
    }
}

#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $db = $crate::Db::new($crate::Backend::Sqlite).await;
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let $db = $crate::Db::new($crate::Backend::Postgres).await;
                $body
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_swapped_keeping_options() {
        assert_eq!(super::with_database("postgres://u@127.0.0.1:5432/postgres", "x"), "postgres://u@127.0.0.1:5432/x");
        assert_eq!(super::with_database("postgres://u@h/db?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(super::with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }
}
