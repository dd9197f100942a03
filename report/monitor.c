/* kvmhist monitor's output: one status line naming what is worst, then performance data
 * (Monitoring Plugins development guidelines). The state comes from the report's own
 * analysis (its risks and storages), so the check and the weekly mail never disagree
 * about what fills. */
#include "report/escape.h"
#include "report/report_int.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"
#include "util/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATE[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* A storage or volume beyond a limit: one that fills soon, or an overcommitted storage. */
struct problem {
	int state;
	const struct kh_risk *risk;     /* fills */
	const struct kh_storage *st;    /* overcommitted (risk NULL) */
	double ratio;
};

static int fill_state(const struct kh_monitor_limits *l, double days)
{
	if (l->crit_days >= 0 && days < l->crit_days)
		return KH_PLUGIN_CRITICAL;
	if (l->warn_days >= 0 && days < l->warn_days)
		return KH_PLUGIN_WARNING;
	return KH_PLUGIN_OK;
}

static int overcommit_state(const struct kh_monitor_limits *l, double ratio)
{
	if (l->crit_overcommit >= 0 && ratio > l->crit_overcommit)
		return KH_PLUGIN_CRITICAL;
	if (l->warn_overcommit >= 0 && ratio > l->warn_overcommit)
		return KH_PLUGIN_WARNING;
	return KH_PLUGIN_OK;
}

/* Worst first; of equal state what fills before what is overcommitted, in the analysis'
 * order (soonest full first), the most overcommitted first. */
static int cmp_problem(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->state != y->state)
		return y->state - x->state;
	if ((x->risk == NULL) != (y->risk == NULL))
		return x->risk ? -1 : 1;
	if (x->risk)
		return x->risk < y->risk ? -1 : x->risk > y->risk;
	return x->ratio < y->ratio ? 1 : x->ratio > y->ratio ? -1 : 0;
}

/* Plain text of `s`, made safe for the status line. */
static void text(struct kh_buf *b, const char *s)
{
	kh_escape_plugin(b, s, 0);
}

/* "pool fast on kvm1", "volume db.qcow2 in pool data on kvm1". */
static void what_text(struct kh_buf *b, const struct kh_risk *k)
{
	char *what = kh_risk_what(k);

	text(b, what);
	kh_buf_puts(b, " on ");
	text(b, kh_row_host(k->row));
	free(what);
}

/* "... full in 3 days (2026-12-07)", "... committed 2.5 times its capacity". */
static void problem_text(struct kh_buf *b, const struct problem *p)
{
	char num[32];

	if (p->risk == NULL) {
		struct kh_risk k = { p->st, p->st->row };

		what_text(b, &k);
		kh_decimal_format(p->ratio, 2, num, sizeof num);
		kh_buf_printf(b, " committed %s times its capacity", num);
		return;
	}
	what_text(b, p->risk);
	kh_date_format(p->risk->row->fc.full_at, num);
	if (p->risk->row->fc.days <= 0) {
		kh_buf_printf(b, " is full (%s)", num);
		return;
	}
	kh_buf_puts(b, " full ");
	kh_days_phrase(b, p->risk->row->fc.days);
	kh_buf_printf(b, " (%s)", num);
}

static int within(const struct kh_monitor_limits *l)
{
	return l->warn_days > l->crit_days ? l->warn_days : l->crit_days;
}

/* "; 2 more within 30 days; 1 more overcommitted" for the problems after the first. */
static void more_text(struct kh_buf *b, const struct kh_monitor_limits *l,
		      const struct problem *v, size_t n)
{
	size_t fills = 0, over = 0;

	for (size_t i = 1; i < n; i++)
		v[i].risk ? fills++ : over++;
	if (fills)
		kh_buf_printf(b, "; %zu more within %d days", fills, within(l));
	if (over)
		kh_buf_printf(b, "; %zu more overcommitted", over);
}

