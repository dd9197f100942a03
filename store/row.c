/* A kind's rows in SQL, made from its fields (store/kind.c): the statements that insert and
 * select its versions, binding and reading. Column names are kvmhist's own constants; no
 * user data is ever part of the SQL text. */
#include "store/internal.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

/* The size row columns of a kind's first and second measured field. */
static const char *const size_cols[KH_MAX_MEASURED] = { "allocation", "extra" };

static void bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

/* Kept in the version's row (or the snapshot row): not measured, not children, not the key. */
static int stored(const struct kh_kind_field *f)
{
	return f->type != KH_FT_CHILDREN && !(f->flags & (KH_F_MEASURED | KH_F_HOST_KEY));
}

int kh_row_n_xml(const struct kh_kind *k)
{
	int n = 0;

	for (size_t i = 0; i < k->n_fields; i++)
		n += k->fields[i].type == KH_FT_XML;
	return n;
}

static int n_measured(const struct kh_kind *k)
{
	const struct kh_kind_field *m[KH_MAX_MEASURED];

	return (int)kh_kind_measured(k, m);
}

/* ", t.a, t.b_id, ..." : the stored columns, for an insert. */
static void insert_cols(struct kh_buf *b, const struct kh_kind *k, const char *sep)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (!stored(f))
			continue;
		kh_buf_printf(b, "%s%s%s", sep, f->name, f->type == KH_FT_XML ? "_id" : "");
		sep = ", ";
	}
}

static void insert(struct kh_buf *b, const struct kh_kind *k, const char *table,
		   const char *first, int n_first)
{
	int n = n_first;

	kh_buf_printf(b, "INSERT INTO %s(%s", table, first);
	insert_cols(b, k, *first ? ", " : "");
	for (size_t i = 0; i < k->n_fields; i++)
		n += stored(&k->fields[i]);
	kh_buf_puts(b, ") VALUES (");
	for (int i = 0; i < n; i++)
		kh_buf_puts(b, i ? ", ?" : "?");
	kh_buf_puts(b, ")");
}

/* The columns kh_row_read reads, in field order. t: the kind's table; its XML bodies come
 * from x0, x1 (only when ?5), its measured numbers from z, the host key from h. */
static void select_cols(struct kh_buf *b, const struct kh_kind *k, const char *t)
{
	int xml = 0, measured = 0;

	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (f->type == KH_FT_CHILDREN)
			continue;
		if (f->flags & KH_F_HOST_KEY)
			kh_buf_printf(b, ", h.%s", f->name);
		else if (f->flags & KH_F_MEASURED)
			kh_buf_printf(b, ", z.%s", size_cols[measured++]);
		else if (f->type == KH_FT_XML)
			kh_buf_printf(b, ", CASE WHEN ?5 THEN x%d.body END", xml++);
		else
			kh_buf_printf(b, ", %s.%s", t, f->name);
	}
}

/* Versions of host ?1 present in snapshot ?2 whose span starts at or after ?3 and ends at or
 * before ?4: ?3 = 0, ?4 = max for all present; ?3 = ?2 for those new in it; ?4 = ?2 for
 * those last seen in it. Spans are read through the index named: by last_seq (all present,
 * those last seen) or by first_seq (those new, KH_ROW_STARTED). Named, so the planner
 * cannot take the other one where it reads every live version. */
static void at_seq(struct kh_buf *b, int kind)
{
	kh_buf_printf(b, " sp.host_id = ?1 AND sp.kind = %d AND sp.last_seq BETWEEN ?2 AND ?4"
		      " AND sp.first_seq BETWEEN ?3 AND ?2", kind);
}

static const char *span_index(enum kh_row_op op)
{
	return op == KH_ROW_STARTED ? "first" : "last";
}

static void select_children(struct kh_buf *b, const struct kh_kind *k, enum kh_row_op op)
{
	kh_buf_printf(b, "SELECT t.%s", k->parent);
	select_cols(b, k, "t");
	kh_buf_printf(b, " FROM %s t WHERE t.%s IN (SELECT object_id FROM span sp INDEXED BY"
		      " span_host_kind_%s WHERE", k->name, k->parent, span_index(op));
	at_seq(b, kh_domain_kind.span);
	kh_buf_printf(b, ") ORDER BY t.%s, t.rowid", k->parent);
}

