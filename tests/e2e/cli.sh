# The command line: help, version, usage errors, and bad input that must change nothing.
. "$(dirname "$0")/lib.sh"

run --help
expect_rc 0 "--help"
help=$out
for c in collect snapshots show diff report monitor metrics prune vacuum check; do
	expect_in "$help" "  $c " "--help lists $c"
	run "$c" --help
	expect_rc 0 "$c --help"
	expect_in "$out" "usage: kvmhist [--db PATH] $c" "$c --help usage"
done
run --version
expect_rc 0 "--version"
expect_in "$out" "kvmhist " "--version"
expect_in "$out" "libvirt " "--version names libvirt"
expect_in "$out" "sqlite " "--version names sqlite"
expect_in "$out" "libxml2 " "--version names libxml2"
expect_in "$out" "cmark " "--version names cmark"

run
expect_rc 2 "no command"
run frobnicate
expect_rc 2 "unknown command"
expect_eq "$err" "kvmhist: unknown command 'frobnicate' (see 'kvmhist --help')" "unknown command"
run collect --bogus
expect_rc 2 "unknown option"
expect_in "$err" "kvmhist collect: unknown option '--bogus'" "unknown option"
run collect --at
expect_rc 2 "missing option value"
expect_in "$err" "option '--at' needs a value" "missing option value"

# A missing database: every reading command fails clearly and creates nothing.
for c in snapshots show diff report metrics vacuum check "prune --keep-daily 1"; do
	# shellcheck disable=SC2086
	run $c
	expect_rc 2 "$c without database"
	expect_eq "$err" "kvmhist: database '$tmp/kh.db' does not exist (run 'kvmhist collect' first)" "$c without database"
done
[ -e "$tmp/kh.db" ] && fail "a reading command created the database"

# Bad URIs: exit 1, one line naming the URI, and no database appears.
run collect -c "test:///nonexistent/estate.xml"
expect_rc 1 "bad test URI"
expect_lines "$err" 1 "bad test URI error"
expect_in "$err" "test:///nonexistent/estate.xml" "bad test URI names the URI"
run collect -c "bogus://nowhere/"
expect_rc 1 "unknown driver"
expect_in "$err" "bogus://nowhere/" "unknown driver names the URI"
[ -e "$tmp/kh.db" ] && fail "a failed collect created the database"

# A malformed --at is a usage error before anything is contacted.
run collect -c "$(day 1)" --at "2026-13-01"
expect_rc 2 "malformed --at"
expect_in "$err" "invalid time '2026-13-01' for --at" "malformed --at"
[ -e "$tmp/kh.db" ] && fail "a malformed --at created the database"

# --db wins over $KVMHIST_DB; the new database is private.
run --db "$tmp/sub/x.db" collect -c "$(day 1)" --at 2026-11-20T03:00:00Z
expect_rc 0 "collect into --db"
expect_eq "$(stat -c %a "$tmp/sub/x.db")" 600 "database mode"
expect_eq "$(stat -c %a "$tmp/sub")" 700 "database directory mode"
[ -e "$tmp/kh.db" ] && fail "--db was not used"

# The default database path: $KVMHIST_DB, else the XDG data directory for a user (run as
# nobody when we are root; root's /var/lib/kvmhist is not touched by tests).
if [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$tmp"
	mkdir -p "$tmp/xdg" "$tmp/home"
	chown nobody "$tmp/xdg" "$tmp/home"
	cp "$fixtures/estate/day1.xml" "$tmp/xdg.xml"
	# a copy nobody can reach: the checkout may sit in a private directory
	cp "$KVMHIST" "$tmp/kvmhist-user"
	chmod 755 "$tmp/kvmhist-user"
	chmod 644 "$tmp/xdg.xml"
	runuser -u nobody -- env -u KVMHIST_DB XDG_DATA_HOME="$tmp/xdg" HOME="$tmp/home" \
		"$tmp/kvmhist-user" -q collect -c "test://$tmp/xdg.xml" >"$tmp/out" 2>"$tmp/err"
	rc=$? err=$(cat "$tmp/err")
	expect_rc 0 "collect as a user"
	expect_eq "$(stat -c '%U %a' "$tmp/xdg/kvmhist/kvmhist.db" 2>&1)" "nobody 600" "XDG database"
	runuser -u nobody -- env -u KVMHIST_DB -u XDG_DATA_HOME HOME="$tmp/home" \
		"$tmp/kvmhist-user" -q collect -c "test://$tmp/xdg.xml" >"$tmp/out" 2>"$tmp/err"
	rc=$? err=$(cat "$tmp/err")
	expect_rc 0 "collect as a user without XDG_DATA_HOME"
	expect_eq "$(stat -c '%a' "$tmp/home/.local/share/kvmhist" "$tmp/home/.local/share/kvmhist/kvmhist.db" 2>&1 | tr '\n' ' ')" "700 600 " "~/.local/share database"
fi

# One good and one bad URI: the good one is stored, exit 1, one error line.
run collect -c "$(day 1)" -c "test:///nonexistent/x.xml" --at 2026-11-20T03:00:00Z
expect_rc 1 "one of two URIs fails"
expect_lines "$out" 1 "one snapshot line"
expect_eq "$(printf '%s' "$out" | cut -f1,3,4)" "$(printf '1\t2026-11-20T03:00:00Z\t%s' "$(day 1)")" "snapshot line"
expect_lines "$err" 1 "one error line"

# Bad SNAP and SPEC: exit 2, a clear message, the database unchanged.
sum=$(md5sum "$tmp/kh.db")
run show 42
expect_rc 2 "unknown snapshot"
expect_eq "$err" "kvmhist: no snapshot 42" "unknown snapshot"
run show yesterday
expect_rc 2 "malformed SNAP"
expect_in "$err" "invalid snapshot 'yesterday'" "malformed SNAP"
run diff latest~5
expect_rc 2 "latest~5"
run report --since 2026-02-30
expect_rc 2 "malformed date"
expect_in "$err" "invalid period bound '2026-02-30'" "malformed date"
run diff --format pdf
expect_rc 2 "unknown format"
run diff
expect_rc 2 "diff of the first snapshot"
expect_in "$err" "nothing to compare" "diff of the first snapshot"
run snapshots --host nosuch
expect_rc 2 "unknown host"
expect_eq "$err" "kvmhist: no snapshots of host 'nosuch'" "unknown host"
expect_eq "$(md5sum "$tmp/kh.db")" "$sum" "bad input changed the database"

# Not a database: refused, untouched.
printf 'not a database\n' >"$tmp/junk.db"
chmod 600 "$tmp/junk.db" # no world-readable warning in the way
run --db "$tmp/junk.db" snapshots
expect_rc 2 "junk database"
expect_eq "$err" "kvmhist: '$tmp/junk.db' is not a kvmhist database (file is not a database)" "junk database"
run --db "$tmp/junk.db" collect -c "$(day 1)"
expect_rc 2 "collect into junk database"
expect_eq "$(cat "$tmp/junk.db")" "not a database" "junk database untouched"

done_testing
