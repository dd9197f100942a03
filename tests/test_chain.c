/* Backing chains over the model structs: what a disk holds through its backing files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report/chain.h"
#include "report/diff.h"
#include "report/diff_render.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/model.h"
#include "util/mem.h"

#define MiB ((int64_t)1 << 20)
#define IMG "/var/lib/libvirt/images/"

static struct kh_volume *vol(struct kh_snapshot *s, const char *name, int64_t alloc,
			     const char *backing)
{
	struct kh_volume *v = kh_snapshot_add_volume(s);

	v->pool = kh_strdup("default");
	v->name = kh_strdup(name);
	v->path = kh_asprintf(IMG "%s", name);
	v->allocation = alloc;
	v->backing = backing ? kh_asprintf(IMG "%s", backing) : NULL;
	return v;
}

static void disk(struct kh_snapshot *s, const char *domain, const char *target,
		 const char *file)
{
	struct kh_domain *d = NULL;
	struct kh_disk *k;

	for (size_t i = 0; i < s->n_domains; i++)
		if (strcmp(s->domains[i].name, domain) == 0)
			d = &s->domains[i];
	if (d == NULL) {
		d = kh_snapshot_add_domain(s);
		d->name = kh_strdup(domain);
	}
	k = kh_domain_add_disk(d);
	k->target = kh_strdup(target);
	k->source = kh_asprintf(IMG "%s", file);
}

static const struct kh_chain *chain_of(const struct kh_chains *c, const char *domain,
				       const char *target)
{
	for (size_t i = 0; i < c->n_disks; i++)
		if (strcmp(c->disks[i].domain, domain) == 0 &&
		    strcmp(c->disks[i].target, target) == 0)
			return &c->disks[i];
	return NULL;
}

static const char *layer(const struct kh_snapshot *s, const struct kh_chain *c, size_t i)
{
	return s->volumes[c->layers[i]].name;
}

/* aries moved to an overlay (aries.ext1 over aries.qcow2); taurus is a linked clone of a
 * golden image, with an overlay of its own on top; old.raw is a real orphan. */
static void test_chains(void **state)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_chains c;
	const struct kh_chain *a, *t;

	(void)state;
	vol(s, "aries.ext1", 196608, "aries.qcow2");
	vol(s, "aries.qcow2", 912 * MiB, NULL);
	vol(s, "golden.qcow2", 2048 * MiB, NULL);
	vol(s, "old.raw", 1024 * MiB, NULL);
	vol(s, "taurus.qcow2", 320 * MiB, "golden.qcow2");
	vol(s, "taurus.snap", 64 * MiB, "taurus.qcow2");
	disk(s, "aries", "vda", "aries.ext1");
	disk(s, "taurus", "vda", "taurus.snap");
	disk(s, "taurus", "vdb", "elsewhere.raw"); /* in no pool: no chain */
	kh_snapshot_sort(s);
	kh_snapshot_link(s);
	assert_true(kh_snapshot_has_chains(s));

	kh_chains_build(s, &c);
	assert_int_equal(c.n_disks, 2);
	a = chain_of(&c, "aries", "vda");
	assert_non_null(a);
	assert_int_equal(a->n_layers, 2);
	assert_string_equal(layer(s, a, 0), "aries.ext1");
	assert_string_equal(layer(s, a, 1), "aries.qcow2");
	assert_int_equal(a->allocation, 196608 + 912 * MiB);
	assert_int_equal(a->overlays, 196608);
	assert_null(a->missing);

	t = chain_of(&c, "taurus", "vda");
	assert_non_null(t);
	assert_int_equal(t->n_layers, 3);
	assert_string_equal(layer(s, t, 0), "taurus.snap");
	assert_string_equal(layer(s, t, 1), "taurus.qcow2");
	assert_string_equal(layer(s, t, 2), "golden.qcow2");
	assert_int_equal(t->allocation, (64 + 320 + 2048) * MiB);
	assert_int_equal(t->overlays, (64 + 320) * MiB);
	assert_null(chain_of(&c, "taurus", "vdb"));
	kh_chains_free(&c);
	kh_snapshot_free(s);
}

