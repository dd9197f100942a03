/* Sizes as libvirt writes them in XML (a decimal count and an optional unit attribute), and
 * its version numbers. */
#ifndef KH_UNITS_H
#define KH_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* A whole unsigned number in `base` (0: C's prefixes), nothing before or after it.
 * Returns 0, or -1 when malformed or out of range. */
int kh_parse_u64(const char *s, int base, uint64_t *v);

/* A plain decimal: digits with an optional fraction ("1.5", "2"), no sign, exponent or
 * blanks, and '.' whatever the locale. Returns 0, or -1 when malformed or beyond 1e12. */
int kh_parse_decimal(const char *s, double *v);

/* v with at most `places` decimals, trailing zeros cut ("1.5", "40", "-0.25"), '.' whatever
 * the locale: for formats that machines read. */
void kh_decimal_format(double v, int places, char *out, size_t n);

/* libvirt's units (virScaleInteger): b, byte(s); k, KiB = 1024; KB = 1000; m, g, t, p, e
 * likewise. `def` is the scale when `unit` is NULL or empty. Returns 0, or -1 when unknown. */
int kh_unit_scale(const char *unit, uint64_t def, uint64_t *scale);

/* `count` `unit`s as bytes. Returns 0, or -1 when malformed or above INT64_MAX. */
int kh_size_bytes(const char *count, const char *unit, uint64_t def, int64_t *bytes);

/* A version in libvirt's encoding (major * 1000000 + minor * 1000 + release) as "9.0.0". */
#define KH_VERSION_LEN 32
void kh_version_format(int64_t v, char out[KH_VERSION_LEN]);

#endif
