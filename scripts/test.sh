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

cargo test --workspace --locked
echo "==> cfn-lint infra/template.yaml"
"$VENV/bin/cfn-lint" infra/template.yaml
