#include "report/diff.h"
#include "report/xmldiff.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timefmt.h"
#include "util/units.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* What the XML holds that is either compared as a measured field (sizes), reported as the
 * object's identity (name), or live noise (a running network's connection counts). */
/* A disk's <backingStore> is the chain an external snapshot made: the overlay line says it. */
static const char *const domain_ignore[] = {
	"/domain/name", "/domain/@id", "/domain/devices/disk/backingStore", NULL,
};
/* Live against persistent: what a start fills in (see kh_domain_pending). */
static const char *const live_ignore[] = {
	"/domain/name", "/domain/@id", "/domain/seclabel", "//alias", "/domain/cpu/@check", NULL,
};
static const char *const network_ignore[] = {
	"/network/name", "/network/@connections", "/network/forward/interface/@connections",
	"/network/forward/address/@connections", "/network/forward/pf/@connections", NULL,
};
static const char *const pool_ignore[] = {
	"/pool/name", "/pool/capacity", "/pool/allocation", "/pool/available", NULL,
};
static const char *const volume_ignore[] = {
	"/volume/name", "/volume/capacity", "/volume/allocation", "/volume/physical",
	"/volume/target/timestamps", "/volume/backingStore/timestamps", NULL,
};

const char *kh_change_kind_name(enum kh_change_kind k)
{
	switch (k) {
	case KH_CHANGE_ADDED: return "added";
	case KH_CHANGE_REMOVED: return "removed";
	case KH_CHANGE_MODIFIED: return "modified";
	}
	return "unknown";
}

static void change_clear(struct kh_change *c)
{
	free(c->uri);
	free(c->name);
	free(c->pool);
	free(c->uuid);
	free(c->path);
	free(c->old);
	free(c->new_);
}

void kh_changes_free(struct kh_changes *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		change_clear(&c->items[i]);
	free(c->items);
	c->items = NULL;
	c->n = c->cap = 0;
}

/* ---- Emitting ------------------------------------------------------------------------------ */

/* The object being compared: what every change of it carries. */
struct obj {
	const struct kh_snapshot *to;
	struct kh_changes *out;
	const char *object, *name, *pool, *uuid;
};

/* Takes old and new_. */
static void push(const struct obj *o, enum kh_change_kind ch, const char *path, char *old,
		 char *new_, enum kh_value_kind kind)
{
	struct kh_change *c = KH_PUSH(o->out->items, o->out->n, o->out->cap);

	c->taken_at = o->to->taken_at;
	c->uri = kh_strdup(o->to->host.uri);
	c->object = o->object;
	c->name = kh_strdup(o->name);
	c->pool = kh_strdup(o->pool);
	c->uuid = kh_strdup(o->uuid);
	c->change = ch;
	c->path = kh_strdup(path);
	c->old = old;
	c->new_ = new_;
	c->kind = kind;
}

static void cmp_text(const struct obj *o, const char *path, const char *a, const char *b)
{
	if (a && b && strcmp(a, b) != 0)
		push(o, KH_CHANGE_MODIFIED, path, kh_strdup(a), kh_strdup(b), KH_VALUE_TEXT);
}

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static void cmp_flag(const struct obj *o, const char *path, int a, int b)
{
	if (a != KH_UNKNOWN && b != KH_UNKNOWN && !a != !b)
		push(o, KH_CHANGE_MODIFIED, path, kh_strdup(yes_no(a)), kh_strdup(yes_no(b)),
		     KH_VALUE_TEXT);
}

static void cmp_bytes(const struct obj *o, const char *path, int64_t a, int64_t b)
{
	if (a >= 0 && b >= 0 && a != b)
		push(o, KH_CHANGE_MODIFIED, path, kh_asprintf("%" PRId64, a),
		     kh_asprintf("%" PRId64, b), KH_VALUE_BYTES);
}

/* Two versions of a pool or volume whose XML differs only in its measured numbers (compared
 * as fields, and ignored in the XML) need no parse: cut out, as the store cuts them, the XML
 * is the same. Thousands of volumes grow from one night to the next. */
