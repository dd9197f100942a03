/* The command table: each cmd/NAME.c exports one struct kh_cmd; main dispatches. */
#ifndef KH_CMD_H
#define KH_CMD_H

#include <stdio.h>

#include "store/store.h"
#include "util/config.h"

/* Exit statuses, documented in README.md and `kvmhist --help`. */
enum {
	KH_EXIT_OK = 0,
	KH_EXIT_PARTIAL = 1, /* collect: some URI failed; diff --exit-code: there are changes */
	KH_EXIT_ERROR = 2,   /* usage, bad input, database errors */
	KH_EXIT_UNKNOWN = 3, /* monitor: the check could not look (Monitoring Plugins) */
};

enum {
	/* main opens no database: the command opens it itself, if at all (collect creates
	 * it, __complete needs it for names only); every other gets ctx->store */
	KH_OWN_DB = 1 << 0,
	KH_HIDDEN = 1 << 1,    /* left out of --help: an internal helper */
	KH_WRITES_DB = 1 << 2, /* the database must be writable and undamaged */
	KH_PLUGIN = 1 << 3,    /* a monitoring check: a failure before it runs (config,
				* database, usage) is one UNKNOWN line on stdout, exit 3 */
};

struct kh_ctx {
	const char *db_path;
	struct kh_store *store; /* opened by main unless KH_OWN_DB */
	int quiet, verbose;
	const char *argv0_dir;  /* directory of the running binary, for templates */
	/* The config file (unset keys NULL or -1); the command line and the environment
	 * come first, so a command consults it only for what neither gave. */
	const struct kh_config *config;
	/* The command's operands, after its options: at most its max_args (main refused more). */
	char **args;
	int n_args;
};

/* A command's options, declared once: parsing, --help, `kvmhist __complete options` (the
 * bash completion, the man page check) are all served from the table. */
enum kh_opt_type {
	KH_OPT_OPERAND, /* no option: an argument, listed in --help only (name: its label) */
	KH_OPT_FLAG,    /* no value: the int at `off` is set to 1 */
	KH_OPT_STOP,    /* a flag that ends the parse where it stands (--help, --version) */
	KH_OPT_STRING,  /* const char *: the value as given; the last one given wins */
	KH_OPT_INT,     /* int: a whole number within [min, max]; `def` when not given */
	KH_OPT_CHOICE,  /* int: the index of the value in `choices`; `def` when not given */
	KH_OPT_LIST,    /* struct kh_opt_list: every value, in order, with its option */
};

/* What the shell completes an option's value with. */
enum kh_complete { KH_COMP_NONE, KH_COMP_FILE, KH_COMP_DIR, KH_COMP_HOST, KH_COMP_URI };

struct kh_opt {
	const char *name;       /* the long option, without "--" */
	char letter;            /* its short form, 0 for none */
	enum kh_opt_type type;
	const char *arg;        /* the value's name in --help ("URI", "N"); NULL: no value */
	size_t off;             /* where the value goes: offsetof in the command's options */
	int min, max, def;      /* KH_OPT_INT: its range; KH_OPT_INT, KH_OPT_CHOICE: default */
	const char *unit;       /* KH_OPT_INT: what the range counts, in the error ("seconds") */
	const char *what;       /* KH_OPT_INT: "invalid WHAT 'V' for '--NAME'" rather than
	                         * "invalid --NAME 'V'" */
	const char *const *choices; /* KH_OPT_CHOICE: NULL-terminated */
	enum kh_complete complete;
	const char *help;       /* in --help; each '\n' goes on at the help column */
};

struct kh_opt_value {
	const struct kh_opt *opt;
	const char *value;
};

struct kh_opt_list {
	struct kh_opt_value *v;
	size_t n, cap;
};

/* Any number of operands (the command checks them itself). */
#define KH_ARGS_ANY (-1)

