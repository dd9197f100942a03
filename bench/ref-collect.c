/* The bare-API reference: every libvirt call a full collection needs, over one connection,
 * and nothing else (no parsing, no storing). What `kvmhist collect` can at best approach.
 *
 *   ref-collect URI              walk the host, print the object counts
 *   ref-collect URI --dump DIR   the same walk, also writing what virsh would print per
 *                                object (dumpxml, dominfo, pool-/vol-info, net-dumpxml) into
 *                                DIR: the daily dump of the naive script, for git.
 *
 * A failed call on one object is counted and skipped, as a collector would do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static const char *dump_dir;
static long failures;

static void quiet(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

static void fail(const char *what)
{
	failures++;
	if (failures <= 5)
		fprintf(stderr, "ref-collect: %s: %s\n", what, virGetLastErrorMessage());
	virResetLastError();
}

/* ---- the dump (only with --dump) ---- */

static void mkdirs(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

static FILE *open_dump(const char *sub, const char *name, const char *ext)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s/%s.%s", dump_dir, sub, name, ext);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	return f;
}

static void close_dump(FILE *f)
{
	if (fclose(f) != 0) {
		perror("ref-collect: dump");
		exit(1);
	}
}

static void dump_text(const char *sub, const char *name, const char *ext, const char *text)
{
	FILE *f;

	if (dump_dir == NULL || text == NULL)
		return;
	f = open_dump(sub, name, ext);
	fputs(text, f);
	close_dump(f);
}

/* virsh's human sizes, as vol-info and pool-info print them */
static void human(FILE *f, const char *label, unsigned long long b)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)b;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	fprintf(f, "%-15s %.2f %s\n", label, v, unit[u]);
}

/* ---- the walk ---- */

static long n_doms, n_pools, n_vols, n_nets;

static void walk_domain(virDomainPtr d)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	const char *name = virDomainGetName(d);
	virDomainInfo info;
	int autostart = 0, persistent;
	char *os, *xml;

	if (name == NULL)
		return fail("domain name");
	if (virDomainGetUUIDString(d, uuid) < 0)
		fail("domain uuid");
	if (virDomainGetInfo(d, &info) < 0) {
		fail("domain info");
		memset(&info, 0, sizeof info);
	}
	if (virDomainGetAutostart(d, &autostart) < 0)
		fail("domain autostart");
	if ((persistent = virDomainIsPersistent(d)) < 0)
		fail("domain persistent");
	if ((os = virDomainGetOSType(d)) == NULL)
		fail("domain os type");
	if ((xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE)) == NULL)
		fail("domain xml");
	n_doms++;
	if (dump_dir) {
		FILE *f = open_dump("domains", name, "info");

		fprintf(f, "Name:           %s\nUUID:           %s\nOS Type:        %s\n"
			   "State:          %d\nCPU(s):         %u\nMax memory:     %lu KiB\n"
			   "Used memory:    %lu KiB\nPersistent:     %s\nAutostart:      %s\n",
			name, uuid, os ? os : "", info.state, info.nrVirtCpu, info.maxMem,
			info.memory, persistent == 1 ? "yes" : "no",
			autostart ? "enable" : "disable");
		close_dump(f);
		dump_text("domains", name, "xml", xml);
	}
	free(os);
	free(xml);
}

static void walk_volume(virStorageVolPtr v, const char *pool)
{
	const char *name = virStorageVolGetName(v);
	virStorageVolInfo info, phys;
	char *path, *xml, sub[1024];

	if (name == NULL)
		return fail("volume name");
	if (virStorageVolGetKey(v) == NULL)
		fail("volume key");
	if ((path = virStorageVolGetPath(v)) == NULL)
		fail("volume path");
	if (virStorageVolGetInfo(v, &info) < 0) {
		fail("volume info");
		memset(&info, 0, sizeof info);
	}
	/* the test driver refuses GET_PHYSICAL; a collector falls back, so does this */
	if (virStorageVolGetInfoFlags(v, &phys, VIR_STORAGE_VOL_GET_PHYSICAL) < 0)
		virResetLastError();
	if ((xml = virStorageVolGetXMLDesc(v, 0)) == NULL)
		fail("volume xml");
	n_vols++;
	if (dump_dir) {
		FILE *f;

		snprintf(sub, sizeof sub, "volumes/%s", pool);
		f = open_dump(sub, name, "info");
		fprintf(f, "Name:           %s\nType:           file\n", name);
		human(f, "Capacity:", info.capacity);
		human(f, "Allocation:", info.allocation);
		close_dump(f);
		dump_text(sub, name, "xml", xml);
	}
	free(path);
	free(xml);
}