static int same_but_numbers(const char *a, const char *b, const struct kh_xml_num *na,
			    const struct kh_xml_num *nb, size_t n)
{
	char *ca, *cb;
	int same;

	if (a == NULL || b == NULL)
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	ca = kh_xml_nums_cut(a, na, n);
	cb = kh_xml_nums_cut(b, nb, n);
	same = strcmp(ca ? ca : a, cb ? cb : b) == 0;
	free(ca);
	free(cb);
	return same;
}

/* The XML drift of one object; identical documents (the usual night) are not parsed. */
static int cmp_xml(const struct obj *o, const char *a, const char *b, const char *const *ignore,
		   struct kh_err *err)
{
	struct kh_xml_changes x = { 0 };

	if (a == NULL || b == NULL || strcmp(a, b) == 0)
		return 0;
	if (kh_xml_diff(a, b, ignore, &x, err))
		return kh_err_prefix(err, "cannot compare %s '%s'", o->object,
				     o->name ? o->name : "?");
	for (size_t i = 0; i < x.n; i++) {
		struct kh_xml_change *c = &x.items[i];

		/* Inside an object everything is "modified"; a null side says added/removed. */
		push(o, KH_CHANGE_MODIFIED, c->path, c->old, c->new_, c->kind);
		c->old = c->new_ = NULL;
	}
	kh_xml_changes_free(&x);
	return 0;
}

/* ---- Matching objects ---------------------------------------------------------------------- */

struct ident {
	const char *id;
	size_t i;
};