struct kh_cmd {
	const char *name;
	const char *summary;
	const char *usage;      /* after "kvmhist NAME " */
	const struct kh_opt *opts;
	size_t n_opts;
	size_t opts_size;       /* of the struct the options go into */
	int max_args;           /* operands allowed; more are a usage error; or KH_ARGS_ANY */
	int help_col;           /* where option help starts in --help (0: two past the longest) */
	const char *help;       /* --help's text after the options */
	int flags;
	/* opts: the parsed options (the operands are ctx->args). */
	int (*exec)(struct kh_ctx *ctx, const void *opts);
};

/* A command's option table and the struct its values go into. */
#define KH_OPTS(table, type) \
	.opts = (table), .n_opts = sizeof(table) / sizeof((table)[0]), .opts_size = sizeof(type)

/* Every command, in --help's order, the hidden ones last. */
extern const struct kh_cmd *const kh_commands[];
extern const size_t kh_n_commands;
const struct kh_cmd *kh_cmd_find(const char *name);

/* The options before the command. */
struct kh_global_opts {
	const char *db, *config;
	int quiet, verbose, help, version;
};
extern const struct kh_opt kh_global_opts[];
extern const size_t kh_n_global_opts;

/* What went wrong in a parse. */
struct kh_opt_error {
	enum { KH_OPT_UNKNOWN, KH_OPT_NEEDS_VALUE, KH_OPT_BAD_VALUE } kind;
	int letter;             /* KH_OPT_UNKNOWN: the unknown short option, 0 for a long one */
	const char *word;       /* the word of argv that held it */
	const struct kh_opt *opt; /* KH_OPT_BAD_VALUE: the option and its value */
	const char *value;
};

/* Parses the options of argv[1..argc) by the table into dest (defaults first), GNU style:
 * options and operands in any order, "--" ends the options; with `in_order` the first
 * operand ends them (the global options before a command). Returns the index of the first
 * operand (argv is permuted so that they come last), or -1 with *e. KH_OPT_STOP: returns
 * at once, the flag set. */
int kh_opts_parse(const struct kh_opt *t, size_t n, int in_order, int argc, char **argv,
		  void *dest, struct kh_opt_error *e);
/* Frees what kh_opts_parse allocated in dest (the lists). */
void kh_opts_clear(const struct kh_opt *t, size_t n, void *dest);
/* Parses a command's options as exec takes them: a usage error is said on stderr (as
 * kh_usage_error) and returns KH_EXIT_ERROR. On KH_EXIT_OK, *first: the first operand. */
int kh_cmd_parse(const struct kh_cmd *cmd, int argc, char **argv, void *dest, int *first);
/* The option lines of --help, each "  LABEL  HELP", HELP at column `col` (0: two past the
 * longest label). */
void kh_opts_help(FILE *f, const struct kh_opt *t, size_t n, int col);
/* One line per option for the shell and the man page check: --NAME<TAB>-L<TAB>KIND<TAB>
 * CHOICES, "-" where there is none; KIND is flag, value, file, dir, host, uri or choice. */
void kh_opts_list(FILE *f, const struct kh_opt *t, size_t n);

extern const struct kh_cmd kh_cmd_collect, kh_cmd_snapshots, kh_cmd_show, kh_cmd_diff,
	kh_cmd_report, kh_cmd_log, kh_cmd_domains, kh_cmd_monitor, kh_cmd_metrics,
	kh_cmd_complete, kh_cmd_prune, kh_cmd_vacuum, kh_cmd_check, kh_cmd_forget;

/* "kvmhist: msg" on stderr; returns KH_EXIT_ERROR. */
int kh_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* kh_fail for cmd, but for a KH_PLUGIN command "KVMHIST UNKNOWN - msg" on stdout, returning
 * KH_EXIT_UNKNOWN: what main says when it cannot start a command. */
