/* The libvirt collector. Reads one host into a kh_snapshot; never changes anything there.
 * An object that fails half-way (it vanished, or a call timed out) stays in the snapshot with
 * what could be read and an `error`; only a failure to connect or to list fails the snapshot. */
#include "virt/collector.h"
#include "virt/calls.h"
#include "virt/xml.h"
#include "util/mem.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* The objects a filtered list call returned, by UUID. Round trips are what a collection over
 * a remote connection waits for; `known` is 0 where the daemon refused the filter, and each
 * object is then asked on its own. */
struct uuid_set {
	unsigned char (*uuid)[VIR_UUID_BUFLEN];
	size_t n;
	int known;
};

/* A block statistics record and its domain's UUID, read once. */
struct stat_ref {
	unsigned char uuid[VIR_UUID_BUFLEN];
	virDomainStatsRecordPtr r;
};

/* What a collection asks libvirt, one value each. Object reads (domain, pool, volume,
 * network) are queued per object and answered in any order; see virt/calls.h. */
enum op {
	OP_URI, OP_HOSTNAME, OP_TYPE, OP_LIBVERSION, OP_VERSION, OP_CAPABILITIES,
	OP_LIST_DOMAINS, OP_DOMAIN_STATS, OP_LIST_POOLS, OP_LIST_NETWORKS,
	OP_DOMAIN_INFO, OP_DOMAIN_XML, OP_DOMAIN_AUTOSTART, OP_DOMAIN_PERSISTENT,
	OP_DOMAIN_SNAPSHOTS, OP_SNAPSHOT_CURRENT, OP_SNAPSHOT_XML,
	OP_POOL_ACTIVE, OP_POOL_REFRESH, OP_POOL_INFO, OP_POOL_AUTOSTART, OP_POOL_PERSISTENT,
	OP_POOL_XML, OP_POOL_VOLUMES,
	OP_VOLUME_XML,
	OP_NETWORK_ACTIVE, OP_NETWORK_AUTOSTART, OP_NETWORK_PERSISTENT, OP_NETWORK_BRIDGE,
	OP_NETWORK_XML,
};

/* One libvirt call and its answer. */
struct vcall {
	struct kh_call call;    /* first: the queue hands it back */
	enum op op;
	unsigned flags;
	union {
		virConnectPtr conn;
		virDomainPtr dom;
		virStoragePoolPtr pool;
		virStorageVolPtr vol;
		virNetworkPtr net;
		virDomainSnapshotPtr snap;
	} on;
	int prepared, pushed;
	/* the answer, by op */
	int i;
	unsigned long ul;
	char *str;
	const char *cstr;
	virDomainInfo dom_info;
	virStoragePoolInfo pool_info;
	void **list;            /* handles (or statistics records) of a list call */
	int n;
	virDomainSnapshotPtr snap;
};

/* Over a remote link: this many calls in flight on the host's one connection. libvirtd
 * serves max_client_requests (5 by default) of a client's calls at once and reads the next
 * as each is answered, so the others wait in its socket rather than a round trip each.
 * Measured on the 200-domain lab through a 20 ms link: 1 connection x 20 calls beats 3
 * connections x 5 (each extra qemu+ssh connection is another login), 20 beats 10 or 15. */
#define IN_FLIGHT 20
#define IN_FLIGHT_NEAR 4

struct dom_read {
	virDomainPtr dom;
	/* read once (each libvirt call costs thousands of instructions, even one that copies
	 * what the handle holds); has_uuid 0 when the call failed */
	unsigned char uuid[VIR_UUID_BUFLEN];
	int has_uuid;
	struct vcall info, xml, live, autostart, persistent;
	struct vcall snaps, current, *snap_xml; /* its snapshots: the list, then the rest */
	int info_from_stats;    /* info.dom_info filled from the statistics: never asked */
};

struct vol_read {
	virStorageVolPtr vol;
	struct vcall xml;
};

struct pool_read {
	virStoragePoolPtr pool;
	struct vcall active, refresh, info, autostart, persistent, xml, volumes;
	struct vol_read *vols;
	size_t n_vols;
};

struct net_read {
	virNetworkPtr net;
	struct vcall active, autostart, persistent, bridge, xml;
};

struct collect {
	virConnectPtr conn;
	const char *uri;        /* for messages: as given, or "the default URI" */
	const char *uri_given;  /* NULL: libvirt's default */
	int read_only;
	int local;              /* the daemon is on this machine: its pool paths are ours */
	struct kh_snapshot *s;
	kh_warn_fn *warn;
	void *ctx;
	struct kh_calls *q;
	/* host facts and lists, asked at once */
	struct vcall uri_call, hostname, type, libversion, version, caps;
	struct vcall doms_call, stats_call, autostart_call, transient_call, has_snaps_call;
	struct vcall pools_call, nets_call;
	struct dom_read *doms;
	struct pool_read *pools;
	struct net_read *nets;
	size_t n_doms, n_pools, n_nets;
	/* Flags of every domain from two filtered list calls, not two calls per domain; and from
	 * a third, which domains have snapshots to list (most have none). */
	struct uuid_set autostart, transient, has_snaps;
	virDomainStatsRecordPtr *stats; /* state and block statistics of every domain, or NULL */
	struct stat_ref *by_uuid;       /* the same records sorted by UUID, for bsearch */
	size_t n_stats;
	char *stats_warning;            /* said where today's order says it */
	struct kh_xdoc x;
};

/* ---- errors ---- */

