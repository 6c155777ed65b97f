# Thin wrappers: the logic lives in scripts/.
.PHONY: run test bench bindings fmt

run:      ## Server on SQLite with demo data, then the desktop app signed in as a demo clinician.
	bash scripts/run.sh

test:     ## Everything CI runs: fmt, clippy, bindings, Rust tests on SQLite and PostgreSQL, UI tests, end-to-end.
	bash scripts/test.sh

bench:    ## Benchmarks; figures go to docs/benchmarks.md.
	bash scripts/bench.sh

bindings: ## Regenerate ui/src/bindings from the Rust types.
	ROUNDS_UPDATE_BINDINGS=1 cargo test -p rounds-domain --test bindings

fmt:
	cargo fmt --all
