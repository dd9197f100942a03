/* The growth and drift report: numbers, forecasts, and every output format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/growth.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/model.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

#ifndef KH_SRCDIR
#define KH_SRCDIR "."
#endif

#define GiB ((int64_t)1 << 30)
#define MiB ((int64_t)1 << 20)
#define DAY 86400
#define URI1 "qemu+ssh://kvm1/system"
#define URI2 "qemu+ssh://kvm2/system"

static int64_t at(const char *iso)
{
	int64_t t;

	assert_int_equal(kh_time_parse(iso, &t, NULL), 0);
	return t;
}

/* 2026-01-01T03:00:00Z: the nightly collection time of the fixtures. */
static int64_t T0(void)
{
	return at("2026-01-01T03:00:00Z");
}

static struct kh_snapshot *snap_new(const char *uri, const char *hostname, int64_t t)
{
	struct kh_snapshot *s = kh_snapshot_new();

	s->taken_at = t;
	s->host.uri = kh_strdup(uri);
	s->host.hostname = kh_strdup(hostname);
	s->host.hv_type = kh_strdup("QEMU");
	return s;
}

static void pool_add(struct kh_snapshot *s, const char *name, int64_t cap, int64_t alloc,
		     int64_t avail)
{
	struct kh_pool *p = kh_snapshot_add_pool(s);

	p->name = kh_strdup(name);
	p->type = kh_strdup("dir");
	p->state = kh_strdup("running");
	p->capacity = cap;
	p->allocation = alloc;
	p->available = avail;
}

static void vol_add(struct kh_snapshot *s, const char *pool, const char *name, int64_t cap,
		    int64_t alloc)
{
	struct kh_volume *v = kh_snapshot_add_volume(s);

	v->pool = kh_strdup(pool);
	v->name = kh_strdup(name);
	v->path = kh_asprintf("/var/lib/libvirt/%s/%s", pool, name);
	v->format = kh_strdup("qcow2");
	v->type = kh_strdup("file");
	v->capacity = cap;
	v->allocation = alloc;
}

static struct kh_domain *dom_add(struct kh_snapshot *s, const char *name)
{
	struct kh_domain *d = kh_snapshot_add_domain(s);
	unsigned h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	d->name = kh_strdup(name);
	d->uuid = kh_asprintf("%08x-0000-4000-8000-000000000000", h); /* one per name */
	d->state = kh_strdup("running");
	d->os_type = kh_strdup("hvm");
	return d;
}

static void disk_add(struct kh_domain *d, const char *target, const char *pool,
		     const char *vol, const char *source)
{
	struct kh_disk *k = kh_domain_add_disk(d);

	k->target = kh_strdup(target);
	k->device = kh_strdup("disk");
	k->type = kh_strdup(pool ? "volume" : "file");
	k->pool = kh_strdup(pool);
	k->volume = kh_strdup(vol);
	k->source = kh_strdup(source);
}

/* Feeds one host's snapshots in order, each with its predecessor as prev. */
static void feed(struct kh_report *r, struct kh_snapshot **s, size_t n)
{
	struct kh_err err = { { 0 } };

	for (size_t i = 0; i < n; i++) {
		if (kh_report_add(r, i ? s[i - 1] : NULL, s[i], &err))
			fail_msg("kh_report_add: %s", err.msg);
	}
}

static void free_snaps(struct kh_snapshot **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kh_snapshot_free(s[i]);
}

static json_t *report_json(const struct kh_report *r)
{
	char *s = kh_report_json(r);
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);

	if (j == NULL)
		fail_msg("report JSON does not parse: %s (line %d)\n%s", e.text, e.line, s);
	free(s);
	return j;
}

/* The element of `arr` whose "name" (and "pool" when given) match. */
static json_t *find_named(json_t *arr, const char *pool, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0 &&
		    (pool == NULL ||
		     strcmp(json_string_value(json_object_get(v, "pool")), pool) == 0))
			return v;
	}
	fail_msg("no '%s' in the report", name);
	return NULL;
}

static int64_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", key);
	return (int64_t)json_integer_value(v);
}

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		fail_msg("'%s' is not a number", key);
	return json_number_value(v);
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	return json_string_value(v);
}

static void assert_jnull(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_null(v))
		fail_msg("'%s' is not null", key);
}

/* ---- the fit alone ---- */

static void test_fit_linear_is_exact(void **state)
{
	int64_t t[8], y[8];
	struct kh_fit f;

	(void)state;
	for (int i = 0; i < 8; i++) {
		t[i] = T0() + i * DAY;
		y[i] = 10 * GiB + i * GiB;
	}
	kh_fit_series(t, y, 8, &f);
	assert_true(f.rate == (double)GiB);
	assert_true(f.rate_lsq == (double)GiB);
	assert_true(f.stderr_rate == 0);
	assert_int_equal(f.samples, 8);
	assert_true(f.span_days == 7.0);
	assert_int_equal(f.burst_intervals, 0);
	assert_null(kh_fit_unusable(&f));

	/* Irregular times (a missed night, a late run) on the same line: still exact. */
	{
		int64_t t2[5] = { 0, DAY, 3 * DAY, 4 * DAY + 7200, 6 * DAY };

		for (int i = 0; i < 5; i++)
			y[i] = 5 * GiB + t2[i] * 12345; /* bytes a second */
		kh_fit_series(t2, y, 5, &f);
		assert_true(fabs(f.rate - 12345.0 * DAY) < 1e-3);
		assert_int_equal(f.burst_intervals, 0);
	}
}

/* One 20 GiB copy on day 5 of a volume growing 1 GiB a day: least squares says about
 * 4.03 GiB/day; the fit leaves the jump out and says exactly 1 GiB/day. */
static void test_fit_single_burst_does_not_dominate(void **state)
{
	int64_t t[10], y[10];
	struct kh_fit f;

	(void)state;
	for (int i = 0; i < 10; i++) {
		t[i] = T0() + i * DAY;
		y[i] = 10 * GiB + i * GiB + (i >= 5 ? 20 * GiB : 0);
	}
	kh_fit_series(t, y, 10, &f);
	assert_true(f.rate == (double)GiB);
	assert_true(f.stderr_rate == 0);
	assert_true(fabs(f.rate_lsq / GiB - 4.0303030303) < 1e-6);
	assert_int_equal(f.burst_intervals, 1);
	assert_int_equal(f.burst_bytes, 20 * GiB);
	assert_int_equal(f.burst_at, T0() + 5 * DAY);

	/* A spike that is freed the next night: one event of two intervals. */
	for (int i = 0; i < 10; i++)
		y[i] = 10 * GiB + i * GiB + (i == 4 ? 30 * GiB : 0);
	kh_fit_series(t, y, 10, &f);
	assert_true(f.rate == (double)GiB);
	assert_int_equal(f.burst_intervals, 2);

	/* A one-off deletion does not make a growing volume "not growing". */
	for (int i = 0; i < 10; i++)
		y[i] = 40 * GiB + i * GiB - (i >= 6 ? 25 * GiB : 0);
	kh_fit_series(t, y, 10, &f);
	assert_true(f.rate == (double)GiB);
	assert_true(f.rate_lsq < 0);
}

/* Jumps that recur are how the volume grows: a weekly 7 GiB backup over three weeks
 * keeps its least-squares rate (about 0.94 GiB/day) rather than being called flat. */
static void test_fit_recurring_jumps_are_growth(void **state)
{
	int64_t t[22], y[22];
	struct kh_fit f;

	(void)state;
	for (int i = 0; i < 22; i++) {
		t[i] = T0() + i * DAY;
		y[i] = 10 * GiB + 7 * GiB * (i / 7);
	}
	kh_fit_series(t, y, 22, &f);
	assert_int_equal(f.burst_intervals, 0);
	assert_true(f.rate == f.rate_lsq);
	assert_true(fabs(f.rate / GiB - 0.9407114625) < 1e-6);
	assert_true(f.stderr_rate > 0);
}

static void test_fit_minimums(void **state)
{
	int64_t t[3] = { 0, DAY, 2 * DAY }, y[3] = { 0, GiB, 2 * GiB };
	int64_t th[3] = { 0, 12 * 3600, 47 * 3600 };
	struct kh_fit f;
	struct kh_forecast fc;

	(void)state;
	kh_fit_series(t, y, 2, &f);
	assert_string_equal(kh_fit_unusable(&f), "fewer than 3 samples");
	kh_forecast_room(&f, 10 * GiB, DAY, &fc);
	assert_false(fc.ok);

	kh_fit_series(th, y, 3, &f); /* 47 hours */
	assert_string_equal(kh_fit_unusable(&f), "samples span less than 2 days");

	kh_fit_series(t, y, 3, &f); /* exactly 2 days: enough */
	assert_null(kh_fit_unusable(&f));
	kh_forecast_room(&f, 3 * GiB, 2 * DAY, &fc);
	assert_true(fc.ok);
	assert_true(fc.days == 3.0);
	assert_int_equal(fc.full_at, 5 * DAY);
	assert_false(fc.has_low);
	assert_false(fc.has_high);
}

/* ---- the report ---- */

/* Six nightly snapshots; "db" grows exactly 1 GiB a day and has 5 GiB left after the last,
 * taken 2026-01-06T03:00Z: full in 5 days, on 2026-01-11. */
static void build_five_days(struct kh_snapshot **s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t d = (int64_t)i, db = 10 * GiB + d * GiB;
		struct kh_domain *dom;

		s[i] = snap_new(URI1, "kvm1", T0() + d * DAY);
		pool_add(s[i], "default", 1000 * GiB, 100 * GiB + d * GiB, 900 * GiB - d * GiB);
		vol_add(s[i], "default", "db.qcow2", 10 * GiB + (int64_t)(n - 1) * GiB + 5 * GiB, db);
		vol_add(s[i], "default", "flat.qcow2", 50 * GiB, 20 * GiB);
		vol_add(s[i], "default", "shrink.qcow2", 50 * GiB, 30 * GiB - d * GiB);
		vol_add(s[i], "default", "spare.img", 8 * GiB, 8 * GiB);
		dom = dom_add(s[i], "db1");
		disk_add(dom, "vda", "default", "db.qcow2", NULL);
		dom = dom_add(s[i], "web1");
		disk_add(dom, "vda", NULL, NULL, "/var/lib/libvirt/default/flat.qcow2");
		disk_add(dom, "vdb", "default", "shrink.qcow2", NULL);
		kh_snapshot_sort(s[i]);
	}
}

static void test_five_days_left(void **state)
{
	struct kh_snapshot *s[6];
	struct kh_report *r = kh_report_new(T0(), T0() + 5 * DAY);
	json_t *j, *v;
	char *md;

	(void)state;
	build_five_days(s, 6);
	feed(r, s, 6);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "db.qcow2");
	assert_int_equal(jint(v, "growth_bytes_per_day"), GiB);
	assert_true(jnum(v, "days_to_full") == 5.0);
	assert_string_equal(jstr(v, "full_on"), "2026-01-11");
	assert_jnull(v, "days_to_full_low"); /* an exact fit has no range */
	assert_jnull(v, "days_to_full_high");
	assert_int_equal(jint(v, "samples"), 6);
	assert_true(jnum(v, "span_days") == 5.0);
	assert_int_equal(jint(v, "capacity"), 20 * GiB);
	assert_int_equal(jint(v, "allocation"), 15 * GiB);
	assert_int_equal(jint(v, "allocation_at_start"), 10 * GiB);
	assert_string_equal(jstr(v, "owner"), "db1");

	/* It is first in the list and named in the summary. */
	v = json_array_get(json_object_get(j, "volumes"), 0);
	assert_string_equal(jstr(v, "name"), "db.qcow2");
	v = json_object_get(j, "fills_first");
	assert_string_equal(jstr(v, "name"), "db.qcow2");
	assert_string_equal(jstr(v, "full_on"), "2026-01-11");

	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "- **Fills first:** volume **db.qcow2** in pool default on "
				   "kvm1 (used by db1), in 5 days, on 2026-01-11.\n"));
	assert_non_null(strstr(md, "2026-01-11, in 5 days |"));
	assert_non_null(strstr(md, "## Volumes within 30 days of full\n\n| Host |"));
	free(md);
	kh_report_set_warn_days(r, 4);
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "- **Within 4 days of full:** 0 volumes, 0 pools\n"));
	assert_non_null(strstr(md, "## Volumes within 4 days of full\n\nNone.\n"));
	free(md);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 6);
}

