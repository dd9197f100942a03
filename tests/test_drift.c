/* Pending drift (live against persistent XML), live XML in the store and its migration, and
 * domain lifecycles, against real fixtures, the test driver and real SQLite files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/helpers.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "virt/collector.h"
#include "report/diff.h"
#include "report/diff_render.h"
#include "report/report.h"
#include "report/show.h"
#include "report/xmldiff.h"
#include "store/schema.h"
#include "store/store.h"
#include "util/mem.h"

#define DRIFT KH_SRCDIR "/tests/fixtures/drift/"
#define T0 1795996800 /* 2026-11-30T00:00:00Z */
#define DAY 86400

/* s with the first `at` replaced by `with`; the caller frees. */
static char *replaced(const char *s, const char *at, const char *with)
{
	const char *p = strstr(s, at);

	if (p == NULL)
		fail_msg("'%s' not in the document", at);
	return kh_asprintf("%.*s%s%s", (int)(p - s), s, with, p + strlen(at));
}

static void pending(const char *config, const char *live, struct kh_xml_changes *x)
{
	struct kh_domain d = { .name = "probe", .xml = (char *)config, .live_xml = (char *)live };
	struct kh_err err;

	if (kh_domain_pending(&d, x, &err))
		fail_msg("pending: %s", err.msg);
}

/* A real QEMU domain changed with --config only: the three changes and nothing of what the
 * start filled in (see tests/fixtures/drift/README.md). */
static void test_pending_real_qemu(void **state)
{
	char *config = kh_test_slurp(DRIFT "qemu-config.xml", NULL);
	char *live = kh_test_slurp(DRIFT "qemu-live.xml", NULL);
	struct kh_xml_changes x = { 0 };

	(void)state;
	pending(config, live, &x);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.items[0].path, "/domain/memory");
	assert_string_equal(x.items[0].old, "67108864");
	assert_string_equal(x.items[0].new_, "100663296");
	assert_int_equal(x.items[0].kind, KH_VALUE_BYTES);
	assert_string_equal(x.items[1].path, "/domain/currentMemory");
	assert_string_equal(x.items[1].old, "67108864");
	assert_string_equal(x.items[1].new_, "100663296");
	assert_string_equal(x.items[2].path, "/domain/devices/disk[target/@dev='vdb']");
	assert_null(x.items[2].old);
	assert_int_equal(x.items[2].kind, KH_VALUE_XML);
	assert_non_null(strstr(x.items[2].new_, "<source file=\"/tmp/khdrift/data.qcow2\"/>"));
	kh_xml_changes_free(&x);

	/* The live XML against itself with only live state differing: nothing pending. */
	pending(live, live, &x);
	assert_int_equal(x.n, 0);
	free(config);
	free(live);
}

/* A device present only in the running domain (hot-plugged with --live) goes at next boot:
 * kept, whole. Live-only attributes below it are not. */
static void test_pending_hotplug_and_live_state(void **state)
{
	char *config = kh_test_slurp(DRIFT "qemu-config.xml", NULL);
	char *live = kh_test_slurp(DRIFT "qemu-live.xml", NULL);
	char *hot = replaced(live, "<controller type='usb'",
			     "<disk type='file' device='disk'><source file='/srv/hot.raw' index='3'/>"
			     "<target dev='vdc' bus='virtio'/><alias name='virtio-disk2'/></disk>\n"
			     "<controller type='usb'");
	char *fixed = replaced(config, "port='-1' autoport='yes'", "port='5901' autoport='no'");
	struct kh_xml_changes x = { 0 };

	(void)state;
	pending(config, hot, &x);
	assert_int_equal(x.n, 4);
	assert_string_equal(x.items[3].path, "/domain/devices/disk[target/@dev='vdc']");
	assert_null(x.items[3].new_);
	assert_non_null(strstr(x.items[3].old, "/srv/hot.raw"));
	assert_null(strstr(x.items[3].old, "alias"));
	kh_xml_changes_free(&x);

	/* A fixed VNC port that differs is configuration, not autoport's choice. */
	pending(fixed, live, &x);
	assert_int_equal(x.n, 5);
	assert_string_equal(x.items[3].path, "/domain/devices/graphics[@type='vnc']/@port");
	assert_string_equal(x.items[3].old, "5900");
	assert_string_equal(x.items[3].new_, "5901");
	assert_string_equal(x.items[4].path, "/domain/devices/graphics[@type='vnc']/@autoport");
	kh_xml_changes_free(&x);
	free(config);
	free(live);
	free(hot);
	free(fixed);
}

