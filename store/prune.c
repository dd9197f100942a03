/* Retention, vacuum and integrity checks. Pruning deletes snapshots, then the spans that no
 * longer cover any remaining snapshot of their host, then object versions no span holds
 * (disks and interfaces cascade), then XML nothing references; all in one transaction. */
#include "store/internal.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* `before`, every column that references xml(id) as rows (t, id, x, name): what, which
 * row, which XML ("domain", "domain live", "pool", ...), its name, then `after`: one list, from the kinds' XML
 * fields, for prune and check. */
static char *with_xml_refs(const char *before, const char *after)
{
	struct kh_buf b = { 0 };
	const char *sep = "SELECT ";

	kh_buf_puts(&b, before);
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];

		for (size_t i = 0; i < kind->n_fields; i++) {
			const char *f = kind->fields[i].name;
			size_t n = strlen(f);

			if (kind->fields[i].type != KH_FT_XML)
				continue;
			/* "live_xml" is the domain's "live" XML */
			if (strcmp(f, "xml") == 0)
				kh_buf_printf(&b, "%s'%s' AS t, id, xml_id AS x, name FROM %s", sep,
					      kind->name, kind->name);
			else
				kh_buf_printf(&b, "%s'%s %.*s', id, %s_id, name FROM %s", sep,
					      kind->name, n > 4 && strcmp(f + n - 4, "_xml") == 0
					      ? (int)n - 4 : (int)n, f, f, kind->name);
			sep = " UNION ALL SELECT ";
		}
	}
	kh_buf_puts(&b, after);
	return kh_buf_steal(&b);
}

/* The XML an object references and the bases of those (a delta is read against its base,
 * store/body.c), as the table `reached`: with_xml_refs(REACHED_XML, REACHED_XML_END ...). */
#define REACHED_XML "WITH RECURSIVE reached(x) AS (SELECT x FROM ("
#define REACHED_XML_END ") WHERE x IS NOT NULL UNION SELECT xml.base_id FROM xml" \
	" JOIN reached ON xml.id = reached.x WHERE xml.base_id IS NOT NULL)"

/* Orders newest first within each URI: the order retention walks in. */
static int cmp_newest(const void *pa, const void *pb)
{
	const struct kh_snapshot_info *a = *(const struct kh_snapshot_info *const *)pa;
	const struct kh_snapshot_info *b = *(const struct kh_snapshot_info *const *)pb;
	int c = strcmp(a->uri, b->uri);

	if (c)
		return c;
	if (a->taken_at != b->taken_at)
		return a->taken_at < b->taken_at ? 1 : -1;
	return a->id < b->id ? 1 : a->id > b->id;
}

