# Domain snapshots and backing chains over four nights of the test driver
# (tests/fixtures/snapchain/): snapshots taken and deleted, a disk moved onto an overlay, a
# linked clone on a golden image. show, diff, log and report must say so, and a base image
# must never be called an orphan.
. "$(dirname "$0")/lib.sh"

fx=$fixtures/snapchain
host=$tmp/host.xml
uri=test://$host
export KVMHIST_NOW=2026-11-14T12:00:00Z
for n in 1 2 3 4; do
	cp "$fx/night$n.xml" "$host"
	run -q collect -c "$uri" --at "2026-11-1${n}T03:00:00Z"
	expect_rc 0 "collect night $n"
done

# ---- show ----
run show latest~1 --json
expect_rc 0 "show --json"
got=$(json "';'.join('%s/%s/%s/%s/%s/%s' % (n['name'], n['created'], n['state'], n['parent'],
	n['current'], n['kind']) for d in j['domains'] if d['name'] == 'aries' for n in d['snapshots'])")
expect_eq "$got" "before-upgrade/2026-11-11T22:15:00Z/shutoff/None/False/internal;ext1/2026-11-12T21:30:00Z/disk-snapshot/before-upgrade/True/disk-only" \
	"show: aries' snapshots on night 3"
got=$(json "[len(d['snapshots']) for d in j['domains'] if d['name'] == 'gemini'][0]")
expect_eq "$got" "0" "show: gemini has none"
got=$(json "[(v['backing'], v['backing_format']) for v in j['volumes'] if v['name'] == 'aries.ext1'][0]")
expect_eq "$got" "('/var/lib/libvirt/images/aries.qcow2', 'qcow2')" "show: the overlay's backing file"
run show latest~1
expect_in "$out" "Snapshots:      2" "show text: aries' count"
expect_in "$out" "before-upgrade  2026-11-11T22:15:00Z  shutoff        internal   -               no" \
	"show text: a snapshot row"
expect_in "$out" "default  aries.ext1    /var/lib/libvirt/images/aries.qcow2   qcow2" \
	"show text: the backing files"

# ---- diff and log ----
run diff 1 2
expect_rc 0 "diff 1 2"
expect_eq "$out" "Changes from snapshot 1 (2026-11-11T03:00:00Z, $(hostname)) to snapshot 2 (2026-11-12T03:00:00Z, $(hostname))
domain aries
  + snapshot before-upgrade: internal, 2026-11-11T22:15:00Z
pool default
  allocation: 7.2 GiB → 7.3 GiB (+64.0 MiB)
  available: 92.8 GiB → 92.7 GiB (-64.0 MiB)
volume default/taurus.qcow2
  allocation: 320.0 MiB → 384.0 MiB (+64.0 MiB)" "diff: a snapshot taken is one line"
run diff 2 3 --domain aries
expect_in "$out" "domain aries
  disk vda moved to overlay: /var/lib/libvirt/images/aries.qcow2 → /var/lib/libvirt/images/aries.ext1
  + snapshot ext1: disk-only, 2026-11-12T21:30:00Z" "diff: the overlay and the external snapshot"
expect_not_in "$out" "source/@file" "diff: no raw path change"
expect_not_in "$out" "backingStore" "diff: the domain's backingStore is the overlay line's"
run diff 3 4 --domain aries
expect_in "$out" "  - snapshot before-upgrade: internal, 2026-11-11T22:15:00Z" "diff: a snapshot deleted"
run diff 2 3 --format json
got=$(json "[c['path'] for c in j['changes'] if c['name'] == 'aries']")
expect_eq "$got" "['disk vda moved to overlay', 'snapshot ext1']" "diff json: two changes of aries"
run log --domain aries
expect_in "$out" "+ snapshot before-upgrade: internal" "log: taken"
expect_in "$out" "- snapshot before-upgrade: internal" "log: deleted"
expect_in "$out" "disk vda moved to overlay" "log: the overlay"

