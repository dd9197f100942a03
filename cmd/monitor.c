/* kvmhist monitor: a check for Nagios, Icinga, Checkmk and the like. Exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN, one line on stdout; the text is report/monitor.c's. */
#include "cmd/cmd.h"
#include "report/report.h"
#include "util/mem.h"
#include "util/timefmt.h"
#include "util/units.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_WARN_DAYS 30
#define DEFAULT_CRIT_DAYS 7
#define DEFAULT_MAX_AGE (36 * 3600) /* a nightly collect, and some hours' grace */

struct monitor_opts {
	const char *host, *since, *warn_overcommit, *crit_overcommit, *max_age;
	int warn_days, crit_days;
};

#define O(field) offsetof(struct monitor_opts, field)
static const struct kh_opt opts[] = {
	KH_OPT_HOST(O(host), "only this host (a hostname or a URI)"),
	KH_OPT_FIT_SINCE(O(since)),
	{ .name = "warn-days", .type = KH_OPT_INT, .arg = "N", .off = O(warn_days),
	  .min = 0, .max = 36500, .def = -1, .unit = "days",
	  .help = "WARNING when something is full in fewer than N days\n"
		  "(default: the config's warn_days, else 30)" },
	{ .name = "crit-days", .type = KH_OPT_INT, .arg = "N", .off = O(crit_days),
	  .min = 0, .max = 36500, .def = -1, .unit = "days",
	  .help = "CRITICAL likewise (default: crit_days, else 7)" },
	{ .name = "warn-overcommit", .type = KH_OPT_STRING, .arg = "X", .off = O(warn_overcommit),
	  .help = "WARNING when a pool's volumes may grow to more than X\n"
		  "times its capacity (default: warn_overcommit, else never)" },
	{ .name = "crit-overcommit", .type = KH_OPT_STRING, .arg = "X", .off = O(crit_overcommit),
	  .help = "CRITICAL likewise (default: crit_overcommit, else never)" },
	{ .name = "max-age", .type = KH_OPT_STRING, .arg = "AGE", .off = O(max_age),
	  .help = "UNKNOWN when a host's latest snapshot is older than AGE\n"
		  "(36h, 2d; default: max_age, else 36h)" },
};

/* The hosts the check answers for: those with snapshots in the period (--host: that one),
 * and without --host every `uri` of the config too, so a host collect no longer reaches
 * stays UNKNOWN rather than dropping out of the period. Those whose latest snapshot is
 * older than max_age (or that have none) go into *stale. */
static int find_stale(struct kh_ctx *ctx, const char *host, int64_t from, int64_t to,
		      int64_t max_age, int64_t now, char ***uris, size_t *n_uris,
		      struct kh_stale_host **stale, size_t *n_stale, struct kh_err *err)
{
	size_t cap;

	if (kh_store_uris(ctx->store, host, from, to, uris, n_uris, err))
		return -1;
	cap = *n_uris;
	for (size_t i = 0; host == NULL && i < ctx->config->n_uris; i++) {
		const char *u = ctx->config->uris[i];
		size_t j;

		for (j = 0; j < *n_uris && strcmp((*uris)[j], u) != 0; j++)
			;
		if (j == *n_uris)
			*KH_PUSH(*uris, *n_uris, cap) = kh_strdup(u);
	}
	*stale = kh_calloc(*n_uris + 1, sizeof **stale);
	*n_stale = 0;
	for (size_t i = 0; i < *n_uris; i++) {
		int64_t latest = KH_UNKNOWN;
		int known = kh_store_host_known(ctx->store, (*uris)[i], err);

		if (known < 0 ||
		    (known && kh_store_bound(ctx->store, "latest", (*uris)[i], 1, now, &latest, err)))
			return -1;
		if (latest == KH_UNKNOWN || now - latest > max_age)
			(*stale)[(*n_stale)++] = (struct kh_stale_host){ (*uris)[i], latest };
	}
	return 0;
}

/* The command line, then the config, then the defaults. KH_EXIT_OK, or a usage error
 * (UNKNOWN) said. */
