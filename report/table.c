#include "report/table.h"
#include "report/escape.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_cell(struct kh_table *t, const char *s)
{
	struct kh_buf b = { 0 };

	kh_text_safe(&b, s ? s : "-");
	*(char **)KH_PUSH(t->cells, t->n, t->cap) = kh_buf_steal(&b);
}

void kh_table_init(struct kh_table *t, size_t cols, ...)
{
	va_list ap;

	memset(t, 0, sizeof *t);
	t->cols = cols;
	va_start(ap, cols);
	for (size_t i = 0; i < cols; i++)
		add_cell(t, va_arg(ap, const char *));
	va_end(ap);
}

void kh_table_row(struct kh_table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	for (size_t i = 0; i < t->cols; i++)
		add_cell(t, va_arg(ap, const char *));
	va_end(ap);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void kh_table_render(const struct kh_table *t, struct kh_buf *out, const char *indent)
{
	size_t rows = t->n / t->cols, *w = kh_calloc(t->cols, sizeof *w), total = 0;

	for (size_t i = 0; i < t->n; i++)
		if (width(t->cells[i]) > w[i % t->cols])
			w[i % t->cols] = width(t->cells[i]);
	for (size_t c = 0; c < t->cols; c++)
		total += w[c] + (c + 1 < t->cols ? 2 : 0);
	for (size_t r = 0; r < rows; r++) {
		kh_buf_puts(out, indent);
		for (size_t c = 0; c < t->cols; c++) {
			const char *cell = t->cells[r * t->cols + c];

			kh_buf_puts(out, cell);
			if (c + 1 < t->cols)
				kh_buf_printf(out, "%*s", (int)(w[c] - width(cell) + 2), "");
		}
		kh_buf_puts(out, "\n");
		if (r == 0) {
			kh_buf_puts(out, indent);
			for (size_t i = 0; i < total; i++)
				kh_buf_puts(out, "-");
			kh_buf_puts(out, "\n");
		}
	}
	free(w);
}

void kh_table_free(struct kh_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof *t);
}
