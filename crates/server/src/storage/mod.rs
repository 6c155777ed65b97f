//! Server storage: one trait, two implementations (PostgreSQL for production, SQLite embedded).
//! Both run the same SQL (sqlx binds `$1` on either), so the two cannot drift apart; each has
//! its own migrations under migrations/server/.

mod rows;
mod sql;

use crate::audit::AuditEvent;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rounds_domain::sync::{Command, PullResponse, PushResponse};
use rounds_domain::*;
use std::sync::Arc;

pub use sql::{PostgresStorage, SqliteStorage};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    #[error("stored data is invalid: {0}")]
    InvalidData(String),
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A crash point fired (tests only).
    #[error("injected failure at {0}")]
    Injected(&'static str),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A care team: the practitioners who look after a panel of patients. A practitioner sees the
/// patients of the teams they belong to.
#[derive(Clone, Debug)]
pub struct CareTeam {
    pub id: CareTeamId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub members: Vec<PractitionerId>,
}

/// The server's storage: every area below, on one database.
#[async_trait]
pub trait Storage:
    DirectoryStore
    + OrgDocumentStore
    + SessionStore
    + BreakGlassStore
    + PatientStore
    + ChartingStore
    + ThreadStore
    + TaskStore
    + SyncStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<()>;
    /// Row counts of the clinical tables, for seeding reports and tests.
    async fn counts(&self) -> Result<Counts>;
}

/// Organisations, care teams and the practitioner directory.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn create_organization(&self, id: OrganizationId, name: &str, now: DateTime<Utc>) -> Result<()>;
    async fn organization_by_name(&self, name: &str) -> Result<Option<OrganizationId>>;
    /// Whether notes of nurse practitioners and physician assistants need a physician's
    /// co-signature.
    async fn set_cosign_np_notes(&self, org: OrganizationId, required: bool) -> Result<()>;
    /// Stores a practitioner with their roles and licenses; `email` is stored lower case.
    async fn insert_practitioner(&self, p: &Practitioner, password_hash: &str) -> Result<()>;
    async fn practitioner(&self, id: PractitionerId) -> Result<Practitioner>;
    /// Replaces a practitioner's name, roles, licenses, supervisor and duty status (not the
    /// email or password); logs the change for every device and audits it. False when no such
    /// practitioner is in the organisation.
    async fn update_practitioner(&self, by: PractitionerId, p: &Practitioner, now: DateTime<Utc>) -> Result<bool>;
    /// The organisation's directory, by name.
    async fn practitioners(&self, org: OrganizationId) -> Result<Vec<Practitioner>>;
    async fn insert_care_team(&self, team: &CareTeam) -> Result<()>;
}

