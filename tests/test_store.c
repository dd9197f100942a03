/* The SQLite store against real SQLite files in a temporary directory. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "report/show.h"
#include "store/model.h"
#include "store/schema.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define DAY 86400
#define T0 1795132800 /* 2026-11-20T00:00:00Z */

static const char hostile[] = "evil|*x*<b>'\"%\n\xc3\xa9<script>alert(1)</script>";

static int setup(void **state)
{
	*state = kh_test_dir_new("store", "sub/dir/h.db");
	return 0;
}

static int teardown(void **state)
{
	kh_test_dir_free(*state);
	return 0;
}

/* A small snapshot of host `uri` where one volume has `alloc` bytes allocated. */
static struct kh_snapshot *make_snapshot(const char *uri, int64_t taken_at, int64_t alloc)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d;
	struct kh_disk *k;
	struct kh_iface *i;
	struct kh_pool *p;
	struct kh_volume *v;
	struct kh_network *n;

	s->taken_at = taken_at;
	s->host.uri = kh_strdup(uri);
	s->host.hostname = kh_strdup("vm1.example.org");
	s->host.hv_type = kh_strdup("QEMU");
	s->host.libvirt_version = 9000000;
	s->host.hv_version = 7002000;
	d = kh_snapshot_add_domain(s);
	d->name = kh_strdup(hostile);
	d->uuid = kh_strdup("e8a1e7d4-4b7a-4d4b-9a5c-1f2d3c4b5a69");
	d->state = kh_strdup("running");
	d->vcpus = 2;
	d->memory_kib = 2097152;
	d->max_memory_kib = 4194304;
	d->autostart = 1;
	d->persistent = 1;
	d->os_type = kh_strdup("hvm");
	d->xml = kh_strdup("<domain type='kvm'><name>x</name></domain>");
	k = kh_domain_add_disk(d);
	k->target = kh_strdup("vda");
	k->device = kh_strdup("disk");
	k->type = kh_strdup("file");
	k->source = kh_strdup("/var/lib/libvirt/images/aries.qcow2");
	k->pool = kh_strdup("default");
	k->volume = kh_strdup("aries.qcow2");
	k->capacity = 20LL << 30;
	k->allocation = alloc;
	i = kh_domain_add_iface(d);
	i->mac = kh_strdup("52:54:00:76:db:ef");
	i->type = kh_strdup("network");
	i->source = kh_strdup("default");
	i->model = kh_strdup("virtio");
	d = kh_snapshot_add_domain(s);
	d->name = kh_strdup("half-read");
	d->error = kh_strdup("cannot acquire state change lock");
	p = kh_snapshot_add_pool(s);
	p->name = kh_strdup("default");
	p->uuid = kh_strdup("35bb2ad9-388a-cdfe-461a-b8907f6e53fe");
	p->type = kh_strdup("dir");
	p->state = kh_strdup("running");
	p->autostart = 0;
	p->persistent = 1;
	p->capacity = 100LL << 30;
	p->allocation = alloc;
	p->available = (100LL << 30) - alloc;
	p->path = kh_strdup("/var/lib/libvirt/images");
	p->xml = kh_strdup("<pool type='dir'><name>default</name></pool>");
	v = kh_snapshot_add_volume(s);
	v->pool = kh_strdup("default");
	v->name = kh_strdup("aries.qcow2");
	v->key = kh_strdup("/var/lib/libvirt/images/aries.qcow2");
	v->path = kh_strdup("/var/lib/libvirt/images/aries.qcow2");
	v->format = kh_strdup("qcow2");
	v->type = kh_strdup("file");
	v->capacity = 20LL << 30;
	v->allocation = alloc;
	/* as libvirt writes it: the measured numbers are in the XML too */
	v->xml = kh_asprintf("<volume><name>aries.qcow2</name>"
			     "<capacity unit='bytes'>%lld</capacity>"
			     "<allocation unit='bytes'>%lld</allocation></volume>",
			     (long long)v->capacity, (long long)alloc);
	n = kh_snapshot_add_network(s);
	n->name = kh_strdup("default");
	n->uuid = kh_strdup("004b2221-2d78-c30f-5aa5-f03c87d21e69");
	n->active = 1;
	n->autostart = 1;
	n->persistent = 1;
	n->bridge = kh_strdup("virbr0");
	n->forward = kh_strdup("nat");
	n->ips = kh_strdup("192.168.122.1/24");
	n->dhcp_ranges = kh_strdup("192.168.122.2-192.168.122.254");
	n->xml = kh_strdup("<network><name>default</name></network>");
	return s;
}

static struct kh_store *open_store(const char *path, enum kh_open_mode mode)
{
	struct kh_store *st = NULL;
	struct kh_err err;

	if (kh_store_open(path, mode, &st, &err) != 0)
		fail_msg("open: %s", err.msg);
	return st;
}

