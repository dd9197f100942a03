/* The document model: building and freeing. The back ends are doc_text.c, doc_markdown.c and
 * doc_html.c. */
#include "report/doc.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct kh_block *block_add(struct kh_doc *d, enum kh_block_kind kind)
{
	struct kh_block *b = KH_PUSH(d->b, d->n, d->cap);

	b->kind = kind;
	b->media = KH_MEDIA_ALL;
	return b;
}

static struct kh_inline *inline_add(struct kh_block *b)
{
	return KH_PUSH(b->text, b->n_text, b->cap_text);
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	int len;
	char *s;

	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	s = kh_malloc((size_t)(len < 0 ? 0 : len) + 1);
	if (len < 0)
		*s = '\0';
	else
		vsnprintf(s, (size_t)len + 1, fmt, ap);
	return s;
}

static void span_take(struct kh_inline *in, char *text, int strong)
{
	struct kh_span *s = KH_PUSH(in->spans, in->n, in->cap);

	s->text = text;
	s->strong = strong;
}

void kh_span(struct kh_inline *in, const char *text)
{
	if (text)
		span_take(in, kh_strdup(text), 0);
}

void kh_span_take(struct kh_inline *in, char *text)
{
	if (text)
		span_take(in, text, 0);
}

void kh_span_strong(struct kh_inline *in, const char *text)
{
	if (text)
		span_take(in, kh_strdup(text), 1);
}

void kh_spanf(struct kh_inline *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	span_take(in, vformat(fmt, ap), 0);
	va_end(ap);
}

struct kh_block *kh_doc_heading(struct kh_doc *d, int level, const char *text)
{
	struct kh_block *b = block_add(d, KH_BLOCK_HEADING);

	b->level = level;
	kh_span(inline_add(b), text);
	return b;
}

struct kh_inline *kh_doc_para(struct kh_doc *d)
{
	return inline_add(block_add(d, KH_BLOCK_PARA));
}

void kh_doc_paraf(struct kh_doc *d, const char *fmt, ...)
{
	struct kh_inline *in = kh_doc_para(d);
	va_list ap;

	va_start(ap, fmt);
	span_take(in, vformat(fmt, ap), 0);
	va_end(ap);
}

struct kh_block *kh_doc_list(struct kh_doc *d, int plain)
{
	struct kh_block *b = block_add(d, KH_BLOCK_LIST);

	b->plain = plain;
	return b;
}

struct kh_inline *kh_list_item(struct kh_block *list, int level, enum kh_tone tone)
{
	struct kh_inline *in = inline_add(list);

	in->level = level;
	in->tone = tone;
	return in;
}

struct kh_block *kh_doc_fields(struct kh_doc *d, int key_width)
{
	struct kh_block *b = block_add(d, KH_BLOCK_FIELDS);

	b->key_width = key_width;
	return b;
}

void kh_field(struct kh_block *fields, const char *key, const char *value)
{
	struct kh_field *f = KH_PUSH(fields->fields, fields->n_fields, fields->cap_fields);
	struct kh_inline *in;

	f->key = kh_strdup(key);
	f->value = kh_strdup(value);
	/* and as a list item, "**Key:** value", for the back ends that list them */
	in = inline_add(fields);
	kh_spanf(in, "%s:", key);
	in->spans[0].strong = 1;
	kh_spanf(in, " %s", value ? value : "-");
}

struct kh_table *kh_doc_table(struct kh_doc *d, size_t cols, const char *const *head,
			      const char *align)
{
	struct kh_table *t = &block_add(d, KH_BLOCK_TABLE)->table;

	t->cols = cols;
	t->head = kh_calloc(cols, sizeof *t->head);
	t->align = kh_calloc(cols + 1, 1);
	for (size_t c = 0; c < cols; c++) {
		t->head[c] = kh_strdup(head[c]);
		t->align[c] = align ? align[c] : 'l';
	}
	t->indent = "";
	return t;
}

