# Shared by the benchmark scripts (sourced, not run, from the repository's root): a scratch
# directory, `work`, removed on exit with the emulator stopped; the rows of the README's
# performance table, one timed run of a row, and a fresh emulator.

work=$(mktemp -d)
bench_cleanup() {
	bench_stop_emulator
	rm -rf "$work"
}
trap bench_cleanup EXIT

# The rows, by the names bench-compare.sh prints; bench_row_label gives bench-rss.sh's.
bench_rows=(csv-empty csv-match csv-changed blocks-empty blocks-match json apply)

bench_row_label() {
	case $1 in
	csv-empty) echo "plan CSV, empty state" ;;
	csv-match) echo "plan CSV, no change" ;;
	csv-changed) echo "plan CSV, 1% changed" ;;
	blocks-empty) echo "plan blocks, empty state" ;;
	blocks-match) echo "plan blocks, no change" ;;
	json) echo "plan JSON for_each, empty state" ;;
	apply) echo "apply CSV to serve" ;;
	esac
}

# A throwaway key shared by the emulator and the apply; it guards nothing.
bench_api_key="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
emulator_pid=
api_base=

# bench_start_emulator BIN: a fresh `BIN serve` on a free loopback port (every apply is then
# a first apply); sets api_base.
bench_start_emulator() {
	bench_stop_emulator
	"$1" serve --listen 127.0.0.1:0 --api-key "$bench_api_key" >"$work/serve.log" 2>&1 &
	emulator_pid=$!
	api_base=
	for _ in $(seq 100); do
		api_base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n1 || true)
		[ -n "$api_base" ] && return
		kill -0 "$emulator_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "the emulator did not start" >&2
	cat "$work/serve.log" >&2
	exit 1
}

bench_stop_emulator() {
	if [ -n "$emulator_pid" ]; then
		kill "$emulator_pid" 2>/dev/null || true
		wait "$emulator_pid" 2>/dev/null || true
		emulator_pid=
	fi
}

# bench_run BIN ROW DIR: one whole-process run of ROW on the fixtures `benchfixture -set DIR`
# wrote, output discarded; sets run_wall, run_cpu (user + system, s) and run_kb (peak RSS).
# A plan exits 0 or 2; anything else stops the script. Only the apply is given the emulator's
# address and key: a plan that saw them would also read the live graph.
bench_run() {
	local bin=$1 row=$2 d=$3 rc=0
	local env=(env -u JUPITERONE_API_KEY -u JUPITERONE_API_BASE)
	local plan=(plan -compact -lock=false)
	local args
	case $row in
	csv-empty) args=(-chdir="$d/csv" "${plan[@]}" -state "$d/none.json") ;;
	csv-match) args=(-chdir="$d/csv" "${plan[@]}" -state "$d/csv/match.json") ;;
	csv-changed) args=(-chdir="$d/csv" "${plan[@]}" -state "$d/csv/changed.json") ;;
	blocks-empty) args=(-chdir="$d/blocks" "${plan[@]}" -state "$d/none.json") ;;
	blocks-match) args=(-chdir="$d/blocks" "${plan[@]}" -state "$d/blocks/match.json") ;;
	json) args=(-chdir="$d/json" "${plan[@]}" -state "$d/none.json") ;;
	apply)
		bench_start_emulator "$bin"
		rm -f "$d/applied.json"
		env=(env "JUPITERONE_API_KEY=$bench_api_key" "JUPITERONE_API_BASE=$api_base")
		args=(-chdir="$d/csv" apply -auto-approve -compact -state "$d/applied.json")
		;;
	*)
		echo "bench_run: unknown row $row" >&2
		exit 1
		;;
	esac
	"${env[@]}" /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" "${args[@]}" >/dev/null 2>"$work/err" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
		echo "$(basename "$bin") $row ($d): exit $rc" >&2
		head -n 5 "$work/err" >&2
		exit 1
	fi
	local user sys
	read -r run_wall user sys run_kb <"$work/time"
	run_cpu=$(echo "$user + $sys" | bc -l)
}
