/* XML bodies stored compressed (store/body.c): a dictionary trained on the first snapshot,
 * deltas against the previous version with a bounded chain, a second dictionary, prune
 * keeping the bases a kept body is read against, the migration of plain bodies, and damage
 * named by check, on real SQLite files. */
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

#include "store/internal.h"
#include "store/schema.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

#define T0 1795996800 /* 2026-11-30T00:00:00Z */
#define DAY 86400
#define N 200         /* domains: enough XML for a dictionary (TRAIN_MIN_BYTES) */

static int setup(void **state)
{
	*state = kh_test_dir_new("body", "h.db");
	return 0;
}

static int teardown(void **state)
{
	kh_test_dir_free(*state);
	return 0;
}

/* Domain i's XML as of `mem` MiB; `gen` makes other domains (new UUIDs and names). */
static char *dom_xml(int gen, int i, int mem, int live)
{
	return kh_asprintf(
		"<domain type='kvm'%s>\n  <name>g%dvm%04d</name>\n"
		"  <uuid>%08x-1a4b-4c6d-8e9f-%012x</uuid>\n"
		"  <memory unit='KiB'>%d</memory>\n  <vcpu placement='static'>2</vcpu>\n"
		"  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
		"    <boot dev='hd'/>\n  </os>\n  <devices>\n"
		"    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2'/>\n"
		"      <source file='/var/lib/libvirt/images/g%dvm%04d.qcow2'/>\n"
		"      <target dev='vda' bus='virtio'/>\n    </disk>\n"
		"    <interface type='network'>\n      <mac address='52:54:00:%02x:%02x:%02x'/>\n"
		"      <source network='default'/>\n      <model type='virtio'/>\n"
		"    </interface>\n  </devices>\n</domain>\n",
		live ? " id='7'" : "", gen, i, (unsigned)(gen * 7919 + i * 104729),
		(unsigned)(i * 2654435761u % 0xffffffffu), mem * 1024, gen, i, gen & 0xff,
		(i >> 8) & 0xff, i & 0xff);
}

static char *dom_uuid(int gen, int i)
{
	return kh_asprintf("%08x-1a4b-4c6d-8e9f-%012x", (unsigned)(gen * 7919 + i * 104729),
			   (unsigned)(i * 2654435761u % 0xffffffffu));
}

/* n domains of generation gen at day `day`; domain i has mem[i] MiB (running: live XML). */
static int64_t put(struct kh_store *st, int day, int gen, int n, const int *mem)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_err err;
	int64_t id;

	s->taken_at = T0 + day * DAY;
	s->host.uri = kh_strdup("qemu+ssh://kvm1/system");
	s->host.hostname = kh_strdup("kvm1");
	for (int i = 0; i < n; i++) {
		struct kh_domain *d = kh_snapshot_add_domain(s);

		d->name = kh_asprintf("g%dvm%04d", gen, i);
		d->uuid = dom_uuid(gen, i);
		d->state = kh_strdup(i % 2 ? "running" : "shut off");
		d->xml = dom_xml(gen, i, mem[i], 0);
		d->live_xml = i % 2 ? dom_xml(gen, i, mem[i], 1) : NULL;
	}
	if (kh_store_put(st, s, &err))
		fail_msg("put: %s", err.msg);
	id = s->id;
	kh_snapshot_free(s);
	return id;
}

static struct kh_store *open_store(const char *path, enum kh_open_mode mode)
{
	struct kh_store *st = NULL;
	struct kh_err err;

	if (kh_store_open(path, mode, &st, &err))
		fail_msg("open: %s", err.msg);
	return st;
}

