/* The growth and drift report: fed snapshots one at a time (oldest first, per URI),
 * it keeps only what it needs, then renders Markdown, HTML, JSON or an e-mail. */
#ifndef KH_REPORT_H
#define KH_REPORT_H

#include <stdint.h>
#include <stdio.h>

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

/* The same, fed as a store streams it (kh_scan_next): `before` and `after` hold only the
 * objects whose version changed (both NULL for a URI's first), `now` every pool and volume
 * with its numbers, and its domains when it is the URI's last in the period. When neither
 * holds a pool or volume, `now` holds those of the URI's previous call in the same order,
 * and only their numbers are read. */
int kh_report_add_changes(struct kh_report *r, const struct kh_snapshot *before,
			  const struct kh_snapshot *after, const struct kh_snapshot *now,
			  struct kh_err *err);

/* A streaming caller says when it has fed the last snapshot of a URI: that host's rows are
 * worked out then and its series kept no longer, so a fleet's report holds one host's
 * series at a time. Feeding that URI again is refused. */
void kh_report_host_done(struct kh_report *r, const char *uri);
/* Says nothing more will be fed: every host is done, and the analysis the renderers share
 * is made once (a report of many hosts holds its rows, not its series, from here on). */
void kh_report_seal(struct kh_report *r);
/* Says the report is rendered once (kvmhist report): the e-mail then lets go of its rows once
 * its text is made, before it draws its charts, whose libraries take some 12 MB of their own.
 * Nothing may be rendered from the report after that. */
void kh_report_set_once(struct kh_report *r);

/* Names the host of `uri` `label` in every table (the config's `host LABEL URI`). Before
 * any snapshot of it is fed. */
void kh_report_set_label(struct kh_report *r, const char *uri, const char *label);

/* Every list of the Markdown, HTML and e-mail shows at most this many rows, the ones that
 * matter most, and says what the rest hold (default KH_REPORT_TOP; 0: all). The JSON has
 * every row. */
#define KH_REPORT_TOP 20
void kh_report_set_top(struct kh_report *r, int rows);

/* Volumes forecast to fill within this many days get their own section (default 30). */
void kh_report_set_warn_days(struct kh_report *r, int days);
/* A domain snapshot older than `days` (default 14) at its host's latest snapshot is listed
 * as forgotten. */
void kh_report_set_snapshot_days(struct kh_report *r, int days);

/* Renderers; the returned string is the caller's. */
char *kh_report_markdown(const struct kh_report *r);
char *kh_report_json(const struct kh_report *r);
/* The same, written to f as it is made (a fleet's is too big to hold); -1 on a write error,
 * errno telling why. */
int kh_report_json_write(const struct kh_report *r, FILE *f);
/* HTML from the Markdown via libcmark, wrapped in templates_dir/report.html. */
int kh_report_html(const struct kh_report *r, const char *templates_dir, char **out,
		   struct kh_err *err);

/* A complete RFC 5322 message (CRLF line ends): multipart/alternative with the plain text
 * (text/plain: columns aligned with spaces) and the HTML (text/html), both UTF-8 quoted-printable. `to` and `from` are
 * address lists ("Name <a@b>, c@d"; non-ASCII names are RFC 2047 encoded); `subject` NULL
 * or "" names the host(s) and what fills first. A CR, LF or other control character in
 * to, from or subject is refused (-1), as are a missing template and non-ASCII addresses.
 * Date and Message-ID are taken from kh_now(). */
int kh_report_email(const struct kh_report *r, const char *templates_dir, const char *to,
		    const char *from, const char *subject, char **out, struct kh_err *err);

/* kvmhist monitor, a check for Nagios, Icinga, Checkmk and the like, by the Monitoring
 * Plugins development guidelines: its state is its exit status. */
enum kh_plugin_state {
	KH_PLUGIN_OK,
	KH_PLUGIN_WARNING,
	KH_PLUGIN_CRITICAL,
	KH_PLUGIN_UNKNOWN,
};

struct kh_monitor_limits {
	int warn_days, crit_days;                /* full in fewer days than this; -1: never */
	double warn_overcommit, crit_overcommit; /* committed over capacity above; < 0: never */
};

/* A host whose latest snapshot is older than the check allows (latest KH_UNKNOWN: none). */
struct kh_stale_host {
	const char *uri;
	int64_t latest;
};

/* The check's output in *out: "KVMHIST STATE - text | perfdata\n", the text naming what is
 * worst (what fills first, or the most overcommitted storage), and performance data for
 * each storage and for each volume with a forecast. Returns the state. A stale host makes
 * it UNKNOWN, named first, without performance data (it would repeat old values);
 * `max_age` (seconds) is for the text. Names are made safe for the plugin format. The
 * report is sealed. */
int kh_report_monitor(const struct kh_report *r, const struct kh_monitor_limits *lim,
		      const struct kh_stale_host *stale, size_t n_stale, int64_t max_age,
		      int64_t now, char **out);
/* "KVMHIST UNKNOWN - why\n": a check that could not look. */
char *kh_monitor_unknown(const char *why);

/* The Prometheus text exposition format, as node_exporter's textfile collector reads it:
 * per volume and storage allocation, capacity, growth and time to full (absent where there
 * is no forecast), per storage its overcommit, per host its latest snapshot and the drift
 * of the day up to `now`. The report is sealed. */
char *kh_report_metrics(const struct kh_report *r, int64_t now);

#endif
