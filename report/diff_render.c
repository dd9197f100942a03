#include "report/diff_render.h"
#include "report/show.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timefmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ARROW " \xe2\x86\x92 "  /* → */
#define ELLIPSIS "\xe2\x80\xa6" /* … */
#define CELL_CHARS 80

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long n;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || *end != '\0')
		return -1;
	*v = (int64_t)n;
	return 0;
}

/* Whether a and b belong to one object (one group of lines). */
static int same_object(const struct kh_change *a, const struct kh_change *b)
{
	return kh_str_eq(a->uri, b->uri) && kh_str_eq(a->object, b->object) && kh_str_eq(a->pool, b->pool) &&
	       kh_str_eq(a->name, b->name);
}

static int several_hosts(const struct kh_changes *c)
{
	if (c == NULL)
		return 0;
	for (size_t i = 1; i < c->n; i++)
		if (!kh_str_eq(c->items[i].uri, c->items[0].uri))
			return 1;
	return 0;
}

/* "pool/name" for volumes, the name otherwise; the caller frees. */
static char *display_name(const struct kh_change *c)
{
	const char *name = c->name ? c->name : "?";

	return c->pool ? kh_strjoin(c->pool, "/", name) : kh_strdup(name);
}

/* ---- values ---------------------------------------------------------------------------------- */

/* Whitespace runs as one space, cut after CELL_CHARS bytes at a character boundary. */
static void collapsed(struct kh_buf *b, const char *v)
{
	size_t n = 0, start = b->len;
	int space = 0;

	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = b->len > start;
			continue;
		}
		if (n >= CELL_CHARS && (c & 0xc0) != 0x80) {
			kh_buf_puts(b, ELLIPSIS);
			return;
		}
		if (space) {
			kh_buf_add(b, " ", 1);
			n++;
			space = 0;
		}
		kh_buf_add(b, p, 1);
		n++;
	}
}

void kh_value_add(struct kh_buf *b, const char *v, enum kh_value_kind kind,
		  enum kh_value_style style)
{
	char size[32];
	int64_t n;

	if (v == NULL) {
		kh_buf_puts(b, style == KH_VALUE_CELL ? "(none)" : "");
		return;
	}
	if (kind == KH_VALUE_BYTES && parse_i64(v, &n) == 0) {
		kh_size_format(n, size, sizeof size);
		kh_buf_puts(b, size);
	} else if (style == KH_VALUE_CELL) {
		collapsed(b, v);
	} else if (*v == '\0') {
		kh_buf_puts(b, "\"\"");
	} else if (kind == KH_VALUE_XML) {
		for (const char *p = v; *p; p++)
			kh_buf_add(b, *p == '\n' || *p == '\r' || *p == '\t' ? " " : p, 1);
	} else if (strpbrk(v, "\r\n")) {
		kh_buf_add(b, v, strcspn(v, "\r\n"));
		kh_buf_puts(b, " " ELLIPSIS);
	} else {
		kh_buf_puts(b, v);
	}
}

void kh_value_delta(struct kh_buf *b, const struct kh_change *c)
{
	char size[32];
	int64_t x, y, d;

	if ((c->kind != KH_VALUE_BYTES && c->kind != KH_VALUE_NUMBER) || parse_i64(c->old, &x) ||
	    parse_i64(c->new_, &y))
		return;
	if ((x < 0 && y > INT64_MAX + x) || (x > 0 && y < INT64_MIN + x))
		return;
	d = y - x;
	if (c->kind == KH_VALUE_NUMBER) {
		kh_buf_printf(b, " (%s%" PRId64 ")", d > 0 ? "+" : "", d);
		return;
	}
	kh_size_format(d, size, sizeof size);
	/* not printf: a year's log has a quarter of a million of these */
	kh_buf_puts(b, d > 0 ? " (+" : " (");
	kh_buf_puts(b, size);
	kh_buf_puts(b, ")");
}

static void value_span(struct kh_inline *in, const char *v, enum kh_value_kind kind)
{
	struct kh_buf b = { 0 };

	kh_value_add(&b, v, kind, KH_VALUE_LINE);
	kh_span_take(in, kh_buf_steal(&b));
}

/* ---- the document ---------------------------------------------------------------------------- */

static enum kh_tone change_tone(const struct kh_change *c)
{
	return c->change == KH_CHANGE_ADDED ? KH_TONE_ADDED
	       : c->change == KH_CHANGE_REMOVED ? KH_TONE_REMOVED
					       : KH_TONE_MODIFIED;
}

