/* `kvmhist log` as it is printed: a title, each snapshot's changes as they come (so only one
 * snapshot per host is ever held), then "No changes." when there were none and each host's
 * pending drift; or, as JSON, {"changes": [...], "pending": [...]} at the end, each change as
 * in kh_change_json plus "snapshot" (its id) and "uri". Every call returns what to print now
 * (the caller's; "" when nothing). */
#ifndef KH_LOG_H
#define KH_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "report/diff.h"
#include "report/doc.h"

struct kh_log_out;

/* f is text, md or json; color colours text. */
struct kh_log_out *kh_log_out_new(enum kh_format f, int color);
void kh_log_out_free(struct kh_log_out *w);

/* n snapshots in the period, the first and last taken at these times. */
char *kh_log_begin(struct kh_log_out *w, size_t n, int64_t first_at, int64_t last_at);
/* The changes snap showed against the one before it of its host. */
char *kh_log_changes(struct kh_log_out *w, const struct kh_snapshot *snap,
		     const struct kh_changes *ch);
/* The pending drift of a host's latest snapshot in the period, printed by kh_log_end; takes
 * what ch holds and leaves it empty. */
void kh_log_pending(struct kh_log_out *w, const struct kh_snapshot *snap, struct kh_changes *ch);
char *kh_log_end(struct kh_log_out *w);

#endif
