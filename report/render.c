/* The report as a document (report/doc.h), and its Markdown and HTML page (JSON:
 * report/report_json.c; the e-mail: report/email.c). The page's prose is its Markdown through
 * libcmark (safe mode), its tables and bars are drawn by the HTML back end. */
#include "report/report_int.h"
#include "report/diff_render.h"
#include "report/doc.h"
#include "report/escape.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_VALUE "\xe2\x80\x94"       /* — */
#define RANGE_DASH "\xe2\x80\x93"     /* – */
#define ARROW " \xe2\x86\x92 "        /* → */

/* Every list shows at most r->top rows (kh_rows_max), the JSON has every row: the analysis
 * holds the rows shown and counts the others (kh_totals). */

/* ---- cells ---- */

static void cell_add(struct kh_table *t, char *text)
{
	kh_cell_take(t, text ? text : kh_strdup(NO_VALUE));
}

static void cell_str(struct kh_table *t, const char *s)
{
	kh_cell(t, s && *s ? s : NO_VALUE);
}

/* ---- formatting numbers ---- */

static char *size_str(int64_t bytes)
{
	char s[32];

	if (bytes < 0)
		return kh_strdup(NO_VALUE);
	kh_size_format(bytes, s, sizeof s);
	return kh_strdup(s);
}

static char *signed_size_str(int64_t bytes)
{
	char s[32];

	kh_size_format(bytes, s, sizeof s);
	return kh_asprintf("%s%s", bytes > 0 ? "+" : "", s);
}

static char *rate_str(const struct kh_row *row)
{
	if (!row->fitted)
		return kh_strdup(NO_VALUE);
	return signed_size_str((int64_t)llround(row->fit.rate));
}

static char *used_str(int64_t used, int64_t cap)
{
	char s[32];

	if (used < 0)
		return kh_strdup(NO_VALUE);
	kh_size_format(used, s, sizeof s);
	if (cap > 0)
		return kh_asprintf("%s (%.0f%%)", s, floor(100.0 * (double)used / (double)cap));
	return kh_strdup(s);
}

void kh_days_phrase(struct kh_buf *b, double days)
{
	long long n = (long long)floor(days);

	if (days <= 0)
		kh_buf_puts(b, "already full");
	else if (days < 1)
		kh_buf_puts(b, "in under a day");
	else
		kh_buf_printf(b, "in %lld day%s", n, n == 1 ? "" : "s");
}

/* "2026-01-15, in 5 days (4–7)", or why there is no forecast. */
static char *full_str(const struct kh_row *row)
{
	struct kh_buf b = { 0 };
	char date[KH_TIME_LEN];
	long long lo, hi;

	if (!row->fc.ok) {
		if (!row->fitted || row->fc.why == NULL)
			return kh_strdup(NO_VALUE);
		return kh_strdup(row->fc.why);
	}
	kh_date_format(row->fc.full_at, date);
	kh_buf_printf(&b, "%s, ", date);
	kh_days_phrase(&b, row->fc.days);
	lo = (long long)floor(row->fc.days_low);
	hi = (long long)floor(row->fc.days_high);
	if (row->fc.has_low && row->fc.has_high && lo != hi)
		kh_buf_printf(&b, " (%lld" RANGE_DASH "%lld)", lo, hi);
	else if (row->fc.has_low && !row->fc.has_high)
		kh_buf_printf(&b, " (%lld or more)", lo);
	return kh_buf_steal(&b);
}

static char *owners_str(const struct kh_row *row)
{
	struct kh_buf b = { 0 };

	if (row->n_owners == 0)
		return kh_strdup("none (orphan)");
	for (size_t i = 0; i < row->n_owners; i++) {
		kh_buf_printf(&b, "%s%s", i ? ", " : "", row->owners[i]);
		if (row->vias[i])
			kh_buf_printf(&b, " (backing of %s)", row->vias[i]);
	}
	return kh_buf_steal(&b);
}

static void when_str(int64_t t, char out[KH_TIME_LEN])
{
	kh_time_format(t, out);
	out[10] = ' ';
	out[16] = '\0'; /* "2026-01-15 03:00" */
}

/* "added: V", "removed: V", "OLD → NEW (+delta)", values as a table cell shows them. */
static char *change_str(const struct kh_change *c)
{
	struct kh_buf b = { 0 };

	if (c->path == NULL)
		return kh_strdup(kh_change_kind_name(c->change));
	if (c->old == NULL) {
		kh_buf_puts(&b, "added: ");
		kh_value_add(&b, c->new_, c->kind, KH_VALUE_CELL);
	} else if (c->new_ == NULL) {
		kh_buf_puts(&b, "removed: ");
		kh_value_add(&b, c->old, c->kind, KH_VALUE_CELL);
	} else {
		kh_value_add(&b, c->old, c->kind, KH_VALUE_CELL);
		kh_buf_puts(&b, ARROW);
		kh_value_add(&b, c->new_, c->kind, KH_VALUE_CELL);
		if (c->kind == KH_VALUE_BYTES)
			kh_value_delta(&b, c);
	}
	return kh_buf_steal(&b);
}

/* ---- the period and the hosts ---- */

char *kh_report_hosts(const struct kh_report *r, size_t max)
{
	struct kh_buf b = { 0 };

	if (r->n_hosts > max) { /* a fleet: named by its size, the labels would be a list */
		kh_buf_printf(&b, "%zu hosts", r->n_hosts);
		return kh_buf_steal(&b);
	}
	for (size_t i = 0; i < r->n_hosts; i++) {
		kh_buf_puts(&b, i == 0 ? "" : i + 1 == r->n_hosts ? " and " : ", ");
		kh_buf_puts(&b, kh_rhost_display(&r->hosts[i]));
	}
	if (r->n_hosts == 0)
		kh_buf_puts(&b, "no host");
	return kh_buf_steal(&b);
}

char *kh_report_title(const struct kh_report *r)
{
	char f[KH_TIME_LEN], t[KH_TIME_LEN], *hosts, *s;
	int64_t from, to;

	kh_report_period(r, &from, &to);
	kh_date_format(from, f);
	kh_date_format(to, t);
	hosts = kh_report_hosts(r, 3);
	s = kh_asprintf("Storage report for %s, %s to %s", hosts, f, t);
	free(hosts);
	return s;
}

