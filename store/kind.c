/* The object kinds' fields, one row each, and what follows from them without SQLite. The
 * order of the rows is the order of show's JSON keys and of diff's field changes. */
#include "store/kind.h"
#include "store/model.h"
#include "util/mem.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

#define ROW(type, member, ftype, flags) { #member, offsetof(type, member), ftype, flags, NULL, 0 }
#define CHILDREN(type, key, member, count, kind) \
	{ key, offsetof(type, member), KH_FT_CHILDREN, 0, &kind, offsetof(type, count) }
#define N(a) (sizeof (a) / sizeof (a)[0])

#define F(m, t, fl) ROW(struct kh_host, m, KH_FT_##t, fl)
static const struct kh_kind_field host_fields[] = {
	F(uri, TEXT, KH_F_HOST_KEY),
	F(hostname, TEXT, 0),
	F(host_uuid, TEXT, 0),
	F(hv_type, TEXT, 0),
	F(libvirt_version, NUM, 0),
	F(hv_version, NUM, 0),
};
#undef F

#define F(m, t, fl) ROW(struct kh_disk, m, KH_FT_##t, fl)
static const struct kh_kind_field disk_fields[] = {
	F(target, TEXT, 0),
	F(device, TEXT, 0),
	F(type, TEXT, 0),
	F(source, TEXT, 0),
	F(pool, TEXT, 0),
	F(volume, TEXT, 0),
	F(capacity, NUM, KH_F_LINKED),
	F(allocation, NUM, KH_F_LINKED),
	F(physical, NUM, KH_F_LINKED),
};
#undef F

#define F(m, t, fl) ROW(struct kh_iface, m, KH_FT_##t, fl)
static const struct kh_kind_field iface_fields[] = {
	F(mac, TEXT, 0),
	F(type, TEXT, 0),
	F(source, TEXT, 0),
	F(model, TEXT, 0),
};
#undef F

/* A libvirt snapshot of the domain: part of its version, so one taken or deleted is a new
 * version (diff says which, report/diff.c). */
#define F(m, t, fl) ROW(struct kh_domsnap, m, KH_FT_##t, fl)
static const struct kh_kind_field domsnap_fields[] = {
	F(name, TEXT, 0),
	F(created, NUM, KH_F_TIME),
	F(state, TEXT, 0),
	F(parent, TEXT, 0),
	F(current, FLAG, KH_F_KNOWN),
	F(kind, TEXT, 0),
};
#undef F

/* vcpus and memory are in the XML too: diff reports them from there. */
#define F(m, t, fl) ROW(struct kh_domain, m, KH_FT_##t, fl)
static const struct kh_kind_field domain_fields[] = {
	F(name, TEXT, KH_F_DIFF),
	F(uuid, TEXT, 0),
	F(state, TEXT, KH_F_DIFF),
	F(vcpus, NUM, 0),
	F(memory_kib, NUM, 0),
	F(max_memory_kib, NUM, 0),
	F(autostart, FLAG, KH_F_DIFF),
	F(persistent, FLAG, KH_F_DIFF),
	F(os_type, TEXT, 0),
	CHILDREN(struct kh_domain, "disks", disks, n_disks, kh_disk_kind),
	CHILDREN(struct kh_domain, "interfaces", ifaces, n_ifaces, kh_iface_kind),
	F(error, TEXT, 0),
	CHILDREN(struct kh_domain, "snapshots", snaps, n_snaps, kh_domsnap_kind),
	F(xml, XML, 0),
	F(live_xml, XML, 0),
};
#undef F

/* Capacity is part of the version (a resize is a new one); allocation and available are
 * measured. */
#define F(m, t, fl) ROW(struct kh_pool, m, KH_FT_##t, fl)
static const struct kh_kind_field pool_fields[] = {
	F(name, TEXT, KH_F_DIFF),
	F(uuid, TEXT, 0),
	F(type, TEXT, 0),
	F(state, TEXT, KH_F_DIFF),
	F(autostart, FLAG, KH_F_DIFF),
	F(persistent, FLAG, KH_F_DIFF),
	F(capacity, NUM, KH_F_DIFF | KH_F_XML_NUM),
	F(allocation, NUM, KH_F_DIFF | KH_F_XML_NUM | KH_F_MEASURED),
	F(available, NUM, KH_F_DIFF | KH_F_XML_NUM | KH_F_MEASURED),
	F(path, TEXT, 0),
	F(target_device, TEXT, 0),
	F(error, TEXT, 0),
	F(xml, XML, 0),
};
#undef F

