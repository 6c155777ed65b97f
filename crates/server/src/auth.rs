//! Passwords (Argon2id) and bearer sessions. The server stores only a SHA-256 of each token.

use crate::error::ApiError;
use crate::AppState;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use rand::RngCore;
use rounds_domain::Practitioner;
use sha2::{Digest, Sha256};

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's minimum).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ApiError::internal)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A fresh bearer token: 256 random bits, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed-in practitioner of a request (from `Authorization: Bearer <token>`).
pub struct CurrentUser(pub Practitioner);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = CurrentSession::from_request_parts(parts, state).await?;
        if session.must_enrol {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                rounds_domain::ErrorCode::SecondFactorEnrollmentRequired,
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
        if user.has_role(rounds_domain::Role::Admin) {
            Ok(AdminUser(user))
        } else {
            Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                rounds_domain::ErrorCode::Forbidden,
                "this is for administrators",
            ))
        }
    }
}