static void test_no_forecast(void **state)
{
	struct kh_snapshot *s[6];
	struct kh_report *r = kh_report_new(T0(), T0() + 5 * DAY);
	json_t *j, *v;

	(void)state;
	build_five_days(s, 6);
	feed(r, s, 6);
	j = report_json(r);

	v = find_named(json_object_get(j, "volumes"), "default", "flat.qcow2");
	assert_int_equal(jint(v, "growth_bytes_per_day"), 0);
	assert_jnull(v, "days_to_full");
	assert_jnull(v, "full_on");
	assert_string_equal(jstr(v, "no_forecast_reason"), "not growing");

	v = find_named(json_object_get(j, "volumes"), "default", "shrink.qcow2");
	assert_int_equal(jint(v, "growth_bytes_per_day"), -GiB);
	assert_jnull(v, "days_to_full");
	assert_jnull(v, "full_on");

	/* Nulls sort last: the growing volume comes before the flat ones. */
	v = json_array_get(json_object_get(j, "volumes"), 3);
	assert_jnull(v, "days_to_full");
	json_decref(j);
	kh_report_free(r);

	/* Two samples only. */
	r = kh_report_new(T0(), T0() + DAY);
	feed(r, s, 2);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "db.qcow2");
	assert_jnull(v, "growth_bytes_per_day");
	assert_jnull(v, "days_to_full");
	assert_jnull(v, "full_on");
	assert_string_equal(jstr(v, "no_forecast_reason"), "fewer than 3 samples");
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 6);

	/* Four samples over 36 hours. */
	r = kh_report_new(T0(), T0() + 2 * DAY);
	for (int i = 0; i < 4; i++) {
		s[i] = snap_new(URI1, "kvm1", T0() + i * 12 * 3600);
		vol_add(s[i], "default", "db.qcow2", 100 * GiB, 10 * GiB + i * GiB);
	}
	feed(r, s, 4);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "db.qcow2");
	assert_jnull(v, "days_to_full");
	assert_string_equal(jstr(v, "no_forecast_reason"), "samples span less than 2 days");
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 4);
}

/* ±256 MiB of noise around 1 GiB/day: least squares gives 1.01515 GiB/day with a standard
 * error of 0.0303 GiB/day, so 79.5 days (77.2-82.0) for the 80.5 GiB left. */
static void test_noisy_range(void **state)
{
	struct kh_snapshot *s[10];
	struct kh_report *r = kh_report_new(T0(), T0() + 9 * DAY);
	json_t *j, *v;
	char *md;

	(void)state;
	for (int i = 0; i < 10; i++) {
		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		vol_add(s[i], "default", "noisy.qcow2", 100 * GiB,
			10 * GiB + i * GiB + (i % 2 ? 256 * MiB : -256 * MiB));
	}
	feed(r, s, 10);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "noisy.qcow2");
	assert_int_equal(jint(v, "growth_bytes_per_day"), 1090010640);
	assert_int_equal(jint(v, "growth_stderr_bytes_per_day"), 32537631);
	assert_true(jnum(v, "days_to_full") == 79.5);
	assert_true(jnum(v, "days_to_full_low") == 77.2);
	assert_true(jnum(v, "days_to_full_high") == 82.0);
	/* last sample 2026-01-10T03:00Z + 79.54 days: 2026-03-30T16:04Z */
	assert_string_equal(jstr(v, "full_on"), "2026-03-30");
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "2026-03-30, in 79 days (77\xe2\x80\x93" "81)"));
	free(md);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 10);
}

/* A 20 GiB copy on day 5 is reported, left out of the rate, and still counted in the
 * allocation the forecast starts from. */
static void test_report_burst(void **state)
{
	struct kh_snapshot *s[10];
	struct kh_report *r = kh_report_new(T0(), T0() + 9 * DAY);
	json_t *j, *v, *b;
	char *md;

	(void)state;
	for (int i = 0; i < 10; i++) {
		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		vol_add(s[i], "default", "burst.qcow2", 100 * GiB,
			10 * GiB + i * GiB + (i >= 5 ? 20 * GiB : 0));
	}
	feed(r, s, 10);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "burst.qcow2");
	assert_int_equal(jint(v, "growth_bytes_per_day"), GiB);
	assert_int_equal(jint(v, "growth_lsq_bytes_per_day"), 4327504927);
	assert_true(jnum(v, "days_to_full") == 61.0); /* 100 - 39 GiB at 1 GiB/day */
	assert_string_equal(jstr(v, "full_on"), "2026-03-12");
	b = json_object_get(v, "burst_excluded");
	assert_int_equal(jint(b, "bytes"), 20 * GiB);
	assert_string_equal(jstr(b, "at"), "2026-01-06T03:00:00Z");
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "- volume **burst.qcow2** in pool default on kvm1: +20.0 GiB "
				   "on 2026-01-06\n"));
	free(md);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 10);
}

/* A growing volume of unknown capacity has no forecast; one already past its capacity (qcow2
 * metadata) is full now. */
static void test_unknown_and_full(void **state)
{
	struct kh_snapshot *s[4];
	struct kh_report *r = kh_report_new(T0(), T0() + 3 * DAY);
	json_t *j, *v;
	char *md;

	(void)state;
	for (int i = 0; i < 4; i++) {
		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		vol_add(s[i], "default", "nocap.img", KH_UNKNOWN, GiB + i * GiB);
		vol_add(s[i], "default", "over.qcow2", 10 * GiB, 10 * GiB + i * MiB);
	}
	feed(r, s, 4);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "nocap.img");
	assert_jnull(v, "capacity");
	assert_int_equal(jint(v, "growth_bytes_per_day"), GiB);
	assert_jnull(v, "days_to_full");
	assert_string_equal(jstr(v, "no_forecast_reason"), "capacity unknown");
	v = find_named(json_object_get(j, "volumes"), "default", "over.qcow2");
	assert_true(jnum(v, "days_to_full") == 0);
	assert_string_equal(jstr(v, "full_on"), "2026-01-04");
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "| 2026-01-04, already full |"));
	free(md);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 4);
}

/* A 100 GiB thin pool holding one 200 GiB volume: both grow 5 GiB a day, the pool has
 * 50 GiB left (10 days, 2026-01-15), the volume 150 GiB (30 days): the pool fills first.
 * Pool fat is flat, a tenth committed. */
static struct kh_report *thin_report(struct kh_snapshot **s)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 4 * DAY);

	for (int i = 0; i < 5; i++) {
		int64_t used = 30 * GiB + i * 5 * GiB;

		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		pool_add(s[i], "thin", 100 * GiB, used, 100 * GiB - used);
		vol_add(s[i], "thin", "big.qcow2", 200 * GiB, used);
		pool_add(s[i], "fat", 1000 * GiB, 100 * GiB, 900 * GiB);
		vol_add(s[i], "fat", "small.img", 100 * GiB, 100 * GiB);
		disk_add(dom_add(s[i], "app"), "vda", "thin", "big.qcow2", NULL);
		disk_add(dom_add(s[i], "app2"), "vda", "fat", "small.img", NULL);
		kh_snapshot_sort(s[i]);
	}
	feed(r, s, 5);
	return r;
}

static void test_thin_pool_flagged(void **state)
{
	struct kh_snapshot *s[5];
	struct kh_report *r = thin_report(s);
	json_t *j, *p, *v;
	char *md;

	(void)state;
	j = report_json(r);
	p = find_named(json_object_get(j, "pools"), NULL, "thin");
	assert_int_equal(jint(p, "committed"), 200 * GiB);
	assert_true(jnum(p, "overcommit_ratio") == 2.0);
	assert_int_equal(jint(p, "growth_bytes_per_day"), 5 * GiB);
	assert_true(jnum(p, "days_to_full") == 10.0);
	assert_string_equal(jstr(p, "full_on"), "2026-01-15");
	assert_string_equal(jstr(p, "earliest_volume_full_on"), "2026-02-04");
	assert_true(json_is_true(json_object_get(p, "fills_before_volumes")));
	v = find_named(json_object_get(j, "volumes"), "thin", "big.qcow2");
	assert_true(jnum(v, "days_to_full") == 30.0);

	p = find_named(json_object_get(j, "pools"), NULL, "fat");
	assert_true(jnum(p, "overcommit_ratio") == 0.1);
	assert_jnull(p, "days_to_full");
	assert_true(json_is_false(json_object_get(p, "fills_before_volumes")));

	/* The pool, not the volume, fills first. */
	p = json_object_get(j, "fills_first");
	assert_string_equal(jstr(p, "object"), "pool");
	assert_string_equal(jstr(p, "name"), "thin");
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "- **Fills first:** pool **thin** on kvm1, in 10 days, on "
				   "2026-01-15."));
	assert_non_null(strstr(md, "| 2.00x |"));
	assert_non_null(strstr(md, "fills before its volumes do"));
	free(md);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 5);
}

static void test_owners_and_orphans(void **state)
{
	struct kh_snapshot *s[6];
	struct kh_report *r = kh_report_new(T0(), T0() + 5 * DAY);
	json_t *j, *v;
	char *md;

	(void)state;
	build_five_days(s, 6);
	feed(r, s, 6);
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "flat.qcow2");
	assert_string_equal(jstr(v, "owner"), "web1"); /* by its path */
	assert_true(json_is_false(json_object_get(v, "orphan")));
	v = find_named(json_object_get(j, "volumes"), "default", "shrink.qcow2");
	assert_string_equal(jstr(v, "owner"), "web1");
	v = find_named(json_object_get(j, "volumes"), "default", "spare.img");
	assert_jnull(v, "owner");
	assert_true(json_is_true(json_object_get(v, "orphan")));
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "## Orphan volumes\n"));
	assert_non_null(strstr(md, "| kvm1 | default | spare.img | /var/lib/libvirt/default/"
				   "spare.img | 8.0 GiB (100%) | 8.0 GiB |\n"));
	free(md);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 6);
}

/* Two hosts with the same pool and volume names, their snapshots interleaved. */
static void test_two_hosts(void **state)
{
	struct kh_snapshot *a[4], *b[4];
	struct kh_report *r = kh_report_new(T0(), T0() + 3 * DAY);
	struct kh_err err;
	json_t *j, *vols, *v;
	size_t i;

	(void)state;
	for (int k = 0; k < 4; k++) {
		a[k] = snap_new(URI1, "kvm1", T0() + k * DAY);
		vol_add(a[k], "default", "disk.qcow2", 100 * GiB, 10 * GiB + k * GiB);
		b[k] = snap_new(URI2, "kvm2", T0() + k * DAY + 600);
		vol_add(b[k], "default", "disk.qcow2", 100 * GiB, 10 * GiB + k * 2 * GiB);
	}
	for (int k = 0; k < 4; k++) {
		assert_int_equal(kh_report_add(r, k ? a[k - 1] : NULL, a[k], &err), 0);
		assert_int_equal(kh_report_add(r, k ? b[k - 1] : NULL, b[k], &err), 0);
	}
	/* Out of order for one host. */
	assert_int_equal(kh_report_add(r, NULL, a[1], &err), -1);
	assert_non_null(strstr(err.msg, URI1));

	j = report_json(r);
	assert_int_equal(jint(json_object_get(j, "period"), "snapshots"), 8);
	vols = json_object_get(j, "volumes");
	assert_int_equal(json_array_size(vols), 2);
	json_array_foreach(vols, i, v) {
		if (strcmp(jstr(v, "host"), "kvm1") == 0) {
			assert_string_equal(jstr(v, "uri"), URI1);
			assert_int_equal(jint(v, "growth_bytes_per_day"), GiB);
		} else {
			assert_string_equal(jstr(v, "uri"), URI2);
			assert_int_equal(jint(v, "growth_bytes_per_day"), 2 * GiB);
			assert_int_equal(i, 0); /* fills sooner, listed first */
		}
	}
	json_decref(j);
	kh_report_free(r);
	free_snaps(a, 4);
	free_snaps(b, 4);
}

/* Two URIs reaching one machine are named once in the summary; a shared hostname or a
 * shared UUID alone (cloned firmware, many "localhost"s) is no proof. */
static void test_same_host(void **state)
{
	static const char *const uris[] = { "qemu:///system", URI1, URI2,
					     "qemu+tcp://kvm1/system" };
	static const char *const names[] = { "kvm1", "kvm1", "kvm2", "kvm1" };
	static const char *const uuids[] = { "4c4c4544-0051-3010", "4c4c4544-0051-3010",
					     "4c4c4544-0051-3010", NULL };
	struct kh_report *r = kh_report_new(T0(), T0() + DAY);
	struct kh_snapshot *s[4];
	struct kh_err err;
	json_t *j, *hosts, *h;
	char *md, *line;
	size_t i;

	(void)state;
	for (int k = 0; k < 4; k++) {
		s[k] = snap_new(uris[k], names[k], T0() + k);
		s[k]->host.host_uuid = kh_strdup(uuids[k]);
		assert_int_equal(kh_report_add(r, NULL, s[k], &err), 0);
	}
	md = kh_report_markdown(r);
	line = strstr(md, "- **Same host:** ");
	assert_non_null(line);
	assert_memory_equal(line, "- **Same host:** qemu:///system and " URI1 " are the "
			    "same host (kvm1, UUID 4c4c4544-0051-3010)\n",
			    strlen("- **Same host:** qemu:///system and " URI1 " are the "
				   "same host (kvm1, UUID 4c4c4544-0051-3010)\n"));
	assert_null(strstr(line + strlen("- **Same host:**"), "Same host:")); /* once */

	j = report_json(r);
	hosts = json_object_get(json_object_get(j, "period"), "hosts");
	assert_int_equal(json_array_size(hosts), 4);
	json_array_foreach(hosts, i, h) {
		json_t *same = json_object_get(h, "same_host_as");

		if (i < 2) {
			assert_int_equal(json_array_size(same), 1);
			assert_string_equal(json_string_value(json_array_get(same, 0)), uris[1 - i]);
		} else {
			assert_int_equal(json_array_size(same), 0);
		}
	}
	json_decref(j);
	free(md);
	kh_report_free(r);
	free_snaps(s, 4);
}