/* Period keys in UTC: the day, the Monday-based (ISO) week, the month. */
static int64_t day_of(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static int64_t week_of(int64_t t)
{
	int64_t d = day_of(t) + 3; /* 1970-01-01 was a Thursday: day 0 of week 0 is a Monday */

	return d >= 0 ? d / 7 : -((-d + 6) / 7);
}

static int64_t month_of(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return INT64_MIN;
	return (int64_t)tm.tm_year * 12 + tm.tm_mon;
}

/* One retention class: the newest snapshot of each of the last `n` periods seen. */
struct class {
	int n, seen;
	int64_t last;
};

static int class_keeps(struct class *c, int64_t period)
{
	if (c->seen > 0 && period == c->last)
		return 0;
	c->last = period;
	if (c->seen >= c->n)
		return 0;
	c->seen++;
	return 1;
}

/* Marks keep[i] for the snapshots the policy keeps; v is sorted oldest first. */
static void choose(const struct kh_retention *r, struct kh_snapshot_info *v, size_t n,
		   char *keep)
{
	struct kh_snapshot_info **by = kh_calloc(n ? n : 1, sizeof *by);
	struct class day = { 0 }, week = { 0 }, month = { 0 };

	for (size_t i = 0; i < n; i++)
		by[i] = &v[i];
	qsort(by, n, sizeof *by, cmp_newest);
	for (size_t i = 0; i < n; i++) {
		const struct kh_snapshot_info *s = by[i];
		int k;

		if (i == 0 || strcmp(s->uri, by[i - 1]->uri) != 0) {
			day = (struct class){ .n = r->daily };
			week = (struct class){ .n = r->weekly };
			month = (struct class){ .n = r->monthly };
			k = 1; /* the newest of each URI */
		} else {
			k = 0;
		}
		/* Every class sees every snapshot, so each counts its own periods. */
		k |= class_keeps(&day, day_of(s->taken_at));
		k |= class_keeps(&week, week_of(s->taken_at));
		k |= class_keeps(&month, month_of(s->taken_at));
		keep[s - v] = (char)k;
	}
	free(by);
}

/* Runs one cleanup statement and adds the rows it deleted to *count. */
static int sweep(struct kh_store *st, const char *sql, int64_t *count, struct kh_err *err)
{
	if (kh_store_exec(st, sql, err))
		return -1;
	*count += sqlite3_changes(st->db);
	return 0;
}

static int delete_snapshot(struct kh_store *st, int64_t id, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_SNAP_DELETE, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot delete a snapshot");
	return 0;
}

static int sweep_unreferenced(struct kh_store *st, struct kh_prune_result *r, struct kh_err *err)
{
	int64_t *rows[] = { &r->domains, &r->pools, &r->volumes, &r->networks };
	char *xml_sql;
	int rc;

	if (sweep(st, "DELETE FROM span WHERE NOT EXISTS (SELECT 1 FROM snapshot s"
		      " WHERE s.host_id = span.host_id AND s.seq BETWEEN span.first_seq"
		      " AND span.last_seq)", &r->spans, err))
		return -1;
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		char sql[160];

		/* Table names and kinds are our own constants, not user data. */
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id NOT IN"
			 " (SELECT object_id FROM span WHERE kind = %d)", kh_span_kinds[k]->name, k);
		if (sweep(st, sql, rows[k], err))
			return -1;
	}
	/* A size row lasts until its object's next one, so it goes only with its object. */
	if (sweep(st, "DELETE FROM size WHERE NOT CASE kind"
		      " WHEN 1 THEN EXISTS (SELECT 1 FROM pool WHERE id = object_id)"
		      " WHEN 2 THEN EXISTS (SELECT 1 FROM volume WHERE id = object_id)"
		      " ELSE 0 END", &r->sizes, err))
		return -1;
	xml_sql = with_xml_refs(REACHED_XML, REACHED_XML_END " DELETE FROM xml"
				" WHERE id NOT IN (SELECT x FROM reached)");
	rc = sweep(st, xml_sql, &r->xml, err);
	free(xml_sql);
	return rc;
}

/* A dry run prunes a copy in memory: it only reads the file, so it works on a full disk
 * or a read-only database, and holds no write lock. */
static int prune_copy(struct kh_store *st, const struct kh_retention *keep,
		      struct kh_prune_result *out, struct kh_err *err)
{
	struct kh_store copy = { .path = st->path };
	sqlite3_backup *b;
	int rc;

	if (sqlite3_open(":memory:", &copy.db) != SQLITE_OK) {
		sqlite3_close(copy.db);
		return kh_err_set(err, "cannot make a copy in memory for --dry-run");
	}
	b = sqlite3_backup_init(copy.db, "main", st->db, "main");
	if (b == NULL) {
		rc = kh_store_db_error(&copy, err, "cannot read it for --dry-run");
	} else {
		sqlite3_backup_step(b, -1);
		rc = sqlite3_backup_finish(b) == SQLITE_OK ? 0
			: kh_store_db_error(&copy, err, "cannot read it for --dry-run");
	}
	if (rc == 0)
		rc = kh_store_prune(&copy, keep, 0, out, err);
	for (int i = 0; i < S_MAX; i++)
		sqlite3_finalize(copy.stmt[i]);
	sqlite3_close(copy.db);
	return rc;
}

int kh_store_prune(struct kh_store *st, const struct kh_retention *keep, int dry_run,
		   struct kh_prune_result *out, struct kh_err *err)
{
	struct kh_snapshot_info *v = NULL;
	size_t n = 0, cap = 0;
	char *marks = NULL;

