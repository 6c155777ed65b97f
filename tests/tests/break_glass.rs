//! Break-glass at the API, on SQLite and PostgreSQL, with an injected clock: only practitioners
//! an administrator flagged, only with a reason, only for 30 minutes, and every grant, read and
//! refusal in the audit trail at high severity. The patient never joins the user's scope.

use chrono::{Duration, NaiveDate, Utc};
use rounds_domain::api::BreakGlassView;
use rounds_domain::*;
use rounds_server::audit::Severity;
use rounds_server::clock::FixedClock;
use rounds_server::seed::{self, DEMO_ADMIN, DEMO_NURSE_PRACTITIONER, DEMO_ORGANIZATION};
use rounds_server::storage::CareTeam;
use rounds_tests::{on_both_databases, sign_in_token, TestServer};
use std::sync::Arc;

on_both_databases! {
    async fn break_glass_is_flagged_reasoned_time_limited_and_audited(db) {
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
            allergies: vec![Allergy { substance: "Penicillin".into(), reaction: Some("Anaphylaxis".into()) }],
            medications: vec![],
            problems: vec![],
            version: 1,
        };
        db.storage.insert_patient(org, team.id, &outsider, start).await.expect("patient");

        let clock = Arc::new(FixedClock::new(start));
        let server = TestServer::start_with(db.storage.clone(), Some(clock.clone())).await;
        let http = reqwest::Client::new();
        let url = &server.url;
        let np = sign_in_token(url, DEMO_NURSE_PRACTITIONER).await;
        let admin = sign_in_token(url, DEMO_ADMIN).await;
        let open = |token: &str, reason: &str| {
            http.post(format!("{url}/break-glass")).bearer_auth(token)
                .json(&serde_json::json!({"patient_id": outsider.id, "reason": reason})).send()
        };
        let reason = "Unresponsive in the waiting room; need allergies before giving medication";

        // Outside her care teams: not found the normal way; not flagged: refused (and audited).
        let normal = http.get(format!("{url}/patients/{}", outsider.id)).bearer_auth(&np).send().await.expect("get");
        assert_eq!(normal.status(), 404);
        assert_eq!(open(&np, reason).await.expect("post").status(), 403);

        // An administrator flags her; then a reason is required.
        let (nina, _) = db.storage.credentials_by_email(DEMO_NURSE_PRACTITIONER).await.expect("q").expect("np");
        let permit = http.put(format!("{url}/admin/practitioners/{}/break-glass", nina.id)).bearer_auth(&admin)
            .json(&serde_json::json!({"allowed": true})).send().await.expect("permit");
        assert_eq!(permit.status(), 204);
        let by_np = http.put(format!("{url}/admin/practitioners/{}/break-glass", nina.id)).bearer_auth(&np)
            .json(&serde_json::json!({"allowed": true})).send().await.expect("permit");
        assert_eq!(by_np.status(), 403, "only administrators flag");
        assert_eq!(open(&np, "  urgent ").await.expect("post").status(), 400, "a reason, not a word");

        // By medical record number, as the desktop asks; not both ways at once.
        let by_mrn = |mrn: &str| {
            http.post(format!("{url}/break-glass")).bearer_auth(&np)
                .json(&serde_json::json!({"mrn": mrn, "reason": reason})).send()
        };
        assert_eq!(by_mrn("0000000").await.expect("post").status(), 404, "no such MRN");
        let both = http.post(format!("{url}/break-glass")).bearer_auth(&np)
            .json(&serde_json::json!({"patient_id": outsider.id, "mrn": outsider.mrn, "reason": reason})).send().await.expect("post");
        assert_eq!(both.status(), 400);
        let by_mrn: BreakGlassView = by_mrn(&outsider.mrn).await.expect("post").json().await.expect("the chart by MRN");
        assert_eq!(by_mrn.patient.id, outsider.id);
        let view: BreakGlassView = open(&np, reason).await.expect("post").json().await.expect("the chart");
        assert_eq!((view.patient.id, view.reason.as_str()), (outsider.id, reason));
        assert_eq!(view.patient.allergies[0].substance, "Penicillin");
        assert_eq!(view.expires_at, start + Duration::minutes(30));
        // Read again within the grant; her scope is unchanged.
        clock.advance(Duration::minutes(20));
        let np = sign_in_token(url, DEMO_NURSE_PRACTITIONER).await; // access tokens last 15 minutes
        let again = http.get(format!("{url}/break-glass/{}", outsider.id)).bearer_auth(&np).send().await.expect("get");
        assert_eq!(again.status(), 200);
        let normal = http.get(format!("{url}/patients/{}", outsider.id)).bearer_auth(&np).send().await.expect("get");
        assert_eq!(normal.status(), 404, "break-glass does not add the patient to her care teams");
        // Thirty minutes on, it is over.
        clock.advance(Duration::minutes(11));
        let np = sign_in_token(url, DEMO_NURSE_PRACTITIONER).await;
        let late = http.get(format!("{url}/break-glass/{}", outsider.id)).bearer_auth(&np).send().await.expect("get");
        assert_eq!(late.status(), 403);

        // The desktop asks by MRN and checks its arguments before asking.
        let dir = tempfile::tempdir().expect("dir");
        let ws = rounds_client::Workspace::open(
            &rounds_client::Config { data_dir: dir.path().join("np"), server_url: url.clone() },
            rounds_tests::vault(),
        )
        .expect("open");
        ws.sign_in(DEMO_NURSE_PRACTITIONER, rounds_server::seed::DEMO_PASSWORD).await.expect("sign in");
        assert_eq!(ws.break_glass(" ", reason).await.expect_err("no MRN").code, ErrorCode::InvalidInput);
        assert_eq!(ws.break_glass(&outsider.mrn, "urgent").await.expect_err("short").code, ErrorCode::InvalidInput);
        let view = ws.break_glass(&outsider.mrn, reason).await.expect("granted again");
        assert_eq!(view.patient.mrn, outsider.mrn);
        let again = ws.break_glass_chart(&outsider.id.to_string()).await.expect("while it lasts");
        assert_eq!(again.encounters.len(), view.encounters.len());
        assert!(ws.search_patients("Okonkwo", 10).expect("search").is_empty(), "nothing kept on the device");

        let log = db.storage.audit_log(org).await.expect("audit");
        let high = |action: &str| log.iter().filter(|r| r.event.action == action && r.event.severity == Severity::High).count();
        assert_eq!(high("break_glass.refused"), 1);
        assert_eq!(high("break_glass.granted"), 3);
        assert_eq!(high("break_glass.read"), 5);
        assert_eq!(high("admin.break_glass_permission"), 1);
        let granted = log.iter().find(|r| r.event.action == "break_glass.granted").expect("granted");
        assert!(granted.event.detail.contains(reason), "the reason is on the row: {}", granted.event.detail);
        assert_eq!(granted.event.patient_id, Some(outsider.id));
    }
}
