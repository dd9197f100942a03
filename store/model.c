#include "store/model.h"
#include "util/mem.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

struct kh_snapshot *kh_snapshot_new(void)
{
	struct kh_snapshot *s = kh_calloc(1, sizeof *s);

	kh_kind_init(&kh_host_kind, &s->host);
	return s;
}

void kh_snapshot_free(struct kh_snapshot *s)
{
	if (s == NULL)
		return;
	kh_kind_clear(&kh_host_kind, &s->host);
	for (size_t k = 0; k < KH_SPAN_KINDS; k++) {
		size_t n;
		void *items = kh_kind_items(kh_span_kinds[k], s, &n);

		kh_kind_free_items(kh_span_kinds[k], items, n);
	}
	free(s);
}

void kh_snapshot_info_clear(struct kh_snapshot_info *i)
{
	free(i->uri);
	free(i->hostname);
	free(i->host_uuid);
	memset(i, 0, sizeof *i);
}

void kh_snapshot_infos_free(struct kh_snapshot_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kh_snapshot_info_clear(&v[i]);
	free(v);
}

void kh_domain_lives_free(struct kh_domain_life *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_events; j++) {
			free(v[i].events[j].name);
			free(v[i].events[j].old_name);
		}
		free(v[i].events);
		free(v[i].uri);
		free(v[i].uuid);
		free(v[i].name);
	}
	free(v);
}

struct kh_domain *kh_snapshot_add_domain(struct kh_snapshot *s)
{
	return kh_kind_push(&kh_domain_kind, s);
}

struct kh_pool *kh_snapshot_add_pool(struct kh_snapshot *s)
{
	return kh_kind_push(&kh_pool_kind, s);
}

struct kh_volume *kh_snapshot_add_volume(struct kh_snapshot *s)
{
	return kh_kind_push(&kh_volume_kind, s);
}

struct kh_network *kh_snapshot_add_network(struct kh_snapshot *s)
{
	return kh_kind_push(&kh_network_kind, s);
}

struct kh_disk *kh_domain_add_disk(struct kh_domain *d)
{
	return kh_kind_push_child(kh_kind_field(&kh_domain_kind, "disks"), d);
}

struct kh_iface *kh_domain_add_iface(struct kh_domain *d)
{
	return kh_kind_push_child(kh_kind_field(&kh_domain_kind, "interfaces"), d);
}

struct kh_domsnap *kh_domain_add_snap(struct kh_domain *d)
{
	return kh_kind_push_child(kh_kind_field(&kh_domain_kind, "snapshots"), d);
}


static int cmp_domain(const void *a, const void *b)
{
	const struct kh_domain *x = a, *y = b;
	int c = kh_strcmp_null(x->name, y->name);

	return c ? c : kh_strcmp_null(x->uuid, y->uuid);
}

static int cmp_pool(const void *a, const void *b)
{
	return kh_strcmp_null(((const struct kh_pool *)a)->name, ((const struct kh_pool *)b)->name);
}

static int cmp_volume_key(const struct kh_volume *v, const char *pool, const char *name)
{
	int c = kh_strcmp_null(v->pool, pool);

	return c ? c : kh_strcmp_null(v->name, name);
}

static int cmp_volume(const void *a, const void *b)
{
	const struct kh_volume *y = b;

	return cmp_volume_key(a, y->pool, y->name);
}

static int cmp_network(const void *a, const void *b)
{
	return kh_strcmp_null(((const struct kh_network *)a)->name,
			   ((const struct kh_network *)b)->name);
}

static int cmp_disk(const void *a, const void *b)
{
	return kh_strcmp_null(((const struct kh_disk *)a)->target, ((const struct kh_disk *)b)->target);
}

static int cmp_iface(const void *a, const void *b)
{
	return kh_strcmp_null(((const struct kh_iface *)a)->mac, ((const struct kh_iface *)b)->mac);
}

static int cmp_snap(const void *a, const void *b)
{
	const struct kh_domsnap *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return kh_strcmp_null(x->name, y->name);
}

/* qsort, but an empty list's array may be NULL, which qsort must not be given. */
static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(v, n, size, cmp);
}

void kh_snapshot_sort(struct kh_snapshot *s)
{
	sort(s->domains, s->n_domains, sizeof *s->domains, cmp_domain);
	sort(s->pools, s->n_pools, sizeof *s->pools, cmp_pool);
	sort(s->volumes, s->n_volumes, sizeof *s->volumes, cmp_volume);
	sort(s->networks, s->n_networks, sizeof *s->networks, cmp_network);
	for (size_t i = 0; i < s->n_domains; i++) {
		struct kh_domain *d = &s->domains[i];

		sort(d->disks, d->n_disks, sizeof *d->disks, cmp_disk);
		sort(d->ifaces, d->n_ifaces, sizeof *d->ifaces, cmp_iface);
		sort(d->snaps, d->n_snaps, sizeof *d->snaps, cmp_snap);
	}
}

