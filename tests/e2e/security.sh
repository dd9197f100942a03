# Nothing leaked, nothing injected: no secret reaches the database (nor its WAL); hostile
# names round-trip exactly and render inert in every format; templates only substitute.
. "$(dirname "$0")/lib.sh"

# --- secrets ---------------------------------------------------------------------------
secrets="s3cr3t-vnc s3cr3t-spice s3cr3t-cookie"
# The fixture really holds them: libvirt hands them out in the secure XML.
if command -v virsh >/dev/null; then
	secure=$(virsh -q -c "test://$fixtures/secrets.xml" dumpxml --security-info locked)
	for s in $secrets; do expect_in "$secure" "$s" "libvirt's secure XML has $s"; done
fi
run collect -c "test://$fixtures/estate/day1.xml" --at 2026-11-20T00:00:00Z
expect_rc 0 "collect the estate"
# Hold a reader open so that collect's WAL is not folded in and deleted at exit: the
# secrets must be in neither file.
mkfifo "$tmp/fifo"
sqlite3 "$KVMHIST_DB" <"$tmp/fifo" >/dev/null &
holder=$!
exec 3>"$tmp/fifo"
echo "BEGIN; SELECT count(*) FROM snapshot;" >&3
run collect -c "test://$fixtures/secrets.xml" -c "test://$fixtures/hostile.xml" --at 2026-11-21T00:00:00Z
expect_rc 0 "collect the secrets and hostile hosts"
checks=$((checks + 1))
[ -s "$KVMHIST_DB-wal" ] || fail "the WAL was folded in: the test would not look at it"
checks=$((checks + 1))
grep -aq "cephuser" "$KVMHIST_DB-wal" || fail "the new snapshot is not in the WAL: the test would not look at it"
for f in "$KVMHIST_DB" "$KVMHIST_DB-wal" "$KVMHIST_DB-shm"; do
	for s in $secrets; do
		checks=$((checks + 1))
		grep -aq "$s" "$f" 2>/dev/null && fail "$s is in $(basename "$f")"
	done
done
exec 3>&-
wait "$holder"
for s in $secrets; do
	checks=$((checks + 1))
	grep -raq "$s" "$tmp" --exclude=out --exclude=err && fail "$s is somewhere under $tmp"
done
# Secret references and usernames are kept, by decision (README, Security).
run show --host "test://$fixtures/secrets.xml" --json
expect_rc 0 "show the secrets host"
expect_eq "$(json '[(d["name"], [k["target"] for k in d["disks"]]) for d in j["domains"]]')" \
	"[('locked', ['sda', 'vda', 'vdb'])]" "the domain with secrets is stored"
xml=$(sqlite3 "$KVMHIST_DB" "SELECT body FROM xml")
expect_in "$xml" "<secret type='ceph' uuid='42a69cd7-e67d-40bc-991b-7755271bcffb'/>" "ceph secret reference kept"
expect_in "$xml" "<auth username='cephuser'>" "ceph username kept"
expect_in "$xml" "<secret type='iscsi' usage='libvirtiscsi'/>" "iSCSI CHAP secret reference kept"
expect_in "$xml" "<auth type='chap' username='chapuser'>" "pool CHAP reference kept"
for s in $secrets; do expect_not_in "$out" "$s" "show has no $s"; done

# --- SQL ----------------------------------------------------------------------------------
# Only store/ talks SQL, and never formats it with SQLite's printf; its run-time SQL text comes
# from its own constants (see README, Security). A new way of building SQL must come past here.
expect_eq "$(grep -rl "sqlite3_exec\|sqlite3_prepare" "$top/cmd" "$top/report" "$top/util")" "" \
	"SQL only in store/"
expect_eq "$(grep -rn "sqlite3_[a-z]*printf" "$top/cmd" "$top/report" "$top/util" "$top/store")" "" \
	"no SQLite printf"