/* "volume **vm1.qcow2** in pool default on kvm1", the name strong. */
static void what_spans(struct kh_inline *in, const struct kh_row *row, int is_pool)
{
	kh_span(in, is_pool ? "pool " : "volume ");
	kh_span_strong(in, row->s->name);
	if (!is_pool) {
		kh_span(in, " in pool ");
		kh_span(in, row->s->pool);
	}
	kh_span(in, " on ");
	kh_span(in, kh_row_host(row));
}

char *kh_report_first_to_fill(const struct kh_report *r, const struct kh_analysis *a)
{
	struct kh_buf b = { 0 };
	char date[KH_TIME_LEN];

	(void)r;
	if (a->first == NULL)
		return kh_strdup("nothing is forecast to fill");
	kh_date_format(a->first->fc.full_at, date);
	kh_buf_puts(&b, a->first_is_pool ? "pool " : "");
	kh_buf_puts(&b, a->first->s->name);
	kh_buf_printf(&b, " on %s full on %s (", kh_row_host(a->first), date);
	kh_days_phrase(&b, a->first->fc.days);
	kh_buf_puts(&b, ")");
	return kh_buf_steal(&b);
}

/* The samples as a sparkline, for the formats that show no chart (Markdown, the mail's
 * text); a dash with fewer than two. */
#define TREND_CELLS 12
static void trend_cell(const struct kh_report *r, struct kh_table *t, const struct kh_row *row)
{
	int64_t *st, *sy;
	size_t n = kh_row_samples(r, row, &st, &sy);

	cell_add(t, n >= 2 ? kh_sparkline(sy, n, TREND_CELLS) : NULL);
	free(st);
	free(sy);
}

/* A row forecast to fill within --warn-days. */
static int within(const struct kh_report *r, const struct kh_row *row)
{
	return row->fc.ok && row->fc.days <= r->warn_days;
}

/* A row with enough samples for a rate, and that rate positive: the top growing. */
static int growing(const struct kh_report *r, const struct kh_row *row)
{
	(void)r;
	return row->fitted && row->fit.rate > 0;
}

/* Growing, and charted for that alone. */
static int growing_not_within(const struct kh_report *r, const struct kh_row *row)
{
	return growing(r, row) && !within(r, row);
}

static int orphan(const struct kh_report *r, const struct kh_row *row)
{
	(void)r;
	return row->n_owners == 0;
}

/* The volumes `keep` takes into `into` (room for all), in `order` (NULL: the analysis's):
 * how many. */
static size_t pick_vols(const struct kh_report *r, const struct kh_analysis *a,
			int (*keep)(const struct kh_report *, const struct kh_row *),
			int (*order)(const void *, const void *), const struct kh_row **into)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_vols; i++)
		if (keep(r, &a->vols[i]))
			into[n++] = &a->vols[i];
	if (order)
		qsort(into, n, sizeof *into, order);
	return n;
}

/* ---- building the document ---- */

static const char *const POOL_HEAD[] = { "Host", "Pool", "Capacity", "Used", "Available",
					 "Committed", "Overcommit", "Growth/day", "Full on",
					 "Note", "Trend" };
static const char *const TOP_HEAD[] = { "Host", "Pool", "Volume", "Owner", "Used",
					"Growth/day", "Since start", "Full on", "Trend" };
static const char *const WARN_HEAD[] = { "Host", "Pool", "Volume", "Owner", "Used",
					 "Capacity", "Growth/day", "Full on", "Trend" };
static const char *const ORPHAN_HEAD[] = { "Host", "Pool", "Volume", "Path", "Used",
					   "Capacity" };
static const char *const SNAPDOM_HEAD[] = { "Host", "Domain", "Snapshots", "Oldest",
					       "Chain depth", "Overlays" };
static const char *const FORGOTTEN_HEAD[] = { "Host", "Domain", "Snapshot", "Created (UTC)",
					      "Age", "Kind" };
static const char *const DOMAIN_HEAD[] = { "When (UTC)", "Host", "Domain", "Change" };
static const char *const DRIFT_HEAD[] = { "When (UTC)", "Host", "Object", "Name", "What",
					  "Change" };
static const char *const NET_HEAD[] = { "When (UTC)", "Host", "Network", "What", "Change" };
static const char *const PENDING_HEAD[] = { "Host", "Domain", "What",
					    "Running" ARROW "persistent" };

static void used_cell(struct kh_table *t, int64_t used, int64_t cap)
{
	if (used >= 0 && cap > 0)
		kh_cell_bar(t, used_str(used, cap), used, cap);
	else
		cell_add(t, used_str(used, cap));
}

/* A volume's Used: the top of a backing chain adds what the whole chain holds. */
static void volume_used_cell(struct kh_table *t, const struct kh_row *v)
{
	char *used, *chain, *text;

	if (v->chain_depth < 2) {
		used_cell(t, v->allocation, v->capacity);
		return;
	}
	used = used_str(v->allocation, v->capacity);
	chain = size_str(v->chain_allocation);
	text = kh_asprintf("%s; chain of %zu: %s", used, v->chain_depth, chain);
	if (v->allocation >= 0 && v->capacity > 0)
		kh_cell_bar(t, text, v->allocation, v->capacity);
	else
		cell_add(t, text);
	free(used);
	free(chain);
}

static void notes_str(struct kh_buf *b, const struct kh_row *row)
{
	char date[KH_TIME_LEN], s[32];

	if (row->fit.burst_intervals && row->fitted) {
		kh_date_format(row->fit.burst_at, date);
		kh_size_format(row->fit.burst_bytes, s, sizeof s);
		kh_buf_printf(b, "%sone-off jump of %s%s on %s left out of the rate",
			      b->len ? "; " : "", row->fit.burst_bytes > 0 ? "+" : "", s, date);
	}
}

