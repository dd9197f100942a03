/* libFuzzer: a --uri-file. Every URI taken is non-empty, trimmed, and not a comment. */
#include "fuzz/fuzz.h"
#include "util/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **uris = NULL;
	size_t n = 0, cap = 0;
	struct kh_err err;

	if (kh_uri_list_parse((const char *)data, size, "fuzz", &uris, &n, &cap, &err) == 0 &&
	    n == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(uris[i]);

		if (len == 0 || uris[i][0] == '#' || uris[i][0] == ' ' || uris[i][0] == '\t' ||
		    strchr(" \t\r", uris[i][len - 1]) || strchr(uris[i], '\n'))
			abort();
		free(uris[i]);
	}
	free(uris);
	return 0;
}
