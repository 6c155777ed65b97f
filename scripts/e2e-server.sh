#!/usr/bin/env bash
# The end-to-end test's rounds-server, which tests can take away and bring back (same address,
# same database), as a real outage would.
#
#   bash scripts/e2e-server.sh keep    # scripts/e2e.sh runs this in the background for the whole run
#   bash scripts/e2e-server.sh start   # server up (no-op when it is); waits until it is healthy
#   bash scripts/e2e-server.sh stop    # server down (no-op when it is); waits until it is gone
#
# `keep` is the server's parent: it starts and stops the server as asked (a file says which) and
# reaps it, so a stopped server never lingers as a zombie whatever the machine's init does.
# `start`/`stop` just ask and wait; tests call them through E2E_SERVER_CTL.
#
# Configured by scripts/e2e.sh through the environment:
#   E2E_SERVER_BIN    the rounds-server binary
#   E2E_SERVER_DB     its database URL (already seeded)
#   E2E_SERVER_PORT   the port on 127.0.0.1 it listens on
#   E2E_SERVER_STATE  a folder for the keeper's files (`up`: the server should run; `pid`)
#   E2E_SERVER_LOG    the server's log (appended to: one log across restarts)
set -euo pipefail

: "${E2E_SERVER_BIN:?}" "${E2E_SERVER_DB:?}" "${E2E_SERVER_PORT:?}" "${E2E_SERVER_STATE:?}" "${E2E_SERVER_LOG:?}"
UP="$E2E_SERVER_STATE/up"
PID_FILE="$E2E_SERVER_STATE/pid"
KEEPER_FILE="$E2E_SERVER_STATE/keeper"
URL="http://127.0.0.1:$E2E_SERVER_PORT"

# The tests sign in (and ask the server directly) more often than a person would; the per-address
# sign-in limit has its own test in tests/tests/server_api.rs.
export ROUNDS_SIGN_IN_LIMIT="${ROUNDS_SIGN_IN_LIMIT:-100000}"

healthy() { curl -fs -o /dev/null --max-time 2 "$URL/health"; }
note() { echo "--- e2e-server: $* at $(date +%T.%3N)" >>"$E2E_SERVER_LOG"; }

keep() {
  mkdir -p "$E2E_SERVER_STATE"
  echo $$ >"$KEEPER_FILE"
  local pid=""
  stop_server() {
    [ -n "$pid" ] || return 0
    note "stop"
    # setsid below: the server's pid is its process group.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
    rm -f "$PID_FILE"
  }
  trap 'stop_server; rm -f "$KEEPER_FILE"; exit 0' TERM INT HUP
  for (( ; ; )); do
    if [ -e "$UP" ] && [ -z "$pid" ]; then
      note "start"
      setsid "$E2E_SERVER_BIN" --database "$E2E_SERVER_DB" serve --listen "127.0.0.1:$E2E_SERVER_PORT" \
        </dev/null >>"$E2E_SERVER_LOG" 2>&1 &
      pid=$!
      echo "$pid" >"$PID_FILE"
    elif [ ! -e "$UP" ] && [ -n "$pid" ]; then
      stop_server
    elif [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      note "exited by itself"
      pid=""
      rm -f "$PID_FILE" "$UP"
    fi
    sleep 0.1 & wait $!   # `wait`: a TERM is handled at once
  done
}

# Fails unless the keeper is running.
need_keeper() {
  local keeper
  keeper=$(cat "$KEEPER_FILE" 2>/dev/null) && kill -0 "$keeper" 2>/dev/null \
    || { echo "e2e-server: no keeper is running (scripts/e2e.sh starts it)" >&2; exit 1; }
}

case "${1:-}" in
  keep) keep ;;
  start)
    need_keeper
    touch "$UP"
    for _ in $(seq 300); do
      healthy && exit 0
      [ -e "$UP" ] || break # it exited by itself
      sleep 0.1
    done
    tail -n 30 "$E2E_SERVER_LOG" >&2
    echo "e2e-server: the server did not become healthy on $URL" >&2
    exit 1
    ;;
  stop)
    need_keeper
    rm -f "$UP"
    for _ in $(seq 100); do
      if [ ! -e "$PID_FILE" ] && ! healthy; then exit 0; fi
      sleep 0.1
    done
    echo "e2e-server: the server on $URL did not stop" >&2
    exit 1
    ;;
  *)
    echo "usage: $0 keep|start|stop" >&2
    exit 2
    ;;
esac
