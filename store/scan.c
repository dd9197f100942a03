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
	int64_t *rows[KH_SPAN_KINDS];   /* of the kinds `now` keeps from step to step, those
					 * with measured numbers: row of now's object i;
					 * ascending */
	sqlite3_stmt *sizes;            /* size rows of (first, last], by seq; NULL before use */
	int pending;                    /* sizes holds a row not yet applied */
	int sizes_done;                 /* sizes has given its window's last row */
	int64_t window;                 /* seqs of size rows read at once (0: all) */
	int64_t hi, sizes_last;         /* the end of the window, and of all the rows */
	int started;                    /* the first snapshot has been given */
	int own_txn;                    /* the scan's read transaction is its own */
};

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

/* Applies one step's version changes to now's objects of kind k: the n_before ended
 * versions out, copies of the first n_after of `started` (without XML) in, kept sorted by
 * row: in a history stored in time order new versions go at the end, and only a backfilled
 * one (reordered by kh_store_order_host) moves back. */
static void apply_versions(struct kh_scan *sc, const struct kh_kind *k, size_t n_before,
			   const struct kh_versions *vb, const struct kh_snapshot *started,
			   size_t n_after, const struct kh_versions *va)
{
	int64_t *rows = sc->rows[k->span];
	size_t n, kept = 0;
	void *items = kh_kind_items(k, sc->now, &n), *after;

	for (size_t i = 0; i < n_before; i++) {
		long at = find_row(rows, n, vb->of[k->span][i].row_id);

		if (at >= 0) {
			kh_kind_clear(k, kh_kind_at(k, items, (size_t)at));
			rows[at] = -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i] == -1)
			continue;
		if (kept != i)
			memcpy(kh_kind_at(k, items, kept), kh_kind_at(k, items, i), k->size);
		rows[kept++] = rows[i];
	}
	kh_kind_truncate(k, sc->now, kept);
	after = kh_kind_items(k, started, &n);
	rows = kh_realloc(rows, (kept + n_after + 1) * sizeof *rows);
	for (size_t i = 0; i < n_after; i++) {
		kh_kind_copy(k, kh_kind_push(k, sc->now), kh_kind_at(k, after, i), 0);
		rows[kept++] = va->of[k->span][i].row_id;
		/* a backfilled snapshot's versions are newer rows than later ones' */
		items = kh_kind_items(k, sc->now, &n);
		for (size_t j = kept - 1; j > 0 && rows[j - 1] > rows[j]; j--) {
			int64_t r = rows[j];

			rows[j] = rows[j - 1];
			rows[j - 1] = r;
			swap_bytes(kh_kind_at(k, items, j), kh_kind_at(k, items, j - 1), k->size);
		}
	}
	sc->rows[k->span] = rows;
}

/* sc->sizes over the rows of (lo, the window's end]: the period's end, or `window` seqs on
 * (the rows are sorted before the first comes: a window bounds what that holds). */
static void size_window(struct kh_scan *sc, int64_t lo)
{
	sc->hi = sc->window && sc->sizes_last - lo > sc->window ? lo + sc->window : sc->sizes_last;
	sqlite3_reset(sc->sizes);
	sqlite3_bind_int64(sc->sizes, 1, sc->host_id);
	sqlite3_bind_int64(sc->sizes, 2, lo);
	sqlite3_bind_int64(sc->sizes, 3, sc->hi);
	sc->sizes_done = 0;
}

/* The next size row of sc->sizes with a seq up to `upto`: 1 (its columns: kind, object_id,
 * seq, then the measured numbers), 0 when the next one lies later or there is none, -1. */
static int next_size(struct kh_scan *sc, int64_t upto, struct kh_err *err)
{
	int rc;

	while (!sc->pending) {
		if (sc->sizes_done) {
			if (sc->window == 0 || sc->hi >= sc->sizes_last || upto <= sc->hi)
				return 0;
			size_window(sc, sc->hi);
			continue;
		}
		rc = sqlite3_step(sc->sizes);
		if (rc == SQLITE_DONE) {
			sc->sizes_done = 1;
			continue;
		}
		if (rc != SQLITE_ROW)
			return kh_store_db_error(sc->st, err, "cannot read sizes");
		sc->pending = 1;
	}
	if (sqlite3_column_int64(sc->sizes, 2) > upto)
		return 0;
	sc->pending = 0;
	return 1;
}

