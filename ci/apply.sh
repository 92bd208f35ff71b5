#!/usr/bin/env bash
# The merge half of CI: applies the reviewed, saved plan PLAN_FILE to the configuration in
# J1HCL_DIR, or, with --replan, plans afresh and applies without review (the deliberate
# recovery after a stale plan).
#
#   J1HCL_DIR=graph ci/apply.sh PLAN_FILE
#   J1HCL_DIR=graph ci/apply.sh --replan
#
# Needs JUPITERONE_API_KEY (never printed). apply PLAN_FILE runs exactly the saved plan and
# refuses it when the state moved on since it was made ("Saved plan is stale").
set -euo pipefail

dir=${J1HCL_DIR:-.}
target=${1:?usage: ci/apply.sh PLAN_FILE | --replan}
if [ -z "${JUPITERONE_API_KEY:-}" ]; then
	missing="apply.sh: JUPITERONE_API_KEY is not set: give the apply job the API key secret"
	echo "$missing" >&2
	exit 1
fi
if [ "$target" = "--replan" ]; then
	exec j1hcl -chdir="$dir" apply -auto-approve
fi
if [ ! -f "$target" ]; then
	echo "apply.sh: no saved plan at $target: the plan job's artifact is missing or expired; re-plan the change, or run the re-plan job" >&2
	exit 1
fi
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
if ! j1hcl -chdir="$dir" apply "$target"; then
	echo "apply.sh: the reviewed plan was not applied. If it is stale, another change reached the state first: re-plan the pull request, or run the re-plan job." >&2
	exit 1
fi
