/* Each kind of object is described once, as a table of its fields (store/kind.c): the SQL
 * columns, binding and loading (store/row.c), version equality, clearing, copying, the
 * measured numbers of the size rows and of the XML, diff's field comparisons
 * (report/diff.c) and show's JSON (report/show.c) all follow from its rows, as SQLite's
 * pragma table and redis' command table follow from one list. doc/HACKING.md: adding a
 * field. No SQLite here. */
#ifndef KH_KIND_H
#define KH_KIND_H

#include <stddef.h>
#include <stdint.h>

#include "util/xmlnum.h"

struct kh_snapshot;

enum kh_field_type {
	KH_FT_TEXT,     /* char *; NULL: not known */
	KH_FT_WORDS,    /* char *, space-separated words; a JSON array */
	KH_FT_NUM,      /* int64_t; KH_UNKNOWN: not known */
	KH_FT_FLAG,     /* int: 0, 1 or KH_UNKNOWN */
	KH_FT_XML,      /* char *, stored once by content in table xml, the row naming it in
			 * column NAME_id; a version compares it by that id; not in JSON */
	KH_FT_CHILDREN, /* an array of .child objects, their count (size_t) at .count; the
			 * name is their JSON key */
};

/* Measured: changes from night to night (a volume's allocation), so it is kept in the
 * size rows (the first such field of a kind in size.allocation, the second in size.extra),
 * not in the version: a growing volume stays one version. */
#define KH_F_MEASURED   0x01u
/* The kind's XML holds it too, as element <NAME>: its digits are cut out of the stored
 * XML and put back on load (util/xmlnum.h), and diff compares the rest of the XML. */
#define KH_F_XML_NUM    0x02u
/* diff reports it as a field of its own (the others are identity, or are reported from
 * the XML). */
#define KH_F_DIFF       0x04u
/* A disk's size: once the disk is linked to a volume (kh_snapshot_link) it is the
 * volume's, stored with the volume, so here it is stored and compared as unknown: a growing
 * volume does not make a new version of the domain using it every night. */
#define KH_F_LINKED     0x08u
/* The host's URI: its history's key, in table host rather than in each snapshot row. */
#define KH_F_HOST_KEY   0x10u
/* A NUM that is a time (seconds since the epoch): JSON writes it as ISO 8601. */
#define KH_F_TIME       0x20u
/* A FLAG never unknown: 0 until set (a new object's other numbers start KH_UNKNOWN). */
#define KH_F_KNOWN      0x40u

struct kh_kind;

struct kh_kind_field {
	const char *name;               /* member, SQL column (NAME_id for XML), JSON key */
	size_t offset;
	enum kh_field_type type;
	unsigned flags;
	const struct kh_kind *child;    /* KH_FT_CHILDREN */
	size_t count;                   /* KH_FT_CHILDREN: offset of the count */
};

struct kh_kind {
	const char *name;               /* SQL table; the "object" of diff's changes */
	const char *plural;             /* JSON key of a snapshot's list of them */
	size_t size;                    /* of the struct */
	const struct kh_kind_field *fields;
	size_t n_fields;
	int span;                       /* the kind number spans and size rows store; -1: none */
	size_t in_snapshot;             /* a top-level kind (span >= 0): offset in struct
					 * kh_snapshot of its array; the count and capacity
					 * follow it (size_t each) */
	const char *parent;             /* children: the column naming their parent's row */
	const char *ident[2];           /* store: the object within its host is ident[0] (and
					 * ident[1]) when ident[0] is known, else its name */
	size_t linked;                  /* KH_F_LINKED fields: offset of the text naming the
					 * volume's pool */
};

extern const struct kh_kind kh_host_kind, kh_domain_kind, kh_disk_kind, kh_iface_kind,
	kh_domsnap_kind, kh_pool_kind, kh_volume_kind, kh_network_kind;

/* The kinds with spans, by their stored number (0 domain, 1 pool, 2 volume, 3 network). */
#define KH_SPAN_KINDS 4
extern const struct kh_kind *const kh_span_kinds[KH_SPAN_KINDS];
/* Every kind, for what is prepared per kind. */
#define KH_N_KINDS 8
extern const struct kh_kind *const kh_all_kinds[KH_N_KINDS];
/* A kind's index in kh_all_kinds. */
int kh_kind_index(const struct kh_kind *k);

