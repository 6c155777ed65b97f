//! The pictures' data through the client library and a real server: a patient's vital-sign
//! trends from their signed notes (with the normal range for their age), and queue load over
//! the last days, whose last point is what the queue screen counts now.

use chrono::Utc;
use rounds_client::{Config, Workspace};
use rounds_domain::charting::*;
use rounds_domain::ops::{QueueFilter, QueueSort};
use rounds_domain::trends::{NormalRange, TrendChartKind, TrendDirection, LOAD_DAYS};
use rounds_domain::vitals::{FlagDirection, Temperature, TemperatureUnit, VitalKind, Vitals, Weight, WeightUnit};
use rounds_domain::*;
use rounds_server::seed::{self, DEMO_CARE_COORDINATOR, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::{vault, Backend, Db, TestServer};

async fn signed_in(dir: &tempfile::TempDir, url: &str, email: &str) -> Workspace {
    let config = Config { data_dir: dir.path().join("device"), server_url: url.to_string() };
    let ws = Workspace::open(&config, vault()).expect("open");
    ws.sign_in(email, DEMO_PASSWORD).await.expect("sign in");
    ws
}

/// A complete, signable visit with these vitals.
fn visit(ws: &Workspace, vitals: Vitals) -> Vec<Section> {
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
            narrative: String::new(),
        }),
        Section::Systems(SystemsSection {
            ros: vec![],
            exam: vec![SystemEntry {
                system: throat.system.clone(),
                label: throat.label.clone(),
                status: SystemStatus::Normal,
                normal_text: throat.normal.clone(),
                findings: vec![],
                note: String::new(),
            }],
            narrative: String::new(),
        }),
        Section::Vitals(vitals),
        Section::Assessment(AssessmentSection {
            diagnoses: vec![Diagnosis {
                code: "J02.9".into(),
                description: "Acute pharyngitis, unspecified".into(),
                billable: true,
            }],
            narrative: String::new(),
        }),
        Section::Plan(PlanSection { instructions: "Fluids and rest.".into(), ..Default::default() }),
    ]
}

#[tokio::test]
async fn vital_trends_come_from_signed_notes_with_the_range_for_the_patients_age() {
    let db = Db::new(Backend::Sqlite).await;
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let server = TestServer::start_with(db.storage.clone(), None).await;
    let dir = tempfile::tempdir().expect("dir");
    let ws = signed_in(&dir, &server.url, DEMO_PHYSICIAN).await;
    let today = Utc::now().date_naive();
    let patient = ws
        .search_patients("", 200)
        .expect("list")
        .into_iter()
        .map(|p| ws.patient(&p.id.to_string()).expect("patient"))
        .find(|p| p.age_on(today) >= 18 && ["CA", "NY", "TX", "WA", "FL", "IL"].contains(&p.current_state.as_str()))
        .expect("an adult patient in a licensed state");
    let pid = patient.id.to_string();

    let before = ws.vital_trends(&pid).expect("trends");
    assert_eq!(before.charts.iter().map(|c| c.chart).collect::<Vec<_>>(), TrendChartKind::ALL.to_vec());
    assert!(before.charts.iter().all(|c| c.series.iter().all(|s| s.points.is_empty())), "seeded notes carry no vitals");

    for (temp_f, heart_rate, systolic, kg) in [(101.3, 96.0, 128.0, 80.0), (98.6, 82.0, 142.0, 78.5)] {
        let id =
            ws.start_encounter(&pid, "adult_primary", EncounterMode::Video).expect("start").encounter.id.to_string();
        for s in visit(
            &ws,
            Vitals {
                temperature: Some(Temperature { value: temp_f, unit: TemperatureUnit::Fahrenheit }),
                heart_rate: Some(heart_rate),
                systolic: Some(systolic),
                diastolic: Some(84.0),
                weight: Some(Weight { value: kg, unit: WeightUnit::Kg }),
                ..Default::default()
            },
        ) {
            ws.save_section(&id, s).expect("save");
        }
        ws.sign_encounter(&id).expect("sign");
        ws.sync_now().await.expect("sync");
    }
    // A draft's vitals are not a recorded trend until signed.
    let draft =
        ws.start_encounter(&pid, "adult_primary", EncounterMode::Video).expect("start").encounter.id.to_string();
    ws.save_section(&draft, Section::Vitals(Vitals { heart_rate: Some(150.0), ..Default::default() })).expect("save");

    let trends = ws.vital_trends(&pid).expect("trends");
    let series = |chart: usize, i: usize| &trends.charts[chart].series[i];
    let temp = series(0, 0);
    assert_eq!(temp.points.len(), 2);
    assert!((temp.points[0].value - 38.5).abs() < 0.01, "converted to °C: {:?}", temp.points);
    assert_eq!(temp.points[0].flag, Some(FlagDirection::High));
    assert_eq!(temp.points[1].flag, None);
    assert_eq!(temp.direction, Some(TrendDirection::Falling));
    assert_eq!(trends.charts[0].unit, "°C");
    let hr = series(1, 0);
    assert_eq!(hr.points.iter().map(|p| p.value).collect::<Vec<_>>(), vec![96.0, 82.0]);
    assert_eq!(hr.points[1].normal, Some(NormalRange { low: 60.0, high: 100.0 }));
    let (sys, dia) = (series(2, 0), series(2, 1));
    assert_eq!((sys.kind, dia.kind), (VitalKind::Systolic, VitalKind::Diastolic));
    assert_eq!(sys.points[1].flag, Some(FlagDirection::High), "142 is above 139 for an adult");
    assert_eq!(sys.direction, Some(TrendDirection::Rising));
    assert_eq!(dia.direction, Some(TrendDirection::Steady));
    let weight = series(3, 0);
    assert_eq!(weight.points.iter().map(|p| p.value).collect::<Vec<_>>(), vec![80.0, 78.5]);
    assert!(weight.points.iter().all(|p| p.normal.is_none()));
    assert_eq!(trends.band_label, "an adult");

    assert_eq!(ws.vital_trends("not-an-id").expect_err("bad id").code, ErrorCode::InvalidInput);
    let unknown = PatientId::new_v7(1).to_string();
    assert_eq!(ws.vital_trends(&unknown).expect_err("unknown").code, ErrorCode::NotFound);
}

