//! Sessions at the API, on SQLite and PostgreSQL, with an injected clock: access tokens live 15
//! minutes, refresh tokens rotate on every use, a refresh token used twice revokes its whole
//! session (audited at high severity), and practitioners list their sessions and end any of them.

use chrono::{Duration, Utc};
use rounds_domain::api::{SessionSummary, SignInResponse};
use rounds_server::audit::Severity;
use rounds_server::clock::{Clock, FixedClock};
use rounds_server::seed::{self, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, TestServer};
use std::sync::Arc;

struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    async fn sign_in(&self, email: &str, agent: &str) -> SignInResponse {
        self.http
            .post(format!("{}/auth/sign-in", self.url))
            .header("user-agent", agent)
            .json(&serde_json::json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("answer")
    }

    async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/auth/refresh", self.url))
            .json(&serde_json::json!({"refresh_token": refresh_token}))
            .send()
            .await
            .expect("refresh")
    }

    /// The status of an authenticated read.
    async fn read(&self, token: &str) -> u16 {
        let r = self.http.get(format!("{}/patients?limit=1", self.url)).bearer_auth(token).send().await;
        r.expect("read").status().as_u16()
    }

    async fn sessions(&self, token: &str) -> Vec<SessionSummary> {
        let r = self.http.get(format!("{}/auth/sessions", self.url)).bearer_auth(token).send().await;
        r.expect("sessions").json().await.expect("list")
    }

    async fn revoke(&self, token: &str, id: &str) -> u16 {
        let r = self.http.delete(format!("{}/auth/sessions/{id}", self.url)).bearer_auth(token).send().await;
        r.expect("revoke").status().as_u16()
    }
}

fn refresh_of(s: &SignInResponse) -> String {
    s.refresh_token.clone().expect("a refresh token")
}

