/* Streaming one host's snapshots for reports without loading each in full: the state of the
 * first (pools and volumes, with their numbers) is loaded once, then each later snapshot is
 * applied as what changed: versions that ended, versions that started, and size rows. A
 * year of nightly snapshots costs one load plus the changes, not 365 loads. */
#include "store/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kh_scan {
	struct kh_store *st;
	int64_t host_id;
	int64_t seq;                    /* the snapshot given last (0: none yet) */
	int64_t next, last;             /* the next one to give (0: none), the period's last */
	sqlite3_stmt *after_seq, *before_seq; /* a host's snapshot next to a seq: pruning
					       * leaves gaps in the sequence */
	struct kh_snapshot *now, *before, *after;
	int64_t *pool_rows, *vol_rows;  /* row of now->pools[i], now->volumes[i]; ascending */
	sqlite3_stmt *sizes;            /* size rows of (first, last], by seq; NULL before use */
	int pending;                    /* sizes holds a row not yet applied */
	int started;                    /* the first snapshot has been given */
};

static void drop_xml(struct kh_snapshot *s)
{
	for (size_t i = 0; i < s->n_pools; i++) {
		free(s->pools[i].xml);
		s->pools[i].xml = NULL;
	}
	for (size_t i = 0; i < s->n_volumes; i++) {
		free(s->volumes[i].xml);
		s->volumes[i].xml = NULL;
	}
}

/* The domains and networks of `now` are not kept between steps: only the last step has them. */
static void drop_domains(struct kh_snapshot *s)
{
	struct kh_snapshot *empty = kh_snapshot_new();

	empty->domains = s->domains;
	empty->n_domains = s->n_domains;
	empty->networks = s->networks;
	empty->n_networks = s->n_networks;
	s->domains = NULL;
	s->networks = NULL;
	s->n_domains = s->cap_domains = s->n_networks = s->cap_networks = 0;
	kh_snapshot_free(empty);
}

static long find_row(const int64_t *rows, size_t n, int64_t row)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rows[mid] == row)
			return (long)mid;
		if (rows[mid] < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void swap_bytes(void *a, void *b, size_t n)
{
	unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		unsigned char t = x[i];

		x[i] = y[i];
		y[i] = t;
	}
}

/* Applies one step's version changes to now's pools and volumes: ended versions out, copies
 * of started ones in, kept sorted by row: in a history stored in time order new versions
 * go at the end, and only a backfilled one (reordered by kh_store_order_host) moves back. */
#define APPLY(arr, n, cap, rows, before_n, before_v, after_arr, after_n, after_v, clear, \
	      copy) do { \
		size_t k_ = 0; \
		for (size_t i_ = 0; i_ < (before_n); i_++) { \
			long at_ = find_row((rows), (n), (before_v)[i_].row_id); \
			if (at_ >= 0) { \
				clear(&(arr)[at_]); \
				(rows)[at_] = -1; \
			} \
		} \
		for (size_t i_ = 0; i_ < (n); i_++) \
			if ((rows)[i_] != -1) { \
				(arr)[k_] = (arr)[i_]; \
				(rows)[k_++] = (rows)[i_]; \
			} \
		(n) = k_; \
		for (size_t i_ = 0; i_ < (after_n); i_++) { \
			kh_grow(&(arr), &(cap), (n) + 1, sizeof *(arr)); \
			(rows) = kh_realloc((rows), ((n) + 1) * sizeof *(rows)); \
			copy(&(arr)[(n)], &(after_arr)[i_]); \
			(rows)[(n)++] = (after_v)[i_].row_id; \
			/* a backfilled snapshot's versions are newer rows than later ones' */ \
			for (size_t j_ = (n) - 1; j_ > 0 && (rows)[j_ - 1] > (rows)[j_]; j_--) { \
				int64_t r_ = (rows)[j_]; \
				(rows)[j_] = (rows)[j_ - 1]; \
				(rows)[j_ - 1] = r_; \
				swap_bytes(&(arr)[j_], &(arr)[j_ - 1], sizeof *(arr)); \
			} \
		} \
	} while (0)

/* Without the XML: growth needs the numbers only. */
static void pool_copy(struct kh_pool *d, const struct kh_pool *s)
{
	*d = *s;
	d->name = kh_strdup(s->name);
	d->uuid = kh_strdup(s->uuid);
	d->type = kh_strdup(s->type);
	d->state = kh_strdup(s->state);
	d->path = kh_strdup(s->path);
	d->xml = NULL;
	d->error = kh_strdup(s->error);
}

static void volume_copy(struct kh_volume *d, const struct kh_volume *s)
{
	*d = *s;
	d->pool = kh_strdup(s->pool);
	d->name = kh_strdup(s->name);
	d->key = kh_strdup(s->key);
	d->path = kh_strdup(s->path);
	d->format = kh_strdup(s->format);
	d->backing = kh_strdup(s->backing);
	d->backing_format = kh_strdup(s->backing_format);
	d->type = kh_strdup(s->type);
	d->xml = NULL;
	d->error = kh_strdup(s->error);
}