	memset(out, 0, sizeof *out);
	if (dry_run)
		return prune_copy(st, keep, out, err);
	if (kh_store_exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	if (kh_store_list(st, NULL, INT64_MIN, INT64_MAX, &v, &n, err))
		goto fail;
	marks = kh_calloc(n ? n : 1, 1);
	choose(keep, v, n, marks);
	for (size_t i = 0; i < n; i++) {
		if (marks[i]) {
			out->kept++;
			continue;
		}
		if (delete_snapshot(st, v[i].id, err))
			goto fail;
		/* Moved into the result: v[i] no longer owns its strings. */
		*KH_PUSH(out->removed, out->n_removed, cap) = v[i];
		memset(&v[i], 0, sizeof v[i]);
	}
	if (sweep_unreferenced(st, out, err))
		goto fail;
	if (kh_store_exec(st, "COMMIT", err))
		goto fail;
	kh_snapshot_infos_free(v, n);
	free(marks);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_snapshot_infos_free(v, n);
	free(marks);
	kh_prune_result_clear(out);
	return -1;
}

/* One snapshot taken by mistake. When it was its host's latest, the one before becomes the
 * latest: the spans it ends are opened again (as a put does after a prune) and the size rows
 * past it, which only the forgotten one read, go, so that the next snapshot starts clean. */
int kh_store_forget(struct kh_store *st, int64_t id, struct kh_prune_result *out,
		    struct kh_err *err)
{
	int64_t host = 0, seq = 0, latest = 0, before = 0;
	struct kh_snapshot_info *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (kh_store_exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	if (sqlite3_prepare_v2(st->db, "SELECT host_id, seq, (SELECT max(seq) FROM snapshot p"
			       " WHERE p.host_id = s.host_id), (SELECT max(seq) FROM snapshot p"
			       " WHERE p.host_id = s.host_id AND p.seq < s.seq)"
			       " FROM snapshot s WHERE id = ?", -1, &s, NULL) != SQLITE_OK) {
		kh_store_db_error(st, err, "cannot read snapshots");
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	if (kh_store_step_row(st, s, "cannot read snapshots", err, "no snapshot %lld",
			      (long long)id)) {
		sqlite3_finalize(s);
		goto fail;
	}
	host = sqlite3_column_int64(s, 0);
	seq = sqlite3_column_int64(s, 1);
	latest = sqlite3_column_int64(s, 2);
	before = sqlite3_column_int64(s, 3); /* 0: none */
	sqlite3_finalize(s);
	if (kh_store_list(st, NULL, INT64_MIN, INT64_MAX, &v, &n, err))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id) {
			*KH_PUSH(out->removed, out->n_removed, cap) = v[i];
			memset(&v[i], 0, sizeof v[i]);
		}
	out->kept = (int64_t)n - 1;
	if (delete_snapshot(st, id, err))
		goto fail;
	if (seq == latest && before) {
		if ((s = kh_store_stmt(st, S_SPANS_REOPEN, err)) == NULL)
			goto fail;
		sqlite3_bind_int64(s, 1, host);
		sqlite3_bind_int64(s, 2, before);
		if (sqlite3_step(s) != SQLITE_DONE) {
			kh_store_db_error(st, err, "cannot reopen spans");
			goto fail;
		}
		if (sqlite3_prepare_v2(st->db, "DELETE FROM size WHERE seq > ?2 AND EXISTS"
				       " (SELECT 1 FROM span WHERE span.host_id = ?1"
				       " AND span.kind = size.kind AND span.object_id = size.object_id)",
				       -1, &s, NULL) != SQLITE_OK) {
			kh_store_db_error(st, err, "cannot delete sizes");
			goto fail;
		}
		sqlite3_bind_int64(s, 1, host);
		sqlite3_bind_int64(s, 2, before);
		rc = sqlite3_step(s);
		out->sizes += sqlite3_changes(st->db);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			kh_store_db_error(st, err, "cannot delete sizes");
			goto fail;
		}
	}
	if (sweep_unreferenced(st, out, err))
		goto fail;
	/* a host with no snapshot left is no host */
	if (!before && seq == latest) {
		if (sqlite3_prepare_v2(st->db, "DELETE FROM host WHERE id = ?", -1, &s, NULL) !=
		    SQLITE_OK) {
			kh_store_db_error(st, err, "cannot delete its host");
			goto fail;
		}
		sqlite3_bind_int64(s, 1, host);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			kh_store_db_error(st, err, "cannot delete its host");
			goto fail;
		}
	}
	if (kh_store_exec(st, "COMMIT", err))
		goto fail;
	kh_snapshot_infos_free(v, n);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_snapshot_infos_free(v, n);
	kh_prune_result_clear(out);
	return -1;
}

