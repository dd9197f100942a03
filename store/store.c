#include "store/store.h"
#include "store/internal.h"
#include "store/schema.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long a command waits for another's write lock: cron runs may overlap. */
#define KH_BUSY_MS 60000

static const char *const stmt_sql[S_MAX] = {
	[S_HOST_FIND] = "SELECT id FROM host WHERE uri = ?",
	[S_HOST_ADD] = "INSERT INTO host(uri) VALUES (?)",
	/* The latest snapshot's seq, and the highest seq any span reaches: after a prune they
	 * differ, and a new seq must lie past both so that no old span covers it. */
	[S_SEQ_MAX] = "SELECT coalesce(max(seq), 0), (SELECT coalesce(max(last_seq), 0) FROM span"
		      " INDEXED BY span_host_kind_last WHERE host_id = ?1"
		      " AND last_seq < " KH_SPAN_OPEN_SQL ") FROM snapshot WHERE host_id = ?1",
	[S_SPAN_ADD] = "INSERT INTO span(host_id, kind, object_id, first_seq, last_seq)"
		       " VALUES (?, ?, ?, ?, ?)",
	[S_SPAN_END] = "UPDATE span SET last_seq = ? WHERE id = ?",
	/* Closed spans of versions in snapshot ?2: only where later snapshots were pruned. */
	[S_SPANS_REOPEN] = "UPDATE span INDEXED BY span_host_kind_last"
			   " SET last_seq = " KH_SPAN_OPEN_SQL " WHERE host_id = ?1"
			   " AND kind IN (0, 1, 2, 3) AND last_seq >= ?2"
			   " AND last_seq < " KH_SPAN_OPEN_SQL " AND first_seq <= ?2",
	[S_PREVIOUS] = "SELECT p.id FROM snapshot s JOIN snapshot p ON p.host_id = s.host_id"
		       " AND (p.taken_at < s.taken_at OR (p.taken_at = s.taken_at AND p.id < s.id))"
		       " WHERE s.id = ? ORDER BY p.taken_at DESC, p.id DESC LIMIT 1",
#define COUNT(kind) " (SELECT count(*) FROM span INDEXED BY span_host_kind_last" \
		    " WHERE host_id = s.host_id AND kind = " kind \
		    " AND last_seq >= s.seq AND first_seq <= s.seq)"
#define HOST_MATCHES " (?1 IS NULL OR h.uri = ?1 OR s.hostname = ?1)"
	[S_LIST] = "SELECT s.id, s.taken_at, h.uri, s.hostname, s.host_uuid,"
		   COUNT("0") "," COUNT("1") "," COUNT("2") "," COUNT("3")
		   " FROM snapshot s JOIN host h ON h.id = s.host_id WHERE" HOST_MATCHES
		   " AND s.taken_at BETWEEN ?2 AND ?3 ORDER BY s.taken_at, s.id",
	[S_SCAN_RANGE] = "SELECT s.host_id, min(s.seq), max(s.seq) FROM snapshot s"
			 " JOIN host h ON h.id = s.host_id WHERE h.uri = ? AND s.taken_at BETWEEN ? AND ?",
	[S_SIZE_ADD] = "INSERT INTO size(kind, object_id, seq, allocation, extra)"
		       " VALUES (?, ?, ?, ?, ?)",
	[S_URIS] = "SELECT h.uri FROM snapshot s JOIN host h ON h.id = s.host_id WHERE" HOST_MATCHES
		   " AND s.taken_at BETWEEN ?2 AND ?3 GROUP BY h.id ORDER BY min(s.taken_at), h.id",
	[S_EXISTS] = "SELECT taken_at FROM snapshot WHERE id = ?",
	[S_LATEST] = "SELECT s.id, h.uri FROM snapshot s JOIN host h ON h.id = s.host_id"
		     " WHERE" HOST_MATCHES " ORDER BY s.taken_at DESC, s.id DESC LIMIT 1",
	[S_LATEST_N] = "SELECT s.id FROM snapshot s JOIN host h ON h.id = s.host_id"
		       " WHERE h.uri = ? ORDER BY s.taken_at DESC, s.id DESC LIMIT 1 OFFSET ?",
	[S_AT_OR_BEFORE] = "SELECT s.id FROM snapshot s JOIN host h ON h.id = s.host_id"
			   " WHERE" HOST_MATCHES " AND s.taken_at <= ?2"
			   " ORDER BY s.taken_at DESC, s.id DESC LIMIT 1",
	[S_SNAP_DELETE] = "DELETE FROM snapshot WHERE id = ?",
#undef COUNT
#undef HOST_MATCHES
};


