/* The HTML back end: inline styles only, tables with bgcolor/width bars that mail clients
 * keep, no script, no external resource. Every string goes through kh_escape_html, or, for
 * prose rendered through libcmark, through kh_escape_md and cmark's safe renderer.
 * CommonMark has no tables, so tables are always written here. */
#include "report/doc.h"
#include "report/escape.h"
#include "util/mem.h"

#include <cmark.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAR_PX 100

/* ---- the ruled look: the report's tables ---- */

#define TH_STYLE                                                                           \
	"padding:6px 8px;border-bottom:2px solid #d0d7de;background-color:#f6f8fa;"       \
	"white-space:nowrap;font-weight:bold"
/* A fleet's e-mail has some 150 rows and Gmail clips an HTML body past 102 KB: a cell is
 * <td> alone, its padding the table's cellpadding, its rule the row's border, its
 * alignment left unless said (valign top for the row). */
#define TR_STYLE "border-bottom:1px solid #eaeef2"

/* ---- the grid look: diff's tables ---- */

#define GRID_STYLE "padding:3px 8px;border:1px solid #d0d7de;vertical-align:top;text-align:left"
#define CODE_STYLE GRID_STYLE ";font-family:monospace;white-space:pre-wrap;word-break:break-word"

static void class_attr(struct kh_buf *b, const char *class)
{
	if (class) {
		kh_buf_puts(b, " class=\"");
		kh_escape_html(b, class);
		kh_buf_puts(b, "\"");
	}
}

static const char *bar_color(double frac)
{
	return frac >= 0.9 ? "#cf222e" : frac >= 0.7 ? "#d4a72c" : "#2da44e";
}

/* A bar of two cells: used (colored) and the rest (grey), widths in pixels; width, height
 * and bgcolor attributes are what mail clients keep, font-size keeps the cells 6px high. */
static void html_bar(struct kh_buf *b, int64_t used, int64_t cap)
{
	double frac = (double)used / (double)cap;
	int w;

	if (frac > 1)
		frac = 1;
	w = (int)lround(frac * BAR_PX);
	kh_buf_printf(b, "<table role=\"presentation\" width=\"%d\" cellpadding=\"0\" "
			 "cellspacing=\"0\" style=\"margin-top:3px\"><tr>", BAR_PX);
	if (w > 0)
		kh_buf_printf(b, "<td width=\"%d\" height=\"6\" bgcolor=\"%s\" style=\"font-size:1px"
				 "\">&nbsp;</td>", w, bar_color(frac));
	if (w < BAR_PX)
		kh_buf_printf(b, "<td width=\"%d\" height=\"6\" bgcolor=\"#e5e7eb\" style=\"font-size:"
				 "1px\">&nbsp;</td>", BAR_PX - w);
	kh_buf_puts(b, "</tr></table>");
}

/* "<table class=... ATTRS>" */
static void table_open(struct kh_buf *b, const char *class, const char *attrs)
{
	kh_buf_puts(b, "<table");
	class_attr(b, class);
	kh_buf_puts(b, attrs);
}

static void ruled_table(struct kh_buf *b, const struct kh_table *t, const char *class)
{
	/* a table wider than a phone scrolls in its own box; the prose around it wraps */
	kh_buf_puts(b, "<div style=\"overflow-x:auto\">");
	table_open(b, class, " cellpadding=\"6\" cellspacing=\"0\" border=\"0\" style=\""
			     "border-collapse:collapse;font-size:13px;margin:0 0 16px 0\">\n<tr>");
	for (size_t c = 0; c < t->cols; c++) {
		const char *al = t->align[c] == 'r' ? "right" : "left";

		kh_buf_printf(b, "<th align=\"%s\" style=\"text-align:%s;" TH_STYLE "\">", al, al);
		kh_escape_html(b, t->head[c]);
		kh_buf_puts(b, "</th>");
	}
	kh_buf_puts(b, "</tr>\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct kh_cell *c = &t->cells[i];

		if (i % t->cols == 0)
			kh_buf_puts(b, "<tr valign=\"top\" style=\"" TR_STYLE "\">");
		kh_buf_puts(b, t->align[i % t->cols] == 'r' ? "<td align=\"right\">" : "<td>");
		kh_escape_html(b, c->text);
		if (c->bar && c->cap > 0)
			html_bar(b, c->used, c->cap);
		kh_buf_puts(b, "</td>");
		if ((i + 1) % t->cols == 0)
			kh_buf_puts(b, "</tr>\n");
	}
	kh_buf_puts(b, "</table></div>\n");
}

static const char *tone_background(enum kh_tone t)
{
	switch (t) {
	case KH_TONE_ADDED: return "#e6ffec";
	case KH_TONE_REMOVED: return "#ffebe9";
	case KH_TONE_MODIFIED: return "#fff8c5";
	case KH_TONE_STRONG: return "#f6f8fa";
	case KH_TONE_NONE:
	default: return NULL;
	}
}

