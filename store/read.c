/* Reading snapshots: the object versions whose span covers a snapshot's sequence number. */
#include "store/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int step_end(struct kh_store *st, int rc, struct kh_err *err)
{
	return rc == SQLITE_DONE ? 0 : kh_store_db_error(st, err, "cannot read snapshot");
}

/* The statement of kind k for `which`, bound: host ?1, snapshot ?2 and the span bounds ?3,
 * ?4 that `which` and `other` give. */
static sqlite3_stmt *at_seq(struct kh_store *st, const struct kh_kind *k, int64_t host_id,
			    int64_t seq, enum kh_which which, int64_t other, struct kh_err *err)
{
	enum kh_row_op op = which == KH_MEASURED ? KH_ROW_MEASURED
			    : which == KH_STARTED ? KH_ROW_STARTED : KH_ROW_PRESENT;
	sqlite3_stmt *s = kh_row_stmt(st, k, op, err);

	if (s) {
		sqlite3_bind_int64(s, 1, host_id);
		sqlite3_bind_int64(s, 2, seq);
		/* STARTED: present at seq, not at the earlier `other`; ENDED: present at seq,
		 * not at the later `other`. Pruned snapshots leave gaps between the two. */
		if (which == KH_MEASURED) {
			sqlite3_bind_int64(s, 3, seq < other ? seq : other);
			sqlite3_bind_int64(s, 4, seq < other ? other : seq);
		} else {
			sqlite3_bind_int64(s, 3, which == KH_STARTED ? other + 1 : 0);
			sqlite3_bind_int64(s, 4, which == KH_ENDED ? other - 1 : INT64_MAX);
		}
	}
	return s;
}

/* What a load reads: of host `host_id`, snapshot `seq` as `which` and `other` say. */
struct load {
	struct kh_store *st;
	int64_t host_id, seq, other;
	enum kh_which which;
};

/* Children rows come ordered by parent row, as the parents do: one forward walk pairs
 * them. `parents` are the n just loaded, of rows `rows`. */
static int load_children(const struct load *l, const struct kh_kind *k,
			 const struct kh_kind_field *f, void *parents, size_t n, const int64_t *rows,
			 struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(l->st, f->child, l->host_id, l->seq, l->which, l->other, err);
	size_t at = 0;
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t parent = sqlite3_column_int64(s, 0);

		while (at < n && rows[at] != parent)
			at++;
		if (at == n) {
			rc = SQLITE_DONE;
			break;
		}
		kh_row_read(f->child, kh_kind_push_child(f, kh_kind_at(k, parents, at)), s, 1);
	}
	sqlite3_reset(s);
	return step_end(l->st, rc, err);
}

/* The versions of kind k, appended to snap's array, and where each lives to *v (may be
 * NULL), index for index with the array. xml 0: no XML bodies. */
static int load_kind(const struct load *l, const struct kh_kind *k, int xml,
		     struct kh_snapshot *snap, struct kh_version **v, struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(l->st, k, l->host_id, l->seq, l->which, l->other, err);
	int n_xml = kh_row_n_xml(k);
	int64_t *rows = NULL;
	size_t n0, n, n_rows = 0, cap = 0, vcap = 0;
	void *items;
	int rc;

	kh_kind_items(k, snap, &n0);
	/* ?5 of the object statements: whether to read XML bodies */
	if (s == NULL || sqlite3_bind_int(s, 5, xml != 0) != SQLITE_OK)
		return s ? kh_store_db_error(l->st, err, "cannot read snapshot") : -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		void *obj = kh_kind_push(k, snap);

		*(int64_t *)KH_PUSH(rows, n_rows, cap) = sqlite3_column_int64(s, 1);
		if (v) {
			struct kh_version *x;

			kh_kind_items(k, snap, &n);
			kh_grow(v, &vcap, n, sizeof **v);
			x = &(*v)[n - 1];
			memset(x, 0, sizeof *x);
			x->span_id = sqlite3_column_int64(s, 0);
			x->row_id = sqlite3_column_int64(s, 1);
			for (int j = 0; j < n_xml; j++)
				x->xml_id[j] = sqlite3_column_int64(s, 2 + j);
		}
		kh_row_read(k, obj, s, 2 + n_xml);
	}
	rc = step_end(l->st, rc, err);
	items = kh_kind_items(k, snap, &n);
	for (size_t i = 0; i < k->n_fields && rc == 0; i++)
		if (k->fields[i].type == KH_FT_CHILDREN)
			rc = load_children(l, k, &k->fields[i], kh_kind_at(k, items, n0), n - n0,
					   rows, err);
	free(rows);
	return rc ? -1 : 0;
}

