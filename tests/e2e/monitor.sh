# kvmhist monitor, the monitoring-plugin check: its exit status and its one line on estates
# that are OK, warning, critical and stale, and when it cannot look (no database, an unknown
# host, a bad option or config): UNKNOWN, never CRITICAL.
. "$(dirname "$0")/lib.sh"

host=$(hostname) # what the test driver calls every host
uri="test://$tmp/estate.xml"
collect_estate
export KVMHIST_NOW=2026-11-24T12:00:00Z

# status TEXT: the status line before its performance data.
status() {
	printf '%s\n' "${1%% | *}"
}

# aries-data.qcow2 grows 1 GiB a day with 40 GiB left: full in 40 days, on 2027-01-03.
aries="volume aries-data.qcow2 in pool data on $host full in 40 days (2027-01-03)"
run monitor
expect_rc 0 "OK estate"
expect_eq "$(status "$out")" "KVMHIST OK - nothing fills within 30 days; $aries" "OK line"
expect_lines "$out" 1 "one line"
expect_eq "$err" "" "nothing on stderr"
# every pool, and the volumes with a forecast; thresholds as ranges ("alert below 30")
expect_eq "${out#* | }" "'$host pool data used'=38654705664B;;;0;107374182400 '$host pool data overcommit'=1.12;;;0 '$host pool default used'=28454158336B;;;0;107374182400 '$host pool default overcommit'=1.1;;;0 '$host volume data/aries-data.qcow2 days_to_full'=40;30:;7:;0 '$host volume data/aries-data.qcow2 used'=25769803776B;;;0;68719476736" "performance data"
run monitor --host "$host"
expect_rc 0 "--host by hostname"
expect_eq "$(status "$out")" "KVMHIST OK - nothing fills within 30 days; $aries" "--host line"
run monitor --host "$uri"
expect_rc 0 "--host by URI"

run monitor --warn-days 45
expect_rc 1 "WARNING"
expect_eq "$(status "$out")" "KVMHIST WARNING - $aries" "WARNING line"
expect_in "$out" "days_to_full'=40;45:;7:;0 " "warn limit in the performance data"
run monitor --warn-days 45 --crit-days 41
expect_rc 2 "CRITICAL"
expect_eq "$(status "$out")" "KVMHIST CRITICAL - $aries" "CRITICAL line"
run monitor --warn-overcommit 1.11
expect_rc 1 "overcommit WARNING"
expect_eq "$(status "$out")" "KVMHIST WARNING - pool data on $host committed 1.12 times its capacity" "overcommit line"
run monitor --warn-overcommit 1 --crit-overcommit 1.11
expect_rc 2 "overcommit CRITICAL"
expect_eq "$(status "$out")" "KVMHIST CRITICAL - pool data on $host committed 1.12 times its capacity; 1 more overcommitted" "overcommit CRITICAL line"
expect_in "$out" "'$host pool default overcommit'=1.1;1;1.11;0" "overcommit limits in the performance data"

# Defaults from the config file; the command line wins over it.
printf 'warn_days = 45\ncrit_days = 41\nwarn_overcommit = 1.11\n' >"$tmp/mon.conf"
run --config "$tmp/mon.conf" monitor
expect_rc 2 "config limits"
expect_eq "$(status "$out")" "KVMHIST CRITICAL - $aries; 1 more overcommitted" "config CRITICAL"
run --config "$tmp/mon.conf" monitor --crit-days 7
expect_rc 1 "command line over config"
expect_eq "$(status "$out")" "KVMHIST WARNING - $aries; 1 more overcommitted" "command line over config"

# Stale: the nightly collect did not run. 36h is the default; the boundary is inclusive.
KVMHIST_NOW=2026-11-25T15:00:00Z run monitor
expect_rc 0 "36 hours old is not stale"
KVMHIST_NOW=2026-11-25T15:00:01Z run monitor
expect_rc 3 "stale"
expect_eq "$out" "KVMHIST UNKNOWN - latest snapshot of $host is 36 hours old (2026-11-24T03:00:00Z; --max-age 36h)" "stale line, no performance data"
KVMHIST_NOW=2026-11-25T15:00:01Z run monitor --max-age 2d
expect_rc 0 "--max-age"
KVMHIST_NOW=2026-11-28T03:00:00Z run monitor --max-age 2d --warn-days 45
expect_rc 3 "stale beats WARNING"
expect_eq "$out" "KVMHIST UNKNOWN - latest snapshot of $host is 4 days old (2026-11-24T03:00:00Z; --max-age 2d); also WARNING: $aries" "stale names the rest"
printf 'max_age = 8h\n' >"$tmp/age.conf"
run --config "$tmp/age.conf" monitor
expect_rc 3 "config max_age"
expect_in "$out" "is 9 hours old (2026-11-24T03:00:00Z; --max-age 8h)" "config max_age"
# A host of the config that was never collected is UNKNOWN; with --host only that host counts.
printf 'uri = test:///never/collected.xml\n' >"$tmp/uri.conf"
run --config "$tmp/uri.conf" monitor
expect_rc 3 "config URI never collected"
expect_eq "$out" "KVMHIST UNKNOWN - no snapshot of test:///never/collected.xml yet" "never collected"
run --config "$tmp/uri.conf" monitor --host "$host"
expect_rc 0 "--host leaves the config's URIs out"

