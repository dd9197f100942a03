#include "store/store.h"
#include "store/internal.h"
#include "store/schema.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const stmt_sql[S_MAX] = {
	[S_XML_FIND] = "SELECT id, body FROM xml WHERE hash = ?",
	[S_XML_ADD] = "INSERT INTO xml(hash, body) VALUES (?, ?)",
	[S_SNAP_ADD] = "INSERT INTO snapshot(taken_at, uri, hostname, host_uuid, hv_type,"
		       " libvirt_version, hv_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[S_DOMAIN_ADD] = "INSERT INTO domain(snapshot_id, name, uuid, state, vcpus, memory_kib,"
			 " max_memory_kib, autostart, persistent, os_type, xml_id, error)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_DISK_ADD] = "INSERT INTO disk(domain_id, target, device, type, source, pool, volume,"
		       " capacity, allocation, physical) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_IFACE_ADD] = "INSERT INTO iface(domain_id, mac, type, source, model)"
			" VALUES (?, ?, ?, ?, ?)",
	[S_POOL_ADD] = "INSERT INTO pool(snapshot_id, name, uuid, type, state, autostart,"
		       " persistent, capacity, allocation, available, path, xml_id, error)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_VOLUME_ADD] = "INSERT INTO volume(snapshot_id, pool, name, key, path, format, type,"
			 " capacity, allocation, physical, xml_id, error)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_NETWORK_ADD] = "INSERT INTO network(snapshot_id, name, uuid, active, autostart,"
			  " persistent, bridge, forward, ips, dhcp_ranges, xml_id, error)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_SNAP_GET] = "SELECT taken_at, uri, hostname, host_uuid, hv_type, libvirt_version,"
		       " hv_version FROM snapshot WHERE id = ?",
	[S_DOMAINS_GET] = "SELECT d.id, name, uuid, state, vcpus, memory_kib, max_memory_kib,"
			  " autostart, persistent, os_type, x.body, error FROM domain d"
			  " LEFT JOIN xml x ON x.id = d.xml_id WHERE snapshot_id = ? ORDER BY d.id",
	[S_DISKS_GET] = "SELECT domain_id, target, device, type, source, pool, volume, capacity,"
			" allocation, physical FROM disk WHERE domain_id IN"
			" (SELECT id FROM domain WHERE snapshot_id = ?) ORDER BY domain_id, rowid",
	[S_IFACES_GET] = "SELECT domain_id, mac, type, source, model FROM iface WHERE domain_id IN"
			 " (SELECT id FROM domain WHERE snapshot_id = ?) ORDER BY domain_id, rowid",
	[S_POOLS_GET] = "SELECT name, uuid, type, state, autostart, persistent, capacity,"
			" allocation, available, path, x.body, error FROM pool p"
			" LEFT JOIN xml x ON x.id = p.xml_id WHERE snapshot_id = ? ORDER BY p.rowid",
	[S_VOLUMES_GET] = "SELECT pool, name, key, path, format, type, capacity, allocation,"
			  " physical, x.body, error FROM volume v"
			  " LEFT JOIN xml x ON x.id = v.xml_id WHERE snapshot_id = ? ORDER BY v.rowid",
	[S_NETWORKS_GET] = "SELECT name, uuid, active, autostart, persistent, bridge, forward, ips,"
			   " dhcp_ranges, x.body, error FROM network n"
			   " LEFT JOIN xml x ON x.id = n.xml_id WHERE snapshot_id = ? ORDER BY n.rowid",
	[S_PREVIOUS] = "SELECT p.id FROM snapshot s JOIN snapshot p ON p.uri = s.uri"
		       " AND (p.taken_at < s.taken_at OR (p.taken_at = s.taken_at AND p.id < s.id))"
		       " WHERE s.id = ? ORDER BY p.taken_at DESC, p.id DESC LIMIT 1",
	[S_LIST] = "SELECT id, taken_at, uri, hostname, host_uuid,"
		   " (SELECT count(*) FROM domain WHERE snapshot_id = s.id),"
		   " (SELECT count(*) FROM pool WHERE snapshot_id = s.id),"
		   " (SELECT count(*) FROM volume WHERE snapshot_id = s.id),"
		   " (SELECT count(*) FROM network WHERE snapshot_id = s.id)"
		   " FROM snapshot s WHERE (?1 IS NULL OR uri = ?1 OR hostname = ?1)"
		   " AND taken_at BETWEEN ?2 AND ?3 ORDER BY taken_at, id",
	[S_EXISTS] = "SELECT taken_at FROM snapshot WHERE id = ?",
	[S_LATEST] = "SELECT id, uri FROM snapshot WHERE (?1 IS NULL OR uri = ?1 OR hostname = ?1)"
		     " ORDER BY taken_at DESC, id DESC LIMIT 1",
	[S_LATEST_N] = "SELECT id FROM snapshot WHERE uri = ? ORDER BY taken_at DESC, id DESC"
		       " LIMIT 1 OFFSET ?",
	[S_AT_OR_BEFORE] = "SELECT id FROM snapshot WHERE (?1 IS NULL OR uri = ?1 OR hostname = ?1)"
			   " AND taken_at <= ?2 ORDER BY taken_at DESC, id DESC LIMIT 1",
};


int kh_store_db_error(struct kh_store *st, struct kh_err *err, const char *what)
{
	return kh_err_set(err, "database '%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* A cached statement, reset and unbound, ready for use. */
sqlite3_stmt *kh_store_stmt(struct kh_store *st, enum stmt_id id, struct kh_err *err)
{
	if (st->stmt[id] == NULL) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->stmt[id], NULL) != SQLITE_OK) {
			kh_store_db_error(st, err, "cannot prepare a statement");
			return NULL;
		}
	} else {
		sqlite3_reset(st->stmt[id]);
		sqlite3_clear_bindings(st->stmt[id]);
	}
	return st->stmt[id];
}

static int exec(struct kh_store *st, const char *sql, struct kh_err *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot update");
	return 0;
}

static int pragma_int(struct kh_store *st, const char *sql, int64_t *out, struct kh_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_err_set(err, "'%s' is not a kvmhist database (%s)", st->path,
				  sqlite3_errstr(rc));
	return 0;
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

static int migrate(struct kh_store *st, int64_t from, struct kh_err *err)
{
	char sql[128];

	if (exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	for (int v = (int)from + 1; v <= KH_SCHEMA_VERSION; v++) {
		if (exec(st, kh_schema_migration(v), err))
			goto fail;
	}
	/* Pragmas take no bound parameters; these are our own integers. */
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 KH_APPLICATION_ID, KH_SCHEMA_VERSION);
	if (exec(st, sql, err) || exec(st, "COMMIT", err))
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return kh_err_prefix(err, "cannot upgrade schema from version %d", (int)from);
}

/* Recognises our database, a new empty one, or refuses, before anything is written. */
static int check_and_migrate(struct kh_store *st, int fresh, struct kh_err *err)
{
	int64_t app, version, tables;

	if (pragma_int(st, "PRAGMA application_id", &app, err) ||
	    pragma_int(st, "PRAGMA user_version", &version, err) ||
	    pragma_int(st, "SELECT count(*) FROM sqlite_master", &tables, err))
		return -1;
	if (app == 0 && version == 0 && tables == 0) {
		if (!fresh)
			return kh_err_set(err, "'%s' is not a kvmhist database (it is empty)",
					  st->path);
	} else if (app != KH_APPLICATION_ID) {
		return kh_err_set(err, "'%s' is not a kvmhist database", st->path);
	} else if (version > KH_SCHEMA_VERSION) {
		return kh_err_set(err,
				  "'%s' was written by a newer kvmhist (schema %d; this one reads up to %d)",
				  st->path, (int)version, KH_SCHEMA_VERSION);
	}
	if (version < KH_SCHEMA_VERSION && migrate(st, version, err))
		return -1;
	/* WAL lets report and diff read while collect writes; it is a property of the file. */
	if (fresh && exec(st, "PRAGMA journal_mode = WAL", err))
		return -1;
	return exec(st, "PRAGMA foreign_keys = ON", err);
}

int kh_store_open(const char *path, enum kh_open_mode mode, struct kh_store **out,
		  struct kh_err *err)
{
	struct kh_store *st;
	struct stat sb;
	int created = 0, fresh = 0, fd;

	*out = NULL;
	if (stat(path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return kh_err_set(err, "database '%s' is a directory", path);
		fresh = mode == KH_OPEN_CREATE && sb.st_size == 0;
	} else if (errno != ENOENT) {
		return kh_err_set(err, "cannot open database '%s': %s", path, strerror(errno));
	} else if (mode == KH_OPEN_EXISTING) {
		return kh_err_set(err, "database '%s' does not exist (run 'kvmhist collect' first)",
				  path);
	} else {
		if (make_parent_dirs(path, err))
			return -1;
		/* Created here, not by SQLite, so that it is private from the first byte. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return kh_err_set(err, "cannot create database '%s': %s", path,
					  strerror(errno));
		close(fd);
		created = fresh = 1;
	}

	st = kh_calloc(1, sizeof *st);
	st->path = kh_strdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		kh_err_set(err, "cannot open database '%s': %s", path,
			   st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* Cron runs may overlap: wait for the other writer rather than fail. */
	sqlite3_busy_timeout(st->db, 60000);
	if (check_and_migrate(st, fresh, err))
		goto fail;
	*out = st;
	return 0;
fail:
	kh_store_close(st);
	if (created)
		unlink(path);
	return -1;
}

void kh_store_close(struct kh_store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_MAX; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* --- writing --- */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_num(sqlite3_stmt *s, int i, int64_t v)
{
	if (v == KH_UNKNOWN)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

static void bind_id(sqlite3_stmt *s, int i, int64_t id)
{
	if (id)
		sqlite3_bind_int64(s, i, id);
	else
		sqlite3_bind_null(s, i);
}

static int step_done(struct kh_store *st, sqlite3_stmt *s, struct kh_err *err)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot write snapshot");
	return 0;
}

/* FNV-1a: only a lookup key; bodies are compared before one is reused. */
static int64_t text_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (int64_t)(h >> 1);
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
	bind_text(s, 2, body);
	if (step_done(st, s, err))
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int put_domain(struct kh_store *st, int64_t snap_id, const struct kh_domain *d,
		      struct kh_err *err)
{
	sqlite3_stmt *s;
	int64_t xml_id, dom_id;

	if (put_xml(st, d->xml, &xml_id, err) || (s = kh_store_stmt(st, S_DOMAIN_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap_id);
	bind_text(s, 2, d->name);
	bind_text(s, 3, d->uuid);
	bind_text(s, 4, d->state);
	bind_num(s, 5, d->vcpus);
	bind_num(s, 6, d->memory_kib);
	bind_num(s, 7, d->max_memory_kib);
	bind_num(s, 8, d->autostart);
	bind_num(s, 9, d->persistent);
	bind_text(s, 10, d->os_type);
	bind_id(s, 11, xml_id);
	bind_text(s, 12, d->error);
	if (step_done(st, s, err))
		return -1;
	dom_id = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct kh_disk *k = &d->disks[i];

		if ((s = kh_store_stmt(st, S_DISK_ADD, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, dom_id);
		bind_text(s, 2, k->target);
		bind_text(s, 3, k->device);
		bind_text(s, 4, k->type);
		bind_text(s, 5, k->source);
		bind_text(s, 6, k->pool);
		bind_text(s, 7, k->volume);
		bind_num(s, 8, k->capacity);
		bind_num(s, 9, k->allocation);
		bind_num(s, 10, k->physical);
		if (step_done(st, s, err))
			return -1;
	}
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const struct kh_iface *f = &d->ifaces[i];

		if ((s = kh_store_stmt(st, S_IFACE_ADD, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, dom_id);
		bind_text(s, 2, f->mac);
		bind_text(s, 3, f->type);
		bind_text(s, 4, f->source);
		bind_text(s, 5, f->model);
		if (step_done(st, s, err))
			return -1;
	}
	return 0;
}

static int put_pool(struct kh_store *st, int64_t snap_id, const struct kh_pool *p,
		    struct kh_err *err)
{
	sqlite3_stmt *s;
	int64_t xml_id;

	if (put_xml(st, p->xml, &xml_id, err) || (s = kh_store_stmt(st, S_POOL_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap_id);
	bind_text(s, 2, p->name);
	bind_text(s, 3, p->uuid);
	bind_text(s, 4, p->type);
	bind_text(s, 5, p->state);
	bind_num(s, 6, p->autostart);
	bind_num(s, 7, p->persistent);
	bind_num(s, 8, p->capacity);
	bind_num(s, 9, p->allocation);
	bind_num(s, 10, p->available);
	bind_text(s, 11, p->path);
	bind_id(s, 12, xml_id);
	bind_text(s, 13, p->error);
	return step_done(st, s, err);
}

static int put_volume(struct kh_store *st, int64_t snap_id, const struct kh_volume *v,
		      struct kh_err *err)
{
	sqlite3_stmt *s;
	int64_t xml_id;

	if (put_xml(st, v->xml, &xml_id, err) || (s = kh_store_stmt(st, S_VOLUME_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap_id);
	bind_text(s, 2, v->pool);
	bind_text(s, 3, v->name);
	bind_text(s, 4, v->key);
	bind_text(s, 5, v->path);
	bind_text(s, 6, v->format);
	bind_text(s, 7, v->type);
	bind_num(s, 8, v->capacity);
	bind_num(s, 9, v->allocation);
	bind_num(s, 10, v->physical);
	bind_id(s, 11, xml_id);
	bind_text(s, 12, v->error);
	return step_done(st, s, err);
}

static int put_network(struct kh_store *st, int64_t snap_id, const struct kh_network *n,
		       struct kh_err *err)
{
	sqlite3_stmt *s;
	int64_t xml_id;

	if (put_xml(st, n->xml, &xml_id, err) || (s = kh_store_stmt(st, S_NETWORK_ADD, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap_id);
	bind_text(s, 2, n->name);
	bind_text(s, 3, n->uuid);
	bind_num(s, 4, n->active);
	bind_num(s, 5, n->autostart);
	bind_num(s, 6, n->persistent);
	bind_text(s, 7, n->bridge);
	bind_text(s, 8, n->forward);
	bind_text(s, 9, n->ips);
	bind_text(s, 10, n->dhcp_ranges);
	bind_id(s, 11, xml_id);
	bind_text(s, 12, n->error);
	return step_done(st, s, err);
}

int kh_store_put(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err)
{
	const struct kh_host *h = &snap->host;
	sqlite3_stmt *s;
	int64_t id;

	if (exec(st, "BEGIN IMMEDIATE", err))
		return -1;
	if ((s = kh_store_stmt(st, S_SNAP_ADD, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, snap->taken_at);
	bind_text(s, 2, h->uri);
	bind_text(s, 3, h->hostname);
	bind_text(s, 4, h->host_uuid);
	bind_text(s, 5, h->hv_type);
	bind_num(s, 6, h->libvirt_version);
	bind_num(s, 7, h->hv_version);
	if (step_done(st, s, err))
		goto fail;
	id = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; i < snap->n_domains; i++)
		if (put_domain(st, id, &snap->domains[i], err))
			goto fail;
	for (size_t i = 0; i < snap->n_pools; i++)
		if (put_pool(st, id, &snap->pools[i], err))
			goto fail;
	for (size_t i = 0; i < snap->n_volumes; i++)
		if (put_volume(st, id, &snap->volumes[i], err))
			goto fail;
	for (size_t i = 0; i < snap->n_networks; i++)
		if (put_network(st, id, &snap->networks[i], err))
			goto fail;
	if (exec(st, "COMMIT", err))
		goto fail;
	snap->id = id;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* --- reading --- */

static char *col_text(sqlite3_stmt *s, int i)
{
	return kh_strdup((const char *)sqlite3_column_text(s, i));
}

static int64_t col_num(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? KH_UNKNOWN : sqlite3_column_int64(s, i);
}

static int col_flag(sqlite3_stmt *s, int i)
{
	return (int)col_num(s, i);
}

static int step_end(struct kh_store *st, int rc, struct kh_err *err)
{
	return rc == SQLITE_DONE ? 0 : kh_store_db_error(st, err, "cannot read snapshot");
}

static int load_domains(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err)
{
	sqlite3_stmt *s;
	int64_t *ids = NULL;
	size_t cap = 0, n = 0, at = 0;
	int rc;

	if ((s = kh_store_stmt(st, S_DOMAINS_GET, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_domain *d = kh_snapshot_add_domain(snap);

		*(int64_t *)KH_PUSH(ids, n, cap) = sqlite3_column_int64(s, 0);
		d->name = col_text(s, 1);
		d->uuid = col_text(s, 2);
		d->state = col_text(s, 3);
		d->vcpus = col_num(s, 4);
		d->memory_kib = col_num(s, 5);
		d->max_memory_kib = col_num(s, 6);
		d->autostart = col_flag(s, 7);
		d->persistent = col_flag(s, 8);
		d->os_type = col_text(s, 9);
		d->xml = col_text(s, 10);
		d->error = col_text(s, 11);
	}
	if (step_end(st, rc, err))
		goto fail;

	/* Both queries run in domain id order, so one forward walk pairs them. */
	if ((s = kh_store_stmt(st, S_DISKS_GET, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, snap->id);
	at = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t dom_id = sqlite3_column_int64(s, 0);
		struct kh_disk *k;

		while (at < n && ids[at] != dom_id)
			at++;
		if (at == n)
			break;
		k = kh_domain_add_disk(&snap->domains[at]);
		k->target = col_text(s, 1);
		k->device = col_text(s, 2);
		k->type = col_text(s, 3);
		k->source = col_text(s, 4);
		k->pool = col_text(s, 5);
		k->volume = col_text(s, 6);
		k->capacity = col_num(s, 7);
		k->allocation = col_num(s, 8);
		k->physical = col_num(s, 9);
	}
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	if (step_end(st, rc, err))
		goto fail;

	if ((s = kh_store_stmt(st, S_IFACES_GET, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, snap->id);
	at = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t dom_id = sqlite3_column_int64(s, 0);
		struct kh_iface *f;

		while (at < n && ids[at] != dom_id)
			at++;
		if (at == n)
			break;
		f = kh_domain_add_iface(&snap->domains[at]);
		f->mac = col_text(s, 1);
		f->type = col_text(s, 2);
		f->source = col_text(s, 3);
		f->model = col_text(s, 4);
	}
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_reset(s);
	if (step_end(st, rc, err))
		goto fail;
	free(ids);
	return 0;
fail:
	free(ids);
	return -1;
}

static int load_pools(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_POOLS_GET, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_pool *p = kh_snapshot_add_pool(snap);

		p->name = col_text(s, 0);
		p->uuid = col_text(s, 1);
		p->type = col_text(s, 2);
		p->state = col_text(s, 3);
		p->autostart = col_flag(s, 4);
		p->persistent = col_flag(s, 5);
		p->capacity = col_num(s, 6);
		p->allocation = col_num(s, 7);
		p->available = col_num(s, 8);
		p->path = col_text(s, 9);
		p->xml = col_text(s, 10);
		p->error = col_text(s, 11);
	}
	return step_end(st, rc, err);
}

static int load_volumes(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_VOLUMES_GET, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_volume *v = kh_snapshot_add_volume(snap);

		v->pool = col_text(s, 0);
		v->name = col_text(s, 1);
		v->key = col_text(s, 2);
		v->path = col_text(s, 3);
		v->format = col_text(s, 4);
		v->type = col_text(s, 5);
		v->capacity = col_num(s, 6);
		v->allocation = col_num(s, 7);
		v->physical = col_num(s, 8);
		v->xml = col_text(s, 9);
		v->error = col_text(s, 10);
	}
	return step_end(st, rc, err);
}

static int load_networks(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_NETWORKS_GET, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, snap->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_network *n = kh_snapshot_add_network(snap);

		n->name = col_text(s, 0);
		n->uuid = col_text(s, 1);
		n->active = col_flag(s, 2);
		n->autostart = col_flag(s, 3);
		n->persistent = col_flag(s, 4);
		n->bridge = col_text(s, 5);
		n->forward = col_text(s, 6);
		n->ips = col_text(s, 7);
		n->dhcp_ranges = col_text(s, 8);
		n->xml = col_text(s, 9);
		n->error = col_text(s, 10);
	}
	return step_end(st, rc, err);
}

int kh_store_load(struct kh_store *st, int64_t id, struct kh_snapshot **out, struct kh_err *err)
{
	struct kh_snapshot *snap = NULL;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	/* One read transaction, so a concurrent collect cannot show us half of anything. */
	if (exec(st, "BEGIN", err))
		return -1;
	if ((s = kh_store_stmt(st, S_SNAP_GET, err)) == NULL)
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		kh_err_set(err, "no snapshot %lld", (long long)id);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		kh_store_db_error(st, err, "cannot read snapshot");
		goto fail;
	}
	snap = kh_snapshot_new();
	snap->id = id;
	snap->taken_at = sqlite3_column_int64(s, 0);
	snap->host.uri = col_text(s, 1);
	snap->host.hostname = col_text(s, 2);
	snap->host.host_uuid = col_text(s, 3);
	snap->host.hv_type = col_text(s, 4);
	snap->host.libvirt_version = col_num(s, 5);
	snap->host.hv_version = col_num(s, 6);
	sqlite3_reset(s);
	if (load_domains(st, snap, err) || load_pools(st, snap, err) ||
	    load_volumes(st, snap, err) || load_networks(st, snap, err))
		goto fail;
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	*out = snap;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_snapshot_free(snap);
	return -1;
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
	bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_snapshot_info *i = KH_PUSH(v, *n, cap);

		i->id = sqlite3_column_int64(s, 0);
		i->taken_at = sqlite3_column_int64(s, 1);
		i->uri = col_text(s, 2);
		i->hostname = col_text(s, 3);
		i->host_uuid = col_text(s, 4);
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
	int rc;

	*prev = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*prev = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read snapshots");
	return 0;
}
