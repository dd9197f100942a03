/* kvmhist snapshots: what the history holds. */
#include "cmd/cmd.h"
#include "report/show.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int exec_snapshots(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct kh_snapshot_info *v;
	const char *host = NULL;
	struct kh_err err;
	int c, json = 0;
	size_t n;
	char *out;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'j': json = 1; break;
		default: return kh_bad_option(&kh_cmd_snapshots, c, argv);
		}
	}
	if (optind < argc)
		return kh_usage_error(&kh_cmd_snapshots, "unexpected argument '%s'", argv[optind]);
	if (kh_check_host(ctx, host) != KH_EXIT_OK)
		return KH_EXIT_ERROR;
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
