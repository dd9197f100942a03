/* The report's memory: per host the snapshot times and the latest disks, per volume and
 * pool a thinned series of allocations (runs of equal ones), and the drift. Nothing else of
 * a snapshot is kept, so the memory grows with the volumes and how often they change, not
 * with the number of snapshots read. */
#include "report/chain.h"
#include "report/report_int.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timefmt.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_WARN_DAYS 30
#define DEFAULT_SNAPSHOT_DAYS 14

/* ---- the index: (host, pool, name) -> series ---- */

static uint64_t key_hash(size_t host, const char *pool, const char *name)
{
	uint64_t h = KH_FNV1A_BASIS;

	h = kh_fnv1a(h, &host, sizeof host);
	h = kh_fnv1a(h, pool ? "v" : "p", 1);
	if (pool)
		h = kh_fnv1a(h, pool, strlen(pool) + 1);
	return kh_fnv1a(h, name ? name : "", name ? strlen(name) : 0);
}

static int key_eq(const struct kh_series *s, size_t host, const char *pool, const char *name)
{
	return s->host == host && kh_str_eq(s->pool, pool) && kh_str_eq(s->name, name);
}

/* The slot holding the key, or the empty slot where it belongs. */
static uint32_t *index_slot(const struct kh_index *ix, const struct kh_series *items,
			    size_t host, const char *pool, const char *name)
{
	size_t mask = ix->cap - 1, i = key_hash(host, pool, name) & mask;

	while (ix->slots[i] && !key_eq(&items[ix->slots[i] - 1], host, pool, name))
		i = (i + 1) & mask;
	return &ix->slots[i];
}

static void index_grow(struct kh_index *ix, const struct kh_series *items)
{
	struct kh_index bigger = { kh_calloc(ix->cap ? ix->cap * 2 : 64, sizeof(uint32_t)),
				   ix->cap ? ix->cap * 2 : 64, ix->n };

	for (size_t i = 0; i < ix->cap; i++) {
		const struct kh_series *s;

		if (!ix->slots[i])
			continue;
		s = &items[ix->slots[i] - 1];
		*index_slot(&bigger, items, s->host, s->pool, s->name) = ix->slots[i];
	}
	free(ix->slots);
	*ix = bigger;
}

static const struct kh_series *series_find(const struct kh_index *ix,
					   const struct kh_series *items, size_t host,
					   const char *pool, const char *name)
{
	uint32_t *slot;

	if (ix->cap == 0)
		return NULL;
	slot = index_slot(ix, items, host, pool, name);
	return *slot ? &items[*slot - 1] : NULL;
}

/* A fleet's 100,000 volumes name some 20 pools: each name is kept once. */
static const char *pool_name(struct kh_names *set, const char *name)
{
	size_t mask, i;

	if ((set->n + 1) * 4 > set->cap * 3) {
		struct kh_names bigger = { kh_calloc(set->cap ? set->cap * 2 : 64, sizeof(char *)),
					   set->cap ? set->cap * 2 : 64, set->n };

		for (size_t k = 0; k < set->cap; k++) {
			if (set->slots[k] == NULL)
				continue;
			i = kh_fnv1a(KH_FNV1A_BASIS, set->slots[k], strlen(set->slots[k])) &
			    (bigger.cap - 1);
			while (bigger.slots[i])
				i = (i + 1) & (bigger.cap - 1);
			bigger.slots[i] = set->slots[k];
		}
		free(set->slots);
		*set = bigger;
	}
	mask = set->cap - 1;
	i = kh_fnv1a(KH_FNV1A_BASIS, name, strlen(name)) & mask;
	while (set->slots[i] && strcmp(set->slots[i], name) != 0)
		i = (i + 1) & mask;
	if (set->slots[i] == NULL) {
		set->slots[i] = kh_strdup(name);
		set->n++;
	}
	return set->slots[i];
}

/* A volume's name and path in one block ("name\0path\0"): one allocation, not two. */
static void series_name(struct kh_series *s, const char *name, const char *path)
{
	size_t n = strlen(name) + 1, m = path ? strlen(path) + 1 : 0;
	char *block = kh_malloc(n + m);

	memcpy(block, name, n);
	if (path)
		memcpy(block + n, path, m);
	free(s->name);
	s->name = block;
	s->path = path ? block + n : NULL;
}

/* The series of (host, pool, name), made when new and then listed in the host's `mine`. */
static struct kh_series *series_get(struct kh_index *ix, struct kh_series **items, size_t *n,
				    size_t *cap, size_t host, const char *pool, const char *name,
				    struct kh_series_ids *mine)
{ /* pool: interned by the caller */
	struct kh_series *s;
	uint32_t *slot;

	if ((ix->n + 1) * 4 > ix->cap * 3)
		index_grow(ix, *items);
	slot = index_slot(ix, *items, host, pool, name);
	if (*slot)
		return &(*items)[*slot - 1];
	*KH_PUSH(mine->v, mine->n, mine->cap) = (uint32_t)*n;
	s = KH_PUSH(*items, *n, *cap);
	s->host = host;
	s->pool = pool;
	series_name(s, name ? name : "", NULL);
	s->f = kh_calloc(1, sizeof *s->f);
	s->f->stride = 1;
	s->f->capacity = s->f->available = KH_UNKNOWN;
	*slot = (uint32_t)*n;
	ix->n++;
	return s;
}

static void feed_free(struct kh_series *s)
{
	if (s->f)
		free(s->f->runs);
	free(s->f);
	s->f = NULL;
}

static void series_clear(struct kh_series *s)
{
	free(s->name); /* and the path; the pool is the report's (pool_name) */
	feed_free(s);
}

/* Drops every other kept sample (the 1st, 3rd, ... stay) and doubles the stride. A run
 * starting at an odd position loses its first sample; what stays of it is a run again. */
static void series_thin(struct kh_series *s)
{
	size_t pos = 0, k = 0;

	for (size_t i = 0; i < s->f->n_runs; i++) {
		struct kh_run r = s->f->runs[i];
		uint32_t skip = pos % 2;

		pos += r.n;
		if (r.n <= skip)
			continue;
		r.ord += skip * s->f->stride;
		r.n = (r.n - skip + 1) / 2;
		if (k && s->f->runs[k - 1].alloc == r.alloc &&
		    s->f->runs[k - 1].ord + s->f->runs[k - 1].n * 2 * s->f->stride == r.ord)
			s->f->runs[k - 1].n += r.n;
		else
			s->f->runs[k++] = r;
	}
	s->f->n_runs = k;
	s->f->n /= 2;
	s->f->stride *= 2;
}

/* Keeps one sample, thinning the kept ones when full. */
static void series_sample(struct kh_series *s, uint32_t ord, int64_t alloc)
{
	struct kh_run *last;

	if (!s->f->has_sample)
		s->f->alloc_first = alloc;
	s->f->has_sample = 1;
	s->f->last_sample_ord = ord;
	s->f->alloc_last = alloc;
	if (s->f->n == KH_SERIES_MAX)
		series_thin(s);
	if (s->f->seen++ % s->f->stride != 0)
		return;
	last = s->f->n_runs ? &s->f->runs[s->f->n_runs - 1] : NULL;
	if (last && last->alloc == alloc && last->ord + last->n * s->f->stride == ord)
		last->n++;
	else
		*KH_PUSH(s->f->runs, s->f->n_runs, s->f->cap_runs) = (struct kh_run){ ord, 1, alloc };
	s->f->n++;
}

/* ---- feeding ---- */

struct kh_report *kh_report_new(int64_t from, int64_t to)
{
	struct kh_report *r = kh_calloc(1, sizeof *r);

	r->from = from;
	r->to = to;
	r->warn_days = DEFAULT_WARN_DAYS;
	r->top = KH_REPORT_TOP;
	r->snapshot_days = DEFAULT_SNAPSHOT_DAYS;
	r->spill.fd = -1;
	return r;
}

void kh_report_set_warn_days(struct kh_report *r, int days)
{
	r->warn_days = days < 0 ? 0 : days;
}

void kh_report_set_top(struct kh_report *r, int rows)
{
	r->top = rows < 0 ? 0 : rows;
}

void kh_report_set_label(struct kh_report *r, const char *uri, const char *label)
{
	struct kh_label *l = KH_PUSH(r->labels, r->n_labels, r->cap_labels);

	l->uri = kh_strdup(uri);
	l->label = kh_strdup(label);
}

void kh_report_set_snapshot_days(struct kh_report *r, int days)
{
	r->snapshot_days = days < 0 ? 0 : days;
}

static void disks_clear(struct kh_rhost *h)
{
	for (size_t i = 0; i < h->n_disks; i++) {
		free(h->disks[i].domain);
		free(h->disks[i].pool);
		free(h->disks[i].volume);
		free(h->disks[i].source);
		free(h->disks[i].via);
	}
	h->n_disks = 0;
}

static void host_disks_clear(struct kh_rhost *h)
{
	disks_clear(h);
	for (size_t i = 0; i < h->n_doms; i++)
		free(h->doms[i].domain);
	h->n_doms = 0;
	for (size_t i = 0; i < h->n_snaps; i++) {
		free(h->snaps[i].domain);
		free(h->snaps[i].name);
		free(h->snaps[i].kind);
	}
	h->n_snaps = 0;
}

static void keys_free(struct kh_keys *k)
{
	free(k->v);
	free(k->p);
	free(k->s);
	memset(k, 0, sizeof *k);
}

void kh_report_free(struct kh_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_hosts; i++) {
		host_disks_clear(&r->hosts[i]);
		free(r->hosts[i].disks);
		free(r->hosts[i].doms);
		free(r->hosts[i].snaps);
		free(r->hosts[i].uri);
		free(r->hosts[i].hostname);
		free(r->hosts[i].host_uuid);
		free(r->hosts[i].times);
		kh_changes_free(&r->hosts[i].pending);
		free(r->hosts[i].pool_map);
		free(r->hosts[i].vol_map);
		free(r->hosts[i].pairs);
		free(r->hosts[i].display);
		free(r->hosts[i].vol_ids.v);
		free(r->hosts[i].pool_ids.v);
	}
	free(r->hosts);
	free(r->samples);
	for (size_t i = 0; i < r->n_labels; i++) {
		free(r->labels[i].uri);
		free(r->labels[i].label);
	}
	free(r->labels);
	for (size_t i = 0; i < r->n_vols; i++)
		series_clear(&r->vols[i]);
	free(r->vols);
	for (size_t i = 0; i < r->n_pools; i++)
		series_clear(&r->pools[i]);
	free(r->pools);
	for (size_t i = 0; i < r->pool_names.cap; i++)
		free(r->pool_names.slots[i]);
	free(r->pool_names.slots);
	free(r->vol_index.slots);
	free(r->pool_index.slots);
	kh_changes_free(&r->changes);
	kh_spill_free(&r->spill);
	keys_free(&r->keys);
	if (r->analysis) {
		r->analysis->kept = 0;
		kh_analysis_free(r->analysis);
	}
	free(r);
}

