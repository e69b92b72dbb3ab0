#!/usr/bin/env bash
# Schemathesis against the real server: it reads /openapi.json (generated
# from the code), generates requests for every operation (positive and
# negative data, boundary values, fuzzing) and checks every response: no
# 5xx, status codes, content types, headers and bodies as documented.
# Installs schemathesis from PyPI into a scratch virtualenv outside the repo.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/common.sh # listening_address

examples=200
seed=1
profile=release
usage() {
  cat <<USAGE
usage: query-server/api-test/schemathesis.sh [--examples N] [--seed N] [--debug]

Builds a generation of fixtures/, starts target/<profile>/query-server on a
free loopback port and runs schemathesis with every check
(--checks all), N examples per operation (default $examples). Reports go to
target/schemathesis/ (JUnit XML and the server log). Exits non-zero on any
failed check or a panic in the server log.
USAGE
}
SCHEMATHESIS_VERSION_DEFAULT=4.32.5
while [ $# -gt 0 ]; do
  case "$1" in
    --examples) examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --debug) profile=debug; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

venv="$HOME/.cache/livesearch-tools/schemathesis-$SCHEMATHESIS_VERSION_DEFAULT"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION_DEFAULT"
fi

bin="target/$profile"
for binary in indexer query-server; do
  [ -x "$bin/$binary" ] || { echo "missing $bin/$binary: cargo build${profile/debug/} -p indexer -p query-server" >&2; exit 2; }
done
out="target/schemathesis"
rm -rf "$out"
mkdir -p "$out"
root="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$root"
}
trap cleanup EXIT

"$bin/indexer" build --input fixtures --index-root "$root" >/dev/null
"$bin/query-server" serve --index-root "$root" --addr 127.0.0.1:0 > "$out/server.out" 2> "$out/server.log" &
server_pid=$!
address=$(listening_address "$out/server.out")
[ -n "$address" ] || { echo "the server did not start; see $out/server.log" >&2; exit 1; }
echo "server on $address"

status=0
# hooks.py turns a generated search_after of a positive case into a real cursor.
LIVESEARCH_ADDRESS="$address" SCHEMATHESIS_HOOKS="query-server/api-test/hooks.py" \
"$venv/bin/schemathesis" run "http://$address/openapi.json" \
  --checks all --max-examples "$examples" --seed "$seed" --workers 2 \
  --report junit --report-junit-path "$out/junit.xml" || status=$?

if grep -q "panicked" "$out/server.log"; then
  echo "the server panicked; see $out/server.log" >&2
  status=1
fi
exit "$status"
