# Snapshots stored out of time order (a backfill with --at, a clock stepped back) read as
# if they had been stored in order: report (series and forecast), domains, log, diff and
# show agree with a history collected night after night, ids aside.
. "$(dirname "$0")/lib.sh"

export KVMHIST_NOW=2026-11-26T12:00:00Z
uri="test://$tmp/estate.xml"
# collect DB NIGHT...: each night of the estate into DB, in the order given
collect() {
	db=$1
	shift
	for d in "$@"; do
		cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
		KVMHIST_DB=$db "$KVMHIST" -q collect -c "$uri" --at "2026-11-2${d}T03:00:00Z" ||
			fail "collect night $d into $db"
	done
}
# what every reader says, with ids (which differ with the order of storing) taken out
readers() {
	for c in "report --since 2026-11-21 --format json" "report --since 2026-11-21" \
		"domains --json" "log --format json" "log" "diff 2026-11-22 2026-11-24 --format json" \
		"diff 2026-11-24T03:00:00Z --format json" "show 2026-11-23 --json" \
		"snapshots --json"; do
		echo "== $c"
		# shellcheck disable=SC2086
		KVMHIST_DB=$1 "$KVMHIST" $c 2>&1
		echo "exit $?"
	done | sed -E 's/"(id|[a-z_]*snapshot)": [0-9]+/"\1": N/g; s/snapshot [0-9]+/snapshot N/g;
		s/^ *[0-9]+ +2026/ N 2026/; s/"taken_at_id": [0-9]+//g'
}

collect "$tmp/inorder.db" 1 2 3 4 5
readers "$tmp/inorder.db" >"$tmp/inorder.txt"
expect_in "$(cat "$tmp/inorder.txt")" '"days_to_full"' "the report in order has forecasts"

for order in "1 2 3 5 4" "5 4 3 2 1" "3 1 5 2 4" "2 4 1 5 3"; do
	db="$tmp/$(echo "$order" | tr -d ' ').db"
	collect "$db" $order
	readers "$db" >"$tmp/out.txt"
	checks=$((checks + 1))
	cmp -s "$tmp/inorder.txt" "$tmp/out.txt" ||
		fail "stored in the order $order, the readers differ: $(diff "$tmp/inorder.txt" "$tmp/out.txt" | head -20)"
	KVMHIST_DB=$db run check
	expect_rc 0 "check after storing in the order $order"
	KVMHIST_DB=$db run snapshots --json
	expect_eq "$(json '[s["taken_at"][8:10] for s in j["snapshots"]]')" \
		"['21', '22', '23', '24', '25']" "snapshots listed by time ($order)"
	# the next night, collected as usual, follows the latest by time
	cp "$fixtures/estate/day5.xml" "$tmp/estate.xml"
	KVMHIST_DB=$db run collect -c "$uri" --at 2026-11-26T03:00:00Z
	expect_rc 0 "a night after a backfill ($order)"
	KVMHIST_DB=$db run diff latest~1 latest --format json
	expect_eq "$(json 'j["changes"]')" "[]" "it is compared with the latest by time ($order)"
done
# stored newest first, then a night more: no domain last seen before it was first seen, and
# those in the latest snapshot were last seen in it
KVMHIST_DB="$tmp/54321.db" run domains --json
expect_eq "$(json '[d["name"] for d in j["domains"] if d["first_seen"] > d["last_seen"] or d["present"] != (d["last_seen"] == "2026-11-26T03:00:00Z")]')" \
	"[]" "domains: first seen before last seen, present when in the latest"
expect_eq "$(json 'len(j["domains"]) > 0')" "True" "domains are listed"
# forget and prune on a reordered history keep it whole
KVMHIST_DB="$tmp/31524.db" run forget 2026-11-23T03:00:00Z
expect_rc 0 "forget in a reordered history"
KVMHIST_DB="$tmp/31524.db" run check
expect_rc 0 "check after forget"
KVMHIST_DB="$tmp/31524.db" run prune --keep-daily 2
expect_rc 0 "prune a reordered history"
KVMHIST_DB="$tmp/31524.db" run check
expect_rc 0 "check after prune"
KVMHIST_DB="$tmp/31524.db" run report --since 2026-11-20 --format json
expect_rc 0 "report after prune"

done_testing