# every snprintf in store/ that makes SQL fills in integers or table names of our own
expect_eq "$(grep -n "snprintf(sql" "$top/store"/*.c | sed "s|$top/||; s|:[0-9]*:.*snprintf|: snprintf|")" \
	"store/prune.c: snprintf(sql, sizeof sql, \"DELETE FROM %s WHERE id NOT IN\"
store/store.c: snprintf(sql, sizeof sql, \"PRAGMA application_id = %d; PRAGMA user_version = %d\"," \
	"SQL formatted only from constants"
# store/row.c and prune.c's list of XML references make SQL text from the kinds' field tables
# (store/kind.c), whose names tests/test_kind.c holds to [a-z_]; store.c's kh_buf_printf is
# the database's file: URI, not SQL
expect_eq "$(grep -l "kh_buf_printf" "$top/store"/*.c | sed "s|$top/||")" "store/prune.c
store/row.c
store/store.c" "SQL made from the field tables only in store/row.c and prune.c"

# --- hostile names -----------------------------------------------------------------------
# hostile.xml plus a domain named in Unicode and a volume whose name holds a newline and a
# template placeholder.
python3 - "$fixtures/hostile.xml" "$tmp/hostile.xml" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
s = s.replace("<name>vault</name>", "<name>sn\u2603w \u00fcn\u00ef</name>")
s = s.replace("  </pool>", """    <volume type='file'>
      <name>line1
line2 {{body}}.raw</name>
      <capacity unit='bytes'>8192</capacity>
      <allocation unit='bytes'>4096</allocation>
    </volume>
  </pool>""")
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
echo '<node/>' >"$tmp/h.xml"
export KVMHIST_DB="$tmp/hostile.db" KVMHIST_NOW=2026-11-21T12:00:00Z
run collect -c "test://$tmp/h.xml" --at 2026-11-20T00:00:00Z
cp "$tmp/hostile.xml" "$tmp/h.xml"
run collect -c "test://$tmp/h.xml" --at 2026-11-21T00:00:00Z
expect_rc 0 "collect the hostile host"
evil='evil|*x*<b>'
snow='sn☃w ünï'
odd='%s%n%x"$(id)".raw'
nl='line1
line2 {{body}}.raw'

# Exact round trip, through show --json and the JSON of diff and report.
run show --json
expect_eq "$(json '"\n".join(d["name"] for d in j["domains"])')" "$evil
$snow" "domain names byte for byte"
expect_eq "$(json '"\n--\n".join(v["name"] for v in j["volumes"])')" "$odd
--
it's 100%.qcow2
--
$nl" "volume names byte for byte"
run diff --format json
expect_eq "$(json '"\n".join(c["name"] for c in j["changes"] if c["object"] == "domain")')" "$evil
$snow" "diff JSON names"
run report --format json
expect_in "$(json '"\n--\n".join(v["name"] for v in j["volumes"])')" "$nl" "report JSON names"
# Text is literal.
NO_COLOR=1 run diff
expect_in "$out" "$evil" "diff text names"
expect_in "$out" "$snow" "diff text Unicode"
run show
expect_in "$out" "$odd" "show text names"
# Markdown: inline syntax escaped, no raw HTML.
run diff --format md
expect_in "$out" '| evil\|\*x\*&lt;b&gt; |' "diff Markdown escapes"
expect_not_in "$out" "<b>" "diff Markdown has no raw tag"
run report --format md
expect_in "$out" '| evil\|\*x\*&lt;b&gt; |' "report Markdown escapes"
expect_in "$out" "line1 line2 {{body}}.raw" "a newline in a Markdown cell is a space"
# HTML: entities, never a live tag from data.
for c in "diff --format html" "report --format html --templates $top/templates"; do
	# shellcheck disable=SC2086
	run $c
	expect_rc 0 "$c"
	expect_in "$out" "evil|*x*&lt;b&gt;" "$c escapes"
	expect_not_in "$out" "<b>" "$c: no tag from data"
	expect_not_in "$out" "<script" "$c: no script"
	expect_in "$out" "%s%n%x&quot;\$(id)&quot;.raw" "$c: quotes as entities"
done

# --- templates ---------------------------------------------------------------------------
# A template is a fixed substitution: other {{...}}, shell and script text stay literal, and
# a value holding a placeholder is not expanded.
mkdir "$tmp/plain" "$tmp/evil"
printf '{{body}}' >"$tmp/plain/report.html"
tail='|{{other}} {{ body }} $(touch '"$tmp"'/pwned) `touch '"$tmp"'/pwned2` <script>x()</script> {{body'
printf '%s' "<t>{{title}}</t><g>{{generated}}</g>{{body}}$tail" >"$tmp/evil/report.html"
run report --format html --templates "$tmp/plain"
expect_rc 0 "plain template"
body=$out
expect_in "$body" "line2 {{body}}.raw" "the body holds a placeholder-like value"
run report --format html --templates "$tmp/evil"
expect_rc 0 "hostile template"
# (the body ends in a newline, which $(...) took from $body)
expect_eq "${out#*</g>}" "$body
$tail" "body once, the rest of the template literal"
expect_in "$out" "<g>2026-11-21T12:00:00Z</g>" "generated substituted"
checks=$((checks + 1))
[ -e "$tmp/pwned" ] || [ -e "$tmp/pwned2" ] && fail "the template ran a command"

done_testing