/* "Same host: A and B are the same host (kvm1, UUID ...)": once per machine reached through
 * more than one URI, so its numbers are not read as two hosts'. */
static void same_hosts(const struct kh_report *r, struct kh_block *list)
{
	for (size_t i = 0; i < r->n_hosts; i++) {
		size_t n = 0, seen = 0;
		struct kh_inline *in;

		for (size_t j = 0; j < i; j++)
			seen += kh_rhost_same(r, i, j);
		for (size_t j = i + 1; j < r->n_hosts; j++)
			n += kh_rhost_same(r, i, j);
		if (seen || n == 0)
			continue;
		in = kh_list_item(list, 0, KH_TONE_NONE);
		kh_span_strong(in, "Same host:");
		kh_span(in, " ");
		kh_span(in, r->hosts[i].uri);
		for (size_t j = i + 1, k = 0; j < r->n_hosts; j++) {
			if (!kh_rhost_same(r, i, j))
				continue;
			kh_span(in, ++k == n ? " and " : ", ");
			kh_span(in, r->hosts[j].uri);
		}
		kh_span(in, " are the same host (");
		kh_span(in, r->hosts[i].hostname);
		kh_span(in, ", UUID ");
		kh_span(in, r->hosts[i].host_uuid);
		kh_span(in, ")");
	}
}

static void summary(const struct kh_report *r, const struct kh_analysis *a, struct kh_doc *d)
{
	struct kh_buf b = { 0 };
	char f[KH_TIME_LEN], t[KH_TIME_LEN], date[KH_TIME_LEN];
	struct kh_block *list;
	struct kh_inline *in;
	size_t warn_vols = 0, warn_pools = 0, added = 0, removed = 0, drift = 0, nets = 0;
	size_t pending = 0;
	int64_t from, to;

	kh_report_period(r, &from, &to);
	kh_date_format(from, f);
	kh_date_format(to, t);
	warn_vols = a->t.warn_vols;
	warn_pools = a->t.warn_pools;
	for (size_t i = 0; i < a->n_drift; i++) {
		const struct kh_change *c = a->drift[i];

		if (strcmp(c->object, "network") == 0)
			nets++;
		else if (strcmp(c->object, "domain") == 0 && c->path == NULL &&
			 c->change != KH_CHANGE_MODIFIED) {
			if (c->change == KH_CHANGE_ADDED)
				added++;
			else
				removed++;
		} else
			drift++;
	}

	kh_doc_heading(d, 1, "Storage growth and drift");
	list = kh_doc_list(d, 0);
	in = kh_list_item(list, 0, KH_TONE_NONE);
	kh_span_strong(in, "Hosts:");
	kh_span(in, " ");
	if (r->n_hosts == 0)
		kh_span(in, "none");
	if (r->n_hosts > kh_rows_max(r)) /* a fleet: its table below names them */
		kh_spanf(in, "%zu, in the Hosts table below, riskiest first", r->n_hosts);
	for (size_t i = 0; i < r->n_hosts && r->n_hosts <= kh_rows_max(r); i++) {
		kh_span(in, i ? ", " : "");
		kh_span(in, kh_rhost_label(&r->hosts[i]));
		kh_span(in, " (");
		kh_span(in, r->hosts[i].uri);
		kh_span(in, ")");
	}
	same_hosts(r, list);
	in = kh_list_item(list, 0, KH_TONE_NONE);
	kh_span_strong(in, "Period:");
	kh_spanf(in, " %s to %s, %zu snapshot%s", f, t, r->n_snapshots,
		 r->n_snapshots == 1 ? "" : "s");
	in = kh_list_item(list, 0, KH_TONE_NONE);
	kh_span_strong(in, "Covers:");
	kh_spanf(in, " %zu host%s, %zu pool%s", r->n_hosts, r->n_hosts == 1 ? "" : "s",
		 a->t.pools, a->t.pools == 1 ? "" : "s");
	if (a->t.storage < a->t.pools)
		kh_spanf(in, " on %zu filesystem%s", a->t.storage, a->t.storage == 1 ? "" : "s");
	kh_spanf(in, ", %zu volume%s", a->t.vols, a->t.vols == 1 ? "" : "s");
	in = kh_list_item(list, 0, KH_TONE_NONE);
	kh_span_strong(in, "Fills first:");
	kh_span(in, " ");
	if (a->first) {
		const struct kh_row *x = a->first;

		kh_date_format(x->fc.full_at, date);
		what_spans(in, x, a->first_is_pool);
		if (!a->first_is_pool && x->n_owners) {
			kh_span(in, " (used by ");
			for (size_t i = 0; i < x->n_owners; i++) {
				kh_span(in, i ? ", " : "");
				kh_span(in, x->owners[i]);
			}
			kh_span(in, ")");
		}
		kh_span(in, ", ");
		kh_days_phrase(&b, x->fc.days);
		kh_span(in, b.data);
		kh_buf_free(&b);
		kh_spanf(in, ", on %s.", date);
	} else {
		kh_span(in, "nothing is forecast to fill: no pool or volume with enough samples "
			    "is growing.");
	}
	in = kh_list_item(list, 0, KH_TONE_NONE);
	kh_spanf(in, "Within %d days of full:", r->warn_days);
	in->spans[0].strong = 1;
	kh_spanf(in, " %zu volume%s, %zu pool%s", warn_vols, warn_vols == 1 ? "" : "s",
		 warn_pools, warn_pools == 1 ? "" : "s");
	in = kh_list_item(list, 0, KH_TONE_NONE);
	kh_span_strong(in, "Changes:");
	kh_spanf(in, " %zu domain%s added, %zu removed, %zu configuration change%s, %zu network "
		     "change%s",
		 added, added == 1 ? "" : "s", removed, drift, drift == 1 ? "" : "s", nets,
		 nets == 1 ? "" : "s");
	for (size_t i = 0; i < r->n_hosts; i++)
		pending += r->hosts[i].pending.n;
	if (pending) {
		in = kh_list_item(list, 0, KH_TONE_NONE);
		kh_span_strong(in, KH_PENDING_TITLE ":");
		kh_spanf(in, " %zu change%s", pending, pending == 1 ? "" : "s");
	}
}