static int cmp_ident(const void *x, const void *y)
{
	const struct ident *a = x, *b = y;
	int c = strcmp(a->id, b->id);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static struct ident *idents(char *const *ids, const size_t *m, size_t n, size_t *k)
{
	struct ident *v = kh_calloc(n, sizeof *v);

	*k = 0;
	for (size_t i = 0; i < n; i++)
		if (ids[i] && m[i] == 0) {
			v[*k].id = ids[i];
			v[(*k)++].i = i;
		}
	qsort(v, *k, sizeof *v, cmp_ident);
	return v;
}

/* Pairs the unpaired: fm[i] = j + 1 and tm[j] = i + 1 where from id i equals to id j. An id
 * that is NULL or occurs twice on one side pairs nothing. */
static void match_ids(char *const *fid, size_t nf, size_t *fm, char *const *tid, size_t nt,
		      size_t *tm)
{
	size_t na, nb, i = 0, j = 0, ri, rj;
	struct ident *a = idents(fid, fm, nf, &na), *b = idents(tid, tm, nt, &nb);

	while (i < na && j < nb) {
		int c = strcmp(a[i].id, b[j].id);

		for (ri = i + 1; ri < na && strcmp(a[ri].id, a[i].id) == 0; ri++)
			;
		for (rj = j + 1; rj < nb && strcmp(b[rj].id, b[j].id) == 0; rj++)
			;
		if (c == 0 && ri == i + 1 && rj == j + 1) {
			fm[a[i].i] = b[j].i + 1;
			tm[b[j].i] = a[i].i + 1;
		}
		if (c <= 0)
			i = ri;
		if (c >= 0)
			j = rj;
	}
	free(a);
	free(b);
}

/* UUIDs compare without case or dashes. */
static char *uuid_id(const char *u)
{
	char *r, *p;

	if (u == NULL)
		return NULL;
	r = p = kh_malloc(strlen(u) + 1);
	for (; *u; u++)
		if (*u != '-')
			*p++ = (char)tolower((unsigned char)*u);
	*p = '\0';
	return r;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* One object of the result: paired (f and t), removed (f only) or added (t only); index + 1. */
struct entry {
	const char *pool, *name;
	size_t f, t;
};

static int entry_rank(const struct entry *e)
{
	return e->f && e->t ? 2 : e->f ? 0 : 1;
}

static int cmp_entry(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = kh_strcmp_empty(a->pool, b->pool);

	if (c == 0)
		c = kh_strcmp_empty(a->name, b->name);
	if (c == 0)
		c = entry_rank(a) - entry_rank(b);
	if (c == 0)
		c = a->f != b->f ? (a->f > b->f) - (a->f < b->f) : (a->t > b->t) - (a->t < b->t);
	return c;
}

/* ---- What a domain's fields and XML do not say ------------------------------------------ */

static const struct kh_domsnap *find_snap(const struct kh_domain *d, const char *name)
{
	for (size_t i = 0; i < d->n_snaps; i++)
		if (kh_strcmp_empty(d->snaps[i].name, name) == 0)
			return &d->snaps[i];
	return NULL;
}

static const char *current_snap(const struct kh_domain *d)
{
	for (size_t i = 0; i < d->n_snaps; i++)
		if (d->snaps[i].current)
			return d->snaps[i].name;
	return NULL;
}

/* "disk-only, 2026-11-12T21:30:00Z" */
static char *snap_summary(const struct kh_domsnap *n)
{
	char when[KH_TIME_LEN] = "unknown time";

	if (n->created != KH_UNKNOWN)
		kh_time_format(n->created, when);
	return kh_asprintf("%s, %s", n->kind ? n->kind : "unknown kind", when);
}

/* A snapshot taken or deleted is one line of its domain; a revert moves "current" to a
 * snapshot that was there before. */
static void cmp_snaps(const struct obj *o, const struct kh_domain *a, const struct kh_domain *b)
{
	const char *ca = current_snap(a), *cb = current_snap(b);

	for (size_t i = 0; i < a->n_snaps; i++)
		if (find_snap(b, a->snaps[i].name) == NULL) {
			char *path = kh_asprintf("snapshot %s", a->snaps[i].name);

			push(o, KH_CHANGE_MODIFIED, path, snap_summary(&a->snaps[i]), NULL,
			     KH_VALUE_TEXT);
			free(path);
		}
	for (size_t i = 0; i < b->n_snaps; i++)
		if (find_snap(a, b->snaps[i].name) == NULL) {
			char *path = kh_asprintf("snapshot %s", b->snaps[i].name);

			push(o, KH_CHANGE_MODIFIED, path, NULL, snap_summary(&b->snaps[i]),
			     KH_VALUE_TEXT);
			free(path);
		}
	if (cb && kh_strcmp_empty(ca, cb) != 0 && find_snap(a, cb))
		push(o, KH_CHANGE_MODIFIED, "current snapshot", kh_strdup(ca ? ca : "none"),
		     kh_strdup(cb), KH_VALUE_TEXT);
}

/* The file a disk reads: its volume's path where it resolved to one. */
static const char *disk_file(const struct kh_snapshot *s, const struct kh_disk *k,
			     const struct kh_volume **vol)
{
	*vol = k->pool && k->volume ? kh_snapshot_find_volume(s, k->pool, k->volume) : NULL;
	if (*vol && (*vol)->path)
		return (*vol)->path;
	return k->source;
}

static const struct kh_volume *volume_at(const struct kh_snapshot *s, const char *path)
{
	for (size_t i = 0; i < s->n_volumes; i++)
		if (kh_strcmp_empty(s->volumes[i].path, path) == 0)
			return &s->volumes[i];
	return NULL;
}

/* Whether `file` is a backing file of volume v, through the volumes of s. */
static int backs(const struct kh_snapshot *s, const struct kh_volume *v, const char *file)
{
	for (int depth = 0; v && v->backing && depth < 64; depth++) {
		if (strcmp(v->backing, file) == 0)
			return 1;
		v = volume_at(s, v->backing);
	}
	return 0;
}

/* Drops the changes from `start` on whose path starts with `prefix`. */
static void drop_under(struct kh_changes *c, size_t start, const char *prefix)
{
	size_t k = start, n = strlen(prefix);

	for (size_t i = start; i < c->n; i++) {
		if (c->items[i].path && strncmp(c->items[i].path, prefix, n) == 0 &&
		    (c->items[i].path[n] == '\0' || c->items[i].path[n] == '/'))
			change_clear(&c->items[i]);
		else
			c->items[k++] = c->items[i];
	}
	c->n = k;
}

/* A disk that moved onto an overlay of the file it used (an external snapshot) is one line,
 * not a changed source and driver. */
static void cmp_overlays(const struct obj *o, const struct kh_snapshot *from,
			 const struct kh_domain *a, const struct kh_snapshot *to,
			 const struct kh_domain *b, size_t start)
{
	for (size_t i = 0; i < b->n_disks; i++) {
		const struct kh_disk *kb = &b->disks[i], *ka = NULL;
		const struct kh_volume *va, *vb;
		const char *fa, *fb;
		char *at;

		for (size_t j = 0; j < a->n_disks && ka == NULL; j++)
			if (kb->target && kh_strcmp_empty(a->disks[j].target, kb->target) == 0)
				ka = &a->disks[j];
		if (ka == NULL)
			continue;
		fa = disk_file(from, ka, &va);
		fb = disk_file(to, kb, &vb);
		if (fa == NULL || fb == NULL || strcmp(fa, fb) == 0 ||
		    !backs(to, vb ? vb : volume_at(to, fb), fa))
			continue;
		at = kh_asprintf("/domain/devices/disk[target/@dev='%s']", kb->target);
		drop_under(o->out, start, at);
		free(at);
		at = kh_asprintf("disk %s moved to overlay", kb->target);
		push(o, KH_CHANGE_MODIFIED, at, kh_strdup(fa), kh_strdup(fb), KH_VALUE_TEXT);
		free(at);
	}
}

/* After the XML: its external snapshots' overlays and its libvirt snapshots. `start`: its
 * first change from the XML. */
static void domain_more(const struct obj *o, const struct kh_snapshot *from, const void *a,
			const struct kh_snapshot *to, const void *b, size_t start)
{
	cmp_overlays(o, from, a, to, b, start);
	cmp_snaps(o, a, b);
}

/* How one kind of object is compared: its fields (store/kind.c), the paths its XML
 * comparison leaves out, and what it compares beyond them (NULL: nothing). */
struct kind {
	const struct kh_kind *k;
	const char *const *ignore;
	void (*more)(const struct obj *o, const struct kh_snapshot *from, const void *a,
		     const struct kh_snapshot *to, const void *b, size_t start);
};

/* The fields objects of a kind are named and identified by, and their array on each side. */
struct named {
	const struct kh_kind_field *name, *pool, *uuid, *key; /* pool, key: volumes; uuid: the rest */
	const void *from, *to;
};

static const char *text(const struct kh_kind_field *f, const struct kh_kind *k, const void *items,
			size_t i)
{
	return f ? kh_field_text(f, kh_kind_at(k, items, i)) : NULL;
}

#define N_PASSES 3

/* The identity of object i for matching pass `pass`, NULL when it takes no part in it.
 * Domains, networks, pools: by UUID; then by name where the UUID is missing on one side
 * (pass 1 from-side, pass 2 to-side). Volumes: by key, then by pool and name. */
static char *ident(const struct kh_kind *k, const struct named *nm, const void *items, size_t i,
		   int pass, int from)
{
	const char *name = text(nm->name, k, items, i), *uuid = text(nm->uuid, k, items, i);

	if (nm->uuid == NULL) {
		const char *pool = text(nm->pool, k, items, i);

		if (pass == 0)
			return kh_strdup(text(nm->key, k, items, i));
		if (pass == 1 && name)
			return kh_strjoin(pool ? pool : "", "\x1f", name);
		return NULL;
	}
	if (pass == 0)
		return uuid_id(uuid);
	if (uuid == NULL || (pass == 1) != from)
		return kh_strdup(name);
	return NULL;
}

static void match_pass(const struct kh_kind *k, const struct named *nm, size_t nf, size_t *fm,
		       size_t nt, size_t *tm, int pass)
{
	char **fi = kh_calloc(nf, sizeof *fi), **ti = kh_calloc(nt, sizeof *ti);

	/* those an earlier pass paired take no part (match_ids skips them) */
	for (size_t i = 0; i < nf; i++)
		fi[i] = fm[i] ? NULL : ident(k, nm, nm->from, i, pass, 1);
	for (size_t j = 0; j < nt; j++)
		ti[j] = tm[j] ? NULL : ident(k, nm, nm->to, j, pass, 0);
	match_ids(fi, nf, fm, ti, nt, tm);
	free_ids(fi, nf);
	free_ids(ti, nt);
}

/* The fields diff reports of their own (KH_F_DIFF), then the XML; the XML of a pool or volume
 * that differs only in its numbers is not parsed. */
static int compare_pair(const struct kind *kd, const struct obj *o,
			const struct kh_snapshot *from, const void *a, const struct kh_snapshot *to,
			const void *b, struct kh_err *err)
{
	const struct kh_kind *k = kd->k;
	const struct kh_kind_field *xml = kh_kind_field(k, "xml");
	struct kh_xml_num na[KH_MAX_NUMS], nb[KH_MAX_NUMS];
	size_t n, start;

	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (!(f->flags & KH_F_DIFF))
			continue;
		if (f->type == KH_FT_FLAG)
			cmp_flag(o, f->name, (int)kh_field_num(f, a), (int)kh_field_num(f, b));
		else if (f->type == KH_FT_NUM)
			cmp_bytes(o, f->name, kh_field_num(f, a), kh_field_num(f, b));
		else
			cmp_text(o, f->name, kh_field_text(f, a), kh_field_text(f, b));
	}
	n = kh_kind_nums(k, a, na);
	kh_kind_nums(k, b, nb);
	if (n && same_but_numbers(kh_field_text(xml, a), kh_field_text(xml, b), na, nb, n))
		return 0;
	start = o->out->n;
	if (cmp_xml(o, kh_field_text(xml, a), kh_field_text(xml, b), kd->ignore, err))
		return -1;
	if (kd->more)
		kd->more(o, from, a, to, b, start);
	return 0;
}

static int compare_objects(const struct kind *kd, const struct kh_snapshot *from,
			   const struct kh_snapshot *to, struct kh_changes *out,
			   struct kh_err *err)
{
	const struct kh_kind *k = kd->k;
	struct named nm = { kh_kind_field(k, "name"), kh_kind_field(k, "pool"),
			    kh_kind_field(k, "uuid"), kh_kind_field(k, "key"), NULL, NULL };
	size_t nf, nt, ne = 0;
	size_t *fm, *tm;
	struct entry *e;
	int rc = 0;

	nm.from = kh_kind_items(k, from, &nf);
	nm.to = kh_kind_items(k, to, &nt);
	fm = kh_calloc(nf, sizeof *fm);
	tm = kh_calloc(nt, sizeof *tm);
	e = kh_calloc(nf + nt, sizeof *e);
	for (int pass = 0; pass < N_PASSES; pass++)
		match_pass(k, &nm, nf, fm, nt, tm, pass);
	for (size_t j = 0; j < nt; j++)
		e[ne++] = (struct entry){ text(nm.pool, k, nm.to, j), text(nm.name, k, nm.to, j),
					  tm[j], j + 1 };
	for (size_t i = 0; i < nf; i++)
		if (fm[i] == 0)
			e[ne++] = (struct entry){ text(nm.pool, k, nm.from, i),
						  text(nm.name, k, nm.from, i), i + 1, 0 };
	qsort(e, ne, sizeof *e, cmp_entry);
	for (size_t i = 0; i < ne && rc == 0; i++) {
		const char *uuid = e[i].t ? text(nm.uuid, k, nm.to, e[i].t - 1)
				   : text(nm.uuid, k, nm.from, e[i].f - 1);
		struct obj o = { to, out, k->name, e[i].name, e[i].pool, uuid };

		if (e[i].f == 0)
			push(&o, KH_CHANGE_ADDED, NULL, NULL, NULL, KH_VALUE_TEXT);
		else if (e[i].t == 0)
			push(&o, KH_CHANGE_REMOVED, NULL, NULL, NULL, KH_VALUE_TEXT);
		else
			rc = compare_pair(kd, &o, from, kh_kind_at(k, nm.from, e[i].f - 1), to,
					  kh_kind_at(k, nm.to, e[i].t - 1), err);
	}
	free(fm);
	free(tm);
	free(e);
	return rc;
}

/* ---- Host ---------------------------------------------------------------------------------- */

static char *version(int64_t v)
{
	char s[KH_VERSION_LEN];

	kh_version_format(v, s);
	return kh_strdup(s);
}

static void cmp_version(const struct obj *o, const char *path, int64_t a, int64_t b)
{
	if (a >= 0 && b >= 0 && a != b)
		push(o, KH_CHANGE_MODIFIED, path, version(a), version(b), KH_VALUE_TEXT);
}

static void compare_host(const struct kh_snapshot *from, const struct kh_snapshot *to,
			 struct kh_changes *out)
{
	const struct kh_host *a = &from->host, *b = &to->host;
	struct obj o = { to, out, "host", b->hostname ? b->hostname : b->uri, NULL, NULL };

	cmp_text(&o, "hostname", a->hostname, b->hostname);
	cmp_version(&o, "hv_version", a->hv_version, b->hv_version);
	cmp_version(&o, "libvirt_version", a->libvirt_version, b->libvirt_version);
}

/* In the order changes are listed. */
static const struct kind kinds[] = {
	{ &kh_domain_kind, domain_ignore, domain_more },
	{ &kh_network_kind, network_ignore, NULL },
	{ &kh_pool_kind, pool_ignore, NULL },
	{ &kh_volume_kind, volume_ignore, NULL },
};

int kh_diff_snapshots(const struct kh_snapshot *from, const struct kh_snapshot *to,
		      struct kh_changes *out, struct kh_err *err)
{
	size_t n0 = out->n;

	if (from == NULL || to == NULL)
		return kh_err_set(err, "diff: missing snapshot");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (compare_objects(&kinds[i], from, to, out, err)) {
			for (size_t j = n0; j < out->n; j++)
				change_clear(&out->items[j]);
			out->n = n0;
			return -1;
		}
	}
	compare_host(from, to, out);
	return 0;
}

