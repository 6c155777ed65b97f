//! HTTP wire types between the desktop client and the server.

use crate::{Patient, PatientId, Practitioner};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest accepted email or password, in bytes: beyond this a request is malformed.
pub const MAX_CREDENTIAL_LEN: usize = 256;

#[derive(Clone, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// The 6-digit code of the account's second factor, when it has one.
    #[serde(default)]
    pub totp: Option<String>,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("email", &"<redacted>")
            .field("password", &"<redacted>")
            .field("totp", &self.totp.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignInResponse {
    /// Bearer token for `Authorization: Bearer ...`: lives minutes.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub practitioner: Practitioner,
    /// Exchanged once at `POST /auth/refresh` for a new pair; a second use revokes the session.
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// The organisation requires a second factor this account lacks: until it is enrolled, the
    /// session may only enrol one.
    #[serde(default)]
    pub second_factor_enrollment_required: bool,
}

/// A second factor being enrolled: the secret for an authenticator app, once.
#[derive(Clone, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SecondFactorEnrollment {
    /// Base32, to type into the app.
    pub secret: String,
    /// The same as an `otpauth://` URI (what a QR code carries).
    pub otpauth_uri: String,
}

impl std::fmt::Debug for SecondFactorEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactorEnrollment").field("secret", &"<redacted>").finish()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorCode {
    pub code: String,
}

/// Whether the organisation requires a second factor (administrators set it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorPolicy {
    pub required: bool,
}

/// Whether the app is locked, and for whom (the lock screen names the clinician, nothing else).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct LockStatus {
    pub locked: bool,
    /// The signed-in clinician, while locked.
    pub display_name: Option<String>,
    /// The organisation's idle limit in force on this device.
    pub idle_lock_minutes: u32,
}

/// The organisation's security settings that every device follows (an organisation document,
/// replaced whole by an administrator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityPolicy {
    /// Minutes without keyboard or pointer activity after which the desktop app locks.
    #[schemars(range(min = 1, max = 120))]
    pub idle_lock_minutes: u32,
}

impl SecurityPolicy {
    /// The shortest and longest idle limits an organisation may choose.
    pub const IDLE_LOCK_RANGE: std::ops::RangeInclusive<u32> = 1..=120;

    pub fn validate(&self) -> Result<(), String> {
        if Self::IDLE_LOCK_RANGE.contains(&self.idle_lock_minutes) {
            Ok(())
        } else {
            Err(format!(
                "the idle limit must be between {} and {} minutes",
                Self::IDLE_LOCK_RANGE.start(),
                Self::IDLE_LOCK_RANGE.end()
            ))
        }
    }
}

impl Default for SecurityPolicy {
    /// Fifteen minutes: the common choice for shared clinical workstations.
    fn default() -> Self {
        SecurityPolicy { idle_lock_minutes: 15 }
    }
}

#[derive(Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest").field("refresh_token", &"<redacted>").finish()
    }
}

/// One signed-in session of a practitioner (a device, until it signs out or is revoked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SessionSummary {
    #[ts(type = "string")]
    pub id: uuid::Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    /// What signed in (its user agent).
    pub client: String,
    /// The session this request came from.
    pub current: bool,
}

impl std::fmt::Debug for SignInResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInResponse")
            .field("token", &"<redacted>")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .field("practitioner", &self.practitioner.id)
            .finish()
    }
}

/// Largest page the server hands out for `GET /patients`.
pub const MAX_PAGE: u32 = 1000;

/// One page of `GET /patients?after=ID&limit=N`, in id order.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PatientPage {
    pub patients: Vec<Patient>,
    /// Pass as `after` for the next page; None when this was the last.
    pub next_after: Option<PatientId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// "sqlite" or "postgres".
    pub database: String,
}

/// What the desktop knows about who is signed in on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SessionInfo {
    pub practitioner: Practitioner,
    pub server_url: String,
    /// Patients in the local cache.
    pub cached_patients: u32,
    /// False when the app opened the cache without reaching the server.
    pub online: bool,
}

/// One row of the audit trail, as administrators read it (`GET /audit?format=json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub seq: i64,
    /// Server time, RFC 3339 with microseconds.
    pub at: String,
    pub practitioner_id: String,
    pub device_id: Option<String>,
    pub patient_id: Option<String>,
    /// e.g. "patient.read", "device.chart_read", "sync.edit_patient", "auth.refresh_reused".
    pub action: String,
    pub detail: String,
    /// "normal" or "high".
    pub severity: String,
    pub hash: String,
}

/// The chain verifier's answer (`GET /audit/verify`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct AuditVerification {
    #[ts(type = "number")]
    pub rows: u64,
    /// The first row whose chain does not hold; None when the whole trail verifies.
    #[ts(type = "number | null")]
    pub first_broken: Option<i64>,
}

/// Longest break-glass reason.
pub const MAX_BREAK_GLASS_REASON: usize = 500;

/// Emergency access to a chart outside the user's care teams: why.
#[derive(Clone, Debug, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// The patient, by id or by medical record number (one of the two).
    #[serde(default)]
    pub patient_id: Option<PatientId>,
    #[serde(default)]
    pub mrn: Option<String>,
    pub reason: String,
}

/// What break-glass opens, until when (read-only; nothing is kept on the device).
#[derive(Clone, Debug, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct BreakGlassView {
    pub patient: Patient,
    /// The signed notes, newest first.
    pub encounters: Vec<crate::Encounter>,
    pub expires_at: DateTime<Utc>,
    pub reason: String,
}

/// Whether a practitioner may use break-glass (administrators set it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassPermission {
    pub allowed: bool,
}
