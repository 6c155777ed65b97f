//! ICD-10-CM type-ahead over the whole code set (data/icd10cm/codes.tsv).
//!
//!     cargo run --release -p rounds-store --example bench_icd10

use rounds_store::{CacheKey, Store};
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/icd10cm/codes.tsv"))?;
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("bench.sqlite3"), &CacheKey::from_bytes([9; 32]))?;
    let started = Instant::now();
    let n = store.transaction(|tx| tx.replace_icd10("FY2026", &tsv))?;
    println!("loaded {n} codes in {:.2} s", started.elapsed().as_secs_f64());
    let kinds: [(&str, &[&str]); 4] = [
        ("code start", &["J0", "J02", "J02.9", "E11", "S72.0", "M54", "R50", "I1", "Z00.0", "H66"]),
        (
            "one word, 3-5 letters",
            &["phar", "otit", "hyper", "diab", "fract", "pain", "feve", "cough", "sinus", "derma"],
        ),
        ("two words", &["strep phar", "acute otit", "essential hyp", "type 2 diab", "low back", "urinary tract"]),
        ("long phrase", &["acute pharyngitis unspecified", "type 2 diabetes mellitus without complications"]),
    ];
    println!("| query | workload | median | p95 | target |");
    println!("|---|---|---|---|---|");
    for (name, queries) in kinds {
        let mut times = Vec::new();
        for round in 0..50 {
            for q in queries {
                let t = Instant::now();
                let hits = store.read().search_icd10(q, 20)?;
                times.push(t.elapsed());
                if round == 0 && hits.is_empty() {
                    return Err(format!("no hits for {q}").into());
                }
            }
        }
        times.sort();
        println!(
            "| ICD-10-CM, {name} | {n} codes | {:.3} ms | {:.3} ms | p95 <= 5 ms |",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3
        );
    }
    Ok(())
}
