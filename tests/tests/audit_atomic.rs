//! An audited change and its audit row are one transaction (decision 20), on SQLite and
//! PostgreSQL: with the audit write made to fail (the `audit.append` crash point), each of these
//! changes answers 500 and leaves nothing changed; without it, the same request applies and is
//! audited. Session revoke, second-factor confirmation, the second-factor policy, the
//! break-glass permission, a reused refresh token's revocation, an account lockout, and a
//! break-glass grant.

use chrono::{NaiveDate, Utc};
use rounds_domain::api::{SessionSummary, SignInResponse};
use rounds_domain::*;
use rounds_server::seed::{
    self, DEMO_ADMIN, DEMO_NURSE_PRACTITIONER, DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_PHYSICIAN,
};
use rounds_server::storage::CareTeam;
use rounds_tests::{on_both_databases, sign_in_token, TestServer};
use serde_json::json;

/// Crash points are process-wide: one scenario at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const AUDIT_FAILS: &str = "audit.append";

async fn practitioner(db: &rounds_tests::Db, email: &str) -> Practitioner {
    db.storage.credentials_by_email(email).await.expect("read").expect("practitioner").0
}

/// How many rows of `action` the organisation's audit log holds.
async fn audited(db: &rounds_tests::Db, who: &Practitioner, action: &str) -> usize {
    db.storage
        .audit_log(who.organization_id)
        .await
        .expect("audit log")
        .iter()
        .filter(|r| r.event.action == action)
        .count()
}

/// Sends `request` with every audit write failing; returns the status.
async fn with_audit_failing(request: reqwest::RequestBuilder) -> u16 {
    with_audit_failing_after(0, request).await
}

/// Sends `request` with its audit writes failing after the first `written`; returns the status.
async fn with_audit_failing_after(written: usize, request: reqwest::RequestBuilder) -> u16 {
    let actions = if written == 0 { "return".to_string() } else { format!("{written}*off->return") };
    fail::cfg(AUDIT_FAILS, &actions).expect("configure crash point");
    let status = request.send().await.expect("request").status().as_u16();
    fail::remove(AUDIT_FAILS);
    status
}

