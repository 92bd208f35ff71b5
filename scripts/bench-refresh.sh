#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of a whole `j1hcl plan -refresh` process (issue 9's target:
# 100,000 entities + 100,000 relationships read from the emulator on loopback in under 10 s
# and 1.5 GB). The emulator (`j1hcl serve`) runs as a separate process, filled by one apply of
# the CSV benchmark configuration; only the plan process is measured. Kept apart from
# bench-rss.sh, which measures offline plans.
set -euo pipefail
bin=$(realpath "${1:-bin/j1hcl}")
n=${BENCH_REFRESH_N:-100000}
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
go run ./internal/benchfixture/cmd -csv "$work/csv" -n "$n"

bench_start_emulator "$bin"
export JUPITERONE_API_KEY=$bench_api_key JUPITERONE_API_BASE=$api_base

"$bin" -chdir="$work/csv" apply -auto-approve -compact -refresh=false >"$work/apply.out" 2>&1 ||
	{ tail -20 "$work/apply.out" >&2; exit 1; }

measure() { # name args...
	local name=$1; shift
	if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" -chdir="$work/csv" "$@" >"$work/out" 2>&1; then
		tail -20 "$work/out" >&2
		exit 1
	fi
	read -r secs user sys kb <"$work/time"
	printf '%-42s %6.2f s wall %6.2f s CPU %8.1f MB peak RSS\n' "$name" "$secs" "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}
label=$(printf "%dk+%dk" $((n / 1000)) $((n / 1000)))
measure "plan -refresh, $label, live = state" plan -refresh -compact
grep -q 'No changes' "$work/out" || { echo "bench-refresh: the plan after apply is not 'No changes.':" >&2; tail -5 "$work/out" >&2; exit 1; }
rm "$work/csv/j1hcl.state.json"
measure "plan -refresh, $label, state lost" plan -refresh -compact
