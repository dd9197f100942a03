# Databases written by each released schema open, upgrade in one transaction, and read back
# what they held. tests/fixtures/schema/vN.db are made by make.sh N with that version's
# kvmhist and never regenerated.
. "$(dirname "$0")/lib.sh"

v1=$fixtures/schema/v1.db
sum=$(md5sum <"$v1")
# The schema a new database gets today, to compare upgraded ones with.
run collect -c "test://$fixtures/estate/day1.xml"
expect_rc 0 "a new database"
schema_sql="SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
current=$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version")
fresh=$(sqlite3 "$KVMHIST_DB" "$schema_sql")

cp "$v1" "$tmp/v1.db"
chmod 600 "$tmp/v1.db"
expect_eq "$(sqlite3 "$tmp/v1.db" "PRAGMA application_id; PRAGMA user_version")" "1802923368
1" "v1.db is a schema 1 kvmhist database"
export KVMHIST_DB="$tmp/v1.db"
run snapshots --json
expect_rc 0 "open v1.db"
expect_eq "$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version")" "$current" "v1.db upgraded to the current schema"
expect_eq "$(sqlite3 "$KVMHIST_DB" "$schema_sql")" "$fresh" "upgraded schema is a new database's"
expect_eq "$(json '[(s["id"], s["taken_at"], s["uri"]) for s in j["snapshots"]][::4]')" \
	"[(1, '2026-11-20T03:00:00Z', 'test:///tmp/kvmhist-schema-v1/estate.xml'), (5, '2026-11-24T03:00:00Z', 'test:///tmp/kvmhist-schema-v1/estate.xml')]" "v1 snapshots"
expect_eq "$(json '[(s["domains"], s["pools"], s["volumes"], s["networks"]) for s in j["snapshots"]]')" \
	"[(3, 2, 6, 2), (3, 2, 6, 2), (3, 2, 6, 2), (3, 2, 6, 2), (3, 2, 7, 2)]" "v1 object counts"
# reads_back VERSION: the upgraded $KVMHIST_DB holds the estate's five nights as the estate
# README describes them (both fixtures are those nights).
reads_back() {
	run check
	expect_rc 0 "check the upgraded v$1.db"
	run show 4 --json
	expect_eq "$(json '[(k["target"], k["pool"], k["volume"], k["capacity"], k["allocation"]) for k in j["domains"][2]["disks"]]')" \
		"[('vda', 'default', 'taurus-root.qcow2', 21474836480, 7516192768), ('vdb', 'data', 'taurus-db.qcow2', 17179869184, 4294967296)]" "v$1 taurus disks"
	expect_eq "$(json '[(v["name"], v["allocation"]) for v in j["volumes"] if v["pool"] == "data"]')" \
		"[('aries-data.qcow2', 24696061952), ('backup-staging.raw', 10737418240), ('taurus-db.qcow2', 4294967296)]" "v$1 data volumes"
	run diff 2 3 --format json
	expect_eq "$(json '[(c["object"], c["name"], c["path"], c["old"], c["new"]) for c in j["changes"] if c["object"] == "domain"]')" \
		"[('domain', 'taurus', \"/domain/devices/interface[mac/@address='52:54:00:3c:4d:02']/source/@network\", 'default', 'backend')]" "v$1 diff"
	run report --since 2026-11-20 --format json
	expect_eq "$(json '[(v["growth_bytes_per_day"], v["days_to_full"]) for v in j["volumes"] if v["name"] == "aries-data.qcow2"]')" \
		"[(1073741824, 40)]" "v$1 report forecast"
}
reads_back 1
# A collect continues the old history. Its first night stores what schema 1 could not
# hold: running domains gain their live XML (2), pool and volume XML is kept without its
# numbers (3); so each of those gets one new version, and no change shows.
cp "$fixtures/estate/day5.xml" "$tmp/estate.xml"
sqlite3 "$KVMHIST_DB" "UPDATE host SET uri = 'test://$tmp/estate.xml'"
rows() { sqlite3 "$KVMHIST_DB" "SELECT (SELECT count(*) FROM domain), (SELECT count(*) FROM pool), (SELECT count(*) FROM volume)"; }
rows_before=$(rows)
run collect -c "test://$tmp/estate.xml" --at 2026-11-25T03:00:00Z
expect_rc 0 "collect into the upgraded v1.db"
expect_eq "$(rows)" "$(echo "$rows_before" | awk -F'|' '{ print $1 + 3 "|" $2 + 2 "|" $3 + 7 }')" \
	"the first night after the upgrade: one new version per running domain, pool, volume"