#define F(m, t, fl) ROW(struct kh_volume, m, KH_FT_##t, fl)
static const struct kh_kind_field volume_fields[] = {
	F(pool, TEXT, KH_F_DIFF),
	F(name, TEXT, KH_F_DIFF),
	F(key, TEXT, 0),
	F(path, TEXT, 0),
	F(format, TEXT, 0),
	F(type, TEXT, 0),
	F(capacity, NUM, KH_F_DIFF | KH_F_XML_NUM),
	F(allocation, NUM, KH_F_DIFF | KH_F_XML_NUM | KH_F_MEASURED),
	F(physical, NUM, KH_F_DIFF | KH_F_XML_NUM | KH_F_MEASURED),
	F(backing, TEXT, 0),
	F(backing_format, TEXT, 0),
	F(error, TEXT, 0),
	F(xml, XML, 0),
};
#undef F

#define F(m, t, fl) ROW(struct kh_network, m, KH_FT_##t, fl)
static const struct kh_kind_field network_fields[] = {
	F(name, TEXT, KH_F_DIFF),
	F(uuid, TEXT, 0),
	F(active, FLAG, KH_F_DIFF),
	F(autostart, FLAG, KH_F_DIFF),
	F(persistent, FLAG, KH_F_DIFF),
	F(bridge, TEXT, 0),
	F(forward, TEXT, 0),
	F(ips, WORDS, 0),
	F(dhcp_ranges, WORDS, 0),
	F(error, TEXT, 0),
	F(xml, XML, 0),
};
#undef F

const struct kh_kind kh_host_kind = {
	.name = "host", .size = sizeof(struct kh_host), .fields = host_fields,
	.n_fields = N(host_fields), .span = -1,
};
const struct kh_kind kh_disk_kind = {
	.name = "disk", .size = sizeof(struct kh_disk), .fields = disk_fields,
	.n_fields = N(disk_fields), .span = -1, .parent = "domain_id",
	.linked = offsetof(struct kh_disk, pool),
};
const struct kh_kind kh_iface_kind = {
	.name = "iface", .size = sizeof(struct kh_iface), .fields = iface_fields,
	.n_fields = N(iface_fields), .span = -1, .parent = "domain_id",
};
const struct kh_kind kh_domsnap_kind = {
	.name = "domsnap", .size = sizeof(struct kh_domsnap), .fields = domsnap_fields,
	.n_fields = N(domsnap_fields), .span = -1, .parent = "domain_id",
};
const struct kh_kind kh_domain_kind = {
	.name = "domain", .plural = "domains", .size = sizeof(struct kh_domain),
	.fields = domain_fields, .n_fields = N(domain_fields), .span = 0,
	.in_snapshot = offsetof(struct kh_snapshot, domains), .ident = { "uuid" },
};
const struct kh_kind kh_pool_kind = {
	.name = "pool", .plural = "pools", .size = sizeof(struct kh_pool),
	.fields = pool_fields, .n_fields = N(pool_fields), .span = 1,
	.in_snapshot = offsetof(struct kh_snapshot, pools), .ident = { "uuid" },
};
const struct kh_kind kh_volume_kind = {
	.name = "volume", .plural = "volumes", .size = sizeof(struct kh_volume),
	.fields = volume_fields, .n_fields = N(volume_fields), .span = 2,
	.in_snapshot = offsetof(struct kh_snapshot, volumes), .ident = { "pool", "name" },
};
const struct kh_kind kh_network_kind = {
	.name = "network", .plural = "networks", .size = sizeof(struct kh_network),
	.fields = network_fields, .n_fields = N(network_fields), .span = 3,
	.in_snapshot = offsetof(struct kh_snapshot, networks), .ident = { "uuid" },
};

