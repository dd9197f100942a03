/* The collector against libvirt's test driver and the fixtures in tests/fixtures/.
 * A few libvirt calls are wrapped here (the executable's definitions win over libvirt's) to
 * make a domain vanish mid-read, make a call fail, and see which flags the collector asks for. */
#include "virt/collector.h"
#include "virt/xml.h"
#include "store/model.h"
#include "util/mem.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libvirt/libvirt.h>

#define GiB (1024LL * 1024 * 1024)
#define ESTATE "test://" KH_SRCDIR "/tests/fixtures/estate/"
#define HOSTILE "test://" KH_SRCDIR "/tests/fixtures/hostile.xml"

/* assert_string_equal would crash on NULL rather than fail */
#define assert_str(a, b) \
	do { \
		assert_non_null(a); \
		assert_string_equal((a), (b)); \
	} while (0)

/* ---- fault injection ---- */

static const char *vanish_domain;     /* undefined just before its info is read */
static const char *fail_xml_domain;   /* its XML call fails (with bad flags) */
static int64_t fake_physical = -1;    /* >= 0: volume XML carries this <physical>, as a real host's does */
static int refuse_read_write;         /* read-write opens fail as for a read-only user */
static virConnectPtr refusing_conn;   /* kept open: closing it would clear the error */
static unsigned xml_flags_seen;       /* every flag virDomainGetXMLDesc was asked for */
static int refreshes;                 /* virStoragePoolRefresh calls */
static int refuse_list_filters;       /* virConnectListAllDomains refuses any flag, as old daemons */
static int flag_calls;                /* per-domain virDomainGetAutostart/IsPersistent calls */

/* libvirt's own definition, found past ours */
#define REAL(fn) \
	static __typeof__(fn) *real; \
	if (real == NULL) { \
		void *sym = dlsym(RTLD_NEXT, #fn); \
		assert_non_null(sym); \
		memcpy(&real, &sym, sizeof sym); \
	}

int virDomainGetInfo(virDomainPtr dom, virDomainInfoPtr info)
{
	REAL(virDomainGetInfo);
	if (vanish_domain && strcmp(virDomainGetName(dom), vanish_domain) == 0) {
		virDomainDestroy(dom);
		virDomainUndefine(dom);
	}
	return real(dom, info);
}

char *virDomainGetXMLDesc(virDomainPtr dom, unsigned int flags)
{
	REAL(virDomainGetXMLDesc);
	xml_flags_seen |= flags;
	if (fail_xml_domain && strcmp(virDomainGetName(dom), fail_xml_domain) == 0)
		flags = 1u << 30; /* refused: "unsupported flags" */
	return real(dom, flags);
}

/* The test driver's volume XML has no <physical>; a real host's has, after <allocation>. In
 * KiB here (libvirt writes bytes) so that the unit is honoured, not assumed. */
char *virStorageVolGetXMLDesc(virStorageVolPtr vol, unsigned int flags)
{
	char *xml, *at, *out;

	REAL(virStorageVolGetXMLDesc);
	xml = real(vol, flags);
	if (xml == NULL || fake_physical < 0 || (at = strstr(xml, "</allocation>")) == NULL)
		return xml;
	at += strlen("</allocation>");
	out = kh_asprintf("%.*s\n  <physical unit='KiB'>%lld</physical>%s", (int)(at - xml), xml,
			  (long long)(fake_physical / 1024), at);
	free(xml);
	return out;
}

int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **doms, unsigned int flags)
{
	REAL(virConnectListAllDomains);
	if (refuse_list_filters && flags != 0)
		flags = 1u << 30; /* refused: "unsupported flags" */
	return real(conn, doms, flags);
}

int virDomainGetAutostart(virDomainPtr dom, int *autostart)
{
	REAL(virDomainGetAutostart);
	flag_calls++;
	return real(dom, autostart);
}

int virDomainIsPersistent(virDomainPtr dom)
{
	REAL(virDomainIsPersistent);
	flag_calls++;
	return real(dom);
}

/* A refused open, with the error code a real refusal has: a write on a read-only connection
 * fails with VIR_ERR_OPERATION_DENIED. */
virConnectPtr virConnectOpenAuth(const char *name, virConnectAuthPtr auth, unsigned int flags)
{
	REAL(virConnectOpenAuth);
	if (refuse_read_write && !(flags & VIR_CONNECT_RO)) {
		refusing_conn = virConnectOpenReadOnly(name);
		assert_non_null(refusing_conn);
		assert_null(virNetworkDefineXML(refusing_conn, "<network><name>x</name></network>"));
		return NULL;
	}
	return real(name, auth, flags);
}

int virStoragePoolRefresh(virStoragePoolPtr pool, unsigned int flags)
{
	REAL(virStoragePoolRefresh);
	refreshes++;
	return real(pool, flags);
}