run diff 5 6 --format json
expect_eq "$(json 'len(j["changes"])')" 0 "night 5 again: no change"
# From then on an unchanged night writes no version (and no span: they are open).
rows_before=$(rows)
run collect -c "test://$tmp/estate.xml" --at 2026-11-26T03:00:00Z
expect_rc 0 "second collect after the upgrade"
expect_eq "$(rows)" "$rows_before" "an unchanged night adds no versions"
run diff 6 7 --format json
expect_eq "$(json 'len(j["changes"])')" 0 "night 5 a third time: no change"
run check
expect_rc 0 "check after collect"
expect_eq "$(md5sum <"$v1")" "$sum" "the committed v1.db is untouched"

# Schema 4 (before open spans): a version in the latest snapshot had last_seq = that seq.
v4=$fixtures/schema/v4.db
sum=$(md5sum <"$v4")
cp "$v4" "$tmp/v4.db"
chmod 600 "$tmp/v4.db"
export KVMHIST_DB="$tmp/v4.db"
expect_eq "$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version; SELECT count(*) FROM span WHERE last_seq = 5")" \
	"4
14" "v4.db is schema 4 with 14 versions in its latest snapshot"
run snapshots
expect_rc 0 "open v4.db"
expect_eq "$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version")" "$current" "v4.db upgraded to the current schema"
expect_eq "$(sqlite3 "$KVMHIST_DB" "$schema_sql")" "$fresh" "upgraded v4 schema is a new database's"
expect_eq "$(sqlite3 "$KVMHIST_DB" "SELECT count(*) FROM span WHERE last_seq = 9223372036854775807;
	SELECT count(*) FROM span WHERE last_seq = 5")" "14
0" "those 14 spans are open"
reads_back 4
cp "$fixtures/estate/day5.xml" "$tmp/estate.xml"
sqlite3 "$KVMHIST_DB" "UPDATE host SET uri = 'test://$tmp/estate.xml'"
spans() { sqlite3 "$KVMHIST_DB" "SELECT count(*), sum(last_seq = 9223372036854775807) FROM span"; }
rows_before=$(rows)
spans_before=$(spans)
run collect -c "test://$tmp/estate.xml" --at 2026-11-25T03:00:00Z
expect_rc 0 "collect into the upgraded v4.db"
expect_eq "$(rows)|$(spans)" "$rows_before|$spans_before" "night 5 again: no version, no span written"
run diff 5 6 --format json
expect_eq "$(json 'len(j["changes"])')" 0 "v4: night 5 again, no change"
run show 6 --json
expect_eq "$(json '(len(j["domains"]), len(j["pools"]), len(j["volumes"]), len(j["networks"]))')" \
	"(3, 2, 7, 2)" "v4: night 6 holds what night 5 held"
run check
expect_rc 0 "check v4 after collect"
expect_eq "$(md5sum <"$v4")" "$sum" "the committed v4.db is untouched"

# Schemas 5 (open spans), 6 (backing files, domain snapshots; the last with plain XML
# bodies) and 7 (compressed bodies), as those binaries wrote them: too little XML for a
# dictionary, so their bodies stay as written (5 and 6: plain; 7: 15 plain, 7 deltas against
# another body) and must read back and verify as they are (migrate.sh converts a large one).
# upgrades N PLAIN DELTAS
upgrades() {
	old=$fixtures/schema/v$1.db
	sum=$(md5sum <"$old")
	cp "$old" "$tmp/v$1.db"
	chmod 600 "$tmp/v$1.db"
	export KVMHIST_DB="$tmp/v$1.db"
	expect_eq "$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version; SELECT count(*), sum(typeof(body) = 'text') FROM xml")" \
		"$1
22|$2" "v$1.db is schema $1 with 22 bodies, $2 plain"
	run snapshots
	expect_rc 0 "open v$1.db"
	expect_eq "$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version")" "$current" "v$1.db upgraded to the current schema"
	expect_eq "$(sqlite3 "$KVMHIST_DB" "$schema_sql")" "$fresh" "upgraded v$1 schema is a new database's"
	expect_eq "$(sqlite3 "$KVMHIST_DB" "SELECT count(*), sum(typeof(body) = 'text'), count(dict_id), count(base_id) FROM xml")" \
		"22|$2|0|$3" "v$1: its bodies kept as written, none against a dictionary"
	reads_back "$1"
	cp "$fixtures/estate/day5.xml" "$tmp/estate.xml"
	sqlite3 "$KVMHIST_DB" "UPDATE host SET uri = 'test://$tmp/estate.xml'"
	rows_before=$(rows)
	spans_before=$(spans)
	run collect -c "test://$tmp/estate.xml" --at 2026-11-25T03:00:00Z
	expect_rc 0 "collect into the upgraded v$1.db"
	expect_eq "$(rows)|$(spans)" "$rows_before|$spans_before" "v$1: night 5 again, no version, no span written"
	run check
	expect_rc 0 "check v$1 after collect"
	expect_eq "$(md5sum <"$old")" "$sum" "the committed v$1.db is untouched"
}
upgrades 5 22 0
upgrades 6 22 0
upgrades 7 15 7

done_testing