/* ---- Pending drift ------------------------------------------------------------------------- */

/* Whether path names a whole device: /domain/devices/NAME[...] with no deeper segment
 * ('/' inside a predicate such as [target/@dev='vda'] does not count). */
static int is_device(const char *path)
{
	static const char prefix[] = "/domain/devices/";
	int depth = 0;
	char quote = 0;

	if (strncmp(path, prefix, sizeof prefix - 1) != 0)
		return 0;
	for (const char *p = path + sizeof prefix - 1; *p; p++) {
		if (quote)
			quote = *p == quote ? 0 : quote;
		else if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == '/' && depth == 0)
			return 0;
	}
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Whether a live-against-persistent change is only what starting the domain filled in. */
static int started_state(const struct kh_xml_change *c, int host_model)
{
	/* Present only in the live XML, below device level: an index, a pty path, a tap name, a
	 * detected backing chain, an expanded CPU feature. A whole device present only in the
	 * live XML was hot-plugged and goes away at next boot: that is kept. */
	if (c->new_ == NULL && c->old != NULL && !is_device(c->path))
		return 1;
	/* autoport: the config says -1, the running domain has its port */
	if (strncmp(c->path, "/domain/devices/graphics", 24) == 0 &&
	    (ends_with(c->path, "/@port") || ends_with(c->path, "/@tlsPort") ||
	     ends_with(c->path, "/@websocket")) &&
	    c->new_ && strcmp(c->new_, "-1") == 0)
		return 1;
	/* host-model becomes a concrete model at start */
	return host_model && strncmp(c->path, "/domain/cpu", 11) == 0;
}

