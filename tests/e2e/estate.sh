# The five-night test estate through the built binary: what is stored, what diff says,
# what the report computes. Values are those of tests/fixtures/estate/README.md.
. "$(dirname "$0")/lib.sh"

GiB=1073741824
uri="test://$tmp/estate.xml"
# Nights at 03:00Z, 2026-11-20 … 2026-11-24.
for d in 1 2 3 4 5; do
	cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
	run collect -c "$uri" --at "2026-11-2$((d - 1))T03:00:00Z"
	expect_rc 0 "collect night $d"
	expect_eq "$(printf '%s' "$out" | cut -f1,3,4)" "$(printf '%s\t2026-11-2%sT03:00:00Z\t%s' "$d" "$((d - 1))" "$uri")" "collect line $d"
done

run snapshots --json
expect_rc 0 "snapshots --json"
expect_eq "$(json '[s["id"] for s in j["snapshots"]]')" "[1, 2, 3, 4, 5]" "snapshot ids"
expect_eq "$(json '[(s["domains"], s["pools"], s["volumes"], s["networks"]) for s in j["snapshots"]][3:]')" \
	"[(3, 2, 6, 2), (3, 2, 7, 2)]" "object counts"
run snapshots
expect_lines "$out" 7 "snapshots text: header, rule, five rows"

# show --json of night 4 against the fixture table
run show 4 --json
expect_rc 0 "show 4"
expect_eq "$(json '(j["snapshot"]["taken_at"], j["snapshot"]["uri"] == "'"$uri"'")')" "('2026-11-23T03:00:00Z', True)" "show snapshot"
expect_eq "$(json '[d["name"] for d in j["domains"]]')" "['aries', 'gemini', 'taurus']" "domains"
expect_eq "$(json '[(d["state"], d["vcpus"], d["memory_kib"], d["max_memory_kib"], d["persistent"]) for d in j["domains"]]')" \
	"[('running', 4, 8388608, 8388608, True), ('shut off', 1, 2097152, 2097152, True), ('running', 2, 3145728, 4194304, True)]" "domain facts"
expect_eq "$(json '[(k["target"], k["pool"], k["volume"], k["capacity"], k["allocation"]) for k in j["domains"][2]["disks"]]')" \
	"[('vda', 'default', 'taurus-root.qcow2', 21474836480, 7516192768), ('vdb', 'data', 'taurus-db.qcow2', 17179869184, 4294967296)]" "taurus disks"
expect_eq "$(json '[(k["target"], k["type"], k["source"], k["pool"], k["volume"]) for k in j["domains"][0]["disks"]]')" \
	"[('sda', 'file', None, None, None), ('vda', 'volume', 'default/aries-root.qcow2', 'default', 'aries-root.qcow2'), ('vdb', 'file', '/srv/data/aries-data.qcow2', 'data', 'aries-data.qcow2')]" "aries disks"
expect_eq "$(json '[(i["mac"], i["type"], i["source"], i["model"]) for i in j["domains"][2]["interfaces"]]')" \
	"[('52:54:00:3c:4d:02', 'network', 'backend', 'virtio')]" "taurus interface"
expect_eq "$(json '[(p["name"], p["capacity"], p["allocation"], p["available"], p["path"]) for p in j["pools"]]')" \
	"[('data', 107374182400, 39728447488, 67645734912, '/srv/data'), ('default', 107374182400, 26306674688, 81067507712, '/var/lib/libvirt/images')]" "pools"
expect_eq "$(json '[(v["name"], v["capacity"], v["allocation"], v["physical"]) for v in j["volumes"] if v["pool"] == "data"]')" \
	"[('aries-data.qcow2', 68719476736, 24696061952, None), ('backup-staging.raw', 34359738368, 10737418240, None), ('taurus-db.qcow2', 17179869184, 4294967296, None)]" "data volumes"
expect_eq "$(json '[(n["name"], n["bridge"], n["forward"], n["ips"], n["dhcp_ranges"]) for n in j["networks"]]')" \
	"[('backend', 'virbr1', None, ['10.20.0.1/24', 'fd42:20::1/64'], ['10.20.0.100-10.20.0.199', 'fd42:20::100-fd42:20::1ff']), ('default', 'virbr0', 'nat', ['192.168.122.1/24'], ['192.168.122.2-192.168.122.254'])]" "networks"