/* A full disk: SQLITE_FULL, or an I/O error whose cause was ENOSPC. */
static int no_space(sqlite3 *db)
{
	return (sqlite3_errcode(db) & 0xff) == SQLITE_FULL ||
	       ((sqlite3_errcode(db) & 0xff) == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC);
}

/* What to do about a full disk, exactly: SQLite's journal may need as much as the
 * database itself (a prune rewrites most pages), and opening it 32 KiB for the -shm. */
static const char *free_hint(const char *path, char *buf, size_t n)
{
	struct stat sb;
	char size[32];

	kh_size_format((stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0) + 32768, size,
		       sizeof size);
	snprintf(buf, n, "free %s where it is (its size and 32 KiB: what SQLite's journal may "
		 "need) and run it again", size);
	return buf;
}

int kh_store_db_error(struct kh_store *st, struct kh_err *err, const char *what)
{
	char hint[200];

	if (no_space(st->db))
		return kh_err_set(err, "database '%s': %s: database or disk is full; nothing was "
				  "changed: %s", st->path, what, free_hint(st->path, hint, sizeof hint));
	return kh_err_set(err, "database '%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

sqlite3_stmt *kh_store_cached(struct kh_store *st, sqlite3_stmt **slot, const char *sql,
			      struct kh_err *err)
{
	if (*slot == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot,
				       NULL) != SQLITE_OK) {
			kh_store_db_error(st, err, "cannot prepare a statement");
			return NULL;
		}
	} else {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
	}
	return *slot;
}

sqlite3_stmt *kh_store_stmt(struct kh_store *st, enum stmt_id id, struct kh_err *err)
{
	return kh_store_cached(st, &st->stmt[id], stmt_sql[id], err);
}

int kh_store_step_int(struct kh_store *st, sqlite3_stmt *s, int64_t *out, const char *what,
		      struct kh_err *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		kh_store_db_error(st, err, what);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int kh_store_step_row(struct kh_store *st, sqlite3_stmt *s, const char *what,
		      struct kh_err *err, const char *missing, ...)
{
	int rc = sqlite3_step(s);
	va_list ap;

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		va_start(ap, missing);
		kh_err_vset(err, missing, ap);
		va_end(ap);
	} else
		kh_store_db_error(st, err, what);
	sqlite3_reset(s);
	return -1;
}

int kh_store_step_texts(struct kh_store *st, sqlite3_stmt *s, char ***out, size_t *n,
			const char *what, struct kh_err *err)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*KH_PUSH(*out, *n, cap) = kh_col_text(s, 0);
	if (rc != SQLITE_DONE)
		kh_store_db_error(st, err, what);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 0;
	for (size_t i = 0; i < *n; i++)
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int kh_store_exec(struct kh_store *st, const char *sql, struct kh_err *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot update");
	return 0;
}

int kh_store_int(struct kh_store *st, const char *sql, int64_t *out, struct kh_err *err)
{
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read");
	rc = kh_store_step_int(st, s, out, "cannot read", err);
	sqlite3_finalize(s);
	return rc < 0 ? -1 : 0;
}

char *kh_store_one_line(const char *finding)
{
	static const char head[] = "*** in database main ***\n";
	struct kh_buf b = { 0 };

	if (strncmp(finding, head, sizeof head - 1) == 0)
		finding += sizeof head - 1;
	for (const char *p = finding; *p; p++) {
		if (*p == '\n')
			kh_buf_puts(&b, "; ");
		else
			kh_buf_add(&b, p, 1);
	}
	return kh_buf_steal(&b);
}

