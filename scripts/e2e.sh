#!/usr/bin/env bash
# End-to-end test of the real desktop app: rounds-server (seeded demo data) + rounds-desktop,
# driven through tauri-driver -> WebKitWebDriver under a private Xvfb display.
#
#   bash scripts/e2e.sh                      # from the repo root, after building both binaries
#   ROUNDS_DESKTOP_BIN=... ROUNDS_SERVER_BIN=... bash scripts/e2e.sh
#   bash scripts/e2e.sh tests/e2e/sign-in.test.mjs   # only these test files
#
# Tests: tests/e2e/*.test.mjs (node:test), one file at a time. Screenshots and logs:
# tests/e2e/artifacts/.
#
# Two "devices": two tauri-driver instances (ports 4444 and 4446), each on its own Xvfb display,
# so tests can run two copies of the app at once (WebKitWebDriver drives one app at a time).
# A test can give each app launch its own data folder and server address (see Session.start in
# tests/e2e/webdriver.mjs) and can stop and restart the server (E2E_SERVER_CTL, which runs
# scripts/e2e-server.sh).
#
# Every process started here (server, Xvfb, tauri-driver, WebKitWebDriver, the app) is killed at
# the end, also on failure or Ctrl-C, so ports 4444-4447 are free for the next run.
# Exits with the test run's exit code. Needs no stdin.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