/* How many of a list's n rows its cut at --top leaves out. */
static size_t beyond_top(const struct kh_report *r, size_t n)
{
	return n > kh_rows_max(r) ? n - kh_rows_max(r) : 0;
}

/* "And 12 more; the JSON report lists them all.": under a list of n rows, cut at --top. */
static void and_more(const struct kh_report *r, struct kh_doc *d, size_t n)
{
	if (beyond_top(r, n))
		kh_doc_paraf(d, "And %zu more; the JSON report lists them all.", beyond_top(r, n));
}

/* "and 3,980 more pools, none filling within 30 days": what a cut list leaves out. */
static void more_line(const struct kh_report *r, struct kh_doc *d, size_t n, const char *what,
		      size_t filling)
{
	if (n == 0)
		return;
	if (filling == 0)
		kh_doc_paraf(d, "And %zu more %s, none filling within %d days; the JSON report lists "
				"them all.", n, what, r->warn_days);
	else
		kh_doc_paraf(d, "And %zu more %s, %zu of them filling within %d days; the JSON report "
				"lists them all.", n, what, filling, r->warn_days);
}

/* The names of a storage's pools: "default", "default, lab". */
static void pool_names(struct kh_buf *b, const struct kh_storage *st)
{
	for (size_t i = 0; i < st->n_pools; i++)
		kh_buf_printf(b, "%s%s", i ? ", " : "", st->pools[i]->s->name);
}

/* "pool default", "pools default, lab". */
static void storage_title(struct kh_buf *b, const struct kh_storage *st)
{
	kh_buf_puts(b, st->n_pools > 1 ? "pools " : "pool ");
	pool_names(b, st);
}

/* A section of one table: its heading, then `intro` (if any) and the table, or `none` and
 * NULL when it has no rows. */
static struct kh_table *table_section(struct kh_doc *d, const char *title, size_t rows,
				      const char *none, const char *intro, size_t cols,
				      const char *const *head, const char *align)
{
	kh_doc_heading(d, 2, title);
	if (rows == 0) {
		kh_doc_paraf(d, "%s", none);
		return NULL;
	}
	if (intro)
		kh_doc_paraf(d, "%s", intro);
	return kh_doc_table(d, cols, head, align);
}

/* One row a filesystem: a pool alone as it always was, pools sharing one filesystem as one
 * row that names them, its committed over all their volumes. */
static void pools_section(const struct kh_report *r, const struct kh_analysis *a,
			  struct kh_doc *d)
{
	struct kh_table *t = table_section(d, "Pools", a->t.pools, "No pools.", NULL, 11,
					   POOL_HEAD, "llrrrrrrlll");

	if (t == NULL)
		return;
	for (size_t i = 0; i < a->n_storage && i < kh_rows_max(r); i++) {
		const struct kh_storage *st = &a->storage[i];
		const struct kh_row *p = st->row;
		struct kh_buf note = { 0 }, names = { 0 };

		pool_names(&names, st);
		cell_str(t, kh_row_host(p));
		cell_add(t, kh_buf_steal(&names));
		cell_add(t, size_str(p->capacity));
		used_cell(t, p->allocation, p->capacity);
		cell_add(t, size_str(p->available));
		cell_add(t, size_str(st->committed));
		cell_add(t, p->capacity > 0 ? kh_asprintf("%.2fx", kh_storage_overcommit(st))
					    : NULL);
		cell_add(t, rate_str(p));
		cell_add(t, full_str(p));
		if (st->n_pools > 1)
			kh_buf_printf(&note, "%zu pools on one filesystem", st->n_pools);
		if (st->fills_before_volumes)
			kh_buf_printf(&note, "%sfills before its volumes do", note.len ? "; " : "");
		notes_str(&note, p);
		cell_add(t, note.len ? kh_buf_steal(&note) : kh_strdup(""));
		trend_cell(r, t, p);
	}
	more_line(r, d, a->t.more_pools, "pools", a->t.more_pools_filling);
}

/* What a storage or volume to act on is called: "pool default", "pools default, lab",
 * "volume db.qcow2 in pool data". */
char *kh_risk_what(const struct kh_risk *k)
{
	struct kh_buf b = { 0 };

	if (k->storage == NULL)
		return kh_asprintf("volume %s in pool %s", k->row->s->name, k->row->s->pool);
	storage_title(&b, k->storage);
	return kh_buf_steal(&b);
}

/* What and when first: on a phone the table scrolls, its first columns show. */
static const char *const ACT_HEAD[] = { "What", "Host", "Full on", "Used", "Capacity",
					"Growth/day" };

/* Across every host, what fills soonest: a storage before the volumes in it when it fills
 * first. */
static void act_section(const struct kh_report *r, const struct kh_analysis *a,
			struct kh_doc *d)
{
	struct kh_table *t = table_section(d, "Act first", a->t.risks,
					   "Nothing is forecast to fill.", NULL, 6, ACT_HEAD,
					   "lllrrr");

	if (t == NULL)
		return;
	for (size_t i = 0; i < a->n_risks && i < kh_rows_max(r); i++) {
		const struct kh_risk *k = &a->risks[i];
		const struct kh_row *x = k->row;

		cell_add(t, kh_risk_what(k));
		cell_str(t, kh_row_host(x));
		cell_add(t, full_str(x));
		used_cell(t, x->allocation, x->capacity);
		cell_add(t, size_str(x->capacity));
		cell_add(t, rate_str(x));
	}
	more_line(r, d, beyond_top(r, a->t.risks),
		  "pools and volumes forecast to fill", a->t.more_risks_filling);
}

static const char *const HOST_HEAD[] = { "Host", "URI", "Pools", "Volumes", "Fills first",
					 "Worst overcommit", "Changes", "Pending" };

/* One row a host, riskiest first; for a report of more than one host. */
static void hosts_section(const struct kh_report *r, const struct kh_analysis *a,
			  struct kh_doc *d)
{
	struct kh_table *t;
	size_t more = 0, filling = 0;

