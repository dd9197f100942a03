/* libFuzzer: the collector's reading of libvirt XML (domain disks and interfaces, volume,
 * pool and network facts, the host's capabilities, domain snapshots), as virt/xml.c gives
 * it to the collector. */
#include "fuzz/fuzz.h"
#include "virt/xml.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d = kh_snapshot_add_domain(s);
	struct kh_pool *p = kh_snapshot_add_pool(s);
	struct kh_network *n = kh_snapshot_add_network(s);
	struct kh_volume *v = kh_snapshot_add_volume(s);
	struct kh_xdoc x = { 0 };

	kh_xml_quiet(NULL);
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
	/* what the store and the diff do next with them */
	kh_snapshot_link(s);
	kh_snapshot_sort(s);
	kh_snapshot_free(s);
	return 0;
}