/* host-model becomes a concrete model at start: no drift; a real vcpu change is. */
static void test_pending_host_model(void **state)
{
	const char *config = "<domain type='kvm'><name>a</name><vcpu>4</vcpu>"
			     "<cpu mode='host-model' check='partial'/></domain>";
	const char *live = "<domain type='kvm' id='3'><name>a</name><vcpu>2</vcpu>"
			   "<cpu mode='custom' match='exact' check='full'>"
			   "<model fallback='forbid'>Skylake-Client-IBRS</model>"
			   "<feature policy='require' name='ss'/></cpu></domain>";
	struct kh_xml_changes x = { 0 };
	struct kh_domain d = { .name = "a", .xml = (char *)config };
	struct kh_err err;

	(void)state;
	pending(config, live, &x);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.items[0].path, "/domain/vcpu");
	assert_string_equal(x.items[0].old, "2");
	assert_string_equal(x.items[0].new_, "4");
	kh_xml_changes_free(&x);

	/* Not running (no live XML): nothing to say. Malformed live XML: an error naming it. */
	assert_int_equal(kh_domain_pending(&d, &x, &err), 0);
	assert_int_equal(x.n, 0);
	d.live_xml = "<domain><name>a</domain>";
	assert_int_equal(kh_domain_pending(&d, &x, &err), -1);
	assert_non_null(strstr(err.msg, "domain 'a'"));
	assert_int_equal(x.n, 0);
}

/* show: text and JSON carry the pending changes of a domain. */
static void test_show_pending(void **state)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d = kh_snapshot_add_domain(s);
	char *text, *json;

	(void)state;
	s->id = 7;
	s->host.uri = kh_strdup("qemu:///system");
	d->name = kh_strdup("probe");
	d->state = kh_strdup("running");
	d->xml = kh_test_slurp(DRIFT "qemu-config.xml", NULL);
	d->live_xml = kh_test_slurp(DRIFT "qemu-live.xml", NULL);
	text = kh_show_text(s);
	assert_non_null(strstr(text, "Pending:        3 changes at next boot"));
	assert_non_null(strstr(text, "  /domain/memory: 64.0 MiB \xe2\x86\x92 96.0 MiB (+32.0 MiB)\n"));
	assert_non_null(strstr(text, "  + /domain/devices/disk[target/@dev='vdb']: <disk "));
	json = kh_show_json(s);
	assert_non_null(strstr(json, "\"pending\": [\n        {\n          \"path\": \"/domain/memory\",\n"
				     "          \"old\": 67108864,\n          \"new\": 100663296\n"));
	free(text);
	free(json);
	kh_snapshot_free(s);
}

/* --- the store ---------------------------------------------------------------------------- */

static int setup(void **state)
{
	*state = kh_test_dir_new("drift", "h.db");
	return 0;
}

static int teardown(void **state)
{
	kh_test_dir_free(*state);
	return 0;
}

/* A host with the given domains (name, UUID; live XML or NULL) at T0 + day days; their
 * persistent XML is xml[i], or a minimal one when xml is NULL. */
struct dom {
	const char *name, *uuid, *live;
};

static int64_t put_xml(struct kh_store *st, int day, const struct dom *v, size_t n,
		       const char *const *xml)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_err err;
	int64_t id;

	s->taken_at = T0 + day * DAY;
	s->host.uri = kh_strdup("qemu+ssh://kvm1/system");
	s->host.hostname = kh_strdup("kvm1");
	for (size_t i = 0; i < n; i++) {
		struct kh_domain *d = kh_snapshot_add_domain(s);

		d->name = kh_strdup(v[i].name);
		d->uuid = kh_strdup(v[i].uuid);
		d->state = kh_strdup(v[i].live ? "running" : "shut off");
		d->xml = xml && xml[i] ? kh_strdup(xml[i])
				       : kh_asprintf("<domain type='kvm'><name>%s</name></domain>",
						     v[i].name);
		d->live_xml = kh_strdup(v[i].live);
	}
	if (kh_store_put(st, s, &err))
		fail_msg("put: %s", err.msg);
	id = s->id;
	kh_snapshot_free(s);
	return id;
}

