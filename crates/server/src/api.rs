//! The HTTP surface.

use crate::audit::{AuditEvent, Severity};
use crate::auth::{self, CurrentUser};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rounds_domain::api::{Health, PatientPage, SignInRequest, SignInResponse, MAX_CREDENTIAL_LEN, MAX_PAGE};
use rounds_domain::{ErrorCode, Patient, PatientId};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Largest request body accepted anywhere (sign-in and, later, sync pushes have their own caps).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(crate::openapi::serve))
        .route("/auth/sign-in", post(sign_in))
        .route("/auth/refresh", post(crate::session_api::refresh))
        .route("/auth/sign-out", post(crate::session_api::sign_out))
        .route("/auth/sessions", get(crate::session_api::list))
        .route("/auth/sessions/{id}", axum::routing::delete(crate::session_api::revoke))
        .route("/auth/second-factor/enroll", post(crate::session_api::enroll_second_factor))
        .route("/auth/second-factor/confirm", post(crate::session_api::confirm_second_factor))
        .route("/admin/second-factor", put(crate::session_api::set_second_factor_policy))
        .route("/break-glass", post(crate::break_glass::open))
        .route("/break-glass/{patient_id}", get(crate::break_glass::read))
        .route("/admin/practitioners/{id}/break-glass", put(crate::break_glass::permit))
        .route("/patients", get(list_patients))
        .route("/patients/{id}", get(get_patient))
        .route("/sync/push", post(crate::sync::push).layer(DefaultBodyLimit::max(crate::sync::MAX_PUSH_BYTES)))
        .route("/sync/pull", get(crate::sync::pull))
        .route("/audit", get(crate::audit_api::export))
        .route("/audit/verify", get(crate::audit_api::verify))
        .route(
            "/admin/catalogs/{service_line}",
            put(crate::admin_api::put_catalog).layer(DefaultBodyLimit::max(crate::admin_api::MAX_DOCUMENT_BYTES)),
        )
        .route("/admin/routing", put(crate::admin_api::put_routing))
        .route("/admin/security-policy", put(crate::admin_api::put_security_policy))
        .route("/admin/practitioners/{id}", put(crate::admin_api::put_practitioner))
        .route("/operations/coverage", get(crate::admin_api::coverage))
        .route(
            "/admin/service-menu",
            put(crate::admin_api::put_service_menu).layer(DefaultBodyLimit::max(crate::admin_api::MAX_DOCUMENT_BYTES)),
        )
        .route("/sync/events", get(crate::sync::events))
        .route("/webhooks/sms", post(crate::sms::inbound).layer(DefaultBodyLimit::max(crate::sms::MAX_WEBHOOK_BYTES)))
        .route(
            "/webhooks/sms/status",
            post(crate::sms::status).layer(DefaultBodyLimit::max(crate::sms::MAX_WEBHOOK_BYTES)),
        )
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such endpoint") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::InvalidInput,
                "method not allowed on this endpoint",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.storage.ping().await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.storage.backend().into(),
    }))
}

async fn sign_in(
    State(state): State<AppState>,
    connection: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    let client = crate::session_api::client_name(&headers);
    if let Some(axum::Extension(axum::extract::ConnectInfo(peer))) = connection {
        if !state.sign_in_limiter.allow(peer.ip(), state.clock.now()) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
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
                StatusCode::TOO_MANY_REQUESTS,
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
            let must_enrol = match crate::session_api::check_second_factor(&state, &p, req.totp.as_deref(), now).await {
                Ok(must_enrol) => must_enrol,
                Err(refused) => {
                    // A wrong code counts towards the lockout like a wrong password.
                    if refused.body.code == ErrorCode::InvalidCredentials {
                        let lock_until = now + state.lockout;
                        state.storage.record_failed_sign_in(p.id, state.max_failed_sign_ins, lock_until).await?;
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
            if state.storage.record_failed_sign_in(p.id, state.max_failed_sign_ins, lock_until).await?.is_some() {
                let event = AuditEvent::new(p.organization_id, now, p.id, "auth.locked").severity(Severity::High);
                state.storage.audit(&event).await?;
            }
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                "email or password is incorrect",
            ));
        }
        (None, _) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                "email or password is incorrect",
            ));
        }
    };
    state.storage.audit(&AuditEvent::new(practitioner.organization_id, now, practitioner.id, "auth.sign_in")).await?;
    let minted = crate::session_api::Minted::new(&state, now);
    state.storage.open_session(practitioner.id, &client, &minted.stored, now).await?;
    tracing::info!(practitioner = %practitioner.id, "signed in");
    Ok(Json(minted.answer(practitioner, must_enrol)))
}

/// An Argon2id hash of a random password nobody knows.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| auth::hash_password(&auth::new_token()).unwrap_or_default());

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    after: Option<PatientId>,
    limit: Option<u32>,
}

async fn list_patients(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<PatientPage>, ApiError> {
    let limit = q.limit.unwrap_or(500);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::invalid(format!("limit must be between 1 and {MAX_PAGE}")));
    }
    // One extra row tells whether another page follows.
    let mut patients = state.storage.patients_in_scope(user.id, q.after, limit + 1).await?;
    let next_after = if patients.len() > limit as usize {
        patients.truncate(limit as usize);
        patients.last().map(|p| p.id)
    } else {
        None
    };
    let event = AuditEvent::new(user.organization_id, state.clock.now(), user.id, "patient.list").detail(
        match patients.len() {
            1 => "1 patient".to_string(),
            n => format!("{n} patients"),
        },
    );
    state.storage.audit(&event).await?;
    Ok(Json(PatientPage { patients, next_after }))
}

async fn get_patient(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Patient>, ApiError> {
    let id: PatientId = id.parse().map_err(|_| ApiError::invalid("patient id must be a UUID"))?;
    // Outside the user's care teams is answered exactly like a missing patient: no existence leak.
    let patient = state.storage.patient_in_scope(user.id, id).await?.ok_or_else(|| ApiError::not_found("patient"))?;
    state
        .storage
        .audit(&AuditEvent::new(user.organization_id, state.clock.now(), user.id, "patient.read").patient(id))
        .await?;
    Ok(Json(patient))
}

/// `Json` whose rejections are answered in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let code =
        if status == StatusCode::PAYLOAD_TOO_LARGE { ErrorCode::PayloadTooLarge } else { ErrorCode::InvalidInput };
    let message = match &r {
        JsonRejection::MissingJsonContentType(_) => "expected a JSON body (Content-Type: application/json)".to_string(),
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
            format!("request body is larger than {MAX_BODY_BYTES} bytes")
        }
        other => other.body_text(),
    };
    ApiError::new(status, code, message)
}

/// `Query` whose rejections are answered in the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput, r.body_text())
}
