#!/usr/bin/env bash
# Commits the state file of J1HCL_DIR after an apply and pushes it to BRANCH (default main),
# also after a failed apply: a job interrupted after finalize is recorded in the state as
# pending, and the next run must see it to resolve it.
#
#   J1HCL_DIR=graph BRANCH=main APPLIED="the plan of #12" ci/commit-state.sh
#
# GIT_PUSH_TOKEN, when set, is given to git through a credential helper (never in a URL or a
# log line) and the push goes to GIT_PUSH_URL; otherwise to the remote origin.
set -euo pipefail

dir=${J1HCL_DIR:-.}
branch=${BRANCH:-main}
state="$dir/j1hcl.state.json"
if [ ! -f "$state" ]; then
	echo "There is no state file at $state yet: nothing to commit."
	exit 0
fi
git add "$state"
if git diff --cached --quiet; then
	echo "The state did not change."
	exit 0
fi
git -c user.name="${GIT_AUTHOR_NAME:-j1hcl-bot}" -c user.email="${GIT_AUTHOR_EMAIL:-j1hcl-bot@users.noreply.github.com}" \
	commit -q -m "j1hcl: state after applying ${APPLIED:-a fresh plan} [skip ci]"
if [ -n "${GIT_PUSH_TOKEN:-}" ]; then
	git -c credential.helper='!f() { echo username=j1hcl-bot; echo "password=$GIT_PUSH_TOKEN"; }; f' \
		push -q "${GIT_PUSH_URL:?GIT_PUSH_URL is not set}" "HEAD:$branch"
else
	git push -q origin "HEAD:$branch"
fi
echo "Committed and pushed the new state to $branch."
