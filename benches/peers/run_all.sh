#!/usr/bin/env bash
# Ours beside every peer, on the same generated data, in one run; then
# benches/report.py rewrites benches/RESULTS.md and the plots from the
# results it leaves in benches/results/.
#
#   1. Build time of ours at each of --sizes products (cost growth).
#   2. Tokenization: jieba-rs floor, ours, Python jieba, rjieba (tokenize.sh).
#   3. In-process, one thread, --products products: ours (search at limit 10,
#      suggestion lookup) beside tantivy-py, Xapian and Whoosh fed the same
#      jieba-rs tokens (index build, all-words query, term-prefix query).
#   4. Over the loopback, --products products: our HTTP /v1/suggest and
#      /v1/search beside Sonic's SUGGEST and QUERY (Sonic ingests the same
#      titles), one closed-loop driver (peer_load) for both, at 1/8/32/64
#      connections; capability rows: which prefix kinds each one answers.
#
# Usage: benches/peers/run_all.sh [--products N] [--sizes A,B,C] [--duration S]
#                                 [--steps 1,2,3,4] [--skip-sonic] [--skip-python]
#                                 [--scratch DIR]
# Defaults: 100000 products, sizes 100000,300000,1000000, 10 s per load level.
# Installs peers outside the project: a virtualenv in ~/.cache/livesearch-peers
# (tantivy, whoosh, jieba, rjieba, matplotlib from PyPI; Xapian from Debian's
# python3-xapian) and Sonic (cargo install sonic-server --locked, about 30
# minutes the first time, after apt-get install libclang-dev).
# Not part of CI (tens of minutes); CI runs `benches/peers/run_all.sh --help`.
set -euo pipefail

PRODUCTS=100000
SIZES=100000,300000,1000000
DURATION=10
SKIP_SONIC=0
SKIP_PYTHON=0
STEPS=1,2,3,4
SCRATCH=${TMPDIR:-/tmp}/livesearch-peers-run
PEERS=$HOME/.cache/livesearch-peers
SONIC_VERSION=1.10.2
. "$(dirname "$0")/../common.sh"
parse_arguments --products PRODUCTS --sizes SIZES --duration DURATION --steps STEPS \
  --skip-sonic! SKIP_SONIC --skip-python! SKIP_PYTHON --scratch SCRATCH -- "$@"

cd "$(dirname "$0")/../.."
require_queries
RESULTS=benches/results
mkdir -p "$RESULTS" "$SCRATCH"
say() { echo "== $*" >&2; }
step() { [[ ",$STEPS," == *",$1,"* ]]; }

