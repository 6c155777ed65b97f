//! Organisation data through sync: an administrator replaces the service menu (CSV) and a
//! complaint catalog (JSON), or adds a service line; every clinician's device picks them up and
//! charting uses them. Bad documents are refused whole, with every problem named. On SQLite and
//! PostgreSQL.

use chrono::Utc;
use rounds_client::{Config, Workspace};
use rounds_domain::charting::*;
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_ADMIN, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, sign_in_token, vault, TestServer};
use serde_json::Value;

const MENU: &str = "code,description,rule\n\
    ORGLOW1,Our established visit - low complexity,visit:established:low\n\
    ORGMOD1,Our established visit - moderate complexity,visit:established:moderate\n\
    ORGEV1,Our e-visit 5-10 min,evisit:5-10\n";

async fn put(url: &str, token: &str, path: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = reqwest::Client::new()
        .put(format!("{url}{path}"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("put");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

on_both_databases! {
    async fn administrators_replace_the_menu_and_catalogs_and_devices_follow(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = Workspace::open(&Config { data_dir: dir.path().join("doc"), server_url: server.url.clone() }, vault())
            .expect("open");
        ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        let shipped = ws.complaints("adult_primary").expect("catalog");
        assert!(shipped.len() >= 20);

        // Who may, and what is refused (whole, with each problem).
        let admin = sign_in_token(&server.url, DEMO_ADMIN).await;
        let doctor = sign_in_token(&server.url, DEMO_PHYSICIAN).await;
        let (status, body) = put(&server.url, &doctor, "/admin/service-menu", "text/csv", MENU.into()).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
        let (status, _) = put(&server.url, &admin, "/admin/service-menu", "application/json", MENU.into()).await;
        assert_eq!(status, 415);
        let bad = "code,description,rule\nOK1,Fine,visit:new:low\nBAD 2,Space in code,visit:new:low\nOK3,Bad rule,visit:sometimes:low\n";
        let (status, body) = put(&server.url, &admin, "/admin/service-menu", "text/csv", bad.into()).await;
        let message = body["message"].as_str().unwrap_or_default().to_string();
        assert_eq!(status, 400, "{body}");
        assert!(message.contains("line 3") && message.contains("line 4") && !message.contains("line 2"), "{message}");

        // A good menu: stored, announced, and the device's billing suggestion uses it.
        let (status, body) = put(&server.url, &admin, "/admin/service-menu", "text/csv", MENU.into()).await;
        assert_eq!((status, body["changed"].as_bool()), (200, Some(true)), "{body}");
        let (_, again) = put(&server.url, &admin, "/admin/service-menu", "text/csv", MENU.into()).await;
        assert_eq!(again["changed"].as_bool(), Some(false), "the same menu twice is one change");
        ws.sync_now().await.expect("sync");
        let patient = ws.search_patients("", 200).expect("patients").into_iter()
            .map(|p| ws.patient(&p.id.to_string()).expect("patient"))
            .find(|p| p.age_on(Utc::now().date_naive()) >= 18 && ["CA", "TX", "IL", "FL", "NY", "WA"].contains(&p.current_state.as_str()))
            .expect("an adult");
        let id = ws.start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::Video).expect("start").encounter.id.to_string();
        ws.save_section(&id, Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis { code: "J02.9".into(), description: "Acute pharyngitis, unspecified".into(), billable: true }],
            narrative: String::new(),
        })).expect("assessment");
        let view = ws.save_section(&id, Section::Plan(PlanSection { instructions: "Fluids.".into(), ..Default::default() })).expect("plan");
        assert_eq!(view.billing.code.as_deref(), Some("ORGLOW1"), "{:?}", view.billing);
        assert_eq!(view.billing.description.as_deref(), Some("Our established visit - low complexity"));

        // A catalog with one complaint more, and a new service line of the organisation's own.
        let mut catalog: ComplaintCatalog = serde_json::from_str(include_str!("../../data/complaints/adult_primary.json")).expect("shipped");
        let mut hiccups = catalog.complaints[0].clone();
        hiccups.code = "hiccups".into();
        hiccups.label = "Hiccups".into();
        hiccups.rank = 99;
        catalog.complaints.push(hiccups.clone());
        let (status, body) = put(&server.url, &admin, "/admin/catalogs/adult_primary", "application/json", serde_json::to_string(&catalog).expect("json")).await;
        assert_eq!(status, 200, "{body}");
        let mut travel = catalog.clone();
        travel.service_line = "travel_medicine".into();
        travel.title = "Travel medicine".into();
        travel.complaints = vec![hiccups.clone()];
        let (status, _) = put(&server.url, &admin, "/admin/catalogs/travel_medicine", "application/json", serde_json::to_string(&travel).expect("json")).await;
        assert_eq!(status, 200);
        let mut twice = catalog.clone();
        twice.complaints.push(hiccups.clone());
        twice.complaints[0].icd10.push("not-a-code".into());
        let (status, body) = put(&server.url, &admin, "/admin/catalogs/adult_primary", "application/json", serde_json::to_string(&twice).expect("json")).await;
        let message = body["message"].as_str().unwrap_or_default().to_string();
        assert_eq!(status, 400);
        assert!(message.contains("'hiccups' appears twice") && message.contains("'not-a-code' is not an ICD-10-CM code"), "{message}");
        let (status, _) = put(&server.url, &admin, "/admin/catalogs/pediatric_sms", "application/json", serde_json::to_string(&catalog).expect("json")).await;
        assert_eq!(status, 400, "a catalog filed under another service line is refused");

        ws.sync_now().await.expect("sync");
        let now = ws.complaints("adult_primary").expect("catalog");
        assert_eq!(now.len(), shipped.len() + 1);
        assert!(now.iter().any(|c| c.code == "hiccups"));
        let travel_view = ws.start_encounter(&patient.id.to_string(), "travel_medicine", EncounterMode::Video).expect("the organisation's own line");
        assert_eq!(travel_view.encounter.service_line, "travel_medicine");
        assert_eq!(ws.complaints("travel_medicine").expect("catalog").len(), 1);
        assert!(ws.start_encounter(&patient.id.to_string(), "no_such_line", EncounterMode::Video).is_err());

        // A device that signs in later gets the same organisation data in its first sync.
        let fresh = Workspace::open(&Config { data_dir: dir.path().join("fresh"), server_url: server.url.clone() }, vault())
            .expect("open");
        fresh.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in");
        assert!(fresh.complaints("adult_primary").expect("catalog").iter().any(|c| c.code == "hiccups"));
    }
}
