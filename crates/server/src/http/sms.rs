//! The SMS provider's webhooks: a patient's text and a delivery report, each signed (see
//! `crate::sms` for the scheme). A request that fails any check is answered 4xx and nothing is
//! stored.

use crate::error::ApiError;
use crate::sms::{decode_hex, MAX_SMS_CHARS, SIGNATURE_HEADER, SIGNATURE_WINDOW_SECONDS, TIMESTAMP_HEADER};
use crate::storage::{InboundSms, Received};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use hmac::{Hmac, Mac};
use rounds_domain::form::parse_form;
use rounds_domain::{Delivery, ErrorCode};
use serde::Serialize;
use sha2::Sha256;
use std::collections::HashMap;

fn unauthorized(why: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, why)
}

/// Checks the request's signature in constant time.
fn verify(state: &AppState, headers: &HeaderMap, path: &str, body: &[u8]) -> Result<(), ApiError> {
    let Some(secret) = state.sms_secret.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "the SMS webhook is not configured on this server (ROUNDS_SMS_WEBHOOK_SECRET)",
        ));
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp: i64 = header(TIMESTAMP_HEADER)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| unauthorized("the request has no valid X-Rounds-Timestamp"))?;
    if (state.clock.now().timestamp() - timestamp).abs() > SIGNATURE_WINDOW_SECONDS {
        return Err(unauthorized("the request's timestamp is more than five minutes from the server's clock"));
    }
    let given = header(SIGNATURE_HEADER)
        .and_then(|s| s.strip_prefix("v1="))
        .and_then(decode_hex)
        .ok_or_else(|| unauthorized("the request has no valid X-Rounds-Signature"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(ApiError::internal)?;
    mac.update(format!("{timestamp}.{path}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&given).map_err(|_| unauthorized("the request's signature does not match"))
}

fn required<'a>(fields: &'a HashMap<String, String>, name: &str) -> Result<&'a str, ApiError> {
    fields
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::invalid(format!("the field {name} is missing")))
}

#[derive(Serialize, schemars::JsonSchema)]
pub struct WebhookAnswer {
    /// False when the message was stored before (a retried delivery).
    pub stored: bool,
    /// Whether the sender's number matched exactly one patient.
    pub matched: bool,
}

/// `POST /webhooks/sms`: a patient's text.
pub async fn inbound(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAnswer>, ApiError> {
    verify(&state, &headers, uri.path(), &body)?;
    let fields = parse_form(&body).map_err(ApiError::invalid)?;
    let sms = InboundSms {
        from: required(&fields, "From")?.to_string(),
        to: required(&fields, "To")?.to_string(),
        body: required(&fields, "Body")?.to_string(),
        message_sid: required(&fields, "MessageSid")?.to_string(),
    };
    if sms.body.chars().count() > MAX_SMS_CHARS {
        return Err(ApiError::invalid(format!("the Body is over {MAX_SMS_CHARS} characters")));
    }
    if sms.message_sid.len() > 64 || !sms.message_sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::invalid("the MessageSid must be 1 to 64 letters and digits"));
    }
    if sms.from.len() > 32 || sms.to.len() > 32 {
        return Err(ApiError::invalid("From and To are phone numbers"));
    }
    match state.storage.receive_sms(&sms, state.clock.now()).await? {
        Received::Stored { organization_id, head, matched, .. } => {
            // Counts only: a number or a text is PHI and never logged.
            tracing::info!(matched, "patient text stored");
            let _ = state.pokes.send((organization_id, head));
            Ok(Json(WebhookAnswer { stored: true, matched }))
        }
        Received::Duplicate => Ok(Json(WebhookAnswer { stored: false, matched: false })),
        Received::UnknownNumber => Err(ApiError::not_found("an organisation with this number")),
    }
}

/// `POST /webhooks/sms/status`: the provider's delivery report for a reply.
pub async fn status(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    verify(&state, &headers, uri.path(), &body)?;
    let fields = parse_form(&body).map_err(ApiError::invalid)?;
    let sid = required(&fields, "MessageSid")?;
    let status = required(&fields, "MessageStatus")?;
    let delivery =
        Delivery::parse(status).ok_or_else(|| ApiError::invalid(format!("unknown MessageStatus '{status}'")))?;
    if let Some(poke) = state.storage.delivery_report(sid, delivery, state.clock.now()).await? {
        let _ = state.pokes.send(poke);
    }
    Ok(StatusCode::NO_CONTENT)
}
