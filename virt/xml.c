/* The collector's readers of libvirt XML: pure functions of a document, no libvirt calls, so
 * that the fuzzer (fuzz/fuzz_collector_xml.c) links them as the collector does. */
#include "virt/xml.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>


/* Keeps the first reason an object is incomplete: later failures usually follow from it. */
void kh_note(char **error, const char *what, const char *cause)
{
	if (*error == NULL)
		*error = kh_asprintf("%s: %s", what, cause);
}

/* Every message is ours to give, once, our way. */
static void silent_xml(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

void kh_xml_init(void)
{
	xmlInitParser();
}

void kh_xml_quiet(struct kh_xml_errors *saved)
{
	if (saved) {
		saved->fn = xmlGenericError;
		saved->ctx = xmlGenericErrorContext;
	}
	xmlSetGenericErrorFunc(NULL, silent_xml);
}

void kh_xml_restore(const struct kh_xml_errors *saved)
{
	xmlSetGenericErrorFunc(saved->ctx, saved->fn);
}

/* ---- XML ---- */

/* Replaces the reader's document. Never fetches anything from the network, never prints.
 * COMPACT keeps short text inside its node (fewer allocations): we never modify the tree.
 * Returns 0 or -1. */
int kh_xdoc_parse(struct kh_xdoc *x, const char *xml)
{
	size_t len = strlen(xml);

	if (x->doc)
		xmlFreeDoc(x->doc);
	x->doc = NULL;
	if (len > INT_MAX)
		return -1;
	if (x->ctxt == NULL && (x->ctxt = xmlNewParserCtxt()) == NULL)
		return -1;
	x->doc = xmlCtxtReadMemory(x->ctxt, xml, (int)len, "libvirt.xml", NULL,
				   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				   XML_PARSE_COMPACT);
	if (x->doc == NULL || xmlDocGetRootElement(x->doc) == NULL)
		return -1;
	if (x->xp == NULL)
		x->xp = xmlXPathNewContext(x->doc);
	else
		x->xp->doc = x->doc;
	return x->xp ? 0 : -1;
}

void kh_xdoc_free(struct kh_xdoc *x)
{
	if (x->xp)
		xmlXPathFreeContext(x->xp);
	if (x->doc)
		xmlFreeDoc(x->doc);
	if (x->ctxt)
		xmlFreeParserCtxt(x->ctxt);
	for (size_t i = 0; i < x->n_comp; i++)
		xmlXPathFreeCompExpr(x->comp[i].comp);
	memset(x, 0, sizeof *x);
}

/* The nodes `expr` selects from `at` (NULL: the root); NULL when none. Free with
 * xmlXPathFreeObject. */
static xmlXPathObjectPtr xnodes(struct kh_xdoc *x, xmlNodePtr at, const char *expr)
{
	xmlXPathObjectPtr o;
	size_t i;

	x->xp->node = at ? at : xmlDocGetRootElement(x->doc);
	for (i = 0; i < x->n_comp && strcmp(x->comp[i].expr, expr) != 0; i++)
		;
	if (i == x->n_comp && i < sizeof x->comp / sizeof *x->comp &&
	    (x->comp[i].comp = xmlXPathCompile(BAD_CAST expr)) != NULL) {
		x->comp[i].expr = expr;
		x->n_comp++;
	}
	if (i < x->n_comp)
		o = xmlXPathCompiledEval(x->comp[i].comp, x->xp);
	else
		o = xmlXPathEvalExpression(BAD_CAST expr, x->xp);
	if (o == NULL)
		return NULL;
	if (o->type != XPATH_NODESET || o->nodesetval == NULL || o->nodesetval->nodeNr == 0) {
		xmlXPathFreeObject(o);
		return NULL;
	}
	return o;
}

/* The text of the first node `expr` selects; NULL when there is none, so an absent attribute
 * and an empty one stay apart. */
static char *xstr(struct kh_xdoc *x, xmlNodePtr at, const char *expr)
{
	xmlXPathObjectPtr o = xnodes(x, at, expr);
	xmlChar *v;
	char *s;

	if (o == NULL)
		return NULL;
	v = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(o);
	if (v == NULL)
		return NULL;
	s = kh_strdup((const char *)v);
	xmlFree(v);
	return s;
}

static int xhas(struct kh_xdoc *x, xmlNodePtr at, const char *expr)
{
	xmlXPathObjectPtr o = xnodes(x, at, expr);

	if (o == NULL)
		return 0;
	xmlXPathFreeObject(o);
	return 1;
}

/* Reading a node directly, where the document's shape is fixed and XPath would cost more
 * than the parse (the volumes: thousands of small documents). */
static int is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* An attribute's value; NULL when absent. */
static char *node_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *s = v ? kh_strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static char *node_text(xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s = v ? kh_strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* A size element (<capacity unit='bytes'>N</capacity>) as bytes; *out is left alone when it
 * cannot be read (unknown, not zero). */
static void node_size(xmlNodePtr n, int64_t *out)
{
	xmlChar *count = xmlNodeGetContent(n), *unit = xmlGetProp(n, BAD_CAST "unit");
	int64_t bytes;

	if (count && kh_size_bytes((const char *)count, (const char *)unit, 1, &bytes) == 0)
		*out = bytes;
	xmlFree(count);
	xmlFree(unit);
}

/* ---- host ---- */

int kh_read_capabilities(struct kh_xdoc *x, const char *xml, struct kh_host *h)
{
	if (kh_xdoc_parse(x, xml) != 0)
		return -1;
	h->host_uuid = xstr(x, NULL, "/capabilities/host/uuid");
	return 0;
}

/* ---- domains ---- */

/* file/dev/dir path; "pool/volume" for volumes (naming both); "protocol:name" for network. */
static void read_disk_source(struct kh_xdoc *x, xmlNodePtr n, struct kh_disk *k)
{
	if (k->type == NULL)
		return;
	if (strcmp(k->type, "file") == 0) {
		k->source = xstr(x, n, "source/@file");
	} else if (strcmp(k->type, "block") == 0) {
		k->source = xstr(x, n, "source/@dev");
	} else if (strcmp(k->type, "dir") == 0) {
		k->source = xstr(x, n, "source/@dir");
	} else if (strcmp(k->type, "volume") == 0) {
		k->pool = xstr(x, n, "source/@pool");
		k->volume = xstr(x, n, "source/@volume");
		if (k->pool && k->volume)
			k->source = kh_asprintf("%s/%s", k->pool, k->volume);
	} else if (strcmp(k->type, "network") == 0) {
		char *proto = xstr(x, n, "source/@protocol");
		char *name = xstr(x, n, "source/@name");

		/* nbd may name no export: the host is what identifies it then */
		if (name == NULL)
			name = xstr(x, n, "source/host/@name");
		if (proto)
			k->source = kh_asprintf("%s:%s", proto, name ? name : "");
		free(proto);
		free(name);
	}
}

static void read_disks(struct kh_xdoc *x, struct kh_domain *d)
{
	xmlXPathObjectPtr o = xnodes(x, NULL, "/domain/devices/disk");

	for (int i = 0; o && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr n = o->nodesetval->nodeTab[i];
		struct kh_disk *k = kh_domain_add_disk(d);

		k->target = xstr(x, n, "target/@dev");
		k->device = xstr(x, n, "@device");
		if (k->device == NULL)
			k->device = kh_strdup("disk"); /* libvirt's default */
		k->type = xstr(x, n, "@type");
		read_disk_source(x, n, k);
	}
	if (o)
		xmlXPathFreeObject(o);
}

static void read_ifaces(struct kh_xdoc *x, struct kh_domain *d)
{
	xmlXPathObjectPtr o = xnodes(x, NULL, "/domain/devices/interface");

	for (int i = 0; o && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr n = o->nodesetval->nodeTab[i];
		struct kh_iface *f = kh_domain_add_iface(d);

		f->mac = xstr(x, n, "mac/@address");
		f->type = xstr(x, n, "@type");
		/* network, bridge or direct (macvtap) name what the guest is plugged into */
		f->source = xstr(x, n, "source/@network");
		if (f->source == NULL)
			f->source = xstr(x, n, "source/@bridge");
		if (f->source == NULL)
			f->source = xstr(x, n, "source/@dev");
		f->model = xstr(x, n, "model/@type");
	}
	if (o)
		xmlXPathFreeObject(o);
}

int kh_read_domain_xml(struct kh_xdoc *x, struct kh_domain *d)
{
	if (kh_xdoc_parse(x, d->xml) != 0) {
		kh_note(&d->error, "cannot parse XML", "malformed document");
		return -1;
	}
	/* what virDomainGetOSType answers, without the round trip */
	d->os_type = xstr(x, NULL, "/domain/os/type");
	read_disks(x, d);
	read_ifaces(x, d);
	return 0;
}

int kh_read_current_memory(struct kh_xdoc *x, int64_t *kib)
{
	xmlXPathObjectPtr o = xnodes(x, NULL, "/domain/currentMemory");
	int64_t bytes = -1;

	if (o == NULL)
		return -1;
	node_size(o->nodesetval->nodeTab[0], &bytes);
	xmlXPathFreeObject(o);
	if (bytes < 0)
		return -1;
	*kib = bytes / 1024;
	return 0;
}

/* "internal", "external" or "disk-only": disks to files of their own make it external, and
 * disk-only unless the memory went to a file too (a shut-off domain's --disk-only snapshot
 * has state shutoff, not disk-snapshot). */
static const char *snapshot_kind(const char *state, int memory_external, int disk_external)
{
	if (memory_external)
		return "external";
	if (disk_external || (state && strcmp(state, "disk-snapshot") == 0))
		return "disk-only";
	return "internal";
}

/* A <domainsnapshot> document: name, state, parent and creation time, and its kind from the
 * snapshot= of <memory> and of each <disks><disk>. */
static void read_snapshot_xml(xmlNodePtr root, struct kh_domsnap *n)
{
	int memory_external = 0, disk_external = 0;
	char *v;

	if (!is_element(root, "domainsnapshot"))
		return;
	for (xmlNodePtr e = root->children; e; e = e->next) {
		if (is_element(e, "name") && n->name == NULL) {
			n->name = node_text(e);
		} else if (is_element(e, "state") && n->state == NULL) {
			n->state = node_text(e);
		} else if (is_element(e, "creationTime") && n->created == KH_UNKNOWN) {
			char *end;
			long long t;

			if ((v = node_text(e)) != NULL) {
				errno = 0;
				t = strtoll(v, &end, 10);
				if (errno == 0 && end != v && *end == '\0' && t >= 0)
					n->created = (int64_t)t;
				free(v);
			}
		} else if (is_element(e, "parent") && n->parent == NULL) {
			for (xmlNodePtr t = e->children; t; t = t->next)
				if (is_element(t, "name") && n->parent == NULL)
					n->parent = node_text(t);
		} else if (is_element(e, "memory")) {
			v = node_attr(e, "snapshot");
			memory_external |= v && strcmp(v, "external") == 0;
			free(v);
		} else if (is_element(e, "disks")) {
			for (xmlNodePtr t = e->children; t; t = t->next) {
				if (!is_element(t, "disk"))
					continue;
				v = node_attr(t, "snapshot");
				disk_external |= v && strcmp(v, "external") == 0;
				free(v);
			}
		}
	}
	n->kind = kh_strdup(snapshot_kind(n->state, memory_external, disk_external));
}

int kh_read_snapshot_xml(struct kh_xdoc *x, const char *xml, struct kh_domsnap *n,
			 char **error)
{
	if (kh_xdoc_parse(x, xml) != 0) {
		kh_note(error, "cannot parse snapshot XML", "malformed document");
		return -1;
	}
	read_snapshot_xml(xmlDocGetRootElement(x->doc), n);
	return 0;
}

/* ---- storage ---- */

/* The first of each, as /volume/@type, /volume/target/path, /volume/target/format/@type and
 * /volume/capacity (allocation, physical) would select them. */
static void read_volume_root(xmlNodePtr root, struct kh_volume *v)
{
	int seen_cap = 0, seen_alloc = 0, seen_phys = 0;

	if (!is_element(root, "volume"))
		return;
	v->type = node_attr(root, "type");
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is_element(n, "capacity") && !seen_cap++) {
			node_size(n, &v->capacity);
		} else if (is_element(n, "allocation") && !seen_alloc++) {
			node_size(n, &v->allocation);
		} else if (is_element(n, "physical") && !seen_phys++) {
			node_size(n, &v->physical);
		} else if (is_element(n, "target")) {
			for (xmlNodePtr t = n->children; t; t = t->next) {
				if (is_element(t, "path") && v->path == NULL)
					v->path = node_text(t);
				else if (is_element(t, "format") && v->format == NULL)
					v->format = node_attr(t, "type");
			}
		} else if (is_element(n, "backingStore")) {
			/* the file this one is an overlay of (a snapshot's or a linked clone's) */
			for (xmlNodePtr t = n->children; t; t = t->next) {
				if (is_element(t, "path") && v->backing == NULL)
					v->backing = node_text(t);
				else if (is_element(t, "format") && v->backing_format == NULL)
					v->backing_format = node_attr(t, "type");
			}
		}
	}
}