/* The most XML fields and KH_F_XML_NUM fields a kind has. */
#define KH_MAX_XML 2
#define KH_MAX_NUMS 3

/* The field called `name`; NULL when the kind has none. */
const struct kh_kind_field *kh_kind_field(const struct kh_kind *k, const char *name);

/* Members by their field. */
static inline char *kh_field_text(const struct kh_kind_field *f, const void *obj)
{
	return *(char *const *)(const void *)((const char *)obj + f->offset);
}

static inline int64_t kh_field_num(const struct kh_kind_field *f, const void *obj)
{
	const char *p = (const char *)obj + f->offset;

	return f->type == KH_FT_FLAG ? *(const int *)(const void *)p
				     : *(const int64_t *)(const void *)p;
}

/* A children field's array, and its count in *n. */
static inline void *kh_field_children(const struct kh_kind_field *f, const void *obj, size_t *n)
{
	*n = *(const size_t *)(const void *)((const char *)obj + f->count);
	return *(void *const *)(const void *)((const char *)obj + f->offset);
}

void kh_field_set_text(const struct kh_kind_field *f, void *obj, char *v); /* takes v */
void kh_field_set_num(const struct kh_kind_field *f, void *obj, int64_t v);
/* The number as stored and compared: unknown for a linked disk's KH_F_LINKED sizes. */
int64_t kh_field_stored_num(const struct kh_kind *k, const struct kh_kind_field *f,
			    const void *obj);

/* Object i of an array of kind k. */
static inline void *kh_kind_at(const struct kh_kind *k, const void *items, size_t i)
{
	return (char *)items + i * k->size;
}

/* A top-level kind's array in a snapshot and its count. */
void *kh_kind_items(const struct kh_kind *k, const struct kh_snapshot *s, size_t *n);
/* Appends a zeroed object (numbers and flags KH_UNKNOWN) to the snapshot's array. */
void *kh_kind_push(const struct kh_kind *k, struct kh_snapshot *s);
/* Sets the count of the snapshot's array to n (what lies past it is the caller's). */
void kh_kind_truncate(const struct kh_kind *k, struct kh_snapshot *s, size_t n);
/* The same for children: appends one to field `f` of parent. */
void *kh_kind_push_child(const struct kh_kind_field *f, void *parent);

/* Numbers and flags KH_UNKNOWN (the rest as it is: zeroed by the caller). */
void kh_kind_init(const struct kh_kind *k, void *obj);
/* Frees what the object owns (not the object). */
void kh_kind_clear(const struct kh_kind *k, void *obj);
/* Frees every object of an array of n, and the array. */
void kh_kind_free_items(const struct kh_kind *k, void *items, size_t n);
/* A deep copy into dst; without its XML (NULL) unless with_xml. */
void kh_kind_copy(const struct kh_kind *k, void *dst, const void *src, int with_xml);
/* Frees and forgets the object's XML. */
void kh_kind_drop_xml(const struct kh_kind *k, void *obj);
/* Whether a and b are the same version: every field but the measured numbers and the XML
 * (compared by stored id, by the caller), children included. */
int kh_kind_same_version(const struct kh_kind *k, const void *a, const void *b);

/* The KH_F_MEASURED fields in field order: the columns of a size row (allocation, extra);
 * returns how many. */
#define KH_MAX_MEASURED 2
size_t kh_kind_measured(const struct kh_kind *k, const struct kh_kind_field *out[KH_MAX_MEASURED]);

/* Whether the kind has measured numbers, so size rows (pools, volumes). */
int kh_kind_is_measured(const struct kh_kind *k);

/* The KH_F_XML_NUM numbers of the object, in field order; returns how many (0 for a kind
 * whose XML holds none). */
size_t kh_kind_nums(const struct kh_kind *k, const void *obj, struct kh_xml_num out[KH_MAX_NUMS]);

#endif
