/* What every command shares: error lines, usage errors, --help, output files, templates. */
#include "cmd/cmd.h"
#include "report/escape.h"
#include "util/mem.h"
#include "util/outfile.h"

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
	&kh_cmd_log, &kh_cmd_domains, &kh_cmd_prune, &kh_cmd_forget, &kh_cmd_vacuum,
	&kh_cmd_check, &kh_cmd_complete,
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

int kh_usage_error(const struct kh_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kvmhist %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: kvmhist %s %s\n", cmd->name, cmd->usage);
	return KH_EXIT_ERROR;
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