static int apply_sizes(struct kh_scan *sc, struct kh_err *err)
{
	struct kh_snapshot *now = sc->now;
	int rc;

	for (;;) {
		if (!sc->pending) {
			rc = sqlite3_step(sc->sizes);
			if (rc == SQLITE_DONE)
				return 0;
			if (rc != SQLITE_ROW)
				return kh_store_db_error(sc->st, err, "cannot read sizes");
			sc->pending = 1;
		}
		if (sqlite3_column_int64(sc->sizes, 2) > sc->seq)
			return 0;
		sc->pending = 0;
		/* rows of other hosts' objects find nothing here */
		if (sqlite3_column_int(sc->sizes, 0) == KH_KIND_VOLUME) {
			long i = find_row(sc->vol_rows, now->n_volumes, sqlite3_column_int64(sc->sizes, 1));

			if (i >= 0) {
				now->volumes[i].allocation = kh_col_num(sc->sizes, 3);
				now->volumes[i].physical = kh_col_num(sc->sizes, 4);
			}
		} else {
			long i = find_row(sc->pool_rows, now->n_pools, sqlite3_column_int64(sc->sizes, 1));

			if (i >= 0) {
				now->pools[i].allocation = kh_col_num(sc->sizes, 3);
				now->pools[i].available = kh_col_num(sc->sizes, 4);
			}
		}
	}
}

/* The host's existing snapshot right after (or before) `seq`; 0 when there is none. */
static int neighbour(struct kh_scan *sc, sqlite3_stmt *s, int64_t seq, int64_t *out,
		     struct kh_err *err)
{
	int rc;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, sc->host_id);
	sqlite3_bind_int64(s, 2, seq);
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return kh_store_db_error(sc->st, err, "cannot read snapshots");
	return 0;
}

static struct kh_snapshot *head(struct kh_scan *sc, int64_t seq, struct kh_err *err)
{
	struct kh_snapshot *s = kh_snapshot_new();

	if (kh_store_snap_head(sc->st, sc->host_id, seq, s, err)) {
		kh_snapshot_free(s);
		return NULL;
	}
	return s;
}

int kh_scan_open(struct kh_store *st, const char *uri, int64_t from, int64_t to,
		 struct kh_scan **out, struct kh_err *err)
{
	struct kh_scan *sc = kh_calloc(1, sizeof *sc);
	struct kh_versions v = { 0 };
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	sc->st = st;
	/* one read transaction for the whole walk, so a concurrent collect is not half seen */
	if (kh_store_exec(st, "BEGIN", err))
		goto fail_nobegin;
	if ((s = kh_store_stmt(st, S_SCAN_RANGE, err)) == NULL)
		goto fail;
	kh_bind_text(s, 1, uri);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		kh_store_db_error(st, err, "cannot read snapshots");
		goto fail;
	}
	sc->host_id = sqlite3_column_int64(s, 0);
	sc->next = sqlite3_column_int64(s, 1);
	sc->last = sqlite3_column_int64(s, 2);
	if (sqlite3_column_type(s, 1) == SQLITE_NULL)
		sc->next = sc->last = 0; /* nothing in the period */
	sqlite3_reset(s);
	/* Kept open across steps, so they are this scan's own statements. */
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(min(seq), 0) FROM snapshot"
				       " WHERE host_id = ? AND seq > ?", -1, &sc->after_seq,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT coalesce(max(seq), 0) FROM snapshot"
				       " WHERE host_id = ? AND seq < ?", -1, &sc->before_seq,
			       NULL) != SQLITE_OK) {
		kh_store_db_error(st, err, "cannot prepare a statement");
		goto fail;
	}

	if ((sc->now = head(sc, sc->next, err)) == NULL ||
	    (sc->next > 0 &&
	     kh_store_load_objects(st, sc->host_id, sc->next, KH_PRESENT, 0, 1, sc->now, &v, err)))
		goto fail;
	sc->pool_rows = kh_calloc(sc->now->n_pools + 1, sizeof *sc->pool_rows);
	for (size_t i = 0; i < sc->now->n_pools; i++)
		sc->pool_rows[i] = v.pools[i].row_id;
	sc->vol_rows = kh_calloc(sc->now->n_volumes + 1, sizeof *sc->vol_rows);
	for (size_t i = 0; i < sc->now->n_volumes; i++)
		sc->vol_rows[i] = v.volumes[i].row_id;
	kh_versions_free(&v);
	drop_xml(sc->now);
	drop_domains(sc->now);

	/* This host's rows only, found through its pool and volume versions whose span reaches
	 * into the period: seq is per host, so a range of seq alone reads every host's rows. */
	if (sqlite3_prepare_v2(st->db, "SELECT z.kind, z.object_id, z.seq, z.allocation, z.extra"
				       " FROM span sp INDEXED BY span_host_kind_last"
				       " JOIN size z ON z.kind = sp.kind AND z.object_id = sp.object_id"
				       " WHERE sp.host_id = ?1 AND sp.kind IN (1, 2) AND sp.last_seq > ?2"
				       " AND sp.first_seq <= ?3 AND z.seq > ?2 AND z.seq <= ?3"
				       " ORDER BY z.seq",
			       -1, &sc->sizes, NULL) != SQLITE_OK) {
		kh_store_db_error(st, err, "cannot prepare a statement");
		goto fail;
	}
	sqlite3_bind_int64(sc->sizes, 1, sc->host_id);
	sqlite3_bind_int64(sc->sizes, 2, sc->next);
	sqlite3_bind_int64(sc->sizes, 3, sc->last);
	*out = sc;
	return 0;
