/* kvmhist: remembers what libvirt hosts looked like. Global options, then a command. */
#include "cmd/cmd.h"
#include "virt/collector.h"
#include "util/mem.h"
#include "util/units.h"

#include <cmark.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <libxml/xmlversion.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef KH_VERSION
#define KH_VERSION "0.1.0"
#endif
#ifndef KH_SYSCONFDIR
#define KH_SYSCONFDIR "/etc"
#endif

static void usage(FILE *f)
{
	fputs("usage: kvmhist [--db PATH] [--config FILE] [-q] [-v] COMMAND [OPTIONS]\n"
	      "       kvmhist --help | --version | COMMAND --help\n\n"
	      "Remembers what your libvirt hosts looked like: nightly snapshots in SQLite,\n"
	      "semantic diffs of configs and sizes, growth and drift reports.\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < kh_n_commands; i++)
		if (!(kh_commands[i]->flags & KH_HIDDEN))
			fprintf(f, "  %-10s %s\n", kh_commands[i]->name, kh_commands[i]->summary);
	fputs("\nGlobal options:\n", f);
	kh_opts_help(f, kh_global_opts, kh_n_global_opts, 16);
	fputs("\nSNAP: an id, latest, latest~N, a date (2026-11-20), a time (2026-11-20T03:00:00Z,\n"
	      "UTC unless an offset is given) or an age (36h, 7d, 2w): the newest snapshot taken at\n"
	      "or before it.\n\n"
	      "Exit status: 0 success; 1 collect: a URI failed (the others were stored), diff\n"
	      "--exit-code: there are changes; 2 usage, bad input or database error, check:\n"
	      "problems found; monitor: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n", f);
}

static void version(void)
{
	long long lv = kh_collector_libvirt_version();
	char v[KH_VERSION_LEN];

	printf("kvmhist %s\n", KH_VERSION);
	if (lv >= 0) {
		kh_version_format(lv, v);
		printf("libvirt %s\n", v);
	} else
		printf("libvirt unknown\n");
	printf("sqlite %s\n", sqlite3_libversion());
	printf("libxml2 %s\n", LIBXML_DOTTED_VERSION);
	printf("cmark %s\n", cmark_version_string());
	printf("jansson %s\n", jansson_version_str());
}

/* $KVMHIST_DB, else the config's, else the system path for root, else the XDG data
 * directory. */
static char *default_db_path(const struct kh_config *cfg)
{
	const char *env = getenv("KVMHIST_DB"), *xdg, *home;

	if (env && *env)
		return kh_strdup(env);
	if (cfg->database)
		return kh_strdup(cfg->database);
	if (geteuid() == 0)
		return kh_strdup("/var/lib/kvmhist/kvmhist.db");
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return kh_asprintf("%s/kvmhist/kvmhist.db", xdg);
	home = getenv("HOME");
	return kh_asprintf("%s/.local/share/kvmhist/kvmhist.db", home && *home ? home : ".");
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

/* --config, else $KVMHIST_CONFIG, else the system one, which alone may be missing. */
static int load_config(const struct kh_cmd *cmd, const char *given, struct kh_config *cfg)
{
	const char *env = getenv("KVMHIST_CONFIG");
	struct kh_err err;

	if (given == NULL && env && *env)
		given = env;
	if (kh_config_load(given ? given : KH_SYSCONFDIR "/kvmhist.conf", given != NULL, cfg,
			   &err) != 0)
		return kh_cmd_fail(cmd, err.msg);
	return KH_EXIT_OK;
}

/* The history names every guest and path of the estate: it is not for everyone's eyes. */
static void warn_if_world_readable(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & S_IROTH))
		fprintf(stderr, "kvmhist: warning: database '%s' is readable by everyone (mode %04o); "
			"chmod 600 it\n", path, (unsigned)(sb.st_mode & 07777));
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
	struct kh_ctx ctx = { 0 };
	struct kh_global_opts g = { 0 };
	struct kh_opt_error e;
	const struct kh_cmd *cmd = NULL;
	struct kh_config cfg;
	char *db_path = NULL, *bindir;
	struct kh_err err;
	void *opts;
	int first, rc;

	first = kh_opts_parse(kh_global_opts, kh_n_global_opts, 1, argc, argv, &g, &e);
	if (first >= 0 && ((g.db && *g.db == '\0') || (g.config && *g.config == '\0'))) {
		e.kind = KH_OPT_NEEDS_VALUE;
		e.word = g.db && *g.db == '\0' ? "--db" : "--config";
		first = -1;
	}
	if (first < 0) {
		if (e.kind == KH_OPT_NEEDS_VALUE)
			kh_fail("option '%s' needs a value", e.word);
		else if (e.letter)
			kh_fail("unknown option '-%c'", e.letter);
		else
			kh_fail("unknown or incomplete option '%s'", e.word);
		usage(stderr);
		return KH_EXIT_ERROR;
	}
	if (g.help) {
		usage(stdout);
		return finish_stdout(KH_EXIT_OK);
	}
	if (g.version) {
		version();
		return finish_stdout(KH_EXIT_OK);
	}
	ctx.quiet = g.quiet;
	ctx.verbose = g.verbose;
	if (first >= argc) {
		usage(stderr);
		return KH_EXIT_ERROR;
	}
	if ((cmd = kh_cmd_find(argv[first])) == NULL) {
		kh_fail("unknown command '%s' (see 'kvmhist --help')", argv[first]);
		return KH_EXIT_ERROR;
	}
	argc -= first;
	argv += first;
	if (kh_cmd_help_requested(cmd, argc, argv))
		return finish_stdout(KH_EXIT_OK);

	/* After --help, so a broken config never hides the help that explains it. */
	kh_config_init(&cfg);
	if ((rc = load_config(cmd, g.config, &cfg)) != KH_EXIT_OK)
		return finish_stdout(rc);
	db_path = g.db ? kh_strdup(g.db) : default_db_path(&cfg);
	bindir = binary_dir();
	ctx.db_path = db_path;
	ctx.argv0_dir = bindir;
	ctx.config = &cfg;
	rc = KH_EXIT_OK;
	warn_if_world_readable(db_path);
	if (!(cmd->flags & KH_OWN_DB)) {
		if (kh_store_open(db_path, cmd->flags & KH_WRITES_DB ? KH_OPEN_WRITE : KH_OPEN_EXISTING,
				  &ctx.store, &err) != 0)
			rc = kh_cmd_fail(cmd, err.msg);
	}
	/* the options after the database, as each command always parsed them */
	opts = kh_calloc(1, cmd->opts_size ? cmd->opts_size : 1);
	if (rc == KH_EXIT_OK && (rc = kh_cmd_parse(cmd, argc, argv, opts, &first)) == KH_EXIT_OK) {
		ctx.args = argv + first;
		ctx.n_args = argc - first;
		rc = cmd->exec(&ctx, opts);
	}
	kh_opts_clear(cmd->opts, cmd->n_opts, opts);
	free(opts);
	kh_store_close(ctx.store);
	kh_config_clear(&cfg);
	free(db_path);
	free(bindir);
	return finish_stdout(rc);
}