/* The current size row's kind, and where its object stands in now (-1: not there, as
 * another host's). */
static long size_at(const struct kh_scan *sc, const struct kh_kind **k)
{
	size_t n;

	*k = kh_span_kinds[sqlite3_column_int(sc->sizes, 0)];
	kh_kind_items(*k, sc->now, &n);
	return find_row(sc->rows[(*k)->span], n, sqlite3_column_int64(sc->sizes, 1));
}

/* The current size row's numbers into now's object i of kind k. */
static void size_set(struct kh_scan *sc, const struct kh_kind *k, long i)
{
	const struct kh_kind_field *m[KH_MAX_MEASURED];
	size_t n, n_measured = kh_kind_measured(k, m);
	void *items = kh_kind_items(k, sc->now, &n);

	for (size_t j = 0; j < n_measured; j++)
		kh_field_set_num(m[j], kh_kind_at(k, items, (size_t)i),
				 kh_col_num(sc->sizes, 3 + (int)j));
}

/* Size rows up to the snapshot given last, into now's measured numbers. */
static int apply_sizes(struct kh_scan *sc, struct kh_err *err)
{
	const struct kh_kind *k;
	int rc;

	while ((rc = next_size(sc, sc->seq, err)) == 1) {
		long i = size_at(sc, &k);

		if (i >= 0)
			size_set(sc, k, i);
	}
	return rc;
}

/* The host's existing snapshot right after (or before) `seq`; 0 when there is none. */
static int neighbour(struct kh_scan *sc, sqlite3_stmt *s, int64_t seq, int64_t *out,
		     struct kh_err *err)
{
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, sc->host_id);
	sqlite3_bind_int64(s, 2, seq);
	*out = 0;
	return kh_store_step_int(sc->st, s, out, "cannot read snapshots", err) < 0 ? -1 : 0;
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

/* A scan standing at snapshot `seq` of sc->host_id (0: none) before any step: its pools and
 * volumes with their numbers, and the size rows of (seq, last] to apply. */
static int scan_start(struct kh_scan *sc, int64_t seq, int64_t last, struct kh_err *err)
{
	struct kh_store *st = sc->st;
	struct kh_versions v = { 0 };

	/* Kept open across steps, so they are this scan's own statements. */
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(min(seq), 0) FROM snapshot"
				       " WHERE host_id = ? AND seq > ?", -1, &sc->after_seq,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "SELECT coalesce(max(seq), 0) FROM snapshot"
				       " WHERE host_id = ? AND seq < ?", -1, &sc->before_seq,
			       NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot prepare a statement");

	/* without XML: the numbers are what is followed */
	if ((sc->now = head(sc, seq, err)) == NULL ||
	    (seq > 0 &&
	     kh_store_load_objects(st, sc->host_id, seq, KH_PRESENT, 0, 0, sc->now, &v, err))) {
		kh_versions_free(&v);
		return -1;
	}
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		size_t n;

		kh_kind_items(kh_span_kinds[k], sc->now, &n);
		sc->rows[k] = kh_calloc(n + 1, sizeof *sc->rows[k]);
		for (size_t i = 0; i < n; i++)
			sc->rows[k][i] = v.of[k][i].row_id;
	}
	kh_versions_free(&v);
	drop_domains(sc->now);

	/* This host's rows only, found through its pool and volume versions whose span reaches
	 * into the period: seq is per host, so a range of seq alone reads every host's rows. */
	if (sqlite3_prepare_v2(st->db, "SELECT z.kind, z.object_id, z.seq, z.allocation, z.extra"
				       " FROM span sp INDEXED BY span_host_kind_last"
				       " JOIN size z ON z.kind = sp.kind AND z.object_id = sp.object_id"
				       " WHERE sp.host_id = ?1 AND sp.kind IN (1, 2) AND sp.last_seq > ?2"
				       " AND sp.first_seq <= ?3 AND z.seq > ?2 AND z.seq <= ?3"
				       " ORDER BY z.seq",
			       -1, &sc->sizes, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot prepare a statement");
	sc->sizes_last = last;
	size_window(sc, seq);
	return 0;
}

int kh_scan_open(struct kh_store *st, const char *uri, int64_t from, int64_t to,
		 struct kh_scan **out, struct kh_err *err)
{
	struct kh_scan *sc = kh_calloc(1, sizeof *sc);
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	sc->st = st;
	/* one read transaction for the whole walk, so a concurrent collect is not half seen */
	if (kh_store_exec(st, "BEGIN", err)) {
		free(sc);
		return -1;
	}
	sc->own_txn = 1;
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
	if (scan_start(sc, sc->next, sc->last, err))
		goto fail;
	*out = sc;
	return 0;
fail:
	kh_scan_close(sc);
	return -1;
}

/* The objects whose version changed between the host's snapshot `prev` and `seq`: as they
 * were into sc->before, as they are into sc->after, with where each version lives. */
static int load_step(struct kh_scan *sc, int64_t prev, int64_t seq, struct kh_versions *vb,
		     struct kh_versions *va, struct kh_err *err)
{
	if ((sc->before = head(sc, prev, err)) == NULL ||
	    (sc->after = head(sc, seq, err)) == NULL ||
	    kh_store_load_objects(sc->st, sc->host_id, prev, KH_ENDED, seq, 1, sc->before, vb,
				  err) ||
	    kh_store_load_objects(sc->st, sc->host_id, seq, KH_STARTED, prev, 1, sc->after, va,
				  err))
		return -1;
	kh_snapshot_link(sc->before);
	kh_snapshot_link(sc->after);
	return 0;
}

/* Makes `now` snapshot sc->seq: the step's versions and size rows, and its head. */
static int advance(struct kh_scan *sc, const struct kh_versions *vb,
		   const struct kh_versions *va, struct kh_err *err)
{
	struct kh_snapshot *n = sc->now, *h;

	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		size_t n_before, n_after;

		if (!kh_kind_is_measured(kind))
			continue;
		kh_kind_items(kind, sc->before, &n_before);
		kh_kind_items(kind, sc->after, &n_after);
		apply_versions(sc, kind, n_before, vb, sc->after, n_after, va);
	}
	if (apply_sizes(sc, err) || (h = head(sc, sc->seq, err)) == NULL)
		return -1;
	n->taken_at = h->taken_at;
	n->id = h->id;
	free(n->host.hostname);
	n->host.hostname = h->host.hostname;
	h->host.hostname = NULL;
	n->host.libvirt_version = h->host.libvirt_version;
	n->host.hv_version = h->host.hv_version;
	kh_snapshot_free(h);
	return 0;
}

