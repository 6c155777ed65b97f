//! The audit trail, on SQLite and PostgreSQL: every PHI action carries the user, the patient
//! where there is one, and server time; the log refuses UPDATE and DELETE; the verifier names
//! the first row someone altered underneath the triggers.

use chrono::Utc;
use rounds_client::{Config, Workspace};
use rounds_domain::sync::{FieldEdit, PatientField};
use rounds_server::audit::{first_broken, Severity};
use rounds_server::seed::{self, DEMO_ADMIN, DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, sign_in_token, vault, Backend, TestServer};
use serde_json::json;

on_both_databases! {
    async fn every_phi_action_is_recorded_with_who_and_which_patient(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let org = db.storage.organization_by_name(DEMO_ORGANIZATION).await.expect("q").expect("org");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let (physician, _) = db.storage.credentials_by_email(DEMO_PHYSICIAN).await.expect("q").expect("physician");

        // No token: refused, and nothing is recorded as if someone had acted.
        let before = db.storage.audit_log(org).await.expect("log").len();
        let resp = reqwest::get(format!("{}/patients", server.url)).await.expect("get");
        assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
        assert_eq!(db.storage.audit_log(org).await.expect("log").len(), before);

        // A failed sign-in for a real account is recorded at high severity.
        let failed = reqwest::Client::new()
            .post(format!("{}/auth/sign-in", server.url))
            .json(&json!({"email": DEMO_PHYSICIAN, "password": "guess"}))
            .send()
            .await
            .expect("send");
        assert_eq!(failed.status(), reqwest::StatusCode::UNAUTHORIZED);

        // A device signs in, downloads, edits a patient; an HTTP client reads one chart.
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().into(), server_url: server.url.clone() }, vault()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        let patient = ws.search_patients("", 1).expect("patients")[0].clone();
        ws.edit_patient(&patient.id.to_string(), &[FieldEdit { field: PatientField::Email, value: json!("audit@example.com") }])
            .expect("edit");
        ws.sync_now().await.expect("sync");
        let token = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let read = reqwest::Client::new()
            .get(format!("{}/patients/{}", server.url, patient.id))
            .bearer_auth(&token)
            .send()
            .await
            .expect("read");
        assert_eq!(read.status(), reqwest::StatusCode::OK);

        let log = db.storage.audit_log(org).await.expect("log");
        let actions: Vec<&str> = log.iter().map(|r| r.event.action.as_str()).collect();
        for expected in ["auth.sign_in_failed", "auth.sign_in", "sync.pull", "sync.edit_patient", "patient.read"] {
            assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
        }
        assert!(log.iter().all(|r| r.event.practitioner_id == physician.id), "every row names the user");
        let failed = log.iter().find(|r| r.event.action == "auth.sign_in_failed").expect("failed sign-in");
        assert_eq!(failed.event.severity, Severity::High);
        let edit = log.iter().find(|r| r.event.action == "sync.edit_patient").expect("edit");
        assert_eq!(edit.event.patient_id, Some(patient.id));
        assert!(edit.event.device_id.is_some(), "writes name the device");
        assert!(edit.event.detail.ends_with("applied"));
        let chart = log.iter().find(|r| r.event.action == "patient.read").expect("read");
        assert_eq!(chart.event.patient_id, Some(patient.id));
        let now = Utc::now();
        assert!(log.iter().all(|r| r.event.at <= now), "server time, never in the future");
        assert_eq!(first_broken(&log), None, "the chain holds");
    }

    async fn administrators_export_a_patients_audit_and_verify_the_chain(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let http = reqwest::Client::new();
        let physician = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let page: rounds_domain::api::PatientPage = http
            .get(format!("{}/patients?limit=2", server.url))
            .bearer_auth(&physician)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        let (read, other) = (&page.patients[0], &page.patients[1]);
        for _ in 0..2 {
            http.get(format!("{}/patients/{}", server.url, read.id)).bearer_auth(&physician).send().await.expect("read");
        }
        http.get(format!("{}/patients/{}", server.url, other.id)).bearer_auth(&physician).send().await.expect("read");

        // Clinicians may not read the trail.
        let refused = http.get(format!("{}/audit", server.url)).bearer_auth(&physician).send().await.expect("send");
        assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);

        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        let csv = http
            .get(format!("{}/audit?patient_id={}", server.url, read.id))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("export");
        assert_eq!(csv.status(), reqwest::StatusCode::OK);
        assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
        let text = csv.text().await.expect("body");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "seq,at,practitioner_id,device_id,patient_id,action,detail,severity,hash");
        assert_eq!(lines.len(), 3, "two reads of that patient, nothing about the other: {text}");
        assert!(lines[1..].iter().all(|l| l.contains(&read.id.to_string()) && l.contains("patient.read")));

        let bad = http.get(format!("{}/audit?format=xml", server.url)).bearer_auth(&admin).send().await.expect("send");
        assert_eq!(bad.status(), reqwest::StatusCode::BAD_REQUEST);

        let verdict: rounds_domain::api::AuditVerification = http
            .get(format!("{}/audit/verify", server.url))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("verify")
            .json()
            .await
            .expect("json");
        assert_eq!(verdict.first_broken, None);
        // Two sign-ins, one list, three chart reads, one export.
        assert_eq!(verdict.rows, 7);
        let org = db.storage.organization_by_name(DEMO_ORGANIZATION).await.expect("q").expect("org");
        let log = db.storage.audit_log(org).await.expect("log");
        assert!(log.iter().any(|r| r.event.action == "audit.export" && r.event.patient_id == Some(read.id)), "exports are audited");
    }

    async fn the_audit_log_is_append_only_and_tampering_is_named(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let org = db.storage.organization_by_name(DEMO_ORGANIZATION).await.expect("q").expect("org");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        for _ in 0..3 {
            sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        }
        assert_eq!(db.storage.audit_log(org).await.expect("log").len(), 3);

        for sql in ["UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"] {
            let refused = db.execute(sql).await;
            assert!(refused.is_err(), "{sql} must be refused");
            assert!(refused.expect_err("refused").to_string().contains("append-only"));
        }
        assert_eq!(first_broken(&db.storage.audit_log(org).await.expect("log")), None);

        // Someone with the database's owner rights disables the guard and edits row 2.
        let disable = match db.backend {
            Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        };
        db.execute(disable).await.expect("disable the trigger");
        assert_eq!(db.execute("UPDATE audit_log SET detail = 'edited' WHERE seq = 2").await.expect("tamper"), 1);
        assert_eq!(first_broken(&db.storage.audit_log(org).await.expect("log")), Some(2), "the verifier names row 2");
    }

    async fn reads_on_the_device_reach_the_audit_trail_and_administrators_read_it(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let org = db.storage.organization_by_name(DEMO_ORGANIZATION).await.expect("q").expect("org");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let (addr, url) = (server.addr, server.url.clone());
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().join("md"), server_url: url.clone() }, vault()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        let patients = ws.search_patients("", 2).expect("patients");
        let (first, second) = (patients[0].id, patients[1].id);

        // Read twice within minutes: noted once. Read offline: noted, and not shown as a pending change.
        ws.patient(&first.to_string()).expect("read");
        ws.patient_chart(&first.to_string()).expect("chart");
        server.stop().await;
        ws.patient(&second.to_string()).expect("read offline");
        assert_eq!(ws.sync_status().expect("status").pending, 0, "reads are not pending changes");

        let server = TestServer::start_on(rounds_server::AppState::new(db.storage.clone()), addr).await;
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in again");
        ws.sync_now().await.expect("sync");
        let log = db.storage.audit_log(org).await.expect("log");
        let reads: Vec<_> = log.iter().filter(|r| r.event.action == "device.chart_read").collect();
        assert_eq!(reads.iter().filter(|r| r.event.patient_id == Some(first)).count(), 1, "noted once");
        let offline = reads.iter().find(|r| r.event.patient_id == Some(second)).expect("the offline read arrived");
        assert!(offline.event.device_id.is_some(), "with the device");
        assert!(offline.event.detail.contains("device clock"), "{}", offline.event.detail);
        assert!(first_broken(&log).is_none());

        // An administrator reads the patient's trail, verifies the chain and exports it.
        let admin = Workspace::open(&Config { data_dir: dir.path().join("admin"), server_url: url.clone() }, vault()).expect("open");
        admin.sign_in(DEMO_ADMIN, DEMO_PASSWORD).await.expect("admin");
        let trail = admin.audit_trail(Some(&second.to_string()), None).await.expect("trail");
        assert!(trail.iter().any(|e| e.action == "device.chart_read" && e.device_id.is_some()), "{trail:?}");
        assert!(trail.iter().all(|e| e.patient_id.as_deref() == Some(second.to_string().as_str())));
        let verdict = admin.verify_audit().await.expect("verify");
        assert_eq!(verdict.first_broken, None);
        let folder = tempfile::tempdir().expect("folder");
        let file = admin.export_audit(Some(&second.to_string()), None, Some(folder.path().to_path_buf())).await.expect("export");
        let csv = std::fs::read_to_string(&file).expect("csv");
        assert!(csv.starts_with("seq,at,practitioner_id,device_id,patient_id,action,detail,severity,hash\n"), "{csv}");
        assert!(csv.contains("device.chart_read"));
        // Bad requests and other roles are refused with a reason.
        assert_eq!(admin.audit_trail(None, None).await.expect_err("no subject").code, rounds_domain::ErrorCode::InvalidInput);
        assert_eq!(admin.audit_trail(Some("12"), None).await.expect_err("bad id").code, rounds_domain::ErrorCode::InvalidInput);
        assert_eq!(ws.audit_trail(Some(&second.to_string()), None).await.expect_err("a physician").code, rounds_domain::ErrorCode::Forbidden);
        drop(server);
    }
}
