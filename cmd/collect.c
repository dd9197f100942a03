/* kvmhist collect: one snapshot per libvirt URI, each in its own transaction. */
#include "cmd/cmd.h"
#include "cmd/collector.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void warn_line(void *ctx, const char *msg)
{
	const char *uri = ctx;

	fprintf(stderr, "kvmhist: warning: %s: %s\n", uri ? uri : "default URI", msg);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -v: what one URI took and what it held. */
static void verbose_line(const struct kh_snapshot *snap, double took)
{
	fprintf(stderr, "kvmhist: %s: %zu domains, %zu pools, %zu volumes, %zu networks in %.1f s\n",
		snap->host.uri, snap->n_domains, snap->n_pools, snap->n_volumes, snap->n_networks,
		took);
}

static int exec_collect(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char **uris = NULL;
	size_t n_uris = 0, cap = 0;
	const char *at = NULL, *env_uri;
	int64_t taken_at;
	struct stat sb;
	int c, rc = KH_EXIT_OK;

	while ((c = getopt_long(argc, argv, ":c:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': *KH_PUSH(uris, n_uris, cap) = optarg; break;
		case 'a': at = optarg; break;
		default:
			free(uris);
			return kh_bad_option(&kh_cmd_collect, c, argv);
		}
	}
	if (optind < argc) {
		free(uris);
		return kh_usage_error(&kh_cmd_collect, "unexpected argument '%s'", argv[optind]);
	}
	if (at && kh_time_parse(at, &taken_at, NULL) != 0) {
		free(uris);
		return kh_usage_error(&kh_cmd_collect,
				      "invalid time '%s' for --at (ISO 8601, e.g. 2026-11-20T03:00:00Z)",
				      at);
	}
	/* No -c: $LIBVIRT_DEFAULT_URI, else the config's URIs, else libvirt's default. */
	env_uri = getenv("LIBVIRT_DEFAULT_URI");
	if (n_uris == 0 && !(env_uri && *env_uri))
		for (size_t i = 0; i < ctx->config->n_uris; i++)
			*KH_PUSH(uris, n_uris, cap) = ctx->config->uris[i];
	if (n_uris == 0)
		*KH_PUSH(uris, n_uris, cap) = NULL; /* libvirt's default: $LIBVIRT_DEFAULT_URI */

	/* An existing database is checked before any host is contacted; a new one is made
	 * only when there is a snapshot to put in it, so a bad URI leaves nothing behind. */
	if (stat(ctx->db_path, &sb) == 0) {
		struct kh_err err;

		if (kh_store_open(ctx->db_path, KH_OPEN_CREATE, &ctx->store, &err) != 0) {
			free(uris);
			return kh_fail("%s", err.msg);
		}
	}
	for (size_t i = 0; i < n_uris; i++) {
		struct kh_snapshot *snap = NULL;
		struct kh_err err;
		char when[KH_TIME_LEN];
		double start = seconds();

		/* -q: an object read in part keeps its reason in the snapshot; cron stays quiet. */
		if (kh_collect(uris[i], &snap, ctx->quiet ? NULL : warn_line, (void *)uris[i],
			       &err) != 0) {
			kh_fail("%s", err.msg);
			rc = KH_EXIT_PARTIAL;
			continue;
		}
		snap->taken_at = at ? taken_at : kh_now();
		if (ctx->store == NULL &&
		    kh_store_open(ctx->db_path, KH_OPEN_CREATE, &ctx->store, &err) != 0) {
			kh_snapshot_free(snap);
			rc = kh_fail("%s", err.msg);
			break;
		}
		if (kh_store_put(ctx->store, snap, &err) != 0) {
			kh_snapshot_free(snap);
			rc = kh_fail("%s", err.msg);
			break;
		}
		if (ctx->verbose)
			verbose_line(snap, seconds() - start);
		kh_time_format(snap->taken_at, when);
		if (!ctx->quiet)
			printf("%lld\t%s\t%s\t%s\n", (long long)snap->id,
			       snap->host.hostname ? snap->host.hostname : "-", when, snap->host.uri);
		kh_snapshot_free(snap);
	}
	free(uris);
	return rc;
}

const struct kh_cmd kh_cmd_collect = {
	.name = "collect",
	.summary = "take a snapshot of each libvirt connection",
	.usage = "[-c URI]... [--at TIME]",
	.options = "  -c, --connect URI  a libvirt URI; repeat for many hosts (default:\n"
		   "                     $LIBVIRT_DEFAULT_URI, else the config's uri lines,\n"
		   "                     else libvirt's default)\n"
		   "  --at TIME          record the snapshot as taken at TIME (ISO 8601; backfill)\n\n"
		   "Prints one line per stored snapshot: ID<TAB>HOST<TAB>TAKEN_AT<TAB>URI.\n"
		   "Exit 0 when every URI was collected, 1 when any failed (the others are\n"
		   "stored), 2 for usage or database errors.\n",
	.exec = exec_collect,
};
