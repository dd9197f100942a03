#!/bin/sh
# Proves that two kvmhist binaries print the same bytes: each collects the test estates into
# its own database (same --at times), then every reading command runs in every format against
# both, and any difference is shown. A refactor must pass it against the commit before it.
#
#   sh tests/same-output.sh OLD_BINARY [NEW_BINARY]     (NEW defaults to ./kvmhist)
#   sh tests/same-output.sh --rev REV [NEW_BINARY]      (builds REV in a scratch worktree)
#
# With BENCH_DB=FILE (e.g. bench/out/year.db) both binaries also read a copy of that history.
# A copy of each side's history with pending drift put into it is read as well.
# Exit 0 when every output is equal, 1 otherwise; outputs are kept in $KEEP when set.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --rev ]; then
	rev=$2
	shift 2
	wt=$(mktemp -d /tmp/kvmhist-same.XXXXXX)
	git -C "$top" worktree add -q --detach "$wt/src" "$rev" || exit 2
	make -s -C "$wt/src" -j2 >/dev/null || { git -C "$top" worktree remove --force "$wt/src"; exit 2; }
	old=$wt/src/kvmhist
else
	old=${1:?usage: same-output.sh OLD_BINARY [NEW_BINARY] | --rev REV [NEW_BINARY]}
	shift
	wt=""
fi
new=${1:-$top/kvmhist}
out=${KEEP:-$(mktemp -d /tmp/kvmhist-same-out.XXXXXX)}
mkdir -p "$out"
fx=$top/tests/fixtures
export KVMHIST_CONFIG=/dev/null NO_COLOR=1
unset LIBVIRT_DEFAULT_URI
export KVMHIST_NOW=2026-11-21T12:00:00Z

# collect SIDE BIN: the estate (5 nights), the drift nights and the hostile names, one URI each.
# Both sides read the node files from the same path, so their URIs are the same.
collect() {
	side=$1 bin=$2 d=$out/hosts
	rm -rf "$d"
	mkdir -p "$d"
	rm -f "$out/$side.db"*
	export KVMHIST_DB="$out/$side.db"
	for n in 1 2 3 4 5; do
		cp "$fx/estate/day$n.xml" "$d/estate.xml"
		cp "$fx/drift/night$n.xml" "$d/drift.xml"
		"$bin" -q collect -c "test://$d/estate.xml" -c "test://$d/drift.xml" \
			--at "2026-11-1${n}T03:00:00Z" || echo "collect night $n failed: $?"
	done
	cp "$fx/hostile.xml" "$d/hostile.xml"
	cp "$fx/secrets.xml" "$d/secrets.xml"
	"$bin" -q collect -c "test://$d/hostile.xml" -c "test://$d/secrets.xml" \
		--at 2026-11-15T04:00:00Z || echo "collect hostile failed: $?"
}

# runall SIDE BIN DB: every reading command, each output to its own file (exit status last).
runall() {
	side=$1 bin=$2 db=$3 o=$out/$1.out
	rm -rf "$o"
	mkdir -p "$o"
	export KVMHIST_DB="$db"
	# a copied binary has no templates beside it: give it the tree's
	tdir=$(dirname "$bin")/templates
	[ -d "$tdir" ] || tdir=$top/templates
	echo "templates = $tdir" >"$out/$side.conf"
	export KVMHIST_CONFIG="$out/$side.conf"
	i=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		i=$((i + 1))
		# shellcheck disable=SC2086
		eval "set -- $line"
		# the e-mail's boundary and Message-ID hash the pid: the one thing meant to differ
		{ echo "\$ kvmhist $line"; "$bin" "$@" 2>&1; echo "exit $?"; } |
			sed -e "s|$db|DB|g" -e 's/_kvmhist_\(related_\)\{0,1\}[0-9a-f]\{16\}_/_kvmhist_\1PID_/g' \
				-e 's/^\(Message-ID: <kvmhist\.[0-9TZ]*\.\)[0-9a-f]\{16\}@/\1PID@/' \
				>"$o/$(printf %03d $i)"
	done <"$out/commands"
}

cat >"$out/commands" <<'EOF'
snapshots
snapshots --json
domains
domains --json
show 1
show 2 --json
show latest
show latest --json
show 9
show 10 --json
show 11
show 12 --json
show 5
diff
diff 1
diff 1 9
diff 2 10 --format md
diff 2 10 --format html
diff 2 10 --format json
diff 1 9 --format md
diff 1 9 --format html
diff 1 9 --format json
diff --since 3 9 --domain aries
diff 1 9 --pool fast
diff 1 9 --network default
diff 2 10 --exit-code
log
log --format md
log --format json
log --since 2026-11-12 --until 2026-11-14
report
report --format html
report --format json
report --format email --mail-to ops@example.org
report --since 2026-11-10 --warn-days 400
report --since 2026-11-10 --format json --warn-days 400
report --since 2026-11-10 --format email --mail-to a@example.org --mail-from b@example.org
check
prune --keep-daily 2 --dry-run
show nosuch
diff 1 nosuch
report --since not-a-date
EOF
# the host-filtered forms name the URI of the scratch directory

