#include "report/xmldiff.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define S(x) ((const char *)(x))

/* No DTD, no external entity, no network: libvirt XML needs none of them. */
#define PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* libxml2 refuses documents nested deeper than 256 elements (without XML_PARSE_HUGE), so the
 * recursion below is bounded by it; this is the belt to those braces. */
#define MAX_DEPTH 512

/* ---- The key table ----------------------------------------------------------------------
 * How repeated children are told apart. `parent` and `name` are local names (NULL parent:
 * any); the first matching row wins, so specific rows come before general ones.
 * `keys` lists alternatives separated by '|', tried in order; the first whose parts all exist
 * on the element is its key. Parts are separated by ' ' and each is "@attr" (on the element),
 * "child/.../@attr", "child" (a child's text) or "." (the element's text). The key is shown in
 * paths as written: [target/@dev='vda'], [@type='usb'][@index='0'].
 * Elements without a row (or without any key part) are matched by content, then by position.
 * ORDERED: the siblings' order is meaningful; they are matched by position only. */
enum { ORDERED = 1 };

struct key_rule {
	const char *parent, *name;
	unsigned flags;
	const char *keys;
};

static const struct key_rule key_rules[] = {
	/* domain devices */
	{ "devices", "disk", 0, "target/@dev" },
	{ "devices", "interface", 0, "mac/@address|alias/@name" },
	{ "devices", "controller", 0, "@type @index" },
	{ "devices", "hostdev", 0,
	  "source/address/@domain source/address/@bus source/address/@slot source/address/@function"
	  "|source/address/@uuid"
	  "|source/adapter/@name source/address/@bus source/address/@target source/address/@unit"
	  "|source/vendor/@id source/product/@id"
	  "|source/address/@bus source/address/@device"
	  "|source/@wwpn|source/@name|source/block|source/char|source/interface|alias/@name" },
	{ "devices", "redirdev", 0, "address/@bus address/@port|alias/@name" },
	{ "devices", "channel", 0, "target/@name|target/@address target/@port|alias/@name" },
	{ "devices", "serial", 0, "target/@port|alias/@name" },
	{ "devices", "console", 0, "target/@type target/@port|alias/@name" },
	{ "devices", "parallel", 0, "target/@port|alias/@name" },
	{ "devices", "graphics", 0, "@type" },
	{ "devices", "filesystem", 0, "target/@dir" },
	{ "devices", "input", 0, "@type @bus" },
	{ "devices", "sound", 0, "@model" },
	{ "devices", "shmem", 0, "@name" },
	{ "devices", "audio", 0, "@id" },
	{ "devices", "panic", 0, "@model" },
	{ "devices", "lease", 0, "lockspace key" },
	{ "graphics", "channel", 0, "@name" },
	{ "sound", "codec", 0, "@type" },
	{ "interface", "ip", 0, "@address" },
	{ "interface", "route", 0, "@address" },
	{ "vlan", "tag", 0, "@id" },
	{ "source", "host", 0, "@name|@socket" },        /* disk and pool sources */
	{ "source", "device", 0, "@path" },              /* pool */
	{ "source", "extent", 0, "@start" },             /* volume */
	{ NULL, "seclabel", 0, "@model" },
	{ "redirfilter", "usbdev", ORDERED, NULL },      /* filter rules apply in order */
	{ "smartcard", "certificate", ORDERED, NULL },
	/* domain */
	{ "os", "boot", ORDERED, NULL },                 /* boot order */
	{ "os", "initarg", ORDERED, NULL },
	{ "os", "initenv", 0, "@name" },
	{ "firmware", "feature", 0, "@name" },
	{ "cpu", "feature", 0, "@name" },
	{ "numa", "cell", 0, "@id" },
	{ "distances", "sibling", 0, "@id" },
	{ "clock", "timer", 0, "@name" },
	{ "cputune", "vcpupin", 0, "@vcpu" },
	{ "cputune", "iothreadpin", 0, "@iothread" },
	{ "cputune", "vcpusched", 0, "@vcpus" },
	{ "cputune", "iothreadsched", 0, "@iothreads" },
	{ "cputune", "cachetune", 0, "@vcpus" },
	{ "cputune", "memorytune", 0, "@vcpus" },
	{ "cachetune", "cache", 0, "@id @level @type" },
	{ "memorytune", "node", 0, "@id" },
	{ "vcpus", "vcpu", 0, "@id" },
	{ "iothreadids", "iothread", 0, "@id" },
	{ "blkiotune", "device", 0, "path" },
	{ "numatune", "memnode", 0, "@cellid" },
	{ "perf", "event", 0, "@name" },
	{ "keywrap", "cipher", 0, "@name" },
	{ "oemStrings", "entry", ORDERED, NULL },        /* SMBIOS strings are numbered */
	{ NULL, "entry", 0, "@name" },                   /* sysinfo bios, system, ... */
	{ "commandline", "arg", ORDERED, NULL },         /* qemu:commandline */
	{ "commandline", "env", 0, "@name" },
	{ "capabilities", "add", 0, "@capability" },
	{ "capabilities", "del", 0, "@capability" },
	/* network */
	{ "network", "ip", 0, "@address" },
	{ "network", "portgroup", 0, "@name" },
	{ "network", "route", 0, "@address" },
	{ "dhcp", "host", 0, "@mac|@ip|@name" },
	{ "dhcp", "range", 0, "@start" },
	{ "portForward", "range", 0, "@start" },
	{ "dns", "host", 0, "@ip" },
	{ "dns", "txt", 0, "@name" },
	{ "dns", "srv", 0, "@service @protocol" },
	{ "dns", "forwarder", 0, "@domain|@addr" },
	{ "forward", "interface", 0, "@dev" },
	{ "forward", "address", 0, "@domain @bus @slot @function" },
	/* pool namespaces: fs:mount_opts, rbd:config_opts */
	{ "mount_opts", "option", 0, "@name" },
	{ "config_opts", "option", 0, "@name" },
	/* volume */
	{ "encryption", "secret", 0, "@type" },
};