int kh_domain_pending(const struct kh_domain *d, struct kh_xml_changes *out, struct kh_err *err)
{
	struct kh_xml_changes x = { 0 };
	int host_model = 0;

	if (d->live_xml == NULL || d->xml == NULL)
		return 0;
	if (kh_xml_diff(d->live_xml, d->xml, live_ignore, &x, err))
		return kh_err_prefix(err, "cannot compare the live and persistent XML of domain '%s'",
				     d->name ? d->name : "?");
	for (size_t i = 0; i < x.n; i++)
		if (strcmp(x.items[i].path, "/domain/cpu/@mode") == 0 && x.items[i].new_ &&
		    strcmp(x.items[i].new_, "host-model") == 0)
			host_model = 1;
	for (size_t i = 0; i < x.n; i++) {
		struct kh_xml_change *c = &x.items[i];

		if (started_state(c, host_model))
			continue;
		*KH_PUSH(out->items, out->n, out->cap) = *c;
		c->path = c->old = c->new_ = NULL;
	}
	kh_xml_changes_free(&x);
	return 0;
}

static int cmp_domain_by_name(const void *x, const void *y)
{
	const struct kh_domain *a = *(const struct kh_domain *const *)x;
	const struct kh_domain *b = *(const struct kh_domain *const *)y;
	int c = kh_strcmp_empty(a->name, b->name);

	return c ? c : (a > b) - (a < b);
}