static int damaged(const char *path, const char *finding, struct kh_err *err)
{
	char *line = kh_store_one_line(finding);

	kh_err_set(err, "database '%s' is damaged (%s); nothing was written, see 'kvmhist check'",
		   path, line);
	free(line);
	return -1;
}

/* Reads the first checks; a file SQLite cannot read as a database is not ours, one whose
 * pages are broken is damaged. */
static int pragma_int(struct kh_store *st, const char *sql, int64_t *out, struct kh_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*out = 0;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			*out = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_CORRUPT)
		return damaged(st->path, sqlite3_errstr(rc), err);
	if (no_space(st->db)) {
		char hint[200];

		st->full = 1;
		return kh_err_set(err, "cannot open database '%s': no space left on its disk: %s",
				  st->path, free_hint(st->path, hint, sizeof hint));
	}
	return kh_err_set(err, "'%s' is not a kvmhist database (%s)", st->path,
			  sqlite3_errstr(rc));
}

/* mkdir -p for the database's directory; new directories are private (0700). */
static int make_parent_dirs(const char *path, struct kh_err *err)
{
	char *dir = kh_strdup(path);
	int rc = 0;

	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = kh_err_set(err, "cannot create directory '%s': %s", dir, strerror(errno));
		*p = '/';
		if (rc)
			break;
	}
	free(dir);
	return rc;
}

static int migrate(struct kh_store *st, struct kh_err *err)
{
	int64_t from;
	char sql[128];

	if (kh_store_exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	/* Read again under the write lock: a concurrent first collect may have migrated. */
	if (pragma_int(st, "PRAGMA user_version", &from, err))
		goto fail;
	for (int v = (int)from + 1; v <= KH_SCHEMA_VERSION; v++) {
		if (kh_store_exec(st, kh_schema_migration(v), err) || kh_schema_step(st, v, err))
			goto fail;
	}
	/* Pragmas take no bound parameters; these are our own integers. */
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 KH_APPLICATION_ID, KH_SCHEMA_VERSION);
	if (kh_store_exec(st, sql, err) || kh_store_exec(st, "COMMIT", err))
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_body_forget(st);
	return kh_err_prefix(err, "cannot upgrade schema from version %d", (int)from);
}

/* The first problem PRAGMA quick_check finds, so nothing is written into a damaged file. */
static int quick_check(sqlite3 *db, const char *path, struct kh_err *err)
{
	sqlite3_stmt *s = NULL;
	const char *what = NULL;
	int rc, ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &s, NULL) == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			what = (const char *)sqlite3_column_text(s, 0);
		ok = what && strcmp(what, "ok") == 0;
	}
	if (!ok)
		damaged(path, what ? what : sqlite3_errmsg(db), err);
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

int kh_store_verify(struct kh_store *st, struct kh_err *err)
{
	sqlite3 *db = NULL;
	int rc;

	if (!st->unverified)
		return 0;
	if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = kh_err_set(err, "cannot open database '%s': %s", st->path,
				db ? sqlite3_errmsg(db) : "out of memory");
	} else {
		sqlite3_busy_timeout(db, KH_BUSY_MS);
		rc = quick_check(db, st->path, err);
	}
	sqlite3_close(db);
	if (rc == 0)
		st->unverified = 0;
	return rc;
}

/* Switching to WAL needs the file to itself and, unlike a transaction, does not wait for the
 * busy handler: racing first collects would see "database is locked". Wait as long as the
 * busy timeout would. */
static int set_wal(struct kh_store *st, struct kh_err *err)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < KH_BUSY_MS / 10; i++) {
		int rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		nanosleep(&pause, NULL);
	}
	return kh_store_db_error(st, err, "cannot switch to WAL");
}

static int creates(enum kh_open_mode mode)
{
	return mode == KH_OPEN_CREATE || mode == KH_OPEN_CREATE_VERIFY_LATER;
}

