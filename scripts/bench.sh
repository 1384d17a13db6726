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
echo "== arm64 bootstrap sizes (what Lambda runs; target <= 6 MiB stripped)"
functions=(token directory customer-users roles confirmation oauth-apps)
if rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
  || rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1; then
  # cargo-lambda links for arm64 with zig, taken from PyPI (400 MB, so only here).
  "$VENV/bin/pip" install --quiet --disable-pip-version-check ziglang==0.17.1
  PATH="$PWD/$VENV/bin:$PATH" cargo lambda build --release --arm64 --locked --quiet \
    "${functions[@]/#/-p}"
  echo "| function | arm64 bootstrap | target <= 6 MiB |"
  echo "|---|---|---|"
  for f in "${functions[@]}"; do
    stat -c %s "target/lambda/$f/bootstrap" | awk -v f="$f" '{
      mib = $1 / 1048576
      printf "| %s | %.2f MiB | %s |\n", f, mib, (mib <= 6 ? "met" : "NOT MET")
    }'
  done
else
  echo "skipped: no aarch64-unknown-linux-gnu standard library, and rustup could not add it"
fi

echo
echo "== Token issuance cost versus the signing floor"
cargo bench --locked -q -p integration-tests --bench token 2>&1 | grep -E '^(RS256|ES256)'
