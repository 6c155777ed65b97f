//! Charting end to end through the client library and a real server, on SQLite and PostgreSQL:
//! a sore-throat visit charted, signed and amended; what is refused (bad input, signing without
//! a license, someone else's note, editing a signed note); the database triggers that keep a
//! signed note and its addenda unchanged; a section edited on two devices offline; co-signature;
//! and a draft that survives the app being killed mid-page.

use chrono::Utc;
use rounds_client::{Config, Workspace};
use rounds_domain::charting::*;
use rounds_domain::sync::FieldEdit;
use rounds_domain::vitals::{Temperature, TemperatureUnit, Vitals};
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_CARE_COORDINATOR, DEMO_NURSE_PRACTITIONER, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{on_both_databases, pull_changes, vault, Backend, TestServer};

fn config(dir: &tempfile::TempDir, name: &str, url: &str) -> Config {
    Config { data_dir: dir.path().join(name), server_url: url.to_string() }
}

async fn signed_in(dir: &tempfile::TempDir, name: &str, url: &str, email: &str) -> Workspace {
    let ws = Workspace::open(&config(dir, name, url), vault()).expect("open");
    ws.sign_in(email, DEMO_PASSWORD).await.expect("sign in");
    ws
}

/// An adult patient in a state where `ws`'s clinician is licensed (and that their care team has).
fn adult_patient_in(ws: &Workspace, states: &[&str]) -> Patient {
    let today = Utc::now().date_naive();
    ws.search_patients("", 200)
        .expect("list")
        .into_iter()
        .map(|p| ws.patient(&p.id.to_string()).expect("patient"))
        .find(|p| p.age_on(today) >= 18 && states.contains(&p.current_state.as_str()))
        .expect("an adult patient in a licensed state")
}

/// The sections of the reference sore-throat visit, from the shipped catalog.
fn sore_throat_sections(ws: &Workspace) -> Vec<Section> {
    let catalog = ws.complaints("adult_primary").expect("catalog");
    let st = catalog.iter().find(|c| c.code == "sore_throat").expect("sore throat");
    let throat = st.exam.iter().find(|s| s.system == "throat").expect("throat exam");
    vec![
        Section::Complaints(ComplaintsSection {
            chosen: vec![ChosenComplaint { code: st.code.clone(), label: st.label.clone() }],
        }),
        Section::History(HistorySection {
            answers: vec![HpiAnswer {
                complaint: st.code.clone(),
                prompt: st.hpi[0].id.clone(),
                label: st.hpi[0].label.clone(),
                chosen: vec![st.hpi[0].options[1].clone()],
            }],
            narrative: "Started after a sick contact at work.".into(),
        }),
        Section::Systems(SystemsSection {
            ros: vec![],
            exam: vec![SystemEntry {
                system: throat.system.clone(),
                label: throat.label.clone(),
                status: SystemStatus::Abnormal,
                normal_text: throat.normal.clone(),
                findings: vec![throat.abnormal[0].clone()],
                note: String::new(),
            }],
            narrative: String::new(),
        }),
        Section::Vitals(Vitals {
            temperature: Some(Temperature { value: 101.3, unit: TemperatureUnit::Fahrenheit }),
            heart_rate: Some(96.0),
            ..Default::default()
        }),
        Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis {
                code: "J02.0".into(),
                description: "Streptococcal pharyngitis".into(),
                billable: true,
            }],
            narrative: String::new(),
        }),
        Section::Plan(PlanSection {
            labs: vec![LabOrder {
                loinc: "78012-2".into(),
                name: "Streptococcus pyogenes Ag [Presence] in Throat by Rapid immunoassay".into(),
            }],
            medications: vec![],
            instructions: "Fluids, rest, salt-water gargles.".into(),
            follow_up: "If not better in 3 days.".into(),
            tasks: vec![PlannedTask {
                queue: Role::CareCoordinator,
                kind: TaskKind::Scheduling,
                description: "Book a follow-up call in 3 days".into(),
            }],
        }),
    ]
}

