#!/usr/bin/env bash
# Bounded fuzzing, as `make test` runs it: each cargo-fuzz target in fuzz/ (libFuzzer with
# AddressSanitizer, on the nightly toolchain) runs FUZZ_RUNS executions (default 100,000) starting
# from its seeds in fuzz/seeds/. A crash fails the run; libFuzzer leaves the input that caused it
# in fuzz/artifacts/<target>/. For a long run of one target: `cd fuzz && cargo +nightly fuzz run push`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-100000}

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: cargo fuzz needs the nightly toolchain (rustup toolchain install nightly)" >&2
  exit 1
fi
command -v cargo-fuzz >/dev/null || cargo install --locked --quiet cargo-fuzz
# Outside the clone, like the main build: a fresh clone reuses it.
export CARGO_TARGET_DIR="${ROUNDS_FUZZ_TARGET_DIR:-$HOME/.cache/rounds/fuzz-target}"

cd fuzz
total=0
for target in form push org_documents summary; do
  corpus=$(mktemp -d -t "rounds-fuzz-$target.XXXXXX")
  cp "seeds/$target/"* "$corpus/"
  log=$(mktemp)
  if ! cargo +nightly fuzz run "$target" "$corpus" -- -runs="$runs" -max_len=16384 -timeout=10 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target FAILED (the input is in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
  done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
  echo "fuzz: $target: $done_line, 0 crashes"
  total=$((total + $(echo "$done_line" | awk '{print $2}')))
  rm -rf "$corpus" "$log"
done
echo "fuzz: $total executions in all, 0 crashes"
