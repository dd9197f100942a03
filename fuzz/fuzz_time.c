/* libFuzzer: times and ages as a user types them (--at, SNAP, SPEC, KVMHIST_NOW). A parsed
 * time in years 0000-9999 must print and parse back to itself. */
#include "fuzz/fuzz.h"
#include "util/timefmt.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = kh_strndup((const char *)data, size), out[KH_TIME_LEN];
	int64_t t, back, age;
	int date_only;

	if (kh_time_parse(s, &t, &date_only) == 0 && t >= -62167219200 && t < 253402300800) {
		kh_time_format(t, out);
		if (kh_time_parse(out, &back, NULL) != 0 || back != t)
			abort();
	}
	kh_age_parse(s, &age);
	free(s);
	return 0;
}
