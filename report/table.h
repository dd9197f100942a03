/* Plain-text tables for the terminal, aligned like virsh's listings. */
#ifndef KH_TABLE_H
#define KH_TABLE_H

#include <stddef.h>

#include "util/buf.h"

struct kh_table {
	size_t cols;
	char **cells; /* row-major; row 0 is the header */
	size_t n, cap;
};

void kh_table_init(struct kh_table *t, size_t cols, ...); /* the header cells */
/* Adds a row of `cols` cells; NULL shows as "-". Control characters are made visible
 * so an untrusted name cannot drive the terminal. */
void kh_table_row(struct kh_table *t, ...);
void kh_table_render(const struct kh_table *t, struct kh_buf *out, const char *indent);
void kh_table_free(struct kh_table *t);

/* kh_text_safe (report/escape.h) copies one value for a terminal line. */
#include "report/escape.h"

#endif
