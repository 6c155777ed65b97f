//! The one error shape that crosses every boundary (HTTP and IPC): a stable code the UI can
//! branch on, and a sentence a clinician can read. Never match on the message.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request or command arguments are malformed or out of range.
    InvalidInput,
    /// Wrong email or password.
    InvalidCredentials,
    /// Too many wrong passwords: the account is locked for a while.
    AccountLocked,
    /// Too many sign-in attempts from one address: wait a few minutes.
    RateLimited,
    /// No valid session: sign in again.
    Unauthorized,
    /// Signed in, but not allowed to do this.
    Forbidden,
    NotFound,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The server cannot be reached (the app keeps working offline).
    ServerUnreachable,
    /// The server answered something the client does not understand.
    BadResponse,
    /// The local database was written by a newer version of Rounds.
    DatabaseTooNew,
    /// The local database is damaged, or a shipped migration was altered.
    DatabaseCorrupt,
    /// No one is signed in on this device.
    NotSignedIn,
    /// The OS keychain (which holds the key of the encrypted cache) is not available.
    KeychainUnavailable,
    /// A sync push skipped commands the server has not seen (see docs/sync.md, epochs).
    SyncGap,
    /// The account has a second factor: the sign-in needs its 6-digit code.
    SecondFactorRequired,
    /// The organisation requires a second factor and this account has none yet: enrol first.
    SecondFactorEnrollmentRequired,
    /// The app locked itself after the organisation's idle limit (or the clinician locked it):
    /// unlock with the password.
    Locked,
    Internal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}
