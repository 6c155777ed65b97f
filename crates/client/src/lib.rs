//! Everything the Rounds desktop can do, as plain Rust functions: open the encrypted local
//! cache, sign in, edit and read (always locally first), and sync with the server. Tauri
//! commands call these one to one, and tests call them without Tauri.

mod admin;
mod charting;
mod code_sets;
mod error;
mod lock;
mod operations;
mod remote;
mod threads;
mod trends;
mod vault;

pub use code_sets::ICD10CM_VERSION;
pub use error::ClientError;
pub use lock::MAX_UNLOCK_ATTEMPTS;
pub use remote::check_server_url;
pub use threads::history_from_summary;
pub use vault::{KeyVault, MemoryVault, OsKeychain, TokenSlot};

use chrono::{DateTime, Utc};
use rounds_domain::api::SessionInfo;
use rounds_domain::sync::{
    apply_patient_changes, patient_field, AccessKind, FieldChange, FieldEdit, Mutation, Outcome, PatientEditError,
    RejectedChange, SyncStatus, MAX_PUSH_COMMANDS,
};
use rounds_domain::{ErrorCode, Message, MessageId, Patient, PatientId, PatientListItem, Task, TaskId, ThreadId};
use rounds_store::Store;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Longest search text accepted; longer input is a mistake (a paste), not a search.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most patients one search returns.
pub const MAX_SEARCH_RESULTS: u32 = 200;
/// Changes fetched per pull.
pub const PULL_PAGE: u32 = 1000;
/// How often the background sync runs when nothing pokes it.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(30);
/// How long typing in a draft must pause before the draft syncs (edits in between are folded
/// into one command; each is in the local cache at once either way).
pub const DRAFT_QUIET: Duration = Duration::from_secs(2);

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

/// What one sync round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    pub rejected: usize,
    pub pulled: usize,
}

/// One clinician's workspace on this device: the local cache and the connection to the server.
///
/// Lock order: `store` before `activity` (taking the store checks the idle clock, and signing in
/// or out notes activity while holding it); `offline_since` before `progress` (`sync_status`
/// reads both); `reads` alone. These three are never held across `store()`. None is held
/// across an `.await`; `syncing` (async) is taken first, around a whole sync round. The std
/// mutexes are not re-entrant: a method holding the store's guard must not call another method
/// that takes it (see `patient_chart`).
pub struct Workspace {
    /// The open cache; None while locked (see `lock`).
    store: Mutex<Option<Store>>,
    /// Where the cache's key is kept, to open it again after a lock.
    vault: Arc<dyn KeyVault>,
    cache_path: PathBuf,
    activity: Mutex<lock::Activity>,
    remote: Arc<remote::Remote>,
    clock: Clock,
    /// Wakes the background sync (a local write, or a poke from the server).
    wake: tokio::sync::Notify,
    /// A draft was edited: sync once the typing pauses (DRAFT_QUIET).
    draft_wake: tokio::sync::Notify,
    /// One sync round at a time.
    syncing: tokio::sync::Mutex<()>,
    offline_since: Mutex<Option<DateTime<Utc>>>,
    /// (done, total) while a multi-page download runs.
    progress: Mutex<Option<(i64, i64)>>,
    /// The shipped ICD-10-CM is in the cache (checked once per run).
    icd10_ready: std::sync::atomic::AtomicBool,
    /// When each record was last noted as read here (see `record_read`).
    reads: Mutex<std::collections::HashMap<(PatientId, AccessKind), DateTime<Utc>>>,
}

/// A record read again within this many minutes is not noted again.
const READ_NOTED_EVERY_MINUTES: i64 = 5;

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace").field("server", &self.remote.base_url()).finish_non_exhaustive()
    }
}

impl Workspace {
    /// Opens (or creates) the encrypted cache in `config.data_dir`, with its key from `vault`.
    /// A cache written by a newer Rounds, a damaged one, or one the key does not open is
    /// refused and left as it is. A session kept on the device starts locked: the clinician's
    /// password opens it (see `unlock`).
    pub fn open(config: &Config, vault: impl KeyVault + 'static) -> Result<Workspace> {
        Self::open_with_clock(config, vault, Arc::new(Utc::now))
    }

