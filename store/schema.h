#ifndef KH_SCHEMA_H
#define KH_SCHEMA_H

#include "store/store.h"

/* "kvmh": PRAGMA application_id, so a database that is not ours is recognised. */
#define KH_APPLICATION_ID 0x6b766d68

/* The SQL that brings a database from version - 1 to version; NULL when out of range. */
const char *kh_schema_migration(int version);
/* Then what that migration does in C (converting rows), in the same transaction. */
int kh_schema_step(struct kh_store *st, int version, struct kh_err *err);

#endif