on_both_databases! {
    async fn a_session_revoke_whose_audit_row_fails_leaves_the_session_live(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let me = practitioner(&db, DEMO_PHYSICIAN).await;
        let keeper = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let other = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let sessions = |token: String| {
            let (http, url) = (http.clone(), server.url.clone());
            async move {
                let list: Vec<SessionSummary> =
                    http.get(format!("{url}/auth/sessions")).bearer_auth(token).send().await.expect("get").json().await.expect("json");
                list
            }
        };
        let target = sessions(other.clone()).await.into_iter().find(|s| s.current).expect("the other session").id;
        let revoke = || http.delete(format!("{}/auth/sessions/{target}", server.url)).bearer_auth(&keeper);

        assert_eq!(with_audit_failing(revoke()).await, 500, "the audit write failed");
        assert!(sessions(keeper.clone()).await.iter().any(|s| s.id == target), "the session is still listed");
        let read = http.get(format!("{}/patients", server.url)).bearer_auth(&other).send().await.expect("get");
        assert_eq!(read.status(), 200, "its token still works");
        assert_eq!(audited(&db, &me, "auth.session_revoked").await, 0);

        assert_eq!(revoke().send().await.expect("revoke").status(), 204);
        assert!(!sessions(keeper.clone()).await.iter().any(|s| s.id == target), "revoked");
        assert_eq!(audited(&db, &me, "auth.session_revoked").await, 1, "and audited once");
    }

    async fn a_second_factor_confirmation_whose_audit_row_fails_leaves_it_pending(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let me = practitioner(&db, DEMO_NURSE_PRACTITIONER).await;
        let token = sign_in_token(&server.url, DEMO_NURSE_PRACTITIONER).await;
        let enrolment: rounds_domain::api::SecondFactorEnrollment = http
            .post(format!("{}/auth/second-factor/enroll", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("enroll")
            .json()
            .await
            .expect("secret");
        let secret = rounds_server::totp::from_base32(&enrolment.secret).expect("base32");
        let confirm = || {
            let step = Utc::now().timestamp() / rounds_server::totp::STEP_SECONDS;
            let code = format!("{:06}", rounds_server::totp::code(&secret, step));
            http.post(format!("{}/auth/second-factor/confirm", server.url)).bearer_auth(&token).json(&json!({"code": code}))
        };

        assert_eq!(with_audit_failing(confirm()).await, 500, "the audit write failed");
        let factor = db.storage.second_factor(me.id).await.expect("factor");
        assert_eq!(factor.secret, None, "not turned on");
        assert_eq!(factor.pending.as_deref(), Some(enrolment.secret.as_str()), "still waiting for a code");
        assert_eq!(audited(&db, &me, "auth.second_factor_enrolled").await, 0);

        assert_eq!(confirm().send().await.expect("confirm").status(), 204);
        let factor = db.storage.second_factor(me.id).await.expect("factor");
        assert_eq!(factor.secret.as_deref(), Some(enrolment.secret.as_str()), "turned on");
        assert_eq!(audited(&db, &me, "auth.second_factor_enrolled").await, 1, "and audited once");
    }

    async fn a_second_factor_policy_whose_audit_row_fails_leaves_the_policy(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let admin = practitioner(&db, DEMO_ADMIN).await;
        let token = sign_in_token(&server.url, DEMO_ADMIN).await;
        assert!(!db.storage.second_factor(admin.id).await.expect("factor").required, "optional at first");
        let require = || http.put(format!("{}/admin/second-factor", server.url)).bearer_auth(&token).json(&json!({"required": true}));

        assert_eq!(with_audit_failing(require()).await, 500, "the audit write failed");
        assert!(!db.storage.second_factor(admin.id).await.expect("factor").required, "still optional");
        assert_eq!(audited(&db, &admin, "admin.second_factor_policy").await, 0);

        assert_eq!(require().send().await.expect("policy").status(), 204);
        assert!(db.storage.second_factor(admin.id).await.expect("factor").required, "required");
        assert_eq!(audited(&db, &admin, "admin.second_factor_policy").await, 1, "and audited once");
    }

    async fn a_break_glass_permission_whose_audit_row_fails_leaves_the_flag(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let admin = practitioner(&db, DEMO_ADMIN).await;
        let token = sign_in_token(&server.url, DEMO_ADMIN).await;
        let np = practitioner(&db, DEMO_NURSE_PRACTITIONER).await;
        let before = db.storage.may_break_glass(np.id).await.expect("flag");
        let toggle = || {
            http.put(format!("{}/admin/practitioners/{}/break-glass", server.url, np.id))
                .bearer_auth(&token)
                .json(&json!({"allowed": !before}))
        };

        assert_eq!(with_audit_failing(toggle()).await, 500, "the audit write failed");
        assert_eq!(db.storage.may_break_glass(np.id).await.expect("flag"), before, "unchanged");
        assert_eq!(audited(&db, &admin, "admin.break_glass_permission").await, 0);

        assert_eq!(toggle().send().await.expect("permit").status(), 204);
        assert_eq!(db.storage.may_break_glass(np.id).await.expect("flag"), !before, "changed");
        assert_eq!(audited(&db, &admin, "admin.break_glass_permission").await, 1, "and audited once");
    }

    async fn a_reused_refresh_token_whose_audit_row_fails_leaves_the_session_live(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let me = practitioner(&db, DEMO_PHYSICIAN).await;
        let signed: SignInResponse = http
            .post(format!("{}/auth/sign-in", server.url))
            .json(&json!({"email": DEMO_PHYSICIAN, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("answer");
        let used = signed.refresh_token.expect("a refresh token");
        let refresh = |token: &str| http.post(format!("{}/auth/refresh", server.url)).json(&json!({"refresh_token": token}));
        let rotated: SignInResponse = refresh(&used).send().await.expect("refresh").json().await.expect("rotated");
        let read = |token: String| {
            let (http, url) = (http.clone(), server.url.clone());
            async move { http.get(format!("{url}/patients")).bearer_auth(token).send().await.expect("get").status().as_u16() }
        };

        assert_eq!(with_audit_failing(refresh(&used)).await, 500, "the audit write failed");
        assert_eq!(read(rotated.token.clone()).await, 200, "the session is not revoked");
        assert_eq!(audited(&db, &me, "auth.refresh_reused").await, 0);

        assert_eq!(refresh(&used).send().await.expect("reuse").status(), 401);
        assert_eq!(read(rotated.token.clone()).await, 401, "revoked");
        assert_eq!(audited(&db, &me, "auth.refresh_reused").await, 1, "and audited once");
    }

    async fn a_lockout_whose_audit_row_fails_leaves_the_account_open(db) {
        let _serial = SERIAL.lock().await;
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let me = practitioner(&db, DEMO_PHYSICIAN).await;
        let wrong = || {
            http.post(format!("{}/auth/sign-in", server.url)).json(&json!({"email": DEMO_PHYSICIAN, "password": "not the password"}))
        };
        // One wrong password short of the lock (the server's default is five).
        for _ in 0..4 {
            assert_eq!(wrong().send().await.expect("sign in").status(), 401);
        }
        assert_eq!(db.storage.locked_until(me.id).await.expect("lock"), None);

        // The fifth: its auth.sign_in_failed row is written, the auth.locked row fails.
        assert_eq!(with_audit_failing_after(1, wrong()).await, 500, "the audit write failed");
        assert_eq!(db.storage.locked_until(me.id).await.expect("lock"), None, "not locked");
        assert_eq!(audited(&db, &me, "auth.locked").await, 0);

        assert_eq!(wrong().send().await.expect("sign in").status(), 401);
        assert!(db.storage.locked_until(me.id).await.expect("lock").is_some(), "locked");
        assert_eq!(audited(&db, &me, "auth.locked").await, 1, "and audited once");
    }

    async fn a_break_glass_grant_whose_audit_row_fails_grants_nothing(db) {
        let _serial = SERIAL.lock().await;
        let start = Utc::now();
        seed::demo(db.storage.as_ref(), start).await.expect("seed");
        let org = db.storage.organization_by_name(DEMO_ORGANIZATION).await.expect("q").expect("org");
        // A patient of a team the NP is not on.
        let team = CareTeam { id: CareTeamId::new_v7(1), organization_id: org, name: "Oncology".into(), members: vec![] };
        db.storage.insert_care_team(&team).await.expect("team");
        let outsider = Patient {
            id: PatientId::new_v7(2),
            mrn: "9900001".into(),
            given_name: "Ruth".into(),
            family_name: "Okonkwo".into(),
            birth_date: NaiveDate::from_ymd_opt(1950, 2, 3).expect("date"),
            sex: Sex::Female,
            phone: None,
            email: None,
            preferred_channel: Channel::Phone,
            current_state: "CA".parse().expect("state"),
            guardian: None,
            allergies: vec![],
            medications: vec![],
            problems: vec![],
            version: 1,
        };
        db.storage.insert_patient(org, team.id, &outsider, start).await.expect("patient");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let np = practitioner(&db, DEMO_NURSE_PRACTITIONER).await;
        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        let token = sign_in_token(&server.url, DEMO_NURSE_PRACTITIONER).await;
        let permit = http
            .put(format!("{}/admin/practitioners/{}/break-glass", server.url, np.id))
            .bearer_auth(&admin)
            .json(&json!({"allowed": true}));
        assert_eq!(permit.send().await.expect("permit").status(), 204);
        let open = || {
            http.post(format!("{}/break-glass", server.url))
                .bearer_auth(&token)
                .json(&json!({"patient_id": outsider.id, "reason": "Unresponsive in the waiting room; need allergies"}))
        };
        let granted = || async { db.storage.break_glass_grant(np.id, outsider.id, Utc::now()).await.expect("grant") };

        assert_eq!(with_audit_failing(open()).await, 500, "the audit write failed");
        assert_eq!(granted().await, None, "no grant");
        let again = http.get(format!("{}/break-glass/{}", server.url, outsider.id)).bearer_auth(&token).send().await;
        assert_eq!(again.expect("get").status(), 403, "nothing to read again");
        assert_eq!(audited(&db, &np, "break_glass.granted").await, 0);
        assert_eq!(audited(&db, &np, "break_glass.read").await, 0);

        assert_eq!(open().send().await.expect("open").status(), 200);
        assert!(granted().await.is_some(), "granted");
        assert_eq!(audited(&db, &np, "break_glass.granted").await, 1, "and audited once");
        assert_eq!(audited(&db, &np, "break_glass.read").await, 1);
    }
}
