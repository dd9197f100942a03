/* kvmhist report: disk growth toward capacity and config drift over a period. */
#include "cmd/cmd.h"
#include "report/report.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum format { F_MD, F_HTML, F_JSON, F_EMAIL };

/* Streams each host's snapshots of the period into the report: the store gives what changed
 * per snapshot, not whole snapshots, so a year costs about what its changes cost. */
static int feed(struct kh_ctx *ctx, struct kh_report *r, char **uris, size_t n, int64_t from,
		int64_t to, struct kh_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct kh_snapshot *before, *after, *now;
		struct kh_scan *sc;
		int rc;

		kh_progress(ctx, "reading host", i, n);
		if (kh_scan_open(ctx->store, uris[i], from, to, &sc, err))
			return -1;
		while ((rc = kh_scan_next(sc, &before, &after, &now, err)) == 1)
			if (kh_report_add_changes(r, before, after, now, err)) {
				rc = -1;
				break;
			}
		kh_scan_close(sc);
		if (rc < 0)
			return -1;
	}
	kh_progress(ctx, "reading host", n, n);
	return 0;
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

static int exec_report(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "templates", required_argument, NULL, 't' },
		{ "warn-days", required_argument, NULL, 'w' },
		{ "snapshot-days", required_argument, NULL, 'D' },
		{ "mail-to", required_argument, NULL, 'T' },
		{ "mail-from", required_argument, NULL, 'F' },
		{ "subject", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = NULL, *until = NULL, *host = NULL, *output = NULL, *templates = NULL;
	const char *mail_to = NULL, *mail_from = NULL, *subject = NULL;
	long warn_days = -1, snapshot_days = -1;
	char *end;
	char **uris = NULL;
	struct kh_report *r = NULL;
	enum format format = F_MD;
	int64_t from, to, now = kh_now(), latest;
	struct kh_err err;
	char *out = NULL, sender[300];
	int c, rc = KH_EXIT_ERROR;
	size_t n = 0;

	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'H': host = optarg; break;
		case 'o': output = optarg; break;
		case 't': templates = optarg; break;
		case 'T': mail_to = optarg; break;
		case 'F': mail_from = optarg; break;
		case 'S': subject = optarg; break;
		case 'w':
			warn_days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || warn_days < 0 || warn_days > 36500)
				return kh_usage_error(&kh_cmd_report,
						      "invalid --warn-days '%s' (days, 0 to 36500)",
						      optarg);
			break;
		case 'D':
			snapshot_days = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || snapshot_days < 0 ||
			    snapshot_days > 36500)
				return kh_usage_error(&kh_cmd_report,
						      "invalid --snapshot-days '%s' (days, 0 to 36500)",
						      optarg);
			break;
		case 'f':
			if (strcmp(optarg, "md") == 0)
				format = F_MD;
			else if (strcmp(optarg, "html") == 0)
				format = F_HTML;
			else if (strcmp(optarg, "json") == 0)
				format = F_JSON;
			else if (strcmp(optarg, "email") == 0)
				format = F_EMAIL;
			else
				return kh_usage_error(&kh_cmd_report,
						      "unknown format '%s' (md, html, json, email)",
						      optarg);
			break;
		default: return kh_bad_option(&kh_cmd_report, c, argv);
		}
	}
	if (optind < argc)
		return kh_usage_error(&kh_cmd_report, "unexpected argument '%s'", argv[optind]);
	if (format != F_EMAIL && (mail_to || mail_from || subject))
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
	if (format == F_EMAIL && mail_to == NULL)
		return kh_usage_error(&kh_cmd_report,
				      "--format email needs --mail-to ADDR (or mail_to in the config)");

	/* Default period: the 7 days up to the latest snapshot. */
	if (until) {
		if (kh_store_bound(ctx->store, until, host, 1, now, &to, &err))
			return kh_fail("%s", err.msg);
	} else {
		if (kh_store_bound(ctx->store, "latest", host, 1, now, &latest, &err))
			return kh_fail("%s", err.msg);
		to = latest;
	}
	if (since) {
		if (kh_store_bound(ctx->store, since, host, 0, now, &from, &err))
			return kh_fail("%s", err.msg);
	} else {
		from = to - 7 * 86400;
	}
	if (from > to)
		return kh_fail("the period starts (--since) after it ends (--until)");
	if (kh_store_uris(ctx->store, host, from, to, &uris, &n, &err))
		return kh_fail("%s", err.msg);
	if (n == 0) {
		char a[KH_TIME_LEN], b[KH_TIME_LEN];

		kh_time_format(from, a);
		kh_time_format(to, b);
		rc = kh_fail("no snapshots%s%s%s taken between %s and %s", host ? " of '" : "",
			     host ? host : "", host ? "'" : "", a, b);
		goto out;
	}
	r = kh_report_new(from, to);
	kh_report_set_warn_days(r, (int)warn_days);
	kh_report_set_snapshot_days(r, (int)snapshot_days);
	if (feed(ctx, r, uris, n, from, to, &err)) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	switch (format) {
	case F_JSON: out = kh_report_json(r); break;
	case F_HTML:
		if (kh_report_html(r, kh_templates_dir(ctx, templates), &out, &err)) {
			rc = kh_fail("%s", err.msg);
			goto out;
		}
		break;
	case F_EMAIL:
		if (mail_from == NULL)
			mail_from = default_sender(sender, sizeof sender);
		if (kh_report_email(r, kh_templates_dir(ctx, templates), mail_to, mail_from,
				    subject, &out, &err)) {
			rc = kh_fail("%s", err.msg);
			goto out;
		}
		break;
	case F_MD:
	default: out = kh_report_markdown(r); break;
	}
	rc = kh_write_output(ctx, output, out);
