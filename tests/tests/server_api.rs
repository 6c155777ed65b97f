//! The server's HTTP API over loopback, on SQLite and on PostgreSQL.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use rounds_domain::api::{PatientPage, SignInResponse};
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_PASSWORD, DEMO_PATIENTS, DEMO_PHYSICIAN};
use rounds_server::FixedClock;
use rounds_tests::{on_both_databases, TestServer};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).single().expect("time")
}

async fn sign_in(http: &reqwest::Client, url: &str, email: &str, password: &str) -> reqwest::Response {
    http.post(format!("{url}/auth/sign-in"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request")
}

async fn sign_in_token(http: &reqwest::Client, url: &str, email: &str) -> String {
    let resp = sign_in(http, url, email, DEMO_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json::<SignInResponse>().await.expect("sign-in body").token
}

async fn error(resp: reqwest::Response) -> (StatusCode, ErrorBody) {
    let status = resp.status();
    (status, resp.json::<ErrorBody>().await.expect("typed error body"))
}

on_both_databases! {
    async fn health_names_the_database(db) {
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let health: api::Health = reqwest::get(format!("{}/health", server.url)).await.expect("get").json().await.expect("json");
        assert_eq!(health.status, "ok");
        assert_eq!(health.database, db.storage.backend());
    }

    async fn demo_seed_is_complete_and_idempotent(db) {
        let first = seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        assert!(first.created);
        assert_eq!(first.counts.practitioners, 4);
        assert_eq!(first.counts.patients, DEMO_PATIENTS as i64);
        assert!(first.counts.encounters > 100, "{:?}", first.counts);
        assert!(first.counts.threads > 10 && first.counts.messages > first.counts.threads, "{:?}", first.counts);
        assert!(first.counts.tasks > 5, "{:?}", first.counts);
        let second = seed::demo(db.storage.as_ref(), now()).await.expect("seed again");
        assert!(!second.created);
        assert_eq!(second.counts, first.counts);
    }

    async fn sign_in_checks_the_password(db) {
        seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();

        let ok = sign_in(&http, &server.url, "  Maya.Chen@demo.rounds.health ", DEMO_PASSWORD).await;
        assert_eq!(ok.status(), StatusCode::OK);
        let body: SignInResponse = ok.json().await.expect("json");
        assert_eq!(body.practitioner.email, DEMO_PHYSICIAN);
        assert_eq!(body.practitioner.roles, vec![Role::Physician]);
        assert!(body.practitioner.licenses.len() >= 5);
        assert!(body.token.len() >= 40);

        for (email, password) in [(DEMO_PHYSICIAN, "wrong-password"), ("nobody@demo.rounds.health", DEMO_PASSWORD)] {
            let (status, err) = error(sign_in(&http, &server.url, email, password).await).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(err.code, ErrorCode::InvalidCredentials);
            assert_eq!(err.message, "email or password is incorrect", "the same answer for both cases");
        }
    }

    async fn repeated_wrong_passwords_lock_the_account_for_a_while(db) {
        seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        let clock = Arc::new(FixedClock::new(now()));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let http = reqwest::Client::new();

        // Four wrong, then right: the count starts over.
        for _ in 0..4 {
            assert_eq!(sign_in(&http, &server.url, DEMO_PHYSICIAN, "wrong").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_eq!(sign_in(&http, &server.url, DEMO_PHYSICIAN, DEMO_PASSWORD).await.status(), StatusCode::OK);

        // Five wrong in a row lock it: even the right password is refused, with its own code.
        for _ in 0..5 {
            assert_eq!(sign_in(&http, &server.url, DEMO_PHYSICIAN, "wrong").await.status(), StatusCode::UNAUTHORIZED);
        }
        let (status, err) = error(sign_in(&http, &server.url, DEMO_PHYSICIAN, DEMO_PASSWORD).await).await;
        assert_eq!((status, err.code), (StatusCode::TOO_MANY_REQUESTS, ErrorCode::AccountLocked));
        // Other accounts are not affected.
        assert_eq!(
            sign_in(&http, &server.url, seed::DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.status(),
            StatusCode::OK
        );

        clock.advance(Duration::minutes(16));
        assert_eq!(sign_in(&http, &server.url, DEMO_PHYSICIAN, DEMO_PASSWORD).await.status(), StatusCode::OK);
        let org = db.storage.organization_by_name(seed::DEMO_ORGANIZATION).await.expect("q").expect("org");
        let log = db.storage.audit_log(org).await.expect("audit");
        assert_eq!(log.iter().filter(|r| r.event.action == "auth.locked").count(), 1);
        assert_eq!(log.iter().filter(|r| r.event.action == "auth.sign_in_while_locked").count(), 1);
    }

    async fn one_address_gets_a_bounded_number_of_sign_in_attempts(db) {
        seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        let clock = Arc::new(FixedClock::new(now()));
        // The default limit: AppState::new, not the test servers' relaxed one.
        let server = TestServer::start(rounds_server::AppState::new(db.storage.clone()).with_clock(clock.clone())).await;
        let http = reqwest::Client::new();
        // Spread over unknown accounts, so no account lockout is involved.
        for i in 0..30 {
            let email = format!("nobody{i}@demo.rounds.health");
            assert_eq!(sign_in(&http, &server.url, &email, "guess").await.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
        }
        let (status, err) = error(sign_in(&http, &server.url, DEMO_PHYSICIAN, DEMO_PASSWORD).await).await;
        assert_eq!((status, err.code), (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited));
        clock.advance(Duration::minutes(5));
        assert_eq!(sign_in(&http, &server.url, DEMO_PHYSICIAN, DEMO_PASSWORD).await.status(), StatusCode::OK);
    }

    async fn bad_requests_get_typed_errors(db) {
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let url = format!("{}/auth/sign-in", server.url);
        let cases: Vec<(reqwest::RequestBuilder, StatusCode, ErrorCode)> = vec![
            (http.post(&url).header("content-type", "application/json").body("{not json"), StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            (http.post(&url).json(&json!({"email": "a@b", "password": "x", "admin": true})), StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidInput),
            (http.post(&url).json(&json!({"email": "a@b"})), StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidInput),
            (http.post(&url).body("email=a&password=b"), StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::InvalidInput),
            (http.post(&url).json(&json!({"email": "", "password": ""})), StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            (http.post(&url).json(&json!({"email": "a".repeat(300), "password": "x"})), StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            (http.post(&url).header("content-type", "application/json").body(vec![b' '; 200 * 1024]), StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            (http.get(&url), StatusCode::METHOD_NOT_ALLOWED, ErrorCode::InvalidInput),
            (http.get(format!("{}/no/such/thing", server.url)), StatusCode::NOT_FOUND, ErrorCode::NotFound),
        ];
        for (i, (req, status, code)) in cases.into_iter().enumerate() {
            let (got_status, body) = error(req.send().await.expect("send")).await;
            assert_eq!((got_status, body.code), (status, code), "case {i}: {}", body.message);
            assert!(!body.message.is_empty());
        }
        assert_eq!(db.storage.counts().await.expect("counts").practitioners, 0, "nothing was written");
    }

    async fn patients_need_a_valid_session(db) {
        seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        let clock = Arc::new(FixedClock::new(now()));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let http = reqwest::Client::new();
        let url = format!("{}/patients", server.url);

        let (status, err) = error(http.get(&url).send().await.expect("send")).await;
        assert_eq!((status, err.code), (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized));
        let (status, _) = error(http.get(&url).bearer_auth("made-up-token").send().await.expect("send")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let token = sign_in_token(&http, &server.url, DEMO_PHYSICIAN).await;
        assert_eq!(http.get(&url).bearer_auth(&token).send().await.expect("send").status(), StatusCode::OK);
        clock.advance(Duration::hours(13));
        let (status, err) = error(http.get(&url).bearer_auth(&token).send().await.expect("send")).await;
        assert_eq!((status, err.code), (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized), "expired session");
    }

    async fn patient_pages_cover_the_care_teams_exactly_once(db) {
        seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let token = sign_in_token(&http, &server.url, DEMO_PHYSICIAN).await;

        let mut seen = HashSet::new();
        let mut after: Option<PatientId> = None;
        let mut pages = 0;
        loop {
            let mut req = http.get(format!("{}/patients", server.url)).query(&[("limit", "37")]).bearer_auth(&token);
            if let Some(a) = after {
                req = req.query(&[("after", a.to_string())]);
            }
            let page: PatientPage = req.send().await.expect("send").json().await.expect("json");
            pages += 1;
            assert!(page.patients.len() <= 37);
            for p in &page.patients {
                assert!(seen.insert(p.id), "patient {} listed twice", p.id);
                if after.is_some() {
                    assert!(Some(p.id) > after, "pages are in id order");
                }
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), DEMO_PATIENTS);
        assert_eq!(pages, DEMO_PATIENTS.div_ceil(37));

        for bad in ["limit=0", "limit=1001", "limit=abc", "after=not-a-uuid", "colour=blue"] {
            let (status, err) = error(http.get(format!("{}/patients?{bad}", server.url)).bearer_auth(&token).send().await.expect("send")).await;
            assert_eq!((status, err.code), (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput), "{bad}");
        }
    }

    async fn a_patient_is_read_only_within_the_care_team(db) {
        seed::demo(db.storage.as_ref(), now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let token = sign_in_token(&http, &server.url, DEMO_PHYSICIAN).await;
        let page: PatientPage = http.get(format!("{}/patients?limit=1", server.url)).bearer_auth(&token).send().await.expect("send").json().await.expect("json");
        let patient = &page.patients[0];

        let read: Patient = http.get(format!("{}/patients/{}", server.url, patient.id)).bearer_auth(&token).send().await.expect("send").json().await.expect("json");
        assert_eq!(&read, patient);

        let (status, err) = error(http.get(format!("{}/patients/{}", server.url, PatientId::new_v7(1))).bearer_auth(&token).send().await.expect("send")).await;
        assert_eq!((status, err.code), (StatusCode::NOT_FOUND, ErrorCode::NotFound));
        let (status, err) = error(http.get(format!("{}/patients/12345", server.url)).bearer_auth(&token).send().await.expect("send")).await;
        assert_eq!((status, err.code), (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput));

        // A clinician of the same organisation outside every care team sees nothing.
        let outsider = Practitioner {
            id: PractitionerId::new_v7(2),
            organization_id: page_org(&db).await,
            display_name: "Outside Clinician".into(),
            email: "outsider@demo.rounds.health".into(),
            roles: vec![Role::Physician],
            licenses: vec![],
            supervisor_id: None,
            on_duty: false,
        };
        let hash = rounds_server::auth::hash_password(DEMO_PASSWORD).expect("hash");
        db.storage.insert_practitioner(&outsider, &hash).await.expect("insert");
        let outsider_token = sign_in_token(&http, &server.url, "outsider@demo.rounds.health").await;
        let (status, _) = error(http.get(format!("{}/patients/{}", server.url, patient.id)).bearer_auth(&outsider_token).send().await.expect("send")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no existence leak outside the care team");
        let page: PatientPage = http.get(format!("{}/patients", server.url)).bearer_auth(&outsider_token).send().await.expect("send").json().await.expect("json");
        assert!(page.patients.is_empty());
    }
}

async fn page_org(db: &rounds_tests::Db) -> OrganizationId {
    db.storage.organization_by_name(seed::DEMO_ORGANIZATION).await.expect("query").expect("demo org")
}