static int64_t put(struct kh_store *st, const char *uri, int64_t t, int64_t alloc)
{
	struct kh_snapshot *s = make_snapshot(uri, t, alloc);
	struct kh_err err;
	int64_t id;

	if (kh_store_put(st, s, &err) != 0)
		fail_msg("put: %s", err.msg);
	id = s->id;
	kh_snapshot_free(s);
	return id;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_missing_database_is_not_created(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = NULL;
	struct kh_err err;
	struct stat sb;

	assert_int_equal(kh_store_open(f->path, KH_OPEN_EXISTING, &st, &err), -1);
	assert_null(st);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_non_null(strstr(err.msg, f->path));
	assert_int_equal(stat(f->path, &sb), -1);
}

static void test_create_is_private_and_versioned(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	char *dir = kh_strdup(f->path);
	struct stat sb;

	kh_store_close(st);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	free(dir);
	assert_int_equal(kh_test_count(f->path, "PRAGMA user_version"), KH_SCHEMA_VERSION);
	assert_int_equal(kh_test_count(f->path, "PRAGMA application_id"), KH_APPLICATION_ID);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM snapshot"), 0);
}

static void test_round_trip(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;
	int64_t id = put(st, "qemu+ssh://vm1/system", T0 + 3 * 3600, 11LL << 30);

	assert_int_equal(id, 1);
	assert_int_equal(kh_store_load(st, id, &s, &err), 0);
	assert_int_equal(s->taken_at, T0 + 3 * 3600);
	assert_string_equal(s->host.uri, "qemu+ssh://vm1/system");
	assert_string_equal(s->host.hostname, "vm1.example.org");
	assert_null(s->host.host_uuid);
	assert_int_equal(s->host.libvirt_version, 9000000);
	assert_int_equal(s->n_domains, 2);
	assert_string_equal(s->domains[0].name, hostile);
	assert_int_equal(s->domains[0].vcpus, 2);
	assert_int_equal(s->domains[0].memory_kib, 2097152);
	assert_int_equal(s->domains[0].max_memory_kib, 4194304);
	assert_int_equal(s->domains[0].autostart, 1);
	assert_string_equal(s->domains[0].xml, "<domain type='kvm'><name>x</name></domain>");
	assert_int_equal(s->domains[0].n_disks, 1);
	assert_string_equal(s->domains[0].disks[0].volume, "aries.qcow2");
	assert_int_equal(s->domains[0].disks[0].allocation, 11LL << 30);
	assert_int_equal(s->domains[0].disks[0].physical, KH_UNKNOWN);
	assert_int_equal(s->domains[0].n_ifaces, 1);
	assert_string_equal(s->domains[0].ifaces[0].mac, "52:54:00:76:db:ef");
	/* the half-read domain keeps what could be read, and why the rest could not */
	assert_string_equal(s->domains[1].name, "half-read");
	assert_null(s->domains[1].uuid);
	assert_int_equal(s->domains[1].vcpus, KH_UNKNOWN);
	assert_int_equal(s->domains[1].autostart, KH_UNKNOWN);
	assert_string_equal(s->domains[1].error, "cannot acquire state change lock");
	assert_int_equal(s->domains[1].n_disks, 0);
	assert_int_equal(s->n_pools, 1);
	assert_int_equal(s->pools[0].available, (100LL << 30) - (11LL << 30));
	assert_int_equal(s->pools[0].autostart, 0);
	assert_int_equal(s->n_volumes, 1);
	assert_string_equal(s->volumes[0].format, "qcow2");
	assert_int_equal(s->volumes[0].capacity, 20LL << 30);
	assert_int_equal(s->n_networks, 1);
	assert_string_equal(s->networks[0].ips, "192.168.122.1/24");
	assert_string_equal(s->networks[0].dhcp_ranges, "192.168.122.2-192.168.122.254");
	kh_snapshot_free(s);

	assert_int_equal(kh_store_load(st, 42, &s, &err), -1);
	assert_null(s);
	assert_string_equal(err.msg, "no snapshot 42");
	kh_store_close(st);
}

/* An unchanged night stores no new object rows; a change stores only what changed. */
static void test_unchanged_objects_are_stored_once(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;

	for (int day = 0; day < 5; day++)
		assert_int_equal(put(st, "test:///a", T0 + day * DAY, 1LL << 30), day + 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml"), 4);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM disk"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM volume"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span"), 5);
	/* still in the latest snapshot: open spans, written once */
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span WHERE first_seq = 1 AND "
					"last_seq = 9223372036854775807"), 5);

	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM size"), 2);

	/* night 6: the volume grew and the pool's fill moved: no new version of either (nor of
	 * the domain using it), no new XML, one size row each */
	assert_int_equal(put(st, "test:///a", T0 + 5 * DAY, 2LL << 30), 6);
	kh_store_close(st);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM volume"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM pool"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM network"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span"), 5);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml"), 4);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM size WHERE seq = 6"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml WHERE body ="
					" '<volume><name>aries.qcow2</name><capacity unit=''bytes''>"
					"</capacity><allocation unit=''bytes''></allocation></volume>'"),
			 1);

	st = open_store(f->path, KH_OPEN_EXISTING);
	assert_int_equal(kh_store_load(st, 3, &s, &err), 0);
	assert_int_equal(s->volumes[0].allocation, 1LL << 30);
	assert_int_equal(s->pools[0].allocation, 1LL << 30);
	assert_int_equal(s->pools[0].available, 99LL << 30);
	/* the XML comes back as collected, numbers of that night included */
	assert_string_equal(s->volumes[0].xml, "<volume><name>aries.qcow2</name>"
			    "<capacity unit='bytes'>21474836480</capacity>"
			    "<allocation unit='bytes'>1073741824</allocation></volume>");
	/* a resolved disk shows its volume's sizes, as they were that night */
	assert_int_equal(s->domains[0].disks[0].allocation, 1LL << 30);
	kh_snapshot_free(s);
	assert_int_equal(kh_store_load(st, 6, &s, &err), 0);
	assert_int_equal(s->n_domains, 2);
	assert_int_equal(s->volumes[0].allocation, 2LL << 30);
	assert_non_null(strstr(s->volumes[0].xml, "<allocation unit='bytes'>2147483648<"));
	assert_int_equal(s->pools[0].available, 98LL << 30);
	assert_int_equal(s->domains[0].disks[0].allocation, 2LL << 30);
	kh_snapshot_free(s);
	kh_store_close(st);
}

