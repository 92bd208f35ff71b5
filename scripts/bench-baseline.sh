#!/usr/bin/env bash
# Sets j1hcl's CSV rows beside a floor: the same inventory built, sorted and encoded (plan),
# or uploaded to a bare HTTP server that holds and links it (apply), by a program of Go's
# standard library alone (internal/benchfixture/baseline). Whatever growth from N to 10N the
# floor shows on a machine is the machine's (caches, TLB, page faults, collections of larger
# heaps), not j1hcl's. Runs alternate program by program, row by row and size by size, ROUNDS
# times; then the median wall time of each and its growth.
#
#   scripts/bench-baseline.sh BIN [SIZES] [ROUNDS]
#
# SIZES defaults to "100000 1000000", ROUNDS to 3.
set -euo pipefail
bin=$(realpath "$1")
sizes=${2:-"100000 1000000"}
rounds=${3:-3}
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
go build -o "$work/benchfixture" ./internal/benchfixture/cmd
go build -o "$work/baseline" ./internal/benchfixture/baseline
for n in $sizes; do
	mkdir -p "$work/$n"
	"$work/benchfixture" -set "$work/$n" -n "$n"
done
sync

baseline_pid=
baseline_stop() {
	if [ -n "$baseline_pid" ]; then
		kill "$baseline_pid" 2>/dev/null || true
		wait "$baseline_pid" 2>/dev/null || true
		baseline_pid=
	fi
}
trap 'baseline_stop; bench_cleanup' EXIT

# baseline_run ROW DIR: one timed run of the floor's plan or apply; sets run_wall, run_cpu
# and run_kb as bench_run does (for the apply, of the client: the server is not timed, as
# j1hcl's emulator is not).
baseline_run() {
	local row=$1 d=$2 addr= args
	case $row in
	plan) args=(plan "$d/csv") ;;
	apply)
		baseline_stop
		"$work/baseline" serve >"$work/baseline.addr" &
		baseline_pid=$!
		for _ in $(seq 100); do
			addr=$(head -n1 "$work/baseline.addr")
			[ -n "$addr" ] && break
			sleep 0.1
		done
		args=(apply "$d/csv" "$addr")
		;;
	esac
	/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$work/baseline" "${args[@]}" >/dev/null 2>"$work/err" || {
		echo "baseline $row ($d) failed:" >&2
		cat "$work/err" >&2
		exit 1
	}
	baseline_stop
	local user sys
	read -r run_wall user sys run_kb <"$work/time"
	run_cpu=$(echo "$user + $sys" | bc -l)
}

for round in $(seq "$rounds"); do
	for row in plan apply; do
		for n in $sizes; do
			for program in j1hcl baseline; do
				if [ "$program" = j1hcl ]; then
					bench_run "$bin" "$([ "$row" = plan ] && echo csv-empty || echo apply)" "$work/$n"
					bench_stop_emulator # idle, but holding the graph's memory
				else
					baseline_run "$row" "$work/$n"
				fi
				echo "$program $row $n $run_wall $run_cpu $run_kb" >>"$work/results"
				printf '%-9s %-6s %8d %7.2f s wall %7.2f s CPU %7.0f MB\n' "$program" "$row" "$n" "$run_wall" "$run_cpu" "$(echo "$run_kb / 1024" | bc -l)" >&2
			done
		done
	done
done
awk -v sizes="$sizes" '
function median(list, n,   a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $1 SUBSEP $2 SUBSEP $3; wall[k] = wall[k] " " $4; kb[k] = kb[k] " " $6 }
END {
	ns = split(sizes, size, " ")
	printf "\n%-9s %-6s %8s %10s %10s\n", "program", "row", "N", "wall", "peak RSS"
	for (r = 1; r <= 2; r++) for (p = 1; p <= 2; p++) for (s = 1; s <= ns; s++) {
		row = r == 1 ? "plan" : "apply"; prog = p == 1 ? "j1hcl" : "baseline"
		k = prog SUBSEP row SUBSEP size[s]
		printf "%-9s %-6s %8d %8.2f s %7.0f MB\n", prog, row, size[s], median(wall[k]), median(kb[k]) / 1024
	}
	printf "\ngrowth of the median wall time from N to 10N\n"
	for (r = 1; r <= 2; r++) for (p = 1; p <= 2; p++) {
		row = r == 1 ? "plan" : "apply"; prog = p == 1 ? "j1hcl" : "baseline"
		line = sprintf("%-9s %-6s", prog, row)
		for (s = 1; s < ns; s++) for (t = s + 1; t <= ns; t++) if (size[t] == 10 * size[s])
			line = line sprintf("  %d->%d: %5.1fx", size[s], size[t], median(wall[prog SUBSEP row SUBSEP size[t]]) / median(wall[prog SUBSEP row SUBSEP size[s]]))
		print line
	}
}' "$work/results"
