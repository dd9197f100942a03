# The real lab for bench.sh (sourced): on the libvirtd answering $lab_uri, a dir pool of 400
# sparse volumes, a defined (never started) network and 200 defined domains, every name
# prefixed khbench-PID-, all removed again by lab_cleanup. Nothing else is touched.
lab_prefix=khbench-$$
lab_dir=/var/lib/libvirt/images/$lab_prefix
lab_vols=400
lab_doms=200

lab_virsh() { virsh -q -c "$lab_uri" "$@"; }

lab_setup() {
	say "bench: lab: $lab_doms domains, $lab_vols volumes in $lab_dir ($lab_prefix-*)"
	lab_cleanup=lab_teardown
	mkdir -p "$lab_dir" "$scratch/lab"
	i=0
	while [ "$i" -lt "$lab_vols" ]; do
		# sparse: half raw files, half qcow2 (allocation ~200 KiB each)
		if [ $((i % 2)) -eq 0 ]; then
			truncate -s 2G "$lab_dir/v$i.raw"
		else
			qemu-img create -q -f qcow2 "$lab_dir/v$i.qcow2" 2G
		fi
		i=$((i + 1))
	done
	lab_virsh pool-define-as "$lab_prefix-pool" dir --target "$lab_dir" >/dev/null
	lab_virsh pool-start "$lab_prefix-pool" >/dev/null
	cat >"$scratch/lab/net.xml" <<-EOF
	<network><name>$lab_prefix-net</name><bridge name='khb$$'/></network>
	EOF
	lab_virsh net-define "$scratch/lab/net.xml" >/dev/null
	: >"$scratch/lab/cmds"
	i=0
	while [ "$i" -lt "$lab_doms" ]; do
		ext=raw
		[ $((i % 2)) -eq 1 ] && ext=qcow2
		cat >"$scratch/lab/d$i.xml" <<-EOF
		<domain type='qemu'>
		  <name>$lab_prefix-d$i</name>
		  <memory unit='MiB'>64</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64'>hvm</type></os>
		  <devices>
		    <disk type='volume' device='disk'>
		      <driver name='qemu' type='$ext'/>
		      <source pool='$lab_prefix-pool' volume='v$i.$ext'/>
		      <target dev='vda' bus='virtio'/>
		    </disk>
		    <interface type='network'>
		      <source network='$lab_prefix-net'/>
		      <model type='virtio'/>
		    </interface>
		  </devices>
		</domain>
		EOF
		echo "define $scratch/lab/d$i.xml" >>"$scratch/lab/cmds"
		i=$((i + 1))
	done
	# one virsh session for all the defines
	virsh -q -c "$lab_uri" <"$scratch/lab/cmds" >/dev/null
}

lab_teardown() {
	for d in $(lab_virsh list --all --name | grep "^$lab_prefix-" || true); do
		lab_virsh undefine "$d" >/dev/null || true
	done
	lab_virsh net-undefine "$lab_prefix-net" >/dev/null 2>&1 || true
	lab_virsh pool-destroy "$lab_prefix-pool" >/dev/null 2>&1 || true
	lab_virsh pool-undefine "$lab_prefix-pool" >/dev/null 2>&1 || true
	rm -rf "$lab_dir"
}
