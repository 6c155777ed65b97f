//! Opening a patient's chart and one of its encounters, for a patient with thousands of visits,
//! in the encrypted cache: what `Workspace::patient_chart` and `encounter_view` read.
//!
//!     cargo run --release -p rounds-store --example bench_chart -- [ENCOUNTERS]

use chrono::{Duration as Days, NaiveDate, TimeZone, Utc};
use rounds_domain::charting::*;
use rounds_domain::vitals::*;
use rounds_domain::*;
use rounds_store::{CacheKey, Store};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let encounters: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(5_000);
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite3"), &CacheKey::from_bytes([9; 32]))?;
    let ca: UsState = "CA".parse()?;
    let me = Practitioner {
        id: PractitionerId::new_v7(1),
        organization_id: OrganizationId::new_v7(1),
        display_name: "Maya Chen, MD".into(),
        email: "maya@example.org".into(),
        roles: vec![Role::Physician],
        licenses: vec![License {
            state: ca,
            license_type: "MD".into(),
            number: "A1".into(),
            expires_on: NaiveDate::from_ymd_opt(2030, 1, 1).ok_or("date")?,
        }],
        supervisor_id: None,
        on_duty: false,
    };
    let patient = Patient {
        id: PatientId::new_v7(1),
        mrn: "0000001".into(),
        given_name: "Ada".into(),
        family_name: "Okafor".into(),
        birth_date: NaiveDate::from_ymd_opt(1960, 5, 1).ok_or("date")?,
        sex: Sex::Female,
        phone: None,
        email: None,
        preferred_channel: Channel::Sms,
        current_state: ca,
        guardian: None,
        allergies: vec![],
        medications: vec![],
        problems: vec![],
        version: 1,
    };
    let start = Utc.with_ymd_and_hms(2010, 1, 1, 9, 0, 0).single().ok_or("time")?;
    let loaded = Instant::now();
    let mut last = EncounterId::new_v7(0);
    store.transaction(|tx| {
        tx.upsert_practitioner(&me)?;
        tx.set_session(&me, "http://127.0.0.1", start)?;
        tx.upsert_patient(&patient)?;
        for i in 0..encounters {
            let at = start + Days::hours(i as i64 * 13);
            let mut d = Draft::new(EncounterMode::InPerson, ca, "adult_primary");
            d.complaints.chosen.push(ChosenComplaint { code: "sore_throat".into(), label: "Sore throat".into() });
            d.history.narrative = format!("Visit {i}: two days of sore throat after a sick contact.");
            d.assessment.diagnoses.push(Diagnosis {
                code: "J02.9".into(),
                description: "Acute pharyngitis, unspecified".into(),
                billable: true,
            });
            d.plan.instructions = "Fluids, rest.".into();
            d.vitals = Vitals {
                temperature: Some(Temperature { value: 37.0 + (i % 20) as f64 / 10.0, unit: TemperatureUnit::Celsius }),
                heart_rate: Some(60.0 + (i % 40) as f64),
                respiratory_rate: Some(14.0),
                systolic: Some(120.0),
                diastolic: Some(80.0),
                spo2: Some(98.0),
                weight: Some(Weight { value: 70.0, unit: WeightUnit::Kg }),
                height: Some(Height { value: 170.0, unit: LengthUnit::Cm }),
                pain: Some(2.0),
                reported: false,
            };
            let note = d.compose_note();
            last = EncounterId::new_v7(at.timestamp_millis() as u64);
            tx.upsert_encounter(&Encounter {
                id: last,
                patient_id: patient.id,
                author_id: me.id,
                mode: EncounterMode::InPerson,
                service_line: "adult_primary".into(),
                state_of_care: ca,
                status: EncounterStatus::Signed,
                chief_complaints: d.complaint_codes(),
                content_hash: Some(content_hash(&note)),
                note,
                started_at: at,
                signed_at: Some(at),
                version: 2,
                draft: Some(Box::new(d)),
                signed_by: Some(me.id),
                cosign_required: false,
                cosigned_by: None,
                cosigned_at: None,
                addenda: vec![],
            })?;
        }
        Ok::<_, rounds_store::StoreError>(())
    })?;
    let observations = encounters * 9;
    println!("loaded {encounters} encounters, {observations} observations in {:.1} s", loaded.elapsed().as_secs_f64());

    let mut chart = Vec::new();
    let mut open = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let tx = store.read();
        let p = tx.patient(patient.id)?;
        let (list, count) = tx.encounter_summaries(p.id, rounds_domain::chart::CHART_ENCOUNTERS)?;
        let _draft = tx.open_draft(p.id, me.id)?;
        let vitals = tx.latest_vitals(p.id)?;
        chart.push(t.elapsed());
        if count as usize != encounters || list.len() != 50 || vitals.len() != 9 {
            return Err(format!(
                "unexpected chart: {count} encounters, {} listed, {} vitals",
                list.len(),
                vitals.len()
            )
            .into());
        }
        let t = Instant::now();
        let e = tx.encounter(last)?;
        let note = e.draft.as_deref().map(Draft::compose_note).unwrap_or_default();
        let _blockers = e.draft.as_deref().map(|d| sign_blockers(d, me.id, true, &me, Utc::now().date_naive()));
        let _flags = e.draft.as_deref().map(|d| d.vitals.flags(p.birth_date, Utc::now().date_naive()));
        open.push(t.elapsed());
        if note.is_empty() {
            return Err("empty note".into());
        }
    }
    chart.sort();
    open.sort();
    println!("| metric | workload | median | p95 | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| open a patient's chart (newest 50 visits, count, open draft, latest vitals) | {encounters} encounters, {observations} observations | {:.3} ms | {:.3} ms | p95 <= 50 ms |",
        ms(percentile(&chart, 0.5)),
        ms(percentile(&chart, 0.95))
    );
    println!(
        "| open one encounter (row, addenda, note, sign check, vitals flags) | same patient | {:.3} ms | {:.3} ms | - |",
        ms(percentile(&open, 0.5)),
        ms(percentile(&open, 0.95))
    );
    Ok(())
}
