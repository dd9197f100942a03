/* kvmhist log: the timeline of changes over a period, each at the snapshot it first showed. */
#include "cmd/cmd.h"
#include "report/diff.h"
#include "report/log.h"
#include "util/timefmt.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct log {
	const char *domain;
	char **uuids;           /* of every domain ever called `domain` */
	size_t n_uuids;
	int quiet;
	struct kh_log_out *out;
};

static void print(char *s)
{
	fputs(s, stdout);
	free(s);
}

/* One snapshot's changes against the one before it of its host (both as kh_pairs_next gives
 * them), printed as they come; and, for a host's last snapshot, its pending drift, kept for
 * the end. */
static int add(const struct kh_snapshot *prev, const struct kh_snapshot *snap, int last,
	       struct log *l, struct kh_err *err)
{
	struct kh_changes ch = { 0 };

	if (last && !l->quiet) {
		if (kh_diff_pending(snap, &ch, err)) {
			kh_changes_free(&ch);
			return -1;
		}
		kh_changes_filter_uuids(&ch, l->domain, NULL, NULL, l->uuids, l->n_uuids);
		kh_log_pending(l->out, snap, &ch);
	}
	/* A host's first snapshot has nothing before it: all of it would be "added". */
	if (prev == NULL)
		return 0;
	if (kh_diff_snapshots(prev, snap, &ch, err)) {
		kh_changes_free(&ch);
		return -1;
	}
	kh_changes_filter_uuids(&ch, l->domain, NULL, NULL, l->uuids, l->n_uuids);
	if (!l->quiet)
		print(kh_log_changes(l->out, snap, &ch));
	kh_changes_free(&ch);
	return 0;
}

/* A --domain that no snapshot of the period (nor the one each host's first is compared
 * with) holds is a typo, not "no changes": a monitoring script must hear of it. */
static int check_domain(struct kh_ctx *ctx, const struct log *l, const char *host, int64_t from,
			int64_t to, const struct kh_snapshot_info *v, size_t n)
{
	struct kh_err err;
	int seen;

	seen = kh_store_domain_in(ctx->store, host, from, to, 0, l->domain, l->uuids, l->n_uuids,
				  &err);
	for (size_t i = 0; seen == 0 && i < n; i++) {
		int64_t prev;
		size_t j;

		for (j = 0; j < i && strcmp(v[j].uri, v[i].uri) != 0; j++)
			;
		if (j < i)
			continue; /* not its host's first */
		if (kh_store_previous(ctx->store, v[i].id, &prev, &err) != 0)
			return kh_fail("%s", err.msg);
		if (prev)
			seen = kh_store_domain_in(ctx->store, NULL, INT64_MIN, INT64_MAX, prev,
						  l->domain, l->uuids, l->n_uuids, &err);
	}
	if (seen < 0)
		return kh_fail("%s", err.msg);
	return seen ? KH_EXIT_OK : kh_fail("no domain '%s' in the snapshots of the period",
					   l->domain);
}

static const char *const formats[] = { "text", "md", "json", NULL };
static const enum kh_format format_of[] = { KH_FORMAT_TEXT, KH_FORMAT_MD, KH_FORMAT_JSON };

struct log_opts {
	const char *since, *until, *host, *domain;
	int format;
};

#define O(field) offsetof(struct log_opts, field)
static const struct kh_opt opts[] = {
	KH_OPT_SPEC("since", O(since), "start of the period (default: the first snapshot)"),
	KH_OPT_SPEC("until", O(until), "end of the period (default: the latest snapshot)"),
	KH_OPT_HOST(O(host), "only this host (a hostname or a URI)"),
	{ .name = "domain", .type = KH_OPT_STRING, .arg = "NAME", .off = O(domain),
	  .help = "only this domain, followed by UUID under any name it had" },
	{ .name = "format", .type = KH_OPT_CHOICE, .arg = "F", .off = O(format),
	  .choices = formats, .help = "text (default), md or json" },
};

static int exec_log(struct kh_ctx *ctx, const void *opts_)
{
	const struct log_opts *o = opts_;
	const char *since = o->since, *until = o->until, *host = o->host;
	struct log l = { .quiet = ctx->quiet, .domain = o->domain };
	enum kh_format format = format_of[o->format];
	int64_t from = INT64_MIN, to = INT64_MAX, now = kh_now();
	const struct kh_snapshot_info *v;
	const struct kh_snapshot *prev, *snap;
	struct kh_pairs *p = NULL;
	struct kh_err err;
	int rc = KH_EXIT_ERROR, step, last;
	size_t n = 0;

	if (kh_check_host(ctx, host) != KH_EXIT_OK)
		return KH_EXIT_ERROR;
	/* Default period: all of the history. */
	if ((since && kh_store_bound(ctx->store, since, host, 0, now, &from, &err)) ||
	    (until && kh_store_bound(ctx->store, until, host, 1, now, &to, &err)))
		return kh_fail("%s", err.msg);
	if (from > to)
		return kh_fail("the period starts (--since) after it ends (--until)");
	if (kh_pairs_open(ctx->store, host, from, to, &p, &err))
		return kh_fail("%s", err.msg);
	v = kh_pairs_list(p, &n);
	if (l.domain && kh_store_domain_uuids(ctx->store, l.domain, &l.uuids, &l.n_uuids, &err)) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	if (l.domain && (rc = check_domain(ctx, &l, host, from, to, v, n)) != KH_EXIT_OK)
		goto out;

	l.out = kh_log_out_new(format, kh_stdout_color());
	if (!ctx->quiet)
		print(kh_log_begin(l.out, n, n ? v[0].taken_at : 0, n ? v[n - 1].taken_at : 0));
	/* each snapshot against the one before it of its host, a host's year streamed */
	for (size_t i = 0; (step = kh_pairs_next(p, &prev, &snap, &last, &err)) == 1; i++) {
		kh_progress(ctx, "reading snapshot", i, n);
		if (add(prev, snap, last, &l, &err)) {
			step = -1;
			break;
		}
	}
	kh_progress(ctx, "reading snapshot", n, n);
	if (step < 0) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	if (!ctx->quiet)
		print(kh_log_end(l.out));
	rc = KH_EXIT_OK;
out:
	kh_log_out_free(l.out);
	kh_pairs_close(p);
	kh_strings_free(l.uuids, l.n_uuids);
	return rc;
}

const struct kh_cmd kh_cmd_log = {
	.name = "log",
	.summary = "list the changes over a period, each at the snapshot it first appeared in",
	.usage = "[--since SPEC] [--until SPEC] [--host H] [--domain NAME]\n"
		 "       [--format text|md|json]",
	KH_OPTS(opts, struct log_opts),
	.help_col = 19,
	.help = "Each snapshot in the period is compared with the one before it of the same host,\n"
		"even when that one lies before the period, so a change is listed once, at the\n"
		"snapshot where it first showed. After the timeline, each host's latest snapshot\n"
		"in the period lists its running domains' pending drift, as 'kvmhist diff' does.\n"
		"JSON: {\"changes\": [...], \"pending\": [...]}, each as in 'kvmhist diff' plus\n"
		"\"snapshot\" (its id) and \"uri\".\n",
	.exec = exec_log,
};