on_both_databases! {
    async fn refresh_tokens_rotate_and_a_reused_one_revokes_its_session(db) {
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let api = Api { url: server.url.clone(), http: reqwest::Client::new() };

        let first = api.sign_in(DEMO_PHYSICIAN, "Rounds desktop (laptop)").await;
        assert_eq!(first.expires_at, start + Duration::minutes(15));
        assert_eq!(first.refresh_expires_at, Some(start + Duration::days(30)));
        assert_eq!(api.read(&first.token).await, 200);
        // Sixteen minutes later the access token is over; the refresh token gets a new pair.
        clock.advance(Duration::minutes(16));
        assert_eq!(api.read(&first.token).await, 401);
        let second: SignInResponse = api.refresh(&refresh_of(&first)).await.json().await.expect("rotated");
        assert_ne!(refresh_of(&second), refresh_of(&first));
        assert_eq!(second.practitioner.email, DEMO_PHYSICIAN);
        assert_eq!(api.read(&second.token).await, 200);

        // The first refresh token again: a copy someone else holds. The whole session ends.
        assert_eq!(api.refresh(&refresh_of(&first)).await.status(), 401);
        assert_eq!(api.read(&second.token).await, 401, "the rotated access token is revoked too");
        assert_eq!(api.refresh(&refresh_of(&second)).await.status(), 401, "and the rotated refresh token");
        let org = second.practitioner.organization_id;
        let log = db.storage.audit_log(org).await.expect("audit");
        let reuse = log.iter().find(|r| r.event.action == "auth.refresh_reused").expect("audited");
        assert_eq!((reuse.event.severity, reuse.event.practitioner_id), (Severity::High, second.practitioner.id));

        // Garbage and expired refresh tokens are refused alike.
        assert_eq!(api.refresh("not-a-token").await.status(), 401);
        assert_eq!(api.refresh("").await.status(), 401);
        let bad = api.http.post(format!("{}/auth/refresh", api.url)).json(&serde_json::json!({"token": "x"})).send().await.expect("post");
        assert_eq!(bad.status(), 422);
        let third = api.sign_in(DEMO_PHYSICIAN, "Rounds desktop (laptop)").await;
        clock.advance(Duration::days(31));
        assert_eq!(api.refresh(&refresh_of(&third)).await.status(), 401, "a month away: sign in again");
    }

    async fn practitioners_list_and_end_their_sessions(db) {
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let api = Api { url: server.url.clone(), http: reqwest::Client::new() };

        let laptop = api.sign_in(DEMO_NURSE_PRACTITIONER, "Rounds desktop (laptop)").await;
        clock.advance(Duration::minutes(1));
        let clinic = api.sign_in(DEMO_NURSE_PRACTITIONER, "Rounds desktop (clinic PC)").await;
        let colleague = api.sign_in(DEMO_PHYSICIAN, "Rounds desktop").await;
        let list = api.sessions(&laptop.token).await;
        let clients: Vec<(&str, bool)> = list.iter().map(|s| (s.client.as_str(), s.current)).collect();
        assert_eq!(clients, vec![("Rounds desktop (clinic PC)", false), ("Rounds desktop (laptop)", true)]);

        // The laptop ends the clinic PC's session: its tokens stop working at once.
        let clinic_id = list[0].id.to_string();
        assert_eq!(api.revoke(&laptop.token, &clinic_id).await, 204);
        assert_eq!(api.read(&clinic.token).await, 401);
        assert_eq!(api.refresh(&refresh_of(&clinic)).await.status(), 401);
        assert_eq!(api.sessions(&laptop.token).await.len(), 1);
        // Nobody ends a colleague's session, or one that does not exist.
        let theirs = api.sessions(&colleague.token).await[0].id.to_string();
        assert_eq!(api.revoke(&laptop.token, &theirs).await, 404);
        assert_eq!(api.read(&colleague.token).await, 200);
        assert_eq!(api.revoke(&laptop.token, "not-a-uuid").await, 400);
        assert_eq!(api.revoke(&laptop.token, &uuid::Uuid::now_v7().to_string()).await, 404);

        // Signing out ends the session it came from.
        let out = api.http.post(format!("{}/auth/sign-out", api.url)).bearer_auth(&laptop.token).send().await.expect("out");
        assert_eq!(out.status(), 204);
        assert_eq!(api.read(&laptop.token).await, 401);
        assert_eq!(api.refresh(&refresh_of(&laptop)).await.status(), 401);
    }

    async fn a_device_renews_its_access_token_and_stops_when_its_session_is_revoked(db) {
        use rounds_client::{Config, Workspace};
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let api = Api { url: server.url.clone(), http: reqwest::Client::new() };
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().join("a"), server_url: server.url.clone() }, rounds_tests::vault())
            .expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        // An hour on: four access tokens' worth. Syncing renews the token without a password.
        clock.advance(Duration::hours(1));
        ws.sync_now().await.expect("sync with a renewed token");
        ws.sync_now().await.expect("and again");
        assert!(ws.session().expect("session").expect("signed in").online);
        // Ended from another device: the next sync is refused and the device asks for a sign-in.
        let other = api.sign_in(DEMO_PHYSICIAN, "Rounds desktop (other)").await;
        let device = api.sessions(&other.token).await.into_iter().find(|s| !s.current).expect("the device's session");
        assert_eq!(api.revoke(&other.token, &device.id.to_string()).await, 204);
        let err = ws.sync_now().await.expect_err("revoked");
        assert_eq!(err.code, rounds_domain::ErrorCode::Unauthorized);
        assert!(!ws.session().expect("session").expect("the cache stays").online);
    }

    async fn a_second_factor_is_enrolled_required_and_used_once(db) {
        use rounds_domain::ErrorCode;
        use rounds_server::seed::DEMO_ADMIN;
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let api = Api { url: server.url.clone(), http: reqwest::Client::new() };
        let post = |path: &str, token: &str, body: serde_json::Value| {
            api.http.post(format!("{}{path}", api.url)).bearer_auth(token).json(&body).send()
        };
        let sign_in = |code: Option<String>| {
            api.http
                .post(format!("{}/auth/sign-in", api.url))
                .json(&serde_json::json!({"email": DEMO_NURSE_PRACTITIONER, "password": DEMO_PASSWORD, "totp": code}))
                .send()
        };
        let code_now = |secret: &str| {
            let bytes = rounds_server::totp::from_base32(secret).expect("base32");
            format!("{:06}", rounds_server::totp::code(&bytes, clock.now().timestamp() / rounds_server::totp::STEP_SECONDS))
        };
        let error_code = |v: serde_json::Value| v["code"].as_str().unwrap_or_default().to_string();

        // The administrator requires a second factor: the NP's session can only enrol one.
        let admin = api.sign_in(DEMO_ADMIN, "Rounds desktop").await;
        let r = api.http.put(format!("{}/admin/second-factor", api.url)).bearer_auth(&admin.token)
            .json(&serde_json::json!({"required": true})).send().await.expect("policy");
        assert_eq!(r.status(), 204);
        let np: SignInResponse = sign_in(None).await.expect("sign in").json().await.expect("answer");
        assert!(np.second_factor_enrollment_required);
        let blocked = api.http.get(format!("{}/patients", api.url)).bearer_auth(&np.token).send().await.expect("get");
        assert_eq!(blocked.status(), 403);
        assert_eq!(error_code(blocked.json().await.expect("json")), "second_factor_enrollment_required");

        // Enrol: a secret for the app; a wrong code does not turn it on, a right one does.
        let enrolment: rounds_domain::api::SecondFactorEnrollment =
            post("/auth/second-factor/enroll", &np.token, serde_json::json!(null)).await.expect("enroll").json().await.expect("secret");
        assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/Rounds:"), "{}", enrolment.otpauth_uri);
        let wrong = post("/auth/second-factor/confirm", &np.token, serde_json::json!({"code": "000000"})).await.expect("confirm");
        let right_now = code_now(&enrolment.secret);
        assert!(wrong.status() == 400 || right_now == "000000");
        let ok = post("/auth/second-factor/confirm", &np.token, serde_json::json!({"code": right_now})).await.expect("confirm");
        assert_eq!(ok.status(), 204);
        assert_eq!(api.read(&np.token).await, 200, "enrolled: the session works");

        // From now on a sign-in needs the code, once.
        clock.advance(Duration::seconds(61));
        let without = sign_in(None).await.expect("post");
        assert_eq!(without.status(), 401);
        assert_eq!(error_code(without.json().await.expect("json")), "second_factor_required");
        let code = code_now(&enrolment.secret);
        let with: SignInResponse = sign_in(Some(code.clone())).await.expect("post").json().await.expect("signed in");
        assert!(!with.second_factor_enrollment_required);
        assert_eq!(api.read(&with.token).await, 200);
        let replayed = sign_in(Some(code)).await.expect("post");
        assert_eq!(replayed.status(), 401, "a code is used once");
        let org = with.practitioner.organization_id;
        let log = db.storage.audit_log(org).await.expect("audit");
        assert!(log.iter().any(|r| r.event.action == "auth.second_factor_enrolled"));
        assert!(log.iter().any(|r| r.event.action == "auth.second_factor_failed" && r.event.severity == Severity::High));

        // The desktop signs in with the code too.
        use rounds_client::{Config, Workspace};
        clock.advance(Duration::seconds(31));
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().join("np"), server_url: server.url.clone() }, rounds_tests::vault()).expect("open");
        let asked = ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect_err("needs the code");
        assert_eq!(asked.code, ErrorCode::SecondFactorRequired);
        ws.sign_in_with_code(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, Some(&code_now(&enrolment.secret))).await.expect("signed in");
    }

    async fn the_session_is_kept_in_the_keychain_across_a_restart_until_sign_out(db) {
        use rounds_client::{Config, Workspace};
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = Config { data_dir: dir.path().join("laptop"), server_url: server.url.clone() };
        let vault = rounds_client::MemoryVault::default();
        let ws = Workspace::open(&cfg, vault.clone()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        drop(ws);

        // Restarted: offline until the server accepts the kept refresh token, then no password.
        let ws = Workspace::open(&cfg, vault.clone()).expect("reopen");
        ws.unlock(DEMO_PASSWORD).expect("unlock");
        assert!(!ws.session().expect("session").expect("signed in").online);
        ws.sync_now().await.expect("synced with the kept session");
        assert!(ws.session().expect("session").expect("signed in").online);
        // The kept token rotated: the one from before the restart is spent.
        let api = Api { url: server.url.clone(), http: reqwest::Client::new() };
        let other = api.sign_in(DEMO_PHYSICIAN, "other").await;
        assert_eq!(api.sessions(&other.token).await.len(), 2, "the laptop's session and this one");

        // Signing out forgets it here and ends it on the server (in the background).
        ws.sign_out().expect("sign out");
        let mut left = api.sessions(&other.token).await.len();
        for _ in 0..50 {
            if left == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            left = api.sessions(&other.token).await.len();
        }
        assert_eq!(left, 1, "the laptop's session ended on the server");
        drop(ws);
        let ws = Workspace::open(&cfg, vault.clone()).expect("reopen");
        assert!(!ws.is_locked(), "nobody signed in: nothing to unlock");
        assert!(ws.session().expect("session").is_none());
        assert!(ws.sync_now().await.is_err());
    }
}
