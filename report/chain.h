/* Backing chains and domain snapshots of one kvmhist snapshot, over the model structs: which
 * volumes a disk holds through its backing files (so a base image is never taken for an
 * orphan), what a chain costs, and what each domain's snapshots amount to. */
#ifndef KH_CHAIN_H
#define KH_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "store/model.h"

#define KH_CHAIN_MAX 64         /* layers followed per disk: a loop in the paths ends there */

/* One disk that resolves to a volume, and the volumes below it. Indexes are into the
 * snapshot's volumes; names are borrowed from it. */
struct kh_chain {
	const char *domain, *target;
	size_t layers[KH_CHAIN_MAX];    /* the disk's own volume (the top, where writes land)
					 * first, then each one's backing file */
	size_t n_layers;
	int64_t allocation;             /* summed over the layers whose allocation is known */
	int64_t overlays;               /* the same without the bottom layer */
	const char *missing;            /* the first backing path no volume of the host has */
	size_t n_outside;               /* layers outside the pools: backing paths of volumes
					 * and, below them, what the domain's XML names */
};

struct kh_chains {
	struct kh_chain *disks;
	size_t n_disks, cap_disks;
};

/* Fills `out` from s (its disks resolved, kh_snapshot_link): each disk's volume, then the
 * volume each one's backing file is, following its domain's XML (the live chain of a running
 * domain) through files outside the pools. Without a backing file anywhere: one layer. */
void kh_chains_build(const struct kh_snapshot *s, struct kh_chains *out);
void kh_chains_free(struct kh_chains *c);

/* True when some volume of s has a backing file or some domain a snapshot: only then is
 * there anything to say about chains or snapshots. */
int kh_snapshot_has_chains(const struct kh_snapshot *s);

#endif
