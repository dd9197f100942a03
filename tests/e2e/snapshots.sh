# Domain snapshots and backing chains against a real libvirtd (qemu:///system): an internal
# snapshot and an external --disk-only one of a shut-off qcow2 domain, as an admin takes them
# "before the upgrade". The disk moves to the overlay; the base image must then be reported
# as the domain's (backing of the overlay), never as an orphan; show, diff and log name both
# snapshots. Needs root. Objects are named khsnap-PID-... and removed at exit, also on failure:
# snapshots deleted with --metadata, the disk pointed back, the overlay removed.
. "$(dirname "$0")/lib.sh"

need_libvirtd

sys=qemu:///system
p="khsnap-$$-"
v() { virsh -q -c "$sys" "$@"; }

lab_sweep khsnap

chmod 755 "$tmp"
pooldir=$tmp/pool
mkdir "$pooldir"
at_exit remove_objects
v pool-define-as "${p}pool" dir --target "$pooldir" >/dev/null &&
	v pool-start "${p}pool" >/dev/null || fail "pool"
v vol-create-as "${p}pool" "${p}aries.qcow2" 1G --format qcow2 >/dev/null || fail "volume"
base=$pooldir/${p}aries.qcow2
overlay=$pooldir/${p}aries.ext1
cat >"$tmp/dom.xml" <<EOF
<domain type='qemu'><name>${p}aries</name><memory unit='KiB'>32768</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='$base'/><target dev='vda' bus='virtio'/></disk>
<graphics type='vnc' listen='127.0.0.1' port='-1'/></devices></domain>
EOF
v define "$tmp/dom.xml" >/dev/null || fail "define"
# as defined (with its UUID), to point the disk back after the external snapshot
v dumpxml --inactive "${p}aries" >"$tmp/orig.xml" || fail "dumpxml"

run collect -c "$sys" --at 2026-02-01T03:00:00Z
expect_rc 0 "collect night 1"
s1=$(printf '%s' "$out" | cut -f1)

v snapshot-create-as "${p}aries" before-upgrade >/dev/null || fail "internal snapshot"
v snapshot-create-as "${p}aries" ext1 --disk-only --atomic >/dev/null || fail "external snapshot"
v pool-refresh "${p}pool" >/dev/null
[ -f "$overlay" ] || fail "no overlay at $overlay"
run collect -c "$sys" --at 2026-02-02T03:00:00Z
expect_rc 0 "collect night 2"
s2=$(printf '%s' "$out" | cut -f1)

# ---- show: both snapshots, their kinds and parent; the overlay's backing file ----
run show "$s2" --json
expect_rc 0 "show"
got=$(json "';'.join('%s,%s,%s,%s' % (n['name'], n['kind'], n['parent'], n['current'])
	for d in j['domains'] if d['name'] == '${p}aries' for n in d['snapshots'])")
expect_eq "$got" "before-upgrade,internal,None,False;ext1,disk-only,before-upgrade,True" \
	"show: the domain's snapshots"
got=$(json "[x['backing'] for x in j['volumes'] if x['name'] == '${p}aries.ext1'][0]")
expect_eq "$got" "$base" "show: the overlay's backing file"
got=$(json "[k['source'] for d in j['domains'] if d['name'] == '${p}aries' for k in d['disks']][0]")
expect_eq "$got" "$overlay" "show: the disk is on the overlay"
run show "$s2"
expect_in "$out" "Snapshots:      2" "show text: count"

# ---- diff: both snapshots, and the disk's move in one line ----
run diff "$s1" "$s2" --domain "${p}aries"
expect_rc 0 "diff"
expect_in "$out" "  + snapshot before-upgrade: internal, " "diff: internal snapshot"
expect_in "$out" "  + snapshot ext1: disk-only, " "diff: external snapshot"
expect_in "$out" "  disk vda moved to overlay: $base → $overlay" "diff: the overlay line"
expect_not_in "$out" "source/@file" "diff: no raw source change beside it"
run log --since 2026-02-01T00:00:00Z --domain "${p}aries"
expect_in "$out" "+ snapshot ext1: disk-only" "log: the snapshot"

# ---- report: the base image is the domain's, not an orphan ----
run report --since 2026-02-01T00:00:00Z --host "$sys" --format json
expect_rc 0 "report json"
got=$(json "[(x['orphan'], x['owner']) for x in j['volumes'] if x['name'] == '${p}aries.qcow2'][0]")
expect_eq "$got" "(False, '${p}aries')" "report: base image owned, not orphan"
got=$(json "[x.get('backing_of') for x in j['volumes'] if x['name'] == '${p}aries.qcow2'][0]")
expect_eq "$got" "['${p}aries.ext1']" "report: base image is backing of the overlay"
got=$(json "[s['name'] for s in j['snapshots'] if s['domain'] == '${p}aries']")
expect_eq "$got" "['before-upgrade', 'ext1']" "report json: snapshots"
run report --since 2026-02-01T00:00:00Z --host "$sys"
expect_in "$out" "## Snapshots" "report: Snapshots section"
orphans=$(printf '%s\n' "$out" | sed -n '/^## Orphan volumes/,/^## /p')
expect_not_in "$orphans" "${p}aries.qcow2" "report: base image not under orphans"

# ---- clean-up as an admin would: metadata, disk back, overlay gone ----
v snapshot-delete "${p}aries" ext1 --metadata >/dev/null || fail "delete ext1"
v snapshot-delete "${p}aries" before-upgrade --metadata >/dev/null || fail "delete before-upgrade"
v define "$tmp/orig.xml" >/dev/null || fail "point the disk back"
expect_eq "$(v domblklist "${p}aries" | awk '$1 == "vda" {print $2}')" "$base" "the disk is back on its base"
v vol-delete --pool "${p}pool" "${p}aries.ext1" >/dev/null || fail "remove the overlay"
run collect -c "$sys" --at 2026-02-03T03:00:00Z
expect_rc 0 "collect night 3"
s3=$(printf '%s' "$out" | cut -f1)
run diff "$s2" "$s3" --domain "${p}aries"
expect_in "$out" "  - snapshot ext1: disk-only" "diff: snapshot deleted"
expect_in "$out" "  - snapshot before-upgrade: internal" "diff: the other deleted"
expect_eq "$(v snapshot-list "${p}aries" --name | grep -c .)" "0" "no snapshot left"

done_testing
