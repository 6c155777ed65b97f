//! The Rounds server: an axum application over a [`Storage`] (PostgreSQL or embedded SQLite).
//!
//! `app(state)` builds the whole HTTP surface so tests can drive it with `oneshot` or over
//! loopback; `main.rs` only parses the command line.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod error;
pub mod http;
pub mod limit;
pub mod openapi;
pub mod policy;
pub mod seed;
pub mod sms;
pub mod storage;
pub mod tls;
pub mod totp;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::ApiError;
pub use http::app;
pub use storage::{connect, Storage, StorageError};

use std::sync::Arc;

/// Everything a request handler needs. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    /// How long an access token stays valid (the device refreshes it).
    pub session_ttl: chrono::Duration,
    /// How long a refresh token stays valid unused: a device away longer signs in again.
    pub refresh_ttl: chrono::Duration,
    /// Sign-in attempts per client address per window.
    pub sign_in_limiter: Arc<limit::RateLimiter>,
    /// Wrong passwords in a row that lock an account, and for how long.
    pub max_failed_sign_ins: i64,
    pub lockout: chrono::Duration,
    /// New change-log heads, per organisation: the poke that tells devices to pull.
    pub pokes: tokio::sync::broadcast::Sender<(rounds_domain::OrganizationId, i64)>,
    /// The SMS provider's webhook secret; without one the webhooks answer 404.
    pub sms_secret: Option<Arc<[u8]>>,
    /// Hands replies to the SMS provider.
    pub sms: Arc<dyn sms::SmsSender>,
    /// Wakes the reply dispatcher when a push queued a reply.
    pub sms_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        let (pokes, _) = tokio::sync::broadcast::channel(256);
        Self {
            storage,
            clock: Arc::new(SystemClock),
            session_ttl: chrono::Duration::minutes(15),
            refresh_ttl: chrono::Duration::days(30),
            sign_in_limiter: Arc::new(limit::RateLimiter::new(30, chrono::Duration::minutes(5))),
            max_failed_sign_ins: 5,
            lockout: chrono::Duration::minutes(15),
            pokes,
            sms_secret: None,
            sms: Arc::new(sms::RecordingSender::default()),
            sms_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Escalates overdue, unclaimed tasks by each organisation's routing rules every `period`, and
/// pokes the devices of organisations that changed. Runs until the server stops.
pub async fn escalate_every(state: AppState, period: std::time::Duration) {
    let mut tick = tokio::time::interval(period);
    loop {
        tick.tick().await;
        match state.storage.escalate_overdue(state.clock.now()).await {
            Ok(changed) => {
                for poke in changed {
                    let _ = state.pokes.send(poke);
                }
            }
            Err(e) => tracing::warn!(error = %e, "escalating overdue tasks failed; trying again later"),
        }
    }
}