static int reset_faults(void **state)
{
	(void)state;
	vanish_domain = fail_xml_domain = NULL;
	fake_physical = -1;
	refuse_read_write = 0;
	xml_flags_seen = 0;
	refreshes = 0;
	refuse_list_filters = 0;
	flag_calls = 0;
	return 0;
}

static int close_refusing(void **state)
{
	(void)state;
	if (refusing_conn)
		virConnectClose(refusing_conn);
	refusing_conn = NULL;
	return 0;
}

/* ---- helpers ---- */

struct warns {
	int n;
	char last[1024];
};

static void on_warn(void *ctx, const char *msg)
{
	struct warns *w = ctx;

	w->n++;
	snprintf(w->last, sizeof w->last, "%s", msg);
}

static struct kh_snapshot *collect(const char *uri, struct warns *w)
{
	struct kh_snapshot *s = NULL;
	struct kh_err err = {{0}};
	int rc = kh_collect(uri, &s, on_warn, NULL, w, NULL, &err);

	if (rc != 0)
		fail_msg("kh_collect(%s): %s", uri, err.msg);
	assert_non_null(s);
	return s;
}

/* Collects a fixture and requires that nothing was worth a warning. */
static struct kh_snapshot *collect_clean(const char *uri)
{
	struct warns w = {0};
	struct kh_snapshot *s = collect(uri, &w);

	if (w.n)
		fail_msg("unexpected warning: %s", w.last);
	return s;
}

static const struct kh_domain *domain(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_domains; i++)
		if (s->domains[i].name && strcmp(s->domains[i].name, name) == 0)
			return &s->domains[i];
	return NULL;
}

static const struct kh_domain *need_domain(const struct kh_snapshot *s, const char *name)
{
	const struct kh_domain *d = domain(s, name);

	if (d == NULL)
		fail_msg("no domain '%s'", name);
	return d;
}

static const struct kh_disk *disk(const struct kh_domain *d, const char *target)
{
	for (size_t i = 0; i < d->n_disks; i++)
		if (d->disks[i].target && strcmp(d->disks[i].target, target) == 0)
			return &d->disks[i];
	fail_msg("domain '%s' has no disk '%s'", d->name, target);
	return NULL;
}

static const struct kh_iface *iface(const struct kh_domain *d, const char *mac)
{
	for (size_t i = 0; i < d->n_ifaces; i++)
		if (d->ifaces[i].mac && strcmp(d->ifaces[i].mac, mac) == 0)
			return &d->ifaces[i];
	fail_msg("domain '%s' has no interface '%s'", d->name, mac);
	return NULL;
}

static const struct kh_network *network(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_networks; i++)
		if (s->networks[i].name && strcmp(s->networks[i].name, name) == 0)
			return &s->networks[i];
	fail_msg("no network '%s'", name);
	return NULL;
}

static const struct kh_volume *volume(const struct kh_snapshot *s, const char *pool,
				      const char *name)
{
	const struct kh_volume *v = kh_snapshot_find_volume(s, pool, name);

	if (v == NULL)
		fail_msg("no volume '%s/%s'", pool, name);
	return v;
}

static const struct kh_pool *pool(const struct kh_snapshot *s, const char *name)
{
	const struct kh_pool *p = kh_snapshot_find_pool(s, name);

	if (p == NULL)
		fail_msg("no pool '%s'", name);
	return p;
}

/* ---- host and counts ---- */

static void test_host(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	unsigned long lib = 0;

	(void)state;
	assert_str(s->host.uri, ESTATE "day1.xml");
	assert_non_null(s->host.hostname);
	assert_true(s->host.hostname[0] != '\0');
	assert_null(s->host.host_uuid); /* the test driver's capabilities carry none */
	assert_str(s->host.hv_type, "TEST");
	assert_int_equal(virGetVersion(&lib, NULL, NULL), 0);
	assert_int_equal(s->host.libvirt_version, lib);
	assert_int_equal(s->host.hv_version, 2); /* the test driver is "0.0.2" */
	assert_int_equal(s->taken_at, 0);
	assert_int_equal(s->id, 0);
	kh_snapshot_free(s);
}

static void test_default_uri(void **state)
{
	struct kh_snapshot *s;

	(void)state;
	assert_int_equal(setenv("LIBVIRT_DEFAULT_URI", ESTATE "day1.xml", 1), 0);
	s = collect_clean(NULL);
	unsetenv("LIBVIRT_DEFAULT_URI");
	assert_str(s->host.uri, ESTATE "day1.xml"); /* the connection's own URI */
	assert_int_equal(s->n_domains, 3);
	kh_snapshot_free(s);
}

