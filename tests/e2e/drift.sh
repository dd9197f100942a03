# Incident review through the built binary: diff filters and --since, log (each change once,
# at the snapshot it first showed), domain lifecycles by UUID, following a renamed domain, pending
# drift in diff, report and log.
# Values are those of tests/fixtures/drift/README.md.
. "$(dirname "$0")/lib.sh"

GiB=1073741824
uri="test://$tmp/host.xml"
# Nights at 03:00Z, 2026-12-01 … 2026-12-04, one host history.
for n in 1 2 3 4; do
	cp "$fixtures/drift/night$n.xml" "$tmp/host.xml"
	run collect -c "$uri" --at "2026-12-0${n}T03:00:00Z"
	expect_rc 0 "collect night $n"
done

# --- diff: title, filters, --since -------------------------------------------------------------

NO_COLOR=1 run diff 1 2
expect_rc 0 "diff 1 2"
expect_eq "$(printf '%s\n' "$out" | head -n1)" \
	"Changes from snapshot 1 (2026-12-01T03:00:00Z, $(hostname)) to snapshot 2 (2026-12-02T03:00:00Z, $(hostname))" \
	"text title names both snapshots"

run diff 3 3
expect_rc 0 "diff N N"
expect_eq "$(printf '%s\n' "$out" | sed -n 2p)" "No changes." "empty diff says so"
expect_lines "$out" 2 "empty diff: title and 'No changes.'"
run diff 3 3 --exit-code
expect_rc 0 "diff N N --exit-code"
run diff 3 3 --format md
expect_eq "$(printf '%s\n' "$out" | head -n1)" \
	"# Changes from snapshot 3 (2026-12-03T03:00:00Z, $(hostname)) to snapshot 3 (2026-12-03T03:00:00Z, $(hostname))" "md title"
expect_in "$out" "No changes." "md empty"
run diff 3 3 --format html
expect_in "$out" "<h2>Changes from snapshot 3 (2026-12-03T03:00:00Z, " "html title"
expect_in "$out" "No changes." "html empty"

run diff 1 3 --domain web --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
	"[('web', '/domain/vcpu', '1', '2')]" "--domain web: its vcpu change only"
run diff 2 3 --pool backup --format json
expect_eq "$(json '[(c["object"], c["name"], c.get("pool"), c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
	"[('pool', 'backup', None, 'allocation', $((8 * GiB)), $((12 * GiB))), ('pool', 'backup', None, 'available', $((92 * GiB)), $((88 * GiB))), ('volume', 'dump.raw', 'backup', 'allocation', $((8 * GiB)), $((12 * GiB)))]" \
	"--pool backup: the pool and its volume"
run diff 2 3 --network lan --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
	"[('lan', \"/network/ip[@address='192.168.50.1']/dhcp/range[@start='192.168.50.100']/@end\", '192.168.50.199', '192.168.50.150')]" \
	"--network lan"
run diff 1 2 --domain db --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
	"[('db-primary', 'name', 'db', 'db-primary')]" "--domain by the old name of a renamed domain"
run diff 2 4 --domain db --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
	"[('db-primary', 'state', 'running', 'shut off')]" "--domain by a name it had before FROM"
run diff 2 3 --domain web --network lan --format json
expect_eq "$(json '[c["name"] for c in j["changes"]]')" "['lan']" "filters add up (web has no change 2→3)"
run diff 1 2 --domain cache --exit-code
expect_rc 0 "--exit-code counts only the filtered changes (cache has none 1→2)"

run diff --since 2026-12-02T03:00:00Z --format json
expect_rc 0 "diff --since"
expect_eq "$(json '(j["from"]["id"], j["to"]["id"])')" "(2, 4)" "--since is FROM, TO the latest"
run diff --since 2026-12-02T03:00:00Z 3 --format json
expect_eq "$(json '(j["from"]["id"], j["to"]["id"])')" "(2, 3)" "--since with TO"
run diff --since 1 2 3
expect_rc 2 "FROM and --since together"
expect_in "$err" "unexpected argument '3' (--since stands for FROM)" "FROM and --since: says why"
run diff --since nonsense
expect_rc 2 "bad --since"
expect_in "$err" "invalid snapshot 'nonsense'" "bad --since names it"

# Colour: on a terminal only, and not with NO_COLOR.
if script -qec true /dev/null >/dev/null 2>&1; then
	tty_out=$(script -qec "'$KVMHIST' diff 1 2" /dev/null)
	expect_in "$tty_out" "$(printf '\033[')" "colour on a terminal"
	tty_out=$(NO_COLOR=1 script -qec "'$KVMHIST' diff 1 2" /dev/null)
	expect_not_in "$tty_out" "$(printf '\033[')" "NO_COLOR on a terminal"
else
	fail "script(1) cannot run a pseudo-terminal here"
