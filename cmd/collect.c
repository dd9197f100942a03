/* kvmhist collect: one snapshot per libvirt URI, each in its own transaction.
 * Hosts are read concurrently, one thread and one connection per URI, at most --jobs at a
 * time; only the main thread writes to the database, in the order the URIs were given.
 * A URI not done within --timeout seconds is given up: its thread is left to itself (libvirt
 * may block in a call that never returns) and whatever it finds later is thrown away. */
#include "cmd/cmd.h"
#include "cmd/collector.h"
#include "report/escape.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_JOBS 8
#define DEFAULT_TIMEOUT 60
#define AT_SKEW 86400 /* how far past now --at may lie without --force */

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE, JOB_ABANDONED };

/* One URI. Shared by the main thread and its worker under `lock`; the last of the two to
 * let go frees it, so a worker that outlives its deadline never touches freed memory. */
struct job {
	char *uri;              /* NULL: libvirt's default */
	enum job_state state;
	int refs;
	struct timespec deadline;
	struct kh_snapshot *snap;
	int ok;
	struct kh_err err;
	struct kh_buf warnings; /* printed by the main thread, in URI order */
	double took;            /* seconds the collection took, for -v */
	int twice;              /* given more than once: warned about, collected once */
};

/* Static, not on main's stack: abandoned workers may still take it after main returns. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;

static void job_unref(struct job *j)
{
	if (--j->refs > 0)
		return;
	kh_snapshot_free(j->snap);
	kh_buf_free(&j->warnings);
	free(j->uri);
	free(j);
}

/* A URI given twice (by -c, --uri-file or the config) is collected once: two snapshots of
 * one host at one moment would be one snapshot stored twice. */
static void add_job(struct job ***all, size_t *n, size_t *cap, const char *uri)
{
	struct job *j;

	for (size_t i = 0; uri && i < *n; i++)
		if ((*all)[i]->uri && strcmp((*all)[i]->uri, uri) == 0) {
			(*all)[i]->twice = 1;
			return;
		}
	j = kh_calloc(1, sizeof *j);

	j->uri = kh_strdup(uri);
	j->refs = 1;
	*KH_PUSH(*all, *n, *cap) = j;
}

/* For messages, as kh_collect names it. */
static const char *job_name(const struct job *j)
{
	return j->uri ? j->uri : "the default URI";
}