/* A read snapshot's volumes are sorted by pool and name (kh_snapshot_sort): a binary search
 * finds one where the walk took every volume for every disk of every domain (a seventh of a
 * diff). (pool, name) names one volume, so what the search finds is what the walk would; a
 * snapshot not sorted (one being collected) is walked where the search misses. */
const struct kh_volume *kh_snapshot_find_volume(const struct kh_snapshot *s, const char *pool,
						const char *name)
{
	size_t lo = 0, hi = s->n_volumes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_volume_key(&s->volumes[mid], pool, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n_volumes && cmp_volume_key(&s->volumes[lo], pool, name) == 0)
		return &s->volumes[lo];
	for (size_t i = 0; i < s->n_volumes; i++)
		if (cmp_volume_key(&s->volumes[i], pool, name) == 0)
			return &s->volumes[i];
	return NULL;
}

int kh_pool_on_filesystem(const struct kh_pool *p)
{
	return p->type && (strcmp(p->type, "dir") == 0 || strcmp(p->type, "fs") == 0 ||
			   strcmp(p->type, "netfs") == 0);
}

const struct kh_pool *kh_snapshot_find_pool(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_pools; i++)
		if (kh_strcmp_null(s->pools[i].name, name) == 0)
			return &s->pools[i];
	return NULL;
}

static int cmp_key(const struct kh_key_ref *a, const struct kh_key_ref *b)
{
	int c = kh_strcmp_null(a->k1, b->k1);

	return c ? c : kh_strcmp_null(a->k2, b->k2);
}

/* Equal keys stay in index order: the first of them is what a linear search finds. */
static int cmp_key_ref(const void *pa, const void *pb)
{
	const struct kh_key_ref *a = pa, *b = pb;
	int c = cmp_key(a, b);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

void kh_key_sort(struct kh_key_ref *r, size_t n)
{
	sort(r, n, sizeof *r, cmp_key_ref);
}

long kh_key_find(const struct kh_key_ref *r, size_t n, const char *k1, const char *k2)
{
	struct kh_key_ref key = { k1, k2, 0 };
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_key(&r[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && cmp_key(&r[lo], &key) == 0 ? (long)r[lo].i : -1;
}

/* The volumes by (pool, name) or by path. */
static struct kh_key_ref *vol_index(const struct kh_snapshot *s, int by_path)
{
	struct kh_key_ref *r = kh_calloc(s->n_volumes + 1, sizeof *r);

	for (size_t i = 0; i < s->n_volumes; i++) {
		r[i].k1 = by_path ? s->volumes[i].path : s->volumes[i].pool;
		r[i].k2 = by_path ? NULL : s->volumes[i].name;
		r[i].i = i;
	}
	kh_key_sort(r, s->n_volumes);
	return r;
}

static const struct kh_volume *vol_lookup(const struct kh_snapshot *s, const struct kh_key_ref *r,
					  const char *k1, const char *k2)
{
	long i = kh_key_find(r, s->n_volumes, k1, k2);

	return i >= 0 ? &s->volumes[i] : NULL;
}

/* Through sorted indexes, not a search of every volume per disk (quadratic: the disks of
 * every domain against every volume), each built when a disk first needs it: the pairs a
 * log streams are mostly volumes whose numbers moved, and no domain. */
void kh_snapshot_link(struct kh_snapshot *s)
{
	struct kh_key_ref *by_name = NULL, *by_path = NULL;

	for (size_t i = 0; i < s->n_domains; i++) {
		struct kh_domain *d = &s->domains[i];

		for (size_t j = 0; j < d->n_disks; j++) {
			struct kh_disk *k = &d->disks[j];
			const struct kh_volume *v = NULL;

			if (s->n_volumes == 0)
				break;
			if (k->pool && k->volume)
				v = vol_lookup(s, by_name ? by_name : (by_name = vol_index(s, 0)),
					       k->pool, k->volume);
			else if (k->source)
				v = vol_lookup(s, by_path ? by_path : (by_path = vol_index(s, 1)),
					       k->source, NULL);
			if (v == NULL)
				continue;
			if (k->pool == NULL) {
				k->pool = kh_strdup(v->pool);
				k->volume = kh_strdup(v->name);
			}
			/* The volume's numbers are read from the file itself, as vol-info prints
			 * them; block statistics only stand in where the volume has none. */
			if (v->capacity != KH_UNKNOWN)
				k->capacity = v->capacity;
			if (v->allocation != KH_UNKNOWN)
				k->allocation = v->allocation;
			if (v->physical != KH_UNKNOWN)
				k->physical = v->physical;
		}
	}
	free(by_name);
	free(by_path);
}