static int64_t put(struct kh_store *st, int day, const struct dom *v, size_t n)
{
	return put_xml(st, day, v, n, NULL);
}

static struct kh_store *open_store(const char *path, enum kh_open_mode mode)
{
	struct kh_store *st = NULL;
	struct kh_err err;

	if (kh_store_open(path, mode, &st, &err))
		fail_msg("open: %s", err.msg);
	return st;
}

#define A "2f0c5d3e-1a4b-4c6d-8e9f-0a1b2c3d4e5f"
#define B "7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a090"
#define LIVE1 "<domain type='kvm' id='1'><name>a</name></domain>"
#define LIVE2 "<domain type='kvm' id='2'><name>a</name></domain>"

/* Live XML is stored, read back, and part of what makes a new version of a domain. */
static void test_live_xml_round_trip(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct dom night[] = { { "a", A, LIVE1 }, { "b", B, NULL } };
	struct kh_snapshot *s;
	struct kh_err err;
	int64_t id;

	put(st, 1, night, 2);
	id = put(st, 2, night, 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 2);
	assert_int_equal(kh_test_count(f->path,
				       "SELECT count(*) FROM domain WHERE live_xml_id IS NULL"),
			 1);
	night[0].live = LIVE2; /* restarted: a new id */
	put(st, 3, night, 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 3);
	assert_int_equal(kh_store_load(st, id, &s, &err), 0);
	assert_string_equal(s->domains[0].name, "a");
	assert_string_equal(s->domains[0].live_xml, LIVE1);
	assert_null(s->domains[1].live_xml);
	kh_snapshot_free(s);
	kh_store_close(st);
}

/* A version 1 database is brought to version 2 and its snapshots read as before. */
static void test_migration_from_v1(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_snapshot *s;
	struct kh_store *st;
	struct kh_err err;
	sqlite3 *db;
	char *sql;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, kh_schema_migration(1), NULL, NULL, NULL), SQLITE_OK);
	sql = kh_asprintf(
		"PRAGMA application_id = %d; PRAGMA user_version = 1;"
		"INSERT INTO host(id, uri) VALUES (1, 'qemu:///system');"
		"INSERT INTO snapshot(id, host_id, seq, taken_at, hostname) VALUES (1, 1, 1, %d, 'kvm1');"
		"INSERT INTO xml(id, hash, body) VALUES (1, 0, '<domain><name>old</name></domain>');"
		"INSERT INTO domain(id, name, uuid, state, xml_id) VALUES (1, 'old', '" A "', 'running', 1);"
		"INSERT INTO span(host_id, kind, object_id, first_seq, last_seq) VALUES (1, 0, 1, 1, 1);",
		KH_APPLICATION_ID, T0);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);
	sqlite3_close(db);

	st = open_store(f->path, KH_OPEN_EXISTING);
	assert_int_equal(kh_test_count(f->path, "PRAGMA user_version"), KH_SCHEMA_VERSION);
	assert_int_equal(kh_store_load(st, 1, &s, &err), 0);
	assert_int_equal(s->n_domains, 1);
	assert_string_equal(s->domains[0].xml, "<domain><name>old</name></domain>");
	assert_null(s->domains[0].live_xml);
	kh_snapshot_free(s);
	/* And it takes new snapshots with live XML. */
	put(st, 1, (struct dom[]){ { "old", A, LIVE1 } }, 1);
	assert_int_equal(kh_test_count(f->path,
				       "SELECT count(*) FROM domain WHERE live_xml_id IS NOT NULL"),
			 1);
	kh_store_close(st);
}

