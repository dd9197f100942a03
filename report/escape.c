#include "report/escape.h"
#include "util/mem.h"

#include <string.h>

/* The length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, surrogates or
 * code points past U+10FFFF), or 0 when the byte at p starts none. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
			       (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

enum ch { CH_ASCII, CH_CTRL, CH_UTF8, CH_BAD };

/* What starts at p, and how many bytes it takes: a control character is C0, DEL or C1
 * (U+0080-U+009F, two bytes in UTF-8). */
static enum ch next(const unsigned char *p, size_t *len)
{
	*len = 1;
	if (*p < 0x20 || *p == 0x7f)
		return CH_CTRL;
	if (*p < 0x80)
		return CH_ASCII;
	if ((*len = utf8_len(p)) == 0) {
		*len = 1;
		return CH_BAD;
	}
	return *len == 2 && p[0] == 0xc2 && p[1] < 0xa0 ? CH_CTRL : CH_UTF8;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD, where a byte was not UTF-8 */

static void put_ctrl(struct kh_buf *b, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		kh_buf_printf(b, "\\x%02x", p[i]);
}

void kh_text_safe(struct kh_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t len;

	/* runs of printable characters go in at once: a year's log is 22 MB of them */
	for (; p && *p; p += len) {
		enum ch c = next(p, &len);

		if (c == CH_ASCII || c == CH_UTF8)
			continue;
		if (p > run)
			kh_buf_add(b, (const char *)run, (size_t)(p - run));
		if (c == CH_CTRL)
			put_ctrl(b, p, len);
		else
			kh_buf_puts(b, REPLACEMENT);
		run = p + len;
	}
	if (p > run)
		kh_buf_add(b, (const char *)run, (size_t)(p - run));
}

char *kh_utf8_fix(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct kh_buf b = { 0 };
	size_t len;

	for (; p && *p; p += len) {
		if (next(p, &len) == CH_BAD)
			kh_buf_puts(&b, REPLACEMENT);
		else
			kh_buf_add(&b, (const char *)p, len);
	}
	return kh_buf_steal(&b);
}

/* What Markdown and HTML do alike: a control character shown (a line break or a tab kept
 * as layout: itself in HTML, a space in a Markdown cell), a byte that is not UTF-8 as
 * U+FFFD, UTF-8 copied. 0 for ASCII, left to the format. */
static int shared(struct kh_buf *b, const unsigned char *p, size_t *len, const char *layout)
{
	switch (next(p, len)) {
	case CH_CTRL:
		if (*p == '\n' || *p == '\r' || *p == '\t')
			kh_buf_add(b, layout ? layout : (const char *)p, 1);
		else
			put_ctrl(b, p, *len); /* Markdown: a backslash before x is literal */
		return 1;
	case CH_BAD: kh_buf_puts(b, REPLACEMENT); return 1;
	case CH_UTF8: kh_buf_add(b, (const char *)p, *len); return 1;
	case CH_ASCII:
	default: return 0;
	}
}

void kh_escape_html(struct kh_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	for (; p && *p; p += len) {
		if (shared(b, p, &len, NULL))
			continue;
		switch (*p) {
		case '&': kh_buf_puts(b, "&amp;"); break;
		case '<': kh_buf_puts(b, "&lt;"); break;
		case '>': kh_buf_puts(b, "&gt;"); break;
		case '"': kh_buf_puts(b, "&quot;"); break;
		case '\'': kh_buf_puts(b, "&#39;"); break;
		default: kh_buf_add(b, (const char *)p, 1);
		}
	}
}

void kh_escape_md(struct kh_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	for (; p && *p; p += len) {
		if (shared(b, p, &len, " "))
			continue;
		if (*p == '<')
			kh_buf_puts(b, "&lt;");
		else if (*p == '>')
			kh_buf_puts(b, "&gt;");
		else if (*p == '&')
			kh_buf_puts(b, "&amp;");
		else if (strchr("\\`*_[]|~", *p)) {
			kh_buf_add(b, "\\", 1);
			kh_buf_add(b, (const char *)p, 1);
		} else
			kh_buf_add(b, (const char *)p, 1);
	}
}

void kh_escape_prom(struct kh_buf *b, const char *s)
{
	struct kh_buf safe = { 0 };

	kh_text_safe(&safe, s);
	for (size_t i = 0; i < safe.len; i++) {
		if (safe.data[i] == '\\' || safe.data[i] == '"')
			kh_buf_add(b, "\\", 1);
		kh_buf_add(b, &safe.data[i], 1);
	}
	kh_buf_free(&safe);
}

void kh_escape_plugin(struct kh_buf *b, const char *s, int label)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	for (; p && *p; p += len) {
		enum ch c = next(p, &len);

		if (c == CH_CTRL || *p == '|' || (label && *p == '='))
			put_ctrl(b, p, len);
		else if (c == CH_BAD)
			kh_buf_puts(b, REPLACEMENT);
		else if (label && *p == '\'')
			kh_buf_puts(b, "''");
		else
			kh_buf_add(b, (const char *)p, len);
	}
}
