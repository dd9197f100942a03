/* kvmhist diff: what changed between two snapshots, keyed and noise-free. */
#include "cmd/cmd.h"
#include "report/diff.h"
#include "report/diff_render.h"
#include "util/timefmt.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FROM and TO as ids: TO defaults to the latest (of --host, or of FROM's URI), FROM to the
 * snapshot before TO of the same URI. Where TO depends on FROM's URI, FROM is loaded here
 * into *loaded (for the caller to use); otherwise *loaded stays NULL. */
static int resolve_pair(struct kh_ctx *ctx, const char *from_spec, const char *to_spec,
			const char *host, int64_t *from, int64_t *to, struct kh_snapshot **loaded,
			struct kh_err *err)
{
	int64_t now = kh_now();

	*loaded = NULL;
	if (from_spec && kh_store_resolve(ctx->store, from_spec, host, now, from, err))
		return -1;
	if (to_spec == NULL && from_spec && host == NULL) {
		/* "diff yesterday" means this host since yesterday, not the newest host. */
		if (kh_store_load(ctx->store, *from, loaded, err))
			return -1;
		return kh_store_resolve(ctx->store, "latest", (*loaded)->host.uri, now, to, err);
	}
	if (kh_store_resolve(ctx->store, to_spec ? to_spec : "latest", host, now, to, err))
		return -1;
	if (from_spec)
		return 0;
	if (kh_store_previous(ctx->store, *to, from, err))
		return -1;
	if (*from == 0)
		return kh_err_set(err, "snapshot %lld is the first of its host: nothing to compare "
				       "it with", (long long)*to);
	return 0;
}

static int has_domain(const struct kh_snapshot *s, const char *name, char **uuids, size_t n)
{
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct kh_domain *d = &s->domains[i];

		if (d->name && strcmp(d->name, name) == 0)
			return 1;
		for (size_t k = 0; d->uuid && k < n; k++)
			if (strcmp(d->uuid, uuids[k]) == 0)
				return 1;
	}
	return 0;
}

static int has_pool(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_pools; i++)
		if (s->pools[i].name && strcmp(s->pools[i].name, name) == 0)
			return 1;
	return 0;
}

static int has_network(const struct kh_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_networks; i++)
		if (s->networks[i].name && strcmp(s->networks[i].name, name) == 0)
			return 1;
	return 0;
}

/* A filter that names nothing either snapshot holds is a typo, not "No changes.": a
 * monitoring script must hear of it, as of an unknown --host. */
static int check_names(const struct kh_snapshot *from, const struct kh_snapshot *to,
		       const char *domain, char **uuids, size_t n_uuids, const char *network,
		       const char *pool)
{
	const char *kind = NULL, *name = NULL;

	if (domain && !has_domain(from, domain, uuids, n_uuids) &&
	    !has_domain(to, domain, uuids, n_uuids))
		kind = "domain", name = domain;
	else if (pool && !has_pool(from, pool) && !has_pool(to, pool))
		kind = "pool", name = pool;
	else if (network && !has_network(from, network) && !has_network(to, network))
		kind = "network", name = network;
	if (kind == NULL)
		return KH_EXIT_OK;
	return kh_fail("no %s '%s' in snapshot %lld or %lld", kind, name, (long long)from->id,
		       (long long)to->id);
}

static const char *const formats[] = { "text", "md", "html", "json", NULL };
static const enum kh_format format_of[] = { KH_FORMAT_TEXT, KH_FORMAT_MD, KH_FORMAT_HTML,
					    KH_FORMAT_JSON };

struct diff_opts {
	const char *host, *since, *domain, *network, *pool;
	int format, exit_code;
};