/* Asked for every element of both documents: the first letter rules out most rows. */
static const struct key_rule *rule_for(const char *parent, const char *name)
{
	for (size_t i = 0; i < sizeof key_rules / sizeof key_rules[0]; i++) {
		const struct key_rule *r = &key_rules[i];

		if (r->name[0] == name[0] && strcmp(r->name, name) == 0 &&
		    (r->parent == NULL || strcmp(r->parent, parent) == 0))
			return r;
	}
	return NULL;
}

int kh_xml_order_matters(const char *parent, const char *name)
{
	const struct key_rule *r = parent && name ? rule_for(parent, name) : NULL;

	return r && (r->flags & ORDERED);
}

/* ---- Sizes with a unit -------------------------------------------------------------------
 * <memory unit='KiB'>2097152</memory> and <memory unit='GiB'>2</memory> are the same: such
 * elements compare (and are reported) as bytes; their @unit is part of the value. `scale` is
 * libvirt's default unit when @unit is absent. */
struct sized_rule {
	const char *parent, *name;
	uint64_t scale;
};

static const struct sized_rule sized_rules[] = {
	{ "shmem", "size", 1 },
	{ NULL, "memory", 1024 }, { NULL, "currentMemory", 1024 }, { NULL, "maxMemory", 1024 },
	{ NULL, "hard_limit", 1024 }, { NULL, "soft_limit", 1024 },
	{ NULL, "swap_hard_limit", 1024 }, { NULL, "min_guarantee", 1024 },
	{ NULL, "size", 1024 }, { NULL, "requested", 1024 }, { NULL, "pagesize", 1024 },
	{ NULL, "capacity", 1 }, { NULL, "allocation", 1 }, { NULL, "physical", 1 },
	{ NULL, "available", 1 },
};

static uint64_t sized_scale(const xmlNode *e)
{
	const char *parent = e->parent && e->parent->type == XML_ELEMENT_NODE ? S(e->parent->name) : "";

	for (size_t i = 0; i < sizeof sized_rules / sizeof sized_rules[0]; i++) {
		const struct sized_rule *r = &sized_rules[i];

		if (strcmp(r->name, S(e->name)) == 0 &&
		    (r->parent == NULL || strcmp(r->parent, parent) == 0))
			return r->scale;
	}
	return 0;
}

/* ---- Values -------------------------------------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Appends the text of a node list: text and CDATA as is, entity references as written
 * (never expanded: no entity can make the comparison grow). */
static void put_text_list(struct kh_buf *b, const xmlNode *k)
{
	for (; k; k = k->next) {
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
			kh_buf_puts(b, S(k->content));
		else if (k->type == XML_ENTITY_REF_NODE)
			kh_buf_printf(b, "&%s;", S(k->name));
	}
}

/* The element's own text, trimmed; NULL when there is none (or only whitespace). */
static char *own_text(const xmlNode *e)
{
	struct kh_buf b = { 0 };
	size_t s = 0, n;
	char *t;

	put_text_list(&b, e->children);
	n = b.len;
	while (s < n && is_space(b.data[s]))
		s++;
	while (n > s && is_space(b.data[n - 1]))
		n--;
	t = n > s ? kh_strndup(b.data + s, n - s) : NULL;
	kh_buf_free(&b);
	return t;
}

static char *attr_value(const xmlAttr *a)
{
	struct kh_buf b = { 0 };

	put_text_list(&b, a->children);
	return kh_buf_steal(&b);
}

static const xmlAttr *attr_named(const xmlNode *e, const char *name)
{
	for (const xmlAttr *a = e->properties; a; a = a->next)
		if (a->ns == NULL && strcmp(S(a->name), name) == 0)
			return a;
	return NULL;
}

static const char *href(const xmlNs *ns)
{
	return ns && ns->href ? S(ns->href) : "";
}

static int is_addr_attr(const char *a)
{
	static const char *const names[] = { "domain", "bus", "slot", "function", "controller",
					     "target", "unit", "port", "cssid", "ssid", "devno",
					     "iobase", "irq", "reg", "device", NULL };

	for (int i = 0; names[i]; i++)
		if (strcmp(a, names[i]) == 0)
			return 1;
	return 0;
}

/* The value as compared: libvirt's equivalent spellings folded together. `attr` is NULL for
 * the element's text. */