/* Past KH_SERIES_MAX samples the series is thinned; a line stays exact. */
static void test_long_series_thinned(void **state)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 2999 * 3600);
	struct kh_err err;
	json_t *j, *v;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		struct kh_snapshot *s = snap_new(URI1, "kvm1", T0() + (int64_t)i * 3600);

		vol_add(s, "default", "hourly.qcow2", 10000 * GiB, GiB + (int64_t)i * 24 * MiB);
		assert_int_equal(kh_report_add(r, NULL, s, &err), 0);
		kh_snapshot_free(s);
	}
	j = report_json(r);
	v = find_named(json_object_get(j, "volumes"), "default", "hourly.qcow2");
	assert_int_equal(jint(v, "growth_bytes_per_day"), 24 * 24 * MiB);
	assert_true(jint(v, "samples") <= 1025);
	assert_true(jint(v, "samples") >= 512);
	assert_true(jnum(v, "span_days") == 124.96);
	assert_int_equal(jint(v, "allocation"), GiB + 2999 * 24 * MiB);
	json_decref(j);
	kh_report_free(r);
}

/* Night n of a host whose volumes come, go and change version: a.qcow2 grows 1 GiB a
 * night and is resized on night 4, b.qcow2 is gone from night 3, c.qcow2 comes on night 2. */
static struct kh_snapshot *changing_night(int n)
{
	struct kh_snapshot *s = snap_new(URI1, "kvm1", T0() + n * DAY);

	pool_add(s, "default", 1000 * GiB, (10 + n) * GiB, (990 - n) * GiB);
	vol_add(s, "default", "a.qcow2", n >= 4 ? 200 * GiB : 100 * GiB, (10 + n) * GiB);
	if (n < 3)
		vol_add(s, "default", "b.qcow2", 50 * GiB, 5 * GiB);
	if (n >= 2)
		vol_add(s, "default", "c.qcow2", 20 * GiB, (1 + n) * GiB);
	disk_add(dom_add(s, "app"), "vda", "default", "a.qcow2", NULL);
	return s;
}

/* The report fed as the store streams a history (changes only) says what it says when fed
 * every snapshot whole, also when objects come, go and change between nights. */
static void test_streamed_is_whole(void **state)
{
	char dir[] = "/tmp/kvmhist-report-XXXXXX", *path, *a, *b, *cmd;
	const struct kh_snapshot *before, *after, *now;
	struct kh_snapshot *s, *prev = NULL;
	struct kh_report *streamed = kh_report_new(T0(), T0() + 5 * DAY);
	struct kh_report *whole = kh_report_new(T0(), T0() + 5 * DAY);
	struct kh_err err = { { 0 } };
	struct kh_store *st;
	struct kh_scan *sc;
	json_t *j, *v;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = kh_asprintf("%s/h.db", dir);
	assert_int_equal(kh_store_open(path, KH_OPEN_CREATE, &st, &err), 0);
	for (int n = 0; n < 6; n++) {
		s = changing_night(n);
		assert_int_equal(kh_store_put(st, s, &err), 0);
		kh_snapshot_free(s);
		assert_int_equal(kh_store_load(st, n + 1, &s, &err), 0);
		assert_int_equal(kh_report_add(whole, prev, s, &err), 0);
		kh_snapshot_free(prev);
		prev = s;
	}
	kh_snapshot_free(prev);
	assert_int_equal(kh_scan_open(st, URI1, T0(), T0() + 5 * DAY, &sc, &err), 0);
	while ((rc = kh_scan_next(sc, &before, &after, &now, &err)) == 1)
		assert_int_equal(kh_report_add_changes(streamed, before, after, now, &err), 0);
	assert_int_equal(rc, 0);
	kh_scan_close(sc);
	kh_store_close(st);

	a = kh_report_json(streamed);
	b = kh_report_json(whole);
	assert_string_equal(a, b);
	j = json_loads(a, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "volumes")), 2);
	v = find_named(json_object_get(j, "volumes"), "default", "a.qcow2");
	assert_int_equal(jint(v, "samples"), 6);
	assert_int_equal(jint(v, "growth_bytes_per_day"), GiB);
	assert_int_equal(jint(v, "capacity"), 200 * GiB);
	assert_int_equal(jint(v, "allocation"), 15 * GiB);
	assert_string_equal(jstr(v, "owner"), "app");
	v = find_named(json_object_get(j, "volumes"), "default", "c.qcow2");
	assert_int_equal(jint(v, "samples"), 4);
	assert_int_equal(jint(v, "allocation_at_start"), 3 * GiB);
	assert_int_equal(jint(v, "allocation"), 6 * GiB);
	v = find_named(json_object_get(j, "pools"), NULL, "default");
	assert_int_equal(jint(v, "available"), 985 * GiB);
	json_decref(j);
	free(a);
	free(b);
	kh_report_free(streamed);
	kh_report_free(whole);
	cmd = kh_asprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* The documented JSON shape: keys in order, types, nulls. */
static void test_json_shape(void **state)
{
	static const char *const top[] = { "period", "volumes", "pools", "drift" };
	static const char *const period[] = { "from", "to", "snapshots" };
	static const char *const vol[] = { "host", "pool", "name", "path", "capacity",
					   "allocation", "allocation_at_start",
					   "growth_bytes_per_day", "days_to_full", "full_on" };
	static const char *const pool[] = { "host", "name", "capacity", "allocation",
					    "available", "committed", "overcommit_ratio",
					    "growth_bytes_per_day", "days_to_full", "full_on" };
	struct kh_snapshot *s[6];
	struct kh_report *r = kh_report_new(T0(), T0() + 5 * DAY);
	json_t *j, *o, *v;
	const char *key;
	size_t i, k;

	(void)state;
	build_five_days(s, 6);
	feed(r, s, 6);
	j = report_json(r);
	k = 0;
	json_object_foreach(j, key, v) {
		if (k < 4)
			assert_string_equal(key, top[k]);
		k++;
	}
	o = json_object_get(j, "period");
	k = 0;
	json_object_foreach(o, key, v) {
		if (k < 3)
			assert_string_equal(key, period[k]);
		k++;
	}
	assert_string_equal(jstr(o, "from"), "2026-01-01T03:00:00Z");
	assert_string_equal(jstr(o, "to"), "2026-01-06T03:00:00Z");
	assert_int_equal(jint(o, "snapshots"), 6);

	assert_int_equal(json_array_size(json_object_get(j, "volumes")), 4);
	json_array_foreach(json_object_get(j, "volumes"), i, o) {
		k = 0;
		json_object_foreach(o, key, v) {
			if (k < 10)
				assert_string_equal(key, vol[k]);
			k++;
		}
		assert_string_equal(jstr(o, "host"), "kvm1");
		assert_string_equal(jstr(o, "uri"), URI1);
		assert_string_equal(jstr(o, "pool"), "default");
		(void)jint(o, "capacity");
		(void)jint(o, "allocation");
		(void)jint(o, "allocation_at_start");
		(void)jint(o, "growth_bytes_per_day");
		(void)jint(o, "samples");
		assert_true(json_is_boolean(json_object_get(o, "orphan")));
	}
	/* Sorted: forecast first, then by name. */
	assert_string_equal(jstr(json_array_get(json_object_get(j, "volumes"), 1), "name"),
			    "flat.qcow2");
	assert_string_equal(jstr(json_array_get(json_object_get(j, "volumes"), 2), "name"),
			    "shrink.qcow2");

	assert_int_equal(json_array_size(json_object_get(j, "pools")), 1);
	o = json_array_get(json_object_get(j, "pools"), 0);
	k = 0;
	json_object_foreach(o, key, v) {
		if (k < 10)
			assert_string_equal(key, pool[k]);
		k++;
	}
	assert_int_equal(jint(o, "capacity"), 1000 * GiB);
	assert_int_equal(jint(o, "allocation"), 105 * GiB);
	assert_int_equal(jint(o, "available"), 895 * GiB);
	assert_int_equal(jint(o, "committed"), (20 + 50 + 50 + 8) * GiB);
	assert_true(jnum(o, "overcommit_ratio") == 0.128);
	assert_int_equal(jint(o, "growth_bytes_per_day"), GiB);
	assert_true(jnum(o, "days_to_full") == 895.0);
	assert_string_equal(jstr(o, "full_on"), "2028-06-19");
	assert_true(json_is_array(json_object_get(j, "drift")));
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 6);
}

#define EVIL_DOMAIN "evil|*x*<b>"
#define EVIL_VOLUME "vol|_y_`z`[a](javascript:alert(1))"
#define EVIL_HOST "kvm<script>alert(1)</script>"

static struct kh_report *hostile_report(struct kh_snapshot **s)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 3 * DAY);

	for (int i = 0; i < 4; i++) {
		s[i] = snap_new(URI1, EVIL_HOST, T0() + i * DAY);
		pool_add(s[i], "po|ol", 100 * GiB, 10 * GiB + i * GiB, 90 * GiB - i * GiB);
		vol_add(s[i], "po|ol", EVIL_VOLUME, 20 * GiB, 10 * GiB + i * GiB);
		disk_add(dom_add(s[i], EVIL_DOMAIN), "vda", "po|ol", EVIL_VOLUME, NULL);
		kh_snapshot_sort(s[i]);
	}
	feed(r, s, 4);
	return r;
}

/* Counts '|' not escaped by a backslash. */
static size_t cell_breaks(const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\') {
			i++;
			continue;
		}
		n += line[i] == '|';
	}
	return n;
}

