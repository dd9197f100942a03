/* The collector's domain snapshots and volume backing files, against libvirt's test driver
 * and tests/fixtures/snapchain/. virDomainListAllSnapshots is wrapped (the executable's
 * definition wins over libvirt's) to count the round trips a collection makes for them. */
#include "virt/collector.h"
#include "store/model.h"
#include "store/store.h"
#include "util/mem.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include <cmocka.h>

#include "tests/helpers.h"
#include <libvirt/libvirt.h>

#define MiB (1024LL * 1024)
#define NIGHT "test://" KH_SRCDIR "/tests/fixtures/snapchain/night"
#define IMG "/var/lib/libvirt/images/"

#define assert_str(a, b) \
	do { \
		assert_non_null(a); \
		assert_string_equal((a), (b)); \
	} while (0)

static int list_calls;          /* virDomainListAllSnapshots */
static int refuse_has_snapshot; /* virConnectListAllDomains refuses HAS_SNAPSHOT */

#define REAL(fn) \
	static __typeof__(fn) *real; \
	if (real == NULL) { \
		void *sym = dlsym(RTLD_NEXT, #fn); \
		assert_non_null(sym); \
		memcpy(&real, &sym, sizeof sym); \
	}

int virDomainListAllSnapshots(virDomainPtr dom, virDomainSnapshotPtr **snaps, unsigned int flags)
{
	REAL(virDomainListAllSnapshots);
	list_calls++;
	return real(dom, snaps, flags);
}

int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **doms, unsigned int flags)
{
	REAL(virConnectListAllDomains);
	if (refuse_has_snapshot && (flags & VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT))
		flags = 1u << 30; /* refused: "unsupported flags", as an old daemon */
	return real(conn, doms, flags);
}

static struct kh_snapshot *collect(int night)
{
	struct kh_snapshot *s = NULL;
	struct kh_err err = {{0}};
	char *uri = kh_asprintf(NIGHT "%d.xml", night);

	if (kh_collect(uri, &s, NULL, NULL, NULL, NULL, &err) != 0)
		fail_msg("kh_collect(%s): %s", uri, err.msg);
	free(uri);
	return s;
}

/* Night n copied over one path: one host's history, as cron sees it. */
static struct kh_snapshot *collect_as(const char *dir, int night)
{
	char *from = kh_asprintf(KH_SRCDIR "/tests/fixtures/snapchain/night%d.xml", night);
	char *to = kh_asprintf("%s/host.xml", dir), *uri = kh_asprintf("test://%s", to);
	char buf[8192];
	struct kh_snapshot *s = NULL;
	struct kh_err err = {{0}};
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	if (kh_collect(uri, &s, NULL, NULL, NULL, NULL, &err) != 0)
		fail_msg("kh_collect(%s): %s", uri, err.msg);
	free(from);
	free(to);
	free(uri);
	return s;
}

static const struct kh_domain *dom(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_domains; i++)
		if (strcmp(s->domains[i].name, name) == 0)
			return &s->domains[i];
	fail_msg("no domain %s", name);
	return NULL;
}

static const struct kh_volume *vol(const struct kh_snapshot *s, const char *name)
{
	const struct kh_volume *v = kh_snapshot_find_volume(s, "default", name);

	if (v == NULL)
		fail_msg("no volume %s", name);
	return v;
}

/* Night 3: aries has an internal snapshot and a disk-only one whose overlay its disk is now
 * on; taurus, a linked clone of golden.qcow2, one old snapshot; gemini none. */
static void test_night3(void **state)
{
	struct kh_snapshot *s;
	const struct kh_domain *d;
	const struct kh_volume *v;

	(void)state;
	list_calls = 0;
	s = collect(3);
	assert_int_equal(list_calls, 2); /* aries and taurus: not gemini, which has none */

	d = dom(s, "aries");
	assert_null(d->error);
	assert_int_equal(d->n_snaps, 2);
	assert_str(d->snaps[0].name, "before-upgrade");
	assert_int_equal(d->snaps[0].created, 1794435300); /* 2026-11-11T22:15:00Z */
	assert_str(d->snaps[0].state, "shutoff");
	assert_null(d->snaps[0].parent);
	assert_int_equal(d->snaps[0].current, 0);
	assert_str(d->snaps[0].kind, "internal");
	assert_str(d->snaps[1].name, "ext1");
	assert_int_equal(d->snaps[1].created, 1794519000);
	assert_str(d->snaps[1].state, "disk-snapshot");
	assert_str(d->snaps[1].parent, "before-upgrade");
	assert_int_equal(d->snaps[1].current, 1);
	assert_str(d->snaps[1].kind, "disk-only");
	assert_str(d->disks[0].volume, "aries.ext1");

	assert_int_equal(dom(s, "gemini")->n_snaps, 0);
	d = dom(s, "taurus");
	assert_int_equal(d->n_snaps, 1);
	assert_str(d->snaps[0].name, "pre-kernel");
	assert_int_equal(d->snaps[0].current, 1);

	v = vol(s, "aries.ext1");
	assert_str(v->backing, IMG "aries.qcow2");
	assert_str(v->backing_format, "qcow2");
	assert_int_equal(v->allocation, 196608);
	v = vol(s, "taurus.qcow2");
	assert_str(v->backing, IMG "golden.qcow2");
	assert_null(vol(s, "aries.qcow2")->backing);
	assert_null(vol(s, "old.raw")->backing);
	kh_snapshot_free(s);
}

