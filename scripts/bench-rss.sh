#!/usr/bin/env bash
# Peak RSS and wall time of whole `j1hcl plan` processes on the specification's benchmark
# graphs (README §5): 100,000 entities + 100,000 relationships from CSV, against an empty and a
# matching state, and 10,000 entity blocks.
set -euo pipefail
bin=$(realpath "${1:-bin/j1hcl}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."
go run ./internal/benchfixture/cmd -csv "$work/csv" -n 100000
go run ./internal/benchfixture/cmd -blocks "$work/blocks" -n 10000

measure() { # name dir args...
	local name=$1 dir=$2; shift 2
	/usr/bin/time -f "%e %M" -o "$work/time" "$bin" -chdir="$dir" "$@" >/dev/null 2>&1
	read -r secs kb <"$work/time"
	printf '%-42s %6.2f s wall %8.1f MB peak RSS\n' "$name" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
measure "plan, 100k+100k from CSV, empty state" "$work/csv" plan -compact
go run ./internal/benchfixture/cmd -state-for "$work/csv"
measure "plan, 100k+100k from CSV, matching state" "$work/csv" plan -compact
measure "plan, 10k entity blocks, empty state" "$work/blocks" plan -compact