/* A snapshot of "test:///a" whose first domain has `memory_kib` (a new version when it
 * changes), put with a read-ahead taken earlier. */
static void put_ahead(struct kh_store *st, struct kh_store_ahead *ahead, int64_t t,
		      int64_t memory_kib)
{
	struct kh_snapshot *s = make_snapshot("test:///a", t, 1LL << 30);
	struct kh_err err;

	s->domains[0].memory_kib = memory_kib;
	if (kh_store_put_ahead(st, s, ahead, &err) != 0)
		fail_msg("put: %s", err.msg);
	kh_snapshot_free(s);
}

static struct kh_store_ahead *read_ahead(struct kh_store *st)
{
	struct kh_store_ahead *a = NULL;
	struct kh_err err;

	if (kh_store_read_ahead(st, "test:///a", &a, &err) != 0)
		fail_msg("read ahead: %s", err.msg);
	assert_non_null(a);
	return a;
}

/* A put with a read-ahead stores what a put without one stores, also when the read-ahead has
 * gone stale: by a commit of this connection (the same host collected twice) or of another
 * (a concurrent collect). A stale one taken as current would compare against the wrong
 * versions: the domain changed back and forth would not get its third version. */
static void test_read_ahead(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE), *other;
	struct kh_store_ahead *a, *b;

	/* a host not seen yet: nothing to compare against */
	a = read_ahead(st);
	put_ahead(st, a, T0, 2097152);
	/* current: used */
	put_ahead(st, read_ahead(st), T0 + DAY, 2097152);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span WHERE first_seq = 1 AND"
					" last_seq = 9223372036854775807"), 5);

	/* stale by this connection's own commit: the domain changed in between */
	a = read_ahead(st);
	put_ahead(st, NULL, T0 + 2 * DAY, 1048576);
	put_ahead(st, a, T0 + 3 * DAY, 2097152);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 4);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain WHERE memory_kib ="
					" 2097152"), 2);

	/* stale by another connection's commit */
	b = read_ahead(st);
	other = open_store(f->path, KH_OPEN_CREATE);
	put_ahead(other, NULL, T0 + 4 * DAY, 1048576);
	kh_store_close(other);
	put_ahead(st, b, T0 + 5 * DAY, 2097152);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 6);
	/* each version's span is exactly the nights it was seen */
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span sp JOIN domain d"
					" ON sp.kind = 0 AND d.id = sp.object_id WHERE d.uuid IS NOT NULL"
					" AND sp.first_seq = sp.last_seq"), 3);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span sp JOIN domain d"
					" ON sp.kind = 0 AND d.id = sp.object_id WHERE d.uuid IS NOT NULL"
					" AND sp.first_seq = 1 AND sp.last_seq = 2"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span sp JOIN domain d"
					" ON sp.kind = 0 AND d.id = sp.object_id WHERE d.uuid IS NOT NULL"
					" AND sp.first_seq = 6 AND sp.last_seq = 9223372036854775807"), 1);
	kh_store_close(st);
}

/* Digits are cut only where they are exactly the column's value, so the XML read back is
 * always the XML written. */
static void test_measured_xml_is_lossless(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s = make_snapshot("test:///a", T0, 1LL << 30), *back;
	const char *odd = "<volume><name>aries.qcow2</name>"
			  "<capacity unit='bytes'>5</capacity>"           /* not the column's */
			  "<allocation unit='bytes'>1073741824</allocation>"
			  "<physical unit='bytes'></physical></volume>";  /* empty already */
	struct kh_err err;

	free(s->volumes[0].xml);
	s->volumes[0].xml = kh_strdup(odd);
	assert_int_equal(kh_store_put(st, s, &err), 0);
	assert_int_equal(kh_store_load(st, s->id, &back, &err), 0);
	assert_string_equal(back->volumes[0].xml, odd);
	kh_snapshot_free(back);
	kh_snapshot_free(s);
	kh_store_close(st);
}