/* A backing file outside the host's pools, an unknown allocation and a loop in the paths
 * (a damaged image or a hostile XML) end the chain; nothing is counted twice. */
static void test_chain_ends(void **state)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_chains c;
	const struct kh_chain *x;

	(void)state;
	vol(s, "a.qcow2", 10 * MiB, "/srv/elsewhere/base.qcow2");
	vol(s, "b.qcow2", KH_UNKNOWN, "c.qcow2");
	vol(s, "c.qcow2", 5 * MiB, "b.qcow2");
	vol(s, "plain.raw", 7 * MiB, NULL);
	/* the backing path given above is absolute already: strip what vol() prepended */
	free(s->volumes[0].backing);
	s->volumes[0].backing = kh_strdup("/srv/elsewhere/base.qcow2");
	disk(s, "d1", "vda", "a.qcow2");
	disk(s, "d2", "vda", "b.qcow2");
	disk(s, "d3", "vda", "plain.raw");
	kh_snapshot_sort(s);
	kh_snapshot_link(s);

	kh_chains_build(s, &c);
	x = chain_of(&c, "d1", "vda");
	assert_int_equal(x->n_layers, 1);
	assert_string_equal(x->missing, "/srv/elsewhere/base.qcow2");
	assert_int_equal(x->allocation, 10 * MiB);
	assert_int_equal(x->overlays, 10 * MiB); /* its base is not on this host */
	x = chain_of(&c, "d2", "vda");
	assert_int_equal(x->n_layers, 2);
	assert_int_equal(x->allocation, 5 * MiB);
	assert_int_equal(x->overlays, 0);
	x = chain_of(&c, "d3", "vda");
	assert_int_equal(x->n_layers, 1);
	assert_int_equal(x->allocation, 7 * MiB);
	assert_int_equal(x->overlays, 0);
	kh_chains_free(&c);
	kh_snapshot_free(s);
}

/* A running domain's live XML has the chain libvirt detected: top.qcow2 in a pool, over
 * mid.qcow2 outside every pool, over base.qcow2 in the pool again. The volumes alone end at
 * the outside file, which made base.qcow2 look unused; the live XML goes on below it. The
 * persistent XML (no chain) is not read where the live one was kept. */
static void test_chain_from_live_xml(void **state)
{
	static const char live[] =
		"<domain type='kvm'><name>aries</name><devices>"
		"<disk type='file' device='disk'><source file='" IMG "top.qcow2'/>"
		"<backingStore type='file'><format type='qcow2'/>"
		"<source file='/srv/outside/mid.qcow2'/>"
		"<backingStore type='file'><format type='qcow2'/>"
		"<source file='" IMG "base.qcow2'/><backingStore/></backingStore>"
		"</backingStore><target dev='vda' bus='virtio'/></disk>"
		"<disk type='file' device='disk'><source file='" IMG "other.raw'/>"
		"<backingStore/><target dev='vdb' bus='virtio'/></disk>"
		"</devices></domain>";
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_chains c;
	const struct kh_chain *x;

	(void)state;
	vol(s, "top.qcow2", 3 * MiB, NULL);
	free(s->volumes[0].backing);
	s->volumes[0].backing = kh_strdup("/srv/outside/mid.qcow2");
	vol(s, "base.qcow2", 900 * MiB, NULL);
	vol(s, "other.raw", 8 * MiB, NULL);
	disk(s, "aries", "vda", "top.qcow2");
	disk(s, "aries", "vdb", "other.raw");
	s->domains[0].xml = kh_strdup("<domain type='kvm'><name>aries</name></domain>");
	s->domains[0].live_xml = kh_strdup(live);
	kh_snapshot_sort(s);
	kh_snapshot_link(s);
	assert_true(kh_snapshot_has_chains(s));

	kh_chains_build(s, &c);
	x = chain_of(&c, "aries", "vda");
	assert_non_null(x);
	assert_int_equal(x->n_layers, 2);
	assert_string_equal(layer(s, x, 0), "top.qcow2");
	assert_string_equal(layer(s, x, 1), "base.qcow2");
	assert_string_equal(x->missing, "/srv/outside/mid.qcow2");
	assert_int_equal(x->n_outside, 1);
	assert_int_equal(x->allocation, 903 * MiB);
	assert_int_equal(x->overlays, 3 * MiB);
	x = chain_of(&c, "aries", "vdb");
	assert_int_equal(x->n_layers, 1);
	assert_int_equal(x->n_outside, 0);
	kh_chains_free(&c);

	/* the same chain without the volume's backing path: the XML alone leads to the base */
	free(s->volumes[kh_snapshot_find_volume(s, "default", "top.qcow2") - s->volumes].backing);
	s->volumes[kh_snapshot_find_volume(s, "default", "top.qcow2") - s->volumes].backing = NULL;
	kh_chains_build(s, &c);
	x = chain_of(&c, "aries", "vda");
	assert_int_equal(x->n_layers, 2);
	assert_string_equal(layer(s, x, 1), "base.qcow2");
	kh_chains_free(&c);

	/* unreadable XML: the volumes' paths only */
	free(s->domains[0].live_xml);
	s->domains[0].live_xml = kh_strdup("<domain><backingStore type='file'><source file='");
	kh_chains_build(s, &c);
	assert_int_equal(chain_of(&c, "aries", "vda")->n_layers, 1);
	kh_chains_free(&c);
	kh_snapshot_free(s);
}

