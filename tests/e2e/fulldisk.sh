# A full disk costs the snapshots that do not fit, nothing else: each host's snapshot is
# rolled back and named while the others are still tried, a first collect leaves no empty
# database behind, readers and prune --dry-run still read, prune says how much to free.
# And permission problems name the user, the owner and the mode. Root only: a tmpfs of
# 1 MiB of our own, filled with dd, unmounted at the end.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: fulldisk.sh needs root (a tmpfs of its own, another user)"
	done_testing
	exit
fi
mnt=$tmp/full
mkdir "$mnt"
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$mnt" || { fail "mount tmpfs"; done_testing; exit; }
at_exit 'umount "$mnt"'
# fill LEAVE_KIB: the disk is full but for LEAVE_KIB
fill() {
	rm -f "$mnt/fill"
	dd if=/dev/zero of="$mnt/fill" bs=1k \
		count=$(($(df --output=avail -k "$mnt" | tail -n 1) - $1)) 2>/dev/null
}
est=$mnt/estate.xml
cp "$fixtures/estate/day1.xml" "$est"
big="test://$est"
small=test:///default

# a first collect that finds no room: no database, no -wal, no -shm left behind
for leave in 0 40 100 160; do
	fill "$leave"
	run --db "$mnt/new.db" collect -c "$big" -c "$small" --at 2026-11-21T03:00:00Z
	[ "$rc" -ne 0 ] || fail "first collect with $leave KiB free: exit 0"
	expect_eq "$(ls "$mnt" | tr '\n' ' ')" "estate.xml fill " "first collect with $leave KiB free left nothing"
done

# an existing history, then a disk too full for one host: it is named, the other is tried
rm -f "$mnt/fill"
for d in 1 2 3; do
	cp "$fixtures/estate/day$d.xml" "$est"
	run --db "$mnt/kh.db" -q collect -c "$big" --at "2026-11-2${d}T03:00:00Z"
	expect_rc 0 "collect night $d"
done
run --db "$mnt/kh.db" show --json
before=$out
# a new host (a whole estate to write) and the known one, unchanged (a snapshot row)
cp "$fixtures/estate/day5.xml" "$mnt/new.xml"
new="test://$mnt/new.xml"
fill 70
run --db "$mnt/kh.db" collect -c "$new" -c "$big" -c "$small" --at 2026-11-24T03:00:00Z
expect_rc 1 "collect on a full disk"
expect_in "$err" "$new: not stored: database '$mnt/kh.db': cannot update: database or disk is full" "the host that did not fit is named, with the cause"
expect_in "$err" "$small: not stored: " "the last host was still tried"
expect_lines "$out" 1 "one host fitted"
expect_in "$out" "$big" "the unchanged host fitted after the one that did not"
run --db "$mnt/kh.db" snapshots --json
expect_eq "$(json '[s["uri"] for s in j["snapshots"]]')" "['$big', '$big', '$big', '$big']" "nothing of the others half-stored"
run --db "$mnt/kh.db" show 3 --json
expect_eq "$out" "$before" "the earlier snapshot reads as before"
# no room even to open it: readers still read, a writer says what to do
fill 0
run --db "$mnt/kh.db" snapshots --json
expect_rc 0 "snapshots still read on a full disk"
expect_eq "$(json 'len(j["snapshots"])')" "4" "all of them"
run --db "$mnt/kh.db" collect -c "$big"
expect_rc 2 "collect with no room to open the database"
expect_in "$err" "no space left on its disk: free " "says how much to free"

# prune: a dry run only reads; a real one says exactly how much to free
fill 0
run --db "$mnt/kh.db" prune --keep-daily 1 --dry-run
expect_rc 0 "prune --dry-run on a full disk"
expect_in "$out" "would remove 3 snapshots" "prune --dry-run counts"
run --db "$mnt/kh.db" prune --keep-daily 1
expect_rc 2 "prune on a full disk"
expect_in "$err" "free " "prune says how much to free"
expect_in "$err" "and run it again" "prune says what then"
rm -f "$mnt/fill"
run --db "$mnt/kh.db" prune --keep-daily 1
expect_rc 0 "prune once there is room"
run --db "$mnt/kh.db" check
expect_rc 0 "check after it all"

# permission problems: who may not do what to whose file
chmod 0755 "$tmp"
mkdir "$tmp/perm"
cp "$mnt/kh.db" "$tmp/perm/kh.db"
chmod 0600 "$tmp/perm/kh.db"
# nobody runs a copy: the tree under test may sit in a directory only root may enter (a CI
# clone in a fresh mktemp -d)
cp "$KVMHIST" "$tmp/kvmhist"
chmod 0755 "$tmp/kvmhist"
asnobody() {
	err=$(su nobody -s /bin/sh -c "KVMHIST_CONFIG=/dev/null '$tmp/kvmhist' --db '$1' $2" 2>&1 >/dev/null)
	rc=$?
}
asnobody "$tmp/perm/kh.db" snapshots
expect_rc 2 "another user reads a 0600 database"
expect_in "$err" "permission denied: user 'nobody' may not read database '$tmp/perm/kh.db' (owner 'root', mode 0600)" "read refused, said so"
chmod 0644 "$tmp/perm/kh.db"
asnobody "$tmp/perm/kh.db" "prune --keep-daily 1"
expect_in "$err" "permission denied: user 'nobody' may not write database '$tmp/perm/kh.db' (owner 'root', mode 0644)" "write refused, said so"
chmod 0700 "$tmp/perm"
asnobody "$tmp/perm/kh.db" snapshots
expect_in "$err" "permission denied: user 'nobody' may not enter the directory '$tmp/perm' (owner 'root', mode 0700)" "directory refused, said so"
chmod 0700 "$tmp"

done_testing
