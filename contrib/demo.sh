#!/bin/sh
# The embedded default, no hypervisor needed: the demo estate (libvirt's test driver reading
# tests/fixtures/estate/dayN.xml) collected over five nights into demo/kvmhist.db, then a
# diff printed and the report written as demo/report.md, demo/report.html (with its charts),
# demo/report.json and demo/report.eml (the e-mail, its charts as PNG parts), with a
# screenshot of the HTML as demo/report.png where chromium is installed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kvmhist=${1:-$top/kvmhist}
out=$top/demo
rm -rf "$out"
mkdir -p "$out"
export KVMHIST_DB="$out/kvmhist.db"
uri="test://$out/estate.xml"

# One URI is one host's history: each night the same path holds that night's estate.
for d in 1 2 3 4 5; do
	cp "$top/tests/fixtures/estate/day$d.xml" "$out/estate.xml"
	"$kvmhist" collect -c "$uri" --at "$(date -u -d "$((5 - d)) days ago" +%Y-%m-%dT03:00:00Z)"
done
echo
"$kvmhist" snapshots
echo
echo "\$ kvmhist diff            # what changed since the night before"
"$kvmhist" diff
echo
echo "\$ kvmhist diff 1          # what changed over the five nights"
"$kvmhist" diff 1
"$kvmhist" report -o "$out/report.md"
"$kvmhist" report --format html -o "$out/report.html"
"$kvmhist" report --format json -o "$out/report.json"
"$kvmhist" report --format email --mail-to root@localhost -o "$out/report.eml"
# what the HTML report looks like, where a browser is installed
shot=""
if command -v chromium >/dev/null 2>&1; then
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,1400 \
		--screenshot="$out/report.png" "file://$out/report.html" >/dev/null 2>&1 &&
		shot=" $out/report.png (a screenshot of the HTML)"
fi
echo
echo "Reports: $out/report.md $out/report.html $out/report.json $out/report.eml$shot"
echo "(database: $KVMHIST_DB)"
