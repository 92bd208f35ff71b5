#!/usr/bin/env bash
# Installs what the backend tests need when it is missing: PostgreSQL's server programs
# (Debian's postgresql package) and versitygw, the S3-compatible server the S3 tests start.
# `make test` runs this first; it does nothing when both are present.
set -euo pipefail

have_initdb() {
	command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

# The CI scripts' tests (ci/) run them with the tools they use on a runner.
missing_tools=""
for tool in curl jq git; do
	command -v "$tool" >/dev/null 2>&1 || missing_tools="$missing_tools $tool"
done
if [ -n "$missing_tools" ]; then
	echo "test-deps: installing$missing_tools (apt-get)"
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing_tools >/dev/null
fi

if ! have_initdb; then
	echo "test-deps: installing PostgreSQL (apt-get install -y postgresql)"
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
	# The tests start their own clusters; the package's default one is not needed.
	$sudo service postgresql stop >/dev/null 2>&1 || true
fi

VERSITYGW_VERSION=v1.8.0
gobin="$(go env GOBIN)"
if [ -z "$gobin" ]; then gobin="$(go env GOPATH)/bin"; fi
if ! command -v versitygw >/dev/null 2>&1 && [ ! -x "$gobin/versitygw" ]; then
	echo "test-deps: installing versitygw $VERSITYGW_VERSION into $gobin (about a minute)"
	(cd / && go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION")
fi