	if (r->n_hosts < 2)
		return;
	kh_doc_heading(d, 2, "Hosts");
	t = kh_doc_table(d, 8, HOST_HEAD, "llrrlrrr");
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct kh_hostrow *hr = &a->hosts[i];
		char *what, *when;

		if (i >= kh_rows_max(r)) {
			more++;
			filling += hr->n_warn > 0;
			continue;
		}
		cell_str(t, kh_rhost_name(hr->h)); /* the URI beside it tells hosts apart */
		cell_str(t, hr->h->uri);
		cell_add(t, kh_asprintf("%zu", hr->n_pools));
		cell_add(t, kh_asprintf("%zu", hr->n_volumes));
		if (hr->first) {
			what = kh_risk_what(hr->first);
			when = full_str(hr->first->row);
			cell_add(t, kh_asprintf("%s: %s", what, when));
			free(what);
			free(when);
		} else {
			cell_add(t, kh_strdup("nothing"));
		}
		cell_add(t, hr->has_worst ? kh_asprintf("%.2fx", hr->worst_overcommit) : NULL);
		cell_add(t, kh_asprintf("%zu", hr->changes));
		cell_add(t, kh_asprintf("%zu", hr->pending));
	}
	if (more && filling == 0)
		kh_doc_paraf(d, "And %zu more hosts, none with anything filling within %d days; the "
				"JSON report lists them all.", more, r->warn_days);
	else if (more)
		kh_doc_paraf(d, "And %zu more hosts, %zu of them with something filling within %d "
				"days; the JSON report lists them all.", more, filling, r->warn_days);
}

static int cmp_rate_desc(const void *x, const void *y)
{
	const struct kh_row *a = *(const struct kh_row *const *)x;
	const struct kh_row *b = *(const struct kh_row *const *)y;

	if (a->fit.rate != b->fit.rate)
		return a->fit.rate > b->fit.rate ? -1 : 1;
	return (a > b) - (a < b);
}

static void volume_cells(struct kh_table *t, const struct kh_row *v)
{
	cell_str(t, kh_row_host(v));
	cell_str(t, v->s->pool);
	cell_str(t, v->s->name);
}

/* The chart of a storage's or a volume's row: its samples, the ceiling it fills at (a
 * volume's capacity; for a pool, what it holds plus what is still available), the fitted
 * rate with its range and the jump the fit left out, as the tables give them. */
static void row_chart(const struct kh_report *r, const struct kh_row *row, int is_pool,
		      char *title, struct kh_doc *d, size_t *n)
{
	struct kh_chart c = { .title = title, .ceiling = row->capacity,
			      .ceiling_label = "capacity" };
	int64_t *t, *y;

	c.n = kh_row_samples(r, row, &t, &y);
	c.t = t;
	c.y = y;
	if (c.n == 0) {
		free(title);
		free(t);
		free(y);
		return;
	}
	if ((*n)++ == 0)
		kh_doc_heading(d, 2, "Growth charts")->media = KH_MEDIA_HTML;
	if (is_pool && row->allocation >= 0 && row->available >= 0 &&
	    row->allocation + row->available != row->capacity) {
		c.ceiling = row->allocation + row->available;
		c.ceiling_label = "usable";
	}
	c.has_forecast = row->fc.ok && row->fit.rate > 0;
	c.rate = row->fit.rate;
	c.has_range = c.has_forecast && (row->fc.has_low || row->fc.has_high);
	c.rate_low = row->fit.rate - row->fit.stderr_rate;
	c.rate_high = row->fit.rate + row->fit.stderr_rate;
	c.has_burst = row->fit.burst_intervals > 0;
	c.burst_at = row->fit.burst_at;
	c.burst_bytes = row->fit.burst_bytes;
	kh_doc_chart(d, &c)->media = KH_MEDIA_HTML;
	free(title);
	free(t);
	free(y);
}

static int cmp_rate_desc(const void *x, const void *y);

/* Small multiples, HTML only: each storage of the Pools table, then the volumes within
 * --warn-days of full and the top growing ones, each once and --top of them in all. */
static void charts_section(const struct kh_report *r, const struct kh_analysis *a,
			   struct kh_doc *d)
{
	const struct kh_row **vols = kh_malloc((a->n_vols + 1) * sizeof *vols);
	size_t n = 0, n_vols, n_growing;

	for (size_t i = 0; i < a->n_storage && n < kh_rows_max(r); i++) {
		const struct kh_storage *st = &a->storage[i];
		struct kh_buf title = { 0 };

		storage_title(&title, st);
		kh_buf_printf(&title, " on %s", kh_row_host(st->row));
		row_chart(r, st->row, 1, kh_buf_steal(&title), d, &n);
	}
	n_vols = pick_vols(r, a, within, NULL, vols);
	n_growing = pick_vols(r, a, growing_not_within, cmp_rate_desc, vols + n_vols);
	if (n_growing > kh_top_growing(r))
		n_growing = kh_top_growing(r);
	for (size_t i = 0; i < n_vols + n_growing && n < kh_rows_max(r); i++)
		row_chart(r, vols[i], 0,
			  kh_asprintf("volume %s in %s on %s", vols[i]->s->name, vols[i]->s->pool,
				      kh_row_host(vols[i])),
			  d, &n);
	free(vols);
}

static void top_section(const struct kh_report *r, const struct kh_analysis *a,
			struct kh_doc *d)
{
	const struct kh_row **top = kh_malloc((a->n_vols + 1) * sizeof *top);
	size_t n = pick_vols(r, a, growing, cmp_rate_desc, top);
	struct kh_table *t;

	t = table_section(d, "Top growing volumes", n,
			  "No volume with enough samples (3 over 2 days or more) is growing.", NULL,
			  9, TOP_HEAD, "llllrrrll");
	if (t) {
		for (size_t i = 0; i < n && i < kh_top_growing(r); i++) {
			const struct kh_row *v = top[i];

			volume_cells(t, v);
			cell_add(t, owners_str(v));
			volume_used_cell(t, v);
			cell_add(t, rate_str(v));
			cell_add(t, signed_size_str(v->allocation - v->alloc_start));
			cell_add(t, full_str(v));
			trend_cell(r, t, v);
		}
		if (a->t.growing > kh_top_growing(r))
			kh_doc_paraf(d, "%zu more volumes are growing; the JSON report lists them all.",
			      a->t.growing - kh_top_growing(r));
	}
	free(top);
}