static char *norm_value(const xmlNode *e, const char *attr, const char *v)
{
	const char *name = S(e->name);
	uint64_t n;
	char *r, *p;

	if (attr ? strcmp(attr, "uuid") == 0 : strcmp(name, "uuid") == 0) {
		r = p = kh_malloc(strlen(v) + 1);
		for (; *v; v++)
			if (*v != '-')
				*p++ = (char)tolower((unsigned char)*v);
		*p = '\0';
		return r;
	}
	if (attr && strcmp(name, "mac") == 0 && strcmp(attr, "address") == 0) {
		r = kh_strdup(v);
		for (p = r; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return r;
	}
	/* PCI, drive, USB, CCW addresses: 0x0000, 0 and 00 are one number (libvirt reads them
	 * with base 0). */
	if (attr && strcmp(name, "address") == 0 && is_addr_attr(attr) && kh_parse_u64(v, 0, &n) == 0)
		return kh_asprintf("%" PRIu64, n);
	return kh_strdup(v);
}

/* An element's text as compared (cmp) and as shown (show). A size with a unit is a number
 * of bytes (bytes=1, sized=1); when it cannot be read it stays "text unit" (sized=1). */
struct tval {
	char *cmp, *show, *raw;
	int sized, bytes;
};

static void tval_free(struct tval *v)
{
	free(v->cmp);
	free(v->show);
	free(v->raw);
}

static int has_element_child(const xmlNode *e)
{
	for (const xmlNode *k = e->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			return 1;
	return 0;
}

static void text_value(const xmlNode *e, struct tval *v)
{
	char *t = own_text(e);
	uint64_t scale = t ? sized_scale(e) : 0;
	int64_t bytes;

	memset(v, 0, sizeof *v);
	if (t == NULL)
		return;
	if (scale && !has_element_child(e)) {
		const xmlAttr *ua = attr_named(e, "unit");
		char *u = ua ? attr_value(ua) : NULL;

		v->sized = 1;
		v->raw = u ? kh_asprintf("%s %s", t, u) : kh_strdup(t);
		if (kh_size_bytes(t, u, scale, &bytes) == 0) {
			v->bytes = 1;
			v->cmp = kh_asprintf("%" PRId64, bytes);
			v->show = kh_strdup(v->cmp);
		} else {
			v->cmp = kh_strdup(v->raw);
			v->show = kh_strdup(v->raw);
		}
		free(u);
		free(t);
		return;
	}
	v->cmp = norm_value(e, NULL, t);
	v->show = t;
}

/* ---- Paths ---------------------------------------------------------------------------------- */

struct ctx {
	const char *const *ignore;
	struct kh_xml_changes *out;
	struct kh_buf path;     /* the current node's path, with predicates */
	struct kh_buf plain;    /* the same without predicates, for the ignore list */
	uint64_t *hashes;       /* by element: node->_private is the index + 1 */
	size_t n_hashes, cap_hashes;
	struct kh_err *err;
	int failed;
};

static void put_qname(struct kh_buf *b, const xmlNs *ns, const xmlChar *name)
{
	if (ns && ns->prefix)
		kh_buf_printf(b, "%s:", S(ns->prefix));
	kh_buf_puts(b, S(name));
}

static void cut(struct kh_buf *b, size_t len)
{
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

static int ignored(const struct ctx *c)
{
	const char *plain = c->plain.data ? c->plain.data : "";
	size_t n = c->plain.len;

	for (const char *const *p = c->ignore; p && *p; p++) {
		/* "//name": that name at any depth */
		if ((*p)[0] == '/' && (*p)[1] == '/') {
			size_t k = strlen(*p + 1);

			if (n >= k && strcmp(plain + n - k, *p + 1) == 0)
				return 1;
		} else if (strcmp(*p, plain) == 0) {
			return 1;
		}
	}
	return 0;
}

static int is_unit(const xmlAttr *a)
{
	return a->ns == NULL && strcmp(S(a->name), "unit") == 0;
}

/* Whether attribute a of an element is compared: not a sized element's unit, not ignored.
 * Leaves its segment pushed on the paths (the caller cuts them). */
static int attr_compared(struct ctx *c, const xmlAttr *a, int sized)
{
	if (sized && is_unit(a))
		return 0;
	kh_buf_puts(&c->path, "/@");
	put_qname(&c->path, a->ns, a->name);
	kh_buf_puts(&c->plain, "/@");
	put_qname(&c->plain, a->ns, a->name);
	return !ignored(c);
}

static int depth_error(struct ctx *c)
{
	if (!c->failed)
		kh_err_set(c->err, "XML nested deeper than %d elements", MAX_DEPTH);
	c->failed = 1;
	return -1;
}

static void emit(struct ctx *c, char *old, char *new_, enum kh_value_kind kind)
{
	struct kh_xml_change *ch = KH_PUSH(c->out->items, c->out->n, c->out->cap);

	ch->path = kh_strdup(c->path.data ? c->path.data : "");
	ch->old = old;
	ch->new_ = new_;
	ch->kind = kind;
}

/* ---- Compact serialization (an element added or removed) --------------------------------- */

static void put_escaped(struct kh_buf *b, const char *s, int attr)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': kh_buf_puts(b, "&amp;"); break;
		case '<': kh_buf_puts(b, "&lt;"); break;
		case '>': kh_buf_puts(b, "&gt;"); break;
		case '"': kh_buf_puts(b, attr ? "&quot;" : "\""); break;
		case '\n': kh_buf_puts(b, attr ? "&#10;" : "\n"); break;
		case '\t': kh_buf_puts(b, attr ? "&#9;" : "\t"); break;
		case '\r': kh_buf_puts(b, "&#13;"); break;
		default: kh_buf_add(b, s, 1);
		}
	}
}

static int only_space(const char *s)
{
	for (; *s; s++)
		if (!is_space(*s))
			return 0;
	return 1;
}

