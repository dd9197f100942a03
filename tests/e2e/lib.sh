# Shared by the end-to-end scripts: a scratch directory and assertions that say what failed.
# KVMHIST is the binary under test (set by tests/run.sh).
set -u
umask 022 # so that a private database is kvmhist's doing, not the runner's umask
top=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$top/tests/fixtures
: "${KVMHIST:=$top/kvmhist}"
tmp=$(mktemp -d /tmp/kvmhist-e2e.XXXXXX)
# Scripts add their own clean-up with at_exit; it runs also when a check aborts the script.
on_exit=""
at_exit() {
	on_exit="$1
$on_exit"
}
cleanup() {
	eval "$on_exit"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export KVMHIST_DB="$tmp/kh.db"
export KVMHIST_CONFIG=/dev/null # an empty config: never the machine's own
unset LIBVIRT_DEFAULT_URI NO_COLOR KVMHIST_NOW
fails=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run CMD...: runs kvmhist, keeping stdout in $out, stderr in $err, status in $rc.
run() {
	"$KVMHIST" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

expect_rc() {
	checks=$((checks + 1))
	[ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 (stderr: $err)"
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	checks=$((checks + 1))
	[ "$1" = "$2" ] || fail "$3: got [$1], expected [$2]"
}

# expect_in HAYSTACK NEEDLE WHAT
expect_in() {
	checks=$((checks + 1))
	case $1 in
	*"$2"*) ;;
	*) fail "$3: [$2] not in [$1]" ;;
	esac
}

expect_not_in() {
	checks=$((checks + 1))
	case $1 in
	*"$2"*) fail "$3: [$2] should not be in output" ;;
	esac
}

# expect_lines TEXT N WHAT: TEXT has exactly N lines.
expect_lines() {
	checks=$((checks + 1))
	n=$(printf '%s\n' "$1" | grep -c '')
	[ -z "$1" ] && n=0
	[ "$n" -eq "$2" ] || fail "$3: $n lines, expected $2: [$1]"
}

# json FILTER: evaluates a Python expression on the JSON in $out, bound as j.
json() {
	printf '%s' "$out" | python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

day() {
	echo "test://$fixtures/estate/day$1.xml"
}

# libvirtd_up: makes sure a libvirtd answers on qemu:///system, starting one as
# /work/shared/LAB.md describes when none does; only what it started is stopped at exit, by
# pid. Returns 1 (with a reason in $skip) when that cannot be done.
libvirtd_up() {
	skip=""
	if [ "$(id -u)" -ne 0 ]; then
		skip="needs root to run a system libvirtd"
		return 1
	fi
	# one real-daemon test at a time on this machine, so none stops the daemon under another
	exec 9>/run/kvmhist-e2e-libvirtd.lock
	flock 9
	if virsh -q -c qemu:///system uri >/dev/null 2>&1; then
		return 0
	fi
	for x in /usr/sbin/libvirtd /usr/sbin/virtlogd; do
		[ -x "$x" ] || { skip="$x is missing (contrib/install-deps-debian.sh)"; return 1; }
	done
	getent group kvm >/dev/null || groupadd -r kvm
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
	id libvirt-qemu >/dev/null 2>&1 ||
		useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
	# guests run as root only while our daemon runs; an admin's own setting is left alone
	if ! grep -q '^[[:space:]]*user[[:space:]]*=' /etc/libvirt/qemu.conf 2>/dev/null; then
		cp -p /etc/libvirt/qemu.conf "$tmp/qemu.conf.orig" 2>/dev/null || : >"$tmp/qemu.conf.orig"
		printf 'user = "root"\ngroup = "root"\n' >>/etc/libvirt/qemu.conf
		at_exit 'cat "$tmp/qemu.conf.orig" >/etc/libvirt/qemu.conf'
	fi
	mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt/images
	if ! pidof virtlogd >/dev/null; then
		setsid /usr/sbin/virtlogd --daemon --pid-file="$tmp/virtlogd.pid"
		wait_for_file "$tmp/virtlogd.pid"
		at_exit 'kill "$(cat "$tmp/virtlogd.pid")" 2>/dev/null'
	fi
	setsid /usr/sbin/libvirtd --daemon --pid-file="$tmp/libvirtd.pid"
	wait_for_file "$tmp/libvirtd.pid"
	# stopped before virtlogd (at_exit runs last-registered first), and waited for
	at_exit 'stop_pid "$(cat "$tmp/libvirtd.pid")"'
	n=0
	until virsh -q -c qemu:///system uri >/dev/null 2>&1; do
		n=$((n + 1))
		if [ "$n" -gt 100 ]; then
			skip="the libvirtd we started does not answer (see /var/log/libvirt/libvirtd.log)"
			return 1
		fi
		sleep 0.1
	done
}

wait_for_file() {
	n=0
	while [ ! -s "$1" ] && [ "$n" -lt 100 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}

# stop_pid PID: SIGTERM, and waits up to 10 s for it to go.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	n=0
	# a daemon's parent may be an init that never reaps it: a zombie has stopped too
	while kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ] &&
		[ "$n" -lt 100 ]; do
		n=$((n + 1))
		sleep 0.1
	done
}

# silent_listener: a libvirt endpoint that accepts connections and never answers, so
# libvirt's open waits for ever: on 127.0.0.1 (its port in $tmp/port) and $tmp/silent.sock.
silent_listener() {
	cat >"$tmp/silent.py" <<'EOF'
import socket, sys
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(8)
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1]); u.listen(8)
print(t.getsockname()[1], flush=True)
held = []
while True:
    for s in (t, u):
        s.settimeout(0.05)
        try: held.append(s.accept()[0])
        except OSError: pass
EOF
	python3 "$tmp/silent.py" "$tmp/silent.sock" >"$tmp/port" &
	silent=$!
	at_exit 'kill $silent 2>/dev/null'
	wait_for_file "$tmp/port"
}

done_testing() {
	echo "$(basename "$0"): $checks checks, $fails failed"
	[ "$fails" -eq 0 ]
}
