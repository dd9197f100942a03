/* kvmhist report: disk growth toward capacity and config drift over a period. */
#include "cmd/cmd.h"
#include "report/report.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum format { F_MD, F_HTML, F_JSON, F_EMAIL };

/* The JSON report is written as it is made: a fleet's is some 100 MB. */
static int put_json(FILE *f, void *data)
{
	return kh_report_json_write(data, f);
}

/* kvmhist@HOSTNAME: a valid mailbox that says who sent it, as cron's mail does. */
static const char *default_sender(char *buf, size_t n)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(buf, n, "kvmhist@%s", host);
	return buf;
}

static const char *const formats[] = { "md", "html", "json", "email", NULL };

struct report_opts {
	const char *since, *until, *host, *output, *templates, *mail_to, *mail_from, *subject;
	int format, warn_days, snapshot_days, top;
};

#define O(field) offsetof(struct report_opts, field)
static const struct kh_opt opts[] = {
	KH_OPT_SPEC("since", O(since), "start of the period (default: 7 days before --until)"),
	KH_OPT_SPEC("until", O(until), "end of the period (default: the latest snapshot)"),
	KH_OPT_HOST(O(host), "only this host (a hostname or a URI)"),
	{ .name = "format", .type = KH_OPT_CHOICE, .arg = "F", .off = O(format),
	  .choices = formats, .def = F_MD,
	  .help = "md (default), html, json, or email: a complete message\n"
		  "(aligned plain text + HTML) for `| sendmail -t`" },
	{ .name = "output", .letter = 'o', .type = KH_OPT_STRING, .arg = "F", .off = O(output),
	  .complete = KH_COMP_FILE,
	  .help = "write to F instead of stdout (a file is replaced\n"
		  "atomically, a device or FIFO written through, a\n"
		  "database refused)" },
	{ .name = "templates", .type = KH_OPT_STRING, .arg = "DIR", .off = O(templates),
	  .complete = KH_COMP_DIR, .help = "report templates (default: the installed ones)" },
	{ .name = "warn-days", .type = KH_OPT_INT, .arg = "N", .off = O(warn_days),
	  .min = 0, .max = 36500, .def = -1, .unit = "days",
	  .help = "list volumes and pools forecast to fill within N days\n"
		  "(default: the config's warn_days, else 30)" },
	{ .name = "snapshot-days", .type = KH_OPT_INT, .arg = "N", .off = O(snapshot_days),
	  .min = 0, .max = 36500, .def = -1, .unit = "days",
	  .help = "list domain snapshots older than N days as forgotten\n"
		  "(default: the config's snapshot_days, else 14)" },
	{ .name = "top", .type = KH_OPT_INT, .arg = "N", .off = O(top),
	  .min = 0, .max = 1000000, .def = KH_REPORT_TOP, .unit = "rows",
	  .help = "at most N rows a list in md, html and email, the ones\n"
		  "that matter most (default 20; 0: all); JSON has all" },
	{ .name = "mail-to", .type = KH_OPT_STRING, .arg = "ADDR", .off = O(mail_to),
	  .help = "e-mail recipients (with --format email; default: the\nconfig's mail_to)" },
	{ .name = "mail-from", .type = KH_OPT_STRING, .arg = "ADDR", .off = O(mail_from),
	  .help = "e-mail sender (default: the config's mail_from, else\nkvmhist@HOSTNAME)" },
	{ .name = "subject", .type = KH_OPT_STRING, .arg = "TEXT", .off = O(subject),
	  .help = "e-mail subject (default: the hosts and what fills first)" },
};

/* The report in its format into *out; 0, or -1 with err. */
static int render(struct kh_ctx *ctx, const struct report_opts *o, const struct kh_report *r,
		  const char *mail_to, const char *mail_from, char **out, struct kh_err *err)
{
	char sender[300];

	switch ((enum format)o->format) {
	case F_JSON: *out = kh_report_json(r); return 0;
	case F_HTML: return kh_report_html(r, kh_templates_dir(ctx, o->templates), out, err);
	case F_EMAIL:
		if (mail_from == NULL)
			mail_from = default_sender(sender, sizeof sender);
		return kh_report_email(r, kh_templates_dir(ctx, o->templates), mail_to, mail_from,
				       o->subject, out, err);
	case F_MD:
	default: *out = kh_report_markdown(r); return 0;
	}
}

static int exec_report(struct kh_ctx *ctx, const void *opts_)
{
	const struct report_opts *o = opts_;
	const char *mail_to = o->mail_to, *mail_from = o->mail_from;
	int warn_days = o->warn_days, snapshot_days = o->snapshot_days;
	struct kh_report *r = NULL;
	int64_t from, to;
	struct kh_err err;
	char *out = NULL;
	int rc;

	if (o->format != F_EMAIL && (mail_to || mail_from || o->subject))
		return kh_usage_error(&kh_cmd_report,
				      "--mail-to, --mail-from and --subject go with --format email");
	/* The command line wins over the config file, which wins over the defaults. */
	if (warn_days < 0)
		warn_days = ctx->config->warn_days >= 0 ? ctx->config->warn_days : 30;
	if (snapshot_days < 0)
		snapshot_days = ctx->config->snapshot_days >= 0 ? ctx->config->snapshot_days : 14;
	if (mail_to == NULL)
		mail_to = ctx->config->mail_to;
	if (mail_from == NULL)
		mail_from = ctx->config->mail_from;
	if (o->format == F_EMAIL && mail_to == NULL)
		return kh_usage_error(&kh_cmd_report,
				      "--format email needs --mail-to ADDR (or mail_to in the config)");
	if (kh_read_period(ctx, o->host, o->since, o->until, &from, &to, &err))
		return kh_fail("%s", err.msg);
	r = kh_report_new(from, to);
	kh_report_set_warn_days(r, warn_days);
	kh_report_set_snapshot_days(r, snapshot_days);
	kh_report_set_top(r, o->top);
	kh_report_set_once(r);
	if (kh_read_report(ctx, r, o->host, from, to, &err)) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	if (o->format == F_JSON) {
		rc = kh_write_output_stream(ctx, o->output, put_json, r);
		goto out;
	}
	if (render(ctx, o, r, mail_to, mail_from, &out, &err)) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	rc = kh_write_output(ctx, o->output, out);
out:
	free(out);
	kh_report_free(r);
	return rc;
}

const struct kh_cmd kh_cmd_report = {
	.name = "report",
	.summary = "report disk growth toward capacity and config drift over a period",
	.usage = "[--since SPEC] [--until SPEC] [--host H] [--format md|html|json|email]\n"
		 "       [-o FILE] [--templates DIR] [--warn-days N] [--snapshot-days N] [--top N]\n"
		 "       [--mail-to ADDR [--mail-from ADDR] [--subject TEXT]]",
	KH_OPTS(opts, struct report_opts),
	.help_col = 19,
	.help = "SPEC: as SNAP, but a time or age is itself a bound of the period, an id or\n"
		"latest~N stands for its snapshot's time, and a date as --until means the end\n"
		"of that day.\n",
	.exec = exec_report,
};