void kh_read_volume_xml(struct kh_xdoc *x, struct kh_volume *v)
{
	if (kh_xdoc_parse(x, v->xml) == 0)
		read_volume_root(xmlDocGetRootElement(x->doc), v);
	else
		kh_note(&v->error, "cannot parse XML", "malformed document");
}

void kh_read_pool_xml(struct kh_xdoc *x, struct kh_pool *p)
{
	if (kh_xdoc_parse(x, p->xml) == 0) {
		p->type = xstr(x, NULL, "/pool/@type");
		p->path = xstr(x, NULL, "/pool/target/path");
	} else {
		kh_note(&p->error, "cannot parse XML", "malformed document");
	}
}

/* ---- networks ---- */

/* libvirt's rule: @prefix, else the netmask's bits, else classful for IPv4, 64 for IPv6. */
static int ip_prefix(const char *addr, const char *prefix, const char *netmask)
{
	struct in_addr a;

	if (prefix)
		return atoi(prefix);
	if (netmask && inet_pton(AF_INET, netmask, &a) == 1) {
		uint32_t m = ntohl(a.s_addr);
		int bits = 0;

		while (m & 0x80000000u) {
			bits++;
			m <<= 1;
		}
		return m ? -1 : bits; /* -1: not a contiguous mask */
	}
	if (inet_pton(AF_INET, addr, &a) == 1) {
		unsigned first = ntohl(a.s_addr) >> 24;

		return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : -1;
	}
	return 64;
}

