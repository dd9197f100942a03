# kvmhist against a real libvirtd (qemu:///system): what it stores equals what virsh prints,
# diff names exactly what was changed, the report shows real growth; many hosts in one run,
# one of them hung; objects vanishing while collect reads. Needs root: a system daemon is
# started when none answers (tests/libvirtd-up.sh) and only what this script started is
# stopped. Every object is named khe2e-PID-... and removed at exit, also on failure.
. "$(dirname "$0")/lib.sh"

need_libvirtd

sys=qemu:///system
p="khe2e-$$-"
v() { virsh -q -c "$sys" "$@"; }
# field TEXT NAME: the value of "NAME:   value" in virsh's output
field() { printf '%s\n' "$1" | sed -n "s/^$2: *//p"; }
# ours TEXT: TEXT without the warnings about objects that are not this test's: the daemon
# may hold an admin's or another test's objects, in whatever state they are
ours() {
	printf '%s\n' "$1" | awk -v q="'" -v p="'$p" \
		'NF && (!($0 ~ ("^kvmhist: warning: .*: (domain|pool|volume|network) " q)) || index($0, p))'
}

lab_sweep khe2e

# The pool lives on a tmpfs of its own when one can be mounted, so nothing else on the
# machine moves its numbers between our collect and virsh's pool-info.
chmod 755 "$tmp" # guests may run as another user
pooldir=$tmp/pool
mkdir "$pooldir"
own_fs=0
if mount -t tmpfs -o size=256m,mode=755 "${p}fs" "$pooldir" 2>/dev/null; then
	own_fs=1
	at_exit 'umount "$pooldir"'
fi
at_exit remove_objects

v pool-define-as "${p}pool" dir --target "$pooldir" >/dev/null &&
	v pool-start "${p}pool" >/dev/null || fail "pool"
v vol-create-as "${p}pool" "${p}run.qcow2" 1G --format qcow2 >/dev/null || fail "qcow2 volume"
v vol-create-as "${p}pool" "${p}extra.qcow2" 512M --format qcow2 >/dev/null || fail "extra volume"
truncate -s 2G "$pooldir/${p}data.raw" # sparse: libvirt would allocate it all
v pool-refresh "${p}pool" >/dev/null || fail "pool-refresh"

# domain_xml NAME MEMORY_KIB [DISK FORMAT]: a small guest for software emulation, no NIC
domain_xml() {
	echo "<domain type='qemu'><name>$1</name><memory unit='KiB'>$2</memory><vcpu>1</vcpu>"
	echo "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
	[ $# -ge 4 ] && echo "<disk type='file' device='disk'><driver name='qemu' type='$4'/>
		<source file='$3'/><target dev='vda' bus='virtio'/></disk>"
	echo "<graphics type='vnc' listen='127.0.0.1' port='-1'/></devices></domain>"
}
domain_xml "${p}run" 49152 "$pooldir/${p}run.qcow2" qcow2 >"$tmp/run.xml"
domain_xml "${p}off" 32768 "$pooldir/${p}data.raw" raw >"$tmp/off.xml"
v define "$tmp/run.xml" >/dev/null && v start "${p}run" >/dev/null || fail "running domain"
v define "$tmp/off.xml" >/dev/null || fail "shut-off domain"
# no balloon, less memory than its maximum, fewer vCPUs than it may have: what dominfo says
# of it is not the maximum (collect reads it from the bulk statistics, not dominfo's call)
cat >"$tmp/nob.xml" <<EOF
<domain type='qemu'><name>${p}nob</name><memory unit='KiB'>65536</memory>
<currentMemory unit='KiB'>40960</currentMemory><vcpu current='1'>2</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><memballoon model='none'/></devices></domain>
EOF
v define "$tmp/nob.xml" >/dev/null || fail "domain without a balloon"

cat >"$tmp/net1.xml" <<EOF
<network><name>${p}iso</name><ip address='10.213.7.1' netmask='255.255.255.0'>
<dhcp><range start='10.213.7.100' end='10.213.7.199'/></dhcp></ip></network>
EOF
cat >"$tmp/net2.xml" <<EOF
<network><name>${p}nat</name><forward mode='nat'/><ip address='10.213.8.1' prefix='24'/></network>
EOF
v net-define "$tmp/net1.xml" >/dev/null && v net-define "$tmp/net2.xml" >/dev/null || fail "networks"

# ---- night 1, the change, night 2, more growth, night 3 ----
run collect -c "$sys" --at 2030-01-01T03:00:00Z --force
expect_rc 0 "collect night 1"
expect_eq "$(ours "$err")" "" "night 1: no warnings about our objects"
s1=$(printf '%s' "$out" | cut -f1)

v setmaxmem "${p}off" 65536 --config >/dev/null || fail "setmaxmem"
v attach-disk "${p}run" "$pooldir/${p}extra.qcow2" vdb --subdriver qcow2 --config >/dev/null ||
	fail "attach-disk"
dd if=/dev/urandom of="$pooldir/${p}data.raw" bs=1M count=32 seek=256 conv=notrunc 2>/dev/null ||
	fail "dd"
run collect -c "$sys" --at 2030-01-02T03:00:00Z --force
expect_rc 0 "collect night 2"
s2=$(printf '%s' "$out" | cut -f1)
dd if=/dev/urandom of="$pooldir/${p}data.raw" bs=1M count=32 seek=1024 conv=notrunc 2>/dev/null
run collect -c "$sys" --at 2030-01-03T03:00:00Z --force
expect_rc 0 "collect night 3"

# ---- what is stored equals what virsh prints now ----
run show --host "$sys" --json
expect_rc 0 "show"
show=$out
for d in "${p}run" "${p}off" "${p}nob"; do
	i=$(v dominfo "$d")
	want=$(printf '%s|%s|%s|%s|%s|%s|%s|%s' "$(field "$i" UUID)" "$(field "$i" State)" \
		"$(field "$i" 'CPU(s)')" "$(field "$i" 'Max memory')" "$(field "$i" 'Used memory')" \
		"$(field "$i" Persistent)" "$(field "$i" Autostart)" "$(field "$i" 'OS Type')")
	got=$(json "'|'.join('%s|%s|%d|%d KiB|%d KiB|%s|%s|%s' % (d['uuid'], d['state'], d['vcpus'],
		d['max_memory_kib'], d['memory_kib'], 'yes' if d['persistent'] else 'no',
		'enable' if d['autostart'] else 'disable', d['os_type'])
		for d in j['domains'] if d['name'] == '$d')")
	expect_eq "$got" "$want" "domain $d against virsh dominfo"