/* A schema-1 database, sizes in the version rows, reads the same after migration 2. */
static void test_migration_moves_sizes(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;
	sqlite3 *db;

	kh_store_close(st);
	unlink(f->path);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, kh_schema_migration(1), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"PRAGMA application_id = 1802923368; PRAGMA user_version = 1;"
		"INSERT INTO host VALUES (1, 'test:///a');"
		"INSERT INTO snapshot(id, host_id, seq, taken_at) VALUES (1, 1, 1, 1795132800),"
		" (2, 1, 2, 1795219200);"
		"INSERT INTO pool(id, name, capacity, allocation, available) VALUES"
		" (7, 'default', 100, 30, 70), (8, 'default', 100, 40, 60);"
		"INSERT INTO volume(id, pool, name, capacity, allocation, physical) VALUES"
		" (9, 'default', 'a.qcow2', 50, 20, 21), (10, 'default', 'a.qcow2', 50, 30, 31);"
		"INSERT INTO span(host_id, kind, object_id, first_seq, last_seq) VALUES"
		" (1, 1, 7, 1, 1), (1, 1, 8, 2, 2), (1, 2, 9, 1, 1), (1, 2, 10, 2, 2);",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	st = open_store(f->path, KH_OPEN_EXISTING);
	assert_int_equal(kh_test_count(f->path, "PRAGMA user_version"), KH_SCHEMA_VERSION);
	assert_int_equal(kh_test_count(f->path,
				       "SELECT count(*) FROM volume WHERE allocation IS NULL"),
			 2);
	assert_int_equal(kh_store_load(st, 1, &s, &err), 0);
	assert_int_equal(s->pools[0].allocation, 30);
	assert_int_equal(s->pools[0].available, 70);
	assert_int_equal(s->volumes[0].allocation, 20);
	assert_int_equal(s->volumes[0].physical, 21);
	kh_snapshot_free(s);
	assert_int_equal(kh_store_load(st, 2, &s, &err), 0);
	assert_int_equal(s->pools[0].capacity, 100);
	assert_int_equal(s->pools[0].allocation, 40);
	assert_int_equal(s->volumes[0].allocation, 30);
	assert_int_equal(s->volumes[0].physical, 31);
	kh_snapshot_free(s);
	kh_store_close(st);
}

/* A scan gives each snapshot's numbers and only the objects whose version changed. */
static void test_scan_streams_changes(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	const struct kh_snapshot *before, *after, *now;
	struct kh_snapshot *s;
	struct kh_scan *sc;
	struct kh_err err;
	int64_t alloc[] = { 1, 1, 2, 2, 3 };

	for (int day = 0; day < 5; day++) {
		s = make_snapshot("test:///a", T0 + day * DAY, alloc[day]);
		if (day == 3) {
			free(s->domains[0].state);
			s->domains[0].state = kh_strdup("paused");
		}
		assert_int_equal(kh_store_put(st, s, &err), 0);
		kh_snapshot_free(s);
	}
	/* from the second night: it is compared with the first */
	assert_int_equal(kh_scan_open(st, "test:///a", T0 + DAY, T0 + 4 * DAY, &sc, &err), 0);
	for (int day = 1; day < 5; day++) {
		assert_int_equal(kh_scan_next(sc, &before, &after, &now, &err), 1);
		assert_int_equal(now->taken_at, T0 + day * DAY);
		assert_int_equal(now->n_volumes, 1);
		assert_int_equal(now->volumes[0].allocation, alloc[day]);
		assert_int_equal(now->pools[0].available, (100LL << 30) - alloc[day]);
		/* paused on night 3, running again on night 4: a change each */
		assert_int_equal(after->n_domains, day >= 3 ? 1 : 0);
		assert_int_equal(before->n_domains, day >= 3 ? 1 : 0);
		assert_int_equal(after->n_volumes + before->n_volumes, 0);
		/* domains, for the owners of volumes, come with the last only */
		assert_int_equal(now->n_domains, day == 4 ? 2 : 0);
	}
	assert_int_equal(kh_scan_next(sc, &before, &after, &now, &err), 0);
	kh_scan_close(sc);
	kh_store_close(st);
}

/* Two hosts never share versions: each URI has its own history. */
static void test_hosts_are_separate(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;

	put(st, "test:///a", T0, 1);
	put(st, "test:///b", T0, 1);
	put(st, "test:///a", T0 + DAY, 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM host"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 4);
	assert_int_equal(kh_store_load(st, 2, &s, &err), 0);
	assert_string_equal(s->host.uri, "test:///b");
	assert_int_equal(s->n_domains, 2);
	assert_int_equal(s->n_volumes, 1);
	kh_snapshot_free(s);
	kh_store_close(st);
}

/* A failure inside the transaction (injected with a real SQLite trigger) leaves nothing. */
static void test_failed_snapshot_leaves_nothing(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;
	sqlite3 *db;

	put(st, "test:///a", T0, 1);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER boom BEFORE INSERT ON size"
					  " BEGIN SELECT RAISE(ABORT, 'disk full'); END",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = make_snapshot("test:///a", T0 + DAY, 2);
	assert_int_equal(kh_store_put(st, s, &err), -1);
	assert_non_null(strstr(err.msg, "disk full"));
	kh_snapshot_free(s);
	kh_store_close(st);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM snapshot"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM domain"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM pool"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM volume"), 1);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span WHERE last_seq ="
					" 9223372036854775807"), 5);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM size"), 2);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml"), 4);
	assert_int_equal(kh_test_count(f->path, "PRAGMA integrity_check = 1") , 0);
}

