/* libFuzzer: the keyed XML diff. The input is two documents separated by a NUL byte; with
 * no NUL it is compared with itself, which must give no change. */
#include "fuzz/fuzz.h"
#include "report/xmldiff.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ignore[] = { "/pool/capacity", "/network/@connections", NULL };
	const char *nul = memchr(data, '\0', size);
	char *a, *b;
	struct kh_xml_changes c = { 0 };
	struct kh_err err;

	if (nul) {
		a = kh_strndup((const char *)data, (size_t)(nul - (const char *)data));
		b = kh_strndup(nul + 1, size - (size_t)(nul - (const char *)data) - 1);
	} else {
		a = kh_strndup((const char *)data, size);
		b = kh_strdup(a);
	}
	if (kh_xml_diff(a, b, ignore, &c, &err) == 0 && nul == NULL && c.n != 0)
		abort();
	kh_xml_changes_free(&c);
	free(a);
	free(b);
	return 0;
}
