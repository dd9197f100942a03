#!/bin/sh
# make bench: kvmhist at fleet scale. Every figure is a ratio of two measurements taken in
# this run, so the targets hold or fail the same way on a fast or a noisy machine.
# Environment: KVMHIST (binary), BENCH_BUILD (gen-estate, ref-collect), BENCH_JSON (optional
# output file), BENCH_NIGHTS (default 365), BENCH_RUNS (timing repeats, default 5),
# BENCH_LAB=0 to skip the real-libvirtd part, BENCH_OUT (cache directory, default bench/out),
# BENCH_FLEET_HOSTS (hosts of the fleet history, default 1000), BENCH_BEFORE (the commit
# whose kvmhist the after / before figures compare with, default the one before issue 18),
# BENCH_QUICK=1 for the collect / bare-API figures of the generated estate only (a minute).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$top/bench/out}
gen=$BENCH_BUILD/gen-estate
ref=$BENCH_BUILD/ref-collect
kh=$KVMHIST
nights=${BENCH_NIGHTS:-365}
runs=${BENCH_RUNS:-5}
json=${BENCH_JSON:-}
mkdir -p "$out"
# Scratch on tmpfs where there is one: the nightly dumps are 12,000 small files.
scratch=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "$out")/kvmhist-bench.XXXXXX")
lab_cleanup=:
bench_exit=:
trap 'eval "$lab_cleanup"; eval "$bench_exit"; rm -rf "$scratch"' EXIT INT TERM

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
# Seconds of one run of a command (output discarded).
elapsed() {
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.4f", $2 - $1 }'
}
# The fastest of $runs runs of two commands, alternated so both see the same machine:
# sets A and B (seconds). $3, when given, runs untimed before each run of the first.
race() {
	a_cmd=$1
	b_cmd=$2
	a_prep=${3:-:}
	A=999999 B=999999
	i=0
	while [ "$i" -lt "$runs" ]; do
		sh -c "$a_prep"
		t=$(elapsed sh -c "$a_cmd")
		A=$(echo "$A $t" | awk '{ print ($2 < $1) ? $2 : $1 }')
		t=$(elapsed sh -c "$b_cmd")
		B=$(echo "$B $t" | awk '{ print ($2 < $1) ? $2 : $1 }')
		i=$((i + 1))
	done
}
ratio() { echo "$1 $2" | awk '{ printf "%.3f", ($2 > 0) ? $1 / $2 : 0 }'; }
# "yes" when $1 $2 $3 holds (op: le or ge).
holds() { echo "$1 $3" | awk -v op="$2" '{ ok = (op == "le") ? $1 <= $2 : $1 >= $2; print ok ? "yes" : "NO" }'; }
night_time() { date -u -d "2025-01-01 03:00:00 UTC + $1 days" +%Y-%m-%dT%H:%M:%SZ; }
# A database's size with its WAL folded in.
db_size() {
	sqlite3 "$1" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	stat -c %s "$1"
}

rows=""
row() { # name value target verdict
	rows="$rows$1|$2|$3|$4
"
}

# ---- collect against the bare API, 1000-domain estate ----
# Nightly: into a database holding the night before. First night: into no database.
"$gen" 0 "$scratch/estate.xml"
uri="test://$scratch/estate.xml"
tdb=$scratch/t.db
"$kh" --db "$tdb" -q collect -c "$uri" --at 2025-01-01T03:00:00Z
race "'$kh' --db '$tdb' -q collect -c '$uri'" "'$ref' '$uri'"
r=$(ratio "$A" "$B")
row "collect / bare API, 1000 domains, into a 1-night database ($A / $B s)" "$r" "<= 1.3" "$(holds "$r" le 1.3)"
fdb=$scratch/f.db
race "'$kh' --db '$fdb' -q collect -c '$uri'" "'$ref' '$uri'" "rm -f '$fdb' '$fdb-wal' '$fdb-shm'"
r=$(ratio "$A" "$B")
row "collect / bare API, 1000 domains, first night ($A / $B s)" "$r" "<= 1.3" "$(holds "$r" le 1.3)"

if [ "${BENCH_QUICK:-0}" != 1 ]; then
# ---- kvmhist as it was before the XML was stored compressed (issue 18) ----
# Built once from BENCH_BEFORE (a commit of this repository) into the cache: the after /
# before figures of report and diff read the same history written by each.
before_rev=${BENCH_BEFORE:-75f707a}
bdir=$out/before-$before_rev
if [ ! -x "$bdir/kvmhist" ]; then
	rm -rf "$out"/before-*
	mkdir -p "$bdir/src"
	say "bench: building kvmhist $before_rev (the before of after / before)..."
	git -C "$top" archive "$before_rev" | tar -x -C "$bdir/src"
	make -C "$bdir/src" -j2 kvmhist >/dev/null 2>&1
	mv "$bdir/src/kvmhist" "$bdir/kvmhist"
	rm -rf "$bdir/src"
