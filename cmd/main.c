/* kvmhist: remembers what libvirt hosts looked like. Global options, then a command. */
#include "cmd/cmd.h"
#include "cmd/collector.h"
#include "util/mem.h"

#include <cmark.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <libxml/xmlversion.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KH_VERSION
#define KH_VERSION "0.1.0"
#endif
#ifndef KH_TEMPLATEDIR
#define KH_TEMPLATEDIR "/usr/local/share/kvmhist/templates"
#endif

static const struct kh_cmd *const commands[] = {
	&kh_cmd_collect, &kh_cmd_snapshots, &kh_cmd_show, &kh_cmd_diff, &kh_cmd_report,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

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

int kh_bad_option(const struct kh_cmd *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return kh_usage_error(cmd, "option '%s' needs a value", opt);
	if (optopt && strncmp(opt, "--", 2) != 0)
		return kh_usage_error(cmd, "unknown option '-%c'", optopt);
	return kh_usage_error(cmd, "unknown option '%s'", opt);
}

static void cmd_help(const struct kh_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: kvmhist [--db PATH] %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->options && *cmd->options)
		fprintf(f, "\n%s", cmd->options);
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

static void usage(FILE *f)
{
	fputs("usage: kvmhist [--db PATH] [-q] [-v] COMMAND [OPTIONS]\n"
	      "       kvmhist --help | --version | COMMAND --help\n\n"
	      "Remembers what your libvirt hosts looked like: nightly snapshots in SQLite,\n"
	      "semantic diffs of configs and sizes, growth and drift reports.\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nGlobal options:\n"
	      "  --db PATH     the database (default: $KVMHIST_DB, else /var/lib/kvmhist/kvmhist.db\n"
	      "                for root, else ${XDG_DATA_HOME:-~/.local/share}/kvmhist/kvmhist.db)\n"
	      "  -q, --quiet   print nothing on success\n"
	      "  -v, --verbose say more on stderr\n"
	      "  -h, --help    this help\n"
	      "  -V, --version versions of kvmhist and the libraries in use\n\n"
	      "SNAP: an id, latest, latest~N, a date (2026-11-20), a time (2026-11-20T03:00:00Z,\n"
	      "UTC unless an offset is given) or an age (36h, 7d, 2w): the newest snapshot taken at\n"
	      "or before it.\n\n"
	      "Exit status: 0 success; 1 collect: a URI failed (the others were stored), diff\n"
	      "--exit-code: there are changes; 2 usage, bad input or database error.\n", f);
}

static void version(void)
{
	long long lv = kh_collector_libvirt_version();

	printf("kvmhist %s\n", KH_VERSION);
	printf("libvirt %lld.%lld.%lld\n", lv / 1000000, lv / 1000 % 1000, lv % 1000);
	printf("sqlite %s\n", sqlite3_libversion());
	printf("libxml2 %s\n", LIBXML_DOTTED_VERSION);
	printf("cmark %s\n", cmark_version_string());
	printf("jansson %s\n", jansson_version_str());
}

/* $KVMHIST_DB, else the system path for root, else the XDG data directory. */
static char *default_db_path(void)
{
	const char *env = getenv("KVMHIST_DB"), *xdg, *home;

	if (env && *env)
		return kh_strdup(env);
	if (geteuid() == 0)
		return kh_strdup("/var/lib/kvmhist/kvmhist.db");
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return kh_asprintf("%s/kvmhist/kvmhist.db", xdg);
	home = getenv("HOME");
	return kh_asprintf("%s/.local/share/kvmhist/kvmhist.db", home && *home ? home : ".");
}

int kh_write_output(const char *path, const char *s)
{
	char *tmp;
	FILE *f;
	int rc = 0;

	if (path == NULL || strcmp(path, "-") == 0) {
		fputs(s, stdout);
		return 0;
	}
	/* A report is replaced whole or not at all: a reader never sees half of one. */
	tmp = kh_asprintf("%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (f == NULL) {
		rc = kh_fail("cannot write '%s': %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	fputs(s, f);
	if (ferror(f) | fclose(f)) {
		rc = kh_fail("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		rc = kh_fail("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
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
	if (ctx->argv0_dir &&
	    snprintf(beside, sizeof beside, "%s/templates", ctx->argv0_dir) < (int)sizeof beside &&
	    is_dir(beside))
		return beside;
	return KH_TEMPLATEDIR;
}

static char *binary_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return kh_strdup(dirname(buf));
}

/* git's rule: a command that could not write its output has failed. */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		kh_fail("cannot write output: %s", strerror(errno));
		return KH_EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kh_ctx ctx = { 0 };
	const struct kh_cmd *cmd = NULL;
	char *db_path = NULL, *bindir;
	struct kh_err err;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(db_path);
			db_path = kh_strdup(optarg);
			break;
		case 'q': ctx.quiet = 1; break;
		case 'v': ctx.verbose = 1; break;
		case 'h':
			usage(stdout);
			return finish_stdout(KH_EXIT_OK);
		case 'V':
			version();
			return finish_stdout(KH_EXIT_OK);
		default:
			free(db_path);
			if (optopt)
				kh_fail("unknown option '-%c'", optopt);
			else
				kh_fail("unknown or incomplete option '%s'", argv[optind - 1]);
			usage(stderr);
			return KH_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		free(db_path);
		usage(stderr);
		return KH_EXIT_ERROR;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[optind], commands[i]->name) == 0)
			cmd = commands[i];
	if (cmd == NULL) {
		free(db_path);
		kh_fail("unknown command '%s' (see 'kvmhist --help')", argv[optind]);
		return KH_EXIT_ERROR;
	}
	argc -= optind;
	argv += optind;
	if (kh_cmd_help_requested(cmd, argc, argv)) {
		free(db_path);
		return finish_stdout(KH_EXIT_OK);
	}

	if (db_path == NULL)
		db_path = default_db_path();
	bindir = binary_dir();
	ctx.db_path = db_path;
	ctx.argv0_dir = bindir;
	rc = KH_EXIT_OK;
	if (cmd->flags & KH_NEED_DB) {
		if (kh_store_open(db_path, KH_OPEN_EXISTING, &ctx.store, &err) != 0)
			rc = kh_fail("%s", err.msg);
	}
	if (rc == KH_EXIT_OK) {
		optind = 0; /* GNU getopt: start afresh for the command's options */
		rc = cmd->exec(&ctx, argc, argv);
	}
	kh_store_close(ctx.store);
	free(db_path);
	free(bindir);
	return finish_stdout(rc);
}