/* Volumes whose rate leaves a one-off jump out: said once, under the top growers. */
static void bursts_note(const struct kh_report *r, const struct kh_analysis *a,
			struct kh_doc *d)
{
	struct kh_block *list = NULL;
	char date[KH_TIME_LEN];
	size_t n = 0;

	for (size_t i = 0; i < a->n_vols; i++) {
		const struct kh_row *v = &a->vols[i];
		struct kh_inline *in;
		char *jump;

		if (!v->fitted || v->fit.burst_intervals == 0)
			continue;
		if (n++ == 0) {
			kh_doc_paraf(d, "One-off jumps left out of the growth rates (the space they "
					"took still counts):");
			list = kh_doc_list(d, 0);
		}
		if (n > kh_top_growing(r))
			continue;
		kh_date_format(v->fit.burst_at, date);
		jump = signed_size_str(v->fit.burst_bytes);
		in = kh_list_item(list, 0, KH_TONE_NONE);
		what_spans(in, v, 0);
		kh_spanf(in, ": %s on %s", jump, date);
		free(jump);
	}
	if (a->t.bursts > kh_top_growing(r))
		kh_spanf(kh_list_item(list, 0, KH_TONE_NONE), "and %zu more",
			 a->t.bursts - kh_top_growing(r));
}

static void warn_section(const struct kh_report *r, const struct kh_analysis *a,
			 struct kh_doc *d)
{
	struct kh_table *t = NULL;
	size_t rows = 0;

	kh_doc_heading(d, 2, NULL);
	kh_spanf(&kh_doc_last(d)->text[0], "Volumes within %d days of full", r->warn_days);
	for (size_t i = 0; i < a->n_vols; i++) {
		const struct kh_row *v = &a->vols[i];

		if (!within(r, v))
			continue;
		if (rows++ >= kh_rows_max(r))
			continue;
		if (t == NULL)
			t = kh_doc_table(d, 9, WARN_HEAD, "llllrrrll");
		volume_cells(t, v);
		cell_add(t, owners_str(v));
		volume_used_cell(t, v);
		cell_add(t, size_str(v->capacity));
		cell_add(t, rate_str(v));
		cell_add(t, full_str(v));
		trend_cell(r, t, v);
	}
	if (t == NULL)
		kh_doc_paraf(d, "None.");
	and_more(r, d, a->t.warn_vols);
}

static int cmp_name(const void *x, const void *y)
{
	const struct kh_row *a = *(const struct kh_row *const *)x;
	const struct kh_row *b = *(const struct kh_row *const *)y;
	int c = strcmp(kh_row_host(a), kh_row_host(b));

	if (c == 0)
		c = strcmp(a->s->pool, b->s->pool);
	return c ? c : strcmp(a->s->name, b->s->name);
}

static void orphan_section(const struct kh_report *r, const struct kh_analysis *a,
			   struct kh_doc *d)
{
	const struct kh_row **o = kh_malloc((a->n_vols + 1) * sizeof *o);
	size_t n = pick_vols(r, a, orphan, cmp_name, o);
	struct kh_table *t;

	t = table_section(d, "Orphan volumes", n, "None: every volume is used by a domain.",
			  "Volumes no domain's disk uses in the latest snapshot.", 6, ORPHAN_HEAD,
			  "llllrr");
	if (t) {
		for (size_t i = 0; i < n && i < kh_rows_max(r); i++) {
			volume_cells(t, o[i]);
			cell_str(t, o[i]->s->path);
			used_cell(t, o[i]->allocation, o[i]->capacity);
			cell_add(t, size_str(o[i]->capacity));
		}
		if (beyond_top(r, a->t.orphans)) {
			char u[32], c[32];

			kh_size_format(a->t.more_orphans_used, u, sizeof u);
			kh_size_format(a->t.more_orphans_capacity, c, sizeof c);
			kh_doc_paraf(d, "And %zu more orphan volumes, %s used of %s; the JSON report "
					"lists them all.", beyond_top(r, a->t.orphans), u, c);
		}
	}
	free(o);
}

static const char *change_host(const struct kh_report *r, const struct kh_change *c)
{
	const struct kh_rhost *h = kh_report_host_of(r, c->uri);

	return h ? kh_rhost_display(h) : c->uri;
}

enum drift_kind { D_DOMAINS, D_CONFIG, D_NETWORKS };

static enum drift_kind drift_kind(const struct kh_change *c)
{
	if (strcmp(c->object, "network") == 0)
		return D_NETWORKS;
	if (strcmp(c->object, "domain") == 0 && c->path == NULL &&
	    c->change != KH_CHANGE_MODIFIED)
		return D_DOMAINS;
	return D_CONFIG;
}

static void drift_section(const struct kh_report *r, const struct kh_analysis *a,
			  struct kh_doc *d, enum drift_kind kind)
{
	static const char *const titles[] = { "Domains added and removed", "Configuration drift",
					      "Networks changed" };
	struct kh_table *t = NULL;
	size_t rows = 0;
	char when[KH_TIME_LEN];

	kh_doc_heading(d, 2, titles[kind]);
	for (size_t i = 0; i < a->n_drift; i++) {
		const struct kh_change *c = a->drift[i];

		if (drift_kind(c) != kind)
			continue;
		if (rows++ >= kh_rows_max(r))
			continue;
		if (t == NULL) {
			if (kind == D_DOMAINS)
				t = kh_doc_table(d, 4, DOMAIN_HEAD, "llll");
			else if (kind == D_CONFIG)
				t = kh_doc_table(d, 6, DRIFT_HEAD, "llllll");
			else
				t = kh_doc_table(d, 5, NET_HEAD, "lllll");
		}
		when_str(c->taken_at, when);
		cell_str(t, when);
		cell_str(t, change_host(r, c));
		if (kind == D_CONFIG)
			cell_str(t, c->object);
		if (kind == D_CONFIG && c->pool)
			cell_add(t, kh_asprintf("%s/%s", c->pool, c->name ? c->name : ""));
		else
			cell_str(t, c->name);
		if (kind != D_DOMAINS)
			cell_str(t, c->path); /* none: the object itself was added or removed */
		cell_add(t, change_str(c));
	}
	if (t == NULL)
		kh_doc_paraf(d, "None.");
	and_more(r, d, rows);
}