/* libvirt would print every error to stderr by itself; we report them once, our way. */
static void silent_error(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

/* A libvirt message on one line (ssh failures carry newlines). */
static void one_line(const char *m, char *out, size_t n)
{
	size_t len = 0;

	for (; *m && len + 1 < n; m++) {
		char ch = (*m == '\n' || *m == '\r' || *m == '\t') ? ' ' : *m;

		if (ch == ' ' && (len == 0 || out[len - 1] == ' '))
			continue;
		out[len++] = ch;
	}
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
}

/* libvirt's last message on one line. */
static void lv_cause_keep(char *out, size_t n)
{
	one_line(virGetLastErrorMessage(), out, n);
}

/* The same, and resets the error: it has been dealt with. */
static void lv_cause(char *out, size_t n)
{
	lv_cause_keep(out, n);
	virResetLastError();
}

static int lv_code(void)
{
	virErrorPtr e = virGetLastError();

	return e ? e->code : VIR_ERR_OK;
}

/* Whether an error says the object is gone from the host, so reading on would only repeat
 * "not found". */
static int gone(int code)
{
	return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_NO_STORAGE_POOL ||
	       code == VIR_ERR_NO_STORAGE_VOL || code == VIR_ERR_NO_NETWORK;
}

/* Records a failed libvirt call on an object. Returns 1 when the object is gone. */
static int lv_failed(char **error, const char *what)
{
	int code = lv_code();
	char cause[512];

	lv_cause(cause, sizeof cause);
	kh_note(error, what, cause);
	return gone(code);
}

/* What the handle itself holds (a name, a UUID, a key; s is NULL when the call failed)
 * into *dest, or the cause noted in *error: nonzero when the object is gone and reading it
 * ends. */
static int take_held(const char *s, char **dest, char **error, const char *what)
{
	if (s != NULL) {
		*dest = kh_strdup(s);
		return 0;
	}
	return lv_failed(error, what);
}

static void warnf(struct collect *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warnf(struct collect *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (c->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->warn(c->ctx, msg);
}
/* ---- calls in flight ---- */

static int vcall_run(struct kh_call *kc)
{
	struct vcall *v = (struct vcall *)kc;
	unsigned stats = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BALLOON |
			 VIR_DOMAIN_STATS_BLOCK;

	switch (v->op) {
	case OP_URI:
		return (v->str = virConnectGetURI(v->on.conn)) ? 0 : -1;
	case OP_HOSTNAME:
		return (v->str = virConnectGetHostname(v->on.conn)) ? 0 : -1;
	case OP_TYPE:
		return (v->cstr = virConnectGetType(v->on.conn)) ? 0 : -1;
	case OP_LIBVERSION:
		return virConnectGetLibVersion(v->on.conn, &v->ul);
	case OP_VERSION:
		return virConnectGetVersion(v->on.conn, &v->ul);
	case OP_CAPABILITIES:
		return (v->str = virConnectGetCapabilities(v->on.conn)) ? 0 : -1;
	case OP_LIST_DOMAINS:
		v->n = virConnectListAllDomains(v->on.conn, (virDomainPtr **)&v->list, v->flags);
		return v->n < 0 ? -1 : 0;
	case OP_DOMAIN_STATS:
		/* NOWAIT skips a domain whose monitor is busy rather than hanging the whole
		 * collection on it; a daemon older than libvirt 4.5 refuses it as unknown */
		v->n = virConnectGetAllDomainStats(v->on.conn, stats,
						   (virDomainStatsRecordPtr **)&v->list,
						   VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
		if (v->n < 0 && lv_code() == VIR_ERR_INVALID_ARG) {
			virResetLastError();
			v->n = virConnectGetAllDomainStats(v->on.conn, stats,
							   (virDomainStatsRecordPtr **)&v->list, 0);
		}
		return v->n < 0 ? -1 : 0;
	case OP_LIST_POOLS:
		v->n = virConnectListAllStoragePools(v->on.conn, (virStoragePoolPtr **)&v->list, 0);
		return v->n < 0 ? -1 : 0;
	case OP_LIST_NETWORKS:
		v->n = virConnectListAllNetworks(v->on.conn, (virNetworkPtr **)&v->list, 0);
		return v->n < 0 ? -1 : 0;
	case OP_DOMAIN_INFO:
		return virDomainGetInfo(v->on.dom, &v->dom_info);
	case OP_DOMAIN_XML:
		/* flags: VIR_DOMAIN_XML_INACTIVE or 0; never VIR_DOMAIN_XML_SECURE */
		return (v->str = virDomainGetXMLDesc(v->on.dom, v->flags)) ? 0 : -1;
	case OP_DOMAIN_AUTOSTART:
		return virDomainGetAutostart(v->on.dom, &v->i);
	case OP_DOMAIN_PERSISTENT:
		return (v->i = virDomainIsPersistent(v->on.dom)) < 0 ? -1 : 0;
	case OP_DOMAIN_SNAPSHOTS:
		v->n = virDomainListAllSnapshots(v->on.dom, (virDomainSnapshotPtr **)&v->list, 0);
		return v->n < 0 ? -1 : 0;
	case OP_SNAPSHOT_CURRENT:
		return (v->snap = virDomainSnapshotCurrent(v->on.dom, 0)) ? 0 : -1;
	case OP_SNAPSHOT_XML:
		/* never VIR_DOMAIN_SNAPSHOT_XML_SECURE */
		return (v->str = virDomainSnapshotGetXMLDesc(v->on.snap, 0)) ? 0 : -1;
	case OP_POOL_ACTIVE:
		return (v->i = virStoragePoolIsActive(v->on.pool)) < 0 ? -1 : 0;
	case OP_POOL_REFRESH:
		return virStoragePoolRefresh(v->on.pool, 0);
	case OP_POOL_INFO:
		return virStoragePoolGetInfo(v->on.pool, &v->pool_info);
	case OP_POOL_AUTOSTART:
		return virStoragePoolGetAutostart(v->on.pool, &v->i);
	case OP_POOL_PERSISTENT:
		return (v->i = virStoragePoolIsPersistent(v->on.pool)) < 0 ? -1 : 0;
	case OP_POOL_XML:
		return (v->str = virStoragePoolGetXMLDesc(v->on.pool, 0)) ? 0 : -1;
	case OP_POOL_VOLUMES:
		v->n = virStoragePoolListAllVolumes(v->on.pool, (virStorageVolPtr **)&v->list, 0);
		return v->n < 0 ? -1 : 0;
	case OP_VOLUME_XML:
		return (v->str = virStorageVolGetXMLDesc(v->on.vol, 0)) ? 0 : -1;
	case OP_NETWORK_ACTIVE:
		return (v->i = virNetworkIsActive(v->on.net)) < 0 ? -1 : 0;
	case OP_NETWORK_AUTOSTART:
		return virNetworkGetAutostart(v->on.net, &v->i);
	case OP_NETWORK_PERSISTENT:
		return (v->i = virNetworkIsPersistent(v->on.net)) < 0 ? -1 : 0;
	case OP_NETWORK_BRIDGE:
		return (v->str = virNetworkGetBridgeName(v->on.net)) ? 0 : -1;
	case OP_NETWORK_XML:
		return (v->str = virNetworkGetXMLDesc(v->on.net, 0)) ? 0 : -1;
	}
	return -1;
}

/* Sets v up to ask `op` of `on`, without sending it yet. */
static void prep(struct vcall *v, enum op op, void *on, unsigned flags)
{
	v->call.fn = vcall_run;
	v->op = op;
	switch (op) {
	case OP_DOMAIN_INFO: case OP_DOMAIN_XML: case OP_DOMAIN_AUTOSTART: case OP_DOMAIN_PERSISTENT:
	case OP_DOMAIN_SNAPSHOTS: case OP_SNAPSHOT_CURRENT:
		v->on.dom = on;
		break;
	case OP_SNAPSHOT_XML:
		v->on.snap = on;
		break;
	case OP_POOL_ACTIVE: case OP_POOL_REFRESH: case OP_POOL_INFO: case OP_POOL_AUTOSTART:
	case OP_POOL_PERSISTENT: case OP_POOL_XML: case OP_POOL_VOLUMES:
		v->on.pool = on;
		break;
	case OP_VOLUME_XML:
		v->on.vol = on;
		break;
	case OP_NETWORK_ACTIVE: case OP_NETWORK_AUTOSTART: case OP_NETWORK_PERSISTENT:
	case OP_NETWORK_BRIDGE: case OP_NETWORK_XML:
		v->on.net = on;
		break;
	default:
		v->on.conn = on;
		break;
	}
	v->flags = flags;
	v->prepared = 1;
}

static void push(struct collect *c, struct vcall *v, int urgent)
{
	v->pushed = 1;
	kh_calls_push(c->q, &v->call, urgent);
}

/* prep and push. */
static void ask(struct collect *c, struct vcall *v, enum op op, void *on, unsigned flags,
		int urgent)
{
	prep(v, op, on, flags);
	push(c, v, urgent);
}

/* Waits for v's answer (asking it now if it was only prepared): 0, or -1 when it failed. */
static int answer(struct collect *c, struct vcall *v)
{
	if (!v->pushed && v->prepared)
		push(c, v, 1);
	if (!v->pushed)
		return -1;
	kh_calls_wait(c->q, &v->call);
	return v->call.failed ? -1 : 0;
}

/* v's failure on one line. */
static void v_cause(const struct vcall *v, char *out, size_t n)
{
	one_line(v->call.message ? v->call.message : "unknown error", out, n);
}

/* lv_failed for a call answered in a worker. */
static int v_failed(char **error, const char *what, const struct vcall *v)
{
	char cause[512];

	v_cause(v, cause, sizeof cause);
	kh_note(error, what, cause);
	return gone(v->call.code);
}

/* An answered yes/no into *dest (left as it is when unanswered, the cause noted in *error):
 * nonzero when the object is gone and reading it ends. */
static int take_flag(struct collect *c, struct vcall *v, int *dest, char **error,
		     const char *what)
{
	if (answer(c, v) == 0) {
		*dest = v->i != 0;
		return 0;
	}
	return v_failed(error, what, v);
}
/* Waits for v if it was sent, and frees what it answered that nobody took. */
static void release(struct collect *c, struct vcall *v)
{
	if (v->pushed)
		kh_calls_wait(c->q, &v->call);
	for (int i = 0; v->list && i < v->n; i++) {
		switch (v->op) {
		case OP_LIST_DOMAINS: virDomainFree(v->list[i]); break;
		case OP_LIST_POOLS: virStoragePoolFree(v->list[i]); break;
		case OP_LIST_NETWORKS: virNetworkFree(v->list[i]); break;
		case OP_POOL_VOLUMES: virStorageVolFree(v->list[i]); break;
		case OP_DOMAIN_SNAPSHOTS: virDomainSnapshotFree(v->list[i]); break;
		default: break;
		}
	}
	if (v->snap)
		virDomainSnapshotFree(v->snap);
	if (v->op == OP_DOMAIN_STATS && v->list)
		virDomainStatsRecordListFree((virDomainStatsRecordPtr *)v->list);
	else
		free(v->list);
	free(v->str);
	kh_call_clear(&v->call);
	memset(v, 0, sizeof *v);
}

/* The answer's string, now the caller's. */
static char *take_str(struct vcall *v)
{
	char *s = v->str;

	v->str = NULL;
	return s;
}

/* ---- host ---- */

static void read_host(struct collect *c)
{
	struct kh_host *h = &c->s->host;
	char *caps, cause[512];

	if (answer(c, &c->hostname) == 0) {
		h->hostname = take_str(&c->hostname);
	} else {
		v_cause(&c->hostname, cause, sizeof cause);
		warnf(c, "host: cannot read hostname: %s", cause);
	}
	if (answer(c, &c->type) == 0) {
		h->hv_type = kh_strdup(c->type.cstr);
	} else {
		v_cause(&c->type, cause, sizeof cause);
		warnf(c, "host: cannot read hypervisor type: %s", cause);
	}
	if (answer(c, &c->libversion) == 0) {
		h->libvirt_version = (int64_t)c->libversion.ul;
	} else {
		v_cause(&c->libversion, cause, sizeof cause);
		warnf(c, "host: cannot read libvirt version: %s", cause);
	}
	if (answer(c, &c->version) == 0) {
		h->hv_version = (int64_t)c->version.ul;
	} else {
		v_cause(&c->version, cause, sizeof cause);
		warnf(c, "host: cannot read hypervisor version: %s", cause);
	}
	/* The host UUID lives only in the capabilities; many hosts (and the test driver) have none. */
	if (answer(c, &c->caps) != 0) {
		v_cause(&c->caps, cause, sizeof cause);
		warnf(c, "host: cannot read capabilities: %s", cause);
		return;
	}
	caps = take_str(&c->caps);
	if (kh_read_capabilities(&c->x, caps, h) != 0)
		warnf(c, "host: cannot parse capabilities XML");
	free(caps);
}

/* ---- domains ---- */

static const char *domain_state(int state)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING: return "running";
	case VIR_DOMAIN_BLOCKED: return "idle";
	case VIR_DOMAIN_PAUSED: return "paused";
	case VIR_DOMAIN_SHUTDOWN: return "in shutdown";
	case VIR_DOMAIN_SHUTOFF: return "shut off";
	case VIR_DOMAIN_CRASHED: return "crashed";
	case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
	default: return "no state";
	}
}
static int cmp_uuid(const void *a, const void *b)
{
	return memcmp(a, b, VIR_UUID_BUFLEN);
}

/* The domains a filtered list call returned; set->known stays 0 when the call failed. */
static void domain_set(struct collect *c, struct vcall *v, struct uuid_set *set)
{
	if (answer(c, v) != 0)
		return;
	set->uuid = kh_calloc((size_t)v->n + 1, sizeof *set->uuid);
	for (int i = 0; i < v->n; i++) {
		if (virDomainGetUUID(v->list[i], set->uuid[set->n]) == 0)
			set->n++;
		else
			virResetLastError();
	}
	qsort(set->uuid, set->n, sizeof *set->uuid, cmp_uuid);
	set->known = 1;
}

/* As virUUIDFormat writes it (virDomainGetUUIDString, without another call). */
static void uuid_format(const unsigned char *uuid, char out[VIR_UUID_STRING_BUFLEN])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (int i = 0; i < VIR_UUID_BUFLEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[uuid[i] >> 4];
		*o++ = hex[uuid[i] & 15];
	}
	*o = '\0';
}

static int uuid_set_has(const struct uuid_set *set, const unsigned char *uuid)
{
	return bsearch(uuid, set->uuid, set->n, sizeof *set->uuid, cmp_uuid) != NULL;
}

static int cmp_stat_ref(const void *a, const void *b)
{
	return memcmp(((const struct stat_ref *)a)->uuid, ((const struct stat_ref *)b)->uuid,
		      VIR_UUID_BUFLEN);
}

static void stat_size(virTypedParameterPtr p, int np, unsigned i, const char *what, int64_t *out)
{
	unsigned long long v;
	char key[VIR_TYPED_PARAM_FIELD_LENGTH];

	snprintf(key, sizeof key, "block.%u.%s", i, what);
	if (virTypedParamsGetULLong(p, np, key, &v) == 1 && v <= INT64_MAX)
		*out = (int64_t)v;
}

static virDomainStatsRecordPtr find_stats(const struct collect *c, const unsigned char *uuid)
{
	struct stat_ref key, *hit;

	if (c->n_stats == 0)
		return NULL;
	memcpy(key.uuid, uuid, VIR_UUID_BUFLEN);
	hit = bsearch(&key, c->by_uuid, c->n_stats, sizeof key, cmp_stat_ref);
	return hit ? hit->r : NULL;
}

/* Disk sizes from the bulk block statistics, matched by target name. */
static void read_disk_sizes(struct collect *c, const unsigned char *uuid, int running,
			    struct kh_domain *d)
{
	virDomainStatsRecordPtr r = find_stats(c, uuid);
	unsigned count;

	if (r == NULL || virTypedParamsGetUInt(r->params, r->nparams, "block.count", &count) != 1)
		return;
	for (unsigned i = 0; i < count; i++) {
		char field[VIR_TYPED_PARAM_FIELD_LENGTH];
		const char *name = NULL;

		snprintf(field, sizeof field, "block.%u.name", i);
		if (virTypedParamsGetString(r->params, r->nparams, field, &name) != 1)
			continue;
		for (size_t j = 0; j < d->n_disks; j++) {
			struct kh_disk *k = &d->disks[j];

			if (k->target == NULL || strcmp(k->target, name) != 0)
				continue;
			stat_size(r->params, r->nparams, i, "capacity", &k->capacity);
			/* For a running QEMU domain this is the highest written offset, not
			 * what the file holds: it would swing with the run state night to night. */
			if (!running)
				stat_size(r->params, r->nparams, i, "allocation", &k->allocation);
			stat_size(r->params, r->nparams, i, "physical", &k->physical);
		}
	}
}

/* Whether the statistics r (NULL: none) say the domain runs, so that its live XML can be
 * asked at once; the state its info gives is what counts (it may have changed since). */
static int stats_running(virDomainStatsRecordPtr r)
{
	int state;

	return r && virTypedParamsGetInt(r->params, r->nparams, "state.state", &state) == 1 &&
	       state != VIR_DOMAIN_SHUTOFF;
}

/* What virDomainGetInfo says of the domain (state, vCPUs, memory and its maximum), read from
 * its statistics, which hold the same values where they hold them all (the qemu driver's
 * do; NOWAIT may leave some out, the test driver's have only the state): 1 then, and that
 * call per domain is not made. But for a shut-off domain without a balloon the statistics
 * give the maximum as its memory, info its <currentMemory>: see shutoff_memory. */
static int stats_info(virDomainStatsRecordPtr r, virDomainInfo *info)
{
	unsigned long long cur, max;
	unsigned vcpus;
	int state;

	if (r == NULL || virTypedParamsGetInt(r->params, r->nparams, "state.state", &state) != 1 ||
	    virTypedParamsGetUInt(r->params, r->nparams, "vcpu.current", &vcpus) != 1 ||
	    virTypedParamsGetULLong(r->params, r->nparams, "balloon.current", &cur) != 1 ||
	    virTypedParamsGetULLong(r->params, r->nparams, "balloon.maximum", &max) != 1 ||
	    state < 0 || state > UCHAR_MAX || vcpus > USHRT_MAX || cur > ULONG_MAX ||
	    max > ULONG_MAX)
		return 0;
	memset(info, 0, sizeof *info);
	info->state = (unsigned char)state;
	info->nrVirtCpu = (unsigned short)vcpus;
	info->memory = (unsigned long)cur;
	info->maxMem = (unsigned long)max;
	return 1;
}

/* The statistics of every domain (state, vCPUs, memory, block) in one bulk call (the test
 * driver reports only the state, which is fine), sorted by UUID; a warning when they cannot
 * be had. */
static void read_block_stats(struct collect *c)
{
	char cause[512];

	if (answer(c, &c->stats_call) == 0) {
		c->stats = (virDomainStatsRecordPtr *)c->stats_call.list;
		c->stats_call.list = NULL;
		/* matched per domain by UUID: sorted once, not searched linearly n times */
		c->by_uuid = kh_calloc((size_t)c->stats_call.n + 1, sizeof *c->by_uuid);
		for (int i = 0; i < c->stats_call.n; i++) {
			if (virDomainGetUUID(c->stats[i]->dom, c->by_uuid[c->n_stats].uuid) < 0) {
				virResetLastError();
				continue;
			}
			c->by_uuid[c->n_stats++].r = c->stats[i];
		}
		qsort(c->by_uuid, c->n_stats, sizeof *c->by_uuid, cmp_stat_ref);
		return;
	}
	if (c->stats_call.call.code == VIR_ERR_NO_SUPPORT)
		return;
	v_cause(&c->stats_call, cause, sizeof cause);
	c->stats_warning = kh_asprintf("host: cannot read block statistics: %s", cause);
}

/* Asks everything of domain r at once: info where the statistics do not hold it, persistent
 * XML, the flags where the filtered lists could not tell, and the live XML of one the
 * statistics say runs. */
static void ask_domain(struct collect *c, struct dom_read *r)
{
	virDomainStatsRecordPtr stats = NULL;

	if ((r->has_uuid = virDomainGetUUID(r->dom, r->uuid) == 0))
		stats = find_stats(c, r->uuid);
	else
		virResetLastError(); /* read_domain asks again, and says why */
	r->info_from_stats = stats_info(stats, &r->info.dom_info);
	if (r->info_from_stats)
		prep(&r->info, OP_DOMAIN_INFO, r->dom, 0); /* asked only if shutoff_memory must */
	else
		ask(c, &r->info, OP_DOMAIN_INFO, r->dom, 0, 0);
	if (!c->autostart.known)
		ask(c, &r->autostart, OP_DOMAIN_AUTOSTART, r->dom, 0, 0);
	if (!c->transient.known)
		ask(c, &r->persistent, OP_DOMAIN_PERSISTENT, r->dom, 0, 0);
	/* The persistent config, without secrets: VIR_DOMAIN_XML_SECURE must never be asked for. */
	ask(c, &r->xml, OP_DOMAIN_XML, r->dom, VIR_DOMAIN_XML_INACTIVE, 0);
	prep(&r->live, OP_DOMAIN_XML, r->dom, 0);
	if (stats_running(stats))
		push(c, &r->live, 0);
	if (!c->has_snaps.known || (r->has_uuid && uuid_set_has(&c->has_snaps, r->uuid)))
		ask(c, &r->snaps, OP_DOMAIN_SNAPSHOTS, r->dom, 0, 0);
}

/* A running domain's live config, kept only where it differs from the persistent one (the
 * difference is what changes at next boot). */
static void read_live_xml(struct collect *c, struct dom_read *r, struct kh_domain *d)
{
	char *live;

	if (answer(c, &r->live) != 0) {
		v_failed(&d->error, "cannot read live XML", &r->live);
		return;
	}
	live = take_str(&r->live);
	if (d->xml && strcmp(live, d->xml) == 0)
		free(live);
	else
		d->live_xml = live;
}

/* The domain's snapshots (never VIR_DOMAIN_SNAPSHOT_XML_SECURE): its list (asked with the
 * domain), then the current one and each one's XML at once. A snapshot deleted in between is
 * simply not there. */
static void read_snapshots(struct collect *c, struct dom_read *r, struct kh_domain *d)
{
	char *current = NULL;
	int n;

	if (answer(c, &r->snaps) != 0) {
		if (r->snaps.call.code != VIR_ERR_NO_SUPPORT)
			v_failed(&d->error, "cannot list snapshots", &r->snaps);
		return;
	}
	n = r->snaps.n;
	r->snap_xml = kh_calloc((size_t)n + 1, sizeof *r->snap_xml);
	if (n > 0)
		ask(c, &r->current, OP_SNAPSHOT_CURRENT, r->dom, 0, 1);
	for (int i = 0; i < n; i++)
		ask(c, &r->snap_xml[i], OP_SNAPSHOT_XML, r->snaps.list[i], 0, 1);
	/* no current snapshot is no error */
	if (n > 0 && answer(c, &r->current) == 0) {
		const char *name = virDomainSnapshotGetName(r->current.snap);

		current = name ? kh_strdup(name) : NULL;
	}
	virResetLastError();
	for (int i = 0; i < n; i++) {
		struct vcall *v = &r->snap_xml[i];
		const char *name = virDomainSnapshotGetName(r->snaps.list[i]);
		struct kh_domsnap *x;

		if (answer(c, v) != 0 && v->call.code == VIR_ERR_NO_DOMAIN_SNAPSHOT)
			continue;
		x = kh_domain_add_snap(d);
		if (v->call.failed)
			v_failed(&d->error, "cannot read snapshot XML", v);
		else
			kh_read_snapshot_xml(&c->x, v->str, x, &d->error);
		if (x->name == NULL && name)
			x->name = kh_strdup(name);
		x->current = current && x->name && strcmp(current, x->name) == 0;
	}
	free(current);
}

/* Releases what the domain's reading asked. */
static void dom_read_free(struct collect *c, struct dom_read *r)
{
	for (int i = 0; r->snap_xml && i < r->snaps.n; i++)
		release(c, &r->snap_xml[i]);
	free(r->snap_xml);
	r->snap_xml = NULL;
	release(c, &r->info);
	release(c, &r->xml);
	release(c, &r->live);
	release(c, &r->autostart);
	release(c, &r->persistent);
	release(c, &r->current);
	release(c, &r->snaps);
}

/* A shut-off domain's memory, whose info came from the statistics: the <currentMemory> of its
 * XML (`parsed`: the document last read is its own), as virDomainGetInfo gives it, else that
 * call after all. */
static void shutoff_memory(struct collect *c, struct dom_read *r, struct kh_domain *d,
			   int parsed)
{
	if (parsed && kh_read_current_memory(&c->x, &d->memory_kib) == 0)
		return;
	if (answer(c, &r->info) == 0)
		d->memory_kib = (int64_t)r->info.dom_info.memory;
	else
		v_failed(&d->error, "cannot read state", &r->info);
}

/* Info (from the statistics where they hold it) and XML (a running one's live XML too); its
 * flags from the filtered lists, its OS type from the XML, as `virsh dominfo` shows them. */
static void read_domain(struct collect *c, struct dom_read *r)
{
	struct kh_domain *d = kh_snapshot_add_domain(c->s);
	unsigned char uuid[VIR_UUID_BUFLEN] = {0}; /* matches nothing if it cannot be read */
	char uuid_str[VIR_UUID_STRING_BUFLEN];
	int active = 0, parsed;

	/* name and UUID are held by the handle itself: they survive the domain vanishing */
	if (r->has_uuid) {
		memcpy(uuid, r->uuid, sizeof uuid);
		uuid_format(uuid, uuid_str);
	}
	if (take_held(virDomainGetName(r->dom), &d->name, &d->error, "cannot read name") ||
	    take_held(r->has_uuid || (virDomainGetUUID(r->dom, uuid) == 0 &&
				      virDomainGetUUIDString(r->dom, uuid_str) == 0) ? uuid_str : NULL,
		      &d->uuid, &d->error, "cannot read UUID"))
		goto out;

	if (r->info_from_stats || answer(c, &r->info) == 0) {
		virDomainInfo *info = &r->info.dom_info;

		d->state = kh_strdup(domain_state(info->state));
		active = info->state != VIR_DOMAIN_SHUTOFF;
		d->vcpus = info->nrVirtCpu;
		d->memory_kib = (int64_t)info->memory;
		d->max_memory_kib = (int64_t)info->maxMem;
	} else if (v_failed(&d->error, "cannot read state", &r->info)) {
		goto out;
	}
	if (c->autostart.known)
		d->autostart = uuid_set_has(&c->autostart, uuid);
	else if (take_flag(c, &r->autostart, &d->autostart, &d->error, "cannot read autostart"))
		goto out;
	if (c->transient.known)
		d->persistent = !uuid_set_has(&c->transient, uuid);
	else if (take_flag(c, &r->persistent, &d->persistent, &d->error,
			   "cannot read persistence"))
		goto out;

	if (answer(c, &r->xml) != 0) {
		/* a domain gone since is not worth another call */
		if (!v_failed(&d->error, "cannot read XML", &r->xml) && r->info_from_stats && !active)
			shutoff_memory(c, r, d, 0);
		goto out;
	}
	d->xml = take_str(&r->xml);
	parsed = kh_read_domain_xml(&c->x, d) == 0;
	if (r->info_from_stats && !active)
		shutoff_memory(c, r, d, parsed);
	if (parsed)
		read_disk_sizes(c, uuid, active, d);
	if (active)
		read_live_xml(c, r, d);
	if (r->snaps.pushed)
		read_snapshots(c, r, d);
out:
	if (d->error)
		warnf(c, "domain '%s': %s", d->name ? d->name : "?", d->error);
	dom_read_free(c, r);
}

/* ---- storage ---- */

static const char *pool_state(int state)
{
	switch (state) {
	case VIR_STORAGE_POOL_INACTIVE: return "inactive";
	case VIR_STORAGE_POOL_BUILDING: return "building";
	case VIR_STORAGE_POOL_RUNNING: return "running";
	case VIR_STORAGE_POOL_DEGRADED: return "degraded";
	case VIR_STORAGE_POOL_INACCESSIBLE: return "inaccessible";
	default: return NULL;
	}
}

/* One call per volume: libvirt re-reads the file for the XML as it does for
 * virStorageVolGetInfo, and the XML holds the type, path and the three sizes (<physical> only
 * where the driver knows it: the test driver does not). */
static void read_volume(struct collect *c, const char *pool, struct vol_read *r)
{
	struct kh_volume *v = kh_snapshot_add_volume(c->s);

	v->pool = kh_strdup(pool);
	if (take_held(virStorageVolGetName(r->vol), &v->name, &v->error, "cannot read name") ||
	    take_held(virStorageVolGetKey(r->vol), &v->key, &v->error, "cannot read key"))
		goto out;
	if (answer(c, &r->xml) != 0) {
		v_failed(&v->error, "cannot read XML", &r->xml);
		goto out;
	}
	v->xml = take_str(&r->xml);
	kh_read_volume_xml(&c->x, v);
out:
	if (v->error)
		warnf(c, "volume '%s/%s': %s", pool, v->name ? v->name : "?", v->error);
	release(c, &r->xml);
}

/* Whether the pool's state says it is gone (nothing more worth asking). */
static int pool_gone(const struct vcall *v)
{
	return v->pushed && v->call.failed && gone(v->call.code);
}

/* After its refresh, everything else of a pool at once, its volume list first. */
static void ask_pool(struct collect *c, struct pool_read *r)
{
	int active = r->active.call.failed ? -1 : r->active.i;

	if (pool_gone(&r->active))
		return;
	if (r->refresh.pushed && (answer(c, &r->refresh), pool_gone(&r->refresh)))
		return;
	if (active == 1 && virStoragePoolGetName(r->pool) != NULL)
		ask(c, &r->volumes, OP_POOL_VOLUMES, r->pool, 0, 1);
	ask(c, &r->info, OP_POOL_INFO, r->pool, 0, 1);
	ask(c, &r->autostart, OP_POOL_AUTOSTART, r->pool, 0, 1);
	ask(c, &r->persistent, OP_POOL_PERSISTENT, r->pool, 0, 1);
	ask(c, &r->xml, OP_POOL_XML, r->pool, 0, 1);
}

/* Once a pool's volumes are listed: the XML of each. */
static void ask_volumes(struct collect *c, struct pool_read *r)
{
	if (!r->volumes.pushed || answer(c, &r->volumes) != 0)
		return;
	r->n_vols = (size_t)r->volumes.n;
	r->vols = kh_calloc(r->n_vols + 1, sizeof *r->vols);
	for (size_t i = 0; i < r->n_vols; i++) {
		r->vols[i].vol = r->volumes.list[i];
		ask(c, &r->vols[i].xml, OP_VOLUME_XML, r->vols[i].vol, 0, 0);
	}
}

/* Whether a URI reaches a daemon on this machine, whose pool target paths are ours to stat:
 * the scheme of a local hypervisor driver, no transport, no host and no parameters
 * ("qemu:///system", "qemu:///session"). Not the test driver (its paths are fictitious),
 * not an alias, not qemu+unix:// nor ?socket= (a socket may be forwarded from anywhere). */
int kh_uri_is_local(const char *uri)
{
	static const char *const drivers[] = { "qemu", "lxc", "libxl", "xen", "ch", "bhyve" };
	size_t n = strcspn(uri, ":");

	if (strncmp(uri + n, ":///", 4) != 0 || strchr(uri, '?') != NULL)
		return 0;
	for (size_t i = 0; i < sizeof drivers / sizeof *drivers; i++)
		if (strlen(drivers[i]) == n && strncmp(uri, drivers[i], n) == 0)
			return 1;
	return 0;
}

/* The device of a running dir, fs or netfs pool's target path (stat's st_dev: one per
 * mounted filesystem, shared by its bind mounts). Only when our statvfs of the path gives
 * the capacity libvirt just gave (its own statvfs of it): a daemon in another mount
 * namespace, or a mount changed between the two, leaves it unknown. */
static void read_target_device(const struct collect *c, struct kh_pool *p, int active)
{
	struct statvfs fs;
	struct stat st;

	if (!c->local || active != 1 || p->path == NULL || p->capacity < 0 ||
	    !kh_pool_on_filesystem(p))
		return;
	if (stat(p->path, &st) != 0 || statvfs(p->path, &fs) != 0 ||
	    (uint64_t)fs.f_frsize * fs.f_blocks != (uint64_t)p->capacity)
		return;
	p->target_device = kh_asprintf("%u:%u", major(st.st_dev), minor(st.st_dev));
}

static void read_pool(struct collect *c, struct pool_read *r)
{
	struct kh_pool *p = kh_snapshot_add_pool(c->s);
	char uuid[VIR_UUID_STRING_BUFLEN];
	virStoragePoolInfo *info = &r->info.pool_info;
	int active;

	if (take_held(virStoragePoolGetName(r->pool), &p->name, &p->error, "cannot read name") ||
	    take_held(virStoragePoolGetUUIDString(r->pool, uuid) == 0 ? uuid : NULL, &p->uuid,
		      &p->error, "cannot read UUID"))
		goto out;
	active = -1;
	if (take_flag(c, &r->active, &active, &p->error, "cannot read state"))
		goto out;
	/* Without a refresh libvirt answers from its last scan of the pool, which may be days
	 * old. A failed refresh still leaves the old data worth recording. */
	if (active == 1 && !c->read_only && answer(c, &r->refresh) != 0 &&
	    v_failed(&p->error, "cannot refresh", &r->refresh))
		goto out;

	/* An inactive pool reports sizes of 0: recorded as unknown, not as a pool emptied. */
	if (answer(c, &r->info) == 0) {
		p->state = kh_strdup(pool_state(info->state));
		if (info->state != VIR_STORAGE_POOL_INACTIVE) {
			p->capacity = (int64_t)info->capacity;
			p->allocation = (int64_t)info->allocation;
			p->available = (int64_t)info->available;
		}
	} else if (v_failed(&p->error, "cannot read sizes", &r->info)) {
		goto out;
	}
	if (take_flag(c, &r->autostart, &p->autostart, &p->error, "cannot read autostart") ||
	    take_flag(c, &r->persistent, &p->persistent, &p->error, "cannot read persistence"))
		goto out;

	if (answer(c, &r->xml) == 0) {
		p->xml = take_str(&r->xml);
		kh_read_pool_xml(&c->x, p);
	} else if (v_failed(&p->error, "cannot read XML", &r->xml)) {
		goto out;
	}
	read_target_device(c, p, active);
	/* An inactive pool has no volume list to give: said in its error, so that a reader
	 * of the snapshot does not take its volumes for deleted. */
	if (active == 1 && p->name) {
		if (answer(c, &r->volumes) != 0)
			v_failed(&p->error, "cannot list volumes", &r->volumes);
		for (size_t i = 0; i < r->n_vols; i++)
			read_volume(c, p->name, &r->vols[i]);
	} else if (active == 0) {
		kh_note(&p->error, "inactive", "sizes and volumes cannot be read until it is started");
	}
out:
	if (p->error)
		warnf(c, "pool '%s': %s", p->name ? p->name : "?", p->error);
}

static void pool_read_free(struct collect *c, struct pool_read *r)
{
	for (size_t i = 0; i < r->n_vols; i++)
		release(c, &r->vols[i].xml);
	free(r->vols);
	release(c, &r->active);
	release(c, &r->refresh);
	release(c, &r->info);
	release(c, &r->autostart);
	release(c, &r->persistent);
	release(c, &r->xml);
	release(c, &r->volumes);
}

/* ---- networks ---- */

static void ask_network(struct collect *c, struct net_read *r)
{
	ask(c, &r->active, OP_NETWORK_ACTIVE, r->net, 0, 0);
	ask(c, &r->autostart, OP_NETWORK_AUTOSTART, r->net, 0, 0);
	ask(c, &r->persistent, OP_NETWORK_PERSISTENT, r->net, 0, 0);
	ask(c, &r->bridge, OP_NETWORK_BRIDGE, r->net, 0, 0);
	ask(c, &r->xml, OP_NETWORK_XML, r->net, 0, 0);
}

static void read_network(struct collect *c, struct net_read *r)
{
	struct kh_network *n = kh_snapshot_add_network(c->s);
	char uuid[VIR_UUID_STRING_BUFLEN];

	if (take_held(virNetworkGetName(r->net), &n->name, &n->error, "cannot read name") ||
	    take_held(virNetworkGetUUIDString(r->net, uuid) == 0 ? uuid : NULL, &n->uuid,
		      &n->error, "cannot read UUID") ||
	    take_flag(c, &r->active, &n->active, &n->error, "cannot read state") ||
	    take_flag(c, &r->autostart, &n->autostart, &n->error, "cannot read autostart") ||
	    take_flag(c, &r->persistent, &n->persistent, &n->error, "cannot read persistence"))
		goto out;
	/* Fails for an inactive network or one without a bridge of its own; the XML then says
	 * whatever there is to say, so this is no error. */
	if (answer(c, &r->bridge) == 0)
		n->bridge = take_str(&r->bridge);
	if (answer(c, &r->xml) != 0) {
		v_failed(&n->error, "cannot read XML", &r->xml);
		goto out;
	}
	n->xml = take_str(&r->xml);
	kh_read_network_xml(&c->x, n);
out:
	if (n->error)
		warnf(c, "network '%s': %s", n->name ? n->name : "?", n->error);
	release(c, &r->active);
	release(c, &r->autostart);
	release(c, &r->persistent);
	release(c, &r->bridge);
	release(c, &r->xml);
}

/* A host without a storage or network driver has nothing to list: that is no failure. */
static int list_failed(struct collect *c, const char *what, const struct vcall *v,
		       struct kh_err *err)
{
	char cause[512];

	v_cause(v, cause, sizeof cause);
	if (v->call.code == VIR_ERR_NO_SUPPORT) {
		warnf(c, "host: %s not supported: %s", what, cause);
		return 0;
	}
	return kh_err_set(err, "cannot list %s on %s: %s", what, c->uri, cause);
}
/* ---- connection ---- */

/* Seconds between keepalive messages and how many may go unanswered; 0: none asked for. */
static int keepalive_interval, keepalive_count;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

/* Process-wide set-up that must happen once, before threads share libvirt and libxml2. */
static void global_init(void)
{
	global_rc = virInitialize();
	virSetErrorFunc(NULL, silent_error);
	kh_xml_init();
}

/* Keepalive replies are read by the event loop, so it must run while anything waits. */
static void *event_loop(void *arg)
{
	(void)arg;
	while (virEventRunDefaultImpl() == 0)
		;
	return NULL;
}

int kh_collector_init(int timeout, struct kh_err *err)
{
	char cause[512];
	pthread_t t;
	int e;

	pthread_once(&global_once, global_init);
	if (global_rc < 0) {
		lv_cause(cause, sizeof cause);
		return kh_err_set(err, "cannot initialize libvirt: %s", cause);
	}
	if (timeout <= 0)
		return 0;
	if (virEventRegisterDefaultImpl() < 0) {
		lv_cause(cause, sizeof cause);
		return kh_err_set(err, "cannot start libvirt's event loop: %s", cause);
	}
	if ((e = pthread_create(&t, NULL, event_loop, NULL)) != 0)
		return kh_err_set(err, "cannot start libvirt's event loop: %s", strerror(e));
	pthread_detach(t);
	/* libvirt drops a connection silent for about (count + 1) * interval seconds: 4/5 of
	 * the deadline, so the cause it gives usually comes before collect gives up itself */
	keepalive_count = 3;
	keepalive_interval = timeout / 5;
	if (keepalive_interval < 1)
		keepalive_interval = 1;
	return 0;
}

/* Local drivers (test://, qemu:///system through the embedded daemon) have no keepalive:
 * nothing to detect there. */
static void keep_alive(struct collect *c)
{
	char cause[512];

	if (keepalive_interval == 0 ||
	    virConnectSetKeepAlive(c->conn, keepalive_interval, (unsigned)keepalive_count) >= 0)
		return;
	if (lv_code() == VIR_ERR_NO_SUPPORT) {
		virResetLastError();
		return;
	}
	lv_cause(cause, sizeof cause);
	warnf(c, "host: cannot enable keepalive: %s", cause);
}

/* Refusals of read-write access: by polkit or SASL, by an access driver, or by the permissions
 * of a read-write socket kept to one group (unix_sock_rw_perms) while the read-only one is open. */
static int refused(void)
{
	virErrorPtr e = virGetLastError();

	if (e == NULL)
		return 0;
	return e->code == VIR_ERR_AUTH_FAILED || e->code == VIR_ERR_AUTH_CANCELLED ||
	       e->code == VIR_ERR_AUTH_UNAVAILABLE || e->code == VIR_ERR_ACCESS_DENIED ||
	       e->code == VIR_ERR_OPERATION_DENIED ||
	       (e->code == VIR_ERR_SYSTEM_ERROR && e->int1 == EACCES);
}

/* Read-write, although we change nothing: virStoragePoolRefresh is refused on a read-only
 * connection, and without it volume sizes are stale. A user allowed only read-only access
 * (the usual non-root case on qemu:///system) still gets a snapshot, with a warning. */
static int open_conn(struct collect *c, const char *uri, struct kh_err *err)
{
	char cause[512];

	c->conn = virConnectOpenAuth(uri, virConnectAuthPtrDefault, 0);
	if (c->conn != NULL) {
		keep_alive(c);
		return 0;
	}
	lv_cause_keep(cause, sizeof cause);
	if (refused()) {
		virResetLastError();
		c->conn = virConnectOpenReadOnly(uri);
		if (c->conn != NULL) {
			c->read_only = 1;
			keep_alive(c);
			warnf(c, "read-write access refused (%s): pools not refreshed, volume "
				 "sizes may be stale", cause);
			return 0;
		}
	}
	/* the first refusal says more than a read-only retry failing for the same reason */
	virResetLastError();
	return kh_err_set(err, "cannot connect to %s: %s", c->uri, cause);
}

/* ---- a host's calls, each asked as soon as what it needs is known ---- */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How many calls to keep in flight. The test driver runs in this process: there is no link to
 * wait on, and calls run one after another. A connection opened within 10 ms (a handful of
 * round trips) is on this machine or beside it: overlapping a few calls is all it gains, and
 * more threads only cost client CPU (measured on the lab: 20 workers took a third longer than
 * 4 over the local socket). */
static unsigned in_flight(const char *uri, double open_seconds)
{
	if (uri == NULL)
		uri = getenv("LIBVIRT_DEFAULT_URI");
	if (uri && strncmp(uri, "test:", 5) == 0)
		return 0;
	return open_seconds < 0.010 ? IN_FLIGHT_NEAR : IN_FLIGHT;
}

/* Everything the snapshot needs, asked as early as its answers allow: the host's facts and
 * every list in one round trip, then each object's calls at once, a pool's refresh (which
 * the rest of the pool waits on) ahead of the others. Nothing is read yet: read_all does,
 * in today's order. */
static void ask_all(struct collect *c)
{
	virConnectPtr conn = c->conn;

	if (c->uri_given == NULL)
		ask(c, &c->uri_call, OP_URI, conn, 0, 0);
	ask(c, &c->hostname, OP_HOSTNAME, conn, 0, 0);
	ask(c, &c->type, OP_TYPE, conn, 0, 0);
	ask(c, &c->libversion, OP_LIBVERSION, conn, 0, 0);
	ask(c, &c->version, OP_VERSION, conn, 0, 0);
	ask(c, &c->caps, OP_CAPABILITIES, conn, 0, 0);
	ask(c, &c->doms_call, OP_LIST_DOMAINS, conn, 0, 0);
	ask(c, &c->stats_call, OP_DOMAIN_STATS, conn, 0, 0);
	ask(c, &c->autostart_call, OP_LIST_DOMAINS, conn, VIR_CONNECT_LIST_DOMAINS_AUTOSTART, 0);
	ask(c, &c->transient_call, OP_LIST_DOMAINS, conn, VIR_CONNECT_LIST_DOMAINS_TRANSIENT, 0);
	ask(c, &c->has_snaps_call, OP_LIST_DOMAINS, conn, VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, 0);
	ask(c, &c->pools_call, OP_LIST_POOLS, conn, 0, 0);
	ask(c, &c->nets_call, OP_LIST_NETWORKS, conn, 0, 0);

	if (answer(c, &c->pools_call) == 0) {
		c->n_pools = (size_t)c->pools_call.n;
		c->pools = kh_calloc(c->n_pools + 1, sizeof *c->pools);
		for (size_t i = 0; i < c->n_pools; i++) {
			c->pools[i].pool = c->pools_call.list[i];
			ask(c, &c->pools[i].active, OP_POOL_ACTIVE, c->pools[i].pool, 0, 1);
		}
	}
	if (answer(c, &c->doms_call) == 0) {
		read_block_stats(c);
		domain_set(c, &c->autostart_call, &c->autostart);
		domain_set(c, &c->transient_call, &c->transient);
		domain_set(c, &c->has_snaps_call, &c->has_snaps);
		c->n_doms = (size_t)c->doms_call.n;
		c->doms = kh_calloc(c->n_doms + 1, sizeof *c->doms);
		for (size_t i = 0; i < c->n_doms; i++) {
			c->doms[i].dom = c->doms_call.list[i];
			ask_domain(c, &c->doms[i]);
		}
	}
	if (answer(c, &c->nets_call) == 0) {
		c->n_nets = (size_t)c->nets_call.n;
		c->nets = kh_calloc(c->n_nets + 1, sizeof *c->nets);
		for (size_t i = 0; i < c->n_nets; i++) {
			c->nets[i].net = c->nets_call.list[i];
			ask_network(c, &c->nets[i]);
		}
	}
	for (size_t i = 0; i < c->n_pools; i++) {
		struct pool_read *r = &c->pools[i];

		if (answer(c, &r->active) == 0 && r->active.i == 1 && !c->read_only)
			ask(c, &r->refresh, OP_POOL_REFRESH, r->pool, 0, 1);
	}
	for (size_t i = 0; i < c->n_pools; i++)
		ask_pool(c, &c->pools[i]);
	for (size_t i = 0; i < c->n_pools; i++)
		ask_volumes(c, &c->pools[i]);
}

/* The answers, in the order (and with the warnings) of reading one object after another. */
static int read_all(struct collect *c, struct kh_err *err)
{
	char cause[512];

	if (c->uri_given) {
		c->s->host.uri = kh_strdup(c->uri_given);
	} else if (answer(c, &c->uri_call) == 0) {
		c->s->host.uri = take_str(&c->uri_call);
	} else {
		v_cause(&c->uri_call, cause, sizeof cause);
		return kh_err_set(err, "cannot read the URI of the default connection: %s", cause);
	}
	c->local = kh_uri_is_local(c->s->host.uri);
	read_host(c);
	if (answer(c, &c->doms_call) != 0) {
		v_cause(&c->doms_call, cause, sizeof cause);
		return kh_err_set(err, "cannot list domains on %s: %s", c->uri, cause);
	}
	if (c->stats_warning)
		warnf(c, "%s", c->stats_warning);
	for (size_t i = 0; i < c->n_doms; i++)
		read_domain(c, &c->doms[i]);
	if (answer(c, &c->pools_call) != 0) {
		if (list_failed(c, "storage pools", &c->pools_call, err) < 0)
			return -1;
	} else {
		for (size_t i = 0; i < c->n_pools; i++)
			read_pool(c, &c->pools[i]);
	}
	if (answer(c, &c->nets_call) != 0)
		return list_failed(c, "networks", &c->nets_call, err);
	for (size_t i = 0; i < c->n_nets; i++)
		read_network(c, &c->nets[i]);
	return 0;
}

/* Waits for every call still out and frees what they answered. */
static void release_all(struct collect *c)
{
	for (size_t i = 0; i < c->n_doms; i++)
		dom_read_free(c, &c->doms[i]);
	for (size_t i = 0; i < c->n_pools; i++)
		pool_read_free(c, &c->pools[i]);
	for (size_t i = 0; i < c->n_nets; i++) {
		release(c, &c->nets[i].active);
		release(c, &c->nets[i].autostart);
		release(c, &c->nets[i].persistent);
		release(c, &c->nets[i].bridge);
		release(c, &c->nets[i].xml);
	}
	free(c->doms);
	free(c->pools);
	free(c->nets);
	struct vcall *host[] = { &c->uri_call, &c->hostname, &c->type, &c->libversion, &c->version,
				 &c->caps, &c->doms_call, &c->stats_call, &c->autostart_call,
				 &c->transient_call, &c->has_snaps_call, &c->pools_call,
				 &c->nets_call };
	for (size_t i = 0; i < sizeof host / sizeof *host; i++)
		release(c, host[i]);
}

int kh_collect(const char *uri, struct kh_snapshot **out, kh_warn_fn *warn, kh_alive_fn *alive,
	       void *ctx, struct kh_collect_counts *counts, struct kh_err *err)
{
	struct collect c = {.warn = warn, .ctx = ctx, .uri_given = uri};
	char *where = uri ? kh_asprintf("'%s'", uri) : kh_strdup("the default URI");
	struct kh_xml_errors xml_err;
	double opened;
	int rc = -1;

	*out = NULL;
	c.uri = where;
	pthread_once(&global_once, global_init);
	/* libxml2's generic handler too: the test driver parses its file with it, and a
	 * missing file would print an "I/O warning" on stderr */
	kh_xml_quiet(&xml_err);
	opened = seconds();
	if (open_conn(&c, uri, err) < 0)
		goto out;
	opened = seconds() - opened;
	if (alive)
		alive(ctx);
	c.q = kh_calls_new(in_flight(uri, opened), alive, ctx);
	c.s = kh_snapshot_new();
	ask_all(&c);
	if (read_all(&c, err) < 0)
		goto out;
	kh_snapshot_link(c.s);
	kh_snapshot_sort(c.s);
	*out = c.s;
	c.s = NULL;
	rc = 0;
out:
	if (c.q) {
		release_all(&c);
		if (counts)
			kh_calls_count(c.q, &counts->calls, &counts->round_trips);
		kh_calls_free(c.q);
	}
	if (c.stats)
		virDomainStatsRecordListFree(c.stats);
	free(c.by_uuid);
	free(c.autostart.uuid);
	free(c.transient.uuid);
	free(c.has_snaps.uuid);
	free(c.stats_warning);
	kh_xdoc_free(&c.x);
	kh_snapshot_free(c.s);
	if (c.conn)
		virConnectClose(c.conn);
	kh_xml_restore(&xml_err);
	free(where);
	return rc;
}

long long kh_collector_libvirt_version(void)
{
	unsigned long v;

	pthread_once(&global_once, global_init);
	if (virGetVersion(&v, NULL, NULL) < 0) {
		virResetLastError();
		return -1;
	}
	return (long long)v;
}
