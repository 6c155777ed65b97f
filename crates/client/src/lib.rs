//! Everything the Rounds desktop can do, as plain Rust functions: open the local cache, sign
//! in, download the clinician's patients, search, read. Tauri commands call these one to one,
//! and tests call them without Tauri.

mod error;
mod remote;

pub use error::ClientError;
pub use remote::check_server_url;

use chrono::{DateTime, Utc};
use rounds_domain::api::SessionInfo;
use rounds_domain::{ErrorCode, Patient, PatientId, PatientListItem};
use rounds_store::Store;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Longest search text accepted; longer input is a mistake (a paste), not a search.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most patients one search returns.
pub const MAX_SEARCH_RESULTS: u32 = 200;
/// Patients fetched per request while downloading.
pub const DOWNLOAD_PAGE: u32 = 500;

/// Where the cache lives and which server to talk to.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub server_url: String,
}

impl Config {
    pub fn cache_path(&self) -> PathBuf {
        self.data_dir.join("cache.sqlite3")
    }
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// One clinician's workspace on this device: the local cache and the connection to the server.
pub struct Workspace {
    store: Mutex<Store>,
    remote: remote::Remote,
    clock: Clock,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("server", &self.remote.base_url())
            .finish_non_exhaustive()
    }
}

impl Workspace {
    /// Opens (or creates) the cache in `config.data_dir`. A cache written by a newer Rounds, or
    /// a damaged one, is refused and left as it is.
    pub fn open(config: &Config) -> Result<Workspace> {
        Self::open_with_clock(config, Arc::new(Utc::now))
    }

    pub fn open_with_clock(config: &Config, clock: Clock) -> Result<Workspace> {
        let remote = remote::Remote::new(&config.server_url)?;
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            ClientError::new(
                ErrorCode::Internal,
                format!(
                    "cannot create the data folder {}: {e}",
                    config.data_dir.display()
                ),
            )
        })?;
        let store = Store::open(&config.cache_path())?;
        Ok(Workspace {
            store: Mutex::new(store),
            remote,
            clock,
        })
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back on drop), so a poisoned lock is safe to reuse.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Signs in against the server and downloads the clinician's patients into the cache.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SessionInfo> {
        let email = email.trim();
        if email.is_empty() || password.is_empty() {
            return Err(ClientError::invalid("enter your email and password"));
        }
        if email.len() > rounds_domain::api::MAX_CREDENTIAL_LEN
            || password.len() > rounds_domain::api::MAX_CREDENTIAL_LEN
        {
            return Err(ClientError::invalid("email or password is too long"));
        }
        let signed_in = self.remote.sign_in(email, password).await?;
        let now = (self.clock)();
        let base = self.remote.base_url().to_string();
        self.store()
            .transaction(|tx| tx.set_session(&signed_in.practitioner, &base, now))?;

        let mut after = None;
        loop {
            let page = self.remote.patients(after, DOWNLOAD_PAGE).await?;
            // One transaction per page: a page is cached whole or not at all.
            self.store().transaction(|tx| {
                for p in &page.patients {
                    tx.upsert_patient(p)?;
                }
                Ok(())
            })?;
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        tracing::info!("signed in; patients cached");
        self.session()?
            .ok_or_else(|| ClientError::new(ErrorCode::Internal, "session was not recorded"))
    }

    /// Who is signed in on this device, if anyone. `online` is false when the cache was opened
    /// without a live server session (the app then works from the cache).
    pub fn session(&self) -> Result<Option<SessionInfo>> {
        let store = self.store();
        let tx = store.read();
        let Some(session) = tx.session()? else {
            return Ok(None);
        };
        let practitioner = tx.practitioner(session.practitioner_id)?;
        Ok(Some(SessionInfo {
            practitioner,
            server_url: session.server_url,
            cached_patients: tx.patient_count()?,
            online: self.remote.has_token(),
        }))
    }

    /// Forgets the server session. The cache stays, for the same clinician's next sign-in; a
    /// different clinician signing in starts from an empty cache.
    pub fn sign_out(&self) -> Result<()> {
        self.remote.forget_token();
        self.store().transaction(|tx| tx.clear_session())?;
        Ok(())
    }

    pub fn search_patients(&self, query: &str, limit: u32) -> Result<Vec<PatientListItem>> {
        self.require_session()?;
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ClientError::invalid(format!(
                "search text is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        if limit == 0 || limit > MAX_SEARCH_RESULTS {
            return Err(ClientError::invalid(format!(
                "limit must be between 1 and {MAX_SEARCH_RESULTS}"
            )));
        }
        Ok(self.store().read().search_patients(query, limit)?)
    }

    pub fn patient(&self, id: &str) -> Result<Patient> {
        self.require_session()?;
        let id: PatientId = id
            .trim()
            .parse()
            .map_err(|_| ClientError::invalid("patient id must be a UUID"))?;
        self.store().read().patient(id).map_err(|e| match e {
            rounds_store::StoreError::NotFound => {
                ClientError::new(ErrorCode::NotFound, "this patient is not on this device")
            }
            other => other.into(),
        })
    }

    fn require_session(&self) -> Result<()> {
        match self.store().read().session()? {
            Some(_) => Ok(()),
            None => Err(ClientError::new(ErrorCode::NotSignedIn, "sign in first")),
        }
    }
}
