//! The error every client function returns: a stable code and a sentence for the clinician.
//! It crosses IPC as `{code, message}` (the same shape as the server's errors).

use rounds_domain::{ErrorBody, ErrorCode};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct ClientError {
    pub code: ErrorCode,
    pub message: String,
}

impl ClientError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// The workspace is locked (see `lock`): only the password opens it again.
    pub fn locked() -> Self {
        Self::new(ErrorCode::Locked, "Rounds is locked: enter your password to continue")
    }
}

impl From<ErrorBody> for ClientError {
    fn from(b: ErrorBody) -> Self {
        Self { code: b.code, message: b.message }
    }
}

/// A domain rule's refusal, with its one sentence: forbidden and not found keep their codes,
/// every other refusal is invalid input here.
impl From<rounds_domain::sync::Refusal> for ClientError {
    fn from(r: rounds_domain::sync::Refusal) -> Self {
        use rounds_domain::sync::RejectCode as R;
        let code = match r.code {
            R::Forbidden => ErrorCode::Forbidden,
            R::NotFound => ErrorCode::NotFound,
            R::Conflict | R::AlreadyClaimed | R::Invalid | R::UnsupportedSchema => ErrorCode::InvalidInput,
        };
        Self::new(code, r.message)
    }
}

impl From<rounds_store::StoreError> for ClientError {
    fn from(e: rounds_store::StoreError) -> Self {
        use rounds_store::StoreError as S;
        let code = match &e {
            S::TooNew { .. } => ErrorCode::DatabaseTooNew,
            S::MigrationEdited { .. } | S::Corrupt(_) | S::InvalidData(_) | S::CannotDecrypt | S::NotEncrypted => {
                ErrorCode::DatabaseCorrupt
            }
            S::OutboxNotEmpty(_) => ErrorCode::Forbidden,
            S::NotFound => ErrorCode::NotFound,
            S::Sqlite(_) => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "local database error");
            return Self::new(code, "the local database could not complete the request");
        }
        Self::new(code, e.to_string())
    }
}
