# Shared by the benchmark scripts (sourced; the functions that run binaries
# or read data expect the project root as the working folder).

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
    if [ -n "${values[$1]:-}" ]; then
      printf -v "${values[$1]}" '%s' "${2:?$1 needs a value}"
      shift 2
    elif [ -n "${flags[$1]:-}" ]; then
      printf -v "${flags[$1]}" 1
      shift
    else
      case "$1" in
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument $1" >&2; usage >&2; exit 2 ;;
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