static void assert_refused_untouched(const char *path, const char *data, size_t len,
				     const char *expect)
{
	struct kh_store *st = NULL;
	struct kh_err err;
	size_t after_len;
	char *after;

	assert_int_equal(kh_store_open(path, KH_OPEN_CREATE, &st, &err), -1);
	assert_null(st);
	if (strstr(err.msg, expect) == NULL)
		fail_msg("'%s' does not say '%s'", err.msg, expect);
	after = kh_test_slurp(path, &after_len);
	assert_int_equal(after_len, len);
	assert_memory_equal(after, data, len);
	free(after);
}

static void test_foreign_files_are_refused_untouched(void **state)
{
	struct kh_test_dir *f = *state;
	char *text = kh_asprintf("%s/notes.txt", f->dir);
	char *other = kh_asprintf("%s/other.db", f->dir);
	char *newer = kh_asprintf("%s/newer.db", f->dir);
	sqlite3 *db;
	char *data;
	size_t len;

	write_file(text, "hello, this is not a database\n", 30);
	assert_refused_untouched(text, "hello, this is not a database\n", 30,
				 "is not a kvmhist database");

	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	data = kh_test_slurp(other, &len);
	assert_refused_untouched(other, data, len, "is not a kvmhist database");
	free(data);

	kh_store_close(open_store(newer, KH_OPEN_CREATE));
	assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	data = kh_test_slurp(newer, &len);
	assert_refused_untouched(newer, data, len, "newer kvmhist (schema 99");
	free(data);
	free(text);
	free(other);
	free(newer);
}

static void test_truncated_database_is_refused(void **state)
{
	struct kh_test_dir *f = *state;
	char *path = kh_asprintf("%s/trunc.db", f->dir);
	struct kh_store *st = open_store(path, KH_OPEN_CREATE);
	struct kh_err err;
	sqlite3 *db;
	char *data;
	size_t len;

	for (int i = 0; i < 3; i++)
		put(st, "test:///a", T0 + i * DAY, i);
	kh_store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	data = kh_test_slurp(path, &len);
	assert_true(len > 8192);
	write_file(path, data, 4096 + 100);
	free(data);
	data = kh_test_slurp(path, &len);
	st = NULL;
	/* open may pass the header check; reading must then fail cleanly, not crash */
	if (kh_store_open(path, KH_OPEN_EXISTING, &st, &err) == 0) {
		struct kh_snapshot *s = NULL;

		assert_int_equal(kh_store_load(st, 1, &s, &err), -1);
		assert_null(s);
		kh_store_close(st);
	}
	if (strstr(err.msg, "malformed") == NULL)
		fail_msg("unexpected message: %s", err.msg);
	{
		size_t after_len;
		char *after = kh_test_slurp(path, &after_len);

		assert_int_equal(after_len, len);
		assert_memory_equal(after, data, len);
		free(after);
	}
	free(data);
	free(path);
}

/* Collect opens with the page check left for later, to run beside the collection: nothing
 * is written before it passes, and a damaged file fails it untouched. A file that needs an
 * upgrade is checked before the upgrade writes. */
static void test_verify_later(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot *s;
	struct kh_err err;
	int64_t root;
	size_t len, after_len;
	char *data, *after;
	sqlite3 *db;

	for (int i = 0; i < 3; i++)
		put(st, "test:///a", T0 + i * DAY, i);
	kh_store_close(st);

	assert_int_equal(kh_store_open(f->path, KH_OPEN_CREATE_VERIFY_LATER, &st, &err), 0);
	s = make_snapshot("test:///a", T0 + 3 * DAY, 3);
	assert_int_equal(kh_store_put(st, s, &err), -1);
	assert_non_null(strstr(err.msg, "has not been checked yet: nothing was written"));
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM snapshot"), 3);
	assert_int_equal(kh_store_verify(st, &err), 0);
	assert_int_equal(kh_store_put(st, s, &err), 0);
	assert_int_equal(kh_store_verify(st, &err), 0); /* once passed, nothing left to do */
	kh_snapshot_free(s);
	kh_store_close(st);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM snapshot"), 4);

	/* the root page of the XML table overwritten: the header still reads well */
	root = kh_test_count(f->path, "SELECT rootpage FROM sqlite_master WHERE name = 'xml'");
	assert_true(root > 1);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	data = kh_test_slurp(f->path, &len);
	memset(data + (root - 1) * 4096, 0xa5, 4096);
	write_file(f->path, data, len);

	assert_int_equal(kh_store_open(f->path, KH_OPEN_CREATE_VERIFY_LATER, &st, &err), 0);
	assert_int_equal(kh_store_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "is damaged ("));
	s = make_snapshot("test:///a", T0 + 4 * DAY, 4);
	assert_int_equal(kh_store_put(st, s, &err), -1);
	kh_snapshot_free(s);
	kh_store_close(st);
	after = kh_test_slurp(f->path, &after_len);
	assert_int_equal(after_len, len);
	assert_memory_equal(after, data, len);
	free(after);
	assert_int_equal(kh_store_open(f->path, KH_OPEN_CREATE, &st, &err), -1);
	assert_non_null(strstr(err.msg, "is damaged ("));
	free(data);

	/* schema 1: upgraded on open, so checked on open; put needs no kh_store_verify */
	unlink(f->path);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, kh_schema_migration(1), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 1802923368; "
				      "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(kh_store_open(f->path, KH_OPEN_CREATE_VERIFY_LATER, &st, &err), 0);
	assert_int_equal(kh_test_count(f->path, "PRAGMA user_version"), KH_SCHEMA_VERSION);
	put(st, "test:///a", T0, 1);
	kh_store_close(st);
}