int kh_change_is_growth(const struct kh_change *c)
{
	/* The diff reports these fields by name; their XML elements it leaves out. */
	return c->change == KH_CHANGE_MODIFIED && c->path &&
	       (strcmp(c->object, "volume") == 0 || strcmp(c->object, "pool") == 0) &&
	       (strcmp(c->path, "allocation") == 0 || strcmp(c->path, "available") == 0 ||
		strcmp(c->path, "physical") == 0);
}

static void add_numbers(struct kh_report *r, const struct kh_snapshot *snap, int same_objects);

/* ---- pools on one filesystem ----
 * libvirt gives a dir, fs or netfs pool the capacity, allocation and available of the
 * filesystem its target is on (statvfs), so pools on one filesystem show one set of numbers,
 * read a few milliseconds apart. Two pools of a host are taken for one filesystem when, at
 * every snapshot of the period that measured both, their capacities are equal to the byte
 * and their allocations and availables differ by at most a tolerance, and their allocation
 * has moved by more than SHARE_MOVES tolerances over the period: two filesystems of one size
 * that nothing writes to (two fresh disks, two empty test pools) agree too, and are not
 * grouped; nor are two whose allocations drift apart by more than half a tolerance from
 * where they started. The tolerance is tight on purpose: in the 1000-host bench fleet, test-
 * driver pools of 100 GiB whose volumes start alike and grow a few KiB a day apart stayed
 * within 0.01 % (10 MiB) of each other for 30 nights; missing a shared filesystem only leaves
 * its pools reported apart, as before. */
#define SHARE_TOL_MIN (64 << 10)        /* 64 KiB ... */
#define SHARE_TOL_PARTS 1000000         /* ... or 0.0001 % of the capacity, if more */
#define SHARE_MOVES 8

static int64_t share_tol(int64_t capacity)
{
	int64_t t = capacity / SHARE_TOL_PARTS;

	return t > SHARE_TOL_MIN ? t : SHARE_TOL_MIN;
}

static int64_t abs_diff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

static int measured_at(const struct kh_series *s, uint32_t ord)
{
	return s->f->measured && s->f->measured_ord == ord;
}

/* Both measured now (capacity is the latest, allocation the last sample's). */
static int pools_agree(const struct kh_series *a, const struct kh_series *b)
{
	int64_t tol = share_tol(a->f->capacity);

	return a->f->fs_numbers && b->f->fs_numbers && a->f->capacity == b->f->capacity &&
	       abs_diff(a->f->alloc_last, b->f->alloc_last) <= tol &&
	       abs_diff(a->f->available, b->f->available) <= tol;
}

/* Where the collector could stat the targets (on the daemon's machine), the device decides:
 * pools on one are one filesystem, idle or not, and read a moment apart or not. Pool i of
 * snap (mapped already, as those before it) gets the device number of the first pool
 * before it on the same target device, else its own: 1 + its series. */
static uint32_t same_device(const struct kh_report *r, const struct kh_rhost *h,
			    const struct kh_snapshot *snap, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		const struct kh_series *t = &r->pools[h->pool_map[j]];

		if (t->f->device && kh_str_eq(snap->pools[j].target_device,
					      snap->pools[i].target_device))
			return t->f->device;
	}
	return h->pool_map[i] + 1;
}

/* After snapshot `ord` of host h: pairs whose numbers now differ are parted for good, the
 * others note whether they moved; a pool measured for the first time pairs with those of
 * the snapshot it agrees with. */
static void track_pairs(struct kh_report *r, struct kh_rhost *h, uint32_t ord)
{
	for (size_t i = 0; i < h->n_pairs;) {
		struct kh_pair *p = &h->pairs[i];
		const struct kh_series *a = &r->pools[p->a], *b = &r->pools[p->b];

		if (measured_at(a, ord) && measured_at(b, ord)) {
			/* the gap between them keeps still, too: two filesystems growing alike
			 * drift apart however close they started */
			if (!pools_agree(a, b) ||
			    abs_diff(a->f->alloc_last - b->f->alloc_last, p->gap0) >
				    share_tol(a->f->capacity) / 2) {
				h->pairs[i] = h->pairs[--h->n_pairs];
				continue;
			}
			if (abs_diff(a->f->alloc_last, p->alloc0) >
			    SHARE_MOVES * share_tol(a->f->capacity))
				p->moved = 1;
		}
		i++;
	}
	for (size_t i = 0; i < h->n_pool_map; i++) {
		const struct kh_series *a = &r->pools[h->pool_map[i]];

		if (!measured_at(a, ord) || a->f->measured_first != ord || !a->f->fs_numbers)
			continue;
		for (size_t j = 0; j < h->n_pool_map; j++) {
			const struct kh_series *b = &r->pools[h->pool_map[j]];

			/* two pools new at this snapshot pair once */
			if (j == i || !measured_at(b, ord) || (b->f->measured_first == ord && j > i) ||
			    !pools_agree(a, b))
				continue;
			*KH_PUSH(h->pairs, h->n_pairs, h->cap_pairs) =
			    (struct kh_pair){ h->pool_map[i], h->pool_map[j], a->f->alloc_last,
					      a->f->alloc_last - b->f->alloc_last, 0 };
		}
	}
}

/* Moves the changes worth reporting from `found` into the report, frees the rest. */
static void keep_drift(struct kh_report *r, struct kh_changes *found)
{
	struct kh_changes dropped = { 0 };

	for (size_t i = 0; i < found->n; i++) {
		struct kh_change *c = &found->items[i];

		if (kh_change_is_growth(c))
			*KH_PUSH(dropped.items, dropped.n, dropped.cap) = *c;
		else
			*KH_PUSH(r->changes.items, r->changes.n, r->changes.cap) = *c;
	}
	found->n = 0;
	kh_changes_free(found);
	kh_changes_free(&dropped);
}

/* What a host is called before it is told apart: its label, else hostname, else URI. */
static const char *host_name(const struct kh_rhost *h)
{
	if (h->label)
		return h->label;
	return h->hostname && *h->hostname ? h->hostname : h->uri;
}

/* Keeps the display label of every host called `name`: the name, or "name (URI)" while
 * another host of the report has it too. */
static void relabel(struct kh_report *r, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_hosts; i++)
		n += strcmp(host_name(&r->hosts[i]), name) == 0;
	for (size_t i = 0; i < r->n_hosts; i++) {
		struct kh_rhost *h = &r->hosts[i];
		int dup = n > 1 && strcmp(name, h->uri) != 0;

		if (strcmp(host_name(h), name) != 0 || (h->display && h->dup == dup))
			continue;
		free(h->display);
		h->display = dup ? kh_asprintf("%s (%s)", name, h->uri) : kh_strdup(name);
		h->dup = dup;
	}
}

static struct kh_rhost *host_get(struct kh_report *r, const char *uri, size_t *idx)
{
	struct kh_rhost *h;

	for (size_t i = r->n_hosts; i-- > 0;) /* the host fed last, most likely */
		if (strcmp(r->hosts[i].uri, uri) == 0) {
			*idx = i;
			return &r->hosts[i];
		}
	h = KH_PUSH(r->hosts, r->n_hosts, r->cap_hosts);
	h->uri = kh_strdup(uri);
	for (size_t i = 0; i < r->n_labels; i++)
		if (strcmp(r->labels[i].uri, uri) == 0)
			h->label = r->labels[i].label;
	*idx = r->n_hosts - 1;
	relabel(r, host_name(h));
	return h;
}

/* A new hostname: the hosts called by the old one and by the new one are labelled again. */
static void host_rename(struct kh_report *r, struct kh_rhost *h, const char *hostname)
{
	char *old = kh_strdup(host_name(h));

	free(h->hostname);
	h->hostname = kh_strdup(hostname);
	free(h->display);
	h->display = NULL;
	relabel(r, old);
	relabel(r, host_name(h));
	free(old);
}

static int cmp_rsnap(const void *a, const void *b)
{
	const struct kh_rsnap *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);

	if (c == 0 && x->created != y->created)
		c = x->created < y->created ? -1 : 1;
	return c ? c : strcmp(x->name, y->name);
}

static struct kh_rdom *rdom_get(struct kh_rhost *h, const char *domain)
{
	struct kh_rdom *d;

	for (size_t i = 0; i < h->n_doms; i++)
		if (strcmp(h->doms[i].domain, domain) == 0)
			return &h->doms[i];
	d = KH_PUSH(h->doms, h->n_doms, h->cap_doms);
	d->domain = kh_strdup(domain);
	d->oldest = KH_UNKNOWN;
	return d;
}

/* Backing files as disks of the domains whose chains hold them, each chain's total on its
 * top, and the domains' snapshots. Nothing to do (no scan of the volumes' paths) on a host
 * without backing files or snapshots: every host before this release. */
