/* A list of changes (report/diff.h) as a document, for `kvmhist diff`, `log`, `show` and the
 * report's drift, and as JSON. Every name, path and value is untrusted: the back ends of
 * report/doc.h make it inert. The returned strings and JSON values are the caller's. */
#ifndef KH_DIFF_RENDER_H
#define KH_DIFF_RENDER_H

#include <jansson.h>

#include "report/diff.h"
#include "report/doc.h"
#include "util/buf.h"

/* What a running domain's next boot changes: diff, log, show and the report say it so. */
#define KH_PENDING_TITLE "Pending at next boot"
#define KH_PENDING_WHAT "running \xe2\x86\x92 persistent config"

/* ---- values: the one formatter of an old or new value ---- */

enum kh_value_style {
	/* diff and log: sizes humanized, multi-line text cut to its first line and " …", XML
	 * on one line, "" shown as "", absent as nothing */
	KH_VALUE_LINE,
	/* a report table cell: sizes humanized, whitespace runs collapsed, at most 80 bytes
	 * (not cutting a UTF-8 sequence) and "…", absent as "(none)" */
	KH_VALUE_CELL,
};

void kh_value_add(struct kh_buf *b, const char *v, enum kh_value_kind kind,
		  enum kh_value_style style);
/* " (+1.0 GiB)" for sizes, " (+2)" for numbers; nothing when either side is not a number or
 * their difference does not fit. */
void kh_value_delta(struct kh_buf *b, const struct kh_change *c);

/* ---- documents ---- */

/* The changes: on a terminal grouped by object, one line per change,
 *     domain aries
 *       /domain/devices/interface[mac/@address='52:54:00:76:db:ef']/source/@network: default → isolated
 *       + /domain/devices/disk[target/@dev='vdc']: <disk type="file" ...>...</disk>
 *       - /domain/devices/disk[target/@dev='vdb']/@cache: none
 *     volume default/aries.qcow2
 *       allocation: 11.0 GiB → 12.0 GiB (+1.0 GiB)
 *     + domain leo
 *     - domain virgo
 * (toned: added, removed, modified, headers strong; the host URI in headers when the list
 * spans several hosts); in Markdown and HTML a table | Object | Name | Change | Path | Old |
 * New | (a Host column first when it spans several hosts). "No changes." when empty. */
void kh_changes_doc(struct kh_doc *d, const struct kh_changes *c);
/* The same with only the blocks the back ends of `media` (KH_MEDIA_*) write: what a
 * document rendered in one format needs (a year's log builds 260,000 lines). */
void kh_changes_doc_for(struct kh_doc *d, const struct kh_changes *c, unsigned media);
/* The pending drift's heading ("... as of LABEL" when as_of is given) and its changes. */
void kh_pending_doc(struct kh_doc *d, const char *as_of, const struct kh_changes *c);

/* Renders d for diff and log: text (coloured when color), Markdown, or an HTML fragment
 * (headings from <h2>, class "kh-diff"). */
char *kh_changes_render(struct kh_doc *d, enum kh_format f, int color);
/* The changes alone (kh_changes_doc) in format f. */
char *kh_changes_output(const struct kh_changes *c, enum kh_format f, int color);

/* `kvmhist diff`: the title naming both snapshots, the changes, the pending drift of TO; as
 * JSON {"from", "to", "changes", "pending"}. */
char *kh_diff_output(enum kh_format f, int color, const struct kh_snapshot *from,
		     const struct kh_snapshot *to, const struct kh_changes *ch,
		     const struct kh_changes *pending);

/* ---- JSON ---- */

/* {"object", "name", "pool" (volumes only), "change", "path", "old", "new", "taken_at"
 * (ISO 8601 UTC, only when known)} in that order; null where absent; BYTES and NUMBER values
 * as JSON integers. */
json_t *kh_change_json(const struct kh_change *c);
/* A change's old or new value: BYTES and NUMBER as integers, null when absent. */
json_t *kh_value_json(const char *v, enum kh_value_kind kind);
/* An array of kh_change_json. */
json_t *kh_changes_json(const struct kh_changes *c);

/* "snapshot 3 (2026-11-22T03:00:00Z, HOST)": how titles name a snapshot (HOST is the
 * hostname, else the URI); unescaped. */
char *kh_snapshot_label(const struct kh_snapshot *s);

#endif
