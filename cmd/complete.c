/* kvmhist __complete WHAT: names from the database for shell completion, one per line, or
 * a command's options. Hidden from --help; the bash completion calls it with stderr thrown
 * away. */
#include "cmd/cmd.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct names {
	const char **v;
	size_t n, cap;
};

/* A name with a control character would break the shell's line-by-line reading. */
static void add(struct names *s, const char *name)
{
	if (name == NULL || *name == '\0')
		return;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return;
	*KH_PUSH(s->v, s->n, s->cap) = name;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_sorted_unique(struct names *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, by_name);
	for (size_t i = 0; i < s->n; i++)
		if (i == 0 || strcmp(s->v[i], s->v[i - 1]) != 0)
			printf("%s\n", s->v[i]);
}

/* The domains of each host's latest snapshot: the ones an admin asks about. */
static int domains(struct kh_ctx *ctx, const struct kh_snapshot_info *v, size_t n,
		   struct kh_err *err)
{
	struct kh_snapshot **snaps = NULL;
	size_t n_snaps = 0, cap = 0;
	struct names s = { 0 };
	int rc = -1;

	/* v is oldest first: walking back, a URI's first snapshot met is its newest. */
	for (size_t i = n; i-- > 0;) {
		int seen = 0;

		for (size_t j = 0; j < n_snaps && !seen; j++)
			seen = strcmp(snaps[j]->host.uri, v[i].uri) == 0;
		if (seen)
			continue;
		*KH_PUSH(snaps, n_snaps, cap) = NULL;
		if (kh_store_load(ctx->store, v[i].id, &snaps[n_snaps - 1], err))
			goto out;
		for (size_t d = 0; d < snaps[n_snaps - 1]->n_domains; d++)
			add(&s, snaps[n_snaps - 1]->domains[d].name);
	}
	print_sorted_unique(&s);
	rc = 0;
out:
	for (size_t i = 0; i < n_snaps; i++)
		kh_snapshot_free(snaps[i]);
	free(snaps);
	free(s.v);
	return rc;
}

/* `options [CMD]`: what the shell completes after CMD (none: before any command), and what
 * the man page check reads, from the same tables as the parsing. */
static int options(const char *name)
{
	const struct kh_cmd *cmd = NULL;

	if (name && (cmd = kh_cmd_find(name)) == NULL)
		return kh_usage_error(&kh_cmd_complete, "unknown command '%s'", name);
	if (cmd)
		kh_opts_list(stdout, cmd->opts, cmd->n_opts);
	else
		kh_opts_list(stdout, kh_global_opts, kh_n_global_opts);
	return KH_EXIT_OK;
}

static int exec_complete(struct kh_ctx *ctx, const void *opts)
{
	const char *what = ctx->n_args ? ctx->args[0] : "";
	struct kh_snapshot_info *v = NULL;
	struct names s = { 0 };
	struct kh_err err;
	size_t n = 0;
	int rc = KH_EXIT_OK;

	(void)opts;
	if (ctx->n_args <= 2 && strcmp(what, "options") == 0)
		return options(ctx->n_args == 2 ? ctx->args[1] : NULL);
	if (ctx->n_args != 1 || (strcmp(what, "hosts") && strcmp(what, "uris") &&
				 strcmp(what, "domains")))
		return kh_usage_error(&kh_cmd_complete,
				      "expected hosts, uris, domains or options [COMMAND]");
	/* the names need the database; the options do not */
	if (kh_store_open(ctx->db_path, KH_OPEN_EXISTING, &ctx->store, &err) != 0 ||
	    kh_store_list(ctx->store, NULL, INT64_MIN, INT64_MAX, &v, &n, &err))
		return kh_fail("%s", err.msg);
	if (strcmp(what, "domains") == 0) {
		if (domains(ctx, v, n, &err))
			rc = kh_fail("%s", err.msg);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(what, "hosts") == 0)
				add(&s, v[i].hostname);
			add(&s, v[i].uri);
		}
		print_sorted_unique(&s);
	}
	free(s.v);
	kh_snapshot_infos_free(v, n);
	return rc;
}

const struct kh_cmd kh_cmd_complete = {
	.name = "__complete",
	.summary = "names and options for shell completion",
	.usage = "hosts|uris|domains|options [COMMAND]",
	.max_args = KH_ARGS_ANY,
	.flags = KH_HIDDEN | KH_OWN_DB,
	.exec = exec_complete,
};