static void test_resolve(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	int64_t id, t, now = T0 + 10 * DAY;
	struct kh_err err;

	/* host a: days 0..4 at 03:00; host b: days 1 and 2 at 04:00 */
	for (int day = 0; day < 5; day++)
		put(st, "test:///a", T0 + day * DAY + 3 * 3600, day);     /* ids 1..5 */
	put(st, "test:///b", T0 + 1 * DAY + 4 * 3600, 0);                 /* id 6 */
	put(st, "test:///b", T0 + 2 * DAY + 4 * 3600, 0);                 /* id 7 */

#define RESOLVE(spec, host, want) do { \
		if (kh_store_resolve(st, spec, host, now, &id, &err) != 0) \
			fail_msg("%s: %s", spec, err.msg); \
		assert_int_equal(id, want); \
	} while (0)
	RESOLVE("3", NULL, 3);
	RESOLVE("latest", NULL, 5);
	RESOLVE("latest~1", NULL, 4);
	RESOLVE("latest~4", NULL, 1);
	RESOLVE("latest", "test:///b", 7);
	RESOLVE("latest~1", "test:///b", 6);
	RESOLVE("latest", "vm1.example.org", 5);
	RESOLVE("2026-11-22", NULL, 6);                 /* 00:00Z: b's day-1 04:00 is newest */
	RESOLVE("2026-11-22", "test:///a", 2);
	RESOLVE("2026-11-22T03:00:00Z", NULL, 3);       /* at or before: exact time counts */
	RESOLVE("2026-11-22T05:00:00+02:00", NULL, 3);
	RESOLVE("8d", NULL, 6);                         /* now - 8d = 2026-11-22T00:00Z */
	RESOLVE("200h", "test:///a", 2);                /* 2026-11-21T16:00Z */

	assert_int_equal(kh_store_resolve(st, "99", NULL, now, &id, &err), -1);
	assert_string_equal(err.msg, "no snapshot 99");
	assert_int_equal(kh_store_resolve(st, "latest~5", NULL, now, &id, &err), -1);
	assert_string_equal(err.msg,
			    "no snapshot 'latest~5': 'test:///a' has fewer than 6 snapshots");
	assert_int_equal(kh_store_resolve(st, "2026-11-19", NULL, now, &id, &err), -1);
	assert_string_equal(err.msg, "no snapshot '2026-11-19': none of any host was taken at "
				     "or before 2026-11-19T00:00:00Z");
	assert_int_equal(kh_store_resolve(st, "yesterday", NULL, now, &id, &err), -1);
	assert_non_null(strstr(err.msg, "invalid snapshot 'yesterday': expected an id"));
	assert_int_equal(kh_store_resolve(st, "2026-02-30", NULL, now, &id, &err), -1);
	assert_non_null(strstr(err.msg, "invalid snapshot '2026-02-30'"));
	assert_int_equal(kh_store_resolve(st, "latest", "nosuch", now, &id, &err), -1);
	assert_string_equal(err.msg, "no snapshots of host 'nosuch'");

	assert_int_equal(kh_store_bound(st, "2026-11-22", NULL, 1, now, &t, &err), 0);
	assert_int_equal(t, T0 + 2 * DAY + DAY - 1);
	assert_int_equal(kh_store_bound(st, "2026-11-22", NULL, 0, now, &t, &err), 0);
	assert_int_equal(t, T0 + 2 * DAY);
	assert_int_equal(kh_store_bound(st, "latest~1", NULL, 0, now, &t, &err), 0);
	assert_int_equal(t, T0 + 3 * DAY + 3 * 3600);
	assert_int_equal(kh_store_bound(st, "2", NULL, 0, now, &t, &err), 0);
	assert_int_equal(t, T0 + 1 * DAY + 3 * 3600);
	assert_int_equal(kh_store_bound(st, "7d", NULL, 0, now, &t, &err), 0);
	assert_int_equal(t, now - 7 * DAY);
	assert_int_equal(kh_store_bound(st, "soon", NULL, 0, now, &t, &err), -1);
	assert_non_null(strstr(err.msg, "invalid period bound 'soon'"));

	assert_int_equal(kh_store_previous(st, 5, &id, &err), 0);
	assert_int_equal(id, 4);
	assert_int_equal(kh_store_previous(st, 7, &id, &err), 0);
	assert_int_equal(id, 6);
	assert_int_equal(kh_store_previous(st, 6, &id, &err), 0);
	assert_int_equal(id, 0);
	kh_store_close(st);
}