/* The host's latest domains (and their disks) are what owners come from: the last
 * snapshot's, into `now`. */
static int last_domains(struct kh_scan *sc, struct kh_err *err)
{
	struct kh_snapshot *full = kh_snapshot_new();

	if (kh_store_load_objects(sc->st, sc->host_id, sc->seq, KH_PRESENT, 0, 1, full, NULL,
				  err)) {
		kh_snapshot_free(full);
		return -1;
	}
	sc->now->domains = full->domains;
	sc->now->n_domains = full->n_domains;
	sc->now->cap_domains = full->cap_domains;
	full->domains = NULL;
	full->n_domains = 0;
	kh_snapshot_free(full);
	return 0;
}

int kh_scan_next(struct kh_scan *sc, const struct kh_snapshot **before,
		 const struct kh_snapshot **after, const struct kh_snapshot **now,
		 struct kh_err *err)
{
	struct kh_versions vb = { 0 }, va = { 0 };
	int64_t seq = sc->next, prev = sc->seq;
	int first = !sc->started, rc;

	*before = *after = *now = NULL;
	if (seq == 0 || seq > sc->last)
		return 0;
	kh_snapshot_free(sc->before);
	kh_snapshot_free(sc->after);
	sc->before = sc->after = NULL;
	/* what changed since the snapshot before (nothing to compare the host's first with) */
	rc = (first && neighbour(sc, sc->before_seq, seq, &prev, err)) ||
	     (prev > 0 && load_step(sc, prev, seq, &vb, &va, err));
	if (rc == 0) {
		sc->seq = seq;
		sc->started = 1;
		rc = neighbour(sc, sc->after_seq, seq, &sc->next, err) ||
		     (!first && advance(sc, &vb, &va, err));
	}
	if (rc == 0) {
		drop_domains(sc->now);
		rc = seq == sc->last && last_domains(sc, err);
	}
	kh_versions_free(&vb);
	kh_versions_free(&va);
	if (rc)
		return -1;
	*before = sc->before;
	*after = sc->after;
	*now = sc->now;
	return 1;
}