static void take_chains(struct kh_rhost *h, const struct kh_snapshot *snap)
{
	struct kh_chains c;

	if (!kh_snapshot_has_chains(snap))
		return;
	kh_chains_build(snap, &c);
	for (size_t i = 0; i < c.n_disks; i++) {
		const struct kh_chain *ch = &c.disks[i];
		const char *domain = ch->domain ? ch->domain : "";
		const struct kh_volume *top = &snap->volumes[ch->layers[0]];

		for (size_t j = 0; j < h->n_disks; j++)
			if (strcmp(h->disks[j].domain, domain) == 0 &&
			    kh_str_eq(h->disks[j].pool, top->pool) &&
			    kh_str_eq(h->disks[j].volume, top->name)) {
				h->disks[j].chain_depth = ch->n_layers;
				h->disks[j].chain_allocation = ch->allocation;
			}
		for (size_t l = 1; l < ch->n_layers; l++) {
			const struct kh_volume *v = &snap->volumes[ch->layers[l]];
			struct kh_rdisk *rd = KH_PUSH(h->disks, h->n_disks, h->cap_disks);

			rd->domain = kh_strdup(domain);
			rd->pool = kh_strdup(v->pool);
			rd->volume = kh_strdup(v->name);
			rd->source = kh_strdup(v->path);
			rd->via = kh_strdup(snap->volumes[ch->layers[l - 1]].name);
		}
		if (ch->n_layers > 1) {
			struct kh_rdom *d = rdom_get(h, domain);

			if (ch->n_layers > d->depth)
				d->depth = ch->n_layers;
			d->overlays += ch->overlays;
		}
	}
	for (size_t i = 0; i < snap->n_domains; i++) {
		const struct kh_domain *d = &snap->domains[i];
		struct kh_rdom *rd;

		if (d->n_snaps == 0)
			continue;
		rd = rdom_get(h, d->name ? d->name : "");
		rd->n_snaps = d->n_snaps;
		for (size_t j = 0; j < d->n_snaps; j++) {
			const struct kh_domsnap *n = &d->snaps[j];
			struct kh_rsnap *rs = KH_PUSH(h->snaps, h->n_snaps, h->cap_snaps);

			rs->domain = kh_strdup(rd->domain);
			rs->name = kh_strdup(n->name ? n->name : "");
			rs->kind = kh_strdup(n->kind);
			rs->created = n->created;
			rs->current = n->current;
			if (n->created != KH_UNKNOWN &&
			    (rd->oldest == KH_UNKNOWN || n->created < rd->oldest))
				rd->oldest = n->created;
		}
		if (rd->depth == 0)
			rd->depth = 1;
	}
	/* a streamed snapshot's domains come in the store's order, not by name */
	if (h->n_snaps)
		qsort(h->snaps, h->n_snaps, sizeof *h->snaps, cmp_rsnap);
	kh_chains_free(&c);
}

static void take_disks(struct kh_rhost *h, const struct kh_snapshot *snap)
{
	host_disks_clear(h);
	for (size_t i = 0; i < snap->n_domains; i++) {
		const struct kh_domain *d = &snap->domains[i];

		for (size_t j = 0; j < d->n_disks; j++) {
			const struct kh_disk *k = &d->disks[j];
			struct kh_rdisk *rd;

			if (!(k->pool && k->volume) && !k->source)
				continue;
			rd = KH_PUSH(h->disks, h->n_disks, h->cap_disks);
			rd->domain = kh_strdup(d->name ? d->name : "");
			rd->pool = kh_strdup(k->pool);
			rd->volume = kh_strdup(k->volume);
			rd->source = kh_strdup(k->source);
			rd->chain_depth = 1;
		}
	}
	take_chains(h, snap);
}

/* Drift from `from` to `to` (whole snapshots, or only their changed objects); `snap` is the
 * snapshot fed, for its host and time. Refuses a snapshot fed out of order. */
static int add_drift(struct kh_report *r, const struct kh_snapshot *from,
		     const struct kh_snapshot *to, const struct kh_snapshot *snap,
		     struct kh_err *err)
{
	struct kh_changes found = { 0 };
	char when[KH_TIME_LEN];

	if (snap == NULL || snap->host.uri == NULL)
		return kh_err_set(err, "report: snapshot without a host URI");
	kh_time_format(snap->taken_at, when);
	if (r->sealed)
		return kh_err_set(err, "report: snapshot of '%s' at %s fed after the report was sealed",
				  snap->host.uri, when);
	for (size_t i = 0; i < r->n_hosts; i++)
		if (strcmp(r->hosts[i].uri, snap->host.uri) == 0 && r->hosts[i].done)
			return kh_err_set(err, "report: snapshot of '%s' at %s fed after its host was done",
					  snap->host.uri, when);
	for (size_t i = 0; i < r->n_hosts; i++)
		if (strcmp(r->hosts[i].uri, snap->host.uri) == 0 && r->hosts[i].n_times &&
		    r->hosts[i].times[r->hosts[i].n_times - 1] > snap->taken_at)
			return kh_err_set(err, "report: snapshot of '%s' at %s fed after a later one",
					  snap->host.uri, when);
	if (from && to && kh_diff_snapshots(from, to, &found, err) < 0) {
		kh_changes_free(&found);
		return kh_err_prefix(err, "report: drift of '%s' at %s", snap->host.uri, when);
	}
	keep_drift(r, &found);
	return 0;
}

/* Each snapshot's pending drift replaces its host's: only what still waits at the end of
 * the period is reported. A streamed snapshot without domains (not its host's last) has
 * none, and the last one sets it. */
static int take_pending(struct kh_report *r, const struct kh_snapshot *snap,
			struct kh_err *err)
{
	struct kh_changes found = { 0 };
	struct kh_rhost *h;
	size_t hi;

	if (kh_diff_pending(snap, &found, err)) {
		kh_changes_free(&found);
		return kh_err_prefix(err, "report: pending drift of '%s'", snap->host.uri);
	}
	h = host_get(r, snap->host.uri, &hi);
	kh_changes_free(&h->pending);
	h->pending = found;
	return 0;
}

int kh_report_add(struct kh_report *r, const struct kh_snapshot *prev,
		  const struct kh_snapshot *snap, struct kh_err *err)
{
	if (add_drift(r, prev, snap, snap, err) || take_pending(r, snap, err))
		return -1;
	add_numbers(r, snap, 0);
	return 0;
}

int kh_report_add_changes(struct kh_report *r, const struct kh_snapshot *before,
			  const struct kh_snapshot *after, const struct kh_snapshot *now,
			  struct kh_err *err)
{
	if (add_drift(r, before, after, now, err) || take_pending(r, now, err))
		return -1;
	/* no version changed: now holds the objects of the URI's previous call, in order */
	add_numbers(r, now,
		    before && after && before->n_pools + after->n_pools == 0 &&
			    before->n_volumes + after->n_volumes == 0);
	return 0;
}

/* The snapshot's time, its host's latest disks, and a sample of every pool and volume.
 * `same_objects`: the snapshot holds the pools and volumes of the host's previous one, in
 * the same order and with the same names, paths and capacities; only their numbers are read
 * then, and each finds its series by index instead of by name. */
static void add_numbers(struct kh_report *r, const struct kh_snapshot *snap, int same_objects)
{
	struct kh_rhost *h;
	size_t hi;
	uint32_t ord;
	int remap;

	h = host_get(r, snap->host.uri, &hi);
	if (snap->host.hostname && !kh_str_eq(snap->host.hostname, h->hostname))
		host_rename(r, h, snap->host.hostname);
	if (snap->host.host_uuid) {
		free(h->host_uuid);
		h->host_uuid = kh_strdup(snap->host.host_uuid);
	}
	ord = (uint32_t)h->n_times;
	*KH_PUSH(h->times, h->n_times, h->cap_times) = snap->taken_at;
	take_disks(h, snap);

	remap = !(same_objects && h->mapped && h->n_pool_map == snap->n_pools &&
		  h->n_vol_map == snap->n_volumes);
	if (remap) {
		h->pool_map = kh_realloc(h->pool_map, (snap->n_pools + 1) * sizeof *h->pool_map);
		h->vol_map = kh_realloc(h->vol_map, (snap->n_volumes + 1) * sizeof *h->vol_map);
		h->n_pool_map = snap->n_pools;
		h->n_vol_map = snap->n_volumes;
		h->mapped = 1;
	}
	for (size_t i = 0; i < snap->n_pools; i++) {
		const struct kh_pool *p = &snap->pools[i];
		struct kh_series *s;

		if (remap) {
			s = series_get(&r->pool_index, &r->pools, &r->n_pools, &r->cap_pools, hi,
				       NULL, p->name, &h->pool_ids);
			h->pool_map[i] = (uint32_t)(s - r->pools);
			if (p->capacity >= 0)
				s->f->capacity = p->capacity;
			s->f->fs_numbers = kh_pool_on_filesystem(p);
			s->f->device = 0;
			if (p->target_device && s->f->fs_numbers)
				s->f->device = same_device(r, h, snap, i);
		}
		s = &r->pools[h->pool_map[i]];
		s->f->last_ord = ord;
		if (p->available >= 0)
			s->f->available = p->available;
		if (p->allocation >= 0)
			series_sample(s, ord, p->allocation);
		if (p->capacity >= 0 && p->allocation >= 0 && p->available >= 0) {
			if (!s->f->measured)
				s->f->measured_first = ord;
			s->f->measured = 1;
			s->f->measured_ord = ord;
		}
	}
	track_pairs(r, h, ord);
	for (size_t i = 0; i < snap->n_volumes; i++) {
		const struct kh_volume *v = &snap->volumes[i];
		struct kh_series *s;

		if (remap) {
			s = series_get(&r->vol_index, &r->vols, &r->n_vols, &r->cap_vols, hi,
				       pool_name(&r->pool_names, v->pool ? v->pool : ""), v->name,
				       &h->vol_ids);
			h->vol_map[i] = (uint32_t)(s - r->vols);
			if (v->path && !kh_str_eq(v->path, s->path))
				series_name(s, s->name, v->path);
			if (v->capacity >= 0)
				s->f->capacity = v->capacity;
		}
		s = &r->vols[h->vol_map[i]];
		s->f->last_ord = ord;
		if (v->allocation >= 0)
			series_sample(s, ord, v->allocation);
	}

	if (r->n_snapshots == 0 || snap->taken_at < r->first_at)
		r->first_at = snap->taken_at;
	if (r->n_snapshots == 0 || snap->taken_at > r->last_at)
		r->last_at = snap->taken_at;
	r->n_snapshots++;
}

/* ---- the analysis ---- */

const char *kh_rhost_label(const struct kh_rhost *h)
{
	return h->hostname && *h->hostname ? h->hostname : h->uri;
}

const char *kh_rhost_name(const struct kh_rhost *h)
{
	return host_name(h);
}

const char *kh_rhost_display(const struct kh_rhost *h)
{
	return h->display ? h->display : host_name(h);
}

const char *kh_row_host(const struct kh_row *row)
{
	return kh_rhost_display(row->h);
}

int kh_rhost_same(const struct kh_report *r, size_t i, size_t j)
{
	const struct kh_rhost *a = &r->hosts[i], *b = &r->hosts[j];

	/* a hostname alone is no proof: many machines are called localhost */
	return i != j && a->hostname && b->hostname && a->host_uuid && b->host_uuid &&
	       strcmp(a->hostname, b->hostname) == 0 && strcmp(a->host_uuid, b->host_uuid) == 0;
}

const struct kh_rhost *kh_report_host_of(const struct kh_report *r, const char *uri)
{
	for (size_t i = 0; uri && i < r->n_hosts; i++)
		if (strcmp(r->hosts[i].uri, uri) == 0)
			return &r->hosts[i];
	return NULL;
}