run show 4
expect_in "$out" "Used memory:    3145728 KiB" "show text like dominfo"
expect_in "$out" "aries-data.qcow2" "show text lists volumes"

# diff: night 2 → 3 moves taurus's interface; sizes change as numbers, once each.
run diff 2 3 --format json
expect_rc 0 "diff 2 3"
expect_eq "$(json '(j["from"]["id"], j["to"]["id"], len(j["changes"]))')" "(2, 3, 5)" "diff 2 3 count"
expect_eq "$(json '[(c["object"], c["name"], c["change"], c["path"], c["old"], c["new"]) for c in j["changes"] if c["object"] == "domain"]')" \
	"[('domain', 'taurus', 'modified', \"/domain/devices/interface[mac/@address='52:54:00:3c:4d:02']/source/@network\", 'default', 'backend')]" "interface move"
expect_eq "$(json '[(c["pool"], c["name"], c["path"], c["old"], c["new"]) for c in j["changes"] if c["object"] == "volume"]')" \
	"[('data', 'aries-data.qcow2', 'allocation', 22548578304, 23622320128), ('data', 'backup-staging.raw', 'allocation', 15032385536, 12884901888)]" "volume growth"
expect_eq "$(json '[(c["name"], c["path"], c["old"], c["new"]) for c in j["changes"] if c["object"] == "pool"]')" \
	"[('data', 'allocation', 41875931136, 40802189312), ('data', 'available', 65498251264, 66571993088)]" "pool fill"

# night 3 → 4 adds a disk: one change, the whole element as the new value
run diff 3 4 --format json
expect_eq "$(json '[(c["name"], c["path"], c["old"]) for c in j["changes"] if c["object"] == "domain"]')" \
	"[('taurus', \"/domain/devices/disk[target/@dev='vdb']\", None)]" "added disk"
expect_in "$(json '[c["new"] for c in j["changes"] if c["object"] == "domain"][0]')" "taurus-db.qcow2" "added disk content"

# night 4 → 5: gemini removed, pisces and its volume added
run diff --format json
expect_eq "$(json '(j["from"]["id"], j["to"]["id"])')" "(4, 5)" "default diff is latest~1 → latest"
expect_eq "$(json 'sorted((c["object"], c["name"], c["change"]) for c in j["changes"] if c["change"] != "modified")')" \
	"[('domain', 'gemini', 'removed'), ('domain', 'pisces', 'added'), ('volume', 'pisces-root.qcow2', 'added')]" "lifecycle"
expect_eq "$(json '[c["path"] for c in j["changes"] if c["change"] != "modified"]')" "[None, None, None]" "added/removed have no path"

# text: one line per change, sizes humanized with the delta
NO_COLOR=1 run diff 2 3
expect_in "$out" "22.0 GiB" "text diff humanizes"
expect_in "$out" "(+1.0 GiB)" "text diff shows the delta"
expect_not_in "$out" "$(printf '\033')" "no colour when piped"

# --exit-code: 1 with changes, 0 for a snapshot against itself
run diff 2 3 --exit-code
expect_rc 1 "diff --exit-code with changes"
run diff 3 3 --exit-code
expect_rc 0 "diff N N"
expect_eq "$(KVMHIST_DB=$KVMHIST_DB "$KVMHIST" diff 3 3 --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["changes"]))')" 0 "diff N N is empty"

# Dates and ages as SNAP
run diff 2026-11-21T03:00:00Z 2026-11-22T12:00:00+02:00 --format json
expect_eq "$(json '(j["from"]["id"], j["to"]["id"])')" "(2, 3)" "diff by dates"
KVMHIST_NOW=2026-11-25T03:00:00Z run show 36h --json
expect_eq "$(json 'j["snapshot"]["id"]')" 4 "age 36h"