static void test_markdown_escapes(void **state)
{
	struct kh_snapshot *s[4];
	struct kh_report *r = hostile_report(s);
	char *md = kh_report_markdown(r);
	const char *p = md;
	size_t expect = 0, tables = 0;

	(void)state;
	assert_non_null(strstr(md, "evil\\|\\*x\\*&lt;b&gt;"));
	assert_non_null(strstr(md, "kvm&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(md, "vol\\|\\_y\\_\\`z\\`\\[a\\](javascript:alert(1))"));
	assert_null(strstr(md, "<b>"));
	assert_null(strstr(md, "<script"));
	/* Every row of a table has as many cell breaks as its header. */
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (p[0] == '|') {
			if (expect == 0) {
				expect = cell_breaks(p, len);
				tables++;
			}
			assert_int_equal(cell_breaks(p, len), expect);
		} else {
			expect = 0;
		}
		p += len + (nl != NULL);
	}
	assert_true(tables >= 3);
	free(md);
	kh_report_free(r);
	free_snaps(s, 4);
}

static void test_html(void **state)
{
	struct kh_snapshot *s[4];
	struct kh_report *r = hostile_report(s);
	struct kh_err err = { { 0 } };
	char *html = NULL;

	(void)state;
	setenv("KVMHIST_NOW", "2026-01-05T08:00:00Z", 1);
	assert_int_equal(kh_report_html(r, KH_SRCDIR "/templates", &html, &err), 0);
	assert_non_null(html);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<b>"));
	assert_null(strstr(html, "{{"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "href="));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "<style"));
	assert_null(strstr(html, "url("));
	assert_null(strstr(html, "http://"));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, "javascript:alert(1))\""));
	/* The names, escaped, in the tables and in the prose. */
	assert_non_null(strstr(html, ">evil|*x*&lt;b&gt;</td>"));
	assert_non_null(strstr(html, "kvm&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "<title>Storage report for kvm&lt;script&gt;"));
	assert_non_null(strstr(html, "Generated by kvmhist at 2026-01-05T08:00:00Z."));
	/* A bar for the pool: 13 of 100 GiB used. */
	assert_non_null(strstr(html, "<td width=\"13\" height=\"6\" bgcolor=\"#2da44e\""));
	assert_non_null(strstr(html, "<td width=\"87\" height=\"6\" bgcolor=\"#e5e7eb\""));
	assert_non_null(strstr(html, "<h2>Pools</h2>"));
	/* The body once, outside any comment. */
	assert_non_null(strstr(html, "<h1>"));
	assert_null(strstr(strstr(html, "<h1>") + 1, "<h1>"));
	assert_null(strstr(html, "<!--") && strstr(html, "<!--") < strstr(html, "<h1>") &&
			    strstr(strstr(html, "<!--"), "-->") > strstr(html, "<h1>")
		    ? html
		    : NULL);
	free(html);

	html = (char *)"untouched";
	assert_int_equal(kh_report_html(r, "/nonexistent/templates", &html, &err), -1);
	assert_null(html);
	assert_non_null(strstr(err.msg, "/nonexistent/templates/report.html"));
	kh_report_free(r);
	free_snaps(s, 4);
}

static void net_add(struct kh_snapshot *s, const char *name, int autostart)
{
	struct kh_network *n = kh_snapshot_add_network(s);

	n->name = kh_strdup(name);
	n->uuid = kh_strdup("6f1c2a70-0000-4000-8000-00000000000a");
	n->active = 1;
	n->autostart = autostart;
	n->persistent = 1;
	n->bridge = kh_strdup("virbr0");
	n->forward = kh_strdup("nat");
}

/* Four nights: new1 and a hostile domain appear, web1 goes, the network's autostart is
 * switched on, db1 gets two more vCPUs and its volume is resized. Allocation changes are
 * growth, not drift. */
static void test_drift(void **state)
{
	struct kh_snapshot *s[4];
	struct kh_report *r = kh_report_new(T0(), T0() + 3 * DAY);
	json_t *j, *d, *c;
	const char *key;
	char *md, *html;
	struct kh_err err;
	size_t i, k;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct kh_domain *db;

		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		pool_add(s[i], "default", 1000 * GiB, 100 * GiB + i * GiB, 900 * GiB - i * GiB);
		vol_add(s[i], "default", "db.qcow2", i == 3 ? 30 * GiB : 20 * GiB, 5 * GiB + i * GiB);
		db = dom_add(s[i], "db1");
		db->xml = kh_asprintf("<domain type='kvm'><name>db1</name><memory unit='KiB'>"
				      "1048576</memory><vcpu>%d</vcpu></domain>", i == 3 ? 4 : 2);
		disk_add(db, "vda", "default", "db.qcow2", NULL);
		if (i < 2)
			dom_add(s[i], "web1");
		if (i >= 1)
			dom_add(s[i], "new1");
		if (i >= 2)
			dom_add(s[i], EVIL_DOMAIN);
		net_add(s[i], "default", i >= 2);
		kh_snapshot_sort(s[i]);
	}
	feed(r, s, 4);
	j = report_json(r);
	d = json_object_get(j, "drift");
	assert_int_equal(json_array_size(d), 6);
	json_array_foreach(d, i, c) {
		json_t *v, *path = json_object_get(c, "path");

		k = 0;
		json_object_foreach(c, key, v) {
			if (k++ == 0)
				assert_string_equal(key, "taken_at");
		}
		assert_string_equal(jstr(c, "host"), "kvm1");
		assert_string_equal(jstr(c, "uri"), URI1);
		assert_true(json_is_null(path) ||
			    (strcmp(json_string_value(path), "allocation") != 0 &&
			     strcmp(json_string_value(path), "available") != 0));
	}
	c = json_array_get(d, 0);
	assert_string_equal(jstr(c, "taken_at"), "2026-01-02T03:00:00Z");
	assert_string_equal(jstr(c, "object"), "domain");
	assert_string_equal(jstr(c, "name"), "new1");
	assert_string_equal(jstr(c, "change"), "added");
	assert_jnull(c, "path");
	/* Night 3: web1 removed, the hostile one added, autostart on (in the diff's order). */
	for (i = 1; i <= 3; i++)
		assert_string_equal(jstr(json_array_get(d, i), "taken_at"), "2026-01-03T03:00:00Z");
	c = json_array_get(d, 3);
	assert_string_equal(jstr(c, "object"), "network");
	assert_string_equal(jstr(c, "path"), "autostart");
	assert_string_equal(jstr(c, "old"), "no");
	assert_string_equal(jstr(c, "new"), "yes");
	c = json_array_get(d, 4);
	assert_string_equal(jstr(c, "taken_at"), "2026-01-04T03:00:00Z");
	assert_string_equal(jstr(c, "name"), "db1");
	assert_string_equal(jstr(c, "path"), "/domain/vcpu");
	assert_string_equal(jstr(c, "old"), "2");
	assert_string_equal(jstr(c, "new"), "4");
	c = json_array_get(d, 5);
	assert_string_equal(jstr(c, "object"), "volume");
	assert_string_equal(jstr(c, "pool"), "default");
	assert_string_equal(jstr(c, "path"), "capacity");
	assert_int_equal(jint(c, "old"), 20 * GiB);
	assert_int_equal(jint(c, "new"), 30 * GiB);
	json_decref(j);

	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "- **Changes:** 2 domains added, 1 removed, 2 configuration "
				   "changes, 1 network change\n"));
	assert_non_null(strstr(md, "## Domains added and removed\n\n| When (UTC) | Host | Domain "
				   "| Change |\n| --- | --- | --- | --- |\n| 2026-01-02 03:00 | "
				   "kvm1 | new1 | added |\n"));
	assert_non_null(strstr(md, "| 2026-01-03 03:00 | kvm1 | web1 | removed |\n"));
	assert_non_null(strstr(md, "| 2026-01-03 03:00 | kvm1 | evil\\|\\*x\\*&lt;b&gt; | "
				   "added |\n"));
	assert_non_null(strstr(md, "| 2026-01-04 03:00 | kvm1 | domain | db1 | /domain/vcpu | "
				   "2 \xe2\x86\x92 4 |\n"));
	assert_non_null(strstr(md, "| 2026-01-04 03:00 | kvm1 | volume | default/db.qcow2 | "
				   "capacity | 20.0 GiB \xe2\x86\x92 30.0 GiB (+10.0 GiB) |\n"));
	assert_non_null(strstr(md, "## Networks changed\n\n"));
	assert_non_null(strstr(md, "| 2026-01-03 03:00 | kvm1 | default | autostart | "
				   "no \xe2\x86\x92 yes |\n"));
	free(md);
	assert_int_equal(kh_report_html(r, KH_SRCDIR "/templates", &html, &err), 0);
	assert_non_null(strstr(html, ">evil|*x*&lt;b&gt;</td>"));
	assert_null(strstr(html, "<b>"));
	free(html);
	kh_report_free(r);
	free_snaps(s, 4);
}

/* No snapshot at all: every format still renders, saying so. */
static void test_empty_report(void **state)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 7 * DAY);
	struct kh_err err;
	char *md, *html, *m;
	json_t *j;

	(void)state;
	kh_report_free(NULL);
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "- **Hosts:** none\n"));
	assert_non_null(strstr(md, "- **Period:** 2026-01-01 to 2026-01-08, 0 snapshots\n"));
	assert_non_null(strstr(md, "nothing is forecast to fill"));
	free(md);
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "volumes")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "pools")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "drift")), 0);
	assert_true(json_is_null(json_object_get(j, "fills_first")));
	json_decref(j);
	assert_int_equal(kh_report_html(r, KH_SRCDIR "/templates", &html, &err), 0);
	free(html);
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates", "a@example.org",
				      "b@example.org", NULL, &m, &err),
			 0);
	assert_non_null(strstr(m, "\r\nSubject: Storage report for no host: nothing is forecast "
				  "to fill\r\n"));
	free(m);
	kh_report_free(r);
}

/* ---- e-mail ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *qp_decode(const char *s, size_t n)
{
	struct kh_buf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=') {
			char c;

			assert_true(i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0);
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			kh_buf_add(&b, &c, 1);
			i += 2;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			kh_buf_add(&b, "\n", 1);
			i++;
		} else {
			kh_buf_add(&b, &s[i], 1);
		}
	}
	return kh_buf_steal(&b);
}

static int b64val(char c)
{
	const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(tab, c);

	return c && p ? (int)(p - tab) : -1;
}

/* Unfolds a header value and decodes its =?UTF-8?B?...?= words. */
static char *header_decode(const char *v)
{
	struct kh_buf b = { 0 };

	while (*v) {
		if (strncmp(v, "=?UTF-8?B?", 10) == 0) {
			const char *end = strstr(v + 10, "?=");
			unsigned acc = 0;
			int bits = 0;

			assert_non_null(end);
			for (const char *p = v + 10; p < end; p++) {
				char c;

				if (*p == '=')
					break;
				acc = acc << 6 | (unsigned)b64val(*p);
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					c = (char)(acc >> bits & 0xff);
					kh_buf_add(&b, &c, 1);
				}
			}
			v = end + 2;
			/* whitespace between two encoded words is dropped */
			if (strncmp(v, "\r\n =?", 5) == 0)
				v += 3;
		} else if (strncmp(v, "\r\n ", 3) == 0) {
			kh_buf_add(&b, " ", 1);
			v += 3;
		} else {
			kh_buf_add(&b, v++, 1);
		}
	}
	return kh_buf_steal(&b);
}

struct part {
	char *headers, *body;
};

struct message {
	char *headers;          /* raw, folded, CRLF */
	struct part parts[32];  /* the leaves: multipart/related parts are opened */
	size_t n_parts;
};

/* The value of a header (folded as is), or NULL. */
static char *header_get(const char *headers, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = headers; p && *p;) {
		const char *end = strstr(p, "\r\n");

		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			const char *v = p + len + 1, *e = end;

			while (*v == ' ')
				v++;
			while (e && e[2] == ' ')
				e = strstr(e + 2, "\r\n");
			return kh_strndup(v, (size_t)((e ? e : v + strlen(v)) - v));
		}
		p = end ? end + 2 : NULL;
	}
	return NULL;
}

/* The parts of a multipart body (headers ending in CRLF, then the body) into msg's leaves. */
static void parts_parse(const char *headers, const char *body, struct message *msg)
{
	const char *p;
	char *ct, *bnd, *delim;

	ct = header_get(headers, "Content-Type");
	assert_non_null(ct);
	assert_true(strncmp(ct, "multipart/", 10) == 0);
	bnd = strstr(ct, "boundary=\"");
	assert_non_null(bnd);
	bnd += 10;
	*strchr(bnd, '"') = '\0';
	delim = kh_asprintf("\r\n--%s", bnd);
	/* The preamble, then parts, each ended by CRLF--boundary. */
	p = strstr(body, delim + 2) == body ? body : strstr(body, delim);
	assert_non_null(p);
	p = strstr(p, bnd) + strlen(bnd);
	while (strncmp(p, "--", 2) != 0) {
		const char *start, *sep, *end;

		assert_true(strncmp(p, "\r\n", 2) == 0);
		start = p + 2;
		end = strstr(start, delim);
		assert_non_null(end);
		sep = strstr(start, "\r\n\r\n");
		assert_true(sep != NULL && sep < end);
		assert_true(msg->n_parts < 32);
		{
			char *h = kh_strndup(start, (size_t)(sep - start) + 2);
			char *sub = header_get(h, "Content-Type");
			char *cte = header_get(h, "Content-Transfer-Encoding");

			if (strncmp(sub, "multipart/", 10) == 0) {
				char *inner = kh_strndup(sep + 4, (size_t)(end - sep - 4));

				parts_parse(h, inner, msg);
				free(inner);
				free(h);
			} else {
				msg->parts[msg->n_parts].headers = h;
				msg->parts[msg->n_parts].body =
				    strcmp(cte, "quoted-printable") == 0
					? qp_decode(sep + 4, (size_t)(end - sep - 4))
					: kh_strndup(sep + 4, (size_t)(end - sep - 4));
				msg->n_parts++;
			}
			free(sub);
			free(cte);
		}
		p = end + strlen(delim);
	}
	assert_true(strncmp(p, "--\r\n", 4) == 0 || strcmp(p, "--") == 0);
	free(delim);
	free(ct);
}

/* Removes from s each run from `open` to the first `close` after it, both included. */
static void strip_between(char *s, const char *open, const char *close)
{
	char *p;

	while ((p = strstr(s, open)) != NULL) {
		char *end = strstr(p, close);

		assert_non_null(end);
		end += strlen(close);
		memmove(p, end, strlen(end) + 1);
	}
}

static void message_parse(const char *m, struct message *msg)
{
	const char *body = strstr(m, "\r\n\r\n");
	char *ct;

	memset(msg, 0, sizeof *msg);
	assert_non_null(body);
	msg->headers = kh_strndup(m, (size_t)(body - m) + 2);
	ct = header_get(msg->headers, "Content-Type");
	assert_non_null(ct);
	assert_true(strncmp(ct, "multipart/alternative;", 22) == 0);
	free(ct);
	parts_parse(msg->headers, body + 4, msg);
}