int kh_diff_pending(const struct kh_snapshot *s, struct kh_changes *out, struct kh_err *err)
{
	const struct kh_domain **v = kh_calloc(s->n_domains + 1, sizeof *v);
	int rc = 0;

	for (size_t i = 0; i < s->n_domains; i++)
		v[i] = &s->domains[i];
	qsort(v, s->n_domains, sizeof *v, cmp_domain_by_name);
	for (size_t i = 0; i < s->n_domains && rc == 0; i++) {
		const struct kh_domain *d = v[i];
		struct kh_xml_changes x = { 0 };
		struct obj o = { s, out, "domain", d->name, NULL, d->uuid };

		rc = kh_domain_pending(d, &x, err);
		for (size_t j = 0; j < x.n; j++) {
			push(&o, KH_CHANGE_MODIFIED, x.items[j].path, x.items[j].old, x.items[j].new_,
			     x.items[j].kind);
			x.items[j].old = x.items[j].new_ = NULL;
		}
		kh_xml_changes_free(&x);
	}
	free(v);
	return rc;
}

/* ---- Filtering ----------------------------------------------------------------------------- */

static int is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Whether c is a change of the object `name` of kind `object`: by its name, or by the old
 * name a rename change of the same object carries. */
static int names(const struct kh_changes *all, const struct kh_change *c, const char *object,
		 const char *name)
{
	if (name == NULL || !is(c->object, object))
		return 0;
	if (is(c->name, name))
		return 1;
	for (size_t i = 0; i < all->n; i++) {
		const struct kh_change *r = &all->items[i];

		if (is(r->object, object) && is(r->name, c->name) && is(r->uri, c->uri) &&
		    is(r->path, "name") && is(r->old, name))
			return 1;
	}
	return 0;
}

