#include "util/str.h"

#include <string.h>

int kh_strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

int kh_str_eq(const char *a, const char *b)
{
	return kh_strcmp_null(a, b) == 0;
}

int kh_strcmp_empty(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

uint64_t kh_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int kh_parse_int(const char *s, int min, int max, int *out)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	if (v < min)
		return -1;
	*out = (int)v;
	return 0;
}
