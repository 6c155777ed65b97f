//! The desktop's client library against a real server over loopback: sign in, download the
//! clinician's patients, then keep working with the server gone. On SQLite and PostgreSQL.

use chrono::Utc;
use rounds_client::{Config, Workspace};
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_CARE_COORDINATOR, DEMO_PASSWORD, DEMO_PATIENTS, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, vault, TestServer};

fn config(dir: &tempfile::TempDir, url: &str) -> Config {
    Config { data_dir: dir.path().join("device"), server_url: url.to_string() }
}

on_both_databases! {
    async fn signed_in_clinician_keeps_working_when_the_server_goes_away(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = config(&dir, &server.url);

        let ws = Workspace::open(&cfg, vault()).expect("open");
        let session = ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        assert!(session.online);
        assert_eq!(session.practitioner.email, DEMO_PHYSICIAN);
        assert_eq!(session.cached_patients as usize, DEMO_PATIENTS);

        let everyone = ws.search_patients("", 200).expect("list");
        assert_eq!(everyone.len(), DEMO_PATIENTS);
        let target = everyone[17].clone();
        server.stop().await;

        // Found by family name, MRN and date of birth with the server down.
        let by_name = ws.search_patients(&format!("{} {}", target.given_name, target.family_name), 50).expect("search");
        assert!(by_name.iter().any(|p| p.id == target.id));
        let by_mrn = ws.search_patients(&target.mrn, 50).expect("search");
        assert_eq!(by_mrn.first().map(|p| p.id), Some(target.id));
        let dob = target.birth_date.format("%m/%d/%Y").to_string();
        assert!(ws.search_patients(&dob, 50).expect("search").iter().any(|p| p.id == target.id));
        let chart = ws.patient(&target.id.to_string()).expect("read");
        assert_eq!(chart.mrn, target.mrn);

        // Bad arguments are refused with a typed error.
        assert_eq!(ws.search_patients(&"x".repeat(201), 50).expect_err("long").code, ErrorCode::InvalidInput);
        assert_eq!(ws.search_patients("a", 0).expect_err("limit 0").code, ErrorCode::InvalidInput);
        assert_eq!(ws.search_patients("a", 10_000).expect_err("limit").code, ErrorCode::InvalidInput);
        assert_eq!(ws.patient("12345").expect_err("id").code, ErrorCode::InvalidInput);
        let unknown = rounds_domain::PatientId::new_v7(1).to_string();
        assert_eq!(ws.patient(&unknown).expect_err("unknown").code, ErrorCode::NotFound);
        drop(ws);

        // After a restart with no server, the same clinician's cache opens, marked offline.
        let reopened = Workspace::open(&cfg, vault()).expect("reopen");
        assert_eq!(reopened.session().expect_err("locked until the password").code, ErrorCode::Locked);
        reopened.unlock(rounds_server::seed::DEMO_PASSWORD).expect("unlock offline");
        let session = reopened.session().expect("session").expect("still signed in");
        assert!(!session.online);
        assert_eq!(session.cached_patients as usize, DEMO_PATIENTS);
        assert_eq!(reopened.patient(&target.id.to_string()).expect("read").id, target.id);
        // Without a server session the device says it is offline, not "synced".
        assert!(reopened.sync_now().await.is_err());
        assert!(reopened.sync_status().expect("status").offline_since.is_some());
    }

    async fn wrong_password_leaves_the_device_signed_out(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&config(&dir, &server.url), vault()).expect("open");
        let err = ws.sign_in(DEMO_PHYSICIAN, "not-the-password").await.expect_err("refused");
        assert_eq!(err.code, ErrorCode::InvalidCredentials);
        assert!(ws.session().expect("session").is_none());
        assert_eq!(ws.search_patients("", 10).expect_err("signed out").code, ErrorCode::NotSignedIn);
    }

    async fn the_device_cache_holds_no_plaintext_phi(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let canary = "Qz9CanaryOyelaran";
        let (physician, _) = db.storage.credentials_by_email(DEMO_PHYSICIAN).await.expect("query").expect("physician");
        let team = rounds_server::storage::CareTeam {
            id: CareTeamId::new_v7(1),
            organization_id: physician.organization_id,
            name: "Canary team".into(),
            members: vec![physician.id],
        };
        db.storage.insert_care_team(&team).await.expect("team");
        let patient = Patient {
            id: PatientId::new_v7(2),
            mrn: "9900001".into(),
            given_name: "Testa".into(),
            family_name: canary.into(),
            birth_date: "1980-01-01".parse().expect("date"),
            sex: Sex::Female,
            phone: Some("+14155550142".into()),
            email: None,
            preferred_channel: Channel::Sms,
            current_state: "CA".parse().expect("CA"),
            guardian: None,
            allergies: vec![Allergy { substance: canary.into(), reaction: None }],
            medications: vec![],
            problems: vec![],
            version: 1,
        };
        db.storage.insert_patient(physician.organization_id, team.id, &patient, Utc::now()).await.expect("patient");

        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = config(&dir, &server.url);
        let ws = Workspace::open(&cfg, vault()).expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        assert_eq!(ws.search_patients(canary, 5).expect("search").len(), 1, "the canary patient is cached");

        // Neither the database nor its -wal/-shm files hold the canary in clear text.
        let mut files = 0;
        for entry in std::fs::read_dir(&cfg.data_dir).expect("list").flatten() {
            let bytes = std::fs::read(entry.path()).expect("read");
            files += 1;
            assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "{:?} holds PHI in clear", entry.path());
        }
        assert!(files >= 1);
    }

    async fn chief_complaint_buttons_come_from_the_shipped_catalog(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&config(&dir, &server.url), vault()).expect("open");
        assert_eq!(ws.complaints("adult_primary").expect_err("signed out").code, ErrorCode::NotSignedIn);
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        for line in ["adult_primary", "pediatric_sms"] {
            let complaints = ws.complaints(line).expect("catalog");
            assert!(complaints.len() >= 20, "{line}: {}", complaints.len());
            assert!(complaints.iter().all(|c| !c.hpi.is_empty() && !c.icd10.is_empty()));
            // Every suggested code exists in the shipped ICD-10-CM set.
            for code in complaints.iter().flat_map(|c| c.icd10.iter()).take(40) {
                assert_eq!(ws.search_icd10(code, 1).expect("lookup").first().map(|c| c.code.as_str()), Some(code.as_str()));
            }
        }
        assert_eq!(ws.complaints("dermatology").expect_err("unknown line").code, ErrorCode::InvalidInput);
    }

    async fn the_care_coordinator_downloads_the_whole_panel(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&config(&dir, &server.url), vault()).expect("open");
        // The demo care coordinator belongs to both teams, so sees every patient too.
        let session = ws.sign_in(DEMO_CARE_COORDINATOR, DEMO_PASSWORD).await.expect("sign in");
        assert_eq!(session.cached_patients as usize, DEMO_PATIENTS);
    }
}

