/* Everything libvirt hands us (names, titles, descriptions, paths) is untrusted:
 * these make it inert in each output format. */
#ifndef KH_ESCAPE_H
#define KH_ESCAPE_H

#include "util/buf.h"

/* One rule for every output: a control character (C0, DEL, C1) is shown as \xNN, never
 * sent raw; a byte that is not UTF-8 becomes U+FFFD, so the output is valid UTF-8 with the
 * loss visible. Each format adds its own escaping on top. */

/* Plain text, one line: control characters as \xNN (TAB and newline too, so a record or
 * a line is never split). */
void kh_text_safe(struct kh_buf *b, const char *s);

/* A copy of s with every byte that is not UTF-8 replaced by U+FFFD; nothing else changed. */
char *kh_utf8_fix(const char *s);

/* &, <, >, " and ' as entities; newlines and tabs kept. */
void kh_escape_html(struct kh_buf *b, const char *s);

/* Markdown inline text safe inside a table cell: backslash-escapes the characters that
 * start inline syntax (emphasis, code, links, '|' cell breaks, backslash itself), writes
 * '<', '>' and '&' as entities and newlines and tabs as spaces, so the text renders literally and
 * never as HTML, while paths and names stay readable in the plain-text mail part. */
void kh_escape_md(struct kh_buf *b, const char *s);

/* A Prometheus label value (text exposition format) by the one rule, then backslash and
 * double quote escaped: a newline reads \x0a like everywhere else, never a raw line break. */
void kh_escape_prom(struct kh_buf *b, const char *s);

/* Monitoring-plugin output by the one rule, and '|' (where performance data starts) as
 * \x7c; in a label inside '...' (`label`), '=' as \x3d too, and ' doubled. */
void kh_escape_plugin(struct kh_buf *b, const char *s, int label);

#endif
