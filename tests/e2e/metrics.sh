# kvmhist metrics: Prometheus' text format as promtool (Debian's prometheus package) accepts
# it, the estate's numbers, label escaping, and -o replacing the file atomically.
. "$(dirname "$0")/lib.sh"

if ! command -v promtool >/dev/null; then
	fail "promtool is not installed (contrib/install-deps-debian.sh installs prometheus)"
	done_testing
	exit
fi
# promtool_ok TEXT WHAT: promtool check metrics accepts TEXT without a remark.
promtool_ok() {
	checks=$((checks + 1))
	p=$(printf '%s\n' "$1" | promtool check metrics 2>&1)
	prc=$?
	[ "$prc" -eq 0 ] && [ -z "$p" ] || fail "$2: promtool (exit $prc): $p"
}

host=$(hostname)
uri="test://$tmp/estate.xml"
collect_estate
export KVMHIST_NOW=2026-11-24T12:00:00Z

run metrics
expect_rc 0 "metrics"
promtool_ok "$out" "the estate's metrics"
L="host=\"$host\",uri=\"$uri\""
expect_in "$out" "# HELP kvmhist_volume_allocation_bytes " "HELP line"
expect_in "$out" "# TYPE kvmhist_volume_allocation_bytes gauge" "TYPE line"
expect_in "$out" "kvmhist_volume_allocation_bytes{$L,pool=\"data\",volume=\"aries-data.qcow2\"} 25769803776" "volume allocation"
expect_in "$out" "kvmhist_volume_capacity_bytes{$L,pool=\"data\",volume=\"aries-data.qcow2\"} 68719476736" "volume capacity"
expect_in "$out" "kvmhist_volume_growth_bytes_per_day{$L,pool=\"data\",volume=\"aries-data.qcow2\"} 1073741824" "volume growth"
expect_in "$out" "kvmhist_volume_growth_bytes_per_day{$L,pool=\"data\",volume=\"backup-staging.raw\"} -2147483648" "volume shrinking"
# 40 days to full, in seconds; only aries-data.qcow2 has a forecast, no NaN elsewhere
expect_eq "$(printf '%s\n' "$out" | grep '^kvmhist_volume_time_to_full_seconds')" \
	"kvmhist_volume_time_to_full_seconds{$L,pool=\"data\",volume=\"aries-data.qcow2\"} 3456000" "time to full"
expect_not_in "$out" "NaN" "no NaN"
# pisces-root.qcow2 came on night 5: one sample, no rate
expect_not_in "$out" "kvmhist_volume_growth_bytes_per_day{$L,pool=\"default\",volume=\"pisces-root.qcow2\"}" "no rate from one sample"
expect_in "$out" "kvmhist_pool_available_bytes{$L,pool=\"data\"} 68719476736" "pool available"
expect_in "$out" "kvmhist_pool_overcommit_ratio{$L,pool=\"data\"} 1.12" "pool overcommit"
expect_in "$out" "kvmhist_pool_growth_bytes_per_day{$L,pool=\"data\"} -1073741824" "pool growth"
expect_not_in "$out" "kvmhist_pool_time_to_full_seconds" "no pool forecast: no family"
expect_in "$out" "kvmhist_host_last_snapshot_timestamp_seconds{$L} 1795489200" "latest snapshot time"
# night 5 removed gemini and added pisces and its volume
expect_in "$out" "kvmhist_host_changes_last_day{$L} 3" "changes of the last day"
KVMHIST_NOW=2026-11-26T03:00:00Z run metrics
expect_in "$out" "kvmhist_host_changes_last_day{$L} 0" "no changes in the last day"
expect_eq "$(printf '%s\n' "$out" | grep -c '^# HELP')" 12 "families"
run metrics --host "$host"
expect_rc 0 "metrics --host"
promtool_ok "$out" "metrics --host"

# -o: the file is replaced whole (a new inode renamed over the old), nothing left beside it.
mkdir "$tmp/textfile"
run metrics -o "$tmp/textfile/kvmhist.prom"
expect_rc 0 "metrics -o"
expect_eq "$out" "" "-o writes nothing to stdout"
promtool_ok "$(cat "$tmp/textfile/kvmhist.prom")" "the -o file"
ino=$(stat -c %i "$tmp/textfile/kvmhist.prom")
exec 3<"$tmp/textfile/kvmhist.prom" # a reader holding the old file keeps reading it whole
run metrics -o "$tmp/textfile/kvmhist.prom"
expect_rc 0 "metrics -o again"
[ "$(stat -c %i "$tmp/textfile/kvmhist.prom")" != "$ino" ] || fail "-o wrote into the old file"
expect_eq "$(cat <&3 | grep -c '^# TYPE')" 12 "the old file, read after the replace, is whole"
exec 3<&-
expect_eq "$(ls "$tmp/textfile")" "kvmhist.prom" "no temporary file left"
run metrics -o "$tmp/nodir/kvmhist.prom"
expect_rc 2 "-o into a missing directory"
expect_in "$err" "$tmp/nodir/kvmhist.prom" "the error names the file"

run metrics --host nosuchhost
expect_rc 2 "unknown host"
expect_eq "$err" "kvmhist: no snapshots of host 'nosuchhost'" "unknown host"
run --db "$tmp/none.db" metrics
expect_rc 2 "missing database"
[ -e "$tmp/none.db" ] && fail "metrics created a database"
run metrics extra
expect_rc 2 "unexpected argument"

# Hostile names: quotes, backslashes and a newline in pool and volume names, escaped as the
# format requires (the newline, by the one rule of every output, as the text \x0a), growing
# so that every family has them.
export KVMHIST_DB="$tmp/hostile.db"
for n in 0 1 2; do
	cat >"$tmp/hostile.xml" <<EOF
<node><pool type='dir'><name>p"o\\ol</name><uuid>5c0e7c2c-58b7-4c36-9d3c-4b5d8a0c0f01</uuid>
<target><path>/p</path></target>
<volume type='file'><name>v'1&#10;}x="y"</name><key>/p/v1</key>
<capacity unit='GiB'>10</capacity><allocation unit='GiB'>$((1 + n))</allocation>
<target><path>/p/v1</path><format type='raw'/></target></volume></pool></node>
EOF
	KVMHIST_NOW=2026-12-0$((n + 1))T04:00:00Z run -q collect -c "test://$tmp/hostile.xml" \
		--at "2026-12-0$((n + 1))T03:00:00Z"
	expect_rc 0 "collect hostile night $n"
done
KVMHIST_NOW=2026-12-03T04:00:00Z run metrics
expect_rc 0 "hostile metrics"
promtool_ok "$out" "hostile metrics"
expect_in "$out" "kvmhist_volume_time_to_full_seconds{host=\"$host\",uri=\"test://$tmp/hostile.xml\",pool=\"p\\\"o\\\\ol\",volume=\"v'1\\\\x0a}x=\\\"y\\\"\"} 604800" "escaped labels"

done_testing
