#!/bin/sh
# Proves that two kvmhist binaries write the same fleet report, in every format: md, html,
# json and email with the default --top, md and html with --top 0 (every row), over the
# whole of a fleet history made by bench/gen-fleet.sh (default: 50 hosts, 30 nights, made
# once into $FLEET_DIR, default /tmp/kvmhist-fleet-50). tests/same-output.sh covers the test
# estates; this covers what they are too small to show (cuts, "and N more" lines, ranks
# over many hosts, every row of the JSON).
#
#   sh tests/same-fleet.sh OLD_BINARY [NEW_BINARY]     (NEW defaults to ./kvmhist)
#
# (OLD_BINARY: e.g. the kvmhist of `git worktree add --detach DIR REV && make -C DIR`.)
#
# Environment: FLEET_HOSTS (50), FLEET_DIR. Exit 0 when every output is equal, 1 otherwise.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
old=${1:?usage: same-fleet.sh OLD_BINARY [NEW_BINARY]}
shift
new=${1:-$top/kvmhist}
hosts=${FLEET_HOSTS:-50}
dir=${FLEET_DIR:-/tmp/kvmhist-fleet-$hosts}
if [ ! -f "$dir/done" ]; then
	make -s -C "$top" -j2 build/bench/gen-estate >/dev/null || exit 2
	rm -rf "$dir"
	echo "same-fleet: generating 30 nights of $hosts hosts into $dir" >&2
	BENCH_BUILD=$top/build/bench KVMHIST=$new sh "$top/bench/gen-fleet.sh" "$dir" 30 "$hosts" || exit 2
	touch "$dir/done"
fi
out=$(mktemp -d /tmp/kvmhist-same-fleet.XXXXXX)
export KVMHIST_CONFIG=/dev/null NO_COLOR=1 KVMHIST_NOW=2026-11-21T12:00:00Z
status=0
period="--since 2025-01-01 --until 2025-01-30T03:00:00Z --templates $top/templates"
for args in "--format md" "--format html" "--format json" "--format md --top 0" \
	"--format html --top 0" \
	"--format email --mail-to ops@example.org --mail-from kvmhist@example.org"; do
	for side in old new; do
		eval "bin=\$$side"
		# shellcheck disable=SC2086
		"$bin" --db "$dir/kvmhist.db" report $period $args 2>&1 |
			sed -e 's/_kvmhist_\(related_\)\{0,1\}[0-9a-f]\{16\}_/_kvmhist_\1PID_/g' \
				-e 's/^\(Message-ID: <kvmhist\.[0-9TZ]*\.\)[0-9a-f]\{16\}@/\1PID@/' \
				>"$out/$side.out"
	done
	if cmp -s "$out/old.out" "$out/new.out"; then
		echo "same: report $args ($(wc -c <"$out/new.out") bytes)"
	else
		echo "DIFFERENT: report $args"
		diff "$out/old.out" "$out/new.out" | head -40
		status=1
	fi
done
rm -rf "$out"
exit $status