void kh_scan_close(struct kh_scan *sc)
{
	if (sc == NULL)
		return;
	sqlite3_finalize(sc->sizes);
	sqlite3_finalize(sc->after_seq);
	sqlite3_finalize(sc->before_seq);
	if (sc->own_txn)
		sqlite3_exec(sc->st->db, "COMMIT", NULL, NULL, NULL);
	kh_snapshot_free(sc->now);
	kh_snapshot_free(sc->before);
	kh_snapshot_free(sc->after);
	for (int k = 0; k < KH_SPAN_KINDS; k++)
		free(sc->rows[k]);
	free(sc);
}

/* ---- The pairs `log` diffs ------------------------------------------------------------- */

/* Whether version `row` is among v[0..n) (in row order, as loads give them). */
static int has_row(const struct kh_version *v, size_t n, int64_t row)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].row_id == row)
			return 1;
		if (v[mid].row_id < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The pools and volumes a pair borrows from its scan's state, by the address of their
 * name (sorted): they are emptied, not freed, with the pair. */
struct lent {
	uintptr_t *v;
	size_t n, cap;
};

static int by_address(const void *pa, const void *pb)
{
	uintptr_t a = *(const uintptr_t *)pa, b = *(const uintptr_t *)pb;

	return a < b ? -1 : a > b;
}

/* Frees a pair's snapshot but what it borrowed. */
static void free_lent(const struct lent *l, struct kh_snapshot *s)
{
	for (int k = 0; s && l->n && k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		const struct kh_kind_field *name = kh_kind_field(kind, "name");
		size_t n;
		void *items = kh_kind_items(kind, s, &n);

		for (size_t i = 0; kh_kind_is_measured(kind) && i < n; i++) {
			void *obj = kh_kind_at(kind, items, i);
			uintptr_t x = (uintptr_t)kh_field_text(name, obj);

			if (x && bsearch(&x, l->v, l->n, sizeof *l->v, by_address))
				memset(obj, 0, kind->size);
		}
	}
	kh_snapshot_free(s);
}

/* Into a and b, the objects of measured kind k that a step kept and whose numbers moved
 * (moved[i]): as they were (old, n_measured numbers each) and as they are now, lent from
 * the state where they have a name, copied where not. */
static void add_moved(struct kh_scan *sc, const struct kh_kind *k, const unsigned char *moved,
		      const int64_t *old, struct kh_snapshot *a, struct kh_snapshot *b,
		      struct lent *lent)
{
	const struct kh_kind_field *m[KH_MAX_MEASURED], *name = kh_kind_field(k, "name");
	size_t n, n_measured = kh_kind_measured(k, m);
	void *items = kh_kind_items(k, sc->now, &n);

	for (size_t i = 0; i < n; i++) {
		void *obj = kh_kind_at(k, items, i), *x, *y;

		if (!moved[i])
			continue;
		x = kh_kind_push(k, a);
		y = kh_kind_push(k, b);
		if (kh_field_text(name, obj)) {
			memcpy(x, obj, k->size);
			memcpy(y, obj, k->size);
			*KH_PUSH(lent->v, lent->n, lent->cap) = (uintptr_t)kh_field_text(name, obj);
		} else {
			kh_kind_copy(k, x, obj, 0);
			kh_kind_copy(k, y, obj, 0);
		}
		for (size_t j = 0; j < n_measured; j++)
			kh_field_set_num(m[j], x, old[i * KH_MAX_MEASURED + j]);
	}
}

/* What kh_store_load_changes gives for the scan's snapshot and `seq`, the host's next: the
 * versions that ended and those that started (loaded), and, from the size rows up to seq,
 * the pools and volumes kept whose numbers moved, as they were and as they are (from the
 * state, without XML, in row order as the store's query gives them). Then the state steps
 * on to seq. */
static int pair_step(struct kh_scan *sc, int64_t seq, struct kh_snapshot **from,
		     struct kh_snapshot **to, struct lent *lent, struct kh_err *err)
{
	struct kh_versions ve = { 0 }, vs = { 0 };
	struct kh_snapshot *a, *b = NULL;
	unsigned char *moved[KH_SPAN_KINDS] = { 0 };
	int64_t *old[KH_SPAN_KINDS] = { 0 };
	size_t ended[KH_SPAN_KINDS] = { 0 }, started[KH_SPAN_KINDS] = { 0 };
	const struct kh_kind *k;
	int rc = -1;

	if ((a = head(sc, sc->seq, err)) == NULL || (b = head(sc, seq, err)) == NULL ||
	    kh_store_load_objects(sc->st, sc->host_id, sc->seq, KH_ENDED, seq, 1, a, &ve, err) ||
	    kh_store_load_objects(sc->st, sc->host_id, seq, KH_STARTED, sc->seq, 1, b, &vs, err))
		goto out;
	for (int i = 0; i < KH_SPAN_KINDS; i++) {
		size_t n;

		kh_kind_items(kh_span_kinds[i], a, &ended[i]);
		kh_kind_items(kh_span_kinds[i], b, &started[i]);
		kh_kind_items(kh_span_kinds[i], sc->now, &n);
		moved[i] = kh_calloc(n + 1, 1);
		old[i] = kh_calloc((n + 1) * KH_MAX_MEASURED, sizeof *old[i]);
	}
	while ((rc = next_size(sc, seq, err)) == 1) {
		const struct kh_kind_field *m[KH_MAX_MEASURED];
		long i = size_at(sc, &k);
		size_t n, n_measured;
		void *obj;

		/* an ended version is in `a` whole; one started is not in the state yet */
		if (i < 0 || has_row(ve.of[k->span], ended[k->span], sqlite3_column_int64(sc->sizes, 1)))
			continue;
		obj = kh_kind_at(k, kh_kind_items(k, sc->now, &n), (size_t)i);
		if (!moved[k->span][i]) {
			moved[k->span][i] = 1;
			n_measured = kh_kind_measured(k, m);
			for (size_t j = 0; j < n_measured; j++)
				old[k->span][(size_t)i * KH_MAX_MEASURED + j] = kh_field_num(m[j], obj);
		}
		size_set(sc, k, i);
	}
	if (rc < 0)
		goto out;
	/* lent, not copied: some 700 volumes a night, ten strings each, on both sides */
	for (int i = 0; i < KH_SPAN_KINDS; i++)
		if (kh_kind_is_measured(kh_span_kinds[i]))
			add_moved(sc, kh_span_kinds[i], moved[i], old[i], a, b, lent);
	if (lent->n)
		qsort(lent->v, lent->n, sizeof *lent->v, by_address);
	for (int i = 0; i < KH_SPAN_KINDS; i++)
		if (kh_kind_is_measured(kh_span_kinds[i]))
			apply_versions(sc, kh_span_kinds[i], ended[i], &ve, b, started[i], &vs);
	sc->seq = seq;
	kh_snapshot_link(a);
	kh_snapshot_link(b);
	kh_snapshot_sort(a);
	kh_snapshot_sort(b);
	*from = a;
	*to = b;
	a = b = NULL;
	rc = 0;
out:
	kh_versions_free(&ve);
	kh_versions_free(&vs);
	free_lent(lent, a);
	free_lent(lent, b);
	for (int i = 0; i < KH_SPAN_KINDS; i++) {
		free(moved[i]);
		free(old[i]);
	}
	return rc;
}

/* A whole snapshot, as kh_store_load reads it, inside the walk's transaction. */
static struct kh_snapshot *whole(struct kh_store *st, int64_t host_id, int64_t seq,
				 struct kh_err *err)
{
	struct kh_snapshot *s = kh_snapshot_new();

	if (kh_store_snap_head(st, host_id, seq, s, err) ||
	    kh_store_load_objects(st, host_id, seq, KH_PRESENT, 0, 1, s, NULL, err)) {
		kh_snapshot_free(s);
		return NULL;
	}
	kh_snapshot_link(s);
	kh_snapshot_sort(s);
	return s;
}

struct pair_snap {
	int64_t host_id, seq;
	size_t host;            /* index in hosts */
	int last;               /* its host's last in the list */
};

struct pair_host {
	int64_t prev_id, prev_seq;      /* the snapshot before the host's next (0: none) */
	int64_t last_seq;               /* the largest seq of its snapshots in the list */
	int started;                    /* prev_id holds */
	struct kh_scan *sc;             /* its stream, standing at sc->seq; NULL: none */
};

struct kh_pairs {
	struct kh_store *st;
	struct kh_snapshot_info *v;     /* the list walked */
	size_t n, at;
	struct pair_snap *snaps;        /* index for index with v */
	struct pair_host *hosts;
	size_t n_hosts;
	sqlite3_stmt *after_seq;        /* a host's next seq */
	struct kh_snapshot *from, *to;
	struct lent lent;               /* what from and to borrow from a scan */
};

/* The pair last given, freed. */
static void free_pair(struct kh_pairs *p)
{
	free_lent(&p->lent, p->from);
	free_lent(&p->lent, p->to);
	p->from = p->to = NULL;
	p->lent.n = 0;
}

static int by_host(const void *pa, const void *pb, void *arg)
{
	const struct pair_snap *s = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	if (s[a].host_id != s[b].host_id)
		return s[a].host_id < s[b].host_id ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Snapshot id's seq. */
static int id_seq(struct kh_store *st, int64_t id, int64_t *seq, struct kh_err *err)
{
	sqlite3_stmt *s = kh_row_stmt(st, &kh_host_kind, KH_ROW_HEAD_BY_ID, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (kh_store_step_row(st, s, "cannot read snapshot", err, "no snapshot %lld",
			      (long long)id))
		return -1;
	*seq = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 0;
}

/* kh_store_list's snapshots without their objects counted (four counts of spans a
 * snapshot: a fifth of a year's log), with their host and seq. */
static int list(struct kh_pairs *p, const char *host, int64_t from, int64_t to,
		struct kh_err *err)
{
	sqlite3_stmt *s;
	size_t cap = 0, cap_s = 0;
	int rc;

	if (sqlite3_prepare_v2(p->st->db, "SELECT s.id, s.taken_at, h.uri, s.hostname,"
				       " s.host_uuid, s.host_id, s.seq"
				       " FROM snapshot s JOIN host h ON h.id = s.host_id"
				       " WHERE (?1 IS NULL OR h.uri = ?1 OR s.hostname = ?1)"
				       " AND s.taken_at BETWEEN ?2 AND ?3 ORDER BY s.taken_at, s.id",
			       -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(p->st, err, "cannot prepare a statement");
	kh_bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_snapshot_info *i = KH_PUSH(p->v, p->n, cap);
		struct pair_snap *x;

		i->id = sqlite3_column_int64(s, 0);
		i->taken_at = sqlite3_column_int64(s, 1);
		i->uri = kh_col_text(s, 2);
		i->hostname = kh_col_text(s, 3);
		i->host_uuid = kh_col_text(s, 4);
		kh_grow(&p->snaps, &cap_s, p->n, sizeof *p->snaps);
		x = &p->snaps[p->n - 1];
		x->host_id = sqlite3_column_int64(s, 5);
		x->seq = sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : kh_store_db_error(p->st, err, "cannot list snapshots");
}

int kh_pairs_open(struct kh_store *st, const char *host, int64_t from, int64_t to,
		  struct kh_pairs **out, struct kh_err *err)
{
	struct kh_pairs *p = kh_calloc(1, sizeof *p);
	size_t *order = NULL;

	*out = NULL;
	p->st = st;
	/* one read transaction for the whole walk, so a concurrent collect is not half seen */
	if (kh_store_exec(st, "BEGIN", err)) {
		p->st = NULL;
		kh_pairs_close(p);
		return -1;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(min(seq), 0) FROM snapshot"
				       " WHERE host_id = ? AND seq > ?", -1, &p->after_seq,
			       NULL) != SQLITE_OK) {
		kh_store_db_error(st, err, "cannot prepare a statement");
		goto fail;
	}
	if (list(p, host, from, to, err))
		goto fail;
	p->hosts = kh_calloc(p->n + 1, sizeof *p->hosts);
	order = kh_calloc(p->n + 1, sizeof *order);
	for (size_t i = 0; i < p->n; i++)
		order[i] = i;
	/* each host's snapshots together, in list order: its last, its largest seq */
	qsort_r(order, p->n, sizeof *order, by_host, p->snaps);
	for (size_t k = 0; k < p->n; k++) {
		struct pair_snap *x = &p->snaps[order[k]];
		struct pair_host *h;

		if (k == 0 || x->host_id != p->snaps[order[k - 1]].host_id)
			p->n_hosts++;
		x->host = p->n_hosts - 1;
		h = &p->hosts[x->host];
		if (x->seq > h->last_seq)
			h->last_seq = x->seq;
		x->last = k + 1 == p->n || p->snaps[order[k + 1]].host_id != x->host_id;
	}
	free(order);
	*out = p;
	return 0;
fail:
	kh_pairs_close(p);
	return -1;
}

const struct kh_snapshot_info *kh_pairs_list(const struct kh_pairs *p, size_t *n)
{
	*n = p->n;
	return p->v;
}

/* Whether seq is the host's next after prev_seq: a pair a stream gives. */
static int adjacent(struct kh_pairs *p, int64_t host_id, int64_t prev_seq, int64_t seq,
		    int *yes, struct kh_err *err)
{
	int rc;

	sqlite3_reset(p->after_seq);
	sqlite3_bind_int64(p->after_seq, 1, host_id);
	sqlite3_bind_int64(p->after_seq, 2, prev_seq);
	rc = sqlite3_step(p->after_seq);
	*yes = rc == SQLITE_ROW && sqlite3_column_int64(p->after_seq, 0) == seq;
	sqlite3_reset(p->after_seq);
	return rc == SQLITE_ROW ? 0 : kh_store_db_error(p->st, err, "cannot read snapshots");
}

/* The pair (prev, s) of host h, streamed: h's stream is (re)started at prev when it
 * stands elsewhere (its first pair, or after a pair read whole). */
static int stream_pair(struct kh_pairs *p, struct pair_host *h, const struct pair_snap *s,
		       struct kh_err *err)
{
	if (h->sc && h->sc->seq != h->prev_seq) {
		kh_scan_close(h->sc);
		h->sc = NULL;
	}
	if (h->sc == NULL) {
		h->sc = kh_calloc(1, sizeof *h->sc);
		h->sc->st = p->st;
		h->sc->host_id = s->host_id;
		h->sc->seq = h->prev_seq;
		/* every host's scan is open at once: a month of size rows each, not a year's */
		h->sc->window = 32;
		if (scan_start(h->sc, h->prev_seq, h->last_seq, err))
			return -1;
	}
	return pair_step(h->sc, s->seq, &p->from, &p->to, &p->lent, err);
}

int kh_pairs_next(struct kh_pairs *p, const struct kh_snapshot **from,
		  const struct kh_snapshot **to, int *last, struct kh_err *err)
{
	struct pair_snap *s;
	struct pair_host *h;
	int streamed = 0;

	*from = *to = NULL;
	free_pair(p);
	if (p->at == p->n)
		return 0;
	s = &p->snaps[p->at];
	h = &p->hosts[s->host];
	*last = s->last;
	if (!h->started) {
		/* a host's first snapshot in the list is compared with the one before it */
		if (kh_store_previous(p->st, p->v[p->at].id, &h->prev_id, err) ||
		    (h->prev_id && id_seq(p->st, h->prev_id, &h->prev_seq, err)))
			return -1;
		h->started = 1;
	}
	/* What a host's last one holds is read whole (its pending drift is read from it), and
	 * so is a pair that is not next to each other by seq: a history stored out of time
	 * order by a kvmhist before store/order.c, and not collected into since. */
	if (h->prev_id && !s->last &&
	    adjacent(p, s->host_id, h->prev_seq, s->seq, &streamed, err))
		return -1;
	if (h->prev_id == 0 && !s->last) {
		/* nothing to compare the host's very first with: its head says which it is */
		p->to = kh_snapshot_new();
		if (kh_store_snap_head(p->st, s->host_id, s->seq, p->to, err))
			return -1;
	} else if (streamed ? stream_pair(p, h, s, err)
			    : (p->to = whole(p->st, s->host_id, s->seq, err)) == NULL ||
				      (h->prev_id && (p->from = whole(p->st, s->host_id, h->prev_seq,
								      err)) == NULL)) {
		return -1;
	}
	if (s->last) {
		kh_scan_close(h->sc);
		h->sc = NULL;
	}
	h->prev_id = p->v[p->at].id;
	h->prev_seq = s->seq;
	p->at++;
	*from = p->from;
	*to = p->to;
	return 1;
}

void kh_pairs_close(struct kh_pairs *p)
{
	if (p == NULL)
		return;
	free_pair(p); /* before the scans whose state they borrow from */
	free(p->lent.v);
	for (size_t i = 0; i < p->n_hosts; i++)
		kh_scan_close(p->hosts[i].sc);
	sqlite3_finalize(p->after_seq);
	if (p->st)
		sqlite3_exec(p->st->db, "COMMIT", NULL, NULL, NULL);
	kh_snapshot_infos_free(p->v, p->n);
	free(p->snaps);
	free(p->hosts);
	free(p);
}