int kh_cmd_fail(const struct kh_cmd *cmd, const char *msg);
/* "kvmhist CMD: usage ..." on stderr; returns KH_EXIT_ERROR, or for a KH_PLUGIN command
 * also says "KVMHIST UNKNOWN - msg" on stdout and returns KH_EXIT_UNKNOWN. */
int kh_usage_error(const struct kh_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* True when argv holds --help or -h before any "--"; prints the command's help. */
int kh_cmd_help_requested(const struct kh_cmd *cmd, int argc, char **argv);
/* Whether to colour stdout: a terminal, and NO_COLOR unset or empty (no-color.org). */
int kh_stdout_color(void);
/* The --host H row every command that reads one host's snapshots has; help says for what. */
#define KH_OPT_HOST(offset, help_text) \
	{ .name = "host", .type = KH_OPT_STRING, .arg = "H", .off = (offset), \
	  .complete = KH_COMP_HOST, .help = (help_text) }
/* --since SPEC, --until SPEC: a period's ends, as snapshot specs (util/spec). */
#define KH_OPT_SPEC(opt_name, offset, help_text) \
	{ .name = (opt_name), .type = KH_OPT_STRING, .arg = "SPEC", .off = (offset), \
	  .help = (help_text) }
/* The --since of the checks that fit forecasts as report does (monitor, metrics). */
#define KH_OPT_FIT_SINCE(offset) \
	KH_OPT_SPEC("since", offset, "fit the forecasts from SPEC (default: 7 days before the\n" \
				     "latest snapshot, as report does)")

/* The options of a command that takes --host H and --json only (snapshots, domains,
 * show), and their two rows; the helps say for what. */
struct kh_host_json_opts {
	const char *host;
	int json;
};
#define KH_HOST_JSON_OPTS(host_help, json_help) \
	KH_OPT_HOST(offsetof(struct kh_host_json_opts, host), host_help), \
	{ .name = "json", .type = KH_OPT_FLAG, .off = offsetof(struct kh_host_json_opts, json), \
	  .help = (json_help) }
/* KH_EXIT_OK when `host` is NULL or names a host with snapshots; otherwise says why on
 * stderr and returns KH_EXIT_ERROR. */
int kh_check_host(struct kh_ctx *ctx, const char *host);
/* Prints out on stdout unless -q, and frees it (main checks stdout's errors at exit). */
void kh_print(const struct kh_ctx *ctx, char *out);
/* Writes s to -o FILE as kh_output_write does (never over the database), or to stdout
 * when path is NULL or "-". */
int kh_write_output(const struct kh_ctx *ctx, const char *path, const char *s);
/* The same for output written as it is made: put(f, data) writes it (kh_output_stream). */
int kh_write_output_stream(const struct kh_ctx *ctx, const char *path,
			   int (*put)(FILE *f, void *data), void *data);
/* The period of a report: --since and --until (SPECs; NULL: the 7 days up to the latest
 * snapshot, of `host` when given). 0, or -1 with err. */
int kh_read_period(struct kh_ctx *ctx, const char *host, const char *since, const char *until,
		   int64_t *from, int64_t *to, struct kh_err *err);
/* Feeds r (kh_report_new(from, to), set up) every host's snapshots of [from, to], `host`
 * only when given, with the config's labels, and seals it. 0, or -1 with err (no snapshots
 * in the period included). */
struct kh_report;
int kh_read_report(struct kh_ctx *ctx, struct kh_report *r, const char *host, int64_t from,
		   int64_t to, struct kh_err *err);
/* Frees each of v[0..n) and v. */
void kh_strings_free(char **v, size_t n);
/* "kvmhist: WHAT DONE/TOTAL" redrawn on stderr, only when stderr is a terminal and not -q;
 * DONE == TOTAL erases it. */
void kh_progress(const struct kh_ctx *ctx, const char *what, size_t done, size_t total);
/* The templates directory: `given`, else the config's `templates`, else templates/ beside
 * the binary, else the installed one. */
const char *kh_templates_dir(const struct kh_ctx *ctx, const char *given);

#endif
