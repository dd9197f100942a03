#!/bin/sh
# The naive alternative an admin writes: one virsh call per object into files, committed to
# git nightly. Timed by bench.sh against the real lab; not part of kvmhist.
#   virsh-loop.sh URI REPO_DIR
set -eu
uri=$1
repo=$2
v() { virsh -q -c "$uri" "$@"; }

mkdir -p "$repo"
cd "$repo"
[ -d .git ] || git init -q .
rm -rf domains pools volumes networks
mkdir -p domains pools volumes networks
for d in $(v list --all --name); do
	v dumpxml --inactive "$d" >"domains/$d.xml"
	v dominfo "$d" >"domains/$d.info"
done
for p in $(v pool-list --all --name); do
	v pool-refresh "$p" >/dev/null
	v pool-dumpxml "$p" >"pools/$p.xml"
	v pool-info "$p" >"pools/$p.info"
	mkdir -p "volumes/$p"
	for vol in $(v vol-list "$p" | awk '{print $1}'); do
		v vol-dumpxml --pool "$p" "$vol" >"volumes/$p/$vol.xml"
		v vol-info --pool "$p" "$vol" >"volumes/$p/$vol.info"
	done
done
for n in $(v net-list --all --name); do
	v net-dumpxml "$n" >"networks/$n.xml"
done
git add -A
git -c user.name=bench -c user.email=bench@localhost commit -q -m "nightly dump" || true
