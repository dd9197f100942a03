#include "report/chain.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

int kh_snapshot_has_chains(const struct kh_snapshot *s)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		if (s->volumes[i].backing)
			return 1;
	for (size_t i = 0; i < s->n_domains; i++)
		if (s->domains[i].n_snaps)
			return 1;
	return 0;
}

struct by_path {
	const char *path;
	size_t vol;
};

static int cmp_by_path(const void *a, const void *b)
{
	return strcmp(((const struct by_path *)a)->path, ((const struct by_path *)b)->path);
}

static const struct kh_volume *vol_at(const struct kh_snapshot *s, size_t i)
{
	return &s->volumes[i];
}

/* The volume at `path`, or SIZE_MAX. Paths are unique on one host. */
static size_t find_path(const struct by_path *idx, size_t n, const char *path)
{
	struct by_path key = { path, 0 }, *hit;

	if (path == NULL || n == 0)
		return SIZE_MAX;
	hit = bsearch(&key, idx, n, sizeof *idx, cmp_by_path);
	return hit ? hit->vol : SIZE_MAX;
}

/* The disk's own volume: by pool and name where the link resolved it, else by path. */
static size_t disk_volume(const struct kh_snapshot *s, const struct by_path *idx, size_t n,
			  const struct kh_disk *k)
{
	if (k->pool && k->volume) {
		const struct kh_volume *v = kh_snapshot_find_volume(s, k->pool, k->volume);

		if (v)
			return (size_t)(v - s->volumes);
	}
	return find_path(idx, n, k->source);
}

static int in_chain(const struct kh_chain *c, size_t vol)
{
	for (size_t i = 0; i < c->n_layers; i++)
		if (c->layers[i] == vol)
			return 1;
	return 0;
}

void kh_chains_build(const struct kh_snapshot *s, struct kh_chains *out)
{
	struct by_path *idx = kh_malloc((s->n_volumes + 1) * sizeof *idx);
	size_t n = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < s->n_volumes; i++)
		if (s->volumes[i].path)
			idx[n++] = (struct by_path){ s->volumes[i].path, i };
	if (n)
		qsort(idx, n, sizeof *idx, cmp_by_path);
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct kh_domain *d = &s->domains[i];

		for (size_t j = 0; j < d->n_disks; j++) {
			size_t vol = disk_volume(s, idx, n, &d->disks[j]);
			struct kh_chain *c;

			if (vol == SIZE_MAX)
				continue;
			c = KH_PUSH(out->disks, out->n_disks, out->cap_disks);
			c->domain = d->name;
			c->target = d->disks[j].target;
			c->allocation = c->overlays = 0;
			while (vol != SIZE_MAX && c->n_layers < KH_CHAIN_MAX && !in_chain(c, vol)) {
				const struct kh_volume *v = vol_at(s, vol);

				c->layers[c->n_layers++] = vol;
				if (v->allocation >= 0)
					c->allocation += v->allocation;
				if (v->backing == NULL)
					break;
				vol = find_path(idx, n, v->backing);
				if (vol == SIZE_MAX)
					c->missing = v->backing;
			}
			/* the bottom layer is the image the chain started from (unless it is
			 * outside the host's pools: then every layer seen is an overlay) */
			for (size_t l = 0; l < c->n_layers; l++)
				if ((l + 1 < c->n_layers || c->missing) &&
				    vol_at(s, c->layers[l])->allocation >= 0)
					c->overlays += vol_at(s, c->layers[l])->allocation;
		}
	}
	free(idx);
}

void kh_chains_free(struct kh_chains *c)
{
	if (c == NULL)
		return;
	free(c->disks);
	memset(c, 0, sizeof *c);
}
