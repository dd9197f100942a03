/* kvmhist collect: one snapshot per libvirt URI, each in its own transaction. The hosts are
 * read by virt/jobs.h, many at once; this thread writes them to the database in the order
 * the URIs were given. */
#include "cmd/cmd.h"
#include "virt/jobs.h"
#include "report/escape.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/timefmt.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define DEFAULT_TIMEOUT 60
#define AT_SKEW 86400 /* how far past now --at may lie without --force */

/* -v: what one URI held, what it took, and the calls and round trips that took. */
static void verbose_line(const struct kh_snapshot *snap, double took,
			 const struct kh_collect_counts *counts)
{
	fprintf(stderr, "kvmhist: %s: %zu domains, %zu pools, %zu volumes, %zu networks in %.1f s, "
		"%u calls in %u round trips\n",
		snap->host.uri, snap->n_domains, snap->n_pools, snap->n_volumes, snap->n_networks,
		took, counts->calls, counts->round_trips);
}

/* The existing database's page check (KH_OPEN_CREATE_VERIFY_LATER), run in a thread of its
 * own while the hosts are read: a read of the whole file, which would otherwise add its
 * time to every night's collect. Waited for before the first write. Then, as the database
 * is idle until that write, the first host's latest snapshot is read ahead for its put. */
struct verify {
	struct kh_store *st;
	const char *uri;        /* the first host's, NULL: libvirt's default (not known yet) */
	struct kh_store_ahead *ahead;
	pthread_t thread;
	int running, rc;
	struct kh_err err;
};

static void *verify_worker(void *arg)
{
	struct verify *v = arg;
	struct kh_err ignored; /* a failed read-ahead is only read again by the put */

	v->rc = kh_store_verify(v->st, &v->err);
	if (v->rc == 0 && v->uri)
		(void)kh_store_read_ahead(v->st, v->uri, &v->ahead, &ignored);
	return NULL;
}

static void verify_start(struct verify *v, struct kh_store *st, const char *uri)
{
	if (st == NULL)
		return;
	v->st = st;
	v->uri = uri;
	if (pthread_create(&v->thread, NULL, verify_worker, v) == 0)
		v->running = 1;
	else
		verify_worker(v); /* no thread: here and now */
}

/* 0 once the check has passed (or there was none to make). */
static int verify_wait(struct verify *v)
{
	if (v->running) {
		pthread_join(v->thread, NULL);
		v->running = 0;
	}
	return v->rc;
}

/* One URI per line; blank lines and lines starting with # are skipped. */
static int read_uri_file(const char *path, struct kh_jobs *q)
{
	char **uris = NULL;
	size_t n_uris = 0, cap_uris = 0;
	struct kh_err err;
	int rc = 0;

	if (kh_uri_list_load(path, &uris, &n_uris, &cap_uris, &err) != 0)
		rc = kh_fail("%s", err.msg);
	for (size_t i = 0; i < n_uris; i++) {
		if (rc == 0)
			kh_jobs_add(q, uris[i]);
		free(uris[i]);
	}
	free(uris);
	return rc;
}

/* ID<TAB>HOST<TAB>TAKEN_AT<TAB>URI: the hostname and the URI come from outside, and a TAB,
 * a newline or an escape sequence in them must neither split the record nor reach the
 * terminal raw (report/escape.c's rule). */
static void print_record(const struct kh_snapshot *snap, const char *when)
{
	struct kh_buf host = { 0 }, uri = { 0 };

	kh_text_safe(&host, snap->host.hostname ? snap->host.hostname : "-");
	kh_text_safe(&uri, snap->host.uri);
	printf("%lld\t%s\t%s\t%s\n", (long long)snap->id, host.data, when, uri.data);
	kh_buf_free(&host);
	kh_buf_free(&uri);
}

/* A second snapshot of a host at the very time of one stored (a backfill run twice) says
 * nothing new and would tie in every ordering: it is refused, one line. */
static int refuse_same_time(struct kh_store *st, const struct kh_snapshot *snap)
{
	char when[KH_TIME_LEN];
	struct kh_err err;
	int64_t id;

	if (kh_store_taken_at(st, snap->host.uri, snap->taken_at, &id, &err) != 0)
		return kh_fail("%s: not stored: %s", snap->host.uri, err.msg);
	if (id == 0)
		return 0;
	kh_time_format(snap->taken_at, when);
	return kh_fail("%s: not stored: snapshot %lld of it was taken at %s already",
		       snap->host.uri, (long long)id, when);
}

