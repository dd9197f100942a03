/* Everything libvirt hands us (names, titles, descriptions, paths) is untrusted:
 * these make it inert in each output format. */
#ifndef KH_ESCAPE_H
#define KH_ESCAPE_H

#include "util/buf.h"

/* &, <, >, " and ' as entities. */
void kh_escape_html(struct kh_buf *b, const char *s);

/* Markdown inline text safe inside a table cell: backslash-escapes every ASCII punctuation
 * character CommonMark could read as syntax (including '|'), writes '<' and '>' as entities
 * and newlines as spaces, so the text renders literally and never as HTML. */
void kh_escape_md(struct kh_buf *b, const char *s);

#endif
