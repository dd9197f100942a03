/* Rendering a list of changes (report/diff.h) for `kvmhist diff` and the report's drift.
 * Every name, path and value is untrusted: each format makes it inert. The returned strings
 * and JSON values are the caller's. */
#ifndef KH_DIFF_RENDER_H
#define KH_DIFF_RENDER_H

#include <jansson.h>

#include "report/diff.h"

/* What a running domain's next boot changes: diff, log, show and the report say it so. */
#define KH_PENDING_TITLE "Pending at next boot"

/* Grouped by object, one line per change:
 *     domain aries
 *       /domain/devices/interface[mac/@address='52:54:00:76:db:ef']/source/@network: default → isolated
 *       + /domain/devices/disk[target/@dev='vdc']: <disk type="file" ...>...</disk>
 *       - /domain/devices/disk[target/@dev='vdb']/@cache: none
 *     volume default/aries.qcow2
 *       allocation: 11.0 GiB → 12.0 GiB (+1.0 GiB)
 *     + domain leo
 *     - domain virgo
 * Sizes humanized with their delta; multi-line text shows its first line and " …"; control
 * characters as \xNN. Headers name the host URI too when the list spans several hosts.
 * ANSI colours (green added, red removed, yellow modified, bold headers) when color != 0.
 * Nothing at all when there is no change. */
char *kh_changes_text(const struct kh_changes *c, int color);

/* A table: | Object | Name | Change | Path | Old | New | (a Host column first when the list
 * spans several hosts); "No changes." when empty. */
char *kh_changes_markdown(const struct kh_changes *c);

/* The same table as an HTML fragment with inline styles: no script, no external resource. */
char *kh_changes_html(const struct kh_changes *c);

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
