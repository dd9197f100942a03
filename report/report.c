/* The report's memory: per host the snapshot times and the latest disks, per volume and
 * pool a thinned series of allocations (runs of equal ones), and the drift. Nothing else of
 * a snapshot is kept: a year of nightly snapshots of 5000 volumes, one in seven growing
 * every night, costs some 6 MiB of series. */
#include "report/chain.h"
#include "report/report_int.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_WARN_DAYS 30
#define DEFAULT_SNAPSHOT_DAYS 14

/* ---- the index: (host, pool, name) -> series ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t key_hash(size_t host, const char *pool, const char *name)
{
	uint64_t h = 14695981039346656037ull;

	h = fnv(h, &host, sizeof host);
	h = fnv(h, pool ? "v" : "p", 1);
	if (pool)
		h = fnv(h, pool, strlen(pool) + 1);
	return fnv(h, name ? name : "", name ? strlen(name) : 0);
}

static int str_eq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static int key_eq(const struct kh_series *s, size_t host, const char *pool, const char *name)
{
	return s->host == host && str_eq(s->pool, pool) && str_eq(s->name, name);
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

static struct kh_series *series_get(struct kh_index *ix, struct kh_series **items, size_t *n,
				    size_t *cap, size_t host, const char *pool, const char *name)
{
	struct kh_series *s;
	uint32_t *slot;

	if ((ix->n + 1) * 4 > ix->cap * 3)
		index_grow(ix, *items);
	slot = index_slot(ix, *items, host, pool, name);
	if (*slot)
		return &(*items)[*slot - 1];
	s = KH_PUSH(*items, *n, *cap);
	s->host = host;
	s->pool = pool ? kh_strdup(pool) : NULL;
	s->name = kh_strdup(name ? name : "");
	s->stride = 1;
	s->capacity = s->available = KH_UNKNOWN;
	*slot = (uint32_t)*n;
	ix->n++;
	return s;
}

static void series_clear(struct kh_series *s)
{
	free(s->pool);
	free(s->name);
	free(s->path);
	free(s->runs);
}

/* Drops every other kept sample (the 1st, 3rd, ... stay) and doubles the stride. A run
 * starting at an odd position loses its first sample; what stays of it is a run again. */
static void series_thin(struct kh_series *s)
{
	size_t pos = 0, k = 0;

	for (size_t i = 0; i < s->n_runs; i++) {
		struct kh_run r = s->runs[i];
		uint32_t skip = pos % 2;

		pos += r.n;
		if (r.n <= skip)
			continue;
		r.ord += skip * s->stride;
		r.n = (r.n - skip + 1) / 2;
		if (k && s->runs[k - 1].alloc == r.alloc &&
		    s->runs[k - 1].ord + s->runs[k - 1].n * 2 * s->stride == r.ord)
			s->runs[k - 1].n += r.n;
		else
			s->runs[k++] = r;
	}
	s->n_runs = k;
	s->n /= 2;
	s->stride *= 2;
}

/* Keeps one sample, thinning the kept ones when full. */
static void series_sample(struct kh_series *s, uint32_t ord, int64_t alloc)
{
	struct kh_run *last;

	if (!s->has_sample)
		s->alloc_first = alloc;
	s->has_sample = 1;
	s->last_sample_ord = ord;
	s->alloc_last = alloc;
	if (s->n == KH_SERIES_MAX)
		series_thin(s);
	if (s->seen++ % s->stride != 0)
		return;
	last = s->n_runs ? &s->runs[s->n_runs - 1] : NULL;
	if (last && last->alloc == alloc && last->ord + last->n * s->stride == ord)
		last->n++;
	else
		*KH_PUSH(s->runs, s->n_runs, s->cap_runs) = (struct kh_run){ ord, 1, alloc };
	s->n++;
}

/* ---- feeding ---- */

struct kh_report *kh_report_new(int64_t from, int64_t to)
{
	struct kh_report *r = kh_calloc(1, sizeof *r);

	r->from = from;
	r->to = to;
	r->warn_days = DEFAULT_WARN_DAYS;
	r->snapshot_days = DEFAULT_SNAPSHOT_DAYS;
	return r;
}