void kh_report_period(const struct kh_report *r, int64_t *from, int64_t *to)
{
	const int64_t latest = 253402300799; /* 9999-12-31T23:59:59Z */

	*from = r->from >= 0 && r->from <= latest ? r->from : r->first_at;
	*to = r->to >= 0 && r->to <= latest ? r->to : r->last_at;
}

static int current(const struct kh_report *r, const struct kh_series *s)
{
	return s->f->last_ord + 1 == r->hosts[s->host].n_times;
}

static void forecast_row(struct kh_row *row, int is_pool, int64_t last_at);

/* Samples are kept as varints: each one's snapshot as the step from the one before (in its
 * host's times) and its allocation as the zigzagged change, some 4 bytes where two int64
 * took 16: a fleet's pools and growing volumes hold a million samples. */
static void put_varint(struct kh_report *r, uint64_t v)
{
	do {
		if (r->n_sample_bytes == r->cap_sample_bytes) {
			r->cap_sample_bytes = r->cap_sample_bytes ? r->cap_sample_bytes * 2 : 4096;
			r->samples = kh_realloc(r->samples, r->cap_sample_bytes);
		}
		r->samples[r->n_sample_bytes++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static uint64_t get_varint(const unsigned char **p)
{
	uint64_t v = 0;

	for (unsigned shift = 0;; shift += 7) {
		unsigned char b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
}

/* Only what a chart may draw is kept: pools and growing volumes (a fleet's still volumes
 * would cost as much again). ord: each sample's index into its host's times. */
static void keep_samples(struct kh_report *r, struct kh_row *row, const uint32_t *ord,
			 const int64_t *y, size_t n)
{
	uint32_t prev_ord = 0;
	int64_t prev_y = 0;

	row->sample_at = r->n_sample_bytes;
	row->n_sample = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = (uint64_t)y[i] - (uint64_t)prev_y;

		put_varint(r, ord[i] - prev_ord);
		put_varint(r, (d << 1) ^ (uint64_t)-(int64_t)(d >> 63));
		prev_ord = ord[i];
		prev_y = y[i];
	}
	row->n_sample_bytes = r->n_sample_bytes - row->sample_at;
}

size_t kh_row_samples(const struct kh_report *r, const struct kh_row *row, int64_t **t,
		      int64_t **y)
{
	const unsigned char *p = row->samples;
	uint32_t ord = 0;
	uint64_t v = 0;

	(void)r;
	*t = kh_malloc((row->n_sample + 1) * sizeof **t);
	*y = kh_malloc((row->n_sample + 1) * sizeof **y);
	for (size_t i = 0; i < row->n_sample; i++) {
		uint64_t z;

		ord += (uint32_t)get_varint(&p);
		z = get_varint(&p);
		v += (z >> 1) ^ (uint64_t)-(int64_t)(z & 1);
		(*t)[i] = row->h->times[ord];
		(*y)[i] = (int64_t)v;
	}
	return row->n_sample;
}

/* The row of series s (of r->vols, or r->pools when is_pool), fitted and forecast. */
static void fit_row(const struct kh_report *r, const struct kh_series *s, struct kh_row *row,
		    int is_pool)
{
	const struct kh_rhost *h = &r->hosts[s->host];
	size_t n = s->f->n;
	uint32_t last_ord = 0;
	int64_t *t, *y;
	uint32_t *ords;

	row->s = s;
	row->h = h;
	row->capacity = s->f->capacity;
	row->available = s->f->available;
	row->allocation = s->f->has_sample ? s->f->alloc_last : KH_UNKNOWN;
	row->alloc_start = s->f->has_sample ? s->f->alloc_first : KH_UNKNOWN;
	if (is_pool)
		row->committed = 0; /* a volume's owners share its place: set later */
	t = kh_malloc((n + 1) * sizeof *t);
	y = kh_malloc((n + 1) * sizeof *y);
	ords = kh_malloc((n + 1) * sizeof *ords);
	n = 0;
	for (size_t i = 0; i < s->f->n_runs; i++)
		for (uint32_t j = 0; j < s->f->runs[i].n; j++) {
			last_ord = s->f->runs[i].ord + j * s->f->stride;
			ords[n] = last_ord;
			t[n] = h->times[last_ord];
			y[n++] = s->f->runs[i].alloc;
		}
	if (s->f->has_sample && (n == 0 || last_ord != s->f->last_sample_ord)) {
		ords[n] = s->f->last_sample_ord;
		t[n] = h->times[s->f->last_sample_ord];
		y[n++] = s->f->alloc_last;
	}
	kh_fit_series(t, y, n, &row->fit);
	if (is_pool)
		row->device = s->f->device;
	row->fitted = row->fit.samples >= KH_FIT_MIN_SAMPLES &&
		      row->fit.span_days >= KH_FIT_MIN_DAYS;
	row->n_sample = 0;
	row->n_sample_bytes = 0;
	row->samples = NULL;
	if (is_pool || (row->fitted && row->fit.rate > 0))
		keep_samples((struct kh_report *)r, row, ords, y, n);
	row->series = (uint32_t)(s - (is_pool ? r->pools : r->vols));
	forecast_row(row, is_pool, s->f->has_sample ? h->times[s->f->last_sample_ord] : 0);
	free(t);
	free(y);
	free(ords);
}

static void forecast_row(struct kh_row *row, int is_pool, int64_t last_at)
{
	int64_t room = 0;
	int known = 1;

	if (is_pool && row->available >= 0)
		room = row->available;
	else if (row->capacity >= 0 && row->allocation >= 0)
		room = row->capacity - row->allocation; /* may be < 0: already over */
	else
		known = 0;
	if (!known && kh_fit_unusable(&row->fit) == NULL) {
		memset(&row->fc, 0, sizeof row->fc);
		row->fc.why = "capacity unknown";
		return;
	}
	kh_forecast_room(&row->fit, room, last_at, &row->fc);
}

/* ---- a host's rows, worked out when it is done ---- */

struct path_ref {
	const char *path;
	struct kh_row *row;
};

static int cmp_path_ref(const void *a, const void *b)
{
	return strcmp(((const struct path_ref *)a)->path, ((const struct path_ref *)b)->path);
}

/* The row of series `series` among rows[0..n), which are in series order; NULL if none. */
static struct kh_row *row_of(struct kh_row *rows, size_t n, size_t series)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid].series == series)
			return &rows[mid];
		if (rows[mid].series < series)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void add_owner(struct kh_row *row, const struct kh_rdisk *d)
{
	for (size_t i = 0; i < row->n_owners; i++)
		if (strcmp(row->owners[i], d->domain) == 0 && kh_str_eq(row->vias[i], d->via))
			return;
	row->owners = kh_realloc(row->owners, (row->n_owners + 1) * sizeof *row->owners);
	row->vias = kh_realloc(row->vias, (row->n_owners + 1) * sizeof *row->vias);
	row->vias[row->n_owners] = d->via;
	row->owners[row->n_owners++] = d->domain;
	if (d->via == NULL && d->chain_depth > 1) {
		row->chain_depth = d->chain_depth;
		row->chain_allocation = d->chain_allocation;
	}
}

/* Owners from host hi's latest disks: by pool/volume, else by path. */
static void host_owners(const struct kh_report *r, size_t hi, struct kh_row *rows, size_t n)
{
	const struct kh_rhost *h = &r->hosts[hi];
	struct path_ref *paths = kh_malloc((n + 1) * sizeof *paths);
	size_t n_paths = 0;

	for (size_t i = 0; i < n; i++)
		if (rows[i].s->path)
			paths[n_paths++] = (struct path_ref){ rows[i].s->path, &rows[i] };
	if (n_paths)
		qsort(paths, n_paths, sizeof *paths, cmp_path_ref);
	for (size_t i = 0; i < h->n_disks; i++) {
		const struct kh_rdisk *d = &h->disks[i];
		struct kh_row *row = NULL;

		if (d->pool && d->volume) {
			const struct kh_series *s = series_find(&r->vol_index, r->vols, hi, d->pool,
								d->volume);

			row = s ? row_of(rows, n, (size_t)(s - r->vols)) : NULL;
		} else if (d->source && n_paths) {
			struct path_ref key = { d->source, NULL }, *hit;

			hit = bsearch(&key, paths, n_paths, sizeof *paths, cmp_path_ref);
			while (hit && hit > paths && strcmp(hit[-1].path, d->source) == 0)
				hit--;
			row = hit ? hit->row : NULL;
		}
		if (row)
			add_owner(row, d);
	}
	free(paths);
}

/* Committed capacity, and the earliest volume forecast, per pool of the host. */
static void host_pool_totals(const struct kh_report *r, size_t hi, const struct kh_row *vols,
			     size_t n_vols, struct kh_row *pools, size_t n_pools)
{
	for (size_t i = 0; i < n_vols; i++) {
		const struct kh_row *v = &vols[i];
		const struct kh_series *ps = series_find(&r->pool_index, r->pools, hi, NULL,
							 v->s->pool);
		struct kh_row *p = ps ? row_of(pools, n_pools, (size_t)(ps - r->pools)) : NULL;

		if (p == NULL)
			continue;
		p->n_volumes++;
		if (v->capacity >= 0)
			p->committed += v->capacity;
		if (v->fc.ok && (!p->has_vol_full || v->fc.full_at < p->vol_full_at)) {
			p->has_vol_full = 1;
			p->vol_full_at = v->fc.full_at;
		}
	}
	for (size_t i = 0; i < n_pools; i++) {
		struct kh_row *p = &pools[i];

		p->fills_before_volumes =
		    p->fc.ok && ((p->committed > p->capacity && p->capacity >= 0) ||
				 !p->has_vol_full || p->fc.full_at < p->vol_full_at);
	}
}

/* ---- storage: the pools of each filesystem ---- */

static size_t uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i)
		i = parent[i] = parent[parent[i]];
	return i;
}

static const struct kh_pair *pair_of(const struct kh_rhost *h, size_t a, size_t b)
{
	for (size_t i = 0; i < h->n_pairs; i++)
		if ((h->pairs[i].a == a && h->pairs[i].b == b) ||
		    (h->pairs[i].a == b && h->pairs[i].b == a))
			return &h->pairs[i];
	return NULL;
}

static int cmp_row_name(const void *x, const void *y)
{
	return strcmp((*(const struct kh_row *const *)x)->s->name,
		      (*(const struct kh_row *const *)y)->s->name);
}

