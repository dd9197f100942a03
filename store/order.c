/* A host's snapshots in time order, whatever order they were stored in. Every reader walks
 * a host's history by seq (spans are seq ranges, size rows hold from a seq on), so a
 * snapshot backfilled with --at before the latest one, or taken after the clock stepped
 * back, is given its place by time (ties by id): seqs are renumbered past every seq the
 * host has used, each span becomes the runs of the new positions it covered, and each
 * pool's and volume's size rows are written again where its numbers change in the new
 * order. Costs a rewrite of the host's spans and size rows, only when out of order. */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

struct snap {
	int64_t id, seq, taken_at;
};

struct span {
	int64_t id, kind, object, first, last;
};

/* A pool or volume version present at a position of the new order. */
struct presence {
	int64_t kind, object, pos;
};

struct size_row {
	int64_t seq, alloc, extra; /* KH_UNKNOWN: NULL */
};

static int by_time(const void *pa, const void *pb)
{
	const struct snap *a = *(const struct snap *const *)pa, *b = *(const struct snap *const *)pb;

	if (a->taken_at != b->taken_at)
		return a->taken_at < b->taken_at ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return a < b ? -1 : a > b;
}

static int by_object(const void *pa, const void *pb)
{
	const struct presence *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->object != b->object)
		return a->object < b->object ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The first snapshot (in seq order) with seq >= x. */
static size_t lower(const struct snap *v, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].seq < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whatever fails here, the caller is told the same. */
static int failed(struct kh_store *st, struct kh_err *err)
{
	return kh_store_db_error(st, err, "cannot reorder snapshots");
}

static int run(struct kh_store *st, sqlite3_stmt *s, struct kh_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : failed(st, err);
}

static int prepare(struct kh_store *st, const char *sql, sqlite3_stmt **s, struct kh_err *err)
{
	return sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK ? failed(st, err) : 0;
}

/* Finalizes a query stepped to its end (step: what the last step returned): 0, or -1 when
 * that was an error. */
static int finish(struct kh_store *st, sqlite3_stmt **s, int step, struct kh_err *err)
{
	sqlite3_finalize(*s);
	*s = NULL;
	return step == SQLITE_DONE ? 0 : failed(st, err);
}

/* Size rows of one object again, for its positions pr[0..n) (ascending) in the new order. */
static int resize(struct kh_store *st, sqlite3_stmt *get, sqlite3_stmt *del, sqlite3_stmt *add,
		  const struct presence *pr, size_t n, struct snap *const *order,
		  const int64_t *new_seq, struct kh_err *err)
{
	struct size_row *rows = NULL, last = { 0, 0, 0 };
	size_t n_rows = 0, cap = 0;
	int rc, have = 0;

	sqlite3_bind_int64(get, 1, pr[0].kind);
	sqlite3_bind_int64(get, 2, pr[0].object);
	while ((rc = sqlite3_step(get)) == SQLITE_ROW)
		*KH_PUSH(rows, n_rows, cap) = (struct size_row){ sqlite3_column_int64(get, 0),
			kh_col_num(get, 1), kh_col_num(get, 2) };
	sqlite3_reset(get);
	if (rc != SQLITE_DONE) {
		free(rows);
		return failed(st, err);
	}
	if (n_rows == 0)
		return 0;
	sqlite3_bind_int64(del, 1, pr[0].kind);
	sqlite3_bind_int64(del, 2, pr[0].object);
	if (run(st, del, err))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		int64_t old = order[pr[i].pos]->seq;
		size_t lo = 0, hi = n_rows;
		struct size_row v = { 0, KH_UNKNOWN, KH_UNKNOWN };

		/* as a reader does: the object's last row at or before the snapshot */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (rows[mid].seq <= old)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0)
			v = rows[lo - 1];
		else if (!have)
			continue; /* unknown before any row, as it was */
		if (have && v.alloc == last.alloc && v.extra == last.extra)
			continue;
		sqlite3_bind_int64(add, 1, pr[0].kind);
		sqlite3_bind_int64(add, 2, pr[0].object);
		sqlite3_bind_int64(add, 3, new_seq[pr[i].pos]);
		kh_bind_num(add, 4, v.alloc);
		kh_bind_num(add, 5, v.extra);
		if (run(st, add, err))
			goto fail;
		last = v;
		have = 1;
	}
	free(rows);
	return 0;
fail:
	free(rows);
	return -1;
}

