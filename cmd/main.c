/* kvmhist: remembers what libvirt hosts looked like. Global options, then a command. */
#include "cmd/cmd.h"
#include "virt/collector.h"
#include "util/mem.h"

#include <cmark.h>
#include <errno.h>
#include <getopt.h>
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

static const struct kh_cmd *const commands[] = {
	&kh_cmd_collect, &kh_cmd_snapshots, &kh_cmd_show, &kh_cmd_diff, &kh_cmd_report,
	&kh_cmd_log, &kh_cmd_domains, &kh_cmd_prune, &kh_cmd_forget, &kh_cmd_vacuum, &kh_cmd_check,
	&kh_cmd_complete,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fputs("usage: kvmhist [--db PATH] [--config FILE] [-q] [-v] COMMAND [OPTIONS]\n"
	      "       kvmhist --help | --version | COMMAND --help\n\n"
	      "Remembers what your libvirt hosts looked like: nightly snapshots in SQLite,\n"
	      "semantic diffs of configs and sizes, growth and drift reports.\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!(commands[i]->flags & KH_HIDDEN))
			fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nGlobal options:\n"
	      "  --db PATH     the database (default: $KVMHIST_DB, else /var/lib/kvmhist/kvmhist.db\n"
	      "                for root, else ${XDG_DATA_HOME:-~/.local/share}/kvmhist/kvmhist.db)\n"
	      "  --config FILE the config file (default: $KVMHIST_CONFIG, else " KH_SYSCONFDIR
	      "/kvmhist.conf\n"
	      "                if it exists)\n"
	      "  -q, --quiet   print nothing on success\n"
	      "  -v, --verbose say more on stderr\n"
	      "  -h, --help    this help\n"
	      "  -V, --version versions of kvmhist and the libraries in use\n\n"
	      "SNAP: an id, latest, latest~N, a date (2026-11-20), a time (2026-11-20T03:00:00Z,\n"
	      "UTC unless an offset is given) or an age (36h, 7d, 2w): the newest snapshot taken at\n"
	      "or before it.\n\n"
	      "Exit status: 0 success; 1 collect: a URI failed (the others were stored), diff\n"
	      "--exit-code: there are changes; 2 usage, bad input or database error, check:\n"
	      "problems found.\n", f);
}

static void version(void)
{
	long long lv = kh_collector_libvirt_version();

	printf("kvmhist %s\n", KH_VERSION);
	if (lv >= 0)
		printf("libvirt %lld.%lld.%lld\n", lv / 1000000, lv / 1000 % 1000, lv % 1000);
	else
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
static int load_config(const char *given, struct kh_config *cfg)
{
	const char *env = getenv("KVMHIST_CONFIG");
	struct kh_err err;

	if (given == NULL && env && *env)
		given = env;
	if (kh_config_load(given ? given : KH_SYSCONFDIR "/kvmhist.conf", given != NULL, cfg,
			   &err) != 0)
		return kh_fail("%s", err.msg);
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
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kh_ctx ctx = { 0 };
	const struct kh_cmd *cmd = NULL;
	struct kh_config cfg;
	const char *config_path = NULL;
	char *db_path = NULL, *bindir;
	struct kh_err err;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:qvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'C':
			if (*optarg == '\0') {
				free(db_path);
				kh_fail("option '%s' needs a value", c == 'd' ? "--db" : "--config");
				usage(stderr);
				return KH_EXIT_ERROR;
			}
			if (c == 'C') {
				config_path = optarg;
				break;
			}
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
		case ':':
			free(db_path);
			kh_fail("option '%s' needs a value", argv[optind - 1]);
			usage(stderr);
			return KH_EXIT_ERROR;
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

	/* After --help, so a broken config never hides the help that explains it. */
	kh_config_init(&cfg);
	if (load_config(config_path, &cfg) != KH_EXIT_OK) {
		free(db_path);
		return KH_EXIT_ERROR;
	}
	if (db_path == NULL)
		db_path = default_db_path(&cfg);
	bindir = binary_dir();
	ctx.db_path = db_path;
	ctx.argv0_dir = bindir;
	ctx.config = &cfg;
	rc = KH_EXIT_OK;
	warn_if_world_readable(db_path);
	if (cmd->flags & KH_NEED_DB) {
		if (kh_store_open(db_path, cmd->flags & KH_WRITES_DB ? KH_OPEN_WRITE : KH_OPEN_EXISTING,
				  &ctx.store, &err) != 0)
			rc = kh_fail("%s", err.msg);
	}
	if (rc == KH_EXIT_OK) {
		optind = 0; /* GNU getopt: start afresh for the command's options */
		rc = cmd->exec(&ctx, argc, argv);
	}
	kh_store_close(ctx.store);
	kh_config_clear(&cfg);
	free(db_path);
	free(bindir);
	return finish_stdout(rc);
}