/* A group whose pools do not all agree pairwise falls apart into single pools, but for
 * those on one device. storage (*n of them) has room for a storage per pool. */
static void fall_apart(struct kh_storage *storage, size_t *n, struct kh_storage *st)
{
	size_t first = *n, n_pools = st->n_pools;

	st->n_pools = 1;
	for (size_t i = 1; i < n_pools; i++) {
		const struct kh_row *p = st->pools[i];
		struct kh_storage *to = NULL;

		if (p->device && p->device == st->pools[0]->device) {
			st->pools[st->n_pools++] = p; /* at or before i: read already */
			continue;
		}
		for (size_t k = first; k < *n && p->device && to == NULL; k++)
			if (storage[k].pools[0]->device == p->device)
				to = &storage[k];
		if (to == NULL)
			to = &storage[(*n)++];
		to->pools = kh_realloc(to->pools, (to->n_pools + 1) * sizeof *to->pools);
		to->pools[to->n_pools++] = p;
	}
}

/* cmp_row for one host's pools: soonest full first, then by name. */
static int cmp_host_pool(const void *x, const void *y)
{
	const struct kh_row *a = *(const struct kh_row *const *)x;
	const struct kh_row *b = *(const struct kh_row *const *)y;

	if (a->fc.ok != b->fc.ok)
		return a->fc.ok ? -1 : 1;
	if (a->fc.ok && a->fc.days != b->fc.days)
		return a->fc.days < b->fc.days ? -1 : 1;
	return kh_strcmp_empty(a->s->name, b->s->name);
}

/* Groups the host's current pools by filesystem: pools on one target device and pairs that
 * moved together join, and a group is kept only when every two of its pools are on one
 * device or such a pair (agreement within the tolerance is not transitive); the others
 * stand alone. Two devices are no proof of two filesystems' bytes (btrfs subvolumes, two
 * NFS mounts of one export): their numbers may still join them. The pools are taken
 * soonest full first (a group falls apart around its first). Each pool's row points to
 * its storage. */
static struct kh_storage *host_storage(const struct kh_rhost *h, struct kh_row *pools,
				       size_t n_pools, size_t *n_out)
{
	size_t *parent = kh_malloc((n_pools + 1) * sizeof *parent);
	size_t *group = kh_malloc((n_pools + 1) * sizeof *group);
	const struct kh_row **ranked = kh_malloc((n_pools + 1) * sizeof *ranked);
	struct kh_storage *storage = kh_calloc(n_pools + 1, sizeof *storage);
	size_t n = 0;

	for (size_t i = 0; i < n_pools; i++) {
		parent[i] = i;
		group[i] = SIZE_MAX;
		ranked[i] = &pools[i];
	}
	if (n_pools)
		qsort(ranked, n_pools, sizeof *ranked, cmp_host_pool);
	for (size_t i = 0; i < h->n_pairs; i++) {
		const struct kh_pair *p = &h->pairs[i];
		struct kh_row *a = row_of(pools, n_pools, p->a), *b = row_of(pools, n_pools, p->b);

		if (p->moved && a && b)
			parent[uf_find(parent, (size_t)(a - pools))] = uf_find(parent, (size_t)(b - pools));
	}
	for (size_t i = 0; i < n_pools; i++) {
		struct kh_row *d = pools[i].device ? row_of(pools, n_pools, pools[i].device - 1)
						   : NULL;

		if (d)
			parent[uf_find(parent, i)] = uf_find(parent, (size_t)(d - pools));
	}
	for (size_t i = 0; i < n_pools; i++) {
		size_t root = uf_find(parent, (size_t)(ranked[i] - pools));
		struct kh_storage *st;

		if (group[root] == SIZE_MAX)
			group[root] = n++;
		st = &storage[group[root]];
		st->pools = kh_realloc(st->pools, (st->n_pools + 1) * sizeof *st->pools);
		st->pools[st->n_pools++] = ranked[i];
	}
	for (size_t k = 0, n_groups = n; k < n_groups; k++) {
		struct kh_storage *st = &storage[k];
		int whole = 1;

		for (size_t i = 0; i < st->n_pools && whole; i++)
			for (size_t j = i + 1; j < st->n_pools && whole; j++) {
				const struct kh_pair *p = pair_of(h, st->pools[i]->series,
								  st->pools[j]->series);

				whole = (st->pools[i]->device &&
					 st->pools[i]->device == st->pools[j]->device) ||
					(p && p->moved);
			}
		if (!whole)
			fall_apart(storage, &n, st);
	}
	for (size_t k = 0; k < n; k++) {
		struct kh_storage *st = &storage[k];

		qsort(st->pools, st->n_pools, sizeof *st->pools, cmp_row_name);
		st->row = st->pools[0];
		for (size_t i = 0; i < st->n_pools; i++) {
			const struct kh_row *p = st->pools[i];

			st->committed += p->committed;
			st->n_volumes += p->n_volumes;
			if (p->has_vol_full && (!st->has_vol_full || p->vol_full_at < st->vol_full_at)) {
				st->has_vol_full = 1;
				st->vol_full_at = p->vol_full_at;
			}
			((struct kh_row *)p)->storage = st;
		}
		st->fills_before_volumes =
		    st->row->fc.ok &&
		    ((st->committed > st->row->capacity && st->row->capacity >= 0) ||
		     !st->has_vol_full || st->row->fc.full_at < st->vol_full_at);
	}
	free(parent);
	free(group);
	free(ranked);
	*n_out = n;
	return storage;
}

static int cmp_pool_name(const void *x, const void *y)
{
	const struct kh_row *a = *(const struct kh_row *const *)x;
	const struct kh_row *b = *(const struct kh_row *const *)y;
	int c = kh_strcmp_empty(a->s->pool, b->s->pool);

	return c ? c : kh_strcmp_empty(a->s->name, b->s->name);
}

/* Each row's place among rows[0..n) by pool, then name: how cmp_row orders one host's. */
static uint32_t *ranks(struct kh_row *rows, size_t n)
{
	const struct kh_row **by = kh_malloc((n + 1) * sizeof *by);
	uint32_t *rank = kh_malloc((n + 1) * sizeof *rank);

	for (size_t i = 0; i < n; i++)
		by[i] = &rows[i];
	qsort(by, n, sizeof *by, cmp_pool_name);
	for (size_t i = 0; i < n; i++)
		rank[by[i] - rows] = (uint32_t)i;
	free(by);
	return rank;
}

static struct kh_key row_key(const struct kh_row *row, size_t host, uint32_t rank,
			     uint32_t flags)
{
	struct kh_key k = { 0 };

	k.days = row->fc.days;
	k.rate = row->fit.rate;
	k.full_at = row->fc.full_at;
	k.allocation = row->allocation;
	k.capacity = row->capacity;
	k.host = (uint32_t)host;
	k.rank = rank;
	k.flags = flags | (row->fc.ok ? KH_KEY_OK : 0) | (row->fitted ? KH_KEY_FITTED : 0) |
		  (row->fitted && row->fit.burst_intervals ? KH_KEY_BURST : 0) |
		  (row->n_sample ? KH_KEY_SAMPLES : 0);
	return k;
}

/* Host hi's rows worked out as a report keeps them: each current series fitted, the
 * volumes' owners from its latest disks, its pools' totals and filesystems; each goes to
 * sp as a record and leaves its key in keys (flags added to each). */
static void finish_host(struct kh_report *r, size_t hi, struct kh_spill *sp,
			struct kh_keys *keys, uint32_t flags)
{
	const struct kh_rhost *h = &r->hosts[hi];
	struct kh_row *vols = kh_calloc(h->vol_ids.n + 1, sizeof *vols);
	struct kh_row *pools = kh_calloc(h->pool_ids.n + 1, sizeof *pools);
	size_t n_vols = 0, n_pools = 0, n_storage;
	struct kh_storage *storage;
	uint64_t *pool_at;
	uint32_t *vrank, *prank;
	struct kh_buf b = { 0 };

	r->n_sample_bytes = 0; /* the samples of this host's rows only */
	for (size_t i = 0; i < h->vol_ids.n; i++) {
		const struct kh_series *s = &r->vols[h->vol_ids.v[i]];

		if (s->f && current(r, s))
			fit_row(r, s, &vols[n_vols++], 0);
	}
	for (size_t i = 0; i < h->pool_ids.n; i++) {
		const struct kh_series *s = &r->pools[h->pool_ids.v[i]];

		if (s->f && current(r, s))
			fit_row(r, s, &pools[n_pools++], 1);
	}
	for (size_t i = 0; i < n_vols; i++)
		vols[i].samples = r->samples + vols[i].sample_at;
	for (size_t i = 0; i < n_pools; i++)
		pools[i].samples = r->samples + pools[i].sample_at;
	host_owners(r, hi, vols, n_vols);
	host_pool_totals(r, hi, vols, n_vols, pools, n_pools);
	storage = host_storage(h, pools, n_pools, &n_storage);
	vrank = ranks(vols, n_vols);
	prank = ranks(pools, n_pools);
	pool_at = kh_malloc((n_pools + 1) * sizeof *pool_at);
	for (size_t i = 0; i < n_pools; i++) {
		struct kh_key k = row_key(&pools[i], hi, prank[i], flags);

		pool_at[i] = k.at = kh_spill_pool(sp, &b, r, &pools[i], pools[i].storage);
		*KH_PUSH(keys->p, keys->n_p, keys->cap_p) = k;
	}
	for (size_t i = 0; i < n_storage; i++) {
		const struct kh_storage *st = &storage[i];
		size_t first = (size_t)(st->row - pools);
		struct kh_key k = row_key(st->row, hi, prank[first], flags);

		k.committed = st->committed;
		k.n_pools = (uint32_t)st->n_pools;
		k.flags &= ~(uint32_t)(KH_KEY_FITTED | KH_KEY_BURST);
		k.at = kh_spill_storage(sp, &b, st, pool_at[first]);
		*KH_PUSH(keys->s, keys->n_s, keys->cap_s) = k;
	}
	for (size_t i = 0; i < n_vols; i++) {
		struct kh_key k = row_key(&vols[i], hi, vrank[i], flags);

		k.flags |= (vols[i].n_owners == 0 ? KH_KEY_ORPHAN : 0) |
			   (vols[i].chain_depth > 1 ? KH_KEY_CHAIN : 0);
		k.at = kh_spill_volume(sp, &b, r, &vols[i]);
		*KH_PUSH(keys->v, keys->n_v, keys->cap_v) = k;
		free(vols[i].owners);
		free(vols[i].vias);
	}
	for (size_t i = 0; i < n_storage; i++)
		free(storage[i].pools);
	free(storage);
	free(pool_at);
	free(vrank);
	free(prank);
	free(vols);
	free(pools);
	kh_buf_free(&b);
	r->n_sample_bytes = 0;
}

