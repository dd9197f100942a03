/* Many hosts at once: one thread per URI, at most `jobs` at a time. A host that gives no
 * answer for `timeout` seconds (connecting included) is given up, however long it has been
 * answering before: its thread is left to itself
 * (libvirt may block in a call that never returns) and whatever it finds later is thrown
 * away. Results are handed out in the order the URIs were added. */
#ifndef KH_VIRT_JOBS_H
#define KH_VIRT_JOBS_H

#include "store/model.h"
#include "util/err.h"
#include "virt/collector.h"

#include <stddef.h>

struct kh_jobs;

struct kh_jobs *kh_jobs_new(void);
/* uri NULL: libvirt's default ($LIBVIRT_DEFAULT_URI). A URI added again is not added: two
 * snapshots of one host at one moment would be one snapshot stored twice. */
void kh_jobs_add(struct kh_jobs *q, const char *uri);
size_t kh_jobs_count(const struct kh_jobs *q);
const char *kh_jobs_uri(const struct kh_jobs *q, size_t i);
/* Whether URI i was added more than once. */
int kh_jobs_repeated(const struct kh_jobs *q, size_t i);

/* Prepares libvirt (kh_collector_init) and the threads; contacts no host yet. Call once,
 * before kh_jobs_wait. Returns 0, or -1 with err. */
int kh_jobs_prepare(struct kh_jobs *q, int jobs, int timeout, struct kh_err *err);

/* Waits for host i, starting and giving up hosts meanwhile, and hands over its snapshot
 * (taken_at: when its reading ended), or NULL with err naming the URI and the cause.
 * *warnings: the lines of the objects read in part ("kvmhist: warning: ...\n" each), NULL
 * when none; *took: the seconds its reading took; *counts: its calls and round trips. The
 * caller frees *warnings. */
struct kh_snapshot *kh_jobs_wait(struct kh_jobs *q, size_t i, char **warnings, double *took,
				 struct kh_collect_counts *counts, struct kh_err *err);

/* Gives up every host still being read and frees q. */
void kh_jobs_free(struct kh_jobs *q);

#endif
