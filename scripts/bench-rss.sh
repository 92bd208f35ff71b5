#!/usr/bin/env bash
# Wall time, CPU time and peak RSS of whole j1hcl processes on the rows of the README's
# performance table, then a growth table (time at 10N divided by time at N).
#
#   scripts/bench-rss.sh [BIN] [SIZES]
#
# BIN defaults to bin/j1hcl; SIZES (entities per workload) to "1000 10000 100000"
# (make bench-large passes "100000 1000000"; the 1M rows need several GB of memory).
# The apply row starts `j1hcl serve` on a free loopback port and applies the CSV inventory to it.
set -euo pipefail
bin=$(realpath "${1:-bin/j1hcl}")
sizes=${2:-"1000 10000 100000"}
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
go build -o "$work/benchfixture" ./internal/benchfixture/cmd

declare -A wall
rows=()
for row in "${bench_rows[@]}"; do
	rows+=("$(bench_row_label "$row")")
done
printf '%-34s %8s   (CSV: N entities + N relationships; blocks: N blocks + N/10 relationships)\n' workload N
for n in $sizes; do
	d="$work/$n"
	mkdir -p "$d"
	"$work/benchfixture" -set "$d" -n "$n"
	sync # the fixtures' writeback would otherwise run during the first measurements
	for row in "${bench_rows[@]}"; do
		bench_run "$bin" "$row" "$d"
		name=$(bench_row_label "$row")
		wall["$name,$n"]=$run_wall
		printf '%-34s %8d %8.2f s wall %8.2f s CPU %8.0f MB peak RSS\n' "$name" "$n" "$run_wall" "$run_cpu" "$(echo "$run_kb / 1024" | bc -l)"
	done
	rm -rf "$d"
done

echo
echo "growth: wall time at 10N / wall time at N (linear: at most 11)"
for row in "${rows[@]}"; do
	line=$(printf '%-34s' "$row")
	for n in $sizes; do
		m=$((n * 10))
		if [ -n "${wall[$row,$n]:-}" ] && [ -n "${wall[$row,$m]:-}" ]; then
			line+=$(printf ' %7s->%-7s %5.1fx' "$n" "$m" "$(echo "${wall[$row,$m]} / ${wall[$row,$n]}" | bc -l)")
		fi
	done
	echo "$line"
done