static void message_free(struct message *msg)
{
	free(msg->headers);
	for (size_t i = 0; i < msg->n_parts; i++) {
		free(msg->parts[i].headers);
		free(msg->parts[i].body);
	}
}

static void test_email(void **state)
{
	struct kh_snapshot *s[6];
	struct kh_report *r = kh_report_new(T0(), T0() + 5 * DAY);
	struct kh_err err;
	struct message msg;
	char *m = NULL, *md, *html, *v, *d;

	(void)state;
	setenv("KVMHIST_NOW", "2026-01-06T04:00:00Z", 1);
	build_five_days(s, 6);
	feed(r, s, 6);
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates", "ops@example.org, "
				      "Stör Team <store@example.org>",
				      "kvmhist <kvmhist@example.org>", NULL, &m, &err),
			 0);
	/* CRLF only, 7-bit, lines within 998 and, past the headers, within 76. */
	for (const char *p = m, *line = m, *body = strstr(m, "\r\n\r\n"); *p; p++) {
		if (*p == '\n') {
			assert_true(p > m && p[-1] == '\r');
			assert_true(p - line <= 999);
			assert_true(line < body || p - 1 - line <= 76);
			line = p + 1;
		}
		assert_true((unsigned char)*p < 0x80 && *p != '\0');
	}
	message_parse(m, &msg);
	v = header_get(msg.headers, "Date");
	assert_string_equal(v, "Tue, 06 Jan 2026 04:00:00 +0000");
	free(v);
	v = header_get(msg.headers, "From");
	assert_string_equal(v, "kvmhist <kvmhist@example.org>");
	free(v);
	v = header_get(msg.headers, "To");
	d = header_decode(v);
	assert_string_equal(d, "ops@example.org, St\xc3\xb6r Team <store@example.org>");
	assert_null(strchr(v, 0xc3));
	free(v);
	free(d);
	v = header_get(msg.headers, "Subject");
	assert_string_equal(v, "Storage report for kvm1: db.qcow2 on kvm1 full on 2026-01-11 "
				 "(in 5 days)");
	free(v);
	v = header_get(msg.headers, "Message-ID");
	assert_non_null(v);
	assert_true(v[0] == '<' && v[strlen(v) - 1] == '>');
	assert_non_null(strstr(v, "@example.org>"));
	free(v);
	v = header_get(msg.headers, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);

	/* the text, the HTML, and a PNG for each chart: pool default and the growing db.qcow2 */
	assert_int_equal(msg.n_parts, 4);
	v = header_get(msg.parts[0].headers, "Content-Type");
	assert_string_equal(v, "text/plain; charset=UTF-8");
	free(v);
	v = header_get(msg.parts[1].headers, "Content-Type");
	assert_string_equal(v, "text/html; charset=UTF-8");
	free(v);
	v = header_get(msg.parts[1].headers, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	for (size_t i = 2; i < msg.n_parts; i++) {
		char *cid = header_get(msg.parts[i].headers, "Content-ID"), *src;

		v = header_get(msg.parts[i].headers, "Content-Type");
		assert_string_equal(v, "image/png");
		free(v);
		v = kh_asprintf("<chart%zu@kvmhist>", i - 1);
		assert_string_equal(cid, v);
		free(v);
		src = kh_asprintf("<img src=\"cid:chart%zu@kvmhist\" ", i - 1);
		assert_non_null(strstr(msg.parts[1].body, src));
		free(src);
		free(cid);
	}
	/* mail clients show no SVG: the page's charts are those images, the rest the same */
	assert_null(strstr(msg.parts[1].body, "<svg"));
	/* The text part is for mutt and mail: columns aligned with spaces (as `kvmhist
	 * snapshots` prints them), numbers to the right, no Markdown; --format md stays it. */
	assert_non_null(strstr(msg.parts[0].body,
			       "\n\nAct first\n\n"
			       "What                             Host  Full on                  "
			       "           Used    Capacity  Growth/day\n"
			       "-------------------------------------------------------------------"
			       "------------------------------------\n"
			       "volume db.qcow2 in pool default  kvm1  2026-01-11, in 5 days    "
			       " 15.0 GiB (75%)    20.0 GiB    +1.0 GiB\n"
			       "pool default                     kvm1  2028-06-19, in 895 days  "
			       "105.0 GiB (10%)  1000.0 GiB    +1.0 GiB\n\n"));
	assert_non_null(strstr(msg.parts[0].body,
			       "\nHost  Pool     Volume    Owner            Used  Growth/day  "
			       "Since start  Full on                Trend\n"));
	assert_non_null(strstr(msg.parts[0].body,
			       "\nkvm1  default  db.qcow2  db1    15.0 GiB (75%)    +1.0 GiB     "
			       "+5.0 GiB  2026-01-11, in 5 days  \xe2\x96\x81"));
	assert_null(strstr(msg.parts[0].body, "|"));
	assert_null(strstr(msg.parts[0].body, "**"));
	assert_null(strstr(msg.parts[0].body, "## "));
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "| Host | Pool | Volume |"));
	assert_int_equal(kh_report_html(r, KH_SRCDIR "/templates", &html, &err), 0);
	/* each chart's title as text over its image, not drawn in the PNG */
	assert_non_null(strstr(msg.parts[1].body,
			       "<p style=\"margin:0 0 2px 0\"><strong>pool default on kvm1</strong></p>\n"
			       "<p style=\"margin:0 0 12px 0\"><img src=\"cid:chart1@kvmhist\" "));
	strip_between(msg.parts[1].body, "<p style=\"margin:0 0 2px 0\"><strong>", "</p>\n");
	strip_between(msg.parts[1].body, "<p style=\"margin:0 0 12px 0\"><img ", "</p>\n");
	strip_between(html, "<div style=\"margin:0 0 12px 0\">\n<svg ", "</svg>\n</div>\n");
	assert_string_equal(msg.parts[1].body, html);
	free(md);
	free(html);
	message_free(&msg);
	free(m);

	/* A subject of our own, non-ASCII: encoded, and decodes back. */
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates", "ops@example.org",
				      "kvmhist@example.org",
				      "Speicherbericht f\xc3\xbcr kvm1 \xe2\x80\x94 "
				      "Woche 2, eine ziemlich lange Betreffzeile mit Umlauten "
				      "\xc3\xa4\xc3\xb6\xc3\xbc",
				      &m, &err),
			 0);
	message_parse(m, &msg);
	v = header_get(msg.headers, "Subject");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	d = header_decode(v);
	assert_string_equal(d, "Speicherbericht f\xc3\xbcr kvm1 \xe2\x80\x94 Woche 2, eine "
			       "ziemlich lange Betreffzeile mit Umlauten \xc3\xa4\xc3\xb6\xc3\xbc");
	free(v);
	free(d);
	message_free(&msg);
	free(m);
	m = NULL;

	/* Header injection. */
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates", "ops@example.org",
				      "kvmhist@example.org", "Report\r\nBcc: all@example.org",
				      &m, &err),
			 -1);
	assert_null(m);
	assert_non_null(strstr(err.msg, "subject"));
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates",
				      "ops@example.org\nBcc: all@example.org",
				      "kvmhist@example.org", NULL, &m, &err),
			 -1);
	assert_non_null(strstr(err.msg, "To"));
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates", "ops@example.org",
				      "kvmhist@example.org\r", NULL, &m, &err),
			 -1);
	assert_int_equal(kh_report_email(r, "/nonexistent", "ops@example.org",
				      "kvmhist@example.org", NULL, &m, &err),
			 -1);
	assert_non_null(strstr(err.msg, "/nonexistent/report.html"));
	kh_report_free(r);
	free_snaps(s, 6);
}

/* A hostile hostname in the default subject cannot add a header either. */
static void test_email_hostile_subject(void **state)
{
	struct kh_snapshot *s[4];
	struct kh_report *r = kh_report_new(T0(), T0() + 3 * DAY);
	struct kh_err err;
	struct message msg;
	char *m, *v;

	(void)state;
	for (int i = 0; i < 4; i++) {
		s[i] = snap_new(URI1, "kvm1\r\nBcc: x@example.org", T0() + i * DAY);
		vol_add(s[i], "default", "d\xc3\xa9j\xc3\xa0.qcow2", 10 * GiB, GiB + i * GiB);
	}
	feed(r, s, 4);
	assert_int_equal(kh_report_email(r, KH_SRCDIR "/templates", "ops@example.org",
				      "kvmhist@example.org", NULL, &m, &err),
			 0);
	message_parse(m, &msg);
	assert_null(header_get(msg.headers, "Bcc"));
	v = header_get(msg.headers, "Subject");
	assert_true(strncmp(v, "=?UTF-8?B?", 10) == 0);
	free(v);
	message_free(&msg);
	free(m);
	kh_report_free(r);
	free_snaps(s, 4);
}

/* ---- pools sharing one filesystem ---- */

/* `n` nights of host URI1: pools "default" and "lab" as two directories of one 1 TiB
 * filesystem (numbers read a few KiB apart, as libvirt reads them one after the other) that
 * grows 2 GiB a night, and "other", a filesystem of the same size whose numbers differ. */
static void build_shared(struct kh_snapshot **s, int n, const char *lab_type)
{
	for (int i = 0; i < n; i++) {
		int64_t used = 400 * GiB + i * 2 * GiB;

		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		pool_add(s[i], "default", 1024 * GiB, used, 1024 * GiB - used);
		pool_add(s[i], "lab", 1024 * GiB, used + 8192, 1024 * GiB - used - 8192);
		free(s[i]->pools[1].type);
		s[i]->pools[1].type = kh_strdup(lab_type);
		pool_add(s[i], "other", 1024 * GiB, used + 3 * GiB, 1021 * GiB - used);
		vol_add(s[i], "default", "a.qcow2", 10 * GiB, GiB);
		vol_add(s[i], "lab", "big.qcow2", 8000 * GiB, used);
		vol_add(s[i], "lab", "c.qcow2", 2000 * GiB, GiB);
		vol_add(s[i], "other", "d.qcow2", 100 * GiB, GiB);
		kh_snapshot_sort(s[i]);
	}
}

static json_t *storage_of(json_t *j, const char *pool)
{
	size_t i, k;
	json_t *st, *p;

	json_array_foreach(json_object_get(j, "storage"), i, st) {
		json_array_foreach(json_object_get(st, "pools"), k, p) {
			if (strcmp(json_string_value(p), pool) == 0)
				return st;
		}
	}
	fail_msg("no storage holds pool '%s'", pool);
	return NULL;
}

static void test_shared_storage(void **state)
{
	struct kh_snapshot *s[5];
	struct kh_report *r = kh_report_new(T0(), T0() + 4 * DAY);
	json_t *j, *st, *p, *with;
	char *md;

	(void)state;
	build_shared(s, 5, "dir");
	feed(r, s, 5);
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "storage")), 2);
	st = storage_of(j, "lab");
	assert_ptr_equal(st, storage_of(j, "default"));
	assert_int_equal(json_array_size(json_object_get(st, "pools")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(st, "pools"), 0)),
			    "default");
	assert_string_equal(jstr(st, "host"), "kvm1");
	assert_string_equal(jstr(st, "uri"), URI1);
	assert_int_equal(jint(st, "capacity"), 1024 * GiB);
	assert_int_equal(jint(st, "allocation"), 408 * GiB); /* default's: the first by name */
	/* committed over the volumes of both pools: 10 + 8000 + 2000 GiB on 1 TiB */
	assert_int_equal(jint(st, "committed"), 10010 * GiB);
	assert_true(jnum(st, "overcommit") == 9.775);
	assert_int_equal(jint(st, "volumes"), 3);
	assert_int_equal(jint(st, "growth_bytes_per_day"), 2 * GiB);
	assert_true(jnum(st, "days_to_full") == 308.0);
	assert_true(json_is_true(json_object_get(st, "fills_before_volumes")));

	/* each pool names the other; "other" agrees in capacity only */
	with = json_object_get(find_named(json_object_get(j, "pools"), NULL, "lab"),
			       "shares_storage_with");
	assert_int_equal(json_array_size(with), 1);
	assert_string_equal(json_string_value(json_array_get(with, 0)), "default");
	with = json_object_get(find_named(json_object_get(j, "pools"), NULL, "default"),
			       "shares_storage_with");
	assert_string_equal(json_string_value(json_array_get(with, 0)), "lab");
	p = find_named(json_object_get(j, "pools"), NULL, "other");
	assert_int_equal(json_array_size(json_object_get(p, "shares_storage_with")), 0);
	st = storage_of(j, "other");
	assert_int_equal(json_array_size(json_object_get(st, "pools")), 1);
	assert_int_equal(jint(st, "committed"), 100 * GiB);
	/* a pool's own figures stay its own */
	p = find_named(json_object_get(j, "pools"), NULL, "lab");
	assert_int_equal(jint(p, "committed"), 10000 * GiB);
	json_decref(j);

	/* Markdown: one row for the filesystem, its pools named, overcommit over both; ranked
	 * with what else to act on, after "other" (3 GiB fuller), before its volumes */
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "| kvm1 | default, lab | 1.0 TiB | 408.0 GiB (39%) | 616.0 GiB "
				   "| 9.8 TiB | 9.78x | +2.0 GiB | 2026-11-09, in 308 days | 2 pools "
				   "on one filesystem; fills before its volumes do | ▁▃▅▆█ |\n"));
	assert_non_null(strstr(md, "- **Covers:** 1 host, 3 pools on 2 filesystems, 4 volumes\n"));
	assert_non_null(strstr(md, "## Act first\n\n| What | Host | Full on | Used | Capacity | "
				   "Growth/day |\n| --- | --- | --- | ---: | ---: | ---: |\n"
				   "| pool other | kvm1 | 2026-11-07, in 306 days |"));
	assert_non_null(strstr(md, "|\n| pools default, lab | kvm1 | 2026-11-09, in 308 days |"));
	assert_null(strstr(md, "## Hosts\n")); /* one host: no table of hosts */
	free(md);
	/* --top 1: each list one row, and what the rest hold */
	kh_report_set_top(r, 1);
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "And 2 more pools, none filling within 30 days; the JSON report "
				   "lists them all.\n"));
	assert_non_null(strstr(md, "And 2 more pools and volumes forecast to fill, none filling "
				   "within 30 days; the JSON report lists them all.\n"));
	free(md);
	kh_report_free(r);
	free_snaps(s, 5);
}

