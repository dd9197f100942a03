# Sourced by the end-to-end tests (tests/e2e/lib.sh) and by make bench: a real libvirtd on
# qemu:///system, started only when none answers and stopped by pid at exit. The caller
# provides $tmp (a scratch directory) and at_exit CMD (run at exit, last registered first).

# libvirtd_up: makes sure a libvirtd answers on qemu:///system, starting one (with virtlogd,
# the kvm and libvirt-qemu groups and user, and guests run as root) when none does; only what
# it started is stopped at exit, by pid. Returns 1 (with a reason in $skip) when that cannot
# be done.
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
	# The daemons must not inherit fd 9: one that outlived us would hold the lock for ever.
	if ! pidof virtlogd >/dev/null; then
		setsid /usr/sbin/virtlogd --daemon --pid-file="$tmp/virtlogd.pid" 9>&-
		wait_for_file "$tmp/virtlogd.pid"
		at_exit 'kill "$(cat "$tmp/virtlogd.pid")" 2>/dev/null'
	fi
	setsid /usr/sbin/libvirtd --daemon --pid-file="$tmp/libvirtd.pid" 9>&-
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
