/* The collector's readers of libvirt XML (domain, volume, pool, network, capabilities and
 * domain snapshot documents): they fill model structs from a document and call nothing of
 * libvirt. */
#ifndef KH_VIRT_XML_H
#define KH_VIRT_XML_H

#include "store/model.h"

#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

/* One reader for every document of a collection: the parser and XPath contexts are made
 * once, not per document (making them cost as much as parsing a volume's XML). */
struct kh_xdoc {
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
	/* Each expression compiled once (the readers use about 20), not on every evaluation. */
	struct {
		const char *expr;
		xmlXPathCompExprPtr comp;
	} comp[32];
	size_t n_comp;
};

/* Replaces the reader's document; 0, or -1 when `xml` is not a document. */
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
