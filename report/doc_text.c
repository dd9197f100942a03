/* The text back end: what the terminal shows. Text output is literal but for control
 * characters, shown as \xNN so that no name can move the cursor or change colours. */
#include "report/doc.h"
#include "report/escape.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define C_ADD "\033[32m"
#define C_DEL "\033[31m"
#define C_MOD "\033[33m"
#define C_HEAD "\033[1m"
#define C_OFF "\033[0m"

/* report/escape.c's one rule: control characters (C0, DEL, C1) as \xNN, bytes that are
 * not UTF-8 as U+FFFD, in headings, fields, cells and lines alike. */
static void inline_text(struct kh_buf *b, const struct kh_inline *in)
{
	for (size_t i = 0; i < in->n; i++)
		kh_text_safe(b, in->spans[i].text);
}

static const char *tone_color(enum kh_tone t)
{
	switch (t) {
	case KH_TONE_ADDED: return C_ADD;
	case KH_TONE_REMOVED: return C_DEL;
	case KH_TONE_MODIFIED: return C_MOD;
	case KH_TONE_STRONG: return C_HEAD;
	case KH_TONE_NONE:
	default: return NULL;
	}
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void pad(struct kh_buf *b, size_t n)
{
	static const char spaces[] = "                                ";

	/* not printf's %*s: a year's log pads a quarter of a million lines */
	for (; n > sizeof spaces - 1; n -= sizeof spaces - 1)
		kh_buf_add(b, spaces, sizeof spaces - 1);
	if (n)
		kh_buf_add(b, spaces, n);
}

/* Header, a rule of dashes as wide as the table, the rows; two spaces between columns. */
static void text_table(struct kh_buf *b, const struct kh_table *t)
{
	size_t rows = t->n / t->cols + 1, total = 0;
	size_t *w = kh_calloc(t->cols, sizeof *w);
	char **cell = kh_calloc(rows * t->cols, sizeof *cell);

	for (size_t i = 0; i < rows * t->cols; i++) {
		struct kh_buf c = { 0 };
		const char *s = i < t->cols ? t->head[i] : t->cells[i - t->cols].text;

		kh_text_safe(&c, s ? s : "-");
		cell[i] = kh_buf_steal(&c);
		if (width(cell[i]) > w[i % t->cols])
			w[i % t->cols] = width(cell[i]);
	}
	for (size_t c = 0; c < t->cols; c++)
		total += w[c] + (c + 1 < t->cols ? 2 : 0);
	for (size_t r = 0; r < rows; r++) {
		kh_buf_puts(b, t->indent);
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = cell[r * t->cols + c];
			size_t room = w[c] - width(s);

			if (t->align[c] == 'r')
				pad(b, room);
			kh_buf_puts(b, s);
			if (c + 1 < t->cols)
				pad(b, (t->align[c] == 'r' ? 0 : room) + 2);
		}
		kh_buf_puts(b, "\n");
		if (r == 0) {
			kh_buf_puts(b, t->indent);
			for (size_t i = 0; i < total; i++)
				kh_buf_puts(b, "-");
			kh_buf_puts(b, "\n");
		}
	}
	for (size_t i = 0; i < rows * t->cols; i++)
		free(cell[i]);
	free(cell);
	free(w);
}

static void text_list(struct kh_buf *b, const struct kh_block *l, int color)
{
	for (size_t i = 0; i < l->n_text; i++) {
		const struct kh_inline *in = &l->text[i];
		const char *col = color ? tone_color(in->tone) : NULL;

		pad(b, 2 * (size_t)in->level);
		if (!l->plain)
			kh_buf_puts(b, "- ");
		if (col)
			kh_buf_puts(b, col);
		inline_text(b, in);
		if (col)
			kh_buf_puts(b, C_OFF);
		kh_buf_puts(b, "\n");
	}
}

static void text_fields(struct kh_buf *b, const struct kh_block *f)
{
	for (size_t i = 0; i < f->n_fields; i++) {
		size_t n = strlen(f->fields[i].key) + 1;

		kh_buf_printf(b, "%s:", f->fields[i].key);
		pad(b, (n < (size_t)f->key_width ? (size_t)f->key_width - n : 0) + 1);
		kh_text_safe(b, f->fields[i].value ? f->fields[i].value : "-");
		kh_buf_puts(b, "\n");
	}
}

/* Headings, field blocks and tables stand apart by a blank line, but right after a heading
 * that introduces them; paragraphs and lines follow what they belong to. */
void kh_doc_text(struct kh_doc *d, int color, struct kh_buf *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct kh_block *b = &d->b[i];

		if (!(b->media & KH_MEDIA_TEXT) || b->kind == KH_BLOCK_CHART ||
		    (b->kind == KH_BLOCK_LIST && b->n_text == 0))
			continue;
		if (d->started && !d->leadin &&
		    (b->kind == KH_BLOCK_HEADING || b->kind == KH_BLOCK_FIELDS ||
		     b->kind == KH_BLOCK_TABLE))
			kh_buf_puts(out, "\n");
		switch (b->kind) {
		case KH_BLOCK_HEADING:
		case KH_BLOCK_PARA:
			inline_text(out, &b->text[0]);
			if (b->kind == KH_BLOCK_HEADING && b->end)
				kh_buf_add(out, &b->end, 1);
			kh_buf_puts(out, "\n");
			break;
		case KH_BLOCK_LIST: text_list(out, b, color); break;
		case KH_BLOCK_FIELDS: text_fields(out, b); break;
		case KH_BLOCK_TABLE: text_table(out, &b->table); break;
		case KH_BLOCK_CHART: break;
		}
		d->started = 1;
		d->leadin = b->kind == KH_BLOCK_HEADING && b->end == ':';
	}
}
