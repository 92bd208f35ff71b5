#!/bin/sh
# Photographs the markdown plan comments of the README's pull-request section: the Go test
# TestScreenshotPages renders each example plan (small, large, delete-heavy) to markdown, then
# to HTML with goldmark's GFM renderer, framed like a GitHub comment; headless Chromium takes a
# picture of each page into docs/images/. Needs Go and Chromium (apt-get install chromium);
# pngquant (or else ImageMagick's convert), when present, shrinks the pictures to a palette.
#
#   scripts/screenshots.sh            # from the repository root
set -eu
cd "$(dirname "$0")/.."

out=docs/images
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
	echo "screenshots.sh: no Chromium found; install it (apt-get install chromium) and run again" >&2
	exit 1
fi
pages=$(mktemp -d)
profile=$(mktemp -d)
trap 'rm -rf "$pages" "$profile"' EXIT

go test -count=1 -run '^TestScreenshotPages$' ./internal/render -screenshots="$pages"
mkdir -p "$out"
for name in small large delete-heavy; do
	case $name in
	small) height=1300 ;;
	large) height=760 ;;
	*) height=860 ;;
	esac
	"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$profile" \
		--screenshot="$pages/$name.png" --window-size=1000,$height "file://$pages/$name.html" 2>/dev/null
	if command -v pngquant >/dev/null 2>&1; then
		pngquant --force --strip --quality=60-85 --output "$out/plan-$name.png" "$pages/$name.png"
	elif convert -version 2>/dev/null | grep -q ImageMagick; then
		convert "$pages/$name.png" -strip -colors 64 "PNG8:$out/plan-$name.png"
	else
		cp "$pages/$name.png" "$out/plan-$name.png"
	fi
	echo "wrote $out/plan-$name.png"
done
