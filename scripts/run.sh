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
"$ROUNDS_SERVER_BIN" --database "$db" serve --listen "127.0.0.1:$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done

# Demo account only (see crates/server/src/seed.rs); real deployments never set these.
ROUNDS_SERVER_URL="http://127.0.0.1:$port" \
ROUNDS_DATA_DIR="$PWD/.rounds/desktop" \
ROUNDS_DEMO_EMAIL="maya.chen@demo.rounds.health" \
ROUNDS_DEMO_PASSWORD="rounds-demo-2026" \
  bash scripts/with-keyring.sh "$ROUNDS_DESKTOP_BIN"