fi
kh_before=$bdir/kvmhist

# ---- the 365-night histories: kvmhist's database and the naive script's git repo ----
# Cached in bench/out/ while the generator and the code that writes the database (store/,
# collect, util/) are unchanged, so work on report or diff does not regenerate it.
# (layout 3: the estate file lives in the cache, so its URI stays the host's for later
# nights; the git side is gc --aggressive'd; before.db is the same nights by $kh_before)
stamp=$( (echo layout 3 "$before_rev"; cat "$gen" "$ref" "$top"/store/write.c "$top"/util/xmlnum.c \
	"$top"/store/schema.c "$top"/store/model.c "$top"/store/kind.c "$top"/store/row.c \
	"$top"/store/body.c "$top"/cmd/collect*.c) | sha1sum | cut -c1-16)-$nights
# history DIR CHURN [before]: $nights nights of the estate (GEN_CHURN=CHURN) collected into
# DIR/kvmhist.db (and by $kh_before into DIR/before.db), dumped one file per object into a
# git repository committed nightly; DIR/db.bytes and DIR/git.bytes their sizes.
history() {
	h=$1
	[ -f "$h/done" ] && return 0
	rm -rf "$h"
	mkdir -p "$h"
	say "bench: generating $nights nights of 1000 domains, churn $2 (cached in $h)..."
	estate=$h/night.xml # the host's URI: the nightly figure below collects it once more
	work=$scratch/dump-$2
	export GIT_DIR=$scratch/git-$2
	git init -q --bare "$GIT_DIR"
	git config gc.auto 0 # one gc at the end
	n=0
	while [ "$n" -lt "$nights" ]; do
		GEN_CHURN=$2 "$gen" "$n" "$estate"
		at=$(night_time "$n")
		t0=$(now)
		"$kh" --db "$h/kvmhist.db" -q collect -c "test://$estate" --at "$at" &
		pid=$!
		if [ -n "${3:-}" ]; then
			"$kh_before" --db "$h/before.db" -q collect -c "test://$estate" --at "$at" &
			bpid=$!
		fi
		rm -rf "$work"
		"$ref" "test://$estate" --dump "$work" >/dev/null
		GIT_WORK_TREE=$work git add -A
		GIT_WORK_TREE=$work git -c user.name=bench -c user.email=bench@localhost \
			commit -q -m "night $n" --date "$at"
		wait "$pid"
		[ -n "${3:-}" ] && wait "$bpid"
		t1=$(now)
		n=$((n + 1))
		[ $((n % 30)) -eq 0 ] && say "bench:   night $n ($(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s)"
	done
	# what a careful admin keeps: the repository packed as small as git packs it
	git gc -q --aggressive
	db_size "$h/kvmhist.db" >"$h/db.bytes"
	du -sb "$GIT_DIR/objects" | cut -f1 >"$h/git.bytes"
	[ -n "${3:-}" ] && db_size "$h/before.db" >"$h/before.bytes"
	unset GIT_DIR
	rm -rf "$work" "$scratch/git-$2"
	touch "$h/done"
}
hist=$out/history-$stamp
churn=$out/churn-$stamp
if [ ! -f "$hist/done" ] || [ ! -f "$churn/done" ]; then
	rm -rf "$out"/history-* "$out"/churn-*
	# the two histories side by side: each is mostly waiting for its collects
	history "$hist" normal before &
	hpid=$!
	history "$churn" high
	wait "$hpid"
fi
db=$hist/kvmhist.db
db_bytes=$(cat "$hist/db.bytes")
git_bytes=$(cat "$hist/git.bytes")
r=$(ratio "$db_bytes" "$git_bytes")
row "db size $nights nights / git gc --aggressive'd dumps ($db_bytes / $git_bytes B; before: $(cat "$hist/before.bytes") B)" "$r" "<= 0.5" "$(holds "$r" le 0.5)"
r=$(ratio "$(cat "$churn/db.bytes")" "$(cat "$churn/git.bytes")")
row "the same, 10 % of domains changing nightly, half the volumes growing ($(cat "$churn/db.bytes") / $(cat "$churn/git.bytes") B)" "$r" "<= 0.6" "$(holds "$r" le 0.6)"
bdb=$hist/before.db

