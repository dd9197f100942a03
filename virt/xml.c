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

/* Deeper than libvirt writes, shallower than libxml2's limit (256): left to libxml2. */
#define SCAN_DEPTH 128
/* Longer names and larger documents are left to libxml2, whose limits they may reach. */
#define SCAN_NAME_MAX 1000
#define SCAN_DOC_MAX (1 << 20)

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static int name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* The length of the name at p (no namespace prefix: no ':'), 0 when there is none. */
static size_t scan_name(const char *p)
{
	size_t n = 0;

	if (!name_start(*p))
		return 0;
	while (name_char(p[n]) && n <= SCAN_NAME_MAX)
		n++;
	return n > SCAN_NAME_MAX ? 0 : n;
}

/* The predefined entity at p ("&lt;" and four more): the character it stands for, its
 * length in *len; 0 for any other reference (left to libxml2). */
static char entity(const char *p, size_t *len)
{
	static const struct {
		const char *ref;
		char c;
	} ents[] = { { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
		     { "&apos;", '\'' } };

	for (size_t i = 0; i < sizeof ents / sizeof *ents; i++) {
		size_t n = strlen(ents[i].ref);

		if (strncmp(p, ents[i].ref, n) == 0) {
			*len = n;
			return ents[i].c;
		}
	}
	return 0;
}

/* Whether c may stand in text or a quoted value as it is: printable ASCII, tab and newline
 * (a carriage return would be normalised, a control character is an error, anything above
 * ASCII is left to libxml2's decoding). */
static int plain_char(char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n';
}

/* Text up to the next '<' (or the end): plain characters and predefined entities, no "]]>".
 * Returns the end, or NULL. */
static const char *scan_text(const char *p)
{
	size_t n;

	for (; *p && *p != '<'; p++) {
		if (*p == '&') {
			if (!entity(p, &n))
				return NULL;
			p += n - 1;
		} else if (!plain_char(*p) || (*p == ']' && strncmp(p, "]]>", 3) == 0)) {
			return NULL;
		}
	}
	return p;
}

/* A start tag's attributes from p (after the name) to its '>' or "/>"; *p left there. */
static int scan_attrs(struct kh_xdoc *x, struct kh_xel *e, const char **pp)
{
	const char *p = *pp;

	e->attr = x->n_at;
	for (;;) {
		const char *s = p;
		struct kh_xattr *a;
		size_t n, len;
		char q;

		while (is_space(*p))
			p++;
		if (*p == '>' || (p[0] == '/' && p[1] == '>'))
			break;
		if (p == s || (n = scan_name(p)) == 0 || (n == 5 && strncmp(p, "xmlns", 5) == 0))
			return -1;
		for (size_t i = e->attr; i < x->n_at; i++)
			if (x->at[i].name_len == n && memcmp(x->at[i].name, p, n) == 0)
				return -1; /* twice: malformed */
		a = KH_PUSH(x->at, x->n_at, x->cap_at);
		a->name = p;
		a->name_len = n;
		p += n;
		while (is_space(*p))
			p++;
		if (*p++ != '=')
			return -1;
		while (is_space(*p))
			p++;
		if (*p != '\'' && *p != '"')
			return -1;
		q = *p++;
		a->val = p;
		for (; *p != q; p++) {
			if (*p == '&') {
				if (!entity(p, &len))
					return -1;
				p += len - 1;
			} else if (*p == '<' || !plain_char(*p)) {
				return -1;
			}
		}
		a->val_len = (size_t)(p - a->val);
		p++;
	}
	e->n_attrs = x->n_at - e->attr;
	*pp = p;
	return 0;
}

/* The document as libvirt writes it, into x->el and x->at; -1 for anything else (then
 * libxml2 reads it, and may still find it well-formed). */
static int scan(struct kh_xdoc *x, const char *p)
{
	long open[SCAN_DEPTH], last[SCAN_DEPTH + 1];
	size_t depth = 0;

	x->n_el = x->n_at = 0;
	while (is_space(*p))
		p++;
	last[0] = -1;
	do {
		struct kh_xel *e;
		long i;
		size_t n;

		if (*p != '<')
			return -1;
		if (p[1] == '/') {
			/* the end tag of the innermost open element */
			if (depth == 0)
				return -1;
			e = &x->el[open[depth - 1]];
			if (strncmp(p + 2, e->name, e->name_len) != 0)
				return -1;
			e->body_len = (size_t)(p - e->body);
			p += 2 + e->name_len;
			while (is_space(*p))
				p++;
			if (*p++ != '>')
				return -1;
			depth--;
		} else {
			if ((n = scan_name(p + 1)) == 0 || depth == SCAN_DEPTH)
				return -1;
			i = (long)x->n_el;
			e = KH_PUSH(x->el, x->n_el, x->cap_el);
			e->name = p + 1;
			e->name_len = n;
			e->child = e->next = -1;
			p += 1 + n;
			if (scan_attrs(x, e, &p) != 0)
				return -1;
			if (last[depth] >= 0)
				x->el[last[depth]].next = i;
			else if (depth > 0)
				x->el[open[depth - 1]].child = i;
			last[depth] = i;
			if (*p == '/') {
				e->body = p;
				p += 2;
			} else {
				e->body = ++p;
				open[depth++] = i;
				last[depth] = -1;
			}
		}
		if (depth > 0 && (p = scan_text(p)) == NULL)
			return -1;
	} while (depth > 0);
	while (is_space(*p))
		p++;
	return *p == '\0' ? 0 : -1;
}

/* libxml2's element n (and its elements below) into x->el, as scan would have; returns its
 * index. Below libxml2's depth limit, so the recursion is bounded. */
static long from_tree(struct kh_xdoc *x, xmlNodePtr n)
{
	long i = (long)x->n_el, last = -1;
	struct kh_xel *e = KH_PUSH(x->el, x->n_el, x->cap_el);

	e->name = (const char *)n->name;
	e->name_len = strlen(e->name);
	e->ns = n->ns != NULL;
	e->node = n;
	e->child = e->next = -1;
	e->attr = x->n_at;
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		struct kh_xattr *t = KH_PUSH(x->at, x->n_at, x->cap_at);

		t->name = (const char *)a->name;
		t->name_len = strlen(t->name);
		t->ns = a->ns != NULL;
		t->node = a;
	}
	x->el[i].n_attrs = x->n_at - x->el[i].attr;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		long k;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		k = from_tree(x, c);
		if (last >= 0)
			x->el[last].next = k;
		else
			x->el[i].child = k;
		last = k;
	}
	return i;
}

