/* Times are seconds since the epoch, UTC; printed as ISO 8601 with Z. */
#ifndef KH_TIMEFMT_H
#define KH_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define KH_TIME_LEN 21 /* "2026-11-20T03:00:00Z" + NUL */

/* Parses YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS][.frac][Z|±HH[:MM]] (UTC without an offset).
 * *date_only tells whether only a date was given. Returns 0, or -1 when malformed. */
int kh_time_parse(const char *s, int64_t *t, int *date_only);

/* Parses an age like 36h, 7d, 2w (also s, m) into seconds. Returns 0 or -1. */
int kh_age_parse(const char *s, int64_t *seconds);

void kh_time_format(int64_t t, char out[KH_TIME_LEN]);
/* YYYY-MM-DD */
void kh_date_format(int64_t t, char out[KH_TIME_LEN]);

/* The current time; $KVMHIST_NOW (ISO 8601) overrides it so tests are reproducible. */
int64_t kh_now(void);

/* "11.0 GiB", "512 B": binary units, one decimal. */
void kh_size_format(int64_t bytes, char *out, size_t n);

#endif