/* A top-level kind's count and capacity follow its array in struct kh_snapshot. */
#define FOLLOWS(a, n, c) \
	_Static_assert(offsetof(struct kh_snapshot, n) == offsetof(struct kh_snapshot, a) + \
		       sizeof(void *) && offsetof(struct kh_snapshot, c) == \
		       offsetof(struct kh_snapshot, n) + sizeof(size_t), "kh_snapshot layout")
FOLLOWS(domains, n_domains, cap_domains);
FOLLOWS(pools, n_pools, cap_pools);
FOLLOWS(volumes, n_volumes, cap_volumes);
FOLLOWS(networks, n_networks, cap_networks);
#undef FOLLOWS

const struct kh_kind *const kh_span_kinds[KH_SPAN_KINDS] = {
	&kh_domain_kind, &kh_pool_kind, &kh_volume_kind, &kh_network_kind,
};

const struct kh_kind *const kh_all_kinds[KH_N_KINDS] = {
	&kh_host_kind, &kh_domain_kind, &kh_disk_kind, &kh_iface_kind, &kh_domsnap_kind,
	&kh_pool_kind, &kh_volume_kind, &kh_network_kind,
};

int kh_kind_index(const struct kh_kind *k)
{
	for (int i = 0; i < KH_N_KINDS; i++)
		if (kh_all_kinds[i] == k)
			return i;
	abort();
}

const struct kh_kind_field *kh_kind_field(const struct kh_kind *k, const char *name)
{
	for (size_t i = 0; name && i < k->n_fields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return &k->fields[i];
	return NULL;
}

void kh_field_set_text(const struct kh_kind_field *f, void *obj, char *v)
{
	*(char **)(void *)((char *)obj + f->offset) = v;
}

void kh_field_set_num(const struct kh_kind_field *f, void *obj, int64_t v)
{
	char *p = (char *)obj + f->offset;

	if (f->type == KH_FT_FLAG)
		*(int *)(void *)p = (int)v;
	else
		*(int64_t *)(void *)p = v;
}

int64_t kh_field_stored_num(const struct kh_kind *k, const struct kh_kind_field *f, const void *obj)
{
	if ((f->flags & KH_F_LINKED) && *(char *const *)(const void *)((const char *)obj + k->linked))
		return KH_UNKNOWN;
	return kh_field_num(f, obj);
}

static int is_text(const struct kh_kind_field *f)
{
	return f->type == KH_FT_TEXT || f->type == KH_FT_WORDS || f->type == KH_FT_XML;
}

static int is_num(const struct kh_kind_field *f)
{
	return f->type == KH_FT_NUM || f->type == KH_FT_FLAG;
}

/* A children field's array and count, as members of the parent. */
static void **children(const struct kh_kind_field *f, const void *parent)
{
	return (void **)(void *)((char *)parent + f->offset);
}

static size_t *n_children(const struct kh_kind_field *f, const void *parent)
{
	return (size_t *)(void *)((char *)parent + f->count);
}

/* The array of a top-level kind in a snapshot: items, n, cap. */
static void **snap_items(const struct kh_kind *k, const struct kh_snapshot *s)
{
	return (void **)(void *)((char *)s + k->in_snapshot);
}

void *kh_kind_items(const struct kh_kind *k, const struct kh_snapshot *s, size_t *n)
{
	void **items = snap_items(k, s);

	*n = *(size_t *)(void *)((char *)items + sizeof(void *));
	return *items;
}

void *kh_kind_push(const struct kh_kind *k, struct kh_snapshot *s)
{
	void **items = snap_items(k, s);
	size_t *n = (size_t *)(void *)((char *)items + sizeof(void *)), *cap = n + 1;
	void *obj;

	kh_grow(items, cap, *n + 1, k->size);
	obj = kh_kind_at(k, *items, (*n)++);
	memset(obj, 0, k->size);
	kh_kind_init(k, obj);
	return obj;
}

void kh_kind_truncate(const struct kh_kind *k, struct kh_snapshot *s, size_t n)
{
	*(size_t *)(void *)((char *)snap_items(k, s) + sizeof(void *)) = n;
}

/* Children are few per parent; growing by one keeps the struct free of capacities. */
void *kh_kind_push_child(const struct kh_kind_field *f, void *parent)
{
	void **items = children(f, parent);
	size_t *n = n_children(f, parent);
	void *obj;

	*items = kh_realloc(*items, (*n + 1) * f->child->size);
	obj = kh_kind_at(f->child, *items, (*n)++);
	memset(obj, 0, f->child->size);
	kh_kind_init(f->child, obj);
	return obj;
}

void kh_kind_init(const struct kh_kind *k, void *obj)
{
	for (size_t i = 0; i < k->n_fields; i++)
		if (is_num(&k->fields[i]) && !(k->fields[i].flags & KH_F_KNOWN))
			kh_field_set_num(&k->fields[i], obj, KH_UNKNOWN);
}

void kh_kind_clear(const struct kh_kind *k, void *obj)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (is_text(f))
			free(kh_field_text(f, obj));
		else if (f->type == KH_FT_CHILDREN)
			kh_kind_free_items(f->child, *children(f, obj), *n_children(f, obj));
	}
}

