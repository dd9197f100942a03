# The config file and its place in the precedence: command line, environment, config, defaults.
# Also -q (silent on success) and -v (per-URI counts and timing).
. "$(dirname "$0")/lib.sh"

conf=$tmp/kvmhist.conf
cat >"$conf" <<EOF
# nightly estate
database = $tmp/conf.db
uri = $(day 1)
uri = "$(day 2)"   # quoted, with a comment
timeout = 30
keep_daily = 7
warn_days = 20
mail_to = ops@example.org
EOF

# No -c: every uri line is collected, into the config's database.
unset KVMHIST_DB
run --config "$conf" collect --at 2026-11-20T03:00:00Z
expect_rc 0 "collect from the config"
expect_eq "$(printf '%s\n' "$out" | cut -f1,4 | tr '\n\t' '| ')" "1 $(day 1)|2 $(day 2)|" "config URIs in order"
[ -f "$tmp/conf.db" ] || fail "the config's database was not used"

# $KVMHIST_CONFIG names the file when --config does not.
KVMHIST_CONFIG=$conf run snapshots --json
expect_rc 0 "KVMHIST_CONFIG"
expect_eq "$(json 'len(j["snapshots"])')" 2 "KVMHIST_CONFIG found the config's database"

# $KVMHIST_DB beats the config's database; --db beats both.
KVMHIST_DB=$tmp/env.db run --config "$conf" collect -c "$(day 3)" --at 2026-11-21T03:00:00Z
expect_rc 0 "collect with KVMHIST_DB"
[ -f "$tmp/env.db" ] || fail "KVMHIST_DB did not beat the config's database"
KVMHIST_DB=$tmp/env.db run --config "$conf" --db "$tmp/opt.db" collect -c "$(day 3)"
expect_rc 0 "collect with --db"
[ -f "$tmp/opt.db" ] || fail "--db did not beat KVMHIST_DB"

# -c beats the config's uri lines; so does $LIBVIRT_DEFAULT_URI.
run --config "$conf" --db "$tmp/c.db" collect -c "$(day 4)"
expect_eq "$(printf '%s' "$out" | cut -f4)" "$(day 4)" "-c beats the config"
LIBVIRT_DEFAULT_URI=$(day 5) run --config "$conf" --db "$tmp/c.db" collect
expect_rc 0 "collect with LIBVIRT_DEFAULT_URI"
expect_lines "$out" 1 "LIBVIRT_DEFAULT_URI: one snapshot"
expect_in "$out" "day5.xml" "LIBVIRT_DEFAULT_URI beats the config"

# --config beats $KVMHIST_CONFIG.
printf 'database = %s\n' "$tmp/other.db" >"$tmp/other.conf"
KVMHIST_CONFIG=$tmp/other.conf run --config "$conf" snapshots
expect_rc 0 "--config beats KVMHIST_CONFIG"
expect_lines "$out" 4 "--config's database listed (header, rule, two snapshots)"

# The config's templates are the report's, unless --templates says otherwise.
mkdir "$tmp/tpl"
printf '<html><!-- site template -->{{title}}|{{body}}</html>\n' >"$tmp/tpl/report.html"
printf 'templates = %s\n' "$tmp/tpl" >"$tmp/tpl.conf"
run --config "$tmp/tpl.conf" --db "$tmp/conf.db" report --format html
expect_rc 0 "report with config templates"
expect_in "$out" "<!-- site template -->" "config templates used"
run --config "$tmp/tpl.conf" --db "$tmp/conf.db" report --format html --templates "$top/templates"
expect_not_in "$out" "site template" "--templates beats the config"

# Bad config files: exit 2, one line naming the file, the line and the key; nothing created.
before=$(ls "$tmp")
bad() { # bad TEXT EXPECTED-MESSAGE
	printf '%s\n' "$1" >"$tmp/bad.conf"
	run --config "$tmp/bad.conf" --db "$tmp/never.db" collect -c "$(day 1)"
	expect_rc 2 "bad config: $1"
	expect_eq "$err" "kvmhist: $tmp/bad.conf:$2" "bad config: $1"
}
bad 'databse = /x' "1: unknown key 'databse'"
bad "$(printf '# ok\ntimeout = soon')" "2: key 'timeout': invalid value 'soon' (a whole number of seconds, 1 or more)"
bad "$(printf 'keep_weekly = 4\nkeep_weekly = 5')" "2: key 'keep_weekly' is set twice (first on line 1)"
bad 'warn_days = -3' "1: key 'warn_days': invalid value '-3' (a whole number of days, 0 or more)"
bad 'uri' "1: key 'uri': expected '=' after the key"
rm "$tmp/bad.conf"
expect_eq "$(ls "$tmp")" "$before" "a bad config created a file"

# A named config that is missing is an error; so is one named by $KVMHIST_CONFIG.
run --config "$tmp/nosuch.conf" snapshots
expect_rc 2 "missing --config"
expect_eq "$err" "kvmhist: cannot read config '$tmp/nosuch.conf': No such file or directory" "missing --config"
KVMHIST_CONFIG=$tmp/nosuch.conf run snapshots
expect_rc 2 "missing KVMHIST_CONFIG"
expect_in "$err" "'$tmp/nosuch.conf'" "missing KVMHIST_CONFIG named"
# ... but the help that explains it still works.
run --config "$tmp/nosuch.conf" collect --help
expect_rc 0 "help with a missing config"

# -q: silent on success, for cron; errors still speak.
run -q --config "$conf" collect --at 2026-11-22T03:00:00Z
expect_rc 0 "quiet collect"
expect_eq "$out$err" "" "quiet collect prints nothing"
for c in snapshots show diff; do
	run -q --config "$conf" "$c"
	expect_rc 0 "quiet $c"
	expect_eq "$out$err" "" "quiet $c prints nothing"
done
run -q --config "$conf" collect -c "test:///nonexistent/x.xml"
expect_rc 1 "quiet collect of a bad URI"
expect_in "$err" "test:///nonexistent/x.xml" "quiet collect still reports the failure"

# Progress on stderr only when it is a terminal, and never with -q.
run --config "$conf" report
expect_eq "$err" "" "no progress when stderr is not a terminal"
if command -v script >/dev/null; then
	tty_out=$(KVMHIST_CONFIG=$conf script -qec "$KVMHIST report" /dev/null)
	expect_in "$tty_out" "kvmhist: reading host 1/" "progress on a terminal"
	tty_out=$(KVMHIST_CONFIG=$conf script -qec "$KVMHIST -q report" /dev/null)
	expect_not_in "$tty_out" "reading host" "no progress with -q"
else
	echo "config.sh: SKIP progress on a terminal: no script(1)"
fi

# -v: one line per URI on stderr with its object counts, matching what was stored.
run -v --db "$tmp/v.db" collect -c "$(day 1)"
expect_rc 0 "verbose collect"
verr=$err
run --db "$tmp/v.db" snapshots --json
counts=$(json '"%d domains, %d pools, %d volumes, %d networks" % tuple(j["snapshots"][0][k] for k in ("domains", "pools", "volumes", "networks"))')
expect_in "$verr" "kvmhist: $(day 1): $counts in " "verbose counts"
expect_lines "$verr" 1 "verbose: one line per URI"

done_testing
