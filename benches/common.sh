# Shared by the benchmark scripts (sourced; run from the project root).

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