static void test_counts_per_day(void **state)
{
	static const size_t n_vols[] = {6, 6, 6, 6, 7};

	(void)state;
	for (int day = 1; day <= 5; day++) {
		char uri[512];
		struct kh_snapshot *s;

		snprintf(uri, sizeof uri, ESTATE "day%d.xml", day);
		s = collect_clean(uri);
		assert_int_equal(s->n_domains, 3);
		assert_int_equal(s->n_pools, 2);
		assert_int_equal(s->n_volumes, n_vols[day - 1]);
		assert_int_equal(s->n_networks, 2);
		kh_snapshot_free(s);
	}
}

static void test_sorted(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day5.xml");

	(void)state;
	assert_str(s->domains[0].name, "aries");
	assert_str(s->domains[1].name, "pisces");
	assert_str(s->domains[2].name, "taurus");
	assert_str(s->pools[0].name, "data");
	assert_str(s->pools[1].name, "default");
	assert_str(s->volumes[0].name, "aries-data.qcow2");
	assert_str(s->volumes[3].pool, "default");
	assert_str(s->volumes[3].name, "aries-root.qcow2");
	assert_str(s->networks[0].name, "backend");
	assert_str(s->domains[0].disks[0].target, "sda");
	assert_str(s->domains[0].disks[2].target, "vdb");
	kh_snapshot_free(s);
}

/* ---- domains ---- */

static void test_domain_running(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_domain *d = need_domain(s, "taurus");

	(void)state;
	assert_str(d->uuid, "10de0e91-9fed-45f3-96bd-98696c6d8b86");
	assert_str(d->state, "running");
	assert_int_equal(d->vcpus, 2);
	assert_int_equal(d->memory_kib, 3145728);
	assert_int_equal(d->max_memory_kib, 4194304);
	assert_int_equal(d->autostart, 0);
	assert_int_equal(d->persistent, 1);
	/* from <os><type>, as real drivers answer virDomainGetOSType (the test driver's own answer
	 * would be "linux" whatever the XML says) */
	assert_str(d->os_type, "hvm");
	assert_null(d->error);
	kh_snapshot_free(s);
}

/* Autostart and persistence come from two filtered list calls, not from calls per domain;
 * a daemon that refuses the filters is asked per domain, with the same answers. The built-in
 * test:///default host is shared by the connections of a process: the one held here changes
 * what the collector's connection sees. */
static void check_domain_flags(int refuse)
{
	static const char transient[] = "<domain type='test'><name>kh-transient</name>"
					"<memory>65536</memory><os><type>hvm</type></os></domain>";
	virConnectPtr conn = virConnectOpen("test:///default");
	struct kh_snapshot *s;
	virDomainPtr dom;

	assert_non_null(conn);
	assert_non_null(dom = virDomainLookupByName(conn, "test"));
	assert_int_equal(virDomainSetAutostart(dom, 1), 0);
	virDomainFree(dom);
	assert_non_null(dom = virDomainCreateXML(conn, transient, 0));
	virDomainFree(dom);

	refuse_list_filters = refuse;
	s = collect_clean("test:///default");
	assert_int_equal(s->n_domains, 2);
	assert_int_equal(need_domain(s, "test")->autostart, 1);
	assert_int_equal(need_domain(s, "test")->persistent, 1);
	assert_int_equal(need_domain(s, "kh-transient")->autostart, 0);
	assert_int_equal(need_domain(s, "kh-transient")->persistent, 0);
	assert_str(need_domain(s, "kh-transient")->state, "running");
	assert_int_equal(flag_calls, refuse ? 4 : 0);
	kh_snapshot_free(s);
	virConnectClose(conn);
}

static void test_domain_flags_from_lists(void **state)
{
	(void)state;
	check_domain_flags(0);
}

static void test_domain_flags_per_domain(void **state)
{
	(void)state;
	check_domain_flags(1);
}

static void test_domain_shut_off(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_domain *d = need_domain(s, "gemini");

	(void)state;
	assert_str(d->uuid, "620b58b1-6b67-4f38-bb49-e974b157ebcf");
	assert_str(d->state, "shut off");
	assert_int_equal(d->vcpus, 1);
	assert_int_equal(d->memory_kib, 2097152);
	assert_int_equal(d->max_memory_kib, 2097152);
	assert_int_equal(d->persistent, 1);
	assert_null(d->error);
	kh_snapshot_free(s);
}

static void test_domain_paused(void **state)
{
	struct kh_snapshot *s = collect_clean(HOSTILE);

	(void)state;
	assert_str(need_domain(s, "vault")->state, "paused");
	kh_snapshot_free(s);
}

static void test_domain_xml_is_inactive(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_domain *d = need_domain(s, "aries");

	(void)state;
	assert_non_null(d->xml);
	/* a running domain's live XML carries id='N'; the persistent config does not */
	assert_non_null(strstr(d->xml, "<domain type='test'>"));
	assert_null(strstr(d->xml, " id='"));
	assert_non_null(strstr(d->xml, "<name>aries</name>"));
	kh_snapshot_free(s);
}

