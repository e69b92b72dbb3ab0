#!/usr/bin/env bash
# Generations through an S3-compatible store on loopback (moto's server):
# publish time of a PRODUCTS-product generation, the time of a rerun that
# finds everything uploaded, the pull (download + open with every check) of
# two replicas, and the time from `indexer publish` ending to both replicas
# serving the new generation; the replicas' resident memory.
#
# The store is moto (Python, objects in memory): the figures measure our
# client and moto together on one 2-core machine, not a real S3.
#
# Usage: benches/store.sh [--products N] [--catalog DIR] [--scratch DIR] [--poll-interval-ms N]
# (--catalog: an existing catalog folder instead of generating PRODUCTS products)
# Needs LIVESEARCH_MOTO_SERVER (a moto_server; .ci/run installs one) or
# installs moto into ~/.cache/livesearch-tools/moto-venv.
# Not part of CI (it takes minutes); CI runs `benches/store.sh --help`.
set -euo pipefail

PRODUCTS=1000000
CATALOG=""
SCRATCH=${TMPDIR:-/tmp}/livesearch-store
POLL_MS=1000
TOOLS=${LIVESEARCH_TOOLS:-$HOME/.cache/livesearch-tools}

. "$(dirname "$0")/common.sh"
parse_arguments --products PRODUCTS --scratch SCRATCH --catalog CATALOG \
  --poll-interval-ms POLL_MS -- "$@"

cd "$(dirname "$0")/.."
MOTO=${LIVESEARCH_MOTO_SERVER:-$TOOLS/moto-venv/bin/moto_server}
if ! "$MOTO" --help >/dev/null 2>&1; then
  python3 -m venv "$TOOLS/moto-venv"
  "$TOOLS/moto-venv/bin/pip" install --quiet "moto[server]==5.2.5"
  MOTO=$TOOLS/moto-venv/bin/moto_server
fi
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -p indexer -p query-server >&2
mkdir -p "$SCRATCH"

if [ -z "$CATALOG" ]; then
  # generated_catalog from common.sh, with this script's target folder.
  cargo build --release --locked -p livesearch --example gen_catalog >&2
  CATALOG="$SCRATCH/catalog-$PRODUCTS"
  if [ ! -f "$CATALOG/.complete" ]; then
    rm -rf "$CATALOG"
    "$TARGET/release/examples/gen_catalog" --products "$PRODUCTS" --out "$CATALOG" >&2
    touch "$CATALOG/.complete"
  fi
fi
ROOT="$SCRATCH/root-$PRODUCTS"
if [ ! -f "$ROOT/CURRENT" ]; then
  "$TARGET/release/indexer" build --input "$CATALOG" --index-root "$ROOT" >&2
fi
GENERATION=$(cat "$ROOT/CURRENT")
generation_bytes=$(du -sb "$ROOT/generations/$GENERATION" | cut -f1)

now() { date +%s.%N; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$MOTO" -H 127.0.0.1 -p "$PORT" >"$SCRATCH/moto.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf -X PUT "http://127.0.0.1:$PORT/livesearch" >/dev/null && break; sleep 0.2; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ALLOW_HTTP=true
URL=s3://livesearch/bench

# Two replicas, following the empty store.
ADDRESSES=()
REPLICA_PIDS=()
for name in a b; do
  rm -rf "$SCRATCH/cache-$name"
  "$TARGET/release/query-server" serve --source "$URL" --cache-dir "$SCRATCH/cache-$name" \
    --addr 127.0.0.1:0 --poll-interval-ms "$POLL_MS" --poll-jitter-ms 0 \
    >"$SCRATCH/replica-$name.out" 2>"$SCRATCH/replica-$name.log" &
  PIDS+=($!)
  REPLICA_PIDS+=($!)
  ADDRESSES+=("$(listening_address "$SCRATCH/replica-$name.out")")
done

started=$(now)
"$TARGET/release/indexer" publish --index-root "$ROOT" --to "$URL" >"$SCRATCH/publish.out"
published=$(now)
serving_after=()
for address in "${ADDRESSES[@]}"; do
  until curl -sf "http://$address/readyz" | grep -q "\"generation\":\"$GENERATION\""; do sleep 0.05; done
  serving_after+=("$(seconds "$published" "$(now)")")
done
rerun_started=$(now)
"$TARGET/release/indexer" publish --index-root "$ROOT" --to "$URL" >"$SCRATCH/rerun.out"
rerun_done=$(now)

echo "generation: $(basename "$CATALOG") ($(wc -l < "$CATALOG/products.jsonl") products), $((generation_bytes / 1000000)) MB in $(find "$ROOT/generations/$GENERATION" -type f | wc -l) files; store: moto $("$MOTO" --version 2>/dev/null || echo 5.2.5) on loopback; replicas poll every $POLL_MS ms"
echo
echo "| measure | seconds |"
echo "|---|---:|"
echo "| indexer publish (every file uploaded, then CURRENT) | $(seconds "$started" "$published") |"
echo "| indexer publish again (everything already there: HEAD of each object) | $(seconds "$rerun_started" "$rerun_done") |"
for i in 0 1; do
  readyz=$(curl -sf "http://${ADDRESSES[$i]}/readyz")
  python3 - "$readyz" "$i" <<'PY'
import json, sys
pull = json.loads(sys.argv[1])["source"]["last_pull"]
name = "ab"[int(sys.argv[2])]
print(f"| replica {name}: download ({pull['downloaded_files']} files, {pull['downloaded_bytes'] / 1e6:.0f} MB) | {pull['download_seconds']:.2f} |")
print(f"| replica {name}: open with every check (CRC-32 of every file, versions, suggestion table) | {pull['open_seconds']:.2f} |")
PY
done
echo "| from publish end to replica a serving it (polls every $POLL_MS ms) | ${serving_after[0]} |"
echo "| from publish end to both replicas serving it | ${serving_after[1]} |"
echo
for i in 0 1; do
  echo "replica $i resident memory after the pull: $(($(awk '/VmRSS/ {print $2}' "/proc/${REPLICA_PIDS[$i]}/status") / 1024)) MiB"
done