void kh_kind_free_items(const struct kh_kind *k, void *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kh_kind_clear(k, kh_kind_at(k, items, i));
	free(items);
}

void kh_kind_copy(const struct kh_kind *k, void *dst, const void *src, int with_xml)
{
	memcpy(dst, src, k->size);
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (is_text(f)) {
			kh_field_set_text(f, dst, f->type == KH_FT_XML && !with_xml
					  ? NULL : kh_strdup(kh_field_text(f, src)));
		} else if (f->type == KH_FT_CHILDREN) {
			size_t n = *n_children(f, src);
			void *from = *children(f, src), *to = n ? kh_calloc(n, f->child->size) : NULL;

			for (size_t j = 0; j < n; j++)
				kh_kind_copy(f->child, kh_kind_at(f->child, to, j),
					     kh_kind_at(f->child, from, j), with_xml);
			*children(f, dst) = to;
		}
	}
}

void kh_kind_drop_xml(const struct kh_kind *k, void *obj)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		if (k->fields[i].type == KH_FT_XML) {
			free(kh_field_text(&k->fields[i], obj));
			kh_field_set_text(&k->fields[i], obj, NULL);
		}
	}
}

int kh_kind_same_version(const struct kh_kind *k, const void *a, const void *b)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (f->flags & KH_F_MEASURED)
			continue;
		switch (f->type) {
		case KH_FT_TEXT:
		case KH_FT_WORDS:
			if (!kh_str_eq(kh_field_text(f, a), kh_field_text(f, b)))
				return 0;
			break;
		case KH_FT_NUM:
		case KH_FT_FLAG:
			if (kh_field_stored_num(k, f, a) != kh_field_stored_num(k, f, b))
				return 0;
			break;
		case KH_FT_XML:
			break;
		case KH_FT_CHILDREN: {
			size_t n = *n_children(f, a);
			const void *x = *children(f, a), *y = *children(f, b);

			if (n != *n_children(f, b))
				return 0;
			for (size_t j = 0; j < n; j++)
				if (!kh_kind_same_version(f->child, kh_kind_at(f->child, x, j),
							  kh_kind_at(f->child, y, j)))
					return 0;
			break;
		}
		}
	}
	return 1;
}

size_t kh_kind_measured(const struct kh_kind *k, const struct kh_kind_field *out[KH_MAX_MEASURED])
{
	size_t n = 0;

	for (size_t i = 0; i < k->n_fields && n < KH_MAX_MEASURED; i++)
		if (k->fields[i].flags & KH_F_MEASURED)
			out[n++] = &k->fields[i];
	return n;
}

int kh_kind_is_measured(const struct kh_kind *k)
{
	const struct kh_kind_field *m[KH_MAX_MEASURED];

	return kh_kind_measured(k, m) > 0;
}

size_t kh_kind_nums(const struct kh_kind *k, const void *obj, struct kh_xml_num out[KH_MAX_NUMS])
{
	size_t n = 0;

	for (size_t i = 0; i < k->n_fields && n < KH_MAX_NUMS; i++)
		if (k->fields[i].flags & KH_F_XML_NUM)
			out[n++] = (struct kh_xml_num){ k->fields[i].name,
							kh_field_num(&k->fields[i], obj) };
	return n;
}