fi
run diff 1 2
expect_not_in "$out" "$(printf '\033')" "no colour when piped"

# --- log -----------------------------------------------------------------------------------------

run log --format json
expect_rc 0 "log"
expect_eq "$(json '[(c["snapshot"], c["taken_at"], c["object"], c["name"], c["change"], c["path"]) for c in j["changes"] if c["object"] in ("domain", "network")]')" \
	"[(2, '2026-12-02T03:00:00Z', 'domain', 'db-primary', 'modified', 'name'), (2, '2026-12-02T03:00:00Z', 'domain', 'web', 'modified', '/domain/vcpu'), (3, '2026-12-03T03:00:00Z', 'domain', 'cache', 'modified', '/domain/memory'), (3, '2026-12-03T03:00:00Z', 'domain', 'db-primary', 'removed', None), (3, '2026-12-03T03:00:00Z', 'network', 'lan', 'modified', \"/network/ip[@address='192.168.50.1']/dhcp/range[@start='192.168.50.100']/@end\"), (4, '2026-12-04T03:00:00Z', 'domain', 'db-primary', 'added', None)]" \
	"log: config changes, each once, at the snapshot it appeared in"
expect_eq "$(json 'len(j["changes"])')" 15 "log: 15 changes in all (3 + 6 + 6 … see README)"
expect_eq "$(json '[c["snapshot"] for c in j["changes"] if c["object"] == "volume"]')" "[2, 3, 4]" "log: volume growth at 2, 3, 4"
expect_eq "$(json 'sorted(set(c["uri"] for c in j["changes"]))')" "['$uri']" "log: uri on every change"

# A change right at the period start is compared with the snapshot before the period.
run log --since 2026-12-03T03:00:00Z --format json
expect_eq "$(json '[(c["snapshot"], c["name"], c["path"], c["old"], c["new"]) for c in j["changes"] if c["object"] == "domain"]')" \
	"[(3, 'cache', '/domain/memory', $((2 * GiB)), $((4 * GiB))), (3, 'db-primary', None, None, None), (4, 'db-primary', None, None, None)]" \
	"log --since the third night: its changes against night 2"
run log --since 2026-12-03T03:00:01Z --format json
expect_eq "$(json 'sorted(set(c["snapshot"] for c in j["changes"]))')" "[4]" "log --since one second later: night 4 only"
run log --until 2026-12-02 --format json
expect_eq "$(json 'sorted(set(c["snapshot"] for c in j["changes"]))')" "[2]" "log --until a date: to its end"
run log --domain db --format json
expect_eq "$(json '[(c["snapshot"], c["path"]) for c in j["changes"]]')" "[(2, 'name'), (3, None), (4, None)]" \
	"log --domain by the old name: followed by UUID after the rename"
run log --domain db-primary --format json
expect_eq "$(json '[(c["snapshot"], c["change"]) for c in j["changes"]]')" "[(2, 'modified'), (3, 'removed'), (4, 'added')]" "log --domain: its whole story"

NO_COLOR=1 run log --since 2026-12-04
expect_rc 0 "log text"
expect_eq "$(printf '%s\n' "$out" | head -n1)" "Changes from 2026-12-04T03:00:00Z to 2026-12-04T03:00:00Z (1 snapshot)" "log text title"
expect_in "$out" "snapshot 4 (2026-12-04T03:00:00Z, $(hostname))" "log text names the snapshot"
expect_in "$out" "+ domain db-primary" "log text shows the re-added domain"
run log --since 2026-12-01 --until 2026-12-01
expect_in "$out" "No changes." "log: a host's first snapshot has nothing to compare with"
run log --format md --since 2026-12-04
expect_in "$out" "## snapshot 4 (2026-12-04T03:00:00Z, " "log md section per snapshot"
expect_in "$out" "| domain | db-primary | added |" "log md row"
run log --since 2026-12-05 --format json
expect_rc 0 "log of an empty period"
expect_eq "$(json 'j["changes"]')" "[]" "log of an empty period is empty"
run log --host nosuch
expect_rc 2 "log --host unknown"
expect_in "$err" "no snapshots of host 'nosuch'" "log --host unknown says so"
run log --since 2026-12-04 --until 2026-12-01
expect_rc 2 "log: since after until"

# --- domains: lifecycle by UUID -------------------------------------------------------------------

run domains --json
expect_rc 0 "domains"
expect_eq "$(json '[(d["name"], d["first_seen"], d["last_seen"], d["present"]) for d in j["domains"]]')" \
	"[('cache', '2026-12-01T03:00:00Z', '2026-12-04T03:00:00Z', True), ('db-primary', '2026-12-01T03:00:00Z', '2026-12-04T03:00:00Z', True), ('web', '2026-12-01T03:00:00Z', '2026-12-04T03:00:00Z', True)]" \
	"domains: first and last seen"