/* Recognises our database, a new empty one, or refuses, before anything is written. */
static int check_and_migrate(struct kh_store *st, enum kh_open_mode mode, int fresh,
			     int readonly, struct kh_err *err)
{
	int64_t app, version, tables;
	int rc;

	/* XML bodies are read through kh_xml (store/body.c) */
	if (kh_body_attach(st, err))
		return -1;
	/* One read transaction: a concurrent first collect commits all three at once. */
	if (kh_store_exec(st, "BEGIN", err))
		return -1;
	rc = pragma_int(st, "PRAGMA application_id", &app, err) ||
	     pragma_int(st, "PRAGMA user_version", &version, err) ||
	     pragma_int(st, "SELECT count(*) FROM sqlite_master", &tables, err);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc)
		return -1;
	if (app == 0 && version == 0 && tables == 0) {
		/* An SQLite file with nothing in it: a writer may make it ours (a concurrent
		 * first collect may just have made it WAL), a reader has nothing to read. */
		if (creates(mode))
			fresh = 1;
		else
			return kh_err_set(err, "'%s' is not a kvmhist database (it is empty)",
					  st->path);
	} else if (app != KH_APPLICATION_ID) {
		return kh_err_set(err, "'%s' is not a kvmhist database", st->path);
	} else if (version > KH_SCHEMA_VERSION) {
		return kh_err_set(err,
				  "'%s' was written by a newer kvmhist (schema %d; this one reads up to %d)",
				  st->path, (int)version, KH_SCHEMA_VERSION);
	}
	if (readonly) {
		if (version < KH_SCHEMA_VERSION)
			return kh_err_set(err, "database '%s' is read-only and needs an upgrade "
					  "(schema %d to %d): make it writable once", st->path,
					  (int)version, KH_SCHEMA_VERSION);
		return 0;
	}
	if (mode == KH_OPEN_CREATE_VERIFY_LATER && !fresh && version == KH_SCHEMA_VERSION)
		st->unverified = 1;
	else if (mode != KH_OPEN_EXISTING && !fresh && quick_check(st->db, st->path, err))
		return -1;
	/* WAL lets report and diff read while collect writes; it is a property of the file,
	 * set before the first table so that no half-made database lacks it. */
	if (fresh && set_wal(st, err))
		return -1;
	if (version < KH_SCHEMA_VERSION && migrate(st, err))
		return -1;
	return kh_store_exec(st, "PRAGMA foreign_keys = ON", err);
}

/* Root may write anything, so a missing write permission bit counts too: a file or
 * directory without one is the admin saying "do not touch". */
static int writable(const char *p, const struct stat *sb)
{
	return access(p, W_OK) == 0 && (sb->st_mode & 0222) != 0;
}

static void user_name(uid_t uid, char *buf, size_t n)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, n, "%s", pw->pw_name);
	else
		snprintf(buf, n, "uid %ld", (long)uid);
}

/* Not "unable to open database file": who is refused what, and by whose file. */
static int denied(struct kh_err *err, const char *what, const char *kind, const char *p,
		  const struct stat *sb)
{
	char me[64], owner[64];

	user_name(geteuid(), me, sizeof me);
	user_name(sb->st_uid, owner, sizeof owner);
	return kh_err_set(err, "permission denied: user '%s' may not %s %s '%s' (owner '%s', "
			  "mode %04o)", me, what, kind, p, owner, (unsigned)(sb->st_mode & 07777));
}

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return kh_strdup(".");
	return slash == path ? kh_strdup("/") : kh_strndup(path, (size_t)(slash - path));
}

/* SQLite's URI form of a path: every byte but unreserved ones and '/' percent-encoded. */
static char *file_uri(const char *path, const char *query)
{
	struct kh_buf b = { 0 };

	kh_buf_puts(&b, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p))
			kh_buf_add(&b, (const char *)p, 1);
		else
			kh_buf_printf(&b, "%%%02X", *p);
	}
	kh_buf_puts(&b, query);
	return kh_buf_steal(&b);
}

