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
	int started;                    /* the first snapshot has been given */
};

static void drop_xml(struct kh_snapshot *s)
{
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		size_t n;
		void *items = kh_kind_items(kind, s, &n);

		for (size_t i = 0; kh_kind_is_measured(kind) && i < n; i++)
			kh_kind_drop_xml(kind, kh_kind_at(kind, items, i));
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

/* Applies one step's version changes to now's objects of kind k: ended versions out,
 * copies of started ones (without XML) in, kept sorted by row: in a history stored in time
 * order new versions go at the end, and only a backfilled one (reordered by
 * kh_store_order_host) moves back. */
static void apply_versions(struct kh_scan *sc, const struct kh_kind *k,
			   const struct kh_versions *vb, const struct kh_versions *va)
{
	int64_t *rows = sc->rows[k->span];
	size_t n, n_before, n_after, kept = 0;
	void *items = kh_kind_items(k, sc->now, &n), *after;

	kh_kind_items(k, sc->before, &n_before);
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
	after = kh_kind_items(k, sc->after, &n_after);
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

/* Size rows up to the snapshot given last, into now's measured numbers. */
static int apply_sizes(struct kh_scan *sc, struct kh_err *err)
{
	int rc;

	for (;;) {
		const struct kh_kind *k;
		const struct kh_kind_field *m[KH_MAX_MEASURED];
		size_t n, n_measured;
		void *items;
		long i;

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
		k = kh_span_kinds[sqlite3_column_int(sc->sizes, 0)];
		items = kh_kind_items(k, sc->now, &n);
		n_measured = kh_kind_measured(k, m);
		/* rows of other hosts' objects find nothing here */
		if ((i = find_row(sc->rows[k->span], n, sqlite3_column_int64(sc->sizes, 1))) < 0)
			continue;
		for (size_t j = 0; j < n_measured; j++)
			kh_field_set_num(m[j], kh_kind_at(k, items, (size_t)i),
					 kh_col_num(sc->sizes, 3 + (int)j));
	}
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
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		size_t n;

		kh_kind_items(kh_span_kinds[k], sc->now, &n);
		sc->rows[k] = kh_calloc(n + 1, sizeof *sc->rows[k]);
		for (size_t i = 0; i < n; i++)
			sc->rows[k][i] = v.of[k][i].row_id;
	}
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

	for (int k = 0; k < KH_SPAN_KINDS; k++)
		if (kh_kind_is_measured(kh_span_kinds[k]))
			apply_versions(sc, kh_span_kinds[k], vb, va);
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
	sqlite3_exec(sc->st->db, "COMMIT", NULL, NULL, NULL);
	kh_snapshot_free(sc->now);
	kh_snapshot_free(sc->before);
	kh_snapshot_free(sc->after);
	for (int k = 0; k < KH_SPAN_KINDS; k++)
		free(sc->rows[k]);
	free(sc);
}