/* Snapshot id holds the n domains of gen with mem[], their XML exactly as put. */
static void reads_back(struct kh_store *st, int64_t id, int gen, int n, const int *mem)
{
	struct kh_snapshot *s;
	struct kh_err err;

	if (kh_store_load(st, id, &s, &err))
		fail_msg("load %lld: %s", (long long)id, err.msg);
	assert_int_equal(s->n_domains, n);
	for (int i = 0; i < n; i++) {
		char *want = dom_xml(gen, i, mem[i], 0), *live = dom_xml(gen, i, mem[i], 1);
		const struct kh_domain *d = NULL;
		char name[32];

		snprintf(name, sizeof name, "g%dvm%04d", gen, i);
		for (size_t j = 0; j < s->n_domains; j++)
			if (strcmp(s->domains[j].name, name) == 0)
				d = &s->domains[j];
		assert_non_null(d);
		assert_string_equal(d->xml, want);
		if (i % 2)
			assert_string_equal(d->live_xml, live);
		else
			assert_null(d->live_xml);
		free(want);
		free(live);
	}
	kh_snapshot_free(s);
}

static void check_clean(struct kh_store *st)
{
	char **problems;
	size_t n;

	kh_store_check(st, &problems, &n);
	for (size_t i = 0; i < n; i++)
		print_message("problem: %s\n", problems[i]);
	assert_int_equal(n, 0);
	kh_problems_free(problems, n);
}

/* The longest chain of deltas stored (read with SQLite itself). */
static int chain_depth(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int longest;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "WITH RECURSIVE c(id, base, depth) AS"
					    " (SELECT id, base_id, 0 FROM xml UNION ALL SELECT c.id,"
					    " x.base_id, depth + 1 FROM c JOIN xml x ON x.id = c.base)"
					    " SELECT max(depth) FROM c", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	longest = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return longest;
}

static void exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* The first snapshot teaches a dictionary before any body is stored, so none is plain; a
 * changed domain is a delta against its first version (the keyframe of its previous one),
 * its live XML against its persistent one; one domain changing every night stays one frame
 * from its keyframe; every night reads back exactly. */
static void test_dictionary_and_deltas(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	int mem[N];
	int64_t ids[40];

	for (int i = 0; i < N; i++)
		mem[i] = 1024 + i;
	ids[0] = put(st, 0, 0, N, mem);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml_dict"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml WHERE typeof(body) = 'text'"), 0);
	/* live XML: a delta against the persistent XML of the same version, or a frame of the
	 * dictionary where that is smaller still */
	assert_true(kh_test_count(f->path, "SELECT count(*) FROM xml x JOIN domain d"
				  " ON d.live_xml_id = x.id AND x.base_id = d.xml_id") > N / 4);
	assert_true(kh_test_count(f->path, "SELECT max(length(x.body)) FROM xml x JOIN domain d"
				  " ON d.live_xml_id = x.id") < 32);
	/* a dictionary makes each document small: under a fifth of its text */
	assert_true(kh_test_count(f->path, "SELECT sum(length(body)) FROM xml WHERE base_id IS NULL") * 5 <
		    kh_test_count(f->path, "SELECT count(*) FROM xml WHERE base_id IS NULL") * 700);
	for (int n = 1; n < 40; n++) {
		mem[0] += 256;          /* domain 0 changes every night */
		mem[n % N] += 1;        /* and another one */
		ids[n] = put(st, n, 0, N, mem);
	}
	/* changed versions are deltas of some 30 bytes */
	assert_true(kh_test_count(f->path, "SELECT max(length(body)) FROM xml x JOIN domain d"
				  " ON d.xml_id = x.id WHERE x.base_id IS NOT NULL") < 64);
	kh_store_close(st);
	/* every delta is made against its object's keyframe: one frame away */
	assert_int_equal(chain_depth(f->path), 1);
	st = open_store(f->path, KH_OPEN_EXISTING);
	{
		/* each night as it was: replay the changes */
		int m[N];

		for (int i = 0; i < N; i++)
			m[i] = 1024 + i;
		reads_back(st, ids[0], 0, N, m);
		for (int n = 1; n < 40; n++) {
			m[0] += 256;
			m[n % N] += 1;
			if (n % 7 == 0 || n == 39)
				reads_back(st, ids[n], 0, N, m);
		}
	}
	check_clean(st);
	kh_store_close(st);
}

