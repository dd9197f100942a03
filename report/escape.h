/* Everything libvirt hands us (names, titles, descriptions, paths) is untrusted:
 * these make it inert in each output format. */
#ifndef KH_ESCAPE_H
#define KH_ESCAPE_H

#include "util/buf.h"

/* &, <, >, " and ' as entities. */
void kh_escape_html(struct kh_buf *b, const char *s);

/* Markdown inline text safe inside a table cell: backslash-escapes the characters that
 * start inline syntax (emphasis, code, links, '|' cell breaks, backslash itself), writes
 * '<', '>' and '&' as entities and newlines as spaces, so the text renders literally and
 * never as HTML, while paths and names stay readable in the plain-text mail part. */
void kh_escape_md(struct kh_buf *b, const char *s);

#endif
