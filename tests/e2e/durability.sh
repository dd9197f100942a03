# Nothing lost: kill -9 at random moments of collect leaves the database as before or with the
# whole new snapshot; collects, reports and diffs running at once all succeed.
. "$(dirname "$0")/lib.sh"

N=300            # domains and volumes in the generated host
KILLS=${KH_KILLS:-25}

# gen SALT: a test-driver host of N domains (lib.sh's big_host): SALT changes every domain
# and volume, so each collect writes a full set of new versions rather than extending spans.
gen() { big_host "$N" "$1"; }
gen 1 >"$tmp/a.xml"
gen 2 >"$tmp/b.xml"
cp "$tmp/a.xml" "$tmp/host.xml"
uri="test://$tmp/host.xml"
counts="[$N, 1, $N, 1]"

# snapshots_ok WHAT: check passes and every stored snapshot holds the whole host.
snapshots_ok() {
	run check
	expect_rc 0 "$1: check"
	run snapshots --json
	expect_rc 0 "$1: snapshots"
	expect_eq "$(json 'sorted(set(str([s["domains"], s["pools"], s["volumes"], s["networks"]]) for s in j["snapshots"]))')" \
		"['$counts']" "$1: every snapshot complete"
	nsnap=$(json 'len(j["snapshots"])')
}

now() { date +%s.%N; }
# a random time from 40% to 110% of $1 seconds (the database is written last)
pick() {
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	awk -v d="$1" -v r="$r" 'BEGIN { printf "%.3f", d * (0.40 + 0.70 * r / 65535) }'
}

# How long one collect takes here (sanitizers and valgrind are slower).
t0=$(now)
run collect -c "$uri"
expect_rc 0 "first collect"
dur=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
snapshots_ok "after the first collect"

rolled=0 committed=0 finished=0
i=0
while [ "$i" -lt "$KILLS" ]; do
	i=$((i + 1))
	# alternate the host's content so every run has a full snapshot to write
	if [ $((i % 2)) -eq 1 ]; then cp "$tmp/b.xml" "$tmp/host.xml"; else cp "$tmp/a.xml" "$tmp/host.xml"; fi
	before=$nsnap
	"$KVMHIST" -q collect -c "$uri" 2>"$tmp/kill.err" &
	pid=$!
	sleep "$(pick "$dur")"
	kill -9 "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	status=$?
	snapshots_ok "kill $i"
	case $status:$nsnap in
	137:"$before") rolled=$((rolled + 1)) ;;
	137:$((before + 1))) committed=$((committed + 1)) ;;
	0:$((before + 1))) finished=$((finished + 1)) ;;
	*) fail "kill $i: exit $status, $before snapshots before, $nsnap after" ;;
	esac
done
echo "kill -9 x $KILLS: $rolled killed before the commit left the database as it was," \
	"$committed killed after it left the whole snapshot, $finished finished first"
checks=$((checks + 1))
[ "$((rolled + committed + finished))" -eq "$KILLS" ] || fail "kills accounted for"

# Killed during the very first collect: no file, an empty one, or a whole database; the
# next collect works either way.
for i in 1 2 3 4 5; do
	KVMHIST_DB="$tmp/first$i.db" "$KVMHIST" -q collect -c "$uri" 2>/dev/null &
	pid=$!
	sleep "$(pick "$dur")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	KVMHIST_DB="$tmp/first$i.db" run collect -c "$uri"
	expect_rc 0 "collect after a killed first collect $i"
	KVMHIST_DB="$tmp/first$i.db" run check
	expect_rc 0 "check after a killed first collect $i"
done

# Cron overlap: readers while a collect writes, and two collects at once, all succeed.
run show --json latest
last=$(json 'j["snapshot"]["id"]')
(
	for i in 1 2 3; do "$KVMHIST" -q collect -c "$uri" || echo "collect $i: $?"; done
) >"$tmp/bg.out" 2>&1 &
bg=$!
readers=0
while kill -0 "$bg" 2>/dev/null || [ "$readers" -lt 6 ]; do
	for c in "snapshots" "show --json latest" "diff 1 $last" "report --format json"; do
		# shellcheck disable=SC2086
		run $c
		expect_rc 0 "$c while collect writes"
		expect_not_in "$err" "locked" "$c while collect writes"
	done
	readers=$((readers + 1))
done
wait "$bg"
expect_eq "$(cat "$tmp/bg.out")" "" "collects beside the readers"

before=$nsnap
snapshots_ok "before parallel collects"
before=$nsnap
for i in 1 2 3; do
	"$KVMHIST" -q collect -c "$uri" 2>"$tmp/p1.err" & p1=$!
	"$KVMHIST" -q collect -c "$uri" 2>"$tmp/p2.err" & p2=$!
	"$KVMHIST" -q prune --keep-daily 1 --dry-run 2>"$tmp/p3.err" & p3=$!
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
	wait "$p3"; r3=$?
	expect_eq "$r1 $r2 $r3" "0 0 0" "two collects and a (dry) prune at once, round $i"
	expect_eq "$(cat "$tmp/p1.err" "$tmp/p2.err" "$tmp/p3.err")" "" "no error, round $i"
done
snapshots_ok "after parallel collects"
expect_eq "$nsnap" "$((before + 6))" "every parallel collect stored its snapshot"

# Three first collects racing to create the database.
for i in 1 2 3; do
	KVMHIST_DB="$tmp/race.db" "$KVMHIST" -q collect -c "$uri" 2>"$tmp/race$i.err" &
	eval "r$i=\$!"
done
wait "$r1"; a=$?; wait "$r2"; b=$?; wait "$r3"; c=$?
expect_eq "$a $b $c" "0 0 0" "racing first collects"
expect_eq "$(cat "$tmp"/race*.err)" "" "racing first collects: no error"
KVMHIST_DB="$tmp/race.db" snapshots_ok "racing first collects"
expect_eq "$nsnap" 3 "racing first collects stored three"

done_testing