fn chart(ws: &Workspace, id: &str, sections: Vec<Section>) -> chart::EncounterView {
    let mut view = None;
    for s in sections {
        view = Some(ws.save_section(id, s).expect("save"));
    }
    view.expect("a section")
}

fn server_encounter(changes: &[sync::Change], id: EncounterId) -> Encounter {
    changes
        .iter()
        .rev()
        .find_map(|c| match &c.record {
            sync::Record::Encounter(e) if e.id == id => Some(e.clone()),
            _ => None,
        })
        .expect("the encounter on the server")
}

on_both_databases! {
    async fn a_visit_is_charted_signed_and_amended_and_stays_signed(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = signed_in(&dir, "a", &server.url, DEMO_PHYSICIAN).await;
        let patient = adult_patient_in(&ws, &["CA", "NY", "TX", "WA", "FL", "IL"]);

        let view = ws.start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::Video).expect("start");
        let id = view.encounter.id.to_string();
        assert_eq!(view.encounter.status, EncounterStatus::Draft);
        assert_eq!(view.encounter.state_of_care, patient.current_state);
        assert!(view.license.license.is_some(), "{}", view.license.message);
        assert_eq!(view.pages.len(), 8);
        let missing: Vec<Page> = view.blockers.iter().filter_map(|b| match &b.blocker {
            SignBlocker::Missing { page, .. } => Some(*page),
            _ => None,
        }).collect();
        assert_eq!(missing, vec![Page::Complaint, Page::History, Page::Systems, Page::Assessment, Page::Plan]);
        // Signing an incomplete note is refused and queues nothing.
        let queued = ws.sync_state().expect("state").queued;
        let refused = ws.sign_encounter(&id).expect_err("incomplete");
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(refused.message.contains("Chief complaint: needs a chief complaint"), "{}", refused.message);
        assert_eq!(ws.sync_state().expect("state").queued, queued);

        let view = chart(&ws, &id, sore_throat_sections(&ws));
        assert!(view.blockers.is_empty(), "{:?}", view.blockers);
        assert!(view.pages.iter().all(|p| p.complete || p.page == Page::Vitals), "{:?}", view.pages);
        assert!(view.note.contains("Chief complaint: Sore throat."), "{}", view.note);
        assert!(view.note.contains("T 101.3 °F"), "{}", view.note);
        assert_eq!(view.vitals_flags.len(), 1, "fever flagged: {:?}", view.vitals_flags);
        assert!(view.suggested_codes.iter().any(|c| c.code.starts_with("J02")), "{:?}", view.suggested_codes);
        assert_eq!(view.billing.complexity, Some(billing::Complexity::Low), "{:?}", view.billing);
        assert!(view.billing.code.is_some());

        let signed = ws.sign_encounter(&id).expect("sign");
        assert_eq!(signed.encounter.status, EncounterStatus::Signed);
        let hash = signed.encounter.content_hash.clone().expect("hash");
        assert_eq!(hash, content_hash(&signed.note));
        // Locked on this device at once, before the server has it.
        let edit = ws.save_section(&id, Section::Plan(PlanSection { instructions: "changed".into(), ..Default::default() }));
        assert_eq!(edit.expect_err("signed").code, ErrorCode::InvalidInput);
        assert_eq!(ws.sign_encounter(&id).expect_err("twice").code, ErrorCode::InvalidInput);

        ws.sync_now().await.expect("sync");
        let changes = pull_changes(&server.url, DEMO_PHYSICIAN).await;
        let on_server = server_encounter(&changes, signed.encounter.id);
        assert_eq!(on_server.status, EncounterStatus::Signed);
        assert_eq!(on_server.content_hash.as_deref(), Some(hash.as_str()));
        assert_eq!(on_server.note, signed.note);
        assert_eq!(on_server.signed_by, signed.encounter.signed_by);
        // The plan's task went to the care coordinators' queue: they see it, the physician
        // (whose queues it is not in) sees it withdrawn.
        let coordinator = pull_changes(&server.url, DEMO_CARE_COORDINATOR).await;
        let planned = coordinator.iter().find_map(|c| match &c.record {
            sync::Record::Task(t) if t.patient_id == patient.id && t.description.contains("follow-up call") => Some(t.clone()),
            _ => None,
        });
        let planned = planned.expect("the coordinator sees the planned task");
        assert_eq!((planned.queue, planned.kind, planned.status), (Role::CareCoordinator, TaskKind::Scheduling, TaskStatus::Ready));
        assert!(changes.iter().any(|c| matches!(&c.record, sync::Record::Withdrawn(w) if w.id == planned.id.0)));
        let view = ws.encounter_view(&id).expect("view");
        assert_eq!((view.encounter.status, view.unsynced), (EncounterStatus::Signed, 0));

        // An addendum: signed, append-only, and the note itself unchanged.
        let amended = ws.add_addendum(&id, "Rapid strep positive; amoxicillin started.").expect("addendum");
        assert_eq!(amended.encounter.addenda.len(), 1);
        assert!(ws.add_addendum(&id, "   ").is_err());
        ws.sync_now().await.expect("sync");
        let on_server = server_encounter(&pull_changes(&server.url, DEMO_PHYSICIAN).await, signed.encounter.id);
        assert_eq!(on_server.status, EncounterStatus::Amended);
        assert_eq!(on_server.addenda.len(), 1);
        assert_eq!(on_server.addenda[0].content_hash, content_hash("Rapid strep positive; amoxicillin started."));
        assert_eq!(on_server.content_hash.as_deref(), Some(hash.as_str()));

        // A second device of the same clinician receives the same signed note.
        let other = signed_in(&dir, "b", &server.url, DEMO_PHYSICIAN).await;
        let there = other.encounter_view(&id).expect("on the other device");
        assert_eq!(there.note, signed.note);
        assert_eq!(there.encounter.addenda.len(), 1);
        let chart = other.patient_chart(&patient.id.to_string()).expect("chart");
        assert_eq!(chart.encounters[0].id, signed.encounter.id);
        assert!(chart.latest_vitals.iter().any(|o| o.loinc == "8310-5" && (o.value - 38.5).abs() < 0.01), "{:?}", chart.latest_vitals);

        // Under the application, the databases themselves refuse to change signed content.
        let e = signed.encounter.id;
        let hex_id = e.0.simple().to_string();
        let (id_sql, other_uuid) = match db.backend {
            Backend::Sqlite => (format!("x'{hex_id}'"), "x'00000000000000000000000000000000'".to_string()),
            Backend::Postgres => (format!("'{e}'"), "'00000000-0000-0000-0000-000000000000'".to_string()),
        };
        for sql in [
            format!("UPDATE encounters SET note = 'tampered' WHERE id = {id_sql}"),
            format!("UPDATE encounters SET status = 'draft' WHERE id = {id_sql}"),
            format!("UPDATE encounters SET content_hash = 'x' WHERE id = {id_sql}"),
            format!("DELETE FROM encounters WHERE id = {id_sql}"),
            format!("UPDATE addenda SET text = 'tampered' WHERE encounter_id = {id_sql}"),
            format!("DELETE FROM addenda WHERE encounter_id = {id_sql}"),
            format!("UPDATE addenda SET encounter_id = {other_uuid} WHERE encounter_id = {id_sql}"),
        ] {
            let err = db.execute(&sql).await.expect_err(&sql);
            assert!(err.to_string().contains("signed note") || err.to_string().contains("append-only"), "{sql}: {err}");
        }
        let on_server_again = server_encounter(&pull_changes(&server.url, DEMO_PHYSICIAN).await, e);
        assert_eq!(on_server_again, on_server);
    }

    async fn signing_is_refused_without_a_license_and_for_someone_elses_note(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = signed_in(&dir, "doc", &server.url, DEMO_PHYSICIAN).await;
        let np = signed_in(&dir, "np", &server.url, DEMO_NURSE_PRACTITIONER).await;
        // A patient both look after.
        let patient = adult_patient_in(&np, &["CA", "TX"]);
        // The patient is travelling in Nevada, where the physician holds no license.
        ws.edit_patient(&patient.id.to_string(), &[FieldEdit { field: sync::PatientField::CurrentState, value: serde_json::json!("NV") }])
            .expect("move");
        let view = ws.start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::Phone).expect("start");
        let id = view.encounter.id.to_string();
        assert!(view.license.license.is_none());
        assert!(view.license.message.contains("No active license in NV"), "{}", view.license.message);
        let view = chart(&ws, &id, sore_throat_sections(&ws));
        assert_eq!(view.blockers.iter().map(|b| b.blocker.clone()).collect::<Vec<_>>(),
            vec![SignBlocker::NoLicense { state: "NV".parse().expect("NV") }]);
        let err = ws.sign_encounter(&id).expect_err("no license");
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert!(err.message.contains("no active license in NV"), "{}", err.message);

        // The hand-off reaches the server as a task for a clinician licensed in NV.
        let task = ws.hand_off_encounter(&id, "Patient prefers a callback after 5pm").expect("hand off");
        assert_eq!((task.kind, task.license_state.as_str(), task.queue), (TaskKind::HandOff, "NV", Role::Physician));
        ws.sync_now().await.expect("sync");
        assert_eq!(ws.sync_status().expect("status").rejected, 0);
        // It is in the log; nobody on the demo team holds an NV license, so it is in no one's
        // scope yet (the physician's own device drops it once synced).
        let changes = pull_changes(&server.url, DEMO_PHYSICIAN).await;
        assert!(changes.iter().any(|c| matches!(&c.record, sync::Record::Withdrawn(w) if w.id == task.id.0)));
        assert_eq!(ws.task(&task.id.to_string()).expect_err("withdrawn").code, ErrorCode::NotFound);
        // The draft itself reached the server, unsigned.
        assert_eq!(server_encounter(&changes, view.encounter.id).status, EncounterStatus::Draft);

        // The nurse practitioner sees the physician's draft but may neither edit nor sign it.
        np.sync_now().await.expect("sync");
        let theirs = np.encounter_view(&id).expect("the draft reached the nurse practitioner's device");
        assert!(theirs.blockers.iter().any(|b| b.blocker == SignBlocker::NotAuthor));
        assert_eq!(np.sign_encounter(&id).expect_err("not hers").code, ErrorCode::Forbidden);
        let edit = np.save_section(&id, Section::Plan(PlanSection { instructions: "x".into(), ..Default::default() }));
        assert_eq!(edit.expect_err("not hers").code, ErrorCode::Forbidden);

        // Bad input is refused with a reason, and nothing is saved.
        let before = ws.encounter_view(&id).expect("view").encounter;
        let queued = ws.sync_state().expect("state").queued;
        let unknown = Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis { code: "J99.99".into(), description: "made up".into(), billable: true }],
            narrative: String::new(),
        });
        assert!(ws.save_section(&id, unknown).expect_err("unknown code").message.contains("not in ICD-10-CM"));
        let malformed = Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis { code: "strep".into(), description: "x".into(), billable: true }],
            narrative: String::new(),
        });
        assert_eq!(ws.save_section(&id, malformed).expect_err("malformed").code, ErrorCode::InvalidInput);
        for vitals in [
            Vitals { heart_rate: Some(-4.0), ..Default::default() },
            Vitals { temperature: Some(Temperature { value: 3.0, unit: TemperatureUnit::Celsius }), ..Default::default() },
            Vitals { spo2: Some(140.0), ..Default::default() },
            Vitals { systolic: Some(80.0), diastolic: Some(120.0), ..Default::default() },
        ] {
            let err = ws.save_section(&id, Section::Vitals(vitals)).expect_err("impossible");
            assert_eq!(err.code, ErrorCode::InvalidInput);
            assert!(err.message.contains("not possible") || err.message.contains("below systolic"), "{}", err.message);
        }
        let bad_loinc = Section::Plan(PlanSection { labs: vec![LabOrder { loinc: "1234-5".into(), name: "x".into() }], ..Default::default() });
        assert!(ws.save_section(&id, bad_loinc).expect_err("loinc").message.contains("not a LOINC code"));
        assert_eq!(ws.save_section("not-an-id", Section::Vitals(Vitals::default())).expect_err("id").code, ErrorCode::InvalidInput);
        assert_eq!(ws.encounter_view(&id).expect("view").encounter, before);
        assert_eq!(ws.sync_state().expect("state").queued, queued);
    }

    async fn a_section_edited_on_two_devices_is_a_conflict_that_blocks_signing_until_settled(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let laptop = signed_in(&dir, "laptop", &server.url, DEMO_PHYSICIAN).await;
        let patient = adult_patient_in(&laptop, &["CA", "NY", "TX", "WA", "FL", "IL"]);
        let view = laptop.start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::Video).expect("start");
        let id = view.encounter.id.to_string();
        chart(&laptop, &id, sore_throat_sections(&laptop));
        laptop.sync_now().await.expect("sync");
        let tablet = signed_in(&dir, "tablet", &server.url, DEMO_PHYSICIAN).await;
        assert_eq!(tablet.encounter_view(&id).expect("draft there").note, laptop.encounter_view(&id).expect("here").note);

        // Both change the plan's instructions; the tablet also changes the history (no conflict).
        let plan = |text: &str| {
            let mut sections = sore_throat_sections(&laptop);
            let Some(Section::Plan(mut p)) = sections.pop() else { panic!("plan last") };
            p.instructions = text.into();
            Section::Plan(p)
        };
        // Typing on the laptop: many saves, one command.
        let queued = laptop.sync_state().expect("state").queued;
        for n in 1..=20 {
            laptop.save_section(&id, plan(&"Laptop text".chars().cycle().take(n).collect::<String>())).expect("type");
        }
        assert_eq!(laptop.sync_state().expect("state").queued, queued + 1, "keystrokes fold into one command");
        laptop.save_section(&id, plan("Laptop: ibuprofen as needed.")).expect("laptop");
        tablet.save_section(&id, plan("Tablet: warm fluids.")).expect("tablet");
        tablet.save_section(&id, Section::History(HistorySection { answers: vec![], narrative: "Tablet history.".into() })).expect("history");
        tablet.sync_now().await.expect("tablet first");
        laptop.sync_now().await.expect("laptop second");

        let view = laptop.encounter_view(&id).expect("view");
        assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
        let conflict = &view.conflicts[0];
        assert_eq!(conflict.section, SectionKey::Plan);
        assert!(matches!(&conflict.theirs, Section::Plan(p) if p.instructions == "Tablet: warm fluids."));
        assert!(matches!(&conflict.ours, Section::Plan(p) if p.instructions == "Laptop: ibuprofen as needed."));
        assert!(view.blockers.iter().any(|b| b.blocker == SignBlocker::Conflict { section: SectionKey::Plan }));
        assert_eq!(laptop.sign_encounter(&id).expect_err("conflict").code, ErrorCode::InvalidInput);
        // The tablet's history merged in (a different section).
        assert!(view.note.contains("Tablet history."), "{}", view.note);

        // Keep mine: saved on top of the server's version, and then it signs.
        let settled = laptop.settle_section_conflict(conflict.client_seq, Some(conflict.ours.clone())).expect("settle");
        assert!(settled.conflicts.is_empty());
        laptop.sync_now().await.expect("sync");
        let signed = laptop.sign_encounter(&id).expect("sign");
        laptop.sync_now().await.expect("sync");
        assert_eq!(laptop.sync_status().expect("status").rejected, 0);
        let on_server = server_encounter(&pull_changes(&server.url, DEMO_PHYSICIAN).await, view.encounter.id);
        assert_eq!(on_server.status, EncounterStatus::Signed);
        assert!(on_server.note.contains("Laptop: ibuprofen as needed.") && on_server.note.contains("Tablet history."));
        assert_eq!(on_server.content_hash, signed.encounter.content_hash);

        // The tablet signing its stale copy offline is refused by the server (already signed).
        tablet.sync_now().await.expect("sync");
        assert_eq!(tablet.encounter_view(&id).expect("view").encounter.status, EncounterStatus::Signed);
        assert!(tablet.save_section(&id, plan("late")).is_err());
    }

    async fn a_draft_survives_the_app_being_killed_mid_page_and_is_signed_offline(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let (addr, url) = (server.addr, server.url.clone());
        let dir = tempfile::tempdir().expect("dir");
        let ws = signed_in(&dir, "a", &url, DEMO_PHYSICIAN).await;
        let patient = adult_patient_in(&ws, &["CA", "NY", "TX", "WA", "FL", "IL"]);
        server.stop().await;
        let id = ws.start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::InPerson).expect("start offline")
            .encounter.id.to_string();
        let sections = sore_throat_sections(&ws);
        for s in &sections[..3] {
            ws.save_section(&id, s.clone()).expect("save");
        }
        let typed = "Half a sentence typed when the power went";
        ws.save_section(&id, Section::Vitals(Vitals { heart_rate: Some(88.0), ..Default::default() })).expect("vitals");
        ws.save_section(&id, Section::Plan(PlanSection { instructions: typed.into(), ..Default::default() })).expect("plan");
        let before = ws.encounter_view(&id).expect("view");
        drop(ws); // no shutdown path: each save was already its own committed transaction

        let cfg = config(&dir, "a", &url);
        let reopened = Workspace::open(&cfg, vault()).expect("reopen");
        // The restarted app opens locked; the password (checked on the device, offline) opens it.
        assert_eq!(reopened.encounter_view(&id).expect_err("locked").code, ErrorCode::Locked);
        reopened.unlock(DEMO_PASSWORD).expect("unlock");
        let after = reopened.encounter_view(&id).expect("view");
        assert_eq!(after.encounter.draft, before.encounter.draft);
        assert_eq!(after.note, before.note);
        assert!(after.note.contains(typed));
        let chart = reopened.patient_chart(&patient.id.to_string()).expect("chart");
        assert_eq!(chart.open_draft.map(|e| e.to_string()), Some(id.clone()));

        // Still offline: finish the note and sign it. It is locked here at once.
        reopened.save_section(&id, sections[4].clone()).expect("assessment");
        let plan = Section::Plan(PlanSection { instructions: format!("{typed}, then finished."), ..Default::default() });
        reopened.save_section(&id, plan).expect("plan");
        let signed = reopened.sign_encounter(&id).expect("sign offline");
        assert_eq!(signed.encounter.status, EncounterStatus::Signed);
        assert!(signed.unsynced > 0);
        assert!(reopened.save_section(&id, sections[3].clone()).is_err(), "locked while the signature waits");

        // The server comes back; the device signs in again and everything lands, in order.
        let server = TestServer::start_on(rounds_server::AppState::new(db.storage.clone()), addr).await;
        reopened.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect("sign in again");
        reopened.sync_now().await.expect("sync");
        assert_eq!(reopened.sync_status().expect("status").rejected, 0);
        let on_server = server_encounter(&pull_changes(&server.url, DEMO_PHYSICIAN).await, signed.encounter.id);
        assert_eq!(on_server.status, EncounterStatus::Signed);
        assert_eq!(on_server.content_hash, signed.encounter.content_hash);
        assert!(on_server.note.contains("then finished."));
        let view = reopened.encounter_view(&id).expect("view");
        assert_eq!((view.encounter.status, view.unsynced), (EncounterStatus::Signed, 0));
    }

    async fn a_nurse_practitioners_note_waits_for_a_physicians_cosignature(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let org = db.storage.organization_by_name(seed::DEMO_ORGANIZATION).await.expect("org").expect("demo org");
        db.storage.set_cosign_np_notes(org, true).await.expect("setting");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let np = signed_in(&dir, "np", &server.url, DEMO_NURSE_PRACTITIONER).await;
        // Both are licensed in CA and TX.
        let patient = adult_patient_in(&np, &["CA", "TX"]);
        let id = np.start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::Video).expect("start")
            .encounter.id.to_string();
        chart(&np, &id, sore_throat_sections(&np));
        np.sign_encounter(&id).expect("sign");
        np.sync_now().await.expect("sync");
        let after = np.encounter_view(&id).expect("view");
        assert!(after.encounter.cosign_required);
        assert_eq!(after.encounter.cosigned_by, None);
        assert_eq!(np.cosign_encounter(&id).expect_err("not a physician").code, ErrorCode::Forbidden);

        let doc = signed_in(&dir, "doc", &server.url, DEMO_PHYSICIAN).await;
        let changes = pull_changes(&server.url, DEMO_PHYSICIAN).await;
        assert!(changes.iter().any(|c| matches!(&c.record, sync::Record::Task(t)
            if t.kind == TaskKind::CosignNote && t.patient_id == patient.id && t.queue == Role::Physician
               && t.license_state == patient.current_state)));
        let queued = doc.cosign_encounter(&id).expect("co-sign");
        assert_eq!(queued.encounter.cosigned_by.map(|p| p.to_string()), Some(doc.session().expect("s").expect("s").practitioner.id.to_string()));
        assert_eq!(doc.cosign_encounter(&id).expect_err("queued already").code, ErrorCode::InvalidInput);
        doc.sync_now().await.expect("sync");
        assert_eq!(doc.sync_status().expect("status").rejected, 0);
        let on_server = server_encounter(&pull_changes(&server.url, DEMO_PHYSICIAN).await, after.encounter.id);
        assert!(on_server.cosigned_by.is_some());
        assert_eq!(on_server.content_hash, after.encounter.content_hash);
        assert_eq!(doc.cosign_encounter(&id).expect_err("done").code, ErrorCode::InvalidInput);
    }

    async fn a_care_coordinator_cannot_start_a_visit_on_the_device_offline_with_the_servers_words(db) {
        seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
        let server = TestServer::start_with(db.storage.clone(), None).await;
        let dir = tempfile::tempdir().expect("dir");
        let ws = signed_in(&dir, "coordinator", &server.url, DEMO_CARE_COORDINATOR).await;
        let patient = ws.search_patients("", 1).expect("list").pop().expect("a patient in scope");
        let patient = ws.patient(&patient.id.to_string()).expect("patient");
        // The server's answer to the same command.
        let start = sync::Mutation::StartEncounter {
            encounter_id: EncounterId::new_v7(Utc::now().timestamp_millis() as u64),
            patient_id: patient.id,
            service_line: "adult_primary".into(),
            mode: EncounterMode::Phone,
            state_of_care: patient.current_state,
        };
        let answer = rounds_tests::push_as(&server.url, DEMO_CARE_COORDINATOR, &[start]).await;
        let sync::Outcome::Rejected { code, message: on_server, .. } = &answer.results[0].outcome else {
            panic!("the server let a care coordinator start a visit: {:?}", answer.results);
        };
        assert_eq!((*code, on_server.as_str()), (sync::RejectCode::Forbidden, "only clinicians chart visits"));

        server.stop().await;
        let before = ws.sync_state().expect("state").pending;
        let refused = ws
            .start_encounter(&patient.id.to_string(), "adult_primary", EncounterMode::Phone)
            .expect_err("a care coordinator does not chart visits");
        assert_eq!((refused.code, refused.message.as_str()), (ErrorCode::Forbidden, on_server.as_str()));
        // Nothing was written: no draft to resume, nothing queued for the server.
        assert_eq!(ws.sync_state().expect("state").pending, before);
        assert!(ws.patient_chart(&patient.id.to_string()).expect("chart").open_draft.is_none());
    }
}
