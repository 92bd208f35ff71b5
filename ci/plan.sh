#!/usr/bin/env bash
# The review half of CI: fmt -check, validate and plan -detailed-exitcode of the configuration
# in J1HCL_DIR, saving the plan to PLAN_FILE and writing the pull-request comment to
# COMMENT_FILE (markdown, starting with the hidden marker that finds it again).
#
#   J1HCL_DIR=graph PLAN_FILE=plan.j1plan COMMENT_FILE=comment.md ci/plan.sh
#
# Exit status: 0 when the plan succeeded (with or without changes), 1 when formatting,
# validation or the plan failed. The comment is written either way. When GITHUB_OUTPUT is set,
# the outputs exitcode (of plan: 0 no changes, 1 error, 2 changes) and changes
# (true/false/error) are written to it. No JupiterOne credential is needed: plan reads the
# state, not the API.
set -uo pipefail

dir=${J1HCL_DIR:-.}
plan_file=${PLAN_FILE:-plan.j1plan}
comment=${COMMENT_FILE:-comment.md}
marker=${J1HCL_MARKER:-<!-- j1hcl-plan -->}
commit=${COMMIT_SHA:-${GITHUB_SHA:-${CI_COMMIT_SHA:-}}}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Absolute paths: -chdir changes the folder j1hcl resolves them in.
case "$plan_file" in /*) ;; *) plan_file="$PWD/$plan_file" ;; esac

j1hcl -chdir="$dir" fmt -check -diff >"$out/fmt" 2>&1
fmt_code=$?
j1hcl -chdir="$dir" validate >"$out/validate" 2>&1
validate_code=$?
j1hcl -chdir="$dir" plan -format=markdown -detailed-exitcode -out="$plan_file" >"$out/plan.md" 2>"$out/plan.err"
code=$?
cat "$out/fmt" "$out/validate" >&2
case "$code" in
	0) changes=false ;;
	2) changes=true ;;
	*) changes=error; code=1; cat "$out/plan.err" >&2 ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
	{ echo "exitcode=$code"; echo "changes=$changes"; } >>"$GITHUB_OUTPUT"
fi

{
	echo "$marker"
	echo "### j1hcl plan for \`$dir\`${commit:+ at ${commit:0:7}}"
	echo
	if [ "$fmt_code" != 0 ]; then
		echo ":warning: **Some files are not formatted.** Run \`j1hcl fmt\` and push."
		echo
		echo '```diff'
		head -c 20000 "$out/fmt"
		echo '```'
		echo
	fi
	if [ "$code" = 1 ]; then
		echo ":x: **The plan failed.**"
		echo
		echo '```'
		head -c 60000 "$out/plan.err"
		echo '```'
	else
		cat "$out/plan.md"
		if [ "$code" = 2 ]; then
			echo
			echo "Merging applies exactly this plan, unless the state changes first."
		fi
	fi
} >"$comment"

if [ "$code" = 1 ] || [ "$fmt_code" != 0 ] || [ "$validate_code" != 0 ]; then
	exit 1
fi
exit 0
