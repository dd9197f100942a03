#!/bin/sh
# gen-fleet.sh DIR NIGHTS HOSTS: the fleet history for make bench, into DIR/kvmhist.db.
# Each night gen-estate rewrites HOSTS node files (20 domains, 20 pools, 100 volumes each,
# sizes and rates of their own) and one `collect --uri-file` stores all of them, as cron
# would on a fleet. Environment: KVMHIST, BENCH_BUILD (as bench.sh).
set -eu
dir=$1
nights=$2
hosts=$3
mkdir -p "$dir/nodes"
i=0
: >"$dir/uris"
while [ "$i" -lt "$hosts" ]; do
	printf 'test://%s/nodes/h%04d.xml\n' "$dir" "$i" >>"$dir/uris"
	i=$((i + 1))
done
n=0
while [ "$n" -lt "$nights" ]; do
	"$BENCH_BUILD/gen-estate" "$n" "$dir/nodes" 20 20 100 5 "$hosts"
	at=$(date -u -d "2025-01-01 03:00:00 UTC + $n days" +%Y-%m-%dT%H:%M:%SZ)
	"$KVMHIST" --db "$dir/kvmhist.db" -q collect --uri-file "$dir/uris" --at "$at"
	n=$((n + 1))
	[ $((n % 5)) -eq 0 ] && printf 'bench:   fleet night %d of %d\n' "$n" "$nights" >&2
done