/* ---- disks ---- */

static void test_disk_volume_linked(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_disk *k = disk(need_domain(s, "aries"), "vda");

	(void)state;
	assert_str(k->device, "disk");
	assert_str(k->type, "volume");
	assert_str(k->source, "default/aries-root.qcow2");
	assert_str(k->pool, "default");
	assert_str(k->volume, "aries-root.qcow2");
	/* the test driver reports no block statistics: sizes come from the volume */
	assert_int_equal(k->capacity, 40 * GiB);
	assert_int_equal(k->allocation, 12 * GiB + GiB / 2);
	assert_int_equal(k->physical, KH_UNKNOWN);
	kh_snapshot_free(s);
}

static void test_disk_file_linked_by_path(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day3.xml");
	const struct kh_disk *k = disk(need_domain(s, "aries"), "vdb");

	(void)state;
	assert_str(k->type, "file");
	assert_str(k->source, "/srv/data/aries-data.qcow2");
	assert_str(k->pool, "data");
	assert_str(k->volume, "aries-data.qcow2");
	assert_int_equal(k->capacity, 64 * GiB);
	assert_int_equal(k->allocation, 22 * GiB);
	kh_snapshot_free(s);
}

static void test_disk_cdrom_without_source(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_domain *d = need_domain(s, "aries");
	const struct kh_disk *k = disk(d, "sda");

	(void)state;
	assert_int_equal(d->n_disks, 3);
	assert_str(k->device, "cdrom");
	assert_str(k->type, "file");
	assert_null(k->source);
	assert_null(k->pool);
	assert_int_equal(k->capacity, KH_UNKNOWN);
	kh_snapshot_free(s);
}

static void test_disk_kinds(void **state)
{
	struct kh_snapshot *s = collect_clean(HOSTILE);
	const struct kh_domain *d = need_domain(s, "vault");

	(void)state;
	assert_int_equal(d->n_disks, 4);
	assert_str(disk(d, "vda")->type, "block");
	assert_str(disk(d, "vda")->source, "/dev/vg0/vault-root");
	assert_str(disk(d, "vdb")->type, "network");
	assert_str(disk(d, "vdb")->source, "rbd:rbdpool/vault-data");
	assert_null(disk(d, "vdb")->pool);
	assert_str(disk(d, "vdc")->source, "nbd:nbd.example.org"); /* no export name: the host */
	assert_str(disk(d, "fda")->device, "floppy");
	assert_str(disk(d, "fda")->type, "dir");
	assert_str(disk(d, "fda")->source, "/srv/floppy");
	kh_snapshot_free(s);
}

static void test_disk_added_day4(void **state)
{
	struct kh_snapshot *s3 = collect_clean(ESTATE "day3.xml");
	struct kh_snapshot *s4 = collect_clean(ESTATE "day4.xml");
	const struct kh_domain *d = need_domain(s4, "taurus");
	const struct kh_disk *k = disk(d, "vdb");

	(void)state;
	assert_int_equal(need_domain(s3, "taurus")->n_disks, 1);
	assert_int_equal(d->n_disks, 2);
	assert_str(k->type, "volume");
	assert_str(k->source, "data/taurus-db.qcow2");
	assert_str(k->pool, "data");
	assert_str(k->volume, "taurus-db.qcow2");
	assert_int_equal(k->capacity, 16 * GiB);
	assert_int_equal(k->allocation, 4 * GiB);
	kh_snapshot_free(s3);
	kh_snapshot_free(s4);
}

/* ---- interfaces ---- */

static void test_iface_network(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_domain *d = need_domain(s, "gemini");
	const struct kh_iface *f = iface(d, "52:54:00:5e:6f:03");

	(void)state;
	assert_int_equal(d->n_ifaces, 1);
	assert_str(f->type, "network");
	assert_str(f->source, "backend");
	assert_str(f->model, "e1000");
	kh_snapshot_free(s);
}

static void test_iface_moves_day3(void **state)
{
	static const char *const want[] = {"default", "default", "backend", "backend", "backend"};

	(void)state;
	for (int day = 1; day <= 5; day++) {
		char uri[512];
		struct kh_snapshot *s;
		const struct kh_iface *f;

		snprintf(uri, sizeof uri, ESTATE "day%d.xml", day);
		s = collect_clean(uri);
		f = iface(need_domain(s, "taurus"), "52:54:00:3c:4d:02");
		assert_str(f->source, want[day - 1]);
		assert_str(f->model, "virtio");
		kh_snapshot_free(s);
	}
}

