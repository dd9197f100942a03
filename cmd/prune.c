/* kvmhist prune and vacuum: retention, and giving the space back. */
#include "cmd/cmd.h"
#include "report/show.h"
#include "util/timefmt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

/* A count for --keep-*: 0 to 100000, nothing else. */
static int parse_count(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 100000 || s[0] == '+' || s[0] == '-')
		return -1;
	*out = (int)v;
	return 0;
}

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

static int exec_prune(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep-daily", required_argument, NULL, 'd' },
		{ "keep-weekly", required_argument, NULL, 'w' },
		{ "keep-monthly", required_argument, NULL, 'm' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "vacuum", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kh_retention keep = { 0 };
	struct kh_prune_result r;
	struct kh_err err;
	const char *name;
	int c, *slot, dry = 0, vac = 0, any = 0, given = 0;

	while ((c = getopt_long(argc, argv, ":n", opts, NULL)) != -1) {
		switch (c) {
		case 'd': slot = &keep.daily, name = "--keep-daily"; goto count;
		case 'w': slot = &keep.weekly, name = "--keep-weekly"; goto count;
		case 'm': slot = &keep.monthly, name = "--keep-monthly";
		count:
			if (parse_count(optarg, slot) != 0)
				return kh_usage_error(&kh_cmd_prune, "invalid count '%s' for '%s' "
						      "(a whole number, 0 to 100000)", optarg, name);
			given |= c == 'd' ? 1 : c == 'w' ? 2 : 4;
			break;
		case 'n': dry = 1; break;
		case 'V': vac = 1; break;
		default: return kh_bad_option(&kh_cmd_prune, c, argv);
		}
	}
	if (optind < argc)
		return kh_usage_error(&kh_cmd_prune, "unexpected argument '%s'", argv[optind]);
	/* A class not on the command line comes from the config's keep_* when it is set. */
	if (!(given & 1) && ctx->config->keep_daily >= 0)
		keep.daily = ctx->config->keep_daily, given |= 1;
	if (!(given & 2) && ctx->config->keep_weekly >= 0)
		keep.weekly = ctx->config->keep_weekly, given |= 2;
	if (!(given & 4) && ctx->config->keep_monthly >= 0)
		keep.monthly = ctx->config->keep_monthly, given |= 4;
	any = given != 0;
	/* No policy would mean "keep only the newest": too much to lose to a typo. */
	if (!any)
		return kh_usage_error(&kh_cmd_prune,
				      "say what to keep: --keep-daily, --keep-weekly or --keep-monthly");
	/* opened for reading (a dry run only reads: a full disk or a read-only file is no
	 * obstacle); a real prune opens it again as the writers do */
	if (!dry) {
		kh_store_close(ctx->store);
		ctx->store = NULL;
		if (kh_store_open(ctx->db_path, KH_OPEN_WRITE, &ctx->store, &err) != 0)
			return kh_fail("%s", err.msg);
	}
	if (kh_store_prune(ctx->store, &keep, dry, &r, &err) != 0)
		return kh_fail("%s", err.msg);
	if (!ctx->quiet) {
		printf("%s %zu snapshot%s, keeping %lld\n", dry ? "would remove" : "removed",
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
	return vac && !dry ? vacuum(ctx) : KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_prune = {
	.name = "prune",
	.summary = "delete old snapshots by a retention policy",
	.usage = "[--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--dry-run] [--vacuum]",
	.options = "  --keep-daily N    the newest snapshot of each of the last N days\n"
		   "  --keep-weekly N   ... of each of the last N ISO weeks (Monday to Sunday)\n"
		   "  --keep-monthly N  ... of each of the last N months\n"
		   "  -n, --dry-run     say what would be removed; change nothing\n"
		   "  --vacuum          then give the freed space back (as 'kvmhist vacuum')\n\n"
		   "Per URI, counting days, weeks and months (UTC) that have snapshots; a class\n"
		   "given neither here nor as keep_* in the config keeps none, and at least one\n"
		   "must be given. The newest snapshot of each URI is always kept. Object\n"
		   "versions and XML only the removed snapshots held go too;\n"
		   "every remaining snapshot reads back as before. One transaction: an interrupted\n"
		   "prune removes nothing; --dry-run only reads the file.\n",
	.flags = KH_NEED_DB,
	.exec = exec_prune,
};

static int exec_vacuum(struct kh_ctx *ctx, int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, ":", (const struct option[]){ { 0 } }, NULL)) != -1)
		return kh_bad_option(&kh_cmd_vacuum, c, argv);
	if (optind < argc)
		return kh_usage_error(&kh_cmd_vacuum, "unexpected argument '%s'", argv[optind]);
	return vacuum(ctx);
}

const struct kh_cmd kh_cmd_vacuum = {
	.name = "vacuum",
	.summary = "rewrite the database to give free space back",
	.usage = "",
	.options = "Rewrites the file without its free pages (SQLite's VACUUM): run after a prune.\n"
		   "Needs free disk space the size of the database while it runs.\n",
	.flags = KH_NEED_DB | KH_WRITES_DB,
	.exec = exec_vacuum,
};

static int exec_forget(struct kh_ctx *ctx, int argc, char **argv)
{
	struct kh_prune_result r;
	struct kh_err err;
	int64_t id;
	int c;

	while ((c = getopt_long(argc, argv, ":", (const struct option[]){ { 0 } }, NULL)) != -1)
		return kh_bad_option(&kh_cmd_forget, c, argv);
	if (optind >= argc)
		return kh_usage_error(&kh_cmd_forget, "say which snapshot to forget");
	if (optind + 1 < argc)
		return kh_usage_error(&kh_cmd_forget, "unexpected argument '%s'", argv[optind + 1]);
	if (kh_store_resolve(ctx->store, argv[optind], NULL, kh_now(), &id, &err) != 0 ||
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
	.options = "Removes the snapshot and the object versions and XML only it held, in one\n"
		   "transaction; every other snapshot reads back as before, and its host's next\n"
		   "snapshot is compared with the one before it.\n",
	.flags = KH_NEED_DB | KH_WRITES_DB,
	.exec = exec_forget,
};
