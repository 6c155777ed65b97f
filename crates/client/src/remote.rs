//! The HTTP connection to the Rounds server.

use crate::{ClientError, Result};
use rounds_domain::api::{SignInRequest, SignInResponse};
use rounds_domain::sync::{Command, PullResponse, PushRequest, PushResponse};
use rounds_domain::{DeviceId, ErrorBody, ErrorCode, PatientId, PractitionerId};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;
use url::Url;

/// Accepts https:// anywhere and http:// only to this machine: PHI never crosses a network in
/// clear text.
pub fn check_server_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| ClientError::invalid(format!("server address '{raw}' is not a URL: {e}")))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(ClientError::invalid(format!(
            "refusing plain http:// to {}: use https:// for any server that is not on this computer",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(ClientError::invalid(format!("server address must be https:// (got {other}://)"))),
    }
}

/// The session's tokens: the access token (minutes; in memory only, empty until the first
/// renewal after a restart) and the refresh token that renews it (also in the keychain).
struct Tokens {
    access: String,
    refresh: Option<String>,
}

pub(crate) struct Remote {
    http: reqwest::Client,
    base: Url,
    tokens: Mutex<Option<Tokens>>,
    /// The keychain entry that keeps the refresh token across restarts.
    slot: std::sync::Arc<dyn crate::vault::TokenSlot>,
    /// One refresh at a time: two at once would present one refresh token twice, which the
    /// server takes for a stolen copy and ends the session.
    refreshing: tokio::sync::Mutex<()>,
    /// The workspace is locked: no authenticated request, no renewal.
    locked: std::sync::atomic::AtomicBool,
}

impl Remote {
    pub fn new(base: &str, slot: std::sync::Arc<dyn crate::vault::TokenSlot>) -> Result<Remote> {
        let base = check_server_url(base)?;
        let http = reqwest::Client::builder()
            // Names the device's sessions in the user's session list.
            .user_agent(format!("Rounds desktop {} ({})", env!("CARGO_PKG_VERSION"), std::env::consts::OS))
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::new(ErrorCode::Internal, format!("cannot set up HTTP: {e}")))?;
        // A session kept from before a restart: renewed on first use (no password).
        let kept = slot.get().map(|refresh| Tokens { access: String::new(), refresh: Some(refresh) });
        Ok(Remote {
            http,
            base,
            tokens: Mutex::new(kept),
            slot,
            refreshing: tokio::sync::Mutex::new(()),
            locked: Default::default(),
        })
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// A session to talk to the server with (a live access token, or a refresh token to get one).
    pub fn has_token(&self) -> bool {
        self.tokens.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    /// The server accepted this session since the app started (a live access token).
    pub fn is_online(&self) -> bool {
        self.tokens.lock().map(|t| t.as_ref().is_some_and(|t| !t.access.is_empty())).unwrap_or(false)
    }

    /// While locked, the access token is forgotten and no request renews it (the refresh
    /// token stays in the keychain for after the unlock).
    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, std::sync::atomic::Ordering::SeqCst);
        if locked {
            if let Ok(mut t) = self.tokens.lock() {
                if let Some(t) = t.as_mut() {
                    t.access.clear();
                }
            }
        }
    }

    pub fn forget_token(&self) {
        if let Ok(mut t) = self.tokens.lock() {
            *t = None;
        }
        self.slot.set(None);
    }

    fn token(&self) -> Result<String> {
        self.tokens
            .lock()
            .ok()
            .and_then(|t| t.as_ref().map(|t| t.access.clone()))
            .ok_or_else(|| ClientError::new(ErrorCode::Unauthorized, "sign in to reach the server"))
    }

    fn keep(&self, signed_in: &SignInResponse) {
        if let Ok(mut t) = self.tokens.lock() {
            *t = Some(Tokens { access: signed_in.token.clone(), refresh: signed_in.refresh_token.clone() });
        }
        self.slot.set(signed_in.refresh_token.as_deref());
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base.join(path).map_err(|e| ClientError::new(ErrorCode::Internal, e.to_string()))
    }

    pub async fn sign_in(&self, email: &str, password: &str, totp: Option<&str>) -> Result<SignInResponse> {
        let req = SignInRequest { email: email.into(), password: password.into(), totp: totp.map(Into::into) };
        let resp = self.http.post(self.url("auth/sign-in")?).json(&req).send().await.map_err(unreachable)?;
        decode(resp).await
    }

    /// Makes a new sign-in this device's session (and keeps its refresh token in the keychain).
    /// Separate from `sign_in`: a sign-in the device then refuses (another clinician's unsynced
    /// work) must not replace the session it has.
    pub fn adopt(&self, signed_in: &SignInResponse) {
        self.set_locked(false);
        self.keep(signed_in);
    }

    /// Ends a server session this device got but will not use (best effort, in the background).
    pub fn discard(&self, signed_in: &SignInResponse) {
        self.sign_out_in_background(signed_in.token.clone(), None);
    }

    /// Forgets this device's session and ends it on the server too (best effort, in the
    /// background: a device offline just forgets it, and the refresh token is gone from here).
    pub fn sign_out(&self) {
        let taken = self.tokens.lock().ok().and_then(|mut t| t.take());
        self.slot.set(None);
        if let Some(tokens) = taken {
            self.sign_out_in_background(tokens.access, tokens.refresh);
        }
    }

    fn sign_out_in_background(&self, access: String, refresh: Option<String>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let (http, base) = (self.http.clone(), self.base.clone());
        runtime.spawn(async move {
            let mut access = access;
            if access.is_empty() {
                // Kept across a restart: only the refresh token is here. Renew once to sign out.
                let Some(refresh_token) = refresh else { return };
                let Ok(url) = base.join("auth/refresh") else { return };
                let body = rounds_domain::api::RefreshRequest { refresh_token };
                let Ok(resp) = http.post(url).json(&body).send().await else { return };
                let Ok(renewed) = resp.json::<SignInResponse>().await else { return };
                access = renewed.token;
            }
            let Ok(url) = base.join("auth/sign-out") else { return };
            if let Err(e) = http.post(url).bearer_auth(access).send().await {
                tracing::info!(error = %e, "the server session could not be ended now; it expires by itself");
            }
        });
    }

    /// Renews the access token that `expired` was, unless another request already did. A
    /// refused refresh ends the session here too (the clinician signs in again).
    async fn renew(&self, expired: &str) -> Result<()> {
        let _one_at_a_time = self.refreshing.lock().await;
        let refresh = {
            let tokens = self.tokens.lock().map_err(|_| ClientError::new(ErrorCode::Internal, "token lock"))?;
            match tokens.as_ref() {
                Some(t) if t.access != expired => return Ok(()),
                Some(Tokens { refresh: Some(r), .. }) => r.clone(),
                _ => return Err(ClientError::new(ErrorCode::Unauthorized, "sign in to reach the server")),
            }
        };
        let body = rounds_domain::api::RefreshRequest { refresh_token: refresh };
        let resp = self.http.post(self.url("auth/refresh")?).json(&body).send().await.map_err(unreachable)?;
        match decode::<SignInResponse>(resp).await {
            Ok(renewed) => {
                self.keep(&renewed);
                Ok(())
            }
            Err(e) => {
                if e.code == ErrorCode::Unauthorized {
                    self.forget_token();
                }
                Err(e)
            }
        }
    }

    /// Sends a request with the access token; when the server says it has expired, renews it
    /// once and sends the request again.
    async fn authed(&self, build: impl Fn(&str) -> Result<reqwest::RequestBuilder>) -> Result<reqwest::Response> {
        if self.locked.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(ClientError::locked());
        }
        let mut token = self.token()?;
        if token.is_empty() {
            // Restarted with a kept session: renew before the first request.
            self.renew("").await?;
            token = self.token()?;
        }
        let resp = build(&token)?.send().await.map_err(unreachable)?;
        if resp.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        self.renew(&token).await?;
        build(&self.token()?)?.send().await.map_err(unreachable)
    }
}