/* A damaged body is an error naming it, never wrong text; check names the object. */
static void test_damaged_body(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;
	int mem[N];
	int64_t id, victim;
	char **problems, *sql;
	size_t n;

	for (int i = 0; i < N; i++)
		mem[i] = 512;
	put(st, 0, 0, N, mem);
	mem[4] = 768;
	id = put(st, 1, 0, N, mem);
	kh_store_close(st);
	/* domain 4's new XML: a delta; flip a byte in the middle of its frame */
	victim = kh_test_count(f->path, "SELECT x.id FROM xml x JOIN domain d ON d.xml_id = x.id"
			       " WHERE d.name = 'g0vm0004' AND x.base_id IS NOT NULL");
	assert_true(victim > 0);
	sql = kh_asprintf("UPDATE xml SET body = CAST(substr(body, 1, length(body) / 2)"
			  " || X'5A' || substr(body, length(body) / 2 + 2) AS BLOB) WHERE id = %lld;",
			  (long long)victim);
	exec(f->path, sql);
	free(sql);
	st = open_store(f->path, KH_OPEN_EXISTING);
	assert_int_equal(kh_store_load(st, id, &s, &err), -1);
	sql = kh_asprintf("XML %lld", (long long)victim);
	assert_non_null(strstr(err.msg, sql));
	free(sql);
	kh_store_check(st, &problems, &n);
	assert_int_equal(n, 1);
	sql = kh_asprintf("domain row %lld (g0vm0004): XML %lld: ",
			  (long long)kh_test_count(f->path, "SELECT id FROM domain WHERE name ="
						   " 'g0vm0004' ORDER BY id DESC LIMIT 1"),
			  (long long)victim);
	assert_non_null(strstr(problems[0], sql));
	free(sql);
	kh_problems_free(problems, n);
	/* a body whose text is not its hash's (a plain one edited) */
	kh_store_close(st);
	exec(f->path, "UPDATE xml SET body = '<domain/>', dict_id = NULL, base_id = NULL"
		      " WHERE id = (SELECT xml_id FROM domain WHERE name = 'g0vm0008' LIMIT 1)");
	st = open_store(f->path, KH_OPEN_EXISTING);
	kh_store_check(st, &problems, &n);
	assert_int_equal(n, 2); /* in the order of the XML: g0vm0008's is older */
	assert_non_null(strstr(problems[0], "(g0vm0008): XML"));
	assert_non_null(strstr(problems[0], "does not match its hash"));
	assert_non_null(strstr(problems[1], "(g0vm0004): XML"));
	kh_problems_free(problems, n);
	kh_store_close(st);
}

/* An estate that became another (many more new objects than the dictionary learnt from)
 * gets a second dictionary; bodies of both read back. */
static void test_second_dictionary(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	int mem[8 * N];
	int64_t first, last = 0;
	int g;

	for (int i = 0; i < 8 * N; i++)
		mem[i] = 2048;
	first = put(st, 0, 0, N, mem);
	/* a new generation of domains every night: new names, UUIDs, disks */
	for (g = 1; g <= 8 && kh_test_count(f->path, "SELECT count(*) FROM xml_dict") < 2; g++)
		put(st, g, g, 8 * N, mem);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml_dict"), 2);
	last = put(st, g, g, 8 * N, mem);
	assert_int_equal(kh_test_count(f->path, "SELECT count(DISTINCT dict_id) FROM xml"), 2);
	kh_store_close(st);
	st = open_store(f->path, KH_OPEN_EXISTING);
	reads_back(st, first, 0, N, mem);
	reads_back(st, last, g, 8 * N, mem);
	check_clean(st);
	kh_store_close(st);
}

