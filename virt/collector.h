/* The libvirt collector: virt/collector.c is the only code in kvmhist that includes libvirt.
 * It reads one host; virt/jobs.h reads many at once. */
#ifndef KH_VIRT_COLLECTOR_H
#define KH_VIRT_COLLECTOR_H

#include "store/model.h"
#include "util/err.h"

/* Prepares libvirt and libxml2 for collections in many threads at once: runs libvirt's
 * default event loop in a thread of its own, so that every later connection can ask for
 * keepalive messages; with them a host that stops answering is dropped after about
 * `timeout` seconds (0: no keepalive). Call once, before any thread calls kh_collect.
 * Returns 0, or -1 with err. */
int kh_collector_init(int timeout, struct kh_err *err);

/* Called once per object that could be read only in part (the snapshot still holds it). */
typedef void kh_warn_fn(void *ctx, const char *msg);
/* Called (from any thread) each time the host answers: it is alive, if slow. */
typedef void kh_alive_fn(void *ctx);

/* What a collection cost: the libvirt calls made once connected, and the round trips they
 * needed (the longest chain of calls each sent only after the one before it was answered). */
struct kh_collect_counts {
	unsigned calls, round_trips;
};

/* Connects to `uri` (NULL: libvirt's default, $LIBVIRT_DEFAULT_URI) read-write, since pool
 * refresh needs it, falling back to read-only (no refresh) with a warning,
 * reads host facts, domains, pools (refreshed first), volumes and networks, links disks
 * to volumes, and returns the snapshot sorted (taken_at left 0 for the caller).
 * host.uri is `uri` as given, or the connection's canonical URI when NULL.
 * Over a remote connection the calls overlap, up to 20 in flight on the one connection (4 on
 * one that opened within 10 ms); in-process drivers (test:) are read call after call.
 * `alive` and `counts` may be NULL.
 * Returns 0, or -1 with err naming the URI and the cause (nothing is returned then). */
int kh_collect(const char *uri, struct kh_snapshot **out, kh_warn_fn *warn, kh_alive_fn *alive,
	       void *ctx, struct kh_collect_counts *counts, struct kh_err *err);

/* Whether `uri` reaches a libvirt daemon on this machine (a local driver's "qemu:///system",
 * "qemu:///session": no transport, host or parameters; not the test driver). collect then
 * records each running dir, fs and netfs pool's target_device. */
int kh_uri_is_local(const char *uri);

/* The version of the libvirt library in use, libvirt's encoding; -1 if unknown. */
long long kh_collector_libvirt_version(void);

#endif
