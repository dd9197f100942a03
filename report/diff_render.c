#include "report/diff_render.h"
#include "report/escape.h"
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
#define ELLIPSIS " \xe2\x80\xa6" /* … */

#define C_ADD "\033[32m"
#define C_DEL "\033[31m"
#define C_MOD "\033[33m"
#define C_HEAD "\033[1m"
#define C_OFF "\033[0m"

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

	return c->pool ? kh_asprintf("%s/%s", c->pool, name) : kh_strdup(name);
}

/* A value as people read it: sizes humanized, multi-line text cut to its first line, XML on
 * one line. The caller escapes the result for its format. */
static char *display_value(const char *v, enum kh_value_kind kind)
{
	char size[32];
	int64_t n;

	if (v == NULL)
		return kh_strdup("");
	if (kind == KH_VALUE_BYTES && parse_i64(v, &n) == 0) {
		kh_size_format(n, size, sizeof size);
		return kh_strdup(size);
	}
	if (*v == '\0')
		return kh_strdup("\"\"");
	if (kind == KH_VALUE_XML) {
		char *r = kh_strdup(v);

		for (char *p = r; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		return r;
	}
	if (strpbrk(v, "\r\n")) {
		size_t len = strcspn(v, "\r\n");

		return kh_asprintf("%.*s%s", (int)len, v, ELLIPSIS);
	}
	return kh_strdup(v);
}

/* " (+1.0 GiB)" for sizes, " (+2)" for numbers; nothing when either side is not a number. */
static char *display_delta(const struct kh_change *c)
{
	char size[32];
	int64_t a, b, d;

	if ((c->kind != KH_VALUE_BYTES && c->kind != KH_VALUE_NUMBER) || parse_i64(c->old, &a) ||
	    parse_i64(c->new_, &b))
		return kh_strdup("");
	if ((a < 0 && b > INT64_MAX + a) || (a > 0 && b < INT64_MIN + a))
		return kh_strdup("");
	d = b - a;
	if (c->kind == KH_VALUE_NUMBER)
		return kh_asprintf(" (%s%" PRId64 ")", d > 0 ? "+" : "", d);
	kh_size_format(d, size, sizeof size);
	return kh_asprintf(" (%s%s)", d > 0 ? "+" : "", size);
}

/* ---- Text ---------------------------------------------------------------------------------- */

/* Untrusted text on a terminal: control characters (C0, DEL and C1) as \xNN, so no value can
 * move the cursor or change colours. */
static void put_safe(struct kh_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; p && *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			kh_buf_printf(b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			kh_buf_printf(b, "\\x%02x\\x%02x", *p, p[1]), p++;
		else
			kh_buf_add(b, (const char *)p, 1);
	}
}

static void text_header(struct kh_buf *b, const struct kh_change *c, int multi, int color)
{
	char *name = display_name(c);

	if (color)
		kh_buf_puts(b, C_HEAD);
	put_safe(b, c->object);
	kh_buf_puts(b, " ");
	put_safe(b, name);
	if (multi && c->uri) {
		kh_buf_puts(b, " (");
		put_safe(b, c->uri);
		kh_buf_puts(b, ")");
	}
	if (color)
		kh_buf_puts(b, C_OFF);
	kh_buf_puts(b, "\n");
	free(name);
}

static void text_line(struct kh_buf *b, const struct kh_change *c, int color)
{
	char *old = display_value(c->old, c->kind), *new_ = display_value(c->new_, c->kind);
	const char *col = c->old == NULL ? C_ADD : c->new_ == NULL ? C_DEL : C_MOD;

	kh_buf_puts(b, "  ");
	if (color)
		kh_buf_puts(b, col);
	if (c->old == NULL && c->new_ != NULL) {
		kh_buf_puts(b, "+ ");
		put_safe(b, c->path);
		kh_buf_puts(b, ": ");
		put_safe(b, new_);
	} else if (c->new_ == NULL && c->old != NULL) {
		kh_buf_puts(b, "- ");
		put_safe(b, c->path);
		kh_buf_puts(b, ": ");
		put_safe(b, old);
	} else {
		char *delta = display_delta(c);

		put_safe(b, c->path);
		if (c->old != NULL) {
			kh_buf_puts(b, ": ");
			put_safe(b, old);
			kh_buf_puts(b, ARROW);
			put_safe(b, new_);
			kh_buf_puts(b, delta);
		}
		free(delta);
	}
	if (color)
		kh_buf_puts(b, C_OFF);
	kh_buf_puts(b, "\n");
	free(old);
	free(new_);
}

char *kh_changes_text(const struct kh_changes *c, int color)
{
	struct kh_buf b = { 0 };
	const struct kh_change *group = NULL;
	int multi;

	if (c == NULL)
		return kh_buf_steal(&b);
	multi = several_hosts(c);

	for (size_t i = 0; i < c->n; i++) {
		const struct kh_change *ch = &c->items[i];

		if (ch->path == NULL) {
			/* A whole object added or removed: one line of its own. */
			char *name = display_name(ch);
			int add = ch->change == KH_CHANGE_ADDED;

			if (color)
				kh_buf_puts(&b, add ? C_ADD : ch->change == KH_CHANGE_REMOVED ? C_DEL : C_MOD);
			kh_buf_puts(&b, add ? "+ " : ch->change == KH_CHANGE_REMOVED ? "- " : "~ ");
			put_safe(&b, ch->object);
			kh_buf_puts(&b, " ");
			put_safe(&b, name);
			if (multi && ch->uri) {
				kh_buf_puts(&b, " (");
				put_safe(&b, ch->uri);
				kh_buf_puts(&b, ")");
			}
			if (color)
				kh_buf_puts(&b, C_OFF);
			kh_buf_puts(&b, "\n");
			free(name);
			group = NULL;
			continue;
		}
		if (group == NULL || !same_object(group, ch)) {
			text_header(&b, ch, multi, color);
			group = ch;
		}
		text_line(&b, ch, color);
	}
	return kh_buf_steal(&b);
}

/* ---- Markdown and HTML ---------------------------------------------------------------------- */

/* The cells of one row, each unescaped: host (when multi), object, name, change, path, old,
 * new. */
#define N_CELLS 7

static void row_cells(const struct kh_change *c, char *cells[N_CELLS])
{
	char *delta = c->old && c->new_ ? display_delta(c) : kh_strdup("");
	char *new_ = display_value(c->new_, c->kind);

	cells[0] = kh_strdup(c->uri ? c->uri : "");
	cells[1] = kh_strdup(c->object ? c->object : "");
	cells[2] = display_name(c);
	cells[3] = kh_strdup(kh_change_kind_name(c->change));
	cells[4] = kh_strdup(c->path ? c->path : "");
	cells[5] = display_value(c->old, c->kind);
	cells[6] = kh_asprintf("%s%s", new_, delta);
	free(new_);
	free(delta);
}

static void cells_free(char *cells[N_CELLS])
{
	for (int i = 0; i < N_CELLS; i++)
		free(cells[i]);
}

static const char *const heads[N_CELLS] = { "Host", "Object", "Name", "Change", "Path", "Old",
					    "New" };

char *kh_changes_markdown(const struct kh_changes *c)
{
	struct kh_buf b = { 0 };
	int first = several_hosts(c) ? 0 : 1;

	if (c == NULL || c->n == 0) {
		kh_buf_puts(&b, "No changes.\n");
		return kh_buf_steal(&b);
	}
	kh_buf_puts(&b, "|");
	for (int i = first; i < N_CELLS; i++)
		kh_buf_printf(&b, " %s |", heads[i]);
	kh_buf_puts(&b, "\n|");
	for (int i = first; i < N_CELLS; i++)
		kh_buf_puts(&b, " --- |");
	kh_buf_puts(&b, "\n");
	for (size_t r = 0; r < c->n; r++) {
		char *cells[N_CELLS];

		row_cells(&c->items[r], cells);
		kh_buf_puts(&b, "|");
		for (int i = first; i < N_CELLS; i++) {
			kh_buf_puts(&b, " ");
			kh_escape_md(&b, cells[i]);
			kh_buf_puts(&b, " |");
		}
		kh_buf_puts(&b, "\n");
		cells_free(cells);
	}
	return kh_buf_steal(&b);
}

#define TD_STYLE "padding:3px 8px;border:1px solid #d0d7de;vertical-align:top;text-align:left"
#define VAL_STYLE TD_STYLE ";font-family:monospace;white-space:pre-wrap;word-break:break-word"

static const char *row_colour(const struct kh_change *c)
{
	if (c->change == KH_CHANGE_ADDED || (c->path && c->old == NULL))
		return "#e6ffec";
	if (c->change == KH_CHANGE_REMOVED || (c->path && c->new_ == NULL))
		return "#ffebe9";
	return "#fff8c5";
}

char *kh_changes_html(const struct kh_changes *c)
{
	struct kh_buf b = { 0 };
	int first = several_hosts(c) ? 0 : 1;

	if (c == NULL || c->n == 0) {
		kh_buf_puts(&b, "<p class=\"kh-diff\">No changes.</p>\n");
		return kh_buf_steal(&b);
	}
	kh_buf_puts(&b, "<table class=\"kh-diff\" style=\"border-collapse:collapse;"
			"font-family:sans-serif;font-size:13px\">\n<thead><tr style=\"background:"
			"#f6f8fa\">");
	for (int i = first; i < N_CELLS; i++)
		kh_buf_printf(&b, "<th style=\"%s\">%s</th>", TD_STYLE, heads[i]);
	kh_buf_puts(&b, "</tr></thead>\n<tbody>\n");
	for (size_t r = 0; r < c->n; r++) {
		char *cells[N_CELLS];

		row_cells(&c->items[r], cells);
		kh_buf_printf(&b, "<tr style=\"background:%s\">", row_colour(&c->items[r]));
		for (int i = first; i < N_CELLS; i++) {
			kh_buf_printf(&b, "<td style=\"%s\">", i >= 4 ? VAL_STYLE : TD_STYLE);
			kh_escape_html(&b, cells[i]);
			kh_buf_puts(&b, "</td>");
		}
		kh_buf_puts(&b, "</tr>\n");
		cells_free(cells);
	}
	kh_buf_puts(&b, "</tbody>\n</table>\n");
	return kh_buf_steal(&b);
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
