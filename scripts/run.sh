#!/usr/bin/env bash
# `make run`: the server on its embedded SQLite with demo data, then the desktop app signed in
# as the demo physician. Data lives in .rounds/ (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

bash scripts/deps.sh
build_ui
cargo build -p rounds-server -p rounds-desktop

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display. On a headless machine use: xvfb-run -a make run" >&2
  exit 1
fi

mkdir -p .rounds
db="sqlite://$PWD/.rounds/server.sqlite3"
port="${ROUNDS_PORT:-8720}"
"$ROUNDS_SERVER_BIN" --database "$db" seed --demo
# The SMS webhook's shared secret: random per run, in the environment of the server (and of the
# demo texts below) only.
sms_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ROUNDS_SMS_WEBHOOK_SECRET="$sms_secret" "$ROUNDS_SERVER_BIN" --database "$db" serve --listen "127.0.0.1:$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done

# Two patient texts through the signed webhook, as an SMS provider would post them: one from a
# demo parent (matched to their child), one from a number nobody has (triage).
ROUNDS_SMS_WEBHOOK_SECRET="$sms_secret" bash scripts/send-sms.sh "+14155550190" "+14155550199" \
  "Hi, this is about my daughter. She has had a fever for 2 days and a cough since yesterday. I gave her Tylenol at 8am. Should we come in?" \
  "http://127.0.0.1:$port" >/dev/null || echo "run: the demo text was not accepted" >&2
ROUNDS_SMS_WEBHOOK_SECRET="$sms_secret" bash scripts/send-sms.sh "+13075550142" "+14155550198" \
  "Hello, is this the clinic? I need a refill of my lisinopril." \
  "http://127.0.0.1:$port" >/dev/null || echo "run: the demo text was not accepted" >&2

# Demo account only (see crates/server/src/seed.rs); real deployments never set these.
ROUNDS_SERVER_URL="http://127.0.0.1:$port" \
ROUNDS_DATA_DIR="$PWD/.rounds/desktop" \
ROUNDS_DEMO_EMAIL="maya.chen@demo.rounds.health" \
ROUNDS_DEMO_PASSWORD="rounds-demo-2026" \
  bash scripts/with-keyring.sh "$ROUNDS_DESKTOP_BIN"
