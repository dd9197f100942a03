# kvmhist over real remote transports against a real libvirtd: qemu+ssh through an sshd of
# the test's own (127.0.0.1, its own port, host key and client key; libvirt's virt-ssh-helper
# on the far side), and links that take time, through bench/delay-relay. Each stores exactly
# what a local collect stores; over a slow link the calls overlap (the round trips -v counts
# are a fraction of the calls); a slow but answering host is not given up, a silent one is.
# Needs root. Objects are named khe2e-PID-... and removed at exit; the sshd
# (tests/sshd-up.sh) and relays this script starts are stopped by pid.
. "$(dirname "$0")/lib.sh"

relay_bin=$top/${BUILD:-build}/bench/delay-relay
if [ ! -x "$relay_bin" ]; then
	fail "$relay_bin is missing (make check builds it)"
	done_testing
	exit 1
fi
need_libvirtd

sys=qemu:///system
p="khe2e-$$-"
v() { virsh -q -c "$sys" "$@"; }

# ---- a small estate of our own: a pool of volumes on a tmpfs, domains, a network ----
pooldir=$tmp/pool
mkdir "$pooldir"
if mount -t tmpfs -o size=64m,mode=755 "${p}fs" "$pooldir" 2>/dev/null; then
	at_exit 'umount "$pooldir"'
fi
at_exit remove_objects
ndoms=24
: >"$tmp/cmds"
i=0
while [ "$i" -lt "$ndoms" ]; do
	if [ $((i % 2)) -eq 0 ]; then
		truncate -s 1G "$pooldir/v$i.raw"
		vol=v$i.raw fmt=raw
	else
		qemu-img create -q -f qcow2 "$pooldir/v$i.qcow2" 1G
		vol=v$i.qcow2 fmt=qcow2
	fi
	cat >"$tmp/d$i.xml" <<-EOF
	<domain type='qemu'><name>${p}d$i</name><memory unit='MiB'>$((32 + i))</memory>
	<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices>
	<disk type='volume' device='disk'><driver name='qemu' type='$fmt'/>
	<source pool='${p}pool' volume='$vol'/><target dev='vda' bus='virtio'/></disk>
	<interface type='network'><source network='${p}net'/><model type='virtio'/></interface>
	</devices></domain>
	EOF
	echo "define $tmp/d$i.xml" >>"$tmp/cmds"
	i=$((i + 1))
done
v pool-define-as "${p}pool" dir --target "$pooldir" >/dev/null &&
	v pool-start "${p}pool" >/dev/null || fail "pool"
printf "<network><name>%snet</name><ip address='10.213.9.1' prefix='24'/></network>\n" "$p" \
	>"$tmp/net.xml"
v net-define "$tmp/net.xml" >/dev/null || fail "network"
virsh -q -c "$sys" <"$tmp/cmds" >/dev/null || fail "domains"

# ---- an sshd of our own ----
. "$top/tests/sshd-up.sh"
if ! sshd_up; then
	fail "sshd: $skip"
	done_testing
	exit 1
fi

# relay NAME MS LISTEN TARGET: a delaying relay, stopped at exit; its port in $tmp/NAME.port
relay() {
	"$relay_bin" -d "$2" -l "$3" -t "$4" -p "$tmp/$1.port" 2>"$tmp/$1.log" 9>&- &
	echo $! >"$tmp/$1.pid"
	at_exit "kill \$(cat '$tmp/$1.pid') 2>/dev/null"
	wait_for_file "$tmp/$1.port"
}

# Every collect goes into one database, so that diff can compare each with the local one.
export KVMHIST_DB="$tmp/all.db"
# ours ID: what show --json holds of our objects, without ids, times and the URI (the host's
# facts stay: the same daemon answers every URI)
ours() {
	"$KVMHIST" show "$1" --json | python3 -c "import json, sys
p = '$p'
j = json.load(sys.stdin)
for k in ('id', 'taken_at', 'uri'):
    j['snapshot'].pop(k)
for kind in ('domains', 'pools', 'volumes', 'networks'):
    j[kind] = [o for o in j[kind] if (o['name'] or '').startswith(p) or (kind == 'volumes' and o['pool'].startswith(p))]
print(json.dumps(j, sort_keys=True, indent=1))"
}
# same_as_local WHAT: the last collect ($out) stored what the local one did: show and diff
same_as_local() {
	id=$(printf '%s' "$out" | cut -f1)
	ours "$id" >"$tmp/got.json"
	expect_eq "$(diff "$tmp/local.json" "$tmp/got.json")" "" "$1: show --json as a local collect's"
	run diff "$local_id" "$id" --format json
	expect_eq "$(json "[c for c in j['changes'] if c['name'].startswith('$p')]")" "[]" \
		"$1: no change from a local collect, XML included"
}

