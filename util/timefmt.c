#include "util/timefmt.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil), so no timezone state is touched. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int kh_time_parse(const char *s, int64_t *t, int *date_only)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	const char *p = s;

	if (s == NULL || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (date_only)
		*date_only = *p == '\0';
	if (*p != '\0') {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					return -1;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '+' ? 1 : -1;
			if (digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (*p != '\0' && digits(&p, 2, &om))
				return -1;
			if (oh > 23 || om > 59)
				return -1;
		}
		if (*p != '\0')
			return -1;
	}
	*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	     sign * (oh * 3600 + om * 60);
	return 0;
}

int kh_age_parse(const char *s, int64_t *seconds)
{
	char *end;
	long long n;
	int64_t unit;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	n = strtoll(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -1;
	}
	if (n < 0 || n > INT64_MAX / unit / 2)
		return -1;
	*seconds = (int64_t)n * unit;
	return 0;
}

static char *put_digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* ISO 8601 of t (years zero-padded to four digits, which %Y does not do), or "(out of
 * range)" outside years 0000-9999 (an age of a billion hours reaches there). Not printf: a
 * year's report writes a time for every sample of every series. */
static void format(int64_t t, int with_time, char out[KH_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;
	char *p = out;

	if (t < -62167219200 || t >= 253402300800 || gmtime_r(&tt, &tm) == NULL) {
		strcpy(out, "(out of range)");
		return;
	}
	p = put_digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = put_digits(p, tm.tm_mday, 2);
	if (with_time) {
		*p++ = 'T';
		p = put_digits(p, tm.tm_hour, 2);
		*p++ = ':';
		p = put_digits(p, tm.tm_min, 2);
		*p++ = ':';
		p = put_digits(p, tm.tm_sec, 2);
		*p++ = 'Z';
	}
	*p = '\0';
}

void kh_time_format(int64_t t, char out[KH_TIME_LEN])
{
	format(t, 1, out);
}

void kh_date_format(int64_t t, char out[KH_TIME_LEN])
{
	format(t, 0, out);
}

int64_t kh_now(void)
{
	const char *env = getenv("KVMHIST_NOW");
	int64_t t;

	if (env && *env && kh_time_parse(env, &t, NULL) == 0)
		return t;
	return (int64_t)time(NULL);
}

/* Integer arithmetic where the double is exact (below 2^53 bytes), rounded as printf's %.1f
 * rounds it (half to even): the same text without floating-point formatting, which was a
 * twelfth of a year's log. */
void kh_size_format(int64_t bytes, char *out, size_t n)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	uint64_t m = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes, tenths, rest, half;
	char s[32], *p = s + sizeof s;
	double v = (double)(bytes < 0 ? -bytes : bytes);
	int u = 0;

	if (v < 1024) {
		snprintf(out, n, "%" PRId64 " B", bytes);
		return;
	}
	if (m < (UINT64_C(1) << 53)) {
		while (u < 6 && m >> (10 * (u + 1)))
			u++;
		tenths = m * 10 >> (10 * u);
		rest = m * 10 & ((UINT64_C(1) << (10 * u)) - 1);
		half = UINT64_C(1) << (10 * u - 1);
		if (rest > half || (rest == half && tenths % 2))
			tenths++;
		/* not printf either: a year's log formats half a million of these */
		*--p = '\0';
		for (const char *x = units[u] + strlen(units[u]); x > units[u];)
			*--p = *--x;
		*--p = ' ';
		*--p = (char)('0' + tenths % 10);
		*--p = '.';
		tenths /= 10;
		do
			*--p = (char)('0' + tenths % 10);
		while (tenths /= 10);
		if (bytes < 0)
			*--p = '-';
		if (n) { /* as snprintf truncates */
			size_t len = strlen(p) < n ? strlen(p) : n - 1;

			memcpy(out, p, len);
			out[len] = '\0';
		}
		return;
	}
	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	snprintf(out, n, "%s%.1f %s", bytes < 0 ? "-" : "", v, units[u]);
}