for h in drift estate hostile; do
	echo "report --host test://$out/hosts/$h.xml --since 2026-11-10" >>"$out/commands"
	echo "log --host test://$out/hosts/$h.xml --format json" >>"$out/commands"
	echo "diff --host test://$out/hosts/$h.xml --format md" >>"$out/commands"
	echo "snapshots --host test://$out/hosts/$h.xml --json" >>"$out/commands"
done
collect old "$old"
collect new "$new"
runall old "$old" "$out/old.db"
runall new "$new" "$out/new.db"
status=0
diff -r "$out/old.out" "$out/new.out" >"$out/estate.diff" || status=1

# Pending drift: the test driver cannot hold a config-only change, so each side's store is
# given one, as tests/e2e/drift.sh does: frontend's latest live XML runs 1 vCPU (persistent:
# 2) and a hot-plugged disk, the hostile domain's a disk whose path holds a C1 control.
# From schema 7 bodies may be stored compressed: they are read and written as plain text
# through tests/kh-sql's kh_xml (the row then names no dictionary and no base).
pending_sql() {
	cat <<SQL
UPDATE xml SET body = replace(replace($1,
	'<vcpu placement=''static''>2</vcpu>', '<vcpu placement=''static''>1</vcpu>'),
	'</interface>', '</interface><disk type=''file'' device=''disk''><source file=''/srv/hot|plug&lt;b&gt;.raw''/><target dev=''vdb'' bus=''virtio''/></disk>')$2
WHERE id = (SELECT live_xml_id FROM domain WHERE name = 'frontend' AND live_xml_id IS NOT NULL
	ORDER BY id DESC LIMIT 1);
UPDATE xml SET body = replace($1, '</devices>', '<disk type=''file'' device=''disk''><source file=''/srv/*evil*' || char(155) || '[2J
x_y.raw''/><target dev=''vdz'' bus=''virtio''/></disk></devices>')$2
WHERE id = (SELECT live_xml_id FROM domain WHERE name LIKE 'evil%' AND live_xml_id IS NOT NULL
	ORDER BY id DESC LIMIT 1);
SQL
}
# Each side's own kh-sql where its tree is here: the new one would upgrade the old side's
# database to a schema the old binary cannot read.
sql_new=$top/${BUILD:-build}/tests/kh-sql
sql_old=$sql_new
if [ -n "$wt" ] && make -s -C "$wt/src" -j2 "${BUILD:-build}/tests/kh-sql" >/dev/null; then
	sql_old=$wt/src/${BUILD:-build}/tests/kh-sql
fi
for side in old new; do
	cp "$out/$side.db" "$out/$side-pending.db"
	sql=$sql_new
	[ "$side" = old ] && sql=$sql_old
	if [ "$(sqlite3 "$out/$side-pending.db" "PRAGMA user_version")" -ge 7 ]; then
		"$sql" "$out/$side-pending.db" \
			"$(pending_sql "kh_xml(id, hash, body, dict_id, base_id)" ", dict_id = NULL, base_id = NULL")" ||
			status=1
	else
		pending_sql body "" | sqlite3 "$out/$side-pending.db"
	fi
done
cat >"$out/commands" <<'EOF'
diff 2 10
diff 2 10 --format md
diff 2 10 --format html
diff 2 10 --format json
diff 8
log
log --format md
log --format json
show 10
show 11
report --since 2026-11-10
report --since 2026-11-10 --format html
report --since 2026-11-10 --format email --mail-to ops@example.org
EOF
for h in drift hostile; do
	echo "log --host test://$out/hosts/$h.xml" >>"$out/commands"
	echo "log --host test://$out/hosts/$h.xml --format md" >>"$out/commands"
	echo "report --host test://$out/hosts/$h.xml --since 2026-11-10 --format html" >>"$out/commands"
done
runall old-pending "$old" "$out/old-pending.db"
runall new-pending "$new" "$out/new-pending.db"
diff -r "$out/old-pending.out" "$out/new-pending.out" >"$out/pending.diff" || status=1

if [ -n "${BENCH_DB:-}" ]; then
	for side in old new; do
		cp "$BENCH_DB" "$out/$side-bench.db"
	done
	cat >"$out/commands" <<'EOF'
snapshots
show latest --json
diff
diff 1
diff 1 --format json
log --since 2026-01-01
report
report --format html
report --format json
report --since latest~30 --format email --mail-to ops@example.org
domains --json
EOF
	runall old-bench "$old" "$out/old-bench.db"
	runall new-bench "$new" "$out/new-bench.db"
	diff -r "$out/old-bench.out" "$out/new-bench.out" >"$out/bench.diff" || status=1
fi

if [ $status -eq 0 ]; then
	n=$(($(ls "$out/new.out" | wc -l) + $(ls "$out/new-pending.out" | wc -l)))
	echo "same output: $n commands${BENCH_DB:+ and the bench history} byte for byte"
else
	cat "$out"/*.diff | head -200
	echo "outputs differ (kept in $out)"
fi
[ -n "$wt" ] && git -C "$top" worktree remove --force "$wt/src"
[ -z "${KEEP:-}" ] && [ $status -eq 0 ] && rm -rf "$out"
exit $status