# report: the whole period
run report --since 2026-11-20 --format json
expect_rc 0 "report json"
expect_eq "$(json '(j["period"]["from"], j["period"]["to"], j["period"]["snapshots"])')" \
	"('2026-11-20T00:00:00Z', '2026-11-24T03:00:00Z', 5)" "report period"
expect_eq "$(json '[(v["allocation_at_start"], v["allocation"], v["growth_bytes_per_day"], v["days_to_full"], v["full_on"]) for v in j["volumes"] if v["name"] == "aries-data.qcow2"]')" \
	"[(21474836480, 25769803776, 1073741824, 40, '2027-01-03')]" "aries-data forecast: 40 GiB left at 1 GiB a day"
expect_eq "$(json '[(v["growth_bytes_per_day"] < 0, v["days_to_full"], v["full_on"]) for v in j["volumes"] if v["name"] == "backup-staging.raw"]')" \
	"[(True, None, None)]" "shrinking volume has no forecast"
expect_eq "$(json '[(v["growth_bytes_per_day"], v["days_to_full"]) for v in j["volumes"] if v["name"] == "taurus-db.qcow2"]')" \
	"[(0, None)]" "flat volume has no forecast"
expect_eq "$(json '[(p["name"], p["committed"]) for p in j["pools"]]')" \
	"[('data', 120259084288), ('default', 118111600640)]" "committed per pool"
expect_in "$(json '[(c["name"], c["path"]) for c in j["drift"]]')" "('taurus', \"/domain/devices/interface[mac/@address='52:54:00:3c:4d:02']/source/@network\")" "report drift"

run report -o "$tmp/r.md"
expect_rc 0 "report -o"
expect_in "$(cat "$tmp/r.md")" "aries-data.qcow2" "markdown report"
run report --format html --templates "$top/templates" -o "$tmp/r.html"
expect_rc 0 "report html"
expect_in "$(cat "$tmp/r.html")" "<table" "html report has tables"
expect_not_in "$(cat "$tmp/r.html")" "<script" "html report has no script"

# --warn-days moves the 40-day volume into the warning section
run report --since 2026-11-20 --warn-days 45
expect_in "$out" "## Volumes within 45 days of full" "warn-days heading"
expect_in "$(printf '%s' "$out" | sed -n '/within 45 days of full/,/^## /p')" "aries-data.qcow2" "warn-days lists the volume"
run report --since 2026-11-20 --warn-days 30
expect_not_in "$(printf '%s' "$out" | sed -n '/within 30 days of full/,/^## /p')" "aries-data.qcow2" "30 days does not"
run report --warn-days soon
expect_rc 2 "bad --warn-days"

# e-mail: multipart/alternative of the text and a multipart/related of the HTML and one PNG
# per chart, parsed by Python's email package with its strict default policy
run report --since 2026-11-20 --format email --mail-to "Ops <ops@example.org>" --mail-from kvmhist@example.org --templates "$top/templates"
expect_rc 0 "report email"
printf '%s\n' "$out" >"$tmp/mail.eml"
expect_eq "$(python3 - "$tmp/mail.eml" <<'PY'
import email, email.policy, re, struct, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
parts = [p.get_content_type() for p in m.walk()]
defects = sum(len(p.defects) for p in m.walk())
plain = [p for p in m.walk() if p.get_content_type() == 'text/plain'][0].get_content()
html = [p for p in m.walk() if p.get_content_type() == 'text/html'][0].get_content()
pngs = {p['Content-ID'].strip('<>'): p.get_content() for p in m.walk() if p.get_content_type() == 'image/png'}
cids = re.findall(r'src="cid:([^"]+)"', html)
sizes = sorted({struct.unpack('>II', png[16:24]) for png in pngs.values() if png[:8] == b'\x89PNG\r\n\x1a\n'})
alts = len(re.findall(r'<img src="cid:[^"]+" width="600" height="180" alt="[^"]+ on vm: ', html))
lines = plain.splitlines()
row = [l for l in lines if 'aries-data.qcow2' in l and re.match('vm +data +aries-data', l)][0]
# the Pools table aligned with spaces: each number ends where its heading does
head = lines.index([l for l in lines if l.startswith('Host  Pool  ')][0])
aligned = set(lines[head + 1]) == {'-'} and all(
    lines[head + 2 + i].index(v) + len(v) == lines[head].index(h) + len(h)
    for i, h, v in ((0, 'Capacity', '100.0 GiB'), (0, 'Available', '64.0 GiB'), (1, 'Available', '73.5 GiB')))