# ---- the next night, into the year's history: what cron does every night ----
"$gen" "$nights" "$hist/night.xml"
ydb=$scratch/y.db
race "'$kh' --db '$ydb' -q collect -c 'test://$hist/night.xml' --at '$(night_time "$nights")'" \
	"'$ref' 'test://$hist/night.xml'" "cp '$db' '$ydb'; rm -f '$ydb-wal' '$ydb-shm'"
r=$(ratio "$A" "$B")
row "collect / bare API, 1000 domains, night $((nights + 1)) into the $nights-night database ($A / $B s)" "$r" "<= 1.3" "$(holds "$r" le 1.3)"

# ---- an unchanged night, against the first ----
udb=$scratch/u.db
"$kh" --db "$udb" -q collect -c "$uri" --at 2025-01-01T03:00:00Z
first=$(db_size "$udb")
for d in 02 03 04 05 06 07 08 09 10 11; do
	"$kh" --db "$udb" -q collect -c "$uri" --at "2025-01-${d}T03:00:00Z"
done
later=$(db_size "$udb")
per=$(( (later - first) / 10 ))
r=$(ratio "$per" "$first")
row "bytes per unchanged night / first snapshot ($per / $first B)" "$r" "<= 0.02" "$(holds "$r" le 0.02)"

# ---- diff and report over the history ----
t=$(elapsed "$kh" --db "$db" diff latest~1 latest --format json)
row "diff of two 1000-domain snapshots (s)" "$t" "< 1" "$(holds "$t" le 1)"
race "'$kh' --db '$db' diff latest~1 latest --format json" \
	"'$kh_before' --db '$bdb' diff latest~1 latest --format json"
r=$(ratio "$A" "$B")
row "diff of two 1000-domain snapshots, after / before ($A / $B s)" "$r" "<= 1.1" "$(holds "$r" le 1.1)"
last=$(night_time $((nights - 1)))
rep() { "$kh" --db "$db" report --format json --until "$last" --since "$1"; }
race "'$kh' --db '$db' report --format json --until '$last' --since '$(night_time 0)'" \
	"'$kh_before' --db '$bdb' report --format json --until '$last' --since '$(night_time 0)'"
r=$(ratio "$A" "$B")
row "report over $nights nights, after / before ($A / $B s)" "$r" "<= 1.1" "$(holds "$r" le 1.1)"
t365=$(elapsed rep "$(night_time 0)")
t30=$(elapsed rep "$(night_time $((nights - 30)))")
row "report over $nights nights (s)" "$t365" "< 1" "$(holds "$t365" le 1)"
r=$(ratio "$t365" "$t30")
row "report $nights nights / 30 nights ($t365 / $t30 s)" "$r" "<= 14" "$(holds "$r" le 14)"
rss=$( { /usr/bin/time -f %M "$kh" --db "$db" report --format json --until "$last" \
	--since "$(night_time 0)" >/dev/null; } 2>&1 | tail -1)
mib=$(echo "$rss" | awk '{ printf "%.1f", $1 / 1024 }')
row "peak RSS of the $nights-night report (MiB)" "$mib" "<= 64" "$(holds "$mib" le 64)"
# log over the same nights (its text, a line per change: 22 MB) against that report, alternated
race "'$kh' --db '$db' log --since '$(night_time 0)' --until '$last'" \
	"'$kh' --db '$db' report --format json --since '$(night_time 0)' --until '$last'"
r=$(ratio "$A" "$B")
row "log / report over $nights nights ($A / $B s)" "$r" "<= 1.5" "$(holds "$r" le 1.5)"

# ---- a fleet: the same history as 16 hosts side by side ----
# One host's report must not slow down with the hosts beside it, and all of them take as long
# as each in turn.
fleet=16
mdb=$scratch/fleet.db
cp "$db" "$mdb"
sh "$top/bench/clone-hosts.sh" "$mdb" "$fleet"
one_uri="test://$hist/night.xml"
t1=$(elapsed "$kh" --db "$db" report --format json --until "$last" --since "$(night_time 0)" --host "$one_uri")
tm=$(elapsed "$kh" --db "$mdb" report --format json --until "$last" --since "$(night_time 0)" --host "$one_uri")
r=$(ratio "$tm" "$t1")
row "report of one host, $fleet-host / 1-host database ($tm / $t1 s)" "$r" "<= 1.5" "$(holds "$r" le 1.5)"
tall=$(elapsed "$kh" --db "$mdb" report --format json --until "$last" --since "$(night_time 0)")
r=$(ratio "$tall" "$(echo "$t1 $fleet" | awk '{ print $1 * $2 }')")
row "report of $fleet hosts / $fleet x one host ($tall / $fleet x $t1 s)" "$r" "<= 1.5" "$(holds "$r" le 1.5)"
rm -f "$mdb" "$mdb-wal" "$mdb-shm"

