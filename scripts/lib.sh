# Shared by scripts/dev.sh and scripts/test.sh: the virtual environment and the emulator.

VENV=.venv
AWS_ENV=(
  AWS_REGION=us-east-1
  AWS_ACCESS_KEY_ID=local
  AWS_SECRET_ACCESS_KEY=local
)

# Creates .venv with the pinned tools, again whenever requirements-dev.txt changes.
ensure_venv() {
  local stamp="$VENV/.requirements"
  if [ -x "$VENV/bin/moto_server" ] && cmp -s requirements-dev.txt "$stamp"; then
    return
  fi
  echo "==> installing the local stack's tools into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
  cp requirements-dev.txt "$stamp"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

moto_answers() {
  python3 - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/data.json", timeout=1)
PY
}

# Starts moto on 127.0.0.1:$1 in the background and waits until it answers; further
# arguments go to scripts/emulator.py (a TLS port, certificate and key).
start_moto() {
  local port=$1 log=$2
  shift 2
  "$VENV/bin/python" scripts/emulator.py "$port" "$@" >"$log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    if moto_answers "$port"; then
      return 0
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "the emulator did not start; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "the emulator did not answer on port $port" >&2
  return 1
}

stop_moto() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}

# Redocly CLI, pinned by scripts/openapi-lint/package-lock.json, installed from the npm
# registry into scripts/openapi-lint/node_modules (git-ignored), again whenever the lock
# file changes.
OPENAPI_LINT=scripts/openapi-lint
ensure_openapi_lint() {
  local stamp="$OPENAPI_LINT/node_modules/.lock-installed"
  if [ -x "$OPENAPI_LINT/node_modules/.bin/redocly" ] && cmp -s "$OPENAPI_LINT/package-lock.json" "$stamp"; then
    return
  fi
  echo "==> installing the OpenAPI linter into $OPENAPI_LINT/node_modules"
  (cd "$OPENAPI_LINT" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  cp "$OPENAPI_LINT/package-lock.json" "$stamp"
}

# Lints openapi.json with Redocly's recommended rules; any error fails. Nothing is sent
# anywhere: telemetry and the update check are off.
lint_openapi() {
  REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$OPENAPI_LINT/node_modules/.bin/redocly" lint --config "$OPENAPI_LINT/redocly.yaml" \
    --format=summary openapi.json
}
