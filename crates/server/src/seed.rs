//! Demo data: an organisation with a physician, a nurse practitioner, a care coordinator and an
//! administrator
//! licensed in several states, and about 200 patients with plausible histories, encounters,
//! message threads and tasks. Deterministic (a fixed random seed) and idempotent.
//!
//! Every person here is fictional; phone numbers use the 555-01XX range reserved for fiction.

use crate::auth::hash_password;
use crate::storage::{CareTeam, Counts, Result, Storage, StorageError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rounds_domain::*;

pub const DEMO_ORGANIZATION: &str = "Rounds Demo Clinic";
/// The demo accounts' password. Demo data only: never use it for a real organisation.
pub const DEMO_PASSWORD: &str = "rounds-demo-2026";
pub const DEMO_PHYSICIAN: &str = "maya.chen@demo.rounds.health";
pub const DEMO_NURSE_PRACTITIONER: &str = "nina.patel@demo.rounds.health";
pub const DEMO_CARE_COORDINATOR: &str = "sam.rivera@demo.rounds.health";
/// The organisation's administrator: directory, settings and the audit trail; no patients.
pub const DEMO_ADMIN: &str = "alex.morgan@demo.rounds.health";

pub const DEMO_PATIENTS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// False when the demo organisation already existed and nothing was written.
    pub created: bool,
    pub counts: Counts,
}

const FEMALE: &[&str] = &[
    "Ava", "Sofia", "Maya", "Olivia", "Amara", "Priya", "Hannah", "Lucia", "Chloe", "Zoe", "Emma", "Grace", "Aaliyah",
    "Mei", "Isabel", "Nora", "Leila", "Fatima", "Rosa", "Elena", "Keisha", "Ingrid", "Yuki", "Camila",
];
const MALE: &[&str] = &[
    "Liam", "Noah", "Mateo", "Ethan", "Jamal", "Arjun", "Lucas", "Omar", "Daniel", "Kai", "Diego", "Samuel", "Hiro",
    "Elijah", "Marcus", "Theo", "Andre", "Wei", "Julian", "Isaac", "Tomas", "Caleb", "Rafael", "Ben",
];
const FAMILY: &[&str] = &[
    "Martinez",
    "Nguyen",
    "Johnson",
    "Okafor",
    "Kim",
    "Patel",
    "Garcia",
    "Williams",
    "Chen",
    "Haddad",
    "Novak",
    "O'Brien",
    "Rossi",
    "Tanaka",
    "Hernandez",
    "Brown",
    "Singh",
    "Cohen",
    "Lopez",
    "Mensah",
    "Schmidt",
    "Davis",
    "Ivanova",
    "Reyes",
    "Thompson",
    "Ali",
    "Walker",
    "Silva",
    "Kowalski",
    "Jensen",
    "Moreau",
    "Baker",
];

/// (state, area codes) where the demo patients live; weighted by repetition.
const PLACES: &[(&str, &[&str])] = &[
    ("CA", &["415", "310", "619"]),
    ("CA", &["510", "916"]),
    ("TX", &["512", "214", "713"]),
    ("NY", &["212", "718"]),
    ("WA", &["206", "509"]),
    ("FL", &["305", "407"]),
    ("AZ", &["602", "520"]),
    ("CO", &["303", "719"]),
    ("IL", &["312", "773"]),
    ("OR", &["503"]),
    ("NV", &["702"]),
];

const ALLERGIES: &[(&str, &str)] = &[
    ("Penicillin", "Hives"),
    ("Amoxicillin", "Rash"),
    ("Sulfamethoxazole-trimethoprim", "Rash"),
    ("Peanuts", "Anaphylaxis"),
    ("Latex", "Contact dermatitis"),
    ("Ibuprofen", "Stomach upset"),
    ("Eggs", "Hives"),
    ("Codeine", "Nausea and vomiting"),
    ("Cephalexin", "Itching"),
];

