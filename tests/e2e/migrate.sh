# Schema 7 compresses the XML bodies of an older database in place, in one transaction: a
# kill -9 at any moment of it leaves the schema 6 database exactly as it was, or the whole
# conversion; either way every snapshot reads back as before.
. "$(dirname "$0")/lib.sh"

N=400 # domains and volumes: enough XML for a dictionary, and a conversion that takes a while
KILLS=${KH_KILLS:-12}

uri="test://$tmp/host.xml"
for salt in 1 2 3; do
	big_host "$N" "$salt" >"$tmp/host.xml"
	run collect -c "$uri" --at "2026-11-2${salt}T03:00:00Z"
	expect_rc 0 "collect night $salt"
done
shows() { for s in 1 2 3; do "$KVMHIST" --db "$1" show "$s" --json; done | md5sum; }
want=$(shows "$KVMHIST_DB")
expect_eq "$(sqlite3 "$KVMHIST_DB" "SELECT count(*) > 0 FROM xml WHERE base_id IS NOT NULL;
	SELECT count(*) FROM xml_dict")" "1
1" "a new database: a dictionary, and deltas"

cur=$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version") # the schema an upgrade ends at

# The same history as schema 6 kept it: plain bodies, no dictionary, no deltas, no columns
# of later schemas.
v6=$tmp/v6.db
cp "$KVMHIST_DB" "$v6"
khsql "$v6" "UPDATE xml SET body = kh_xml(id, hash, body, dict_id, base_id)"
sqlite3 "$v6" "PRAGMA foreign_keys = OFF;
	CREATE TABLE x6 AS SELECT id, hash, body FROM xml; DROP TABLE xml;
	CREATE TABLE xml (  id INTEGER PRIMARY KEY,  hash INTEGER NOT NULL,  body TEXT NOT NULL);
	INSERT INTO xml SELECT * FROM x6; DROP TABLE x6; CREATE INDEX xml_hash ON xml(hash);
	DROP TABLE xml_dict; ALTER TABLE pool DROP COLUMN target_device;
	PRAGMA user_version = 6; VACUUM;"
expect_eq "$(sqlite3 "$v6" "PRAGMA user_version; SELECT count(*), sum(typeof(body) = 'text') = count(*) FROM xml")" \
	"6
$(sqlite3 "$KVMHIST_DB" "SELECT count(*) FROM xml")|1" "v6.db: schema 6, every body plain"
v6sum=$(md5sum <"$v6")
bodies() { sqlite3 "$1" "SELECT id, hash, body FROM xml ORDER BY id" | md5sum; }
v6bodies=$(bodies "$v6")

# How long the upgrade takes here (a reader upgrades too).
cp "$v6" "$tmp/w.db"
t0=$(date +%s.%N)
"$KVMHIST" --db "$tmp/w.db" -q snapshots >/dev/null
dur=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
expect_eq "$(sqlite3 "$tmp/w.db" "PRAGMA user_version; SELECT count(*) FROM xml_dict;
	SELECT count(*) FROM xml WHERE typeof(body) = 'text'")" "$cur
1
0" "upgraded: schema $cur, a dictionary, no plain body left"
expect_eq "$(shows "$tmp/w.db")" "$want" "upgraded: every snapshot reads back as before"
run --db "$tmp/w.db" check
expect_rc 0 "upgraded: check"
# the old bodies' pages are free for what comes next; vacuum gives them back
expect_eq "$(( $(sqlite3 "$tmp/w.db" "PRAGMA freelist_count") > 0 ))" 1 "upgraded: the old pages free"
run --db "$tmp/w.db" vacuum
expect_rc 0 "vacuum the upgraded database"
expect_eq "$(( $(stat -c %s "$tmp/w.db") * 2 < $(stat -c %s "$v6") ))" 1 \
	"upgraded and vacuumed: under half the size ($(stat -c %s "$tmp/w.db") of $(stat -c %s "$v6") B)"
expect_eq "$(shows "$tmp/w.db")" "$want" "vacuumed: every snapshot reads back as before"

pick() {
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	awk -v d="$1" -v r="$r" 'BEGIN { printf "%.3f", d * (0.10 + 1.00 * r / 65535) }'
}
old=0 new=0 i=0
while [ "$i" -lt "$KILLS" ]; do
	i=$((i + 1))
	cp "$v6" "$tmp/w.db"
	rm -f "$tmp/w.db-wal" "$tmp/w.db-shm"
	"$KVMHIST" --db "$tmp/w.db" -q snapshots >/dev/null 2>&1 &
	pid=$!
	sleep "$(pick "$dur")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# read with SQLite itself first: what the kill left
	case $(sqlite3 "$tmp/w.db" "PRAGMA user_version") in
	6)
		old=$((old + 1))
		expect_eq "$(bodies "$tmp/w.db")" "$v6bodies" "kill $i: the schema 6 bodies as they were"
		expect_eq "$(sqlite3 "$tmp/w.db" "SELECT count(*) FROM sqlite_master WHERE name = 'xml_dict'")" 0 \
			"kill $i: no part of schema 7" ;;
	"$cur") new=$((new + 1)) ;;
	*) fail "kill $i: schema $(sqlite3 "$tmp/w.db" "PRAGMA user_version")" ;;
	esac
	expect_eq "$(shows "$tmp/w.db")" "$want" "kill $i: every snapshot reads back"
	run --db "$tmp/w.db" check
	expect_rc 0 "kill $i: check"
done
echo "kill -9 x $KILLS during the upgrade: $old left schema 6 as it was, $new the whole of schema $cur"
expect_eq "$(md5sum <"$v6")" "$v6sum" "v6.db itself untouched"

done_testing