void kh_report_set_warn_days(struct kh_report *r, int days)
{
	r->warn_days = days < 0 ? 0 : days;
}

void kh_report_set_snapshot_days(struct kh_report *r, int days)
{
	r->snapshot_days = days < 0 ? 0 : days;
}

static void host_disks_clear(struct kh_rhost *h)
{
	for (size_t i = 0; i < h->n_disks; i++) {
		free(h->disks[i].domain);
		free(h->disks[i].pool);
		free(h->disks[i].volume);
		free(h->disks[i].source);
		free(h->disks[i].via);
	}
	h->n_disks = 0;
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
	}
	free(r->hosts);
	for (size_t i = 0; i < r->n_vols; i++)
		series_clear(&r->vols[i]);
	free(r->vols);
	for (size_t i = 0; i < r->n_pools; i++)
		series_clear(&r->pools[i]);
	free(r->pools);
	free(r->vol_index.slots);
	free(r->pool_index.slots);
	kh_changes_free(&r->changes);
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

static struct kh_rhost *host_get(struct kh_report *r, const char *uri, size_t *idx)
{
	struct kh_rhost *h;

	for (size_t i = 0; i < r->n_hosts; i++)
		if (strcmp(r->hosts[i].uri, uri) == 0) {
			*idx = i;
			return &r->hosts[i];
		}
	h = KH_PUSH(r->hosts, r->n_hosts, r->cap_hosts);
	h->uri = kh_strdup(uri);
	*idx = r->n_hosts - 1;
	return h;
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
			    str_eq(h->disks[j].pool, top->pool) &&
			    str_eq(h->disks[j].volume, top->name)) {
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
	if (snap->host.hostname) {
		free(h->hostname);
		h->hostname = kh_strdup(snap->host.hostname);
	}
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
				       NULL, p->name);
			h->pool_map[i] = (uint32_t)(s - r->pools);
			if (p->capacity >= 0)
				s->capacity = p->capacity;
		}
		s = &r->pools[h->pool_map[i]];
		s->last_ord = ord;
		if (p->available >= 0)
			s->available = p->available;
		if (p->allocation >= 0)
			series_sample(s, ord, p->allocation);
	}
	for (size_t i = 0; i < snap->n_volumes; i++) {
		const struct kh_volume *v = &snap->volumes[i];
		struct kh_series *s;

		if (remap) {
			s = series_get(&r->vol_index, &r->vols, &r->n_vols, &r->cap_vols, hi,
				       v->pool ? v->pool : "", v->name);
			h->vol_map[i] = (uint32_t)(s - r->vols);
			if (v->path && !str_eq(v->path, s->path)) {
				free(s->path);
				s->path = kh_strdup(v->path);
			}
			if (v->capacity >= 0)
				s->capacity = v->capacity;
		}
		s = &r->vols[h->vol_map[i]];
		s->last_ord = ord;
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

const char *kh_row_host(const struct kh_row *row)
{
	return kh_rhost_label(row->h);
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
	return s->last_ord + 1 == r->hosts[s->host].n_times;
}

static void fit_row(const struct kh_report *r, const struct kh_series *s, struct kh_row *row)
{
	const struct kh_rhost *h = &r->hosts[s->host];
	size_t n = s->n;
	uint32_t last_ord = 0;
	int64_t *t, *y;

	row->s = s;
	row->h = h;
	row->capacity = s->capacity;
	row->available = s->available;
	row->allocation = s->has_sample ? s->alloc_last : KH_UNKNOWN;
	row->alloc_start = s->has_sample ? s->alloc_first : KH_UNKNOWN;
	row->committed = 0;
	t = kh_malloc((n + 1) * sizeof *t);
	y = kh_malloc((n + 1) * sizeof *y);
	n = 0;
	for (size_t i = 0; i < s->n_runs; i++)
		for (uint32_t j = 0; j < s->runs[i].n; j++) {
			last_ord = s->runs[i].ord + j * s->stride;
			t[n] = h->times[last_ord];
			y[n++] = s->runs[i].alloc;
		}
	if (s->has_sample && (n == 0 || last_ord != s->last_sample_ord)) {
		t[n] = h->times[s->last_sample_ord];
		y[n++] = s->alloc_last;
	}
	kh_fit_series(t, y, n, &row->fit);
	row->fitted = row->fit.samples >= KH_FIT_MIN_SAMPLES &&
		      row->fit.span_days >= KH_FIT_MIN_DAYS;
	free(t);
	free(y);
}

static void forecast_row(struct kh_row *row, int is_pool)
{
	int64_t last_at = row->s->has_sample ? row->h->times[row->s->last_sample_ord] : 0;
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

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_row(const void *a, const void *b)
{
	const struct kh_row *x = a, *y = b;
	int c;

	if (x->fc.ok != y->fc.ok)
		return x->fc.ok ? -1 : 1;
	if (x->fc.ok && x->fc.days != y->fc.days)
		return x->fc.days < y->fc.days ? -1 : 1;
	if ((c = cmp_str(kh_row_host(x), kh_row_host(y))) != 0 ||
	    (c = cmp_str(x->h->uri, y->h->uri)) != 0 || (c = cmp_str(x->s->pool, y->s->pool)) != 0)
		return c;
	return cmp_str(x->s->name, y->s->name);
}

struct path_ref {
	const char *path;
	struct kh_row *row;
};

static int cmp_path_ref(const void *a, const void *b)
{
	return strcmp(((const struct path_ref *)a)->path, ((const struct path_ref *)b)->path);
}

static void add_owner(struct kh_row *row, const struct kh_rdisk *d)
{
	for (size_t i = 0; i < row->n_owners; i++)
		if (strcmp(row->owners[i], d->domain) == 0 && str_eq(row->vias[i], d->via))
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

/* Owners from each host's latest disks: by pool/volume, else by path. */
static void find_owners(const struct kh_report *r, struct kh_row *rows, size_t n)
{
	struct kh_row **by_series = kh_calloc(r->n_vols + 1, sizeof *by_series);
	struct path_ref *paths = kh_malloc((n + 1) * sizeof *paths);
	size_t n_paths = 0;

	for (size_t i = 0; i < n; i++) {
		by_series[rows[i].s - r->vols] = &rows[i];
		if (rows[i].s->path)
			paths[n_paths++] = (struct path_ref){ rows[i].s->path, &rows[i] };
	}
	if (n_paths)
		qsort(paths, n_paths, sizeof *paths, cmp_path_ref);
	for (size_t hi = 0; hi < r->n_hosts; hi++) {
		const struct kh_rhost *h = &r->hosts[hi];

		for (size_t i = 0; i < h->n_disks; i++) {
			const struct kh_rdisk *d = &h->disks[i];
			struct kh_row *row = NULL;

			if (d->pool && d->volume) {
				const struct kh_series *s = series_find(&r->vol_index, r->vols, hi,
									d->pool, d->volume);

				row = s ? by_series[s - r->vols] : NULL;
			} else if (d->source && n_paths) {
				struct path_ref key = { d->source, NULL }, *hit;

				hit = bsearch(&key, paths, n_paths, sizeof *paths, cmp_path_ref);
				/* Paths are unique per host, not across hosts: step to this host's. */
				if (hit) {
					while (hit > paths && strcmp(hit[-1].path, d->source) == 0)
						hit--;
					for (; hit < paths + n_paths &&
					       strcmp(hit->path, d->source) == 0; hit++)
						if (hit->row->s->host == hi) {
							row = hit->row;
							break;
						}
				}
			}
			if (row)
				add_owner(row, d);
		}
	}
	free(by_series);
	free(paths);
}

/* Committed capacity, and the earliest volume forecast, per pool. */
static void pool_totals(const struct kh_report *r, struct kh_analysis *a)
{
	struct kh_row **by_series = kh_calloc(r->n_pools + 1, sizeof *by_series);

	for (size_t i = 0; i < a->n_pools; i++)
		by_series[a->pools[i].s - r->pools] = &a->pools[i];
	for (size_t i = 0; i < a->n_vols; i++) {
		const struct kh_row *v = &a->vols[i];
		const struct kh_series *ps = series_find(&r->pool_index, r->pools, v->s->host,
							 NULL, v->s->pool);
		struct kh_row *p = ps ? by_series[ps - r->pools] : NULL;

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
	for (size_t i = 0; i < a->n_pools; i++) {
		struct kh_row *p = &a->pools[i];

		p->fills_before_volumes =
		    p->fc.ok && ((p->committed > p->capacity && p->capacity >= 0) ||
				 !p->has_vol_full || p->fc.full_at < p->vol_full_at);
	}
	free(by_series);
}

static int cmp_drift(const void *a, const void *b)
{
	const struct kh_change *x = *(const struct kh_change *const *)a;
	const struct kh_change *y = *(const struct kh_change *const *)b;
	int c;

	if (x->taken_at != y->taken_at)
		return x->taken_at < y->taken_at ? -1 : 1;
	if ((c = cmp_str(x->uri, y->uri)) != 0)
		return c;
	return (x > y) - (x < y); /* the order the diff found them in */
}

static int cmp_snaprow(const void *a, const void *b)
{
	const struct kh_snaprow *x = a, *y = b;
	int c;

	if ((c = cmp_str(kh_rhost_label(x->h), kh_rhost_label(y->h))) != 0 ||
	    (c = cmp_str(x->h->uri, y->h->uri)) != 0)
		return c;
	return cmp_str(x->d->domain, y->d->domain);
}

static int cmp_forgotten(const void *a, const void *b)
{
	const struct kh_forgotten *x = a, *y = b;
	int c;

	if (x->s->created != y->s->created)
		return x->s->created < y->s->created ? -1 : 1;
	if ((c = cmp_str(kh_rhost_label(x->h), kh_rhost_label(y->h))) != 0 ||
	    (c = cmp_str(x->h->uri, y->h->uri)) != 0 ||
	    (c = cmp_str(x->s->domain, y->s->domain)) != 0)
		return c;
	return cmp_str(x->s->name, y->s->name);
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

struct kh_analysis *kh_analysis_new(const struct kh_report *r)
{
	struct kh_analysis *a = kh_calloc(1, sizeof *a);

	a->vols = kh_calloc(r->n_vols + 1, sizeof *a->vols);
	for (size_t i = 0; i < r->n_vols; i++)
		if (current(r, &r->vols[i]))
			fit_row(r, &r->vols[i], &a->vols[a->n_vols++]);
	for (size_t i = 0; i < a->n_vols; i++)
		forecast_row(&a->vols[i], 0);
	find_owners(r, a->vols, a->n_vols);

	a->pools = kh_calloc(r->n_pools + 1, sizeof *a->pools);
	for (size_t i = 0; i < r->n_pools; i++)
		if (current(r, &r->pools[i]))
			fit_row(r, &r->pools[i], &a->pools[a->n_pools++]);
	for (size_t i = 0; i < a->n_pools; i++)
		forecast_row(&a->pools[i], 1);
	pool_totals(r, a);

	qsort(a->vols, a->n_vols, sizeof *a->vols, cmp_row);
	qsort(a->pools, a->n_pools, sizeof *a->pools, cmp_row);
	if (a->n_vols && a->vols[0].fc.ok)
		a->first = &a->vols[0];
	if (a->n_pools && a->pools[0].fc.ok &&
	    (a->first == NULL || a->pools[0].fc.full_at < a->first->fc.full_at)) {
		a->first = &a->pools[0];
		a->first_is_pool = 1;
	}

	for (size_t i = 0; i < a->n_vols; i++)
		a->has_chains |= a->vols[i].chain_depth > 1;
	find_snapshots(r, a);

	a->drift = kh_malloc((r->changes.n + 1) * sizeof *a->drift);
	for (size_t i = 0; i < r->changes.n; i++)
		a->drift[a->n_drift++] = &r->changes.items[i];
	qsort(a->drift, a->n_drift, sizeof *a->drift, cmp_drift);
	return a;
}

void kh_analysis_free(struct kh_analysis *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n_vols; i++) {
		free(a->vols[i].owners);
		free(a->vols[i].vias);
	}
	free(a->vols);
	free(a->pools);
	free(a->drift);
	free(a->snapdoms);
	free(a->forgotten);
	free(a);
}
