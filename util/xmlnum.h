/* Measured numbers in pool and volume XML (<capacity unit='bytes'>N</capacity>...), cut out
 * and put back. See util/xmlnum.c. */
#ifndef KH_XMLNUM_H
#define KH_XMLNUM_H

#include <stddef.h>
#include <stdint.h>

/* A measured number of a pool or volume and the XML element holding it too. */
struct kh_xml_num {
	const char *name;       /* capacity, allocation, physical, available */
	int64_t value;          /* negative (unknown): leave the element alone */
};

/* A copy of xml with the digits of each element that holds exactly its value cut out;
 * NULL when nothing was cut (the XML as is). */
char *kh_xml_nums_cut(const char *xml, const struct kh_xml_num *nums, size_t k);
/* Puts the values back into the emptied elements; takes xml, returns the result. */
char *kh_xml_nums_fill(char *xml, const struct kh_xml_num *nums, size_t k);

#endif