/* Running domains of each host's latest snapshot whose persistent config differs from what
 * runs: what their next boot changes (old: running, new: persistent). */
static void pending_section(const struct kh_report *r, struct kh_doc *d)
{
	struct kh_table *t = NULL;
	size_t rows = 0;

	kh_doc_heading(d, 2, KH_PENDING_TITLE);
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct kh_changes *p = &r->hosts[i].pending;

		for (size_t j = 0; j < p->n; j++) {
			if (rows++ >= kh_rows_max(r))
				continue;
			if (t == NULL) {
				kh_doc_paraf(d, "Running domains whose persistent config differs "
						"from what runs, as of each host's latest snapshot.");
				t = kh_doc_table(d, 4, PENDING_HEAD, "llll");
			}
			cell_str(t, kh_rhost_display(&r->hosts[i]));
			cell_str(t, p->items[j].name);
			cell_str(t, p->items[j].path);
			cell_add(t, change_str(&p->items[j]));
		}
	}
	if (t == NULL)
		kh_doc_paraf(d, "None.");
	and_more(r, d, rows);
}

/* Said once where a backing chain is in the report: how its rows read. */
static void chains_note(const struct kh_analysis *a, struct kh_doc *d)
{
	if (a->has_chains)
		kh_doc_paraf(d, "A disk on a backing chain (an external snapshot's overlay, a linked "
				"clone) writes only to its top layer: the forecast shown for the top "
				"layer is the chain's, and its Used adds what the whole chain holds. The "
				"layers below are read-only and their domain's (\"backing of\" in the "
				"owner column), never orphans.");
}

static char *age_str(int64_t latest, int64_t t)
{
	int64_t days;

	if (t == KH_UNKNOWN)
		return NULL;
	days = (latest - t) / 86400;
	return kh_asprintf("%" PRId64 " day%s", days, days == 1 ? "" : "s");
}

static int64_t host_latest(const struct kh_rhost *h)
{
	return h->n_times ? h->times[h->n_times - 1] : 0;
}

/* Only when some domain has snapshots or a backing chain: a report of hosts without any
 * reads as it did before. */
static void snapshots_section(const struct kh_report *r, const struct kh_analysis *a,
			      struct kh_doc *d)
{
	struct kh_table *t;
	char when[KH_TIME_LEN];

	if (a->n_snapdoms == 0)
		return;
	kh_doc_heading(d, 2, "Snapshots");
	kh_doc_paraf(d, "Domains with snapshots or backing chains, as of each host's latest "
			"snapshot; overlays are the bytes the layers above each chain's base hold.");
	t = kh_doc_table(d, 6, SNAPDOM_HEAD, "llrrrr");
	for (size_t i = 0; i < a->n_snapdoms && i < kh_rows_max(r); i++) {
		const struct kh_snaprow *x = &a->snapdoms[i];

		cell_str(t, kh_rhost_display(x->h));
		cell_str(t, x->d->domain);
		cell_add(t, kh_asprintf("%zu", x->d->n_snaps));
		cell_add(t, age_str(host_latest(x->h), x->d->oldest));
		cell_add(t, kh_asprintf("%zu", x->d->depth));
		cell_add(t, size_str(x->d->overlays));
	}
	and_more(r, d, a->n_snapdoms);
	if (a->n_forgotten == 0) {
		kh_doc_paraf(d, "No snapshot is older than %d days.", r->snapshot_days);
		return;
	}
	kh_doc_paraf(d, "Forgotten: %zu snapshot%s older than %d days, oldest first.",
		     a->n_forgotten, a->n_forgotten == 1 ? "" : "s", r->snapshot_days);
	t = kh_doc_table(d, 6, FORGOTTEN_HEAD, "llllrl");
	for (size_t i = 0; i < a->n_forgotten && i < kh_rows_max(r); i++) {
		const struct kh_forgotten *f = &a->forgotten[i];

		cell_str(t, kh_rhost_display(f->h));
		cell_str(t, f->s->domain);
		cell_str(t, f->s->name);
		when_str(f->s->created, when);
		cell_str(t, when);
		cell_add(t, age_str(host_latest(f->h), f->s->created));
		cell_str(t, f->s->kind);
	}
	and_more(r, d, a->n_forgotten);
}

void kh_report_document(const struct kh_report *r, const struct kh_analysis *a, struct kh_doc *d)
{
	summary(r, a, d);
	act_section(r, a, d);
	hosts_section(r, a, d);
	charts_section(r, a, d);
	pools_section(r, a, d);
	top_section(r, a, d);
	bursts_note(r, a, d);
	chains_note(a, d);
	warn_section(r, a, d);
	orphan_section(r, a, d);
	snapshots_section(r, a, d);
	drift_section(r, a, d, D_DOMAINS);
	drift_section(r, a, d, D_CONFIG);
	pending_section(r, d);
	drift_section(r, a, d, D_NETWORKS);
}

/* ---- Markdown and HTML ---- */

char *kh_report_markdown(const struct kh_report *r)
{
	struct kh_analysis *a = kh_analysis_new(r);
	struct kh_doc d = { 0 };
	struct kh_buf b = { 0 };

	kh_report_document(r, a, &d);
	kh_doc_markdown(&d, &b);
	kh_doc_free(&d);
	kh_analysis_free(a);
	return kh_buf_steal(&b);
}

static int read_file(const char *path, char **out, struct kh_err *err)
{
	struct kh_buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return kh_err_set(err, "cannot read template '%s': %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		kh_buf_add(&b, chunk, n);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		kh_buf_free(&b);
		return kh_err_set(err, "cannot read template '%s': %s", path, strerror(e));
	}
	fclose(f);
	*out = kh_buf_steal(&b);
	return 0;
}