static void warn_line(void *ctx, const char *msg)
{
	struct job *j = ctx;

	pthread_mutex_lock(&lock);
	kh_buf_printf(&j->warnings, "kvmhist: warning: %s: %s\n", j->uri ? j->uri : "default URI",
		      msg);
	pthread_mutex_unlock(&lock);
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

static void *worker(void *arg)
{
	struct job *j = arg;
	struct kh_snapshot *snap = NULL;
	struct kh_err err = { { 0 } };
	double start = seconds();
	int ok = kh_collect(j->uri, &snap, warn_line, j, &err) == 0;

	if (ok)
		snap->taken_at = kh_now();
	pthread_mutex_lock(&lock);
	if (j->state == JOB_RUNNING) {
		j->snap = snap;
		j->ok = ok;
		j->err = err;
		j->took = seconds() - start;
		j->state = JOB_DONE;
		pthread_cond_broadcast(&changed);
	} else {
		kh_snapshot_free(snap); /* too late: the main thread gave up on it */
	}
	job_unref(j);
	pthread_mutex_unlock(&lock);
	return NULL;
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

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Starts job j (lock held). On failure the job is done with the cause. */
static void start(struct job *j, int timeout)
{
	pthread_attr_t attr;
	pthread_t t;
	int e;

	clock_gettime(CLOCK_MONOTONIC, &j->deadline);
	j->deadline.tv_sec += timeout > 0 ? timeout : (time_t)1 << 40;
	j->state = JOB_RUNNING;
	j->refs++;
	e = pthread_attr_init(&attr);
	if (e == 0)
		e = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (e == 0)
		e = pthread_create(&t, &attr, worker, j);
	pthread_attr_destroy(&attr);
	if (e != 0) {
		j->refs--;
		j->state = JOB_DONE;
		kh_err_set(&j->err, "cannot collect '%s': cannot start a thread: %s", job_name(j),
			   strerror(e));
	}
}

/* Keeps up to `jobs` URIs running and gives up those past their deadline, until job
 * `want` is done or abandoned (lock held). */
static void wait_for(struct job **all, size_t n, size_t want, int jobs, int timeout)
{
	for (;;) {
		struct timespec now, first = { 0, 0 };
		int running = 0, have_first = 0;

		clock_gettime(CLOCK_MONOTONIC, &now);
		for (size_t i = 0; i < n; i++) {
			struct job *j = all[i];

			if (j->state == JOB_RUNNING && !ts_before(&now, &j->deadline)) {
				j->state = JOB_ABANDONED;
				kh_err_set(&j->err, "cannot collect '%s': no answer within %d s (--timeout)",
					   job_name(j), timeout);
			}
			if (j->state == JOB_WAITING && running < jobs)
				start(j, timeout);
			if (j->state == JOB_RUNNING) {
				running++;
				if (!have_first || ts_before(&j->deadline, &first))
					first = j->deadline;
				have_first = 1;
			}
		}
		if (all[want]->state == JOB_DONE || all[want]->state == JOB_ABANDONED)
			return;
		pthread_cond_timedwait(&changed, &lock, &first);
	}
}

/* One URI per line; blank lines and lines starting with # are skipped. */
static int read_uri_file(const char *path, struct job ***all, size_t *n, size_t *cap)
{
	char **uris = NULL;
	size_t n_uris = 0, cap_uris = 0;
	struct kh_err err;
	int rc = 0;

	if (kh_uri_list_load(path, &uris, &n_uris, &cap_uris, &err) != 0)
		rc = kh_fail("%s", err.msg);
	for (size_t i = 0; i < n_uris; i++) {
		if (rc == 0)
			add_job(all, n, cap, uris[i]);
		free(uris[i]);
	}
	free(uris);
	return rc;
}

static int parse_count(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static void free_jobs(struct job **all, size_t n)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n; i++)
		job_unref(all[i]);
	pthread_mutex_unlock(&lock);
	free(all);
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

static int exec_collect(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "uri-file", required_argument, NULL, 'f' },
		{ "at", required_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct job **all = NULL;
	size_t n = 0, cap = 0;
	const char *at = NULL, *env_uri = getenv("LIBVIRT_DEFAULT_URI");
	int64_t taken_at;
	int jobs = DEFAULT_JOBS, timeout = -1, force = 0;
	pthread_condattr_t cattr;
	struct verify verify = { 0 };
	struct kh_err err;
	struct stat sb;
	int c, rc = KH_EXIT_OK, existed;
	size_t stored = 0;

	while ((c = getopt_long(argc, argv, ":c:j:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (*optarg == '\0') {
				free_jobs(all, n);
				return kh_usage_error(&kh_cmd_collect,
						      "empty URI for -c (leave -c out for libvirt's "
						      "default)");
			}
			add_job(&all, &n, &cap, optarg);
			break;
		case 'F': force = 1; break;
		case 'f':
			if (read_uri_file(optarg, &all, &n, &cap) != 0) {
				free_jobs(all, n);
				return KH_EXIT_ERROR;
			}
			break;
		case 'a': at = optarg; break;
		case 'j':
			if (parse_count(optarg, 1, 1024, &jobs) == 0)
				break;
			free_jobs(all, n);
			return kh_usage_error(&kh_cmd_collect, "invalid --jobs '%s' (1 to 1024)",
					      optarg);
		case 't':
			if (parse_count(optarg, 0, 86400, &timeout) == 0)
				break;
			free_jobs(all, n);
			return kh_usage_error(&kh_cmd_collect,
					      "invalid --timeout '%s' (seconds, 0 to 86400)", optarg);
		default:
			free_jobs(all, n);
			return kh_bad_option(&kh_cmd_collect, c, argv);
		}
	}
	if (optind < argc) {
		free_jobs(all, n);
		return kh_usage_error(&kh_cmd_collect, "unexpected argument '%s'", argv[optind]);
	}
	if (at && kh_time_parse(at, &taken_at, NULL) != 0) {
		free_jobs(all, n);
		return kh_usage_error(&kh_cmd_collect,
				      "invalid time '%s' for --at (ISO 8601, e.g. 2026-11-20T03:00:00Z)",
				      at);
	}
	/* A mistyped year would put a snapshot after every real one for decades. */
	if (at && !force && taken_at > kh_now() + AT_SKEW) {
		char now[KH_TIME_LEN];

		free_jobs(all, n);
		kh_time_format(kh_now(), now);
		return kh_usage_error(&kh_cmd_collect,
				      "--at '%s' is more than a day after now (%s); add --force "
				      "to record it so", at, now);
	}
	/* No -c or --uri-file: $LIBVIRT_DEFAULT_URI, else the config's uri lines, else
	 * libvirt's default. */
	if (n == 0 && !(env_uri && *env_uri))
		for (size_t i = 0; i < ctx->config->n_uris; i++)
			add_job(&all, &n, &cap, ctx->config->uris[i]);
	if (n == 0)
		add_job(&all, &n, &cap, NULL); /* libvirt's default: $LIBVIRT_DEFAULT_URI */
	if (timeout < 0)
		timeout = ctx->config->timeout >= 0 ? ctx->config->timeout : DEFAULT_TIMEOUT;

	/* An existing database is checked before any host is contacted (its pages while they
	 * are read, see verify_start); a new one is made only when there is a snapshot to put
	 * in it, so a bad URI leaves nothing behind. */
	existed = stat(ctx->db_path, &sb) == 0;
	if (existed &&
	    kh_store_open(ctx->db_path, KH_OPEN_CREATE_VERIFY_LATER, &ctx->store, &err) != 0) {
		free_jobs(all, n);
		return kh_fail("%s", err.msg);
	}
#ifdef M_ARENA_MAX
	/* One host at a time: its worker allocates from the main arena, which grows in
	 * 128 KiB steps, not from a thread arena of its own, which grows a page per
	 * mprotect (11,000 calls, 4 % of the time, for 1000 domains). Before any thread
	 * starts; only a tuning, so a refusal changes nothing. */
	if (n == 1 || jobs == 1)
		(void)mallopt(M_ARENA_MAX, 1);
#endif
	if (kh_collector_init(timeout, &err) != 0) {
		free_jobs(all, n);
		return kh_fail("%s", err.msg);
	}
	/* deadlines are measured on the monotonic clock: a clock step must not abandon hosts */
	if (pthread_condattr_init(&cattr) != 0 ||
	    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&changed, &cattr) != 0) {
		free_jobs(all, n);
		return kh_fail("cannot set up threads");
	}
	pthread_condattr_destroy(&cattr);

	for (size_t i = 0; i < n && !ctx->quiet; i++)
		if (all[i]->twice)
			fprintf(stderr, "kvmhist: warning: URI '%s' given more than once; collected "
				"once\n", all[i]->uri);
	verify_start(&verify, ctx->store, all[0]->uri);
	for (size_t i = 0; i < n; i++) {
		struct kh_store_ahead *ahead;
		struct kh_snapshot *snap;
		struct job *j = all[i];
		char when[KH_TIME_LEN];
		int ok;

		kh_progress(ctx, "collecting host", i, n);
		pthread_mutex_lock(&lock);
		wait_for(all, n, i, jobs, timeout);
		/* -q: an object read in part keeps its reason in the snapshot; cron stays quiet. */
		if (!ctx->quiet && j->warnings.len)
			fputs(j->warnings.data, stderr);
		ok = j->state == JOB_DONE && j->ok;
		snap = j->snap;
		j->snap = NULL;
		pthread_mutex_unlock(&lock);

		if (!ok) {
			kh_fail("%s", j->err.msg);
			rc = KH_EXIT_PARTIAL;
			continue;
		}
		if (at)
			snap->taken_at = taken_at;
		if (verify_wait(&verify) != 0) {
			kh_snapshot_free(snap);
			break; /* said below */
		}
		if (at && ctx->store && refuse_same_time(ctx->store, snap) != 0) {
			kh_snapshot_free(snap);
			rc = KH_EXIT_PARTIAL;
			continue;
		}
		if (ctx->store == NULL &&
		    kh_store_open(ctx->db_path, KH_OPEN_CREATE, &ctx->store, &err) != 0) {
			kh_snapshot_free(snap);
			rc = kh_fail("%s", err.msg);
			break;
		}
		/* the read-ahead is the first host's: its put takes it */
		ahead = i == 0 ? verify.ahead : NULL;
		if (i == 0)
			verify.ahead = NULL;
		/* Rolled back whole; the next host's snapshot may still fit (a full disk). */
		if (kh_store_put_ahead(ctx->store, snap, ahead, &err) != 0) {
			kh_fail("%s: not stored: %s", snap->host.uri, err.msg);
			kh_snapshot_free(snap);
			rc = KH_EXIT_PARTIAL;
			continue;
		}
		stored++;
		if (ctx->verbose)
			verbose_line(snap, j->took);
		kh_time_format(snap->taken_at, when);
		if (!ctx->quiet)
			print_record(snap, when);
		kh_snapshot_free(snap);
	}
	kh_progress(ctx, "collecting host", n, n);
	/* also when no host could be read: a damaged database is worth a line of its own */
	if (verify_wait(&verify) != 0)
		rc = kh_fail("%s", verify.err.msg);
	kh_store_ahead_free(verify.ahead); /* the first host failed */
	/* after a database error the rest are not waited for: mark them given up */
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n; i++)
		if (all[i]->state == JOB_RUNNING)
			all[i]->state = JOB_ABANDONED;
	pthread_mutex_unlock(&lock);
	free_jobs(all, n);
	/* A first collect that stored nothing (a full disk) leaves no empty database, as a
	 * bad URI leaves none. */
	if (!existed && stored == 0 && ctx->store) {
		kh_store_remove_unused(ctx->store);
		ctx->store = NULL;
	}
	return rc;
}