void kh_table_tone(struct kh_table *t, enum kh_tone tone)
{
	size_t row = t->n / t->cols;

	while (t->n_tones < row)
		*KH_PUSH(t->tones, t->n_tones, t->cap_tones) = KH_TONE_NONE;
	*KH_PUSH(t->tones, t->n_tones, t->cap_tones) = tone;
}

struct kh_cell *kh_cell_take(struct kh_table *t, char *text)
{
	struct kh_cell *c = KH_PUSH(t->cells, t->n, t->cap);

	c->text = text;
	return c;
}

struct kh_cell *kh_cell(struct kh_table *t, const char *text)
{
	return kh_cell_take(t, kh_strdup(text));
}

void kh_cell_bar(struct kh_table *t, char *text, int64_t used, int64_t cap)
{
	struct kh_cell *c = kh_cell_take(t, text);

	c->bar = 1;
	c->used = used;
	c->cap = cap;
}

struct kh_block *kh_doc_chart(struct kh_doc *d, const struct kh_chart *c)
{
	struct kh_block *b = block_add(d, KH_BLOCK_CHART);
	int64_t *t = kh_malloc((c->n + 1) * sizeof *t), *y = kh_malloc((c->n + 1) * sizeof *y);

	if (c->n) {
		memcpy(t, c->t, c->n * sizeof *t);
		memcpy(y, c->y, c->n * sizeof *y);
	}
	b->chart = *c;
	b->chart.title = kh_strdup(c->title);
	b->chart.ceiling_label = kh_strdup(c->ceiling_label);
	b->chart.t = t;
	b->chart.y = y;
	b->chart_id = ++d->n_charts;
	return b;
}

struct kh_inline *kh_doc_para_at(struct kh_doc *d, size_t at)
{
	struct kh_inline *in = kh_doc_para(d);
	struct kh_block b = d->b[d->n - 1];

	if (at < d->n - 1) {
		memmove(&d->b[at + 1], &d->b[at], (d->n - 1 - at) * sizeof *d->b);
		d->b[at] = b;
	}
	return in; /* in b.text, which moved with it */
}

struct kh_block *kh_doc_last(struct kh_doc *d)
{
	return d->n ? &d->b[d->n - 1] : NULL;
}

void kh_inline_write(struct kh_buf *out, const struct kh_inline *in,
		     void (*escape)(struct kh_buf *, const char *), const char *open,
		     const char *close)
{
	for (size_t i = 0; i < in->n; i++) {
		kh_buf_puts(out, in->spans[i].strong ? open : "");
		escape(out, in->spans[i].text);
		kh_buf_puts(out, in->spans[i].strong ? close : "");
	}
}

static void inline_free(struct kh_inline *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->spans[i].text);
	free(in->spans);
}

static void block_free(struct kh_block *b)
{
	for (size_t i = 0; i < b->n_text; i++)
		inline_free(&b->text[i]);
	free(b->text);
	for (size_t i = 0; i < b->n_fields; i++) {
		free(b->fields[i].key);
		free(b->fields[i].value);
	}
	free(b->fields);
	for (size_t i = 0; i < b->table.cols; i++)
		free(b->table.head[i]);
	free(b->table.head);
	free(b->table.align);
	for (size_t i = 0; i < b->table.n; i++)
		free(b->table.cells[i].text);
	free(b->table.cells);
	free(b->table.tones);
	/* the block's own copies (kh_doc_chart) */
	free((char *)b->chart.title);
	free((char *)b->chart.ceiling_label);
	free((int64_t *)b->chart.t);
	free((int64_t *)b->chart.y);
}

void kh_doc_drop(struct kh_doc *d, size_t at)
{
	block_free(&d->b[at]);
	memmove(&d->b[at], &d->b[at + 1], (d->n - at - 1) * sizeof *d->b);
	d->n--;
}

void kh_doc_clear(struct kh_doc *d)
{
	for (size_t i = 0; i < d->n; i++)
		block_free(&d->b[i]);
	d->n = 0;
}

void kh_doc_free(struct kh_doc *d)
{
	kh_doc_clear(d);
	free(d->b);
	memset(d, 0, sizeof *d);
}
