/* kvmhist metrics: the analysis as Prometheus metrics, for node_exporter's textfile
 * collector; the text is report/metrics.c's. */
#include "cmd/cmd.h"
#include "report/report.h"
#include "util/timefmt.h"

#include <stddef.h>
#include <stdlib.h>

struct metrics_opts {
	const char *host, *since, *output;
};

#define O(field) offsetof(struct metrics_opts, field)
static const struct kh_opt opts[] = {
	KH_OPT_HOST(O(host), "only this host (a hostname or a URI)"),
	KH_OPT_FIT_SINCE(O(since)),
	{ .name = "output", .letter = 'o', .type = KH_OPT_STRING, .arg = "F", .off = O(output),
	  .complete = KH_COMP_FILE,
	  .help = "write to F (replaced atomically) instead of stdout, e.g.\n"
		  "/var/lib/prometheus/node-exporter/kvmhist.prom" },
};

static int exec_metrics(struct kh_ctx *ctx, const void *opts_)
{
	const struct metrics_opts *o = opts_;
	struct kh_report *r = NULL;
	int64_t from, to;
	struct kh_err err;
	char *out;
	int rc;

	if (kh_read_period(ctx, o->host, o->since, NULL, &from, &to, &err))
		return kh_fail("%s", err.msg);
	r = kh_report_new(from, to);
	if (kh_read_report(ctx, r, o->host, from, to, &err)) {
		kh_report_free(r);
		return kh_fail("%s", err.msg);
	}
	out = kh_report_metrics(r, kh_now());
	/* replaced whole: the textfile collector must never read half a file */
	rc = kh_write_output(ctx, o->output, out);
	free(out);
	kh_report_free(r);
	return rc;
}

const struct kh_cmd kh_cmd_metrics = {
	.name = "metrics",
	.summary = "Prometheus metrics of growth and forecasts, for node_exporter",
	.usage = "[--host H] [--since SPEC] [-o FILE]",
	KH_OPTS(opts, struct metrics_opts),
	.exec = exec_metrics,
};
