#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh CMD ARGS...
#   scripts/with-postgres.sh bash -c 'psql "$DATABASE_URL" -c "select version()"'
#
# If DATABASE_URL is already set, the command simply runs against it (exec).
# Otherwise this script:
#   - finds Debian's PostgreSQL binaries (installs the `postgresql` package if missing),
#   - creates a cluster in a fresh temp directory (trust auth, fsync off: for tests only),
#   - listens on 127.0.0.1 on a free port, with its unix socket inside the temp directory,
#   - exports DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres and runs the command,
#   - stops the cluster and deletes the temp directory afterwards, also on failure or Ctrl-C,
#   - exits with the command's exit code.
# Several copies can run at once: each has its own directory and port.
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD ARGS..." >&2
  exit 2
fi

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

log() { echo "with-postgres: $*" >&2; }

# --- PostgreSQL binaries ------------------------------------------------------------------------
find_bindir() {
  # The newest installed major version, e.g. /usr/lib/postgresql/15/bin.
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
}

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
  log "PostgreSQL not found; installing Debian's postgresql package"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Serialise concurrent installs (dpkg holds a lock; a second apt-get would just fail).
  (
    flock 9
    if [ -z "$(find_bindir || true)" ]; then
      $SUDO apt-get install -y -qq --no-install-recommends postgresql </dev/null >/dev/null 2>&1 || {
        $SUDO apt-get update -qq </dev/null >/dev/null
        $SUDO apt-get install -y -qq --no-install-recommends postgresql </dev/null >/dev/null
      }
    fi
  ) 9>/tmp/with-postgres-apt.lock
  BINDIR=$(find_bindir || true)
  [ -n "$BINDIR" ] || { log "could not install PostgreSQL"; exit 1; }
fi

# --- Who runs the cluster -----------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
  PGUSER_OS=postgres
  id "$PGUSER_OS" >/dev/null 2>&1 || { log "no 'postgres' OS user to run the cluster as"; exit 1; }
  # runuser keeps our environment minus the user-specific bits; no password, no tty needed.
  as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
else
  as_pg() { "$@"; }
fi

# --- Cluster lifetime ---------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")
DATA="$TMP/data"
STARTED=0

cleanup() {
  # Runs exactly once (EXIT trap); signals below turn into an exit so this runs for them too.
  trap - EXIT INT TERM HUP
  if [ "$STARTED" -eq 1 ] || [ -f "$DATA/postmaster.pid" ]; then
    (cd "$TMP" && as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w -t 20 stop </dev/null >/dev/null 2>&1) || {
      # pg_ctl failed: kill the postmaster by its pid file (first line), then wait for it to go.
      pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
      if [ -n "$pid" ]; then
        kill -9 "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    }
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

chmod 700 "$TMP"
[ "$(id -u)" -eq 0 ] && chown "$PGUSER_OS": "$TMP"

# initdb: trust auth (tests only), UTF-8, C collation (fast and stable sort order), no fsync.
(cd "$TMP" && as_pg "$BINDIR/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
   --no-sync </dev/null >"$TMP/initdb.log" 2>&1) || {
  log "initdb failed:"; cat "$TMP/initdb.log" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 40000))
}

# Server options. pg_ctl hands -o to /bin/sh, so keep them on one line. Speed over durability.
PG_OPTS="-c listen_addresses=127.0.0.1 -k $TMP -c fsync=off -c synchronous_commit=off"
PG_OPTS="$PG_OPTS -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"

# A free port can be taken between picking and binding (concurrent runs): retry with another.
for attempt in 1 2 3 4 5; do
  PORT=$(free_port)
  if (cd "$TMP" && as_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$TMP/server.log" -w -t 30 \
        -o "$PG_OPTS -p $PORT" start </dev/null >/dev/null 2>&1); then
    STARTED=1
    break
  fi
  # A half-started postmaster must not linger before the next try.
  (cd "$TMP" && as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate stop </dev/null >/dev/null 2>&1) || true
  log "start on port $PORT failed (attempt $attempt)"
done
if [ "$STARTED" -ne 1 ]; then
  log "could not start PostgreSQL; server log:"; cat "$TMP/server.log" >&2 || true
  exit 1
fi

VERSION=$("$BINDIR/postgres" --version | awk '{print $3}')
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
log "started PostgreSQL $VERSION on 127.0.0.1:$PORT (data in $TMP)"

# Not exec: we have to clean up afterwards. `|| rc=$?` keeps set -e from ending the script.
rc=0
"$@" || rc=$?
exit "$rc"