static void test_iface_kinds(void **state)
{
	struct kh_snapshot *s = collect_clean(HOSTILE);
	const struct kh_domain *d = need_domain(s, "vault");

	(void)state;
	assert_int_equal(d->n_ifaces, 3);
	assert_str(iface(d, "52:54:00:9c:0d:e1")->type, "bridge");
	assert_str(iface(d, "52:54:00:9c:0d:e1")->source, "br0");
	assert_str(iface(d, "52:54:00:9c:0d:e2")->type, "direct");
	assert_str(iface(d, "52:54:00:9c:0d:e2")->source, "eth0");
	assert_str(iface(d, "52:54:00:9c:0d:e2")->model, "e1000e");
	assert_str(iface(d, "52:54:00:9c:0d:e3")->type, "user");
	assert_null(iface(d, "52:54:00:9c:0d:e3")->source);
	assert_null(iface(d, "52:54:00:9c:0d:e3")->model);
	kh_snapshot_free(s);
}

/* ---- domains over the days ---- */

static void test_domain_swap_day5(void **state)
{
	struct kh_snapshot *s4 = collect_clean(ESTATE "day4.xml");
	struct kh_snapshot *s5 = collect_clean(ESTATE "day5.xml");
	const struct kh_domain *p;

	(void)state;
	assert_non_null(domain(s4, "gemini"));
	assert_null(domain(s4, "pisces"));
	assert_null(domain(s5, "gemini"));
	p = need_domain(s5, "pisces");
	assert_str(p->uuid, "ade1b07e-15b4-4307-9de4-1075ba732deb");
	assert_str(p->state, "running");
	assert_str(disk(p, "vda")->pool, "default");
	assert_str(disk(p, "vda")->volume, "pisces-root.qcow2");
	assert_str(iface(p, "52:54:00:7a:8b:04")->source, "default");
	/* gemini's volume outlives it */
	assert_non_null(volume(s5, "default", "gemini-root.qcow2"));
	kh_snapshot_free(s4);
	kh_snapshot_free(s5);
}

/* ---- storage ---- */

static void test_pool_fields(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_pool *p = pool(s, "data");

	(void)state;
	assert_str(p->uuid, "403d8df4-4be3-4497-af39-19008777158f");
	assert_str(p->type, "dir");
	assert_str(p->state, "running");
	assert_int_equal(p->autostart, 0);
	assert_int_equal(p->persistent, 1);
	assert_str(p->path, "/srv/data");
	assert_null(p->target_device); /* the test driver's paths are fictitious: never stat'ed */
	/* the test driver: capacity forced to 100 GiB, allocation = sum of the volumes */
	assert_int_equal(p->capacity, 100 * GiB);
	assert_int_equal(p->allocation, 40 * GiB);
	assert_int_equal(p->available, 60 * GiB);
	assert_non_null(p->xml);
	assert_non_null(strstr(p->xml, "<name>data</name>"));
	assert_null(p->error);
	kh_snapshot_free(s);
}

/* Whose pool paths collect may stat: a daemon on this machine, reached without a transport. */
static void test_uri_is_local(void **state)
{
	static const char *const local[] = {
		"qemu:///system", "qemu:///session", "lxc:///system", "ch:///session",
	};
	static const char *const not_local[] = {
		"test:///default", "test:///tmp/estate.xml", "qemu+unix:///system",
		"qemu:///system?socket=/tmp/relay.sock", "qemu+ssh://root@kvm1/system",
		"qemu://kvm1/system", "qemu+tcp://127.0.0.1:16509/system", "esx://vc1/",
		"vbox:///session", "qemux:///system", "qem:///system", "kvm1", "qemu", "",
	};

	(void)state;
	for (size_t i = 0; i < sizeof local / sizeof *local; i++)
		assert_true(kh_uri_is_local(local[i]));
	for (size_t i = 0; i < sizeof not_local / sizeof *not_local; i++)
		if (kh_uri_is_local(not_local[i]))
			fail_msg("'%s' taken for a local daemon", not_local[i]);
}

static void test_pools_refreshed(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");

	(void)state;
	assert_int_equal(refreshes, 2); /* both pools are active */
	kh_snapshot_free(s);
}

