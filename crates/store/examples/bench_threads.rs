//! Async threads in the encrypted cache: the inbox over 10,000 threads, opening a thread of
//! 10,000 messages (what `Workspace::open_thread` and the first `thread_messages` window read),
//! and summarising 1,000 messages.
//!
//!     cargo run --release -p rounds-store --example bench_threads -- [THREADS] [LONG_THREAD_MESSAGES]

use chrono::{Duration as Span, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rounds_domain::summary::{ExtractiveSummarizer, Summarizer};
use rounds_domain::thread::{InboxFilter, InboxQueue};
use rounds_domain::*;
use rounds_store::{CacheKey, Store};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// What parents and patients write, and what clinicians answer.
const PATIENT_LINES: &[&str] = &[
    "Hi, my son has had a fever for 3 days.",
    "She is coughing a lot at night since Monday.",
    "I gave him Tylenol at 8am and Motrin at noon.",
    "No rash, but her throat hurts.",
    "Should we come in today?",
    "He threw up twice this morning.",
    "Is it ok to keep giving the amoxicillin?",
    "I'm worried because he is not drinking much.",
    "Can you send a refill of her albuterol inhaler?",
    "Temperature was 101.5 last night.",
];
const CLINICIAN_LINES: &[&str] = &[
    "Thanks for the details. How is she drinking?",
    "Please keep giving fluids and send a photo of the rash.",
    "I'll send the refill to your pharmacy.",
    "If he has trouble breathing, call 911.",
];

fn message(thread: ThreadId, i: usize, at: chrono::DateTime<Utc>, rng: &mut StdRng) -> Message {
    let inbound = i % 3 != 2;
    let lines = if inbound { PATIENT_LINES } else { CLINICIAN_LINES };
    let body = (0..rng.gen_range(1..3)).map(|_| lines[rng.gen_range(0..lines.len())]).collect::<Vec<_>>().join(" ");
    Message {
        id: MessageId::new_v7(at.timestamp_millis() as u64),
        thread_id: thread,
        direction: if inbound { MessageDirection::Inbound } else { MessageDirection::Outbound },
        author_id: None,
        body,
        sent_at: at,
        external_id: None,
        delivery: None,
    }
}

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let threads: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let long: usize = std::env::args().nth(2).map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite3"), &CacheKey::from_bytes([7; 32]))?;
    let mut rng = StdRng::seed_from_u64(5);
    let ca: UsState = "CA".parse()?;
    let me = Practitioner {
        id: PractitionerId::new_v7(1),
        organization_id: OrganizationId::new_v7(1),
        display_name: "Nina Patel, NP".into(),
        email: "nina@example.org".into(),
        roles: vec![Role::NursePractitioner],
        licenses: vec![],
        supervisor_id: None,
        on_duty: true,
    };
    let colleague = PractitionerId::new_v7(2);
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).single().ok_or("time")?;
    let loaded = Instant::now();
    let mut long_thread = ThreadId::new_v7(0);
    store.transaction(|tx| {
        tx.upsert_practitioner(&me)?;
        tx.set_session(&me, "http://127.0.0.1", now)?;
        let patients: Vec<Patient> = (0..2_000_i32)
            .map(|i| Patient {
                id: PatientId::new_v7(i as u64 + 10),
                mrn: format!("{i:07}"),
                given_name: format!("Given{i}"),
                family_name: format!("Family{i}"),
                birth_date: NaiveDate::from_ymd_opt(2015 + (i % 10), 3, 1).unwrap_or_default(),
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
            })
            .collect();
        for p in &patients {
            tx.upsert_patient(p)?;
        }
        for i in 0..threads {
            let last = now - Span::minutes(rng.gen_range(0..60 * 24 * 14));
            let id = ThreadId::new_v7(last.timestamp_millis() as u64);
            let waiting = rng.gen_bool(0.4);
            let t = Thread {
                id,
                patient_id: if rng.gen_bool(0.02) { None } else { Some(patients[i % patients.len()].id) },
                channel: Channel::Sms,
                status: match rng.gen_range(0..10) {
                    0..=5 => ThreadStatus::Open,
                    6 => ThreadStatus::AwaitingReview,
                    _ => ThreadStatus::Closed,
                },
                assignee_id: match rng.gen_range(0..4) {
                    0 => Some(me.id),
                    1 => Some(colleague),
                    _ => None,
                },
                service_line: if i % 2 == 0 { "pediatric_sms" } else { "adult_primary" }.into(),
                last_message_at: last,
                version: 1,
                urgent: waiting && rng.gen_bool(0.05),
                from_number: None,
                respond_by: waiting.then(|| last + Span::minutes(15)),
                reviewed_by: None,
                reviewed_at: None,
                escalation: None,
                encounter_id: None,
                queue: if rng.gen_bool(0.1) { Role::Physician } else { Role::NursePractitioner },
            };
            tx.upsert_thread(&t)?;
            for k in 0..3 {
                tx.insert_message(&message(id, k, last - Span::minutes(3 - k as i64), &mut rng))?;
            }
            if rng.gen_bool(0.5) {
                tx.mark_read(me.id, id, last - Span::minutes(rng.gen_range(-5..5)))?;
            }
        }
        long_thread = ThreadId::new_v7(1);
        let mut t = Thread {
            id: long_thread,
            patient_id: Some(patients[0].id),
            channel: Channel::Sms,
            status: ThreadStatus::Open,
            assignee_id: Some(me.id),
            service_line: "pediatric_sms".into(),
            last_message_at: now,
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
        t.last_message_at = now;
        tx.upsert_thread(&t)?;
        for k in 0..long {
            tx.insert_message(&message(long_thread, k, now - Span::minutes((long - k) as i64), &mut rng))?;
        }
        tx.mark_read(me.id, long_thread, now - Span::minutes(30))?;
        Ok::<_, rounds_store::StoreError>(())
    })?;
    println!(
        "loaded {threads} threads ({} messages) and one thread of {long} messages in {:.1} s",
        threads * 3,
        loaded.elapsed().as_secs_f64()
    );

    // The inbox: every queue and filter, windows anywhere in the list.
    let queues =
        [InboxQueue::Mine, InboxQueue::MyRoles, InboxQueue::Unassigned, InboxQueue::Review, InboxQueue::Triage];
    let mut inbox = Vec::new();
    let mut rows = 0usize;
    for run in 0..600 {
        let queue = queues[run % queues.len()];
        let mut filter = InboxFilter {
            queue,
            urgent_only: run % 7 == 0,
            unread_only: run % 5 == 0,
            service_line: (run % 3 == 0).then(|| "pediatric_sms".to_string()),
            offset: 0,
            limit: 60,
        };
        let total = store.read().inbox(me.id, &me.roles, &filter)?.total;
        filter.offset = rng.gen_range(0..=total.saturating_sub(60));
        let t = Instant::now();
        let page = store.read().inbox(me.id, &me.roles, &filter)?;
        inbox.push(t.elapsed());
        rows += page.items.len();
    }
    inbox.sort();
    let my_roles = store.read().inbox(
        me.id,
        &me.roles,
        &InboxFilter {
            queue: InboxQueue::MyRoles,
            urgent_only: false,
            unread_only: false,
            service_line: None,
            offset: 0,
            limit: 60,
        },
    )?;

    // Opening the long thread: its view's reads and the last window of 60 messages.
    let mut open = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let tx = store.read();
        let thread = tx.thread(long_thread)?;
        let read = tx.last_read(me.id, long_thread)?;
        let _new = read.map(|r| tx.first_message_after(long_thread, r)).transpose()?;
        let window = tx.latest_messages(long_thread, 100)?;
        open.push(t.elapsed());
        if window.messages.len() != 100 || thread.id != long_thread {
            return Err("unexpected window".into());
        }
    }
    open.sort();

    // Summaries: 1,000 messages (and the whole long thread).
    let thousand: Vec<Message> = store.read().messages(long_thread)?.into_iter().rev().take(1_000).rev().collect();
    let all = store.read().messages(long_thread)?;
    let summarizer = ExtractiveSummarizer::default();
    let mut summarize = Vec::new();
    let mut sentences = 0;
    for _ in 0..100 {
        let t = Instant::now();
        let s = summarizer.summarize(&thousand, Some(now - Span::minutes(30)));
        summarize.push(t.elapsed());
        sentences = s.sentences.len();
    }
    summarize.sort();
    let mut summarize_all = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        summarizer.summarize(&all, None);
        summarize_all.push(t.elapsed());
    }
    summarize_all.sort();

    println!("| metric | workload | median | p95 | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| inbox window (60 rows, any queue/filter/offset, with total and queue counts) | {threads} threads, {} open in my roles; {} rows read | {:.3} ms | {:.3} ms | p95 <= 10 ms |",
        my_roles.counts.my_roles,
        rows,
        ms(percentile(&inbox, 0.5)),
        ms(percentile(&inbox, 0.95))
    );
    println!(
        "| open a thread (view reads + newest 100 messages) | {long} messages | {:.3} ms | {:.3} ms | first paint <= 100 ms |",
        ms(percentile(&open, 0.5)),
        ms(percentile(&open, 0.95))
    );
    println!(
        "| summarise with citations | 1,000 messages -> {sentences} sentences | {:.2} ms | {:.2} ms | <= 50 ms |",
        ms(percentile(&summarize, 0.5)),
        ms(percentile(&summarize, 0.95))
    );
    println!(
        "| summarise with citations | {long} messages | {:.1} ms | {:.1} ms | - |",
        ms(percentile(&summarize_all, 0.5)),
        ms(percentile(&summarize_all, 0.95))
    );
    Ok(())
}
