#!/usr/bin/env bash
# Installs a released j1hcl: downloads the archive for this machine and SHA256SUMS, checks the
# archive against it, and unpacks the binary (and these ci/ scripts) into DEST.
#
#   ci/install.sh VERSION [DEST]      VERSION like 0.3.0 or v0.3.0; DEST default ~/.j1hcl
#
# J1HCL_RELEASE_URL overrides where releases are downloaded from (default: GitHub releases).
# Prints DEST/bin, the folder to put on PATH; on GitHub Actions it is added to GITHUB_PATH.
set -euo pipefail

version=${1:?usage: ci/install.sh VERSION [DEST]   (e.g. 0.3.0)}
version=${version#v}
dest=${2:-$HOME/.j1hcl}
base=${J1HCL_RELEASE_URL:-https://github.com/j1hcl/j1hcl/releases/download}

case "$(uname -s)" in
	Linux) os=linux ;;
	Darwin) os=darwin ;;
	*) echo "install.sh: $(uname -s) is not supported here; on Windows, download the zip from the release page" >&2; exit 1 ;;
esac
case "$(uname -m)" in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) echo "install.sh: no j1hcl release for the CPU $(uname -m) (amd64 and arm64 only): build from source" >&2; exit 1 ;;
esac
archive="j1hcl_${version}_${os}_${arch}.tar.gz"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {
	if ! curl -fsSL --retry 3 --max-time 120 -o "$tmp/$1" "$base/v$version/$1"; then
		echo "install.sh: could not download $base/v$version/$1: is $version a released version?" >&2
		exit 1
	fi
}
fetch SHA256SUMS
fetch "$archive"

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
if [ -z "$want" ]; then
	echo "install.sh: SHA256SUMS of $version does not list $archive" >&2
	exit 1
fi
if command -v sha256sum >/dev/null; then
	got=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
else
	got=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
fi
if [ "$got" != "$want" ]; then
	echo "install.sh: $archive has SHA-256 $got, but SHA256SUMS says $want: refusing to install it (download corrupted or tampered with)" >&2
	exit 1
fi

mkdir -p "$dest/bin"
tar -xzf "$tmp/$archive" -C "$tmp"
install -m 0755 "$tmp/j1hcl" "$dest/bin/j1hcl"
if [ -d "$tmp/ci" ]; then
	rm -rf "$dest/ci"
	cp -R "$tmp/ci" "$dest/ci"
fi
if [ -n "${GITHUB_PATH:-}" ]; then
	echo "$dest/bin" >>"$GITHUB_PATH"
fi
echo "$dest/bin"