/* Replaces the reader's document: scanned, else parsed by libxml2, which never fetches
 * anything from the network and never prints. COMPACT keeps short text inside its node
 * (fewer allocations): we never modify the tree. Returns 0 or -1. */
int kh_xdoc_parse(struct kh_xdoc *x, const char *xml)
{
	size_t len = strlen(xml);
	xmlNodePtr root;

	if (x->doc)
		xmlFreeDoc(x->doc);
	x->doc = NULL;
	if (!x->libxml2_only && len < SCAN_DOC_MAX && scan(x, xml) == 0)
		return 0;
	x->n_el = x->n_at = 0;
	if (len > INT_MAX)
		return -1;
	if (x->ctxt == NULL && (x->ctxt = xmlNewParserCtxt()) == NULL)
		return -1;
	x->doc = xmlCtxtReadMemory(x->ctxt, xml, (int)len, "libvirt.xml", NULL,
				   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				   XML_PARSE_COMPACT);
	if (x->doc == NULL || (root = xmlDocGetRootElement(x->doc)) == NULL)
		return -1;
	from_tree(x, root);
	return 0;
}

void kh_xdoc_free(struct kh_xdoc *x)
{
	if (x->doc)
		xmlFreeDoc(x->doc);
	if (x->ctxt)
		xmlFreeParserCtxt(x->ctxt);
	free(x->el);
	free(x->at);
	memset(x, 0, sizeof *x);
}

/* ---- reading the elements ---- */

static struct kh_xel *root_of(struct kh_xdoc *x)
{
	return x->n_el ? &x->el[0] : NULL;
}

/* NULL for none, and for no e (an absent root). */
static struct kh_xel *first_child(struct kh_xdoc *x, const struct kh_xel *e)
{
	return e && e->child >= 0 ? &x->el[e->child] : NULL;
}

static struct kh_xel *next_sibling(struct kh_xdoc *x, const struct kh_xel *e)
{
	return e->next >= 0 ? &x->el[e->next] : NULL;
}

#define EACH_CHILD(x, e, c) \
	for (struct kh_xel *c = first_child(x, e); c; c = next_sibling(x, c))

/* Named `name`, in whatever namespace (as the direct readers of volumes and snapshots have
 * always compared). */
static int is_element(const struct kh_xel *e, const char *name)
{
	return strlen(name) == e->name_len && memcmp(e->name, name, e->name_len) == 0;
}

/* What an XPath step `name` selects: the name in no namespace. */
static int is_step(const struct kh_xel *e, const char *name)
{
	return !e->ns && is_element(e, name);
}

