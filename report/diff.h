/* The semantic diff of two snapshots: objects matched by identity, their XML compared
 * element by element with repeated elements keyed by their natural key. */
#ifndef KH_DIFF_H
#define KH_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct kh_xml_changes;

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
	char *uuid;             /* domains, networks, pools: the object's UUID; NULL if none */
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

/* Pending drift: how a running domain's persistent config differs from what runs now, i.e.
 * what changes at its next boot. old is the live value, new the persistent one. State that
 * libvirt fills in at start (ids, aliases, runtime ports, pty paths, security labels, detected
 * backing chains, expanded CPU models) is left out; a device present on one side only is
 * kept. Appends nothing when d->live_xml is NULL. Returns 0, or -1 when the XML cannot be
 * parsed (err names the domain). */
int kh_domain_pending(const struct kh_domain *d, struct kh_xml_changes *out, struct kh_err *err);

/* The pending drift of every domain of `s`, as "modified" changes of those domains, in
 * domain name order (the store's row order is no order a reader can follow). */
int kh_diff_pending(const struct kh_snapshot *s, struct kh_changes *out, struct kh_err *err);

/* Keeps only the changes of the named objects (each filter NULL: not used; several: any of
 * them). A domain or network also matches by its old name when it was renamed; a pool
 * keeps its volumes too. */
void kh_changes_filter(struct kh_changes *c, const char *domain, const char *network,
		       const char *pool);
/* The same, and a domain change is also kept when its domain's UUID is one of `uuids`
 * (n of them; compared without case or dashes): with the UUIDs of every domain ever called
 * `domain`, that domain is followed under all its names, before and after a rename. */
void kh_changes_filter_uuids(struct kh_changes *c, const char *domain, const char *network,
			     const char *pool, char *const *uuids, size_t n);

void kh_changes_free(struct kh_changes *c);
const char *kh_change_kind_name(enum kh_change_kind k); /* "added", "removed", "modified" */

#endif
