/* The document model (report/doc.h) and its back ends, block by block: what the outputs of
 * diff, log, show and the report do not all reach (right-aligned text columns, fields in
 * Markdown, lists in direct HTML, charts, media). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/doc.h"
#include "util/buf.h"

static char *text(struct kh_doc *d, int color)
{
	struct kh_buf b = { 0 };

	kh_doc_text(d, color, &b);
	return kh_buf_steal(&b);
}

static char *markdown(struct kh_doc *d)
{
	struct kh_buf b = { 0 };

	kh_doc_markdown(d, &b);
	return kh_buf_steal(&b);
}

static char *html(struct kh_doc *d, const struct kh_html_opts *o)
{
	struct kh_buf b = { 0 };
	struct kh_err err;

	assert_int_equal(kh_doc_html(d, o, &b, &err), 0);
	return kh_buf_steal(&b);
}

static const char *const head[] = { "Name", "Size", "Note" };

/* Columns padded to the widest cell by display width (UTF-8), 'r' padded on the left, a rule
 * as wide as the table, NULL as "-", control characters shown. */
static void test_text_table(void **state)
{
	struct kh_doc d = { 0 };
	struct kh_table *t = kh_doc_table(&d, 3, head, "lrl");
	char *s;

	(void)state;
	t->indent = " ";
	kh_cell(t, "caf\xc3\xa9");
	kh_cell(t, "1.0 GiB");
	kh_cell(t, NULL);
	kh_cell(t, "x\033[2J");
	kh_cell(t, "12 B");
	kh_cell(t, "ok");
	s = text(&d, 0);
	assert_string_equal(s, " Name         Size  Note\n"
			       " -----------------------\n"
			       " caf\xc3\xa9      1.0 GiB  -\n"
			       " x\\x1b[2J     12 B  ok\n");
	free(s);
	kh_doc_free(&d);
}

/* Blank lines before headings, fields and tables, none after a heading ending in ':';
 * paragraphs and list lines follow directly; colours only when asked, by tone. */
static void test_text_layout(void **state)
{
	struct kh_doc d = { 0 };
	struct kh_block *f, *l;
	struct kh_table *t;
	char *s;

	(void)state;
	kh_doc_heading(&d, 1, "Title");
	kh_doc_paraf(&d, "%d things.", 2);
	f = kh_doc_fields(&d, 8);
	kh_field(f, "Key", "value");
	kh_field(f, "Longer key", NULL);
	kh_doc_heading(&d, 2, "Lines")->end = ':';
	l = kh_doc_list(&d, 1);
	kh_span(kh_list_item(l, 0, KH_TONE_STRONG), "group");
	kh_span(kh_list_item(l, 1, KH_TONE_ADDED), "+ added \xc2\x9b");
	kh_doc_heading(&d, 2, "Table")->end = ':';
	t = kh_doc_table(&d, 3, head, NULL);
	kh_cell(t, "a");
	kh_cell(t, "b");
	kh_cell(t, "c");
	s = text(&d, 0);
	assert_string_equal(s, "Title\n"
			       "2 things.\n"
			       "\n"
			       "Key:     value\n"
			       "Longer key: -\n"
			       "\n"
			       "Lines:\n"
			       "group\n"
			       "  + added \\xc2\\x9b\n"
			       "\n"
			       "Table:\n"
			       "Name  Size  Note\n"
			       "----------------\n"
			       "a     b     c\n");
	free(s);
	d.started = 0;
	s = text(&d, 1);
	assert_non_null(strstr(s, "\033[1mgroup\033[0m\n  \033[32m+ added"));
	free(s);
	kh_doc_free(&d);
}

/* Every string escaped, strong spans in **, lists nested by level, fields as a list, 'r'
 * columns as ---:, blocks apart by one blank line; charts and text-only blocks skipped. */
static void test_markdown(void **state)
{
	struct kh_doc d = { 0 };
	struct kh_block *l;
	struct kh_inline *in;
	int64_t t[2] = { 1, 2 }, y[2] = { 10, 20 };
	struct kh_chart c = { .title = "used", .t = t, .y = y, .n = 2, .ceiling = 100 };
	const struct kh_chart *chart;
	char *s;

	(void)state;
	kh_doc_heading(&d, 2, "A *b*");
	l = kh_doc_list(&d, 0);
	in = kh_list_item(l, 0, KH_TONE_NONE);
	kh_span_strong(in, "Host:");
	kh_span(in, " <x>|y_");
	kh_span(kh_list_item(l, 1, KH_TONE_NONE), "nested");
	chart = &kh_doc_chart(&d, &c)->chart;
	kh_doc_list(&d, 1)->media = KH_MEDIA_TEXT;
	kh_span(kh_list_item(kh_doc_last(&d), 0, KH_TONE_NONE), "terminal only");
	kh_field(kh_doc_fields(&d, 0), "K", "v*");
	kh_cell(kh_doc_table(&d, 3, head, "lrl"), "n|1");
	kh_cell(&kh_doc_last(&d)->table, "2");
	kh_cell(&kh_doc_last(&d)->table, NULL);
	s = markdown(&d);
	assert_string_equal(s, "## A \\*b\\*\n"
			       "\n"
			       "- **Host:** &lt;x&gt;\\|y\\_\n"
			       "  - nested\n"
			       "\n"
			       "- **K:** v\\*\n"
			       "\n"
			       "| Name | Size | Note |\n"
			       "| --- | ---: | --- |\n"
			       "| n\\|1 | 2 |  |\n");
	/* the block holds its own copy of the samples */
	assert_int_equal(chart->n, 2);
	assert_ptr_not_equal(chart->y, y);
	assert_int_equal(chart->y[1], 20);
	free(s);
	kh_doc_free(&d);
}

