#!/usr/bin/env bash
# Soak and overload of the release query server on loopback.
#
# Soak: a paced mix of /v1/suggest (80%) and /v1/search (20%) from real
# Taobao queries, RATE requests/s over 8 connections for DURATION seconds,
# while the indexer builds and publishes a new generation at 15 s and 45 s
# (the server's watcher switches to each). Reports requests, errors, p50/p99
# before, during and after each switch, and resident memory.
# Overload: the server restarted with --max-concurrency 4, 64 unpaced
# clients for 10 s (shed requests: 503 + Retry-After, and how fast), then
# 100 requests/s for 10 s: every one must succeed.
#
# Usage: benches/soak.sh [--products N] [--duration S] [--rate R] [--switch-at S,S]
#                        [--scratch DIR]
# Defaults: 200000 products, 75 s, 500 requests/s, reindex at 15,45 s. Writes
# target/soak/{soak,overload}.json and summary.md; exits non-zero when a
# soak request failed or the server did not recover.
# Not part of CI (over two minutes); CI runs `benches/soak.sh --help`.
set -euo pipefail

PRODUCTS=200000
DURATION=75
RATE=500
SWITCH_AT=15,45
SCRATCH=${TMPDIR:-/tmp}/livesearch-soak

. "$(dirname "$0")/common.sh"
parse_arguments --products PRODUCTS --duration DURATION --rate RATE --switch-at SWITCH_AT \
  --scratch SCRATCH -- "$@"
[ "$DURATION" -ge 60 ] || { echo "--duration must be at least 60 seconds" >&2; exit 2; }

cd "$(dirname "$0")/.."
require_queries

cargo build --release --locked -p indexer -p query-server >&2
cargo build --release --locked -p livesearch --example gen_catalog --example make_urls --example soak >&2
OUT=target/soak
rm -rf "$OUT"
mkdir -p "$OUT" "$SCRATCH"
CATALOG=$(generated_catalog "$SCRATCH/catalog-$PRODUCTS" "$PRODUCTS" with-fixtures)
ROOT="$SCRATCH/root"
rm -rf "$ROOT"
"$RELEASE"/indexer build --input "$CATALOG" --index-root "$ROOT" >&2

SERVER=""
start_server() { start_query_server "$ROOT" "$OUT" "$@"; }
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap stop_server EXIT

start_server --watch-interval-ms 500
"$RELEASE"/examples/make_urls --queries "$QUERIES" --base "http://$ADDRESS" --out "$SCRATCH/urls" >&2
REINDEX="'$RELEASE/indexer' build --input '$CATALOG' --index-root '$ROOT' --keep 3 >>'$OUT/reindex.log' 2>&1"
echo "soak: $DURATION s at $RATE requests/s against $ADDRESS, reindex at $SWITCH_AT s" >&2
"$RELEASE"/examples/soak soak --suggest-urls "$SCRATCH/urls/suggest_urls.txt" \
  --search-urls "$SCRATCH/urls/search_urls.txt" --server-pid "$SERVER" \
  --duration "$DURATION" --rate "$RATE" --switch-at "$SWITCH_AT" --reindex "$REINDEX" \
  --report "$OUT/soak.json" >/dev/null
stop_server

start_server --max-concurrency 4
"$RELEASE"/examples/make_urls --queries "$QUERIES" --base "http://$ADDRESS" --out "$SCRATCH/urls" >&2
echo "overload: 64 clients against --max-concurrency 4, then 100 requests/s" >&2
"$RELEASE"/examples/soak overload --suggest-urls "$SCRATCH/urls/suggest_urls.txt" \
  --search-urls "$SCRATCH/urls/search_urls.txt" --search-share 1.0 \
  --report "$OUT/overload.json" >/dev/null
stop_server

python3 - "$OUT" "$PRODUCTS" <<'PY'
import json, sys
out, products = sys.argv[1], int(sys.argv[2])
soak = json.load(open(f"{out}/soak.json"))
over = json.load(open(f"{out}/overload.json"))
fmt = lambda v: "n/a" if v is None else f"{v:.2f}"
lines = [
    f"Soak: {products:,} generated products + fixtures, {soak['duration_s']} s at {soak['rate_per_s']} requests/s "
    f"({int(soak['search_share'] * 100)}% search), {soak['connections']} connections.",
    f"Requests {soak['requests']:,}, errors {soak['errors']} (statuses {soak['statuses']}); "
    f"builds {[(round(b['start_s'], 1), round(b['end_s'], 1), b['succeeded']) for b in soak['builds']]} (start s, end s, ok); "
    f"switches at {[s['at_s'] for s in soak['switches']]} s.",
    "",
    "| window | from s | to s | requests | errors | p50 ms | p99 ms | max ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for w in soak["windows"]:
    lines.append(f"| {w['window']} | {w['from_s']:.1f} | {w['to_s']:.1f} | {w['requests']} | {w['errors']} | {fmt(w['p50_ms'])} | {fmt(w['p99_ms'])} | {fmt(w['max_ms'])} |")
mib = lambda kib: "n/a" if kib is None else f"{kib / 1024:.0f}"
lines += [
    "",
    f"Resident memory (all / anonymous heap): start {mib(soak['rss_kib_start'])} / {mib(soak['anon_kib_start'])} MiB, "
    + ", ".join(f"2 s after switch {i + 1} {mib(s['rss_kib_2s_after'])} / {mib(s['anon_kib_2s_after'])} MiB" for i, s in enumerate(soak["switches"]))
    + f", end {mib(soak['rss_kib_end'])} / {mib(soak['anon_kib_end'])} MiB, max {mib(soak['rss_kib_max'])} / {mib(soak['anon_kib_max'])} MiB "
    + "(the rest is mapped index files, paged in as queries touch them; the max is while both generations are loaded).",
    "",
    f"Overload ({over['connections']} unpaced clients, --max-concurrency 4, {over['overload_s']} s, search only): "
    f"{over['overload_requests']:,} requests, statuses {over['overload_statuses']}; shed {over['shed']:,} "
    f"({over['shed_with_retry_after']:,} with Retry-After), shed p50 {fmt(over['shed_latency']['p50_ms'])} ms / p99 {fmt(over['shed_latency']['p99_ms'])} ms; "
    f"served p50 {fmt(over['served_latency']['p50_ms'])} ms / p99 {fmt(over['served_latency']['p99_ms'])} ms.",
    f"Recovery ({over['recovery_s']} s at 100 requests/s): {over['recovery_requests']} requests, "
    f"{over['recovery_errors']} errors, p99 {fmt(over['recovery_latency']['p99_ms'])} ms.",
]
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
ok = soak["errors"] == 0 and len(soak["switches"]) == len(soak["builds"]) >= 2 and over["recovery_errors"] == 0 and over["shed"] > 0
sys.exit(0 if ok else 1)
PY
