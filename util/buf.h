/* A growable string. */
#ifndef KH_BUF_H
#define KH_BUF_H

#include <stddef.h>

struct kh_buf {
	char *data;     /* always NUL-terminated once anything was added */
	size_t len, cap;
};

void kh_buf_add(struct kh_buf *b, const char *s, size_t n);
void kh_buf_puts(struct kh_buf *b, const char *s);
void kh_buf_printf(struct kh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (never NULL) and resets the buffer. */
char *kh_buf_steal(struct kh_buf *b);
void kh_buf_free(struct kh_buf *b);

#endif