    pub fn open_with_clock(config: &Config, vault: impl KeyVault + 'static, clock: Clock) -> Result<Workspace> {
        remote::check_server_url(&config.server_url)?;
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            ClientError::new(
                ErrorCode::Internal,
                format!("cannot create the data folder {}: {e}", config.data_dir.display()),
            )
        })?;
        let path = config.cache_path();
        let key = vault.cache_key(&path)?;
        let store = Store::open(&path, &key)?;
        drop(key);
        // The session kept in the keychain belongs to the cache it was made with.
        let remote = Arc::new(remote::Remote::new(&config.server_url, vault.token_slot(&path))?);
        let mut activity = lock::Activity::new(clock());
        let kept = {
            let tx = store.read();
            match tx.session()? {
                Some(s) => Some(tx.practitioner(s.practitioner_id)?.display_name),
                None => None,
            }
        };
        let mut store = Some(store);
        if let Some(name) = kept {
            // Whoever opens the app again proves they are the clinician first (a session kept
            // from before the lock existed is ended at the lock screen: the server checks).
            activity.signed_in = true;
            activity.display_name = Some(name);
            store = None;
            remote.set_locked(true);
        }
        let ws = Workspace {
            store: Mutex::new(store),
            vault: Arc::new(vault),
            cache_path: path,
            activity: Mutex::new(activity),
            remote,
            clock,
            wake: tokio::sync::Notify::new(),
            draft_wake: tokio::sync::Notify::new(),
            syncing: tokio::sync::Mutex::new(()),
            offline_since: Mutex::new(None),
            progress: Mutex::new(None),
            icd10_ready: std::sync::atomic::AtomicBool::new(false),
            reads: Mutex::new(std::collections::HashMap::new()),
        };
        if let Some(store) = ws.store.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            ws.refresh_policy(store);
        }
        Ok(ws)
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Signs in against the server and downloads the clinician's patients (their whole sync
    /// scope) into the cache.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SessionInfo> {
        self.sign_in_with_code(email, password, None).await
    }

    /// Signs in with the 6-digit code of the account's second factor, when it has one.
    pub async fn sign_in_with_code(&self, email: &str, password: &str, code: Option<&str>) -> Result<SessionInfo> {
        let email = email.trim();
        if email.is_empty() || password.is_empty() {
            return Err(ClientError::invalid("enter your email and password"));
        }
        if email.len() > rounds_domain::api::MAX_CREDENTIAL_LEN
            || password.len() > rounds_domain::api::MAX_CREDENTIAL_LEN
        {
            return Err(ClientError::invalid("email or password is too long"));
        }
        if code.is_some_and(|c| c.len() > 16) {
            return Err(ClientError::invalid("the code is 6 digits"));
        }
        let signed_in = self.remote.sign_in(email, password, code).await?;
        let now = self.now();
        let base = self.remote.base_url().to_string();
        // Checked by the server: this opens a locked workspace too.
        let password = password.to_string();
        let verifier = tokio::task::spawn_blocking(move || lock::password_verifier(&password))
            .await
            .map_err(|e| ClientError::new(ErrorCode::Internal, format!("signing in stopped: {e}")))??;
        let recorded = self.with_cache(|store| {
            store.transaction(|tx| {
                tx.set_session(&signed_in.practitioner, &base, now)?;
                tx.set_unlock_verifier(&verifier)
            })?;
            self.refresh_policy(store);
            Ok(())
        });
        if let Err(e) = recorded {
            // The session this device has (if any) stays as it was.
            self.remote.discard(&signed_in);
            return Err(e);
        }
        self.remote.adopt(&signed_in);
        self.forget_reads();
        {
            let mut activity = self.activity();
            activity.signed_in = true;
            activity.display_name = Some(signed_in.practitioner.display_name.clone());
            activity.last_active = now;
        }
        self.sync_now().await?;
        tracing::info!("signed in; cache synced");
        self.session()?.ok_or_else(|| ClientError::new(ErrorCode::Internal, "session was not recorded"))
    }

    /// Who is signed in on this device, if anyone. `online` is false when the cache was opened
    /// without a live server session (the app then works from the cache).
    pub fn session(&self) -> Result<Option<SessionInfo>> {
        let store = self.store()?;
        let tx = store.read();
        let Some(session) = tx.session()? else { return Ok(None) };
        let practitioner = tx.practitioner(session.practitioner_id)?;
        Ok(Some(SessionInfo {
            practitioner,
            server_url: session.server_url,
            cached_patients: tx.patient_count()?,
            online: self.remote.is_online(),
        }))
    }

    /// Forgets the server session. The cache (and any unsynced change) stays for the same
    /// clinician's next sign-in; a different clinician cannot sign in until it has synced.
    /// Works while locked too (the lock screen's way out, and what five wrong passwords there
    /// lead to): no password is needed to give up a session. The cache is left open without a
    /// session; nothing clinical can be read until someone signs in.
    pub fn sign_out(&self) -> Result<()> {
        self.remote.sign_out();
        self.with_cache(|store| Ok(store.transaction(|tx| tx.clear_session())?))?;
        self.forget_reads();
        let mut activity = self.activity();
        activity.signed_in = false;
        activity.display_name = None;
        Ok(())
    }

    /// Runs `f` on the cache for signing in or out, which need no unlock. When locked, `f` gets
    /// a store of its own, which becomes the workspace's only once `f` has succeeded: a failed
    /// sign-in leaves the workspace locked.
    fn with_cache<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut slot = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let result = match slot.as_mut() {
            Some(store) => f(store)?,
            None => {
                let mut store = self.reopen_cache()?;
                let result = f(&mut store)?;
                *slot = Some(store);
                result
            }
        };
        // Counts as activity: the idle clock starts again.
        self.activity().last_active = self.now();
        Ok(result)
    }

    /// Forgets which records were noted as read (the user changed).
    pub(crate) fn forget_reads(&self) {
        self.reads.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub fn search_patients(&self, query: &str, limit: u32) -> Result<Vec<PatientListItem>> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ClientError::invalid(format!("search text is longer than {MAX_QUERY_CHARS} characters")));
        }
        if limit == 0 || limit > MAX_SEARCH_RESULTS {
            return Err(ClientError::invalid(format!("limit must be between 1 and {MAX_SEARCH_RESULTS}")));
        }
        self.require_session()?;
        Ok(self.store()?.read().search_patients(query, limit)?)
    }

    pub fn patient(&self, id: &str) -> Result<Patient> {
        let id: PatientId = parse_id(id, "patient")?;
        self.require_session()?;
        let patient =
            self.store()?.read().patient(id).map_err(|e| not_found(e, "this patient is not on this device"))?;
        self.record_read(id, AccessKind::Chart)?;
        Ok(patient)
    }

    /// Notes that the clinician read a patient's record on this device, for the server's audit
    /// trail: queued like any change (offline too) and sent with the next push, at most once per
    /// record and kind every few minutes.
    pub(crate) fn record_read(&self, patient: PatientId, what: AccessKind) -> Result<()> {
        let now = self.now();
        {
            let reads = self.reads.lock().unwrap_or_else(|p| p.into_inner());
            let recent = chrono::Duration::minutes(READ_NOTED_EVERY_MINUTES);
            if reads.get(&(patient, what)).is_some_and(|at| now - *at < recent && *at <= now) {
                return Ok(());
            }
        }
        self.store()?
            .transaction(|tx| tx.enqueue(Mutation::RecordAccess { patient_id: patient, what, at: now }, now))?;
        // Only once it is queued: a read refused on the way (locked) is noted next time.
        self.reads.lock().unwrap_or_else(|p| p.into_inner()).insert((patient, what), now);
        self.wake.notify_one();
        Ok(())
    }

    /// Edits patient fields. The edit lands in the cache at once and is queued for the server
    /// in the same transaction; each field is compared and set on its own when it syncs.
    pub fn edit_patient(&self, id: &str, edits: &[FieldEdit]) -> Result<Patient> {
        let id: PatientId = parse_id(id, "patient")?;
        if edits.is_empty() || edits.len() > 20 {
            return Err(ClientError::invalid("give between 1 and 20 field edits"));
        }
        self.require_session()?;
        let now = self.now();
        let edited = self.store()?.transaction(|tx| {
            let current = tx.patient(id).map_err(|e| not_found(e, "this patient is not on this device"))?;
            let changes: Vec<FieldChange> = edits
                .iter()
                .map(|e| FieldChange { field: e.field, base: patient_field(&current, e.field), value: e.value.clone() })
                .collect();
            let next = match apply_patient_changes(&current, &changes) {
                Ok(next) => next,
                Err(PatientEditError::Invalid(m)) => return Err(ClientError::invalid(m)),
                Err(PatientEditError::Conflict(_)) => {
                    return Err(ClientError::new(ErrorCode::Internal, "a local edit conflicted with itself"))
                }
            };
            if next == current {
                return Ok(next);
            }
            tx.replace_patient_local(&next)?;
            tx.enqueue(Mutation::EditPatient { patient_id: id, changes }, now)?;
            Ok(next)
        })?;
        self.wake.notify_one();
        Ok(edited)
    }

    /// Threads not yet closed, most recent message first.
    pub fn open_threads(&self, limit: u32) -> Result<Vec<rounds_domain::Thread>> {
        if limit == 0 || limit > 1000 {
            return Err(ClientError::invalid("limit must be between 1 and 1000"));
        }
        self.require_session()?;
        Ok(self.store()?.read().open_threads(limit)?)
    }

    /// Writes a reply in a thread: shown at once, sent when the server is reachable.
    pub fn post_message(&self, thread_id: &str, body: &str) -> Result<Message> {
        let thread_id: ThreadId = parse_id(thread_id, "thread")?;
        let author = self.require_session()?;
        let now = self.now();
        let message = self.store()?.transaction(|tx| {
            let thread = tx.thread(thread_id).map_err(|e| not_found(e, "this thread is not on this device"))?;
            let id = MessageId::new_v7(now.timestamp_millis().max(0) as u64);
            let (message, mut answered) = rounds_domain::thread::post_message(&thread, id, author, body, now)?;
            tx.insert_message(&message)?;
            answered.version = thread.version; // the server's to bump
            tx.replace_thread_local(&answered)?;
            tx.mark_read(author, thread_id, now)?;
            tx.enqueue(Mutation::PostMessage { message_id: message.id, thread_id, body: message.body.clone() }, now)?;
            Ok::<_, ClientError>(message)
        })?;
        self.wake.notify_one();
        Ok(message)
    }

    /// Claims a task. Whoever reaches the server first gets it; a later claim is refused there
    /// and shown to the clinician who lost.
    pub fn claim_task(&self, task_id: &str) -> Result<Task> {
        self.task_command(task_id, |task| Mutation::ClaimTask { task_id: task.id, base_version: task.version })
    }

    pub fn complete_task(&self, task_id: &str) -> Result<Task> {
        self.task_command(task_id, |task| Mutation::CompleteTask { task_id: task.id })
    }

    fn task_command(&self, task_id: &str, make: impl FnOnce(&Task) -> Mutation) -> Result<Task> {
        let task_id: TaskId = parse_id(task_id, "task")?;
        self.require_session()?;
        let now = self.now();
        let me = self.require_session()?;
        let today = now.date_naive();
        let task = self.store()?.transaction(|tx| {
            let task = tx.task(task_id).map_err(|e| not_found(e, "this task is not on this device"))?;
            let who = tx.practitioner(me)?;
            let mutation = make(&task);
            // The same rules the server applies, so a refusal shows at once.
            let checked = match &mutation {
                Mutation::ClaimTask { base_version, .. } => {
                    rounds_domain::tasks::claim(&task, &who, *base_version, today)
                }
                Mutation::CompleteTask { .. } => rounds_domain::tasks::complete(&task, &who, today),
                _ => Ok(task.clone()),
            };
            checked.map_err(operations::refusal)?;
            tx.apply_task_locally(task_id, &mutation)?;
            tx.enqueue(mutation, now)?;
            Ok::<_, ClientError>(tx.task(task_id)?)
        })?;
        self.wake.notify_one();
        Ok(task)
    }

    /// ICD-10-CM type-ahead by code ("J02", "j029") or words ("strep phar"). The code set is
    /// loaded into the cache on first use (about half a second) and again when the app ships a
    /// newer one.
    pub fn search_icd10(&self, query: &str, limit: u32) -> Result<Vec<rounds_domain::Icd10Code>> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ClientError::invalid(format!("search text is longer than {MAX_QUERY_CHARS} characters")));
        }
        if limit == 0 || limit > MAX_SEARCH_RESULTS {
            return Err(ClientError::invalid(format!("limit must be between 1 and {MAX_SEARCH_RESULTS}")));
        }
        self.ensure_icd10()?;
        let store = self.store()?;
        Ok(store.read().search_icd10(query, limit)?)
    }

    /// The chief-complaint buttons of a service line: the complaints this clinician used most
    /// in the last 90 days first, then the catalog's order.
    pub fn complaints(&self, service_line: &str) -> Result<Vec<rounds_domain::ComplaintCatalogEntry>> {
        let Some((_, text)) = code_sets::COMPLAINT_CATALOGS.iter().find(|(line, _)| *line == service_line) else {
            // A service line of the organisation's own (pulled), or none at all.
            let author = self.require_session()?;
            let since = self.now() - chrono::Duration::days(90);
            let store = self.store()?;
            let ranked = store.read().ranked_complaints(service_line, author, since)?;
            if ranked.is_empty() {
                return Err(ClientError::invalid(format!("no service line called '{service_line}'")));
            }
            return Ok(ranked);
        };
        let author = self.require_session()?;
        let since = self.now() - chrono::Duration::days(90);
        let version = code_sets::version_of(text);
        let mut store = self.store()?;
        let loaded = store.read().code_set_version(&format!("complaints:{service_line}"))?;
        // The organisation's own catalog (pulled) wins over the one shipped with the app.
        let org = loaded.as_deref().is_some_and(|v| v.starts_with("org:"));
        if !org && loaded.as_deref() != Some(version.as_str()) {
            let catalog: rounds_domain::ComplaintCatalog = serde_json::from_str(text).map_err(|e| {
                ClientError::new(ErrorCode::Internal, format!("the shipped {service_line} catalog does not parse: {e}"))
            })?;
            store.transaction(|tx| tx.replace_catalog(&catalog, &version))?;
        }
        Ok(store.read().ranked_complaints(service_line, author, since)?)
    }

    /// This device's sync identity and position (for diagnostics and tests).
    pub fn sync_state(&self) -> Result<rounds_store::SyncState> {
        Ok(self.store()?.read().sync_state()?)
    }

    pub fn task(&self, id: &str) -> Result<Task> {
        let id: TaskId = parse_id(id, "task")?;
        self.require_session()?;
        self.store()?.read().task(id).map_err(|e| not_found(e, "this task is not on this device"))
    }

    /// A thread's messages in the server's order (unsynced replies last, by this device's time).
    pub fn messages(&self, thread_id: &str) -> Result<Vec<Message>> {
        let id: ThreadId = parse_id(thread_id, "thread")?;
        self.require_session()?;
        Ok(self.store()?.read().messages(id)?)
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let state = self.store()?.read().sync_state()?;
        Ok(SyncStatus {
            pending: state.pending,
            rejected: state.rejected,
            last_synced_at: state.last_synced_at,
            offline_since: *self.offline_since.lock().unwrap_or_else(|p| p.into_inner()),
            progress: self
                .progress
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .map(|(done, total)| rounds_domain::sync::SyncProgress { done, total }),
            session_live: self.remote.is_online(),
        })
    }

    /// Changes the server refused, with its reasons, oldest first.
    pub fn rejected_changes(&self) -> Result<Vec<RejectedChange>> {
        self.require_session()?;
        let rejected = self.store()?.read().rejected_commands()?;
        Ok(rejected
            .into_iter()
            .map(|r| RejectedChange {
                client_seq: r.command.client_seq,
                mutation: r.command.mutation,
                outcome: r.outcome,
            })
            .collect())
    }

    /// The clinician has read a refused change.
    pub fn dismiss_rejected(&self, client_seq: i64) -> Result<()> {
        self.require_session()?;
        if self.store()?.transaction(|tx| tx.dismiss_rejected(client_seq))? {
            Ok(())
        } else {
            Err(ClientError::new(ErrorCode::NotFound, "no such refused change"))
        }
    }

    /// One sync round: push the outbox, then pull the change log until caught up.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        let _one_at_a_time = self.syncing.lock().await;
        let result = self.sync_round().await;
        if result.is_ok() {
            // The organisation may have changed its idle limit.
            if let Ok(store) = self.store() {
                self.refresh_policy(&store);
            }
        }
        *self.progress.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let mut offline = self.offline_since.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            // Unreachable, or no server session at all (after a restart, until the clinician
            // reconnects): either way this device is working offline.
            Err(e) if e.code == ErrorCode::ServerUnreachable || !self.remote.has_token() => {
                offline.get_or_insert_with(|| (self.clock)());
            }
            _ => *offline = None,
        }
        result
    }

    async fn sync_round(&self) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let device = self.store()?.read().sync_state()?.device_id;
        loop {
            let commands = self.store()?.transaction(|tx| tx.take_for_push(MAX_PUSH_COMMANDS))?;
            if commands.is_empty() {
                break;
            }
            let response = self.remote.push(device, &commands).await?;
            fail::fail_point!("sync.pushed_not_recorded", |_| Err(injected("sync.pushed_not_recorded")));
            let now = self.now();
            self.store()?.transaction(|tx| tx.record_results(&response.results, now))?;
            report.pushed += response.results.len();
            report.rejected += response.results.iter().filter(|r| r.outcome != Outcome::Applied).count();
            if commands.len() < MAX_PUSH_COMMANDS {
                break;
            }
        }
        // The next page is fetched while this one is applied (the server's half and the
        // device's half of a long download overlap).
        let mut prefetched: Option<Prefetch> = None;
        loop {
            let state = self.store()?.read().sync_state()?;
            let page = match prefetched.take() {
                Some(next) if next.cursor == state.cursor => next.wait().await?,
                _ => self.remote.pull(state.cursor, PULL_PAGE).await?,
            };
            if state.epoch.is_some_and(|e| e != page.epoch) {
                // The server's log was reset or restored: start over from its beginning. The
                // outbox stays and is pushed again (the server answers duplicates).
                tracing::warn!("server change log has a new epoch; re-reading it");
                self.store()?.transaction(|tx| tx.reset_cursor(Some(page.epoch)))?;
                continue;
            }
            if state.scope.as_ref().is_some_and(|s| *s != page.scope) {
                // A role or license was gained or lost (or one expired): read the log again, so
                // what is now in scope arrives and what is not arrives withdrawn.
                tracing::info!("sync scope changed; re-reading the change log");
                self.store()?.transaction(|tx| tx.reset_cursor(Some(page.epoch)))?;
                continue;
            }
            report.pulled += page.changes.len();
            if page.more {
                prefetched = Some(Prefetch::start(self.remote.clone(), page.cursor));
            }
            fail::fail_point!("sync.pulled_not_applied", |_| Err(injected("sync.pulled_not_applied")));
            let now = self.now();
            self.store()?.transaction(|tx| {
                tx.apply_pull(&page)?;
                fail::fail_point!("sync.applied_not_committed", |_| Err(rounds_store::StoreError::InvalidData(
                    "injected failure at sync.applied_not_committed".into()
                )));
                tx.record_results(&[], now)
            })?;
            if page.more {
                *self.progress.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((page.cursor, page.head.max(page.cursor)));
            } else {
                break;
            }
        }
        Ok(report)
    }

    /// Runs sync until the task is dropped: after every local write, when the server pokes (a
    /// server-sent event), and every SYNC_INTERVAL; backing off while the server is away.
    pub async fn run_sync(self: Arc<Self>) {
        let poker = tokio::spawn(Self::listen_for_pokes(Arc::downgrade(&self)));
        let _stop_poker = AbortOnDrop(poker);
        let mut backoff = Duration::from_secs(1);
        loop {
            let wait = match self.sync_now().await {
                Ok(_) => {
                    backoff = Duration::from_secs(1);
                    SYNC_INTERVAL
                }
                Err(e) if matches!(e.code, ErrorCode::Unauthorized | ErrorCode::NotSignedIn | ErrorCode::Locked) => {
                    SYNC_INTERVAL
                }
                Err(e) => {
                    tracing::info!(code = ?e.code, "sync round failed; retrying");
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    backoff
                }
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = self.draft_wake.notified() => {
                    // Wait for a pause in the typing (or for anything more urgent).
                    loop {
                        tokio::select! {
                            _ = self.draft_wake.notified() => continue,
                            _ = self.wake.notified() => break,
                            _ = tokio::time::sleep(DRAFT_QUIET) => break,
                        }
                    }
                }
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn listen_for_pokes(me: std::sync::Weak<Self>) {
        loop {
            let stream = {
                let Some(ws) = me.upgrade() else { return };
                ws.remote.events().await
            };
            match stream {
                Ok(mut stream) => {
                    while let Some(head) = stream.next_head().await {
                        let Some(ws) = me.upgrade() else { return };
                        tracing::debug!(head, "poked");
                        ws.wake.notify_one();
                    }
                }
                Err(e) => tracing::debug!(code = ?e.code, "no poke stream; polling"),
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }

    /// A draft section was saved: sync after the typing pauses.
    fn draft_edited(&self) {
        self.draft_wake.notify_one();
    }

    /// The signed-in practitioner, or NotSignedIn.
    fn require_session(&self) -> Result<rounds_domain::PractitionerId> {
        match self.store()?.read().session()? {
            Some(s) => Ok(s.practitioner_id),
            None => Err(ClientError::new(ErrorCode::NotSignedIn, "sign in first")),
        }
    }
}

/// A crash point fired (tests only): the round stops as if the app had died there.
#[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
fn injected(at: &str) -> ClientError {
    ClientError::new(ErrorCode::Internal, format!("injected failure at {at}"))
}

/// A pull running ahead of the one being applied.
struct Prefetch {
    cursor: i64,
    task: tokio::task::JoinHandle<Result<rounds_domain::sync::PullResponse>>,
}

impl Prefetch {
    fn start(remote: Arc<remote::Remote>, cursor: i64) -> Prefetch {
        Prefetch { cursor, task: tokio::spawn(async move { remote.pull(cursor, PULL_PAGE).await }) }
    }

    async fn wait(mut self) -> Result<rounds_domain::sync::PullResponse> {
        (&mut self.task)
            .await
            .map_err(|e| ClientError::new(ErrorCode::Internal, format!("the download stopped: {e}")))?
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn parse_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T> {
    raw.trim().parse().map_err(|_| ClientError::invalid(format!("{what} id must be a UUID")))
}

fn not_found(e: impl Into<ClientError> + IsNotFound, message: &str) -> ClientError {
    if e.is_not_found() {
        ClientError::new(ErrorCode::NotFound, message)
    } else {
        e.into()
    }
}

trait IsNotFound {
    fn is_not_found(&self) -> bool;
}

impl IsNotFound for rounds_store::StoreError {
    fn is_not_found(&self) -> bool {
        matches!(self, rounds_store::StoreError::NotFound)
    }
}
