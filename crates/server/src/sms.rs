//! SMS in and out: the signature of the provider's webhooks (their handlers are in
//! `http::sms`) and the dispatcher that hands queued replies to an [`SmsSender`].
//!
//! The webhooks take the form-encoded fields SMS providers post (`From`, `To`, `Body`,
//! `MessageSid`; `MessageSid`, `MessageStatus`). Each request is signed with the shared secret:
//! `X-Rounds-Signature: v1=<hex HMAC-SHA256(secret, "{timestamp}.{path}.{body}")>` with the
//! Unix `timestamp` in `X-Rounds-Timestamp`, within five minutes of the server's clock. A request
//! that fails any check is answered 4xx and nothing is stored.

use crate::storage::{OutboundSms, SendOutcome};
use crate::AppState;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use rounds_domain::MessageId;
use sha2::Sha256;
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

/// The bytes of a hex string (a signature).
pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
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
