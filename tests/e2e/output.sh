# -o FILE never loses data: a file is replaced atomically, a device, a FIFO or /dev/stdout
# is written through, a symlink is followed, and the database (its -wal, -shm) or any
# other SQLite database is refused with exit 2 and left byte for byte.
. "$(dirname "$0")/lib.sh"

for d in 1 2; do
	run collect -c "$(day $d)" --at "2026-11-2${d}T03:00:00Z"
	expect_rc 0 "collect night $d"
done
run report --format json
expect_rc 0 "report to stdout"
want=$out

# a new path, then the same path again: a regular file holding the report, mode kept
run report --format json -o "$tmp/r.json"
expect_rc 0 "report -o new file"
expect_eq "$(cat "$tmp/r.json")" "$want" "new file holds the report"
chmod 0640 "$tmp/r.json"
run report --format json -o "$tmp/r.json"
expect_rc 0 "report -o existing file"
expect_eq "$(stat -c %a "$tmp/r.json")" "640" "an existing file keeps its mode"
expect_eq "$(ls "$tmp" | grep -c '\.tmp\.')" "0" "no temporary file left"

# a symlink is followed: its target replaced, the link still a link
echo old >"$tmp/target.json"
ln -s target.json "$tmp/link.json"
run report --format json -o "$tmp/link.json"
expect_rc 0 "report -o symlink"
[ -L "$tmp/link.json" ] || fail "the symlink became a file"
expect_eq "$(cat "$tmp/target.json")" "$want" "the symlink's target holds the report"
ln -s nowhere "$tmp/dangling"
run report --format json -o "$tmp/dangling"
expect_rc 2 "report -o symlink to nothing"
expect_in "$err" "symlink to nothing" "dangling symlink named"
[ -L "$tmp/dangling" ] || fail "the dangling symlink was replaced"

# a FIFO is written through and stays a FIFO
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
run report --format json -o "$tmp/fifo"
expect_rc 0 "report -o FIFO"
wait $reader
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced by a file"
expect_eq "$(cat "$tmp/from-fifo")" "$want" "the FIFO's reader got the report"

# /dev/stdout, as a link of our own to the same place: a broken kvmhist must not replace
# the machine's /dev/stdout or /dev/null while the test shows it. Into the pipe or the
# file stdout is, appended as the shell opened it.
ln -s /proc/self/fd/1 "$tmp/stdout"
"$KVMHIST" report --format json -o "$tmp/stdout" | cat >"$tmp/piped"
expect_eq "$(cat "$tmp/piped")" "$want" "-o /dev/stdout into a pipe"
echo first >"$tmp/appended"
"$KVMHIST" report --format json -o "$tmp/stdout" >>"$tmp/appended"
expect_eq "$(head -n 1 "$tmp/appended")" "first" "-o /dev/stdout appends as >> asked"
expect_eq "$(sed 1d "$tmp/appended")" "$want" "-o /dev/stdout wrote the report after it"
[ -L "$tmp/stdout" ] || fail "the /dev/stdout link became a file"

# a device node of our own, /dev/null's numbers (root only)
if mknod "$tmp/null" c 1 3 2>/dev/null; then
	run report --format json -o "$tmp/null"
	expect_rc 0 "report -o a device node"
	[ -c "$tmp/null" ] || fail "the device node was replaced by a file"
fi

# the database, its companions, any SQLite database: exit 2, nothing changed
sum() { sha256sum "$@" 2>/dev/null | cut -d' ' -f1; }
before=$(sum "$KVMHIST_DB")
for p in "$KVMHIST_DB" "$KVMHIST_DB-wal" "$KVMHIST_DB-shm" "$KVMHIST_DB-journal" \
	"$tmp/../$(basename "$tmp")/kh.db" "./$(basename "$KVMHIST_DB")"; do
	case $p in ./*) cd "$tmp" || exit 1 ;; esac
	run report --format json -o "$p"
	cd "$top" || exit 1
	expect_rc 2 "report -o $p"
	expect_in "$err" "refusing to write" "refusal for $p"
	expect_lines "$err" 1 "one line for $p"
done
expect_eq "$(sum "$KVMHIST_DB")" "$before" "the database is byte for byte as before"
ln "$KVMHIST_DB" "$tmp/hardlink.db"
run report -o "$tmp/hardlink.db"
expect_rc 2 "report -o a hard link to the database"
ln -s kh.db "$tmp/db-link"
run report -o "$tmp/db-link"
expect_rc 2 "report -o a symlink to the database"
expect_eq "$(sum "$KVMHIST_DB")" "$before" "the database is still as before"
expect_eq "$(ls "$tmp" | grep -c '\.tmp\.')" "0" "no temporary file left by refusals"
sqlite3 "$tmp/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
other=$(sum "$tmp/other.db")
run report -o "$tmp/other.db"
expect_rc 2 "report -o another SQLite database"
expect_in "$err" "is an SQLite database" "another database named as such"
run report -o "$tmp/other.db-wal"
expect_rc 2 "report -o another database's -wal"
[ -e "$tmp/other.db-wal" ] && fail "a -wal file was created beside another database"
expect_eq "$(sum "$tmp/other.db")" "$other" "the other database is untouched"
# the database named another way round: --db with a relative path, -o absolute
cd "$tmp" || exit 1
"$KVMHIST" --db kh.db report -o "$tmp/kh.db-wal" >/dev/null 2>&1
rc=$?
cd "$top" || exit 1
expect_rc 2 "relative --db, absolute -o of its -wal"
[ -e "$KVMHIST_DB-wal" ] && [ "$(sum "$KVMHIST_DB-wal")" != "" ] && \
	grep -q '"period"' "$KVMHIST_DB-wal" && fail "a report was written as the -wal"
mkdir "$tmp/dir"
run report -o "$tmp/dir"
expect_rc 2 "report -o a directory"
expect_in "$err" "Is a directory" "a directory named as such"

done_testing
