/* kvmhist check: is the history whole? */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>

static int exec_check(struct kh_ctx *ctx, const void *opts)
{
	struct kh_snapshot_info *v;
	struct kh_err err;
	char **problems;
	size_t n, n_snaps;

	(void)opts;
	kh_store_check(ctx->store, &problems, &n);
	for (size_t i = 0; i < n; i++)
		kh_fail("database '%s': %s", ctx->db_path, problems[i]);
	kh_problems_free(problems, n);
	if (n)
		return KH_EXIT_ERROR;
	if (kh_store_list(ctx->store, NULL, INT64_MIN, INT64_MAX, &v, &n_snaps, &err) != 0)
		return kh_fail("%s", err.msg);
	kh_snapshot_infos_free(v, n_snaps);
	if (!ctx->quiet)
		printf("%s: ok (%zu snapshots)\n", ctx->db_path, n_snaps);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_check = {
	.name = "check",
	.summary = "check the database's integrity",
	.usage = "",
	.help = "SQLite's integrity and foreign key checks, then kvmhist's own: every object a\n"
		"snapshot refers to, every snapshot's host and every referenced XML exists, and\n"
		"nothing is stored that no snapshot reaches. Exit 0 when all hold, 2 with one\n"
		"line per problem on stderr.\n",
	.exec = exec_check,
};
