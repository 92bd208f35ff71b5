#!/usr/bin/env bash
# On a push to the default branch: finds the merge request the pushed commit came from and
# downloads plan.j1plan from its last successful plan job into DEST.
#
#   GITLAB_BOT_TOKEN=… PLAN_JOB=j1hcl:plan ci/find-plan-gitlab.sh DEST
#
# Prints the merge request as "!IID". Needs curl and jq, and a token with api scope.
set -euo pipefail

dest=${1:?usage: ci/find-plan-gitlab.sh DEST}
api="${CI_API_V4_URL:?CI_API_V4_URL is not set}/projects/${CI_PROJECT_ID:?CI_PROJECT_ID is not set}"
get() { curl -fsS --max-time 30 --header "PRIVATE-TOKEN: ${GITLAB_BOT_TOKEN:?GITLAB_BOT_TOKEN is not set}" "$@"; }

iid=$(get "$api/repository/commits/${CI_COMMIT_SHA:?}/merge_requests" | jq -r '.[0].iid // empty')
if [ -z "$iid" ]; then
	echo "$CI_COMMIT_SHA did not come from a merge request: there is no reviewed plan to apply." >&2
	echo "Change the graph through a merge request, or run the manual job j1hcl:replan-apply." >&2
	exit 1
fi
head=$(get "$api/merge_requests/$iid" | jq -r .sha)
pipeline=$(get "$api/merge_requests/$iid/pipelines" |
	jq -r --arg sha "$head" '[.[] | select(.sha == $sha and .status == "success")][0].id // empty')
job=""
if [ -n "$pipeline" ]; then
	job=$(get "$api/pipelines/$pipeline/jobs?scope[]=success" |
		jq -r --arg name "${PLAN_JOB:-j1hcl:plan}" '[.[] | select(.name == $name)][0].id // empty')
fi
if [ -z "$job" ]; then
	echo "No successful ${PLAN_JOB:-j1hcl:plan} job for merge request !$iid at $head: re-run its pipeline, or run j1hcl:replan-apply." >&2
	exit 1
fi
mkdir -p "$dest"
get --output "$dest/plan.j1plan" "$api/jobs/$job/artifacts/plan.j1plan"
echo "!$iid"
