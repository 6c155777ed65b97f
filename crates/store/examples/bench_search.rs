//! Patient type-ahead over a large encrypted cache.
//!
//!     cargo run --release -p rounds-store --example bench_search -- [PATIENTS]
//!
//! Builds a cache of PATIENTS synthetic patients (default 1,000,000) in a temp dir, then times
//! searches the way a clinician types them. Prints one table row per query kind.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rounds_domain::*;
use rounds_store::{CacheKey, Store};
use std::time::{Duration, Instant};

const GIVEN: &[&str] = &[
    "Ava", "Sofia", "Maya", "Olivia", "Amara", "Priya", "Hannah", "Lucia", "Chloe", "Zoe", "Liam", "Noah", "Mateo",
    "Ethan", "Jamal", "Arjun", "Lucas", "Omar", "Daniel", "Kai", "Diego", "Samuel", "Hiro", "Elijah", "Marcus",
];
const SYLLABLES: &[&str] = &[
    "mar", "tin", "ez", "ngu", "yen", "ok", "af", "or", "kim", "pat", "el", "gar", "cia", "wil", "li", "ams", "che",
    "n", "had", "dad", "no", "vak", "ros", "si", "ta", "na", "ka", "her", "nan", "dez",
];

fn family(rng: &mut StdRng) -> String {
    let n = rng.gen_range(2..=4);
    let mut s: String = (0..n).map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())]).collect();
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

fn patient(rng: &mut StdRng, i: u64) -> Patient {
    let birth = chrono::NaiveDate::from_ymd_opt(1930, 1, 1)
        .map(|d| d + chrono::Duration::days(rng.gen_range(0..34_000)))
        .unwrap_or_default();
    Patient {
        id: PatientId::new_v7(1_700_000_000_000 + i),
        mrn: format!("{}", 10_000_000 + i),
        given_name: GIVEN[rng.gen_range(0..GIVEN.len())].to_string(),
        family_name: family(rng),
        birth_date: birth,
        sex: Sex::Female,
        phone: Some(format!("+1{}{:07}", rng.gen_range(201..990), rng.gen_range(0..10_000_000))),
        email: None,
        preferred_channel: Channel::Sms,
        current_state: "CA".parse().unwrap_or_else(|_| unreachable!()),
        guardian: None,
        allergies: vec![],
        medications: vec![],
        problems: vec![],
        version: 1,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let key = CacheKey::from_bytes([42; 32]);
    let mut store = Store::open(&dir.path().join("bench.sqlite3"), &key)?;
    let mut rng = StdRng::seed_from_u64(7);
    let started = Instant::now();
    let mut samples = Vec::new();
    for chunk in 0..n.div_ceil(10_000) {
        let batch: Vec<Patient> =
            (chunk * 10_000..((chunk + 1) * 10_000).min(n)).map(|i| patient(&mut rng, i)).collect();
        store.transaction(|tx| {
            for p in &batch {
                tx.upsert_patient(p)?;
            }
            Ok::<_, rounds_store::StoreError>(())
        })?;
        if chunk % 10 == 0 {
            samples.extend(batch.into_iter().take(50));
        }
    }
    println!("built {n} patients in {:.1} s", started.elapsed().as_secs_f64());

    type Make = fn(&Patient) -> String;
    let kinds: [(&str, Make); 6] = [
        ("family name, 2 letters", |p| p.family_name[..2].to_string()),
        ("family name, 4 letters", |p| p.family_name.chars().take(4).collect()),
        ("given + family prefix", |p| format!("{} {}", p.given_name, &p.family_name[..3])),
        ("MRN", |p| p.mrn.clone()),
        ("date of birth MM/DD/YYYY", |p| p.birth_date.format("%m/%d/%Y").to_string()),
        ("phone (area) prefix", |p| {
            let d = p.phone.as_deref().unwrap_or_default();
            format!("({}) {}", &d[2..5], &d[5..8])
        }),
    ];
    println!("| query | workload | median | p95 | target |");
    println!("|---|---|---|---|---|");
    for (name, make) in kinds {
        let mut times = Vec::new();
        for p in samples.iter().take(400) {
            let q = make(p);
            let t = Instant::now();
            let hits = store.read().search_patients(&q, 50)?;
            times.push(t.elapsed());
            std::hint::black_box(hits);
        }
        times.sort();
        println!(
            "| {name} | {n} patients | {:.2} ms | {:.2} ms | p95 <= 10 ms |",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3
        );
    }
    Ok(())
}