static void test_list(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_snapshot_info *v;
	struct kh_err err;
	size_t n;

	put(st, "test:///a", T0 + DAY, 0);
	put(st, "test:///b", T0, 0);
	put(st, "test:///a", T0 + 2 * DAY, 0);
	assert_int_equal(kh_store_list(st, NULL, INT64_MIN, INT64_MAX, &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, 2); /* oldest first */
	assert_int_equal(v[1].id, 1);
	assert_int_equal(v[2].id, 3);
	assert_int_equal(v[0].n_domains, 2);
	assert_int_equal(v[0].n_pools, 1);
	assert_int_equal(v[0].n_volumes, 1);
	assert_int_equal(v[0].n_networks, 1);
	assert_string_equal(v[0].hostname, "vm1.example.org");
	kh_snapshot_infos_free(v, n);
	assert_int_equal(kh_store_list(st, "test:///a", T0 + DAY, T0 + DAY, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, 1);
	kh_snapshot_infos_free(v, n);
	kh_store_close(st);
}

/* Loads every listed snapshot as show --json prints it, so pruning can be compared. */
static char **load_all_json(struct kh_store *st, const int64_t *ids, size_t n)
{
	char **out = kh_calloc(n, sizeof *out);
	struct kh_err err;

	for (size_t i = 0; i < n; i++) {
		struct kh_snapshot *s;

		if (kh_store_load(st, ids[i], &s, &err) != 0)
			fail_msg("load %lld: %s", (long long)ids[i], err.msg);
		out[i] = kh_show_json(s);
		kh_snapshot_free(s);
	}
	return out;
}

static void assert_no_problems(struct kh_store *st)
{
	char **problems;
	size_t n;

	kh_store_check(st, &problems, &n);
	for (size_t i = 0; i < n; i++)
		print_error("problem: %s\n", problems[i]);
	assert_int_equal(n, 0);
	kh_problems_free(problems, n);
}

/* Newest of each of the last 2 days, 2 ISO weeks and 2 months; a second URI keeps its only
 * snapshot; the survivors read back byte for byte as before; nothing unreachable is left. */
static void test_prune_retention(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	/* chronological; allocations repeat so that versions span several snapshots */
	static const struct { const char *when; int64_t alloc; } a[] = {
		{ "2026-09-15T03:00:00Z", 1 }, { "2026-10-05T03:00:00Z", 1 },
		{ "2026-10-20T03:00:00Z", 2 }, { "2026-11-02T03:00:00Z", 2 }, /* Monday */
		{ "2026-11-08T03:00:00Z", 3 }, /* Sunday: same ISO week as the 2nd */
		{ "2026-11-09T03:00:00Z", 3 }, { "2026-11-09T15:00:00Z", 3 },
		{ "2026-11-10T03:00:00Z", 4 },
	};
	static const int64_t kept[] = { 3, 5, 7, 8, 9 }, removed[] = { 1, 2, 4, 6 };
	struct kh_retention keep = { .daily = 2, .weekly = 2, .monthly = 2 };
	struct kh_prune_result r;
	struct kh_err err;
	char **before, **after;
	int64_t t, xml;

	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
		struct kh_snapshot *s;

		assert_int_equal(kh_time_parse(a[i].when, &t, NULL), 0);
		/* a resize is a new version (allocation alone is a size row): so the versions of
		 * "1" are held by snapshots 1 and 2 only */
		s = make_snapshot("test:///a", t, a[i].alloc);
		s->volumes[0].capacity += a[i].alloc;
		s->pools[0].capacity += a[i].alloc;
		if (kh_store_put(st, s, &err) != 0)
			fail_msg("put: %s", err.msg);
		kh_snapshot_free(s);
	}
	assert_int_equal(kh_time_parse("2026-01-01T00:00:00Z", &t, NULL), 0);
	assert_int_equal(put(st, "test:///b", t, 99), 9);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM volume"), 5);
	xml = kh_test_count(f->path, "SELECT count(*) FROM xml");
	before = load_all_json(st, kept, 5);

	/* a dry run counts the same and changes nothing */
	assert_int_equal(kh_store_prune(st, &keep, 1, &r, &err), 0);
	assert_int_equal(r.n_removed, 4);
	kh_prune_result_clear(&r);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM snapshot"), 9);

	assert_int_equal(kh_store_prune(st, &keep, 0, &r, &err), 0);
	assert_int_equal(r.n_removed, 4);
	assert_int_equal(r.kept, 5);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(r.removed[i].id, removed[i]);
	/* the volume and pool versions of allocation 1 were held by snapshots 1 and 2 only */
	assert_int_equal(r.volumes, 1);
	assert_int_equal(r.pools, 1);
	assert_int_equal(r.domains, 0);
	assert_int_equal(r.xml, 0);
	kh_prune_result_clear(&r);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM volume"), 4);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM xml"), xml);
	assert_int_equal(kh_test_count(f->path,
				       "SELECT count(*) FROM snapshot WHERE id IN (3, 5, 7, 8, 9)"),
			 5);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM snapshot"), 5);
	after = load_all_json(st, kept, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(after[i], before[i]);
		free(before[i]);
		free(after[i]);
	}
	free(before);
	free(after);
	assert_no_problems(st);
	kh_store_close(st);
}

