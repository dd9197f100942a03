/* kvmhist domains: each domain's life by UUID: first and last seen, renames, removals. */
#include "cmd/cmd.h"
#include "report/show.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int exec_domains(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct kh_domain_life *v;
	const char *host = NULL;
	struct kh_err err;
	int c, json = 0;
	size_t n;
	char *out;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'j': json = 1; break;
		default: return kh_bad_option(&kh_cmd_domains, c, argv);
		}
	}
	if (optind < argc)
		return kh_usage_error(&kh_cmd_domains, "unexpected argument '%s'", argv[optind]);
	if (kh_check_host(ctx, host) != KH_EXIT_OK)
		return KH_EXIT_ERROR;
	if (kh_store_domain_lives(ctx->store, host, &v, &n, &err))
		return kh_fail("%s", err.msg);
	out = json ? kh_domains_json(v, n) : kh_domains_text(v, n);
	if (!ctx->quiet)
		fputs(out, stdout);
	free(out);
	kh_domain_lives_free(v, n);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_domains = {
	.name = "domains",
	.summary = "list every domain ever seen: first and last seen, renames, removals",
	.usage = "[--host H] [--json]",
	.options = "  --host H  only this host (a hostname or a URI)\n"
		   "  --json    machine-readable: {\"domains\": [{name, uuid, uri, first_seen,\n"
		   "            first_snapshot, last_seen, last_snapshot, present, events}]}\n\n"
		   "A domain is followed by its UUID, so a rename is one domain with a \"renamed\"\n"
		   "event, and a domain removed and later defined again with the same UUID has\n"
		   "\"removed\" and \"re-added\" events. Now: present in its host's latest snapshot,\n"
		   "or gone.\n",
	.flags = KH_NEED_DB,
	.exec = exec_domains,
};
