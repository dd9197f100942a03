# kvmhist forget SNAP: a snapshot taken by mistake goes, with what only it held, in one
# transaction; every other snapshot reads back as before, check stays clean, and the
# host's next snapshot is compared with the one before the forgotten one.
. "$(dirname "$0")/lib.sh"

uri="test://$tmp/estate.xml"
for d in 1 2 3 4 5; do
	cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
	run -q collect -c "$uri" --at "2026-11-2${d}T03:00:00Z"
	expect_rc 0 "collect night $d"
done
run -q collect -c "$(day 1)" --at 2026-11-22T04:00:00Z
expect_rc 0 "a second host, once"
# shows ID...: a digest of each snapshot's show --json, one line each
shows() {
	for i in "$@"; do echo "$i $("$KVMHIST" show "$i" --json | sha256sum | cut -c1-16)"; done
}
before=$(shows 1 2 4 5 6)
run diff 4 5 --format json
diff45=$out
sum() { sha256sum "$KVMHIST_DB" | cut -d' ' -f1; }

# unknown or missing SNAP: exit 2, nothing changed
s=$(sum)
run forget 42
expect_rc 2 "forget an unknown snapshot"
expect_in "$err" "no snapshot 42" "forget 42 says so"
run forget
expect_rc 2 "forget without SNAP"
expect_eq "$(sum)" "$s" "a refused forget changed nothing"

# a snapshot in the middle
run forget 3
expect_rc 0 "forget 3"
expect_in "$out" "removed snapshot 3" "forget says what it removed"
expect_eq "$(shows 1 2 4 5 6)" "$before" "the others read back as before"
run check
expect_rc 0 "check after forgetting one in the middle"
run snapshots --json
expect_eq "$(json '[s["id"] for s in j["snapshots"]]')" "[1, 2, 6, 4, 5]" "snapshot 3 is gone"

# the host's latest: the one before becomes the latest, and the next put compares with it
run forget 5
expect_rc 0 "forget the latest"
expect_in "$out" "versions only it held: " "what only it held"
expect_eq "$(shows 1 2 4 6)" "$(printf '%s\n' "$before" | grep -v '^5 ')" "the others still read as before"
run check
expect_rc 0 "check after forgetting the latest"
run show latest --host "$uri" --json
expect_eq "$(json 'j["snapshot"]["id"]')" "4" "snapshot 4 is the latest again"
cp "$fixtures/estate/day5.xml" "$tmp/estate.xml"
run collect -c "$uri" --at 2026-11-25T03:00:00Z
expect_rc 0 "night 5 collected again"
new=$(printf '%s' "$out" | cut -f1)
run diff 4 "$new" --format json
expect_eq "$(printf '%s' "$out" | sed 's/"id": [0-9]*/"id": N/g')" \
	"$(printf '%s' "$diff45" | sed 's/"id": [0-9]*/"id": N/g')" "night 5 again diffs as the first time"
run check
expect_rc 0 "check after collecting again"

# a host's only snapshot: the host goes with it
run forget 6
expect_rc 0 "forget a host's only snapshot"
run snapshots --host "$(day 1)"
expect_rc 2 "the host is gone"
run check
expect_rc 0 "check after forgetting a whole host"
run domains --json
expect_rc 0 "domains after forgetting"

done_testing
