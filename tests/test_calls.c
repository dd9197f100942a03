/* The calls in flight of virt/calls.c: how many calls, how many round trips, failures kept
 * with libvirt's own error, progress reported per answer. */
#include "virt/calls.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

struct slow {
	struct kh_call call;
	int ms;
};

/* A call that takes `ms` to be answered, as one over a link would. */
static int slow_call(struct kh_call *c)
{
	struct slow *s = (struct slow *)c;
	struct timespec ts = { 0, s->ms * 1000000L };

	nanosleep(&ts, NULL);
	return 0;
}

static int answers;
static pthread_mutex_t answers_lock = PTHREAD_MUTEX_INITIALIZER;

static void count_answer(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&answers_lock);
	answers++;
	pthread_mutex_unlock(&answers_lock);
}

/* Pushes n slow calls at once through a queue of `workers`, waits for them all. */
static void run_slow(unsigned workers, int n, unsigned *calls, unsigned *trips)
{
	struct kh_calls *q = kh_calls_new(workers, count_answer, NULL);
	struct slow *s = calloc((size_t)n, sizeof *s);

	assert_non_null(s);
	answers = 0;
	for (int i = 0; i < n; i++) {
		s[i].call.fn = slow_call;
		s[i].ms = 5;
		kh_calls_push(q, &s[i].call, i % 7 == 0);
	}
	for (int i = 0; i < n; i++) {
		kh_calls_wait(q, &s[i].call);
		assert_false(s[i].call.failed);
	}
	kh_calls_count(q, calls, trips);
	kh_calls_free(q);
	free(s);
}

/* Without workers every call runs in the push, one after the other: a round trip each. */
static void test_in_sequence(void **state)
{
	unsigned calls, trips;

	(void)state;
	run_slow(0, 12, &calls, &trips);
	assert_int_equal(calls, 12);
	assert_int_equal(trips, 12);
	assert_int_equal(answers, 12);
}

/* With 8 workers 64 calls need at least 64 / 8 round trips, and far fewer than 64 (the
 * scheduler may stagger the workers a little, never back into sequence). */
static void test_in_flight(void **state)
{
	unsigned calls, trips;

	(void)state;
	run_slow(8, 64, &calls, &trips);
	assert_int_equal(calls, 64);
	assert_int_equal(answers, 64);
	assert_true(trips >= 8);
	assert_true(trips <= 32);
}

struct open_call {
	struct kh_call call;
	virConnectPtr conn;
};

static int open_missing(struct kh_call *c)
{
	struct open_call *o = (struct open_call *)c;

	o->conn = virConnectOpen("kvmhist-no-such-driver:///");
	return o->conn ? 0 : -1;
}

static void silent(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

/* A failure made in a worker keeps libvirt's code and message (its error is per thread). */
static void test_failure_kept(void **state)
{
	struct kh_calls *q = kh_calls_new(2, NULL, NULL);
	struct open_call o = { .call.fn = open_missing };

	(void)state;
	virSetErrorFunc(NULL, silent);
	assert_int_equal(kh_calls_run(q, &o.call), -1);
	assert_true(o.call.failed);
	assert_int_not_equal(o.call.code, VIR_ERR_OK);
	assert_non_null(o.call.message);
	assert_null(o.conn);
	kh_call_clear(&o.call);
	assert_null(o.call.message);
	kh_calls_free(q);
	kh_calls_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_sequence),
		cmocka_unit_test(test_in_flight),
		cmocka_unit_test(test_failure_kept),
	};

	/* as kh_collect's callers do (kh_collector_init): libvirt's per-thread errors need it */
	if (virInitialize() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