void kh_prune_result_clear(struct kh_prune_result *r)
{
	kh_snapshot_infos_free(r->removed, r->n_removed);
	memset(r, 0, sizeof *r);
}

static int file_size(struct kh_store *st, int64_t *bytes, struct kh_err *err)
{
	int64_t pages, size;

	if (kh_store_int(st, "PRAGMA page_count", &pages, err) ||
	    kh_store_int(st, "PRAGMA page_size", &size, err))
		return -1;
	*bytes = pages * size;
	return 0;
}

int kh_store_vacuum(struct kh_store *st, int64_t *before, int64_t *after, struct kh_err *err)
{
	if (file_size(st, before, err))
		return -1;
	if (sqlite3_exec(st->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot vacuum");
	/* The rewritten pages went through the WAL: fold them in and give the space back. */
	if (sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot checkpoint");
	return file_size(st, after, err);
}

/* --- check --- */

struct problems {
	char **v;
	size_t n, cap;
};

static void problem(struct problems *p, char *msg)
{
	*KH_PUSH(p->v, p->n, p->cap) = msg;
}

/* Runs sql; each row becomes one problem, formatted from its columns by fmt. A query that
 * fails (a damaged file) is a problem too. */
static void each_row(struct kh_store *st, struct problems *p, const char *sql,
		     char *(*fmt)(sqlite3_stmt *))
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		problem(p, kh_asprintf("cannot check: %s", sqlite3_errmsg(st->db)));
		sqlite3_finalize(s);
		return;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *m = fmt(s);

		if (m)
			problem(p, m);
	}
	if (rc != SQLITE_DONE)
		problem(p, kh_asprintf("cannot check: %s", sqlite3_errmsg(st->db)));
	sqlite3_finalize(s);
}

static const char *col(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "NULL";
}

static char *fmt_integrity(sqlite3_stmt *s)
{
	char *line, *m;

	if (strcmp(col(s, 0), "ok") == 0)
		return NULL;
	line = kh_store_one_line(col(s, 0));
	m = kh_asprintf("integrity: %s", line);
	free(line);
	return m;
}

static char *fmt_foreign(sqlite3_stmt *s)
{
	return kh_asprintf("foreign key: %s row %s refers to a missing %s row", col(s, 0),
			   col(s, 1), col(s, 2));
}

static char *fmt_span_object(sqlite3_stmt *s)
{
	int64_t kind = sqlite3_column_int64(s, 1);

	if (kind < 0 || kind > 3)
		return kh_asprintf("span %s: unknown kind %s", col(s, 0), col(s, 1));
	return kh_asprintf("span %s: %s row %s does not exist", col(s, 0), kh_span_kinds[kind]->name,
			   col(s, 2));
}

static char *fmt_span_empty(sqlite3_stmt *s)
{
	return kh_asprintf("span %s: covers no snapshot (seq %s to %s of host %s)", col(s, 0),
			   col(s, 1), col(s, 2), col(s, 3));
}

static char *fmt_host(sqlite3_stmt *s)
{
	return kh_asprintf("%s %s: host %s does not exist", col(s, 0), col(s, 1), col(s, 2));
}

static char *fmt_xml_missing(sqlite3_stmt *s)
{
	return kh_asprintf("%s row %s: XML %s does not exist", col(s, 0), col(s, 1), col(s, 2));
}

static char *fmt_orphan(sqlite3_stmt *s)
{
	return kh_asprintf("%s row %s: in no snapshot (no span holds it)", col(s, 0), col(s, 1));
}

static char *fmt_xml_orphan(sqlite3_stmt *s)
{
	return kh_asprintf("XML %s: referenced by nothing", col(s, 0));
}

/* Every XML body decompresses and is the text its hash says; one that does not is named
 * with an object that references it (looked up only then: it is a scan). */
static void check_bodies(struct kh_store *st, struct problems *p)
{
	sqlite3_stmt *s, *who = NULL;
	char *sql = with_xml_refs("SELECT t, id, name FROM (", ") WHERE x = ? LIMIT 1");
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT id FROM xml ORDER BY id", -1, &s, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(st->db, sql, -1, &who, NULL) != SQLITE_OK) {
		problem(p, kh_asprintf("cannot check: %s", sqlite3_errmsg(st->db)));
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct kh_err err;

		if (kh_body_verify(st, id, &err) == 0)
			continue;
		sqlite3_bind_int64(who, 1, id);
		if (sqlite3_step(who) == SQLITE_ROW)
			problem(p, kh_asprintf("%s row %s (%s): %s", col(who, 0), col(who, 1),
					       col(who, 2), err.msg));
		else /* referenced by nothing, or only a base */
			problem(p, kh_strdup(err.msg));
		sqlite3_reset(who);
	}
	if (rc != SQLITE_DONE)
		problem(p, kh_asprintf("cannot check: %s", sqlite3_errmsg(st->db)));
out:
	sqlite3_finalize(s);
	sqlite3_finalize(who);
	free(sql);
}

