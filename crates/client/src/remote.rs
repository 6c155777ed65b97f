//! The HTTP connection to the Rounds server.

use crate::{ClientError, Result};
use rounds_domain::api::{PatientPage, SignInRequest, SignInResponse};
use rounds_domain::{ErrorBody, ErrorCode, PatientId};
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

pub(crate) struct Remote {
    http: reqwest::Client,
    base: Url,
    token: Mutex<Option<String>>,
}

impl Remote {
    pub fn new(base: &str) -> Result<Remote> {
        let base = check_server_url(base)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| {
                ClientError::new(ErrorCode::Internal, format!("cannot set up HTTP: {e}"))
            })?;
        Ok(Remote {
            http,
            base,
            token: Mutex::new(None),
        })
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    pub fn has_token(&self) -> bool {
        self.token.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    pub fn forget_token(&self) {
        if let Ok(mut t) = self.token.lock() {
            *t = None;
        }
    }

    fn token(&self) -> Result<String> {
        self.token
            .lock()
            .ok()
            .and_then(|t| t.clone())
            .ok_or_else(|| ClientError::new(ErrorCode::Unauthorized, "sign in to reach the server"))
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .map_err(|e| ClientError::new(ErrorCode::Internal, e.to_string()))
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignInResponse> {
        let req = SignInRequest {
            email: email.into(),
            password: password.into(),
        };
        let resp = self
            .http
            .post(self.url("auth/sign-in")?)
            .json(&req)
            .send()
            .await
            .map_err(unreachable)?;
        let signed_in: SignInResponse = decode(resp).await?;
        if let Ok(mut t) = self.token.lock() {
            *t = Some(signed_in.token.clone());
        }
        Ok(signed_in)
    }

    pub async fn patients(&self, after: Option<PatientId>, limit: u32) -> Result<PatientPage> {
        let mut url = self.url("patients")?;
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string());
        if let Some(after) = after {
            url.query_pairs_mut()
                .append_pair("after", &after.to_string());
        }
        let resp = self
            .http
            .get(url)
            .bearer_auth(self.token()?)
            .send()
            .await
            .map_err(unreachable)?;
        decode(resp).await
    }
}

fn unreachable(e: reqwest::Error) -> ClientError {
    tracing::warn!(error = %e, "server request failed");
    ClientError::new(
        ErrorCode::ServerUnreachable,
        "cannot reach the Rounds server",
    )
}

async fn decode<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T> {
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(unreachable)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::new(
                ErrorCode::BadResponse,
                format!("unexpected answer from the server: {e}"),
            )
        });
    }
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => Err(body.into()),
        Err(_) => Err(ClientError::new(
            ErrorCode::BadResponse,
            format!("the server answered {status}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_this_machine() {
        assert!(check_server_url("http://127.0.0.1:8720").is_ok());
        assert!(check_server_url("http://localhost:8720").is_ok());
        assert!(check_server_url("http://[::1]:8720").is_ok());
        assert!(check_server_url("https://rounds.example.org").is_ok());
        for bad in [
            "http://rounds.example.org",
            "http://10.0.0.5:8720",
            "ftp://127.0.0.1",
            "not a url",
        ] {
            let err = check_server_url(bad).expect_err(bad);
            assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
        }
    }
}
