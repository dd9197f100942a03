/* The report's rows out of memory: each host's rows, worked out when the host is done, are
 * written to a spill file as records and leave a key each (report_int.h, struct kh_key);
 * the analysis ranks the keys and reads back only the rows a format shows, the JSON each
 * in turn. A fleet's 120,000 rows with their names and samples took some 45 MB; their keys
 * take 8. */
#include "report/report_int.h"
#include "util/buf.h"
#include "util/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the spill: records appended once, read back by offset ---- */

/* An unlinked file under $TMPDIR (else /tmp); where none can be made or written, the
 * records stay in memory, as all rows did before. */
static void spill_open(struct kh_spill *sp)
{
	const char *dir = getenv("TMPDIR");
	char *path;

	sp->tried = 1;
	path = kh_asprintf("%s/kvmhist-report.XXXXXX", dir && *dir ? dir : "/tmp");
	sp->fd = mkstemp(path);
	if (sp->fd >= 0)
		unlink(path);
	free(path);
}

uint64_t kh_spill_put(struct kh_spill *sp, const void *data, size_t n)
{
	uint64_t at = sp->file_len + sp->n_mem;

	if (!sp->tried)
		spill_open(sp);
	if (sp->fd >= 0 && sp->n_mem == 0) {
		const char *p = data;
		size_t done = 0;

		while (done < n) {
			ssize_t w = pwrite(sp->fd, p + done, n - done, (off_t)(sp->file_len + done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += (size_t)w;
		}
		if (done == n) {
			sp->file_len += n;
			return at;
		}
		/* a full disk: this record and the ones after it are kept in memory */
	}
	kh_grow(&sp->mem, &sp->cap_mem, sp->n_mem + n, 1);
	memcpy(sp->mem + sp->n_mem, data, n);
	sp->n_mem += n;
	return at;
}

static void spill_get(const struct kh_spill *sp, uint64_t at, void *out, size_t n)
{
	char *p = out;
	size_t done = 0;

	if (at >= sp->file_len) {
		memcpy(out, sp->mem + (at - sp->file_len), n);
		return;
	}
	while (done < n) {
		ssize_t got = pread(sp->fd, p + done, n - done, (off_t)(at + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) { /* our own file, written a moment ago: as fatal as no memory */
			fprintf(stderr, "kvmhist: cannot read back the report's rows: %s\n",
				got < 0 ? strerror(errno) : "short read");
			abort();
		}
		done += (size_t)got;
	}
}

/* The record at `at`, whole, in a new block (the caller frees it). */
static unsigned char *spill_record(const struct kh_spill *sp, uint64_t at)
{
	uint32_t len;
	unsigned char *rec;

	spill_get(sp, at, &len, sizeof len);
	rec = kh_malloc(len);
	spill_get(sp, at, rec, len);
	return rec;
}

void kh_spill_free(struct kh_spill *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	free(sp->mem);
	memset(sp, 0, sizeof *sp);
	sp->fd = -1;
}

/* ---- records ----
 * A volume:  len, the row as it stood, its samples, pool, name, path, then per owner the
 *            domain and the volume it backs there (or none).
 * A pool:    len, the row, its samples, name, then the other pools of its filesystem.
 * A storage: len, struct st_fixed, then its pools' names (the first one's record is its
 *            row's).
 * A string is its length (NONE: no string) and its bytes with a NUL, so that it is read
 * back in place. */
#define NONE UINT32_MAX

struct st_fixed {
	uint64_t pool_at;
	int64_t committed, vol_full_at;
	uint64_t n_volumes;
	int32_t has_vol_full, fills_before_volumes;
	uint32_t n_pools, pad;
};

static void put_u32(struct kh_buf *b, uint32_t v)
{
	kh_buf_add(b, (const char *)&v, sizeof v);
}

static void put_str(struct kh_buf *b, const char *s)
{
	if (s == NULL) {
		put_u32(b, NONE);
		return;
	}
	put_u32(b, (uint32_t)strlen(s));
	kh_buf_add(b, s, strlen(s) + 1);
}

static uint64_t put_record(struct kh_spill *sp, struct kh_buf *b)
{
	uint32_t len = (uint32_t)b->len;
	uint64_t at;

	memcpy(b->data, &len, sizeof len);
	at = kh_spill_put(sp, b->data, b->len);
	b->len = 0;
	return at;
}

static void put_row(struct kh_buf *b, const struct kh_report *r, const struct kh_row *row)
{
	put_u32(b, 0); /* the length, once known */
	kh_buf_add(b, (const char *)row, sizeof *row);
	put_u32(b, (uint32_t)row->n_sample_bytes);
	if (row->n_sample_bytes)
		kh_buf_add(b, (const char *)r->samples + row->sample_at, row->n_sample_bytes);
}

uint64_t kh_spill_volume(struct kh_spill *sp, struct kh_buf *b, const struct kh_report *r,
			 const struct kh_row *v)
{
	put_row(b, r, v);
	put_str(b, v->s->pool);
	put_str(b, v->s->name);
	put_str(b, v->s->path);
	for (size_t i = 0; i < v->n_owners; i++) {
		put_str(b, v->owners[i]);
		put_str(b, v->vias[i]);
	}
	return put_record(sp, b);
}

uint64_t kh_spill_pool(struct kh_spill *sp, struct kh_buf *b, const struct kh_report *r,
		       const struct kh_row *p, const struct kh_storage *st)
{
	put_row(b, r, p);
	put_str(b, p->s->name);
	put_u32(b, (uint32_t)(st->n_pools - 1));
	for (size_t i = 0; i < st->n_pools; i++)
		if (st->pools[i] != p)
			put_str(b, st->pools[i]->s->name);
	return put_record(sp, b);
}

uint64_t kh_spill_storage(struct kh_spill *sp, struct kh_buf *b, const struct kh_storage *st,
			  uint64_t pool_at)
{
	struct st_fixed f = { pool_at, st->committed, st->vol_full_at, st->n_volumes,
			      st->has_vol_full, st->fills_before_volumes, (uint32_t)st->n_pools, 0 };

	put_u32(b, 0);
	kh_buf_add(b, (const char *)&f, sizeof f);
	for (size_t i = 0; i < st->n_pools; i++)
		put_str(b, st->pools[i]->s->name);
	return put_record(sp, b);
}

/* ---- reading back ---- */

static uint32_t get_u32(const unsigned char **p)
{
	uint32_t v;

	memcpy(&v, *p, sizeof v);
	*p += sizeof v;
	return v;
}

static const char *get_str(const unsigned char **p)
{
	uint32_t n = get_u32(p);
	const char *s = (const char *)*p;

	if (n == NONE)
		return NULL;
	*p += n + 1;
	return s;
}

/* The row of the record at `at` into l->row, its strings and samples in l->rec. */
static const unsigned char *get_row(const struct kh_report *r, const struct kh_spill *sp,
				    uint64_t at, size_t host, struct kh_loaded *l)
{
	const unsigned char *p;
	uint32_t n;

	l->rec = spill_record(sp, at);
	p = l->rec + sizeof(uint32_t);
	memcpy(&l->row, p, sizeof l->row);
	p += sizeof l->row;
	n = get_u32(&p);
	l->row.samples = n ? p : NULL;
	p += n;
	memset(&l->s, 0, sizeof l->s);
	l->s.host = host;
	l->row.s = &l->s;
	l->row.h = &r->hosts[host];
	return p;
}

void kh_load_volume(const struct kh_report *r, const struct kh_spill *sp,
		    const struct kh_key *k, struct kh_loaded *l)
{
	const unsigned char *p;

	memset(l, 0, sizeof *l);
	p = get_row(r, sp, k->at, k->host, l);
	l->s.pool = get_str(&p);
	l->s.name = (char *)get_str(&p); /* borrowed from the record: never freed as a series' */
	l->s.path = get_str(&p);
	l->volume = 1;
	l->row.owners = kh_malloc((l->row.n_owners + 1) * sizeof *l->row.owners);
	l->row.vias = kh_malloc((l->row.n_owners + 1) * sizeof *l->row.vias);
	for (size_t i = 0; i < l->row.n_owners; i++) {
		l->row.owners[i] = get_str(&p);
		l->row.vias[i] = get_str(&p);
	}
}

void kh_load_pool(const struct kh_report *r, const struct kh_spill *sp, const struct kh_key *k,
		  struct kh_loaded *l)
{
	const unsigned char *p;

	memset(l, 0, sizeof *l);
	p = get_row(r, sp, k->at, k->host, l);
	l->s.name = (char *)get_str(&p);
	l->row.storage = NULL;
	l->n_mates = get_u32(&p);
	l->mates = kh_malloc((l->n_mates + 1) * sizeof *l->mates);
	for (size_t i = 0; i < l->n_mates; i++)
		l->mates[i] = get_str(&p);
}

void kh_load_storage(const struct kh_report *r, const struct kh_spill *sp,
		     const struct kh_key *k, struct kh_loaded *l)
{
	struct kh_key pk = *k;
	struct st_fixed f;
	const unsigned char *p;
	unsigned char *rec = spill_record(sp, k->at);

	p = rec + sizeof(uint32_t);
	memcpy(&f, p, sizeof f);
	p += sizeof f;
	pk.at = f.pool_at;
	kh_load_pool(r, sp, &pk, l);
	free(l->mates); /* a storage names all its pools */
	l->mates = NULL;
	l->n_mates = 0;
	l->st_rec = rec;
	l->names = kh_calloc(f.n_pools + 1, sizeof *l->names);
	l->names_s = kh_calloc(f.n_pools + 1, sizeof *l->names_s);
	l->pools = kh_calloc(f.n_pools + 1, sizeof *l->pools);
	for (size_t i = 0; i < f.n_pools; i++) {
		const char *name = get_str(&p);

		if (i == 0) { /* the first by name: the storage's row */
			l->pools[0] = &l->row;
			continue;
		}
		l->names_s[i].host = k->host;
		l->names_s[i].name = (char *)name;
		l->names[i].s = &l->names_s[i];
		l->names[i].h = &r->hosts[k->host];
		l->pools[i] = &l->names[i];
	}
	memset(&l->st, 0, sizeof l->st);
	l->st.pools = l->pools;
	l->st.n_pools = f.n_pools;
	l->st.row = &l->row;
	l->st.committed = f.committed;
	l->st.n_volumes = (size_t)f.n_volumes;
	l->st.has_vol_full = f.has_vol_full;
	l->st.vol_full_at = f.vol_full_at;
	l->st.fills_before_volumes = f.fills_before_volumes;
	l->row.storage = &l->st;
}

void kh_loaded_free(struct kh_loaded *l)
{
	if (l == NULL)
		return;
	if (l->volume) { /* a pool's row holds its totals where a volume's has owners */
		free(l->row.owners);
		free(l->row.vias);
	}
	free(l->rec);
	free(l->st_rec);
	free(l->mates);
	free(l->names);
	free(l->names_s);
	free(l->pools);
	memset(l, 0, sizeof *l);
}
