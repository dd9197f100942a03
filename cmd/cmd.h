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
};

enum {
	KH_NEED_DB = 1 << 0, /* open the existing database before exec */
	KH_HIDDEN = 1 << 1,    /* left out of --help: an internal helper */
	KH_WRITES_DB = 1 << 2, /* with KH_NEED_DB: it must be writable and undamaged */
};

struct kh_ctx {
	const char *db_path;
	struct kh_store *store; /* opened by main for KH_NEED_DB commands */
	int quiet, verbose;
	const char *argv0_dir;  /* directory of the running binary, for templates */
	/* The config file (unset keys NULL or -1); the command line and the environment
	 * come first, so a command consults it only for what neither gave. */
	const struct kh_config *config;
};

struct kh_cmd {
	const char *name;
	const char *summary;
	const char *usage;      /* after "kvmhist NAME " */
	const char *options;    /* option lines for --help */
	int flags;
	int (*exec)(struct kh_ctx *ctx, int argc, char **argv);
};

extern const struct kh_cmd kh_cmd_collect, kh_cmd_snapshots, kh_cmd_show, kh_cmd_diff,
	kh_cmd_report, kh_cmd_log, kh_cmd_domains, kh_cmd_complete, kh_cmd_prune, kh_cmd_vacuum,
	kh_cmd_check, kh_cmd_forget;

/* "kvmhist: msg" on stderr; returns KH_EXIT_ERROR. */
int kh_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "kvmhist CMD: usage ..." on stderr; returns KH_EXIT_ERROR. */
int kh_usage_error(const struct kh_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For getopt's '?' or ':' (optstring starts with ':'): a usage error naming the option. */
int kh_bad_option(const struct kh_cmd *cmd, int c, char **argv);
/* True when argv holds --help or -h before any "--"; prints the command's help. */
int kh_cmd_help_requested(const struct kh_cmd *cmd, int argc, char **argv);
/* Whether to colour stdout: a terminal, and NO_COLOR unset or empty (no-color.org). */
int kh_stdout_color(void);
/* The options of a listing that takes --host H and --json only, and no argument; the host
 * is checked as kh_check_host does. KH_EXIT_OK, or the exit status to return. */
int kh_host_json_options(struct kh_ctx *ctx, const struct kh_cmd *cmd, int argc, char **argv,
			 const char **host, int *json);
/* KH_EXIT_OK when `host` is NULL or names a host with snapshots; otherwise says why on
 * stderr and returns KH_EXIT_ERROR. */
int kh_check_host(struct kh_ctx *ctx, const char *host);
/* Writes s to -o FILE as kh_output_write does (never over the database), or to stdout
 * when path is NULL or "-". */
int kh_write_output(const struct kh_ctx *ctx, const char *path, const char *s);
/* Streams snapshots v (oldest first): fn(prev, snap, last) for each, prev being the snapshot
 * before it of the same URI, loaded even when it lies outside v (NULL for a host's first).
 * The two hold only what differs between them (kh_store_load_changes), except when `last`
 * says snap is its host's last in v: then both come whole. Stops at the first fn that
 * fails. */
typedef int kh_pair_fn(const struct kh_snapshot *prev, const struct kh_snapshot *snap, int last,
		       void *arg, struct kh_err *err);
int kh_feed_pairs(struct kh_ctx *ctx, const struct kh_snapshot_info *v, size_t n,
		  kh_pair_fn *fn, void *arg, struct kh_err *err);
/* Frees each of v[0..n) and v. */
void kh_strings_free(char **v, size_t n);
/* "kvmhist: WHAT DONE/TOTAL" redrawn on stderr, only when stderr is a terminal and not -q;
 * DONE == TOTAL erases it. */
void kh_progress(const struct kh_ctx *ctx, const char *what, size_t done, size_t total);
/* The templates directory: `given`, else the config's `templates`, else templates/ beside
 * the binary, else the installed one. */
const char *kh_templates_dir(const struct kh_ctx *ctx, const char *given);

#endif
