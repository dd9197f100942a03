/* Calls in flight: a host's libvirt calls made by worker threads sharing its connection, so
 * that a collection over a remote link costs about (calls / calls in flight) round trips,
 * not one per call. libvirt's client multiplexes the calls of many threads over one
 * connection.
 *
 * A call is a struct the caller embeds in its own (a per-object queue: domains, volumes, and
 * whatever else a reader needs); the caller pushes it, goes on, and waits for it where it
 * needs the answer, in its own order, so what it makes of the answers (warnings included)
 * does not depend on the order the answers came in. */
#ifndef KH_VIRT_CALLS_H
#define KH_VIRT_CALLS_H

#include <stddef.h>

struct kh_call;
/* Makes one libvirt call (in a worker thread); returns 0, or -1 when libvirt failed (its
 * error is then kept in the call). */
typedef int kh_call_fn(struct kh_call *c);

struct kh_call {
	kh_call_fn *fn;
	/* filled in when done */
	int failed;
	int code;               /* libvirt's error code when failed */
	char *message;          /* libvirt's message when failed (owned; kh_call_clear) */
	/* private */
	unsigned depth;         /* round trips before its answer came: see kh_calls_count */
	int done;
	struct kh_call *next;
};

/* Progress: called (from a worker, no lock held) each time a call is answered. */
typedef void kh_calls_progress_fn(void *ctx);

struct kh_calls;

/* A queue served by `workers` threads (0, or none could be started: every call runs in
 * kh_calls_push itself, as for in-process drivers where there is no link to wait on). */
struct kh_calls *kh_calls_new(unsigned workers, kh_calls_progress_fn *progress, void *ctx);
/* Queues c (urgent: ahead of the others, for a call that others wait on). */
void kh_calls_push(struct kh_calls *q, struct kh_call *c, int urgent);
/* Waits until c is answered. */
void kh_calls_wait(struct kh_calls *q, struct kh_call *c);
/* Both: one call in sequence. Returns c->failed ? -1 : 0. */
int kh_calls_run(struct kh_calls *q, struct kh_call *c);
/* Frees what a done call holds (its message) and makes it ready to be pushed again. */
void kh_call_clear(struct kh_call *c);
/* Calls made so far, and the round trips they needed: the longest chain of calls each of
 * which was sent only after the one before it was answered (one per call when they run in
 * sequence, about calls / calls in flight when the workers are kept busy). */
void kh_calls_count(struct kh_calls *q, unsigned *calls, unsigned *round_trips);
/* Stops and joins the workers (every pushed call must have been waited for). NULL is a no-op. */
void kh_calls_free(struct kh_calls *q);

#endif