/* Backfill makes the latest-collected snapshot older than the newest by time; after pruning
 * it, nothing of it may reappear in the next snapshot. The backfill put the two in time
 * order (seqs 3 and 4, past the 1 and 2 they had); the next snapshot comes after 4, and the
 * open spans (all of them here) are closed at 4 by the put before anything reads them. */
static void test_prune_never_reuses_seq(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	struct kh_retention keep = { .daily = 1 };
	struct kh_snapshot *s;
	struct kh_prune_result r;
	struct kh_err err;

	put(st, "test:///a", T0 + 10 * DAY, 1); /* seq 1, the newest by time */
	put(st, "test:///a", T0, 1);            /* seq 2, backfilled: reordered to 3, 1 to 4 */
	assert_int_equal(kh_test_count(f->path, "SELECT seq FROM snapshot WHERE id = 2"), 3);
	assert_int_equal(kh_test_count(f->path, "SELECT seq FROM snapshot WHERE id = 1"), 4);
	assert_int_equal(kh_store_prune(st, &keep, 0, &r, &err), 0);
	assert_int_equal(r.n_removed, 1);
	assert_int_equal(r.removed[0].id, 2);
	kh_prune_result_clear(&r);
	/* an empty host now: nothing may show up in it */
	s = kh_snapshot_new();
	s->host.uri = kh_strdup("test:///a");
	s->taken_at = T0 + 11 * DAY;
	assert_int_equal(kh_store_put(st, s, &err), 0);
	assert_int_equal(s->id, 3);
	kh_snapshot_free(s);
	assert_int_equal(kh_store_load(st, 3, &s, &err), 0);
	assert_int_equal(s->n_domains, 0);
	assert_int_equal(s->n_volumes, 0);
	kh_snapshot_free(s);
	assert_int_equal(kh_test_count(f->path, "SELECT seq FROM snapshot WHERE id = 3"), 5);
	assert_int_equal(kh_test_count(f->path, "SELECT count(*) FROM span WHERE last_seq = 4"), 5);
	assert_no_problems(st);
	kh_store_close(st);
}

/* check names each broken invariant, one line each. */
static void test_check_finds_problems(void **state)
{
	struct kh_test_dir *f = *state;
	struct kh_store *st = open_store(f->path, KH_OPEN_CREATE);
	static const char *const expect[] = {
		/* SQLite's own check sees the rows the deleted domain leaves dangling */
		"foreign key: disk row 1 refers to a missing domain row",
		"foreign key: iface row 1 refers to a missing domain row",
		"foreign key: pool row 1 refers to a missing xml row",
		"span 1: domain row 1 does not exist",
		"pool row 1: XML 2 does not exist",
		"span 99: covers no snapshot (seq 7 to 8 of host 1)",
		"volume row 7: in no snapshot (no span holds it)",
		"XML 1: referenced by nothing", /* the deleted domain's */
		"XML 42: referenced by nothing",
	};
	char **problems;
	sqlite3 *db;
	size_t n;

	put(st, "test:///a", T0, 1);
	assert_no_problems(st);
	kh_store_close(st);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"PRAGMA foreign_keys = OFF;"
		"DELETE FROM domain WHERE id = 1;"
		"DELETE FROM xml WHERE id = (SELECT xml_id FROM pool WHERE id = 1);"
		"INSERT INTO span(id, host_id, kind, object_id, first_seq, last_seq)"
		" VALUES (99, 1, 3, 1, 7, 8);"
		"INSERT INTO volume(id, name) VALUES (7, 'orphan');"
		"INSERT INTO xml(id, hash, body) VALUES (42, 0, '<x/>');", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	st = open_store(f->path, KH_OPEN_EXISTING);
	kh_store_check(st, &problems, &n);
	assert_int_equal(n, sizeof expect / sizeof expect[0]);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(problems[i], expect[i]);
	kh_problems_free(problems, n);
	kh_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_database_is_not_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_is_private_and_versioned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_objects_are_stored_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_measured_xml_is_lossless, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_moves_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_streams_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hosts_are_separate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_snapshot_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_files_are_refused_untouched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated_database_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_never_reuses_seq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_finds_problems, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