done
expect_eq "$(json "[(k['target'], k['pool'], k['volume']) for d in j['domains'] if d['name'] == '${p}run' for k in d['disks']]")" \
	"[('vda', '${p}pool', '${p}run.qcow2'), ('vdb', '${p}pool', '${p}extra.qcow2')]" "disks resolve to volumes"
for vol in "${p}run.qcow2" "${p}extra.qcow2" "${p}data.raw"; do
	i=$(v vol-info --bytes --pool "${p}pool" "$vol")
	ph=$(v vol-info --bytes --physical --pool "${p}pool" "$vol")
	want=$(printf '%s|%s|%s|%s' "$(field "$i" Type)" "$(field "$i" Capacity)" \
		"$(field "$i" Allocation)" "$(field "$ph" Physical)")
	got=$(json "'|'.join('%s|%d bytes|%d bytes|%d bytes' % (x['type'], x['capacity'],
		x['allocation'], x['physical']) for x in j['volumes'] if x['name'] == '$vol')")
	expect_eq "$got" "$want" "volume $vol against virsh vol-info"
done
i=$(v pool-info --bytes "${p}pool")
if [ "$own_fs" -eq 1 ]; then
	want=$(printf '%s|%s|%s|%s|%s|%s' "$(field "$i" UUID)" "$(field "$i" State)" \
		"$(field "$i" Autostart)" "$(field "$i" Capacity)" "$(field "$i" Allocation)" \
		"$(field "$i" Available)")
	got=$(json "'|'.join('%s|%s|%s|%d|%d|%d' % (x['uuid'], x['state'],
		'yes' if x['autostart'] else 'no', x['capacity'], x['allocation'], x['available'])
		for x in j['pools'] if x['name'] == '${p}pool')")
else # a shared file system moves under us: capacity only
	want=$(printf '%s|%s|%s' "$(field "$i" UUID)" "$(field "$i" State)" "$(field "$i" Capacity)")
	got=$(json "'|'.join('%s|%s|%d' % (x['uuid'], x['state'], x['capacity'])
		for x in j['pools'] if x['name'] == '${p}pool')")
