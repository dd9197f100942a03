/* kvmhist domains: each domain's life by UUID: first and last seen, renames, removals. */
#include "cmd/cmd.h"
#include "report/show.h"

#include <stdio.h>
#include <stdlib.h>

static int exec_domains(struct kh_ctx *ctx, int argc, char **argv)
{
	struct kh_domain_life *v;
	const char *host;
	struct kh_err err;
	int rc, json;
	size_t n;
	char *out;

	if ((rc = kh_host_json_options(ctx, &kh_cmd_domains, argc, argv, &host, &json)) != KH_EXIT_OK)
		return rc;
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
