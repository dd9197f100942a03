/* libFuzzer: /etc/kvmhist.conf as an admin (or a broken editor) writes it. A file that parses
 * must hold only what the parser promises: URIs without NUL bytes, numbers in range. */
#include "fuzz/fuzz.h"
#include "util/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kh_config cfg;
	struct kh_err err;

	kh_config_init(&cfg);
	if (kh_config_parse((const char *)data, size, "fuzz.conf", &cfg, &err) == 0) {
		for (size_t i = 0; i < cfg.n_uris; i++)
			if (cfg.uris[i] == NULL || cfg.uris[i][0] == '\0')
				abort();
		if (cfg.timeout == 0 || cfg.timeout < -1 || cfg.warn_days < -1 ||
		    cfg.keep_daily < -1 || cfg.keep_weekly < -1 || cfg.keep_monthly < -1)
			abort();
	} else if (strlen(err.msg) == 0) {
		abort(); /* a refusal always says why */
	}
	kh_config_clear(&cfg);
	return 0;
}
