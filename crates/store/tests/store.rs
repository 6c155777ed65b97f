use chrono::{NaiveDate, TimeZone, Utc};
use rounds_domain::*;
use rounds_store::{CacheKey, Store, StoreError, SCHEMA_VERSION};

fn key() -> CacheKey {
    CacheKey::from_bytes([7; 32])
}

/// A raw (SQLCipher-aware) connection to an encrypted cache, for tampering in tests.
fn raw(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("raw open");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "07".repeat(32))).expect("key");
    conn
}

fn patient(n: u64, given: &str, family: &str, dob: &str, phone: &str) -> Patient {
    Patient {
        id: PatientId::new_v7(1_700_000_000_000 + n),
        mrn: format!("{:07}", 1_000_000 + n),
        given_name: given.into(),
        family_name: family.into(),
        birth_date: dob.parse().expect("dob"),
        sex: Sex::Female,
        phone: Some(phone.into()),
        email: None,
        preferred_channel: Channel::Sms,
        current_state: "CA".parse().expect("CA"),
        guardian: None,
        allergies: vec![Allergy { substance: "Penicillin".into(), reaction: Some("Hives".into()) }],
        medications: vec![],
        problems: vec![Problem { description: "Asthma".into(), icd10: Some("J45.909".into()) }],
        version: 1,
    }
}

fn practitioner(n: u64) -> Practitioner {
    Practitioner {
        id: PractitionerId::new_v7(n),
        organization_id: OrganizationId::new_v7(1),
        display_name: format!("Clinician {n}"),
        email: format!("c{n}@example.org"),
        roles: vec![Role::Physician],
        licenses: vec![License {
            state: "CA".parse().expect("CA"),
            license_type: "MD".into(),
            number: "A123".into(),
            expires_on: NaiveDate::from_ymd_opt(2028, 1, 1).expect("date"),
        }],
        supervisor_id: None,
        on_duty: false,
    }
}

/// A cache with three patients; returns them in insertion order.
fn seeded() -> (Store, Vec<Patient>) {
    let mut store = Store::open_in_memory().expect("open");
    let patients = vec![
        patient(1, "Ava", "Martinez", "2019-04-12", "+1 (415) 555-0123"),
        patient(2, "Avery", "O'Brien", "1984-11-02", "+14155559876"),
        patient(3, "Liam", "Nguyen", "1990-06-30", "+12125550100"),
    ];
    store
        .transaction(|tx| {
            for p in &patients {
                tx.upsert_patient(p)?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("seed");
    (store, patients)
}

fn names(store: &Store, q: &str) -> Vec<String> {
    store.read().search_patients(q, 50).expect("search").into_iter().map(|p| p.given_name).collect()
}

#[test]
fn fresh_database_gets_every_migration_once() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    drop(Store::open(&path, &key()).expect("first open"));
    let store = Store::open(&path, &key()).expect("second open");
    assert_eq!(store.applied_migrations().expect("list").len() as i64, SCHEMA_VERSION);
}

#[test]
fn refuses_a_database_from_a_newer_version_and_leaves_it_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    drop(Store::open(&path, &key()).expect("open"));
    {
        let conn = raw(&path);
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("bump");
    }
    let before = std::fs::read(&path).expect("read");
    match Store::open(&path, &key()) {
        Err(StoreError::TooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).expect("read"), before, "file must not change");
}

#[test]
fn detects_a_shipped_migration_that_was_edited() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    drop(Store::open(&path, &key()).expect("open"));
    {
        let conn = raw(&path);
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", []).expect("tamper");
    }
    assert!(matches!(Store::open(&path, &key()), Err(StoreError::MigrationEdited { name }) if name == "0001_init"));
}

#[test]
fn refuses_a_file_that_is_not_a_database_and_does_not_overwrite_it() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    let garbage = b"this is not a sqlite database, it is a clinician's lost afternoon".repeat(100);
    std::fs::write(&path, &garbage).expect("write");
    // Encrypted pages look like noise, so a damaged file reads as one the key cannot open.
    assert!(matches!(Store::open(&path, &key()), Err(StoreError::CannotDecrypt)));
    assert_eq!(std::fs::read(&path).expect("read"), garbage);
}