out:
	free(out);
	kh_report_free(r);
	for (size_t i = 0; i < n; i++)
		free(uris[i]);
	free(uris);
	return rc;
}

const struct kh_cmd kh_cmd_report = {
	.name = "report",
	.summary = "report disk growth toward capacity and config drift over a period",
	.usage = "[--since SPEC] [--until SPEC] [--host H] [--format md|html|json|email]\n"
		 "       [-o FILE] [--templates DIR] [--warn-days N] [--snapshot-days N]\n"
		 "       [--mail-to ADDR [--mail-from ADDR] [--subject TEXT]]",
	.options = "  --since SPEC     start of the period (default: 7 days before --until)\n"
		   "  --until SPEC     end of the period (default: the latest snapshot)\n"
		   "  --host H         only this host (a hostname or a URI)\n"
		   "  --format F       md (default), html, json, or email: a complete message\n"
		   "                   (text/plain Markdown + text/html) for `| sendmail -t`\n"
		   "  -o, --output F   write to F instead of stdout (a file is replaced\n"
		   "                   atomically, a device or FIFO written through, a\n"
		   "                   database refused)\n"
		   "  --templates DIR  report templates (default: the installed ones)\n"
		   "  --warn-days N    list volumes and pools forecast to fill within N days\n"
		   "                   (default: the config's warn_days, else 30)\n"
		   "  --snapshot-days N list domain snapshots older than N days as forgotten\n"
		   "                   (default: the config's snapshot_days, else 14)\n"
		   "  --mail-to ADDR   e-mail recipients (with --format email; default: the\n"
		   "                   config's mail_to)\n"
		   "  --mail-from ADDR e-mail sender (default: the config's mail_from, else\n"
		   "                   kvmhist@HOSTNAME)\n"
		   "  --subject TEXT   e-mail subject (default: the hosts and what fills first)\n\n"
		   "SPEC: as SNAP, but a time or age is itself a bound of the period, an id or\n"
		   "latest~N stands for its snapshot's time, and a date as --until means the end\n"
		   "of that day.\n",
	.flags = KH_NEED_DB,
	.exec = exec_report,
};
