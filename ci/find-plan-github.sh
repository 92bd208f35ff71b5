#!/usr/bin/env bash
# On a push to the default branch: finds the pull request the pushed commit came from and
# downloads the plan artifact of its last successful plan run into DEST.
#
#   GH_TOKEN=… WORKFLOW=j1hcl.yml ARTIFACT=j1hcl-plan ci/find-plan-github.sh DEST
#
# Writes pr=N and plan=DEST/plan.j1plan to GITHUB_OUTPUT. Needs the gh CLI (on every GitHub
# runner) and a token with actions: read and pull-requests: read.
set -euo pipefail

dest=${1:?usage: ci/find-plan-github.sh DEST}
sha=${GITHUB_SHA:?GITHUB_SHA is not set}
pr=$(gh api "repos/$GITHUB_REPOSITORY/commits/$sha/pulls" --jq '.[0].number // empty')
if [ -z "$pr" ]; then
	echo "::error::$sha did not come from a pull request: there is no reviewed plan to apply. Change the graph through a pull request, or run the workflow by hand with replan."
	exit 1
fi
head=$(gh pr view "$pr" --repo "$GITHUB_REPOSITORY" --json headRefOid --jq .headRefOid)
run=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow "${WORKFLOW:?WORKFLOW is not set}" --event pull_request \
	--commit "$head" --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty')
if [ -z "$run" ]; then
	echo "::error::No successful plan run for pull request #$pr at $head: re-run its checks, or run the workflow by hand with replan."
	exit 1
fi
gh run download "$run" --repo "$GITHUB_REPOSITORY" --name "${ARTIFACT:-j1hcl-plan}" --dir "$dest"
{ echo "pr=$pr"; echo "plan=$dest/plan.j1plan"; } >>"${GITHUB_OUTPUT:-/dev/stdout}"