/* Stores host i's snapshot and prints its line. KH_EXIT_OK, KH_EXIT_PARTIAL when the host
 * could not be read or its snapshot not stored (said here), or -1 when the database cannot
 * be used (said here or, for a failed page check, by the caller): the rest is not stored. */
static int store_one(struct kh_ctx *ctx, struct kh_jobs *q, size_t i, struct verify *verify,
		     const char *at, int64_t taken_at)
{
	struct kh_store_ahead *ahead;
	struct kh_snapshot *snap;
	char when[KH_TIME_LEN], *warnings;
	struct kh_collect_counts counts;
	struct kh_err err;
	double took;
	int rc = KH_EXIT_OK;

	snap = kh_jobs_wait(q, i, &warnings, &took, &counts, &err);
	/* -q: an object read in part keeps its reason in the snapshot; cron stays quiet. */
	if (!ctx->quiet && warnings)
		fputs(warnings, stderr);
	free(warnings);
	if (snap == NULL) {
		kh_fail("%s", err.msg);
		return KH_EXIT_PARTIAL;
	}
	if (at)
		snap->taken_at = taken_at;
	if (verify_wait(verify) != 0) {
		rc = -1; /* said by the caller */
		goto out;
	}
	if (at && ctx->store && refuse_same_time(ctx->store, snap) != 0) {
		rc = KH_EXIT_PARTIAL;
		goto out;
	}
	if (ctx->store == NULL &&
	    kh_store_open(ctx->db_path, KH_OPEN_CREATE, &ctx->store, &err) != 0) {
		kh_fail("%s", err.msg);
		rc = -1;
		goto out;
	}
	/* the read-ahead is the first host's: its put takes it */
	ahead = i == 0 ? verify->ahead : NULL;
	if (i == 0)
		verify->ahead = NULL;
	/* Rolled back whole; the next host's snapshot may still fit (a full disk). */
	if (kh_store_put_ahead(ctx->store, snap, ahead, &err) != 0) {
		kh_fail("%s: not stored: %s", snap->host.uri, err.msg);
		rc = KH_EXIT_PARTIAL;
		goto out;
	}
	if (ctx->verbose)
		verbose_line(snap, took, &counts);
	kh_time_format(snap->taken_at, when);
	if (!ctx->quiet)
		print_record(snap, when);
out:
	kh_snapshot_free(snap);
	return rc;
}

struct collect_opts {
	struct kh_opt_list uris; /* -c and --uri-file, in the order given */
	const char *at;
	int jobs, timeout, force;
};

#define O(field) offsetof(struct collect_opts, field)
static const struct kh_opt opts[] = {
	{ .name = "connect", .letter = 'c', .type = KH_OPT_LIST, .arg = "URI", .off = O(uris),
	  .complete = KH_COMP_URI,
	  .help = "a libvirt URI; repeat for many hosts (default:\n"
		  "$LIBVIRT_DEFAULT_URI, else the config's uri lines,\n"
		  "else libvirt's default)" },
	{ .name = "uri-file", .type = KH_OPT_LIST, .arg = "FILE", .off = O(uris),
	  .complete = KH_COMP_FILE,
	  .help = "more URIs, one per line (blank lines and # comments\nskipped)" },
	{ .name = "at", .type = KH_OPT_STRING, .arg = "TIME", .off = O(at),
	  .help = "record the snapshot as taken at TIME (ISO 8601; backfill;\n"
		  "refused when a snapshot of the URI has that very time)" },
	{ .name = "force", .type = KH_OPT_FLAG, .off = O(force),
	  .help = "with --at: allow a TIME more than a day after now" },
	{ .name = "jobs", .letter = 'j', .type = KH_OPT_INT, .arg = "N", .off = O(jobs),
	  .min = 1, .max = 1024, .def = 8, .help = "read up to N hosts at once (default 8)" },
	{ .name = "timeout", .type = KH_OPT_INT, .arg = "SECONDS", .off = O(timeout),
	  .min = 0, .max = 86400, .def = -1, .unit = "seconds",
	  .help = "give up a host silent for SECONDS, connecting\n"
		  "included; one that keeps answering is read to the end\n"
		  "(default: the config's timeout, else 60; 0: wait for\n"
		  "ever)" },
};

