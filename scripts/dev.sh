#!/usr/bin/env bash
# `make dev`: the emulator, provisioning, and every function behind one router on
# http://127.0.0.1:9000. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

MOTO_PORT=${MOTO_PORT:-4566}
API_PORT=${API_PORT:-9000}

ensure_venv
mkdir -p .local
if moto_answers "$MOTO_PORT"; then
  echo "==> reusing the emulator already on 127.0.0.1:$MOTO_PORT"
else
  trap stop_moto EXIT
  start_moto "$MOTO_PORT" .local/moto.log
  echo "==> emulator on 127.0.0.1:$MOTO_PORT (log: .local/moto.log)"
fi

cat > .local/dev.env <<ENV
$(printf '%s\n' "${AWS_ENV[@]}")
AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
TABLE_NAME=customer-users
SIGNING_KEY_SECRET_ID=customer-users/signing-key
CLIENT_SECRET_PEPPER_SECRET_ID=customer-users/client-secret-pepper
TOKEN_ISSUER=http://127.0.0.1:$API_PORT
MAIL_FROM=no-reply@example.com
RUST_LOG=info
ENV
set -a
source .local/dev.env
set +a

echo "==> provisioning"
WEBSITE_URL="http://127.0.0.1:$API_PORT" cargo run --quiet -p shared --bin provision | tee .local/provision.log
# Public password-reset requests that name no website go to the provisioned one.
echo "DEFAULT_WEBSITE_ID=$(awk '$1 == "website" { print $2 }' .local/provision.log)" >> .local/dev.env

echo "==> functions on http://127.0.0.1:$API_PORT (Ctrl-C stops)"
PATH="$PWD/$VENV/bin:$PATH" cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" --env-file .local/dev.env
