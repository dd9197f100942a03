/* Domain lifecycles: each domain version's span already says from which to which snapshot of
 * its host it was seen, so a domain's whole life is its versions' spans in order. */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

/* One row per domain version, grouped by host and identity (the UUID as compared: lower
 * case, no dashes), in the order they were first seen. The snapshot after a span's last
 * one is where a removal shows. One query per command, so it is not cached. */
static const char lives_sql[] =
	/* an open span reaches the host's latest snapshot */
	"WITH spans AS (SELECT id, host_id, kind, object_id, first_seq,"
	"  CASE WHEN last_seq = " KH_SPAN_OPEN_SQL " THEN (SELECT max(seq) FROM snapshot s"
	"   WHERE s.host_id = span.host_id) ELSE last_seq END AS last_seq"
	"  FROM span WHERE kind = 0)"
	"SELECT h.uri, CASE WHEN d.uuid IS NULL THEN 'n:' || coalesce(d.name, '')"
	"  ELSE 'u:' || lower(replace(d.uuid, '-', '')) END AS ident,"
	" d.uuid, d.name, sp.first_seq, sp.last_seq, sf.id, sf.taken_at, sl.id, sl.taken_at,"
	" sn.id, sn.taken_at,"
	" (SELECT max(seq) FROM snapshot WHERE host_id = sp.host_id)"
	" FROM spans sp JOIN domain d ON d.id = sp.object_id JOIN host h ON h.id = sp.host_id"
	" JOIN snapshot sf ON sf.host_id = sp.host_id AND sf.seq = sp.first_seq"
	" JOIN snapshot sl ON sl.host_id = sp.host_id AND sl.seq = sp.last_seq"
	" LEFT JOIN snapshot sn ON sn.host_id = sp.host_id AND sn.seq = sp.last_seq + 1"
	" WHERE sp.kind = 0 AND (?1 IS NULL OR h.uri = ?1 OR EXISTS"
	"  (SELECT 1 FROM snapshot s WHERE s.host_id = h.id AND s.hostname = ?1))"
	" ORDER BY h.uri, ident, sp.first_seq, sp.id";

static void event(struct kh_domain_life *l, const char *what, int64_t snapshot, int64_t at,
		  const char *name, const char *old_name)
{
	struct kh_domain_event *e = KH_PUSH(l->events, l->n_events, l->cap_events);

	e->event = what;
	e->snapshot = snapshot;
	e->at = at;
	e->name = kh_strdup(name);
	e->old_name = kh_strdup(old_name);
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int cmp_life(const void *x, const void *y)
{
	const struct kh_domain_life *a = x, *b = y;
	int c = strcmp(a->uri, b->uri);

	if (c == 0)
		c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
	return c ? c : strcmp(a->uuid ? a->uuid : "", b->uuid ? b->uuid : "");
}

int kh_store_domain_lives(struct kh_store *st, const char *host, struct kh_domain_life **out,
			  size_t *n, struct kh_err *err)
{
	struct kh_domain_life *v = NULL, *l = NULL;
	char *ident = NULL;
	int64_t covered = 0, next_id = 0, next_at = 0, host_last = 0;
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, lives_sql, -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read domains");
	kh_bind_text(s, 1, host);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *uri = (const char *)sqlite3_column_text(s, 0);
		const char *id = (const char *)sqlite3_column_text(s, 1);
		const char *name = (const char *)sqlite3_column_text(s, 3);
		int64_t first = sqlite3_column_int64(s, 4), last = sqlite3_column_int64(s, 5);

		if (l == NULL || strcmp(l->uri, uri) != 0 || strcmp(ident, id) != 0) {
			if (l)
				l->present = covered == host_last;
			if (l && !l->present)
				event(l, "removed", next_id, next_at, l->name, NULL);
			l = KH_PUSH(v, *n, cap);
			l->uri = kh_strdup(uri);
			l->uuid = kh_col_text(s, 2);
			l->name = kh_strdup(name);
			l->first_snapshot = sqlite3_column_int64(s, 6);
			l->first_seen = sqlite3_column_int64(s, 7);
			free(ident);
			ident = kh_strdup(id);
			covered = 0;
		} else {
			if (first > covered + 1) {
				event(l, "removed", next_id, next_at, l->name, NULL);
				event(l, "re-added", sqlite3_column_int64(s, 6),
				      sqlite3_column_int64(s, 7), name, NULL);
			}
			if (!same(name, l->name))
				event(l, "renamed", sqlite3_column_int64(s, 6),
				      sqlite3_column_int64(s, 7), name, l->name);
			free(l->name);
			l->name = kh_strdup(name);
		}
		if (last > covered) {
			covered = last;
			l->last_snapshot = sqlite3_column_int64(s, 8);
			l->last_seen = sqlite3_column_int64(s, 9);
			next_id = sqlite3_column_int64(s, 10); /* 0 (NULL) when none follows */
			next_at = sqlite3_column_int64(s, 11);
		}
		host_last = sqlite3_column_int64(s, 12);
	}
	if (l) {
		l->present = covered == host_last;
		if (!l->present)
			event(l, "removed", next_id, next_at, l->name, NULL);
	}
	free(ident);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		kh_domain_lives_free(v, *n);
		*n = 0;
		return kh_store_db_error(st, err, "cannot read domains");
	}
	if (*n)
		qsort(v, *n, sizeof *v, cmp_life);
	*out = v;
	return 0;
}

int kh_store_domain_uuids(struct kh_store *st, const char *name, char ***out, size_t *n,
			  struct kh_err *err)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT DISTINCT uuid FROM domain WHERE name = ?"
				       " AND uuid IS NOT NULL ORDER BY uuid",
			       -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read domains");
	kh_bind_text(s, 1, name);
	rc = kh_store_step_texts(st, s, out, n, "cannot read domains", err);
	sqlite3_finalize(s);
	return rc;
}
