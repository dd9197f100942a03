/* Writing a snapshot: one transaction. Each object is compared with its version in the host's
 * previous snapshot; an unchanged one only extends that version's span, so an unchanged night
 * costs a snapshot row and some span updates, not a copy of the estate. A pool's or volume's
 * measured numbers are not part of its version: they get a `size` row when they change. */
#include "store/internal.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

static int step_done(struct kh_store *st, sqlite3_stmt *s, struct kh_err *err)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot write snapshot");
	return 0;
}

static void bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

/* Only a lookup key; bodies are compared before one is reused. */
static int64_t text_hash(const char *s)
{
	return (int64_t)(kh_fnv1a(KH_FNV1A_BASIS, s, strlen(s)) >> 1);
}

/* Stores XML once by content; *id = 0 for no XML. */
static int put_xml(struct kh_store *st, const char *body, int64_t *id, struct kh_err *err)
{
	sqlite3_stmt *s;
	int64_t hash;
	int rc;

	*id = 0;
	if (body == NULL)
		return 0;
	hash = text_hash(body);
	if ((s = kh_store_stmt(st, S_XML_FIND, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, hash);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (strcmp((const char *)sqlite3_column_text(s, 1), body) == 0) {
			*id = sqlite3_column_int64(s, 0);
			sqlite3_reset(s);
			return 0;
		}
	}
	if (rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read XML");
	if ((s = kh_store_stmt(st, S_XML_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, hash);
	kh_bind_text(s, 2, body);
	if (step_done(st, s, err))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* --- what counts as the same version --- */

/* NULL-safe (util/str.h); the name kept for the comparisons below */
#define same_str kh_str_eq

/* A resolved disk's sizes are its volume's and are stored with the volume, so that a growing
 * volume does not make a new version of the domain using it every night. */
static int64_t disk_size(const struct kh_disk *k, int64_t v)
{
	return k->pool ? KH_UNKNOWN : v;
}

static int same_disk(const struct kh_disk *a, const struct kh_disk *b)
{
	return same_str(a->target, b->target) && same_str(a->device, b->device) &&
	       same_str(a->type, b->type) && same_str(a->source, b->source) &&
	       same_str(a->pool, b->pool) && same_str(a->volume, b->volume) &&
	       disk_size(a, a->capacity) == disk_size(b, b->capacity) &&
	       disk_size(a, a->allocation) == disk_size(b, b->allocation) &&
	       disk_size(a, a->physical) == disk_size(b, b->physical);
}

static int same_iface(const struct kh_iface *a, const struct kh_iface *b)
{
	return same_str(a->mac, b->mac) && same_str(a->type, b->type) &&
	       same_str(a->source, b->source) && same_str(a->model, b->model);
}

static int same_snap(const struct kh_domsnap *a, const struct kh_domsnap *b)
{
	return same_str(a->name, b->name) && a->created == b->created &&
	       same_str(a->state, b->state) && same_str(a->parent, b->parent) &&
	       a->current == b->current && same_str(a->kind, b->kind);
}

/* Its XML, persistent and live, is compared by stored id: the previous snapshot is loaded
 * without bodies. */
static int same_domain(const struct kh_domain *a, const struct kh_domain *b)
{
	if (!same_str(a->name, b->name) || !same_str(a->uuid, b->uuid) ||
	    !same_str(a->state, b->state) || a->vcpus != b->vcpus ||
	    a->memory_kib != b->memory_kib || a->max_memory_kib != b->max_memory_kib ||
	    a->autostart != b->autostart || a->persistent != b->persistent ||
	    !same_str(a->os_type, b->os_type) || !same_str(a->error, b->error) ||
	    a->n_disks != b->n_disks || a->n_ifaces != b->n_ifaces || a->n_snaps != b->n_snaps)
		return 0;
	for (size_t i = 0; i < a->n_snaps; i++)
		if (!same_snap(&a->snaps[i], &b->snaps[i]))
			return 0;
	for (size_t i = 0; i < a->n_disks; i++)
		if (!same_disk(&a->disks[i], &b->disks[i]))
			return 0;
	for (size_t i = 0; i < a->n_ifaces; i++)
		if (!same_iface(&a->ifaces[i], &b->ifaces[i]))
			return 0;
	return 1;
}

/* Allocation and available are measurements (table size), not the pool's version. */
static int same_pool(const struct kh_pool *a, const struct kh_pool *b)
{
	return same_str(a->name, b->name) && same_str(a->uuid, b->uuid) &&
	       same_str(a->type, b->type) && same_str(a->state, b->state) &&
	       a->autostart == b->autostart && a->persistent == b->persistent &&
	       a->capacity == b->capacity && same_str(a->path, b->path) &&
	       same_str(a->error, b->error);
}

/* Allocation and physical are measurements (table size), not the volume's version. */
static int same_volume(const struct kh_volume *a, const struct kh_volume *b)
{
	return same_str(a->pool, b->pool) && same_str(a->name, b->name) &&
	       same_str(a->key, b->key) && same_str(a->path, b->path) &&
	       same_str(a->format, b->format) && same_str(a->type, b->type) &&
	       a->capacity == b->capacity && same_str(a->error, b->error) &&
	       same_str(a->backing, b->backing) && same_str(a->backing_format, b->backing_format);
}

static int same_network(const struct kh_network *a, const struct kh_network *b)
{
	return same_str(a->name, b->name) && same_str(a->uuid, b->uuid) &&
	       a->active == b->active && a->autostart == b->autostart &&
	       a->persistent == b->persistent && same_str(a->bridge, b->bridge) &&
	       same_str(a->forward, b->forward) && same_str(a->ips, b->ips) &&
	       same_str(a->dhcp_ranges, b->dhcp_ranges) && same_str(a->error, b->error);
}

/* --- finding an object's previous version --- */

/* Identity of an object within a host: UUID (volumes: pool and name), name as fallback. */
struct ident {
	const char *k1, *k2;
	size_t i;
};

static int cmp_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_ident(const void *pa, const void *pb)
{
	const struct ident *a = pa, *b = pb;
	int c = cmp_str(a->k1, b->k1);

	return c ? c : cmp_str(a->k2, b->k2);
}

/* Index of the previous version with this identity, or -1. */
static long find_ident(const struct ident *v, size_t n, const char *k1, const char *k2)
{
	struct ident key = { k1, k2, 0 };
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_ident(&key, &v[mid]);

		if (c == 0)
			return (long)v[mid].i;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* The host's previous snapshot, indexed by identity, for comparison. */
struct prev {
	struct kh_snapshot *snap;
	struct kh_versions v;
	struct ident *domains, *pools, *volumes, *networks;
	/* A version is reused at most once: two objects sharing an identity (two nameless
	 * UUID-less ones, say) must stay two rows. */
	char *used_domains, *used_pools, *used_volumes, *used_networks;
};

#define INDEX(out, arr, n, key1, key2) do { \
		(out) = kh_calloc((n) ? (n) : 1, sizeof *(out)); \
		for (size_t i_ = 0; i_ < (n); i_++) { \
			(out)[i_].k1 = (arr)[i_].key1 ? (arr)[i_].key1 : (arr)[i_].name; \
			(out)[i_].k2 = (arr)[i_].key1 ? (key2) : NULL; \
			(out)[i_].i = i_; \
		} \
		qsort((out), (n), sizeof *(out), cmp_ident); \
	} while (0)

static int prev_load(struct kh_store *st, int64_t host_id, int64_t seq, struct prev *p,
		     struct kh_err *err)
{
	struct kh_snapshot *s;

	memset(p, 0, sizeof *p);
	p->snap = s = kh_snapshot_new();
	if (seq > 0 && kh_store_load_objects(st, host_id, seq, KH_PRESENT, 0, 0, s, &p->v, err))
		return -1;
	INDEX(p->domains, s->domains, s->n_domains, uuid, NULL);
	INDEX(p->pools, s->pools, s->n_pools, uuid, NULL);
	INDEX(p->volumes, s->volumes, s->n_volumes, pool, s->volumes[i_].name);
	INDEX(p->networks, s->networks, s->n_networks, uuid, NULL);
	p->used_domains = kh_calloc(s->n_domains + 1, 1);
	p->used_pools = kh_calloc(s->n_pools + 1, 1);
	p->used_volumes = kh_calloc(s->n_volumes + 1, 1);
	p->used_networks = kh_calloc(s->n_networks + 1, 1);
	return 0;
}

static void prev_free(struct prev *p)
{
	kh_snapshot_free(p->snap);
	kh_versions_free(&p->v);
	free(p->domains);
	free(p->pools);
	free(p->volumes);
	free(p->networks);
	free(p->used_domains);
	free(p->used_pools);
	free(p->used_volumes);
	free(p->used_networks);
}

/* --- writing versions --- */

struct put {
	struct kh_store *st;
	int64_t host_id, seq;
	struct prev prev;
};

static int span_add(struct put *w, enum kh_kind kind, int64_t row, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(w->st, S_SPAN_ADD, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, w->host_id);
	sqlite3_bind_int(s, 2, kind);
	sqlite3_bind_int64(s, 3, row);
	sqlite3_bind_int64(s, 4, w->seq);
	sqlite3_bind_int64(s, 5, KH_SPAN_OPEN);
	return step_done(w->st, s, err);
}

/* A version the same as the previous snapshot's is reused: its span is open, so it reaches
 * this snapshot with no write. Spans of the previous snapshot closed at or after it (only
 * where later snapshots were pruned) are opened first; spans_close_unused closes those
 * whose version was not reused, at the previous snapshot, the last that had them. */
static int spans_reopen(struct put *w, int64_t last_seq, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(w->st, S_SPANS_REOPEN, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, w->host_id);
	sqlite3_bind_int64(s, 2, last_seq);
	return step_done(w->st, s, err);
}

static int spans_close_unused(struct put *w, int64_t last_seq, struct kh_err *err)
{
	const struct prev *p = &w->prev;
	const struct {
		const char *used;
		const struct kh_version *v;
		size_t n;
	} kinds[] = {
		{ p->used_domains, p->v.domains, p->snap->n_domains },
		{ p->used_pools, p->v.pools, p->snap->n_pools },
		{ p->used_volumes, p->v.volumes, p->snap->n_volumes },
		{ p->used_networks, p->v.networks, p->snap->n_networks },
	};

	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (size_t i = 0; i < kinds[k].n; i++) {
			sqlite3_stmt *s;

			if (kinds[k].used[i])
				continue;
			if ((s = kh_store_stmt(w->st, S_SPAN_END, err)) == NULL)
				return -1;
			sqlite3_bind_int64(s, 1, last_seq);
			sqlite3_bind_int64(s, 2, kinds[k].v[i].span_id);
			if (step_done(w->st, s, err))
				return -1;
		}
	}
	return 0;
}

static int put_domain(struct put *w, const struct kh_domain *d, struct kh_err *err)
{
	struct kh_store *st = w->st;
	int64_t xml_id, live_id, row;
	sqlite3_stmt *s;
	long i;

	if (put_xml(st, d->xml, &xml_id, err) || put_xml(st, d->live_xml, &live_id, err))
		return -1;
	i = find_ident(w->prev.domains, w->prev.snap->n_domains, d->uuid ? d->uuid : d->name, NULL);
	if (i >= 0 && !w->prev.used_domains[i] && w->prev.v.domains[i].xml_id == xml_id &&
	    w->prev.v.domains[i].live_xml_id == live_id && same_domain(&w->prev.snap->domains[i], d)) {
		w->prev.used_domains[i] = 1;
		return 0;
	}

	if ((s = kh_store_stmt(st, S_DOMAIN_ADD, err)) == NULL)
		return -1;
	kh_bind_text(s, 1, d->name);
	kh_bind_text(s, 2, d->uuid);
	kh_bind_text(s, 3, d->state);
	kh_bind_num(s, 4, d->vcpus);
	kh_bind_num(s, 5, d->memory_kib);
	kh_bind_num(s, 6, d->max_memory_kib);
	kh_bind_num(s, 7, d->autostart);
	kh_bind_num(s, 8, d->persistent);
	kh_bind_text(s, 9, d->os_type);
	bind_id(s, 10, xml_id);
	kh_bind_text(s, 11, d->error);
	bind_id(s, 12, live_id);
	if (step_done(st, s, err))
		return -1;
	row = sqlite3_last_insert_rowid(st->db);
	for (size_t j = 0; j < d->n_disks; j++) {
		const struct kh_disk *k = &d->disks[j];

		if ((s = kh_store_stmt(st, S_DISK_ADD, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, row);
		kh_bind_text(s, 2, k->target);
		kh_bind_text(s, 3, k->device);
		kh_bind_text(s, 4, k->type);
		kh_bind_text(s, 5, k->source);
		kh_bind_text(s, 6, k->pool);
		kh_bind_text(s, 7, k->volume);
		kh_bind_num(s, 8, disk_size(k, k->capacity));
		kh_bind_num(s, 9, disk_size(k, k->allocation));
		kh_bind_num(s, 10, disk_size(k, k->physical));
		if (step_done(st, s, err))
			return -1;
	}
	for (size_t j = 0; j < d->n_ifaces; j++) {
		const struct kh_iface *f = &d->ifaces[j];

		if ((s = kh_store_stmt(st, S_IFACE_ADD, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, row);
		kh_bind_text(s, 2, f->mac);
		kh_bind_text(s, 3, f->type);
		kh_bind_text(s, 4, f->source);
		kh_bind_text(s, 5, f->model);
		if (step_done(st, s, err))
			return -1;
	}
	for (size_t j = 0; j < d->n_snaps; j++) {
		const struct kh_domsnap *n = &d->snaps[j];

		if ((s = kh_store_stmt(st, S_DOMSNAP_ADD, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, row);
		kh_bind_text(s, 2, n->name);
		kh_bind_num(s, 3, n->created);
		kh_bind_text(s, 4, n->state);
		kh_bind_text(s, 5, n->parent);
		sqlite3_bind_int(s, 6, n->current);
		kh_bind_text(s, 7, n->kind);
		if (step_done(st, s, err))
			return -1;
	}
	return span_add(w, KH_KIND_DOMAIN, row, err);
}

/* A measured pair from this snapshot on, for version `row` (prev: what it had; NULL for a
 * new version). Unchanged numbers write nothing. */
static int size_put(struct put *w, enum kh_kind kind, int64_t row, const int64_t prev[2],
		    int64_t alloc, int64_t extra, struct kh_err *err)
{
	sqlite3_stmt *s;

	if (prev && prev[0] == alloc && prev[1] == extra)
		return 0;
	if ((s = kh_store_stmt(w->st, S_SIZE_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_int64(s, 2, row);
	sqlite3_bind_int64(s, 3, w->seq);
	kh_bind_num(s, 4, alloc);
	kh_bind_num(s, 5, extra);
	return step_done(w->st, s, err);
}

/* Stores the XML without the digits that its measured numbers' columns hold. */
static int put_measured_xml(struct kh_store *st, const char *xml, const struct kh_xml_num *nums,
			    int64_t *xml_id, struct kh_err *err)
{
	char *cut = kh_xml_nums_cut(xml, nums, KH_MEASURED_NUMS);
	int rc = put_xml(st, cut ? cut : xml, xml_id, err);

	free(cut);
	return rc;
}

static int put_pool(struct put *w, const struct kh_pool *p, struct kh_err *err)
{
	struct kh_xml_num nums[KH_MEASURED_NUMS];
	int64_t xml_id, row;
	sqlite3_stmt *s;
	long i;

	kh_pool_nums(p, nums);
	if (put_measured_xml(w->st, p->xml, nums, &xml_id, err))
		return -1;
	i = find_ident(w->prev.pools, w->prev.snap->n_pools, p->uuid ? p->uuid : p->name, NULL);
	if (i >= 0 && !w->prev.used_pools[i] && w->prev.v.pools[i].xml_id == xml_id &&
	    same_pool(&w->prev.snap->pools[i], p)) {
		const struct kh_pool *q = &w->prev.snap->pools[i];

		w->prev.used_pools[i] = 1;
		return size_put(w, KH_KIND_POOL, w->prev.v.pools[i].row_id,
				(int64_t[2]){ q->allocation, q->available }, p->allocation,
				p->available, err);
	}
	if ((s = kh_store_stmt(w->st, S_POOL_ADD, err)) == NULL)
		return -1;
	kh_bind_text(s, 1, p->name);
	kh_bind_text(s, 2, p->uuid);
	kh_bind_text(s, 3, p->type);
	kh_bind_text(s, 4, p->state);
	kh_bind_num(s, 5, p->autostart);
	kh_bind_num(s, 6, p->persistent);
	kh_bind_num(s, 7, p->capacity);
	sqlite3_bind_null(s, 8);        /* allocation and available: in size */
	sqlite3_bind_null(s, 9);
	kh_bind_text(s, 10, p->path);
	bind_id(s, 11, xml_id);
	kh_bind_text(s, 12, p->error);
	if (step_done(w->st, s, err))
		return -1;
	row = sqlite3_last_insert_rowid(w->st->db);
	return span_add(w, KH_KIND_POOL, row, err) ||
	       size_put(w, KH_KIND_POOL, row, NULL, p->allocation, p->available, err);
}

static int put_volume(struct put *w, const struct kh_volume *v, struct kh_err *err)
{
	struct kh_xml_num nums[KH_MEASURED_NUMS];
	int64_t xml_id, row;
	sqlite3_stmt *s;
	long i;

	kh_volume_nums(v, nums);
	if (put_measured_xml(w->st, v->xml, nums, &xml_id, err))
		return -1;
	i = find_ident(w->prev.volumes, w->prev.snap->n_volumes, v->pool ? v->pool : v->name,
		       v->pool ? v->name : NULL);
	if (i >= 0 && !w->prev.used_volumes[i] && w->prev.v.volumes[i].xml_id == xml_id &&
	    same_volume(&w->prev.snap->volumes[i], v)) {
		const struct kh_volume *q = &w->prev.snap->volumes[i];

		w->prev.used_volumes[i] = 1;
		return size_put(w, KH_KIND_VOLUME, w->prev.v.volumes[i].row_id,
				(int64_t[2]){ q->allocation, q->physical }, v->allocation,
				v->physical, err);
	}
	if ((s = kh_store_stmt(w->st, S_VOLUME_ADD, err)) == NULL)
		return -1;
	kh_bind_text(s, 1, v->pool);
	kh_bind_text(s, 2, v->name);
	kh_bind_text(s, 3, v->key);
	kh_bind_text(s, 4, v->path);
	kh_bind_text(s, 5, v->format);
	kh_bind_text(s, 6, v->type);
	kh_bind_num(s, 7, v->capacity);
	sqlite3_bind_null(s, 8);        /* allocation and physical: in size */
	sqlite3_bind_null(s, 9);
	bind_id(s, 10, xml_id);
	kh_bind_text(s, 11, v->error);
	kh_bind_text(s, 12, v->backing);
	kh_bind_text(s, 13, v->backing_format);
	if (step_done(w->st, s, err))
		return -1;
	row = sqlite3_last_insert_rowid(w->st->db);
	return span_add(w, KH_KIND_VOLUME, row, err) ||
	       size_put(w, KH_KIND_VOLUME, row, NULL, v->allocation, v->physical, err);
}

static int put_network(struct put *w, const struct kh_network *n, struct kh_err *err)
{
	int64_t xml_id;
	sqlite3_stmt *s;
	long i;

	if (put_xml(w->st, n->xml, &xml_id, err))
		return -1;
	i = find_ident(w->prev.networks, w->prev.snap->n_networks, n->uuid ? n->uuid : n->name,
		       NULL);
	if (i >= 0 && !w->prev.used_networks[i] && w->prev.v.networks[i].xml_id == xml_id &&
	    same_network(&w->prev.snap->networks[i], n)) {
		w->prev.used_networks[i] = 1;
		return 0;
	}
	if ((s = kh_store_stmt(w->st, S_NETWORK_ADD, err)) == NULL)
		return -1;
	kh_bind_text(s, 1, n->name);
	kh_bind_text(s, 2, n->uuid);
	kh_bind_num(s, 3, n->active);
	kh_bind_num(s, 4, n->autostart);
	kh_bind_num(s, 5, n->persistent);
	kh_bind_text(s, 6, n->bridge);
	kh_bind_text(s, 7, n->forward);
	kh_bind_text(s, 8, n->ips);
	kh_bind_text(s, 9, n->dhcp_ranges);
	bind_id(s, 10, xml_id);
	kh_bind_text(s, 11, n->error);
	if (step_done(w->st, s, err))
		return -1;
	return span_add(w, KH_KIND_NETWORK, sqlite3_last_insert_rowid(w->st->db), err);
}

/* The host's row (made on its first snapshot), its latest snapshot's sequence number and
 * the next one to use. */
static int host_seq(struct kh_store *st, const char *uri, int64_t *host_id, int64_t *seq,
		    int64_t *next, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_HOST_FIND, err);
	int rc;

	if (s == NULL)
		return -1;
	kh_bind_text(s, 1, uri);
	rc = sqlite3_step(s);
	*host_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read hosts");
	if (*host_id == 0) {
		if ((s = kh_store_stmt(st, S_HOST_ADD, err)) == NULL)
			return -1;
		kh_bind_text(s, 1, uri);
		if (step_done(st, s, err))
			return -1;
		*host_id = sqlite3_last_insert_rowid(st->db);
	}
	if ((s = kh_store_stmt(st, S_SEQ_MAX, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, *host_id);
	rc = sqlite3_step(s);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	*next = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
	*next = (*next > *seq ? *next : *seq) + 1;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return kh_store_db_error(st, err, "cannot read snapshots");
	return 0;
}

struct kh_store_ahead {
	int64_t host_id, seq;   /* host_id 0: the host has no snapshot yet */
	int64_t data_version;   /* PRAGMA data_version when read: others' commits change it */
	struct prev prev;
};

void kh_store_ahead_free(struct kh_store_ahead *a)
{
	if (a == NULL)
		return;
	prev_free(&a->prev);
	free(a);
}

int kh_store_read_ahead(struct kh_store *st, const char *uri, struct kh_store_ahead **out,
			struct kh_err *err)
{
	struct kh_store_ahead *a = kh_calloc(1, sizeof *a);
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	if (kh_store_exec(st, "BEGIN", err))
		goto fail;
	if ((s = kh_store_stmt(st, S_HOST_FIND, err)) == NULL)
		goto fail;
	kh_bind_text(s, 1, uri);
	rc = sqlite3_step(s);
	a->host_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		kh_store_db_error(st, err, "cannot read hosts");
		goto fail;
	}
	if (a->host_id) {
		if ((s = kh_store_stmt(st, S_SEQ_MAX, err)) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, a->host_id);
		rc = sqlite3_step(s);
		a->seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
		sqlite3_reset(s);
		if (rc != SQLITE_ROW) {
			kh_store_db_error(st, err, "cannot read snapshots");
			goto fail;
		}
	}
	if (prev_load(st, a->host_id, a->seq, &a->prev, err) ||
	    kh_store_int(st, "PRAGMA data_version", &a->data_version, err) ||
	    kh_store_exec(st, "COMMIT", err))
		goto fail;
	*out = a;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_store_ahead_free(a);
	return -1;
}

/* The read-ahead, when it still describes the host's latest snapshot: the host and its
 * latest seq are the same (this connection may have written since) and no other
 * connection has committed anything. */
static int ahead_holds(struct kh_store *st, const struct kh_store_ahead *a, int64_t host_id,
		       int64_t seq)
{
	struct kh_err ignored;
	int64_t version;

	return a && a->host_id == host_id && a->seq == seq &&
	       kh_store_int(st, "PRAGMA data_version", &version, &ignored) == 0 &&
	       version == a->data_version;
}

int kh_store_put(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err)
{
	return kh_store_put_ahead(st, snap, NULL, err);
}

int kh_store_put_ahead(struct kh_store *st, struct kh_snapshot *snap,
		       struct kh_store_ahead *ahead, struct kh_err *err)
{
	const struct kh_host *h = &snap->host;
	struct put w = { .st = st };
	int64_t last_seq, next_seq;
	sqlite3_stmt *s;

	if (h->uri == NULL) {
		kh_store_ahead_free(ahead);
		return kh_err_set(err, "a snapshot needs a URI");
	}
	if (st->unverified) {
		kh_store_ahead_free(ahead);
		return kh_err_set(err, "database '%s' has not been checked yet: nothing was written",
				  st->path);
	}
	if (kh_store_exec(st, "BEGIN IMMEDIATE", err)) {
		kh_store_ahead_free(ahead);
		return -1;
	}
	if (host_seq(st, h->uri, &w.host_id, &last_seq, &next_seq, err))
		goto fail;
	if (ahead_holds(st, ahead, w.host_id, last_seq)) {
		w.prev = ahead->prev;
		memset(&ahead->prev, 0, sizeof ahead->prev);
	} else if (prev_load(st, w.host_id, last_seq, &w.prev, err)) {
		goto fail;
	}
	kh_store_ahead_free(ahead);
	ahead = NULL;
	w.seq = next_seq;
	if ((s = kh_store_stmt(st, S_SNAP_ADD, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, w.host_id);
	sqlite3_bind_int64(s, 2, w.seq);
	sqlite3_bind_int64(s, 3, snap->taken_at);
	kh_bind_text(s, 4, h->hostname);
	kh_bind_text(s, 5, h->host_uuid);
	kh_bind_text(s, 6, h->hv_type);
	kh_bind_num(s, 7, h->libvirt_version);
	kh_bind_num(s, 8, h->hv_version);
	if (step_done(st, s, err))
		goto fail;
	snap->id = sqlite3_last_insert_rowid(st->db);
	if (last_seq > 0 && spans_reopen(&w, last_seq, err))
		goto fail;
	for (size_t i = 0; i < snap->n_domains; i++)
		if (put_domain(&w, &snap->domains[i], err))
			goto fail;
	for (size_t i = 0; i < snap->n_pools; i++)
		if (put_pool(&w, &snap->pools[i], err))
			goto fail;
	for (size_t i = 0; i < snap->n_volumes; i++)
		if (put_volume(&w, &snap->volumes[i], err))
			goto fail;
	for (size_t i = 0; i < snap->n_networks; i++)
		if (put_network(&w, &snap->networks[i], err))
			goto fail;
	if (last_seq > 0 && spans_close_unused(&w, last_seq, err))
		goto fail;
	/* a backfill, or a clock stepped back: every reader walks a host's seqs in time order */
	if (kh_store_order_host(st, w.host_id, err))
		goto fail;
	if (kh_store_exec(st, "COMMIT", err))
		goto fail;
	prev_free(&w.prev);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_store_ahead_free(ahead);
	prev_free(&w.prev);
	snap->id = 0;
	return -1;
}
