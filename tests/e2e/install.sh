# make install / uninstall: the installed binary works from any directory and finds its
# templates and config; the man page renders without warnings and names every option of
# every --help; the systemd units pass systemd-analyze verify.
. "$(dirname "$0")/lib.sh"

# A build of its own: the installed paths are compiled in. make check's own variables
# (BUILD, CFLAGS of the sanitizer build) must not leak in.
imake() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$top" -j2 BUILD="$tmp/build" \
		BIN="$tmp/build/kvmhist" "$@" >"$tmp/make.log" 2>&1 ||
		{ cat "$tmp/make.log" >&2; fail "make $*"; }
}
# Build flags a distribution gives: CPPFLAGS (its -D_FORTIFY_SOURCE=2) reach every compile
# of every target, and WERROR= drops -Werror (on by default, for development and CI).
# compiles ARGS...: the compiler lines `make -n -B` prints for the binary, the tests, the
# benchmark programs and a fuzzer.
compiles() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -n -B -C "$top" BUILD="$tmp/nb" \
		BIN="$tmp/nb/kvmhist" "$@" all tests "$tmp/nb/bench/gen-estate" \
		"$tmp/nb/bench/ref-collect" "$tmp/nb/fuzz_time" 2>&1 |
		grep -E '^(cc|gcc|clang) .*[.]c( |$)'
}
lines=$(compiles CPPFLAGS=-DKH_PROBE_CPPFLAGS WERROR=)
[ "$(printf '%s\n' "$lines" | wc -l)" -ge 40 ] || fail "too few compiler lines: $lines"
expect_eq "$(printf '%s\n' "$lines" | grep -v -- ' -DKH_PROBE_CPPFLAGS ')" "" "CPPFLAGS on every compile"
expect_eq "$(printf '%s\n' "$lines" | grep -- ' -Werror ')" "" "WERROR= drops -Werror"
expect_eq "$(compiles | grep -v -- ' -Werror ')" "" "-Werror by default"

prefix=$tmp/prefix
imake install PREFIX="$prefix" SYSCONFDIR="$tmp/etc"
kh=$prefix/bin/kvmhist

for f in bin/kvmhist share/kvmhist/templates/report.html share/man/man1/kvmhist.1 \
	share/bash-completion/completions/kvmhist share/doc/kvmhist/README.md \
	share/doc/kvmhist/examples/kvmhist.conf share/doc/kvmhist/examples/cron.d-kvmhist \
	share/doc/kvmhist/examples/icinga2-kvmhist.conf share/doc/kvmhist/examples/nagios-kvmhist.cfg \
	lib/systemd/system/kvmhist-metrics.service \
	lib/systemd/system/kvmhist-collect.service lib/systemd/system/kvmhist-collect.timer \
	lib/systemd/system/kvmhist-report.service lib/systemd/system/kvmhist-report.timer; do
	[ -f "$prefix/$f" ] || fail "not installed: $f"
done
expect_eq "$(stat -c %a "$kh")" 755 "binary mode"
expect_eq "$(stat -c %a "$prefix/lib/systemd/system/kvmhist-collect.service")" 644 "unit mode"
expect_eq "$(grep -rl @BINDIR@ "$prefix" || true)" "" "placeholders left in installed files"
expect_in "$(cat "$prefix/lib/systemd/system/kvmhist-collect.service")" "ExecStart=$kh -q collect" "unit runs the installed binary"
expect_in "$(cat "$prefix/share/doc/kvmhist/examples/cron.d-kvmhist")" "root  $kh -q collect" "cron line runs the installed binary"
expect_in "$(cat "$prefix/lib/systemd/system/kvmhist-metrics.service")" "ExecStart=$kh -q metrics -o " "metrics unit runs the installed binary"
expect_in "$(cat "$prefix/share/doc/kvmhist/examples/icinga2-kvmhist.conf")" "command = [ \"$kh\", \"monitor\" ]" "Icinga 2 CheckCommand runs the installed binary"
expect_in "$(cat "$prefix/share/doc/kvmhist/examples/nagios-kvmhist.cfg")" "command_line    $kh monitor " "Nagios command runs the installed binary"