# Could not look: UNKNOWN, one line on stdout, nothing created.
run --db "$tmp/none.db" monitor
expect_rc 3 "missing database"
expect_eq "$out" "KVMHIST UNKNOWN - database '$tmp/none.db' does not exist (run 'kvmhist collect' first)" "missing database line"
[ -e "$tmp/none.db" ] && fail "monitor created a database"
printf 'not a database\n' >"$tmp/text.db"
run --db "$tmp/text.db" monitor
expect_rc 3 "not a database"
expect_in "$out" "KVMHIST UNKNOWN - '$tmp/text.db' is not a kvmhist database" "not a database line"
expect_eq "$(cat "$tmp/text.db")" "not a database" "file untouched"
run monitor --host nosuchhost
expect_rc 3 "unknown host"
expect_eq "$out" "KVMHIST UNKNOWN - no snapshots of host 'nosuchhost'" "unknown host line"
run monitor --warn-days soon
expect_rc 3 "bad --warn-days"
expect_eq "$out" "KVMHIST UNKNOWN - invalid --warn-days 'soon' (days, 0 to 36500)" "bad --warn-days line"
expect_in "$err" "usage: kvmhist monitor" "usage on stderr"
for bad in "--crit-overcommit 1,5" "--max-age 0h" "--max-age 36" "--bogus" "--max-age" "extra"; do
	# shellcheck disable=SC2086
	run monitor $bad
	expect_rc 3 "monitor $bad"
	expect_in "$out" "KVMHIST UNKNOWN - " "monitor $bad line"
	expect_lines "$out" 1 "monitor $bad: one line"
done
printf 'crit_days = soon\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf" monitor
expect_rc 3 "bad config"
expect_eq "$out" "KVMHIST UNKNOWN - $tmp/bad.conf:1: key 'crit_days': invalid value 'soon' (a whole number of days, 0 or more)" "bad config line"
run monitor --help
expect_rc 0 "--help"

# The issue's example: pool fast fills in 3 days and takes logs.raw (9 days) with it.
# fast_night N: night N (0-3) of a host whose pool fast (100 GiB, the test driver's) holds
# big.qcow2 (200 GiB, 72 GiB + 3 a night) and logs.raw (10 GiB, 4 GiB + 0.5 a night);
# pool slow holds archive.raw (50 GiB, 10 GiB + 1 a night).
fast_night() {
	vol() { # NAME POOL CAPACITY_MIB ALLOCATION_MIB
		printf "<volume type='file'><name>%s</name><key>/%s/%s</key><capacity unit='MiB'>%s</capacity><allocation unit='MiB'>%s</allocation><target><path>/%s/%s</path><format type='raw'/></target></volume>\n" \
			"$1" "$2" "$1" "$3" "$4" "$2" "$1"
	}
	{
		echo "<node><pool type='dir'><name>fast</name><uuid>9a1e7c2c-58b7-4c36-9d3c-4b5d8a0c0f01</uuid><target><path>/fast</path></target>"
		vol big.qcow2 fast 204800 $((73728 + 3072 * $1))
		vol logs.raw fast 10240 $((4096 + 512 * $1))
		echo "</pool><pool type='dir'><name>slow</name><uuid>9a1e7c2c-58b7-4c36-9d3c-4b5d8a0c0f02</uuid><target><path>/slow</path></target>"
		vol archive.raw slow 51200 $((10240 + 1024 * $1))
		echo "</pool></node>"
	} >"$tmp/fast.xml"
}
export KVMHIST_DB="$tmp/fast.db"
for n in 0 1 2 3; do
	fast_night "$n"
	KVMHIST_NOW=2026-12-0$((n + 1))T04:00:00Z run -q collect -c "test://$tmp/fast.xml" \
		--at "2026-12-0$((n + 1))T03:00:00Z"
	expect_rc 0 "collect fast night $n"
done
KVMHIST_NOW=2026-12-04T06:00:00Z run monitor
expect_rc 2 "fast: CRITICAL"
expect_eq "$(status "$out")" "KVMHIST CRITICAL - pool fast on $host full in 3 days (2026-12-07); 1 more within 30 days" "the issue's status line"
expect_in "$out" " | '$host pool fast days_to_full'=3.86;30:;7:;0 '$host pool fast used'=92878667776B;;;0;107374182400 '$host pool fast overcommit'=2.1;;;0 " "pool performance data"
expect_in "$out" " '$host volume fast/logs.raw days_to_full'=9;30:;7:;0 '$host volume fast/logs.raw used'=5905580032B;;;0;10737418240" "volume performance data"
KVMHIST_NOW=2026-12-04T06:00:00Z run monitor --warn-days 40 --crit-days 3
expect_rc 1 "fast: WARNING"
expect_eq "$(status "$out")" "KVMHIST WARNING - pool fast on $host full in 3 days (2026-12-07); 3 more within 40 days" "WARNING, three more"

# Numbers are written with '.', whatever the locale says.
mkdir "$tmp/locale"
if localedef -i de_DE -f UTF-8 "$tmp/locale/de_DE.UTF-8" 2>/dev/null; then
	KVMHIST_NOW=2026-12-04T06:00:00Z LOCPATH="$tmp/locale" LC_ALL=de_DE.UTF-8 run monitor
	expect_in "$out" "days_to_full'=3.86;" "C locale numbers under de_DE"
	expect_eq "$(LOCPATH="$tmp/locale" LC_ALL=de_DE.UTF-8 /usr/bin/printf '%.2f' 3.86)" "3,86" "the locale is in effect"
else
	echo "monitor.sh: SKIP the locale check: localedef could not build de_DE.UTF-8"
fi

done_testing
