#include "util/buf.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_buf_add(struct kh_buf *b, const char *s, size_t n)
{
	kh_grow(&b->data, &b->cap, b->len + n + 1, 1);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void kh_buf_puts(struct kh_buf *b, const char *s)
{
	kh_buf_add(b, s, strlen(s));
}

void kh_buf_printf(struct kh_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len <= 0)
		return;
	kh_grow(&b->data, &b->cap, b->len + (size_t)len + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)len;
}

char *kh_buf_steal(struct kh_buf *b)
{
	char *s = b->data ? b->data : kh_strdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void kh_buf_free(struct kh_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
