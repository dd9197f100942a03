/* One document model for every rendered output. A builder (report/render.c for the report,
 * report/diff_render.c for diff and log, report/show.c for show, snapshots and domains) adds
 * blocks; a back end (text, Markdown, HTML; the e-mail on top of the last two) writes them.
 * Every string in a document is raw: each back end escapes it for its format, so untrusted
 * names from libvirt are made inert in one place per format (report/escape.h, and the text
 * back end's control-character rule). JSON is not a back end: it is written with jansson
 * from the model structs (report/show.c, report/report_json.c, report/diff_render.c). */
#ifndef KH_DOC_H
#define KH_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "report/chart.h"
#include "util/buf.h"
#include "util/err.h"

/* The formats a command writes; JSON is written from the model, not from a document. */
enum kh_format { KH_FORMAT_TEXT, KH_FORMAT_MD, KH_FORMAT_HTML, KH_FORMAT_JSON };

/* How a line or a table row reads: text colours a line by it (on a terminal), the HTML grid
 * look gives the row its background. */
enum kh_tone { KH_TONE_NONE, KH_TONE_ADDED, KH_TONE_REMOVED, KH_TONE_MODIFIED, KH_TONE_STRONG };

/* Which back ends write a block: a diff's changes are lines on a terminal and a table in
 * Markdown and HTML. */
enum {
	KH_MEDIA_TEXT = 1 << 0,
	KH_MEDIA_MD = 1 << 1,
	KH_MEDIA_HTML = 1 << 2,
	KH_MEDIA_RICH = KH_MEDIA_MD | KH_MEDIA_HTML,
	KH_MEDIA_ALL = KH_MEDIA_TEXT | KH_MEDIA_RICH,
};

/* Inline text: runs of plain or strong text. */
struct kh_span {
	char *text;
	int strong;
};

/* A heading's or paragraph's text, or one list item (indented by level). */
struct kh_inline {
	struct kh_span *spans;
	size_t n, cap;
	int level;
	enum kh_tone tone;
};

struct kh_cell {
	char *text;             /* NULL: text writes "-", Markdown and HTML nothing */
	int bar;                /* HTML: a bar of used against cap under the text */
	int64_t used, cap;
};

/* The HTML look of a table: RULED (the report's: rules between rows, per-column alignment,
 * bars) or GRID (diff's: a bordered grid, rows shaded by tone, monospace value columns). */
enum kh_table_look { KH_LOOK_RULED, KH_LOOK_GRID };

struct kh_table {
	size_t cols;
	char **head;
	char *align;            /* per column: 'l' left, 'r' right, 'p' left and preformatted */
	struct kh_cell *cells;  /* row-major */
	size_t n, cap;
	enum kh_tone *tones;    /* per row */
	size_t n_tones, cap_tones;
	const char *indent;     /* text: before each line (static) */
	enum kh_table_look look;
};

struct kh_field {
	char *key, *value;      /* value NULL: "-" */
};


enum kh_block_kind {
	KH_BLOCK_HEADING,       /* text[0], level 1.. */
	KH_BLOCK_PARA,          /* text[0] */
	KH_BLOCK_LIST,          /* text[0..n_text): the items */
	KH_BLOCK_FIELDS,        /* key/value lines; text[] holds them as list items too */
	KH_BLOCK_TABLE,
	KH_BLOCK_CHART,
};

struct kh_block {
	enum kh_block_kind kind;
	unsigned media;         /* KH_MEDIA_*: the back ends that write it */
	int level;              /* heading */
	/* Text has no heading markup: a heading that introduces what follows ends with ':',
	 * one that stands alone with '.', others with nothing (0). */
	char end;
	int plain;              /* list: text writes its items without "- " */
	struct kh_inline *text;
	size_t n_text, cap_text;
	struct kh_field *fields;
	size_t n_fields, cap_fields;
	int key_width;          /* fields: text pads "Key:" to this width */
	struct kh_table table;
	/* chart: drawn by the HTML back end (inline SVG, or an <img> of a mail's cid: part),
	 * skipped by the others; the block owns its title and samples */
	struct kh_chart chart;
	unsigned chart_id;      /* its number among the document's charts, from 1 */
};