impl Remote {
    pub async fn push(&self, device_id: DeviceId, commands: &[Command]) -> Result<PushResponse> {
        let body = PushRequest { device_id, commands: commands.to_vec() };
        let resp = self.authed(|t| Ok(self.http.post(self.url("sync/push")?).bearer_auth(t).json(&body))).await?;
        decode(resp).await
    }

    pub async fn pull(&self, cursor: i64, limit: u32) -> Result<PullResponse> {
        let mut url = self.url("sync/pull")?;
        url.query_pairs_mut().append_pair("cursor", &cursor.to_string()).append_pair("limit", &limit.to_string());
        let resp = self.authed(|t| Ok(self.http.get(url.clone()).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// Coverage by state, computed by the server across the organisation.
    pub async fn coverage(&self) -> Result<Vec<rounds_domain::ops::StateCoverage>> {
        let resp = self.authed(|t| Ok(self.http.get(self.url("operations/coverage")?).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// An administrator's change to a practitioner in the directory.
    pub async fn update_practitioner(
        &self,
        id: rounds_domain::PractitionerId,
        update: &rounds_domain::ops::PractitionerUpdate,
    ) -> Result<rounds_domain::Practitioner> {
        let url = self.url(&format!("admin/practitioners/{id}"))?;
        let resp = self.authed(|t| Ok(self.http.put(url.clone()).bearer_auth(t).json(update))).await?;
        decode(resp).await
    }

    /// An administrator replaces the organisation's security policy.
    pub async fn update_security_policy(
        &self,
        policy: &rounds_domain::api::SecurityPolicy,
    ) -> Result<serde_json::Value> {
        let url = self.url("admin/security-policy")?;
        let resp = self.authed(|t| Ok(self.http.put(url.clone()).bearer_auth(t).json(policy))).await?;
        decode(resp).await
    }

    /// An administrator replaces the organisation's routing rules.
    pub async fn update_routing(&self, rules: &rounds_domain::routing::RoutingRules) -> Result<serde_json::Value> {
        let resp = self.authed(|t| Ok(self.http.put(self.url("admin/routing")?).bearer_auth(t).json(rules))).await?;
        decode(resp).await
    }

    fn audit_url(&self, patient: Option<PatientId>, practitioner: Option<PractitionerId>, format: &str) -> Result<Url> {
        let mut url = self.url("audit")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("format", format);
            if let Some(p) = patient {
                q.append_pair("patient_id", &p.to_string());
            }
            if let Some(p) = practitioner {
                q.append_pair("practitioner_id", &p.to_string());
            }
        }
        Ok(url)
    }

    /// The organisation's audit trail for one patient or one user (administrators).
    pub async fn audit(
        &self,
        patient: Option<PatientId>,
        practitioner: Option<PractitionerId>,
    ) -> Result<Vec<rounds_domain::api::AuditEntry>> {
        let url = self.audit_url(patient, practitioner, "json")?;
        let resp = self.authed(|t| Ok(self.http.get(url.clone()).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// The same rows as CSV, as the server writes them (formulas neutralised).
    pub async fn audit_csv(&self, patient: Option<PatientId>, practitioner: Option<PractitionerId>) -> Result<String> {
        let url = self.audit_url(patient, practitioner, "csv")?;
        let resp = self.authed(|t| Ok(self.http.get(url.clone()).bearer_auth(t))).await?;
        if resp.status().is_success() {
            return resp.text().await.map_err(unreachable);
        }
        Err(match decode::<serde_json::Value>(resp).await {
            Err(e) => e,
            Ok(_) => ClientError::new(ErrorCode::BadResponse, "the server refused the export"),
        })
    }

    /// Whether the organisation's audit chain holds (administrators).
    pub async fn audit_verify(&self) -> Result<rounds_domain::api::AuditVerification> {
        let resp = self.authed(|t| Ok(self.http.get(self.url("audit/verify")?).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// Starts enrolling an authenticator app as the user's second factor.
    pub async fn enroll_second_factor(&self) -> Result<rounds_domain::api::SecondFactorEnrollment> {
        let resp = self.authed(|t| Ok(self.http.post(self.url("auth/second-factor/enroll")?).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// Confirms the enrolment with a code from the app.
    pub async fn confirm_second_factor(&self, code: &str) -> Result<()> {
        let body = rounds_domain::api::SecondFactorCode { code: code.into() };
        let resp = self
            .authed(|t| Ok(self.http.post(self.url("auth/second-factor/confirm")?).bearer_auth(t).json(&body)))
            .await?;
        if resp.status().is_success() {
            return Ok(());
        }
        decode::<serde_json::Value>(resp).await.map(|_| ())
    }

    /// Emergency access to a chart outside the user's care teams (break-glass).
    pub async fn break_glass(&self, mrn: &str, reason: &str) -> Result<rounds_domain::api::BreakGlassView> {
        let body =
            rounds_domain::api::BreakGlassRequest { patient_id: None, mrn: Some(mrn.into()), reason: reason.into() };
        let resp = self.authed(|t| Ok(self.http.post(self.url("break-glass")?).bearer_auth(t).json(&body))).await?;
        decode(resp).await
    }

    /// The chart again while a break-glass grant lasts.
    pub async fn break_glass_chart(&self, patient: PatientId) -> Result<rounds_domain::api::BreakGlassView> {
        let url = self.url(&format!("break-glass/{patient}"))?;
        let resp = self.authed(|t| Ok(self.http.get(url.clone()).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// The user's live sessions.
    pub async fn sessions(&self) -> Result<Vec<rounds_domain::api::SessionSummary>> {
        let resp = self.authed(|t| Ok(self.http.get(self.url("auth/sessions")?).bearer_auth(t))).await?;
        decode(resp).await
    }

    /// Ends one of the user's sessions.
    pub async fn revoke_session(&self, id: uuid::Uuid) -> Result<()> {
        let url = self.url(&format!("auth/sessions/{id}"))?;
        let resp = self.authed(|t| Ok(self.http.delete(url.clone()).bearer_auth(t))).await?;
        if resp.status().is_success() {
            return Ok(());
        }
        decode::<serde_json::Value>(resp).await.map(|_| ())
    }

    /// The server's poke stream (server-sent events carrying the change-log head).
    pub async fn events(&self) -> Result<PokeStream> {
        // No overall timeout: the stream stays open; the server sends keep-alives.
        let resp = self
            .authed(|t| {
                Ok(self.http.get(self.url("sync/events")?).bearer_auth(t).timeout(Duration::from_secs(24 * 3600)))
            })
            .await?;
        if !resp.status().is_success() {
            return Err(ClientError::new(ErrorCode::BadResponse, format!("poke stream answered {}", resp.status())));
        }
        Ok(PokeStream { body: Box::pin(resp.bytes_stream()), buffer: String::new() })
    }
}

type ByteStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// Heads announced by the server, one per event.
pub(crate) struct PokeStream {
    body: ByteStream,
    buffer: String,
}

impl PokeStream {
    /// The next announced head; None when the stream ends.
    pub async fn next_head(&mut self) -> Option<i64> {
        use futures_util::StreamExt;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(head) = parse_event(&event) {
                    return Some(head);
                }
                continue;
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

/// `data: {"head":N}` -> N. Comments (keep-alives) and other events are skipped.
fn parse_event(event: &str) -> Option<i64> {
    let data = event.lines().find_map(|l| l.strip_prefix("data:"))?;
    let value: serde_json::Value = serde_json::from_str(data.trim()).ok()?;
    value.get("head")?.as_i64()
}

fn unreachable(e: reqwest::Error) -> ClientError {
    tracing::warn!(error = %e, "server request failed");
    // A certificate that does not verify is not an outage: say so (and send nothing).
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(cause) = source {
        let text = cause.to_string().to_lowercase();
        if text.contains("certificate") {
            return ClientError::new(
                ErrorCode::ServerUnreachable,
                format!("the server's certificate is not valid ({cause}); Rounds does not talk to it"),
            );
        }
        source = cause.source();
    }
    ClientError::new(ErrorCode::ServerUnreachable, "cannot reach the Rounds server")
}

async fn decode<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T> {
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(unreachable)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::new(ErrorCode::BadResponse, format!("unexpected answer from the server: {e}")));
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => Err(body.into()),
        Err(_) => Err(ClientError::new(ErrorCode::BadResponse, format!("the server answered {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poke_events_carry_the_head() {
        assert_eq!(parse_event("data: {\"head\":42}\n\n"), Some(42));
        assert_eq!(parse_event(":keep-alive\n\n"), None);
        assert_eq!(parse_event("data: nonsense\n\n"), None);
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        assert!(check_server_url("http://127.0.0.1:8720").is_ok());
        assert!(check_server_url("http://localhost:8720").is_ok());
        assert!(check_server_url("http://[::1]:8720").is_ok());
        assert!(check_server_url("https://rounds.example.org").is_ok());
        for bad in ["http://rounds.example.org", "http://10.0.0.5:8720", "ftp://127.0.0.1", "not a url"] {
            let err = check_server_url(bad).expect_err(bad);
            assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
        }
    }
}