/* Prune keeps the bodies that kept ones are deltas of. */
static void test_prune_keeps_bases(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_retention keep = { .daily = 1 };
	struct kh_prune_result r;
	struct kh_err err;
	int mem[N];
	int64_t last = 0;

	for (int i = 0; i < N; i++)
		mem[i] = 1024;
	for (int n = 0; n < 6; n++) {
		mem[3] += 64;
		last = put(st, n, 0, N, mem);
	}
	assert_int_equal(kh_store_prune(st, &keep, 0, &r, &err), 0);
	assert_int_equal(r.n_removed, 5);
	/* domain 3's first persistent XML: the keyframe its latest is read against */
	assert_int_equal(chain_depth(f->path), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml WHERE id IN (SELECT base_id"
				       " FROM xml) AND id NOT IN (SELECT xml_id FROM domain)"), 1);
	assert_true(r.xml > 0); /* the versions between: nothing is read against them */
	kh_prune_result_clear(&r);
	reads_back(st, last, 0, N, mem);
	check_clean(st);
	kh_store_close(st);
}

/* A schema 6 database of plain bodies: its migration trains a dictionary and compresses
 * them in place, in the same transaction; everything reads back as it was. */
static void test_migration_compresses(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_buf sql = { 0 };
	struct kh_store *st;
	int64_t before, after;
	int mem[2 * N];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (int v = 1; v <= 6; v++)
		assert_int_equal(sqlite3_exec(db, kh_schema_migration(v), NULL, NULL, NULL), SQLITE_OK);
	kh_buf_printf(&sql, "PRAGMA application_id = %d; PRAGMA user_version = 6;"
		      "INSERT INTO host(id, uri) VALUES (1, 'qemu:///system');"
		      "INSERT INTO snapshot(id, host_id, seq, taken_at, hostname)"
		      " VALUES (1, 1, 1, %d, 'kvm1');", KH_APPLICATION_ID, T0);
	for (int i = 0; i < 2 * N; i++) {
		char *x = dom_xml(0, i, 1000 + i, 0), *u = dom_uuid(0, i), *q;

		mem[i] = 1000 + i;
		q = sqlite3_mprintf("INSERT INTO xml(id, hash, body) VALUES (%d, %lld, %Q);"
				    "INSERT INTO domain(id, name, uuid, state, xml_id)"
				    " VALUES (%d, 'g0vm%04d', %Q, 'shut off', %d);"
				    "INSERT INTO span(host_id, kind, object_id, first_seq, last_seq)"
				    " VALUES (1, 0, %d, 1, 9223372036854775807);",
				    i + 1, (long long)(kh_fnv1a(KH_FNV1A_BASIS, x, strlen(x)) >> 1), x,
				    i + 1, i, u, i + 1, i + 1);
		kh_buf_puts(&sql, q);
		sqlite3_free(q);
		free(x);
		free(u);
	}
	assert_int_equal(sqlite3_exec(db, sql.data, NULL, NULL, NULL), SQLITE_OK);
	kh_buf_free(&sql);
	sqlite3_close(db);
	before = kh_test_count(f->path, "SELECT sum(length(body)) FROM xml");

	st = open_store(f->path, KH_OPEN_EXISTING);
	assert_int_equal(kh_test_count(f->path, "PRAGMA user_version"), KH_SCHEMA_VERSION);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml_dict"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml WHERE typeof(body) = 'text'"), 0);
	after = kh_test_count(f->path, "SELECT sum(length(body)) FROM xml");
	assert_true(after * 4 < before);
	/* the domains' state and such: the v6 rows as they were */
	{
		struct kh_snapshot *s;
		struct kh_err err;

		assert_int_equal(kh_store_load(st, 1, &s, &err), 0);
		assert_int_equal(s->n_domains, 2 * N);
		for (size_t i = 0; i < s->n_domains; i++) {
			int k = atoi(s->domains[i].name + 4);
			char *want = dom_xml(0, k, mem[k], 0);

			assert_string_equal(s->domains[i].xml, want);
			free(want);
		}
		kh_snapshot_free(s);
	}
	check_clean(st);
	kh_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dictionary_and_deltas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_dictionary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_keeps_bases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_compresses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