/* One pass over the template: {{title}}, {{body}} and {{generated}} are replaced, any
 * other text is copied as is; substituted values are never scanned again. */
static char *fill_template(const char *tpl, const char *title, const char *body,
			   const char *generated)
{
	struct kh_buf b = { 0 };
	const char *p = tpl, *q;

	while ((q = strstr(p, "{{")) != NULL) {
		kh_buf_add(&b, p, (size_t)(q - p));
		if (strncmp(q, "{{title}}", 9) == 0) {
			kh_escape_html(&b, title);
			p = q + 9;
		} else if (strncmp(q, "{{body}}", 8) == 0) {
			kh_buf_puts(&b, body);
			p = q + 8;
		} else if (strncmp(q, "{{generated}}", 13) == 0) {
			kh_escape_html(&b, generated);
			p = q + 13;
		} else {
			kh_buf_add(&b, q, 2);
			p = q + 2;
		}
	}
	kh_buf_puts(&b, p);
	return kh_buf_steal(&b);
}

static int read_template(const char *templates_dir, char **tpl, struct kh_err *err)
{
	char *path = kh_asprintf("%s/report.html", templates_dir ? templates_dir : ".");
	int rc = read_file(path, tpl, err);

	free(path);
	return rc;
}

/* The document's HTML, its prose through libcmark from the Markdown the report is written
 * in, inside the template. */
static int page(const struct kh_report *r, struct kh_doc *d, const char *tpl, int images,
		char **out, struct kh_err *err)
{
	const struct kh_html_opts opts = { .cmark = 1, .chart_images = images };
	struct kh_buf body = { 0 };
	char *title, generated[KH_TIME_LEN];

	if (kh_doc_html(d, &opts, &body, err)) {
		kh_buf_free(&body);
		return -1;
	}
	title = kh_report_title(r);
	kh_time_format(kh_now(), generated);
	*out = fill_template(tpl, title, body.data ? body.data : "", generated);
	free(title);
	kh_buf_free(&body);
	return 0;
}

int kh_report_html(const struct kh_report *r, const char *templates_dir, char **out,
		   struct kh_err *err)
{
	struct kh_analysis *a;
	struct kh_doc d = { 0 };
	char *tpl;
	int rc;

	*out = NULL;
	if (read_template(templates_dir, &tpl, err))
		return -1;
	a = kh_analysis_new(r);
	kh_report_document(r, a, &d);
	rc = page(r, &d, tpl, 0, out, err);
	free(tpl);
	kh_doc_free(&d);
	kh_analysis_free(a);
	return rc;
}

/* Each chart block of d drawn as a PNG. */
static int chart_images(struct kh_doc *d, struct kh_mail_image **images, size_t *n,
			struct kh_err *err)
{
	*images = kh_calloc(d->n_charts + 1, sizeof **images);
	*n = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct kh_mail_image *im = &(*images)[*n];

		if (d->b[i].kind != KH_BLOCK_CHART)
			continue;
		im->id = d->b[i].chart_id;
		if (kh_chart_png(&d->b[i].chart, &im->png, &im->len, err))
			return -1;
		(*n)++;
	}
	return 0;
}

struct kh_mail_doc {
	struct kh_doc d;
	char *tpl;
	struct kh_mail_image *images;
	size_t n_images;
	size_t after_charts;    /* the index of the block after the last chart */
};

int kh_mail_doc_new(const struct kh_report *r, struct kh_analysis *a, const char *templates_dir,
		    struct kh_mail_doc **out, struct kh_err *err)
{
	struct kh_mail_doc *m = kh_calloc(1, sizeof *m);

	*out = NULL;
	if (read_template(templates_dir, &m->tpl, err)) {
		kh_analysis_free(a);
		free(m);
		return -1;
	}
	kh_report_document(r, a, &m->d);
	/* the document holds what the charts draw: the rows can go before the chart libraries
	 * load (a fleet's rows and those libraries at once were the report's peak) */
	kh_analysis_free(a);
	if (r->once)
		kh_report_shed((struct kh_report *)r);
	for (size_t i = 0; i < m->d.n; i++)
		if (m->d.b[i].kind == KH_BLOCK_CHART)
			m->after_charts = i + 1;
	if (chart_images(&m->d, &m->images, &m->n_images, err)) {
		kh_mail_doc_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

const struct kh_mail_image *kh_mail_doc_images(const struct kh_mail_doc *m, size_t *n)
{
	*n = m->n_images;
	return m->images;
}

int kh_mail_doc_pages(const struct kh_report *r, struct kh_mail_doc *m, size_t keep,
		      char **text, char **html, struct kh_err *err)
{
	struct kh_buf b = { 0 };
	size_t cut = keep < m->n_images ? m->n_images - keep : 0;
	int rc;

	*text = *html = NULL;
	m->d.started = m->d.leadin = 0;
	for (size_t i = 0; i < m->d.n; i++)
		if (m->d.b[i].kind == KH_BLOCK_CHART)
			m->d.b[i].media = m->d.b[i].chart_id <= keep ? KH_MEDIA_HTML : 0;
	if (cut)
		kh_spanf(kh_doc_para_at(&m->d, m->after_charts),
			 "%zu of the %zu growth charts %s left out to keep this mail under %d KB; "
			 "the HTML report (kvmhist report --format html) has them all.", cut,
			 m->n_images, cut == 1 ? "is" : "are", KH_MAIL_MAX / 1000);
	kh_doc_text(&m->d, 0, &b); /* for mutt and mail: columns aligned with spaces, no pipes */
	rc = page(r, &m->d, m->tpl, 1, html, err);
	if (cut)
		kh_doc_drop(&m->d, m->after_charts);
	*text = kh_buf_steal(&b);
	return rc;
}

void kh_mail_doc_free(struct kh_mail_doc *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_images; i++)
		free(m->images[i].png);
	free(m->images);
	free(m->tpl);
	kh_doc_free(&m->d);
	free(m);
}
