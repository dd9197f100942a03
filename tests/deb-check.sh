#!/bin/sh
# make deb-check: the Debian package `make deb` built in DIR (argument) passes lintian
# (no error or warning but those debian/kvmhist.lintian-overrides justifies), installs,
# and the installed kvmhist runs the demo's steps; then it is purged again. Installing
# needs root; as another user only lintian runs. It refuses to touch a machine where
# kvmhist is installed already.
set -eu
dir=$(cd "$1" && pwd)
src=$dir/src
deb=$(ls "$dir"/kvmhist_*_*.deb)
version=$(dpkg-deb -f "$deb" Version)
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

echo "== lintian $(basename "$dir"/kvmhist_*.changes)"
lintian --info --display-info --pedantic --fail-on error,warning \
	"$dir"/kvmhist_*.changes || fail "lintian"

if [ "$(id -u)" -ne 0 ]; then
	echo "deb-check: SKIP installing the package: not root"
	[ "$fails" -eq 0 ]
	exit
fi
if dpkg-query -W -f '${Status}' kvmhist 2>/dev/null | grep -q installed ||
	[ -e /usr/bin/kvmhist ]; then
	echo "deb-check: kvmhist is installed on this machine already; not replacing it" >&2
	exit 1
fi
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"
}
echo "== install $(basename "$deb")"
apt_get install --no-install-recommends "$deb" >"$dir/install.log" 2>&1 ||
	{ cat "$dir/install.log" >&2; exit 1; }
trap 'apt_get purge kvmhist >"$dir/purge.log" 2>&1 || cat "$dir/purge.log" >&2' EXIT

[ "$(/usr/bin/kvmhist --version | head -1)" = "kvmhist $version" ] ||
	fail "kvmhist --version says '$(/usr/bin/kvmhist --version | head -1)', not $version"
[ "$(man -w kvmhist)" = /usr/share/man/man1/kvmhist.1.gz ] || fail "man -w kvmhist: $(man -w kvmhist)"
for f in /usr/share/kvmhist/templates/report.html /usr/share/bash-completion/completions/kvmhist \
	/lib/systemd/system/kvmhist-collect.timer /lib/systemd/system/kvmhist-metrics.service \
	/usr/share/doc/kvmhist/examples/kvmhist.conf /usr/share/doc/kvmhist/examples/cron.d-kvmhist \
	/usr/share/doc/kvmhist/examples/icinga2-kvmhist.conf; do
	[ -f "$f" ] || fail "not installed: $f"
done
grep -q '^ExecStart=/usr/bin/kvmhist -q collect$' /lib/systemd/system/kvmhist-collect.service ||
	fail "the collect unit does not run /usr/bin/kvmhist"
# installed, not enabled
for u in kvmhist-collect.timer kvmhist-report.timer kvmhist-metrics.service; do
	[ -z "$(find /etc/systemd/system -name "$u" 2>/dev/null)" ] || fail "$u was enabled"
done

# The demo's steps with the installed binary, from the copy the package was built from,
# run from / so that no templates beside a build are found.
echo "== make demo's steps with /usr/bin/kvmhist"
(cd / && sh "$src/contrib/demo.sh" /usr/bin/kvmhist) >"$dir/demo.log" 2>&1 ||
	{ cat "$dir/demo.log" >&2; fail "the demo with the installed binary"; }
grep -q '<html' "$src/demo/report.html" || fail "no HTML report from the installed templates"
[ "$(KVMHIST_DB=$src/demo/kvmhist.db KVMHIST_CONFIG=/dev/null /usr/bin/kvmhist snapshots | wc -l)" -eq 7 ] ||
	fail "the demo database does not hold five snapshots"
out=$(KVMHIST_DB=$src/demo/kvmhist.db KVMHIST_CONFIG=/dev/null /usr/bin/kvmhist monitor) && rc=0 || rc=$?
case $rc:$out in
0:"KVMHIST OK - "*) ;;
*) fail "monitor of the demo: exit $rc: $out" ;;
esac
KVMHIST_DB=$src/demo/kvmhist.db KVMHIST_CONFIG=/dev/null /usr/bin/kvmhist metrics |
	promtool check metrics || fail "promtool on the demo's metrics"

echo "deb-check: $(basename "$deb"): $fails failed"
[ "$fails" -eq 0 ]