fi
expect_eq "$got" "$want" "pool against virsh pool-info"
for n in "${p}iso" "${p}nat"; do
	i=$(v net-info "$n")
	want=$(printf '%s|%s|%s|%s|%s' "$(field "$i" UUID)" "$(field "$i" Active)" \
		"$(field "$i" Persistent)" "$(field "$i" Autostart)" "$(field "$i" Bridge)")
	got=$(json "'|'.join('%s|%s|%s|%s|%s' % (x['uuid'], *('yes' if x[k] else 'no'
		for k in ('active', 'persistent', 'autostart')), x['bridge'])
		for x in j['networks'] if x['name'] == '$n')")
	expect_eq "$got" "$want" "network $n against virsh net-info"
done
expect_eq "$(json "[(x['forward'], x['ips'], x['dhcp_ranges']) for x in j['networks'] if x['name'].startswith('$p')]")" \
	"[(None, ['10.213.7.1/24'], ['10.213.7.100-10.213.7.199']), ('nat', ['10.213.8.1/24'], [])]" "network addresses"

# ---- diff night 1 → 2: exactly what was done ----
max_kib=$(field "$(v dominfo "${p}off")" 'Max memory')
a1=$(KVMHIST_DB=$KVMHIST_DB "$KVMHIST" show "$s1" --json | python3 -c "import json,sys
print([v['allocation'] for v in json.load(sys.stdin)['volumes'] if v['name'] == '${p}data.raw'][0])")
run show "$s2" --json
a2=$(json "[v['allocation'] for v in j['volumes'] if v['name'] == '${p}data.raw'][0]")
expect_eq "$((a2 - a1))" 33554432 "dd of 32 MiB grew the raw volume by 32 MiB"
run diff "$s1" "$s2" --format json
expect_rc 0 "diff"
expect_eq "$(json "sorted((c['object'], c['name'], c['change'], c['path'], c['old'], c['new'])
	for c in j['changes'] if c['name'].startswith('$p') and c['object'] != 'pool'
	and c['path'] != \"/domain/devices/disk[target/@dev='vdb']\")")" \
	"[('domain', '${p}off', 'modified', '/domain/memory', $((32768 * 1024)), $((${max_kib% KiB} * 1024))), ('volume', '${p}data.raw', 'modified', 'allocation', $a1, $a2)]" \
	"diff: the memory change and the volume growth"
expect_eq "$(json "[(c['name'], c['change'], c['old']) for c in j['changes']
	if c['path'] == \"/domain/devices/disk[target/@dev='vdb']\"]")" \
	"[('${p}run', 'modified', None)]" "diff: the added disk, once"
expect_in "$(json "[c['new'] for c in j['changes'] if c['path'] == \"/domain/devices/disk[target/@dev='vdb']\"][0]")" \
	"$pooldir/${p}extra.qcow2" "diff: the added disk's source"
expect_eq "$(json "set(c['path'] for c in j['changes'] if c['object'] == 'pool' and c['name'] == '${p}pool') <= {'allocation', 'available'}")" \
	True "diff: the pool changes only in measured values"

# ---- the report shows the growth: 32 MiB a night ----
a3=$(printf '%s' "$show" | python3 -c "import json,sys
print([v['allocation'] for v in json.load(sys.stdin)['volumes'] if v['name'] == '${p}data.raw'][0])")
run report --host "$sys" --since 2030-01-01 --until 2030-01-03 --format json
expect_rc 0 "report"
expect_eq "$(json "[(v['allocation_at_start'], v['allocation'], v['growth_bytes_per_day'], v['owner'])
	for v in j['volumes'] if v['name'] == '${p}data.raw']")" \
	"[($a1, $a3, $(((a3 - a1) / 2)), '${p}off')]" "report: growth of the raw volume"
expect_in "$(json "[(c['name'], c['path']) for c in j['drift']]")" \
	"('${p}off', '/domain/memory')" "report: memory drift"

# ---- many hosts in one run: two test-driver files, the real daemon, two that hang ----
silent_listener
hung_tcp="qemu+tcp://127.0.0.1:$(cat "$tmp/port")/system"
hung_unix="qemu+unix:///system?socket=$tmp/silent.sock"
cp "$fixtures/estate/day1.xml" "$tmp/a.xml"
cp "$fixtures/estate/day2.xml" "$tmp/b.xml"
printf '# hosts\n\ntest://%s/a.xml\n  %s  \n' "$tmp" "$hung_tcp" >"$tmp/uris"
# long enough that the other hosts are read before it even on a loaded machine or valgrind
hang=10
: >"$tmp/accepted"
t0=$(date +%s)
run collect --uri-file "$tmp/uris" -c "$sys" -c "$hung_unix" -c "test://$tmp/b.xml" --timeout $hang
t1=$(date +%s)
expect_rc 1 "many hosts: exit 1 when one fails"
expect_eq "$(printf '%s\n' "$out" | cut -f4)" "$(printf 'test://%s/a.xml\n%s\ntest://%s/b.xml' "$tmp" "$sys" "$tmp")" \
	"many hosts: one line per stored snapshot, in the order given"
expect_eq "$(ours "$err")" "$(printf "kvmhist: cannot collect '%s': no answer within %s s (--timeout)\nkvmhist: cannot collect '%s': no answer within %s s (--timeout)" "$hung_tcp" "$hang" "$hung_unix" "$hang")" \
	"many hosts: one line per hung URI"
# both hung hosts were contacted, and given up no sooner than their --timeout (how much
# later is not asserted: a loaded machine or valgrind would fail any bound)
expect_eq "$(sort "$tmp/accepted" | paste -sd' ' -)" "tcp unix" "many hosts: both hung hosts contacted"
checks=$((checks + 1))
[ $((t1 - t0)) -ge $hang ] || fail "many hosts: the hung hosts were given up after $((t1 - t0)) s, before --timeout $hang"
ids=$(printf '%s\n' "$out" | cut -f1 | paste -sd, -)
run snapshots --json
# by id: stored in the order given; their times are each host's own and may tie or cross
expect_eq "$(json "[s['uri'] for s in sorted(j['snapshots'], key=lambda s: s['id']) if s['id'] in ($ids)]")" \
	"['test://$tmp/a.xml', '$sys', 'test://$tmp/b.xml']" "many hosts: 3 snapshots stored"
taken=$(json "max(__import__('calendar').timegm(__import__('time').strptime(s['taken_at'], '%Y-%m-%dT%H:%M:%SZ')) for s in j['snapshots'] if s['id'] in ($ids))")
checks=$((checks + 1))
# taken before the hung hosts were given up: they did not wait for them
[ "$taken" -lt $((t0 + hang)) ] || fail "many hosts: a snapshot was taken $((taken - t0)) s in, not before the hung hosts' --timeout"

# ---- what cannot be read whole: an inactive pool, domains vanishing under collect ----
v pool-define-as "${p}idle" dir --target "$tmp/idle" >/dev/null || fail "inactive pool"
run collect -c "$sys"
expect_rc 0 "inactive pool: collected"
id=$(printf '%s' "$out" | cut -f1)
expect_eq "$(ours "$err")" "kvmhist: warning: $sys: pool '${p}idle': inactive: sizes and volumes cannot be read until it is started" \
	"inactive pool: one warning"
run show "$id" --json
expect_eq "$(json "[(x['state'], x['capacity'], x['allocation'], x['available'], x['path']) for x in j['pools'] if x['name'] == '${p}idle']")" \
	"[('$(field "$(v pool-info "${p}idle")" State)', None, None, None, '$tmp/idle')]" "inactive pool: state, sizes unknown"

# Domains are undefined and defined again (a new UUID each time) as fast as one virsh can,
# while collect runs: any it listed may be gone by the time it reads them. Whether a given
# run catches one is up to the scheduler; every run must store its snapshot, and every
# domain caught vanishing must be stored by name with its reason, and named in one warning.
for i in $(seq 10 39); do
	domain_xml "${p}v$i" 32768 >"$tmp/v$i.xml"
	v define "$tmp/v$i.xml" >/dev/null || fail "define ${p}v$i"
done
mkfifo "$tmp/churn"
virsh -q -c "$sys" <"$tmp/churn" >/dev/null 2>&1 &
churn_virsh=$!
while :; do
	for i in $(seq 10 39); do
		echo "undefine ${p}v$i"
		echo "define $tmp/v$i.xml"
	done
done >"$tmp/churn" &
churn=$!
at_exit 'kill $churn $churn_virsh 2>/dev/null; wait $churn_virsh 2>/dev/null'
caught=0
for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	run collect -c "$sys"
	expect_rc 0 "vanish round $round: stored"
	err=$(ours "$err")
	id=$(printf '%s' "$out" | cut -f1)
	warned=$(printf '%s\n' "$err" | grep -c "^kvmhist: warning: $sys: domain '${p}v[0-9]*': cannot read [a-zA-Z ]*: Domain not found")
	others=$(printf '%s\n' "$err" | grep -v "pool '${p}idle'" | grep -vc "^kvmhist: warning: $sys: domain '${p}v[0-9]*': cannot read [a-zA-Z ]*: Domain not found")
	[ -z "$err" ] && others=0
	expect_eq "$others" 0 "vanish round $round: no other warnings ($err)"
	run show "$id" --json
	expect_eq "$(json "len([d for d in j['domains'] if d['error']])")" "$warned" "vanish round $round: one warning per vanished domain"
	expect_eq "$(json "[d['name'] for d in j['domains'] if d['error'] and not (d['name'] and d['uuid'] and 'Domain not found' in d['error'])]")" \
		"[]" "vanish round $round: a vanished domain keeps its name, UUID and reason"
	caught=$((caught + warned))
done
kill $churn $churn_virsh
wait $churn_virsh 2>/dev/null
echo "$me: $caught domains caught vanishing in 15 collections"

# ---- as root, qemu:///session is the same daemon: the report says so ----
run collect -c qemu:///session -c "$sys"
expect_rc 0 "session and system"
uuid=$(v capabilities | sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p' | head -1)
run report --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" --until "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"
expect_rc 0 "report over both URIs"
expect_in "$out" "- **Same host:** $sys and qemu:///session are the same host ($(v hostname), UUID $uuid)" \
	"report: two URIs, one host"

# ---- two dir pools in one filesystem are one storage; a filesystem of the same size is not ----
# Directories sa and sb of one tmpfs, and pool so on another tmpfs of the same size: libvirt
# gives sa and sb the same numbers, so's differ once the shared one is written to.
if [ "$own_fs" = 1 ]; then
	mkdir "$tmp/shared" "$tmp/other"
	if mount -t tmpfs -o size=64m,mode=755 "${p}sfs" "$tmp/shared" &&
		mount -t tmpfs -o size=64m,mode=755 "${p}ofs" "$tmp/other"; then
		at_exit 'umount "$tmp/shared" "$tmp/other" 2>/dev/null'
		at_exit remove_objects # the pools go before their filesystems
		mkdir "$tmp/shared/a" "$tmp/shared/b"
		for pl in sa:shared/a sb:shared/b so:other; do
			v pool-define-as "${p}${pl%%:*}" dir --target "$tmp/${pl#*:}" >/dev/null &&
				v pool-start "${p}${pl%%:*}" >/dev/null || fail "shared storage: pool ${pl%%:*}"
		done
		v vol-create-as "${p}sa" "${p}big.raw" 200M --format raw --allocation 0 >/dev/null ||
			fail "shared storage: volume in sa"
		v vol-create-as "${p}sb" "${p}small.raw" 100M --format raw --allocation 0 >/dev/null ||
			fail "shared storage: volume in sb"
		for n in 1 2 3 4; do
			# 8 MiB more of the shared filesystem each night, beside the pools (not a volume)
			dd if=/dev/zero of="$tmp/shared/fill$n" bs=1M count=8 status=none
			run collect -c "$sys" --at "2031-01-0${n}T03:00:00Z" --force
			expect_rc 0 "shared storage: night $n"
		done
		run report --since 2031-01-01 --until 2031-01-05 --format json
		expect_rc 0 "shared storage: report"
		st="[s for s in j['storage'] if '${p}sa' in s['pools']][0]"
		expect_eq "$(json "sorted($st['pools']), $st['capacity'] == 64 * 2**20, $st['committed']")" \
			"['${p}sa', '${p}sb'] True $((300 * 1048576))" "shared storage: one storage, committed over both pools' volumes"
		expect_eq "$(json "$st['overcommit'], $st['growth_bytes_per_day'] // 2**20")" "4.688 8" \
			"shared storage: overcommit over the filesystem, forecast once (8 MiB a day)"
		expect_eq "$(json "sorted((p['name'], p['shares_storage_with']) for p in j['pools'] if p['name'] in ('${p}sa', '${p}sb', '${p}so'))")" \
			"[('${p}sa', ['${p}sb']), ('${p}sb', ['${p}sa']), ('${p}so', [])]" \
			"shared storage: each pool names the other; the same-sized filesystem shares with none"
		expect_eq "$(json "[s['pools'] for s in j['storage'] if '${p}so' in s['pools']]")" "[['${p}so']]" \
			"shared storage: the other filesystem alone"
		for pl in sa sb so; do
			v pool-destroy "${p}$pl" >/dev/null 2>&1
			v pool-undefine "${p}$pl" >/dev/null 2>&1
		done
	else
		fail "shared storage: cannot mount two tmpfs"
	fi
else
	echo "$me: shared storage: SKIP: no tmpfs of our own"
fi

# ---- one device is one storage, proven by stat over a single snapshot ----
# Pools da and db in directories of one tmpfs, dc on a bind mount of it, do on another tmpfs
# of the same size: all four idle and empty, so their numbers are equal to the byte and prove
# nothing; the devices collect stats (qemu:///system is this machine's daemon) tell them apart.
if [ "$own_fs" = 1 ]; then
	mkdir "$tmp/dev1" "$tmp/dev2" "$tmp/bind"
	if mount -t tmpfs -o size=64m,mode=755 "${p}dfs" "$tmp/dev1" &&
		mount -t tmpfs -o size=64m,mode=755 "${p}efs" "$tmp/dev2" &&
		mkdir "$tmp/dev1/a" "$tmp/dev1/b" "$tmp/dev1/c" &&
		mount --bind "$tmp/dev1/c" "$tmp/bind"; then
		at_exit 'umount "$tmp/bind" "$tmp/dev1" "$tmp/dev2" 2>/dev/null'
		at_exit remove_objects # the pools go before their filesystems
		for pl in da:dev1/a db:dev1/b dc:bind do:dev2; do
			v pool-define-as "${p}${pl%%:*}" dir --target "$tmp/${pl#*:}" >/dev/null &&
				v pool-start "${p}${pl%%:*}" >/dev/null || fail "one device: pool ${pl%%:*}"
		done
		run collect -c "$sys" --at 2032-01-01T03:00:00Z --force
		expect_rc 0 "one device: collect"
		id=$(printf '%s' "$out" | cut -f1)
		run show "$id" --json
		expect_eq "$(json "[(x['name'], x['target_device']) for x in j['pools'] if x['name'] in ('${p}da', '${p}db', '${p}dc', '${p}do')]")" \
			"[('${p}da', '$(stat -c %Hd:%Ld "$tmp/dev1")'), ('${p}db', '$(stat -c %Hd:%Ld "$tmp/dev1")'), ('${p}dc', '$(stat -c %Hd:%Ld "$tmp/dev1")'), ('${p}do', '$(stat -c %Hd:%Ld "$tmp/dev2")')]" \
			"one device: each pool's target device, as stat gives it (the bind mount's is its filesystem's)"
		expect_eq "$(json "len(set((x['capacity'], x['allocation'], x['available']) for x in j['pools'] if x['name'] in ('${p}da', '${p}db', '${p}dc', '${p}do')))")" \
			1 "one device: the four pools' numbers are equal"
		run report --host "$sys" --since 2032-01-01 --until 2032-01-02 --format json
		expect_rc 0 "one device: report"
		expect_eq "$(json "sorted((p['name'], p['shares_storage_with']) for p in j['pools'] if p['name'] in ('${p}da', '${p}db', '${p}dc', '${p}do'))")" \
			"[('${p}da', ['${p}db', '${p}dc']), ('${p}db', ['${p}da', '${p}dc']), ('${p}dc', ['${p}da', '${p}db']), ('${p}do', [])]" \
			"one device: one storage over one snapshot; the same-sized filesystem apart"
		expect_eq "$(json "sorted(s['pools'] for s in j['storage'] if set(s['pools']) & {'${p}da', '${p}do'})")" \
			"[['${p}da', '${p}db', '${p}dc'], ['${p}do']]" "one device: the storage entries"
		# the same daemon through a transport: no device, and the numbers' rule (idle: apart)
		relay="qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock"
		run collect -c "$relay" --at 2032-01-01T03:00:00Z --force
		expect_rc 0 "one device: collect through qemu+unix"
		run show "$(printf '%s' "$out" | cut -f1)" --json
		expect_eq "$(json "list(set(x['target_device'] for x in j['pools'] if x['name'].startswith('$p')))")" \
			"[None]" "one device: not stat'ed through a transport"
		run report --host "$relay" --since 2032-01-01 --until 2032-01-02 --format json
		expect_eq "$(json "sorted(len(p['shares_storage_with']) for p in j['pools'] if p['name'] in ('${p}da', '${p}db', '${p}dc', '${p}do'))")" \
			"[0, 0, 0, 0]" "one device: through a transport, one idle snapshot groups nothing"
	else
		fail "one device: cannot mount two tmpfs and a bind mount"
	fi
else
	echo "$me: one device: SKIP: no tmpfs of our own"
fi

done_testing