/* Never grouped: numbers that part once, numbers that never move, a pool whose numbers are
 * not a filesystem's, a pool of another host. */
static void test_shared_storage_not(void **state)
{
	struct kh_snapshot *s[5], *t[5];
	struct kh_report *r;
	struct kh_err err;
	json_t *j;

	(void)state;
	/* lab is a logical pool: a volume group of the same size is no shared directory */
	r = kh_report_new(T0(), T0() + 4 * DAY);
	build_shared(s, 5, "logical");
	feed(r, s, 5);
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "storage")), 3);
	json_decref(j);
	kh_report_free(r);

	/* one night 200 MiB apart: past the tolerance (1.1 MB: 0.0001 % of 1 TiB) */
	r = kh_report_new(T0(), T0() + 4 * DAY);
	free_snaps(s, 5);
	build_shared(s, 5, "dir");
	s[3]->pools[1].allocation += 200 * MiB;
	feed(r, s, 5);
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "storage")), 3);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 5);

	/* two test-driver pools of 100 GiB that grow alike, 2 to 4 MiB apart (as in the bench
	 * fleet): their numbers differ */
	r = kh_report_new(T0(), T0() + 29 * DAY);
	for (int i = 0; i < 30; i++) {
		struct kh_snapshot *x = snap_new(URI1, "kvm1", T0() + i * DAY);
		int64_t a = 548 * MiB + i * 4096 * 1024, b = 546 * MiB + i * 4014 * 1024;

		pool_add(x, "pool06", 100 * GiB, a, 100 * GiB - a);
		pool_add(x, "pool08", 100 * GiB, b, 100 * GiB - b);
		assert_int_equal(kh_report_add(r, NULL, x, &err), 0);
		kh_snapshot_free(x);
	}
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "storage")), 2);
	json_decref(j);
	kh_report_free(r);

	/* equal to the byte, but never moving: two idle filesystems of one size look the same */
	r = kh_report_new(T0(), T0() + 4 * DAY);
	for (int i = 0; i < 5; i++) {
		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		pool_add(s[i], "a", 100 * GiB, 0, 100 * GiB);
		pool_add(s[i], "b", 100 * GiB, 0, 100 * GiB);
		t[i] = snap_new(URI2, "kvm2", T0() + i * DAY);
		pool_add(t[i], "a", 100 * GiB, GiB + i * GiB, 99 * GiB - i * GiB);
		pool_add(t[i], "c", 100 * GiB, 2 * GiB + i * GiB, 98 * GiB - i * GiB);
		/* host 1's pool "m" moves exactly as host 2's "a": hosts never share */
		pool_add(s[i], "m", 100 * GiB, GiB + i * GiB, 99 * GiB - i * GiB);
	}
	for (int i = 0; i < 5; i++) {
		assert_int_equal(kh_report_add(r, i ? s[i - 1] : NULL, s[i], &err), 0);
		assert_int_equal(kh_report_add(r, i ? t[i - 1] : NULL, t[i], &err), 0);
	}
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(j, "storage")), 5);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 5);
	free_snaps(t, 5);
}

/* Streamed as the store gives it, the grouping is the same. */
static void test_shared_storage_streamed(void **state)
{
	struct kh_snapshot *s[5];
	struct kh_report *r = kh_report_new(T0(), T0() + 4 * DAY);
	struct kh_err err;
	json_t *j;

	(void)state;
	build_shared(s, 5, "dir");
	for (int i = 0; i < 5; i++) {
		struct kh_snapshot *none = kh_snapshot_new();

		none->host.uri = kh_strdup(URI1);
		none->taken_at = s[i]->taken_at;
		/* same objects every night: only the numbers of `now` are read after the first */
		assert_int_equal(kh_report_add_changes(r, i ? none : NULL, i ? none : NULL, s[i],
						       &err), 0);
		kh_snapshot_free(none);
	}
	j = report_json(r);
	assert_int_equal(json_array_size(json_object_get(storage_of(j, "lab"), "pools")), 2);
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 5);
}

/* The device a local collector found each target on. */
static void pool_on(struct kh_snapshot *s, const char *name, const char *device)
{
	for (size_t i = 0; i < s->n_pools; i++)
		if (strcmp(s->pools[i].name, name) == 0) {
			free(s->pools[i].target_device);
			s->pools[i].target_device = device ? kh_strdup(device) : NULL;
			return;
		}
	fail_msg("no pool '%s'", name);
}

/* Feeds the n snapshots of one host to a report (sealed, or kept whole) and checks its
 * storages: `groups` is each storage's pools joined by ',', the storages apart by ' ' ("a,b
 * c"). Each pool with "shares_storage_with" the others of its storage. */
static void assert_grouping(struct kh_snapshot **s, size_t n, int seal, const char *groups)
{
	struct kh_report *r = kh_report_new(s[0]->taken_at, s[n - 1]->taken_at);
	char *want = kh_strdup(groups), *save = NULL;
	size_t count = 0;
	json_t *j;

	feed(r, s, n);
	if (seal)
		kh_report_seal(r);
	j = report_json(r);
	for (char *g = strtok_r(want, " ", &save); g; g = strtok_r(NULL, " ", &save), count++) {
		char *first = kh_strndup(g, strcspn(g, ","));
		json_t *st = storage_of(j, first), *p;
		size_t n_with = json_array_size(json_object_get(
			find_named(json_object_get(j, "pools"), NULL, first), "shares_storage_with"));
		struct kh_buf b = { 0 };
		size_t i;
		char *got;

		json_array_foreach(json_object_get(st, "pools"), i, p)
			kh_buf_printf(&b, "%s%s", i ? "," : "", json_string_value(p));
		got = kh_buf_steal(&b);
		assert_string_equal(got, g);
		assert_int_equal(n_with + 1, json_array_size(json_object_get(st, "pools")));
		free(got);
		free(first);
	}
	assert_int_equal(json_array_size(json_object_get(j, "storage")), count);
	json_decref(j);
	kh_report_free(r);
	free(want);
}

/* Where both targets' devices are known the device decides: one device is one storage over
 * a single snapshot (idle: the numbers prove nothing) and although the numbers were read
 * apart; where one is unknown, or they differ, the numbers' rule is as before. */
static void test_shared_storage_device(void **state)
{
	struct kh_snapshot *s[5];

	(void)state;
	/* one snapshot: a and b on 8:1, b read 100 MiB later; c the same numbers as a on
	 * another device; d the same as a, device unknown; e a volume group said to be on 8:1 */
	s[0] = snap_new(URI1, "kvm1", T0());
	pool_add(s[0], "a", 100 * GiB, 10 * GiB, 90 * GiB);
	pool_add(s[0], "b", 100 * GiB, 10 * GiB + 100 * MiB, 90 * GiB - 100 * MiB);
	pool_add(s[0], "c", 100 * GiB, 10 * GiB, 90 * GiB);
	pool_add(s[0], "d", 100 * GiB, 10 * GiB, 90 * GiB);
	pool_add(s[0], "e", 100 * GiB, 10 * GiB, 90 * GiB);
	free(s[0]->pools[4].type);
	s[0]->pools[4].type = kh_strdup("logical");
	pool_on(s[0], "a", "8:1");
	pool_on(s[0], "b", "8:1");
	pool_on(s[0], "c", "0:45");
	pool_on(s[0], "e", "8:1");
	kh_snapshot_sort(s[0]);
	assert_grouping(s, 1, 0, "a,b c d e");
	assert_grouping(s, 1, 1, "a,b c d e"); /* its host done, the feeds freed */
	kh_snapshot_free(s[0]);

	/* default and lab move together: one device unknown, or two devices (btrfs
	 * subvolumes of one filesystem have one each), and the numbers still join them */
	for (int k = 0; k < 2; k++) {
		build_shared(s, 5, "dir");
		for (int i = 0; i < 5; i++) {
			pool_on(s[i], "default", "0:50");
			pool_on(s[i], "lab", k ? "0:51" : NULL);
			pool_on(s[i], "other", "0:52");
		}
		assert_grouping(s, 5, 0, "default,lab other");
		free_snaps(s, 5);
	}

	/* x and y on one device, y read 100 MiB apart; z moves with x but not with y: the
	 * three are not one group, and z alone leaves x and y together */
	for (int i = 0; i < 5; i++) {
		int64_t used = 400 * GiB + i * 2 * GiB;

		s[i] = snap_new(URI1, "kvm1", T0() + i * DAY);
		pool_add(s[i], "x", 1024 * GiB, used, 1024 * GiB - used);
		pool_add(s[i], "y", 1024 * GiB, used + 100 * MiB, 1024 * GiB - used - 100 * MiB);
		pool_add(s[i], "z", 1024 * GiB, used + 8192, 1024 * GiB - used - 8192);
		pool_on(s[i], "x", "8:1");
		pool_on(s[i], "y", "8:1");
		kh_snapshot_sort(s[i]);
	}
	assert_grouping(s, 5, 0, "x,y z");
	free_snaps(s, 5);
}

/* Written to a file as it is made, the JSON is the string byte for byte, past the flushes. */
static void test_json_written(void **state)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 2 * DAY);
	struct kh_err err;
	char *whole, *file;
	FILE *f = tmpfile();
	size_t len;
	long n;

	(void)state;
	for (int k = 0; k < 3; k++) {
		struct kh_snapshot *s = snap_new(URI1, "kvm1", T0() + k * DAY);

		pool_add(s, "default", 100 * GiB, 10 * GiB, 90 * GiB);
		for (int v = 0; v < 400; v++) { /* some 400 KB: several flushes */
			char name[32];

			snprintf(name, sizeof name, "v%03d.qcow2", v);
			vol_add(s, "default", name, 10 * GiB, GiB + k * v * MiB);
		}
		kh_snapshot_sort(s);
		assert_int_equal(kh_report_add(r, NULL, s, &err), 0);
		kh_snapshot_free(s);
	}
	whole = kh_report_json(r);
	assert_non_null(f);
	assert_int_equal(kh_report_json_write(r, f), 0);
	n = ftell(f);
	len = strlen(whole);
	assert_true(len > 200000);
	assert_int_equal((size_t)n, len);
	rewind(f);
	file = kh_malloc(len + 1);
	assert_int_equal(fread(file, 1, len, f), len);
	assert_memory_equal(file, whole, len);
	fclose(f);
	free(file);
	free(whole);
	kh_report_free(r);
}

/* Each host done as soon as it is fed, then sealed: the same report as kept whole, in every
 * format; feeding a done host or a sealed report is refused. */
