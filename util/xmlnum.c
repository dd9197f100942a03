/* Measured numbers inside pool and volume XML are stored once, in their columns: the stored
 * XML keeps the element with its digits cut out, and loading puts them back. So a growing
 * volume's XML stays one stored body. Lossless: an element is emptied only when its digits
 * are exactly the column's value, and libvirt never writes an empty one. Text, not a parser:
 * libvirt formats these elements one way, <NAME unit='bytes'>DIGITS</NAME>. The store keeps
 * XML so; the diff compares two versions' XML so before parsing them. */
#include "util/xmlnum.h"
#include "util/mem.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where "<NAME unit='bytes'>" ends in xml, and the length of the digits after it (the
 * element closing right after them); NULL when absent or not of that form. */
static const char *find_num(const char *xml, const char *name, size_t *digits)
{
	char open[64], close[64];
	const char *p, *q;
	size_t n;

	snprintf(open, sizeof open, "<%s unit='bytes'>", name);
	snprintf(close, sizeof close, "</%s>", name);
	if ((p = strstr(xml, open)) == NULL)
		return NULL;
	p += strlen(open);
	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	n = strlen(close);
	if (strncmp(q, close, n) != 0)
		return NULL;
	*digits = (size_t)(q - p);
	return p;
}

char *kh_xml_nums_cut(const char *xml, const struct kh_xml_num *nums, size_t k)
{
	char *out = NULL;

	for (size_t i = 0; xml && i < k; i++) {
		char want[32];
		const char *at;
		size_t digits;

		if (nums[i].value < 0)
			continue;
		at = find_num(out ? out : xml, nums[i].name, &digits);
		snprintf(want, sizeof want, "%" PRId64, nums[i].value);
		if (at == NULL || digits == 0 || digits != strlen(want) ||
		    strncmp(at, want, digits) != 0)
			continue;
		if (out == NULL) {
			size_t off = (size_t)(at - xml);

			out = kh_strdup(xml);
			at = out + off;
		}
		memmove((char *)at, at + digits, strlen(at + digits) + 1);
	}
	return out;
}

char *kh_xml_nums_fill(char *xml, const struct kh_xml_num *nums, size_t k)
{
	for (size_t i = 0; xml && i < k; i++) {
		const char *at;
		size_t digits, off, len;
		char num[32];
		char *grown;

		if (nums[i].value < 0 ||
		    (at = find_num(xml, nums[i].name, &digits)) == NULL || digits != 0)
			continue;
		len = (size_t)snprintf(num, sizeof num, "%" PRId64, nums[i].value);
		off = (size_t)(at - xml);
		grown = kh_malloc(strlen(xml) + len + 1);
		memcpy(grown, xml, off);
		memcpy(grown + off, num, len);
		strcpy(grown + off + len, xml + off);
		free(xml);
		xml = grown;
	}
	return xml;
}
