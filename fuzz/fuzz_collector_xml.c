/* libFuzzer: the collector's reading of libvirt XML (domain disks and interfaces, volume,
 * pool and network facts, a domain snapshot). Those readers are static in cmd/collector.c, so it is included here rather
 * than linked (the fuzz build leaves collector.o out). */
#include "cmd/collector.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d = kh_snapshot_add_domain(s);
	struct kh_pool *p = kh_snapshot_add_pool(s);
	struct kh_network *n = kh_snapshot_add_network(s);
	struct kh_volume *v = kh_snapshot_add_volume(s);
	struct xdoc x = { 0 };

	xmlSetGenericErrorFunc(NULL, silent_xml);
	d->xml = kh_strndup((const char *)data, size);
	if (xdoc_parse(&x, d->xml) == 0) {
		read_disks(&x, d);
		read_ifaces(&x, d);
		read_volume_xml(xmlDocGetRootElement(x.doc), v);
		read_snapshot_xml(xmlDocGetRootElement(x.doc), kh_domain_add_snap(d));
	}
	p->xml = kh_strdup(d->xml);
	read_pool_xml(&x, p);
	n->xml = kh_strdup(d->xml);
	read_network_xml(&x, n);
	xdoc_free(&x);
	/* what the store and the diff do next with them */
	kh_snapshot_link(s);
	kh_snapshot_sort(s);
	kh_snapshot_free(s);
	return 0;
}
