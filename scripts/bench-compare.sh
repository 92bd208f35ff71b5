#!/usr/bin/env bash
# Compares two j1hcl binaries on the rows of the README's performance table, the way its
# figures were measured: whole processes (wall time, CPU time, peak RSS), the two binaries
# run alternately, row by row and size by size, on the same fixtures, written and synced
# once, ROUNDS times, then the median of each (the mean of the middle two for an even count)
# and the growth from N to 10N. On a shared virtual machine one binary's runs of one row vary
# by a fifth at 1M, so two binaries are only compared side by side.
#
#   scripts/bench-compare.sh OLD NEW [SIZES] [ROUNDS]
#
# SIZES defaults to "10000 100000", ROUNDS to 3. The apply row starts a fresh `j1hcl serve`
# (of the binary measured) on a free loopback port for each run.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
sizes=${3:-"10000 100000"}
rounds=${4:-3}
work=$(mktemp -d)
emulator_pid=
cleanup() {
	if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
cd "$(dirname "$0")/.."
go build -o "$work/benchfixture" ./internal/benchfixture/cmd

rows=(csv-empty csv-match csv-changed blocks-empty blocks-match json apply)
api_key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

# serve BIN: a fresh emulator of BIN; sets api_base.
serve() {
	if [ -n "$emulator_pid" ]; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
	fi
	"$1" serve --listen 127.0.0.1:0 --api-key "$api_key" >"$work/serve.log" 2>&1 &
	emulator_pid=$!
	api_base=
	for _ in $(seq 100); do
		api_base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n1 || true)
		[ -n "$api_base" ] && return
		sleep 0.1
	done
	echo "the emulator did not start" >&2
	cat "$work/serve.log" >&2
	exit 1
}

# measure BIN N ROW: one run, appended to the results as "bin n row wall cpu kb".
measure() {
	local bin=$1 n=$2 row=$3 d="$work/$2" rc=0
	local env=(env -u JUPITERONE_API_KEY -u JUPITERONE_API_BASE)
	local args=(plan -compact -lock=false)
	case $row in
	csv-empty) args=(-chdir="$d/csv" "${args[@]}" -state "$d/none.json") ;;
	csv-match) args=(-chdir="$d/csv" "${args[@]}" -state "$d/csv/match.json") ;;
	csv-changed) args=(-chdir="$d/csv" "${args[@]}" -state "$d/csv/changed.json") ;;
	blocks-empty) args=(-chdir="$d/blocks" "${args[@]}" -state "$d/none.json") ;;
	blocks-match) args=(-chdir="$d/blocks" "${args[@]}" -state "$d/blocks/match.json") ;;
	json) args=(-chdir="$d/json" "${args[@]}" -state "$d/none.json") ;;
	apply)
		serve "$bin"
		rm -f "$d/applied.json"
		env=(env "JUPITERONE_API_KEY=$api_key" "JUPITERONE_API_BASE=$api_base")
		args=(-chdir="$d/csv" apply -auto-approve -compact -state "$d/applied.json")
		;;
	esac
	"${env[@]}" /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" "${args[@]}" >/dev/null 2>"$work/err" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		echo "$bin $row ($n): exit $rc" >&2
		head -n 5 "$work/err" >&2
		exit 1
	fi
	local wall user sys kb
	read -r wall user sys kb <"$work/time"
	echo "$bin $n $row $wall $(echo "$user + $sys" | bc -l) $kb" >>"$work/results"
	printf '%-12s %8d %-13s %7.2f s wall %7.2f s CPU %7.0f MB\n' "$(basename "$bin")" "$n" "$row" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)" >&2
}

for n in $sizes; do
	d="$work/$n"
	mkdir -p "$d"
	"$work/benchfixture" -set "$d" -n "$n"
done
sync # the fixtures' writeback would otherwise run during the first measurements

# Round by round, row by row, each size in turn: the runs of one row at N and 10N are minutes
# apart, not the length of the whole batch, so that the host's drift over the batch does not
# pass for growth.
for _ in $(seq "$rounds"); do
	for row in "${rows[@]}"; do
		for n in $sizes; do
			measure "$old" "$n" "$row"
			measure "$new" "$n" "$row"
		done
	done
done

# Medians per binary, size and row; then the growth of each binary from N to 10N.
awk -v old="$old" -v new="$new" -v sizes="$sizes" -v rowlist="${rows[*]}" '
function median(list, n,   a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $1 SUBSEP $2 SUBSEP $3; wall[k] = wall[k] " " $4; cpu[k] = cpu[k] " " $5; kb[k] = kb[k] " " $6 }
END {
	ns = split(sizes, size, " "); nr = split(rowlist, row, " ")
	printf "\n%-13s %8s   %-32s %-32s\n", "row", "N", "old: wall, CPU, peak RSS", "new: wall, CPU, peak RSS"
	for (r = 1; r <= nr; r++) for (s = 1; s <= ns; s++) {
		line = sprintf("%-13s %8d  ", row[r], size[s])
		for (b = 0; b < 2; b++) {
			k = (b ? new : old) SUBSEP size[s] SUBSEP row[r]
			line = line sprintf(" %6.2f s, %6.2f s, %6.0f MB       ", median(wall[k]), median(cpu[k]), median(kb[k]) / 1024)
		}
		print line
	}
	printf "\ngrowth of the median wall time from N to 10N (linear: at most 11)\n"
	for (r = 1; r <= nr; r++) {
		line = sprintf("%-13s", row[r])
		for (s = 1; s < ns; s++) for (t = s + 1; t <= ns; t++) if (size[t] == 10 * size[s]) {
			ko = old SUBSEP size[s] SUBSEP row[r]; kn = new SUBSEP size[s] SUBSEP row[r]
			ko2 = old SUBSEP size[t] SUBSEP row[r]; kn2 = new SUBSEP size[t] SUBSEP row[r]
			line = line sprintf("  %d->%d: old %5.1fx, new %5.1fx", size[s], size[t], median(wall[ko2]) / median(wall[ko]), median(wall[kn2]) / median(wall[kn]))
		}
		print line
	}
}' "$work/results"
