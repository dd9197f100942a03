/* What the files of store/ share; nothing outside store/ includes this. */
#ifndef KH_STORE_INTERNAL_H
#define KH_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"
#include "util/mem.h"

/* Statements are prepared once per open store and reused (reset) by every snapshot. */
enum stmt_id {
	S_HOST_FIND, S_HOST_ADD, S_SEQ_MAX, S_SPAN_ADD, S_SPAN_END,
	S_SPANS_REOPEN, S_PREVIOUS, S_LIST, S_EXISTS, S_LATEST, S_LATEST_N, S_AT_OR_BEFORE,
	S_SIZE_ADD, S_SCAN_RANGE, S_URIS, S_SNAP_DELETE,
	S_MAX
};

/* What the statements made from a kind's fields (store/row.c) do. */
enum kh_row_op {
	KH_ROW_ADD,        /* insert a version (children: one child; host: the snapshot row) */
	KH_ROW_PRESENT,    /* the versions in a snapshot (kh_which), spans read by last_seq */
	KH_ROW_STARTED,    /* the same, spans read by first_seq (KH_STARTED) */
	KH_ROW_MEASURED,   /* KH_MEASURED */
	KH_ROW_HEAD_BY_ID, /* host: a snapshot's host_id, seq, taken_at and host facts by id */
	KH_ROW_HEAD_AT_SEQ,/* host: a snapshot's id, taken_at and host facts by host and seq */
	KH_ROW_OPS
};

/* The last_seq of an open span: its version is in the host's latest snapshot (schema 5). */
#define KH_SPAN_OPEN INT64_MAX
#define KH_SPAN_OPEN_SQL "9223372036854775807"

/* Where a loaded object version lives: its span, its row, its XML fields' ids (0: none). */
struct kh_version {
	int64_t span_id, row_id, xml_id[KH_MAX_XML];
};

/* The versions of a loaded snapshot's objects, by span kind, index for index with its
 * arrays (before sorting). */
struct kh_versions {
	struct kh_version *of[KH_SPAN_KINDS];
};


struct kh_store {
	sqlite3 *db;
	char *path;
	int unverified; /* KH_OPEN_CREATE_VERIFY_LATER: kh_store_verify has not passed yet */
	int full;       /* opening failed for want of space (the -shm could not be made) */
	sqlite3_stmt *stmt[S_MAX];
	sqlite3_stmt *rows[KH_N_KINDS][KH_ROW_OPS];
	struct kh_bodies *bodies; /* store/body.c */
};

/* A cached statement, reset and unbound, ready for use; NULL with err set on failure. */
sqlite3_stmt *kh_store_stmt(struct kh_store *st, enum stmt_id id, struct kh_err *err);
/* The same for a statement in *slot, prepared from sql on first use. */
sqlite3_stmt *kh_store_cached(struct kh_store *st, sqlite3_stmt **slot, const char *sql,
			      struct kh_err *err);

/* --- store/body.c: XML bodies, compressed --- */

/* Registers kh_xml(id, hash, body, dict_id, base_id), the text of an xml row, on st->db. */
int kh_body_attach(struct kh_store *st, struct kh_err *err);
/* Stores text once by content (*id: its row; 0 for NULL text), as a delta against body
 * `base` (0: none) where that is smallest. */
int kh_body_put(struct kh_store *st, const char *text, int64_t base, int64_t *id,
		struct kh_err *err);
/* The text of body `id` (the caller frees it); an error names the body and the cause. */
int kh_body_get(struct kh_store *st, int64_t id, char **text, struct kh_err *err);
/* Whether there is no dictionary yet: then the next snapshot's bodies are given to
 * kh_body_sample first, and kh_body_train learns from them with the plain ones stored. */
int kh_body_wants_samples(struct kh_store *st, int *wants, struct kh_err *err);
void kh_body_sample(struct kh_store *st, const char *text);
/* Whether body `id` decompresses to the text its hash says (kvmhist check). */
int kh_body_verify(struct kh_store *st, int64_t id, struct kh_err *err);
/* Inside a write transaction: trains a dictionary when there is none and enough bodies to
 * learn from (converting them), or a new one when the estate outgrew the latest. */
int kh_body_train(struct kh_store *st, struct kh_err *err);
/* Migration 7: the plain bodies of table xml into xml_new, compressed with a dictionary
 * trained on them (when there are enough). */
int kh_body_convert(struct kh_store *st, struct kh_err *err);
/* After a rollback: what was cached may not exist. */
void kh_body_forget(struct kh_store *st);
void kh_body_free(struct kh_store *st);

