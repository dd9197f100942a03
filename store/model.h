/* The plain structs one snapshot is made of. Filled by the collector, written and read by
 * store/, compared and rendered by report/. No SQLite, no libvirt here. Each struct's fields
 * are described again, one row each, in store/kind.c: a member without its row is neither
 * stored nor shown (doc/HACKING.md, "Adding a field").
 * Strings are owned by their struct; NULL means "not known / not applicable".
 * Sizes are bytes, memory KiB; KH_UNKNOWN marks a number or flag libvirt could not tell. */
#ifndef KH_MODEL_H
#define KH_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "store/kind.h"

#define KH_UNKNOWN (-1)

struct kh_host {
	char *uri;              /* as given to collect: a host's history is keyed by it */
	char *hostname;
	char *host_uuid;        /* from capabilities or sysinfo; NULL when not available */
	char *hv_type;          /* virConnectGetType: QEMU, TEST, ... */
	int64_t libvirt_version; /* libvirt's encoding: major * 1000000 + minor * 1000 + micro */
	int64_t hv_version;
};

struct kh_disk {
	char *target;   /* vda */
	char *device;   /* disk, cdrom, floppy, lun */
	char *type;     /* file, block, volume, network, dir */
	char *source;   /* path; pool/volume for type=volume; protocol/name for network */
	char *pool;     /* the storage pool and volume the source resolves to; NULL if none */
	char *volume;
	int64_t capacity, allocation, physical;
};

struct kh_iface {
	char *mac, *type, *source, *model;
};

/* A libvirt snapshot of a domain (virDomainSnapshot), not one of kvmhist's snapshots. */
struct kh_domsnap {
	char *name;
	int64_t created;        /* creationTime, seconds since the epoch; KH_UNKNOWN if none */
	char *state;            /* the domain's state it holds: running, shutoff, disk-snapshot */
	char *parent;           /* NULL for a root */
	int current;            /* the domain's current snapshot: 0 or 1 */
	char *kind;             /* "internal", "external" (memory and disks), "disk-only" */
};

struct kh_domain {
	char *name, *uuid;
	char *state;            /* as virsh prints it: running, shut off, paused, ... */
	int64_t vcpus;
	int64_t memory_kib, max_memory_kib;
	int autostart, persistent; /* 0, 1 or KH_UNKNOWN */
	char *os_type;          /* hvm, xen, linux, exe */
	char *xml;              /* persistent (inactive) config, never the secure form */
	char *live_xml;         /* a running domain's live config (never secure); NULL when it
				 * is the same as xml or the domain is not running */
	char *error;            /* why part of it could not be read; NULL when complete */
	struct kh_disk *disks;
	size_t n_disks;
	struct kh_iface *ifaces;
	size_t n_ifaces;
	struct kh_domsnap *snaps; /* by creation time, then name */
	size_t n_snaps;
};

struct kh_pool {
	char *name, *uuid, *type;
	char *state;            /* inactive, building, running, degraded, inaccessible */
	int autostart, persistent;
	int64_t capacity, allocation, available;
	char *path;             /* target path */
	char *target_device;    /* the filesystem the target path is on, "MAJOR:MINOR" of its
				 * st_dev; NULL unless a local collector could stat it */
	char *xml;
	char *error;
};

struct kh_volume {
	char *pool;             /* pool name */
	char *name, *key, *path;
	char *format;           /* qcow2, raw, ... */
	char *type;             /* file, block, dir, network, ... */
	int64_t capacity, allocation, physical;
	char *backing;          /* the backing file's path (<backingStore><path>); NULL if none */
	char *backing_format;
	char *xml;
	char *error;
};

struct kh_network {
	char *name, *uuid;
	int active, autostart, persistent;
	char *bridge;
	char *forward;          /* forward mode: nat, route, bridge, ...; NULL for isolated */
	char *ips;              /* space-separated CIDRs: "192.168.122.1/24 fd00::1/64" */
	char *dhcp_ranges;      /* space-separated "start-end" */
	char *xml;
	char *error;
};

