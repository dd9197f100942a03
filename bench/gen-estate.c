/* Writes the libvirt test-driver node file of a large estate as it stands on night N
 * (0-based) of a year of nightly history. Deterministic: night N is a pure function of N,
 * so any night can be regenerated without replaying the ones before.
 *
 *   gen-estate NIGHT OUT.xml [DOMAINS [POOLS [VOLUMES [NETWORKS]]]]
 *   gen-estate NIGHT OUTDIR DOMAINS POOLS VOLUMES NETWORKS HOSTS
 *
 * Churn: each domain changes its config on a given night with probability 1/50 (memory or
 * vCPUs, alternately); every seventh volume grows each night at its own rate. With HOSTS,
 * OUTDIR gets HOSTS node files h0000.xml, ... (a fleet for one collect --uri-file a night),
 * each with sizes and rates of its own; host 0 is the estate written without HOSTS. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)

static uint64_t host_seed; /* 0: the single estate; k: host k of a fleet */

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t z = a * 0x9e3779b97f4a7c15ull + b + 0x632be59bd9b4e019ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void uuid(FILE *f, uint64_t kind, uint64_t i)
{
	uint64_t a = mix(kind, i), b = mix(a, i);

	fprintf(f, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-8%03" PRIx64 "-%012" PRIx64,
		a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52, b & UINT64_C(0xffffffffffff));
}

/* How many config changes domain i has had by night n. */
static unsigned changes(unsigned i, unsigned n)
{
	unsigned c = 0;

	for (unsigned k = 1; k <= n; k++)
		c += mix(0xd0, (uint64_t)i << 20 | k) % 50 == 0;
	return c;
}

static uint64_t vol_capacity(unsigned v)
{
	return (10 + mix(0xca ^ host_seed << 8, v) % 31) * GiB;
}

static uint64_t vol_allocation(unsigned v, unsigned n)
{
	uint64_t base = (16 + mix(0xa1 ^ host_seed << 8, v) % 160) * MiB;
	uint64_t rate = (v + host_seed) % 7 == 0 /* 64 KiB..4 MiB */
				? (64 + mix(0x6a ^ host_seed << 8, v) % 4032) * 1024
				: 0;

	return base + rate * n;
}

static void domain(FILE *f, unsigned i, unsigned n, unsigned pools, unsigned nets)
{
	unsigned c = changes(i, n);
	uint64_t mem = (1 + mix(0x3e, i) % 8) * 1048576 + (uint64_t)((c + 1) / 2) * 262144;
	unsigned vcpus = 1 + (unsigned)(mix(0xc9, i) % 4) + (c / 2) % 2;
	unsigned pool = i % pools;
	uint64_t m = mix(0x3a, i);

	fprintf(f, "  <domain type='test'>\n    <name>vm%04u</name>\n    <uuid>", i);
	uuid(f, 1, i);
	fprintf(f, "</uuid>\n    <memory unit='KiB'>%" PRIu64 "</memory>\n"
		   "    <currentMemory unit='KiB'>%" PRIu64 "</currentMemory>\n"
		   "    <vcpu placement='static'>%u</vcpu>\n"
		   "    <os>\n      <type arch='x86_64'>hvm</type>\n      <boot dev='hd'/>\n    </os>\n"
		   "    <on_poweroff>destroy</on_poweroff>\n    <on_reboot>restart</on_reboot>\n"
		   "    <on_crash>destroy</on_crash>\n    <devices>\n",
		mem, mem, vcpus);
	/* half name their volume, half its path: both ways of linking a disk are exercised */
	if (i % 2)
		fprintf(f, "      <disk type='volume' device='disk'>\n"
			   "        <driver name='qemu' type='qcow2'/>\n"
			   "        <source pool='pool%02u' volume='vm%04u-root.qcow2'/>\n", pool, i);
	else
		fprintf(f, "      <disk type='file' device='disk'>\n"
			   "        <driver name='qemu' type='qcow2'/>\n"
			   "        <source file='/srv/pool%02u/vm%04u-root.qcow2'/>\n", pool, i);
	fprintf(f, "        <target dev='vda' bus='virtio'/>\n      </disk>\n"
		   "      <interface type='network'>\n"
		   "        <mac address='52:54:00:%02x:%02x:%02x'/>\n"
		   "        <source network='net%02u'/>\n        <model type='virtio'/>\n"
		   "      </interface>\n"
		   "      <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>\n"
		   "    </devices>\n  </domain>\n",
		(unsigned)(m >> 16) & 0xff, (unsigned)(m >> 8) & 0xff, (unsigned)m & 0xff,
		i % nets);
}