# ---- report ----
run report --since 2026-11-11 --format json
expect_rc 0 "report json"
got=$(json "[(v['orphan'], v['owners'], v['backing_of']) for v in j['volumes'] if v['name'] == 'aries.qcow2'][0]")
expect_eq "$got" "(False, ['aries'], ['aries.ext1'])" "report: aries.qcow2 is aries' base"
got=$(json "[(v['orphan'], v['owners'], v['backing_of']) for v in j['volumes'] if v['name'] == 'golden.qcow2'][0]")
expect_eq "$got" "(False, ['taurus'], ['taurus.qcow2'])" "report: golden.qcow2 is taurus' base"
got=$(json "sorted(v['name'] for v in j['volumes'] if v['orphan'])")
expect_eq "$got" "['old.raw']" "report: the only orphan"
got=$(json "[(v['chain_depth'], v['chain_allocation']) for v in j['volumes'] if v['name'] == 'aries.ext1'][0]")
expect_eq "$got" "(2, 1493172224)" "report: aries' chain total (512 + 912 MiB)"
got=$(json "[(s['domain'], s['name'], s['age_days'], s['forgotten']) for s in j['snapshots']]")
expect_eq "$got" "[('aries', 'ext1', 1, False), ('taurus', 'pre-kernel', 54, True)]" \
	"report json: snapshots, forgotten after 14 days"
got=$(json "[(d['domain'], d['snapshots'], d['chain_depth'], d['overlay_bytes']) for d in j['snapshot_domains']]")
expect_eq "$got" "[('aries', 1, 2, 536870912), ('taurus', 1, 2, 536870912)]" \
	"report json: per domain"
run report --since 2026-11-11 --format json --snapshot-days 60
got=$(json "[s['forgotten'] for s in j['snapshots']]")
expect_eq "$got" "[False, False]" "report: --snapshot-days"
run report --since 2026-11-11
h=$(hostname)
expect_in "$out" "| $h | default | taurus.qcow2 | taurus | 512.0 MiB (2%); chain of 2: 2.5 GiB | +64.0 MiB |" \
	"report: a chain's top with the chain's total"
expect_in "$out" "the forecast shown for the top layer is the chain's" "report: says so"
expect_in "$out" "## Snapshots" "report: the section"
expect_in "$out" "| $h | aries | 1 | 1 day | 2 | 512.0 MiB |" "report: aries' snapshots"
expect_in "$out" "| $h | taurus | 1 | 54 days | 2 | 512.0 MiB |" "report: taurus' snapshots"
expect_in "$out" "Forgotten: 1 snapshot older than 14 days, oldest first." "report: forgotten"
expect_in "$out" "| $h | taurus | pre-kernel | 2026-09-20 10:00 | 54 days | internal |" \
	"report: the forgotten one"
expect_in "$out" "| snapshot before-upgrade | added: internal, 2026-11-11T22:15:00Z |" \
	"report: the drift names the snapshot"
orphans=$(printf '%s\n' "$out" | sed -n '/^## Orphan volumes/,/^## /p')
expect_in "$orphans" "old.raw" "report: old.raw is an orphan"
expect_not_in "$orphans" "aries.qcow2" "report: aries.qcow2 is not"
expect_not_in "$orphans" "golden.qcow2" "report: golden.qcow2 is not"

# ---- a chain through a file outside every pool: the domain's XML leads to the base ----
KVMHIST_DB=$tmp/outside.db
cp "$fx/outside.xml" "$tmp/outside.xml"
run -q collect -c "test://$tmp/outside.xml" --at 2026-11-14T03:00:00Z
expect_rc 0 "collect the outside chain"
run report --since 2026-11-11 --format json
got=$(json "[(v['orphan'], v['owners'], v['backing_of']) for v in j['volumes'] if v['name'] == 'lyra.base'][0]")
expect_eq "$got" "(False, ['lyra'], ['lyra.top'])" "report: lyra.base, below a file in no pool, is lyra's"
got=$(json "sorted(v['name'] for v in j['volumes'] if v['orphan'])")
expect_eq "$got" "['stray.raw']" "report: the outside chain's only orphan"
got=$(json "[(v['chain_depth'], v['chain_allocation']) for v in j['volumes'] if v['name'] == 'lyra.top'][0]")
expect_eq "$got" "(2, 1140850688)" "report: the chain's volumes summed (64 MiB + 1 GiB)"

done_testing
