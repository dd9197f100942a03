# Databases kvmhist must not write: foreign, truncated, damaged, read-only, newer. Each is
# refused with one line and exit 2 (read-only ones are still read), and left byte for byte
# as it was, with no -wal or -shm beside it.
. "$(dirname "$0")/lib.sh"
umask 077 # the files made here are private, as kvmhist's are: no world-readable warning

# A good database: the estate's five nights under one URI.
for d in 1 2 3 4 5; do
	cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
	run collect -c "test://$tmp/estate.xml" --at "2026-11-2$((d - 1))T03:00:00Z"
	expect_rc 0 "collect night $d"
done
good=$tmp/good.db
cp "$KVMHIST_DB" "$good"
[ -e "$KVMHIST_DB-wal" ] && fail "collect left a -wal behind"
uri="test://$fixtures/estate/day5.xml"

# untouched DB WHAT: same bytes as before, and no -wal or -shm appeared.
untouched() {
	checks=$((checks + 1))
	[ "$(md5sum <"$1")" = "$sum" ] || fail "$2: the file changed"
	for x in wal shm journal; do
		checks=$((checks + 1))
		[ -e "$1-$x" ] && fail "$2: left $1-$x behind"
	done
}

# refused DB MESSAGE CMD...: one line naming the file and the cause, exit 2, untouched.
refused() {
	db=$1 msg=$2
	shift 2
	sum=$(md5sum <"$db")
	run --db "$db" "$@"
	expect_rc 2 "$* on $(basename "$db")"
	expect_lines "$err" 1 "$* on $(basename "$db"): one line"
	expect_in "$err" "$msg" "$* on $(basename "$db")"
	untouched "$db" "$* on $(basename "$db")"
}

# Not kvmhist's: text, and another program's SQLite database.
printf 'hello, not a database\n' >"$tmp/text.db"
sqlite3 "$tmp/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
for db in "$tmp/text.db" "$tmp/other.db"; do
	for c in "collect -c $uri" snapshots "show 1" "prune --keep-daily 1" check vacuum; do
		# shellcheck disable=SC2086
		refused "$db" "'$db' is not a kvmhist database" $c
	done
done

# From a newer kvmhist.
cp "$good" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" "PRAGMA user_version = 99;"
for c in "collect -c $uri" snapshots "report" "prune --keep-daily 1" check; do
	# shellcheck disable=SC2086
	refused "$tmp/newer.db" "was written by a newer kvmhist (schema 99" $c
done

# Truncated to half, and one page in the middle overwritten: writers refuse before writing;
# check lists what is wrong; readers either read what is intact or fail with one line.
size=$(stat -c %s "$good")
pages=$((size / 4096))
head -c $((pages / 2 * 4096)) "$good" >"$tmp/truncated.db"
cp "$good" "$tmp/damaged.db"
head -c 4096 /dev/zero | tr '\0' '\245' |
	dd of="$tmp/damaged.db" bs=4096 seek=$((pages / 2)) conv=notrunc status=none
for db in "$tmp/truncated.db" "$tmp/damaged.db"; do
	name=$(basename "$db")
	refused "$db" "database '$db' is damaged (" collect -c "$uri"
	refused "$db" "database '$db' is damaged (" prune --keep-daily 1
	refused "$db" "database '$db' is damaged (" vacuum
	sum=$(md5sum <"$db")
	run --db "$db" check
	expect_rc 2 "check $name"
	expect_in "$err" "kvmhist: database '$db'" "check $name names the file"
	untouched "$db" "check $name"
	for c in snapshots "show 3 --json" "report --format json" "diff 1 5"; do
		# shellcheck disable=SC2086
		run --db "$db" $c
		checks=$((checks + 1))
		case $rc in
		0) ;;
		2) expect_lines "$err" 1 "$c on $name: one line" ;;
		*) fail "$c on $name: exit $rc ($err)" ;;
		esac
		untouched "$db" "$c on $name"
	done
done
# a page in the middle of this file belongs to a table or index: check must see it
run --db "$tmp/damaged.db" check
expect_in "$err" "integrity: " "check reports SQLite's finding"

# Read-only: a file without write permission (mode 0400), and a directory without (0555).
# Root may write anyway; kvmhist does not. Readers still read, leaving nothing beside it.
mkdir "$tmp/ro" "$tmp/rodir"
cp "$good" "$tmp/ro/kh.db"
chmod 0400 "$tmp/ro/kh.db"
cp "$good" "$tmp/rodir/kh.db"
chmod 0555 "$tmp/rodir"
refused "$tmp/ro/kh.db" "database '$tmp/ro/kh.db' is read-only (mode 0400); nothing was written" \
	collect -c "$uri"
refused "$tmp/ro/kh.db" "is read-only (mode 0400)" prune --keep-daily 1
refused "$tmp/ro/kh.db" "is read-only (mode 0400)" vacuum
refused "$tmp/rodir/kh.db" "database '$tmp/rodir/kh.db': its directory '$tmp/rodir' is not writable" \
	collect -c "$uri"
refused "$tmp/rodir/kh.db" "its directory '$tmp/rodir' is not writable" prune --keep-daily 1
run --db "$good" show 4 --json
want=$out
for db in "$tmp/ro/kh.db" "$tmp/rodir/kh.db"; do
	sum=$(md5sum <"$db")
	run --db "$db" show 4 --json
	expect_rc 0 "show on read-only $db"
	expect_eq "$out" "$want" "read-only $db reads the same"
	run --db "$db" check
	expect_rc 0 "check on read-only $db"
	run --db "$db" report --format json
	expect_rc 0 "report on read-only $db"
	untouched "$db" "reading read-only $db"
done
chmod 0755 "$tmp/rodir"

# World-readable: a warning line naming the file and mode, and the command still works.
cp "$good" "$tmp/open.db"
chmod 0644 "$tmp/open.db"
run --db "$tmp/open.db" snapshots
expect_rc 0 "world-readable database still works"
expect_eq "$err" "kvmhist: warning: database '$tmp/open.db' is readable by everyone (mode 0644); chmod 600 it" \
	"world-readable warning"
run --db "$good" snapshots
expect_eq "$err" "" "no warning for a private database"

done_testing
