#!/usr/bin/env bash
# Compares two j1hcl binaries on the rows of the README's performance table, the way its
# figures were measured: whole processes (wall time, CPU time, peak RSS), the two binaries
# run alternately (each going first every other round), row by row and size by size, on the
# same fixtures, written and synced once, ROUNDS times, then the median of each (the mean of
# the middle two for an even count) and the growth from N to 10N. On a shared virtual machine
# one binary's runs of one row vary by a fifth at 1M, so two binaries are only compared side
# by side.
#
#   scripts/bench-compare.sh OLD NEW [SIZES] [ROUNDS]
#
# SIZES defaults to "10000 100000", ROUNDS to 3; ROWS in the environment (e.g. ROWS="apply")
# limits the batch to those rows. The apply row starts a fresh `j1hcl serve` (of the binary
# measured) on a free loopback port for each run.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
sizes=${3:-"10000 100000"}
rounds=${4:-3}
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
go build -o "$work/benchfixture" ./internal/benchfixture/cmd
rows=("${bench_rows[@]}")
if [ -n "${ROWS:-}" ]; then
	read -r -a rows <<<"$ROWS"
	for row in "${rows[@]}"; do
		case " ${bench_rows[*]} " in
		*" $row "*) ;;
		*)
			echo "bench-compare: unknown row $row (rows: ${bench_rows[*]})" >&2
			exit 2
			;;
		esac
	done
fi

# measure BIN N ROW: one run, appended to the results as "bin n row wall cpu kb".
measure() {
	local bin=$1 n=$2 row=$3
	bench_run "$bin" "$row" "$work/$n"
	echo "$bin $n $row $run_wall $run_cpu $run_kb" >>"$work/results"
	printf '%-12s %8d %-13s %7.2f s wall %7.2f s CPU %7.0f MB\n' "$(basename "$bin")" "$n" "$row" "$run_wall" "$run_cpu" "$(echo "$run_kb / 1024" | bc -l)" >&2
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
# The binaries take turns to go first, round by round: a run can leave the machine slower or
# faster for the one after it (memory the host has reclaimed in between, say).
for round in $(seq "$rounds"); do
	first=$old second=$new
	if [ $((round % 2)) -eq 0 ]; then
		first=$new second=$old
	fi
	for row in "${rows[@]}"; do
		for n in $sizes; do
			measure "$first" "$n" "$row"
			measure "$second" "$n" "$row"
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
