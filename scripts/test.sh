#!/usr/bin/env bash
# `make test`: every test, against an emulator of its own on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv
mkdir -p target
port=$(free_port)
trap stop_moto EXIT
start_moto "$port" target/moto-test.log
echo "==> emulator on 127.0.0.1:$port"

export "${AWS_ENV[@]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
# One emulator serves every test, one request at a time (a Scan of the whole shared
# table included): on a busy machine a call can wait far longer than the functions'
# timeouts for AWS allow, and a write sent again after a timeout finds itself done
# (docs/deployment.md, "Timeouts and retries"). The fault tests, on emulators of their
# own, use the deployed timeouts.
export AWS_CALL_ATTEMPT_TIMEOUT_MS=300000 AWS_CALL_TIMEOUT_MS=600000

# Doc tests and benchmarks are left out: no crate has doc tests, and `make bench` runs
# the benchmarks in release mode.
cargo test --workspace --lib --bins --tests --locked --no-fail-fast 2>&1 | tee target/test-output.log
echo "==> cfn-lint infra/template.yaml"
"$VENV/bin/cfn-lint" infra/template.yaml
echo "==> redocly lint openapi.json"
ensure_openapi_lint
lint_openapi
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' target/test-output.log