/* The version's span and row, its XML ids, then its fields: what load_kind reads. */
static void select_versions(struct kh_buf *b, const struct kh_kind *k, enum kh_row_op op)
{
	int xml = 0;

	kh_buf_puts(b, "SELECT sp.id, t.id");
	for (size_t i = 0; i < k->n_fields; i++)
		if (k->fields[i].type == KH_FT_XML)
			kh_buf_printf(b, ", t.%s_id", k->fields[i].name);
	select_cols(b, k, "t");
	kh_buf_printf(b, " FROM span sp INDEXED BY span_host_kind_%s JOIN %s t"
		      " ON t.id = sp.object_id", span_index(op), k->name);
	for (size_t i = 0; i < k->n_fields; i++) {
		if (k->fields[i].type == KH_FT_XML) {
			kh_buf_printf(b, " LEFT JOIN xml x%d ON x%d.id = t.%s_id", xml, xml,
				      k->fields[i].name);
			xml++;
		}
	}
	/* The measured numbers as of snapshot ?2: the object's latest size row up to then. */
	if (n_measured(k))
		kh_buf_printf(b, " LEFT JOIN size z ON z.kind = %d AND z.object_id = t.id"
			      " AND z.seq = (SELECT max(seq) FROM size WHERE kind = %d"
			      " AND object_id = t.id AND seq <= ?2)", k->span, k->span);
	kh_buf_puts(b, " WHERE");
	if (op == KH_ROW_MEASURED)
		/* ?3 and ?4: the earlier and the later of the two snapshots */
		kh_buf_printf(b, " sp.host_id = ?1 AND sp.kind = %d AND sp.last_seq >= ?4"
			      " AND sp.first_seq <= ?3 AND EXISTS (SELECT 1 FROM size"
			      " WHERE kind = %d AND object_id = t.id AND seq > ?3 AND seq <= ?4)",
			      k->span, k->span);
	else
		at_seq(b, k->span);
	kh_buf_puts(b, " ORDER BY t.id");
}

static void select_head(struct kh_buf *b, const struct kh_kind *k, enum kh_row_op op)
{
	kh_buf_puts(b, op == KH_ROW_HEAD_BY_ID ? "SELECT s.host_id, s.seq, s.taken_at"
					       : "SELECT s.id, s.taken_at");
	select_cols(b, k, "s");
	kh_buf_puts(b, " FROM snapshot s JOIN host h ON h.id = s.host_id");
	kh_buf_puts(b, op == KH_ROW_HEAD_BY_ID ? " WHERE s.id = ?"
					       : " WHERE s.host_id = ? AND s.seq = ?");
}

char *kh_row_sql(const struct kh_kind *k, enum kh_row_op op)
{
	struct kh_buf b = { 0 };

	if (k == &kh_host_kind) {
		if (op == KH_ROW_ADD)
			insert(&b, k, "snapshot", "host_id, seq, taken_at", 3);
		else
			select_head(&b, k, op);
	} else if (op == KH_ROW_ADD) {
		insert(&b, k, k->name, k->parent ? k->parent : "", k->parent ? 1 : 0);
	} else if (k->parent) {
		select_children(&b, k, op);
	} else {
		select_versions(&b, k, op);
	}
	return kh_buf_steal(&b);
}

sqlite3_stmt *kh_row_stmt(struct kh_store *st, const struct kh_kind *k, enum kh_row_op op,
			  struct kh_err *err)
{
	sqlite3_stmt **slot = &st->rows[kh_kind_index(k)][op];
	char *sql = *slot ? NULL : kh_row_sql(k, op);
	sqlite3_stmt *s = kh_store_cached(st, slot, sql, err);

	free(sql);
	return s;
}

int kh_row_bind(const struct kh_kind *k, const void *obj, const int64_t *xml_ids,
		sqlite3_stmt *s, int at)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (!stored(f))
			continue;
		if (f->type == KH_FT_XML)
			bind_id(s, at++, *xml_ids++);
		else if (f->type == KH_FT_NUM || f->type == KH_FT_FLAG)
			kh_bind_num(s, at++, kh_field_stored_num(k, f, obj));
		else
			kh_bind_text(s, at++, kh_field_text(f, obj));
	}
	return at;
}

int kh_row_read(const struct kh_kind *k, void *obj, sqlite3_stmt *s, int at)
{
	struct kh_xml_num nums[KH_MAX_NUMS];
	size_t n;

	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (f->type == KH_FT_CHILDREN)
			continue;
		if (f->type == KH_FT_NUM || f->type == KH_FT_FLAG)
			kh_field_set_num(f, obj, (f->flags & KH_F_KNOWN) ? kh_col_num(s, at++) == 1
								 : kh_col_num(s, at++));
		else
			kh_field_set_text(f, obj, kh_col_text(s, at++));
	}
	/* The XML was stored without the digits its numbers' columns hold. */
	if ((n = kh_kind_nums(k, obj, nums)) > 0)
		for (size_t i = 0; i < k->n_fields; i++)
			if (k->fields[i].type == KH_FT_XML)
				kh_field_set_text(&k->fields[i], obj,
						  kh_xml_nums_fill(kh_field_text(&k->fields[i], obj),
								   nums, n));
	return at;
}
