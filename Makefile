# The two commands: `make dev` runs the local stack, `make test` runs every test.

.PHONY: dev test bench lint fmt openapi routes

dev:
	@bash scripts/dev.sh

test:
	@bash scripts/test.sh

# Benchmarks a person runs (docs/performance.md): ratios and counts, not timings.
bench:
	@bash scripts/bench.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

# Regenerates openapi.json from the code (a test fails while they differ).
openapi:
	UPDATE_OPENAPI=1 cargo test -p integration-tests --test integration openapi

# Regenerates the routes of Cargo.toml (cargo lambda watch) and infra/template.yaml (the
# functions' Events, the HttpApi's paths) from the functions' route tables (a test fails
# while they differ).
routes:
	UPDATE_ROUTES=1 cargo test -p integration-tests --test integration routes::generated_route_files