# From /, with no templates beside the binary: the installed ones are found. A mark put
# into the installed template proves which one was read.
unset KVMHIST_CONFIG # the default config path, compiled in as $tmp/etc, does not exist
printf '<!-- installed template -->\n' >>"$prefix/share/kvmhist/templates/report.html"
(cd / && "$kh" --db "$tmp/i.db" -q collect -c "$(day 1)" --at 2026-11-20T03:00:00Z) ||
	fail "installed binary: collect"
out=$(cd / && "$kh" --db "$tmp/i.db" report --format html)
expect_in "$out" "<!-- installed template -->" "installed binary finds its templates"
expect_in "$out" "<html" "installed binary renders HTML"

# The default config file, at the compiled-in SYSCONFDIR: read when it exists.
mkdir -p "$tmp/etc"
printf 'database = %s\nuri = %s\n' "$tmp/conf.db" "$(day 2)" >"$tmp/etc/kvmhist.conf"
KVMHIST=$kh
unset KVMHIST_DB
run collect
expect_rc 0 "collect with the default config"
expect_eq "$(printf '%s' "$out" | cut -f4)" "$(day 2)" "default config's uri"
[ -f "$tmp/conf.db" ] || fail "default config's database not used"
printf 'database = %s\ndatabse = x\n' "$tmp/conf.db" >"$tmp/etc/kvmhist.conf"
run snapshots
expect_rc 2 "bad default config"
expect_eq "$err" "kvmhist: $tmp/etc/kvmhist.conf:2: unknown key 'databse'" "bad default config"

# The example config, every setting uncommented, is a valid config.
sed 's/^#\([a-z_]* =\)/\1/' "$prefix/share/doc/kvmhist/examples/kvmhist.conf" >"$tmp/example.conf"
expect_eq "$(grep -c '^[a-z]' "$tmp/example.conf")" 17 "settings in the example config"
run --config "$tmp/example.conf" --db "$tmp/i.db" snapshots
expect_rc 0 "example config parses"
rm "$tmp/etc/kvmhist.conf"

# The man page: found by man, and clean for mandoc, groff and man.
page=$prefix/share/man/man1/kvmhist.1
expect_eq "$(MANPATH=$prefix/share/man man -w kvmhist 2>&1)" "$page" "man finds the installed page"
for tool in mandoc groff man; do
	command -v "$tool" >/dev/null ||
		fail "$tool is not installed (contrib/install-deps-debian.sh installs it)"
done
expect_eq "$(mandoc -T lint -W warning "$page" 2>&1)" "" "mandoc -T lint"
expect_eq "$(groff -ww -mandoc -z "$page" 2>&1)" "" "groff -ww"
expect_eq "$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)" "" "man -l --warnings"
text=$(mandoc -T ascii "$page" | col -bx)

