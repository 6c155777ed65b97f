//! SMS in and out: the provider's webhooks (a patient's text, a delivery report) and the
//! dispatcher that hands queued replies to an [`SmsSender`].
//!
//! The webhooks take the form-encoded fields SMS providers post (`From`, `To`, `Body`,
//! `MessageSid`; `MessageSid`, `MessageStatus`). Each request is signed with the shared secret:
//! `X-Rounds-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{path}.{body}")>` with the
//! Unix `timestamp` in `X-Rounds-Timestamp`, within five minutes of the server's clock. A request
//! that fails any check is answered 4xx and nothing is stored.

use crate::error::ApiError;
use crate::storage::{InboundSms, OutboundSms, Received, SendOutcome};
use crate::AppState;
use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Json;
use hmac::{Hmac, Mac};
use rounds_domain::form::parse_form;
use rounds_domain::{Delivery, ErrorCode, MessageId};
use serde::Serialize;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Largest webhook body accepted.
pub const MAX_WEBHOOK_BYTES: usize = 16 * 1024;
/// Longest text accepted (ten concatenated SMS segments).
pub const MAX_SMS_CHARS: usize = 1600;
/// How far a signed timestamp may be from the server's clock.
pub const SIGNATURE_WINDOW_SECONDS: i64 = 300;
pub const SIGNATURE_HEADER: &str = "x-rounds-signature";
pub const TIMESTAMP_HEADER: &str = "x-rounds-timestamp";
/// Shortest shared secret the server accepts.
pub const MIN_SECRET_BYTES: usize = 32;

/// The signature of a webhook request, as the provider computes it and the server checks it.
pub fn signature(secret: &[u8], timestamp: i64, path: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp}.{path}.").as_bytes());
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    format!("v1={}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn unauthorized(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, why)
}

/// Checks the request's signature in constant time.
fn verify(state: &AppState, headers: &HeaderMap, path: &str, body: &[u8]) -> Result<(), ApiError> {
    let Some(secret) = state.sms_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
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

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
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

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again (a timeout, the provider busy).
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// The provider refused the message for good (an invalid number, say).
    #[error("refused: {0}")]
    Refused(String),
}

/// What hands replies to an SMS provider. `key` is the message's id: a provider that supports
/// idempotency keys sends a message once however often it is handed over.
#[async_trait]
pub trait SmsSender: Send + Sync + 'static {
    async fn send(&self, to: &str, body: &str, key: MessageId) -> Result<String, SendError>;
}

/// A message the [`RecordingSender`] would have sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedSms {
    pub to: String,
    pub body: String,
    pub key: MessageId,
}

/// The default sender: records what it would send (no provider is contacted) and answers with
/// a provider id, so delivery tracking works end to end without an account anywhere.
#[derive(Default)]
pub struct RecordingSender {
    sent: Mutex<Vec<RecordedSms>>,
}

impl RecordingSender {
    pub fn sent(&self) -> Vec<RecordedSms> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The most messages a [`RecordingSender`] keeps (the oldest go first): a server left running
/// with it does not grow without bound.
pub const RECORDED_SMS_KEPT: usize = 1000;

#[async_trait]
impl SmsSender for RecordingSender {
    async fn send(&self, to: &str, body: &str, key: MessageId) -> Result<String, SendError> {
        let mut sent = self.sent.lock().map_err(|_| SendError::Temporary("recorder poisoned".into()))?;
        if sent.len() >= RECORDED_SMS_KEPT {
            sent.remove(0);
        }
        sent.push(RecordedSms { to: to.to_string(), body: body.to_string(), key });
        Ok(format!("REC{}", key.0.simple()))
    }
}

/// Hands every due reply to the sender once and records the answer. Returns how many were
/// handed over.
pub async fn dispatch(state: &AppState) -> Result<usize, crate::StorageError> {
    let due: Vec<OutboundSms> = state.storage.due_sms(state.clock.now(), 100).await?;
    for sms in &due {
        let outcome = match state.sms.send(&sms.to, &sms.body, sms.message_id).await {
            Ok(provider_id) => SendOutcome::Sent { provider_id },
            Err(SendError::Temporary(_)) => SendOutcome::Retry,
            Err(SendError::Refused(_)) => SendOutcome::Failed,
        };
        if let Some(poke) = state.storage.record_send(sms.message_id, outcome, state.clock.now()).await? {
            let _ = state.pokes.send(poke);
        }
    }
    Ok(due.len())
}

/// Dispatches replies as soon as a push queues one (and every `period` for retries).
pub async fn dispatch_every(state: AppState, period: std::time::Duration) {
    loop {
        if let Err(e) = dispatch(&state).await {
            tracing::warn!(error = %e, "sending replies failed; trying again later");
        }
        let _ = tokio::time::timeout(period, state.sms_wake.notified()).await;
    }
}

/// The shared secret from the environment: at least [`MIN_SECRET_BYTES`] bytes, never in a file.
pub fn secret_from_env() -> anyhow::Result<Option<Arc<[u8]>>> {
    match std::env::var("ROUNDS_SMS_WEBHOOK_SECRET") {
        Ok(s) if s.len() >= MIN_SECRET_BYTES => Ok(Some(Arc::from(s.into_bytes()))),
        Ok(_) => anyhow::bail!("ROUNDS_SMS_WEBHOOK_SECRET must be at least {MIN_SECRET_BYTES} bytes"),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_recording_sender_keeps_the_latest_messages_only() {
        let sender = RecordingSender::default();
        for i in 0..RECORDED_SMS_KEPT + 5 {
            let key = MessageId(uuid::Uuid::from_u128(i as u128));
            let id = sender.send("+14155550100", "hi", key).await.expect("sent");
            assert!(id.starts_with("REC"));
        }
        let sent = sender.sent();
        assert_eq!(sent.len(), RECORDED_SMS_KEPT);
        assert_eq!(sent[0].key, MessageId(uuid::Uuid::from_u128(5)));
    }

    #[test]
    fn signatures_depend_on_every_part() {
        let s = signature(b"k", 1, "/webhooks/sms", b"Body=x");
        assert!(s.starts_with("v1=") && s.len() == 3 + 64);
        assert_ne!(s, signature(b"k", 2, "/webhooks/sms", b"Body=x"));
        assert_ne!(s, signature(b"k", 1, "/webhooks/sms/status", b"Body=x"));
        assert_ne!(s, signature(b"k", 1, "/webhooks/sms", b"Body=y"));
        assert_ne!(s, signature(b"j", 1, "/webhooks/sms", b"Body=x"));
        assert_eq!(decode_hex(&s[3..]).map(|b| b.len()), Some(32));
    }
}