static void grid_table(struct kh_buf *b, const struct kh_table *t, const char *class)
{
	table_open(b, class, " style=\"border-collapse:collapse;font-family:sans-serif;"
			     "font-size:13px\">\n<thead><tr style=\"background:#f6f8fa\">");
	for (size_t c = 0; c < t->cols; c++) {
		kh_buf_puts(b, "<th style=\"" GRID_STYLE "\">");
		kh_escape_html(b, t->head[c]);
		kh_buf_puts(b, "</th>");
	}
	kh_buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < t->n; i++) {
		size_t row = i / t->cols, col = i % t->cols;

		if (col == 0) {
			const char *bg = row < t->n_tones ? tone_background(t->tones[row]) : NULL;

			if (bg)
				kh_buf_printf(b, "<tr style=\"background:%s\">", bg);
			else
				kh_buf_puts(b, "<tr>");
		}
		kh_buf_printf(b, "<td style=\"%s\">", t->align[col] == 'p' ? CODE_STYLE : GRID_STYLE);
		kh_escape_html(b, t->cells[i].text);
		kh_buf_puts(b, "</td>");
		if (col + 1 == t->cols)
			kh_buf_puts(b, "</tr>\n");
	}
	kh_buf_puts(b, "</tbody>\n</table>\n");
}

/* ---- prose written directly ---- */

static void html_inline(struct kh_buf *b, const struct kh_inline *in)
{
	kh_inline_write(b, in, kh_escape_html, "<strong>", "</strong>");
}

static void html_prose(struct kh_buf *b, const struct kh_block *k, const struct kh_html_opts *o)
{
	switch (k->kind) {
	case KH_BLOCK_HEADING: {
		int h = k->level + o->heading_offset;

		h = h < 1 ? 1 : h > 6 ? 6 : h;
		kh_buf_printf(b, "<h%d>", h);
		html_inline(b, &k->text[0]);
		kh_buf_printf(b, "</h%d>\n", h);
		break;
	}
	case KH_BLOCK_PARA:
		kh_buf_puts(b, "<p");
		class_attr(b, o->class);
		kh_buf_puts(b, ">");
		html_inline(b, &k->text[0]);
		kh_buf_puts(b, "</p>\n");
		break;
	case KH_BLOCK_LIST:
	case KH_BLOCK_FIELDS:
		kh_buf_puts(b, "<ul");
		class_attr(b, o->class);
		kh_buf_puts(b, ">\n");
		for (size_t i = 0; i < k->n_text; i++) {
			kh_buf_puts(b, "<li>");
			html_inline(b, &k->text[i]);
			kh_buf_puts(b, "</li>\n");
		}
		kh_buf_puts(b, "</ul>\n");
		break;
	case KH_BLOCK_TABLE:
	case KH_BLOCK_CHART: break;
	}
}

/* A chart: inline SVG in a page; in a mail, its title as text (a fraction of the bytes it
 * takes in the picture, and read where images are blocked) over an <img> of its PNG part
 * (cid:), whose alt says in words what the picture shows. */
static void chart_html(struct kh_buf *out, const struct kh_block *k, const struct kh_html_opts *o)
{
	char id[32];

	if (o->chart_images) {
		char *alt = kh_chart_alt(&k->chart);

		kh_buf_puts(out, "<p style=\"margin:0 0 2px 0\"><strong>");
		kh_escape_html(out, k->chart.title ? k->chart.title : "");
		kh_buf_puts(out, "</strong></p>\n");
		kh_buf_printf(out, "<p style=\"margin:0 0 12px 0\"><img src=\"cid:chart%u@kvmhist\" "
			      "width=\"%d\" height=\"%d\" alt=\"", k->chart_id, KH_CHART_WIDTH,
			      KH_CHART_HEIGHT);
		kh_escape_html(out, alt);
		kh_buf_puts(out, "\" style=\"display:block;width:100%;max-width:600px;height:auto;"
				 "border:0\"></p>\n");
		free(alt);
		return;
	}
	snprintf(id, sizeof id, "chart%u", k->chart_id);
	kh_buf_puts(out, "<div style=\"margin:0 0 12px 0\">\n");
	kh_chart_svg(&k->chart, id, 0, out);
	kh_buf_puts(out, "</div>\n");
}

/* The block's Markdown through libcmark (safe: raw HTML never passes through). */
static int cmark_prose(struct kh_buf *b, const struct kh_block *k, struct kh_err *err)
{
	struct kh_buf md = { 0 };
	char *html;

	kh_block_markdown(k, &md);
	html = cmark_markdown_to_html(md.data ? md.data : "", md.len,
				      CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	kh_buf_free(&md);
	if (html == NULL)
		return kh_err_set(err, "cannot render HTML: libcmark failed (out of memory)");
	kh_buf_puts(b, html);
	free(html);
	return 0;
}

int kh_doc_html(struct kh_doc *d, const struct kh_html_opts *o, struct kh_buf *out,
		struct kh_err *err)
{
	static const struct kh_html_opts none = { 0 };

	if (o == NULL)
		o = &none;
	for (size_t i = 0; i < d->n; i++) {
		const struct kh_block *b = &d->b[i];

		if (!(b->media & KH_MEDIA_HTML) || (b->kind == KH_BLOCK_LIST && b->n_text == 0))
			continue;
		if (b->kind == KH_BLOCK_CHART) {
			chart_html(out, b, o);
		} else if (b->kind == KH_BLOCK_TABLE) {
			if (b->table.look == KH_LOOK_GRID)
				grid_table(out, &b->table, o->class);
			else
				ruled_table(out, &b->table, o->class);
		} else if (o->cmark) {
			if (cmark_prose(out, b, err))
				return -1;
		} else {
			html_prose(out, b, o);
		}
		d->started = 1;
	}
	return 0;
}
