//! Every failure is answered as `{code, message}` with a fitting status. The status of each
//! error is decided here, and only here: by its code ([`status_of`]), and for the few answers
//! the code alone does not tell apart (a method or media type the endpoint does not take, and
//! the rejections of axum's extractors) by the named constructors below. Internal errors are
//! logged in full and answered with a generic sentence.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rounds_domain::{ErrorBody, ErrorCode};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

/// The HTTP status of an error code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidCredentials | ErrorCode::Unauthorized | ErrorCode::SecondFactorRequired => {
            StatusCode::UNAUTHORIZED
        }
        ErrorCode::Forbidden | ErrorCode::SecondFactorEnrollmentRequired => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::SyncGap => StatusCode::CONFLICT,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::AccountLocked | ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        // The device's own conditions: the server never answers them.
        ErrorCode::ServerUnreachable
        | ErrorCode::BadResponse
        | ErrorCode::DatabaseTooNew
        | ErrorCode::DatabaseCorrupt
        | ErrorCode::NotSignedIn
        | ErrorCode::KeychainUnavailable
        | ErrorCode::Locked
        | ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// An error answered with its code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::with_status(status_of(code), code, message)
    }

    fn with_status(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, body: ErrorBody::new(code, message) }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "sign in first: the session is missing or has expired")
    }

    /// The endpoint exists, but not with this method (405).
    pub fn method_not_allowed() -> Self {
        Self::with_status(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::InvalidInput,
            "method not allowed on this endpoint",
        )
    }

    /// The body is not of the media type the endpoint takes (415).
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::InvalidInput, message)
    }

    /// Logs the cause (never PHI: callers pass storage errors, not request data) and hides it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(ErrorCode::Internal, "the server could not complete the request")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        match e {
            crate::storage::StorageError::NotFound => ApiError::not_found("record"),
            other => ApiError::internal(other),
        }
    }
}

/// A JSON body that did not arrive or decode keeps axum's status (400 malformed, 413 too large,
/// 415 not JSON, 422 not the expected shape), in the API's error shape.
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            let message = format!("request body is larger than {} bytes", crate::http::MAX_BODY_BYTES);
            return Self::with_status(status, ErrorCode::PayloadTooLarge, message);
        }
        let message = match &r {
            JsonRejection::MissingJsonContentType(_) => {
                "expected a JSON body (Content-Type: application/json)".to_string()
            }
            other => other.body_text(),
        };
        Self::with_status(status, ErrorCode::InvalidInput, message)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::invalid(r.body_text())
    }
}
