#include "report/escape.h"

#include <string.h>

void kh_escape_html(struct kh_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': kh_buf_puts(b, "&amp;"); break;
		case '<': kh_buf_puts(b, "&lt;"); break;
		case '>': kh_buf_puts(b, "&gt;"); break;
		case '"': kh_buf_puts(b, "&quot;"); break;
		case '\'': kh_buf_puts(b, "&#39;"); break;
		default: kh_buf_add(b, s, 1);
		}
	}
}

void kh_escape_md(struct kh_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			kh_buf_puts(b, "&lt;");
		else if (*s == '>')
			kh_buf_puts(b, "&gt;");
		else if (*s == '&')
			kh_buf_puts(b, "&amp;");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			kh_buf_puts(b, " ");
		else if (strchr("\\`*_[]|~", *s)) {
			kh_buf_add(b, "\\", 1);
			kh_buf_add(b, s, 1);
		} else
			kh_buf_add(b, s, 1);
	}
}