/* --- store/row.c: a kind's rows, from its fields --- */

/* The SQL of `op` for kind k (a child kind's parent is the domain). */
char *kh_row_sql(const struct kh_kind *k, enum kh_row_op op);
/* Its cached statement. */
sqlite3_stmt *kh_row_stmt(struct kh_store *st, const struct kh_kind *k, enum kh_row_op op,
			  struct kh_err *err);
/* Binds the object's stored fields from parameter `at` on, in field order (XML fields: the
 * ids in xml_ids, in order); returns the next parameter. */
int kh_row_bind(const struct kh_kind *k, const void *obj, const int64_t *xml_ids,
		sqlite3_stmt *s, int at);
/* Reads the object's fields from column `at` on, as KH_ROW_PRESENT and the head
 * statements select them; returns the next column. */
int kh_row_read(const struct kh_kind *k, void *obj, sqlite3_stmt *s, int at);
/* How many XML fields the kind has. */
int kh_row_n_xml(const struct kh_kind *k);
int kh_store_exec(struct kh_store *st, const char *sql, struct kh_err *err);
/* Steps s once, the first column of its row (if any) into *out, and resets it: 1 for a row,
 * 0 for none, -1 on an error (err set: what, and SQLite's cause). */
int kh_store_step_int(struct kh_store *st, sqlite3_stmt *s, int64_t *out, const char *what,
		      struct kh_err *err);
/* Steps s for the one row it should give: 0 with the row left to read (reset s after), or
 * -1 with s reset and err set: `missing` (a printf format) when there is no row, else what
 * failed and SQLite's cause. */
int kh_store_step_row(struct kh_store *st, sqlite3_stmt *s, const char *what,
		      struct kh_err *err, const char *missing, ...)
    __attribute__((format(printf, 5, 6)));
/* Steps s to its end, the first column of each row appended to *out (n of them), and resets
 * it: 0, or -1 with err set and nothing in *out. */
int kh_store_step_texts(struct kh_store *st, sqlite3_stmt *s, char ***out, size_t *n,
			const char *what, struct kh_err *err);
/* Which versions of snapshot `seq` a load takes, against `other`, the host's snapshot
 * before it (STARTED) or after it (ENDED); pruning leaves gaps in the sequence. */
enum kh_which {
	KH_PRESENT,     /* all present in it */
	KH_STARTED,     /* present in it and not in the one before: new or changed objects */
	KH_ENDED,       /* present in it and not in the one after: changed or removed */
	KH_MEASURED,    /* pools and volumes present in it and in `other` whose measured
			 * numbers have a size row between the two (read as of it) */
};

/* The first column of the first row of a constant query (0 when there is no row). */
int kh_store_int(struct kh_store *st, const char *sql, int64_t *out, struct kh_err *err);
/* Loads the objects of snapshot `seq` of host `host_id` into `snap`, in row order, without
 * linking or sorting; fills `v` (may be NULL) index for index. xml 0: no XML bodies (NULL),
 * for comparing versions by XML id. */
int kh_store_load_objects(struct kh_store *st, int64_t host_id, int64_t seq,
			  enum kh_which which, int64_t other, int xml, struct kh_snapshot *snap,
			  struct kh_versions *v, struct kh_err *err);
/* Host facts and time of snapshot `seq` of `host_id` into snap (id too); 0 when absent. */
int kh_store_snap_head(struct kh_store *st, int64_t host_id, int64_t seq,
		       struct kh_snapshot *snap, struct kh_err *err);
void kh_versions_free(struct kh_versions *v);
/* Renumbers host `host_id`'s snapshots so that seq order is time order (ties by id), with
 * its spans and size rows, when it is not already (store/order.c); inside the caller's
 * write transaction. */
int kh_store_order_host(struct kh_store *st, int64_t host_id, struct kh_err *err);

/* SQLite's multi-line integrity finding as one line, without its "*** in database" head. */
char *kh_store_one_line(const char *finding);
/* Sets err to "database 'PATH': what: sqlite's message" and returns -1. */
int kh_store_db_error(struct kh_store *st, struct kh_err *err, const char *what);

/* KH_UNKNOWN and NULL are stored as NULL and read back as such. */
static inline void kh_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static inline void kh_bind_num(sqlite3_stmt *s, int i, int64_t v)
{
	if (v == KH_UNKNOWN)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

static inline char *kh_col_text(sqlite3_stmt *s, int i)
{
	return kh_strdup((const char *)sqlite3_column_text(s, i));
}

static inline int64_t kh_col_num(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? KH_UNKNOWN : sqlite3_column_int64(s, i);
}

#endif
