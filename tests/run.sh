#!/bin/sh
# Runs every cmocka suite and every end-to-end script; prints "N passed, N failed" last.
# Environment: KVMHIST (the binary under test), BUILD (where the test binaries are),
# KVMHIST_WRAP (a command every test program runs under, e.g. valgrind).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=build}"
: "${KVMHIST:=$top/kvmhist}"
: "${KVMHIST_WRAP:=}"
if [ -n "$KVMHIST_WRAP" ]; then
	# The end-to-end scripts run "$KVMHIST": make that the wrapped binary.
	wrapdir=$(mktemp -d /tmp/kvmhist-wrap.XXXXXX)
	trap 'rm -rf "$wrapdir"' EXIT
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$KVMHIST_WRAP" "$KVMHIST" >"$wrapdir/kvmhist"
	chmod +x "$wrapdir/kvmhist"
	KVMHIST=$wrapdir/kvmhist
fi
export KVMHIST
passed=0 failed=0 failures=""

run() {
	name=$1
	shift
	echo "== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
}

for t in "$top/$BUILD"/tests/test_*; do
	case $t in *.d|*.o) continue ;; esac
	[ -x "$t" ] || continue
	# shellcheck disable=SC2086
	run "$(basename "$t")" $KVMHIST_WRAP "$t"
done
for t in "$top"/tests/e2e/*.sh; do
	case $t in */lib.sh) continue ;; esac
	run "e2e/$(basename "$t")" sh "$t"
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
