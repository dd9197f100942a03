/* kvmhist show: everything one snapshot holds. */
#include "cmd/cmd.h"
#include "report/show.h"
#include "util/timefmt.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static const struct kh_opt opts[] = {
	{ .name = "SNAP", .type = KH_OPT_OPERAND, .help = "the snapshot (default: latest)" },
	KH_HOST_JSON_OPTS("resolve SNAP among this host's snapshots (hostname or URI)",
			  "machine-readable: snapshot, domains, pools, volumes, networks"),
};

static int exec_show(struct kh_ctx *ctx, const void *opts_)
{
	const struct kh_host_json_opts *o = opts_;
	struct kh_snapshot *snap;
	const char *spec = ctx->n_args ? ctx->args[0] : "latest";
	struct kh_err err;
	int64_t id;

	if (kh_store_resolve(ctx->store, spec, o->host, kh_now(), &id, &err) != 0 ||
	    kh_store_load(ctx->store, id, &snap, &err) != 0)
		return kh_fail("%s", err.msg);
	kh_print(ctx, o->json ? kh_show_json(snap) : kh_show_text(snap));
	kh_snapshot_free(snap);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_show = {
	.name = "show",
	.summary = "show everything one snapshot holds",
	.usage = "[SNAP] [--host H] [--json]",
	KH_OPTS(opts, struct kh_host_json_opts),
	.max_args = 1,
	.exec = exec_show,
};
