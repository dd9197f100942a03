/* The libvirt collector. Reads one host into a kh_snapshot; never changes anything there.
 * An object that fails half-way (it vanished, or a call timed out) stays in the snapshot with
 * what could be read and an `error`; only a failure to connect or to list fails the snapshot. */
#include "virt/collector.h"
#include "virt/xml.h"
#include "util/mem.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct collect {
	virConnectPtr conn;
	const char *uri;        /* for messages: as given, or "the default URI" */
	int read_only;
	struct kh_snapshot *s;
	kh_warn_fn *warn;
	void *ctx;
	/* Flags of every domain from two filtered list calls, not three calls per domain. */
	struct uuid_set autostart, transient;
	virDomainStatsRecordPtr *stats; /* block statistics of every domain, NULL if none */
	struct stat_ref *by_uuid;       /* the same records sorted by UUID, for bsearch */
	size_t n_stats;
	struct kh_xdoc x;
};

/* A block statistics record and its domain's UUID, read once. */
struct stat_ref {
	unsigned char uuid[VIR_UUID_BUFLEN];
	virDomainStatsRecordPtr r;
};

/* ---- errors ---- */

/* libvirt would print every error to stderr by itself; we report them once, our way. */
static void silent_error(void *ud, virErrorPtr e)
{
	(void)ud;
	(void)e;
}