int kh_store_load_objects(struct kh_store *st, int64_t host_id, int64_t seq,
			  enum kh_which which, int64_t other, int xml, struct kh_snapshot *snap,
			  struct kh_versions *v, struct kh_err *err)
{
	const struct load l = { st, host_id, seq, other, which };

	for (int i = 0; i < KH_SPAN_KINDS; i++) {
		const struct kh_kind *k = kh_span_kinds[i];

		/* only what has measured numbers can have moved */
		if (which == KH_MEASURED && !kh_kind_is_measured(k))
			continue;
		if (load_kind(&l, k, xml, snap, v ? &v->of[i] : NULL, err))
			return -1;
	}
	return 0;
}

/* A snapshot's time and host facts, from column `at` on (the head statements). */
static void read_head(sqlite3_stmt *s, int at, struct kh_snapshot *snap)
{
	snap->taken_at = sqlite3_column_int64(s, at);
	kh_row_read(&kh_host_kind, &snap->host, s, at + 1);
}

int kh_store_snap_head(struct kh_store *st, int64_t host_id, int64_t seq,
		       struct kh_snapshot *snap, struct kh_err *err)
{
	sqlite3_stmt *s = kh_row_stmt(st, &kh_host_kind, KH_ROW_HEAD_AT_SEQ, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, host_id);
	sqlite3_bind_int64(s, 2, seq);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snap->id = sqlite3_column_int64(s, 0);
		read_head(s, 1, snap);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read snapshot");
	return 0;
}

void kh_versions_free(struct kh_versions *v)
{
	for (int i = 0; i < KH_SPAN_KINDS; i++)
		free(v->of[i]);
	memset(v, 0, sizeof *v);
}

/* A snapshot's host, seq and head (id, time, host facts) into a new snapshot. */
static struct kh_snapshot *load_head(struct kh_store *st, int64_t id, int64_t *host_id,
				     int64_t *seq, struct kh_err *err)
{
	sqlite3_stmt *s = kh_row_stmt(st, &kh_host_kind, KH_ROW_HEAD_BY_ID, err);
	struct kh_snapshot *snap;

	if (s == NULL)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (kh_store_step_row(st, s, "cannot read snapshot", err, "no snapshot %lld",
			      (long long)id))
		return NULL;
	snap = kh_snapshot_new();
	snap->id = id;
	*host_id = sqlite3_column_int64(s, 0);
	*seq = sqlite3_column_int64(s, 1);
	read_head(s, 2, snap);
	sqlite3_reset(s);
	return snap;
}

/* Ends a load's read transaction: on success links and sorts what was read (a resolved
 * disk's sizes are its volume's, stored once, with the volume), on failure frees it. */
static int end_load(struct kh_store *st, int rc, struct kh_snapshot **snaps, size_t n)
{
	sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		if (rc) {
			kh_snapshot_free(snaps[i]);
			snaps[i] = NULL;
		} else {
			kh_snapshot_link(snaps[i]);
			kh_snapshot_sort(snaps[i]);
		}
	}
	return rc ? -1 : 0;
}

int kh_store_load(struct kh_store *st, int64_t id, struct kh_snapshot **out, struct kh_err *err)
{
	int64_t host_id, seq;
	int rc;

	*out = NULL;
	/* One read transaction, so a concurrent collect cannot show us half of anything. */
	if (kh_store_exec(st, "BEGIN", err))
		return -1;
	rc = (*out = load_head(st, id, &host_id, &seq, err)) == NULL ||
	     kh_store_load_objects(st, host_id, seq, KH_PRESENT, 0, 1, *out, NULL, err);
	return end_load(st, rc, out, 1);
}

