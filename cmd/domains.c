/* kvmhist domains: each domain's life by UUID: first and last seen, renames, removals. */
#include "cmd/cmd.h"
#include "report/show.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static const struct kh_opt opts[] = {
	KH_HOST_JSON_OPTS("only this host (a hostname or a URI)",
			  "machine-readable: {\"domains\": [{name, uuid, uri, first_seen,\n"
			  "first_snapshot, last_seen, last_snapshot, present, events}]}"),
};

static int exec_domains(struct kh_ctx *ctx, const void *opts_)
{
	const struct kh_host_json_opts *o = opts_;
	struct kh_domain_life *v;
	struct kh_err err;
	size_t n;

	if (kh_check_host(ctx, o->host) != KH_EXIT_OK)
		return KH_EXIT_ERROR;
	if (kh_store_domain_lives(ctx->store, o->host, &v, &n, &err))
		return kh_fail("%s", err.msg);
	kh_print(ctx, o->json ? kh_domains_json(v, n) : kh_domains_text(v, n));
	kh_domain_lives_free(v, n);
	return KH_EXIT_OK;
}

const struct kh_cmd kh_cmd_domains = {
	.name = "domains",
	.summary = "list every domain ever seen: first and last seen, renames, removals",
	.usage = "[--host H] [--json]",
	KH_OPTS(opts, struct kh_host_json_opts),
	.help = "A domain is followed by its UUID, so a rename is one domain with a \"renamed\"\n"
		"event, and a domain removed and later defined again with the same UUID has\n"
		"\"removed\" and \"re-added\" events. Now: present in its host's latest snapshot,\n"
		"or gone.\n",
	.exec = exec_domains,
};
