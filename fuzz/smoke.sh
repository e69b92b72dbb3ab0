#!/usr/bin/env bash
# A cargo fuzz (libFuzzer) smoke run of every target: each for --seconds
# (default 60), from a scratch copy of its seed corpus so the repository's
# corpus stays as committed. Prints a table of executions and crashes, and
# keeps the logs and any crashing inputs under target/fuzz-smoke/.
set -euo pipefail
cd "$(dirname "$0")"

seconds=60
targets="catalog_line queries_tsv analyzer suggest_keys query_string suggest_table manifest"
usage() {
  cat <<USAGE
usage: fuzz/smoke.sh [--seconds N] [--targets "a b ..."]

Builds the fuzz targets with cargo fuzz (installed into
~/.cache/livesearch-tools if missing; stable Rust runs it with
RUSTC_BOOTSTRAP=1) and runs each for N seconds (default 60).
Targets: $targets
A crash fails the script; copy the input from target/fuzz-smoke/<target>/
into fuzz/regressions/<target>/ so \`cargo test\` in fuzz/ replays it.
USAGE
}
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

tools="$HOME/.cache/livesearch-tools"
export PATH="$tools/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked --root "$tools"
fi
if ! rustc --version | grep -q nightly; then
  # cargo fuzz passes nightly-only flags (sanitizer coverage); the stable
  # compiler accepts them with this switch.
  export RUSTC_BOOTSTRAP=1
fi

out="$(pwd)/../target/fuzz-smoke"
rm -rf "$out"
mkdir -p "$out"
cargo fuzz build --release --debug-assertions

printf '| target | seconds | executions | exec/s | corpus | crashes |\n|---|---:|---:|---:|---:|---:|\n' > "$out/summary.md"
failed=0
for target in $targets; do
  scratch="$out/$target/corpus"
  mkdir -p "$scratch" "$out/$target/artifacts"
  cp corpus/"$target"/* "$scratch"/
  status=0
  cargo fuzz run --release --debug-assertions "$target" "$scratch" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$out/$target/artifacts/" > "$out/$target/log.txt" 2>&1 || status=$?
  executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$target/log.txt" | grep -o '[0-9]*$' | tail -1)
  per_second=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$out/$target/log.txt" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "$out/$target/artifacts" -type f | wc -l)
  corpus=$(find "$scratch" -type f | wc -l)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$target" "$seconds" "${executions:-?}" "${per_second:-?}" "$corpus" "$crashes" >> "$out/summary.md"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    echo "$target: libFuzzer exited $status with $crashes crashing input(s); see $out/$target/log.txt" >&2
    failed=1
  fi
done
cat "$out/summary.md"
exit "$failed"
