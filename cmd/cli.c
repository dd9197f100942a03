/* What every command shares: error lines, usage errors, --help, output files, templates. */
#include "cmd/cmd.h"
#include "report/escape.h"
#include "report/report.h"
#include "util/mem.h"
#include "util/outfile.h"
#include "util/timefmt.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KH_TEMPLATEDIR
#define KH_TEMPLATEDIR "/usr/local/share/kvmhist/templates"
#endif
#ifndef KH_SYSCONFDIR
#define KH_SYSCONFDIR "/etc"
#endif

const struct kh_cmd *const kh_commands[] = {
	&kh_cmd_collect, &kh_cmd_snapshots, &kh_cmd_show, &kh_cmd_diff, &kh_cmd_report,
	&kh_cmd_log, &kh_cmd_domains, &kh_cmd_monitor, &kh_cmd_metrics, &kh_cmd_prune,
	&kh_cmd_forget, &kh_cmd_vacuum, &kh_cmd_check, &kh_cmd_complete,
};
const size_t kh_n_commands = sizeof kh_commands / sizeof kh_commands[0];

const struct kh_cmd *kh_cmd_find(const char *name)
{
	for (size_t i = 0; i < kh_n_commands; i++)
		if (strcmp(name, kh_commands[i]->name) == 0)
			return kh_commands[i];
	return NULL;
}

#define G(field) offsetof(struct kh_global_opts, field)
const struct kh_opt kh_global_opts[] = {
	{ .name = "db", .type = KH_OPT_STRING, .arg = "PATH", .off = G(db),
	  .complete = KH_COMP_FILE,
	  .help = "the database (default: $KVMHIST_DB, else /var/lib/kvmhist/kvmhist.db\n"
		  "for root, else ${XDG_DATA_HOME:-~/.local/share}/kvmhist/kvmhist.db)" },
	{ .name = "config", .type = KH_OPT_STRING, .arg = "FILE", .off = G(config),
	  .complete = KH_COMP_FILE,
	  .help = "the config file (default: $KVMHIST_CONFIG, else " KH_SYSCONFDIR
		  "/kvmhist.conf\nif it exists)" },
	{ .name = "quiet", .letter = 'q', .type = KH_OPT_FLAG, .off = G(quiet),
	  .help = "print nothing on success" },
	{ .name = "verbose", .letter = 'v', .type = KH_OPT_FLAG, .off = G(verbose),
	  .help = "say more on stderr" },
	{ .name = "help", .letter = 'h', .type = KH_OPT_STOP, .off = G(help),
	  .help = "this help" },
	{ .name = "version", .letter = 'V', .type = KH_OPT_STOP, .off = G(version),
	  .help = "versions of kvmhist and the libraries in use" },
};
const size_t kh_n_global_opts = sizeof kh_global_opts / sizeof kh_global_opts[0];

int kh_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmhist: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return KH_EXIT_ERROR;
}

int kh_cmd_fail(const struct kh_cmd *cmd, const char *msg)
{
	char *line;

	if (!(cmd->flags & KH_PLUGIN))
		return kh_fail("%s", msg);
	line = kh_monitor_unknown(msg);
	fputs(line, stdout);
	free(line);
	return KH_EXIT_UNKNOWN;
}

int kh_usage_error(const struct kh_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int len, rc = KH_EXIT_ERROR;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = kh_malloc(len > 0 ? (size_t)len + 1 : 1);
	*msg = '\0';
	va_start(ap, fmt);
	if (len > 0)
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
	va_end(ap);
	fprintf(stderr, "kvmhist %s: %s\nusage: kvmhist %s %s\n", cmd->name, msg, cmd->name,
		cmd->usage);
	/* a check's caller reads stdout and the exit status; 2 would be CRITICAL */
	if (cmd->flags & KH_PLUGIN)
		rc = kh_cmd_fail(cmd, msg);
	free(msg);
	return rc;
}