struct kh_doc {
	struct kh_block *b;
	size_t n, cap;
	/* Where the back end stands, kept across kh_doc_clear so that a long output can be
	 * rendered and dropped a section at a time (log). */
	int started;            /* a block was written */
	int leadin;             /* text: the last block written was a heading ending in ':' */
	unsigned n_charts;
};

/* ---- building: each returns the new part, owned by the document ---- */

struct kh_block *kh_doc_heading(struct kh_doc *d, int level, const char *text);
/* A paragraph of plain text (printf-style) or, with kh_doc_para, of spans added to it. */
void kh_doc_paraf(struct kh_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct kh_inline *kh_doc_para(struct kh_doc *d);
struct kh_block *kh_doc_list(struct kh_doc *d, int plain);
struct kh_inline *kh_list_item(struct kh_block *list, int level, enum kh_tone tone);
void kh_span(struct kh_inline *in, const char *text);           /* NULL adds nothing */
void kh_span_take(struct kh_inline *in, char *text);            /* the same, taking text */
void kh_span_strong(struct kh_inline *in, const char *text);
void kh_spanf(struct kh_inline *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct kh_block *kh_doc_fields(struct kh_doc *d, int key_width);
void kh_field(struct kh_block *fields, const char *key, const char *value);
/* `head` holds cols header cells, `align` cols characters (see struct kh_table). */
struct kh_table *kh_doc_table(struct kh_doc *d, size_t cols, const char *const *head,
			      const char *align);
/* Starts a row shaded by `tone`; rows not started so have none. */
void kh_table_tone(struct kh_table *t, enum kh_tone tone);
struct kh_cell *kh_cell(struct kh_table *t, const char *text);  /* copies text */
struct kh_cell *kh_cell_take(struct kh_table *t, char *text);   /* takes text */
void kh_cell_bar(struct kh_table *t, char *text, int64_t used, int64_t cap); /* takes text */
/* A chart block holding a copy of c (title and samples included). */
struct kh_block *kh_doc_chart(struct kh_doc *d, const struct kh_chart *c);

/* A paragraph inserted before block `at` (kh_doc_para's, the blocks from `at` on one further
 * down); kh_doc_drop takes block `at` out again. */
struct kh_inline *kh_doc_para_at(struct kh_doc *d, size_t at);
void kh_doc_drop(struct kh_doc *d, size_t at);

/* Drops the blocks (rendered ones, typically), keeping where the back ends stand. */
void kh_doc_clear(struct kh_doc *d);
void kh_doc_free(struct kh_doc *d);

/* The last block added; NULL when none. */
struct kh_block *kh_doc_last(struct kh_doc *d);

/* ---- back ends: each appends to out ---- */

/* Inline text through `escape`, strong spans between `open` and `close`: what the back ends
 * share. */
void kh_inline_write(struct kh_buf *out, const struct kh_inline *in,
		     void (*escape)(struct kh_buf *, const char *), const char *open,
		     const char *close);

/* Plain text for a terminal: tables aligned with spaces as `kvmhist snapshots` prints them,
 * control characters shown as \xNN, ANSI colours by tone when color != 0. */
void kh_doc_text(struct kh_doc *d, int color, struct kh_buf *out);

/* Markdown; every string escaped with kh_escape_md, tables as pipe tables. */
void kh_doc_markdown(struct kh_doc *d, struct kh_buf *out);
/* One block as Markdown, without the blank line that separates blocks. */
void kh_block_markdown(const struct kh_block *b, struct kh_buf *out);

struct kh_html_opts {
	/* Headings, paragraphs, lists and fields through libcmark from their Markdown (safe
	 * mode: no raw HTML passes through): the report's page, whose Markdown is its source.
	 * Otherwise written directly (a fragment such as diff's). */
	int cmark;
	int heading_offset;     /* written directly: a level 1 heading is <h(1 + offset)> */
	const char *class;      /* class of each paragraph, list and table; NULL: none */
	/* charts as <img src="cid:chartN@kvmhist"> for a mail's PNG parts (mail clients show
	 * no SVG), not as inline SVG */
	int chart_images;
};

/* An HTML fragment, inline-styled for mail clients: no script, no external resource. Fails
 * only when libcmark cannot render (out of memory). */
int kh_doc_html(struct kh_doc *d, const struct kh_html_opts *o, struct kh_buf *out,
		struct kh_err *err);

#endif
