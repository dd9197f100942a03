/* The semantic diff of two snapshots: objects matched by identity, their XML compared
 * element by element with repeated elements keyed by their natural key. */
#ifndef KH_DIFF_H
#define KH_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

enum kh_change_kind { KH_CHANGE_ADDED, KH_CHANGE_REMOVED, KH_CHANGE_MODIFIED };

/* How old/new are to be read: TEXT as is, BYTES and NUMBER hold a decimal integer
 * (rendered as a number in JSON; BYTES humanized with its delta in text),
 * XML a whole serialized element (an element added or removed). */
enum kh_value_kind { KH_VALUE_TEXT, KH_VALUE_BYTES, KH_VALUE_NUMBER, KH_VALUE_XML };

struct kh_change {
	int64_t taken_at;       /* the snapshot the change appeared in (the "to" side) */
	char *uri;              /* the host's URI, for reports over many hosts */
	const char *object;     /* "domain", "pool", "volume", "network", "host" (static) */
	char *name;             /* the object's name in the "to" snapshot (in "from" if removed) */
	char *pool;             /* volumes only */
	enum kh_change_kind change;
	char *path;             /* NULL for an added or removed object; else a field or XML path */
	char *old, *new_;       /* NULL where absent (added/removed element or object) */
	enum kh_value_kind kind;
};

struct kh_changes {
	struct kh_change *items;
	size_t n, cap;
};

/* Appends the changes from `from` to `to` to `out`. Returns 0, or -1 when an object's
 * XML cannot be parsed (err names the object). */
int kh_diff_snapshots(const struct kh_snapshot *from, const struct kh_snapshot *to,
		      struct kh_changes *out, struct kh_err *err);

void kh_changes_free(struct kh_changes *c);
const char *kh_change_kind_name(enum kh_change_kind k); /* "added", "removed", "modified" */

#endif
