# Sourced by tests/e2e/remote.sh and by make bench: an sshd of our own on 127.0.0.1, so that
# qemu+ssh is tested for real on one machine. The caller provides $tmp (a scratch directory,
# which must stay private to root) and at_exit CMD (run at exit, last registered first).

# sshd_up: starts an sshd on a free port of 127.0.0.1 with a host key and one client key of
# its own (root's authorized_keys is not touched: the sshd reads $tmp/authorized_keys);
# sets $ssh_port and $ssh_key. It is stopped by pid at exit, and root's known_hosts, where
# ssh records the test's host key, is put back as it was. Returns 1 (with $skip) when it
# cannot be done.
sshd_up() {
	skip=""
	for x in /usr/sbin/sshd ssh ssh-keygen virt-ssh-helper python3; do
		command -v "$x" >/dev/null || { skip="$x is missing (contrib/install-deps-debian.sh)"; return 1; }
	done
	ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh_host_key" &&
		ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh_key" || { skip="ssh-keygen failed"; return 1; }
	ssh_key=$tmp/ssh_key
	cp "$tmp/ssh_key.pub" "$tmp/authorized_keys"
	chmod 600 "$tmp/authorized_keys"
	known=$HOME/.ssh/known_hosts
	if [ -e "$known" ]; then
		cp -p "$known" "$tmp/known_hosts.orig"
		at_exit 'cat "$tmp/known_hosts.orig" >"$known"'
	else
		at_exit 'rm -f "$known"'
	fi
	ssh_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$tmp/sshd_config" <<-EOF2
	ListenAddress 127.0.0.1:$ssh_port
	HostKey $tmp/ssh_host_key
	PidFile $tmp/sshd.pid
	AuthorizedKeysFile $tmp/authorized_keys
	StrictModes no
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	LogLevel ERROR
	EOF2
	mkdir -p /run/sshd # privilege separation, as Debian's unit makes it
	/usr/sbin/sshd -f "$tmp/sshd_config" -E "$tmp/sshd.log" 9>&- ||
		{ skip="sshd did not start (see $tmp/sshd.log)"; return 1; }
	wait_for_file "$tmp/sshd.pid"
	at_exit 'stop_pid "$(cat "$tmp/sshd.pid" 2>/dev/null)"'
}

# ssh_uri PORT: qemu+ssh to this machine's system daemon through PORT with our key.
ssh_uri() {
	echo "qemu+ssh://root@127.0.0.1:$1/system?keyfile=$ssh_key&no_verify=1"
}