const struct kh_cmd kh_cmd_collect = {
	.name = "collect",
	.summary = "take a snapshot of each libvirt connection",
	.usage = "[-c URI]... [--uri-file FILE] [--at TIME [--force]] [-j N]\n"
		 "       [--timeout SECONDS]",
	.options = "  -c, --connect URI  a libvirt URI; repeat for many hosts (default:\n"
		   "                     $LIBVIRT_DEFAULT_URI, else the config's uri lines,\n"
		   "                     else libvirt's default)\n"
		   "  --uri-file FILE    more URIs, one per line (blank lines and # comments\n"
		   "                     skipped)\n"
		   "  --at TIME          record the snapshot as taken at TIME (ISO 8601; backfill;\n"
		   "                     refused when a snapshot of the URI has that very time)\n"
		   "  --force            with --at: allow a TIME more than a day after now\n"
		   "  -j, --jobs N       read up to N hosts at once (default 8)\n"
		   "  --timeout SECONDS  give up a host not read within SECONDS, connecting\n"
		   "                     included (default: the config's timeout, else 60;\n"
		   "                     0: wait for ever)\n\n"
		   "Prints one line per stored snapshot, in the order the URIs were given:\n"
		   "ID<TAB>HOST<TAB>TAKEN_AT<TAB>URI.\n"
		   "Exit 0 when every URI was collected, 1 when any failed or timed out (the\n"
		   "others are stored), 2 for usage or database errors.\n",
	.exec = exec_collect,
};