static void test_no_chains(void **state)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domsnap *n;

	(void)state;
	vol(s, "plain.raw", 7 * MiB, NULL);
	disk(s, "d", "vda", "plain.raw");
	assert_false(kh_snapshot_has_chains(s));
	n = kh_domain_add_snap(&s->domains[0]);
	n->name = kh_strdup("before-upgrade");
	assert_int_equal(n->created, KH_UNKNOWN);
	assert_true(kh_snapshot_has_chains(s));
	kh_snapshot_free(s);
}

#define DAY 86400
#define NIGHT1 1794452400 /* 2026-11-12T03:00:00Z */

/* aries' disk on an overlay of aries.qcow2 after a disk-only snapshot, one internal snapshot
 * from two months before; old.raw nobody's. */
static struct kh_snapshot *night(int64_t at)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domsnap *n;

	s->host.uri = kh_strdup("test:///chains");
	s->host.hostname = kh_strdup("kvm1");
	s->taken_at = at;
	vol(s, "aries.ext1", 196608 + (at - NIGHT1) / DAY * 64 * MiB, "aries.qcow2");
	vol(s, "aries.qcow2", 912 * MiB, NULL);
	vol(s, "old.raw", 1024 * MiB, NULL);
	for (size_t i = 0; i < s->n_volumes; i++)
		s->volumes[i].capacity = 40960 * MiB;
	disk(s, "aries", "vda", "aries.ext1");
	n = kh_domain_add_snap(&s->domains[0]);
	n->name = kh_strdup("ext1");
	n->kind = kh_strdup("disk-only");
	n->created = NIGHT1 - 3600;
	n->current = 1;
	n = kh_domain_add_snap(&s->domains[0]);
	n->name = kh_strdup("pre-kernel");
	n->kind = kh_strdup("internal");
	n->created = NIGHT1 - 60 * DAY;
	kh_snapshot_sort(s);
	kh_snapshot_link(s);
	return s;
}

static const struct kh_row *row_of(const struct kh_analysis *a, const char *name)
{
	for (size_t i = 0; i < a->n_vols; i++)
		if (strcmp(a->vols[i].s->name, name) == 0)
			return &a->vols[i];
	fail_msg("no row for %s", name);
	return NULL;
}