print(m['To'], '|', m['From'], '|', parts, '|', defects, '|', sorted(cids) == sorted(pngs), len(pngs), sizes,
      max(len(p) for p in pngs.values()) < 30 * 1024, alts, '|', '<svg' in html, 'data:' in html,
      '<script' in html, '|', bool(re.search('[\u2581-\u2588]{3,}$', row)), aligned, '|' in plain)
PY
)" "Ops <ops@example.org> | kvmhist@example.org | ['multipart/alternative', 'text/plain', 'multipart/related', 'text/html', 'image/png', 'image/png', 'image/png'] | 0 | True 3 [(1200, 360)] True 3 | False False False | True True False" "email structure"
# one host's mail is well under its 200 KB: every chart in it, none said to be left out
expect_eq "$(python3 - "$tmp/mail.eml" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], 'rb').read()
m = email.message_from_bytes(raw, policy=email.policy.default)
body = ''.join(p.get_content() for p in m.walk() if p.get_content_type() in ('text/plain', 'text/html'))
print(len(raw) < 200000, sum(p.get_content_type() == 'image/png' for p in m.walk()), 'left out to keep this mail' in body)
PY
)" "True 3 False" "email: one host keeps every chart"
# The text part reads in mutt: every table's columns aligned with spaces (left columns start,
# right columns end, where their heading does), no Markdown pipes; --format md stays Markdown.
expect_eq "$(python3 - "$tmp/mail.eml" <<'PY'
import email, re, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read())
plain = [p for p in m.walk() if p.get_content_type() == 'text/plain'][0].get_payload(decode=True).decode()
lines = plain.replace('\r', '').split('\n')
LEFT = {'Host', 'Pool', 'Volume', 'Owner', 'Path', 'Object', 'Name', 'Domain', 'What', 'Full on'}
RIGHT = {'Capacity', 'Used', 'Available', 'Committed', 'Overcommit', 'Growth/day', 'Since start'}
tables = bad = 0
for i in range(len(lines) - 2):
    if not re.fullmatch(r'-{10,}', lines[i + 1]):
        continue
    tables += 1
    head = lines[i]
    cols = [(w.group(0), w.start(), w.end()) for w in re.finditer(r'\S+(?: \S+)*', head)]
    for row in lines[i + 2:]:
        if not row.strip():
            break
        for name, s, e in cols:
            if name in LEFT and not (row[s:s + 1].strip() and (s == 0 or row[s - 1] == ' ')):
                bad += 1
            if name in RIGHT and not (row[e - 1:e].strip() and row[e:e + 1] in ('', ' ')):
                bad += 1
print(tables, bad, '| --- |' in plain or '|---|' in plain or '| Host |' in plain)
PY
)" "6 0 False" "text part: columns aligned, no pipes"
run report --since 2026-11-20
expect_in "$out" "| Host | Pool |" "--format md stays Markdown"

# the HTML report: one titled inline <svg> per pool and per volume it lists as growing
expect_eq "$(grep -c '^<svg role="img" aria-labelledby="chart[0-9]*-t" ' "$tmp/r.html")" 3 "html: three inline charts"
expect_eq "$(grep -o '<title id="chart[0-9]*-t">[^<]*</title>' "$tmp/r.html" | sed 's/^[^>]*>//; s/<.*//')" \
	"pool data on vm
pool default on vm
volume aries-data.qcow2 in data on vm" "html: one chart per pool and growing volume"
expect_in "$(grep -i '^Subject:' "$tmp/mail.eml")" "aries-data.qcow2" "subject names what fills first"
run report --format email
expect_rc 2 "email without --mail-to"
run report --format email --mail-to ops@example.org --subject "$(printf 'x\nBcc: evil@example.org')"
expect_rc 2 "header injection refused"
expect_eq "$out" "" "nothing written on refusal"

done_testing
