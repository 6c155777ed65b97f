#!/usr/bin/env bash
# What CI runs (`make test`), in order of cost: the cheap checks fail first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))"; }

step "dependencies"
bash scripts/deps.sh

step "ui: install and build (embedded in the desktop binary)"
build_ui

step "data: complaint catalogs and order catalogs are valid (ICD-10-CM codes exist, LOINC check digits)"
python3 scripts/check-complaints.py
python3 scripts/check-orders.py

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo build (one build, reused by every step below)"
cargo build --workspace --locked

step "rust tests: domain, store, client, server on SQLite and PostgreSQL, bindings check"
bash scripts/with-postgres.sh cargo test --workspace --locked

step "openapi: docs/openapi.json (generated from the code) is valid OpenAPI 3.1"
bash scripts/check-openapi.sh

step "fuzz: the decoders of pushes, SMS forms, organisation documents and the summariser (cargo fuzz, bounded)"
bash scripts/fuzz.sh

step "ui: lint (eslint, no warnings) and tests (vitest)"
(cd ui && npm run lint --silent)
(cd ui && npm test --silent)

step "end to end: the real desktop app under Xvfb through tauri-driver"
bash scripts/e2e.sh

step "all passed"