#[test]
fn patient_round_trips_and_older_versions_do_not_overwrite() {
    let (mut store, patients) = seeded();
    let mut p = patients[0].clone();
    assert_eq!(store.read().patient(p.id).expect("get"), p);

    p.family_name = "Martinez-Lopez".into();
    p.version = 2;
    assert!(store.transaction(|tx| tx.upsert_patient(&p)).expect("newer"));
    let mut stale = p.clone();
    stale.family_name = "Stale".into();
    stale.version = 1;
    assert!(!store.transaction(|tx| tx.upsert_patient(&stale)).expect("older"));
    assert_eq!(store.read().patient(p.id).expect("get").family_name, "Martinez-Lopez");
    // The search index follows updates.
    assert_eq!(names(&store, "lopez"), vec!["Ava"]);
    assert!(names(&store, "stale").is_empty());
}

#[test]
fn unknown_patient_is_not_found() {
    let (store, _) = seeded();
    assert!(matches!(store.read().patient(PatientId::new_v7(42)), Err(StoreError::NotFound)));
}

#[test]
fn search_finds_by_name_prefix_mrn_birth_date_and_phone() {
    let (store, _) = seeded();
    assert_eq!(names(&store, "av"), vec!["Ava", "Avery"]);
    assert_eq!(names(&store, "ava mart"), vec!["Ava"]);
    assert_eq!(names(&store, "o'brien"), vec!["Avery"]);
    assert_eq!(names(&store, "1000003"), vec!["Liam"]);
    assert_eq!(names(&store, "04/12/2019"), vec!["Ava"]);
    assert_eq!(names(&store, "1984-11-02"), vec!["Avery"]);
    assert_eq!(names(&store, "(212) 555"), vec!["Liam"]);
    assert_eq!(names(&store, "4155559876"), vec!["Avery"]);
    assert!(names(&store, "zzz").is_empty());
    assert!(names(&store, "\" OR *").is_empty());
    // Empty query lists by family name.
    assert_eq!(names(&store, ""), vec!["Ava", "Liam", "Avery"]);
}

#[test]
fn messages_are_insert_only() {
    let (mut store, patients) = seeded();
    let p = patients[0].clone();
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().expect("time");
    let thread = Thread {
        id: ThreadId::new_v7(5),
        patient_id: Some(p.id),
        channel: Channel::Sms,
        status: ThreadStatus::Open,
        assignee_id: None,
        service_line: "pediatric_sms".into(),
        last_message_at: at,
        version: 1,
        urgent: true,
        from_number: Some("+14155550101".into()),
        respond_by: Some(at + chrono::Duration::minutes(15)),
        reviewed_by: None,
        reviewed_at: None,
        escalation: Some(Escalation {
            by: PractitionerId::new_v7(1),
            to: Role::Physician,
            reason: "Stridor".into(),
            at,
            task_id: TaskId::new_v7(2),
        }),
        encounter_id: None,
        queue: Role::Physician,
    };
    let msg = Message {
        id: MessageId::new_v7(6),
        thread_id: thread.id,
        direction: MessageDirection::Inbound,
        author_id: None,
        body: "She has had a sore throat since Tuesday".into(),
        sent_at: at,
        external_id: Some("SM123".into()),
        delivery: None,
    };
    store
        .transaction(|tx| {
            tx.upsert_thread(&thread)?;
            assert!(tx.insert_message(&msg)?);
            assert!(!tx.insert_message(&msg)?);
            Ok::<_, StoreError>(())
        })
        .expect("write");
    assert_eq!(store.read().messages(thread.id).expect("list"), vec![msg]);
    assert_eq!(store.read().threads_for_patient(p.id).expect("threads"), vec![thread]);
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let (mut store, _) = seeded();
    let p = patient(9, "Noah", "Kim", "2001-01-01", "+13105550199");
    let result: Result<(), StoreError> = store.transaction(|tx| {
        tx.upsert_patient(&p)?;
        Err(StoreError::InvalidData("simulated failure".into()))
    });
    assert!(result.is_err());
    assert!(names(&store, "noah").is_empty());
}

