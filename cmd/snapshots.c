/* kvmhist snapshots: what the history holds. */
#include "cmd/cmd.h"
#include "report/show.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const struct kh_opt opts[] = {
	KH_HOST_JSON_OPTS("only snapshots of this host (a hostname or a URI)",
			  "{\"snapshots\": [{\"id\", \"taken_at\", \"host\", \"uri\", ...}]}"),
};

static int exec_snapshots(struct kh_ctx *ctx, const void *opts_)
{
	const struct kh_host_json_opts *o = opts_;
	struct kh_snapshot_info *v;
	struct kh_err err;
	size_t n;

	if (kh_check_host(ctx, o->host) != KH_EXIT_OK)
		return KH_EXIT_ERROR;
	if (kh_store_list(ctx->store, o->host, INT64_MIN, INT64_MAX, &v, &n, &err) != 0)
		return kh_fail("%s", err.msg);
	kh_print(ctx, o->json ? kh_snapshots_json(v, n) : kh_snapshots_text(v, n));
	kh_snapshot_infos_free(v, n);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_snapshots = {
	.name = "snapshots",
	.summary = "list the stored snapshots",
	.usage = "[--host H] [--json]",
	KH_OPTS(opts, struct kh_host_json_opts),
	.exec = exec_snapshots,
};
