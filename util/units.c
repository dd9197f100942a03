#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

int kh_parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;
	unsigned long long n;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno || *end != '\0')
		return -1;
	*v = (uint64_t)n;
	return 0;
}

int kh_parse_decimal(const char *s, double *v)
{
	double n = 0, scale = 1;
	int digits = 0, frac = 0;

	for (; s && *s; s++) {
		if (*s == '.' && !frac && digits) {
			frac = 1;
			continue;
		}
		if (!isdigit((unsigned char)*s) || ++digits > 15)
			return -1;
		n = n * 10 + (*s - '0');
		if (frac)
			scale *= 10;
	}
	if (digits == 0 || (s[-1] == '.') || n / scale > 1e12)
		return -1;
	*v = n / scale;
	return 0;
}

void kh_decimal_format(double v, int places, char *out, size_t n)
{
	long long scale = 1, x, frac;
	int len;

	for (int i = 0; i < places; i++)
		scale *= 10;
	if (!(fabs(v) * (double)scale < 9e15)) { /* also NaN: no decimals to cut */
		snprintf(out, n, "%.0f", v);
		return;
	}
	x = llround(fabs(v) * (double)scale);
	frac = x % scale;
	len = snprintf(out, n, "%s%lld", v < 0 && x ? "-" : "", x / scale);
	if (frac == 0 || len < 0 || (size_t)len >= n)
		return;
	while (frac % 10 == 0) {
		frac /= 10;
		places--;
	}
	snprintf(out + len, n - (size_t)len, ".%0*lld", places, frac);
}

int kh_unit_scale(const char *u, uint64_t def, uint64_t *scale)
{
	uint64_t base, s = 1;
	int power;

	if (u == NULL || *u == '\0') {
		*scale = def;
		return 0;
	}
	switch (tolower((unsigned char)u[0])) {
	case 'b':
		if (strcasecmp(u, "b") && strcasecmp(u, "byte") && strcasecmp(u, "bytes"))
			return -1;
		*scale = 1;
		return 0;
	case 'k': power = 1; break;
	case 'm': power = 2; break;
	case 'g': power = 3; break;
	case 't': power = 4; break;
	case 'p': power = 5; break;
	case 'e': power = 6; break;
	default: return -1;
	}
	if (u[1] == '\0' || strcasecmp(u + 1, "ib") == 0)
		base = 1024;
	else if (strcasecmp(u + 1, "b") == 0)
		base = 1000;
	else
		return -1;
	while (power--)
		s *= base;
	*scale = s;
	return 0;
}

int kh_size_bytes(const char *count, const char *unit, uint64_t def, int64_t *bytes)
{
	uint64_t n, scale;

	if (kh_parse_u64(count, 10, &n) < 0 || kh_unit_scale(unit, def, &scale) < 0)
		return -1;
	if (n != 0 && scale > UINT64_MAX / n)
		return -1;
	if (n * scale > INT64_MAX)
		return -1;
	*bytes = (int64_t)(n * scale);
	return 0;
}

void kh_version_format(int64_t v, char out[KH_VERSION_LEN])
{
	snprintf(out, KH_VERSION_LEN, "%" PRId64 ".%" PRId64 ".%" PRId64, v / 1000000,
		 v / 1000 % 1000, v % 1000);
}
