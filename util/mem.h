/* Allocation that cannot fail from the caller's view: out of memory aborts,
 * since a half-built snapshot is worth nothing and every caller would only exit. */
#ifndef KH_MEM_H
#define KH_MEM_H

#include <stddef.h>

void *kh_malloc(size_t n);
void *kh_calloc(size_t n, size_t size);
void *kh_realloc(void *p, size_t n);
char *kh_strdup(const char *s);           /* NULL in, NULL out */
char *kh_strndup(const char *s, size_t n);
char *kh_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a, sep and b in one string: kh_asprintf("%s%s%s") without printf, where it is called per
 * object */
char *kh_strjoin(const char *a, const char *sep, const char *b);

/* Grows *items (of *cap elements of size `size`) so that `need` elements fit. */
void kh_grow(void *items, size_t *cap, size_t need, size_t size);

/* Appends one element to a (items, n, cap) array and returns a pointer to it, zeroed. */
#define KH_PUSH(items, n, cap) \
	(kh_grow(&(items), &(cap), (n) + 1, sizeof *(items)), \
	 memset(&(items)[(n)], 0, sizeof *(items)), &(items)[(n)++])

#endif