static int exec_collect(struct kh_ctx *ctx, const void *opts_)
{
	const struct collect_opts *o = opts_;
	struct kh_jobs *q = kh_jobs_new();
	const char *env_uri = getenv("LIBVIRT_DEFAULT_URI");
	int64_t taken_at = 0;
	int timeout = o->timeout;
	struct verify verify = { 0 };
	struct kh_err err;
	struct stat sb;
	size_t n, stored = 0;
	int rc = KH_EXIT_OK, existed;

	for (size_t i = 0; i < o->uris.n; i++) {
		const struct kh_opt_value *v = &o->uris.v[i];

		if (v->opt->letter == 'c' && *v->value == '\0') {
			rc = kh_usage_error(&kh_cmd_collect, "empty URI for -c (leave -c out for "
					    "libvirt's default)");
			goto out;
		} else if (v->opt->letter == 'c') {
			kh_jobs_add(q, v->value);
		} else if (read_uri_file(v->value, q) != 0) {
			rc = KH_EXIT_ERROR;
			goto out;
		}
	}
	if (o->at && kh_time_parse(o->at, &taken_at, NULL) != 0) {
		rc = kh_usage_error(&kh_cmd_collect,
				    "invalid time '%s' for --at (ISO 8601, e.g. 2026-11-20T03:00:00Z)",
				    o->at);
		goto out;
	}
	/* A mistyped year would put a snapshot after every real one for decades. */
	if (o->at && !o->force && taken_at > kh_now() + AT_SKEW) {
		char now[KH_TIME_LEN];

		kh_time_format(kh_now(), now);
		rc = kh_usage_error(&kh_cmd_collect,
				    "--at '%s' is more than a day after now (%s); add --force "
				    "to record it so", o->at, now);
		goto out;
	}
	/* No -c or --uri-file: $LIBVIRT_DEFAULT_URI, else the config's uri lines, else
	 * libvirt's default. */
	if (kh_jobs_count(q) == 0 && !(env_uri && *env_uri))
		for (size_t i = 0; i < ctx->config->n_uris; i++)
			kh_jobs_add(q, ctx->config->uris[i]);
	if (kh_jobs_count(q) == 0)
		kh_jobs_add(q, NULL); /* libvirt's default: $LIBVIRT_DEFAULT_URI */
	n = kh_jobs_count(q);
	if (timeout < 0)
		timeout = ctx->config->timeout >= 0 ? ctx->config->timeout : DEFAULT_TIMEOUT;

	/* An existing database is checked before any host is contacted (its pages while they
	 * are read, see verify_start); a new one is made only when there is a snapshot to put
	 * in it, so a bad URI leaves nothing behind. */
	existed = stat(ctx->db_path, &sb) == 0;
	if ((existed &&
	     kh_store_open(ctx->db_path, KH_OPEN_CREATE_VERIFY_LATER, &ctx->store, &err) != 0) ||
	    kh_jobs_prepare(q, o->jobs, timeout, &err) != 0) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}

	for (size_t i = 0; i < n && !ctx->quiet; i++)
		if (kh_jobs_repeated(q, i))
			fprintf(stderr, "kvmhist: warning: URI '%s' given more than once; collected "
				"once\n", kh_jobs_uri(q, i));
	verify_start(&verify, ctx->store, kh_jobs_uri(q, 0));
	for (size_t i = 0; i < n; i++) {
		int one;

		kh_progress(ctx, "collecting host", i, n);
		one = store_one(ctx, q, i, &verify, o->at, taken_at);
		if (one < 0) {
			rc = KH_EXIT_ERROR;
			break;
		}
		if (one == KH_EXIT_OK)
			stored++;
		else
			rc = one;
	}
	kh_progress(ctx, "collecting host", n, n);
	/* also when no host could be read: a damaged database is worth a line of its own */
	if (verify_wait(&verify) != 0)
		rc = kh_fail("%s", verify.err.msg);
	kh_store_ahead_free(verify.ahead); /* the first host failed */
	/* A first collect that stored nothing (a full disk) leaves no empty database, as a
	 * bad URI leaves none. */
	if (!existed && stored == 0 && ctx->store) {
		kh_store_remove_unused(ctx->store);
		ctx->store = NULL;
	}
out:
	/* after a database error the rest are not waited for: they are given up */
	kh_jobs_free(q);
	return rc;
}

const struct kh_cmd kh_cmd_collect = {
	.name = "collect",
	.summary = "take a snapshot of each libvirt connection",
	.usage = "[-c URI]... [--uri-file FILE] [--at TIME [--force]] [-j N]\n"
		 "       [--timeout SECONDS]",
	KH_OPTS(opts, struct collect_opts),
	.help = "Prints one line per stored snapshot, in the order the URIs were given:\n"
		"ID<TAB>HOST<TAB>TAKEN_AT<TAB>URI.\n"
		"Exit 0 when every URI was collected, 1 when any failed or timed out (the\n"
		"others are stored), 2 for usage or database errors.\n",
	.flags = KH_OWN_DB, /* made when there is a snapshot to put in it */
	.exec = exec_collect,
};