/* A database we may not write is still read, without leaving a -wal or -shm behind: with no
 * -wal there is no writer and nothing unmerged, so the file alone is the whole truth
 * (immutable); with one, SQLite reads through it. */
static int open_readonly(struct kh_store *st, struct kh_err *err)
{
	char *wal = kh_asprintf("%s-wal", st->path), *uri;
	int rc;

	if (access(wal, F_OK) == 0)
		uri = file_uri(st->path, "?mode=ro");
	else
		uri = file_uri(st->path, "?mode=ro&immutable=1");
	rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	free(wal);
	if (rc != SQLITE_OK)
		return kh_err_set(err, "cannot open database '%s': %s", st->path,
				  st->db ? sqlite3_errmsg(st->db) : "out of memory");
	return 0;
}

/* No schema committed: the header's user_version (offset 60) is 0 and no -wal holds a
 * commit that would change it. */
static int never_migrated(const char *path)
{
	unsigned char h[64] = { 0 };
	char *wal = kh_asprintf("%s-wal", path);
	struct stat sb;
	int fd, r = 0;

	if (stat(wal, &sb) == 0 && sb.st_size > 0)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	r = read(fd, h, sizeof h) >= 0 && !(h[60] | h[61] | h[62] | h[63]);
	close(fd);
out:
	free(wal);
	return r;
}

static int has_wal(const char *path)
{
	char *wal = kh_asprintf("%s-wal", path);
	int r = access(wal, F_OK) == 0;

	free(wal);
	return r;
}

static void unlink_companions(const char *path)
{
	static const char *const beside[] = { "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
		char *p = kh_asprintf("%s%s", path, beside[i]);

		unlink(p);
		free(p);
	}
}

static void remove_with_companions(const char *path)
{
	unlink(path);
	unlink_companions(path);
}

int kh_store_remove_unused(struct kh_store *st)
{
	struct kh_err err;
	int64_t n = 1;
	int r = 0;

	if (kh_store_exec(st, "BEGIN IMMEDIATE", &err) == 0 &&
	    kh_store_int(st, "SELECT count(*) FROM snapshot", &n, &err) == 0 && n == 0) {
		remove_with_companions(st->path);
		r = 1;
	}
	kh_store_close(st);
	return r;
}

/* What an existing database file lets us do. SQLite writes beside it (-wal, -shm), so its
 * directory counts too. */
enum writable_as { KH_RW, KH_RO_FILE, KH_RO_DIR };

/* An existing file: refused when it is a directory, one we may not read, or (when `mode`
 * writes) one we may not write. *fresh: an empty file a writer may make ours. */
static int check_existing(const char *path, const struct stat *sb, enum kh_open_mode mode,
			  enum writable_as *as, int *fresh, struct kh_err *err)
{
	struct stat dsb = { 0 };
	char *dir;
	int rc = 0;

	if (S_ISDIR(sb->st_mode))
		return kh_err_set(err, "database '%s' is a directory", path);
	*fresh = creates(mode) && sb->st_size == 0;
	if (access(path, R_OK) != 0 && errno == EACCES)
		return denied(err, "read", "database", path, sb);
	/* write bits for someone, but not for us: a permission, not a read-only file */
	if (mode != KH_OPEN_EXISTING && (sb->st_mode & 0222) && access(path, W_OK) != 0 &&
	    errno == EACCES)
		return denied(err, "write", "database", path, sb);
	dir = parent_dir(path);
	if (!writable(path, sb))
		*as = KH_RO_FILE;
	else if (stat(dir, &dsb) != 0 || !writable(dir, &dsb))
		*as = KH_RO_DIR;
	if (*as == KH_RW || mode == KH_OPEN_EXISTING)
		rc = 0;
	else if (*as == KH_RO_FILE)
		rc = kh_err_set(err, "database '%s' is read-only (mode %04o); nothing was written",
				path, (unsigned)(sb->st_mode & 07777));
	else if ((dsb.st_mode & 0222) && access(dir, W_OK) != 0 && errno == EACCES)
		rc = denied(err, "write in", "the directory", dir, &dsb);
	else
		rc = kh_err_set(err, "database '%s': its directory '%s' is not writable; nothing was written",
				path, dir);
	free(dir);
	return rc;
}