fail:
	kh_versions_free(&v);
	kh_scan_close(sc);
	return -1;
fail_nobegin:
	free(sc);
	return -1;
}

int kh_scan_next(struct kh_scan *sc, const struct kh_snapshot **before,
		 const struct kh_snapshot **after, const struct kh_snapshot **now,
		 struct kh_err *err)
{
	struct kh_versions vb = { 0 }, va = { 0 };
	struct kh_snapshot *n = sc->now, *first_state = NULL;
	int64_t seq = sc->next, prev = sc->seq;
	int first = !sc->started;

	*before = *after = *now = NULL;
	if (seq == 0 || seq > sc->last)
		return 0;
	kh_snapshot_free(sc->before);
	kh_snapshot_free(sc->after);
	sc->before = sc->after = NULL;
	if (first && neighbour(sc, sc->before_seq, seq, &prev, err))
		goto fail;
	/* what changed since the snapshot before (nothing to compare the host's first with) */
	if (prev > 0) {
		if ((sc->before = head(sc, prev, err)) == NULL ||
		    (sc->after = head(sc, seq, err)) == NULL ||
		    kh_store_load_objects(sc->st, sc->host_id, prev, KH_ENDED, seq, 1, sc->before,
					  &vb, err) ||
		    kh_store_load_objects(sc->st, sc->host_id, seq, KH_STARTED, prev, 1, sc->after,
					  &va, err))
			goto fail;
		kh_snapshot_link(sc->before);
		kh_snapshot_link(sc->after);
	}
	sc->seq = seq;
	sc->started = 1;
	if (neighbour(sc, sc->after_seq, seq, &sc->next, err))
		goto fail;
	if (!first) {
		APPLY(n->pools, n->n_pools, n->cap_pools, sc->pool_rows, sc->before->n_pools,
		      vb.pools, sc->after->pools, sc->after->n_pools, va.pools, kh_pool_clear,
		      pool_copy);
		APPLY(n->volumes, n->n_volumes, n->cap_volumes, sc->vol_rows, sc->before->n_volumes,
		      vb.volumes, sc->after->volumes, sc->after->n_volumes, va.volumes, kh_volume_clear,
		      volume_copy);
		if (apply_sizes(sc, err))
			goto fail;
		if ((first_state = head(sc, seq, err)) == NULL)
			goto fail;
		n->taken_at = first_state->taken_at;
		n->id = first_state->id;
		free(n->host.hostname);
		n->host.hostname = first_state->host.hostname;
		first_state->host.hostname = NULL;
		n->host.libvirt_version = first_state->host.libvirt_version;
		n->host.hv_version = first_state->host.hv_version;
		kh_snapshot_free(first_state);
	}
	/* the host's latest domains (and their disks) are what owners come from */
	drop_domains(n);
	if (seq == sc->last) {
		struct kh_snapshot *full = kh_snapshot_new();

		if (kh_store_load_objects(sc->st, sc->host_id, seq, KH_PRESENT, 0, 1, full, NULL,
					  err)) {
			kh_snapshot_free(full);
			goto fail;
		}
		n->domains = full->domains;
		n->n_domains = full->n_domains;
		n->cap_domains = full->cap_domains;
		full->domains = NULL;
		full->n_domains = 0;
		kh_snapshot_free(full);
	}
	kh_versions_free(&vb);
	kh_versions_free(&va);
	*before = sc->before;
	*after = sc->after;
	*now = n;
	return 1;
fail:
	kh_versions_free(&vb);
	kh_versions_free(&va);
	return -1;
}

void kh_scan_close(struct kh_scan *sc)
{
	if (sc == NULL)
		return;
	sqlite3_finalize(sc->sizes);
	sqlite3_finalize(sc->after_seq);
	sqlite3_finalize(sc->before_seq);
	sqlite3_exec(sc->st->db, "COMMIT", NULL, NULL, NULL);
	kh_snapshot_free(sc->now);
	kh_snapshot_free(sc->before);
	kh_snapshot_free(sc->after);
	free(sc->pool_rows);
	free(sc->vol_rows);
	free(sc);
}
