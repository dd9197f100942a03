/* libFuzzer: the collector's reading of libvirt XML (domain disks and interfaces, volume,
 * pool and network facts, the host's capabilities, domain snapshots), as virt/xml.c gives
 * it to the collector. Every input is read twice, by the reader's own scan where it takes
 * the document and by libxml2 alone, and the two readings must agree. */
#include "fuzz/fuzz.h"
#include "virt/xml.h"
#include "store/kind.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>

static struct kh_snapshot *read_all(const uint8_t *data, size_t size, int libxml2_only)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d = kh_snapshot_add_domain(s);
	struct kh_pool *p = kh_snapshot_add_pool(s);
	struct kh_network *n = kh_snapshot_add_network(s);
	struct kh_volume *v = kh_snapshot_add_volume(s);
	struct kh_xdoc x = { .libxml2_only = libxml2_only };

	d->xml = kh_strndup((const char *)data, size);
	if (kh_read_domain_xml(&x, d) == 0) {
		(void)kh_read_current_memory(&x, &d->memory_kib);
		(void)kh_read_capabilities(&x, d->xml, &s->host);
	}
	v->xml = kh_strdup(d->xml);
	kh_read_volume_xml(&x, v);
	p->xml = kh_strdup(d->xml);
	kh_read_pool_xml(&x, p);
	n->xml = kh_strdup(d->xml);
	kh_read_network_xml(&x, n);
	(void)kh_read_snapshot_xml(&x, d->xml, kh_domain_add_snap(d), &d->error);
	kh_xdoc_free(&x);
	return s;
}

/* Every field of one object of kind k alike, the measured ones too. */
static void same(const struct kh_kind *k, const void *a, const void *b)
{
	const struct kh_kind_field *m[KH_MAX_MEASURED];
	size_t n = kh_kind_measured(k, m);

	if (!kh_kind_same_version(k, a, b))
		abort();
	for (size_t i = 0; i < n; i++)
		if (kh_field_num(m[i], a) != kh_field_num(m[i], b))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kh_snapshot *s, *t;

	kh_xml_quiet(NULL);
	s = read_all(data, size, 0);
	t = read_all(data, size, 1);
	same(&kh_host_kind, &s->host, &t->host);
	same(&kh_domain_kind, &s->domains[0], &t->domains[0]);
	same(&kh_volume_kind, &s->volumes[0], &t->volumes[0]);
	same(&kh_pool_kind, &s->pools[0], &t->pools[0]);
	same(&kh_network_kind, &s->networks[0], &t->networks[0]);
	/* what the store and the diff do next with them */
	kh_snapshot_link(s);
	kh_snapshot_sort(s);
	kh_snapshot_free(s);
	kh_snapshot_free(t);
	return 0;
}