# ---- a fleet: 1000 hosts of 20 domains, 20 pools and 100 volumes, 30 nights ----
# One collect --uri-file a night, as cron on a fleet's report host would; cached like the
# year's history. Then the weekly e-mail's time, peak RSS and size for the fleet, beside
# the same figures for one of its hosts.
fhosts=${BENCH_FLEET_HOSTS:-1000}
fnights=30
fstamp=$( (echo fleet 1; cat "$gen" "$top"/bench/gen-fleet.sh "$top"/store/write.c "$top"/store/body.c \
	"$top"/util/xmlnum.c "$top"/store/schema.c "$top"/store/model.c "$top"/cmd/collect*.c) |
	sha1sum | cut -c1-16)-$fhosts
fleetdir=$out/fleet-$fstamp
if [ ! -f "$fleetdir/done" ]; then
	rm -rf "$out"/fleet-*
	say "bench: generating $fnights nights of $fhosts hosts (cached in $fleetdir)..."
	t0=$(now)
	BENCH_BUILD=$BENCH_BUILD KVMHIST=$kh sh "$top/bench/gen-fleet.sh" "$fleetdir" "$fnights" "$fhosts"
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.0f\n", $2 - $1 }' >"$fleetdir/seconds"
	touch "$fleetdir/done"