expect_eq "$(json '[(e["event"], e["at"], e["snapshot"], e["name"], e["old_name"]) for d in j["domains"] for e in d["events"]]')" \
	"[('renamed', '2026-12-02T03:00:00Z', 2, 'db-primary', 'db'), ('removed', '2026-12-03T03:00:00Z', 3, 'db-primary', None), ('re-added', '2026-12-04T03:00:00Z', 4, 'db-primary', None)]" \
	"domains: the rename, the removal and the re-addition of one UUID"
expect_eq "$(json '[d["uuid"] for d in j["domains"] if d["name"] == "db-primary"]')" "['5a7b9c1d-3e5f-4a6b-8c7d-9e0f1a2b3c02']" "one life per UUID"
run domains
expect_in "$out" "renamed from db" "domains text: rename"
expect_in "$out" "re-added" "domains text: re-added"
run domains --host nosuch
expect_rc 2 "domains --host unknown"

# --- pending drift ---------------------------------------------------------------------------------

# The test driver's live XML of a running domain differs from its config only by the domain's
# id: it is stored (it differs as text) and is no pending change.
expect_eq "$(sqlite3 "$KVMHIST_DB" "SELECT group_concat(name || ':' || (live_xml_id IS NOT NULL), ' ') FROM (SELECT DISTINCT d.name, d.live_xml_id FROM domain d JOIN span s ON s.kind = 0 AND s.object_id = d.id JOIN snapshot n ON n.host_id = s.host_id AND n.seq BETWEEN s.first_seq AND s.last_seq WHERE n.id = 4 ORDER BY d.name)")" \
	"cache:0 db-primary:0 web:1" "live XML kept for the running domain only"
expect_eq "$(sqlite3 "$KVMHIST_DB" "SELECT count(*) FROM xml WHERE body LIKE '%<domain type=''test'' id=%'")" 4 \
	"live XML stored once per distinct body (web with 1 and 2 vcpus, db, db-primary)"
run show 4 --json
expect_eq "$(json '[(d["name"], d["pending"]) for d in j["domains"]]')" \
	"[('cache', []), ('db-primary', []), ('web', [])]" "no pending drift from live-only state"
run diff 3 4 --format json
expect_eq "$(json 'j["pending"]')" "[]" "diff JSON has pending, empty here"
run report --since 2026-12-01 --format json
expect_eq "$(json 'j["pending"]')" "[]" "report JSON has pending, empty here"
run report --since 2026-12-01
expect_in "$out" "## Pending at next boot

None." "report: pending section, empty"

# --- following a domain by UUID across a rename ----------------------------------------------------

# A copy of the history with a fifth night on which web is renamed frontend: its vcpu change
# of night 2 (as web) and the rename are the story of one domain, asked for by either name.
cp "$KVMHIST_DB" "$tmp/follow.db"
cp "$fixtures/drift/night5.xml" "$tmp/host.xml"
run --db "$tmp/follow.db" collect -c "$uri" --at 2026-12-05T03:00:00Z
expect_rc 0 "collect night 5"
for name in frontend web; do
	run --db "$tmp/follow.db" log --domain "$name" --format json
	expect_eq "$(json '[(c["snapshot"], c["name"], c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
		"[(2, 'web', '/domain/vcpu', '1', '2'), (5, 'frontend', 'name', 'web', 'frontend')]" \
		"log --domain $name: its changes before and after the rename"
done
run --db "$tmp/follow.db" diff 1 3 --domain frontend --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["changes"]]')" \
	"[('web', '/domain/vcpu', '1', '2')]" "diff --domain by a name taken after TO"
run --db "$tmp/follow.db" log --domain cache --format json
expect_eq "$(json '[(c["snapshot"], c["name"], c["path"]) for c in j["changes"]]')" \
	"[(3, 'cache', '/domain/memory')]" "log --domain: another domain's rename is not followed"

# --- pending drift in diff, report and log ------------------------------------------------------

# The test driver cannot hold a config-only change, so the store is given one: web's live XML
# of nights 2-4 now runs 1 vCPU (persistent: 2) and a hot-plugged disk with a hostile path.
sqlite3 "$KVMHIST_DB" <<'SQL'
UPDATE xml SET body = replace(replace(body,
	'<vcpu placement=''static''>2</vcpu>', '<vcpu placement=''static''>1</vcpu>'),
	'</interface>', '</interface><disk type=''file'' device=''disk''><source file=''/srv/hot|plug&lt;b&gt;.raw''/><target dev=''vdb'' bus=''virtio''/></disk>')
WHERE id = (SELECT live_xml_id FROM domain WHERE name = 'web' AND live_xml_id IS NOT NULL
	ORDER BY id DESC LIMIT 1);
