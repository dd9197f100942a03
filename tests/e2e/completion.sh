# Bash completion (contrib/kvmhist.bash-completion): commands, options, formats, hosts,
# URIs and domain names from the database, quoted for the shell.
. "$(dirname "$0")/lib.sh"

if ! command -v bash >/dev/null; then
	echo "completion.sh: SKIP: no bash on this machine"
	exit 0
fi

# comp LINE: completes LINE (cursor at its end) as bash would; $out holds COMPREPLY, one a line.
comp() {
	out=$(bash -c '
		. "$1"
		COMP_LINE=$2 COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_WORDS[0]=$3
		_kvmhist
		printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$top/contrib/kvmhist.bash-completion" "$1" "$KVMHIST" 2>"$tmp/comp.err")
	err=$(cat "$tmp/comp.err")
	expect_eq "$err" "" "completion of [$1] is silent"
}

db="$tmp/a dir/kh.db"
"$KVMHIST" --db "$db" collect -c "$(day 1)" >/dev/null &&
	"$KVMHIST" --db "$db" collect -c "test://$fixtures/hostile.xml" >/dev/null ||
	fail "collect for the completion database"
qdb=$(bash -c 'printf %q "$1"' sh "$db")

# words TEXT: its lines joined by single spaces.
words() {
	printf '%s\n' "$1" | tr '\n' ' ' | sed 's/ $//'
}

# Commands: the ones --help lists, never the hidden helper.
comp "kvmhist "
expect_eq "$(words "$out")" "$(words "$("$KVMHIST" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')")" "commands"
expect_in "$out" "collect" "commands include collect"
expect_not_in "$out" "__complete" "the hidden helper is not offered"
comp "kvmhist rep"
expect_eq "$out" "report" "command prefix"
comp "kvmhist --con"
expect_eq "$out" "--config" "global option"

# Options and formats, as each command's --help gives them.
comp "kvmhist diff --ex"
expect_eq "$out" "--exit-code" "diff option"
comp "kvmhist --db x report --f"
expect_eq "$out" "--format" "report option after a global option"
comp "kvmhist diff --format "
expect_eq "$(words "$out")" "text md html json" "diff formats"
comp "kvmhist report --format j"
expect_eq "$out" "json" "report format prefix"

# Hosts and URIs from the database named on the line (a path with a space in it).
comp "kvmhist --db $qdb snapshots --host v"
expect_eq "$out" "vm" "host from the database"
comp "kvmhist --db $qdb show --host test:///"
expect_lines "$out" 2 "URIs as --host"
# bash replaces only what follows the last ':' of the word: the replies must not repeat it.
expect_in "$out" "//$fixtures/estate/day1.xml" "URI completed after the colon"
expect_not_in "$out" "test:" "reply repeats the part before the colon"

# Domain names, quoted: a hostile name comes back as itself and runs nothing.
comp "kvmhist --db $qdb log "
expect_eq "$(words "$out")" 'aries evil\|\*x\*\<b\> gemini taurus vault' "domains of the latest snapshots"
comp "kvmhist --db $qdb log ev"
expect_lines "$out" 1 "one domain for the prefix"
eval "set -- $out x"
expect_eq "$1" 'evil|*x*<b>' "the quoted reply is the name"

# No database: no replies and no noise; nothing created.
comp "kvmhist --db $tmp/none.db log "
expect_eq "$out" "" "no database, no domains"
[ -e "$tmp/none.db" ] && fail "completion created a database"

# Files after the options that take one.
touch "$tmp/report-out.md"
comp "kvmhist report -o $tmp/report-o"
expect_eq "$out" "$tmp/report-out.md" "file after -o"

done_testing
