#!/usr/bin/env bash
# `make bench`: what users pay for, measured against its floor in one run, on an
# emulator of its own. Figures are ratios and counts, never timed assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv
mkdir -p target
port=$(free_port)
trap stop_moto EXIT
start_moto "$port" target/moto-bench.log
export "${AWS_ENV[@]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"

echo "== AWS round trips per request (counted by the emulator)"
cargo test --locked -q -p integration-tests --test round_trips -- --nocapture 2>&1 | grep '^|'
echo
echo "A list page at 100 and at 100,000 customer users (about two minutes on the emulator):"
cargo bench --locked -q -p integration-tests --bench list_pages 2>&1 | grep -E '^(\||List pages)'

echo
echo "== Cold start, size and memory (release binaries; building them first)"
cargo build --release --locked -q --bins \
  -p token -p directory -p customer-users -p roles -p confirmation -p oauth-apps
# The minimal function is an example, so that `cargo bench` (whose profile skips LTO)
# does not rebuild it over the release build.
cargo build --release --locked -q -p integration-tests --example hello
cargo bench --locked -q -p integration-tests --bench cold_start 2>&1 | grep -E '^(\||==|$)' | cat -s

echo
echo "== Token issuance cost versus the signing floor"
cargo bench --locked -q -p integration-tests --bench token 2>&1 | grep -E '^(RS256|ES256)'
