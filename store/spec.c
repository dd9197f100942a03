/* SNAP and SPEC: the ways a user names a snapshot or a period bound. */
#include "store/internal.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_FORMS \
	"an id, latest, latest~N, a date (2026-11-20), a time (2026-11-20T03:00:00Z) or an age (36h, 7d, 2w)"

static int all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* "latest" → 0, "latest~N" → N; -1 when spec is not of that form. */
static long long latest_offset(const char *spec)
{
	if (strcmp(spec, "latest") == 0)
		return 0;
	if (strncmp(spec, "latest~", 7) == 0 && all_digits(spec + 7) && strlen(spec + 7) < 10)
		return atoll(spec + 7);
	return -1;
}

static int lookup_id(struct kh_store *st, int64_t id, int64_t *taken_at, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_EXISTS, err);
	int64_t t;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = kh_store_step_int(st, s, &t, "cannot read snapshots", err)) < 0)
		return -1;
	if (rc == 0)
		return kh_err_set(err, "no snapshot %lld", (long long)id);
	if (taken_at)
		*taken_at = t;
	return 0;
}

static const char *host_label(const char *host)
{
	return host ? host : "any host";
}

/* The snapshot N before the newest one of `uri`. */
static int nth_latest(struct kh_store *st, const char *spec, const char *uri, long long n,
		      int64_t *id, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_LATEST_N, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, n);
	if ((rc = kh_store_step_int(st, s, id, "cannot read snapshots", err)) != 0)
		return rc < 0 ? -1 : 0;
	return kh_err_set(err, "no snapshot '%s': '%s' has fewer than %lld snapshots", spec, uri,
			  n + 1);
}

/* latest~N: the Nth snapshot before the newest one, within the newest one's URI, so that
 * `diff latest~1 latest` compares one host with itself. */
static int resolve_latest(struct kh_store *st, const char *spec, long long n, const char *host,
			  int64_t *id, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_LATEST, err);
	char *uri = NULL;
	int rc;

	if (s == NULL)
		return -1;
	if (host)
		sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		uri = kh_col_text(s, 1);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return host ? kh_err_set(err, "no snapshots of host '%s'", host)
			    : kh_err_set(err, "no snapshots yet (run 'kvmhist collect' first)");
	if (rc != SQLITE_ROW)
		return kh_store_db_error(st, err, "cannot read snapshots");
	/* NULL only when SQLite ran out of memory (uri is NOT NULL): not "latest" then */
	if (uri == NULL)
		return kh_err_set(err, "database '%s': cannot read snapshots: out of memory",
				  st->path);
	rc = n == 0 ? 0 : nth_latest(st, spec, uri, n, id, err);
	free(uri);
	return rc;
}

static int at_or_before(struct kh_store *st, const char *spec, const char *host, int64_t t,
			int64_t *id, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_AT_OR_BEFORE, err);
	char when[KH_TIME_LEN];
	int rc;

	if (s == NULL)
		return -1;
	if (host)
		sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t);
	if ((rc = kh_store_step_int(st, s, id, "cannot read snapshots", err)) != 0)
		return rc < 0 ? -1 : 0;
	kh_time_format(t, when);
	return kh_err_set(err, "no snapshot '%s': none of %s was taken at or before %s", spec,
			  host_label(host), when);
}

/* A time or an age as seconds since the epoch; 1 when spec is neither. */
static int spec_time(const char *spec, int is_until, int64_t now, int64_t *t)
{
	int64_t age;
	int date_only;

	if (kh_time_parse(spec, t, &date_only) == 0) {
		if (date_only && is_until)
			*t += 86400 - 1;
		return 0;
	}
	if (kh_age_parse(spec, &age) == 0) {
		*t = now - age;
		return 0;
	}
	return 1;
}

int kh_store_resolve(struct kh_store *st, const char *spec, const char *host, int64_t now,
		     int64_t *id, struct kh_err *err)
{
	long long n;
	int64_t t;

	if (all_digits(spec)) {
		if (strlen(spec) > 18)
			return kh_err_set(err, "no snapshot %s", spec);
		*id = atoll(spec);
		return lookup_id(st, *id, NULL, err);
	}
	if ((n = latest_offset(spec)) >= 0)
		return resolve_latest(st, spec, n, host, id, err);
	if (spec_time(spec, 0, now, &t) == 0)
		return at_or_before(st, spec, host, t, id, err);
	return kh_err_set(err, "invalid snapshot '%s': expected " SPEC_FORMS, spec);
}

int kh_store_bound(struct kh_store *st, const char *spec, const char *host, int is_until,
		   int64_t now, int64_t *t, struct kh_err *err)
{
	int64_t id;

	if (spec_time(spec, is_until, now, t) == 0)
		return 0;
	if (all_digits(spec) || latest_offset(spec) >= 0) {
		if (kh_store_resolve(st, spec, host, now, &id, err))
			return -1;
		return lookup_id(st, id, t, err);
	}
	return kh_err_set(err, "invalid period bound '%s': expected " SPEC_FORMS, spec);
}

int kh_store_host_known(struct kh_store *st, const char *host, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_LATEST, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read snapshots");
	return rc == SQLITE_ROW;
}

int kh_store_taken_at(struct kh_store *st, const char *uri, int64_t t, int64_t *id,
		      struct kh_err *err)
{
	static const char sql[] = "SELECT s.id FROM snapshot s JOIN host h ON h.id = s.host_id"
				  " WHERE h.uri = ? AND s.taken_at = ? ORDER BY s.id LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read snapshots");
	sqlite3_bind_text(s, 1, uri, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t);
	rc = kh_store_step_int(st, s, id, "cannot read snapshots", err);
	sqlite3_finalize(s);
	return rc < 0 ? -1 : 0;
}

int kh_store_domain_in(struct kh_store *st, const char *host, int64_t from, int64_t to,
		       int64_t snap_id, const char *name, char **uuids, size_t n_uuids,
		       struct kh_err *err)
{
	static const char sql[] =
		"SELECT 1 FROM domain d JOIN span sp ON sp.kind = 0 AND sp.object_id = d.id"
		" JOIN snapshot s ON s.host_id = sp.host_id"
		"  AND s.seq BETWEEN sp.first_seq AND sp.last_seq"
		" JOIN host h ON h.id = s.host_id"
		" WHERE (d.name = ?1 OR d.uuid = ?2) AND s.taken_at BETWEEN ?3 AND ?4"
		" AND (?5 IS NULL OR h.uri = ?5 OR s.hostname = ?5) AND (?6 = 0 OR s.id = ?6)"
		" LIMIT 1";
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read domains");
	/* by its name, then by each UUID it had under that name (a rename is followed) */
	for (size_t i = 0; i <= n_uuids && rc == SQLITE_DONE; i++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		kh_bind_text(s, 2, i ? uuids[i - 1] : NULL);
		sqlite3_bind_int64(s, 3, from);
		sqlite3_bind_int64(s, 4, to);
		kh_bind_text(s, 5, host);
		sqlite3_bind_int64(s, 6, snap_id);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read domains");
	return rc == SQLITE_ROW;
}
