#!/usr/bin/env bash
# Runs a command with an OS keychain (a Secret Service) available: Rounds keeps the key of its
# encrypted cache there and refuses to open the cache without one.
#
#   scripts/with-keyring.sh CMD ARGS...
#
# On a desktop session that already has one (DBUS_SESSION_BUS_ADDRESS set), the command just
# runs. Otherwise (a headless machine, CI) it starts a private D-Bus session with GNOME Keyring,
# unlocked, for the command's lifetime. Its keyring files live under XDG_DATA_HOME (default
# ~/.local/share), so the key survives between runs; tests point XDG_DATA_HOME at a temp dir.
# Set ROUNDS_PRIVATE_KEYRING=1 to force a private session even inside a desktop session.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD ARGS..." >&2; exit 2; }

if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${ROUNDS_PRIVATE_KEYRING:-}" ]; then
  exec "$@"
fi
command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
  || { echo "with-keyring: dbus-run-session and gnome-keyring-daemon are needed (scripts/deps.sh installs them)" >&2; exit 1; }

# The keyring's own password only guards this headless keyring file; it is not a Rounds secret.
exec dbus-run-session -- bash -c '
  printf "%s" "rounds-headless-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"
' with-keyring "$@"
