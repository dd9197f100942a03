/* Calls in flight: see calls.h. One mutex, one FIFO, its workers. */
#include "virt/calls.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

struct kh_calls {
	pthread_mutex_t lock;
	pthread_cond_t work, answered;
	struct kh_call *head, *tail;
	pthread_t *threads;
	unsigned n_threads;
	int stop;
	unsigned calls, answered_depth, max_depth;
	kh_calls_progress_fn *progress;
	void *ctx;
};

/* Runs c (lock not held); its depth was set when it was taken. */
static void run_one(struct kh_calls *q, struct kh_call *c)
{
	c->failed = c->fn(c) != 0;
	if (c->failed) {
		virErrorPtr e = virGetLastError();

		c->code = e ? e->code : VIR_ERR_INTERNAL_ERROR;
		c->message = kh_strdup(e && e->message ? e->message : "unknown error");
	}
	virResetLastError(); /* the worker's own: the next call starts clean */
	pthread_mutex_lock(&q->lock);
	c->done = 1;
	if (c->depth > q->answered_depth)
		q->answered_depth = c->depth;
	pthread_cond_broadcast(&q->answered);
	pthread_mutex_unlock(&q->lock);
	if (q->progress)
		q->progress(q->ctx);
}

/* Counts c as sent now (lock held). */
static void take(struct kh_calls *q, struct kh_call *c)
{
	c->depth = q->answered_depth + 1;
	if (c->depth > q->max_depth)
		q->max_depth = c->depth;
	q->calls++;
}

static void *worker(void *arg)
{
	struct kh_calls *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct kh_call *c;

		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->work, &q->lock);
		if (q->head == NULL)
			break;
		c = q->head;
		q->head = c->next;
		if (q->head == NULL)
			q->tail = NULL;
		take(q, c);
		pthread_mutex_unlock(&q->lock);
		run_one(q, c);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct kh_calls *kh_calls_new(unsigned workers, kh_calls_progress_fn *progress, void *ctx)
{
	struct kh_calls *q = kh_calloc(1, sizeof *q);
	pthread_attr_t attr;

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->answered, NULL);
	q->progress = progress;
	q->ctx = ctx;
	if (workers == 0 || pthread_attr_init(&attr) != 0)
		return q;
	/* a worker only waits on libvirt: a small stack is plenty */
	(void)pthread_attr_setstacksize(&attr, 1024 * 1024);
	q->threads = kh_calloc(workers, sizeof *q->threads);
	/* no thread at all: every call runs in kh_calls_push */
	while (q->n_threads < workers &&
	       pthread_create(&q->threads[q->n_threads], &attr, worker, q) == 0)
		q->n_threads++;
	pthread_attr_destroy(&attr);
	return q;
}

void kh_calls_push(struct kh_calls *q, struct kh_call *c, int urgent)
{
	c->done = 0;
	c->failed = 0;
	c->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->n_threads == 0) { /* no workers: here and now */
		take(q, c);
		pthread_mutex_unlock(&q->lock);
		run_one(q, c);
		return;
	}
	if (q->head == NULL) {
		q->head = q->tail = c;
	} else if (urgent) {
		c->next = q->head;
		q->head = c;
	} else {
		q->tail->next = c;
		q->tail = c;
	}
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
}

void kh_calls_wait(struct kh_calls *q, struct kh_call *c)
{
	pthread_mutex_lock(&q->lock);
	while (!c->done)
		pthread_cond_wait(&q->answered, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

int kh_calls_run(struct kh_calls *q, struct kh_call *c)
{
	kh_calls_push(q, c, 1);
	kh_calls_wait(q, c);
	return c->failed ? -1 : 0;
}

void kh_call_clear(struct kh_call *c)
{
	free(c->message);
	c->message = NULL;
	c->failed = 0;
	c->code = 0;
}

void kh_calls_count(struct kh_calls *q, unsigned *calls, unsigned *round_trips)
{
	pthread_mutex_lock(&q->lock);
	*calls = q->calls;
	*round_trips = q->max_depth;
	pthread_mutex_unlock(&q->lock);
}

void kh_calls_free(struct kh_calls *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
	for (unsigned t = 0; t < q->n_threads; t++)
		pthread_join(q->threads[t], NULL);
	free(q->threads);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->answered);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