/* Whether the change's object has one of the UUIDs. */
static int has_uuid(const struct kh_change *c, char *const *uuids, size_t n)
{
	char *id = uuid_id(c->uuid);
	int found = 0;

	for (size_t i = 0; id && i < n && !found; i++) {
		char *u = uuid_id(uuids[i]);

		found = u && strcmp(u, id) == 0;
		free(u);
	}
	free(id);
	return found;
}

void kh_changes_filter(struct kh_changes *c, const char *domain, const char *network,
		       const char *pool)
{
	kh_changes_filter_uuids(c, domain, network, pool, NULL, 0);
}

void kh_changes_filter_uuids(struct kh_changes *c, const char *domain, const char *network,
			     const char *pool, char *const *uuids, size_t n)
{
	size_t kept = 0;
	char *keep;

	if (domain == NULL && network == NULL && pool == NULL)
		return;
	keep = kh_calloc(c->n + 1, 1);
	for (size_t i = 0; i < c->n; i++) {
		const struct kh_change *x = &c->items[i];

		keep[i] = names(c, x, "domain", domain) || names(c, x, "network", network) ||
			  names(c, x, "pool", pool) || (is(x->object, "volume") && is(x->pool, pool)) ||
			  (domain && is(x->object, "domain") && has_uuid(x, uuids, n));
	}
	for (size_t i = 0; i < c->n; i++) {
		if (keep[i])
			c->items[kept++] = c->items[i];
		else
			change_clear(&c->items[i]);
	}
	c->n = kept;
	free(keep);
}
