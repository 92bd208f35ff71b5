#!/usr/bin/env bash
# Posts BODY_FILE as the ONE plan comment of a pull request (GitHub) or merge request (GitLab):
# finds an earlier comment holding the hidden marker and edits it, else creates one.
#
#   ci/comment.sh BODY_FILE
#
# GitHub: GITHUB_TOKEN, GITHUB_REPOSITORY and PR_NUMBER (GITHUB_API_URL defaults to
# api.github.com). GitLab: GITLAB_NOTE_TOKEN, CI_API_V4_URL, CI_PROJECT_ID and
# CI_MERGE_REQUEST_IID. Without a token it posts nothing and copies the body to
# J1HCL_COMMENT_OUT (default: j1hcl-comment.md), so a fork's read-only run or a local run still
# has it. Needs curl and jq.
set -euo pipefail

body=${1:?usage: ci/comment.sh BODY_FILE}
marker=${J1HCL_MARKER:-<!-- j1hcl-plan -->}

if [ -n "${GITHUB_TOKEN:-}" ] && [ -n "${PR_NUMBER:-}" ]; then
	api="${GITHUB_API_URL:-https://api.github.com}/repos/${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
	auth=(-H "Authorization: Bearer $GITHUB_TOKEN" -H "Accept: application/vnd.github+json")
	id=""
	for page in 1 2 3 4 5 6 7 8 9 10; do
		list=$(curl -fsS --max-time 30 "${auth[@]}" "$api/issues/$PR_NUMBER/comments?per_page=100&page=$page")
		id=$(jq -r --arg m "$marker" '[.[] | select(.body | contains($m))][0].id // empty' <<<"$list")
		if [ -n "$id" ] || [ "$(jq length <<<"$list")" -lt 100 ]; then break; fi
	done
	payload=$(jq -Rs '{body: .}' <"$body")
	if [ -n "$id" ]; then
		curl -fsS --max-time 30 -o /dev/null -X PATCH "${auth[@]}" --data "$payload" "$api/issues/comments/$id"
		echo "Updated the plan comment ($id) on #$PR_NUMBER."
	else
		curl -fsS --max-time 30 -o /dev/null -X POST "${auth[@]}" --data "$payload" "$api/issues/$PR_NUMBER/comments"
		echo "Posted the plan comment on #$PR_NUMBER."
	fi
elif [ -n "${GITLAB_NOTE_TOKEN:-}" ] && [ -n "${CI_MERGE_REQUEST_IID:-}" ]; then
	notes="${CI_API_V4_URL:?CI_API_V4_URL is not set}/projects/${CI_PROJECT_ID:?CI_PROJECT_ID is not set}/merge_requests/$CI_MERGE_REQUEST_IID/notes"
	auth=(--header "PRIVATE-TOKEN: $GITLAB_NOTE_TOKEN")
	id=$(curl -fsS --max-time 30 "${auth[@]}" "$notes?per_page=100&sort=asc&order_by=created_at" |
		jq -r --arg m "$marker" '[.[] | select(.body | contains($m))][0].id // empty')
	if [ -n "$id" ]; then
		curl -fsS --max-time 30 -o /dev/null --request PUT "${auth[@]}" --data-urlencode "body@$body" "$notes/$id"
		echo "Updated the plan note ($id) on !$CI_MERGE_REQUEST_IID."
	else
		curl -fsS --max-time 30 -o /dev/null --request POST "${auth[@]}" --data-urlencode "body@$body" "$notes"
		echo "Posted the plan note on !$CI_MERGE_REQUEST_IID."
	fi
else
	out=${J1HCL_COMMENT_OUT:-j1hcl-comment.md}
	if [ "$(realpath "$body")" != "$(realpath -m "$out")" ]; then cp "$body" "$out"; fi
	echo "No token for comments (a fork, or not in CI): the plan comment is in $out."
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cat "$body" >>"$GITHUB_STEP_SUMMARY"
fi