say "peers: installing what is missing"
VENV=$PEERS/search-venv
if ! /usr/bin/python3 -c "import xapian" 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-xapian python3-venv >&2
fi
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install -q "tantivy==0.27.0" "whoosh==2.7.4" "jieba==0.42.1" "rjieba==0.2.2" "matplotlib==3.11.2" >&2
SONIC=$PEERS/sonic/bin/sonic
if [ "$SKIP_SONIC" = 0 ] && [ ! -x "$SONIC" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libclang-dev clang >&2
  CARGO_TARGET_DIR=$PEERS/sonic-target cargo install sonic-server --version "$SONIC_VERSION" --locked --root "$PEERS/sonic" >&2
fi

cargo build --release --locked -p indexer -p query-server >&2
cargo build --release --locked -p livesearch --example gen_catalog --example tokenize_titles \
  --example ours_inprocess --example peer_load >&2
BIN=./target/release
EX=./target/release/examples

catalog_of() { generated_catalog "$SCRATCH/catalog-$1" "$1"; }

{
  echo "{\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"commit\": \"$(git rev-parse --short HEAD)\","
  echo " \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\", \"cores\": $(nproc),"
  echo " \"memory_gib\": $(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo), \"rustc\": \"$(rustc --version)\","
  echo " \"jieba_rs\": \"$(grep -A1 '^name = "jieba-rs"' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')\","
  echo " \"products\": $PRODUCTS, \"duration_s\": $DURATION}"
} > "$RESULTS/meta.json"

if step 1; then
say "1. build time of ours at $SIZES products"
: > "$RESULTS/build_scaling.jsonl"
for size in ${SIZES//,/ }; do
  catalog=$(catalog_of "$size")
  root="$SCRATCH/root-$size"
  rm -rf "$root"
  started=$(date +%s.%N)
  "$BIN/indexer" build --input "$catalog" --index-root "$root" >&2
  ended=$(date +%s.%N)
  python3 - "$root" "$size" "$started" "$ended" >> "$RESULTS/build_scaling.jsonl" <<'PY'
import json, os, sys
root, size, started, ended = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
current = open(os.path.join(root, "CURRENT")).read().strip()
manifest = json.load(open(os.path.join(root, "generations", current, "manifest.json")))
seconds = ended - started
print(json.dumps({"products": size, "documents": sum(manifest["documents"].values()), "seconds": seconds,
                  "products_per_s": size / seconds, "phases_ms": manifest.get("timings_ms", manifest.get("timings")),
                  "command": f"indexer build --input catalog-{size} --index-root root-{size}"}))
PY
done
fi

CATALOG=$(catalog_of "$PRODUCTS")
ROOT="$SCRATCH/root-$PRODUCTS"
[ -f "$ROOT/CURRENT" ] || "$BIN/indexer" build --input "$CATALOG" --index-root "$ROOT" >&2
python3 -c 'import json,sys; [print(json.loads(l)["title"]) for l in open(sys.argv[1], encoding="utf-8")]' \
  "$CATALOG/products.jsonl" > "$SCRATCH/titles.txt"
# Real queries: the first 2,000, cut to their first word (whole Taobao
# queries are long and all distinct: few match any generated catalog in full);
# the prefixes users type on the way to the whole queries.
head -n 2000 "$QUERIES" > "$SCRATCH/queries-whole.txt"
"$VENV/bin/python" -c '
import sys, jieba
jieba.setLogLevel(60)
for line in open(sys.argv[1], encoding="utf-8"):
    words = [w for w in jieba.lcut(line.strip()) if w.strip()]
    if words:
        print(words[0])
' "$SCRATCH/queries-whole.txt" > "$SCRATCH/queries.txt"
python3 - "$SCRATCH" <<'PY'
import sys, unicodedata
scratch = sys.argv[1]
queries = [q.strip() for q in open(f"{scratch}/queries-whole.txt", encoding="utf-8") if q.strip()]
han = lambda c: "\u4e00" <= c <= "\u9fff"
one = sorted({q[0] for q in queries if han(q[0])})
two = sorted({q[:2] for q in queries if len(q) >= 2 and han(q[0]) and han(q[1])})
open(f"{scratch}/prefixes-hanzi1.txt", "w", encoding="utf-8").write("\n".join(one) + "\n")
open(f"{scratch}/prefixes-hanzi2.txt", "w", encoding="utf-8").write("\n".join(two) + "\n")
PY
"$EX/tokenize_titles" --titles "$SCRATCH/titles.txt" --write-tokens "$SCRATCH/title-tokens.tsv"
"$EX/tokenize_titles" --titles "$SCRATCH/queries.txt" --write-tokens "$SCRATCH/query-tokens.tsv"
cut -f2 "$SCRATCH/query-tokens.tsv" | grep -v '^$' > "$SCRATCH/query-tokens.txt"
# In-process prefix timing: the first 300 two-hanzi prefixes for every engine
# (Whoosh needs minutes for a thousand on 100k documents).
head -n 300 "$SCRATCH/prefixes-hanzi2.txt" > "$SCRATCH/prefixes-inprocess.txt"
# Pinyin, initials and mixed prefixes of the same queries (our key builder).
cargo run --release --locked -q -p livesearch --example make_urls -- --queries "$SCRATCH/queries-whole.txt" \
  --base http://127.0.0.1:1 --out "$SCRATCH/urls-probe" >&2

if step 2; then
say "2. tokenization peers"
LIVESEARCH_PEERS_VENV=$VENV bash benches/peers/tokenize.sh --products "$PRODUCTS" --scratch "$SCRATCH/tokenize" >&2
cp "$SCRATCH/tokenize/tokenize.jsonl" "$RESULTS/tokenize.jsonl"
fi

if step 3; then
say "3. in-process: ours, tantivy-py, Xapian, Whoosh"
"$EX/ours_inprocess" --index-root "$ROOT" --queries "$SCRATCH/queries.txt" \
  --prefixes "$SCRATCH/prefixes-inprocess.txt" > "$RESULTS/inprocess.jsonl"
if [ "$SKIP_PYTHON" = 0 ]; then
  "$VENV/bin/python" benches/peers/search_peers.py --docs "$SCRATCH/title-tokens.tsv" \
    --queries "$SCRATCH/query-tokens.txt" --prefixes "$SCRATCH/prefixes-inprocess.txt" >> "$RESULTS/inprocess.jsonl"
fi
fi

step 4 || { say "report"; "$VENV/bin/python" benches/report.py; exit 0; }
say "4. loopback: ours over HTTP beside Sonic"
SERVER=""
SONIC_PID=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; [ -n "$SONIC_PID" ] && kill "$SONIC_PID" 2>/dev/null; true; }
trap cleanup EXIT
start_query_server "$ROOT" "$SCRATCH" --max-concurrency 1024
encode() { python3 -c 'import sys, urllib.parse; [print(sys.argv[1] + urllib.parse.quote(l.strip())) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]' "$1" "$2"; }
encode "http://$ADDRESS/v1/suggest?limit=5&q=" "$SCRATCH/prefixes-hanzi1.txt" > "$SCRATCH/ours-suggest-urls.txt"
encode "http://$ADDRESS/v1/search?limit=10&q=" "$SCRATCH/queries.txt" > "$SCRATCH/ours-search-urls.txt"
: > "$RESULTS/http.jsonl"
"$EX/peer_load" http --urls "$SCRATCH/ours-suggest-urls.txt" --connections 1,8,32,64 --duration "$DURATION" \
  --label "ours /v1/suggest" >> "$RESULTS/http.jsonl"
"$EX/peer_load" http --urls "$SCRATCH/ours-search-urls.txt" --connections 1,8,32,64 --duration "$DURATION" \
  --label "ours /v1/search" >> "$RESULTS/http.jsonl"
echo "{\"label\": \"ours rss\", \"rss_kib\": $(awk '/VmRSS/ {print $2}' /proc/$SERVER/status), \"generation_bytes\": $(du -sb "$ROOT/generations" | cut -f1)}" >> "$RESULTS/http.jsonl"

# Capability: which typed prefixes get any answer, per kind.
: > "$RESULTS/capability.jsonl"
capability() { # engine kind file
  local engine=$1 kind=$2 file=$3
  if [ "$engine" = ours ]; then
    encode "http://$ADDRESS/v1/suggest?limit=5&q=" "$file" > "$SCRATCH/cap-urls.txt"
    "$EX/peer_load" http --urls "$SCRATCH/cap-urls.txt" --connections 1 --duration 3 --label "ours $kind"
  else
    "$EX/peer_load" sonic --kind suggest --limit 5 --terms "$file" --connections 1 --duration 3 --label "sonic $kind"
  fi >> "$RESULTS/capability.jsonl"
}
python3 - "$SCRATCH" <<'PY'
import sys, urllib.parse
scratch = sys.argv[1]
# make_urls writes suggest_urls.txt with every kind mixed; split by the typed text.
lines = [l.strip() for l in open(f"{scratch}/urls-probe/suggest_urls.txt", encoding="utf-8") if l.strip()]
typed = [urllib.parse.unquote(l.split("q=", 1)[1].split("&")[0]) for l in lines]
han = lambda c: "\u4e00" <= c <= "\u9fff"
kinds = {"pinyin": [], "initials": [], "mixed": []}
for t in typed:
    if t and all(c.isascii() and c.isalpha() for c in t):
        (kinds["initials"] if len(t) <= 4 and not any(v in t for v in "aeiouv") else kinds["pinyin"]).append(t)
    elif t and han(t[0]) and any(c.isascii() and c.isalpha() for c in t):
        kinds["mixed"].append(t)
for kind, values in kinds.items():
    open(f"{scratch}/prefixes-{kind}.txt", "w", encoding="utf-8").write("\n".join(sorted(set(values))[:2000]) + "\n")
PY
for kind in hanzi1 hanzi2 pinyin initials mixed; do capability ours "$kind" "$SCRATCH/prefixes-$kind.txt"; done

if [ "$SKIP_SONIC" = 0 ]; then
  SONIC_DIR="$SCRATCH/sonic"
  rm -rf "$SONIC_DIR"; mkdir -p "$SONIC_DIR"
  sed "s#@STORE@#$SONIC_DIR#g" benches/peers/sonic.cfg > "$SONIC_DIR/config.cfg"
  "$SONIC" -c "$SONIC_DIR/config.cfg" > "$SONIC_DIR/sonic.log" 2>&1 &
  SONIC_PID=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/1491) 2>/dev/null && break; sleep 0.2; done
  python3 - "$CATALOG/products.jsonl" > "$SCRATCH/sonic-docs.tsv" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    product = json.loads(line)
    print(product["product_id"] + "\t" + product["title"])
