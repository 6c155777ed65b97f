# Sourced by the other scripts: one build directory outside the clone, reused by every step
# (and by the next clone on the same machine).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rounds/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
ROUNDS_BIN_DIR="$CARGO_TARGET_DIR/debug"
export ROUNDS_DESKTOP_BIN="${ROUNDS_DESKTOP_BIN:-$ROUNDS_BIN_DIR/rounds-desktop}"
export ROUNDS_SERVER_BIN="${ROUNDS_SERVER_BIN:-$ROUNDS_BIN_DIR/rounds-server}"

# The UI is embedded into the desktop binary at compile time, so it is built first.
build_ui() {
  (cd ui && { [ -d node_modules ] && npm ls --silent >/dev/null 2>&1 || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
}
