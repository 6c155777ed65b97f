# Thin wrappers: the logic lives in scripts/.
.PHONY: run test bench bindings fmt soak

run:      ## Server on SQLite with demo data, then the desktop app signed in as a demo clinician.
	bash scripts/run.sh

test:     ## Everything CI runs: fmt, clippy, bindings, Rust tests on SQLite and PostgreSQL, UI tests, end-to-end.
	bash scripts/test.sh

bench:    ## Benchmarks; figures go to docs/benchmarks.md.
	bash scripts/bench.sh

bindings: ## Regenerate ui/src/bindings from the Rust types, and the UI's command map from the shell's commands.
	ROUNDS_UPDATE_BINDINGS=1 cargo test -p rounds-domain --test bindings
	ROUNDS_UPDATE_BINDINGS=1 cargo test -p rounds-tests --test ipc_commands

fmt:
	cargo fmt --all

soak:     ## A longer fault-injection run (real binaries, SIGKILL loops, faulty proxy).
	ROUNDS_SOAK_KILLS=1000 ROUNDS_SOAK_SERVER_RESTARTS=200 ROUNDS_SOAK_PROXY_KILLS=300 \
	ROUNDS_SYNC_MODEL_CASES=30 ROUNDS_SYNC_MODEL_OPS=300 \
	bash scripts/with-postgres.sh cargo test -p rounds-tests --test soak --test sync_model -- --nocapture
