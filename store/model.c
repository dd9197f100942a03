#include "store/model.h"
#include "util/mem.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

static void disk_clear(struct kh_disk *d)
{
	free(d->target);
	free(d->device);
	free(d->type);
	free(d->source);
	free(d->pool);
	free(d->volume);
}

static void iface_clear(struct kh_iface *i)
{
	free(i->mac);
	free(i->type);
	free(i->source);
	free(i->model);
}

static void snap_clear(struct kh_domsnap *n)
{
	free(n->name);
	free(n->state);
	free(n->parent);
	free(n->kind);
}

static void domain_clear(struct kh_domain *d)
{
	free(d->name);
	free(d->uuid);
	free(d->state);
	free(d->os_type);
	free(d->xml);
	free(d->live_xml);
	free(d->error);
	for (size_t i = 0; i < d->n_disks; i++)
		disk_clear(&d->disks[i]);
	free(d->disks);
	for (size_t i = 0; i < d->n_ifaces; i++)
		iface_clear(&d->ifaces[i]);
	free(d->ifaces);
	for (size_t i = 0; i < d->n_snaps; i++)
		snap_clear(&d->snaps[i]);
	free(d->snaps);
}

void kh_pool_nums(const struct kh_pool *p, struct kh_xml_num out[KH_MEASURED_NUMS])
{
	out[0] = (struct kh_xml_num){ "capacity", p->capacity };
	out[1] = (struct kh_xml_num){ "allocation", p->allocation };
	out[2] = (struct kh_xml_num){ "available", p->available };
}

void kh_volume_nums(const struct kh_volume *v, struct kh_xml_num out[KH_MEASURED_NUMS])
{
	out[0] = (struct kh_xml_num){ "capacity", v->capacity };
	out[1] = (struct kh_xml_num){ "allocation", v->allocation };
	out[2] = (struct kh_xml_num){ "physical", v->physical };
}

void kh_pool_clear(struct kh_pool *p)
{
	free(p->name);
	free(p->uuid);
	free(p->type);
	free(p->state);
	free(p->path);
	free(p->xml);
	free(p->error);
}

void kh_volume_clear(struct kh_volume *v)
{
	free(v->pool);
	free(v->name);
	free(v->key);
	free(v->path);
	free(v->format);
	free(v->type);
	free(v->backing);
	free(v->backing_format);
	free(v->xml);
	free(v->error);
}

static void network_clear(struct kh_network *n)
{
	free(n->name);
	free(n->uuid);
	free(n->bridge);
	free(n->forward);
	free(n->ips);
	free(n->dhcp_ranges);
	free(n->xml);
	free(n->error);
}

struct kh_snapshot *kh_snapshot_new(void)
{
	struct kh_snapshot *s = kh_calloc(1, sizeof *s);

	s->host.libvirt_version = KH_UNKNOWN;
	s->host.hv_version = KH_UNKNOWN;
	return s;
}

void kh_snapshot_free(struct kh_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->host.uri);
	free(s->host.hostname);
	free(s->host.host_uuid);
	free(s->host.hv_type);
	for (size_t i = 0; i < s->n_domains; i++)
		domain_clear(&s->domains[i]);
	free(s->domains);
	for (size_t i = 0; i < s->n_pools; i++)
		kh_pool_clear(&s->pools[i]);
	free(s->pools);
	for (size_t i = 0; i < s->n_volumes; i++)
		kh_volume_clear(&s->volumes[i]);
	free(s->volumes);
	for (size_t i = 0; i < s->n_networks; i++)
		network_clear(&s->networks[i]);
	free(s->networks);
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
	struct kh_domain *d = KH_PUSH(s->domains, s->n_domains, s->cap_domains);

	d->vcpus = d->memory_kib = d->max_memory_kib = KH_UNKNOWN;
	d->autostart = d->persistent = KH_UNKNOWN;
	return d;
}

struct kh_pool *kh_snapshot_add_pool(struct kh_snapshot *s)
{
	struct kh_pool *p = KH_PUSH(s->pools, s->n_pools, s->cap_pools);

	p->autostart = p->persistent = KH_UNKNOWN;
	p->capacity = p->allocation = p->available = KH_UNKNOWN;
	return p;
}

struct kh_volume *kh_snapshot_add_volume(struct kh_snapshot *s)
{
	struct kh_volume *v = KH_PUSH(s->volumes, s->n_volumes, s->cap_volumes);

	v->capacity = v->allocation = v->physical = KH_UNKNOWN;
	return v;
}

struct kh_network *kh_snapshot_add_network(struct kh_snapshot *s)
{
	struct kh_network *n = KH_PUSH(s->networks, s->n_networks, s->cap_networks);

	n->active = n->autostart = n->persistent = KH_UNKNOWN;
	return n;
}

/* Disks and interfaces are few per domain; growing by one keeps the struct free of caps. */
struct kh_disk *kh_domain_add_disk(struct kh_domain *d)
{
	struct kh_disk *k;

