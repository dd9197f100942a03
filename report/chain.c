#include "report/chain.h"
#include "util/mem.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <stdlib.h>
#include <string.h>

/* A non-empty <backingStore> (a terminating one is empty): the domain's XML describes a
 * chain. The live XML of a running domain has the chain libvirt detected, below files that
 * need not be in any pool. */
static int xml_has_chain(const char *xml)
{
	return xml && strstr(xml, "<backingStore type=") != NULL;
}

/* The XML that says most of the domain's disks: the live one where it was kept. */
static const char *domain_xml(const struct kh_domain *d)
{
	return d->live_xml ? d->live_xml : d->xml;
}

/* One disk's layers as the domain's XML gives them: its source, then each backingStore's
 * source, top first; paths borrowed from the parsed document. */
struct xml_chain {
	const char *target;
	const char *paths[KH_CHAIN_MAX];
	size_t n;
};

struct xml_chains {
	xmlDoc *doc;
	struct xml_chain *disks;
	size_t n, cap;
};

static xmlNode *child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* file= or dev= of n's <source>: what a volume's path is; NULL for others (network). */
static const char *source_path(xmlNode *n)
{
	xmlNode *src = child(n, "source");
	xmlAttr *a;

	for (a = src ? src->properties : NULL; a; a = a->next)
		if ((strcmp((const char *)a->name, "file") == 0 ||
		     strcmp((const char *)a->name, "dev") == 0) &&
		    a->children && a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

static const char *attr(xmlNode *n, const char *name)
{
	for (xmlAttr *a = n ? n->properties : NULL; a; a = a->next)
		if (strcmp((const char *)a->name, name) == 0 && a->children &&
		    a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

/* Unreadable XML gives no chains: the volumes' backing paths still do. */
static void xml_chains_read(const char *xml, struct xml_chains *x)
{
	xmlNode *devices;

	memset(x, 0, sizeof *x);
	if (!xml_has_chain(xml))
		return;
	x->doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	devices = x->doc ? child(xmlDocGetRootElement(x->doc), "devices") : NULL;
	for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next) {
		struct xml_chain *c;
		const char *target;

		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "disk") != 0 ||
		    (target = attr(child(n, "target"), "dev")) == NULL)
			continue;
		c = KH_PUSH(x->disks, x->n, x->cap);
		c->target = target;
		c->n = 0;
		for (xmlNode *l = n; l && c->n < KH_CHAIN_MAX; l = child(l, "backingStore")) {
			const char *p = source_path(l);

			if (p == NULL)
				break;
			c->paths[c->n++] = p;
		}
	}
}

static void xml_chains_free(struct xml_chains *x)
{
	free(x->disks);
	xmlFreeDoc(x->doc);
}

/* The layer below `path` in the disk `target`'s chain as its domain's XML says; NULL. */
static const char *xml_below(const struct xml_chains *x, const char *target, const char *path)
{
	for (size_t i = 0; target && path && i < x->n; i++) {
		const struct xml_chain *c = &x->disks[i];

		if (strcmp(c->target, target) != 0)
			continue;
		for (size_t l = 0; l + 1 < c->n; l++)
			if (strcmp(c->paths[l], path) == 0)
				return c->paths[l + 1];
	}
	return NULL;
}

int kh_snapshot_has_chains(const struct kh_snapshot *s)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		if (s->volumes[i].backing)
			return 1;
	for (size_t i = 0; i < s->n_domains; i++)
		if (s->domains[i].n_snaps || xml_has_chain(domain_xml(&s->domains[i])))
			return 1;
	return 0;
}

struct by_path {
	const char *path;
	size_t vol;
};

static int cmp_by_path(const void *a, const void *b)
{
	return strcmp(((const struct by_path *)a)->path, ((const struct by_path *)b)->path);
}

static const struct kh_volume *vol_at(const struct kh_snapshot *s, size_t i)
{
	return &s->volumes[i];
}

/* The volume at `path`, or SIZE_MAX. Paths are unique on one host. */
static size_t find_path(const struct by_path *idx, size_t n, const char *path)
{
	struct by_path key = { path, 0 }, *hit;

	if (path == NULL || n == 0)
		return SIZE_MAX;
	hit = bsearch(&key, idx, n, sizeof *idx, cmp_by_path);
	return hit ? hit->vol : SIZE_MAX;
}

/* The disk's own volume: by pool and name where the link resolved it, else by path. */
static size_t disk_volume(const struct kh_snapshot *s, const struct by_path *idx, size_t n,
			  const struct kh_disk *k)
{
	if (k->pool && k->volume) {
		const struct kh_volume *v = kh_snapshot_find_volume(s, k->pool, k->volume);

		if (v)
			return (size_t)(v - s->volumes);
	}
	return find_path(idx, n, k->source);
}

static int in_chain(const struct kh_chain *c, size_t vol)
{
	for (size_t i = 0; i < c->n_layers; i++)
		if (c->layers[i] == vol)
			return 1;
	return 0;
}

void kh_chains_build(const struct kh_snapshot *s, struct kh_chains *out)
{
	struct by_path *idx = kh_malloc((s->n_volumes + 1) * sizeof *idx);
	size_t n = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < s->n_volumes; i++)
		if (s->volumes[i].path)
			idx[n++] = (struct by_path){ s->volumes[i].path, i };
	if (n)
		qsort(idx, n, sizeof *idx, cmp_by_path);
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct kh_domain *d = &s->domains[i];
		struct xml_chains x;

		xml_chains_read(domain_xml(d), &x);
		for (size_t j = 0; j < d->n_disks; j++) {
			const char *target = d->disks[j].target;
			size_t vol = disk_volume(s, idx, n, &d->disks[j]);
			struct kh_chain *c;
			int base_outside = 0;

			if (vol == SIZE_MAX)
				continue;
			c = KH_PUSH(out->disks, out->n_disks, out->cap_disks);
			c->domain = d->name;
			c->target = target;
			c->allocation = c->overlays = 0;
			while (vol != SIZE_MAX && c->n_layers < KH_CHAIN_MAX && !in_chain(c, vol)) {
				const struct kh_volume *v = vol_at(s, vol);
				const char *below = v->backing ? v->backing
							       : xml_below(&x, target, v->path);

				c->layers[c->n_layers++] = vol;
				if (v->allocation >= 0)
					c->allocation += v->allocation;
				/* files outside the pools, passed through where the XML knows
				 * what lies below them */
				for (vol = SIZE_MAX, base_outside = 0;
				     below && c->n_outside < KH_CHAIN_MAX;
				     below = xml_below(&x, target, below)) {
					if ((vol = find_path(idx, n, below)) != SIZE_MAX)
						break;
					if (c->missing == NULL)
						c->missing = below;
					c->n_outside++;
					base_outside = 1;
				}
			}
			/* the bottom layer is the image the chain started from (unless it is
			 * outside the host's pools: then every layer seen is an overlay) */
			for (size_t l = 0; l < c->n_layers; l++)
				if ((l + 1 < c->n_layers || base_outside) &&
				    vol_at(s, c->layers[l])->allocation >= 0)
					c->overlays += vol_at(s, c->layers[l])->allocation;
		}
		xml_chains_free(&x);
	}
	free(idx);
}

void kh_chains_free(struct kh_chains *c)
{
	if (c == NULL)
		return;
	free(c->disks);
	memset(c, 0, sizeof *c);
}
