# prune, vacuum and check through the CLI: retention per URI, survivors unchanged.
. "$(dirname "$0")/lib.sh"

uri="test://$tmp/estate.xml"
# The estate's five nights, and nights 1–3 again at 04:00, 05:00, 06:00 of the last day,
# so versions come and go; a second host with one old snapshot.
for d in 1 2 3 4 5; do
	cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
	run collect -c "$uri" --at "2026-11-2$((d - 1))T03:00:00Z"
done
for d in 1 2 3; do
	cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
	run collect -c "$uri" --at "2026-11-24T0$((d + 3)):00:00Z"
done
run collect -c "test://$fixtures/hostile.xml" --at 2026-10-01T00:00:00Z
expect_rc 0 "collect the second host"
run snapshots --json
expect_eq "$(json '[s["id"] for s in j["snapshots"]]')" "[9, 1, 2, 3, 4, 5, 6, 7, 8]" "nine snapshots"

# Usage errors change nothing.
sum=$(md5sum <"$KVMHIST_DB")
run prune
expect_rc 2 "prune without a policy"
expect_in "$err" "say what to keep" "prune without a policy"
for bad in -1 x 1.5 "" 100001 +3; do
	run prune --keep-daily "$bad"
	expect_rc 2 "--keep-daily '$bad'"
	expect_in "$err" "invalid count '$bad' for '--keep-daily'" "--keep-daily '$bad'"
done
run prune --keep-weekly 1 extra
expect_rc 2 "prune with an argument"
# A dry run lists, and changes nothing.
run prune --keep-daily 2 --dry-run
expect_rc 0 "dry run"
expect_in "$out" "would remove 6 snapshots, keeping 3" "dry run count"
expect_eq "$(md5sum <"$KVMHIST_DB")" "$sum" "usage errors and a dry run change nothing"

# The survivors: per URI, the newest of the last 2 days (ids 8 and 4) and the hostile host's
# only snapshot (9); --keep-weekly 1 adds nothing new (8 is the newest of its week).
keep="4 8 9"
for id in $keep; do
	run show "$id" --json
	eval "before_$id=\$out"
done
run prune --keep-daily 2 --keep-weekly 1
expect_rc 0 "prune"
expect_in "$out" "removed 6 snapshots, keeping 3" "prune count"
expect_lines "$(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ { print $1 }')" 6 "removed list"
expect_eq "$(printf '%s\n' "$out" | awk '$1 ~ /^[0-9]+$/ { printf "%s ", $1 }')" "1 2 3 5 6 7 " "removed ids"
run snapshots --json
expect_eq "$(json '[s["id"] for s in j["snapshots"]]')" "[9, 4, 8]" "survivors"
for id in $keep; do
	run show "$id" --json
	eval "want=\$before_$id"
	expect_eq "$out" "$want" "snapshot $id reads back as before"
done
run check
expect_rc 0 "check after prune"
expect_eq "$out" "$KVMHIST_DB: ok (3 snapshots)" "check output"
# Diff and report work over what is left; a new snapshot extends the history correctly.
run diff 4 8 --format json
expect_rc 0 "diff over the gap"
# snapshot 8 holds night 3's content again: taurus without its disk vdb
expect_eq "$(json '[(c["name"], c["change"], c["path"], c["new"]) for c in j["changes"] if c["object"] == "domain"]')" \
	"[('taurus', 'modified', \"/domain/devices/disk[target/@dev='vdb']\", None)]" \
	"diff 4 → 8 (night 4 against night 3's content)"
run report --since 2026-11-01 --format json
expect_rc 0 "report after prune"
expect_eq "$(json 'j["period"]["snapshots"]')" 2 "report sees the remaining snapshots of its host"
cp "$fixtures/estate/day5.xml" "$tmp/estate.xml"
run collect -c "$uri" --at 2026-11-25T03:00:00Z
run show latest --json
expect_eq "$(json '[d["name"] for d in j["domains"]]')" "['aries', 'pisces', 'taurus']" "collect after prune"
run check
expect_rc 0 "check after prune and collect"

# Vacuum, alone and after a prune.
run vacuum
expect_rc 0 "vacuum"
expect_in "$out" "vacuumed '$KVMHIST_DB': " "vacuum output"
run prune --keep-daily 1 --vacuum
expect_rc 0 "prune --vacuum"
expect_in "$out" "vacuumed '$KVMHIST_DB': " "prune --vacuum vacuums"
run snapshots --json
expect_eq "$(json '[s["id"] for s in j["snapshots"]]')" "[9, 10]" "newest of each URI kept"
run check
expect_rc 0 "check after vacuum"
run show 10 --json
expect_eq "$(json '[v["name"] for v in j["volumes"] if v["pool"] == "default"]')" \
	"['aries-root.qcow2', 'gemini-root.qcow2', 'pisces-root.qcow2', 'taurus-root.qcow2']" "volumes after vacuum"
[ -e "$KVMHIST_DB-wal" ] && fail "vacuum left a -wal behind"
expect_eq "$(stat -c %a "$KVMHIST_DB")" 600 "still private after vacuum"

# The policy can come from the config file; the command line wins class by class.
printf 'keep_daily = 1\n' >"$tmp/keep.conf"
KVMHIST_CONFIG=$tmp/keep.conf run prune --dry-run
expect_rc 0 "prune with keep_daily from the config"
expect_in "$out" "would remove 0 snapshots, keeping 2" "config policy"
printf 'keep_daily = soon\n' >"$tmp/bad.conf"
KVMHIST_CONFIG=$tmp/bad.conf run prune --keep-daily 1
expect_rc 2 "a bad keep_daily stops prune"
expect_in "$err" "keep_daily" "the bad key is named"

done_testing