# Every command and every option of every command is in the man page: the options as the
# option tables give them to --help and the completion (long and short form).
commands=$("$kh" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
expect_in "$commands" "collect" "commands read from --help"
options() { # CMD (none: the global ones): "--connect -c", "--json"
	"$kh" __complete options "$@" | awk -F '\t' '{ print $1; if ($2 != "-") print $2 }'
}
# section CMD: the man text that documents CMD (DESCRIPTION for the global options).
section() {
	if [ -z "$1" ]; then
		printf '%s\n' "$text" | sed -n '/^DESCRIPTION/,/^COMMANDS/p'
	else
		printf '%s\n' "$text" | awk -v c="$1" '
			/^     [a-z]/ { on = ($1 == c) }
			/^[A-Z]|^   [A-Z]/ { on = 0 }
			on'
	fi
}
n_opts=0
for c in "" $commands; do
	sec=$(section "$c")
	[ -n "$sec" ] || fail "the man page has no entry for command '$c'"
	for o in $(options $c); do
		n_opts=$((n_opts + 1))
		checks=$((checks + 1))
		# an item of its own: "     --json", "     -c uri, --connect uri"
		printf '%s\n' "$sec" | grep -Eq -- "^ +($o|-[a-zA-Z]( [a-z]+)?, $o)( |,|$)" ||
			fail "option '$o' of 'kvmhist $c --help' is not an item of the man page's entry for '${c:-kvmhist}'"
	done
done
[ "$n_opts" -ge 20 ] || fail "only $n_opts options found in the option tables"
# ... and so is every key of the config file.
for k in $(sed -n 's/^#\([a-z_]*\) =.*/\1/p' "$prefix/share/doc/kvmhist/examples/kvmhist.conf" | sort -u); do
	expect_in "$text" "$k = " "config key '$k' in the man page"
done

# The completion loads from where it is installed and registers itself.
expect_eq "$(bash -c '. "$1" && complete -p kvmhist' sh "$prefix/share/bash-completion/completions/kvmhist")" \
	"complete -F _kvmhist kvmhist" "installed completion"

# The units, as systemd reads them (man: entries checked against the installed page).
if command -v systemd-analyze >/dev/null; then
	v=$(cd "$prefix/lib/systemd/system" && MANPATH=$prefix/share/man systemd-analyze verify \
		kvmhist-collect.service kvmhist-collect.timer kvmhist-report.service \
		kvmhist-report.timer kvmhist-metrics.service 2>&1)
	vrc=$?
	checks=$((checks + 1))
	[ "$vrc" -eq 0 ] && [ -z "$v" ] || fail "systemd-analyze verify (exit $vrc): $v"
else
	echo "install.sh: SKIP systemd-analyze verify: systemd-analyze is not installed"
fi

# uninstall takes back what install put there, and leaves the admin's config and data.
mkdir -p "$tmp/etc" && printf 'uri = x\n' >"$tmp/etc/kvmhist.conf"
imake uninstall PREFIX="$prefix" SYSCONFDIR="$tmp/etc"
expect_eq "$(find "$prefix" -type f)" "" "files left after uninstall"
[ -f "$tmp/etc/kvmhist.conf" ] && [ -f "$tmp/i.db" ] || fail "uninstall removed the admin's files"

# DESTDIR: the tree a package is built from, paths as for /usr.
imake install DESTDIR="$tmp/stage" PREFIX=/usr
expect_eq "$(cd "$tmp/stage" && find . -type f | sort | tr '\n' ' ')" \
	"./usr/bin/kvmhist ./usr/lib/systemd/system/kvmhist-collect.service ./usr/lib/systemd/system/kvmhist-collect.timer ./usr/lib/systemd/system/kvmhist-metrics.service ./usr/lib/systemd/system/kvmhist-report.service ./usr/lib/systemd/system/kvmhist-report.timer ./usr/share/bash-completion/completions/kvmhist ./usr/share/doc/kvmhist/README.md ./usr/share/doc/kvmhist/examples/cron.d-kvmhist ./usr/share/doc/kvmhist/examples/icinga2-kvmhist.conf ./usr/share/doc/kvmhist/examples/kvmhist.conf ./usr/share/doc/kvmhist/examples/nagios-kvmhist.cfg ./usr/share/kvmhist/templates/report.html ./usr/share/man/man1/kvmhist.1 " \
	"files under DESTDIR"
expect_in "$(cat "$tmp/stage/usr/lib/systemd/system/kvmhist-report.service")" "/usr/bin/kvmhist report --format email" "unit under DESTDIR names /usr/bin"
grep -qa /usr/share/kvmhist/templates "$tmp/stage/usr/bin/kvmhist" ||
	fail "templates path not compiled in for PREFIX=/usr"
imake uninstall DESTDIR="$tmp/stage" PREFIX=/usr
expect_eq "$(find "$tmp/stage" -type f)" "" "files left after uninstall from DESTDIR"

done_testing
