//! Sessions: short-lived access tokens and rotating refresh tokens, in families (one per
//! sign-in). A refresh token is exchanged once; presented again, it revokes its family, since
//! only a thief would hold a used one. Practitioners list their sessions and revoke any of them.

use super::extract::ApiJson;
use super::extract::{AdminUser, CurrentSession};
use crate::audit::{AuditEvent, Severity};
use crate::auth;
use crate::error::ApiError;
use crate::storage::{IssuedTokens, Rotation};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use rounds_domain::api::{RefreshRequest, SessionSummary, SignInRequest, SignInResponse, MAX_CREDENTIAL_LEN};
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
    pub fn answer(self, practitioner: Practitioner, must_enrol: bool) -> SignInResponse {
        SignInResponse {
            token: self.token,
            expires_at: self.stored.access_expires_at,
            practitioner,
            refresh_token: Some(self.refresh),
            refresh_expires_at: Some(self.stored.refresh_expires_at),
            second_factor_enrollment_required: must_enrol,
        }
    }
}

fn refused() -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, "this session has ended: sign in again")
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
        Rotation::Rotated(who) => {
            let must_enrol = state.storage.second_factor(who.id).await?.must_enrol();
            Ok(Json(minted.answer(who, must_enrol)))
        }
        Rotation::Reused(who) => {
            // Audited (auth.refresh_reused) in the revocation's transaction.
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
    let event = AuditEvent::new(session.user.organization_id, now, session.user.id, "auth.session_revoked")
        .detail(format!("session {id}"));
    if !state.storage.revoke_session(session.user.id, id, "revoked by its user", now, &event).await? {
        return Err(ApiError::not_found("session"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/sign-out`: ends the session the request came from.
pub async fn sign_out(State(state): State<AppState>, session: CurrentSession) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let event = AuditEvent::new(session.user.organization_id, now, session.user.id, "auth.sign_out");
    let revoked = match session.family {
        Some(family) => state.storage.revoke_session(session.user.id, family, "signed out", now, &event).await?,
        None => false,
    };
    // Audited with the revocation when there was a session to end, else on its own.
    if !revoked {
        state.storage.audit(&event).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/second-factor/enroll`: a new secret for an authenticator app, pending until a
/// code from it is confirmed (an enrolled factor is replaced only after its successor is).
pub async fn enroll_second_factor(
    State(state): State<AppState>,
    session: CurrentSession,
) -> Result<Json<rounds_domain::api::SecondFactorEnrollment>, ApiError> {
    let secret = crate::totp::new_secret();
    state.storage.set_second_factor_pending(session.user.id, &secret).await?;
    let uri = crate::totp::otpauth_uri("Rounds", &session.user.email, &secret);
    Ok(Json(rounds_domain::api::SecondFactorEnrollment { secret, otpauth_uri: uri }))
}

/// `POST /auth/second-factor/confirm`: a code from the app being enrolled turns it on.
pub async fn confirm_second_factor(
    State(state): State<AppState>,
    session: CurrentSession,
    ApiJson(req): ApiJson<rounds_domain::api::SecondFactorCode>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let factor = state.storage.second_factor(session.user.id).await?;
    let Some(pending) = factor.pending else {
        return Err(ApiError::invalid("start the enrolment first: no authenticator is waiting for a code"));
    };
    let Some(step) = crate::totp::verify(&pending, &req.code, now.timestamp(), None) else {
        return Err(ApiError::invalid("that code is not right: type the 6 digits the app shows now"));
    };
    let event = AuditEvent::new(session.user.organization_id, now, session.user.id, "auth.second_factor_enrolled")
        .severity(Severity::High);
    if !state.storage.confirm_second_factor(session.user.id, step, &event).await? {
        return Err(ApiError::invalid("start the enrolment first: no authenticator is waiting for a code"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /admin/second-factor`: whether the organisation requires a second factor.
pub async fn set_second_factor_policy(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiJson(policy): ApiJson<rounds_domain::api::SecondFactorPolicy>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    let event = AuditEvent::new(admin.organization_id, now, admin.id, "admin.second_factor_policy")
        .detail(if policy.required { "required" } else { "optional" })
        .severity(Severity::High);
    state.storage.set_require_second_factor(admin.organization_id, policy.required, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The sign-in's second step, after the password: the account's code, once. `Ok(must_enrol)`
/// when the sign-in may go on.
pub async fn check_second_factor(
    state: &AppState,
    who: &Practitioner,
    code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let factor = state.storage.second_factor(who.id).await?;
    let Some(secret) = &factor.secret else { return Ok(factor.must_enrol()) };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(
            ErrorCode::SecondFactorRequired,
            "enter the 6-digit code from your authenticator app",
        ));
    };
    let accepted = match crate::totp::verify(secret, code, now.timestamp(), factor.last_step) {
        Some(step) => state.storage.use_second_factor_step(who.id, step).await?,
        None => false,
    };
    if accepted {
        return Ok(false);
    }
    let event = AuditEvent::new(who.organization_id, now, who.id, "auth.second_factor_failed").severity(Severity::High);
    state.storage.audit(&event).await?;
    Err(ApiError::new(
        ErrorCode::InvalidCredentials,
        "that code is not right, or was used already: type the code the app shows now",
    ))
}

/// `POST /auth/sign-in`: email and password (and the second factor's code), then a session.
pub async fn sign_in(
    State(state): State<AppState>,
    connection: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    let client = client_name(&headers);
    if let Some(axum::Extension(axum::extract::ConnectInfo(peer))) = connection {
        if !state.sign_in_limiter.allow(peer.ip(), state.clock.now()) {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "too many sign-in attempts from this address; wait a few minutes",
            ));
        }
    }
    let email = req.email.trim().to_lowercase();
    if email.is_empty() || req.password.is_empty() {
        return Err(ApiError::invalid("email and password are required"));
    }
    if email.len() > MAX_CREDENTIAL_LEN || req.password.len() > MAX_CREDENTIAL_LEN {
        return Err(ApiError::invalid("email or password is too long"));
    }
    let found = state.storage.credentials_by_email(&email).await?;
    let now = state.clock.now();
    if let Some((p, _)) = &found {
        if state.storage.locked_until(p.id).await?.is_some_and(|until| until > now) {
            let event =
                AuditEvent::new(p.organization_id, now, p.id, "auth.sign_in_while_locked").severity(Severity::High);
            state.storage.audit(&event).await?;
            return Err(ApiError::new(
                ErrorCode::AccountLocked,
                "too many incorrect passwords; this account is locked for a while",
            ));
        }
    }
    // Verify against a real hash even for unknown emails, so timing does not reveal accounts.
    let (practitioner, hash) = match found {
        Some((p, h)) => (Some(p), h),
        None => (None, DUMMY_HASH.clone()),
    };
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let (practitioner, must_enrol) = match (practitioner, ok) {
        (Some(p), true) => {
            let must_enrol = match check_second_factor(&state, &p, req.totp.as_deref(), now).await {
                Ok(must_enrol) => must_enrol,
                Err(refused) => {
                    // A wrong code counts towards the lockout like a wrong password.
                    if refused.body.code == ErrorCode::InvalidCredentials {
                        let lock_until = now + state.lockout;
                        state.storage.record_failed_sign_in(p.id, state.max_failed_sign_ins, lock_until, None).await?;
                    }
                    return Err(refused);
                }
            };
            state.storage.record_sign_in(p.id).await?;
            (p, must_enrol)
        }
        (Some(p), false) => {
            let event = AuditEvent::new(p.organization_id, now, p.id, "auth.sign_in_failed").severity(Severity::High);
            state.storage.audit(&event).await?;
            let lock_until = now + state.lockout;
            // Audited (auth.locked) in the lock's transaction when this attempt locks the account.
            let locked = AuditEvent::new(p.organization_id, now, p.id, "auth.locked").severity(Severity::High);
            state.storage.record_failed_sign_in(p.id, state.max_failed_sign_ins, lock_until, Some(&locked)).await?;
            return Err(ApiError::new(ErrorCode::InvalidCredentials, "email or password is incorrect"));
        }
        (None, _) => {
            return Err(ApiError::new(ErrorCode::InvalidCredentials, "email or password is incorrect"));
        }
    };
    state.storage.audit(&AuditEvent::new(practitioner.organization_id, now, practitioner.id, "auth.sign_in")).await?;
    let minted = Minted::new(&state, now);
    state.storage.open_session(practitioner.id, &client, &minted.stored, now).await?;
    tracing::info!(practitioner = %practitioner.id, "signed in");
    Ok(Json(minted.answer(practitioner, must_enrol)))
}

/// An Argon2id hash of a random password nobody knows.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| auth::hash_password(&auth::new_token()).unwrap_or_default());