/* Direct HTML: headings shifted, the class on paragraphs, lists and tables, every string
 * escaped; the grid look shades rows by tone and sets 'p' columns in monospace; the ruled
 * look aligns and draws bars. Through cmark, prose stays safe too. */
static void test_html(void **state)
{
	static const struct kh_html_opts frag = { .heading_offset = 1, .class = "c\"x" };
	static const struct kh_html_opts page = { .cmark = 1 };
	struct kh_doc d = { 0 };
	struct kh_table *t;
	char *s;

	(void)state;
	kh_doc_heading(&d, 1, "<script>");
	kh_doc_paraf(&d, "a & b");
	kh_span_strong(kh_list_item(kh_doc_list(&d, 0), 0, KH_TONE_NONE), "'q'");
	t = kh_doc_table(&d, 3, head, "lrp");
	t->look = KH_LOOK_GRID;
	kh_table_tone(t, KH_TONE_REMOVED);
	kh_cell(t, "<b>");
	kh_cell(t, "1");
	kh_cell(t, "x");
	s = html(&d, &frag);
	assert_non_null(strstr(s, "<h2>&lt;script&gt;</h2>\n<p class=\"c&quot;x\">a &amp; b</p>\n"
				  "<ul class=\"c&quot;x\">\n<li><strong>&#39;q&#39;</strong></li>\n"
				  "</ul>\n<table class=\"c&quot;x\" style="));
	assert_non_null(strstr(s, "<tr style=\"background:#ffebe9\"><td style=\"padding:3px 8px;"
				  "border:1px solid #d0d7de;vertical-align:top;text-align:left\">"
				  "&lt;b&gt;</td>"));
	assert_non_null(strstr(s, ";font-family:monospace;white-space:pre-wrap;"
				  "word-break:break-word\">x</td></tr>\n</tbody>\n</table>\n"));
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<b>"));
	free(s);
	kh_doc_free(&d);

	kh_doc_heading(&d, 1, "<script>");
	kh_span(kh_list_item(kh_doc_list(&d, 0), 0, KH_TONE_NONE), "<img src=x> **y**");
	t = kh_doc_table(&d, 2, head, "lr");
	kh_cell(t, "vol");
	kh_cell_bar(t, strdup("95%"), 95, 100);
	s = html(&d, &page);
	assert_non_null(strstr(s, "<h1>&lt;script&gt;</h1>\n<ul>\n<li>&lt;img src=x&gt; **y**</li>"
				  "\n</ul>\n<div style=\"overflow-x:auto\"><table cellpadding=\"6\""));
	assert_non_null(strstr(s, "<th align=\"right\" style=\"text-align:right;"));
	/* a cell is <td> alone, or right-aligned; the row carries the rule */
	assert_non_null(strstr(s, "<tr valign=\"top\" style=\"border-bottom:1px solid #eaeef2\">"
				  "<td>vol</td><td align=\"right\">95%"));
	assert_non_null(strstr(s, ">95%<table role=\"presentation\" width=\"100\""));
	assert_non_null(strstr(s, "<td width=\"95\" height=\"6\" bgcolor=\"#cf222e\""));
	assert_null(strstr(s, "<img"));
	free(s);
	kh_doc_free(&d);
}

/* kh_doc_clear drops the blocks but not where the back end stands: a document rendered a
 * section at a time reads as one. */
static void test_sections(void **state)
{
	struct kh_doc d = { 0 };
	char *a, *b;

	(void)state;
	kh_doc_heading(&d, 1, "One");
	a = markdown(&d);
	kh_doc_clear(&d);
	kh_doc_paraf(&d, "Two.");
	b = markdown(&d);
	assert_string_equal(a, "# One\n");
	assert_string_equal(b, "\nTwo.\n");
	free(a);
	free(b);
	kh_doc_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_text_layout),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_sections),
	};

	return cmocka_run_group_tests_name("doc", tests, NULL, NULL);
}
