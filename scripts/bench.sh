#!/usr/bin/env bash
# `make bench`: release builds of the benchmarks, each printing a table (metric, workload, median,
# p95, target). Copy the figures into docs/benchmarks.md with the machine they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/deps.sh

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo
echo "== patient type-ahead (rounds-store, encrypted cache)"
cargo run --release --quiet -p rounds-store --example bench_search -- "${ROUNDS_BENCH_PATIENTS:-1000000}"
echo
echo "== ICD-10-CM type-ahead (rounds-store, the whole FY2026 code set)"
cargo run --release --quiet -p rounds-store --example bench_icd10
echo
echo "== chart opening (rounds-store): one patient, 5,556 visits x 9 vitals = 50,004 observations"
cargo run --release --quiet -p rounds-store --example bench_chart -- "${ROUNDS_BENCH_ENCOUNTERS:-5556}"
echo
echo "== threads (rounds-store): inbox over 10,000 threads, a 10,000-message thread, summaries"
cargo run --release --quiet -p rounds-store --example bench_threads -- "${ROUNDS_BENCH_THREADS:-10000}" 10000
echo
echo "== sync (rounds-server + rounds-client over loopback)"
bash scripts/with-postgres.sh cargo run --release --quiet -p rounds-tests --bin rounds-bench-sync
echo
echo "== operations (queues in the device cache; coverage on the server)"
bash scripts/with-postgres.sh cargo run --release --quiet -p rounds-tests --bin rounds-bench-ops
echo
echo "== automatic lock (rounds-client over loopback): lock, unlock with the password, first search"
cargo run --release --quiet -p rounds-tests --bin rounds-bench-lock