/* "object name" and, over several hosts, " (uri)". */
static void object_spans(struct kh_inline *in, const struct kh_change *c, int multi)
{
	kh_span(in, c->object);
	kh_span(in, " ");
	kh_span_take(in, display_name(c));
	if (multi && c->uri) {
		kh_span(in, " (");
		kh_span(in, c->uri);
		kh_span(in, ")");
	}
}

/* One line of a change inside its object's group. */
static void change_line(struct kh_block *l, const struct kh_change *c)
{
	enum kh_tone tone = c->old == NULL ? KH_TONE_ADDED
			    : c->new_ == NULL ? KH_TONE_REMOVED
					      : KH_TONE_MODIFIED;
	struct kh_inline *in = kh_list_item(l, 1, tone);

	if (c->old == NULL && c->new_ != NULL) {
		kh_span(in, "+ ");
		kh_span(in, c->path);
		kh_span(in, ": ");
		value_span(in, c->new_, c->kind);
	} else if (c->new_ == NULL && c->old != NULL) {
		kh_span(in, "- ");
		kh_span(in, c->path);
		kh_span(in, ": ");
		value_span(in, c->old, c->kind);
	} else {
		kh_span(in, c->path);
		if (c->old != NULL) {
			struct kh_buf delta = { 0 };

			kh_span(in, ": ");
			value_span(in, c->old, c->kind);
			kh_span(in, ARROW);
			value_span(in, c->new_, c->kind);
			kh_value_delta(&delta, c);
			kh_span_take(in, delta.data); /* NULL (no delta) adds nothing */
		}
	}
}

/* The terminal's lines: a group per object, a line per change. */
static void changes_lines(struct kh_doc *d, const struct kh_changes *c, int multi)
{
	struct kh_block *l = kh_doc_list(d, 1);
	const struct kh_change *group = NULL;

	l->media = KH_MEDIA_TEXT;
	for (size_t i = 0; i < c->n; i++) {
		const struct kh_change *ch = &c->items[i];

		if (ch->path == NULL) {
			/* A whole object added or removed: one line of its own. */
			struct kh_inline *in = kh_list_item(l, 0, change_tone(ch));

			kh_span(in, ch->change == KH_CHANGE_ADDED     ? "+ "
				    : ch->change == KH_CHANGE_REMOVED ? "- "
								      : "~ ");
			object_spans(in, ch, multi);
			group = NULL;
			continue;
		}
		if (group == NULL || !same_object(group, ch)) {
			object_spans(kh_list_item(l, 0, KH_TONE_STRONG), ch, multi);
			group = ch;
		}
		change_line(l, ch);
	}
}

static const char *const heads[] = { "Host", "Object", "Name", "Change", "Path", "Old", "New" };

/* The page's table: a row per change, shaded by what it does. */
static void changes_table(struct kh_doc *d, const struct kh_changes *c, int multi)
{
	size_t first = multi ? 0 : 1;
	struct kh_table *t = kh_doc_table(d, 7 - first, heads + first, &"llllppp"[first]);

	kh_doc_last(d)->media = KH_MEDIA_RICH;
	t->look = KH_LOOK_GRID;
	for (size_t r = 0; r < c->n; r++) {
		const struct kh_change *ch = &c->items[r];
		struct kh_buf b = { 0 };

		if (ch->change == KH_CHANGE_ADDED || (ch->path && ch->old == NULL))
			kh_table_tone(t, KH_TONE_ADDED);
		else if (ch->change == KH_CHANGE_REMOVED || (ch->path && ch->new_ == NULL))
			kh_table_tone(t, KH_TONE_REMOVED);
		else
			kh_table_tone(t, KH_TONE_MODIFIED);
		if (multi)
			kh_cell(t, ch->uri ? ch->uri : "");
		kh_cell(t, ch->object ? ch->object : "");
		kh_cell_take(t, display_name(ch));
		kh_cell(t, kh_change_kind_name(ch->change));
		kh_cell(t, ch->path ? ch->path : "");
		kh_value_add(&b, ch->old, ch->kind, KH_VALUE_LINE);
		kh_cell_take(t, kh_buf_steal(&b));
		kh_value_add(&b, ch->new_, ch->kind, KH_VALUE_LINE);
		if (ch->old && ch->new_)
			kh_value_delta(&b, ch);
		kh_cell_take(t, kh_buf_steal(&b));
	}
}

void kh_changes_doc_for(struct kh_doc *d, const struct kh_changes *c, unsigned media)
{
	int multi = several_hosts(c);

	if (c == NULL || c->n == 0) {
		kh_doc_paraf(d, "No changes.");
		return;
	}
	if (media & KH_MEDIA_TEXT)
		changes_lines(d, c, multi);
	if (media & KH_MEDIA_RICH)
		changes_table(d, c, multi);
}

