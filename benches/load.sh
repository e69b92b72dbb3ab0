#!/usr/bin/env bash
# Load test of the release query server on loopback with oha (from crates.io):
# requests/s and p50/p90/p99 latency of /v1/suggest and /v1/search at several
# concurrency levels, search at a fixed 1,000 requests/s (plain, and with two
# filters and every facet), the server's memory and the generation's size.
#
# Catalog: PRODUCTS generated products (benches/gen_catalog.rs, real
# vocabulary from ../shared/data) plus the fixtures. Requests: real Taobao
# queries (search) and the prefixes users type on the way to them (suggest:
# hanzi, pinyin, initials, mixed), written by benches/make_urls.rs.
#
# Usage: benches/load.sh [--products N] [--duration 10s] [--scratch DIR] [--port P]
# Not part of CI (it takes minutes); CI runs `benches/load.sh --help`.
set -euo pipefail

PRODUCTS=1000000
DURATION=10s
SCRATCH=${TMPDIR:-/tmp}/livesearch-load
PORT=18181
TOOLS=${LIVESEARCH_TOOLS:-$HOME/.cache/livesearch-tools}

. "$(dirname "$0")/common.sh"
parse_arguments --products PRODUCTS --duration DURATION --scratch SCRATCH --port PORT -- "$@"

cd "$(dirname "$0")/.."
require_queries

if [ ! -x "$TOOLS/bin/oha" ]; then
  echo "installing oha into $TOOLS (once; a few minutes)" >&2
  cargo install oha --version 1.16.0 --locked --root "$TOOLS" >&2
fi
OHA="$TOOLS/bin/oha"

cargo build --release --locked -p indexer -p query-server >&2
cargo build --release --locked -p livesearch --example gen_catalog --example make_urls >&2
mkdir -p "$SCRATCH"
CATALOG=$(generated_catalog "$SCRATCH/catalog-$PRODUCTS" "$PRODUCTS" with-fixtures)
ROOT="$SCRATCH/root-$PRODUCTS"
rm -rf "$ROOT"
build_started=$(date +%s.%N)
"$RELEASE"/indexer build --input "$CATALOG" --index-root "$ROOT" >&2
build_seconds=$(python3 -c "import sys; print(f\"{float(sys.argv[2]) - float(sys.argv[1]):.1f}\")" "$build_started" "$(date +%s.%N)")
generation_bytes=$(du -sb "$ROOT/generations" | cut -f1)
suggest_bytes=$(du -sb "$ROOT"/generations/*/suggest | cut -f1)

BASE="http://127.0.0.1:$PORT"
"$RELEASE"/examples/make_urls --queries "$QUERIES" --base "$BASE" --out "$SCRATCH/urls" >&2

"$RELEASE"/query-server serve --index-root "$ROOT" --addr "127.0.0.1:$PORT" --max-concurrency 1024 >"$SCRATCH/server.out" 2>"$SCRATCH/server.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/readyz" >/dev/null || { echo "server did not become ready" >&2; cat "$SCRATCH/server.err" >&2; exit 1; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
rss_start=$(rss_kib)

run() { # name url-file concurrency [rate]
  local name=$1 urls=$2 concurrency=$3 rate=${4:-}
  local extra=()
  [ -n "$rate" ] && extra=(-q "$rate" --latency-correction)
  "$OHA" --no-tui --output-format json -z "$DURATION" -c "$concurrency" "${extra[@]}" --urls-from-file "$urls" >"$SCRATCH/$name.json"
  python3 - "$SCRATCH/$name.json" "$name" "$concurrency" "${rate:-max}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
summary, latency = report["summary"], report["latencyPercentiles"]
codes = report.get("statusCodeDistribution", {})
errors = sum(count for code, count in codes.items() if not code.startswith("2"))
# Requests still in flight when the duration ends are cut by oha, not failed.
errors += sum(count for kind, count in report.get("errorDistribution", {}).items() if "deadline" not in kind)
ms = lambda key: 1000 * (latency.get(key) or 0)
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {summary['requestsPerSec']:.0f} | {ms('p50'):.2f} | {ms('p90'):.2f} | {ms('p99'):.2f} | {errors} |")
PY
}

echo "catalog: $PRODUCTS generated products + fixtures; build $build_seconds s; generation $((generation_bytes / 1000000)) MB on disk (suggestions $((suggest_bytes / 1000000)) MB)"
echo "oha $("$OHA" --version | head -1); each row $DURATION"
echo
echo "| route | connections | rate | requests/s | p50 ms | p90 ms | p99 ms | non-2xx or errors |"
echo "|---|---|---|---|---|---|---|---|"
for c in 1 8 32 64; do run suggest "$SCRATCH/urls/suggest_urls.txt" "$c"; done
for c in 1 8 32; do run search "$SCRATCH/urls/search_urls.txt" "$c"; done
run search-1000rps "$SCRATCH/urls/search_urls.txt" 32 1000
# A result page: two filters (the commonest generated category, a price
# range) and every facet, at the same fixed rate.
category=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("女装"))')
sed "s/\$/\&category=$category\&price_min=5000\&price_max=100000\&facets=category,brand,price/" \
  "$SCRATCH/urls/search_urls.txt" > "$SCRATCH/urls/search_page_urls.txt"
run search-filters-facets-1000rps "$SCRATCH/urls/search_page_urls.txt" 32 1000
rss_end=$(rss_kib)
echo
echo "server resident memory: $((rss_start / 1024)) MiB after loading, $((rss_end / 1024)) MiB after the runs"
