# Shared by the end-to-end scripts: a scratch directory and assertions that say what failed.
# KVMHIST is the binary under test (set by tests/run.sh).
set -u
umask 022 # so that a private database is kvmhist's doing, not the runner's umask
top=$(cd "$(dirname "$0")/../.." && pwd)
fixtures=$top/tests/fixtures
: "${KVMHIST:=$top/kvmhist}"
tmp=$(mktemp -d /tmp/kvmhist-e2e.XXXXXX)
me=$(basename "$0")
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

# collect_estate: the five nights of tests/fixtures/estate as one host's history, through
# the URI test://$tmp/estate.xml, at 03:00Z on 2026-11-20 ... 2026-11-24.
collect_estate() {
	for d in 1 2 3 4 5; do
		cp "$fixtures/estate/day$d.xml" "$tmp/estate.xml"
		run -q collect -c "test://$tmp/estate.xml" --at "2026-11-2$((d - 1))T03:00:00Z"
		expect_rc 0 "collect night $d"
	done
}

. "$top/tests/libvirtd-up.sh"

# remove_objects [PREFIX]: removes every object of the script's daemon (its v and $p) named
# PREFIX... (default: this run's), whatever state a run stopped in.
remove_objects() {
	prefix=${1:-$p}
	for d in $(v list --all --name | grep "^$prefix"); do
		v destroy "$d" >/dev/null 2>&1
		for s in $(v snapshot-list "$d" --name 2>/dev/null); do
			v snapshot-delete "$d" "$s" --metadata >/dev/null 2>&1
		done
		v undefine "$d" >/dev/null 2>&1
	done
	for n in $(v net-list --all --name | grep "^$prefix"); do
		v net-undefine "$n" >/dev/null 2>&1
	done
	for pl in $(v pool-list --all --name | grep "^$prefix"); do
		for vol in $(v vol-list "$pl" 2>/dev/null | awk '{print $1}'); do
			v vol-delete --pool "$pl" "$vol" >/dev/null 2>&1
		done
		v pool-destroy "$pl" >/dev/null 2>&1
		v pool-undefine "$pl" >/dev/null 2>&1
	done
}

# silent_listener: a libvirt endpoint that accepts connections and never answers, so
# libvirt's open waits for ever: on 127.0.0.1 (its port in $tmp/port) and $tmp/silent.sock.
# Each connection it accepts adds a line to $tmp/accepted ("tcp" or "unix").
silent_listener() {
	cat >"$tmp/silent.py" <<'EOF'
import socket, sys
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(8)
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1]); u.listen(8)
print(t.getsockname()[1], flush=True)
held = []
while True:
    for s, name in ((t, "tcp"), (u, "unix")):
        s.settimeout(0.05)
        try: held.append(s.accept()[0])
        except OSError: continue
        with open(sys.argv[2], "a") as f: f.write(name + "\n")
EOF
	: >"$tmp/accepted"
	python3 "$tmp/silent.py" "$tmp/silent.sock" "$tmp/accepted" >"$tmp/port" &
	silent=$!
	at_exit 'kill $silent 2>/dev/null'
	wait_for_file "$tmp/port"
}

# need_libvirtd: a real libvirtd on qemu:///system for the rest of the script; as another user
# than root the script is skipped (exit 0), and without a daemon it fails.
need_libvirtd() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$me: SKIP: needs root to run a system libvirtd"
		exit 0
	fi
	if ! libvirtd_up; then
		fail "no libvirtd: $skip"
		done_testing
		exit 1
	fi
}

# lab_sweep TAG: a run killed outright (kill -9, a lost machine) had no exit trap, so its
# objects (TAG-PID-...) would be seen by this one: removes those of runs whose process is gone.
lab_sweep() {
	for stale in $( (v list --all --name; v pool-list --all --name; v net-list --all --name) |
		sed -n "s/^$1-\([0-9][0-9]*\)-.*/\1/p" | sort -u); do
		kill -0 "$stale" 2>/dev/null || remove_objects "$1-$stale-"
	done
}

done_testing() {
	echo "$(basename "$0"): $checks checks, $fails failed"
	[ "$fails" -eq 0 ]
}
