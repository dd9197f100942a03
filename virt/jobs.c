/* The scheduler of collect: only the caller's thread hands results out, in URI order, so the
 * database is written by one thread, in the order the URIs were given. */
#include "virt/jobs.h"
#include "virt/collector.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_DONE, JOB_ABANDONED };

/* One URI. Shared by the main thread and its worker under `lock`; the last of the two to
 * let go frees it, so a worker that outlives its deadline never touches freed memory. */
struct job {
	char *uri;              /* NULL: libvirt's default */
	enum job_state state;
	int refs;
	struct timespec deadline;
	struct timespec answered; /* when the host last answered: the deadline follows it */
	struct kh_snapshot *snap;
	struct kh_collect_counts counts;
	int ok;
	struct kh_err err;
	struct kh_buf warnings; /* handed out by the main thread, in URI order */
	double took;            /* seconds the collection took, for -v */
	int twice;              /* given more than once: collected once */
};

struct kh_jobs {
	struct job **all;
	size_t n, cap;
	int jobs, timeout;
};

/* Static, not in struct kh_jobs: abandoned workers may still take them after it is freed. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;
static pthread_once_t changed_once = PTHREAD_ONCE_INIT;
static int changed_rc;

static void job_unref(struct job *j)
{
	if (--j->refs > 0)
		return;
	kh_snapshot_free(j->snap);
	kh_buf_free(&j->warnings);
	free(j->uri);
	free(j);
}

struct kh_jobs *kh_jobs_new(void)
{
	return kh_calloc(1, sizeof(struct kh_jobs));
}

void kh_jobs_add(struct kh_jobs *q, const char *uri)
{
	struct job *j;

	for (size_t i = 0; uri && i < q->n; i++)
		if (q->all[i]->uri && strcmp(q->all[i]->uri, uri) == 0) {
			q->all[i]->twice = 1;
			return;
		}
	j = kh_calloc(1, sizeof *j);
	j->uri = kh_strdup(uri);
	j->refs = 1;
	*KH_PUSH(q->all, q->n, q->cap) = j;
}

size_t kh_jobs_count(const struct kh_jobs *q)
{
	return q->n;
}

const char *kh_jobs_uri(const struct kh_jobs *q, size_t i)
{
	return q->all[i]->uri;
}

int kh_jobs_repeated(const struct kh_jobs *q, size_t i)
{
	return q->all[i]->twice;
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

/* A slow host that keeps answering is not given up: each answer moves its deadline. */
static void alive(void *ctx)
{
	struct job *j = ctx;

	pthread_mutex_lock(&lock);
	clock_gettime(CLOCK_MONOTONIC, &j->answered);
	pthread_mutex_unlock(&lock);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct kh_snapshot *snap = NULL;
	struct kh_err err = { { 0 } };
	struct kh_collect_counts counts = { 0, 0 };
	double start = seconds();
	int ok = kh_collect(j->uri, &snap, warn_line, alive, j, &counts, &err) == 0;

	if (ok)
		snap->taken_at = kh_now();
	pthread_mutex_lock(&lock);
	if (j->state == JOB_RUNNING) {
		j->snap = snap;
		j->ok = ok;
		j->err = err;
		j->took = seconds() - start;
		j->counts = counts;
		j->state = JOB_DONE;
		pthread_cond_broadcast(&changed);
	} else {
		kh_snapshot_free(snap); /* too late: the main thread gave up on it */
	}
	job_unref(j);
	pthread_mutex_unlock(&lock);
	return NULL;
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
	j->answered = j->deadline;
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

/* Keeps up to q->jobs URIs running and gives up those past their deadline, until job
 * `want` is done or abandoned (lock held). */
static void wait_for(struct kh_jobs *q, size_t want)
{
	for (;;) {
		struct timespec now, first = { 0, 0 };
		int running = 0, have_first = 0;

		clock_gettime(CLOCK_MONOTONIC, &now);
		for (size_t i = 0; i < q->n; i++) {
			struct job *j = q->all[i];

			if (j->state == JOB_RUNNING && !ts_before(&now, &j->deadline) && q->timeout > 0) {
				/* given up only after `timeout` seconds without an answer */
				j->deadline = j->answered;
				j->deadline.tv_sec += q->timeout;
			}
			if (j->state == JOB_RUNNING && !ts_before(&now, &j->deadline)) {
				j->state = JOB_ABANDONED;
				kh_err_set(&j->err, "cannot collect '%s': no answer within %d s (--timeout)",
					   job_name(j), q->timeout);
			}
			if (j->state == JOB_WAITING && running < q->jobs)
				start(j, q->timeout);
			if (j->state == JOB_RUNNING) {
				running++;
				if (!have_first || ts_before(&j->deadline, &first))
					first = j->deadline;
				have_first = 1;
			}
		}
		if (q->all[want]->state == JOB_DONE || q->all[want]->state == JOB_ABANDONED)
			return;
		pthread_cond_timedwait(&changed, &lock, &first);
	}
}

/* Deadlines are measured on the monotonic clock: a clock step must not abandon hosts. Once
 * per process: a worker left behind by an earlier run may still signal it. */
static void changed_init(void)
{
	pthread_condattr_t cattr;

	changed_rc = -1;
	if (pthread_condattr_init(&cattr) != 0)
		return;
	if (pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&changed, &cattr) == 0)
		changed_rc = 0;
	pthread_condattr_destroy(&cattr);
}

int kh_jobs_prepare(struct kh_jobs *q, int jobs, int timeout, struct kh_err *err)
{
	q->jobs = jobs;
	q->timeout = timeout;
#ifdef M_ARENA_MAX
	/* One host at a time: its worker allocates from the main arena, which grows in
	 * 128 KiB steps, not from a thread arena of its own, which grows a page per
	 * mprotect. Before any thread starts; only a tuning, so a refusal changes nothing. */
	if (q->n == 1 || jobs == 1)
		(void)mallopt(M_ARENA_MAX, 1);
#endif
	if (kh_collector_init(timeout, err) != 0)
		return -1;
	pthread_once(&changed_once, changed_init);
	if (changed_rc != 0)
		return kh_err_set(err, "cannot set up threads");
	return 0;
}

struct kh_snapshot *kh_jobs_wait(struct kh_jobs *q, size_t i, char **warnings, double *took,
				 struct kh_collect_counts *counts, struct kh_err *err)
{
	struct job *j = q->all[i];
	struct kh_snapshot *snap = NULL;

	pthread_mutex_lock(&lock);
	wait_for(q, i);
	/* copied under the lock: an abandoned worker may still be adding to them */
	*warnings = j->warnings.len ? kh_strdup(j->warnings.data) : NULL;
	*took = j->took;
	*counts = j->counts;
	if (j->state == JOB_DONE && j->ok) {
		snap = j->snap;
		j->snap = NULL;
	} else {
		*err = j->err;
	}
	pthread_mutex_unlock(&lock);
	return snap;
}

void kh_jobs_free(struct kh_jobs *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < q->n; i++) {
		if (q->all[i]->state == JOB_RUNNING)
			q->all[i]->state = JOB_ABANDONED;
		job_unref(q->all[i]);
	}
	pthread_mutex_unlock(&lock);
	free(q->all);
	free(q);
}