/* A file stat could not see (errno e), when it is there or may be. */
static int cannot_stat(const char *path, int e, struct kh_err *err)
{
	char *dir = parent_dir(path);
	struct stat dsb;

	if (e == EACCES && stat(dir, &dsb) == 0)
		denied(err, "enter", "the directory", dir, &dsb);
	else
		kh_err_set(err, "cannot open database '%s': %s", path, strerror(e));
	free(dir);
	return -1;
}

/* Creates the file here, not by SQLite, so that it is private from the first byte (0600, new
 * directories 0700). A concurrent first collect may win the race: then the file is theirs
 * to fill. *created: this call made it. */
static int create_file(const char *path, int *created, struct kh_err *err)
{
	int fd;

	if (make_parent_dirs(path, err))
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST)
		return kh_err_set(err, "cannot create database '%s': %s", path, strerror(errno));
	if (fd >= 0) {
		close(fd);
		*created = 1;
	}
	return 0;
}

/* The connection: read-only, leaving nothing beside the file, unless we may write. */
static int connect_db(struct kh_store *st, enum writable_as as, struct kh_err *err)
{
	if (as != KH_RW) {
		if (open_readonly(st, err))
			return -1;
	} else if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		return kh_err_set(err, "cannot open database '%s': %s", st->path,
				  st->db ? sqlite3_errmsg(st->db) : "out of memory");
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* Cron runs may overlap: wait for the other writer rather than fail. */
	sqlite3_busy_timeout(st->db, KH_BUSY_MS);
	return 0;
}

int kh_store_open(const char *path, enum kh_open_mode mode, struct kh_store **out,
		  struct kh_err *err)
{
	enum writable_as as = KH_RW;
	struct kh_store *st;
	struct stat sb;
	int created = 0, fresh = 0, had_wal, full;

	*out = NULL;
	if (stat(path, &sb) == 0) {
		if (check_existing(path, &sb, mode, &as, &fresh, err))
			return -1;
	} else if (errno != ENOENT) {
		return cannot_stat(path, errno, err);
	} else if (!creates(mode)) {
		return kh_err_set(err, "database '%s' does not exist (run 'kvmhist collect' first)",
				  path);
	} else {
		if (create_file(path, &created, err))
			return -1;
		fresh = 1;
	}
	st = kh_calloc(1, sizeof *st);
	st->path = kh_strdup(path);
	had_wal = has_wal(path);
	if (connect_db(st, as, err))
		goto fail;
	if (check_and_migrate(st, mode, fresh, as != KH_RW, err)) {
		/* a reader on a full disk reads the file alone, as a read-only one is read */
		if (!st->full || mode != KH_OPEN_EXISTING || as != KH_RW)
			goto fail;
		sqlite3_close(st->db);
		st->db = NULL;
		st->full = 0;
		if (!had_wal)
			unlink_companions(path); /* the empty ones this open made */
		if (open_readonly(st, err) || check_and_migrate(st, mode, fresh, 1, err))
			goto fail;
	}
	*out = st;
	return 0;
fail:
	full = st->full;
	kh_store_close(st);
	if (full && !had_wal)
		unlink_companions(path); /* the empty ones this open made */
	/* Ours and still without a schema (a full disk stopped the first one): nothing of
	 * anyone's is lost. A file another collect has begun to fill stays. */
	if (created && never_migrated(path))
		remove_with_companions(path);
	return -1;
}

void kh_store_close(struct kh_store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int i = 0; i < KH_N_KINDS; i++)
		for (int op = 0; op < KH_ROW_OPS; op++)
			sqlite3_finalize(st->rows[i][op]);
	kh_body_free(st);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

