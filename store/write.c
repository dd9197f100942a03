/* Writing a snapshot: one transaction. Each object is compared with its version in the host's
 * previous snapshot; an unchanged one reuses that version, whose span is open (schema 5:
 * last_seq is KH_SPAN_OPEN, "still in the latest"), so it costs no write at all and an
 * unchanged night costs one snapshot row. A version's span is closed, at the previous
 * snapshot, when its object changes or goes. A pool's or volume's measured numbers are not
 * part of its version: they get a `size` row when they change. What is compared, written
 * and read of each kind follows from its fields (store/kind.c, store/row.c). */
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

/* Stores the XML without the digits of its numbers (n of them): their columns hold them. */
static int put_measured_xml(struct kh_store *st, const char *xml, const struct kh_xml_num *nums,
			    size_t n, int64_t *xml_id, struct kh_err *err)
{
	char *cut = n ? kh_xml_nums_cut(xml, nums, n) : NULL;
	int rc = put_xml(st, cut ? cut : xml, xml_id, err);

	free(cut);
	return rc;
}

/* --- finding an object's previous version --- */

/* The identity of an object within its host: ident[0] and ident[1] of its kind where
 * ident[0] is known (a UUID; a volume's pool and name), else its name. f: ident_fields. */
static void ident_of(const struct kh_kind_field *const f[3], const void *obj,
		     struct kh_key_ref *out)
{
	const char *k1 = f[0] ? kh_field_text(f[0], obj) : NULL;

	out->k1 = k1 ? k1 : kh_field_text(f[2], obj);
	out->k2 = k1 && f[1] ? kh_field_text(f[1], obj) : NULL;
}

/* The fields an object of kind k is identified by: its ident fields, then its name. */
static void ident_fields(const struct kh_kind *k, const struct kh_kind_field *f[3])
{
	f[0] = kh_kind_field(k, k->ident[0]);
	f[1] = kh_kind_field(k, k->ident[1]);
	f[2] = kh_kind_field(k, "name");
}

/* The host's previous snapshot, indexed by identity, for comparison. */
struct prev {
	struct kh_snapshot *snap;
	struct kh_versions v;
	struct {
		struct kh_key_ref *idx;
		/* A version is reused at most once: two objects sharing an identity (two
		 * nameless UUID-less ones, say) must stay two rows. */
		char *used;
	} of[KH_SPAN_KINDS];
};

static int prev_load(struct kh_store *st, int64_t host_id, int64_t seq, struct prev *p,
		     struct kh_err *err)
{
	memset(p, 0, sizeof *p);
	p->snap = kh_snapshot_new();
	if (seq > 0 && kh_store_load_objects(st, host_id, seq, KH_PRESENT, 0, 0, p->snap, &p->v,
					     err))
		return -1;
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		const struct kh_kind_field *f[3];
		size_t n;
		void *items = kh_kind_items(kind, p->snap, &n);

		ident_fields(kind, f);
		p->of[k].idx = kh_calloc(n + 1, sizeof *p->of[k].idx);
		for (size_t i = 0; i < n; i++) {
			ident_of(f, kh_kind_at(kind, items, i), &p->of[k].idx[i]);
			p->of[k].idx[i].i = i;
		}
		kh_key_sort(p->of[k].idx, n);
		p->of[k].used = kh_calloc(n + 1, 1);
	}
	return 0;
}

static void prev_free(struct prev *p)
{
	kh_snapshot_free(p->snap);
	kh_versions_free(&p->v);
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		free(p->of[k].idx);
		free(p->of[k].used);
	}
}

/* --- writing versions --- */

struct put {
	struct kh_store *st;
	int64_t host_id, seq;
	struct prev prev;
};

static int span_add(struct put *w, int kind, int64_t row, struct kh_err *err)
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

	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		size_t n;

		kh_kind_items(kh_span_kinds[k], p->snap, &n);
		for (size_t i = 0; i < n; i++) {
			sqlite3_stmt *s;

			if (p->of[k].used[i])
				continue;
			if ((s = kh_store_stmt(w->st, S_SPAN_END, err)) == NULL)
				return -1;
			sqlite3_bind_int64(s, 1, last_seq);
			sqlite3_bind_int64(s, 2, p->v.of[k][i].span_id);
			if (step_done(w->st, s, err))
				return -1;
		}
	}
	return 0;
}

/* The measured numbers from this snapshot on, for version `row` (prev: what it had; NULL
 * for a new version). Unchanged numbers write nothing. */
static int size_put(struct put *w, int kind, int64_t row, const int64_t *prev,
		    const int64_t now[KH_MAX_MEASURED], size_t n, struct kh_err *err)
{
	sqlite3_stmt *s;

	if (prev && memcmp(prev, now, n * sizeof *now) == 0)
		return 0;
	if ((s = kh_store_stmt(w->st, S_SIZE_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_int64(s, 2, row);
	sqlite3_bind_int64(s, 3, w->seq);
	for (size_t i = 0; i < n; i++)
		kh_bind_num(s, 4 + (int)i, now[i]);
	return step_done(w->st, s, err);
}

/* A new version's children, each a row naming the version's. */
static int put_children(struct put *w, const struct kh_kind *k, const void *obj, int64_t row,
			struct kh_err *err)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];
		const void *items;
		size_t n;

		if (f->type != KH_FT_CHILDREN)
			continue;
		items = kh_field_children(f, obj, &n);
		for (size_t j = 0; j < n; j++) {
			const void *c = kh_kind_at(f->child, items, j);
			sqlite3_stmt *s = kh_row_stmt(w->st, f->child, KH_ROW_ADD, err);

			if (s == NULL)
				return -1;
			sqlite3_bind_int64(s, 1, row);
			kh_row_bind(f->child, c, NULL, s, 2);
			if (step_done(w->st, s, err))
				return -1;
		}
	}
	return 0;
}