/* c->plain is e's plain path; ignored children and attributes are left out. */
static int serialize(struct ctx *c, struct kh_buf *b, const xmlNode *e, int depth)
{
	size_t plen = c->plain.len, start;

	if (depth > MAX_DEPTH)
		return depth_error(c);
	kh_buf_puts(b, "<");
	put_qname(b, e->ns, e->name);
	for (const xmlNs *ns = e->nsDef; ns; ns = ns->next) {
		kh_buf_puts(b, ns->prefix ? " xmlns:" : " xmlns");
		if (ns->prefix)
			kh_buf_puts(b, S(ns->prefix));
		kh_buf_puts(b, "=\"");
		put_escaped(b, href(ns), 1);
		kh_buf_puts(b, "\"");
	}
	for (const xmlAttr *a = e->properties; a; a = a->next) {
		kh_buf_puts(&c->plain, "/@");
		put_qname(&c->plain, a->ns, a->name);
		if (!ignored(c)) {
			char *v = attr_value(a);

			kh_buf_puts(b, " ");
			put_qname(b, a->ns, a->name);
			kh_buf_puts(b, "=\"");
			put_escaped(b, v, 1);
			kh_buf_puts(b, "\"");
			free(v);
		}
		cut(&c->plain, plen);
	}
	kh_buf_puts(b, ">");
	start = b->len;
	for (const xmlNode *k = e->children; k; k = k->next) {
		if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content) {
			if (!only_space(S(k->content)))
				put_escaped(b, S(k->content), 0);
		} else if (k->type == XML_ENTITY_REF_NODE) {
			kh_buf_printf(b, "&%s;", S(k->name));
		} else if (k->type == XML_ELEMENT_NODE) {
			int skip;

			kh_buf_puts(&c->plain, "/");
			put_qname(&c->plain, k->ns, k->name);
			skip = ignored(c);
			if (!skip && serialize(c, b, k, depth + 1))
				return -1;
			cut(&c->plain, plen);
		}
	}
	if (b->len == start) {
		cut(b, b->len - 1);
		kh_buf_puts(b, "/>");
	} else {
		kh_buf_puts(b, "</");
		put_qname(b, e->ns, e->name);
		kh_buf_puts(b, ">");
	}
	return 0;
}

static char *serialized(struct ctx *c, const xmlNode *e)
{
	struct kh_buf b = { 0 };

	if (serialize(c, &b, e, 0)) {
		kh_buf_free(&b);
		return NULL;
	}
	return kh_buf_steal(&b);
}

/* ---- Content hashes -------------------------------------------------------------------------
 * Each element's hash covers its name, attributes, text and children as compared (ignored
 * parts left out), independent of attribute and child order except where order matters. Two
 * siblings with equal hashes are taken as the same element moved; they are still compared
 * after being paired, so a collision could only pair them differently, never hide a change. */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_str(const char *s)
{
	return mix(kh_fnv1a(KH_FNV1A_BASIS, s, s ? strlen(s) : 0));
}

static uint64_t hash_of(const struct ctx *c, const xmlNode *e)
{
	uintptr_t i = (uintptr_t)e->_private;

	return i ? c->hashes[i - 1] : 0;
}

static int same_name(const xmlNode *a, const xmlNode *b)
{
	return strcmp(S(a->name), S(b->name)) == 0 && strcmp(href(a->ns), href(b->ns)) == 0;
}

struct ordinal {
	const xmlNode *first;
	uint64_t n;
};

static int hash_tree(struct ctx *c, xmlNode *e, int depth, uint64_t *out)
{
	size_t plen = c->plain.len, tlen = c->path.len, n_ord = 0, cap_ord = 0;
	struct ordinal *ord = NULL;
	uint64_t h, ah = 0, ch = 0, hk;
	struct tval tv;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return depth_error(c);
	text_value(e, &tv);
	h = mix(hash_str(href(e->ns)) ^ (hash_str(S(e->name)) * 31));
	for (const xmlAttr *a = e->properties; a; a = a->next) {
		if (attr_compared(c, a, tv.sized)) {
			char *v = attr_value(a), *nv = norm_value(e, S(a->name), v);

			ah += mix(hash_str(href(a->ns)) ^ (hash_str(S(a->name)) * 7) ^
				  (hash_str(nv) * 13));
			free(v);
			free(nv);
		}
		cut(&c->plain, plen);
		cut(&c->path, tlen);
	}
	for (xmlNode *k = e->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		kh_buf_puts(&c->plain, "/");
		put_qname(&c->plain, k->ns, k->name);
		if (!ignored(c)) {
			if ((rc = hash_tree(c, k, depth + 1, &hk)) != 0)
				break;
			if (kh_xml_order_matters(S(e->name), S(k->name))) {
				size_t i;

				for (i = 0; i < n_ord && !same_name(ord[i].first, k); i++)
					;
				if (i == n_ord) {
					struct ordinal *o = KH_PUSH(ord, n_ord, cap_ord);

					o->first = k;
				}
				hk = mix(hk ^ (++ord[i].n * 0x9e3779b97f4a7c15ULL));
			}
			ch += mix(hk);
		}
		cut(&c->plain, plen);
	}
	free(ord);
	h = mix(h + 3 * mix(ah ^ 0x1111));
	h = mix(h + 5 * mix((tv.cmp ? hash_str(tv.cmp) : 0) ^ 0x2222));
	h = mix(h + 7 * mix(ch ^ 0x3333));
	tval_free(&tv);
	if (rc)
		return rc;
	*KH_PUSH(c->hashes, c->n_hashes, c->cap_hashes) = h;
	e->_private = (void *)(uintptr_t)c->n_hashes;
	*out = h;
	return 0;
}

