#!/usr/bin/env bash
# Tokenization throughput, ours beside its peers in one run, one thread each,
# on the same generated product titles: raw jieba-rs (the floor), our index
# analyzer, Python jieba and rjieba (installed from PyPI into a scratch
# virtualenv outside the project). Prints a markdown table with ratios.
#
# Usage: benches/peers/tokenize.sh [--products N] [--scratch DIR]
set -euo pipefail
PRODUCTS=100000
SCRATCH=${TMPDIR:-/tmp}/livesearch-peers
VENV=${LIVESEARCH_PEERS_VENV:-$HOME/.cache/livesearch-peers/venv}
. "$(dirname "$0")/../common.sh"
parse_arguments --products PRODUCTS --scratch SCRATCH -- "$@"
cd "$(dirname "$0")/../.."
JIEBA_VERSION=0.42.1
RJIEBA_VERSION=0.2.2
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q "jieba==$JIEBA_VERSION" "rjieba==$RJIEBA_VERSION" >&2

cargo build --release --locked -p livesearch --example gen_catalog --example tokenize_titles >&2
mkdir -p "$SCRATCH"
./target/release/examples/gen_catalog --products "$PRODUCTS" --out "$SCRATCH/catalog" >&2
python3 -c 'import json,sys; [print(json.loads(l)["title"]) for l in open(sys.argv[1], encoding="utf-8")]' \
  "$SCRATCH/catalog/products.jsonl" > "$SCRATCH/titles.txt"

{ ./target/release/examples/tokenize_titles --titles "$SCRATCH/titles.txt"
  "$VENV/bin/python" benches/peers/tokenize_peers.py --titles "$SCRATCH/titles.txt"; } > "$SCRATCH/tokenize.jsonl"

JIEBA_RS_VERSION=$(grep -A1 '^name = "jieba-rs"' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
OURS_VERSION=$(git rev-parse --short HEAD 2>/dev/null || echo "this checkout")
python3 - "$SCRATCH/tokenize.jsonl" "$PRODUCTS" "$JIEBA_RS_VERSION" "$OURS_VERSION" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
for row in rows:
    if "version" not in row:
        row["version"] = sys.argv[3] if row["name"].startswith("jieba-rs") else f"commit {sys.argv[4]}"
ours = next(r for r in rows if r["name"].startswith("ours"))
print(f"{sys.argv[2]} generated product titles, one thread each, fastest of 3 passes\n")
print("| tokenizer | version | seconds | MB/s | tokens | ours is faster by |")
print("|---|---|---|---|---|---|")
for r in rows:
    ratio = r["seconds"] / ours["seconds"]
    print(f"| {r['name']} | {r['version']} | {r['seconds']:.3f} | {r['mb_per_s']:.2f} | {r['tokens']} | {ratio:.2f}x |")
PY