#[test]
fn a_different_user_signing_in_starts_from_an_empty_cache() {
    let (mut store, _) = seeded();
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).single().expect("time");
    let a = practitioner(1);
    let b = practitioner(2);
    store.transaction(|tx| tx.set_session(&a, "http://127.0.0.1:8720", now)).expect("a");
    assert_eq!(store.read().patient_count().expect("count"), 3);
    store.transaction(|tx| tx.set_session(&a, "http://127.0.0.1:8720", now)).expect("a again");
    assert_eq!(store.read().patient_count().expect("count"), 3, "same user keeps the cache");
    store.transaction(|tx| tx.set_session(&b, "http://127.0.0.1:8720", now)).expect("b");
    assert_eq!(store.read().patient_count().expect("count"), 0);
    let session = store.read().session().expect("session").expect("some");
    assert_eq!(session.practitioner_id, b.id);
    assert_eq!(store.read().practitioner(b.id).expect("practitioner"), b);
}

fn shipped_catalog(line: &str) -> ComplaintCatalog {
    let path = format!("{}/../../data/complaints/{line}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("catalog file")).expect("catalog parses")
}

#[test]
fn shipped_catalogs_load_and_rank_by_the_clinicians_own_recent_use() {
    let (mut store, patients) = seeded();
    let adult = shipped_catalog("adult_primary");
    let peds = shipped_catalog("pediatric_sms");
    assert!(adult.complaints.len() >= 20 && peds.complaints.len() >= 20);
    store.transaction(|tx| tx.replace_catalog(&adult, "v1")).expect("adult");
    store.transaction(|tx| tx.replace_catalog(&peds, "v1")).expect("peds");
    assert_eq!(store.read().code_set_version("complaints:adult_primary").expect("version").as_deref(), Some("v1"));

    let default_order: Vec<String> =
        store.read().catalog("adult_primary").expect("catalog").into_iter().map(|c| c.code).collect();
    assert_eq!(default_order.len(), adult.complaints.len());

    let me = PractitionerId::new_v7(1);
    let someone_else = PractitionerId::new_v7(2);
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).single().expect("time");
    let last = default_order.last().expect("a complaint").clone();
    let second_last = default_order[default_order.len() - 2].clone();
    let visit = |author, code: &str, days_ago: i64| Encounter {
        id: EncounterId::new_v7(1),
        patient_id: patients[0].id,
        author_id: author,
        mode: EncounterMode::Video,
        service_line: "adult_primary".into(),
        state_of_care: "CA".parse().expect("CA"),
        status: EncounterStatus::Signed,
        chief_complaints: vec![code.to_string()],
        note: String::new(),
        started_at: now - chrono::Duration::days(days_ago),
        signed_at: None,
        version: 1,
        draft: None,
        signed_by: None,
        content_hash: None,
        cosign_required: false,
        cosigned_by: None,
        cosigned_at: None,
        addenda: vec![],
    };
    store
        .transaction(|tx| {
            for _ in 0..3 {
                tx.upsert_encounter(&visit(me, &last, 10))?;
            }
            tx.upsert_encounter(&visit(me, &second_last, 30))?;
            for _ in 0..5 {
                tx.upsert_encounter(&visit(me, &default_order[3], 120))?; // older than 90 days
                tx.upsert_encounter(&visit(someone_else, &default_order[4], 5))?;
                // not mine
            }
            Ok::<_, StoreError>(())
        })
        .expect("visits");
    let ranked: Vec<String> = store
        .read()
        .ranked_complaints("adult_primary", me, now - chrono::Duration::days(90))
        .expect("ranked")
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(ranked[0], last, "used 3 times recently");
    assert_eq!(ranked[1], second_last, "used once recently");
    let rest: Vec<String> = default_order.iter().filter(|c| **c != last && **c != second_last).cloned().collect();
    assert_eq!(ranked[2..], rest[..], "then the catalog's order");

    let mut twice = adult.clone();
    twice.complaints.push(adult.complaints[0].clone());
    assert!(matches!(store.transaction(|tx| tx.replace_catalog(&twice, "v2")), Err(StoreError::InvalidData(_))));
    assert_eq!(store.read().code_set_version("complaints:adult_primary").expect("version").as_deref(), Some("v1"));
}