	d->disks = kh_realloc(d->disks, (d->n_disks + 1) * sizeof *d->disks);
	k = &d->disks[d->n_disks++];
	memset(k, 0, sizeof *k);
	k->capacity = k->allocation = k->physical = KH_UNKNOWN;
	return k;
}

struct kh_iface *kh_domain_add_iface(struct kh_domain *d)
{
	struct kh_iface *i;

	d->ifaces = kh_realloc(d->ifaces, (d->n_ifaces + 1) * sizeof *d->ifaces);
	i = &d->ifaces[d->n_ifaces++];
	memset(i, 0, sizeof *i);
	return i;
}

struct kh_domsnap *kh_domain_add_snap(struct kh_domain *d)
{
	struct kh_domsnap *n;

	d->snaps = kh_realloc(d->snaps, (d->n_snaps + 1) * sizeof *d->snaps);
	n = &d->snaps[d->n_snaps++];
	memset(n, 0, sizeof *n);
	n->created = KH_UNKNOWN;
	return n;
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

static int cmp_volume(const void *a, const void *b)
{
	const struct kh_volume *x = a, *y = b;
	int c = kh_strcmp_null(x->pool, y->pool);

	return c ? c : kh_strcmp_null(x->name, y->name);
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

void kh_snapshot_sort(struct kh_snapshot *s)
{
	if (s->n_domains)
		qsort(s->domains, s->n_domains, sizeof *s->domains, cmp_domain);
	if (s->n_pools)
		qsort(s->pools, s->n_pools, sizeof *s->pools, cmp_pool);
	if (s->n_volumes)
		qsort(s->volumes, s->n_volumes, sizeof *s->volumes, cmp_volume);
	if (s->n_networks)
		qsort(s->networks, s->n_networks, sizeof *s->networks, cmp_network);
	for (size_t i = 0; i < s->n_domains; i++) {
		struct kh_domain *d = &s->domains[i];

		if (d->n_disks)
			qsort(d->disks, d->n_disks, sizeof *d->disks, cmp_disk);
		if (d->n_ifaces)
			qsort(d->ifaces, d->n_ifaces, sizeof *d->ifaces, cmp_iface);
		if (d->n_snaps)
			qsort(d->snaps, d->n_snaps, sizeof *d->snaps, cmp_snap);
	}
}

const struct kh_volume *kh_snapshot_find_volume(const struct kh_snapshot *s, const char *pool,
						const char *name)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		if (kh_strcmp_null(s->volumes[i].pool, pool) == 0 &&
		    kh_strcmp_null(s->volumes[i].name, name) == 0)
			return &s->volumes[i];
	return NULL;
}

const struct kh_pool *kh_snapshot_find_pool(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_pools; i++)
		if (kh_strcmp_null(s->pools[i].name, name) == 0)
			return &s->pools[i];
	return NULL;
}

/* A volume and its place in the snapshot, for lookups by (pool, name) or by path. */
struct vol_ref {
	const char *k1, *k2;
	size_t i;
};

static int cmp_vol_key(const struct vol_ref *a, const struct vol_ref *b)
{
	int c = kh_strcmp_null(a->k1, b->k1);

	return c ? c : kh_strcmp_null(a->k2, b->k2);
}

/* Equal keys stay in snapshot order: the first of them is what a linear search finds. */
static int cmp_vol_ref(const void *pa, const void *pb)
{
	const struct vol_ref *a = pa, *b = pb;
	int c = cmp_vol_key(a, b);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static struct vol_ref *vol_index(const struct kh_snapshot *s, int by_path)
{
	struct vol_ref *r = kh_calloc(s->n_volumes + 1, sizeof *r);

	for (size_t i = 0; i < s->n_volumes; i++) {
		r[i].k1 = by_path ? s->volumes[i].path : s->volumes[i].pool;
		r[i].k2 = by_path ? NULL : s->volumes[i].name;
		r[i].i = i;
	}
	qsort(r, s->n_volumes, sizeof *r, cmp_vol_ref);
	return r;
}

static const struct kh_volume *vol_lookup(const struct kh_snapshot *s, const struct vol_ref *r,
					  const char *k1, const char *k2)
{
	struct vol_ref key = { k1, k2, 0 };
	size_t lo = 0, hi = s->n_volumes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_vol_key(&r[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_volumes && cmp_vol_key(&r[lo], &key) == 0 ? &s->volumes[r[lo].i] : NULL;
}

/* Through sorted indexes, not a search of every volume per disk (quadratic: the disks of
 * every domain against every volume). */
void kh_snapshot_link(struct kh_snapshot *s)
{
	struct vol_ref *by_name = vol_index(s, 0), *by_path = vol_index(s, 1);

	for (size_t i = 0; i < s->n_domains; i++) {
		struct kh_domain *d = &s->domains[i];

		for (size_t j = 0; j < d->n_disks; j++) {
			struct kh_disk *k = &d->disks[j];
			const struct kh_volume *v = NULL;

			if (k->pool && k->volume)
				v = vol_lookup(s, by_name, k->pool, k->volume);
			else if (k->source)
				v = vol_lookup(s, by_path, k->source, NULL);
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