static json_t *volume_named(json_t *vols, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(vols, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
			return v;
	fail_msg("no volume %s in the JSON", name);
	return NULL;
}

static void check_json(const struct kh_report *r)
{
	char *text = kh_report_json(r);
	json_error_t e;
	json_t *j = json_loads(text, 0, &e), *v, *x;

	assert_non_null(j);
	v = volume_named(json_object_get(j, "volumes"), "aries.qcow2");
	assert_true(json_is_false(json_object_get(v, "orphan")));
	assert_string_equal(json_string_value(json_object_get(v, "owner")), "aries");
	assert_int_equal(json_array_size(json_object_get(v, "backing_of")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "backing_of"), 0)),
			    "aries.ext1");
	assert_true(json_is_null(json_object_get(v, "chain_allocation")));
	v = volume_named(json_object_get(j, "volumes"), "aries.ext1");
	assert_int_equal(json_integer_value(json_object_get(v, "chain_depth")), 2);
	assert_int_equal(json_integer_value(json_object_get(v, "chain_allocation")),
			 196608 + 3 * 64 * MiB + 912 * MiB);
	v = volume_named(json_object_get(j, "volumes"), "old.raw");
	assert_true(json_is_true(json_object_get(v, "orphan")));
	assert_int_equal(json_array_size(json_object_get(v, "backing_of")), 0);

	v = json_object_get(j, "snapshots");
	assert_int_equal(json_array_size(v), 2);
	x = json_array_get(v, 0);
	assert_string_equal(json_string_value(json_object_get(x, "domain")), "aries");
	assert_string_equal(json_string_value(json_object_get(x, "name")), "pre-kernel");
	assert_string_equal(json_string_value(json_object_get(x, "created")),
			    "2026-09-13T03:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(x, "age_days")), 63);
	assert_string_equal(json_string_value(json_object_get(x, "kind")), "internal");
	assert_true(json_is_true(json_object_get(x, "forgotten")));
	x = json_array_get(v, 1);
	assert_string_equal(json_string_value(json_object_get(x, "name")), "ext1");
	assert_true(json_is_false(json_object_get(x, "forgotten")));
	assert_true(json_is_true(json_object_get(x, "current")));
	x = json_array_get(json_object_get(j, "snapshot_domains"), 0);
	assert_int_equal(json_integer_value(json_object_get(x, "snapshots")), 2);
	assert_int_equal(json_integer_value(json_object_get(x, "chain_depth")), 2);
	assert_int_equal(json_integer_value(json_object_get(x, "overlay_bytes")),
			 196608 + 3 * 64 * MiB);
	assert_int_equal(json_integer_value(json_object_get(x, "oldest_age_days")), 63);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "period"),
							    "snapshot_days")), 14);
	json_decref(j);
	free(text);
}

/* The report's reading: a backing file is its chain's domain's, never an orphan; the top
 * carries the chain's total; the old snapshot is forgotten, the new one is not. */
static void test_report_chains(void **state)
{
	struct kh_report *r = kh_report_new(NIGHT1, NIGHT1 + 10 * DAY);
	struct kh_snapshot *prev = NULL;
	struct kh_analysis *a;
	const struct kh_row *v;
	struct kh_err err;

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct kh_snapshot *s = night(NIGHT1 + i * DAY);

		assert_int_equal(kh_report_add(r, prev, s, &err), 0);
		kh_snapshot_free(prev);
		prev = s;
	}
	kh_snapshot_free(prev);
	a = kh_analysis_all(r); /* every row: kh_analysis_new reads back those shown */

	v = row_of(a, "aries.qcow2");
	assert_int_equal(v->n_owners, 1);
	assert_string_equal(v->owners[0], "aries");
	assert_string_equal(v->vias[0], "aries.ext1");
	assert_int_equal(v->chain_depth, 0);
	v = row_of(a, "aries.ext1");
	assert_int_equal(v->n_owners, 1);
	assert_null(v->vias[0]);
	assert_int_equal(v->chain_depth, 2);
	assert_int_equal(v->chain_allocation, 196608 + 3 * 64 * MiB + 912 * MiB);
	assert_true(v->fc.ok); /* the top layer grows: the chain's forecast is its */
	assert_int_equal(row_of(a, "old.raw")->n_owners, 0);
	assert_true(a->has_chains);

	assert_int_equal(a->n_snapdoms, 1);
	assert_string_equal(a->snapdoms[0].d->domain, "aries");
	assert_int_equal(a->snapdoms[0].d->n_snaps, 2);
	assert_int_equal(a->snapdoms[0].d->oldest, NIGHT1 - 60 * DAY);
	assert_int_equal(a->snapdoms[0].d->depth, 2);
	assert_int_equal(a->snapdoms[0].d->overlays, 196608 + 3 * 64 * MiB);
	assert_int_equal(a->n_forgotten, 1);
	assert_string_equal(a->forgotten[0].s->name, "pre-kernel");
	assert_int_equal(a->forgotten[0].age_days, 63);
	kh_analysis_free(a);

	check_json(r);

	kh_report_set_snapshot_days(r, 0);
	a = kh_analysis_new(r);
	assert_int_equal(a->n_forgotten, 2);
	assert_string_equal(a->forgotten[0].s->name, "pre-kernel");
	assert_string_equal(a->forgotten[1].s->name, "ext1");
	kh_analysis_free(a);
	kh_report_free(r);
}