static void volume(FILE *f, unsigned pool, const char *name, unsigned v, unsigned n)
{
	fprintf(f, "    <volume type='file'>\n      <name>%s</name>\n"
		   "      <key>/srv/pool%02u/%s</key>\n"
		   "      <capacity unit='bytes'>%" PRIu64 "</capacity>\n"
		   "      <allocation unit='bytes'>%" PRIu64 "</allocation>\n"
		   "      <target>\n        <path>/srv/pool%02u/%s</path>\n"
		   "        <format type='qcow2'/>\n      </target>\n    </volume>\n",
		name, pool, name, vol_capacity(v), vol_allocation(v, n), pool, name);
}

static int estate(const char *path, unsigned n, unsigned doms, unsigned pools, unsigned vols,
		  unsigned nets)
{
	char name[64];
	FILE *f;

	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	fputs("<?xml version='1.0' encoding='UTF-8'?>\n<node>\n", f);
	for (unsigned i = 0; i < doms; i++)
		domain(f, i, n, pools, nets);
	for (unsigned p = 0; p < pools; p++) {
		fprintf(f, "  <pool type='dir'>\n    <name>pool%02u</name>\n    <uuid>", p);
		uuid(f, 2, p);
		fprintf(f, "</uuid>\n    <target>\n      <path>/srv/pool%02u</path>\n    </target>\n",
			p);
		/* volume v lives in pool v % pools; the first `doms` are the domains' disks */
		for (unsigned v = p; v < vols; v += pools) {
			if (v < doms)
				snprintf(name, sizeof name, "vm%04u-root.qcow2", v);
			else
				snprintf(name, sizeof name, "data%05u.qcow2", v);
			volume(f, p, name, v, n);
		}
		fputs("  </pool>\n", f);
	}
	for (unsigned i = 0; i < nets; i++) {
		fprintf(f, "  <network>\n    <name>net%02u</name>\n    <uuid>", i);
		uuid(f, 3, i);
		fprintf(f, "</uuid>\n    <forward mode='nat'/>\n    <bridge name='khb%u'/>\n"
			   "    <ip address='10.%u.%u.1' netmask='255.255.255.0'>\n"
			   "      <dhcp>\n        <range start='10.%u.%u.2' end='10.%u.%u.254'/>\n"
			   "      </dhcp>\n    </ip>\n  </network>\n",
			i, 100 + i / 256, i % 256, 100 + i / 256, i % 256, 100 + i / 256, i % 256);
	}
	fputs("</node>\n", f);
	if (fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned n, doms = 1000, pools = 20, vols = 5000, nets = 50, hosts = 0;
	char path[4096];

	if (argc < 3 || argc > 8) {
		fprintf(stderr, "usage: gen-estate NIGHT OUT.xml [DOMAINS [POOLS [VOLUMES [NETWORKS]]]]\n"
				"       gen-estate NIGHT OUTDIR DOMAINS POOLS VOLUMES NETWORKS HOSTS\n");
		return 2;
	}
	n = (unsigned)strtoul(argv[1], NULL, 10);
	if (argc > 3)
		doms = (unsigned)strtoul(argv[3], NULL, 10);
	if (argc > 4)
		pools = (unsigned)strtoul(argv[4], NULL, 10);
	if (argc > 5)
		vols = (unsigned)strtoul(argv[5], NULL, 10);
	if (argc > 6)
		nets = (unsigned)strtoul(argv[6], NULL, 10);
	if (argc > 7)
		hosts = (unsigned)strtoul(argv[7], NULL, 10);
	if (pools == 0 || nets == 0 || vols < doms) {
		fprintf(stderr, "gen-estate: need pools, networks, and a volume per domain\n");
		return 2;
	}
	if (hosts == 0)
		return estate(argv[2], n, doms, pools, vols, nets);
	for (unsigned k = 0; k < hosts; k++) {
		host_seed = k;
		snprintf(path, sizeof path, "%s/h%04u.xml", argv[2], k);
		if (estate(path, n, doms, pools, vols, nets))
			return 1;
	}
	return 0;
}