/* ---- the analysis: every row ranked by its key ---- */

size_t kh_rows_max(const struct kh_report *r)
{
	return r->top > 0 ? (size_t)r->top : SIZE_MAX;
}

size_t kh_top_growing(const struct kh_report *r)
{
	return kh_rows_max(r) < KH_TOP_GROWING ? kh_rows_max(r) : KH_TOP_GROWING;
}

/* What the comparators below read (qsort takes no context). */
static struct {
	const struct kh_report *r;
	const struct kh_analysis *a;
	const uint32_t *host_order;     /* each host's place by label, then URI */
	const uint32_t *label_order;    /* by label only: hosts of one label share it */
} ctx;

/* cmp_row on keys: soonest full first, then by host, pool and name. */
static int key_cmp(const struct kh_key *x, const struct kh_key *y)
{
	if ((x->flags & KH_KEY_OK) != (y->flags & KH_KEY_OK))
		return x->flags & KH_KEY_OK ? -1 : 1;
	if ((x->flags & KH_KEY_OK) && x->days != y->days)
		return x->days < y->days ? -1 : 1;
	if (x->host != y->host)
		return ctx.host_order[x->host] < ctx.host_order[y->host] ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

static int cmp_vorder(const void *x, const void *y)
{
	return key_cmp(&ctx.a->keys.v[*(const uint32_t *)x], &ctx.a->keys.v[*(const uint32_t *)y]);
}

static int cmp_porder(const void *x, const void *y)
{
	return key_cmp(&ctx.a->keys.p[*(const uint32_t *)x], &ctx.a->keys.p[*(const uint32_t *)y]);
}

static int cmp_sorder(const void *x, const void *y)
{
	return key_cmp(&ctx.a->keys.s[*(const uint32_t *)x], &ctx.a->keys.s[*(const uint32_t *)y]);
}

static const struct kh_key *rank_key(const struct kh_analysis *a, const struct kh_rank *k)
{
	return k->storage ? &a->keys.s[k->key] : &a->keys.v[k->key];
}

/* Soonest full first; on the same date a volume before its storage (a storage comes first
 * only when it fills first); then by host and name. */
static int cmp_rank(const void *x, const void *y)
{
	const struct kh_rank *a = x, *b = y;
	const struct kh_key *ka = rank_key(ctx.a, a), *kb = rank_key(ctx.a, b);

	if (ka->full_at != kb->full_at)
		return ka->full_at < kb->full_at ? -1 : 1;
	if (a->storage != b->storage)
		return a->storage ? 1 : -1;
	return key_cmp(ka, kb);
}

/* Growing volumes, fastest first, then in rank order. */
static int cmp_rate(const void *x, const void *y)
{
	const struct kh_key *a = &ctx.a->keys.v[*(const uint32_t *)x];
	const struct kh_key *b = &ctx.a->keys.v[*(const uint32_t *)y];

	if (a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	return key_cmp(a, b);
}

/* Orphans by host label, pool and name (render.c's cmp_name); hosts of one label, which
 * only hand-made labels give, by their volumes' names read back. */
static int cmp_orphan(const void *x, const void *y)
{
	const struct kh_key *a = &ctx.a->keys.v[*(const uint32_t *)x];
	const struct kh_key *b = &ctx.a->keys.v[*(const uint32_t *)y];
	struct kh_loaded la, lb;
	int c;

	if (ctx.label_order[a->host] != ctx.label_order[b->host])
		return ctx.label_order[a->host] < ctx.label_order[b->host] ? -1 : 1;
	if (a->host == b->host)
		return (a->rank > b->rank) - (a->rank < b->rank);
	kh_analysis_volume(ctx.r, ctx.a, *(const uint32_t *)x, &la);
	kh_analysis_volume(ctx.r, ctx.a, *(const uint32_t *)y, &lb);
	c = strcmp(la.s.pool, lb.s.pool);
	if (c == 0)
		c = strcmp(la.s.name, lb.s.name);
	kh_loaded_free(&la);
	kh_loaded_free(&lb);
	return c;
}

static int cmp_host_index(const void *x, const void *y)
{
	const struct kh_rhost *a = &ctx.r->hosts[*(const uint32_t *)x];
	const struct kh_rhost *b = &ctx.r->hosts[*(const uint32_t *)y];
	int c = kh_strcmp_empty(kh_rhost_display(a), kh_rhost_display(b));

	return c ? c : kh_strcmp_empty(a->uri, b->uri);
}

/* Riskiest first: what fills soonest, then the worst overcommit, then by label. */
static int cmp_hostrow(const void *x, const void *y)
{
	const struct kh_hostrow *a = x, *b = y;
	int c;

	if (a->first_at != b->first_at)
		return a->first_at < b->first_at ? -1 : 1; /* the risks are ranked */
	if (a->worst_overcommit != b->worst_overcommit)
		return a->worst_overcommit > b->worst_overcommit ? -1 : 1;
	if ((c = strcmp(kh_rhost_label(a->h), kh_rhost_label(b->h))) != 0)
		return c;
	return strcmp(a->h->uri, b->h->uri);
}

static uint32_t *order_of(size_t n, int (*cmp)(const void *, const void *))
{
	uint32_t *o = kh_malloc((n + 1) * sizeof *o);

	for (size_t i = 0; i < n; i++)
		o[i] = (uint32_t)i;
	if (n)
		qsort(o, n, sizeof *o, cmp);
	return o;
}

static const struct kh_spill *spill_of(const struct kh_report *r, const struct kh_analysis *a,
				       const struct kh_key *k)
{
	return k->flags & KH_KEY_MEM ? &a->mem : &r->spill;
}

void kh_analysis_volume(const struct kh_report *r, const struct kh_analysis *a, size_t i,
			struct kh_loaded *l)
{
	kh_load_volume(r, spill_of(r, a, &a->keys.v[i]), &a->keys.v[i], l);
}

void kh_analysis_pool(const struct kh_report *r, const struct kh_analysis *a, size_t i,
		      struct kh_loaded *l)
{
	kh_load_pool(r, spill_of(r, a, &a->keys.p[i]), &a->keys.p[i], l);
}

void kh_analysis_storage(const struct kh_report *r, const struct kh_analysis *a, size_t i,
			 struct kh_loaded *l)
{
	kh_load_storage(r, spill_of(r, a, &a->keys.s[i]), &a->keys.s[i], l);
}

void kh_analysis_risk(const struct kh_report *r, const struct kh_analysis *a, size_t i,
		      struct kh_loaded *l, struct kh_risk *k)
{
	if (a->rank[i].storage) {
		kh_analysis_storage(r, a, a->rank[i].key, l);
		*k = (struct kh_risk){ &l->st, &l->row };
	} else {
		kh_analysis_volume(r, a, a->rank[i].key, l);
		*k = (struct kh_risk){ NULL, &l->row };
	}
}

double kh_storage_overcommit(const struct kh_storage *st)
{
	return st->row->capacity > 0 ? (double)st->committed / (double)st->row->capacity : 0;
}

static int key_within(const struct kh_report *r, const struct kh_key *k)
{
	return (k->flags & KH_KEY_OK) && k->days <= r->warn_days;
}

struct uri_ref {
	const char *uri;
	size_t host;
};

static int cmp_uri_ref(const void *x, const void *y)
{
	return strcmp(((const struct uri_ref *)x)->uri, ((const struct uri_ref *)y)->uri);
}

/* One row a host, from the keys: its counts, what fills first on it, its worst overcommit
 * and its drift; riskiest first. */
static void find_hosts(const struct kh_report *r, struct kh_analysis *a)
{
	struct uri_ref *uris = kh_malloc((r->n_hosts + 1) * sizeof *uris);

	a->hosts = kh_calloc(r->n_hosts + 1, sizeof *a->hosts);
	for (size_t i = 0; i < r->n_hosts; i++) {
		a->hosts[i].h = &r->hosts[i];
		a->hosts[i].index = i;
		a->hosts[i].pending = r->hosts[i].pending.n;
		a->hosts[i].first_at = SIZE_MAX;
		uris[i] = (struct uri_ref){ r->hosts[i].uri, i };
	}
	for (size_t i = 0; i < a->keys.n_p; i++)
		a->hosts[a->keys.p[i].host].n_pools++;
	for (size_t i = 0; i < a->keys.n_v; i++)
		a->hosts[a->keys.v[i].host].n_volumes++;
	for (size_t i = 0; i < a->keys.n_s; i++) {
		const struct kh_key *k = &a->keys.s[a->sorder[i]];
		struct kh_hostrow *hr = &a->hosts[k->host];
		double oc = k->capacity > 0 ? (double)k->committed / (double)k->capacity : 0;

		hr->n_storage++;
		if (k->capacity > 0 && (!hr->has_worst || oc > hr->worst_overcommit)) {
			hr->has_worst = 1;
			hr->worst_overcommit = oc;
			hr->worst_committed = k->committed;
			hr->worst_capacity = k->capacity;
		}
	}
	for (size_t i = 0; i < a->t.risks; i++) {
		const struct kh_key *k = rank_key(a, &a->rank[i]);
		struct kh_hostrow *hr = &a->hosts[k->host];

		if (hr->first_at == SIZE_MAX)
			hr->first_at = i;
		hr->n_warn += k->days <= r->warn_days;
	}
	if (r->n_hosts)
		qsort(uris, r->n_hosts, sizeof *uris, cmp_uri_ref);
	for (size_t i = 0; i < r->changes.n && r->n_hosts; i++) {
		struct uri_ref key = { r->changes.items[i].uri, 0 }, *hit;

		if (key.uri == NULL)
			continue;
		hit = bsearch(&key, uris, r->n_hosts, sizeof *uris, cmp_uri_ref);
		if (hit)
			a->hosts[hit->host].changes++;
	}
	qsort(a->hosts, r->n_hosts, sizeof *a->hosts, cmp_hostrow);
	free(uris);
}

/* The totals of every list, and what its rows past --top hold. */
static void count(const struct kh_report *r, struct kh_analysis *a, const uint32_t *orphans)
{
	size_t max = kh_rows_max(r);
	struct kh_totals *t = &a->t;

	t->vols = a->keys.n_v;
	t->pools = a->keys.n_p;
	t->storage = a->keys.n_s;
	for (size_t i = 0; i < a->keys.n_v; i++) {
		const struct kh_key *k = &a->keys.v[i];

		t->warn_vols += key_within(r, k);
		t->growing += (k->flags & KH_KEY_FITTED) && k->rate > 0;
		t->bursts += (k->flags & KH_KEY_BURST) != 0;
		t->orphans += (k->flags & KH_KEY_ORPHAN) != 0;
		a->has_chains |= (k->flags & KH_KEY_CHAIN) != 0;
	}
	for (size_t i = 0; i < a->keys.n_p; i++)
		t->warn_pools += key_within(r, &a->keys.p[i]);
	for (size_t i = 0; i < a->keys.n_s; i++) {
		const struct kh_key *k = &a->keys.s[a->sorder[i]];

		t->warn_storage += key_within(r, k);
		if (i >= max) {
			t->more_pools += k->n_pools;
			t->more_pools_filling += key_within(r, k) ? k->n_pools : 0;
		}
	}
	for (size_t i = max; i < t->risks; i++)
		t->more_risks_filling += key_within(r, rank_key(a, &a->rank[i]));
	for (size_t i = max; i < t->orphans; i++) {
		const struct kh_key *k = &a->keys.v[orphans[i]];

		t->more_orphans_used += k->allocation > 0 ? k->allocation : 0;
		t->more_orphans_capacity += k->capacity > 0 ? k->capacity : 0;
	}
}

/* Marks the rows the lists of md, html and e-mail show (render.c): each list's first --top
 * (the top growing: kh_top_growing), the charts' (storage and volumes with samples, --top
 * in all), what fills first, the risks and the hosts' firsts shown. */
static void select_rows(const struct kh_report *r, const struct kh_analysis *a,
			const uint32_t *orphans, unsigned char *sel_v, unsigned char *sel_p,
			unsigned char *sel_s)
{
	size_t max = kh_rows_max(r), grow = kh_top_growing(r), charts = 0, n, n_charted;
	uint32_t *growing = kh_malloc((a->keys.n_v + 1) * sizeof *growing);
	uint32_t *other = kh_malloc((a->keys.n_v + 1) * sizeof *other);
	size_t n_growing = 0, n_other = 0;

	for (size_t i = 0; i < a->keys.n_s && (i < max || charts < max); i++) {
		sel_s[a->sorder[i]] = 1;
		charts += (a->keys.s[a->sorder[i]].flags & KH_KEY_SAMPLES) != 0;
	}
	n = n_charted = 0;
	for (size_t i = 0, bursts = 0; i < a->keys.n_v; i++) {
		uint32_t v = a->vorder[i];
		const struct kh_key *k = &a->keys.v[v];

		if (key_within(r, k) && (n < max || charts + n_charted < max)) {
			sel_v[v] = 1;
			n++;
			n_charted += (k->flags & KH_KEY_SAMPLES) != 0;
		}
		if ((k->flags & KH_KEY_BURST) && bursts++ < grow)
			sel_v[v] = 1;
		if ((k->flags & KH_KEY_FITTED) && k->rate > 0) {
			growing[n_growing++] = v;
			if (!key_within(r, k))
				other[n_other++] = v;
		}
	}
	qsort(growing, n_growing, sizeof *growing, cmp_rate);
	qsort(other, n_other, sizeof *other, cmp_rate);
	for (size_t i = 0; i < n_growing && i < grow; i++)
		sel_v[growing[i]] = 1;
	for (size_t i = 0; i < n_other && i < grow; i++)
		sel_v[other[i]] = 1;
	for (size_t i = 0; i < a->t.orphans && i < max; i++)
		sel_v[orphans[i]] = 1;
	if (a->keys.n_v && (a->keys.v[a->vorder[0]].flags & KH_KEY_OK))
		sel_v[a->vorder[0]] = 1;
	if (a->keys.n_p && (a->keys.p[a->porder[0]].flags & KH_KEY_OK))
		sel_p[a->porder[0]] = 1;
	for (size_t i = 0; i < a->t.risks && i < max; i++)
		(a->rank[i].storage ? sel_s : sel_v)[a->rank[i].key] = 1;
	for (size_t i = 0; i < r->n_hosts && i < max; i++)
		if (a->hosts[i].first_at != SIZE_MAX)
			(a->rank[a->hosts[i].first_at].storage ? sel_s : sel_v)
			    [a->rank[a->hosts[i].first_at].key] = 1;
	free(growing);
	free(other);
}

static size_t marked(const unsigned char *sel, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += sel[i] != 0;
	return k;
}

static struct kh_risk risk_at(const struct kh_analysis *a, const struct kh_rank *k,
			      const uint32_t *vpos, const uint32_t *spos)
{
	if (k->storage)
		return (struct kh_risk){ &a->storage[spos[k->key]], a->storage[spos[k->key]].row };
	return (struct kh_risk){ NULL, &a->vols[vpos[k->key]] };
}

typedef void load_fn(const struct kh_report *r, const struct kh_analysis *a, size_t i,
		     struct kh_loaded *l);

/* The marked keys of one kind (order: all of them, ranked) read back in rank order into
 * a->held from *first on; pos[key], if asked: its place among them. */
static size_t load_marked(const struct kh_report *r, struct kh_analysis *a,
			  const uint32_t *order, size_t n, const unsigned char *sel, load_fn *load,
			  uint32_t *pos, size_t *first)
{
	size_t k = 0;

	*first = a->n_held;
	for (size_t i = 0; i < n; i++) {
		if (!sel[order[i]])
			continue;
		load(r, a, order[i], &a->held[a->n_held++]);
		if (pos)
			pos[order[i]] = (uint32_t)k;
		k++;
	}
	return k;
}

/* The marked rows read back into the analysis' arrays, in rank order. */
static void load_rows(const struct kh_report *r, struct kh_analysis *a, int all,
		      const unsigned char *sel_v, const unsigned char *sel_p,
		      const unsigned char *sel_s)
{
	size_t nv = marked(sel_v, a->keys.n_v), np = marked(sel_p, a->keys.n_p);
	size_t ns = marked(sel_s, a->keys.n_s), max = all ? SIZE_MAX : kh_rows_max(r);
	uint32_t *vpos = kh_malloc((a->keys.n_v + 1) * sizeof *vpos);
	uint32_t *spos = kh_malloc((a->keys.n_s + 1) * sizeof *spos);
	size_t at;

	a->held = kh_calloc(nv + np + ns + 1, sizeof *a->held);
	a->vols = kh_calloc(nv + 1, sizeof *a->vols);
	a->pools = kh_calloc(np + 1, sizeof *a->pools);
	a->storage = kh_calloc(ns + 1, sizeof *a->storage);
	a->n_vols = load_marked(r, a, a->vorder, a->keys.n_v, sel_v, kh_analysis_volume, vpos, &at);
	for (size_t i = 0; i < a->n_vols; i++) {
		a->held[at + i].volume = 0; /* its owners go with the copy */
		a->vols[i] = a->held[at + i].row;
	}
	a->n_pools = load_marked(r, a, a->porder, a->keys.n_p, sel_p, kh_analysis_pool, NULL, &at);
	for (size_t i = 0; i < a->n_pools; i++)
		a->pools[i] = a->held[at + i].row;
	a->n_storage = load_marked(r, a, a->sorder, a->keys.n_s, sel_s, kh_analysis_storage, spos,
				   &at);
	for (size_t i = 0; i < a->n_storage; i++)
		a->storage[i] = a->held[at + i].st;
	a->n_risks = a->t.risks < max ? a->t.risks : max;
	a->risks = kh_calloc(a->n_risks + 1, sizeof *a->risks);
	for (size_t i = 0; i < a->n_risks; i++)
		a->risks[i] = risk_at(a, &a->rank[i], vpos, spos);
	a->host_risks = kh_calloc(r->n_hosts + 1, sizeof *a->host_risks);
	for (size_t i = 0; i < r->n_hosts && i < max; i++) {
		struct kh_hostrow *hr = &a->hosts[i];

		if (hr->first_at == SIZE_MAX)
			continue;
		a->host_risks[a->n_host_risks] = risk_at(a, &a->rank[hr->first_at], vpos, spos);
		hr->first = &a->host_risks[a->n_host_risks++];
	}
	if (a->n_vols && (a->vols[0].fc.ok))
		a->first = &a->vols[0];
	if (a->n_pools && a->pools[0].fc.ok &&
	    (a->first == NULL || a->pools[0].fc.full_at < a->first->fc.full_at)) {
		a->first = &a->pools[0];
		a->first_is_pool = 1;
	}
	free(vpos);
	free(spos);
}

static void copy_keys(struct kh_key **to, size_t *n, size_t *cap, const struct kh_key *from,
		      size_t n_from)
{
	*to = kh_malloc((n_from + 1) * sizeof **to);
	if (n_from)
		memcpy(*to, from, n_from * sizeof **to);
	*n = *cap = n_from;
}

static int cmp_drift(const void *a, const void *b)
{
	const struct kh_change *x = *(const struct kh_change *const *)a;
	const struct kh_change *y = *(const struct kh_change *const *)b;
	int c;

	if (x->taken_at != y->taken_at)
		return x->taken_at < y->taken_at ? -1 : 1;
	if ((c = kh_strcmp_empty(x->uri, y->uri)) != 0)
		return c;
	return (x > y) - (x < y); /* the order the diff found them in */
}

static int cmp_snaprow(const void *a, const void *b)
{
	const struct kh_snaprow *x = a, *y = b;
	int c;

	if ((c = kh_strcmp_empty(kh_rhost_label(x->h), kh_rhost_label(y->h))) != 0 ||
	    (c = kh_strcmp_empty(x->h->uri, y->h->uri)) != 0)
		return c;
	return kh_strcmp_empty(x->d->domain, y->d->domain);
}

static int cmp_forgotten(const void *a, const void *b)
{
	const struct kh_forgotten *x = a, *y = b;
	int c;

	if (x->s->created != y->s->created)
		return x->s->created < y->s->created ? -1 : 1;
	if ((c = kh_strcmp_empty(kh_rhost_label(x->h), kh_rhost_label(y->h))) != 0 ||
	    (c = kh_strcmp_empty(x->h->uri, y->h->uri)) != 0 ||
	    (c = kh_strcmp_empty(x->s->domain, y->s->domain)) != 0)
		return c;
	return kh_strcmp_empty(x->s->name, y->s->name);
}

/* Each host's domains with snapshots or chains, and the snapshots older than snapshot_days
 * when the host was last collected (not "now": a report of an old period says what was
 * forgotten then). */
static void find_snapshots(const struct kh_report *r, struct kh_analysis *a)
{
	size_t n_doms = 0, n_snaps = 0;

	for (size_t i = 0; i < r->n_hosts; i++) {
		n_doms += r->hosts[i].n_doms;
		n_snaps += r->hosts[i].n_snaps;
	}
	a->snapdoms = kh_calloc(n_doms + 1, sizeof *a->snapdoms);
	a->forgotten = kh_calloc(n_snaps + 1, sizeof *a->forgotten);
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct kh_rhost *h = &r->hosts[i];
		int64_t latest = h->n_times ? h->times[h->n_times - 1] : 0;

		for (size_t j = 0; j < h->n_doms; j++)
			a->snapdoms[a->n_snapdoms++] = (struct kh_snaprow){ h, &h->doms[j] };
		for (size_t j = 0; j < h->n_snaps; j++) {
			const struct kh_rsnap *s = &h->snaps[j];

			if (s->created == KH_UNKNOWN ||
			    latest - s->created <= (int64_t)r->snapshot_days * 86400)
				continue;
			a->forgotten[a->n_forgotten++] =
			    (struct kh_forgotten){ h, s, (latest - s->created) / 86400 };
		}
	}
	qsort(a->snapdoms, a->n_snapdoms, sizeof *a->snapdoms, cmp_snaprow);
	qsort(a->forgotten, a->n_forgotten, sizeof *a->forgotten, cmp_forgotten);
}

static struct kh_analysis *analysis_make(const struct kh_report *r, int all)
{
	struct kh_analysis *a = kh_calloc(1, sizeof *a);
	uint32_t *host_order = kh_malloc((r->n_hosts + 1) * sizeof *host_order);
	uint32_t *label_order = kh_malloc((r->n_hosts + 1) * sizeof *label_order);
	uint32_t *by_host, *orphans;
	unsigned char *sel_v, *sel_p, *sel_s;
	size_t n_orphans = 0;

	a->mem.fd = -1;
	a->mem.tried = 1;
	if (r->sealed) {
		a->keys = r->keys; /* borrowed */
	} else { /* the open hosts' rows worked out as if done, into the analysis' own */
		a->own_keys = 1;
		copy_keys(&a->keys.v, &a->keys.n_v, &a->keys.cap_v, r->keys.v, r->keys.n_v);
		copy_keys(&a->keys.p, &a->keys.n_p, &a->keys.cap_p, r->keys.p, r->keys.n_p);
		copy_keys(&a->keys.s, &a->keys.n_s, &a->keys.cap_s, r->keys.s, r->keys.n_s);
		for (size_t i = 0; i < r->n_hosts; i++)
			if (!r->hosts[i].done)
				finish_host((struct kh_report *)r, i, &a->mem, &a->keys, KH_KEY_MEM);
	}
	ctx.r = r;
	ctx.a = a;
	by_host = order_of(r->n_hosts, cmp_host_index);
	for (size_t i = 0; i < r->n_hosts; i++) {
		host_order[by_host[i]] = (uint32_t)i;
		label_order[by_host[i]] =
		    i && kh_strcmp_empty(kh_rhost_display(&r->hosts[by_host[i]]),
				 kh_rhost_display(&r->hosts[by_host[i - 1]])) == 0
			? label_order[by_host[i - 1]]
			: (uint32_t)i;
	}
	free(by_host);
	ctx.host_order = host_order;
	ctx.label_order = label_order;
	a->vorder = order_of(a->keys.n_v, cmp_vorder);
	a->porder = order_of(a->keys.n_p, cmp_porder);
	a->sorder = order_of(a->keys.n_s, cmp_sorder);

	a->rank = kh_malloc((a->keys.n_s + a->keys.n_v + 1) * sizeof *a->rank);
	for (size_t i = 0; i < a->keys.n_s; i++)
		if (a->keys.s[i].flags & KH_KEY_OK)
			a->rank[a->t.risks++] = (struct kh_rank){ (uint32_t)i, 1 };
	for (size_t i = 0; i < a->keys.n_v; i++)
		if (a->keys.v[i].flags & KH_KEY_OK)
			a->rank[a->t.risks++] = (struct kh_rank){ (uint32_t)i, 0 };
	if (a->t.risks)
		qsort(a->rank, a->t.risks, sizeof *a->rank, cmp_rank);
	find_hosts(r, a);

	orphans = kh_malloc((a->keys.n_v + 1) * sizeof *orphans);
	for (size_t i = 0; i < a->keys.n_v; i++)
		if (a->keys.v[i].flags & KH_KEY_ORPHAN)
			orphans[n_orphans++] = (uint32_t)i;
	if (n_orphans)
		qsort(orphans, n_orphans, sizeof *orphans, cmp_orphan);
	count(r, a, orphans);

	sel_v = kh_calloc(a->keys.n_v + 1, 1);
	sel_p = kh_calloc(a->keys.n_p + 1, 1);
	sel_s = kh_calloc(a->keys.n_s + 1, 1);
	if (all) {
		memset(sel_v, 1, a->keys.n_v);
		memset(sel_p, 1, a->keys.n_p);
		memset(sel_s, 1, a->keys.n_s);
	} else {
		select_rows(r, a, orphans, sel_v, sel_p, sel_s);
	}
	load_rows(r, a, all, sel_v, sel_p, sel_s);
	free(sel_v);
	free(sel_p);
	free(sel_s);
	free(orphans);
	free(host_order);
	free(label_order);
	memset(&ctx, 0, sizeof ctx);

	find_snapshots(r, a);
	a->drift = kh_malloc((r->changes.n + 1) * sizeof *a->drift);
	for (size_t i = 0; i < r->changes.n; i++)
		a->drift[a->n_drift++] = &r->changes.items[i];
	qsort(a->drift, a->n_drift, sizeof *a->drift, cmp_drift);
	return a;
}

struct kh_analysis *kh_analysis_new(const struct kh_report *r)
{
	struct kh_analysis *a;

	if (r->analysis)
		return r->analysis;
	a = analysis_make(r, 0);
	if (r->sealed) {
		a->kept = 1;
		((struct kh_report *)r)->analysis = a; /* the report's cache, made once */
	}
	return a;
}

struct kh_analysis *kh_analysis_all(const struct kh_report *r)
{
	return analysis_make(r, 1);
}

/* Every series and its index. */
static void series_drop(struct kh_report *r)
{
	for (size_t i = 0; i < r->n_vols; i++)
		series_clear(&r->vols[i]);
	for (size_t i = 0; i < r->n_pools; i++)
		series_clear(&r->pools[i]);
	free(r->vols);
	free(r->pools);
	r->vols = r->pools = NULL;
	r->n_vols = r->cap_vols = r->n_pools = r->cap_pools = 0;
	free(r->vol_index.slots);
	free(r->pool_index.slots);
	memset(&r->vol_index, 0, sizeof r->vol_index);
	memset(&r->pool_index, 0, sizeof r->pool_index);
}

/* Series of a done host are looked up no more: their names go, and once every host is
 * done (a streamed report between hosts) the series and their index too. */
static void series_forget(struct kh_report *r, struct kh_rhost *h)
{
	for (size_t i = 0; i < h->vol_ids.n; i++) {
		struct kh_series *s = &r->vols[h->vol_ids.v[i]];

		feed_free(s);
		free(s->name);
		s->name = NULL;
		s->path = NULL;
	}
	for (size_t i = 0; i < h->pool_ids.n; i++) {
		struct kh_series *s = &r->pools[h->pool_ids.v[i]];

		feed_free(s);
		free(s->name);
		s->name = NULL;
	}
	free(h->vol_ids.v);
	free(h->pool_ids.v);
	h->vol_ids = h->pool_ids = (struct kh_series_ids){ 0 };
	for (size_t i = 0; i < r->n_hosts; i++)
		if (!r->hosts[i].done)
			return;
	series_drop(r);
}

void kh_report_host_done(struct kh_report *r, const char *uri)
{
	struct kh_rhost *h = NULL;
	size_t hi = 0;

	for (size_t i = r->n_hosts; i-- > 0 && h == NULL;)
		if (strcmp(r->hosts[i].uri, uri) == 0) {
			h = &r->hosts[i];
			hi = i;
		}
	if (h == NULL || h->done)
		return;
	finish_host(r, hi, &r->spill, &r->keys, 0);
	free(h->pool_map);
	free(h->vol_map);
	h->pool_map = h->vol_map = NULL;
	h->n_pool_map = h->n_vol_map = 0;
	h->mapped = 0;
	free(h->pairs);
	h->pairs = NULL;
	h->n_pairs = h->cap_pairs = 0;
	disks_clear(h); /* the owners are in the rows */
	free(h->disks);
	h->disks = NULL;
	h->cap_disks = 0;
	h->done = 1;
	series_forget(r, h);
}

void kh_report_set_once(struct kh_report *r)
{
	r->once = 1;
}

void kh_report_shed(struct kh_report *r)
{
	if (r->analysis) {
		r->analysis->kept = 0;
		kh_analysis_free(r->analysis);
		r->analysis = NULL;
	}
	for (size_t i = 0; i < r->n_hosts; i++)
		host_disks_clear(&r->hosts[i]);
	series_drop(r);
	kh_changes_free(&r->changes);
	free(r->samples);
	r->samples = NULL;
	r->n_sample_bytes = r->cap_sample_bytes = 0;
	kh_spill_free(&r->spill);
	keys_free(&r->keys);
}

void kh_report_seal(struct kh_report *r)
{
	for (size_t i = 0; i < r->n_hosts; i++)
		kh_report_host_done(r, r->hosts[i].uri);
	r->sealed = 1;
}

void kh_analysis_free(struct kh_analysis *a)
{
	if (a == NULL || a->kept)
		return;
	for (size_t i = 0; i < a->n_vols; i++) {
		free(a->vols[i].owners);
		free(a->vols[i].vias);
	}
	for (size_t i = 0; i < a->n_held; i++)
		kh_loaded_free(&a->held[i]);
	free(a->held);
	free(a->vols);
	free(a->pools);
	free(a->storage);
	free(a->risks);
	free(a->host_risks);
	free(a->hosts);
	free(a->vorder);
	free(a->porder);
	free(a->sorder);
	free(a->rank);
	if (a->own_keys)
		keys_free(&a->keys);
	kh_spill_free(&a->mem);
	free(a->drift);
	free(a->snapdoms);
	free(a->forgotten);
	free(a);
}