static const char *const DOM_BEFORE =
	"<domain type='kvm'><name>aries</name><memory>1048576</memory><devices>"
	"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
	"<source file='" IMG "aries.qcow2'/><target dev='vda' bus='virtio'/></disk>"
	"<disk type='file' device='disk'><source file='" IMG "data.raw'/>"
	"<target dev='vdb' bus='virtio'/></disk></devices></domain>";
/* after `snapshot-create-as aries ext1 --disk-only`, and vdb pointed at another file */
static const char *const DOM_AFTER =
	"<domain type='kvm'><name>aries</name><memory>1048576</memory><devices>"
	"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
	"<source file='" IMG "aries.ext1'/><backingStore type='file'><format type='raw'/>"
	"<source file='" IMG "aries.qcow2'/></backingStore>"
	"<target dev='vda' bus='virtio'/></disk>"
	"<disk type='file' device='disk'><source file='" IMG "data2.raw'/>"
	"<target dev='vdb' bus='virtio'/></disk></devices></domain>";

static struct kh_snapshot *diff_side(int after)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d;
	struct kh_domsnap *n;

	s->host.uri = kh_strdup("test:///chains");
	vol(s, "aries.qcow2", 912 * MiB, NULL);
	vol(s, "data.raw", MiB, NULL);
	vol(s, "data2.raw", MiB, NULL);
	disk(s, "aries", "vda", after ? "aries.ext1" : "aries.qcow2");
	disk(s, "aries", "vdb", after ? "data2.raw" : "data.raw");
	d = &s->domains[0];
	d->xml = kh_strdup(after ? DOM_AFTER : DOM_BEFORE);
	n = kh_domain_add_snap(d);
	n->name = kh_strdup("before-upgrade");
	n->kind = kh_strdup("internal");
	n->created = NIGHT1 - DAY;
	n->current = !after;
	if (after) {
		vol(s, "aries.ext1", 196608, "aries.qcow2");
		n = kh_domain_add_snap(d);
		n->name = kh_strdup("ext1");
		n->kind = kh_strdup("disk-only");
		n->created = NIGHT1;
		n->current = 1;
	}
	kh_snapshot_sort(s);
	kh_snapshot_link(s);
	return s;
}

/* A disk moved to an overlay is one line, a snapshot taken is one line; a disk pointed
 * at another file is still a changed source. */
static void test_diff_snapshots(void **state)
{
	struct kh_snapshot *a = diff_side(0), *b = diff_side(1);
	struct kh_changes c = { 0 };
	struct kh_err err;
	char *text;

	(void)state;
	assert_int_equal(kh_diff_snapshots(a, b, &c, &err), 0);
	text = kh_changes_output(&c, KH_FORMAT_TEXT, 0);
	assert_string_equal(text,
		"domain aries\n"
		"  /domain/devices/disk[target/@dev='vdb']/source/@file: " IMG "data.raw \xe2\x86\x92 "
		IMG "data2.raw\n"
		"  disk vda moved to overlay: " IMG "aries.qcow2 \xe2\x86\x92 " IMG "aries.ext1\n"
		"  + snapshot ext1: disk-only, 2026-11-12T03:00:00Z\n"
		"+ volume default/aries.ext1\n");
	free(text);
	kh_changes_free(&c);

	/* and back: the snapshot deleted; a revert to before-upgrade moves "current" */
	assert_int_equal(kh_diff_snapshots(b, a, &c, &err), 0);
	text = kh_changes_output(&c, KH_FORMAT_TEXT, 0);
	assert_non_null(strstr(text, "  - snapshot ext1: disk-only, 2026-11-12T03:00:00Z\n"));
	assert_non_null(strstr(text, "  current snapshot: ext1 \xe2\x86\x92 before-upgrade\n"));
	assert_null(strstr(text, "moved to overlay"));
	free(text);
	kh_changes_free(&c);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
}