DESKTOP_BIN=${ROUNDS_DESKTOP_BIN:-target/debug/rounds-desktop}
SERVER_BIN=${ROUNDS_SERVER_BIN:-target/debug/rounds-server}
DRIVER_PORT=4444         # tauri-driver's default
NATIVE_PORT=4445         # WebKitWebDriver, behind tauri-driver
DRIVER_PORT_B=4446       # the second device's tauri-driver
NATIVE_PORT_B=4447
TEST_TIMEOUT=${E2E_TIMEOUT:-480}   # seconds for the whole node --test run (one test waits out a 1-minute idle lock)
ARTIFACTS="$ROOT/tests/e2e/artifacts"
TESTS=("$@"); [ ${#TESTS[@]} -gt 0 ] || TESTS=(tests/e2e/)

log() { echo "e2e: $*" >&2; }
die() { log "$*"; exit 1; }

abs() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
DESKTOP_BIN=$(abs "$DESKTOP_BIN")
SERVER_BIN=$(abs "$SERVER_BIN")
[ -x "$DESKTOP_BIN" ] || die "no desktop binary at $DESKTOP_BIN (build it first, or set ROUNDS_DESKTOP_BIN)"
[ -x "$SERVER_BIN" ] || die "no server binary at $SERVER_BIN (build it first, or set ROUNDS_SERVER_BIN)"

# System packages (Xvfb, WebKitWebDriver, imagemagick, tauri-driver); quick when all present.
bash scripts/deps.sh </dev/null
export PATH="$HOME/.cargo/bin:$PATH"

# The app keeps the key of its encrypted cache in the OS keychain: run inside a private D-Bus
# session with an unlocked GNOME Keyring whose files live in a throwaway folder.
if [ -z "${ROUNDS_E2E_IN_KEYRING:-}" ]; then
  export ROUNDS_E2E_IN_KEYRING=1 ROUNDS_PRIVATE_KEYRING=1
  XDG_DATA_HOME="$(mktemp -d -t rounds-e2e-keyring.XXXXXX)"
  export XDG_DATA_HOME
  status=0
  bash scripts/with-keyring.sh bash "$0" "$@" || status=$?
  rm -rf "$XDG_DATA_HOME"
  exit "$status"
fi
command -v tauri-driver >/dev/null || die "tauri-driver not found"

# --- Cleanup: kill what we started, by pid / process group ---------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rounds-e2e.XXXXXX")
KEEPER_PID="" XVFB_PID="" XVFB_PID_B="" DRIVER_PID="" DRIVER_PID_B="" TESTS_PID=""

# Kill a process group (TERM, then KILL after ~3 s). Each long-lived child is started with
# setsid, so its pid is its group id and the group holds all of its descendants
# (tauri-driver -> WebKitWebDriver -> rounds-desktop -> WebKit helper processes).
kill_group() {
  local pgid=$1
  [ -n "$pgid" ] || return 0
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for _ in $(seq 30); do
    kill -0 -- "-$pgid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}

cleanup() {
  trap - EXIT INT TERM HUP
  # An interrupted test run: `timeout` passes the TERM on to node.
  [ -z "$TESTS_PID" ] || { kill -TERM "$TESTS_PID" 2>/dev/null; wait "$TESTS_PID" 2>/dev/null; } || true
  kill_group "$DRIVER_PID"
  kill_group "$DRIVER_PID_B"
  # The server's keeper stops the server (its child) when told to end.
  if [ -n "$KEEPER_PID" ]; then
    kill -TERM "$KEEPER_PID" 2>/dev/null || true
    wait "$KEEPER_PID" 2>/dev/null || true
  fi
  [ ! -s "$TMP/server/pid" ] || kill_group "$(cat "$TMP/server/pid")"
  kill_group "$XVFB_PID"
  kill_group "$XVFB_PID_B"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait until `$2` succeeds, checking every 0.1 s for up to $1 seconds; fail early when the process
# $3 (optional) has died.
wait_for() {
  local seconds=$1 check=$2 pid=${3:-}
  for _ in $(seq $((seconds * 10))); do
    eval "$check" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# --- Server with demo data -----------------------------------------------------------------------
DB="sqlite://$TMP/server.sqlite3"
"$SERVER_BIN" --database "$DB" seed --demo --long-thread "${E2E_LONG_THREAD:-10000}" </dev/null >"$ARTIFACTS/seed.log" 2>&1 \
  || { cat "$ARTIFACTS/seed.log" >&2; die "seeding the demo data failed"; }

SERVER_PORT=$(free_port)
SERVER_URL="http://127.0.0.1:$SERVER_PORT"
# Run by scripts/e2e-server.sh's keeper, which tests can ask to stop and start it (E2E_SERVER_CTL).
export E2E_SERVER_BIN="$SERVER_BIN" E2E_SERVER_DB="$DB" E2E_SERVER_PORT="$SERVER_PORT" \
  E2E_SERVER_STATE="$TMP/server" E2E_SERVER_LOG="$ARTIFACTS/server.log"
export E2E_SERVER_CTL="$ROOT/scripts/e2e-server.sh"
# The SMS webhook's shared secret: random per run, given to the server and the tests only (not
# to tauri-driver or the app).
SMS_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
ROUNDS_SMS_WEBHOOK_SECRET="$SMS_SECRET" bash "$E2E_SERVER_CTL" keep </dev/null &
KEEPER_PID=$!
wait_for 5 '[ -s "$E2E_SERVER_STATE/keeper" ]' "$KEEPER_PID" || die "the server keeper did not start"
bash "$E2E_SERVER_CTL" start || die "the server did not become healthy"
log "server ready on $SERVER_URL"

# --- Private X displays, one per device ----------------------------------------------------------
# -displayfd makes Xvfb pick a free display itself and write its number to fd 3: no races with
# other Xvfb instances. 24-bit colour so `import -window root` screenshots look right.
# Sets XVFB_STARTED_PID and XVFB_STARTED_DISPLAY.
start_xvfb() {
  local name=$1
  setsid Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
    3>"$TMP/display-$name" </dev/null >"$ARTIFACTS/xvfb-$name.log" 2>&1 &
  XVFB_STARTED_PID=$!
  wait_for 10 '[ -s "$TMP/display-$name" ]' "$XVFB_STARTED_PID" \
    || { cat "$ARTIFACTS/xvfb-$name.log" >&2; die "Xvfb ($name) did not start"; }
  XVFB_STARTED_DISPLAY=":$(tr -d '[:space:]' <"$TMP/display-$name")"
}
start_xvfb a
XVFB_PID=$XVFB_STARTED_PID
export DISPLAY=$XVFB_STARTED_DISPLAY
start_xvfb b
XVFB_PID_B=$XVFB_STARTED_PID
DISPLAY_B=$XVFB_STARTED_DISPLAY
log "Xvfb on displays $DISPLAY and $DISPLAY_B"

# --- tauri-driver ----------------------------------------------------------------------------------
# A stale driver from an interrupted run holds the ports: end it, but only if it is one of ours.
for port in $DRIVER_PORT $NATIVE_PORT $DRIVER_PORT_B $NATIVE_PORT_B; do
  for pid in $(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    name=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    case "$name" in
      tauri-driver|WebKitWebDriver)
        log "killing stale $name (pid $pid) on port $port"
        kill -TERM "$pid" 2>/dev/null || true ;;
      *) die "port $port is taken by '$name' (pid $pid), not a WebDriver; not touching it" ;;
    esac
  done
done
port_free() { ! ss -ltnH "sport = :$1" | grep -q .; }
wait_for 5 'port_free $DRIVER_PORT && port_free $NATIVE_PORT && port_free $DRIVER_PORT_B && port_free $NATIVE_PORT_B' \
  || die "ports $DRIVER_PORT-$NATIVE_PORT_B stay busy"

# The app inherits this environment through tauri-driver and WebKitWebDriver (a test can
# override ROUNDS_DATA_DIR / ROUNDS_SERVER_URL per launch).
unset ROUNDS_DEMO_EMAIL ROUNDS_DEMO_PASSWORD   # these would sign in automatically
export RUST_LOG=${RUST_LOG:-info}
export NO_AT_BRIDGE=1                           # no accessibility bus in a headless session

# start_driver NAME PORT NATIVE_PORT DISPLAY DATA_DIR: sets DRIVER_STARTED_PID.
start_driver() {
  local name=$1 port=$2 native=$3 display=$4 data=$5 log_file
  log_file="$ARTIFACTS/driver-$name.log"
  mkdir -p "$data"
  DISPLAY="$display" ROUNDS_SERVER_URL="$SERVER_URL" ROUNDS_DATA_DIR="$data" \
    setsid tauri-driver --port "$port" --native-port "$native" </dev/null >"$log_file" 2>&1 &
  DRIVER_STARTED_PID=$!
  wait_for 15 'curl -s -o /dev/null "http://127.0.0.1:$port/status"' "$DRIVER_STARTED_PID" \
    || { cat "$log_file" >&2; die "tauri-driver ($name) did not answer on port $port"; }
}
start_driver a "$DRIVER_PORT" "$NATIVE_PORT" "$DISPLAY" "$TMP/app-data"
DRIVER_PID=$DRIVER_STARTED_PID
start_driver b "$DRIVER_PORT_B" "$NATIVE_PORT_B" "$DISPLAY_B" "$TMP/app-data-b"
DRIVER_PID_B=$DRIVER_STARTED_PID
log "tauri-driver ready on ports $DRIVER_PORT (display $DISPLAY) and $DRIVER_PORT_B (display $DISPLAY_B)"

# --- Tests -----------------------------------------------------------------------------------------
# In the background + `wait`, so a TERM/INT to this script interrupts the wait at once and the
# cleanup (which also ends the test run) happens without waiting for node to finish.
# One file at a time: the files share the two drivers (and the server).
rc=0
E2E_APP="$DESKTOP_BIN" E2E_ARTIFACTS="$ARTIFACTS" E2E_SERVER_URL="$SERVER_URL" E2E_TMP="$TMP" \
E2E_WEBDRIVER_URL="http://127.0.0.1:$DRIVER_PORT" E2E_WEBDRIVER_URL_B="http://127.0.0.1:$DRIVER_PORT_B" \
E2E_DISPLAY_B="$DISPLAY_B" E2E_SMS_SECRET="$SMS_SECRET" \
  timeout --kill-after=10 "$TEST_TIMEOUT" node --test --test-concurrency=1 --test-reporter=spec "${TESTS[@]}" </dev/null &
TESTS_PID=$!
wait "$TESTS_PID" || rc=$?
TESTS_PID=""

if [ "$rc" -ne 0 ]; then
  [ "$rc" -eq 124 ] && log "the tests timed out after ${TEST_TIMEOUT}s"
  for name in a b; do
    log "FAILED (exit $rc). Last lines of the driver/app log ($ARTIFACTS/driver-$name.log):"
    tail -n 30 "$ARTIFACTS/driver-$name.log" >&2 || true
  done
else
  log "passed; screenshots in $ARTIFACTS"
fi
exit "$rc"