/* Snapshots appear and go over the nights. */
static void test_nights(void **state)
{
	static const size_t aries[] = { 0, 1, 2, 1 };
	struct kh_snapshot *s;

	(void)state;
	for (int n = 1; n <= 4; n++) {
		s = collect(n);
		assert_int_equal(dom(s, "aries")->n_snaps, aries[n - 1]);
		if (n == 4) {
			assert_str(dom(s, "aries")->snaps[0].name, "ext1");
			assert_null(dom(s, "aries")->snaps[0].parent);
			assert_int_equal(vol(s, "aries.ext1")->allocation, 512 * MiB);
		}
		kh_snapshot_free(s);
	}
}

/* A daemon that refuses the HAS_SNAPSHOT filter is asked per domain: the same snapshots. */
static void test_filter_refused(void **state)
{
	struct kh_snapshot *s;

	(void)state;
	refuse_has_snapshot = 1;
	list_calls = 0;
	s = collect(3);
	refuse_has_snapshot = 0;
	assert_int_equal(list_calls, 3);
	assert_int_equal(dom(s, "aries")->n_snaps, 2);
	assert_int_equal(dom(s, "gemini")->n_snaps, 0);
	assert_int_equal(dom(s, "taurus")->n_snaps, 1);
	kh_snapshot_free(s);
}


/* Stored and read back as collected; a night that changes no snapshot writes no new version
 * of its domain, one that takes or deletes one does. */
static void test_stored(void **state)
{
	char dir[] = "/tmp/kvmhist-domsnap.XXXXXX", *path;
	int64_t ids[5];
	struct kh_store *st = NULL;
	struct kh_err err = {{0}};

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = kh_asprintf("%s/kh.db", dir);
	assert_int_equal(kh_store_open(path, KH_OPEN_CREATE, &st, &err), 0);
	for (int n = 1; n <= 5; n++) {
		struct kh_snapshot *s = collect_as(dir, n < 5 ? n : 4); /* night 4 twice */

		s->taken_at = 1794452400 + n * 86400;
		if (kh_store_put(st, s, &err) != 0)
			fail_msg("put: %s", err.msg);
		ids[n - 1] = s->id;
		kh_snapshot_free(s);
	}
	for (int n = 1; n <= 5; n++) {
		struct kh_snapshot *want = collect(n < 5 ? n : 4), *got = NULL;
		const struct kh_domain *a, *b;

		assert_int_equal(kh_store_load(st, ids[n - 1], &got, &err), 0);
		a = dom(want, "aries");
		b = dom(got, "aries");
		assert_int_equal(b->n_snaps, a->n_snaps);
		for (size_t i = 0; i < a->n_snaps; i++) {
			assert_str(b->snaps[i].name, a->snaps[i].name);
			assert_int_equal(b->snaps[i].created, a->snaps[i].created);
			assert_str(b->snaps[i].state, a->snaps[i].state);
			assert_true((a->snaps[i].parent == NULL) == (b->snaps[i].parent == NULL));
			assert_int_equal(b->snaps[i].current, a->snaps[i].current);
			assert_str(b->snaps[i].kind, a->snaps[i].kind);
		}
		assert_str(vol(got, "taurus.qcow2")->backing, IMG "golden.qcow2");
		assert_str(vol(got, "taurus.qcow2")->backing_format, "qcow2");
		assert_null(vol(got, "gemini.qcow2")->backing);
		kh_snapshot_free(want);
		kh_snapshot_free(got);
	}
	kh_store_close(st);
	/* aries: a version on nights 1, 2, 3 and 4 (the fifth night is the fourth again) */
	assert_int_equal(kh_test_count(path, "SELECT count(*) FROM domain WHERE name = 'aries'"), 4);
	assert_int_equal(kh_test_count(path, "SELECT count(*) FROM domain WHERE name = 'taurus'"), 1);
	assert_int_equal(kh_test_count(path, "SELECT count(*) FROM domsnap"), 0 + 1 + 2 + 1 + 1);
	unlink(path);
	free(path);
	path = kh_asprintf("%s/host.xml", dir);
	unlink(path);
	free(path);
	path = kh_asprintf("%s/kh.db-wal", dir);
	unlink(path);
	free(path);
	path = kh_asprintf("%s/kh.db-shm", dir);
	unlink(path);
	free(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_night3),
		cmocka_unit_test(test_nights),
		cmocka_unit_test(test_filter_refused),
		cmocka_unit_test(test_stored),
	};
	struct kh_err err = {{0}};

	if (kh_collector_init(0, &err))
		fail_msg("%s", err.msg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
