#!/usr/bin/env bash
# make demo: start the local Sync API emulator on a free loopback port, plan and apply the
# integration guide's example, read the result back with a J1QL query, and stop the emulator
# whatever happens. Needs only Go (and the POSIX tools every shell has): the query is sent by
# scripts/j1ql, not curl.
set -euo pipefail

bin=$(realpath "${1:-bin/j1hcl}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
emulator_pid=""
cleanup() {
	if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A throwaway key for the throwaway emulator; it is never printed.
export JUPITERONE_API_KEY="demo-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"

echo "==> Starting the Sync API emulator"
"$bin" serve --listen 127.0.0.1:0 --api-key "$JUPITERONE_API_KEY" --finalize-delay 600ms >"$work/serve.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
	base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n1 || true)
	[ -n "$base" ] && break
	kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
	sleep 0.1
done
[ -n "$base" ] || { echo "the emulator did not start"; cat "$work/serve.log"; exit 1; }
export JUPITERONE_API_BASE="$base"
echo "    listening on $base"

cp -R "$root/examples/billing-acme" "$work/config"
cd "$work/config"

echo
echo "==> j1hcl plan"
"$bin" plan

echo
echo "==> j1hcl apply -auto-approve"
"$bin" apply -auto-approve

echo
echo "==> What the emulator holds now (J1QL: FIND * WITH _integrationInstanceId = '…')"
instance=$(sed -n 's/.*default *= *"\([0-9a-f-]\{36\}\)".*/\1/p' main.hcl | head -n1)
(cd "$root" && go run ./scripts/j1ql "FIND * WITH _integrationInstanceId = '$instance'")

echo
echo "==> j1hcl plan (nothing left to do)"
"$bin" plan -compact
echo
echo "Demo complete. The emulator is stopped; nothing was written outside $work."