/* The owner column of a backing file that is listed (here: it grows, as a base being
 * committed into would), and a chain's Used. */
static void test_report_markdown(void **state)
{
	struct kh_report *r = kh_report_new(NIGHT1, NIGHT1 + 10 * DAY);
	struct kh_snapshot *prev = NULL;
	struct kh_err err;
	char *md;

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct kh_snapshot *s = night(NIGHT1 + i * DAY);

		for (size_t j = 0; j < s->n_volumes; j++)
			if (strcmp(s->volumes[j].name, "aries.qcow2") == 0)
				s->volumes[j].allocation += i * MiB;
		assert_int_equal(kh_report_add(r, prev, s, &err), 0);
		kh_snapshot_free(prev);
		prev = s;
	}
	kh_snapshot_free(prev);
	md = kh_report_markdown(r);
	assert_non_null(strstr(md, "| kvm1 | default | aries.qcow2 | aries (backing of aries.ext1) | "));
	assert_non_null(strstr(md, "| kvm1 | default | aries.ext1 | aries | 192.2 MiB (0%); chain of 2: 1.1 GiB |"));
	assert_non_null(strstr(md, "the forecast shown for the top layer is the chain's"));
	assert_non_null(strstr(md, "## Snapshots\n"));
	assert_non_null(strstr(md, "| kvm1 | aries | pre-kernel | 2026-09-13 03:00 | 63 days | internal |"));
	assert_null(strstr(md, "| old.raw | aries"));
	free(md);
	kh_report_free(r);
}

/* By pool and name: a binary search of a sorted snapshot, the walk of one that is not. */
static void test_find_volume(void **state)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_volume *v;

	(void)state;
	vol(s, "taurus.qcow2", MiB, NULL);
	vol(s, "aries.qcow2", MiB, NULL);
	v = vol(s, "aries.qcow2", MiB, NULL);
	free(v->pool);
	v->pool = kh_strdup("fast");
	vol(s, "golden.qcow2", MiB, NULL);
	for (int sorted = 0; sorted < 2; sorted++) {
		const struct kh_volume *x = kh_snapshot_find_volume(s, "default", "aries.qcow2");
		const struct kh_volume *y = kh_snapshot_find_volume(s, "fast", "aries.qcow2");
		const struct kh_volume *z = kh_snapshot_find_volume(s, "default", "taurus.qcow2");

		assert_non_null(x);
		assert_string_equal(x->pool, "default");
		assert_string_equal(x->name, "aries.qcow2");
		assert_non_null(y);
		assert_string_equal(y->pool, "fast");
		assert_non_null(z);
		assert_string_equal(z->name, "taurus.qcow2");
		assert_null(kh_snapshot_find_volume(s, "fast", "golden.qcow2"));
		assert_null(kh_snapshot_find_volume(s, NULL, "golden.qcow2"));
		kh_snapshot_sort(s);
	}
	assert_string_equal(s->volumes[0].name, "aries.qcow2"); /* sorted: default/ first */
	kh_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_find_volume),
		cmocka_unit_test(test_chain_ends),
		cmocka_unit_test(test_chain_from_live_xml),
		cmocka_unit_test(test_no_chains),
		cmocka_unit_test(test_report_chains),
		cmocka_unit_test(test_diff_snapshots),
		cmocka_unit_test(test_report_markdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