static void cmd_help(const struct kh_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: kvmhist [--db PATH] %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->n_opts || cmd->help)
		fputc('\n', f);
	kh_opts_help(f, cmd->opts, cmd->n_opts, cmd->help_col);
	if (cmd->n_opts && cmd->help)
		fputc('\n', f);
	if (cmd->help)
		fputs(cmd->help, f);
}

int kh_cmd_help_requested(const struct kh_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd_help(cmd, stdout);
			return 1;
		}
	}
	return 0;
}

int kh_stdout_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
}

int kh_check_host(struct kh_ctx *ctx, const char *host)
{
	struct kh_err err;
	int known;

	if (host == NULL)
		return KH_EXIT_OK;
	known = kh_store_host_known(ctx->store, host, &err);
	if (known < 0)
		return kh_fail("%s", err.msg);
	return known ? KH_EXIT_OK : kh_fail("no snapshots of host '%s'", host);
}

void kh_print(const struct kh_ctx *ctx, char *out)
{
	if (!ctx->quiet)
		fputs(out, stdout);
	free(out);
}

int kh_write_output(const struct kh_ctx *ctx, const char *path, const char *s)
{
	struct kh_err err;

	char *fixed = kh_utf8_fix(s); /* every output is UTF-8, a lost byte shown as U+FFFD */
	int rc = kh_output_write(path, ctx->db_path, fixed, &err) ? kh_fail("%s", err.msg) : 0;

	free(fixed);
	return rc;
}

int kh_write_output_stream(const struct kh_ctx *ctx, const char *path,
			   int (*put)(FILE *f, void *data), void *data)
{
	struct kh_err err;

	return kh_output_stream(path, ctx->db_path, put, data, &err) ? kh_fail("%s", err.msg) : 0;
}

void kh_progress(const struct kh_ctx *ctx, const char *what, size_t done, size_t total)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty || ctx->quiet)
		return;
	if (done >= total)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\rkvmhist: %s %zu/%zu", what, done + 1, total);
}

void kh_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *kh_templates_dir(const struct kh_ctx *ctx, const char *given)
{
	static char beside[PATH_MAX];

	if (given)
		return given;
	if (ctx->config && ctx->config->templates)
		return ctx->config->templates;
	if (ctx->argv0_dir &&
	    snprintf(beside, sizeof beside, "%s/templates", ctx->argv0_dir) < (int)sizeof beside &&
	    is_dir(beside))
		return beside;
	return KH_TEMPLATEDIR;
}


int kh_read_period(struct kh_ctx *ctx, const char *host, const char *since, const char *until,
		   int64_t *from, int64_t *to, struct kh_err *err)
{
	int64_t now = kh_now();

	if (kh_store_bound(ctx->store, until ? until : "latest", host, 1, now, to, err))
		return -1;
	if (since == NULL)
		*from = *to - 7 * 86400;
	else if (kh_store_bound(ctx->store, since, host, 0, now, from, err))
		return -1;
	if (*from > *to)
		return kh_err_set(err, "the period starts (--since) after it ends (--until)");
	return 0;
}

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
		kh_report_host_done(r, uris[i]); /* one host's series in memory at a time */
	}
	kh_progress(ctx, "reading host", n, n);
	kh_report_seal(r);
	return 0;
}

int kh_read_report(struct kh_ctx *ctx, struct kh_report *r, const char *host, int64_t from,
		   int64_t to, struct kh_err *err)
{
	char **uris = NULL;
	size_t n = 0;
	int rc = -1;

	if (kh_store_uris(ctx->store, host, from, to, &uris, &n, err))
		return -1;
	if (n == 0) {
		char a[KH_TIME_LEN], b[KH_TIME_LEN];

		kh_time_format(from, a);
		kh_time_format(to, b);
		kh_err_set(err, "no snapshots%s%s%s taken between %s and %s", host ? " of '" : "",
			   host ? host : "", host ? "'" : "", a, b);
		goto out;
	}
	for (size_t i = 0; i < ctx->config->n_hosts; i++)
		kh_report_set_label(r, ctx->config->hosts[i].uri, ctx->config->hosts[i].label);
	rc = feed(ctx, r, uris, n, from, to, err);
out:
	kh_strings_free(uris, n);
	return rc;
}
