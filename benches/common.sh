# Shared by the benchmark scripts and query-server/api-test (sourced; the
# functions that run binaries or read data expect the project root as the
# working folder).

# usage: prints the calling script's header comment (the lines after #!).
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; }

# parse_arguments OPTION VARIABLE... -- ARGUMENTS...: for each OPTION given
# in ARGUMENTS, sets VARIABLE to the value that follows it; an OPTION ending
# in ! is a flag (given without a value, it sets VARIABLE to 1). -h or
# --help prints usage and exits 0; anything else prints it and exits 2.
parse_arguments() {
  local -A values=() flags=()
  while [ "$1" != -- ]; do
    case "$1" in
      *!) flags[${1%!}]=$2 ;;
      *) values[$1]=$2 ;;
    esac
    shift 2
  done
  shift
  while [ $# -gt 0 ]; do
    # An empty argument is no valid subscript of the option tables.
    if [ -n "$1" ] && [ -n "${values[$1]:-}" ]; then
      printf -v "${values[$1]}" '%s' "${2:?$1 needs a value}"
      shift 2
    elif [ -n "$1" ] && [ -n "${flags[$1]:-}" ]; then
      printf -v "${flags[$1]}" 1
      shift
    else
      case "$1" in
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument '$1'" >&2; usage >&2; exit 2 ;;
      esac
    fi
  done
}

# The real Taobao queries of the shared data; require_queries stops the
# script when they are missing.
QUERIES=../shared/data/queries/taobao_queries.txt
require_queries() {
  [ -f "$QUERIES" ] || { echo "needs $QUERIES (the shared data)" >&2; exit 1; }
}

# listening_address FILE: waits up to 10 s for a server's first line
# `listening on HOST:PORT` in FILE and prints HOST:PORT (nothing when it did
# not come).
listening_address() {
  local address=""
  for _ in $(seq 1 100); do
    address=$(sed -n 's/^listening on //p' "$1" | head -1)
    [ -n "$address" ] && break
    sleep 0.1
  done
  echo "$address"
}

# Where cargo put the release binaries (CARGO_TARGET_DIR when set).
RELEASE=${CARGO_TARGET_DIR:-target}/release

# generated_catalog DIR PRODUCTS [with-fixtures]: generates the catalog once
# (reused while DIR/.complete exists) and prints DIR.
generated_catalog() {
  local dir=$1 products=$2 fixtures=${3:-}
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    "$RELEASE"/examples/gen_catalog --products "$products" --out "$dir" >&2
    if [ "$fixtures" = with-fixtures ]; then
      for file in anchors.jsonl products.jsonl videos.jsonl queries.tsv; do cat "fixtures/$file" >> "$dir/$file"; done
    fi
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# start_query_server ROOT OUT [server arguments...]: starts the release
# server on a free loopback port, waits until it is ready, and sets SERVER
# (its pid) and ADDRESS (host:port). Its stdout and log go to OUT/server.*.
start_query_server() {
  local root=$1 out=$2
  shift 2
  "$RELEASE"/query-server serve --index-root "$root" --addr 127.0.0.1:0 "$@" \
    > "$out/server.out" 2>> "$out/server.log" &
  SERVER=$!
  ADDRESS=""
  for _ in $(seq 1 150); do
    ADDRESS=$(sed -n 's/^listening on //p' "$out/server.out" | head -1)
    [ -n "$ADDRESS" ] && curl -sf "http://$ADDRESS/readyz" >/dev/null && return 0
    sleep 0.2
  done
  echo "the server did not become ready; see $out/server.log" >&2
  return 1
}