void kh_store_check(struct kh_store *st, char ***problems, size_t *n)
{
	struct problems p = { 0 };
	char *sql;

	each_row(st, &p, "PRAGMA integrity_check", fmt_integrity);
	each_row(st, &p, "PRAGMA foreign_key_check", fmt_foreign);
	/* kvmhist's own invariants: what a snapshot is read from must be there. */
	each_row(st, &p,
		 "SELECT id, kind, object_id FROM span WHERE NOT CASE kind"
		 " WHEN 0 THEN EXISTS (SELECT 1 FROM domain WHERE id = object_id)"
		 " WHEN 1 THEN EXISTS (SELECT 1 FROM pool WHERE id = object_id)"
		 " WHEN 2 THEN EXISTS (SELECT 1 FROM volume WHERE id = object_id)"
		 " WHEN 3 THEN EXISTS (SELECT 1 FROM network WHERE id = object_id)"
		 " ELSE 0 END ORDER BY id", fmt_span_object);
	each_row(st, &p,
		 "SELECT 'snapshot', id, host_id FROM snapshot"
		 " WHERE host_id NOT IN (SELECT id FROM host)"
		 " UNION ALL SELECT 'span', id, host_id FROM span"
		 " WHERE host_id NOT IN (SELECT id FROM host)", fmt_host);
	sql = with_xml_refs("SELECT t, id, x FROM (", ") WHERE x IS NOT NULL"
			    " AND x NOT IN (SELECT id FROM xml) ORDER BY t, id");
	each_row(st, &p, sql, fmt_xml_missing);
	free(sql);
	/* And what prune promises: nothing kept that no snapshot can reach. */
	each_row(st, &p,
		 "SELECT id, first_seq, last_seq, host_id FROM span WHERE first_seq > last_seq"
		 " OR NOT EXISTS (SELECT 1 FROM snapshot s WHERE s.host_id = span.host_id"
		 " AND s.seq BETWEEN span.first_seq AND span.last_seq) ORDER BY id",
		 fmt_span_empty);
	each_row(st, &p,
		 "SELECT 'domain', id FROM domain WHERE id NOT IN"
		 " (SELECT object_id FROM span WHERE kind = 0)"
		 " UNION ALL SELECT 'pool', id FROM pool WHERE id NOT IN"
		 " (SELECT object_id FROM span WHERE kind = 1)"
		 " UNION ALL SELECT 'volume', id FROM volume WHERE id NOT IN"
		 " (SELECT object_id FROM span WHERE kind = 2)"
		 " UNION ALL SELECT 'network', id FROM network WHERE id NOT IN"
		 " (SELECT object_id FROM span WHERE kind = 3)", fmt_orphan);
	each_row(st, &p,
		 "SELECT CASE kind WHEN 1 THEN 'size of pool' ELSE 'size of volume' END,"
		 " object_id FROM size WHERE NOT CASE kind"
		 " WHEN 1 THEN EXISTS (SELECT 1 FROM pool WHERE id = object_id)"
		 " WHEN 2 THEN EXISTS (SELECT 1 FROM volume WHERE id = object_id)"
		 " ELSE 0 END ORDER BY kind, object_id", fmt_orphan);
	sql = with_xml_refs(REACHED_XML, REACHED_XML_END " SELECT id FROM xml"
			    " WHERE id NOT IN (SELECT x FROM reached) ORDER BY id");
	each_row(st, &p, sql, fmt_xml_orphan);
	free(sql);
	check_bodies(st, &p);
	*problems = p.v;
	*n = p.n;
}

void kh_problems_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
