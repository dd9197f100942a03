/* The SQLite history: schema, migrations, snapshot write and read, SNAP resolution.
 * Knows SQLite and the model structs; nothing of libvirt or rendering. */
#ifndef KH_STORE_H
#define KH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

#define KH_SCHEMA_VERSION 3

struct kh_store;

enum kh_open_mode {
	KH_OPEN_EXISTING, /* the database must exist and be kvmhist's */
	KH_OPEN_CREATE,   /* create it (mode 0600, directory 0700) when missing */
};

/* Opens, checks and (in one transaction) migrates the database. A missing file in
 * KH_OPEN_EXISTING mode, a file that is not kvmhist's or one from a newer kvmhist is
 * refused with a clear message, and the file is left untouched. */
int kh_store_open(const char *path, enum kh_open_mode mode, struct kh_store **out,
		  struct kh_err *err);
void kh_store_close(struct kh_store *st);

/* Writes the snapshot in one transaction and sets snap->id. */
int kh_store_put(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err);

/* Reads a whole snapshot; an unknown id is an error. */
int kh_store_load(struct kh_store *st, int64_t id, struct kh_snapshot **out, struct kh_err *err);

/* Snapshots oldest first, optionally only those of one host (a hostname or a URI) and
 * taken within [from, to] (pass INT64_MIN / INT64_MAX for no bound). */
int kh_store_list(struct kh_store *st, const char *host, int64_t from, int64_t to,
		  struct kh_snapshot_info **out, size_t *n, struct kh_err *err);

/* The URIs with snapshots in [from, to] (of `host` only, when given), the earliest first;
 * what kh_store_list says without counting objects. Free each and the array. */
int kh_store_uris(struct kh_store *st, const char *host, int64_t from, int64_t to, char ***out,
		  size_t *n, struct kh_err *err);

/* The snapshot before `id` taken through the same URI; *prev = 0 when there is none. */
int kh_store_previous(struct kh_store *st, int64_t id, int64_t *prev, struct kh_err *err);

/* Resolves a SNAP (id, latest, latest~N, ISO date or time, age like 36h) to an id.
 * `host` (hostname or URI, may be NULL) restricts the candidates; `now` anchors ages. */
int kh_store_resolve(struct kh_store *st, const char *spec, const char *host, int64_t now,
		     int64_t *id, struct kh_err *err);

/* Resolves a period bound SPEC to a time: a time or age is itself; an id or latest~N
 * stands for its snapshot's time; a date alone is the start of that day, or its end
 * when `is_until`. */
int kh_store_bound(struct kh_store *st, const char *spec, const char *host, int is_until,
		   int64_t now, int64_t *t, struct kh_err *err);

/* Every domain's life per host (a hostname or URI, NULL: all), ordered by host, then name:
 * first and last seen, and its renames, removals and re-additions, read from the spans. */
int kh_store_domain_lives(struct kh_store *st, const char *host, struct kh_domain_life **out,
			  size_t *n, struct kh_err *err);

/* The UUIDs of every domain that was ever called `name`, on any host (a migrated domain
 * keeps its UUID), for following one domain under all its names. Free each and the array. */
int kh_store_domain_uuids(struct kh_store *st, const char *name, char ***out, size_t *n,
			  struct kh_err *err);

/* Streams the snapshots of URI `uri` taken in [from, to], oldest first, for reports: a
 * year of them costs one load and the changes. Each kh_scan_next gives, valid until the
 * next call:
 *   before, after  the objects whose version changed since the snapshot before (before:
 *                  as they were; after: as they are now), with host facts and XML, linked;
 *                  both NULL for the host's very first snapshot. diff(before, after) is
 *                  diff(previous, snapshot) without the measured numbers of unchanged
 *                  pools and volumes;
 *   now            host facts, time, and every pool and volume with its numbers (no XML);
 *                  domains (with disks) only in the last one.
 * kh_scan_next returns 1, 0 at the end, -1 on error. */
struct kh_scan;
int kh_scan_open(struct kh_store *st, const char *uri, int64_t from, int64_t to,
		 struct kh_scan **out, struct kh_err *err);
int kh_scan_next(struct kh_scan *sc, const struct kh_snapshot **before,
		 const struct kh_snapshot **after, const struct kh_snapshot **now,
		 struct kh_err *err);
void kh_scan_close(struct kh_scan *sc);

/* True when `host` names a URI or hostname that has snapshots. */
int kh_store_host_known(struct kh_store *st, const char *host, struct kh_err *err);

#endif
