/* Snapshot diffs (objects matched by identity, measured values once, XML drift keyed) and the
 * renderers of a change list. */
#include "report/diff.h"
#include "report/diff_render.h"
#include "report/escape.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/helpers.h"

#define CORPUS KH_SRCDIR "/tests/fixtures/libvirt-corpus"
#define GiB (1024LL * 1024 * 1024)
#define T0 1763607600 /* 2025-11-20T03:00:00Z */
#define T1 (T0 + 86400)

/* s with every `from` replaced by `to` (at least one). */
static char *replace(const char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	const char *p;
	char *r, *q;

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	if (n == 0)
		fail_msg("'%s' not found", from);
	r = q = malloc(strlen(s) + n * tl + 1);
	assert_non_null(r);
	for (p = s; (p = strstr(s, from)) != NULL; s = p + fl) {
		memcpy(q, s, (size_t)(p - s));
		q += p - s;
		memcpy(q, to, tl);
		q += tl;
	}
	strcpy(q, s);
	return r;
}

static struct kh_snapshot *snap(int64_t taken_at)
{
	struct kh_snapshot *s = kh_snapshot_new();

	s->taken_at = taken_at;
	s->host.uri = kh_strdup("qemu+ssh://kvm1/system");
	s->host.hostname = kh_strdup("kvm1");
	s->host.libvirt_version = 9000000;
	s->host.hv_version = 7002000;
	return s;
}

static const char *const domain_xml_path =
	CORPUS "/tests/qemuxml2xmloutdata/x86_64-q35-headless.x86_64-latest.xml";
static const char *const pool_xml_path = CORPUS "/examples/xml/test/testpool.xml";
static const char *const volume_xml_path = CORPUS "/tests/storagevolxml2xmlin/vol-qcow2.xml";
static const char *const network_xml_path = CORPUS "/tests/networkxml2xmlin/nat-network.xml";

/* A domain from the corpus, renamed to `name`. */
static struct kh_domain *add_domain(struct kh_snapshot *s, const char *name, const char *uuid)
{
	struct kh_domain *d = kh_snapshot_add_domain(s);
	char *xml = kh_test_slurp(domain_xml_path, NULL);
	char *n = kh_asprintf("<name>%s</name>", name);

	d->name = kh_strdup(name);
	d->uuid = kh_strdup(uuid);
	d->state = kh_strdup("running");
	d->autostart = 1;
	d->persistent = 1;
	d->vcpus = 4;
	d->memory_kib = 4194304;
	d->xml = replace(xml, "<name>guest</name>", n);
	free(xml);
	free(n);
	return d;
}

static struct kh_pool *add_pool(struct kh_snapshot *s)
{
	struct kh_pool *p = kh_snapshot_add_pool(s);

	p->name = kh_strdup("default-pool");
	p->uuid = kh_strdup("35bb2ad9-388a-cdfe-461a-b8907f6e53fe");
	p->type = kh_strdup("dir");
	p->state = kh_strdup("running");
	p->autostart = 1;
	p->persistent = 1;
	p->capacity = 100 * GiB;
	p->allocation = 60 * GiB;
	p->available = 40 * GiB;
	p->xml = kh_test_slurp(pool_xml_path, NULL);
	return p;
}

static struct kh_volume *add_volume(struct kh_snapshot *s)
{
	struct kh_volume *v = kh_snapshot_add_volume(s);
	char *xml = kh_test_slurp(volume_xml_path, NULL);

	v->pool = kh_strdup("default-pool");
	v->name = kh_strdup("OtherDemo.img");
	v->key = kh_strdup("/var/lib/libvirt/images/OtherDemo.img");
	v->path = kh_strdup(v->key);
	v->capacity = 5 * GiB;
	v->allocation = 11 * GiB;
	v->physical = 11 * GiB;
	v->xml = xml;
	return v;
}

static struct kh_network *add_network(struct kh_snapshot *s)
{
	struct kh_network *n = kh_snapshot_add_network(s);

	n->name = kh_strdup("default");
	n->uuid = kh_strdup("81ff0d90-c91e-6742-64da-4a736edb9a9b");
	n->active = 1;
	n->autostart = 1;
	n->persistent = 1;
	n->xml = kh_test_slurp(network_xml_path, NULL);
	return n;
}