static void test_read_only_fallback(void **state)
{
	struct warns w = {0};
	struct kh_snapshot *s;

	(void)state;
	refuse_read_write = 1;
	s = collect(ESTATE "day1.xml", &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(strncmp(w.last, "read-write access refused (", 27), 0);
	assert_non_null(strstr(w.last, "pools not refreshed"));
	assert_int_equal(refreshes, 0);
	assert_int_equal(s->n_domains, 3);
	assert_int_equal(volume(s, "data", "aries-data.qcow2")->allocation, 20 * GiB);
	assert_null(pool(s, "data")->error);
	kh_snapshot_free(s);
}

static void test_pool_allocation_per_day(void **state)
{
	static const int64_t data[] = {40, 39, 38, 37, 36};
	static const int64_t dflt_half_gib[] = {49, 49, 49, 49, 53}; /* 24.5 ... 26.5 GiB */

	(void)state;
	for (int day = 1; day <= 5; day++) {
		char uri[512];
		struct kh_snapshot *s;

		snprintf(uri, sizeof uri, ESTATE "day%d.xml", day);
		s = collect_clean(uri);
		assert_int_equal(pool(s, "data")->allocation, data[day - 1] * GiB);
		assert_int_equal(pool(s, "default")->allocation, dflt_half_gib[day - 1] * GiB / 2);
		assert_int_equal(pool(s, "default")->capacity, 100 * GiB);
		kh_snapshot_free(s);
	}
}

static void test_volume_fields(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_volume *v = volume(s, "data", "backup-staging.raw");

	(void)state;
	assert_str(v->key, "/srv/data/backup-staging.raw");
	assert_str(v->path, "/srv/data/backup-staging.raw");
	assert_str(v->format, "raw");
	assert_str(v->type, "file");
	assert_int_equal(v->capacity, 32 * GiB);
	assert_int_equal(v->allocation, 16 * GiB);
	assert_int_equal(v->physical, KH_UNKNOWN); /* GET_PHYSICAL is NO_SUPPORT there: no warning */
	assert_non_null(v->xml);
	assert_non_null(strstr(v->xml, "<name>backup-staging.raw</name>"));
	assert_null(v->error);
	assert_str(volume(s, "default", "aries-root.qcow2")->format, "qcow2");
	kh_snapshot_free(s);
}

static void test_volume_allocation_per_day(void **state)
{
	(void)state;
	for (int day = 1; day <= 5; day++) {
		char uri[512];
		struct kh_snapshot *s;

		snprintf(uri, sizeof uri, ESTATE "day%d.xml", day);
		s = collect_clean(uri);
		/* grows 1 GiB a day, shrinks 2 GiB a day, flat */
		assert_int_equal(volume(s, "data", "aries-data.qcow2")->allocation, (19 + day) * GiB);
		assert_int_equal(volume(s, "data", "backup-staging.raw")->allocation,
				 (18 - 2 * day) * GiB);
		assert_int_equal(volume(s, "data", "taurus-db.qcow2")->allocation, 4 * GiB);
		assert_int_equal(volume(s, "data", "aries-data.qcow2")->capacity, 64 * GiB);
		assert_true((kh_snapshot_find_volume(s, "default", "pisces-root.qcow2") != NULL) ==
			    (day == 5));
		kh_snapshot_free(s);
	}
}

static void test_volume_physical_when_supported(void **state)
{
	struct kh_snapshot *s;
	const struct kh_volume *v;

	(void)state;
	fake_physical = 17 * GiB;
	s = collect_clean(ESTATE "day1.xml");
	v = volume(s, "data", "backup-staging.raw");
	assert_int_equal(v->physical, 17 * GiB);
	assert_int_equal(v->allocation, 16 * GiB);
	assert_int_equal(disk(need_domain(s, "aries"), "vda")->physical, 17 * GiB);
	kh_snapshot_free(s);
}

/* ---- networks ---- */

static void test_network_nat(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_network *n = network(s, "default");

	(void)state;
	assert_str(n->uuid, "f69188ec-e937-433e-8727-12d252d6ac94");
	assert_int_equal(n->active, 1);
	assert_int_equal(n->autostart, 0);
	assert_int_equal(n->persistent, 1);
	assert_str(n->bridge, "virbr0");
	assert_str(n->forward, "nat");
	assert_str(n->ips, "192.168.122.1/24");
	assert_str(n->dhcp_ranges, "192.168.122.2-192.168.122.254");
	assert_non_null(strstr(n->xml, "<name>default</name>"));
	assert_null(n->error);
	kh_snapshot_free(s);
}

static void test_network_isolated_dual_stack(void **state)
{
	struct kh_snapshot *s = collect_clean(ESTATE "day1.xml");
	const struct kh_network *n = network(s, "backend");

	(void)state;
	assert_str(n->bridge, "virbr1");
	assert_null(n->forward);
	assert_str(n->ips, "10.20.0.1/24 fd42:20::1/64");
	assert_str(n->dhcp_ranges, "10.20.0.100-10.20.0.199 fd42:20::100-fd42:20::1ff");
	kh_snapshot_free(s);
}

static void test_network_odd(void **state)
{
	struct kh_snapshot *s = collect_clean(HOSTILE);
	const struct kh_network *b = network(s, "lan-bridge");
	const struct kh_network *c = network(s, "classful");

	(void)state;
	assert_str(b->forward, "bridge");
	assert_str(b->bridge, "br0");
	assert_null(b->ips);
	assert_null(b->dhcp_ranges);
	assert_str(c->forward, "nat");      /* written as <forward/> */
	assert_str(c->ips, "172.16.5.1/16"); /* no netmask: libvirt's classful default */
	assert_null(c->dhcp_ranges);
	kh_snapshot_free(s);
}

/* ---- hostile input ---- */

static void test_no_secrets(void **state)
{
	struct kh_snapshot *s = collect_clean(HOSTILE);
	const struct kh_domain *d = need_domain(s, "vault");

	(void)state;
	assert_non_null(d->xml);
	assert_non_null(strstr(d->xml, "<graphics type='vnc'"));
	assert_null(strstr(d->xml, "s3cr3t-vnc"));
	assert_int_equal(xml_flags_seen & VIR_DOMAIN_XML_SECURE, 0);
	assert_int_not_equal(xml_flags_seen & VIR_DOMAIN_XML_INACTIVE, 0);
	for (size_t i = 0; i < s->n_domains; i++)
		assert_null(strstr(s->domains[i].xml, "s3cr3t"));
	kh_snapshot_free(s);
}

static void test_hostile_names(void **state)
{
	struct kh_snapshot *s = collect_clean(HOSTILE);
	const struct kh_domain *d = need_domain(s, "evil|*x*<b>");
	const struct kh_disk *k = disk(d, "vda");

	(void)state;
	assert_non_null(strstr(d->xml, "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
	assert_non_null(strstr(d->xml, "fine &amp; safe.\nSecond line"));
	assert_non_null(volume(s, "odd", "it's 100%.qcow2"));
	assert_str(volume(s, "odd", "it's 100%.qcow2")->path, "/srv/odd/it's 100%.qcow2");
	assert_non_null(volume(s, "odd", "%s%n%x\"$(id)\".raw"));
	assert_str(k->source, "odd/it's 100%.qcow2");
	assert_str(k->volume, "it's 100%.qcow2");
	assert_int_equal(k->allocation, 196608);
	kh_snapshot_free(s);
}

/* ---- the XML readers: the scan and libxml2 ---- */

/* A volume document read by the scan (libvirt's shape) and, with a comment in it, by
 * libxml2: the same fields either way; values with entities, tabs and newlines as XML
 * reads them. */
static void test_xml_scan_and_libxml2(void **state)
{
	static const char *const docs[] = {
		"<volume type='file'>\n  <name>a.qcow2</name>\n"
		"  <capacity unit='KiB'>1024</capacity>\n  <allocation unit='bytes'>512</allocation>\n"
		"  <target>\n    <path>/srv/a &amp; b.qcow2</path>\n"
		"    <format type='q&lt;\tx'/>\n  </target>\n</volume>\n",
		"<volume type='file'><!-- c -->\n  <name>a.qcow2</name>\n"
		"  <capacity unit='KiB'>1024</capacity>\n  <allocation unit='bytes'>512</allocation>\n"
		"  <target>\n    <path>/srv/a &amp; b.qcow2</path>\n"
		"    <format type='q&lt;\tx'/>\n  </target>\n</volume>\n",
	};

	(void)state;
	for (int only = 0; only < 2; only++) {
		for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
			struct kh_xdoc x = { .libxml2_only = only };
			struct kh_snapshot *s = kh_snapshot_new();
			struct kh_volume *v = kh_snapshot_add_volume(s);

			v->xml = kh_strdup(docs[i]);
			kh_read_volume_xml(&x, v);
			assert_null(v->error);
			assert_str(v->type, "file");
			assert_str(v->path, "/srv/a & b.qcow2");
			assert_str(v->format, "q< x");
			assert_int_equal(v->capacity, 1024 * 1024);
			assert_int_equal(v->allocation, 512);
			kh_xdoc_free(&x);
			kh_snapshot_free(s);
		}
	}
}

/* What XPath selected: steps in no namespace, the first match in document order (the first
 * <target> with a dev=, not the first <target>). */
static void test_xml_namespaces_and_order(void **state)
{
	static const char *const docs[] = {
		"<domain type='kvm'><os><type>hvm</type></os><devices>"
		"<disk type='file'><source file='/a'/><target/><target dev='vdb'/></disk>"
		"</devices></domain>",
		"<domain type='kvm' xmlns:q='urn:q'><os><type>hvm</type></os><devices>"
		"<q:disk type='file'/>"
		"<disk type='file' q:device='cdrom'><source file='/a'/><target/><target dev='vdb'/></disk>"
		"</devices></domain>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		struct kh_xdoc x = { 0 };
		struct kh_snapshot *s = kh_snapshot_new();
		struct kh_domain *d = kh_snapshot_add_domain(s);

		d->xml = kh_strdup(docs[i]);
		assert_int_equal(kh_read_domain_xml(&x, d), 0);
		assert_str(d->os_type, "hvm");
		assert_int_equal(d->n_disks, 1);
		assert_str(d->disks[0].target, "vdb");
		assert_str(d->disks[0].device, "disk");
		assert_str(d->disks[0].source, "/a");
		kh_xdoc_free(&x);
		kh_snapshot_free(s);
	}
}

/* ---- failures ---- */

static void expect_connect_failure(const char *uri)
{
	static struct kh_snapshot stale;
	struct kh_snapshot *s = &stale; /* must come back NULL */
	struct kh_err err = {{0}};
	struct warns w = {0};
	char want[512];

	assert_int_equal(kh_collect(uri, &s, on_warn, NULL, &w, NULL, &err), -1);
	assert_null(s);
	snprintf(want, sizeof want, "cannot connect to '%s': ", uri);
	if (strncmp(err.msg, want, strlen(want)) != 0 || strlen(err.msg) == strlen(want))
		fail_msg("message for %s: %s", uri, err.msg);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(w.n, 0);
}

static void test_bad_uri_missing_file(void **state)
{
	(void)state;
	expect_connect_failure("test:///nonexistent/file.xml");
}

static void test_bad_uri_scheme(void **state)
{
	(void)state;
	expect_connect_failure("bogus://x");
}

static void test_domain_vanishes(void **state)
{
	struct warns w = {0};
	struct kh_snapshot *s;
	const struct kh_domain *d;

	(void)state;
	vanish_domain = "taurus";
	s = collect(ESTATE "day1.xml", &w);
	assert_int_equal(s->n_domains, 3);
	d = need_domain(s, "taurus");
	/* what the handle knew is kept; the rest stays unknown */
	assert_str(d->uuid, "10de0e91-9fed-45f3-96bd-98696c6d8b86");
	assert_null(d->state);
	assert_int_equal(d->vcpus, KH_UNKNOWN);
	assert_null(d->xml);
	assert_non_null(d->error);
	assert_non_null(strstr(d->error, "cannot read state: "));
	assert_non_null(strstr(d->error, "no domain"));
	assert_int_equal(w.n, 1);
	assert_int_equal(strncmp(w.last, "domain 'taurus': cannot read state: ", 36), 0);
	/* the rest of the snapshot is whole */
	assert_null(need_domain(s, "aries")->error);
	assert_str(need_domain(s, "aries")->state, "running");
	assert_int_equal(s->n_volumes, 6);
	kh_snapshot_free(s);
}

static void test_domain_call_fails(void **state)
{
	struct warns w = {0};
	struct kh_snapshot *s;
	const struct kh_domain *d;

	(void)state;
	fail_xml_domain = "aries";
	s = collect(ESTATE "day1.xml", &w);
	d = need_domain(s, "aries");
	/* everything before the failed call is there */
	assert_str(d->state, "running");
	assert_int_equal(d->vcpus, 4);
	assert_int_equal(d->autostart, 0);
	assert_int_equal(d->persistent, 1);
	assert_null(d->os_type); /* read from the XML */
	assert_null(d->xml);
	assert_int_equal(d->n_disks, 0);
	assert_non_null(d->error);
	assert_non_null(strstr(d->error, "cannot read XML: "));
	assert_int_equal(w.n, 1);
	assert_int_equal(strncmp(w.last, "domain 'aries': cannot read XML: ", 33), 0);
	assert_null(need_domain(s, "taurus")->error);
	kh_snapshot_free(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, reset_faults)
	const struct CMUnitTest tests[] = {
		T(test_host),
		T(test_default_uri),
		T(test_counts_per_day),
		T(test_sorted),
		T(test_domain_running),
		T(test_domain_flags_from_lists),
		T(test_domain_flags_per_domain),
		T(test_domain_shut_off),
		T(test_domain_paused),
		T(test_domain_xml_is_inactive),
		T(test_disk_volume_linked),
		T(test_disk_file_linked_by_path),
		T(test_disk_cdrom_without_source),
		T(test_disk_kinds),
		T(test_disk_added_day4),
		T(test_iface_network),
		T(test_iface_moves_day3),
		T(test_iface_kinds),
		T(test_domain_swap_day5),
		T(test_pool_fields),
		T(test_uri_is_local),
		T(test_pools_refreshed),
		cmocka_unit_test_setup_teardown(test_read_only_fallback, reset_faults, close_refusing),
		T(test_pool_allocation_per_day),
		T(test_volume_fields),
		T(test_volume_allocation_per_day),
		T(test_volume_physical_when_supported),
		T(test_network_nat),
		T(test_network_isolated_dual_stack),
		T(test_network_odd),
		T(test_no_secrets),
		T(test_hostile_names),
		T(test_xml_scan_and_libxml2),
		T(test_xml_namespaces_and_order),
		T(test_bad_uri_missing_file),
		T(test_bad_uri_scheme),
		T(test_domain_vanishes),
		T(test_domain_call_fails),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