#[test]
fn the_cache_file_is_encrypted_and_a_wrong_key_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    let canary = "Qx7CanaryVandersloot";
    {
        let mut store = Store::open(&path, &key()).expect("open");
        store
            .transaction(|tx| tx.upsert_patient(&patient(1, "Ava", canary, "2019-04-12", "+14155550123")))
            .expect("write");
    }
    for entry in std::fs::read_dir(dir.path()).expect("list").flatten() {
        let bytes = std::fs::read(entry.path()).expect("read");
        assert!(!bytes.windows(canary.len()).any(|w| w == canary.as_bytes()), "{:?} holds plaintext", entry.path());
        assert!(!bytes.starts_with(b"SQLite format 3"), "{:?} is a plaintext database", entry.path());
    }
    let before = std::fs::read(&path).expect("read");
    let wrong = CacheKey::from_bytes([8; 32]);
    assert!(matches!(Store::open(&path, &wrong), Err(StoreError::CannotDecrypt)));
    assert_eq!(std::fs::read(&path).expect("read"), before, "a wrong key changes nothing");
    let store = Store::open(&path, &key()).expect("right key opens");
    assert_eq!(store.read().search_patients(canary, 5).expect("search").len(), 1);
}

#[test]
fn an_unencrypted_database_is_refused_not_adopted() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("plain");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").expect("write");
    }
    let before = std::fs::read(&path).expect("read");
    assert!(matches!(Store::open(&path, &key()), Err(StoreError::NotEncrypted)));
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn a_common_prefix_lists_the_first_page_in_name_order() {
    let mut store = Store::open_in_memory().expect("open");
    let families = ["Madsen", "Mabry", "Martinez", "Mathers", "Macias", "Moreau", "Nguyen"];
    let mut all = Vec::new();
    for i in 0..140u64 {
        let family = families[(i % families.len() as u64) as usize];
        let given = format!("Given{:03}", 140 - i);
        all.push(patient(i + 10, &given, family, "1990-01-01", "+14155550000"));
    }
    store
        .transaction(|tx| {
            for p in &all {
                tx.upsert_patient(p)?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let page = store.read().search_patients("ma", 25).expect("search");
    let mut expected: Vec<(String, String)> = all
        .iter()
        .filter(|p| p.family_name.to_lowercase().starts_with("ma"))
        .map(|p| (p.family_name.to_lowercase(), p.given_name.to_lowercase()))
        .collect();
    expected.sort();
    expected.truncate(25);
    let got: Vec<(String, String)> =
        page.iter().map(|p| (p.family_name.to_lowercase(), p.given_name.to_lowercase())).collect();
    assert_eq!(got, expected);
    // Given names match too, after family names.
    let by_given = store.read().search_patients("given00", 50).expect("search");
    assert_eq!(by_given.len(), 9);
    assert!(by_given.windows(2).all(|w| w[0].given_name <= w[1].given_name));
}

fn icd10_tsv() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/icd10cm/codes.tsv")).expect("codes.tsv")
}

#[test]
fn icd10cm_loads_whole_and_answers_type_ahead_by_code_or_words() {
    let mut store = Store::open_in_memory().expect("open");
    let tsv = icd10_tsv();
    let loaded = store.transaction(|tx| tx.replace_icd10("FY2026", &tsv)).expect("load");
    assert_eq!(loaded, tsv.lines().count() - 1);
    assert!(loaded > 90_000, "the full code set: {loaded}");
    assert_eq!(store.read().code_set_version("icd10cm").expect("version").as_deref(), Some("FY2026"));

    let codes = |q: &str| -> Vec<String> {
        store.read().search_icd10(q, 20).expect("search").into_iter().map(|c| c.code).collect()
    };
    assert_eq!(codes("J02"), vec!["J02", "J02.0", "J02.8", "J02.9"]);
    assert_eq!(codes("j029"), vec!["J02.9"]);
    assert!(codes("strep phar").contains(&"J02.0".to_string()));
    assert!(codes("essential hypert").contains(&"I10".to_string()));
    assert!(codes("zzzz").is_empty());
    // FTS syntax typed by a clinician is searched for as words ("or..."), never run as syntax.
    let literal = store.read().search_icd10("\" OR *", 20).expect("no syntax error");
    assert!(literal.iter().all(|c| c
        .description
        .to_lowercase()
        .split(|ch: char| !ch.is_alphanumeric())
        .any(|w| w.starts_with("or"))));

    let header = store.read().icd10("J02").expect("J02");
    assert!(!header.billable);
    let leaf = store.read().icd10("J02.9").expect("J02.9");
    assert!(leaf.billable);
    assert_eq!(leaf.description, "Acute pharyngitis, unspecified");
    assert!(matches!(store.read().icd10("J02.99"), Err(StoreError::NotFound)));
}

#[test]
fn a_malformed_code_set_leaves_the_loaded_one_in_place() {
    let mut store = Store::open_in_memory().expect("open");
    let tsv = icd10_tsv();
    store.transaction(|tx| tx.replace_icd10("FY2026", &tsv)).expect("load");
    let broken = "code\tbillable\tdescription\nJ02.9\tmaybe\tAcute pharyngitis, unspecified\n";
    assert!(matches!(store.transaction(|tx| tx.replace_icd10("broken", broken)), Err(StoreError::InvalidData(_))));
    assert_eq!(store.read().code_set_version("icd10cm").expect("version").as_deref(), Some("FY2026"));
    assert_eq!(store.read().search_icd10("J02.9", 5).expect("search").len(), 1);
}

/// A signed note stays as signed in the cache too: the database refuses edits, a draft copy
/// over it, and changes to addenda; the store refuses to save sections into it.
#[test]
fn signed_notes_and_addenda_are_immutable_in_the_cache() {
    use rounds_domain::charting::{content_hash, Draft, PlanSection, Section};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.db");
    let mut store = Store::open(&path, &key()).expect("open");
    let p = patient(1, "Ada", "Okafor", "1980-02-03", "+14155550101");
    let mut draft = Draft::new(EncounterMode::Video, "CA".parse().expect("CA"), "adult_primary");
    draft.plan.instructions = "Fluids.".into();
    let note = draft.compose_note();
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().expect("time");
    let signed = Encounter {
        id: EncounterId::new_v7(5),
        patient_id: p.id,
        author_id: practitioner(1).id,
        mode: EncounterMode::Video,
        service_line: "adult_primary".into(),
        state_of_care: "CA".parse().expect("CA"),
        status: EncounterStatus::Signed,
        chief_complaints: vec![],
        content_hash: Some(content_hash(&note)),
        note,
        started_at: now,
        signed_at: Some(now),
        version: 3,
        draft: Some(Box::new(draft)),
        signed_by: Some(practitioner(1).id),
        cosign_required: false,
        cosigned_by: None,
        cosigned_at: None,
        addenda: vec![Addendum {
            id: AddendumId::new_v7(6),
            author_id: practitioner(1).id,
            text: "Later: better.".into(),
            signed_at: now,
            content_hash: content_hash("Later: better."),
        }],
    };
    store
        .transaction(|tx| {
            tx.upsert_patient(&p)?;
            tx.upsert_encounter(&signed)
        })
        .expect("store");

    // A draft (or edited) copy of a signed note is refused, even with a newer version.
    let mut reverted = signed.clone();
    reverted.status = EncounterStatus::Draft;
    reverted.version = 4;
    assert!(store.transaction(|tx| tx.upsert_encounter(&reverted)).is_err());
    let mut edited = signed.clone();
    edited.note.push_str("tampered");
    edited.version = 4;
    assert!(store.transaction(|tx| tx.upsert_encounter(&edited)).is_err());
    let mut draft = signed
        .draft
        .as_deref()
        .cloned()
        .unwrap_or_else(|| Draft::new(signed.mode, signed.state_of_care, "adult_primary"));
    draft.set(Section::Plan(PlanSection { instructions: "x".into(), ..Default::default() }));
    assert!(store.transaction(|tx| tx.save_draft(signed.id, &draft)).is_err());
    // An addendum (status amended) is allowed; the same note again is a no-op.
    let mut amended = signed.clone();
    amended.status = EncounterStatus::Amended;
    amended.version = 4;
    assert!(store.transaction(|tx| tx.upsert_encounter(&amended)).expect("amend"));
    assert_eq!(store.read().encounter(signed.id).expect("read").note, signed.note);
    drop(store);

    let conn = raw(&path);
    for sql in [
        "UPDATE encounters SET note = 'x'",
        "UPDATE encounters SET draft = NULL",
        "UPDATE encounters SET content_hash = 'x'",
        "UPDATE addenda SET text = 'x'",
    ] {
        let err = conn.execute(sql, []).expect_err(sql).to_string();
        assert!(err.contains("signed note") || err.contains("addendum"), "{sql}: {err}");
    }
}

/// Many threads: the inbox orders urgent first, then the soonest response due, then the latest
/// message; queues, filters, unread markers and windows all come from one query.
#[test]
fn the_inbox_orders_filters_and_counts_threads() {
    use rounds_domain::thread::{InboxFilter, InboxQueue};
    let (mut store, patients) = seeded();
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).single().expect("time");
    let me = PractitionerId::new_v7(100);
    let other = PractitionerId::new_v7(101);
    let thread = |n: u64, patient: Option<PatientId>| Thread {
        id: ThreadId::new_v7(1000 + n),
        patient_id: patient,
        channel: Channel::Sms,
        status: ThreadStatus::Open,
        assignee_id: None,
        service_line: "pediatric_sms".into(),
        last_message_at: at + chrono::Duration::minutes(n as i64),
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
    let p = Some(patients[0].id);
    let mut quiet = thread(1, p); // answered, oldest
    quiet.assignee_id = Some(me);
    let mut due_late = thread(2, p);
    due_late.respond_by = Some(at + chrono::Duration::minutes(60));
    let mut due_soon = thread(3, p);
    due_soon.respond_by = Some(at + chrono::Duration::minutes(10));
    due_soon.assignee_id = Some(other);
    let mut urgent = thread(4, p);
    urgent.urgent = true;
    urgent.respond_by = Some(at + chrono::Duration::minutes(30));
    let mut review = thread(5, p);
    review.status = ThreadStatus::AwaitingReview;
    let mut closed = thread(6, p);
    closed.status = ThreadStatus::Closed;
    let unmatched = thread(7, None);
    let mut physicians = thread(8, p);
    physicians.queue = Role::Physician;
    let all = [&quiet, &due_late, &due_soon, &urgent, &review, &closed, &unmatched, &physicians];
    store
        .transaction(|tx| {
            for t in all {
                tx.upsert_thread(t)?;
                tx.insert_message(&Message {
                    id: MessageId::new_v7(2000 + t.last_message_at.timestamp() as u64),
                    thread_id: t.id,
                    direction: MessageDirection::Inbound,
                    author_id: None,
                    body: format!("  message   of {}  ", t.id),
                    sent_at: t.last_message_at,
                    external_id: None,
                    delivery: None,
                })?;
            }
            // Read the due-late thread after its last message.
            tx.mark_read(me, due_late.id, at + chrono::Duration::hours(1))?;
            Ok::<_, StoreError>(())
        })
        .expect("write");
    let inbox = |queue, urgent_only, unread_only| {
        let filter = InboxFilter { queue, urgent_only, unread_only, service_line: None, offset: 0, limit: 50 };
        store.read().inbox(me, &[Role::NursePractitioner], &filter).expect("inbox")
    };
    let ids = |page: &rounds_domain::thread::InboxPage| page.items.iter().map(|i| i.thread.id).collect::<Vec<_>>();

    let mine_roles = inbox(InboxQueue::MyRoles, false, false);
    assert_eq!(ids(&mine_roles), vec![urgent.id, due_soon.id, due_late.id, review.id, quiet.id]);
    assert_eq!(mine_roles.total, 5);
    assert_eq!(mine_roles.items[0].preview, format!("message of {}", urgent.id));
    assert!(mine_roles.items[0].last_from_patient);
    assert_eq!(
        mine_roles.items[0].patient_name.as_deref(),
        Some(format!("{}, {}", patients[0].family_name, patients[0].given_name).as_str())
    );
    let counts = &mine_roles.counts;
    assert_eq!((counts.mine, counts.my_roles, counts.unassigned, counts.review, counts.triage), (1, 5, 4, 1, 1));
    assert_eq!(ids(&inbox(InboxQueue::Mine, false, false)), vec![quiet.id]);
    assert_eq!(ids(&inbox(InboxQueue::Triage, false, false)), vec![unmatched.id]);
    assert_eq!(ids(&inbox(InboxQueue::Review, false, false)), vec![review.id]);
    assert_eq!(ids(&inbox(InboxQueue::Closed, false, false)), vec![closed.id]);
    assert_eq!(ids(&inbox(InboxQueue::MyRoles, true, false)), vec![urgent.id]);
    let unread = inbox(InboxQueue::MyRoles, false, true);
    assert!(!ids(&unread).contains(&due_late.id), "read after its last message");
    assert_eq!(unread.total, 4);
    // A window further down the same order.
    let filter = InboxFilter {
        queue: InboxQueue::MyRoles,
        urgent_only: false,
        unread_only: false,
        service_line: None,
        offset: 2,
        limit: 2,
    };
    let window = store.read().inbox(me, &[Role::NursePractitioner], &filter).expect("window");
    assert_eq!((ids(&window), window.total), (vec![due_late.id, review.id], 5));
}