/* ---- Matching siblings --------------------------------------------------------------------- */

struct item {
	xmlNode *n;
	size_t doc;             /* index among the compared element children, in document order */
	char *mkey;             /* the key as matched ("" when none) */
	char *pred;             /* the key as shown: "[@type='usb'][@index='0']" ("" when none) */
	size_t pos, count;      /* 1-based position among `count` siblings of its name and key
				 * (of its name when it has no key) */
	uint64_t hash;
	size_t other;           /* the paired item on the other side + 1; 0 when unpaired */
	int ordered;
};

static void put_quoted(struct kh_buf *b, const char *v)
{
	const char *q;

	if (strchr(v, '\'') == NULL) {
		kh_buf_printf(b, "'%s'", v);
		return;
	}
	if (strchr(v, '"') == NULL) {
		kh_buf_printf(b, "\"%s\"", v);
		return;
	}
	/* Both quotes: XPath 1.0 has only concat() for it. */
	kh_buf_puts(b, "concat(");
	for (;;) {
		q = strchr(v, '\'');
		kh_buf_puts(b, "'");
		kh_buf_add(b, v, q ? (size_t)(q - v) : strlen(v));
		kh_buf_puts(b, "'");
		if (q == NULL)
			break;
		kh_buf_puts(b, ", \"'\", ");
		v = q + 1;
	}
	kh_buf_puts(b, ")");
}

static const xmlNode *child_named(const xmlNode *e, const char *name, size_t len)
{
	for (const xmlNode *k = e->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && strlen(S(k->name)) == len &&
		    strncmp(S(k->name), name, len) == 0)
			return k;
	return NULL;
}

/* One key part on e: its raw value (NULL when absent) and its value as matched. */
static char *key_part(const xmlNode *e, const char *expr, size_t len, char **norm)
{
	const char *p = expr, *end = expr + len, *slash;
	const xmlNode *cur = e;
	char name[64];
	char *v;

	while ((slash = memchr(p, '/', (size_t)(end - p))) != NULL) {
		cur = child_named(cur, p, (size_t)(slash - p));
		if (cur == NULL)
			return NULL;
		p = slash + 1;
	}
	if ((size_t)(end - p) >= sizeof name)
		return NULL;
	memcpy(name, p, (size_t)(end - p));
	name[end - p] = '\0';
	if (name[0] == '@') {
		const xmlAttr *a = attr_named(cur, name + 1);

		if (a == NULL)
			return NULL;
		v = attr_value(a);
		*norm = norm_value(cur, name + 1, v);
		return v;
	}
	if (strcmp(name, ".") != 0 && (cur = child_named(cur, name, strlen(name))) == NULL)
		return NULL;
	if ((v = own_text(cur)) == NULL)
		v = kh_strdup("");
	*norm = norm_value(cur, NULL, v);
	return v;
}

/* Fills it->mkey and it->pred from the first alternative of `keys` that e has all parts of. */
static void eval_key(struct item *it, const char *keys)
{
	const char *alt = keys;
	int n_alt = 0;

	while (alt && *alt) {
		const char *alt_end = strchr(alt, '|'), *p = alt;
		struct kh_buf m = { 0 }, d = { 0 };
		int complete = 1;

		if (alt_end == NULL)
			alt_end = alt + strlen(alt);
		kh_buf_printf(&m, "%d", n_alt);
		while (p < alt_end && complete) {
			const char *sp = memchr(p, ' ', (size_t)(alt_end - p));
			size_t len = sp ? (size_t)(sp - p) : (size_t)(alt_end - p);
			char *norm = NULL, *raw = key_part(it->n, p, len, &norm);

			if (raw == NULL) {
				complete = 0;
			} else {
				kh_buf_add(&m, "\x1f", 1);
				kh_buf_puts(&m, norm);
				kh_buf_puts(&d, "[");
				kh_buf_add(&d, p, len);
				kh_buf_puts(&d, "=");
				put_quoted(&d, raw);
				kh_buf_puts(&d, "]");
			}
			free(raw);
			free(norm);
			p += len + (sp != NULL);
		}
		if (complete) {
			it->mkey = kh_buf_steal(&m);
			it->pred = kh_buf_steal(&d);
			return;
		}
		kh_buf_free(&m);
		kh_buf_free(&d);
		alt = *alt_end ? alt_end + 1 : NULL;
		n_alt++;
	}
}

static int cmp_name(const xmlNode *a, const xmlNode *b)
{
	int c = strcmp(href(a->ns), href(b->ns));

	return c ? c : strcmp(S(a->name), S(b->name));
}

static int cmp_size(size_t a, size_t b)
{
	return (a > b) - (a < b);
}

/* Name, then document order. */
static int cmp_name_doc(const void *x, const void *y)
{
	const struct item *a = *(struct item *const *)x, *b = *(struct item *const *)y;
	int c = cmp_name(a->n, b->n);

	return c ? c : cmp_size(a->doc, b->doc);
}

/* Name, key, then document order: the groups matched against each other. */
static int cmp_group(const struct item *a, const struct item *b)
{
	int c = cmp_name(a->n, b->n);

	return c ? c : strcmp(a->mkey, b->mkey);
}

static int cmp_group_doc(const void *x, const void *y)
{
	const struct item *a = *(struct item *const *)x, *b = *(struct item *const *)y;
	int c = cmp_group(a, b);

	return c ? c : cmp_size(a->doc, b->doc);
}