/* "36h", "2d": the --max-age as the admin would write it. */
static void age_text(struct kh_buf *b, int64_t s)
{
	static const struct { int64_t unit; char c; } units[] = {
		{ 7 * 86400, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' },
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s % units[i].unit == 0 || units[i].unit == 1) {
			kh_buf_printf(b, "%lld%c", (long long)(s / units[i].unit), units[i].c);
			return;
		}
}

/* "latest snapshot of kvm2 is 3 days old (2026-12-01T03:00:00Z; --max-age 36h)". */
static void stale_text(struct kh_buf *b, const struct kh_report *r,
		       const struct kh_stale_host *h, int64_t max_age, int64_t now)
{
	const struct kh_rhost *rh = kh_report_host_of(r, h->uri);
	const char *label = rh ? kh_rhost_display(rh) : h->uri;
	char when[KH_TIME_LEN];
	int64_t age = now - h->latest;

	if (h->latest == KH_UNKNOWN) {
		kh_buf_puts(b, "no snapshot of ");
		text(b, label);
		kh_buf_puts(b, " yet");
		return;
	}
	kh_time_format(h->latest, when);
	kh_buf_puts(b, "latest snapshot of ");
	text(b, label);
	if (age < 2 * 86400)
		kh_buf_printf(b, " is %lld hours old", (long long)(age / 3600));
	else
		kh_buf_printf(b, " is %lld days old", (long long)(age / 86400));
	kh_buf_printf(b, " (%s; --max-age ", when);
	age_text(b, max_age);
	kh_buf_puts(b, ")");
}

/* The start of 'label'=value: "HOST pool P WHAT" (P: the storage's pools, joined by ','),
 * "HOST volume P/V WHAT". */
static void perf_label(struct kh_buf *b, const struct kh_storage *st, const struct kh_row *vol,
		       const char *what)
{
	const struct kh_row *row = st ? st->row : vol;

	kh_buf_puts(b, " '");
	kh_escape_plugin(b, kh_row_host(row), 1);
	kh_buf_puts(b, st ? " pool " : " volume ");
	for (size_t i = 0; st && i < st->n_pools; i++) {
		kh_buf_puts(b, i ? "," : "");
		kh_escape_plugin(b, st->pools[i]->s->name, 1);
	}
	if (vol) {
		kh_escape_plugin(b, vol->s->pool, 1);
		kh_buf_puts(b, "/");
		kh_escape_plugin(b, vol->s->name, 1);
	}
	kh_buf_printf(b, " %s'=", what);
}

/* value;warn;crit;0, a limit left empty where there is none; `range` after each ("N:"
 * alerts below N). */
static void perf_value(struct kh_buf *b, double v, int places, double warn, double crit,
		       const char *range)
{
	char num[32];

	kh_decimal_format(v, places, num, sizeof num);
	kh_buf_puts(b, num);
	for (int i = 0; i < 2; i++) {
		double lim = i ? crit : warn;

		kh_buf_puts(b, ";");
		if (lim >= 0) {
			kh_decimal_format(lim, 3, num, sizeof num);
			kh_buf_printf(b, "%s%s", num, range);
		}
	}
	kh_buf_puts(b, ";0");
}

/* Days to full (alerting below the limits), used bytes, and a storage's overcommit. */
static void perf_row(struct kh_buf *b, const struct kh_monitor_limits *l,
		     const struct kh_storage *st, const struct kh_row *vol)
{
	const struct kh_row *row = st ? st->row : vol;

	if (row->fc.ok) {
		perf_label(b, st, vol, "days_to_full");
		perf_value(b, row->fc.days, 2, l->warn_days, l->crit_days, ":");
	}
	if (row->allocation >= 0) {
		perf_label(b, st, vol, "used");
		kh_buf_printf(b, "%lldB;;;0;", (long long)row->allocation);
		if (row->capacity >= 0)
			kh_buf_printf(b, "%lld", (long long)row->capacity);
	}
	if (st && row->capacity > 0) {
		perf_label(b, st, vol, "overcommit");
		perf_value(b, kh_storage_overcommit(st), 3, l->warn_overcommit, l->crit_overcommit,
			   "");
	}
}

/* Every storage, then every volume with a forecast. */
static void perfdata(struct kh_buf *b, const struct kh_monitor_limits *l,
		     const struct kh_analysis *a)
{
	struct kh_buf p = { 0 };

	for (size_t i = 0; i < a->n_storage; i++)
		perf_row(&p, l, &a->storage[i], NULL);
	for (size_t i = 0; i < a->n_vols; i++)
		if (a->vols[i].fc.ok)
			perf_row(&p, l, NULL, &a->vols[i]);
	if (p.len)
		kh_buf_printf(b, " |%s", p.data);
	kh_buf_free(&p);
}

int kh_report_monitor(const struct kh_report *r, const struct kh_monitor_limits *l,
		      const struct kh_stale_host *stale, size_t n_stale, int64_t max_age,
		      int64_t now, char **out)
{
	struct kh_analysis *a = kh_analysis_all(r);
	struct problem *v = kh_malloc((a->n_risks + a->n_storage + 1) * sizeof *v);
	struct kh_buf b = { 0 };
	size_t n = 0;
	int state;

	for (size_t i = 0; i < a->n_risks; i++) {
		int st = fill_state(l, a->risks[i].row->fc.days);

		if (st != KH_PLUGIN_OK)
			v[n++] = (struct problem){ st, &a->risks[i], NULL, 0 };
	}
	for (size_t i = 0; i < a->n_storage; i++) {
		double ratio = kh_storage_overcommit(&a->storage[i]);
		int st = ratio > 0 ? overcommit_state(l, ratio) : KH_PLUGIN_OK;

		if (st != KH_PLUGIN_OK)
			v[n++] = (struct problem){ st, NULL, &a->storage[i], ratio };
	}
	qsort(v, n, sizeof *v, cmp_problem);

	state = n_stale ? KH_PLUGIN_UNKNOWN : n ? v[0].state : KH_PLUGIN_OK;
	kh_buf_printf(&b, "KVMHIST %s - ", STATE[state]);
	if (n_stale) {
		stale_text(&b, r, &stale[0], max_age, now);
		if (n_stale > 1)
			kh_buf_printf(&b, "; %zu more hosts stale", n_stale - 1);
		if (n) {
			kh_buf_printf(&b, "; also %s: ", STATE[v[0].state]);
			problem_text(&b, &v[0]);
		}
	} else if (n) {
		problem_text(&b, &v[0]);
		more_text(&b, l, v, n);
	} else {
		if (within(l) > 0)
			kh_buf_printf(&b, "nothing fills within %d days", within(l));
		if (a->n_risks) {
			struct problem first = { 0, &a->risks[0], NULL, 0 };

			kh_buf_puts(&b, within(l) > 0 ? "; " : "");
			problem_text(&b, &first);
		} else if (within(l) <= 0) {
			kh_buf_puts(&b, "nothing is forecast to fill");
		}
	}
	if (!n_stale) /* a stale host's numbers are old: no data rather than wrong data */
		perfdata(&b, l, a);
	kh_buf_puts(&b, "\n");
	free(v);
	kh_analysis_free(a);
	*out = kh_buf_steal(&b);
	return state;
}

char *kh_monitor_unknown(const char *why)
{
	struct kh_buf b = { 0 };

	kh_buf_puts(&b, "KVMHIST UNKNOWN - ");
	text(&b, why);
	kh_buf_puts(&b, "\n");
	return kh_buf_steal(&b);
}