#define O(field) offsetof(struct diff_opts, field)
static const struct kh_opt opts[] = {
	{ .name = "FROM, TO", .type = KH_OPT_OPERAND,
	  .help = "snapshots (SNAP); TO defaults to the latest (of --host, or of\n"
		  "FROM's host), FROM to the snapshot before TO of the same host" },
	{ .name = "since", .type = KH_OPT_STRING, .arg = "SNAP", .off = O(since),
	  .help = "the same as FROM: diff --since 2d, diff --since 2026-11-20" },
	KH_OPT_HOST(O(host), "a hostname or URI"),
	{ .name = "domain", .type = KH_OPT_STRING, .arg = "NAME", .off = O(domain),
	  .help = "only this domain, followed by UUID under any name it had" },
	{ .name = "network", .type = KH_OPT_STRING, .arg = "NAME", .off = O(network),
	  .help = "only this network" },
	{ .name = "pool", .type = KH_OPT_STRING, .arg = "NAME", .off = O(pool),
	  .help = "only this pool and its volumes\n"
		  "(filters add up: --domain a --pool p shows both)" },
	{ .name = "format", .type = KH_OPT_CHOICE, .arg = "F", .off = O(format),
	  .choices = formats, .help = "text (default), md, html or json" },
	{ .name = "exit-code", .type = KH_OPT_FLAG, .off = O(exit_code),
	  .help = "exit 1 when there are changes, 0 when there are none" },
};

static int exec_diff(struct kh_ctx *ctx, const void *opts_)
{
	const struct diff_opts *o = opts_;
	const char *from_spec = NULL, *to_spec = NULL;
	struct kh_snapshot *from = NULL, *to = NULL;
	struct kh_changes ch = { 0 }, pending = { 0 };
	char **uuids = NULL;
	size_t n_uuids = 0;
	int rc = KH_EXIT_ERROR, i = 0;
	int64_t from_id, to_id;
	struct kh_err err;

	/* --since SNAP is FROM by name: "diff --since 2d" reads as it says. */
	if (o->since)
		from_spec = o->since;
	else if (i < ctx->n_args)
		from_spec = ctx->args[i++];
	if (i < ctx->n_args)
		to_spec = ctx->args[i++];
	if (i < ctx->n_args)
		return kh_usage_error(&kh_cmd_diff, "unexpected argument '%s'%s", ctx->args[i],
				      o->since ? " (--since stands for FROM)" : "");

	if (resolve_pair(ctx, from_spec, to_spec, o->host, &from_id, &to_id, &from, &err) ||
	    (from == NULL && kh_store_load(ctx->store, from_id, &from, &err)) ||
	    kh_store_load(ctx->store, to_id, &to, &err) ||
	    kh_diff_snapshots(from, to, &ch, &err) || kh_diff_pending(to, &pending, &err) ||
	    (o->domain && kh_store_domain_uuids(ctx->store, o->domain, &uuids, &n_uuids, &err))) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	if ((rc = check_names(from, to, o->domain, uuids, n_uuids, o->network, o->pool)) !=
	    KH_EXIT_OK)
		goto out;
	/* A renamed domain is found by any of its names, whichever side of the rename. */
	kh_changes_filter_uuids(&ch, o->domain, o->network, o->pool, uuids, n_uuids);
	kh_changes_filter_uuids(&pending, o->domain, o->network, o->pool, uuids, n_uuids);
	kh_print(ctx, kh_diff_output(format_of[o->format], kh_stdout_color(), from, to, &ch,
				     &pending));
	rc = o->exit_code && ch.n ? KH_EXIT_PARTIAL : KH_EXIT_OK;
out:
	kh_strings_free(uuids, n_uuids);
	kh_changes_free(&ch);
	kh_changes_free(&pending);
	kh_snapshot_free(from);
	kh_snapshot_free(to);
	return rc;
}

const struct kh_cmd kh_cmd_diff = {
	.name = "diff",
	.summary = "show what changed between two snapshots",
	.usage = "[FROM [TO] | --since SNAP [TO]] [--host H] [--domain NAME] [--network NAME]\n"
		 "       [--pool NAME] [--format text|md|html|json] [--exit-code]",
	KH_OPTS(opts, struct diff_opts),
	.max_args = KH_ARGS_ANY,
	.help_col = 19,
	.help = "Running domains whose persistent config differs from what runs now are listed\n"
		"after the changes as pending at next boot (JSON: \"pending\", same shape as\n"
		"\"changes\"; old is the running value, new the persistent one). They are state,\n"
		"not change: --exit-code does not count them. Colour only on a terminal, and not\n"
		"when NO_COLOR is set.\n",
	.exec = exec_diff,
};