static int cmp_hash_doc(const void *x, const void *y)
{
	const struct item *a = *(struct item *const *)x, *b = *(struct item *const *)y;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return cmp_size(a->doc, b->doc);
}

struct side {
	struct item *items;     /* document order */
	struct item **by_group; /* sorted by cmp_group_doc */
	size_t n, cap;
};

static void side_free(struct side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->items[i].mkey);
		free(s->items[i].pred);
	}
	free(s->items);
	free(s->by_group);
}

/* The compared element children of e (c->plain is e's plain path). */
static void collect(struct ctx *c, xmlNode *e, struct side *s)
{
	size_t plen = c->plain.len, run;
	struct item **v;

	for (xmlNode *k = e->children; k; k = k->next) {
		const struct key_rule *r;
		struct item *it;

		if (k->type != XML_ELEMENT_NODE)
			continue;
		kh_buf_puts(&c->plain, "/");
		put_qname(&c->plain, k->ns, k->name);
		if (!ignored(c)) {
			it = KH_PUSH(s->items, s->n, s->cap);
			it->n = k;
			it->doc = s->n - 1;
			it->hash = hash_of(c, k);
			r = rule_for(S(e->name), S(k->name));
			if (r && r->keys)
				eval_key(it, r->keys);
			if (it->mkey == NULL) {
				it->mkey = kh_strdup("");
				it->pred = kh_strdup("");
			}
			it->ordered = r && (r->flags & ORDERED);
		}
		cut(&c->plain, plen);
	}
	v = s->by_group = kh_calloc(s->n, sizeof *v);
	for (size_t i = 0; i < s->n; i++)
		v[i] = &s->items[i];
	/* Positions among the siblings of a name (XPath's name[n]) ... */
	qsort(v, s->n, sizeof *v, cmp_name_doc);
	for (size_t i = 0; i < s->n; i = run) {
		for (run = i + 1; run < s->n && cmp_name(v[run]->n, v[i]->n) == 0; run++)
			;
		for (size_t j = i; j < run; j++) {
			v[j]->pos = j - i + 1;
			v[j]->count = run - i;
		}
	}
	/* ... or of a name and key (name[key][n]). */
	qsort(v, s->n, sizeof *v, cmp_group_doc);
	for (size_t i = 0; i < s->n; i = run) {
		for (run = i + 1; run < s->n && cmp_group(v[run], v[i]) == 0; run++)
			;
		for (size_t j = i; j < run && v[i]->mkey[0]; j++) {
			v[j]->pos = j - i + 1;
			v[j]->count = run - i;
		}
	}
}

static void pair(struct side *a, struct item *x, struct side *b, struct item *y)
{
	x->other = (size_t)(y - b->items) + 1;
	y->other = (size_t)(x - a->items) + 1;
}

/* Pairs one group (same name and key): a single element each needs no more; ordered groups
 * pair by position; others pair equal content first, then by position. */
static void match_group(struct side *a, struct item **ga, size_t na, struct side *b,
			struct item **gb, size_t nb)
{
	size_t i, j;

	if (!ga[0]->ordered && (na > 1 || nb > 1)) {
		struct item **sa = kh_calloc(na, sizeof *sa), **sb = kh_calloc(nb, sizeof *sb);

		memcpy(sa, ga, na * sizeof *sa);
		memcpy(sb, gb, nb * sizeof *sb);
		qsort(sa, na, sizeof *sa, cmp_hash_doc);
		qsort(sb, nb, sizeof *sb, cmp_hash_doc);
		for (i = j = 0; i < na && j < nb;) {
			if (sa[i]->hash == sb[j]->hash)
				pair(a, sa[i++], b, sb[j++]);
			else if (sa[i]->hash < sb[j]->hash)
				i++;
			else
				j++;
		}
		free(sa);
		free(sb);
	}
	for (i = j = 0; i < na && j < nb;) {
		if (ga[i]->other)
			i++;
		else if (gb[j]->other)
			j++;
		else
			pair(a, ga[i++], b, gb[j++]);
	}
}

static void match(struct side *a, struct side *b)
{
	size_t i = 0, j = 0, ri, rj;

	while (i < a->n && j < b->n) {
		int c = cmp_group(a->by_group[i], b->by_group[j]);

		for (ri = i + 1; ri < a->n && cmp_group(a->by_group[ri], a->by_group[i]) == 0; ri++)
			;
		for (rj = j + 1; rj < b->n && cmp_group(b->by_group[rj], b->by_group[j]) == 0; rj++)
			;
		if (c == 0)
			match_group(a, a->by_group + i, ri - i, b, b->by_group + j, rj - j);
		if (c <= 0)
			i = ri;
		if (c >= 0)
			j = rj;
	}
}

/* ---- The comparison ----------------------------------------------------------------------- */

static int diff_elem(struct ctx *c, xmlNode *a, xmlNode *b, int depth);

/* Pushes the path segment of `it` (x: its partner, NULL when added or removed). */
static void push_segment(struct ctx *c, const struct item *it, const struct item *x)
{
	kh_buf_puts(&c->path, "/");
	put_qname(&c->path, it->n->ns, it->n->name);
	kh_buf_puts(&c->path, it->pred);
	if (it->count > 1 || (x && x->count > 1))
		kh_buf_printf(&c->path, "[%zu]", it->pos);
	kh_buf_puts(&c->plain, "/");
	put_qname(&c->plain, it->n->ns, it->n->name);
}

