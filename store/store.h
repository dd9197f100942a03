/* The SQLite history: schema, migrations, snapshot write and read, SNAP resolution.
 * Knows SQLite and the model structs; nothing of libvirt or rendering. */
#ifndef KH_STORE_H
#define KH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

#define KH_SCHEMA_VERSION 8

struct kh_store;

enum kh_open_mode {
	KH_OPEN_EXISTING, /* must exist and be kvmhist's; one we may not write is read only */
	KH_OPEN_WRITE,    /* must exist, be writable and pass PRAGMA quick_check */
	KH_OPEN_CREATE,   /* as KH_OPEN_WRITE; create it (mode 0600, directory 0700) if missing */
	/* As KH_OPEN_CREATE, but PRAGMA quick_check (a read of the whole file) is left to
	 * kh_store_verify, so that it can run beside other work;
	 * kh_store_put refuses until it has passed. A file that needs a schema upgrade is
	 * checked at once all the same: nothing is written into it unchecked. */
	KH_OPEN_CREATE_VERIFY_LATER,
};

/* Opens, checks and (in one transaction) migrates the database. A missing file (unless
 * KH_OPEN_CREATE), a file that is not kvmhist's, one from a newer kvmhist, and for writing
 * a read-only or damaged one, are refused with a clear message and left untouched; a
 * read-only file or directory is opened so that nothing is written beside it either. */
int kh_store_open(const char *path, enum kh_open_mode mode, struct kh_store **out,
		  struct kh_err *err);
void kh_store_close(struct kh_store *st);
/* Closes st, first removing its file (and -wal, -shm) when it holds no snapshot, checked
 * under the write lock so that a concurrent first collect that stored one keeps it.
 * 1: removed. */
int kh_store_remove_unused(struct kh_store *st);

/* The quick_check KH_OPEN_CREATE_VERIFY_LATER left undone, on a read-only connection of its
 * own: may run in another thread while nothing else uses `st`'s, or while it only reads.
 * Returns 0 (at once when nothing was left undone), or -1 with "database ... is damaged". */
int kh_store_verify(struct kh_store *st, struct kh_err *err);

/* Writes the snapshot in one transaction and sets snap->id. */
int kh_store_put(struct kh_store *st, struct kh_snapshot *snap, struct kh_err *err);

/* What a put compares against: the host's latest snapshot, read ahead of the put in a read
 * transaction of its own, so that the reading can overlap the collection (kh_store_verify's
 * rules for threads hold). kh_store_put_ahead takes it (and frees it) when nothing has been
 * committed since and it is still that host's latest, and reads it again otherwise. */
struct kh_store_ahead;
int kh_store_read_ahead(struct kh_store *st, const char *uri, struct kh_store_ahead **out,
			struct kh_err *err);
int kh_store_put_ahead(struct kh_store *st, struct kh_snapshot *snap,
		       struct kh_store_ahead *ahead, struct kh_err *err);
void kh_store_ahead_free(struct kh_store_ahead *a);

/* Reads a whole snapshot; an unknown id is an error. */
int kh_store_load(struct kh_store *st, int64_t id, struct kh_snapshot **out, struct kh_err *err);

/* Reads two snapshots of a host with only what differs between them: the object versions in
 * one and not the other, and the pools and volumes in both whose measured numbers differ
 * (without XML). Diffing them gives what diffing the whole snapshots gives, for a fraction of
 * the reading: a night changes a few objects of thousands. Snapshots of two hosts come whole. */
int kh_store_load_changes(struct kh_store *st, int64_t from_id, int64_t to_id,
			  struct kh_snapshot **from, struct kh_snapshot **to, struct kh_err *err);

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
 *                  domains (with disks) only in the last one. Its pools and volumes keep
 *                  their order from one snapshot to the next: those in before leave, those
 *                  in after come last.
 * kh_scan_next returns 1, 0 at the end, -1 on error. */
struct kh_scan;
int kh_scan_open(struct kh_store *st, const char *uri, int64_t from, int64_t to,
		 struct kh_scan **out, struct kh_err *err);
