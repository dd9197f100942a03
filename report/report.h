/* The growth and drift report: fed snapshots one at a time (oldest first, per URI),
 * it keeps only what it needs, then renders Markdown, HTML, JSON or an e-mail. */
#ifndef KH_REPORT_H
#define KH_REPORT_H

#include <stdint.h>

#include "store/model.h"
#include "util/err.h"

struct kh_report;

/* The period covers snapshots taken in [from, to]. */
struct kh_report *kh_report_new(int64_t from, int64_t to);
void kh_report_free(struct kh_report *r);

/* Feeds one snapshot of the period. `prev` is the snapshot before it of the same URI
 * (possibly before the period; NULL for a URI's first), used for drift. */
int kh_report_add(struct kh_report *r, const struct kh_snapshot *prev,
		  const struct kh_snapshot *snap, struct kh_err *err);

/* Renderers; the returned string is the caller's. */
char *kh_report_markdown(const struct kh_report *r);
char *kh_report_json(const struct kh_report *r);
/* HTML from the Markdown via libcmark, wrapped in templates_dir/report.html. */
int kh_report_html(const struct kh_report *r, const char *templates_dir, char **out,
		   struct kh_err *err);

#endif