static void test_hosts_done_sealed(void **state)
{
	struct kh_snapshot *s[5], *t[5];
	struct kh_report *whole = kh_report_new(T0(), T0() + 4 * DAY);
	struct kh_report *done = kh_report_new(T0(), T0() + 4 * DAY);
	struct kh_err err;
	char *a, *b;

	(void)state;
	build_shared(s, 5, "dir");
	build_five_days(t, 5);
	for (int i = 0; i < 5; i++) {
		free(t[i]->host.uri);
		t[i]->host.uri = kh_strdup(URI2);
	}
	feed(whole, s, 5);
	feed(whole, t, 5);
	feed(done, s, 5);
	kh_report_host_done(done, URI1);
	assert_int_equal(kh_report_add(done, s[3], s[4], &err), -1);
	assert_non_null(strstr(err.msg, "after its host was done"));
	kh_report_free(done);

	done = kh_report_new(T0(), T0() + 4 * DAY);
	feed(done, s, 5);
	kh_report_host_done(done, URI1);
	free_snaps(s, 5);
	feed(done, t, 5);
	kh_report_seal(done);
	assert_int_equal(kh_report_add(done, t[3], t[4], &err), -1);
	assert_non_null(strstr(err.msg, "sealed"));
	a = kh_report_json(whole);
	b = kh_report_json(done);
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = kh_report_markdown(whole);
	b = kh_report_markdown(done);
	assert_string_equal(a, b);
	free(a);
	free(b);
	b = kh_report_markdown(done); /* the analysis is kept: made once, read twice */
	a = kh_report_markdown(whole);
	assert_string_equal(a, b);
	free(a);
	free(b);
	kh_report_free(whole);
	kh_report_free(done);
	free_snaps(t, 5);
}

/* Hosts that share a hostname get labels that tell them apart; the config's label wins. */
static void test_host_labels(void **state)
{
	static const char *const uris[] = { "test:///a.xml", "test:///b.xml", URI1, URI2 };
	static const char *const names[] = { "vm", "vm", "kvm1", "kvm2" };
	struct kh_report *r = kh_report_new(T0(), T0() + DAY);
	struct kh_snapshot *s[4];
	struct kh_err err;
	json_t *j, *hosts;
	const char *want[] = { "vm (test:///a.xml)", "vm (test:///b.xml)", "kvm1", "rack 7" };

	(void)state;
	kh_report_set_label(r, URI2, "rack 7");
	for (int k = 0; k < 4; k++) {
		s[k] = snap_new(uris[k], names[k], T0() + k);
		assert_int_equal(kh_report_add(r, NULL, s[k], &err), 0);
	}
	j = report_json(r);
	hosts = json_object_get(json_object_get(j, "period"), "hosts");
	for (size_t k = 0; k < 4; k++) {
		json_t *h = json_array_get(hosts, k);

		assert_string_equal(jstr(h, "uri"), uris[k]);
		assert_string_equal(jstr(h, "host"), names[k]);
		assert_string_equal(jstr(h, "label"), want[k]);
	}
	json_decref(j);
	kh_report_free(r);
	free_snaps(s, 4);
}

/* A later hostname relabels: once the second "vm" is renamed, the first is plain "vm". */
static void test_host_labels_renamed(void **state)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 2 * DAY);
	struct kh_snapshot *a = snap_new("test:///a.xml", "vm", T0());
	struct kh_snapshot *b = snap_new("test:///b.xml", "vm", T0() + 1);
	struct kh_snapshot *c = snap_new("test:///b.xml", "web", T0() + DAY);
	struct kh_err err;
	json_t *j, *hosts;

	(void)state;
	assert_int_equal(kh_report_add(r, NULL, a, &err), 0);
	assert_int_equal(kh_report_add(r, NULL, b, &err), 0);
	assert_int_equal(kh_report_add(r, b, c, &err), 0);
	j = report_json(r);
	hosts = json_object_get(json_object_get(j, "period"), "hosts");
	assert_string_equal(jstr(json_array_get(hosts, 0), "label"), "vm");
	assert_string_equal(jstr(json_array_get(hosts, 1), "label"), "web");
	json_decref(j);
	kh_report_free(r);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	kh_snapshot_free(c);
}

/* The summary and the hosts, ranked by risk across hosts: a storage ahead of its volumes
 * only when it fills first; hosts by what fills first on them, then by overcommit. */
static void test_ranked_by_risk(void **state)
{
	struct kh_report *r = kh_report_new(T0(), T0() + 4 * DAY);
	struct kh_snapshot *s[3][5];
	struct kh_err err;
	json_t *j, *risks, *hosts, *sum;
	static const char *const uris[] = { URI1, URI2, "qemu+ssh://kvm3/system" };
	static const char *const names[] = { "kvm1", "kvm2", "kvm3" };

	(void)state;
	for (int i = 0; i < 5; i++) {
		for (int h = 0; h < 3; h++)
			s[h][i] = snap_new(uris[h], names[h], T0() + i * DAY + h);
		/* kvm1: a volume full in 20 days, its pool in 90 */
		pool_add(s[0][i], "p", 100 * GiB, 10 * GiB + i * GiB, 90 * GiB - i * GiB);
		vol_add(s[0][i], "p", "v", 30 * GiB, 6 * GiB + i * GiB);
		/* kvm2: a thin pool full in 5 days, before its volume (in 491) */
		pool_add(s[1][i], "thin", 100 * GiB, 82 * GiB + i * 2 * GiB, 18 * GiB - i * 2 * GiB);
		vol_add(s[1][i], "thin", "w", 1000 * GiB, 10 * GiB + i * 2 * GiB);
		/* kvm3: nothing grows; 3x overcommitted */
		pool_add(s[2][i], "q", 100 * GiB, 10 * GiB, 90 * GiB);
		vol_add(s[2][i], "q", "x", 300 * GiB, 10 * GiB);
		for (int h = 0; h < 3; h++)
			kh_snapshot_sort(s[h][i]);
	}
	for (int i = 0; i < 5; i++)
		for (int h = 2; h >= 0; h--)
			assert_int_equal(kh_report_add(r, i ? s[h][i - 1] : NULL, s[h][i], &err), 0);
	kh_report_set_warn_days(r, 30);
	j = report_json(r);
	sum = json_object_get(j, "summary");
	assert_int_equal(jint(sum, "hosts"), 3);
	assert_int_equal(jint(sum, "pools"), 3);
	assert_int_equal(jint(sum, "volumes"), 3);
	assert_int_equal(jint(sum, "storage"), 3);
	assert_int_equal(jint(sum, "storage_filling_within_warn_days"), 1);
	assert_int_equal(jint(sum, "volumes_filling_within_warn_days"), 1);
	risks = json_object_get(j, "act_first");
	assert_int_equal(json_array_size(risks), 4);
	assert_string_equal(jstr(json_array_get(risks, 0), "object"), "storage");
	assert_string_equal(jstr(json_array_get(risks, 0), "uri"), URI2);
	assert_true(jnum(json_array_get(risks, 0), "days_to_full") == 5.0);
	assert_string_equal(jstr(json_array_get(risks, 1), "object"), "volume");
	assert_string_equal(jstr(json_array_get(risks, 1), "name"), "v");
	assert_true(jnum(json_array_get(risks, 1), "days_to_full") == 20.0);
	assert_string_equal(jstr(json_array_get(risks, 2), "object"), "storage");
	assert_string_equal(jstr(json_array_get(risks, 2), "uri"), URI1);
	assert_string_equal(jstr(json_array_get(risks, 3), "name"), "w");
	hosts = json_object_get(j, "hosts");
	assert_int_equal(json_array_size(hosts), 3);
	assert_string_equal(jstr(json_array_get(hosts, 0), "uri"), URI2);
	assert_string_equal(jstr(json_object_get(json_array_get(hosts, 0), "fills_first"),
				 "object"), "storage");
	assert_int_equal(jint(json_array_get(hosts, 0), "filling_within_warn_days"), 1);
	assert_string_equal(jstr(json_array_get(hosts, 1), "uri"), URI1);
	assert_string_equal(jstr(json_array_get(hosts, 2), "uri"), "qemu+ssh://kvm3/system");
	assert_jnull(json_array_get(hosts, 2), "fills_first");
	assert_true(jnum(json_array_get(hosts, 2), "worst_overcommit") == 3.0);
	assert_int_equal(jint(json_array_get(hosts, 2), "pools"), 1);
	assert_int_equal(jint(json_array_get(hosts, 2), "volumes"), 1);
	json_decref(j);
	kh_report_free(r);
	for (int h = 0; h < 3; h++)
		free_snaps(s[h], 5);
}

/* A fleet of mixed hosts (two called alike, one with the first risks; pools that fill, and
 * one never measured; volumes growing, fast and far from full, bursting, orphaned, owned,
 * still), fed host by host as kvmhist report feeds it, or night by night. */
static struct kh_report *mixed_fleet(int by_host)
{
	enum { HOSTS = 9, NIGHTS = 6 };
	struct kh_report *r = kh_report_new(T0(), T0() + NIGHTS * DAY);
	struct kh_snapshot *s[HOSTS][NIGHTS];
	struct kh_err err;

	for (int h = 0; h < HOSTS; h++)
		for (int i = 0; i < NIGHTS; i++) {
			char uri[40], host[16];
			struct kh_domain *d;

			snprintf(uri, sizeof uri, "qemu+ssh://h%d/system", h);
			snprintf(host, sizeof host, "h%d", h);
			s[h][i] = snap_new(uri, h % 4 == 1 ? "vm" : host, T0() + i * DAY + h);
			for (int p = 0; p < 3; p++) {
				char pool[16];
				int64_t used = (10 + 7 * p + h) * GiB + (int64_t)((h * p) % 4) * i * GiB;

				snprintf(pool, sizeof pool, "p%d", p);
				pool_add(s[h][i], pool, 100 * GiB, used, 100 * GiB - used);
				for (int v = 0; v < 5; v++) {
					char name[16];
					int64_t grow = (int64_t)((h + v + p) % 5) * 512 * MiB;

					snprintf(name, sizeof name, "v%d.qcow2", v);
					/* v4 grows fast but far from full */
					vol_add(s[h][i], pool, name, (v == 4 ? 2000 : 20 + v) * GiB,
						GiB + i * grow * (v == 4 ? h + 2 : 1) +
						    (v == 3 && i >= 3 ? 4 * GiB : 0));
				}
			}
			pool_add(s[h][i], "unknown", -1, -1, -1); /* no samples: no chart */
			for (int v = 0; v < 6 && h == 0; v++) { /* h0 holds the first risks */
				char name[16];

				snprintf(name, sizeof name, "hot%d", v);
				vol_add(s[h][i], "p0", name, (8 + v) * GiB, (1 + i) * GiB);
			}
			d = dom_add(s[h][i], "web");
			disk_add(d, "vda", "p0", "v1.qcow2", NULL);
			disk_add(d, "vdb", "p1", "v2.qcow2", NULL);
			kh_snapshot_sort(s[h][i]);
		}
	for (int k = 0; k < HOSTS * NIGHTS; k++) { /* by host, or night by night */
		int h = by_host ? k / NIGHTS : k % HOSTS, i = by_host ? k % NIGHTS : k / HOSTS;

		assert_int_equal(kh_report_add(r, i ? s[h][i - 1] : NULL, s[h][i], &err), 0);
	}
	for (int h = 0; h < HOSTS; h++)
		free_snaps(s[h], NIGHTS);
	return r;
}

/* r's document as Markdown and HTML (without the template) from the analysis a. */
static char *document_of(const struct kh_report *r, struct kh_analysis *a)
{
	const struct kh_html_opts opts = { .cmark = 1 };
	struct kh_doc d = { 0 };
	struct kh_buf b = { 0 };
	struct kh_err err;

	kh_report_document(r, a, &d);
	kh_doc_markdown(&d, &b);
	assert_int_equal(kh_doc_html(&d, &opts, &b, &err), 0);
	kh_doc_free(&d);
	kh_analysis_free(a);
	return kh_buf_steal(&b);
}

/* The analysis reads back only the rows md, html and e-mail show (the first --top of each
 * list, the charts', the top growing) and counts the rest: the document is the one made
 * from every row, at every --top and --warn-days, for an open report (its rows in the
 * analysis' own spill) and for one done host by host and sealed (in the report's). */
static void test_top_rows_read_back(void **state)
{
	static const int tops[] = { 1, 2, 3, 5, 8, 30, 40, 0 };
	static const int warns[] = { 0, 30, 3000 };

	(void)state;
	for (int sealed = 0; sealed < 2; sealed++) {
		struct kh_report *r = mixed_fleet(sealed);
		char *a, *b, *md;

		if (sealed)
			kh_report_seal(r);
		for (size_t t = 0; t < sizeof tops / sizeof *tops; t++)
			for (size_t w = 0; w < sizeof warns / sizeof *warns; w++) {
				kh_report_set_top(r, tops[t]);
				kh_report_set_warn_days(r, warns[w]);
				if (r->analysis) { /* a sealed report's is made once: anew per --top */
					r->analysis->kept = 0;
					kh_analysis_free(r->analysis);
					r->analysis = NULL;
				}
				a = document_of(r, kh_analysis_all(r));
				b = document_of(r, kh_analysis_new(r));
				assert_string_equal(a, b);
				md = kh_report_markdown(r);
				assert_non_null(strstr(a, md));
				if (tops[t] == 2 && warns[w] == 30) {
					assert_non_null(strstr(md, "more pools"));
					assert_non_null(strstr(md, "more orphan volumes"));
					assert_non_null(strstr(md, "more volumes are growing"));
					assert_non_null(strstr(md, "- and 25 more\n")); /* jumps */
				}
				free(md);
				free(a);
				free(b);
			}
		kh_report_free(r);
	}
}