run collect -c "$sys"
expect_rc 0 "local collect"
local_id=$(printf '%s' "$out" | cut -f1)
ours "$local_id" >"$tmp/local-own.json"
# the device of a pool's target only a collect on this machine can stat: none over a transport
expect_eq "$(python3 -c "import json; print([p['target_device'] for p in json.load(open('$tmp/local-own.json'))['pools']])")" \
	"['$(stat -c %Hd:%Ld "$pooldir")']" "local collect: the pool's target device"
python3 -c "import json; j = json.load(open('$tmp/local-own.json'))
for p in j['pools']:
    p['target_device'] = None
print(json.dumps(j, sort_keys=True, indent=1))" >"$tmp/local.json"
expect_eq "$(python3 -c "import json; j = json.load(open('$tmp/local.json')); print(len(j['domains']), len(j['pools']), len(j['volumes']), len(j['networks']))")" \
	"$ndoms 1 $ndoms 1" "local collect: our objects"

# ---- qemu+ssh, straight ----
uri=$(ssh_uri "$ssh_port")
run collect -c "$uri"
expect_rc 0 "collect over qemu+ssh"
same_as_local "qemu+ssh"

# ---- qemu+ssh through a link of 20 ms each way: the calls overlap ----
relay wan 20 tcp:0 "tcp:$ssh_port"
uri=$(ssh_uri "$(cat "$tmp/wan.port")")
run -v collect -c "$uri"
expect_rc 0 "collect over qemu+ssh through the relay"
verr=$err
same_as_local "qemu+ssh through the relay"
err=$verr
# -v: "... networks in T s, C calls in R round trips"
calls=$(printf '%s\n' "$err" | sed -n 's/.* in [0-9.]* s, \([0-9]*\) calls in [0-9]* round trips$/\1/p')
trips=$(printf '%s\n' "$err" | sed -n 's/.* calls in \([0-9]*\) round trips$/\1/p')
checks=$((checks + 1))
if [ -z "$calls" ] || [ -z "$trips" ]; then
	fail "-v: no calls and round trips in [$err]"
else
	echo "$me: $calls calls in $trips round trips through the relay"
	# one call per domain at least (its XML), and every volume's: sequential calls would
	# need a round trip each; overlapped, at least 4 calls share one on average
	[ "$calls" -ge $((2 * ndoms)) ] || fail "-v: $calls calls, expected at least $((2 * ndoms))"
	[ $((trips * 4)) -le "$calls" ] || fail "-v: $calls calls needed $trips round trips: not overlapped"
fi

# ---- a slow but answering host outlasts --timeout; a silent one is given up ----
# 300 ms a round trip: connecting takes about 1.2 s, the whole collect some 4 s, each answer
# well within --timeout 2
relay slow 150 unix:"$tmp/slow.sock" unix:/var/run/libvirt/libvirt-sock
slow="qemu+unix:///system?socket=$tmp/slow.sock"
t0=$(date +%s.%N)
run collect -c "$slow" --timeout 2
t1=$(date +%s.%N)
expect_rc 0 "a slow host answering within --timeout of each call"
same_as_local "a slow host"
checks=$((checks + 1))
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 2) }' ||
	fail "the slow collect took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s, not more than its --timeout: it proves nothing"
# the same link falls silent half-way (the relay stopped): given up about --timeout later
"$KVMHIST" collect -c "$slow" --timeout 2 >"$tmp/out" 2>"$tmp/err" &
collect=$!
sleep 2
kill -STOP "$(cat "$tmp/slow.pid")"
t0=$(date +%s)
(sleep 60 && kill "$collect") >/dev/null 2>&1 & # a collect waiting for ever fails, not hangs
watchdog=$!
wait "$collect"
rc=$?
t1=$(date +%s)
kill "$watchdog" 2>/dev/null
kill -CONT "$(cat "$tmp/slow.pid")"
err=$(cat "$tmp/err")
expect_rc 1 "a host that falls silent"
expect_eq "$err" "kvmhist: cannot collect '$slow': no answer within 2 s (--timeout)" "a host that falls silent: one line"
checks=$((checks + 1))
# what is asserted is that it was given up (the watchdog's kill gives another status); the
# bound is wide for a loaded machine or valgrind
[ $((t1 - t0)) -le 30 ] || fail "a host that falls silent: given up $((t1 - t0)) s after, expected about 2"

done_testing