PY
  "$EX/peer_load" sonic-ingest --docs "$SCRATCH/sonic-docs.tsv" --connections 2 > "$RESULTS/sonic_ingest.json"
  sleep 2
  "$EX/peer_load" sonic --kind suggest --limit 5 --terms "$SCRATCH/prefixes-hanzi1.txt" --connections 1,8,32,64 \
    --duration "$DURATION" --label "sonic SUGGEST" >> "$RESULTS/http.jsonl"
  "$EX/peer_load" sonic --kind query --limit 10 --terms "$SCRATCH/queries.txt" --connections 1,8,32,64 \
    --duration "$DURATION" --label "sonic QUERY" >> "$RESULTS/http.jsonl"
  echo "{\"label\": \"sonic rss\", \"rss_kib\": $(awk '/VmRSS/ {print $2}' /proc/$SONIC_PID/status), \"store_bytes\": $(du -sb "$SONIC_DIR/store" | cut -f1), \"version\": \"$("$SONIC" --version 2>&1 | head -1)\"}" >> "$RESULTS/http.jsonl"
  for kind in hanzi1 hanzi2 pinyin initials mixed; do capability sonic "$kind" "$SCRATCH/prefixes-$kind.txt"; done
fi

say "report"
"$VENV/bin/python" benches/report.py