/* Scanned text (an element's body, a quoted value) with its references resolved and, in a
 * value, tabs and newlines as spaces (XML's normalisation); tags in a body are skipped, so
 * the text is all the text below the element, as xmlNodeGetContent gives it. */
static char *span_text(const char *p, size_t n, int value)
{
	char *s = kh_malloc(n + 1), *o = s;
	const char *end = p + n;
	size_t len = 1;

	while (p < end) {
		if (*p == '<') {
			for (char q = 0; p < end && (q || *p != '>'); p++)
				if (*p == '\'' || *p == '"')
					q = q == 0 ? *p : q == *p ? 0 : q;
			p++;
		} else if (*p == '&') {
			*o++ = entity(p, &len);
			p += len;
		} else {
			*o++ = value && is_space(*p) ? ' ' : *p;
			p++;
		}
	}
	*o = '\0';
	return s;
}

/* libxml2's answer as our string. */
static char *xml_string(xmlChar *v)
{
	char *s = v ? kh_strdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

/* All the text below an element. */
static char *node_text(const struct kh_xel *e)
{
	if (e->node)
		return xml_string(xmlNodeGetContent(e->node));
	return span_text(e->body, e->body_len, 0);
}

static char *attr_value(const struct kh_xattr *a)
{
	if (a->node)
		return xml_string(xmlNodeGetContent((xmlNodePtr)a->node));
	return span_text(a->val, a->val_len, 1);
}

/* What the XPath step `@name` selects: the attribute in no namespace; NULL when absent. */
static const struct kh_xattr *step_attr(struct kh_xdoc *x, const struct kh_xel *e,
					const char *name)
{
	for (size_t i = e->attr; i < e->attr + e->n_attrs; i++) {
		const struct kh_xattr *a = &x->at[i];

		if (!a->ns && strlen(name) == a->name_len && memcmp(a->name, name, a->name_len) == 0)
			return a;
	}
	return NULL;
}

/* The value of `@name`; NULL when absent, so an absent attribute and an empty one stay
 * apart. */
static char *xattr(struct kh_xdoc *x, const struct kh_xel *e, const char *name)
{
	const struct kh_xattr *a = step_attr(x, e, name);

	return a ? attr_value(a) : NULL;
}

/* An attribute's value as xmlGetProp reads it (whatever its namespace, a DTD's default
 * included); NULL when absent. */
static char *node_attr(struct kh_xdoc *x, const struct kh_xel *e, const char *name)
{
	if (e->node)
		return xml_string(xmlGetProp(e->node, BAD_CAST name));
	return xattr(x, e, name);
}

/* The first element `a/b` selects below e, in document order; NULL when none. */
static struct kh_xel *step2(struct kh_xdoc *x, const struct kh_xel *e, const char *a,
			    const char *b)
{
	EACH_CHILD(x, e, c)
		if (is_step(c, a))
			EACH_CHILD(x, c, d)
				if (is_step(d, b))
					return d;
	return NULL;
}

/* The root, when it is `name` (as an absolute XPath's first step selects it). */
static struct kh_xel *root_step(struct kh_xdoc *x, const char *name)
{
	struct kh_xel *r = root_of(x);

	return r && is_step(r, name) ? r : NULL;
}

/* What `/root/a/b` selects first, as text; NULL when nothing. */
static char *path_text(struct kh_xdoc *x, const char *root, const char *a, const char *b)
{
	struct kh_xel *r = root_step(x, root), *e = r ? step2(x, r, a, b) : NULL;

	return e ? node_text(e) : NULL;
}

/* What `child/@name` selects first below e; NULL when nothing. */
static char *child_attr(struct kh_xdoc *x, const struct kh_xel *e, const char *child,
			const char *name)
{
	EACH_CHILD(x, e, c) {
		const struct kh_xattr *a;

		if (is_step(c, child) && (a = step_attr(x, c, name)) != NULL)
			return attr_value(a);
	}
	return NULL;
}

/* A size element (<capacity unit='bytes'>N</capacity>) as bytes; *out is left alone when it
 * cannot be read (unknown, not zero). */
static void node_size(struct kh_xdoc *x, const struct kh_xel *e, int64_t *out)
{
	char *count = node_text(e), *unit = node_attr(x, e, "unit");
	int64_t bytes;

	if (count && kh_size_bytes(count, unit, 1, &bytes) == 0)
		*out = bytes;
	free(count);
	free(unit);
}

/* ---- host ---- */

int kh_read_capabilities(struct kh_xdoc *x, const char *xml, struct kh_host *h)
{
	if (kh_xdoc_parse(x, xml) != 0)
		return -1;
	h->host_uuid = path_text(x, "capabilities", "host", "uuid");
	return 0;
}

/* ---- domains ---- */

/* file/dev/dir path; "pool/volume" for volumes (naming both); "protocol:name" for network. */
static void read_disk_source(struct kh_xdoc *x, const struct kh_xel *n, struct kh_disk *k)
{
	if (k->type == NULL)
		return;
	if (strcmp(k->type, "file") == 0) {
		k->source = child_attr(x, n, "source", "file");
	} else if (strcmp(k->type, "block") == 0) {
		k->source = child_attr(x, n, "source", "dev");
	} else if (strcmp(k->type, "dir") == 0) {
		k->source = child_attr(x, n, "source", "dir");
	} else if (strcmp(k->type, "volume") == 0) {
		k->pool = child_attr(x, n, "source", "pool");
		k->volume = child_attr(x, n, "source", "volume");
		if (k->pool && k->volume)
			k->source = kh_asprintf("%s/%s", k->pool, k->volume);
	} else if (strcmp(k->type, "network") == 0) {
		char *proto = child_attr(x, n, "source", "protocol");
		char *name = child_attr(x, n, "source", "name");

		/* nbd may name no export: the host is what identifies it then (source/host/@name) */
		EACH_CHILD(x, n, s)
			if (name == NULL && is_step(s, "source"))
				name = child_attr(x, s, "host", "name");
		if (proto)
			k->source = kh_asprintf("%s:%s", proto, name ? name : "");
		free(proto);
		free(name);
	}
}

static void read_disk(struct kh_xdoc *x, const struct kh_xel *n, struct kh_domain *d)
{
	struct kh_disk *k = kh_domain_add_disk(d);

	k->target = child_attr(x, n, "target", "dev");
	k->device = xattr(x, n, "device");
	if (k->device == NULL)
		k->device = kh_strdup("disk"); /* libvirt's default */
	k->type = xattr(x, n, "type");
	read_disk_source(x, n, k);
}

static void read_iface(struct kh_xdoc *x, const struct kh_xel *n, struct kh_domain *d)
{
	struct kh_iface *f = kh_domain_add_iface(d);

	f->mac = child_attr(x, n, "mac", "address");
	f->type = xattr(x, n, "type");
	/* network, bridge or direct (macvtap) name what the guest is plugged into */
	f->source = child_attr(x, n, "source", "network");
	if (f->source == NULL)
		f->source = child_attr(x, n, "source", "bridge");
	if (f->source == NULL)
		f->source = child_attr(x, n, "source", "dev");
	f->model = child_attr(x, n, "model", "type");
}

int kh_read_domain_xml(struct kh_xdoc *x, struct kh_domain *d)
{
	struct kh_xel *r;

	if (kh_xdoc_parse(x, d->xml) != 0) {
		kh_note(&d->error, "cannot parse XML", "malformed document");
		return -1;
	}
	if ((r = root_step(x, "domain")) == NULL)
		return 0;
	/* what virDomainGetOSType answers, without the round trip (/domain/os/type) */
	d->os_type = path_text(x, "domain", "os", "type");
	/* /domain/devices/disk and /domain/devices/interface, each list in document order */
	EACH_CHILD(x, r, dev)
		if (is_step(dev, "devices"))
			EACH_CHILD(x, dev, n) {
				if (is_step(n, "disk"))
					read_disk(x, n, d);
				else if (is_step(n, "interface"))
					read_iface(x, n, d);
			}
	return 0;
}

int kh_read_current_memory(struct kh_xdoc *x, int64_t *kib)
{
	struct kh_xel *r = root_step(x, "domain");
	int64_t bytes = -1;

	EACH_CHILD(x, r, e) {
		if (is_step(e, "currentMemory")) {
			node_size(x, e, &bytes);
			break;
		}
	}
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
static void read_snapshot_xml(struct kh_xdoc *x, const struct kh_xel *root, struct kh_domsnap *n)
{
	int memory_external = 0, disk_external = 0;
	char *v;

	if (root == NULL || !is_element(root, "domainsnapshot"))
		return;
	EACH_CHILD(x, root, e) {
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
			EACH_CHILD(x, e, t)
				if (is_element(t, "name") && n->parent == NULL)
					n->parent = node_text(t);
		} else if (is_element(e, "memory")) {
			v = node_attr(x, e, "snapshot");
			memory_external |= v && strcmp(v, "external") == 0;
			free(v);
		} else if (is_element(e, "disks")) {
			EACH_CHILD(x, e, t) {
				if (!is_element(t, "disk"))
					continue;
				v = node_attr(x, t, "snapshot");
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
	read_snapshot_xml(x, root_of(x), n);
	return 0;
}

/* ---- storage ---- */

/* A volume's <target> or <backingStore>: the first path and format/@type below it that
 * are not read yet. */
static void read_path_format(struct kh_xdoc *x, const struct kh_xel *n, char **path,
			     char **format)
{
	EACH_CHILD(x, n, t) {
		if (is_element(t, "path") && *path == NULL)
			*path = node_text(t);
		else if (is_element(t, "format") && *format == NULL)
			*format = node_attr(x, t, "type");
	}
}

/* The first of each, as /volume/@type, /volume/target/path, /volume/target/format/@type and
 * /volume/capacity (allocation, physical) would select them. */
static void read_volume_root(struct kh_xdoc *x, const struct kh_xel *root, struct kh_volume *v)
{
	int seen_cap = 0, seen_alloc = 0, seen_phys = 0;

	if (root == NULL || !is_element(root, "volume"))
		return;
	v->type = node_attr(x, root, "type");
	EACH_CHILD(x, root, n) {
		if (is_element(n, "capacity") && !seen_cap++) {
			node_size(x, n, &v->capacity);
		} else if (is_element(n, "allocation") && !seen_alloc++) {
			node_size(x, n, &v->allocation);
		} else if (is_element(n, "physical") && !seen_phys++) {
			node_size(x, n, &v->physical);
		} else if (is_element(n, "target")) {
			read_path_format(x, n, &v->path, &v->format);
		} else if (is_element(n, "backingStore")) {
			/* the file this one is an overlay of (a snapshot's or a linked clone's) */
			read_path_format(x, n, &v->backing, &v->backing_format);
		}
	}
}

void kh_read_volume_xml(struct kh_xdoc *x, struct kh_volume *v)
{
	if (kh_xdoc_parse(x, v->xml) == 0)
		read_volume_root(x, root_of(x), v);
	else
		kh_note(&v->error, "cannot parse XML", "malformed document");
}

void kh_read_pool_xml(struct kh_xdoc *x, struct kh_pool *p)
{
	if (kh_xdoc_parse(x, p->xml) == 0) {
		struct kh_xel *r = root_step(x, "pool");

		p->type = r ? xattr(x, r, "type") : NULL;
		p->path = path_text(x, "pool", "target", "path");
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
	struct kh_buf ips = {0}, ranges = {0};

	/* /network/ip, each one's @address, @prefix, @netmask and dhcp/range */
	EACH_CHILD(x, root_step(x, "network"), ip) {
		char *addr, *prefix, *mask;
		int bits;

		if (!is_step(ip, "ip"))
			continue;
		addr = xattr(x, ip, "address");
		prefix = xattr(x, ip, "prefix");
		mask = xattr(x, ip, "netmask");
		if (addr) {
			bits = ip_prefix(addr, prefix, mask);
			kh_buf_printf(&ips, "%s%s", ips.len ? " " : "", addr);
			if (bits >= 0)
				kh_buf_printf(&ips, "/%d", bits);
			else if (mask)
				kh_buf_printf(&ips, "/%s", mask);
		}
		EACH_CHILD(x, ip, dhcp) {
			if (!is_step(dhcp, "dhcp"))
				continue;
			EACH_CHILD(x, dhcp, r) {
				char *start, *end;

				if (!is_step(r, "range"))
					continue;
				start = xattr(x, r, "start");
				end = xattr(x, r, "end");
				if (start && end)
					kh_buf_printf(&ranges, "%s%s-%s", ranges.len ? " " : "", start, end);
				free(start);
				free(end);
			}
		}
		free(addr);
		free(prefix);
		free(mask);
	}
	n->ips = ips.len ? kh_buf_steal(&ips) : NULL;
	n->dhcp_ranges = ranges.len ? kh_buf_steal(&ranges) : NULL;
	kh_buf_free(&ips);
	kh_buf_free(&ranges);
}

void kh_read_network_xml(struct kh_xdoc *x, struct kh_network *n)
{
	struct kh_xel *r;

	if (kh_xdoc_parse(x, n->xml) < 0) {
		kh_note(&n->error, "cannot parse XML", "malformed document");
		return;
	}
	if ((r = root_step(x, "network")) == NULL)
		return;
	if (n->bridge == NULL)
		n->bridge = child_attr(x, r, "bridge", "name");
	n->forward = child_attr(x, r, "forward", "mode");
	EACH_CHILD(x, r, f) {
		if (n->forward == NULL && is_step(f, "forward")) {
			n->forward = kh_strdup("nat"); /* <forward/> means NAT */
			break;
		}
	}
	read_network_ips(x, n);
}
