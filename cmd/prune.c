/* kvmhist prune and vacuum: retention, and giving the space back. */
#include "cmd/cmd.h"
#include "report/show.h"
#include "util/timefmt.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static int vacuum(struct kh_ctx *ctx)
{
	char a[32], b[32];
	int64_t before, after;
	struct kh_err err;

	if (kh_store_vacuum(ctx->store, &before, &after, &err) != 0)
		return kh_fail("%s", err.msg);
	kh_size_format(before, a, sizeof a);
	kh_size_format(after, b, sizeof b);
	if (!ctx->quiet)
		printf("vacuumed '%s': %s -> %s\n", ctx->db_path, a, b);
	return KH_EXIT_OK;
}

struct prune_opts {
	int daily, weekly, monthly; /* -1: not given */
	int dry, vacuum;
};

#define O(field) offsetof(struct prune_opts, field)
#define KEEP(field) .type = KH_OPT_INT, .arg = "N", .off = O(field), .min = 0, .max = 100000, \
		    .def = -1, .what = "count", .unit = "a whole number"
static const struct kh_opt opts[] = {
	{ .name = "keep-daily", KEEP(daily),
	  .help = "the newest snapshot of each of the last N days" },
	{ .name = "keep-weekly", KEEP(weekly),
	  .help = "... of each of the last N ISO weeks (Monday to Sunday)" },
	{ .name = "keep-monthly", KEEP(monthly), .help = "... of each of the last N months" },
	{ .name = "dry-run", .letter = 'n', .type = KH_OPT_FLAG, .off = O(dry),
	  .help = "say what would be removed; change nothing" },
	{ .name = "vacuum", .type = KH_OPT_FLAG, .off = O(vacuum),
	  .help = "then give the freed space back (as 'kvmhist vacuum')" },
};

/* A class not on the command line comes from the config's keep_* when it is set; one set
 * by neither keeps none. Returns whether any was set. */
static int keep_class(int given, int config, int *out)
{
	*out = given >= 0 ? given : config >= 0 ? config : 0;
	return given >= 0 || config >= 0;
}

static int exec_prune(struct kh_ctx *ctx, const void *opts_)
{
	const struct prune_opts *o = opts_;
	struct kh_retention keep = { 0 };
	struct kh_prune_result r;
	struct kh_err err;
	int any = 0;

	any |= keep_class(o->daily, ctx->config->keep_daily, &keep.daily);
	any |= keep_class(o->weekly, ctx->config->keep_weekly, &keep.weekly);
	any |= keep_class(o->monthly, ctx->config->keep_monthly, &keep.monthly);
	/* No policy would mean "keep only the newest": too much to lose to a typo. */
	if (!any)
		return kh_usage_error(&kh_cmd_prune,
				      "say what to keep: --keep-daily, --keep-weekly or --keep-monthly");
	/* opened for reading (a dry run only reads: a full disk or a read-only file is no
	 * obstacle); a real prune opens it again as the writers do */
	if (!o->dry) {
		kh_store_close(ctx->store);
		ctx->store = NULL;
		if (kh_store_open(ctx->db_path, KH_OPEN_WRITE, &ctx->store, &err) != 0)
			return kh_fail("%s", err.msg);
	}
	if (kh_store_prune(ctx->store, &keep, o->dry, &r, &err) != 0)
		return kh_fail("%s", err.msg);
	if (!ctx->quiet) {
		printf("%s %zu snapshot%s, keeping %lld\n", o->dry ? "would remove" : "removed",
		       r.n_removed, r.n_removed == 1 ? "" : "s", (long long)r.kept);
		if (r.n_removed) {
			char *t = kh_snapshots_text(r.removed, r.n_removed);

			fputs(t, stdout);
			free(t);
		}
		printf("versions only they held: %lld domains, %lld pools, %lld volumes, "
		       "%lld networks, %lld XML documents\n", (long long)r.domains,
		       (long long)r.pools, (long long)r.volumes, (long long)r.networks,
		       (long long)r.xml);
	}
	kh_prune_result_clear(&r);
	return o->vacuum && !o->dry ? vacuum(ctx) : KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_prune = {
	.name = "prune",
	.summary = "delete old snapshots by a retention policy",
	.usage = "[--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--dry-run] [--vacuum]",
	KH_OPTS(opts, struct prune_opts),
	.help = "Per URI, counting days, weeks and months (UTC) that have snapshots; a class\n"
		"given neither here nor as keep_* in the config keeps none, and at least one\n"
		"must be given. The newest snapshot of each URI is always kept. Object\n"
		"versions and XML only the removed snapshots held go too;\n"
		"every remaining snapshot reads back as before. One transaction: an interrupted\n"
		"prune removes nothing; --dry-run only reads the file.\n",
	.exec = exec_prune,
};

static int exec_vacuum(struct kh_ctx *ctx, const void *no_opts)
{
	(void)no_opts;
	return vacuum(ctx);
}

const struct kh_cmd kh_cmd_vacuum = {
	.name = "vacuum",
	.summary = "rewrite the database to give free space back",
	.usage = "",
	.help = "Rewrites the file without its free pages (SQLite's VACUUM): run after a prune.\n"
		"Needs free disk space the size of the database while it runs.\n",
	.flags = KH_WRITES_DB,
	.exec = exec_vacuum,
};

static int exec_forget(struct kh_ctx *ctx, const void *no_opts)
{
	struct kh_prune_result r;
	struct kh_err err;
	int64_t id;

	(void)no_opts;
	if (ctx->n_args == 0)
		return kh_usage_error(&kh_cmd_forget, "say which snapshot to forget");
	if (kh_store_resolve(ctx->store, ctx->args[0], NULL, kh_now(), &id, &err) != 0 ||
	    kh_store_forget(ctx->store, id, &r, &err) != 0)
		return kh_fail("%s", err.msg);
	if (!ctx->quiet) {
		char *t = kh_snapshots_text(r.removed, r.n_removed);

		printf("removed snapshot %lld\n%s", (long long)id, t);
		printf("versions only it held: %lld domains, %lld pools, %lld volumes, "
		       "%lld networks, %lld XML documents\n", (long long)r.domains,
		       (long long)r.pools, (long long)r.volumes, (long long)r.networks,
		       (long long)r.xml);
		free(t);
	}
	kh_prune_result_clear(&r);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_forget = {
	.name = "forget",
	.summary = "remove one snapshot taken by mistake",
	.usage = "SNAP",
	.max_args = 1,
	.help = "Removes the snapshot and the object versions and XML only it held, in one\n"
		"transaction; every other snapshot reads back as before, and its host's next\n"
		"snapshot is compared with the one before it.\n",
	.flags = KH_WRITES_DB,
	.exec = exec_forget,
};