/* A host with one of everything. */
static struct kh_snapshot *estate(int64_t taken_at)
{
	struct kh_snapshot *s = snap(taken_at);

	add_domain(s, "aries", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	add_pool(s);
	add_volume(s);
	add_network(s);
	return s;
}

static void print_changes(const struct kh_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		print_message("  %s %s %s %s: %s -> %s\n", c->items[i].object,
			      c->items[i].name ? c->items[i].name : "(null)",
			      kh_change_kind_name(c->items[i].change),
			      c->items[i].path ? c->items[i].path : "(null)",
			      c->items[i].old ? c->items[i].old : "(null)",
			      c->items[i].new_ ? c->items[i].new_ : "(null)");
}

static void diff(const struct kh_snapshot *a, const struct kh_snapshot *b, struct kh_changes *c)
{
	struct kh_err err = { "" };

	if (kh_diff_snapshots(a, b, c, &err) != 0)
		fail_msg("kh_diff_snapshots: %s", err.msg);
}

static void assert_null_or_str(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void assert_change(const struct kh_change *c, const char *object, const char *name,
			  enum kh_change_kind change, const char *path, const char *old,
			  const char *new_, enum kh_value_kind kind)
{
	assert_string_equal(c->object, object);
	assert_null_or_str(c->name, name);
	assert_int_equal(c->change, change);
	assert_null_or_str(c->path, path);
	assert_null_or_str(c->old, old);
	assert_null_or_str(c->new_, new_);
	assert_int_equal(c->kind, kind);
}

static void expect_n(const struct kh_changes *c, size_t n)
{
	if (c->n != n) {
		print_changes(c);
		fail_msg("expected %zu changes, got %zu", n, c->n);
	}
}

/* ---- kh_diff_snapshots ---- */

static void test_unchanged(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_changes c = { 0 };

	(void)state;
	/* a reformatted but equal XML is parsed and still no change */
	free(b->domains[0].xml);
	b->domains[0].xml = replace(a->domains[0].xml, "'", "\"");
	diff(a, b, &c);
	expect_n(&c, 0);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

static void test_rename_is_one_change(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = snap(T1);
	struct kh_changes c = { 0 };

	(void)state;
	/* same UUID, printed differently: upper case, no dashes */
	add_domain(b, "ares", "4DEA22B31D52D8F32516782E98AB3FA0");
	add_pool(b);
	add_volume(b);
	add_network(b);
	diff(a, b, &c);
	expect_n(&c, 1);
	assert_change(&c.items[0], "domain", "ares", KH_CHANGE_MODIFIED, "name", "aries", "ares",
		      KH_VALUE_TEXT);
	assert_int_equal(c.items[0].taken_at, T1);
	assert_string_equal(c.items[0].uri, "qemu+ssh://kvm1/system");
	assert_null(c.items[0].pool);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

static void test_volume_allocation_is_bytes_not_xml(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_volume *v = &b->volumes[0];
	struct kh_changes c = { 0 };
	char *xml;

	(void)state;
	v->allocation = 12 * GiB;
	xml = replace(v->xml, "<allocation>294912</allocation>",
		      "<allocation unit='bytes'>12884901888</allocation>");
	free(v->xml);
	v->xml = xml;
	diff(a, b, &c);
	expect_n(&c, 1);
	assert_change(&c.items[0], "volume", "OtherDemo.img", KH_CHANGE_MODIFIED, "allocation",
		      "11811160064", "12884901888", KH_VALUE_BYTES);
	assert_string_equal(c.items[0].pool, "default-pool");
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

static void test_pool_fill_is_no_drift(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_pool *p = &b->pools[0];
	struct kh_changes c = { 0 };
	char *x1, *x2;

	(void)state;
	p->allocation = 70 * GiB;
	p->available = 30 * GiB;
	x1 = replace(p->xml, "<allocation>0</allocation>", "<allocation>75161927680</allocation>");
	x2 = replace(x1, "<available>", "<available unit='KiB'>1");
	free(p->xml);
	free(x1);
	p->xml = x2;
	diff(a, b, &c);
	expect_n(&c, 2);
	assert_change(&c.items[0], "pool", "default-pool", KH_CHANGE_MODIFIED, "allocation",
		      "64424509440", "75161927680", KH_VALUE_BYTES);
	assert_change(&c.items[1], "pool", "default-pool", KH_CHANGE_MODIFIED, "available",
		      "42949672960", "32212254720", KH_VALUE_BYTES);
	assert_null(c.items[0].pool);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

static void test_memory_reported_once(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_domain *d = &b->domains[0];
	struct kh_changes c = { 0 };
	char *xml;

	(void)state;
	d->memory_kib = 8388608;
	d->max_memory_kib = 8388608;
	xml = replace(d->xml, "<memory unit='KiB'>4194304</memory>",
		      "<memory unit='GiB'>8</memory>");
	free(d->xml);
	d->xml = xml;
	diff(a, b, &c);
	expect_n(&c, 1);
	assert_change(&c.items[0], "domain", "aries", KH_CHANGE_MODIFIED, "/domain/memory",
		      "4294967296", "8589934592", KH_VALUE_BYTES);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

static void test_xml_drift_keyed(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_domain *d = &b->domains[0];
	struct kh_changes c = { 0 };
	char *x1, *x2;

	(void)state;
	x1 = replace(d->xml, "<interface type='user'>", "<interface type='network'>");
	x2 = replace(x1, "    <serial type='pty'>",
		     "    <disk type='file' device='disk'>\n"
		     "      <source file='/var/lib/libvirt/images/data.raw'/>\n"
		     "      <target dev='vdb' bus='virtio'/>\n"
		     "    </disk>\n"
		     "    <serial type='pty'>");
	free(d->xml);
	free(x1);
	d->xml = x2;
	diff(a, b, &c);
	expect_n(&c, 2);
	assert_change(&c.items[0], "domain", "aries", KH_CHANGE_MODIFIED,
		      "/domain/devices/interface[mac/@address='52:54:00:09:a4:37']/@type", "user",
		      "network", KH_VALUE_TEXT);
	assert_change(&c.items[1], "domain", "aries", KH_CHANGE_MODIFIED,
		      "/domain/devices/disk[target/@dev='vdb']", NULL,
		      "<disk type=\"file\" device=\"disk\"><source "
		      "file=\"/var/lib/libvirt/images/data.raw\"/><target dev=\"vdb\" "
		      "bus=\"virtio\"/></disk>",
		      KH_VALUE_XML);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

/* Added and removed objects, in the order domain, network, pool, volume, host; by name. */
static void test_objects_and_order(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_volume *v;
	struct kh_changes c = { 0 };

	(void)state;
	add_domain(a, "virgo", "11111111-2222-3333-4444-555555555555");
	add_domain(b, "leo", "66666666-7777-8888-9999-000000000000");
	add_domain(b, "cancer", "66666666-7777-8888-9999-000000000001");
	b->domains[0].state = (free(b->domains[0].state), kh_strdup("shut off"));
	b->domains[0].autostart = 0;
	b->networks[0].active = 0;
	b->pools[0].state = (free(b->pools[0].state), kh_strdup("inactive"));
	v = add_volume(b);
	v->name = (free(v->name), kh_strdup("leo.qcow2"));
	v->key = (free(v->key), kh_strdup("/var/lib/libvirt/images/leo.qcow2"));
	b->host.libvirt_version = 9001000;
	b->host.hostname = (free(b->host.hostname), kh_strdup("kvm1.example.org"));
	diff(a, b, &c);
	expect_n(&c, 10);
	assert_change(&c.items[0], "domain", "aries", KH_CHANGE_MODIFIED, "state", "running",
		      "shut off", KH_VALUE_TEXT);
	assert_change(&c.items[1], "domain", "aries", KH_CHANGE_MODIFIED, "autostart", "yes", "no",
		      KH_VALUE_TEXT);
	assert_change(&c.items[2], "domain", "cancer", KH_CHANGE_ADDED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	assert_change(&c.items[3], "domain", "leo", KH_CHANGE_ADDED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	assert_change(&c.items[4], "domain", "virgo", KH_CHANGE_REMOVED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	assert_change(&c.items[5], "network", "default", KH_CHANGE_MODIFIED, "active", "yes", "no",
		      KH_VALUE_TEXT);
	assert_change(&c.items[6], "pool", "default-pool", KH_CHANGE_MODIFIED, "state", "running",
		      "inactive", KH_VALUE_TEXT);
	assert_change(&c.items[7], "volume", "leo.qcow2", KH_CHANGE_ADDED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	assert_string_equal(c.items[7].pool, "default-pool");
	assert_change(&c.items[8], "host", "kvm1.example.org", KH_CHANGE_MODIFIED, "hostname",
		      "kvm1", "kvm1.example.org", KH_VALUE_TEXT);
	assert_change(&c.items[9], "host", "kvm1.example.org", KH_CHANGE_MODIFIED,
		      "libvirt_version", "9.0.0", "9.1.0", KH_VALUE_TEXT);
	for (size_t i = 0; i < c.n; i++) {
		assert_int_equal(c.items[i].taken_at, T1);
		assert_string_equal(c.items[i].uri, "qemu+ssh://kvm1/system");
	}
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

/* Volumes by key; without one, by pool and name. */
static void test_volume_identity(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_volume *v;
	struct kh_changes c = { 0 };

	(void)state;
	/* renamed, same key */
	b->volumes[0].name = (free(b->volumes[0].name), kh_strdup("Renamed.img"));
	/* keyless on both sides: by pool and name */
	v = add_volume(a);
	v->name = (free(v->name), kh_strdup("nokey.img"));
	v->key = (free(v->key), NULL);
	v = add_volume(b);
	v->name = (free(v->name), kh_strdup("nokey.img"));
	v->key = (free(v->key), NULL);
	v->capacity = 6 * GiB;
	diff(a, b, &c);
	expect_n(&c, 2);
	assert_change(&c.items[0], "volume", "Renamed.img", KH_CHANGE_MODIFIED, "name",
		      "OtherDemo.img", "Renamed.img", KH_VALUE_TEXT);
	assert_change(&c.items[1], "volume", "nokey.img", KH_CHANGE_MODIFIED, "capacity",
		      "5368709120", "6442450944", KH_VALUE_BYTES);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

/* UUID first: a domain undefined and defined again under its old name is another domain;
 * without a UUID on one side, the name decides. */
static void test_uuid_identity(void **state)
{
	struct kh_snapshot *a = snap(T0), *b = snap(T1);
	struct kh_changes c = { 0 };

	(void)state;
	add_domain(a, "aries", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	add_domain(b, "aries", "0bb0f1e2-0000-4000-8000-000000000001");
	add_domain(a, "leo", NULL);
	add_domain(b, "leo", "0bb0f1e2-0000-4000-8000-000000000002")->vcpus = 8;
	add_domain(a, "virgo", "0bb0f1e2-0000-4000-8000-000000000003");
	add_domain(b, "virgo", NULL)->autostart = 0;
	diff(a, b, &c);
	expect_n(&c, 3);
	assert_change(&c.items[0], "domain", "aries", KH_CHANGE_REMOVED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	assert_change(&c.items[1], "domain", "aries", KH_CHANGE_ADDED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	/* leo matched by name, its vcpus field not compared (the XML has them) */
	assert_change(&c.items[2], "domain", "virgo", KH_CHANGE_MODIFIED, "autostart", "yes", "no",
		      KH_VALUE_TEXT);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

/* Changes carry their object's UUID (the "to" side's, else the "from" side's); the UUID
 * filter follows a domain under any name, UUIDs compared without case or dashes, and still
 * keeps what the name filter keeps. */
static void test_filter_by_uuid(void **state)
{
	struct kh_snapshot *a = snap(T0), *b = snap(T1);
	char *uuids[] = { "4DEA22B31D52D8F32516782E98AB3FA0" };
	struct kh_changes c = { 0 };

	(void)state;
	add_domain(a, "aries", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0")->autostart = 0;
	add_domain(b, "aries", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	add_domain(a, "leo", "0bb0f1e2-0000-4000-8000-000000000002");
	add_domain(a, "virgo", NULL)->autostart = 0;
	add_domain(b, "virgo", NULL);
	add_pool(a);
	add_pool(b)->autostart = 0;
	add_volume(a);
	add_volume(b)->allocation = 12 * GiB;
	diff(a, b, &c);
	expect_n(&c, 5);
	assert_change(&c.items[0], "domain", "aries", KH_CHANGE_MODIFIED, "autostart", "no", "yes",
		      KH_VALUE_TEXT);
	assert_string_equal(c.items[0].uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
	assert_change(&c.items[1], "domain", "leo", KH_CHANGE_REMOVED, NULL, NULL, NULL,
		      KH_VALUE_TEXT);
	assert_string_equal(c.items[1].uuid, "0bb0f1e2-0000-4000-8000-000000000002");
	assert_change(&c.items[2], "domain", "virgo", KH_CHANGE_MODIFIED, "autostart", "no", "yes",
		      KH_VALUE_TEXT);
	assert_null(c.items[2].uuid);
	assert_string_equal(c.items[3].uuid, "35bb2ad9-388a-cdfe-461a-b8907f6e53fe");
	assert_string_equal(c.items[4].object, "volume");
	assert_null(c.items[4].uuid);

	/* "ares" is a name aries once had: its UUID finds it; virgo by its own name. */
	kh_changes_filter_uuids(&c, "ares", NULL, NULL, uuids, 1);
	expect_n(&c, 1);
	assert_string_equal(c.items[0].name, "aries");
	kh_changes_free(&c);
	diff(a, b, &c);
	kh_changes_filter_uuids(&c, "virgo", NULL, NULL, uuids, 1);
	expect_n(&c, 2);
	assert_string_equal(c.items[0].name, "aries");
	assert_string_equal(c.items[1].name, "virgo");
	kh_changes_free(&c);
	/* No domain filter: the UUIDs say nothing about pools. */
	diff(a, b, &c);
	kh_changes_filter_uuids(&c, NULL, NULL, "default-pool", uuids, 1);
	expect_n(&c, 2);
	assert_string_equal(c.items[0].object, "pool");
	assert_string_equal(c.items[1].object, "volume");
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

/* A number libvirt could not tell is no change, whichever side it is on. */
static void test_unknown_skipped(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_changes c = { 0 };

	(void)state;
	a->volumes[0].allocation = KH_UNKNOWN;
	b->volumes[0].physical = KH_UNKNOWN;
	b->pools[0].capacity = KH_UNKNOWN;
	a->domains[0].autostart = KH_UNKNOWN;
	b->domains[0].autostart = 0;
	b->domains[0].state = (free(b->domains[0].state), NULL);
	b->networks[0].xml = (free(b->networks[0].xml), NULL);
	b->host.hv_version = KH_UNKNOWN;
	diff(a, b, &c);
	expect_n(&c, 0);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

static void test_malformed_xml(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_changes c = { 0 };
	struct kh_err err = { "" };

	(void)state;
	b->domains[0].autostart = 0;    /* a change found before the failure... */
	b->volumes[0].xml = (free(b->volumes[0].xml), kh_strdup("<volume><name>x</volume>"));
	assert_int_equal(kh_diff_snapshots(a, b, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cannot compare volume 'OtherDemo.img': new XML is "
					"malformed: line 1: Opening and ending tag mismatch"));
	/* ... is not left behind */
	assert_int_equal(c.n, 0);
	assert_int_equal(kh_diff_snapshots(a, NULL, &c, &err), -1);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
	kh_changes_free(NULL);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(kh_change_kind_name(KH_CHANGE_ADDED), "added");
	assert_string_equal(kh_change_kind_name(KH_CHANGE_REMOVED), "removed");
	assert_string_equal(kh_change_kind_name(KH_CHANGE_MODIFIED), "modified");
}

/* ---- rendering ---- */

static void add(struct kh_changes *c, const char *object, const char *name, const char *pool,
		enum kh_change_kind change, const char *path, const char *old, const char *new_,
		enum kh_value_kind kind)
{
	struct kh_change *ch = KH_PUSH(c->items, c->n, c->cap);

	ch->taken_at = T1;
	ch->uri = kh_strdup("qemu+ssh://kvm1/system");
	ch->object = object;
	ch->name = kh_strdup(name);
	ch->pool = kh_strdup(pool);
	ch->change = change;
	ch->path = kh_strdup(path);
	ch->old = kh_strdup(old);
	ch->new_ = kh_strdup(new_);
	ch->kind = kind;
}

static void sample(struct kh_changes *c)
{
	add(c, "domain", "leo", NULL, KH_CHANGE_ADDED, NULL, NULL, NULL, KH_VALUE_TEXT);
	add(c, "domain", "virgo", NULL, KH_CHANGE_REMOVED, NULL, NULL, NULL, KH_VALUE_TEXT);
	add(c, "domain", "aries", NULL, KH_CHANGE_MODIFIED,
	    "/domain/devices/interface[mac/@address='52:54:00:76:db:ef']/source/@network",
	    "default", "isolated", KH_VALUE_TEXT);
	add(c, "domain", "aries", NULL, KH_CHANGE_ADDED, "/domain/devices/disk[target/@dev='vdc']",
	    NULL, "<disk type=\"file\">\n<target dev=\"vdc\"/></disk>", KH_VALUE_XML);
	add(c, "domain", "aries", NULL, KH_CHANGE_REMOVED,
	    "/domain/devices/disk[target/@dev='vdb']/driver/@cache", "none", NULL, KH_VALUE_TEXT);
	add(c, "domain", "aries", NULL, KH_CHANGE_MODIFIED, "/domain/description",
	    "web server\nsecond line", "db server", KH_VALUE_TEXT);
	add(c, "domain", "aries", NULL, KH_CHANGE_MODIFIED, "/domain/memory", "2147483648",
	    "4294967296", KH_VALUE_BYTES);
	add(c, "volume", "aries.qcow2", "default", KH_CHANGE_MODIFIED, "allocation", "11811160064",
	    "12884901888", KH_VALUE_BYTES);
	add(c, "volume", "aries.qcow2", "default", KH_CHANGE_MODIFIED, "capacity", "21474836480",
	    "10737418240", KH_VALUE_BYTES);
	add(c, "host", "kvm1", NULL, KH_CHANGE_MODIFIED, "libvirt_version", "9.0.0", "9.1.0",
	    KH_VALUE_TEXT);
}

static void test_text(void **state)
{
	struct kh_changes c = { 0 };
	char *out, *col;

	(void)state;
	sample(&c);
	out = kh_changes_output(&c, KH_FORMAT_TEXT, 0);
	assert_string_equal(out,
		"+ domain leo\n"
		"- domain virgo\n"
		"domain aries\n"
		"  /domain/devices/interface[mac/@address='52:54:00:76:db:ef']/source/@network: "
		"default \xe2\x86\x92 isolated\n"
		"  + /domain/devices/disk[target/@dev='vdc']: <disk type=\"file\"> <target "
		"dev=\"vdc\"/></disk>\n"
		"  - /domain/devices/disk[target/@dev='vdb']/driver/@cache: none\n"
		"  /domain/description: web server \xe2\x80\xa6 \xe2\x86\x92 db server\n"
		"  /domain/memory: 2.0 GiB \xe2\x86\x92 4.0 GiB (+2.0 GiB)\n"
		"volume default/aries.qcow2\n"
		"  allocation: 11.0 GiB \xe2\x86\x92 12.0 GiB (+1.0 GiB)\n"
		"  capacity: 20.0 GiB \xe2\x86\x92 10.0 GiB (-10.0 GiB)\n"
		"host kvm1\n"
		"  libvirt_version: 9.0.0 \xe2\x86\x92 9.1.0\n");
	col = kh_changes_output(&c, KH_FORMAT_TEXT, 1);
	assert_non_null(strstr(col, "\033[32m+ domain leo\033[0m\n"));
	assert_non_null(strstr(col, "\033[31m- domain virgo\033[0m\n"));
	assert_non_null(strstr(col, "\033[1mdomain aries\033[0m\n"));
	assert_non_null(strstr(col, "  \033[33mallocation: 11.0 GiB"));
	assert_non_null(strstr(col, "  \033[32m+ /domain/devices/disk"));
	assert_null(strchr(out, '\033'));
	free(out);
	free(col);
	kh_changes_free(&c);
	/* empty: the sentence every format says, uncoloured */
	out = kh_changes_output(&c, KH_FORMAT_TEXT, 1);
	assert_string_equal(out, "No changes.\n");
	free(out);
}

/* A hostile name cannot drive the terminal. */
static void test_text_control_characters(void **state)
{
	struct kh_changes c = { 0 };
	char *out;

	(void)state;
	add(&c, "domain", "evil\033[2J", NULL, KH_CHANGE_MODIFIED, "/domain/title", "a\x9b", "b\r",
	    KH_VALUE_TEXT);
	out = kh_changes_output(&c, KH_FORMAT_TEXT, 0);
	/* a lone 0x9b is no UTF-8: U+FFFD, as every output shows such a byte */
	assert_string_equal(out, "domain evil\\x1b[2J\n"
				 "  /domain/title: a\xef\xbf\xbd \xe2\x86\x92 b \xe2\x80\xa6\n");
	free(out);
	kh_changes_free(&c);
	add(&c, "domain", "c1\xc2\x9b" "31m", NULL, KH_CHANGE_ADDED, NULL, NULL, NULL,
	    KH_VALUE_TEXT);
	out = kh_changes_output(&c, KH_FORMAT_TEXT, 0);
	assert_string_equal(out, "+ domain c1\\xc2\\x9b31m\n");
	free(out);
	kh_changes_free(&c);
}

/* Cell breaks outside escapes: '|' not preceded by a backslash. */
static int cell_breaks(const char *line, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\')
			i++;
		else if (line[i] == '|')
			n++;
	}
	return n;
}

static void test_markdown(void **state)
{
	static const char evil[] = "evil|*x*<b>";
	struct kh_changes c = { 0 };
	struct kh_buf want = { 0 }, esc = { 0 };
	char *out, *e;

	(void)state;
	add(&c, "domain", evil, NULL, KH_CHANGE_MODIFIED, "/domain/title", evil,
	    "[link](http://x)", KH_VALUE_TEXT);
	add(&c, "volume", "a.qcow2", "default", KH_CHANGE_MODIFIED, "allocation", "1073741824",
	    "2147483648", KH_VALUE_BYTES);
	out = kh_changes_output(&c, KH_FORMAT_MD, 0);
	/* every untrusted cell goes through kh_escape_md */
	kh_escape_md(&esc, evil);
	e = kh_buf_steal(&esc);
	kh_buf_printf(&want, "| Object | Name | Change | Path | Old | New |\n"
			     "| --- | --- | --- | --- | --- | --- |\n"
			     "| domain | %s | modified | /domain/title | %s | ", e, e);
	kh_escape_md(&want, "[link](http://x)");
	kh_buf_puts(&want, " |\n| volume | default/a.qcow2 | modified | allocation | 1.0 GiB | "
			   "2.0 GiB (+1.0 GiB) |\n");
	assert_string_equal(out, want.data);
	/* and is inert: no raw HTML, no emphasis, no extra cell, no link */
	assert_null(strstr(out, "<b>"));
	assert_null(strstr(out, "|*x*"));
	assert_null(strstr(out, "[link]("));
	{
		const char *row = strstr(out, "| domain");

		assert_int_equal(cell_breaks(row, strcspn(row, "\n")), 7);
	}
	free(e);
	kh_buf_free(&want);
	free(out);
	kh_changes_free(&c);
	out = kh_changes_output(&c, KH_FORMAT_MD, 0);
	assert_string_equal(out, "No changes.\n");
	free(out);
}

static void test_html(void **state)
{
	struct kh_changes c = { 0 };
	char *out;

	(void)state;
	add(&c, "domain", "<script>alert(1)</script>", NULL, KH_CHANGE_MODIFIED,
	    "/domain/description", "\"><script src=//evil/x.js></script>",
	    "<img src=x onerror=alert(1)>", KH_VALUE_TEXT);
	add(&c, "domain", "leo", NULL, KH_CHANGE_ADDED, NULL, NULL, NULL, KH_VALUE_TEXT);
	out = kh_changes_output(&c, KH_FORMAT_HTML, 0);
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<img"));
	assert_null(strstr(out, "onerror=alert(1)>"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out, "&quot;&gt;&lt;script src=//evil/x.js&gt;"));
	assert_non_null(strstr(out, "<table class=\"kh-diff\""));
	assert_non_null(strstr(out, "<tr style=\"background:#e6ffec\">"));
	/* self-contained: no reference to anything outside */
	assert_null(strstr(out, "http"));
	assert_null(strstr(out, "<link"));
	assert_null(strstr(out, "url("));
	free(out);
	kh_changes_free(&c);
}

static void test_json(void **state)
{
	struct kh_changes c = { 0 };
	json_t *j;
	char *s;

	(void)state;
	add(&c, "volume", "aries.qcow2", "default", KH_CHANGE_MODIFIED, "allocation",
	    "11811160064", "12884901888", KH_VALUE_BYTES);
	add(&c, "domain", "leo", NULL, KH_CHANGE_ADDED, NULL, NULL, NULL, KH_VALUE_TEXT);
	add(&c, "domain", "aries", NULL, KH_CHANGE_ADDED, "/domain/devices/disk[target/@dev='vdc']",
	    NULL, "<disk/>", KH_VALUE_XML);
	add(&c, "domain", "bad\xff", NULL, KH_CHANGE_MODIFIED, "vcpus", "2", "4", KH_VALUE_NUMBER);
	c.items[1].taken_at = 0;
	j = kh_change_json(&c.items[0]);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s, "{\"object\":\"volume\",\"name\":\"aries.qcow2\",\"pool\":\"default\","
			       "\"change\":\"modified\",\"path\":\"allocation\",\"old\":11811160064,"
			       "\"new\":12884901888,\"taken_at\":\"2025-11-21T03:00:00Z\"}");
	free(s);
	json_decref(j);
	j = kh_changes_json(&c);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s,
		"[{\"object\":\"volume\",\"name\":\"aries.qcow2\",\"pool\":\"default\","
		"\"change\":\"modified\",\"path\":\"allocation\",\"old\":11811160064,"
		"\"new\":12884901888,\"taken_at\":\"2025-11-21T03:00:00Z\"},"
		"{\"object\":\"domain\",\"name\":\"leo\",\"change\":\"added\",\"path\":null,"
		"\"old\":null,\"new\":null},"
		"{\"object\":\"domain\",\"name\":\"aries\",\"change\":\"added\","
		"\"path\":\"/domain/devices/disk[target/@dev='vdc']\",\"old\":null,"
		"\"new\":\"<disk/>\",\"taken_at\":\"2025-11-21T03:00:00Z\"},"
		"{\"object\":\"domain\",\"name\":\"bad\xef\xbf\xbd\",\"change\":\"modified\","
		"\"path\":\"vcpus\",\"old\":2,\"new\":4,\"taken_at\":\"2025-11-21T03:00:00Z\"}]");
	free(s);
	json_decref(j);
	kh_changes_free(&c);
}

/* The whole path: a diff rendered. */
static void test_diff_rendered(void **state)
{
	struct kh_snapshot *a = estate(T0), *b = estate(T1);
	struct kh_changes c = { 0 };
	char *out;

	(void)state;
	b->volumes[0].allocation = 12 * GiB;
	b->domains[0].name = (free(b->domains[0].name), kh_strdup("ares"));
	diff(a, b, &c);
	out = kh_changes_output(&c, KH_FORMAT_TEXT, 0);
	assert_string_equal(out, "domain ares\n"
				 "  name: aries \xe2\x86\x92 ares\n"
				 "volume default-pool/OtherDemo.img\n"
				 "  allocation: 11.0 GiB \xe2\x86\x92 12.0 GiB (+1.0 GiB)\n");
	free(out);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_changes_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_rename_is_one_change),
		cmocka_unit_test(test_volume_allocation_is_bytes_not_xml),
		cmocka_unit_test(test_pool_fill_is_no_drift),
		cmocka_unit_test(test_memory_reported_once),
		cmocka_unit_test(test_xml_drift_keyed),
		cmocka_unit_test(test_objects_and_order),
		cmocka_unit_test(test_volume_identity),
		cmocka_unit_test(test_uuid_identity),
		cmocka_unit_test(test_filter_by_uuid),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_malformed_xml),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_control_characters),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_diff_rendered),
	};

	return cmocka_run_group_tests_name("diff", tests, NULL, NULL);
}
