#!/usr/bin/env bash
# The scheduled drift check: compares the state of the configuration in J1HCL_DIR with what
# JupiterOne holds (plan -refresh-only -detailed-exitcode) and writes a markdown report of
# anything changed outside j1hcl to REPORT_FILE.
#
#   JUPITERONE_API_KEY=… J1HCL_DIR=graph REPORT_FILE=drift.md ci/drift.sh
#
# Exit status: 0 when the live graph matches the state, 2 when it drifted, 1 when the check
# itself failed (no key, an unreachable API, a configuration error). A key that can read the
# account is enough: nothing is changed. When GITHUB_OUTPUT is set, the output drift
# (true/false/error) is written to it; when GITHUB_STEP_SUMMARY is set, the report is added
# to the run's summary.
set -uo pipefail

dir=${J1HCL_DIR:-.}
report=${REPORT_FILE:-drift.md}
err=$(mktemp)
trap 'rm -f "$err"' EXIT

if [ -z "${JUPITERONE_API_KEY:-}" ]; then
	missing="drift.sh: JUPITERONE_API_KEY is not set: a drift check reads the live graph, so give the job a key that can read the account"
	echo "$missing" >&2
	exit 1
fi

j1hcl -chdir="$dir" plan -refresh-only -detailed-exitcode -format=markdown >"$report" 2>"$err"
code=$?
case "$code" in
	0) drift=false; echo "No drift: the live graph matches the state." ;;
	2) drift=true; echo "Drift: JupiterOne holds changes made outside j1hcl; the report is in $report." ;;
	*) drift=error; code=1; cat "$err" >&2; echo "drift.sh: the drift check failed (see above); nothing was changed." >&2 ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
	echo "drift=$drift" >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ "$drift" != error ]; then
	cat "$report" >>"$GITHUB_STEP_SUMMARY"
fi
exit "$code"
