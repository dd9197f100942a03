/* kvmhist show: everything one snapshot holds. */
#include "cmd/cmd.h"
#include "report/show.h"
#include "util/timefmt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int exec_show(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct kh_snapshot *snap;
	const char *host = NULL, *spec = "latest";
	struct kh_err err;
	int64_t id;
	int c, json = 0;
	char *out;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'j': json = 1; break;
		default: return kh_bad_option(&kh_cmd_show, c, argv);
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (optind < argc)
		return kh_usage_error(&kh_cmd_show, "unexpected argument '%s'", argv[optind]);
	if (kh_store_resolve(ctx->store, spec, host, kh_now(), &id, &err) != 0 ||
	    kh_store_load(ctx->store, id, &snap, &err) != 0)
		return kh_fail("%s", err.msg);
	out = json ? kh_show_json(snap) : kh_show_text(snap);
	if (!ctx->quiet)
		fputs(out, stdout);
	free(out);
	kh_snapshot_free(snap);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_show = {
	.name = "show",
	.summary = "show everything one snapshot holds",
	.usage = "[SNAP] [--host H] [--json]",
	.options = "  SNAP      the snapshot (default: latest)\n"
		   "  --host H  resolve SNAP among this host's snapshots (hostname or URI)\n"
		   "  --json    machine-readable: snapshot, domains, pools, volumes, networks\n",
	.flags = KH_NEED_DB,
	.exec = exec_show,
};
