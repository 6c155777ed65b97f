//! Sessions: short-lived access tokens and rotating refresh tokens, in families (one per
//! sign-in). A refresh token is exchanged once; presented again, it revokes its family, since
//! only a thief would hold a used one. Practitioners list their sessions and revoke any of them.

use crate::api::ApiJson;
use crate::audit::{AuditEvent, Severity};
use crate::auth::{self, CurrentSession};
use crate::error::ApiError;
use crate::storage::{IssuedTokens, Rotation};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use rounds_domain::api::{RefreshRequest, SessionSummary, SignInResponse};
use rounds_domain::{ErrorCode, Practitioner};

/// What signed in, for the session list: the user agent, shortened (never trusted for anything).
pub fn client_name(headers: &HeaderMap) -> String {
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("unknown client");
    agent.chars().filter(|c| !c.is_control()).take(120).collect()
}

/// A new access token and refresh token: the hashes to store, and the tokens for the device.
pub struct Minted {
    pub stored: IssuedTokens,
    token: String,
    refresh: String,
}

impl Minted {
    pub fn new(state: &AppState, now: DateTime<Utc>) -> Minted {
        let (token, refresh) = (auth::new_token(), auth::new_token());
        let stored = IssuedTokens {
            access_hash: auth::token_hash(&token),
            access_expires_at: now + state.session_ttl,
            refresh_hash: auth::token_hash(&refresh),
            refresh_expires_at: now + state.refresh_ttl,
        };
        Minted { stored, token, refresh }
    }

    /// The answer to a sign-in or a refresh.
    pub fn answer(self, practitioner: Practitioner) -> SignInResponse {
        SignInResponse {
            token: self.token,
            expires_at: self.stored.access_expires_at,
            practitioner,
            refresh_token: Some(self.refresh),
            refresh_expires_at: Some(self.stored.refresh_expires_at),
        }
    }
}

fn refused() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "this session has ended: sign in again")
}

/// `POST /auth/refresh`: a new access token and refresh token for an unused refresh token.
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    let presented = req.refresh_token.trim();
    if presented.is_empty() || presented.len() > 128 {
        return Err(refused());
    }
    let now = state.clock.now();
    let minted = Minted::new(&state, now);
    match state.storage.rotate_refresh(&auth::token_hash(presented), &minted.stored, now).await? {
        Rotation::Rotated(who) => Ok(Json(minted.answer(who))),
        Rotation::Reused(who) => {
            let event = AuditEvent::new(who.organization_id, now, who.id, "auth.refresh_reused")
                .severity(Severity::High)
                .detail("a used refresh token was presented again: the session was revoked");
            state.storage.audit(&event).await?;
            tracing::warn!(practitioner = %who.id, "a used refresh token was presented again; session revoked");
            Err(refused())
        }
        Rotation::Refused => Err(refused()),
    }
}

/// `GET /auth/sessions`: the practitioner's live sessions, newest use first.
pub async fn list(
    State(state): State<AppState>,
    session: CurrentSession,
) -> Result<Json<Vec<SessionSummary>>, ApiError> {
    let rows = state.storage.sessions(session.user.id, state.clock.now()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| SessionSummary {
                current: Some(r.id) == session.family,
                id: r.id,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                client: r.client,
            })
            .collect(),
    ))
}

/// `DELETE /auth/sessions/{id}`: ends one of the practitioner's sessions.
pub async fn revoke(
    State(state): State<AppState>,
    session: CurrentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: uuid::Uuid = id.parse().map_err(|_| ApiError::invalid("session id must be a UUID"))?;
    let now = state.clock.now();
    if !state.storage.revoke_session(session.user.id, id, "revoked by its user", now).await? {
        return Err(ApiError::not_found("session"));
    }
    let event = AuditEvent::new(session.user.organization_id, now, session.user.id, "auth.session_revoked")
        .detail(format!("session {id}"));
    state.storage.audit(&event).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/sign-out`: ends the session the request came from.
pub async fn sign_out(State(state): State<AppState>, session: CurrentSession) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    if let Some(family) = session.family {
        state.storage.revoke_session(session.user.id, family, "signed out", now).await?;
    }
    state.storage.audit(&AuditEvent::new(session.user.organization_id, now, session.user.id, "auth.sign_out")).await?;
    Ok(StatusCode::NO_CONTENT)
}