static int limits(const struct kh_ctx *ctx, const struct monitor_opts *o,
		  struct kh_monitor_limits *lim, int64_t *max_age)
{
	const struct kh_config *cfg = ctx->config;
	const char *const ratio[2] = { o->warn_overcommit, o->crit_overcommit };
	double *const to[2] = { &lim->warn_overcommit, &lim->crit_overcommit };

	lim->warn_days = o->warn_days >= 0 ? o->warn_days
			 : cfg->warn_days >= 0 ? cfg->warn_days : DEFAULT_WARN_DAYS;
	lim->crit_days = o->crit_days >= 0 ? o->crit_days
			 : cfg->crit_days >= 0 ? cfg->crit_days : DEFAULT_CRIT_DAYS;
	lim->warn_overcommit = cfg->warn_overcommit;
	lim->crit_overcommit = cfg->crit_overcommit;
	for (int i = 0; i < 2; i++)
		if (ratio[i] && kh_parse_decimal(ratio[i], to[i]) != 0)
			return kh_usage_error(&kh_cmd_monitor, "invalid --%s-overcommit '%s' (a "
					      "ratio such as 1.5)", i ? "crit" : "warn", ratio[i]);
	*max_age = cfg->max_age >= 0 ? cfg->max_age : DEFAULT_MAX_AGE;
	if (o->max_age && (kh_age_parse(o->max_age, max_age) != 0 || *max_age <= 0))
		return kh_usage_error(&kh_cmd_monitor,
				      "invalid --max-age '%s' (an age such as 36h or 2d)", o->max_age);
	return KH_EXIT_OK;
}

static int exec_monitor(struct kh_ctx *ctx, const void *opts_)
{
	const struct monitor_opts *o = opts_;
	struct kh_monitor_limits lim;
	int64_t max_age, now = kh_now(), from, to;
	struct kh_report *r = NULL;
	struct kh_stale_host *stale = NULL;
	size_t n_stale = 0, n_uris = 0;
	char **uris = NULL, *out = NULL;
	struct kh_err err;
	int known, rc;

	if ((rc = limits(ctx, o, &lim, &max_age)) != KH_EXIT_OK)
		return rc;
	if (o->host && (known = kh_store_host_known(ctx->store, o->host, &err)) <= 0) {
		if (known == 0)
			kh_err_set(&err, "no snapshots of host '%s'", o->host);
		return kh_cmd_fail(&kh_cmd_monitor, err.msg);
	}
	if (kh_read_period(ctx, o->host, o->since, NULL, &from, &to, &err) ||
	    find_stale(ctx, o->host, from, to, max_age, now, &uris, &n_uris, &stale, &n_stale,
		       &err)) {
		rc = kh_cmd_fail(&kh_cmd_monitor, err.msg);
		goto out;
	}
	r = kh_report_new(from, to);
	kh_report_set_warn_days(r, lim.warn_days);
	if (kh_read_report(ctx, r, o->host, from, to, &err)) {
		rc = kh_cmd_fail(&kh_cmd_monitor, err.msg);
		goto out;
	}
	rc = kh_report_monitor(r, &lim, stale, n_stale, max_age, now, &out);
	fputs(out, stdout);
out:
	free(out);
	free(stale);
	kh_strings_free(uris, n_uris);
	kh_report_free(r);
	return rc;
}

const struct kh_cmd kh_cmd_monitor = {
	.name = "monitor",
	.summary = "a monitoring-plugin check: what fills, and whether collect ran",
	.usage = "[--host H] [--since SPEC] [--warn-days N] [--crit-days N]\n"
		 "       [--warn-overcommit X] [--crit-overcommit X] [--max-age AGE]",
	KH_OPTS(opts, struct monitor_opts),
	.help = "Prints one line, 'KVMHIST STATE - text | perfdata'. Exit status: 0 OK,\n"
		"1 WARNING, 2 CRITICAL, 3 UNKNOWN (no database, an unknown host, a stale or\n"
		"missing snapshot, a bad option).\n",
	.flags = KH_PLUGIN,
	.exec = exec_monitor,
};
