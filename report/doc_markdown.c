/* The Markdown back end: the report's source and its e-mail's text/plain part. Every string
 * goes through kh_escape_md, so nothing from libvirt is read as Markdown or HTML. */
#include "report/doc.h"
#include "report/escape.h"

static void md_inline(struct kh_buf *b, const struct kh_inline *in)
{
	kh_inline_write(b, in, kh_escape_md, "**", "**");
}

/* A pipe table: "| a | b |", the separator "| --- | ---: |" right-aligning 'r' columns. */
static void md_table(struct kh_buf *b, const struct kh_table *t)
{
	for (size_t c = 0; c < t->cols; c++) {
		kh_buf_puts(b, "| ");
		kh_escape_md(b, t->head[c]);
		kh_buf_puts(b, " ");
	}
	kh_buf_puts(b, "|\n");
	for (size_t c = 0; c < t->cols; c++)
		kh_buf_puts(b, t->align[c] == 'r' ? "| ---: " : "| --- ");
	kh_buf_puts(b, "|\n");
	for (size_t i = 0; i < t->n; i++) {
		kh_buf_puts(b, "| ");
		kh_escape_md(b, t->cells[i].text);
		kh_buf_puts(b, (i + 1) % t->cols ? " " : " |\n");
	}
}

void kh_block_markdown(const struct kh_block *b, struct kh_buf *out)
{
	switch (b->kind) {
	case KH_BLOCK_HEADING:
		for (int i = 0; i < b->level; i++)
			kh_buf_puts(out, "#");
		kh_buf_puts(out, " ");
		md_inline(out, &b->text[0]);
		kh_buf_puts(out, "\n");
		break;
	case KH_BLOCK_PARA:
		md_inline(out, &b->text[0]);
		kh_buf_puts(out, "\n");
		break;
	case KH_BLOCK_LIST:
	case KH_BLOCK_FIELDS:
		for (size_t i = 0; i < b->n_text; i++) {
			for (int l = 0; l < b->text[i].level; l++)
				kh_buf_puts(out, "  ");
			kh_buf_puts(out, "- ");
			md_inline(out, &b->text[i]);
			kh_buf_puts(out, "\n");
		}
		break;
	case KH_BLOCK_TABLE: md_table(out, &b->table); break;
	case KH_BLOCK_CHART: break;
	}
}

/* Blocks are separated by a blank line. */
void kh_doc_markdown(struct kh_doc *d, struct kh_buf *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct kh_block *b = &d->b[i];

		if (!(b->media & KH_MEDIA_MD) || b->kind == KH_BLOCK_CHART ||
		    (b->kind == KH_BLOCK_LIST && b->n_text == 0))
			continue;
		if (d->started)
			kh_buf_puts(out, "\n");
		kh_block_markdown(b, out);
		d->started = 1;
	}
}
