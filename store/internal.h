/* What the files of store/ share; nothing outside store/ includes this. */
#ifndef KH_STORE_INTERNAL_H
#define KH_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* Statements are prepared once per open store and reused (reset) by every snapshot. */
enum stmt_id {
	S_XML_FIND, S_XML_ADD, S_SNAP_ADD, S_DOMAIN_ADD, S_DISK_ADD, S_IFACE_ADD, S_POOL_ADD,
	S_VOLUME_ADD, S_NETWORK_ADD, S_SNAP_GET, S_DOMAINS_GET, S_DISKS_GET, S_IFACES_GET,
	S_POOLS_GET, S_VOLUMES_GET, S_NETWORKS_GET, S_PREVIOUS, S_LIST, S_EXISTS, S_LATEST, S_LATEST_N, S_AT_OR_BEFORE,
	S_MAX
};

struct kh_store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_MAX];
};

/* A cached statement, reset and unbound, ready for use; NULL with err set on failure. */
sqlite3_stmt *kh_store_stmt(struct kh_store *st, enum stmt_id id, struct kh_err *err);
/* Sets err to "database 'PATH': what: sqlite's message" and returns -1. */
int kh_store_db_error(struct kh_store *st, struct kh_err *err, const char *what);

#endif