int kh_scan_next(struct kh_scan *sc, const struct kh_snapshot **before,
		 const struct kh_snapshot **after, const struct kh_snapshot **now,
		 struct kh_err *err);
void kh_scan_close(struct kh_scan *sc);

/* Streams the snapshots kh_store_list lists for `log` (oldest first, hosts interleaved),
 * each with the one before it of its URI, even when that one lies before the period. Each
 * kh_pairs_next gives, valid until the next call, the two as kh_store_load_changes reads
 * them (only what differs), or whole when `last` says the snapshot is its host's last in the
 * list; for a host's very first snapshot `from` is NULL and `to` holds only its head and
 * time (whole when it is also the last). A year of a host costs one load of its pools and
 * volumes, the versions each night ended and started, and its size rows read once, in seq
 * order. kh_pairs_list is the list walked, without the object counts. One read transaction
 * from open to close. kh_pairs_next returns 1, 0 at the end, -1 on error. */
struct kh_pairs;
int kh_pairs_open(struct kh_store *st, const char *host, int64_t from, int64_t to,
		  struct kh_pairs **out, struct kh_err *err);
const struct kh_snapshot_info *kh_pairs_list(const struct kh_pairs *p, size_t *n);
int kh_pairs_next(struct kh_pairs *p, const struct kh_snapshot **from,
		  const struct kh_snapshot **to, int *last, struct kh_err *err);
void kh_pairs_close(struct kh_pairs *p);

/* The snapshot of URI `uri` taken at exactly `t`, the oldest if several; *id = 0: none. */
int kh_store_taken_at(struct kh_store *st, const char *uri, int64_t t, int64_t *id,
		      struct kh_err *err);

/* 1 when a snapshot taken in [from, to] (of `host` when given; only snapshot `snap_id`
 * when not 0) holds a domain called `name` or with one of `uuids`; 0 when none does. */
int kh_store_domain_in(struct kh_store *st, const char *host, int64_t from, int64_t to,
		       int64_t snap_id, const char *name, char **uuids, size_t n_uuids,
		       struct kh_err *err);

/* True when `host` names a URI or hostname that has snapshots. */
int kh_store_host_known(struct kh_store *st, const char *host, struct kh_err *err);

/* Retention per URI: the newest snapshot of each of the last `daily` days, `weekly` weeks
 * (ISO, Monday to Sunday) and `monthly` months that have snapshots, in UTC; 0 keeps none of
 * a class. The newest snapshot of each URI is always kept. */
struct kh_retention {
	int daily, weekly, monthly;
};

/* What a prune removed (or, dry, would remove). */
struct kh_prune_result {
	struct kh_snapshot_info *removed; /* oldest first */
	size_t n_removed;
	int64_t kept;
	int64_t spans, domains, pools, volumes, networks, sizes, xml; /* rows deleted */
};

/* Deletes the snapshots the policy does not keep, then the object versions and XML only
 * they held, in one transaction; a dry run does the same to a copy in memory (it only
 * reads the file). Every
 * remaining snapshot reads back exactly as before. */
int kh_store_prune(struct kh_store *st, const struct kh_retention *keep, int dry_run,
		   struct kh_prune_result *out, struct kh_err *err);
void kh_prune_result_clear(struct kh_prune_result *r);

/* Removes snapshot `id` and what only it held, in one transaction; every other snapshot
 * reads back as before, and its host's next snapshot is compared with the one before it. */
int kh_store_forget(struct kh_store *st, int64_t id, struct kh_prune_result *out,
		    struct kh_err *err);


/* Rewrites the file without free pages; sizes in bytes before and after. */
int kh_store_vacuum(struct kh_store *st, int64_t *before, int64_t *after, struct kh_err *err);

/* SQLite's integrity and foreign key checks and kvmhist's own invariants (every span's
 * object, every snapshot's host, every referenced XML exists; nothing is unreachable).
 * *problems gets one line per problem (none: *n = 0); a query the damage stops is one, so
 * there is no failure of its own to return. */
void kh_store_check(struct kh_store *st, char ***problems, size_t *n);
void kh_problems_free(char **v, size_t n);

#endif
