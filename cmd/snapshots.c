/* kvmhist snapshots: what the history holds. */
#include "cmd/cmd.h"
#include "report/show.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int exec_snapshots(struct kh_ctx *ctx, int argc, char **argv)
{
	struct kh_snapshot_info *v;
	const char *host;
	struct kh_err err;
	int rc, json;
	size_t n;
	char *out;

	if ((rc = kh_host_json_options(ctx, &kh_cmd_snapshots, argc, argv, &host, &json)) !=
	    KH_EXIT_OK)
		return rc;
	if (kh_store_list(ctx->store, host, INT64_MIN, INT64_MAX, &v, &n, &err) != 0)
		return kh_fail("%s", err.msg);
	out = json ? kh_snapshots_json(v, n) : kh_snapshots_text(v, n);
	if (!ctx->quiet)
		fputs(out, stdout);
	free(out);
	kh_snapshot_infos_free(v, n);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_snapshots = {
	.name = "snapshots",
	.summary = "list the stored snapshots",
	.usage = "[--host H] [--json]",
	.options = "  --host H  only snapshots of this host (a hostname or a URI)\n"
		   "  --json    {\"snapshots\": [{\"id\", \"taken_at\", \"host\", \"uri\", ...}]}\n",
	.flags = KH_NEED_DB,
	.exec = exec_snapshots,
};