struct kh_snapshot {
	int64_t id;             /* 0 until stored */
	int64_t taken_at;       /* seconds since the epoch, UTC */
	struct kh_host host;
	struct kh_domain *domains;
	size_t n_domains, cap_domains;
	struct kh_pool *pools;
	size_t n_pools, cap_pools;
	struct kh_volume *volumes;
	size_t n_volumes, cap_volumes;
	struct kh_network *networks;
	size_t n_networks, cap_networks;
};

/* One row of `kvmhist snapshots`: a snapshot without its objects. */
struct kh_snapshot_info {
	int64_t id, taken_at;
	char *uri, *hostname, *host_uuid;
	int64_t n_domains, n_pools, n_volumes, n_networks;
};

/* A domain's life on one host, followed by UUID (by name when it has none). */
struct kh_domain_event {
	const char *event;      /* "renamed", "removed", "re-added" (static) */
	int64_t at, snapshot;   /* the first snapshot showing it; snapshot 0 when unknown */
	char *name, *old_name;  /* old_name: renames only */
};

struct kh_domain_life {
	char *uri, *uuid, *name;        /* name: the latest one */
	int64_t first_seen, first_snapshot, last_seen, last_snapshot;
	int present;                    /* in the host's latest snapshot */
	struct kh_domain_event *events; /* oldest first */
	size_t n_events, cap_events;
};

void kh_domain_lives_free(struct kh_domain_life *v, size_t n);

struct kh_snapshot *kh_snapshot_new(void);
void kh_snapshot_free(struct kh_snapshot *s);
void kh_snapshot_info_clear(struct kh_snapshot_info *i);
void kh_snapshot_infos_free(struct kh_snapshot_info *v, size_t n);

/* Appenders return a zeroed element (numbers set to KH_UNKNOWN) owned by the parent. */
struct kh_domain *kh_snapshot_add_domain(struct kh_snapshot *s);
struct kh_pool *kh_snapshot_add_pool(struct kh_snapshot *s);
struct kh_volume *kh_snapshot_add_volume(struct kh_snapshot *s);
struct kh_network *kh_snapshot_add_network(struct kh_snapshot *s);
struct kh_disk *kh_domain_add_disk(struct kh_domain *d);
struct kh_iface *kh_domain_add_iface(struct kh_domain *d);
struct kh_domsnap *kh_domain_add_snap(struct kh_domain *d);

/* Sorts every list by its natural order (domains, networks by name; pools by name;
 * volumes by pool then name; disks by target; interfaces by mac; a domain's snapshots by
 * creation time, then name), so output and
 * comparison do not depend on the order libvirt listed things in. */
void kh_snapshot_sort(struct kh_snapshot *s);

/* Resolves each disk's source to the pool and volume holding it (type=volume names them;
 * a file or block path is matched against the volumes' paths). A resolved disk takes its
 * sizes from the volume (what vol-info prints); block statistics stay where it has none. */
void kh_snapshot_link(struct kh_snapshot *s);

/* An index of objects (.i) by up to two keys, NULL sorting first: kh_key_sort orders it
 * (equal keys in index order), kh_key_find gives the .i of the first with the keys, or -1. */
struct kh_key_ref {
	const char *k1, *k2;
	size_t i;
};
void kh_key_sort(struct kh_key_ref *r, size_t n);
long kh_key_find(const struct kh_key_ref *r, size_t n, const char *k1, const char *k2);

/* A dir, fs or netfs pool: its capacity, allocation and available are those of the
 * filesystem its target path is on (libvirt's statvfs of it). */
int kh_pool_on_filesystem(const struct kh_pool *p);

/* Lookups; NULL when absent. */
const struct kh_volume *kh_snapshot_find_volume(const struct kh_snapshot *s, const char *pool,
						const char *name);
const struct kh_pool *kh_snapshot_find_pool(const struct kh_snapshot *s, const char *name);

#endif