static int emit_element(struct ctx *c, const struct item *it, int added)
{
	size_t tlen = c->path.len, plen = c->plain.len;
	char *xml;

	push_segment(c, it, NULL);
	xml = serialized(c, it->n);
	if (xml)
		emit(c, added ? NULL : xml, added ? xml : NULL, KH_VALUE_XML);
	cut(&c->path, tlen);
	cut(&c->plain, plen);
	return xml ? 0 : -1;
}

static int alike_list(const xmlNode *a, const xmlNode *b, int depth);

static int same_text(const xmlChar *a, const xmlChar *b)
{
	return kh_str_eq(S(a), S(b));
}

/* True when two subtrees are written alike: the same nodes, attributes, namespaces and text
 * in the same order. Such a pair compares as no change in any context, so it need not be
 * compared (most of a domain is untouched by a change of its memory). Anything unusual is
 * "not alike" and left to the comparison. */
static int alike(const xmlNode *a, const xmlNode *b, int depth)
{
	const xmlAttr *p, *q;
	const xmlNs *m, *n;

	if (depth > MAX_DEPTH || a->type != b->type || !same_text(a->name, b->name) ||
	    strcmp(href(a->ns), href(b->ns)) != 0 || !same_text(a->content, b->content))
		return 0;
	if (a->type != XML_ELEMENT_NODE)
		return a->type == XML_TEXT_NODE || a->type == XML_CDATA_SECTION_NODE ||
		       a->type == XML_COMMENT_NODE || a->type == XML_ENTITY_REF_NODE;
	for (m = a->nsDef, n = b->nsDef; m && n; m = m->next, n = n->next)
		if (!same_text(m->prefix, n->prefix) || !same_text(m->href, n->href))
			return 0;
	if (m || n)
		return 0;
	for (p = a->properties, q = b->properties; p && q; p = p->next, q = q->next)
		if (!same_text(p->name, q->name) || strcmp(href(p->ns), href(q->ns)) != 0 ||
		    !alike_list(p->children, q->children, depth + 1))
			return 0;
	return p == NULL && q == NULL && alike_list(a->children, b->children, depth + 1);
}

static int alike_list(const xmlNode *a, const xmlNode *b, int depth)
{
	for (; a && b; a = a->next, b = b->next)
		if (!alike(a, b, depth))
			return 0;
	return a == NULL && b == NULL;
}

static int diff_children(struct ctx *c, xmlNode *a, xmlNode *b, int depth)
{
	struct side sa = { 0 }, sb = { 0 };
	size_t ai = 0, tlen = c->path.len, plen = c->plain.len;
	int rc = 0;

	collect(c, a, &sa);
	collect(c, b, &sb);
	match(&sa, &sb);
	/* The new document's order; a removed element comes where it stood among the paired. */
	for (size_t j = 0; j < sb.n && rc == 0; j++) {
		struct item *x, *y = &sb.items[j];

		if (y->other == 0) {
			rc = emit_element(c, y, 1);
			continue;
		}
		for (; ai < y->other - 1 && rc == 0; ai++)
			if (sa.items[ai].other == 0)
				rc = emit_element(c, &sa.items[ai], 0);
		if (rc)
			break;
		x = &sa.items[y->other - 1];
		/* equal hashes are cheap to find but may collide: only alike is proof */
		if (x->hash == y->hash && alike(x->n, y->n, depth + 1))
			continue;
		push_segment(c, y, x);
		rc = diff_elem(c, x->n, y->n, depth + 1);
		cut(&c->path, tlen);
		cut(&c->plain, plen);
	}
	for (; ai < sa.n && rc == 0; ai++)
		if (sa.items[ai].other == 0)
			rc = emit_element(c, &sa.items[ai], 0);
	side_free(&sa);
	side_free(&sb);
	return rc;
}

static const xmlAttr *find_attr(const xmlNode *e, const xmlAttr *like, int sized)
{
	for (const xmlAttr *a = e->properties; a; a = a->next)
		if (strcmp(S(a->name), S(like->name)) == 0 &&
		    strcmp(href(a->ns), href(like->ns)) == 0)
			return sized && is_unit(a) ? NULL : a;
	return NULL;
}

static void diff_attrs(struct ctx *c, const xmlNode *a, const xmlNode *b, int sized_a,
		       int sized_b)
{
	size_t tlen = c->path.len, plen = c->plain.len;

	for (const xmlAttr *p = b->properties; p; p = p->next) {
		if (attr_compared(c, p, sized_b)) {
			const xmlAttr *q = find_attr(a, p, sized_a);
			char *vb = attr_value(p);

			if (q == NULL) {
				emit(c, NULL, vb, KH_VALUE_TEXT);
			} else {
				char *va = attr_value(q), *na = norm_value(a, S(q->name), va),
				     *nb = norm_value(b, S(p->name), vb);

				if (strcmp(na, nb) != 0) {
					emit(c, va, vb, KH_VALUE_TEXT);
					va = vb = NULL;
				}
				free(va);
				free(vb);
				free(na);
				free(nb);
			}
		}
		cut(&c->path, tlen);
		cut(&c->plain, plen);
	}
	for (const xmlAttr *q = a->properties; q; q = q->next) {
		if (attr_compared(c, q, sized_a) && find_attr(b, q, sized_b) == NULL)
			emit(c, attr_value(q), NULL, KH_VALUE_TEXT);
		cut(&c->path, tlen);
		cut(&c->plain, plen);
	}
}