void kh_changes_doc(struct kh_doc *d, const struct kh_changes *c)
{
	kh_changes_doc_for(d, c, KH_MEDIA_ALL);
}

void kh_pending_doc(struct kh_doc *d, const char *as_of, const struct kh_changes *c)
{
	struct kh_block *h = kh_doc_heading(d, 2, KH_PENDING_TITLE " (" KH_PENDING_WHAT ")");

	if (as_of) {
		kh_span(&h->text[0], " as of ");
		kh_span(&h->text[0], as_of);
	}
	h->end = ':';
	kh_changes_doc(d, c);
}

char *kh_changes_render(struct kh_doc *d, enum kh_format f, int color)
{
	static const struct kh_html_opts fragment = { .heading_offset = 1, .class = "kh-diff" };
	struct kh_buf b = { 0 };
	struct kh_err err;

	if (f == KH_FORMAT_MD)
		kh_doc_markdown(d, &b);
	else if (f == KH_FORMAT_HTML)
		(void)kh_doc_html(d, &fragment, &b, &err); /* written directly: cannot fail */
	else
		kh_doc_text(d, color, &b);
	return kh_buf_steal(&b);
}

char *kh_changes_output(const struct kh_changes *c, enum kh_format f, int color)
{
	struct kh_doc d = { 0 };
	char *s;

	if (f == KH_FORMAT_JSON)
		return kh_json_dump(kh_changes_json(c));
	kh_changes_doc(&d, c);
	s = kh_changes_render(&d, f, color);
	kh_doc_free(&d);
	return s;
}

char *kh_diff_output(enum kh_format f, int color, const struct kh_snapshot *from,
		     const struct kh_snapshot *to, const struct kh_changes *ch,
		     const struct kh_changes *pending)
{
	char *a, *z, *s;
	struct kh_doc d = { 0 };
	struct kh_block *h;

	if (f == KH_FORMAT_JSON) {
		json_t *j = json_object();

		json_object_set_new(j, "from", kh_snapshot_ref_json(from));
		json_object_set_new(j, "to", kh_snapshot_ref_json(to));
		json_object_set_new(j, "changes", kh_changes_json(ch));
		json_object_set_new(j, "pending", kh_changes_json(pending));
		return kh_json_dump(j);
	}
	a = kh_snapshot_label(from);
	z = kh_snapshot_label(to);
	h = kh_doc_heading(&d, 1, NULL);
	kh_spanf(&h->text[0], "Changes from %s to %s", a, z);
	free(a);
	free(z);
	kh_changes_doc(&d, ch);
	if (pending->n)
		kh_pending_doc(&d, NULL, pending);
	s = kh_changes_render(&d, f, color);
	kh_doc_free(&d);
	return s;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

json_t *kh_value_json(const char *v, enum kh_value_kind kind)
{
	int64_t n;

	if (v && (kind == KH_VALUE_BYTES || kind == KH_VALUE_NUMBER) && parse_i64(v, &n) == 0)
		return json_integer((json_int_t)n);
	return kh_json_str(v);
}

json_t *kh_change_json(const struct kh_change *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "object", kh_json_str(c->object));
	json_object_set_new(o, "name", kh_json_str(c->name));
	if (c->object && strcmp(c->object, "volume") == 0)
		json_object_set_new(o, "pool", kh_json_str(c->pool));
	json_object_set_new(o, "change", json_string(kh_change_kind_name(c->change)));
	json_object_set_new(o, "path", kh_json_str(c->path));
	json_object_set_new(o, "old", kh_value_json(c->old, c->kind));
	json_object_set_new(o, "new", kh_value_json(c->new_, c->kind));
	if (c->taken_at != 0) {
		char when[KH_TIME_LEN];

		kh_time_format(c->taken_at, when);
		json_object_set_new(o, "taken_at", json_string(when));
	}
	return o;
}

json_t *kh_changes_json(const struct kh_changes *c)
{
	json_t *a = json_array();

	for (size_t i = 0; c && i < c->n; i++)
		json_array_append_new(a, kh_change_json(&c->items[i]));
	return a;
}

char *kh_snapshot_label(const struct kh_snapshot *s)
{
	char when[KH_TIME_LEN];
	const char *host = s->host.hostname ? s->host.hostname : s->host.uri;

	kh_time_format(s->taken_at, when);
	return kh_asprintf("snapshot %" PRId64 " (%s, %s)", s->id, when, host ? host : "?");
}
