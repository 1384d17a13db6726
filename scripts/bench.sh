#!/usr/bin/env bash
# `make bench`: what users pay for, measured against its floor in one run, on an
# emulator of its own. Figures are ratios and counts, never timed assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_venv
mkdir -p target

# AWS endpoints speak TLS, so the emulator does too for the cold-start and token
# benchmarks, with a chain shaped like theirs: an RSA-2048 root, an RSA-2048
# intermediate, and an RSA-2048 certificate for localhost, throwaway (valid for a day,
# written to target/ only).
tls=target/bench-tls
rm -rf "$tls" && mkdir -p "$tls"
certificate() { # name, subject, issuer (none: self-signed), extensions
  local name=$1 subject=$2 issuer=$3
  printf '%b' "$4" >"$tls/$name.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$subject" \
    -keyout "$tls/$name.key" -out "$tls/$name.csr" 2>/dev/null
  if [ -z "$issuer" ]; then
    openssl x509 -req -in "$tls/$name.csr" -signkey "$tls/$name.key" -days 1 \
      -extfile "$tls/$name.ext" -out "$tls/$name.pem" 2>/dev/null
  else
    openssl x509 -req -in "$tls/$name.csr" -CA "$tls/$issuer.pem" -CAkey "$tls/$issuer.key" \
      -CAcreateserial -days 1 -extfile "$tls/$name.ext" -out "$tls/$name.pem" 2>/dev/null
  fi
}
authority='basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n'
certificate root bench-root "" "$authority"
certificate intermediate bench-intermediate root "$authority"
certificate server localhost intermediate \
  'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'
cat "$tls/server.pem" "$tls/intermediate.pem" >"$tls/chain.pem"

port=$(free_port)
tls_port=$(free_port)
trap stop_moto EXIT
start_moto "$port" target/moto-bench.log "$tls_port" "$tls/chain.pem" "$tls/server.key"
export "${AWS_ENV[@]}"
# The counting and seeding below talk plain HTTP to the emulator (the counts do not
# depend on TLS); the CPU figures further down are taken over HTTPS.
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
https_endpoint=(AWS_ENDPOINT_URL="https://localhost:$tls_port" AWS_CA_BUNDLE="$PWD/$tls/root.pem")

echo "== AWS round trips per request (counted by the emulator)"
cargo test --locked -q -p integration-tests --test round_trips -- --nocapture 2>&1 | grep '^|'
echo
echo "A list page at 100 and at 100,000 customer users (about two minutes on the emulator):"
cargo bench --locked -q -p integration-tests --bench list_pages 2>&1 | grep -E '^(\||List pages)'

echo
echo "== Cold start, size and memory (release binaries; building them first)"
cargo build --release --locked -q --bins \
  -p token -p directory -p customer-users -p roles -p consents -p confirmation -p oauth-apps
# The minimal function is an example, so that `cargo bench` (whose profile skips LTO)
# does not rebuild it over the release build.
cargo build --release --locked -q -p integration-tests --example hello
env "${https_endpoint[@]}" cargo bench --locked -q -p integration-tests --bench cold_start 2>&1 \
  | grep -E '^(\||==|$)' | cat -s

echo
echo "== arm64 bootstrap sizes (what Lambda runs; target <= 6 MiB stripped)"
functions=(token directory customer-users roles consents confirmation oauth-apps)
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
env "${https_endpoint[@]}" cargo bench --locked -q -p integration-tests --bench token 2>&1 \
  | grep -E '^(RS256|ES256)'
