/* The collector's readers of libvirt XML (domain, volume, pool, network, capabilities and
 * domain snapshot documents): they fill model structs from a document and call nothing of
 * libvirt. */
#ifndef KH_VIRT_XML_H
#define KH_VIRT_XML_H

#include "store/model.h"

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* An element of the document read: its name, attributes and content are spans of the source
 * text (read by the reader's own scan) or, for a document that scan leaves to libxml2,
 * libxml2's nodes. Children and siblings are indices into kh_xdoc.el, -1 for none. */
struct kh_xel {
	const char *name;
	size_t name_len;
	const char *body;       /* the text between its tags (scanned) */
	size_t body_len;
	size_t attr, n_attrs;   /* its attributes: kh_xdoc.at[attr ... attr + n_attrs) */
	long child, next;
	int ns;                 /* in a namespace (only libxml2's documents have them) */
	xmlNodePtr node;        /* libxml2's, or NULL (scanned) */
};

struct kh_xattr {
	const char *name, *val; /* val: the quoted text (scanned) */
	size_t name_len, val_len;
	int ns;
	xmlAttrPtr node;
};

/* One reader for every document of a collection: the parser context and the element arrays
 * are made once, not per document. The documents libvirt writes (elements, attributes, text
 * and the five predefined entities, in ASCII) are scanned directly, without building
 * libxml2's tree: for a volume's few hundred bytes that tree costs ten times the scan.
 * Anything else (a comment, CDATA, a DOCTYPE, a namespace, a character reference, non-ASCII
 * text, anything malformed) is parsed by libxml2, which decides. */
struct kh_xdoc {
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;          /* libxml2's tree of the document, when it parsed it */
	struct kh_xel *el;      /* el[0] is the root */
	size_t n_el, cap_el;
	struct kh_xattr *at;
	size_t n_at, cap_at;
	int libxml2_only;       /* never scan (the fuzzer compares the two readings) */
};

/* Replaces the reader's document; 0, or -1 when `xml` is not a document. The readers below
 * read the document while `xml` lives: the scanned elements point into it. */
int kh_xdoc_parse(struct kh_xdoc *x, const char *xml);
void kh_xdoc_free(struct kh_xdoc *x);

/* Once per process, before threads parse. */
void kh_xml_init(void);
/* libxml2's generic error handler, silenced and put back (other code in the process may
 * want its messages). `saved` may be NULL. */
struct kh_xml_errors {
	xmlGenericErrorFunc fn;
	void *ctx;
};
void kh_xml_quiet(struct kh_xml_errors *saved);
void kh_xml_restore(const struct kh_xml_errors *saved);

/* Keeps the first reason an object is incomplete in *error: later failures usually follow
 * from it. */
void kh_note(char **error, const char *what, const char *cause);

/* The host UUID from the capabilities; -1 when they do not parse. */
int kh_read_capabilities(struct kh_xdoc *x, const char *xml, struct kh_host *h);
/* Each reads obj->xml into obj; a document that does not parse is noted in obj->error.
 * kh_read_domain_xml returns -1 then (0 otherwise). */
int kh_read_domain_xml(struct kh_xdoc *x, struct kh_domain *d);
/* The <currentMemory> (KiB) of the domain document kh_read_domain_xml last read: what
 * virDomainGetInfo says of a shut-off domain. 0, or -1 when there is none. */
int kh_read_current_memory(struct kh_xdoc *x, int64_t *kib);
void kh_read_volume_xml(struct kh_xdoc *x, struct kh_volume *v);
void kh_read_pool_xml(struct kh_xdoc *x, struct kh_pool *p);
void kh_read_network_xml(struct kh_xdoc *x, struct kh_network *n);
/* A <domainsnapshot> document into n (name, state, parent, creation time, kind); one that
 * does not parse is noted in *error (its domain's) and returns -1. */
int kh_read_snapshot_xml(struct kh_xdoc *x, const char *xml, struct kh_domsnap *n,
			 char **error);

#endif
