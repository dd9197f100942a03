#!/bin/sh
# Runs every cmocka suite and every end-to-end script; prints "N passed, N failed" last.
# Environment: KVMHIST (the binary under test), BUILD (where the test binaries are).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=build}"
: "${KVMHIST:=$top/kvmhist}"
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
	run "$(basename "$t")" "$t"
done
for t in "$top"/tests/e2e/*.sh; do
	case $t in */lib.sh) continue ;; esac
	run "e2e/$(basename "$t")" sh "$t"
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