/// Organisation documents (complaint catalogs, the service menu).
#[async_trait]
pub trait OrgDocumentStore: Send + Sync {
    /// Replaces one organisation document (a complaint catalog, the service menu) and logs the
    /// change for every device of the organisation; audited when `by` is a person. False when
    /// the same version is already stored.
    async fn put_org_document(
        &self,
        org: OrganizationId,
        by: Option<PractitionerId>,
        doc: &rounds_domain::sync::OrgDocument,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}

/// Sign-in, sessions and second factors.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn credentials_by_email(&self, email: &str) -> Result<Option<(Practitioner, String)>>;
    /// When the account's lock ends, if it is locked at all.
    async fn locked_until(&self, who: PractitionerId) -> Result<Option<DateTime<Utc>>>;
    /// Counts a wrong password; the `max`-th in a row locks the account until `lock_until`,
    /// which is returned when this attempt locked it; `locked`, if given, is then written in the
    /// same transaction.
    async fn record_failed_sign_in(
        &self,
        who: PractitionerId,
        max: i64,
        lock_until: DateTime<Utc>,
        locked: Option<&AuditEvent>,
    ) -> Result<Option<DateTime<Utc>>>;
    /// A right password: the count of wrong ones starts over.
    async fn record_sign_in(&self, who: PractitionerId) -> Result<()>;
    /// Starts a session family for a sign-in: its first access token and refresh token.
    async fn open_session(
        &self,
        who: PractitionerId,
        client: &str,
        tokens: &IssuedTokens,
        now: DateTime<Utc>,
    ) -> Result<uuid::Uuid>;
    /// Exchanges a refresh token for `next`, once. A refresh token used again revokes its whole
    /// family (someone else has it), audited as `auth.refresh_reused` in the same transaction.
    async fn rotate_refresh(&self, refresh_hash: &str, next: &IssuedTokens, now: DateTime<Utc>) -> Result<Rotation>;
    /// The practitioner of an unexpired access token whose session is not revoked, the session
    /// (family) it belongs to, and whether it must enrol a second factor before anything else.
    async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionUser>>;
    /// The practitioner of an unexpired access token whose session is not revoked.
    async fn session_practitioner(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Practitioner>> {
        Ok(self.session(token_hash, now).await?.map(|s| s.practitioner))
    }
    /// `who`'s second factor, and whether their organisation requires one.
    async fn second_factor(&self, who: PractitionerId) -> Result<SecondFactorState>;
    /// Starts enrolling a second factor (replacing any enrolment not confirmed yet).
    async fn set_second_factor_pending(&self, who: PractitionerId, secret: &str) -> Result<()>;
    /// Makes the pending secret the one in use, `step` its first code used, and writes `audit` in
    /// the same transaction. False (and nothing written) when none was pending.
    async fn confirm_second_factor(&self, who: PractitionerId, step: i64, audit: &AuditEvent) -> Result<bool>;
    /// Records that the code of time step `step` was used; false when it, or a later one, was
    /// used before (a replay).
    async fn use_second_factor_step(&self, who: PractitionerId, step: i64) -> Result<bool>;
    /// Whether the organisation requires a second factor, with `audit` in the same transaction.
    async fn set_require_second_factor(&self, org: OrganizationId, required: bool, audit: &AuditEvent) -> Result<()>;
    /// `who`'s live sessions, newest first.
    async fn sessions(&self, who: PractitionerId, now: DateTime<Utc>) -> Result<Vec<SessionRow>>;
    /// Revokes one of `who`'s sessions (its access and refresh tokens stop working at once) and
    /// writes `audit` in the same transaction. False (and nothing written) when `who` has no
    /// such live session.
    async fn revoke_session(
        &self,
        who: PractitionerId,
        family: uuid::Uuid,
        reason: &str,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<bool>;
}

/// Break-glass access to patients outside the user's care teams.
#[async_trait]
pub trait BreakGlassStore: Send + Sync {
    /// Lets a practitioner of `org` use break-glass, or not, with `audit` in the same
    /// transaction. False (and nothing written) when no such practitioner.
    async fn set_may_break_glass(
        &self,
        org: OrganizationId,
        who: PractitionerId,
        allowed: bool,
        audit: &AuditEvent,
    ) -> Result<bool>;
    async fn may_break_glass(&self, who: PractitionerId) -> Result<bool>;
    /// Records a grant to `who` on a patient of their organisation until `expires_at`; None when
    /// the organisation has no such patient.
    async fn grant_break_glass(
        &self,
        who: &Practitioner,
        patient: PatientId,
        reason: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<()>>;
    /// The latest unexpired grant's reason and end, if any.
    async fn break_glass_grant(
        &self,
        who: PractitionerId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, DateTime<Utc>)>>;
    /// A patient of `org` and their signed notes, newest first (for a break-glass grant).
    async fn chart_for_break_glass(
        &self,
        org: OrganizationId,
        patient: PatientId,
    ) -> Result<Option<(Patient, Vec<Encounter>)>>;
}

/// Patients and the care-team scope that decides who sees them.
#[async_trait]
pub trait PatientStore: Send + Sync {
    /// The patient of `org` with this medical record number.
    async fn patient_id_by_mrn(&self, org: OrganizationId, mrn: &str) -> Result<Option<PatientId>>;
    /// Inserts a patient (and its change-log row).
    async fn insert_patient(
        &self,
        org: OrganizationId,
        team: CareTeamId,
        p: &Patient,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Patients of `who`'s care teams, in id order, after `after`.
    async fn patients_in_scope(
        &self,
        who: PractitionerId,
        after: Option<PatientId>,
        limit: u32,
    ) -> Result<Vec<Patient>>;
    async fn patient_in_scope(&self, who: PractitionerId, id: PatientId) -> Result<Option<Patient>>;
}

/// Encounters (notes), their sections, signatures and addenda.
#[async_trait]
pub trait ChartingStore: Send + Sync {
    async fn insert_encounter(&self, org: OrganizationId, e: &Encounter, now: DateTime<Utc>) -> Result<()>;
}

/// Threads and messages, with the SMS channel (inbound texts, the outbox, delivery).
#[async_trait]
pub trait ThreadStore: Send + Sync {
    /// Inserts a thread with its first messages.
    async fn insert_thread(
        &self,
        org: OrganizationId,
        t: &Thread,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Routes texts to `number` to the organisation's `service_line`.
    async fn add_sms_number(&self, org: OrganizationId, number: &str, service_line: &str) -> Result<()>;
    /// Stores a patient's text in their open SMS thread (a new one if none is open; an
    /// unmatched one when the number matches no patient, or several). A MessageSid seen before
    /// is stored once.
    async fn receive_sms(&self, sms: &InboundSms, now: DateTime<Utc>) -> Result<Received>;
    /// Replies waiting for the provider, oldest first.
    async fn due_sms(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OutboundSms>>;
    /// What the provider said of a reply; returns the organisation and head when the message
    /// changed.
    async fn record_send(
        &self,
        message: MessageId,
        outcome: SendOutcome,
        now: DateTime<Utc>,
    ) -> Result<Option<(OrganizationId, i64)>>;
    /// A delivery report for the message the provider knows as `external_id`; never goes back.
    async fn delivery_report(
        &self,
        external_id: &str,
        delivery: Delivery,
        now: DateTime<Utc>,
    ) -> Result<Option<(OrganizationId, i64)>>;
}

/// Tasks, their routing rules and escalation, and state coverage.
#[async_trait]
pub trait TaskStore: Send + Sync {
    /// Escalates every organisation's overdue, unclaimed tasks by its routing rules (one
    /// transaction per organisation); returns the organisations that changed, with their heads.
    async fn escalate_overdue(&self, now: DateTime<Utc>) -> Result<Vec<(OrganizationId, i64)>>;
    /// For each state: licensed clinicians, those on duty, and open clinical work waiting.
    async fn coverage(&self, org: OrganizationId, now: DateTime<Utc>)
        -> Result<Vec<rounds_domain::ops::StateCoverage>>;
    async fn insert_task(&self, org: OrganizationId, t: &Task, now: DateTime<Utc>) -> Result<()>;
}

/// The change log: a device's push (commands applied in one transaction) and pull.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Applies a device's commands in one transaction: commands already applied are answered
    /// from their stored results, the rest are authorised and applied in order.
    async fn push(
        &self,
        who: &Practitioner,
        device: DeviceId,
        commands: &[Incoming],
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<PushResponse, PushRefused>>;
    /// Changes after `cursor` that `who` may see, in log order; tasks outside their scope on
    /// `now`'s date come as withdrawn.
    async fn pull(&self, who: &Practitioner, cursor: i64, limit: u32, now: DateTime<Utc>) -> Result<PullResponse>;
    /// The organisation's latest change-log position.
    async fn head(&self, org: OrganizationId) -> Result<i64>;
}

/// The hash-chained audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one event to the organisation's hash-chained audit log.
    async fn audit(&self, event: &crate::audit::AuditEvent) -> Result<()>;
    /// The organisation's audit log in order (for the verifier and exports).
    async fn audit_log(&self, org: OrganizationId) -> Result<Vec<crate::audit::AuditRow>>;
}

#[derive(Clone, Debug, PartialEq)]
pub struct SessionUser {
    pub practitioner: Practitioner,
    pub family: Option<uuid::Uuid>,
    /// The organisation requires a second factor the practitioner has not enrolled.
    pub must_enrol: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecondFactorState {
    /// The secret in use (base32).
    pub secret: Option<String>,
    /// One being enrolled, not confirmed yet.
    pub pending: Option<String>,
    pub last_step: Option<i64>,
    /// The organisation requires a second factor.
    pub required: bool,
}

impl SecondFactorState {
    /// Required by the organisation and not enrolled yet.
    pub fn must_enrol(&self) -> bool {
        self.required && self.secret.is_none()
    }
}

/// The hashes of a freshly issued access and refresh token, and when each expires.
#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_hash: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_hash: String,
    pub refresh_expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Rotation {
    Rotated(Practitioner),
    /// Used before: the family is now revoked.
    Reused(Practitioner),
    /// Unknown, expired, or its session revoked.
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub id: uuid::Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub client: String,
}

/// A patient's text as the SMS provider delivered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundSms {
    pub from: String,
    pub to: String,
    pub body: String,
    pub message_sid: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    Stored {
        organization_id: OrganizationId,
        head: i64,
        thread_id: ThreadId,
        matched: bool,
    },
    /// The MessageSid was stored before.
    Duplicate,
    /// No organisation has the number it was sent to.
    UnknownNumber,
}

/// A reply for the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundSms {
    pub message_id: MessageId,
    pub organization_id: OrganizationId,
    pub to: String,
    pub body: String,
    pub attempts: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Sent {
        provider_id: String,
    },
    /// A passing failure: try again later (until the attempts run out).
    Retry,
    /// The provider refused it for good.
    Failed,
}

/// Attempts at sending one reply before it is marked failed.
pub const MAX_SEND_ATTEMPTS: i64 = 8;

/// One command of a push, as the server read it.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    Ready(Command),
    /// A format or kind this server cannot apply: refused with `outcome`, in order, like any
    /// other refusal (the device sees why; the command is never silently dropped).
    Unreadable {
        client_seq: i64,
        mutation_id: uuid::Uuid,
        outcome: rounds_domain::sync::Outcome,
    },
}

impl Incoming {
    pub fn client_seq(&self) -> i64 {
        match self {
            Incoming::Ready(c) => c.client_seq,
            Incoming::Unreadable { client_seq, .. } => *client_seq,
        }
    }
}

/// Why a whole push was refused (nothing applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushRefused {
    /// The device id is registered to another practitioner.
    DeviceOfAnother,
    /// The first command is not the next one the server expects.
    Gap { last_seq: i64 },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub practitioners: i64,
    pub patients: i64,
    pub encounters: i64,
    pub threads: i64,
    pub messages: i64,
    pub tasks: i64,
}

/// Opens the database at `url` (`sqlite://PATH` or `postgres://...`) and applies migrations.
pub async fn connect(url: &str) -> Result<Arc<dyn Storage>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStorage::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresStorage::connect(url).await?))
    } else {
        Err(StorageError::UnsupportedUrl)
    }
}