/* libvirt's last message on one line (ssh failures carry newlines). */
static void lv_cause_keep(char *out, size_t n)
{
	const char *m = virGetLastErrorMessage();
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
/* Records a failed libvirt call on an object. Returns 1 when the object is gone from the
 * host, so reading on would only repeat "not found". */
static int lv_failed(char **error, const char *what)
{
	int code = lv_code();
	char cause[512];

	lv_cause(cause, sizeof cause);
	kh_note(error, what, cause);
	return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_NO_STORAGE_POOL ||
	       code == VIR_ERR_NO_STORAGE_VOL || code == VIR_ERR_NO_NETWORK;
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
/* ---- host ---- */

static void read_host(struct collect *c)
{
	struct kh_host *h = &c->s->host;
	unsigned long ver;
	const char *type;
	char *caps, cause[512];

	if ((h->hostname = virConnectGetHostname(c->conn)) == NULL) {
		lv_cause(cause, sizeof cause);
		warnf(c, "host: cannot read hostname: %s", cause);
	}
	if ((type = virConnectGetType(c->conn)) != NULL) {
		h->hv_type = kh_strdup(type);
	} else {
		lv_cause(cause, sizeof cause);
		warnf(c, "host: cannot read hypervisor type: %s", cause);
	}
	if (virConnectGetLibVersion(c->conn, &ver) == 0) {
		h->libvirt_version = (int64_t)ver;
	} else {
		lv_cause(cause, sizeof cause);
		warnf(c, "host: cannot read libvirt version: %s", cause);
	}
	if (virConnectGetVersion(c->conn, &ver) == 0) {
		h->hv_version = (int64_t)ver;
	} else {
		lv_cause(cause, sizeof cause);
		warnf(c, "host: cannot read hypervisor version: %s", cause);
	}
	/* The host UUID lives only in the capabilities; many hosts (and the test driver) have none. */
	if ((caps = virConnectGetCapabilities(c->conn)) == NULL) {
		lv_cause(cause, sizeof cause);
		warnf(c, "host: cannot read capabilities: %s", cause);
		return;
	}
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

/* The domains a list call with `flags` returns; set->known stays 0 when the call fails. */
static void domain_set(struct collect *c, unsigned flags, struct uuid_set *set)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(c->conn, &doms, flags);

	if (n < 0) {
		virResetLastError();
		return;
	}
	set->uuid = kh_calloc((size_t)n + 1, sizeof *set->uuid);
	for (int i = 0; i < n; i++) {
		if (virDomainGetUUID(doms[i], set->uuid[set->n]) == 0)
			set->n++;
		else
			virResetLastError();
		virDomainFree(doms[i]);
	}
	free(doms);
	qsort(set->uuid, set->n, sizeof *set->uuid, cmp_uuid);
	set->known = 1;
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

/* Disk sizes from the bulk block statistics, matched by target name. */
static void read_disk_sizes(struct collect *c, const unsigned char *uuid, int running,
			    struct kh_domain *d)
{
	struct stat_ref key, *hit;
	virDomainStatsRecordPtr r;
	unsigned count;

	if (c->n_stats == 0)
		return;
	memcpy(key.uuid, uuid, VIR_UUID_BUFLEN);
	hit = bsearch(&key, c->by_uuid, c->n_stats, sizeof key, cmp_stat_ref);
	if (hit == NULL)
		return;
	r = hit->r;
	if (virTypedParamsGetUInt(r->params, r->nparams, "block.count", &count) != 1)
		return;
	for (unsigned i = 0; i < count; i++) {
		char key[VIR_TYPED_PARAM_FIELD_LENGTH];
		const char *name = NULL;

		snprintf(key, sizeof key, "block.%u.name", i);
		if (virTypedParamsGetString(r->params, r->nparams, key, &name) != 1)
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

/* A running domain's live config, kept only where it differs from the persistent one (the
 * difference is what changes at next boot). Flags 0: never VIR_DOMAIN_XML_SECURE. */
static void read_live_xml(virDomainPtr dom, struct kh_domain *d)
{
	char *live;

	if ((live = virDomainGetXMLDesc(dom, 0)) == NULL) {
		lv_failed(&d->error, "cannot read live XML");
		return;
	}
	if (d->xml && strcmp(live, d->xml) == 0)
		free(live);
	else
		d->live_xml = live;
}

/* Two round trips per domain (info and XML; a third for a running one's live XML): its flags
 * come from the filtered lists, its OS type from the XML, as `virsh dominfo` shows them. */
static void read_domain(struct collect *c, virDomainPtr dom)
{
	struct kh_domain *d = kh_snapshot_add_domain(c->s);
	unsigned char uuid[VIR_UUID_BUFLEN] = {0}; /* matches nothing if it cannot be read */
	char uuid_str[VIR_UUID_STRING_BUFLEN];
	virDomainInfo info;
	const char *name;
	int flag, active = 0;
	char *xml;

	/* name and UUID are held by the handle itself: they survive the domain vanishing */
	if ((name = virDomainGetName(dom)) != NULL)
		d->name = kh_strdup(name);
	else if (lv_failed(&d->error, "cannot read name"))
		goto out;
	if (virDomainGetUUID(dom, uuid) == 0 && virDomainGetUUIDString(dom, uuid_str) == 0)
		d->uuid = kh_strdup(uuid_str);
	else if (lv_failed(&d->error, "cannot read UUID"))
		goto out;

	if (virDomainGetInfo(dom, &info) == 0) {
		d->state = kh_strdup(domain_state(info.state));
		active = info.state != VIR_DOMAIN_SHUTOFF;
		d->vcpus = info.nrVirtCpu;
		d->memory_kib = (int64_t)info.memory;
		d->max_memory_kib = (int64_t)info.maxMem;
	} else if (lv_failed(&d->error, "cannot read state")) {
		goto out;
	}
	if (c->autostart.known)
		d->autostart = uuid_set_has(&c->autostart, uuid);
	else if (virDomainGetAutostart(dom, &flag) == 0)
		d->autostart = flag != 0;
	else if (lv_failed(&d->error, "cannot read autostart"))
		goto out;
	if (c->transient.known)
		d->persistent = !uuid_set_has(&c->transient, uuid);
	else if ((flag = virDomainIsPersistent(dom)) >= 0)
		d->persistent = flag;
	else if (lv_failed(&d->error, "cannot read persistence"))
		goto out;

	/* The persistent config, without secrets: VIR_DOMAIN_XML_SECURE must never be asked for. */
	if ((xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE)) == NULL) {
		lv_failed(&d->error, "cannot read XML");
		goto out;
	}
	d->xml = xml;
	if (kh_read_domain_xml(&c->x, d) == 0)
		read_disk_sizes(c, uuid, active, d);
	if (active)
		read_live_xml(dom, d);
out:
	if (d->error)
		warnf(c, "domain '%s': %s", d->name ? d->name : "?", d->error);
}

/* Block sizes come in one bulk call; NOWAIT skips a domain whose monitor is busy rather than
 * hanging the whole collection on it. The test driver reports nothing here, which is fine. */
static void read_block_stats(struct collect *c)
{
	char cause[512];
	int n;

	n = virConnectGetAllDomainStats(c->conn, VIR_DOMAIN_STATS_BLOCK, &c->stats,
					VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
	/* a daemon older than libvirt 4.5 refuses NOWAIT as an unknown flag */
	if (n < 0 && lv_code() == VIR_ERR_INVALID_ARG)
		n = virConnectGetAllDomainStats(c->conn, VIR_DOMAIN_STATS_BLOCK, &c->stats, 0);
	if (n >= 0) {
		/* matched per domain by UUID: sorted once, not searched linearly n times */
		c->by_uuid = kh_calloc((size_t)n + 1, sizeof *c->by_uuid);
		for (int i = 0; i < n; i++) {
			if (virDomainGetUUID(c->stats[i]->dom, c->by_uuid[c->n_stats].uuid) < 0) {
				virResetLastError();
				continue;
			}
			c->by_uuid[c->n_stats++].r = c->stats[i];
		}
		qsort(c->by_uuid, c->n_stats, sizeof *c->by_uuid, cmp_stat_ref);
		return;
	}
	c->stats = NULL;
	if (lv_code() == VIR_ERR_NO_SUPPORT) {
		virResetLastError();
		return;
	}
	lv_cause(cause, sizeof cause);
	warnf(c, "host: cannot read block statistics: %s", cause);
}

static int read_domains(struct collect *c, struct kh_err *err)
{
	virDomainPtr *doms = NULL;
	char cause[512];
	int n;

	if ((n = virConnectListAllDomains(c->conn, &doms, 0)) < 0) {
		lv_cause(cause, sizeof cause);
		return kh_err_set(err, "cannot list domains on %s: %s", c->uri, cause);
	}
	read_block_stats(c);
	/* after the full list: a domain defined since is in neither */
	domain_set(c, VIR_CONNECT_LIST_DOMAINS_AUTOSTART, &c->autostart);
	domain_set(c, VIR_CONNECT_LIST_DOMAINS_TRANSIENT, &c->transient);
	for (int i = 0; i < n; i++) {
		read_domain(c, doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	return 0;
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
/* One round trip per volume: libvirt re-reads the file for the XML as it does for
 * virStorageVolGetInfo, and the XML holds the type, path and the three sizes (<physical> only
 * where the driver knows it: the test driver does not). */
static void read_volume(struct collect *c, const char *pool, virStorageVolPtr vol)
{
	struct kh_volume *v = kh_snapshot_add_volume(c->s);
	const char *s;

	v->pool = kh_strdup(pool);
	if ((s = virStorageVolGetName(vol)) != NULL)
		v->name = kh_strdup(s);
	else if (lv_failed(&v->error, "cannot read name"))
		goto out;
	if ((s = virStorageVolGetKey(vol)) != NULL)
		v->key = kh_strdup(s);
	else if (lv_failed(&v->error, "cannot read key"))
		goto out;
	if ((v->xml = virStorageVolGetXMLDesc(vol, 0)) == NULL) {
		lv_failed(&v->error, "cannot read XML");
		goto out;
	}
	kh_read_volume_xml(&c->x, v);
out:
	if (v->error)
		warnf(c, "volume '%s/%s': %s", pool, v->name ? v->name : "?", v->error);
}

static void read_volumes(struct collect *c, struct kh_pool *p, virStoragePoolPtr pool)
{
	virStorageVolPtr *vols = NULL;
	int n;

	if ((n = virStoragePoolListAllVolumes(pool, &vols, 0)) < 0) {
		lv_failed(&p->error, "cannot list volumes");
		return;
	}
	for (int i = 0; i < n; i++) {
		read_volume(c, p->name, vols[i]);
		virStorageVolFree(vols[i]);
	}
	free(vols);
}

static void read_pool(struct collect *c, virStoragePoolPtr pool)
{
	struct kh_pool *p = kh_snapshot_add_pool(c->s);
	char uuid[VIR_UUID_STRING_BUFLEN];
	virStoragePoolInfo info;
	const char *name;
	int active, flag;

	if ((name = virStoragePoolGetName(pool)) != NULL)
		p->name = kh_strdup(name);
	else if (lv_failed(&p->error, "cannot read name"))
		goto out;
	if (virStoragePoolGetUUIDString(pool, uuid) == 0)
		p->uuid = kh_strdup(uuid);
	else if (lv_failed(&p->error, "cannot read UUID"))
		goto out;
	if ((active = virStoragePoolIsActive(pool)) < 0 && lv_failed(&p->error, "cannot read state"))
		goto out;
	/* Without a refresh libvirt answers from its last scan of the pool, which may be days
	 * old. A failed refresh still leaves the old data worth recording. */
	if (active == 1 && !c->read_only && virStoragePoolRefresh(pool, 0) < 0 &&
	    lv_failed(&p->error, "cannot refresh"))
		goto out;

	/* An inactive pool reports sizes of 0: recorded as unknown, not as a pool emptied. */
	if (virStoragePoolGetInfo(pool, &info) == 0) {
		p->state = kh_strdup(pool_state(info.state));
		if (info.state != VIR_STORAGE_POOL_INACTIVE) {
			p->capacity = (int64_t)info.capacity;
			p->allocation = (int64_t)info.allocation;
			p->available = (int64_t)info.available;
		}
	} else if (lv_failed(&p->error, "cannot read sizes")) {
		goto out;
	}
	if (virStoragePoolGetAutostart(pool, &flag) == 0)
		p->autostart = flag != 0;
	else if (lv_failed(&p->error, "cannot read autostart"))
		goto out;
	if ((flag = virStoragePoolIsPersistent(pool)) >= 0)
		p->persistent = flag;
	else if (lv_failed(&p->error, "cannot read persistence"))
		goto out;

	if ((p->xml = virStoragePoolGetXMLDesc(pool, 0)) != NULL)
		kh_read_pool_xml(&c->x, p);
	else if (lv_failed(&p->error, "cannot read XML"))
		goto out;
	/* An inactive pool has no volume list to give: said in its error, so that a reader
	 * of the snapshot does not take its volumes for deleted. */
	if (active == 1 && p->name)
		read_volumes(c, p, pool);
	else if (active == 0)
		kh_note(&p->error, "inactive", "sizes and volumes cannot be read until it is started");
out:
	if (p->error)
		warnf(c, "pool '%s': %s", p->name ? p->name : "?", p->error);
}

/* ---- networks ---- */

static void read_network(struct collect *c, virNetworkPtr net)
{
	struct kh_network *n = kh_snapshot_add_network(c->s);
	char uuid[VIR_UUID_STRING_BUFLEN];
	const char *name;
	int flag;

	if ((name = virNetworkGetName(net)) != NULL)
		n->name = kh_strdup(name);
	else if (lv_failed(&n->error, "cannot read name"))
		goto out;
	if (virNetworkGetUUIDString(net, uuid) == 0)
		n->uuid = kh_strdup(uuid);
	else if (lv_failed(&n->error, "cannot read UUID"))
		goto out;
	if ((flag = virNetworkIsActive(net)) >= 0)
		n->active = flag;
	else if (lv_failed(&n->error, "cannot read state"))
		goto out;
	if (virNetworkGetAutostart(net, &flag) == 0)
		n->autostart = flag != 0;
	else if (lv_failed(&n->error, "cannot read autostart"))
		goto out;
	if ((flag = virNetworkIsPersistent(net)) >= 0)
		n->persistent = flag;
	else if (lv_failed(&n->error, "cannot read persistence"))
		goto out;
	/* Fails for an inactive network or one without a bridge of its own; the XML then says
	 * whatever there is to say, so this is no error. */
	if ((n->bridge = virNetworkGetBridgeName(net)) == NULL)
		virResetLastError();
	if ((n->xml = virNetworkGetXMLDesc(net, 0)) == NULL) {
		lv_failed(&n->error, "cannot read XML");
		goto out;
	}
	kh_read_network_xml(&c->x, n);
out:
	if (n->error)
		warnf(c, "network '%s': %s", n->name ? n->name : "?", n->error);
}

/* A host without a storage or network driver has nothing to list: that is no failure. */
static int list_failed(struct collect *c, const char *what, struct kh_err *err)
{
	char cause[512];
	int code = lv_code();

	lv_cause(cause, sizeof cause);
	if (code == VIR_ERR_NO_SUPPORT) {
		warnf(c, "host: %s not supported: %s", what, cause);
		return 0;
	}
	return kh_err_set(err, "cannot list %s on %s: %s", what, c->uri, cause);
}

static int read_storage(struct collect *c, struct kh_err *err)
{
	virStoragePoolPtr *pools = NULL;
	int n;

	if ((n = virConnectListAllStoragePools(c->conn, &pools, 0)) < 0)
		return list_failed(c, "storage pools", err);
	for (int i = 0; i < n; i++) {
		read_pool(c, pools[i]);
		virStoragePoolFree(pools[i]);
	}
	free(pools);
	return 0;
}

static int read_networks(struct collect *c, struct kh_err *err)
{
	virNetworkPtr *nets = NULL;
	int n;

	if ((n = virConnectListAllNetworks(c->conn, &nets, 0)) < 0)
		return list_failed(c, "networks", err);
	for (int i = 0; i < n; i++) {
		read_network(c, nets[i]);
		virNetworkFree(nets[i]);
	}
	free(nets);
	return 0;
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

int kh_collect(const char *uri, struct kh_snapshot **out, kh_warn_fn *warn, void *ctx,
	       struct kh_err *err)
{
	struct collect c = {.warn = warn, .ctx = ctx};
	char *where = uri ? kh_asprintf("'%s'", uri) : kh_strdup("the default URI");
	struct kh_xml_errors xml_err;
	int rc = -1;

	*out = NULL;
	c.uri = where;
	pthread_once(&global_once, global_init);
	/* libxml2's generic handler too: the test driver parses its file with it, and a
	 * missing file would print an "I/O warning" on stderr */
	kh_xml_quiet(&xml_err);
	if (open_conn(&c, uri, err) < 0)
		goto out;

	c.s = kh_snapshot_new();
	if (uri) {
		c.s->host.uri = kh_strdup(uri);
	} else if ((c.s->host.uri = virConnectGetURI(c.conn)) == NULL) {
		char cause[512];

		lv_cause(cause, sizeof cause);
		kh_err_set(err, "cannot read the URI of the default connection: %s", cause);
		goto out;
	}
	read_host(&c);
	if (read_domains(&c, err) < 0 || read_storage(&c, err) < 0 || read_networks(&c, err) < 0)
		goto out;
	kh_snapshot_link(c.s);
	kh_snapshot_sort(c.s);
	*out = c.s;
	c.s = NULL;
	rc = 0;
out:
	if (c.stats)
		virDomainStatsRecordListFree(c.stats);
	free(c.by_uuid);
	free(c.autostart.uuid);
	free(c.transient.uuid);
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