fi
fdb=$fleetdir/kvmhist.db
flast=$(night_time $((fnights - 1)))
fone=$(head -1 "$fleetdir/uris")
# fleet_run OUT ARGS...: one report into OUT; sets T (s) and M (peak RSS, MiB)
fleet_run() {
	o=$1
	shift
	t0=$(now)
	kb=$( { /usr/bin/time -f %M "$kh" --db "$fdb" report --since "$(night_time 0)" \
		--until "$flast" -o "$o" "$@" >/dev/null; } 2>&1 | tail -1)
	t1=$(now)
	T=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
	M=$(echo "$kb" | awk '{ printf "%.1f", $1 / 1024 }')
}
mail="--format email --mail-to ops@example.org --mail-from kvmhist@example.org"
fleet_run "$scratch/one.eml" $mail --host "$fone"
t_one=$T m_one=$M s_one=$(stat -c %s "$scratch/one.eml")
fleet_run "$scratch/fleet.eml" $mail
t_fleet=$T m_fleet=$M s_fleet=$(stat -c %s "$scratch/fleet.eml")
fleet_run "$scratch/fleet.json" --format json
t_json=$T m_json=$M s_json=$(stat -c %s "$scratch/fleet.json")
# its HTML part's size, then how many chart PNGs it holds (the rest left out to fit 200 KB)
# and their mean size
read -r html n_png png_mean <<EOF
$(python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
png = [len(p.get_payload(decode=True)) for p in m.walk() if p.get_content_type() == "image/png"]
print(max(len(p.get_payload(decode=True)) for p in m.walk() if p.get_content_type() == "text/html"),
      len(png), sum(png) // max(len(png), 1))' "$scratch/fleet.eml")
EOF
say "bench: fleet history: $(cat "$fleetdir/seconds") s to generate, $(db_size "$fdb") B"
r=$(ratio "$t_fleet" "$(echo "$t_one $fhosts" | awk '{ print $1 * $2 }')")
row "fleet e-mail report, $fhosts hosts / $fhosts x one host ($t_fleet / $fhosts x $t_one s)" "$r" "<= 1.5" "$(holds "$r" le 1.5)"
row "peak RSS of the $fhosts-host e-mail report (MiB; one host: $m_one)" "$m_fleet" "<= 64" "$(holds "$m_fleet" le 64)"
row "peak RSS of the $fhosts-host JSON report (MiB; $t_json s, $s_json B)" "$m_json" "<= 64" "$(holds "$m_json" le 64)"
k=$(echo "$s_fleet" | awk '{ printf "%.1f", $1 / 1000 }')
row "$fhosts-host e-mail, whole message (kB; one host: $(echo "$s_one" | awk '{ printf "%.1f", $1 / 1000 }'))" "$k" "<= 200" "$(holds "$k" le 200)"
k=$(echo "$html" | awk '{ printf "%.1f", $1 / 1000 }')
row "$fhosts-host e-mail, its HTML (kB; $n_png charts of $png_mean B)" "$k" "<= 100" "$(holds "$k" le 100)"

# ---- the real lab: a running libvirtd, 200 defined domains, 400 sparse volumes ----
# The daemon the tests use: one that answers, else one started here (as root) and stopped at
# the end; only our khbench-PID-* objects are made and removed on it.
lab_uri=qemu:///system
tmp=$scratch
at_exit() {
	bench_exit="$1
$bench_exit"
}
. "$top/tests/libvirtd-up.sh"
if [ "${BENCH_LAB:-1}" != 0 ] && libvirtd_up; then
	. "$top/bench/lab.sh"
	lab_setup
	ldb=$scratch/lab.db
	"$kh" --db "$ldb" -q collect -c "$lab_uri"
	race "'$kh' --db '$ldb' -q collect -c '$lab_uri'" "'$ref' '$lab_uri'"
	lab_collect=$A
	r=$(ratio "$A" "$B")
	row "collect / bare API, real lab ($A / $B s)" "$r" "<= 1.3" "$(holds "$r" le 1.3)"
	t=$(elapsed sh "$top/bench/virsh-loop.sh" "$lab_uri" "$scratch/loop")
	r=$(ratio "$t" "$lab_collect")
	row "virsh loop / collect, real lab ($t / $lab_collect s)" "$r" ">= 100" "$(holds "$r" ge 100)"
	# Over a WAN: bench/delay-relay delays every chunk by D ms each way (netem is not
	# available here), in front of the daemon's socket or of an sshd of our own. The fastest
	# of 3 collects (each a few seconds), with the default --timeout.
	relay_up() { # NAME MS LISTEN TARGET
		"$BENCH_BUILD/delay-relay" -d "$2" -l "$3" -t "$4" -p "$scratch/$1.port" 9>&- &
		at_exit "kill $!"
		wait_for_file "$scratch/$1.port"
	}
	wan() { # URI: sets W, the fastest of 3 collects, and wan_err, the last one's -v line
		W=999999
		for i in 1 2 3; do
			rm -f "$scratch/wan.db" "$scratch/wan.db-wal" "$scratch/wan.db-shm"
			t0=$(now)
			"$kh" --db "$scratch/wan.db" -v collect -c "$1" >/dev/null 2>"$scratch/wan.err" ||
				{ W=999999; break; }
			t=$(echo "$t0 $(now)" | awk '{ printf "%.4f", $2 - $1 }')
			W=$(echo "$W $t" | awk '{ print ($2 < $1) ? $2 : $1 }')
		done
		wan_err=$(sed 's/.* in [0-9.]* s, //' "$scratch/wan.err")
	}
	relay_up r20 10 "unix:$scratch/r20.sock" unix:/var/run/libvirt/libvirt-sock
	wan "qemu+unix:///system?socket=$scratch/r20.sock"
	r=$(ratio "$W" 0.020)
	row "collect over a 20 ms round trip / 20 ms, real lab ($W s; $wan_err)" "$r" "<= 100" "$(holds "$r" le 100)"
	relay_up r100 50 "unix:$scratch/r100.sock" unix:/var/run/libvirt/libvirt-sock
	wan "qemu+unix:///system?socket=$scratch/r100.sock"
	row "collect over a 100 ms round trip, default --timeout, real lab (s; $wan_err)" "$W" "<= 10" "$(holds "$W" le 10)"
	. "$top/tests/sshd-up.sh"
	if sshd_up; then
		relay_up s20 10 tcp:0 "tcp:$ssh_port"
		wan "$(ssh_uri "$(cat "$scratch/s20.port")")"
		r=$(ratio "$W" 0.020)
		row "collect over qemu+ssh through a 20 ms round trip / 20 ms, real lab ($W s; $wan_err)" "$r" "<= 120" "$(holds "$r" le 120)"
	else
		say "bench: qemu+ssh figure skipped: $skip"
	fi
	eval "$lab_cleanup"
	lab_cleanup=:
else
	say "bench: real-lab figures skipped: ${skip:-BENCH_LAB=0}"
fi

fi # BENCH_QUICK

# ---- the table, and JSON ----
printf '\n| figure | value | target | holds |\n|---|---|---|---|\n'
printf '%s' "$rows" | awk -F'|' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }'
if [ -n "$json" ]; then
	printf '%s' "$rows" | awk -F'|' 'BEGIN { print "[" }
		{ gsub(/"/, "\\\"", $1); printf "%s  {\"figure\": \"%s\", \"value\": %s, \"target\": \"%s\", \"holds\": %s}",
		  (NR > 1) ? ",\n" : "", $1, $2, $3, ($4 == "yes") ? "true" : "false" }
		END { print "\n]" }' >"$json"
	say "bench: figures written to $json"
fi