/* ---- the monitoring check and the metrics ---- */

static void expect_monitor(const struct kh_report *r, struct kh_monitor_limits lim,
			   const struct kh_stale_host *stale, size_t n_stale, int state,
			   const char *line)
{
	char *out;

	assert_int_equal(kh_report_monitor(r, &lim, stale, n_stale, 36 * 3600, T0() + 6 * DAY,
					   &out),
			 state);
	assert_string_equal(out, line);
	free(out);
}

/* thin_report's performance data: each storage (soonest full first), then each volume with
 * a forecast; the limits as given (days: "alert below"). */
static void thin_perf(char *out, size_t n, const char *wd, const char *cd, const char *wo,
		      const char *co)
{
	snprintf(out, n,
		 " | 'kvm1 pool thin days_to_full'=10;%s;%s;0"
		 " 'kvm1 pool thin used'=53687091200B;;;0;107374182400"
		 " 'kvm1 pool thin overcommit'=2;%s;%s;0"
		 " 'kvm1 pool fat used'=107374182400B;;;0;1073741824000"
		 " 'kvm1 pool fat overcommit'=0.1;%s;%s;0"
		 " 'kvm1 volume thin/big.qcow2 days_to_full'=30;%s;%s;0"
		 " 'kvm1 volume thin/big.qcow2 used'=53687091200B;;;0;214748364800\n",
		 wd, cd, wo, co, wo, co, wd, cd);
}

static void test_monitor_states(void **state)
{
	struct kh_snapshot *s[5];
	struct kh_report *r = thin_report(s);
	struct kh_stale_host stale[] = { { URI1, T0() + 4 * DAY },
					 { "qemu+ssh://kvm9/system", KH_UNKNOWN } };
	char want[2048], perf[1024];

	(void)state;
	/* Full in fewer days than the limit: 10 < 30 warns, 30 < 30 does not. */
	thin_perf(perf, sizeof perf, "30:", "7:", "", "");
	snprintf(want, sizeof want, "KVMHIST WARNING - pool thin on kvm1 full in 10 days "
		 "(2026-01-15)%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ 30, 7, -1, -1 }, NULL, 0,
		       KH_PLUGIN_WARNING, want);
	thin_perf(perf, sizeof perf, "31:", "11:", "", "");
	snprintf(want, sizeof want, "KVMHIST CRITICAL - pool thin on kvm1 full in 10 days "
		 "(2026-01-15); 1 more within 31 days%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ 31, 11, -1, -1 }, NULL, 0,
		       KH_PLUGIN_CRITICAL, want);
	thin_perf(perf, sizeof perf, "5:", "2:", "", "");
	snprintf(want, sizeof want, "KVMHIST OK - nothing fills within 5 days; pool thin on kvm1 "
		 "full in 10 days (2026-01-15)%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ 5, 2, -1, -1 }, NULL, 0, KH_PLUGIN_OK,
		       want);
	/* No limit at all: still says what fills first. */
	thin_perf(perf, sizeof perf, "", "", "", "");
	snprintf(want, sizeof want, "KVMHIST OK - pool thin on kvm1 full in 10 days "
		 "(2026-01-15)%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ -1, -1, -1, -1 }, NULL, 0, KH_PLUGIN_OK,
		       want);
	/* Overcommit: 2 times, above 1.5 warns; filling comes first at the same state. */
	thin_perf(perf, sizeof perf, "5:", "2:", "1.5", "3");
	snprintf(want, sizeof want, "KVMHIST WARNING - pool thin on kvm1 committed 2 times its "
		 "capacity%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ 5, 2, 1.5, 3 }, NULL, 0,
		       KH_PLUGIN_WARNING, want);
	thin_perf(perf, sizeof perf, "30:", "7:", "1.5", "3");
	snprintf(want, sizeof want, "KVMHIST WARNING - pool thin on kvm1 full in 10 days "
		 "(2026-01-15); 1 more overcommitted%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ 30, 7, 1.5, 3 }, NULL, 0,
		       KH_PLUGIN_WARNING, want);
	thin_perf(perf, sizeof perf, "30:", "7:", "1.25", "1.999");
	snprintf(want, sizeof want, "KVMHIST CRITICAL - pool thin on kvm1 committed 2 times its "
		 "capacity; 1 more within 30 days%s", perf);
	expect_monitor(r, (struct kh_monitor_limits){ 30, 7, 1.25, 1.999 }, NULL, 0,
		       KH_PLUGIN_CRITICAL, want);

	/* Stale: UNKNOWN before anything else, and no performance data from old numbers. */
	expect_monitor(r, (struct kh_monitor_limits){ 30, 7, -1, -1 }, stale, 1,
		       KH_PLUGIN_UNKNOWN,
		       "KVMHIST UNKNOWN - latest snapshot of kvm1 is 2 days old "
		       "(2026-01-05T03:00:00Z; --max-age 36h); also WARNING: pool thin on kvm1 "
		       "full in 10 days (2026-01-15)\n");
	expect_monitor(r, (struct kh_monitor_limits){ 5, 2, -1, -1 }, stale + 1, 1,
		       KH_PLUGIN_UNKNOWN,
		       "KVMHIST UNKNOWN - no snapshot of qemu+ssh://kvm9/system yet\n");
	expect_monitor(r, (struct kh_monitor_limits){ 5, 2, -1, -1 }, stale, 2,
		       KH_PLUGIN_UNKNOWN,
		       "KVMHIST UNKNOWN - latest snapshot of kvm1 is 2 days old "
		       "(2026-01-05T03:00:00Z; --max-age 36h); 1 more hosts stale\n");
	kh_report_free(r);
	free_snaps(s, 5);
}

/* Names from libvirt cannot end the status text ('|'), break the line, or end a quoted
 * label ('=' and a lone quote). */
static void test_monitor_escapes(void **state)
{
	struct kh_snapshot *s[3];
	struct kh_report *r = kh_report_new(T0(), T0() + 2 * DAY);
	struct kh_monitor_limits lim = { 30, 7, -1, -1 };
	char *out;

	(void)state;
	for (int i = 0; i < 3; i++) {
		s[i] = snap_new(URI1, "kvm 1", T0() + i * DAY);
		pool_add(s[i], "p'o=l|x\n", 100 * GiB, 50 * GiB, 50 * GiB);
		vol_add(s[i], "p'o=l|x\n", "v'1 \"q\"", 10 * GiB, 4 * GiB + i * GiB);
	}
	feed(r, s, 3);
	assert_int_equal(kh_report_monitor(r, &lim, NULL, 0, 3600, T0(), &out),
			 KH_PLUGIN_CRITICAL);
	assert_string_equal(out,
			    "KVMHIST CRITICAL - volume v'1 \"q\" in pool p'o=l\\x7cx\\x0a on kvm 1 "
			    "full in 4 days (2026-01-07) | 'kvm 1 pool p''o\\x3dl\\x7cx\\x0a used'"
			    "=53687091200B;;;0;107374182400 'kvm 1 pool p''o\\x3dl\\x7cx\\x0a "
			    "overcommit'=0.1;;;0 'kvm 1 volume p''o\\x3dl\\x7cx\\x0a/v''1 \"q\" "
			    "days_to_full'=4;30:;7:;0 'kvm 1 volume p''o\\x3dl\\x7cx\\x0a/v''1 \"q\" "
			    "used'=6442450944B;;;0;10737418240\n");
	free(out);
	out = kh_monitor_unknown("database '/x|y' does not exist\n");
	assert_string_equal(out, "KVMHIST UNKNOWN - database '/x\\x7cy' does not exist\\x0a\n");
	free(out);
	kh_report_free(r);
	free_snaps(s, 3);
}

static void test_metrics(void **state)
{
	struct kh_snapshot *s[6];
	struct kh_report *r = kh_report_new(T0(), T0() + 5 * DAY);
	char *m, *p;

	(void)state;
	build_five_days(s, 6);
	feed(r, s, 6);
	m = kh_report_metrics(r, T0() + 5 * DAY);
#define L "{host=\"kvm1\",uri=\"" URI1 "\",pool=\"default\""
	assert_non_null(strstr(m, "# HELP kvmhist_volume_allocation_bytes "));
	assert_non_null(strstr(m, "\n# TYPE kvmhist_volume_allocation_bytes gauge\n"
				  "kvmhist_volume_allocation_bytes" L ",volume=\"db.qcow2\"} "
				  "16106127360\n"));
	assert_non_null(strstr(m, "\nkvmhist_volume_capacity_bytes" L ",volume=\"db.qcow2\"} "
				  "21474836480\n"));
	assert_non_null(strstr(m, "\nkvmhist_volume_growth_bytes_per_day" L
				  ",volume=\"shrink.qcow2\"} -1073741824\n"));
	/* time to full in seconds (promtool wants base units); only where there is one */
	assert_non_null(strstr(m, "\n# TYPE kvmhist_volume_time_to_full_seconds gauge\n"
				  "kvmhist_volume_time_to_full_seconds" L ",volume=\"db.qcow2\"} "
				  "432000\n# HELP "));
	assert_null(strstr(m, "NaN"));
	assert_non_null(strstr(m, "\nkvmhist_pool_committed_bytes" L "} 137438953472\n"));
	assert_non_null(strstr(m, "\nkvmhist_pool_overcommit_ratio" L "} 0.128\n"));
	assert_non_null(strstr(m, "\nkvmhist_pool_time_to_full_seconds" L "} 77328000\n"));
	assert_non_null(strstr(m, "\nkvmhist_host_last_snapshot_timestamp_seconds{host=\"kvm1\","
				  "uri=\"" URI1 "\"} 1767668400\n"));
	assert_non_null(strstr(m, "\nkvmhist_host_changes_last_day{host=\"kvm1\",uri=\"" URI1
				  "\"} 0\n"));
#undef L
	/* each family's HELP once */
	p = strstr(m, "# HELP kvmhist_volume_allocation_bytes ");
	assert_null(strstr(p + 1, "# HELP kvmhist_volume_allocation_bytes "));
	free(m);
	kh_report_free(r);
	free_snaps(s, 6);

	/* Label values: backslash and quote escaped, a control character shown as \x0a (the one
	 * rule), what is not UTF-8 made U+FFFD. */
	r = kh_report_new(T0(), T0());
	s[0] = snap_new("test:///a\\b", "k\"1\n", T0());
	vol_add(s[0], "p\xff", "v\\\"\n", GiB, GiB);
	feed(r, s, 1);
	m = kh_report_metrics(r, T0());
	assert_non_null(strstr(m, "\nkvmhist_volume_allocation_bytes{host=\"k\\\"1\\\\x0a\","
				  "uri=\"test:///a\\\\b\",pool=\"p\xef\xbf\xbd\","
				  "volume=\"v\\\\\\\"\\\\x0a\"} 1073741824\n"));
	assert_null(strstr(m, "growth_bytes")); /* one sample: no rate */
	free(m);
	kh_report_free(r);
	free_snaps(s, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit_linear_is_exact),
		cmocka_unit_test(test_fit_single_burst_does_not_dominate),
		cmocka_unit_test(test_fit_recurring_jumps_are_growth),
		cmocka_unit_test(test_fit_minimums),
		cmocka_unit_test(test_five_days_left),
		cmocka_unit_test(test_no_forecast),
		cmocka_unit_test(test_noisy_range),
		cmocka_unit_test(test_report_burst),
		cmocka_unit_test(test_unknown_and_full),
		cmocka_unit_test(test_thin_pool_flagged),
		cmocka_unit_test(test_owners_and_orphans),
		cmocka_unit_test(test_two_hosts),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_long_series_thinned),
		cmocka_unit_test(test_streamed_is_whole),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_markdown_escapes),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_drift),
		cmocka_unit_test(test_empty_report),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_hostile_subject),
		cmocka_unit_test(test_monitor_states),
		cmocka_unit_test(test_monitor_escapes),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_shared_storage),
		cmocka_unit_test(test_shared_storage_not),
		cmocka_unit_test(test_shared_storage_streamed),
		cmocka_unit_test(test_shared_storage_device),
		cmocka_unit_test(test_json_written),
		cmocka_unit_test(test_hosts_done_sealed),
		cmocka_unit_test(test_host_labels),
		cmocka_unit_test(test_host_labels_renamed),
		cmocka_unit_test(test_ranked_by_risk),
		cmocka_unit_test(test_top_rows_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