static void read_network_ips(struct kh_xdoc *x, struct kh_network *n)
{
	xmlXPathObjectPtr o = xnodes(x, NULL, "/network/ip");
	struct kh_buf ips = {0}, ranges = {0};

	for (int i = 0; o && i < o->nodesetval->nodeNr; i++) {
		xmlNodePtr ip = o->nodesetval->nodeTab[i];
		char *addr = xstr(x, ip, "@address");
		char *prefix = xstr(x, ip, "@prefix");
		char *mask = xstr(x, ip, "@netmask");
		xmlXPathObjectPtr r = xnodes(x, ip, "dhcp/range");
		int bits;

		if (addr) {
			bits = ip_prefix(addr, prefix, mask);
			kh_buf_printf(&ips, "%s%s", ips.len ? " " : "", addr);
			if (bits >= 0)
				kh_buf_printf(&ips, "/%d", bits);
			else if (mask)
				kh_buf_printf(&ips, "/%s", mask);
		}
		for (int j = 0; r && j < r->nodesetval->nodeNr; j++) {
			char *start = xstr(x, r->nodesetval->nodeTab[j], "@start");
			char *end = xstr(x, r->nodesetval->nodeTab[j], "@end");

			if (start && end)
				kh_buf_printf(&ranges, "%s%s-%s", ranges.len ? " " : "", start, end);
			free(start);
			free(end);
		}
		if (r)
			xmlXPathFreeObject(r);
		free(addr);
		free(prefix);
		free(mask);
	}
	if (o)
		xmlXPathFreeObject(o);
	n->ips = ips.len ? kh_buf_steal(&ips) : NULL;
	n->dhcp_ranges = ranges.len ? kh_buf_steal(&ranges) : NULL;
	kh_buf_free(&ips);
	kh_buf_free(&ranges);
}

void kh_read_network_xml(struct kh_xdoc *x, struct kh_network *n)
{
	if (kh_xdoc_parse(x, n->xml) < 0) {
		kh_note(&n->error, "cannot parse XML", "malformed document");
		return;
	}
	if (n->bridge == NULL)
		n->bridge = xstr(x, NULL, "/network/bridge/@name");
	n->forward = xstr(x, NULL, "/network/forward/@mode");
	if (n->forward == NULL && xhas(x, NULL, "/network/forward"))
		n->forward = kh_strdup("nat"); /* <forward/> means NAT */
	read_network_ips(x, n);
}
