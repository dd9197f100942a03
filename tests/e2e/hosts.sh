# Many hosts in one collect, no daemon needed: test-driver files, a refused port, endpoints
# that never answer; --jobs bounds the concurrency, --timeout the wait; --uri-file.
. "$(dirname "$0")/lib.sh"

silent_listener
hung_tcp="qemu+tcp://127.0.0.1:$(cat "$tmp/port")/system"
hung_unix="qemu+unix:///system?socket=$tmp/silent.sock"

# Bad options and URI files: exit 2, one clear line, nothing contacted or created.
run collect --uri-file "$tmp/missing"
expect_rc 2 "missing URI file"
expect_eq "$err" "kvmhist: cannot read URI file '$tmp/missing': No such file or directory" "missing URI file"
printf '# nothing here\n\n   \n' >"$tmp/empty"
run collect -c "$(day 1)" --uri-file "$tmp/empty"
expect_rc 2 "URI file without URIs"
expect_eq "$err" "kvmhist: URI file '$tmp/empty' names no URI" "URI file without URIs"
run collect -c "$hung_tcp" --uri-file "$tmp"
expect_rc 2 "a directory as URI file"
expect_lines "$err" 1 "a directory as URI file"
for bad in "--jobs 0 --jobs" "--jobs x --jobs" "-j 2000 --jobs" "--timeout -1 --timeout" \
	"--timeout 1s --timeout"; do
	set -- $bad
	run collect -c "$(day 1)" "$1" "$2"
	expect_rc 2 "collect $1 $2"
	expect_in "$err" "kvmhist collect: invalid $3 '$2'" "collect $1 $2"
done
[ -e "$tmp/kh.db" ] && fail "bad input created the database"

# A URI file (comments, blanks, spaces around) and -c, in the order given.
printf '# nightly\n\n  %s  \n%s\n' "$(day 2)" "$(day 3)" >"$tmp/uris"
run collect -c "$(day 1)" --uri-file "$tmp/uris" --at 2026-11-20T03:00:00Z
expect_rc 0 "URI file"
expect_eq "$(printf '%s\n' "$out" | cut -f1,4)" "$(printf '1\t%s\n2\t%s\n3\t%s' "$(day 1)" "$(day 2)" "$(day 3)")" \
	"URI file: stored and printed in the order given"

# Two hung hosts, a refused port and a good file, with the default --jobs: both hung
# hosts are contacted and given up after their --timeout, the good one is stored, exit 1,
# one line per failure. (What it took is not asserted beyond that lower bound: a loaded
# machine or valgrind makes any upper one fail.)
: >"$tmp/accepted"
t0=$(date +%s)
run collect -c "$hung_tcp" -c "$hung_unix" -c qemu+tcp://127.0.0.1:1/system -c "$(day 4)" --timeout 2
t1=$(date +%s)
expect_rc 1 "hung hosts"
expect_eq "$(printf '%s' "$out" | cut -f1,4)" "$(printf '4\t%s' "$(day 4)")" "hung hosts: the good one stored"
expect_eq "$(printf '%s\n' "$err" | cut -c1-60)" "$(printf '%s\n' \
	"kvmhist: cannot collect '$hung_tcp': no answer within 2 s (--timeout)" \
	"kvmhist: cannot collect '$hung_unix': no answer within 2 s (--timeout)" \
	"kvmhist: cannot connect to 'qemu+tcp://127.0.0.1:1/system': unable to connect to server at '127.0.0.1:1': Connection refused" | cut -c1-60)" \
	"hung hosts: one line each, in the order given"
expect_in "$err" "Connection refused" "refused port: the cause"
expect_eq "$(sort "$tmp/accepted" | paste -sd' ' -)" "tcp unix" "hung hosts: both were contacted"
checks=$((checks + 1))
[ $((t1 - t0)) -ge 2 ] || fail "hung hosts: given up after $((t1 - t0)) s, before their --timeout of 2 s"

# --jobs 1: one host at a time, so the second hung host is contacted only once the first is
# given up, and the two cost two timeouts.
: >"$tmp/accepted"
t0=$(date +%s)
run collect -c "$hung_tcp" -c "$hung_unix" --timeout 1 --jobs 1
t1=$(date +%s)
expect_rc 1 "--jobs 1"
expect_eq "$err" "$(printf "kvmhist: cannot collect '%s': no answer within 1 s (--timeout)\nkvmhist: cannot collect '%s': no answer within 1 s (--timeout)" "$hung_tcp" "$hung_unix")" \
	"--jobs 1: both given up, in the order given"
expect_eq "$(paste -sd' ' "$tmp/accepted")" "tcp unix" "--jobs 1: contacted one after the other"
checks=$((checks + 1))
[ $((t1 - t0)) -ge 2 ] || fail "--jobs 1: two hung hosts given up after $((t1 - t0)) s, not two timeouts of 1 s"

done_testing