#[tokio::test]
async fn queue_load_ends_at_what_the_queue_screen_counts_now() {
    let db = Db::new(Backend::Sqlite).await;
    seed::demo(db.storage.as_ref(), Utc::now()).await.expect("seed");
    let server = TestServer::start_with(db.storage.clone(), None).await;
    let dir = tempfile::tempdir().expect("dir");
    let ws = signed_in(&dir, &server.url, DEMO_CARE_COORDINATOR).await;

    let view = ws.task_queue(QueueFilter::Mine, QueueSort::Due, 10).expect("queue");
    let load = ws.queue_load(-300).expect("load");
    assert_eq!(
        load.iter().map(|l| l.queue).collect::<Vec<_>>(),
        view.counts.iter().map(|c| c.queue).collect::<Vec<_>>()
    );
    for (l, c) in load.iter().zip(&view.counts) {
        assert_eq!(l.points.len(), LOAD_DAYS as usize);
        let now = l.points.last().expect("now");
        assert_eq!((now.waiting, now.overdue), (c.ready, c.overdue), "{:?}", l.queue);
        // The seed makes each task three days before it is due (at most 3.5 days ago).
        assert_eq!(l.points[0].waiting, 0, "{:?}", l.points);
    }
    assert!(load.iter().any(|l| l.points.last().is_some_and(|p| p.waiting > 0)), "the seed has coordinator work");
    assert!(
        load.iter().any(|l| l.points[1..l.points.len() - 1].iter().any(|p| p.waiting > 0)),
        "work waited in the last days: {load:?}"
    );

    // Claiming a task takes it out of the waiting count now, and only now.
    let queue = load.iter().find(|l| l.points.last().is_some_and(|p| p.waiting > 0)).expect("a queue with work").queue;
    let item = ws.task_queue(QueueFilter::Role(queue), QueueSort::Due, 1).expect("queue").items.remove(0);
    ws.claim_task(&item.task.id.to_string()).expect("claim");
    let after = ws.queue_load(-300).expect("load");
    let (was, is) = (
        load.iter().find(|l| l.queue == queue).expect("before"),
        after.iter().find(|l| l.queue == queue).expect("after"),
    );
    assert_eq!(is.points.last().map(|p| p.waiting), was.points.last().map(|p| p.waiting - 1));
    // It still waited before: the days behind are unchanged (a taken task is still read).
    let days = was.points.len() - 1;
    assert_eq!(is.points[..days], was.points[..days]);

    for bad in [841, -841, i32::MAX] {
        assert_eq!(ws.queue_load(bad).expect_err("offset").code, ErrorCode::InvalidInput);
    }
}