static void walk_pool(virStoragePoolPtr p)
{
	const char *name = virStoragePoolGetName(p);
	char uuid[VIR_UUID_STRING_BUFLEN], sub[1024];
	virStorageVolPtr *vols = NULL;
	virStoragePoolInfo info;
	int active, flag, n;
	char *xml;

	if (name == NULL)
		return fail("pool name");
	if (virStoragePoolGetUUIDString(p, uuid) < 0)
		fail("pool uuid");
	if ((active = virStoragePoolIsActive(p)) < 0)
		fail("pool active");
	/* collect refreshes each active pool once: stale sizes are worthless */
	if (active == 1 && virStoragePoolRefresh(p, 0) < 0)
		fail("pool refresh");
	if (virStoragePoolGetInfo(p, &info) < 0) {
		fail("pool info");
		memset(&info, 0, sizeof info);
	}
	if (virStoragePoolGetAutostart(p, &flag) < 0)
		fail("pool autostart");
	if (virStoragePoolIsPersistent(p) < 0)
		fail("pool persistent");
	if ((xml = virStoragePoolGetXMLDesc(p, 0)) == NULL)
		fail("pool xml");
	n_pools++;
	if (dump_dir) {
		FILE *f = open_dump("pools", name, "info");

		fprintf(f, "Name:           %s\nUUID:           %s\nState:          %d\n", name, uuid,
			info.state);
		human(f, "Capacity:", info.capacity);
		human(f, "Allocation:", info.allocation);
		human(f, "Available:", info.available);
		close_dump(f);
		dump_text("pools", name, "xml", xml);
		snprintf(sub, sizeof sub, "%s/volumes/%s", dump_dir, name);
		mkdirs(sub);
	}
	free(xml);
	if (active != 1)
		return;
	if ((n = virStoragePoolListAllVolumes(p, &vols, 0)) < 0)
		return fail("list volumes");
	for (int i = 0; i < n; i++) {
		walk_volume(vols[i], name);
		virStorageVolFree(vols[i]);
	}
	free(vols);
}

static void walk_network(virNetworkPtr net)
{
	const char *name = virNetworkGetName(net);
	char uuid[VIR_UUID_STRING_BUFLEN];
	char *bridge, *xml;
	int flag;

	if (name == NULL)
		return fail("network name");
	if (virNetworkGetUUIDString(net, uuid) < 0)
		fail("network uuid");
	if (virNetworkIsActive(net) < 0)
		fail("network active");
	if (virNetworkGetAutostart(net, &flag) < 0)
		fail("network autostart");
	if (virNetworkIsPersistent(net) < 0)
		fail("network persistent");
	if ((bridge = virNetworkGetBridgeName(net)) == NULL)
		virResetLastError();
	if ((xml = virNetworkGetXMLDesc(net, 0)) == NULL)
		fail("network xml");
	n_nets++;
	dump_text("networks", name, "xml", xml);
	free(bridge);
	free(xml);
}

int main(int argc, char **argv)
{
	virDomainStatsRecordPtr *stats = NULL;
	virStoragePoolPtr *pools = NULL;
	virDomainPtr *doms = NULL;
	virNetworkPtr *nets = NULL;
	virConnectPtr c;
	unsigned long ver;
	char *s;
	int n;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--dump") == 0)) {
		fprintf(stderr, "usage: ref-collect URI [--dump DIR]\n");
		return 2;
	}
	if (argc == 4) {
		char sub[4096];

		dump_dir = argv[3];
		mkdirs(dump_dir);
		for (const char **d = (const char *[]){ "domains", "pools", "volumes", "networks",
							NULL }; *d; d++) {
			snprintf(sub, sizeof sub, "%s/%s", dump_dir, *d);
			mkdirs(sub);
		}
	}
	virSetErrorFunc(NULL, quiet);
	if ((c = virConnectOpenAuth(argv[1], virConnectAuthPtrDefault, 0)) == NULL) {
		fprintf(stderr, "ref-collect: cannot connect to %s: %s\n", argv[1],
			virGetLastErrorMessage());
		return 1;
	}
	/* host facts */
	if ((s = virConnectGetHostname(c)) == NULL)
		fail("hostname");
	free(s);
	if (virConnectGetType(c) == NULL)
		fail("type");
	if (virConnectGetLibVersion(c, &ver) < 0)
		fail("libvirt version");
	if (virConnectGetVersion(c, &ver) < 0)
		fail("version");
	if ((s = virConnectGetCapabilities(c)) == NULL)
		fail("capabilities");
	free(s);

	if ((n = virConnectListAllDomains(c, &doms, 0)) < 0) {
		fail("list domains");
		n = 0;
	}
	/* block sizes of every domain in one call; the test driver has none to give */
	if (virConnectGetAllDomainStats(c, VIR_DOMAIN_STATS_BLOCK, &stats,
					VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT) < 0) {
		virResetLastError();
		stats = NULL;
	}
	for (int i = 0; i < n; i++) {
		walk_domain(doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	if (stats)
		virDomainStatsRecordListFree(stats);

	if ((n = virConnectListAllStoragePools(c, &pools, 0)) < 0) {
		fail("list pools");
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		walk_pool(pools[i]);
		virStoragePoolFree(pools[i]);
	}
	free(pools);

	if ((n = virConnectListAllNetworks(c, &nets, 0)) < 0) {
		fail("list networks");
		n = 0;
	}
	for (int i = 0; i < n; i++) {
		walk_network(nets[i]);
		virNetworkFree(nets[i]);
	}
	free(nets);
	if (virConnectClose(c) < 0)
		fail("close");
	printf("%ld domains, %ld pools, %ld volumes, %ld networks, %ld failed calls\n", n_doms,
	       n_pools, n_vols, n_nets, failures);
	return failures ? 1 : 0;
}