/// (problem, ICD-10-CM, medication with its dosage and RxNorm id when the problem has one).
type ProblemSpec = (&'static str, &'static str, Option<(&'static str, &'static str, Option<&'static str>)>);

const CHILD_PROBLEMS: &[ProblemSpec] = &[
    (
        "Mild intermittent asthma",
        "J45.20",
        Some(("Albuterol HFA 90 mcg/actuation", "2 puffs every 4 hours as needed", None)),
    ),
    ("Atopic dermatitis", "L20.9", Some(("Hydrocortisone 1% cream", "Apply twice daily to affected areas", None))),
    ("Allergic rhinitis", "J30.9", Some(("Cetirizine 5 mg/5 mL solution", "5 mL once daily", None))),
    (
        "Attention-deficit hyperactivity disorder",
        "F90.9",
        Some(("Methylphenidate ER 18 mg", "Once every morning", None)),
    ),
    ("Recurrent acute otitis media", "H66.93", None),
    ("Functional constipation", "K59.04", Some(("Polyethylene glycol 3350", "8.5 g daily in 4-8 oz of fluid", None))),
    (
        "Food allergy",
        "Z91.010",
        Some(("Epinephrine auto-injector 0.15 mg", "Inject once as needed for anaphylaxis", None)),
    ),
];

const ADULT_PROBLEMS: &[ProblemSpec] = &[
    ("Essential hypertension", "I10", Some(("Lisinopril 10 mg tablet", "1 tablet daily", Some("314076")))),
    (
        "Type 2 diabetes mellitus without complications",
        "E11.9",
        Some(("Metformin 500 mg tablet", "1 tablet twice daily with meals", Some("861007"))),
    ),
    ("Hyperlipidemia", "E78.5", Some(("Atorvastatin 20 mg tablet", "1 tablet at bedtime", Some("617310")))),
    ("Hypothyroidism", "E03.9", Some(("Levothyroxine 50 mcg tablet", "1 tablet daily before breakfast", None))),
    (
        "Gastro-esophageal reflux disease",
        "K21.9",
        Some(("Omeprazole 20 mg capsule", "1 capsule daily before breakfast", None)),
    ),
    (
        "Major depressive disorder, single episode",
        "F32.9",
        Some(("Sertraline 50 mg tablet", "1 tablet daily", Some("312941"))),
    ),
    ("Generalized anxiety disorder", "F41.1", None),
    ("Obesity", "E66.9", None),
    (
        "Migraine without aura",
        "G43.009",
        Some(("Sumatriptan 50 mg tablet", "1 tablet at onset, may repeat once after 2 hours", None)),
    ),
    ("Asthma, mild persistent", "J45.30", Some(("Fluticasone HFA 110 mcg/actuation", "2 puffs twice daily", None))),
    ("Low back pain", "M54.50", None),
];

const CHILD_COMPLAINTS: &[&str] = &["fever", "sore_throat", "ear_pain", "cough", "rash", "vomiting", "pink_eye"];
const ADULT_COMPLAINTS: &[&str] =
    &["sore_throat", "cough", "urinary_symptoms", "back_pain", "headache", "medication_refill", "sinus_congestion"];

const CHILD_THREADS: &[&[&str]] = &[
    &[
        "Hi, my son has had a fever of 101.5 since last night.",
        "He is drinking fluids but not eating much.",
        "Should we bring him in or can we manage at home?",
    ],
    &[
        "My daughter has a red, itchy rash on her arms after a new soap.",
        "No fever. Can I use the hydrocortisone cream we have?",
    ],
    &["She keeps pulling at her left ear and cried most of the night.", "Temperature 100.8 this morning."],
    &[
        "Can we get a refill of the albuterol inhaler? We are down to the last one.",
        "His cough is worse at night this week.",
    ],
];
const ADULT_THREADS: &[&[&str]] = &[
    &["I need a refill of my lisinopril, I have 3 days left.", "Blood pressure at home has been around 128/82."],
    &[
        "Burning when I pee since yesterday and I need to go all the time.",
        "No fever. Is this something you can treat by message?",
    ],
    &["Sore throat for 4 days, hurts to swallow, no cough.", "Temperature was 100.9 this morning."],
    &["My sugars have been running 180-220 in the mornings.", "Should I change how I take the metformin?"],
];

struct Demo {
    org: OrganizationId,
    physician: Practitioner,
    np: Practitioner,
}

fn license(state: &str, kind: &str, number: &str, expires_on: NaiveDate) -> Result<License> {
    Ok(License {
        state: state.parse().map_err(|e: state::UnknownState| StorageError::InvalidData(e.to_string()))?,
        license_type: kind.into(),
        number: number.into(),
        expires_on,
    })
}

fn millis(t: DateTime<Utc>) -> u64 {
    t.timestamp_millis().max(0) as u64
}

/// The demo organisation's SMS numbers (the 555-01XX range is reserved for fiction).
pub const DEMO_SMS_PEDIATRIC: &str = "+14155550199";
pub const DEMO_SMS_ADULT: &str = "+14155550198";
/// The parent of a demo child in California: the only demo patient with this number (other demo
/// numbers end in 0100-0189).
pub const DEMO_TEXTING_PARENT: &str = "+14155550190";

/// Creates the demo organisation unless it exists. `now` anchors ages, expiries and histories.
pub async fn demo(storage: &dyn Storage, now: DateTime<Utc>) -> Result<SeedReport> {
    // Microseconds: what PostgreSQL stores, so the change log and the tables agree exactly.
    let now = chrono::SubsecRound::trunc_subsecs(now, 6);
    if storage.organization_by_name(DEMO_ORGANIZATION).await?.is_some() {
        return Ok(SeedReport { created: false, counts: storage.counts().await? });
    }
    let today = now.date_naive();
    let ms = millis(now);
    let years = |n: i64| today + Duration::days(365 * n);
    let org = OrganizationId::new_v7(ms);
    storage.create_organization(org, DEMO_ORGANIZATION, now).await?;

    let physician = Practitioner {
        id: PractitionerId::new_v7(ms),
        organization_id: org,
        display_name: "Maya Chen, MD".into(),
        email: DEMO_PHYSICIAN.into(),
        roles: vec![Role::Physician],
        licenses: vec![
            license("CA", "MD", "A-148223", years(2))?,
            license("NY", "MD", "301877", years(1))?,
            license("TX", "MD", "S-5521", years(2))?,
            license("WA", "MD", "MD60912345", years(1))?,
            license("FL", "MD", "ME-144020", years(2))?,
            license("IL", "MD", "036.155872", years(1))?,
        ],
        supervisor_id: None,
        on_duty: true,
    };
    let np = Practitioner {
        id: PractitionerId::new_v7(ms),
        organization_id: org,
        display_name: "Nina Patel, NP".into(),
        email: DEMO_NURSE_PRACTITIONER.into(),
        roles: vec![Role::NursePractitioner],
        licenses: vec![
            license("CA", "APRN", "NP-95521", years(2))?,
            license("TX", "APRN", "AP-128870", years(1))?,
            // Expires within 30 days: the directory should warn about it.
            license("AZ", "APRN", "NP-332190", today + Duration::days(21))?,
            license("CO", "APRN", "APN.0999812", years(2))?,
        ],
        supervisor_id: Some(physician.id),
        on_duty: true,
    };
    let coordinator = Practitioner {
        id: PractitionerId::new_v7(ms),
        organization_id: org,
        display_name: "Sam Rivera".into(),
        email: DEMO_CARE_COORDINATOR.into(),
        roles: vec![Role::CareCoordinator],
        licenses: vec![],
        supervisor_id: None,
        on_duty: true,
    };
    // One hash for the three demo accounts: Argon2id is deliberately slow.
    let hash = hash_password(DEMO_PASSWORD).map_err(|e| StorageError::InvalidData(e.body.message))?;
    let admin = Practitioner {
        id: PractitionerId::new_v7(ms),
        organization_id: org,
        display_name: "Alex Morgan".into(),
        email: DEMO_ADMIN.into(),
        roles: vec![Role::Admin],
        licenses: vec![],
        supervisor_id: None,
        on_duty: false,
    };
    for p in [&physician, &np, &coordinator, &admin] {
        storage.insert_practitioner(p, &hash).await?;
    }
    let members = vec![physician.id, np.id, coordinator.id];
    let demo = Demo { org, physician, np };
    let peds = CareTeam {
        id: CareTeamId::new_v7(ms),
        organization_id: org,
        name: "Pediatric SMS care".into(),
        members: members.clone(),
    };
    let adults =
        CareTeam { id: CareTeamId::new_v7(ms), organization_id: org, name: "Adult primary care".into(), members };
    storage.insert_care_team(&peds).await?;
    storage.insert_care_team(&adults).await?;
    for doc in starting_documents()? {
        storage.put_org_document(org, None, &doc, now).await?;
    }
    storage.add_sms_number(org, DEMO_SMS_PEDIATRIC, "pediatric_sms").await?;
    storage.add_sms_number(org, DEMO_SMS_ADULT, "adult_primary").await?;

    let mut rng = StdRng::seed_from_u64(20261122);
    let mut texting_parent = false;
    for i in 0..DEMO_PATIENTS {
        let child = i % 5 < 2; // 40% children
        let mut patient = demo_patient(&mut rng, i, child, today, ms)?;
        // The first child in California gets the parent whose texts the demo and the end-to-end
        // test send (a number no other patient has).
        if child && !texting_parent && patient.current_state.as_str() == "CA" {
            texting_parent = true;
            patient.phone = Some(DEMO_TEXTING_PARENT.into());
            if let Some(g) = patient.guardian.as_mut() {
                g.phone = DEMO_TEXTING_PARENT.into();
            }
        }
        let team = if child { peds.id } else { adults.id };
        storage.insert_patient(org, team, &patient, now).await?;
        history(storage, &demo, &mut rng, &patient, child, now).await?;
    }
    Ok(SeedReport { created: true, counts: storage.counts().await? })
}

/// Gives the second child in California a closed-then-reopened SMS thread of `messages`
/// messages over the last weeks (a long conversation, to measure the thread screen with).
pub async fn long_thread(storage: &dyn Storage, messages: u32, now: DateTime<Utc>) -> Result<ThreadId> {
    let now = chrono::SubsecRound::trunc_subsecs(now, 6);
    let org = storage.organization_by_name(DEMO_ORGANIZATION).await?.ok_or(StorageError::NotFound)?;
    let np =
        storage.credentials_by_email(DEMO_NURSE_PRACTITIONER).await?.map(|(p, _)| p).ok_or(StorageError::NotFound)?;
    let patient = storage
        .patients_in_scope(np.id, None, DEMO_PATIENTS as u32)
        .await?
        .into_iter()
        .filter(|p| p.guardian.is_some() && p.current_state.as_str() == "CA")
        .nth(1)
        .ok_or(StorageError::NotFound)?;
    let lines = CHILD_THREADS.iter().flat_map(|t| t.iter()).copied().collect::<Vec<_>>();
    let start = now - Duration::minutes(i64::from(messages) + 60);
    let thread_id = ThreadId::new_v7(millis(start));
    let list: Vec<Message> = (0..messages)
        .map(|i| {
            let at = start + Duration::minutes(i64::from(i));
            let inbound = i % 3 != 2;
            Message {
                id: MessageId::new_v7(millis(at)),
                thread_id,
                direction: if inbound { MessageDirection::Inbound } else { MessageDirection::Outbound },
                author_id: (!inbound).then_some(np.id),
                body: if inbound {
                    format!("{} ({})", lines[i as usize % lines.len()], i + 1)
                } else {
                    format!("Thanks, noted ({}).", i + 1)
                },
                sent_at: at,
                external_id: None,
                delivery: (!inbound).then_some(Delivery::Delivered),
            }
        })
        .collect();
    let last = list.last().map(|m| m.sent_at).unwrap_or(start);
    let thread = Thread {
        id: thread_id,
        patient_id: Some(patient.id),
        channel: Channel::Sms,
        status: ThreadStatus::Open,
        assignee_id: Some(np.id),
        service_line: "pediatric_sms".into(),
        last_message_at: last,
        version: 1,
        urgent: false,
        from_number: None,
        respond_by: None,
        reviewed_by: None,
        reviewed_at: None,
        escalation: None,
        encounter_id: None,
        queue: Role::NursePractitioner,
    };
    storage.insert_thread(org, &thread, &list, now).await?;
    Ok(thread_id)
}

/// What a new organisation starts from: the complaint catalogs and the service menu shipped in
/// data/ (an administrator replaces them through the admin endpoints).
pub fn starting_documents() -> Result<Vec<rounds_domain::sync::OrgDocument>> {
    use rounds_domain::sync::{OrgDocument, OrgDocumentKind};
    let shipped = [
        (
            OrgDocumentKind::ComplaintCatalog,
            "adult_primary",
            include_str!("../../../data/complaints/adult_primary.json"),
        ),
        (
            OrgDocumentKind::ComplaintCatalog,
            "pediatric_sms",
            include_str!("../../../data/complaints/pediatric_sms.json"),
        ),
        (OrgDocumentKind::ServiceMenu, "default", include_str!("../../../data/service-menu/default.csv")),
        (OrgDocumentKind::RoutingRules, "default", include_str!("../../../data/routing/default.json")),
    ];
    shipped
        .into_iter()
        .map(|(kind, name, body)| {
            OrgDocument::new(kind, name, body).map_err(|e| StorageError::InvalidData(format!("shipped {name}: {e}")))
        })
        .collect()
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn demo_patient(rng: &mut StdRng, i: usize, child: bool, today: NaiveDate, ms: u64) -> Result<Patient> {
    let female = rng.gen_bool(0.5);
    let given = *pick(rng, if female { FEMALE } else { MALE });
    let family = *pick(rng, FAMILY);
    let age_days = if child { rng.gen_range(60..(17 * 365)) } else { rng.gen_range((18 * 365)..(88 * 365)) };
    let birth_date = today - Duration::days(age_days);
    let (state, areas) = *pick(rng, PLACES);
    let phone = format!("+1{}5550{:03}", pick(rng, areas), 100 + rng.gen_range(0..90));

    let mut allergies = Vec::new();
    if rng.gen_bool(0.6) {
        let mut pool: Vec<&(&str, &str)> = ALLERGIES.iter().collect();
        pool.shuffle(rng);
        for (substance, reaction) in pool.into_iter().take(rng.gen_range(1..=2)) {
            allergies.push(Allergy { substance: (*substance).into(), reaction: Some((*reaction).into()) });
        }
    }
    let specs = if child { CHILD_PROBLEMS } else { ADULT_PROBLEMS };
    let count = if child { rng.gen_range(0..=2) } else { rng.gen_range(0..=4) };
    let mut chosen: Vec<&ProblemSpec> = specs.iter().collect();
    chosen.shuffle(rng);
    let (mut problems, mut medications) = (Vec::new(), Vec::new());
    for (description, icd10, med) in chosen.into_iter().take(count) {
        problems.push(Problem { description: (*description).into(), icd10: Some((*icd10).into()) });
        if let Some((name, dosage, rxnorm)) = med {
            medications.push(Medication {
                name: (*name).into(),
                dosage: (*dosage).into(),
                rxnorm: rxnorm.map(Into::into),
            });
        }
    }
    let mother = rng.gen_bool(0.6);
    let guardian = child.then(|| Guardian {
        name: format!("{} {family}", pick(rng, if mother { FEMALE } else { MALE })),
        relationship: if mother { "Mother".into() } else { "Father".into() },
        phone: phone.clone(),
    });
    Ok(Patient {
        id: PatientId::new_v7(ms + i as u64),
        mrn: format!("{}", 4_100_000 + i * 37 + (birth_date.ordinal() as usize % 7)),
        given_name: given.into(),
        family_name: family.into(),
        birth_date,
        sex: if female { Sex::Female } else { Sex::Male },
        phone: Some(phone),
        email: (!child)
            .then(|| format!("{}.{}@example.com", given.to_lowercase(), family.to_lowercase().replace('\'', ""))),
        preferred_channel: if child || rng.gen_bool(0.6) {
            Channel::Sms
        } else {
            *pick(rng, &[Channel::Chat, Channel::Phone, Channel::Email])
        },
        current_state: license(state, "", "", today)?.state,
        guardian,
        allergies,
        medications,
        problems,
        version: 1,
    })
}

/// Past encounters, a message thread for some, and open tasks.
async fn history(
    storage: &dyn Storage,
    demo: &Demo,
    rng: &mut StdRng,
    p: &Patient,
    child: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let service_line = if child { "pediatric_sms" } else { "adult_primary" };
    let complaints = if child { CHILD_COMPLAINTS } else { ADULT_COMPLAINTS };
    let encounters = if rng.gen_bool(0.6) { rng.gen_range(1..=3) } else { 0 };
    for _ in 0..encounters {
        let started_at = now - Duration::days(rng.gen_range(7..720)) - Duration::minutes(rng.gen_range(0..600));
        let author = if rng.gen_bool(0.5) { &demo.physician } else { &demo.np };
        let complaint = *pick(rng, complaints);
        let mode = if child {
            EncounterMode::Async
        } else {
            *pick(rng, &[EncounterMode::Video, EncounterMode::Phone, EncounterMode::Async, EncounterMode::InPerson])
        };
        let note = format!(
            "Chief complaint: {}. History obtained from {}. Assessment and plan discussed; return precautions given.",
            complaint.replace('_', " "),
            if child { "parent" } else { "patient" }
        );
        let e = Encounter {
            id: EncounterId::new_v7(millis(started_at)),
            patient_id: p.id,
            author_id: author.id,
            mode,
            service_line: service_line.into(),
            state_of_care: p.current_state,
            status: EncounterStatus::Signed,
            chief_complaints: vec![complaint.into()],
            content_hash: Some(rounds_domain::charting::content_hash(&note)),
            note,
            started_at,
            signed_at: Some(started_at + Duration::minutes(rng.gen_range(8..40))),
            version: 1,
            draft: None,
            signed_by: Some(author.id),
            cosign_required: false,
            cosigned_by: None,
            cosigned_at: None,
            addenda: vec![],
        };
        storage.insert_encounter(demo.org, &e, now).await?;
    }

    if rng.gen_bool(0.18) {
        let script = *pick(rng, if child { CHILD_THREADS } else { ADULT_THREADS });
        let start = now - Duration::minutes(rng.gen_range(5..(3 * 24 * 60)));
        let status =
            *pick(rng, &[ThreadStatus::Open, ThreadStatus::Open, ThreadStatus::AwaitingReview, ThreadStatus::Closed]);
        let mut at = start;
        let thread_id = ThreadId::new_v7(millis(start));
        let mut messages = Vec::new();
        for body in script.iter() {
            at += Duration::seconds(rng.gen_range(20..300));
            messages.push(Message {
                id: MessageId::new_v7(millis(at)),
                thread_id,
                direction: MessageDirection::Inbound,
                author_id: None,
                body: (*body).into(),
                sent_at: at,
                external_id: None,
                delivery: None,
            });
        }
        if status != ThreadStatus::Open {
            at += Duration::minutes(rng.gen_range(3..25));
            messages.push(Message {
                id: MessageId::new_v7(millis(at)),
                thread_id,
                direction: MessageDirection::Outbound,
                author_id: Some(demo.np.id),
                body: "Thanks for the details. I have reviewed them and will follow up shortly with next steps.".into(),
                sent_at: at,
                external_id: None,
                delivery: Some(Delivery::Delivered),
            });
        }
        let mut thread = Thread {
            id: thread_id,
            patient_id: Some(p.id),
            channel: Channel::Sms,
            status,
            assignee_id: (status != ThreadStatus::Open).then_some(demo.np.id),
            service_line: service_line.into(),
            last_message_at: at,
            version: 1,
            urgent: false,
            from_number: None,
            respond_by: None,
            reviewed_by: None,
            reviewed_at: None,
            escalation: None,
            encounter_id: None,
            queue: Role::NursePractitioner,
        };
        let target = if child { 15 } else { 60 };
        for m in &messages {
            match m.direction {
                MessageDirection::Inbound => rounds_domain::thread::on_inbound(&mut thread, &m.body, m.sent_at, target),
                MessageDirection::Outbound => rounds_domain::thread::on_outbound(&mut thread, m.sent_at),
            }
        }
        thread.status = status;
        storage.insert_thread(demo.org, &thread, &messages, now).await?;
    }

    if rng.gen_bool(0.12) {
        let (kind, queue, description) = *pick(
            rng,
            &[
                (TaskKind::RefillRequest, Role::NursePractitioner, "Refill request: review medication list and renew"),
                (TaskKind::LabFollowUp, Role::Physician, "Abnormal lab result: review and contact patient"),
                (TaskKind::Scheduling, Role::CareCoordinator, "Schedule follow-up visit in 2 weeks"),
                (TaskKind::Outreach, Role::CareCoordinator, "Annual wellness outreach: patient is due"),
                (TaskKind::ReviewThread, Role::NursePractitioner, "Review message thread and reply"),
            ],
        );
        let priority = if rng.gen_bool(0.2) { TaskPriority::Urgent } else { TaskPriority::Routine };
        let due_at = now + Duration::hours(rng.gen_range(-12..72));
        // Made three days before it is due (at most now), so the queues have a recent past.
        let created = TaskEvent {
            at: (due_at - Duration::hours(72)).min(now),
            by: None,
            action: TaskAction::Created,
            note: format!("to the {} queue", queue.as_str().replace('_', " ")),
        };
        let task = Task {
            id: TaskId::new_v7(millis(now)),
            kind,
            patient_id: p.id,
            queue,
            license_state: p.current_state,
            priority,
            status: TaskStatus::Ready,
            owner_id: None,
            description: description.into(),
            due_at,
            version: 1,
            focus: None,
            history: vec![created],
        };
        storage.insert_task(demo.org, &task, now).await?;
    }
    Ok(())
}