SQL
hot='<disk type="file" device="disk"><source file="/srv/hot|plug&lt;b&gt;.raw"/><target dev="vdb" bus="virtio"/></disk>'
vdb="/domain/devices/disk[target/@dev='vdb']"
run diff 3 4 --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["pending"]]')" \
	"[('web', '/domain/vcpu', '1', '2'), ('web', \"$vdb\", '$hot', None)]" "diff: web's pending drift"

run report --since 2026-12-01 --format json
expect_eq "$(json '[(p["host"], p["uri"], p["name"], p["path"], p["old"], p["new"], p["taken_at"]) for p in j["pending"]]')" \
	"[('$(hostname)', '$uri', 'web', '/domain/vcpu', '1', '2', '2026-12-04T03:00:00Z'), ('$(hostname)', '$uri', 'web', \"$vdb\", '$hot', None, '2026-12-04T03:00:00Z')]" \
	"report JSON: pending drift of the host's latest snapshot"
expect_eq "$(json 'list(j["pending"][0])[:6]')" "['host', 'uri', 'name', 'path', 'old', 'new']" "report JSON: pending keys in order"
run report --since 2026-12-01 --until 2026-12-02 --format json
expect_eq "$(json '[(p["path"], p["taken_at"]) for p in j["pending"]]')" \
	"[('/domain/vcpu', '2026-12-02T03:00:00Z'), (\"$vdb\", '2026-12-02T03:00:00Z')]" "report: the period's latest snapshot, not the history's"
run report --since 2026-12-01 --until 2026-12-01 --format json
expect_eq "$(json 'j["pending"]')" "[]" "report: night 1 ran what its config says"
run report --since 2026-12-01
expect_in "$out" "- **Pending at next boot:** 2 changes" "report md: summary line"
expect_in "$out" "| Host | Domain | What | Running → persistent |
| --- | --- | --- | --- |
| $(hostname) | web | /domain/vcpu | 1 → 2 |
| $(hostname) | web | /domain/devices/disk\\[target/@dev='vdb'\\] | removed: &lt;disk type=\"file\" device=\"disk\"&gt;&lt;source file=\"/srv/hot\\|plug&amp;lt;b&amp;gt;.raw\"/&gt;&lt;targ… |" \
	"report md: pending table, escaped"
run report --since 2026-12-01 --format html --templates "$top/templates"
expect_in "$out" "<h2>Pending at next boot</h2>" "report html: pending section"
expect_in "$out" ">Running → persistent</th>" "report html: pending header"
expect_in "$out" ">removed: &lt;disk type=&quot;file&quot; device=&quot;disk&quot;&gt;&lt;source file=&quot;/srv/hot|plug&amp;lt;b&amp;gt;.raw&quot;/&gt;&lt;targ…</td>" "report html: pending value escaped"
expect_not_in "$out" "<disk" "report html: no raw XML from libvirt"

NO_COLOR=1 run log --since 2026-12-04
expect_in "$out" "volume images/web.qcow2
  allocation: 5.0 GiB → 6.0 GiB (+1.0 GiB)

Pending at next boot (running → persistent config) as of snapshot 4 (2026-12-04T03:00:00Z, $(hostname)):
domain web
  /domain/vcpu: 1 → 2
  - $vdb: $hot" "log text: pending drift after the timeline"
run log --format md --since 2026-12-04
expect_in "$out" "## Pending at next boot (running → persistent config) as of snapshot 4 (2026-12-04T03:00:00Z, $(hostname))

| Object | Name | Change | Path | Old | New |
| --- | --- | --- | --- | --- | --- |
| domain | web | modified | /domain/vcpu | 1 | 2 |" "log md: pending table"
run log --format json
expect_eq "$(json '[(c["snapshot"], c["uri"], c["name"], c["path"], c["old"], c["new"]) for c in j["pending"]]')" \
	"[(4, '$uri', 'web', '/domain/vcpu', '1', '2'), (4, '$uri', 'web', \"$vdb\", '$hot', None)]" "log JSON: pending of the latest snapshot"
expect_eq "$(json 'len(j["changes"])')" 15 "log JSON: the timeline unchanged by pending drift"
run log --until 2026-12-02 --format json
expect_eq "$(json 'sorted(set(c["snapshot"] for c in j["pending"]))')" "[2]" "log --until: pending as of the period's last snapshot"
run log --domain cache --format json
expect_eq "$(json 'j["pending"]')" "[]" "log --domain: other domains' pending drift left out"
run log --domain web --format json
expect_eq "$(json 'len(j["pending"])')" 2 "log --domain web: its pending drift"
run -q log
expect_eq "$out" "" "log -q prints nothing, pending drift included"

expect_eq "$(sqlite3 "$KVMHIST_DB" "PRAGMA user_version")" "$(sed -n "s/^#define KH_SCHEMA_VERSION \([0-9]*\)/\1/p" "$top/store/store.h")" "schema version is the current one"

done_testing
