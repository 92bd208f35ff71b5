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
work=$(mktemp -d)
emulator_pid=
cleanup() {
	[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$(dirname "$0")/.."
go build -o "$work/benchfixture" ./internal/benchfixture/cmd

declare -A wall
api_env=()
# measure NAME N DIR ARGS...: one run of BIN, output discarded, exit 0 or 2 expected.
measure() {
	local name=$1 n=$2 dir=$3; shift 3
	local rc=0
	env -u JUPITERONE_API_KEY -u JUPITERONE_API_BASE ${api_env[@]+"${api_env[@]}"} /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$bin" -chdir="$dir" "$@" >/dev/null 2>"$work/err" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		echo "$name ($n): exit $rc" >&2
		head -n 5 "$work/err" >&2
		return 1
	fi
	local secs kb user sys
	read -r secs kb user sys <"$work/time"
	wall["$name,$n"]=$secs
	printf '%-34s %8d %8.2f s wall %8.2f s CPU %8.0f MB peak RSS\n' "$name" "$n" "$secs" "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}

# The emulator's address and key go only to the apply: a plan that saw them would also read
# the live graph back.
api_key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
api_base=
start_emulator() { # a fresh emulator: every apply is a first apply
	if [ -n "$emulator_pid" ]; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	"$bin" serve --listen 127.0.0.1:0 --api-key "$api_key" >"$work/serve.log" 2>&1 &
	emulator_pid=$!
	local base=
	for _ in $(seq 100); do
		base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n1 || true)
		[ -n "$base" ] && break
		sleep 0.1
	done
	[ -n "$base" ] || { echo "the emulator did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
	api_base=$base
}

rows=("plan CSV, empty state" "plan CSV, no change" "plan CSV, 1% changed" "plan blocks, empty state" "plan blocks, no change" "plan JSON for_each, empty state" "apply CSV to serve")
printf '%-34s %8s   (CSV: N entities + N relationships; blocks: N blocks + N/10 relationships)\n' workload N
for n in $sizes; do
	d="$work/$n"
	mkdir -p "$d"
	"$work/benchfixture" -set "$d" -n "$n"
	sync # the fixtures' writeback would otherwise run during the first measurements
	plan=(plan -compact -lock=false)
	measure "${rows[0]}" "$n" "$d/csv" "${plan[@]}" -state "$d/none.json"
	measure "${rows[1]}" "$n" "$d/csv" "${plan[@]}" -state "$d/csv/match.json"
	measure "${rows[2]}" "$n" "$d/csv" "${plan[@]}" -state "$d/csv/changed.json"
	measure "${rows[3]}" "$n" "$d/blocks" "${plan[@]}" -state "$d/none.json"
	measure "${rows[4]}" "$n" "$d/blocks" "${plan[@]}" -state "$d/blocks/match.json"
	measure "${rows[5]}" "$n" "$d/json" "${plan[@]}" -state "$d/none.json"
	start_emulator
	api_env=("JUPITERONE_API_KEY=$api_key" "JUPITERONE_API_BASE=$api_base")
	measure "${rows[6]}" "$n" "$d/csv" apply -auto-approve -compact -state "$d/csv/applied.json"
	api_env=()
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
