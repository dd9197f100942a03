# An admin's slips that used to pass in silence: a mistyped --at, a backfill run twice, a
# URI given twice, an empty -c, a filter naming nothing, a global option without its value.
. "$(dirname "$0")/lib.sh"

export KVMHIST_NOW=2026-11-25T12:00:00Z
u1=$(day 1)
u2=$(day 2)
run collect -c "$u1" --at 2026-11-21T03:00:00Z
expect_rc 0 "first collect"
sum() { sha256sum "$KVMHIST_DB" | cut -d' ' -f1; }

# --at more than a day after now: refused before any host is read, unless --force
before=$(sum)
run collect -c "$u1" --at 2062-11-21T03:00:00Z
expect_rc 2 "--at decades ahead"
expect_in "$err" "more than a day after now (2026-11-25T12:00:00Z)" "--at ahead says why"
expect_in "$err" "--force" "--at ahead says how"
expect_eq "$(sum)" "$before" "--at ahead stored nothing"
run collect -c "$u1" --at 2026-11-26T11:00:00Z
expect_rc 0 "--at within a day of now"
run collect -c "$u1" --at 2062-11-21T03:00:00Z --force
expect_rc 0 "--at ahead with --force"

# a second snapshot of a URI at the very same --at: refused, the other URIs stored
run collect -c "$u1" -c "$u2" --at 2026-11-21T03:00:00Z
expect_rc 1 "the same --at again"
expect_in "$err" "$u1: not stored: snapshot 1 of it was taken at 2026-11-21T03:00:00Z already" "same --at named"
expect_lines "$out" 1 "the other URI still stored"
expect_in "$out" "$u2" "the other URI's line"
run snapshots --host "$u1" --json
expect_eq "$(json 'len(j["snapshots"])')" "3" "no second snapshot at that time"

# the same URI twice in one run: stored once, with a warning
run collect -c "$u2" -c "$u2" --at 2026-11-22T03:00:00Z
expect_rc 0 "one URI twice"
expect_lines "$out" 1 "one URI twice: one snapshot"
expect_in "$err" "URI '$u2' given more than once; collected once" "one URI twice: warned"
printf '%s\n' "$u2" >"$tmp/uris"
run -q collect -c "$u2" --uri-file "$tmp/uris" --at 2026-11-23T03:00:00Z
expect_rc 0 "-c and --uri-file naming one URI, -q"
expect_eq "$err" "" "-q keeps the warning quiet"

# -c "": refused, not a history under the URI ""
before=$(sum)
run collect -c ""
expect_rc 2 "collect -c ''"
expect_in "$err" "empty URI for -c" "collect -c '' says why"
expect_eq "$(sum)" "$before" "collect -c '' stored nothing"

# filters that name nothing in the compared snapshots: exit 2, also with --exit-code
for f in "--domain nosuch" "--pool nosuch" "--network nosuch"; do
	# shellcheck disable=SC2086
	run diff 1 latest $f
	expect_rc 2 "diff $f"
	k=${f%% *}
	expect_in "$err" "no ${k#--} 'nosuch' in snapshot 1 or" "diff $f names it"
	# shellcheck disable=SC2086
	run diff 1 latest $f --exit-code
	expect_rc 2 "diff $f --exit-code"
done
run diff 1 latest --domain aries
expect_rc 0 "diff --domain of a known domain"
run diff 1 latest --pool default --network nosuch
expect_rc 2 "diff: one known filter does not hide an unknown one"
run log --domain nosuch
expect_rc 2 "log --domain nosuch"
expect_in "$err" "no domain 'nosuch' in the snapshots of the period" "log --domain names it"
expect_eq "$out" "" "log --domain nosuch prints no timeline"
run log --domain aries
expect_rc 0 "log --domain of a known domain"
run log --domain aries --since 2026-11-21T03:00:01Z --until 2026-11-21T04:00:00Z
expect_rc 2 "log --domain in a period without snapshots"

# a global option without its value names itself
for o in --db --config; do
	run "$o"
	expect_rc 2 "$o without a value"
	expect_in "$err" "option '$o' needs a value" "$o without a value says so"
	run "$o=" snapshots
	expect_rc 2 "$o= (empty)"
	expect_in "$err" "option '$o' needs a value" "$o= says so"
done

done_testing
