/* Small things done with strings everywhere: NULL-safe comparison, hashing, whole numbers. */
#ifndef KH_STR_H
#define KH_STR_H

#include <stddef.h>
#include <stdint.h>

/* strcmp where NULL is a string of its own that sorts before every other (so a missing
 * name orders stably rather than crashing). */
int kh_strcmp_null(const char *a, const char *b);
/* Equal as kh_strcmp_null says: both NULL, or both the same string. */
int kh_str_eq(const char *a, const char *b);
/* strcmp where NULL reads as "". */
int kh_strcmp_empty(const char *a, const char *b);

/* FNV-1a over n bytes, continuing from h (KH_FNV1A_BASIS to start). A lookup key only:
 * what it finds must still be compared. */
#define KH_FNV1A_BASIS 0xcbf29ce484222325ULL
uint64_t kh_fnv1a(uint64_t h, const void *p, size_t n);

/* A whole number written in decimal digits only (no sign, no blanks, no 0x) between min and
 * max (both >= 0). Returns 0 with *out, or -1 and *out untouched. */
int kh_parse_int(const char *s, int min, int max, int *out);

#endif