/* Lives by UUID: a rename, a removal and re-addition, a domain gone at the end. */
static void test_domain_lives(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_domain_life *v;
	struct kh_err err;
	int64_t ids[5];
	size_t n;

	ids[0] = put(st, 1, (struct dom[]){ { "a", A, NULL }, { "b", B, NULL } }, 2);
	ids[1] = put(st, 2, (struct dom[]){ { "a", A, NULL }, { "b", B, NULL } }, 2);
	ids[2] = put(st, 3, (struct dom[]){ { "a2", "2F0C5D3E-1A4B-4C6D-8E9F-0A1B2C3D4E5F", NULL } }, 1);
	ids[3] = put(st, 4, (struct dom[]){ { "a2", A, NULL } }, 1);
	ids[4] = put(st, 5, (struct dom[]){ { "a2", A, NULL }, { "b", B, NULL } }, 2);
	(void)ids[3];
	assert_int_equal(kh_store_domain_lives(st, NULL, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	/* a2: UUIDs compare without case; renamed on day 3 */
	assert_string_equal(v[0].name, "a2");
	assert_int_equal(v[0].first_seen, T0 + DAY);
	assert_int_equal(v[0].first_snapshot, ids[0]);
	assert_int_equal(v[0].last_seen, T0 + 5 * DAY);
	assert_true(v[0].present);
	assert_int_equal(v[0].n_events, 1);
	assert_string_equal(v[0].events[0].event, "renamed");
	assert_int_equal(v[0].events[0].snapshot, ids[2]);
	assert_string_equal(v[0].events[0].old_name, "a");
	assert_string_equal(v[0].events[0].name, "a2");
	/* b: gone on day 3, back on day 5 */
	assert_string_equal(v[1].name, "b");
	assert_int_equal(v[1].n_events, 2);
	assert_string_equal(v[1].events[0].event, "removed");
	assert_int_equal(v[1].events[0].at, T0 + 3 * DAY);
	assert_string_equal(v[1].events[1].event, "re-added");
	assert_int_equal(v[1].events[1].snapshot, ids[4]);
	kh_domain_lives_free(v, n);

	/* Day 6 without b: gone, removed at day 6, last seen day 5. */
	ids[0] = put(st, 6, (struct dom[]){ { "a2", A, NULL } }, 1);
	assert_int_equal(kh_store_domain_lives(st, "kvm1", &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_false(v[1].present);
	assert_int_equal(v[1].last_seen, T0 + 5 * DAY);
	assert_int_equal(v[1].n_events, 3);
	assert_string_equal(v[1].events[2].event, "removed");
	assert_int_equal(v[1].events[2].snapshot, ids[0]);
	kh_domain_lives_free(v, n);
	assert_int_equal(kh_store_domain_lives(st, "other-host", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	kh_domain_lives_free(v, n);
	kh_store_close(st);
}

/* Pending drift in name order, whatever order the domains come in, with each domain's UUID. */
static void test_pending_in_name_order(void **state)
{
	struct kh_snapshot *s = kh_snapshot_new();
	const char *names[] = { "zeta", "alpha" };
	struct kh_changes c = { 0 };
	struct kh_err err;

	(void)state;
	s->host.uri = kh_strdup("qemu:///system");
	for (int i = 0; i < 2; i++) {
		struct kh_domain *d = kh_snapshot_add_domain(s);

		d->name = kh_strdup(names[i]);
		d->uuid = kh_strdup(i ? A : B);
		d->xml = kh_asprintf("<domain><name>%s</name><vcpu>2</vcpu></domain>", names[i]);
		d->live_xml = kh_asprintf("<domain id='%d'><name>%s</name><vcpu>1</vcpu></domain>",
					  i + 1, names[i]);
	}
	assert_int_equal(kh_diff_pending(s, &c, &err), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.items[0].name, "alpha");
	assert_string_equal(c.items[0].uuid, A);
	assert_string_equal(c.items[0].path, "/domain/vcpu");
	assert_string_equal(c.items[1].name, "zeta");
	assert_string_equal(c.items[1].uuid, B);
	kh_changes_free(&c);
	kh_snapshot_free(s);
}

/* The pending drift of a report over [from, to] as the store streams it, as JSON. */
static json_t *report_pending(struct kh_store *st, int64_t from, int64_t to)
{
	const struct kh_snapshot *before, *after, *now;
	struct kh_report *r = kh_report_new(from, to);
	struct kh_scan *sc;
	struct kh_err err;
	json_t *j, *p;
	char *s;
	int rc;

	if (kh_scan_open(st, "qemu+ssh://kvm1/system", from, to, &sc, &err))
		fail_msg("scan: %s", err.msg);
	while ((rc = kh_scan_next(sc, &before, &after, &now, &err)) == 1)
		if (kh_report_add_changes(r, before, after, now, &err))
			fail_msg("report: %s", err.msg);
	assert_int_equal(rc, 0);
	kh_scan_close(sc);
	s = kh_report_json(r);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	p = json_incref(json_object_get(j, "pending"));
	json_decref(j);
	free(s);
	kh_report_free(r);
	return p;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	return json_string_value(v);
}

#define CFG "<domain type='kvm'><name>a</name><memory unit='KiB'>2097152</memory><vcpu>2</vcpu></domain>"
#define RUN_1CPU "<domain type='kvm' id='1'><name>a</name><memory unit='KiB'>2097152</memory><vcpu>1</vcpu></domain>"
#define RUN_1GIB "<domain type='kvm' id='2'><name>a</name><memory unit='KiB'>1048576</memory><vcpu>2</vcpu></domain>"

/* The report reads each running domain's live XML from the store (kh_scan loads it with the
 * last snapshot's domains) and reports the pending drift of the period's last snapshot only:
 * what waited on day 2 and was booted away by day 3 is gone. */
static void test_report_pending_from_store(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct dom d[] = { { "a", A, RUN_1CPU }, { "b", B, NULL } };
	const char *const xml[] = { CFG, NULL };
	json_t *p, *c;

	put_xml(st, 1, d, 2, xml);
	put_xml(st, 2, d, 2, xml);
	d[0].live = RUN_1GIB; /* restarted with 2 vCPUs, then given 1 GiB live */
	put_xml(st, 3, d, 2, xml);

	p = report_pending(st, T0 + DAY, T0 + 2 * DAY);
	assert_int_equal(json_array_size(p), 1);
	c = json_array_get(p, 0);
	assert_string_equal(jstr(c, "host"), "kvm1");
	assert_string_equal(jstr(c, "uri"), "qemu+ssh://kvm1/system");
	assert_string_equal(jstr(c, "name"), "a");
	assert_string_equal(jstr(c, "path"), "/domain/vcpu");
	assert_string_equal(jstr(c, "old"), "1");
	assert_string_equal(jstr(c, "new"), "2");
	assert_string_equal(jstr(c, "taken_at"), "2026-12-02T00:00:00Z");
	json_decref(p);

	p = report_pending(st, T0 + DAY, T0 + 3 * DAY);
	assert_int_equal(json_array_size(p), 1);
	c = json_array_get(p, 0);
	assert_string_equal(jstr(c, "path"), "/domain/memory");
	assert_int_equal(json_integer_value(json_object_get(c, "old")), 1073741824);
	assert_int_equal(json_integer_value(json_object_get(c, "new")), 2147483648);
	assert_string_equal(jstr(c, "taken_at"), "2026-12-03T00:00:00Z");
	json_decref(p);
	kh_store_close(st);
}

/* --- the collector ------------------------------------------------------------------------- */

static void ignore_warning(void *ctx, const char *msg)
{
	(void)ctx;
	fail_msg("unexpected warning: %s", msg);
}

/* A running test-driver domain's live XML is read (it has the domain's id), a shut-off one's
 * is not; neither is the secure form. */
/* The changes between two snapshots as text, from whole loads or from kh_store_load_changes. */
static char *changes(struct kh_store *st, int64_t a, int64_t b, int whole)
{
	struct kh_snapshot *x = NULL, *y = NULL;
	struct kh_changes ch = { 0 };
	struct kh_err err;
	char *text;

	if (whole ? kh_store_load(st, a, &x, &err) || kh_store_load(st, b, &y, &err)
		  : kh_store_load_changes(st, a, b, &x, &y, &err))
		fail_msg("load %lld, %lld: %s", (long long)a, (long long)b, err.msg);
	if (kh_diff_snapshots(x, y, &ch, &err))
		fail_msg("diff: %s", err.msg);
	text = kh_changes_output(&ch, KH_FORMAT_TEXT, 0);
	kh_changes_free(&ch);
	kh_snapshot_free(x);
	kh_snapshot_free(y);
	return text;
}

/* Collects URI `from` (freed here) and stores it as host `uri` at `at`; returns its id. */
static int64_t collect_as(struct kh_store *st, char *from, const char *uri, int64_t at)
{
	struct kh_snapshot *s = NULL;
	struct kh_err err;
	int64_t id;

	if (kh_collect(from, &s, ignore_warning, NULL, NULL, NULL, &err))
		fail_msg("collect %s: %s", from, err.msg);
	free(s->host.uri);
	s->host.uri = kh_strdup(uri);
	s->taken_at = at;
	if (kh_store_put(st, s, &err))
		fail_msg("put: %s", err.msg);
	id = s->id;
	kh_snapshot_free(s);
	free(from);
	return id;
}

/* What log reads, only what differs between two snapshots, diffs as the whole snapshots do:
 * every pair of the estate's nights, the drift nights and a backfilled night (older than
 * those collected before it), either way round and across gaps, and two hosts (whole). */
static void test_changes_diff_as_whole(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	int64_t ids[16];
	size_t n = 0, changed = 0;

	/* night 6 is night 2 again, backfilled a week before night 1 */
	for (int night = 1; night <= 6; night++)
		ids[n++] = collect_as(st, kh_asprintf("test://%s/tests/fixtures/estate/day%d.xml",
						      KH_SRCDIR, night == 6 ? 2 : night),
				      "test:///estate", T0 + (night == 6 ? -7 : night) * DAY);
	for (int night = 1; night <= 5; night++)
		ids[n++] = collect_as(st, kh_asprintf("test://" DRIFT "night%d.xml", night),
				      "test:///drift", T0 + night * DAY);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			char *whole = changes(st, ids[i], ids[j], 1);
			char *part = changes(st, ids[i], ids[j], 0);

			if (strcmp(whole, part) != 0)
				fail_msg("snapshots %lld and %lld:\n--- whole\n%s--- changes\n%s",
					 (long long)ids[i], (long long)ids[j], whole, part);
			changed += *whole != '\0';
			free(whole);
			free(part);
		}
	}
	/* not a comparison of nothing with nothing */
	assert_true(changed > 80);
	kh_store_close(st);
}

/* The changes as text (freed). */
static char *changes_text(struct kh_changes *ch)
{
	char *t = kh_changes_output(ch, KH_FORMAT_TEXT, 0);

	kh_changes_free(ch);
	return t;
}

/* What log reads of a host's last snapshot: its changes from the whole one before it (a ==
 * 0: none) and its pending drift, from whole loads. */
static char *whole_last(struct kh_store *st, int64_t a, int64_t b)
{
	struct kh_snapshot *x = NULL, *y = NULL;
	struct kh_changes ch = { 0 };
	struct kh_err err;

	if ((a && kh_store_load(st, a, &x, &err)) || kh_store_load(st, b, &y, &err) ||
	    (x && kh_diff_snapshots(x, y, &ch, &err)) || kh_diff_pending(y, &ch, &err))
		fail_msg("snapshots %lld, %lld: %s", (long long)a, (long long)b, err.msg);
	kh_snapshot_free(x);
	kh_snapshot_free(y);
	return changes_text(&ch);
}

/* What kh_pairs gives for `log` over [from, to] (of `host` when given) is, pair for pair,
 * what kh_store_load_changes gives for each snapshot of kh_store_list's and the one before
 * it of its URI, and whole loads for each host's last; returns how many pairs had changes. */
static size_t pairs_as_changes(struct kh_store *st, const char *host, int64_t from, int64_t to)
{
	const struct kh_snapshot *x, *y;
	const struct kh_snapshot_info *v;
	struct kh_snapshot_info *w;
	struct kh_pairs *p;
	struct kh_err err;
	size_t n, k = 0, changed = 0;
	char **got;
	int64_t *got_prev;
	int *got_last, rc, last;

	if (kh_store_list(st, host, from, to, &w, &n, &err))
		fail_msg("list: %s", err.msg);
	got = kh_calloc(n + 1, sizeof *got);
	got_prev = kh_calloc(n + 1, sizeof *got_prev);
	got_last = kh_calloc(n + 1, sizeof *got_last);
	if (kh_pairs_open(st, host, from, to, &p, &err))
		fail_msg("pairs: %s", err.msg);
	v = kh_pairs_list(p, &k);
	assert_int_equal(k, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(w[i].id, v[i].id);
		assert_int_equal(w[i].taken_at, v[i].taken_at);
		assert_string_equal(w[i].uri, v[i].uri);
	}
	k = 0;
	while ((rc = kh_pairs_next(p, &x, &y, &last, &err)) == 1) {
		struct kh_changes ch = { 0 };

		assert_true(k < n);
		assert_int_equal(y->id, w[k].id);
		got_prev[k] = x ? x->id : 0;
		got_last[k] = last;
		if ((x && kh_diff_snapshots(x, y, &ch, &err)) ||
		    (last && kh_diff_pending(y, &ch, &err)))
			fail_msg("diff: %s", err.msg);
		changed += ch.n > 0;
		got[k++] = changes_text(&ch);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(k, n);
	kh_pairs_close(p); /* its read transaction: the loads below take their own */
	for (size_t i = 0; i < n; i++) {
		struct kh_changes none = { 0 };
		int64_t prev;
		char *want;
		size_t j;

		for (j = i + 1; j < n && strcmp(w[j].uri, w[i].uri) != 0; j++)
			;
		assert_int_equal(got_last[i], j == n);
		if (kh_store_previous(st, w[i].id, &prev, &err))
			fail_msg("previous: %s", err.msg);
		assert_int_equal(got_prev[i], prev);
		want = j == n ? whole_last(st, prev, w[i].id)
		       : prev ? changes(st, prev, w[i].id, 0)
			      : changes_text(&none);
		if (strcmp(want, got[i]) != 0)
			fail_msg("snapshot %lld after %lld:\n--- load_changes\n%s--- pairs\n%s",
				 (long long)w[i].id, (long long)prev, want, got[i]);
		free(want);
		free(got[i]);
	}
	kh_snapshot_infos_free(w, n);
	free(got);
	free(got_prev);
	free(got_last);
	return changed;
}

/* log's stream: two hosts' nights interleaved, a night backfilled before those stored
 * earlier, a snapshot forgotten (a gap in the sequence), over the whole history, periods
 * starting and ending inside it, and one host. */
static void test_pairs_as_changes(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_prune_result r = { 0 };
	struct kh_err err;
	int64_t forget = 0;

	for (int night = 1; night <= 5; night++) {
		int64_t id = collect_as(st, kh_asprintf("test://%s/tests/fixtures/estate/day%d.xml",
							KH_SRCDIR, night),
					"test:///estate", T0 + night * DAY);

		collect_as(st, kh_asprintf("test://" DRIFT "night%d.xml", night), "test:///drift",
			   T0 + night * DAY + 60);
		if (night == 4)
			forget = id;
	}
	/* night 2 again, a week before night 1; night 3 again between nights 3 and 4 */
	collect_as(st, kh_asprintf("test://%s/tests/fixtures/estate/day2.xml", KH_SRCDIR),
		   "test:///estate", T0 - 7 * DAY);
	collect_as(st, kh_asprintf("test://%s/tests/fixtures/estate/day5.xml", KH_SRCDIR),
		   "test:///estate", T0 + 3 * DAY + 3600);
	assert_int_equal(kh_store_forget(st, forget, &r, &err), 0);
	kh_prune_result_clear(&r);

	/* of 11 snapshots, the hosts' first have nothing to compare with and one night is quiet */
	assert_int_equal(pairs_as_changes(st, NULL, INT64_MIN, INT64_MAX), 8);
	assert_int_equal(pairs_as_changes(st, NULL, T0 + 2 * DAY, T0 + 4 * DAY), 5);
	assert_int_equal(pairs_as_changes(st, "test:///estate", T0 + DAY, INT64_MAX), 4);
	assert_int_equal(pairs_as_changes(st, "test:///drift", INT64_MIN, T0 + 3 * DAY), 1);
	assert_int_equal(pairs_as_changes(st, NULL, T0 + 9 * DAY, INT64_MAX), 0);
	kh_store_close(st);
}

static void test_collector_live_xml(void **state)
{
	struct kh_snapshot *s;
	struct kh_err err;

	(void)state;
	if (kh_collect("test://" DRIFT "night1.xml", &s, ignore_warning, NULL, NULL, NULL, &err))
		fail_msg("collect: %s", err.msg);
	assert_int_equal(s->n_domains, 3);
	assert_string_equal(s->domains[0].name, "cache");
	assert_null(s->domains[0].live_xml);
	assert_string_equal(s->domains[2].name, "web");
	assert_non_null(s->domains[2].live_xml);
	assert_non_null(strstr(s->domains[2].live_xml, "<domain type='test' id='1'>"));
	assert_null(strstr(s->domains[2].xml, " id='1'"));
	kh_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending_real_qemu),
		cmocka_unit_test(test_pending_hotplug_and_live_state),
		cmocka_unit_test(test_pending_host_model),
		cmocka_unit_test(test_show_pending),
		cmocka_unit_test_setup_teardown(test_live_xml_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_lives, setup, teardown),
		cmocka_unit_test(test_pending_in_name_order),
		cmocka_unit_test_setup_teardown(test_report_pending_from_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes_diff_as_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pairs_as_changes, setup, teardown),
		cmocka_unit_test(test_collector_live_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
