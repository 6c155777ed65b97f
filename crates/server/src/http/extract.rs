//! The extractors every handler uses. Their rejections are `ApiError`s (the body and query
//! rejections through the `From` impls in `error.rs`), so a bad request is answered in the
//! API's error shape whichever extractor refused it.

use crate::auth::token_hash;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use rounds_domain::{ErrorCode, Practitioner, Role};

/// `Json` whose rejections are answered in the API's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query` whose rejections are answered in the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The signed-in practitioner of a request (from `Authorization: Bearer <token>`).
pub struct CurrentUser(pub Practitioner);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = CurrentSession::from_request_parts(parts, state).await?;
        if session.must_enrol {
            return Err(ApiError::new(
                ErrorCode::SecondFactorEnrollmentRequired,
                "your organisation requires a second factor: set up your authenticator app first",
            ));
        }
        Ok(CurrentUser(session.user))
    }
}

/// The signed-in practitioner and the session (family) the request's token belongs to.
pub struct CurrentSession {
    pub user: Practitioner,
    pub family: Option<uuid::Uuid>,
    /// Until the second factor the organisation requires is enrolled, only enrolment (and the
    /// session endpoints) answer.
    pub must_enrol: bool,
}

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let session =
            state.storage.session(&token_hash(token), state.clock.now()).await?.ok_or_else(ApiError::unauthorized)?;
        Ok(CurrentSession { user: session.practitioner, family: session.family, must_enrol: session.must_enrol })
    }
}

/// The request's bearer token.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(ApiError::unauthorized)
}

/// A signed-in administrator. As an extractor it runs before the body is read, so anyone else
/// is refused (403) whatever they sent.
pub struct AdminUser(pub Practitioner);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.has_role(Role::Admin) {
            Ok(AdminUser(user))
        } else {
            Err(ApiError::forbidden("this is for administrators"))
        }
    }
}