/* The objects of a (seq_a) and b (seq_b), two snapshots of one host: only what differs. */
static int load_differences(struct kh_store *st, int64_t host, struct kh_snapshot *a,
			    int64_t seq_a, struct kh_snapshot *b, int64_t seq_b, struct kh_err *err)
{
	/* versions in one and not the other (spans are unbroken runs of seq), then the pools
	 * and volumes in both whose numbers moved in between */
	return kh_store_load_objects(st, host, seq_a, seq_a < seq_b ? KH_ENDED : KH_STARTED,
				     seq_b, 1, a, NULL, err) ||
	       kh_store_load_objects(st, host, seq_b, seq_b < seq_a ? KH_ENDED : KH_STARTED,
				     seq_a, 1, b, NULL, err) ||
	       kh_store_load_objects(st, host, seq_a, KH_MEASURED, seq_b, 0, a, NULL, err) ||
	       kh_store_load_objects(st, host, seq_b, KH_MEASURED, seq_a, 0, b, NULL, err);
}

int kh_store_load_changes(struct kh_store *st, int64_t from_id, int64_t to_id,
			  struct kh_snapshot **from, struct kh_snapshot **to, struct kh_err *err)
{
	struct kh_snapshot *s[2] = { NULL, NULL };
	int64_t host_a, host_b, seq_a, seq_b;
	int rc;

	*from = *to = NULL;
	if (kh_store_exec(st, "BEGIN", err))
		return -1;
	rc = (s[0] = load_head(st, from_id, &host_a, &seq_a, err)) == NULL ||
	     (s[1] = load_head(st, to_id, &host_b, &seq_b, err)) == NULL;
	if (rc == 0 && (host_a != host_b || seq_a == seq_b))
		/* nothing in common to leave out: each whole */
		rc = kh_store_load_objects(st, host_a, seq_a, KH_PRESENT, 0, 1, s[0], NULL, err) ||
		     kh_store_load_objects(st, host_b, seq_b, KH_PRESENT, 0, 1, s[1], NULL, err);
	else if (rc == 0)
		rc = load_differences(st, host_a, s[0], seq_a, s[1], seq_b, err);
	rc = end_load(st, rc, s, 2);
	*from = s[0];
	*to = s[1];
	return rc;
}

int kh_store_list(struct kh_store *st, const char *host, int64_t from, int64_t to,
		  struct kh_snapshot_info **out, size_t *n, struct kh_err *err)
{
	struct kh_snapshot_info *v = NULL;
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = kh_store_stmt(st, S_LIST, err)) == NULL)
		return -1;
	kh_bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_snapshot_info *i = KH_PUSH(v, *n, cap);

		i->id = sqlite3_column_int64(s, 0);
		i->taken_at = sqlite3_column_int64(s, 1);
		i->uri = kh_col_text(s, 2);
		i->hostname = kh_col_text(s, 3);
		i->host_uuid = kh_col_text(s, 4);
		i->n_domains = sqlite3_column_int64(s, 5);
		i->n_pools = sqlite3_column_int64(s, 6);
		i->n_volumes = sqlite3_column_int64(s, 7);
		i->n_networks = sqlite3_column_int64(s, 8);
	}
	if (rc != SQLITE_DONE) {
		kh_snapshot_infos_free(v, *n);
		*n = 0;
		return kh_store_db_error(st, err, "cannot list snapshots");
	}
	*out = v;
	return 0;
}

int kh_store_previous(struct kh_store *st, int64_t id, int64_t *prev, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_PREVIOUS, err);

	*prev = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return kh_store_step_int(st, s, prev, "cannot read snapshots", err) < 0 ? -1 : 0;
}

int kh_store_uris(struct kh_store *st, const char *host, int64_t from, int64_t to, char ***out,
		  size_t *n, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_URIS, err);

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	kh_bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	return kh_store_step_texts(st, s, out, n, "cannot list snapshots", err);
}