/* One object: the previous snapshot's version when it is the same (XML by stored id, the
 * rest field by field), else a new version with its children and an open span. */
static int put_object(struct put *w, const struct kh_kind *k,
		      const struct kh_kind_field *const f[3], const void *obj, struct kh_err *err)
{
	struct kh_store *st = w->st;
	const struct kh_kind_field *m[KH_MAX_MEASURED];
	struct kh_xml_num nums[KH_MAX_NUMS];
	size_t n_measured = kh_kind_measured(k, m), n_nums = kh_kind_nums(k, obj, nums), n_prev;
	int64_t xml_ids[KH_MAX_XML] = { 0 }, now[KH_MAX_MEASURED], row;
	void *prev_items = kh_kind_items(k, w->prev.snap, &n_prev);
	struct kh_key_ref id;
	sqlite3_stmt *s;
	int n_xml = 0;
	long i;

	for (size_t j = 0; j < k->n_fields; j++)
		if (k->fields[j].type == KH_FT_XML &&
		    put_measured_xml(st, kh_field_text(&k->fields[j], obj), nums, n_nums,
				     &xml_ids[n_xml++], err))
			return -1;
	for (size_t j = 0; j < n_measured; j++)
		now[j] = kh_field_num(m[j], obj);
	ident_of(f, obj, &id);
	i = kh_key_find(w->prev.of[k->span].idx, n_prev, id.k1, id.k2);
	if (i >= 0 && !w->prev.of[k->span].used[i]) {
		const struct kh_version *v = &w->prev.v.of[k->span][i];
		const void *q = kh_kind_at(k, prev_items, (size_t)i);

		if (memcmp(v->xml_id, xml_ids, sizeof xml_ids) == 0 &&
		    kh_kind_same_version(k, q, obj)) {
			int64_t had[KH_MAX_MEASURED];

			w->prev.of[k->span].used[i] = 1;
			for (size_t j = 0; j < n_measured; j++)
				had[j] = kh_field_num(m[j], q);
			return n_measured ? size_put(w, k->span, v->row_id, had, now, n_measured, err)
					  : 0;
		}
	}
	if ((s = kh_row_stmt(st, k, KH_ROW_ADD, err)) == NULL)
		return -1;
	kh_row_bind(k, obj, xml_ids, s, 1);
	if (step_done(st, s, err))
		return -1;
	row = sqlite3_last_insert_rowid(st->db);
	return put_children(w, k, obj, row, err) || span_add(w, k->span, row, err) ||
	       (n_measured && size_put(w, k->span, row, NULL, now, n_measured, err)) ? -1 : 0;
}

/* The host's row; 0 when it has none yet. */
static int host_find(struct kh_store *st, const char *uri, int64_t *host_id, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_HOST_FIND, err);

	*host_id = 0;
	if (s == NULL)
		return -1;
	kh_bind_text(s, 1, uri);
	return kh_store_step_int(st, s, host_id, "cannot read hosts", err) < 0 ? -1 : 0;
}

/* The host's latest snapshot's sequence number (0: none) and the next one to use. */
static int host_seqs(struct kh_store *st, int64_t host_id, int64_t *seq, int64_t *next,
		     struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_SEQ_MAX, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, host_id);
	rc = sqlite3_step(s);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	*next = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
	*next = (*next > *seq ? *next : *seq) + 1;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return kh_store_db_error(st, err, "cannot read snapshots");
	return 0;
}

/* The host's row (made on its first snapshot), its latest snapshot's sequence number and
 * the next one to use. */
static int host_seq(struct kh_store *st, const char *uri, int64_t *host_id, int64_t *seq,
		    int64_t *next, struct kh_err *err)
{
	sqlite3_stmt *s;

	if (host_find(st, uri, host_id, err))
		return -1;
	if (*host_id == 0) {
		if ((s = kh_store_stmt(st, S_HOST_ADD, err)) == NULL)
			return -1;
		kh_bind_text(s, 1, uri);
		if (step_done(st, s, err))
			return -1;
		*host_id = sqlite3_last_insert_rowid(st->db);
	}
	return host_seqs(st, *host_id, seq, next, err);
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
	int64_t next;

	*out = NULL;
	if (kh_store_exec(st, "BEGIN", err) || host_find(st, uri, &a->host_id, err) ||
	    (a->host_id && host_seqs(st, a->host_id, &a->seq, &next, err)) ||
	    prev_load(st, a->host_id, a->seq, &a->prev, err) ||
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
	if ((s = kh_row_stmt(st, &kh_host_kind, KH_ROW_ADD, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, w.host_id);
	sqlite3_bind_int64(s, 2, w.seq);
	sqlite3_bind_int64(s, 3, snap->taken_at);
	kh_row_bind(&kh_host_kind, h, NULL, s, 4);
	if (step_done(st, s, err))
		goto fail;
	snap->id = sqlite3_last_insert_rowid(st->db);
	if (last_seq > 0 && spans_reopen(&w, last_seq, err))
		goto fail;
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		const struct kh_kind_field *f[3];
		size_t n;
		const void *items = kh_kind_items(kind, snap, &n);

		ident_fields(kind, f);
		for (size_t i = 0; i < n; i++)
			if (put_object(&w, kind, f, kh_kind_at(kind, items, i), err))
				goto fail;
	}
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