/* c->path and c->plain are the element's; a and b have the same name. */
static int diff_elem(struct ctx *c, xmlNode *a, xmlNode *b, int depth)
{
	struct tval ta, tb;

	if (depth > MAX_DEPTH)
		return depth_error(c);
	text_value(a, &ta);
	text_value(b, &tb);
	diff_attrs(c, a, b, ta.sized, tb.sized);
	if (kh_strcmp_null(ta.cmp, tb.cmp) != 0) {
		int bytes = (ta.bytes || !ta.cmp) && (tb.bytes || !tb.cmp);

		if (bytes) {
			emit(c, ta.show, tb.show, KH_VALUE_BYTES);
			ta.show = tb.show = NULL;
		} else {
			emit(c, ta.sized ? ta.raw : ta.show, tb.sized ? tb.raw : tb.show,
			     KH_VALUE_TEXT);
			*(ta.sized ? &ta.raw : &ta.show) = NULL;
			*(tb.sized ? &tb.raw : &tb.show) = NULL;
		}
	}
	tval_free(&ta);
	tval_free(&tb);
	return diff_children(c, a, b, depth);
}

/* ---- Entry points ------------------------------------------------------------------------- */

/* The first error of a parse: later ones are mostly its echoes ("Premature end of data"). */
struct first_error {
	int set, line;
	char msg[512];
};

#if LIBXML_VERSION >= 21200
#define KH_XMLERR const xmlError *
#else
#define KH_XMLERR xmlErrorPtr
#endif

static void keep_first_error(void *data, KH_XMLERR e)
{
	xmlParserCtxt *ctxt = data;
	struct first_error *f = ctxt ? ctxt->_private : NULL;
	size_t n;

	if (f == NULL || f->set || e == NULL || e->message == NULL || e->level < XML_ERR_ERROR)
		return;
	n = strlen(e->message);
	while (n && is_space(e->message[n - 1]))
		n--;
	snprintf(f->msg, sizeof f->msg, "%.*s", (int)n, e->message);
	f->line = e->line;
	f->set = 1;
}

static xmlDoc *parse(const char *xml, const char *which, struct kh_err *err)
{
	struct first_error first = { 0 };
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	size_t len;

	if (xml == NULL) {
		kh_err_set(err, "%s XML is missing", which);
		return NULL;
	}
	len = strlen(xml);
	if (len == 0 || only_space(xml)) {
		kh_err_set(err, "%s XML is empty", which);
		return NULL;
	}
	if (len > INT_MAX) {
		kh_err_set(err, "%s XML is too large (%zu bytes)", which, len);
		return NULL;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		kh_err_set(err, "%s XML: cannot create a parser", which);
		return NULL;
	}
	ctxt->_private = &first;
	ctxt->sax->serror = keep_first_error;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, PARSE_OPTS);
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);

		if (!first.set && e && e->message)
			keep_first_error(ctxt, (KH_XMLERR)e);
		if (first.set)
			kh_err_set(err, "%s XML is malformed: line %d: %s", which, first.line,
				   first.msg);
		else
			kh_err_set(err, "%s XML is malformed", which);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

static void root_path(struct ctx *c, const xmlNode *r)
{
	cut(&c->path, 0);
	cut(&c->plain, 0);
	kh_buf_puts(&c->path, "/");
	put_qname(&c->path, r->ns, r->name);
	kh_buf_puts(&c->plain, "/");
	put_qname(&c->plain, r->ns, r->name);
}

int kh_xml_diff(const char *old_xml, const char *new_xml, const char *const *ignore,
		struct kh_xml_changes *out, struct kh_err *err)
{
	struct ctx c = { .ignore = ignore, .out = out, .err = err };
	size_t n0 = out->n;
	xmlDoc *da = NULL, *db = NULL;
	xmlNode *ra, *rb;
	uint64_t h;
	int rc = -1;

	if ((da = parse(old_xml, "old", err)) == NULL || (db = parse(new_xml, "new", err)) == NULL)
		goto out;
	ra = xmlDocGetRootElement(da);
	rb = xmlDocGetRootElement(db);
	if (!same_name(ra, rb)) {
		char *x, *y;

		/* A different kind of document altogether: one change, the whole of both. */
		root_path(&c, ra);
		x = serialized(&c, ra);
		root_path(&c, rb);
		y = serialized(&c, rb);
		cut(&c.path, 0);
		kh_buf_puts(&c.path, "/");
		if (x && y)
			emit(&c, x, y, KH_VALUE_XML);
		else
			free(x), free(y);
		rc = c.failed ? -1 : 0;
		goto out;
	}
	root_path(&c, rb);
	if (ignored(&c)) {
		rc = 0;
		goto out;
	}
	if (hash_tree(&c, ra, 0, &h) == 0 && hash_tree(&c, rb, 0, &h) == 0)
		diff_elem(&c, ra, rb, 0);
	rc = c.failed ? -1 : 0;
out:
	if (rc) {
		for (size_t i = n0; i < out->n; i++) {
			free(out->items[i].path);
			free(out->items[i].old);
			free(out->items[i].new_);
		}
		out->n = n0;
	}
	kh_buf_free(&c.path);
	kh_buf_free(&c.plain);
	free(c.hashes);
	xmlFreeDoc(da);
	xmlFreeDoc(db);
	return rc;
}

void kh_xml_changes_free(struct kh_xml_changes *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].path);
		free(c->items[i].old);
		free(c->items[i].new_);
	}
	free(c->items);
	c->items = NULL;
	c->n = c->cap = 0;
}
