# The two commands: `make dev` runs the local stack, `make test` runs every test.

.PHONY: dev test lint fmt openapi provision

dev:
	@bash scripts/dev.sh

test:
	@bash scripts/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

fmt:
	cargo fmt --all

# Regenerates openapi.json from the code (a test fails while they differ).
openapi:
	UPDATE_OPENAPI=1 cargo test -p integration-tests --test openapi
