/* The semantic comparison of two libvirt XML documents: repeated elements are matched by
 * their natural key (a disk by its target, an interface by its MAC, ...), so reordering,
 * attribute order, whitespace and libvirt's equivalent spellings (units, hex or decimal PCI
 * addresses, MAC and UUID case) are no change, and each edit is reported once.
 *
 * Paths are XPath: /domain/devices/interface[mac/@address='52:54:00:76:db:ef']/source/@network,
 * /domain/devices/controller[@type='usb'][@index='0'], /domain/devices/video[2]/model/@heads.
 * A value holding ' is quoted with " instead. An attribute change ends in /@name; a text
 * change is the element's own path; an element added or removed is one change at its path
 * with the whole element, serialized compactly, on the other side. */
#ifndef KH_XMLDIFF_H
#define KH_XMLDIFF_H

#include <stddef.h>

#include "report/diff.h"
#include "util/err.h"

struct kh_xml_change {
	char *path;
	char *old, *new_;       /* NULL: absent on that side (added or removed) */
	/* TEXT: an attribute or text; BYTES: a size with a unit (memory, capacity, ...),
	 * as a decimal number of bytes on both sides; XML: a whole element. */
	enum kh_value_kind kind;
};

struct kh_xml_changes {
	struct kh_xml_change *items;
	size_t n, cap;
};

/* Compares two documents and appends the changes from old_xml to new_xml to `out`, in the
 * new document's order. `ignore` is NULL or a NULL-terminated list of paths without
 * predicates ("/pool/capacity", "/network/@connections"), or "//name" for that element or
 * attribute ("//@name") at any depth: those elements (with their subtrees) or attributes
 * are left out on both sides.
 * Never reads a DTD, an external entity or the network. Returns 0, or -1 with err set
 * ("old XML: line 3: ...") when either document is missing, malformed or nested too deeply;
 * `out` is left as it was then. */
int kh_xml_diff(const char *old_xml, const char *new_xml, const char *const *ignore,
		struct kh_xml_changes *out, struct kh_err *err);

void kh_xml_changes_free(struct kh_xml_changes *c);

/* True when the order of repeated `name` children of `parent` (local names) is meaningful,
 * e.g. <os><boot>: such siblings are compared by position, not matched by content. */
int kh_xml_order_matters(const char *parent, const char *name);

#endif