#[tokio::test]
async fn icd10cm_type_ahead_works_offline_from_the_shipped_code_set() {
    let dir = tempfile::tempdir().expect("dir");
    let ws = Workspace::open(&config(&dir, "http://127.0.0.1:9"), vault()).expect("open");
    let hits = ws.search_icd10("strep phar", 10).expect("search");
    assert!(hits.iter().any(|c| c.code == "J02.0" && c.billable), "{hits:?}");
    assert_eq!(ws.search_icd10("j029", 10).expect("code").first().map(|c| c.code.as_str()), Some("J02.9"));
    assert_eq!(ws.search_icd10("x", 0).expect_err("limit").code, ErrorCode::InvalidInput);
    assert_eq!(ws.search_icd10(&"a".repeat(201), 5).expect_err("long").code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn sign_in_with_no_server_says_it_cannot_reach_it() {
    // A port nothing listens on: bind, take the port, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("dir");
    let ws = Workspace::open(&config(&dir, &format!("http://127.0.0.1:{port}")), vault()).expect("open");
    let err = ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect_err("no server");
    assert_eq!(err.code, ErrorCode::ServerUnreachable);
    assert!(ws.session().expect("session").is_none());
}

#[tokio::test]
async fn bad_arguments_are_refused_with_typed_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let ws = Workspace::open(&config(&dir, "http://127.0.0.1:9"), vault()).expect("open");
    assert_eq!(ws.sign_in("", "").await.expect_err("empty").code, ErrorCode::InvalidInput);
    assert_eq!(ws.sign_in(&"a".repeat(300), "x").await.expect_err("long").code, ErrorCode::InvalidInput);
    assert_eq!(ws.patient("not-a-uuid").expect_err("malformed id").code, ErrorCode::InvalidInput);
    let unknown = PatientId::new_v7(1).to_string();
    assert_eq!(ws.patient(&unknown).expect_err("signed out").code, ErrorCode::NotSignedIn);
    assert_eq!(ws.claim_task(&TaskId::new_v7(1).to_string()).expect_err("signed out").code, ErrorCode::NotSignedIn);
    assert_eq!(ws.sync_status().expect("status").pending, 0);
    let remote =
        Workspace::open(&config(&dir, "http://rounds.example.org"), vault()).expect_err("plain http off-machine");
    assert_eq!(remote.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_damaged_cache_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = config(&dir, "http://127.0.0.1:9");
    std::fs::create_dir_all(&cfg.data_dir).expect("mkdir");
    let junk = vec![0x5a_u8; 8192];
    std::fs::write(cfg.cache_path(), &junk).expect("write");
    let err = Workspace::open(&cfg, vault()).expect_err("refused");
    assert_eq!(err.code, ErrorCode::DatabaseCorrupt);
    assert_eq!(std::fs::read(cfg.cache_path()).expect("read"), junk);
}