int kh_store_order_host(struct kh_store *st, int64_t host_id, struct kh_err *err)
{
	struct snap *v = NULL, **order = NULL;
	struct span *sp = NULL;
	struct presence *pr = NULL;
	int64_t *pos_of = NULL, *new_seq = NULL, *runs = NULL, base = 0;
	size_t n = 0, cap = 0, n_sp = 0, cap_sp = 0, n_pr = 0, cap_pr = 0, cap_runs = 0;
	sqlite3_stmt *s = NULL, *upd = NULL, *ins = NULL, *get = NULL, *del = NULL, *add = NULL;
	int rc = -1, step, sorted = 1;

	if (prepare(st, "SELECT id, seq, taken_at FROM snapshot WHERE host_id = ? ORDER BY seq",
		    &s, err))
		goto out;
	sqlite3_bind_int64(s, 1, host_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct snap *x = KH_PUSH(v, n, cap);

		x->id = sqlite3_column_int64(s, 0);
		x->seq = sqlite3_column_int64(s, 1);
		x->taken_at = sqlite3_column_int64(s, 2);
		if (n > 1 && (x[-1].taken_at > x->taken_at ||
			      (x[-1].taken_at == x->taken_at && x[-1].id > x->id)))
			sorted = 0;
	}
	if (finish(st, &s, step, err))
		goto out;
	if (sorted) {
		rc = 0;
		goto out;
	}
	order = kh_calloc(n, sizeof *order);
	pos_of = kh_calloc(n, sizeof *pos_of);
	new_seq = kh_calloc(n, sizeof *new_seq);
	for (size_t i = 0; i < n; i++)
		order[i] = &v[i];
	qsort(order, n, sizeof *order, by_time);
	for (size_t k = 0; k < n; k++)
		pos_of[order[k] - v] = (int64_t)k;

	if (prepare(st, "SELECT id, kind, object_id, first_seq, last_seq FROM span"
		    " WHERE host_id = ?", &s, err))
		goto out;
	sqlite3_bind_int64(s, 1, host_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct span *x = KH_PUSH(sp, n_sp, cap_sp);

		x->id = sqlite3_column_int64(s, 0);
		x->kind = sqlite3_column_int64(s, 1);
		x->object = sqlite3_column_int64(s, 2);
		x->first = sqlite3_column_int64(s, 3);
		x->last = sqlite3_column_int64(s, 4);
		if (x->last != KH_SPAN_OPEN && x->last > base)
			base = x->last;
	}
	if (finish(st, &s, step, err))
		goto out;
	/* past every seq the host has used, so no old value is met again */
	if (v[n - 1].seq > base)
		base = v[n - 1].seq;
	for (size_t k = 0; k < n; k++)
		new_seq[k] = base + 1 + (int64_t)k;

	if (prepare(st, "UPDATE span SET first_seq = ?, last_seq = ? WHERE id = ?", &upd, err) ||
	    prepare(st, "INSERT INTO span(host_id, kind, object_id, first_seq, last_seq)"
		    " VALUES (?, ?, ?, ?, ?)", &ins, err) ||
	    prepare(st, "UPDATE snapshot SET seq = ? WHERE id = ?", &s, err))
		goto out;
	for (size_t j = 0; j < n_sp; j++) {
		size_t a = lower(v, n, sp[j].first), b, n_runs = 0;

		b = sp[j].last == KH_SPAN_OPEN ? n : lower(v, n, sp[j].last + 1);
		for (size_t i = a; i < b; i++) {
			*KH_PUSH(runs, n_runs, cap_runs) = pos_of[i];
			if (sp[j].kind >= 0 && sp[j].kind < KH_SPAN_KINDS &&
			    kh_kind_is_measured(kh_span_kinds[sp[j].kind]))
				*KH_PUSH(pr, n_pr, cap_pr) = (struct presence){ sp[j].kind,
					sp[j].object, pos_of[i] };
		}
		if (n_runs == 0)
			continue; /* covers nothing: check names it, prune sweeps it */
		qsort(runs, n_runs, sizeof *runs, cmp_i64);
		/* each run of consecutive positions is a span: the first keeps the row */
		for (size_t r = 0, first = 1; r < n_runs; first = 0) {
			size_t e = r;
			int64_t lo, hi;

			while (e + 1 < n_runs && runs[e + 1] == runs[e] + 1)
				e++;
			lo = new_seq[runs[r]];
			hi = runs[e] == (int64_t)n - 1 ? KH_SPAN_OPEN : new_seq[runs[e]];
			if (first) {
				sqlite3_bind_int64(upd, 1, lo);
				sqlite3_bind_int64(upd, 2, hi);
				sqlite3_bind_int64(upd, 3, sp[j].id);
				if (run(st, upd, err))
					goto out;
			} else {
				sqlite3_bind_int64(ins, 1, host_id);
				sqlite3_bind_int64(ins, 2, sp[j].kind);
				sqlite3_bind_int64(ins, 3, sp[j].object);
				sqlite3_bind_int64(ins, 4, lo);
				sqlite3_bind_int64(ins, 5, hi);
				if (run(st, ins, err))
					goto out;
			}
			r = e + 1;
		}
	}

	if (prepare(st, "SELECT seq, allocation, extra FROM size WHERE kind = ? AND object_id = ?"
		    " ORDER BY seq", &get, err) ||
	    prepare(st, "DELETE FROM size WHERE kind = ? AND object_id = ?", &del, err) ||
	    prepare(st, "INSERT INTO size(kind, object_id, seq, allocation, extra)"
		    " VALUES (?, ?, ?, ?, ?)", &add, err))
		goto out;
	qsort(pr, n_pr, sizeof *pr, by_object);
	for (size_t i = 0; i < n_pr;) {
		size_t e = i;

		while (e < n_pr && pr[e].kind == pr[i].kind && pr[e].object == pr[i].object)
			e++;
		if (resize(st, get, del, add, &pr[i], e - i, order, new_seq, err))
			goto out;
		i = e;
	}

	for (size_t k = 0; k < n; k++) {
		sqlite3_bind_int64(s, 1, new_seq[k]);
		sqlite3_bind_int64(s, 2, order[k]->id);
		if (run(st, s, err))
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(upd);
	sqlite3_finalize(ins);
	sqlite3_finalize(get);
	sqlite3_finalize(del);
	sqlite3_finalize(add);
	free(v);
	free(order);
	free(pos_of);
	free(new_seq);
	free(sp);
	free(pr);
	free(runs);
	return rc;
}
