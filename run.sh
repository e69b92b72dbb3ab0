#!/usr/bin/env bash
# One command for the main job on the fixtures: build the release binaries,
# build an index generation from fixtures/ into a scratch folder, then serve
# it in the foreground (Ctrl-C stops). Options: see --help.
set -euo pipefail
cd "$(dirname "$0")"

addr="127.0.0.1:8080"
input="fixtures"
index_root="${CARGO_TARGET_DIR:-target}/run-index"

usage() {
  cat <<USAGE
usage: ./run.sh [--addr HOST:PORT] [--input DIR] [--index-root DIR]

Builds the release binaries (the first compile takes about 9 minutes on 2 cores),
builds an index generation from the catalog, then serves it in the foreground
with the SEO console at http://HOST:PORT/ (Ctrl-C stops).

  --addr HOST:PORT   address to listen on [default: $addr]
  --input DIR        catalog folder to index [default: $input]
  --index-root DIR   scratch folder for the generations [default: $index_root]
  -h, --help         this text
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --addr) addr="${2:?--addr needs HOST:PORT}"; shift 2 ;;
    --input) input="${2:?--input needs a folder}"; shift 2 ;;
    --index-root) index_root="${2:?--index-root needs a folder}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see ./run.sh --help)" >&2; exit 2 ;;
  esac
done

echo "== building the release binaries (cargo build --release)"
cargo build --release --locked -p indexer -p query-server
bin="${CARGO_TARGET_DIR:-target}/release"

echo "== building an index generation from $input into $index_root"
"$bin/indexer" build --input "$input" --index-root "$index_root"

echo "== serving on http://$addr/ (SEO console; API under /v1/, Ctrl-C stops)"
exec "$bin/query-server" serve --index-root "$index_root" --addr "$addr"
