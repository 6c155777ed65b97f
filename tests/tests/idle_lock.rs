//! The automatic lock (HIPAA automatic logoff), with an injected clock on SQLite and PostgreSQL:
//! after the organisation's idle limit the workspace closes its encrypted cache (no file of it
//! stays open, so the key is out of the SQLCipher connection), every command answers `locked`,
//! and only the clinician's password resumes, offline too. Polling does not keep it awake; five
//! wrong passwords end the session and keep the unsynced work.

use chrono::{DateTime, Duration, Utc};
use rounds_client::{Clock, Config, Workspace, MAX_UNLOCK_ATTEMPTS};
use rounds_domain::sync::{FieldEdit, PatientField};
use rounds_domain::ErrorCode;
use rounds_server::seed::{self, DEMO_ADMIN, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, sign_in_token, vault, TestServer};
use serde_json::json;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A clock the test moves by hand.
#[derive(Clone)]
struct HandClock(Arc<Mutex<DateTime<Utc>>>);

impl HandClock {
    fn new() -> HandClock {
        HandClock(Arc::new(Mutex::new(Utc::now())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock") += by;
    }
    fn clock(&self) -> Clock {
        let at = self.0.clone();
        Arc::new(move || *at.lock().expect("clock"))
    }
}

/// Files under `dir` this process holds open (the cache, its -wal and -shm).
fn open_files_under(dir: &Path) -> usize {
    let dir = dir.canonicalize().expect("dir");
    std::fs::read_dir("/proc/self/fd")
        .expect("fds")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .count()
}

async fn put_policy(url: &str, token: &str, body: serde_json::Value) -> reqwest::StatusCode {
    reqwest::Client::new()
        .put(format!("{url}/admin/security-policy"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("put policy")
        .status()
}

on_both_databases! {
    async fn an_idle_workspace_locks_drops_its_key_and_the_password_resumes(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = Config { data_dir: dir.path().join("laptop"), server_url: server.url.clone() };
        let time = HandClock::new();
        let ws = Workspace::open_with_clock(&cfg, vault(), time.clock()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        assert_eq!(ws.lock_status().idle_lock_minutes, 15, "the default limit");
        let patient = ws.search_patients("", 1).expect("search")[0].id.to_string();
        ws.edit_patient(&patient, &[FieldEdit { field: PatientField::Email, value: json!("before.lock@example.com") }])
            .expect("edit");
        assert!(open_files_under(&cfg.data_dir) > 0, "the cache is open");

        // Activity moves the limit; polling (status, reads, sync) does not.
        time.advance(Duration::minutes(14));
        ws.note_activity().expect("active");
        time.advance(Duration::minutes(14));
        ws.sync_status().expect("polled while active");
        ws.patient(&patient).expect("still unlocked: 14 minutes since the last activity");
        time.advance(Duration::minutes(1));

        // Fifteen minutes since the last key press: locked, whatever is asked.
        assert_eq!(ws.sync_status().expect_err("locked").code, ErrorCode::Locked);
        assert_eq!(ws.patient(&patient).expect_err("locked").code, ErrorCode::Locked);
        assert_eq!(ws.search_patients("", 5).expect_err("locked").code, ErrorCode::Locked);
        assert_eq!(ws.note_activity().expect_err("activity does not unlock").code, ErrorCode::Locked);
        assert_eq!(ws.sync_now().await.expect_err("no sync while locked").code, ErrorCode::Locked);
        let status = ws.lock_status();
        assert!(status.locked);
        assert_eq!(status.display_name.as_deref(), Some("Maya Chen, MD"));
        assert_eq!(open_files_under(&cfg.data_dir), 0, "the cache, and the key its connection held, are closed");
        assert!(!ws.session_live(), "the access token left memory too");

        // A wrong password is refused and changes nothing; the right one resumes where it was.
        let wrong = ws.unlock("not-the-password").expect_err("wrong password");
        assert_eq!(wrong.code, ErrorCode::InvalidCredentials);
        assert!(wrong.message.contains("4 tries left"), "{}", wrong.message);
        assert!(ws.is_locked());
        assert_eq!(ws.unlock("").expect_err("empty").code, ErrorCode::InvalidInput);
        let session = ws.unlock(DEMO_PASSWORD).expect("unlock");
        assert_eq!(session.practitioner.email, DEMO_PHYSICIAN);
        assert_eq!(ws.patient(&patient).expect("read").email.as_deref(), Some("before.lock@example.com"));
        assert_eq!(ws.sync_state().expect("state").pending, 1, "the edit made before the lock waits");
        ws.sync_now().await.expect("sync after unlocking renews the session");
        assert_eq!(ws.sync_state().expect("state").pending, 0);

        // Locking by hand (Ctrl+L) works the same way.
        ws.lock_now().expect("lock");
        assert_eq!(ws.patient(&patient).expect_err("locked").code, ErrorCode::Locked);
        ws.unlock(DEMO_PASSWORD).expect("unlock");
        ws.patient(&patient).expect("read");
    }

    async fn five_wrong_passwords_end_the_session_and_keep_unsynced_work(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = Config { data_dir: dir.path().join("laptop"), server_url: server.url.clone() };
        let ws = Workspace::open(&cfg, vault()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        let patient = ws.search_patients("", 1).expect("search")[0].id.to_string();
        ws.edit_patient(&patient, &[FieldEdit { field: PatientField::Email, value: json!("first@example.com") }])
            .expect("edit");
        ws.lock_now().expect("lock");

        // Another clinician's valid sign-in does not open this clinician's cache: the cache holds
        // unsynced work of its owner, so it is refused, and the workspace stays locked.
        let other = ws.sign_in(DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD).await.expect_err("not over unsynced work");
        assert_eq!(other.code, ErrorCode::Forbidden);
        assert!(ws.is_locked(), "a refused sign-in leaves the workspace locked");
        // ... and the owner's session as it was: unlocked, it syncs with its kept refresh token.
        ws.unlock(DEMO_PASSWORD).expect("unlock");
        ws.sync_now().await.expect("the owner's session survived");
        assert_eq!(ws.sync_state().expect("state").pending, 0);
        ws.edit_patient(&patient, &[FieldEdit { field: PatientField::Email, value: json!("kept@example.com") }])
            .expect("edit");
        ws.lock_now().expect("lock");

        // Wrong passwords are counted in the cache: quitting the app does not refill the tries.
        let mut ws = ws;
        for attempt in 1..MAX_UNLOCK_ATTEMPTS {
            if attempt == 3 {
                drop(ws);
                ws = Workspace::open(&cfg, vault()).expect("reopen");
            }
            let e = ws.unlock("guess").expect_err("wrong");
            assert_eq!(e.code, ErrorCode::InvalidCredentials, "attempt {attempt}");
            let left = MAX_UNLOCK_ATTEMPTS - attempt;
            assert!(e.message.contains(&format!("{left} tr")), "attempt {attempt}: {}", e.message);
            assert!(ws.is_locked());
        }
        let ended = ws.unlock("guess").expect_err("the fifth");
        assert_eq!(ended.code, ErrorCode::NotSignedIn);
        // The right password no longer helps here: only a sign-in against the server does.
        assert!(!ws.is_locked());
        assert!(ws.session().expect("session").is_none());
        assert_eq!(ws.search_patients("", 5).expect_err("signed out").code, ErrorCode::NotSignedIn);
        assert_eq!(ws.sync_state().expect("state").pending, 1, "the unsynced edit is kept");

        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in again");
        assert_eq!(ws.sync_state().expect("state").pending, 0, "and sent once signed in again");
        let token = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let on_server: rounds_domain::Patient = reqwest::Client::new()
            .get(format!("{}/patients/{patient}", server.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("patient");
        assert_eq!(on_server.email.as_deref(), Some("kept@example.com"));

        // Signing out needs no password, locked or not; a locked app restarted stays locked.
        ws.lock_now().expect("lock");
        drop(ws);
        let ws = Workspace::open(&cfg, vault()).expect("reopen");
        assert!(ws.is_locked(), "a kept session opens locked");
        ws.sign_out().expect("sign out while locked");
        assert!(!ws.is_locked());
        assert!(ws.session().expect("session").is_none());
    }

    async fn the_idle_limit_is_an_organisation_setting(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        let physician = sign_in_token(&server.url, DEMO_PHYSICIAN).await;

        // Bad input is refused with a 400 and changes nothing; only administrators may set it.
        // Values out of range are 400; a body that does not decode is 422 (both `invalid_input`).
        for bad in [
            json!({"idle_lock_minutes": 0}),
            json!({"idle_lock_minutes": 121}),
            json!({"idle_lock_minutes": -5}),
            json!({"idle_lock_minutes": "15"}),
            json!({"idle_lock_minutes": 15, "extra": true}),
            json!({}),
        ] {
            let status = put_policy(&server.url, &admin, bad.clone()).await;
            assert!(status == 400 || status == 422, "{bad}: {status}");
        }
        assert_eq!(put_policy(&server.url, &physician, json!({"idle_lock_minutes": 5})).await, 403);
        assert_eq!(put_policy(&server.url, "not-a-token", json!({"idle_lock_minutes": 5})).await, 401);

        let dir = tempfile::tempdir().expect("dir");
        let cfg = Config { data_dir: dir.path().join("laptop"), server_url: server.url.clone() };
        let time = HandClock::new();
        let ws = Workspace::open_with_clock(&cfg, vault(), time.clock()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        assert_eq!(ws.lock_status().idle_lock_minutes, 15, "none of the refused values took");
        let refused = ws.update_security_policy(rounds_domain::api::SecurityPolicy { idle_lock_minutes: 5 }).await;
        assert_eq!(refused.expect_err("not an admin").code, ErrorCode::Forbidden);

        assert_eq!(put_policy(&server.url, &admin, json!({"idle_lock_minutes": 5})).await, 200);
        ws.sync_now().await.expect("sync");
        assert_eq!(ws.lock_status().idle_lock_minutes, 5);
        assert_eq!(ws.security_policy().expect("policy").idle_lock_minutes, 5);
        time.advance(Duration::minutes(4));
        ws.sync_status().expect("four minutes idle");
        time.advance(Duration::minutes(1));
        assert_eq!(ws.sync_status().expect_err("five").code, ErrorCode::Locked);
    }
}
