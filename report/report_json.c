/* The report as JSON: the documented keys first, in order, extra keys after them; sizes as
 * exact integers, null wherever there is no forecast or the number is unknown. */
#include "report/report_int.h"
#include "report/show.h"
#include "report/diff_render.h"
#include "util/buf.h"
#include "util/timefmt.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *size_json(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

/* A number rounded to `unit` (0.1 day, ...), written as an integer when it is one ("40",
 * not "40.0"), as JavaScript's JSON.stringify would. */
static json_t *num_json(double v, double unit)
{
	double r = round(v / unit) * unit;

	if (r == floor(r) && fabs(r) < 9007199254740992.0)
		return json_integer((json_int_t)r);
	return json_real(r);
}

static json_t *ratio_json(int64_t committed, int64_t capacity)
{
	return capacity > 0 ? num_json((double)committed / (double)capacity, 0.001) : json_null();
}

static json_t *date_json(int64_t t)
{
	char s[KH_TIME_LEN];

	kh_date_format(t, s);
	return json_string(s);
}

/* The numbers shared by volumes and pools, in the documented order. */
static void growth_json(json_t *o, const struct kh_row *row)
{
	const struct kh_forecast *fc = &row->fc;

	json_object_set_new(o, "growth_bytes_per_day",
			    row->fitted ? json_integer((json_int_t)llround(row->fit.rate))
					: json_null());
	json_object_set_new(o, "days_to_full",
			    fc->ok ? num_json(fc->days, 0.1) : json_null());
	json_object_set_new(o, "full_on", fc->ok ? date_json(fc->full_at) : json_null());
	json_object_set_new(o, "days_to_full_low",
			    fc->ok && fc->has_low ? num_json(fc->days_low, 0.1)
						  : json_null());
	json_object_set_new(o, "days_to_full_high",
			    fc->ok && fc->has_high ? num_json(fc->days_high, 0.1)
						   : json_null());
	json_object_set_new(o, "no_forecast_reason", fc->ok ? json_null() : kh_json_str(fc->why));
	json_object_set_new(o, "growth_lsq_bytes_per_day",
			    row->fitted ? json_integer((json_int_t)llround(row->fit.rate_lsq))
					: json_null());
	json_object_set_new(o, "growth_stderr_bytes_per_day",
			    row->fitted ? json_integer((json_int_t)llround(row->fit.stderr_rate))
					: json_null());
	json_object_set_new(o, "samples", json_integer((json_int_t)row->fit.samples));
	json_object_set_new(o, "span_days", num_json(row->fit.span_days, 0.01));
	if (row->fitted && row->fit.burst_intervals) {
		json_t *b = json_object();

		json_object_set_new(b, "at", kh_json_time(row->fit.burst_at));
		json_object_set_new(b, "bytes", json_integer((json_int_t)row->fit.burst_bytes));
		json_object_set_new(b, "intervals",
				    json_integer((json_int_t)row->fit.burst_intervals));
		json_object_set_new(o, "burst_excluded", b);
	} else {
		json_object_set_new(o, "burst_excluded", json_null());
	}
}

/* o with "series": [[taken_at, allocation], ...], the samples the fit used (pools, storage
 * and growing volumes); null for a volume that does not grow, whose samples are not kept. */
static json_t *with_series(json_t *o, const struct kh_report *r, const struct kh_row *row)
{
	int64_t *t, *y;
	size_t n = kh_row_samples(r, row, &t, &y);
	json_t *series = n ? json_array() : json_null();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(series, json_pack("[o,I]", kh_json_time(t[i]),
							(json_int_t)y[i]));
	json_object_set_new(o, "series", series);
	free(t);
	free(y);
	return o;
}

static json_t *volume_json(const struct kh_loaded *l)
{
	const struct kh_row *v = &l->row;
	json_t *o = json_object(), *owners = json_array(), *backs = json_array();

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(v->h)));
	json_object_set_new(o, "pool", kh_json_str(v->s->pool));
	json_object_set_new(o, "name", kh_json_str(v->s->name));
	json_object_set_new(o, "path", kh_json_str(v->s->path));
	json_object_set_new(o, "capacity", size_json(v->capacity));
	json_object_set_new(o, "allocation", size_json(v->allocation));
	json_object_set_new(o, "allocation_at_start", size_json(v->alloc_start));
	growth_json(o, v);
	json_object_set_new(o, "uri", kh_json_str(v->h->uri));
	json_object_set_new(o, "owner", v->n_owners ? kh_json_str(v->owners[0]) : json_null());
	for (size_t i = 0; i < v->n_owners; i++) {
		json_array_append_new(owners, kh_json_str(v->owners[i]));
		if (v->vias[i])
			json_array_append_new(backs, kh_json_str(v->vias[i]));
	}
	json_object_set_new(o, "owners", owners);
	json_object_set_new(o, "orphan", json_boolean(v->n_owners == 0));
	/* a backing file: the volumes it backs; the top of a chain: what the chain holds */
	json_object_set_new(o, "backing_of", backs);
	json_object_set_new(o, "chain_depth",
			    json_integer((json_int_t)(v->chain_depth ? v->chain_depth : 1)));
	json_object_set_new(o, "chain_allocation",
			    v->chain_depth > 1 ? size_json(v->chain_allocation) : json_null());
	return o;
}

/* A pool's or storage's numbers and growth; committed is counted over its volumes. */
static void space_json(json_t *o, const struct kh_row *p, int64_t committed,
		       const char *ratio_key)
{
	json_object_set_new(o, "capacity", size_json(p->capacity));
	json_object_set_new(o, "allocation", size_json(p->allocation));
	json_object_set_new(o, "available", size_json(p->available));
	json_object_set_new(o, "committed", size_json(committed));
	json_object_set_new(o, ratio_key, ratio_json(committed, p->capacity));
	growth_json(o, p);
}

/* What a pool's or storage's volumes say of it. */
static void volumes_json(json_t *o, size_t n, int has_full, int64_t full_at, int before)
{
	json_object_set_new(o, "volumes", json_integer((json_int_t)n));
	json_object_set_new(o, "earliest_volume_full_on",
			    has_full ? date_json(full_at) : json_null());
	json_object_set_new(o, "fills_before_volumes", json_boolean(before));
}

/* A pool read back: the other pools of its filesystem are named in its record. */
static json_t *pool_json(const struct kh_loaded *l)
{
	const struct kh_row *p = &l->row;
	json_t *o = json_object(), *mates = json_array();

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(p->h)));
	json_object_set_new(o, "name", kh_json_str(p->s->name));
	space_json(o, p, p->committed, "overcommit_ratio");
	json_object_set_new(o, "uri", kh_json_str(p->h->uri));
	json_object_set_new(o, "allocation_at_start", size_json(p->alloc_start));
	volumes_json(o, p->n_volumes, p->has_vol_full, p->vol_full_at, p->fills_before_volumes);
	for (size_t i = 0; i < l->n_mates; i++)
		json_array_append_new(mates, kh_json_str(l->mates[i]));
	json_object_set_new(o, "shares_storage_with", mates);
	return o;
}

/* The names of a storage's pools, but `skip`'s. */
static json_t *pool_names_json(const struct kh_storage *st, const struct kh_row *skip)
{
	json_t *names = json_array();

	for (size_t i = 0; st && i < st->n_pools; i++)
		if (st->pools[i] != skip)
			json_array_append_new(names, kh_json_str(st->pools[i]->s->name));
	return names;
}

/* One filesystem: its pools, its numbers and forecast (its first pool's), and committed over
 * the volumes of all its pools. */
static json_t *storage_json(const struct kh_loaded *l)
{
	const struct kh_storage *st = &l->st;
	const struct kh_row *p = st->row;
	json_t *o = json_object();

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(p->h)));
	json_object_set_new(o, "uri", kh_json_str(p->h->uri));
	json_object_set_new(o, "pools", pool_names_json(st, NULL));
	space_json(o, p, st->committed, "overcommit");
	json_object_set_new(o, "allocation_at_start", size_json(p->alloc_start));
	volumes_json(o, st->n_volumes, st->has_vol_full, st->vol_full_at, st->fills_before_volumes);
	return o;
}

/* A storage or volume to act on: what it is, where, and when it fills. */
static json_t *risk_json(const struct kh_risk *k)
{
	const struct kh_row *x = k->row;
	json_t *o = json_object();

	json_object_set_new(o, "object", json_string(k->storage ? "storage" : "volume"));
	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(x->h)));
	json_object_set_new(o, "uri", kh_json_str(x->h->uri));
	if (k->storage) {
		json_object_set_new(o, "pools", pool_names_json(k->storage, NULL));
	} else {
		json_object_set_new(o, "pool", kh_json_str(x->s->pool));
		json_object_set_new(o, "name", kh_json_str(x->s->name));
	}
	json_object_set_new(o, "days_to_full", num_json(x->fc.days, 0.1));
	json_object_set_new(o, "full_on", date_json(x->fc.full_at));
	return o;
}

static json_t *hostrow_json(const struct kh_report *r, const struct kh_analysis *a,
			    const struct kh_hostrow *hr)
{
	json_t *o = json_object();
	struct kh_loaded l;
	struct kh_risk k;

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(hr->h)));
	json_object_set_new(o, "label", kh_json_str(kh_rhost_display(hr->h)));
	json_object_set_new(o, "uri", kh_json_str(hr->h->uri));
	json_object_set_new(o, "pools", json_integer((json_int_t)hr->n_pools));
	json_object_set_new(o, "volumes", json_integer((json_int_t)hr->n_volumes));
	json_object_set_new(o, "storage", json_integer((json_int_t)hr->n_storage));
	json_object_set_new(o, "filling_within_warn_days", json_integer((json_int_t)hr->n_warn));
	if (hr->first_at != SIZE_MAX) {
		kh_analysis_risk(r, a, hr->first_at, &l, &k);
		json_object_set_new(o, "fills_first", risk_json(&k));
		kh_loaded_free(&l);
	} else {
		json_object_set_new(o, "fills_first", json_null());
	}
	json_object_set_new(o, "worst_overcommit",
			    hr->has_worst ? ratio_json(hr->worst_committed, hr->worst_capacity)
					  : json_null());
	json_object_set_new(o, "changes", json_integer((json_int_t)hr->changes));
	json_object_set_new(o, "pending", json_integer((json_int_t)hr->pending));
	return o;
}

static json_t *summary_json(const struct kh_report *r, const struct kh_analysis *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "hosts", json_integer((json_int_t)r->n_hosts));
	json_object_set_new(o, "pools", json_integer((json_int_t)a->t.pools));
	json_object_set_new(o, "volumes", json_integer((json_int_t)a->t.vols));
	json_object_set_new(o, "storage", json_integer((json_int_t)a->t.storage));
	json_object_set_new(o, "storage_filling_within_warn_days",
			    json_integer((json_int_t)a->t.warn_storage));
	json_object_set_new(o, "volumes_filling_within_warn_days",
			    json_integer((json_int_t)a->t.warn_vols));
	return o;
}

/* One change of a host's latest pending drift: host, uri, then the diff's fields (name, path,
 * old, new first), as in kvmhist diff's "pending". */
static json_t *pending_json(const struct kh_rhost *h, const struct kh_change *c)
{
	static const char *const first[] = { "name", "path", "old", "new" };
	json_t *fields = kh_change_json(c), *o = json_object(), *v;
	const char *key;

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(h)));
	json_object_set_new(o, "uri", kh_json_str(h->uri));
	for (size_t k = 0; k < 4; k++)
		json_object_set(o, first[k], json_object_get(fields, first[k]));
	json_object_foreach(fields, key, v) {
		if (json_object_get(o, key) == NULL)
			json_object_set(o, key, v);
	}
	json_decref(fields);
	return o;
}

/* Written one piece at a time: a document of 5000 volumes built whole in jansson costs
 * more memory than the rest of the report. Each piece is dumped with jansson at the depth
 * it sits at, so the text is what json_dumps of the whole would be. */
#define DUMP_FLAGS \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY)

struct out {
	struct kh_buf b;
	int depth;              /* of the piece being dumped: its lines are indented this deep */
	FILE *f;                /* where b goes once it holds FLUSH_AT bytes; NULL: kept */
};

/* A fleet's JSON is some 100 MB: written out as it is made, it never sits in memory whole. */
#define FLUSH_AT 65536

static void flush(struct out *o)
{
	if (o->f && o->b.len) {
		fwrite(o->b.data, 1, o->b.len, o->f);
		o->b.len = 0;
		o->b.data[0] = '\0';
	}
}

/* jansson's newlines come only from indenting (strings escape theirs): indent each. */
static int put_indented(const char *s, size_t n, void *data)
{
	struct out *o = data;
	const char *nl;

	while ((nl = memchr(s, '\n', n)) != NULL) {
		kh_buf_add(&o->b, s, (size_t)(nl - s) + 1);
		for (int i = 0; i < o->depth; i++)
			kh_buf_add(&o->b, "  ", 2);
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	kh_buf_add(&o->b, s, n);
	return 0;
}

/* Takes j. */
static void put_value(struct out *o, json_t *j)
{
	if (json_dump_callback(j, put_indented, o, DUMP_FLAGS) != 0)
		abort(); /* only when out of memory, like kh_malloc */
	json_decref(j);
}

/* "key": value, at depth 1 of the top object; `first` opens it. */
static void put_member(struct out *o, const char *key, json_t *j, int first)
{
	kh_buf_printf(&o->b, "%s\n  \"%s\": ", first ? "{" : ",", key);
	o->depth = 1;
	put_value(o, j);
}

/* Array elements at depth 2, opened by put_array_start and closed by put_array_end. */
static void put_array_start(struct out *o, const char *key)
{
	kh_buf_printf(&o->b, ",\n  \"%s\": [", key);
}

static void put_element(struct out *o, json_t *j, size_t i)
{
	kh_buf_puts(&o->b, i ? ",\n    " : "\n    ");
	o->depth = 2;
	put_value(o, j);
	if (o->b.len >= FLUSH_AT)
		flush(o);
}

static void put_array_end(struct out *o, size_t n)
{
	kh_buf_puts(&o->b, n ? "\n  ]" : "]");
}

static json_t *period_json(const struct kh_report *r)
{
	json_t *per = json_object(), *hosts = json_array();
	int64_t from, to;

	kh_report_period(r, &from, &to);
	json_object_set_new(per, "from", kh_json_time(from));
	json_object_set_new(per, "to", kh_json_time(to));
	json_object_set_new(per, "snapshots", json_integer((json_int_t)r->n_snapshots));
	json_object_set_new(per, "first_snapshot",
			    r->n_snapshots ? kh_json_time(r->first_at) : json_null());
	json_object_set_new(per, "last_snapshot",
			    r->n_snapshots ? kh_json_time(r->last_at) : json_null());
	json_object_set_new(per, "warn_days", json_integer(r->warn_days));
	json_object_set_new(per, "snapshot_days", json_integer(r->snapshot_days));
	for (size_t i = 0; i < r->n_hosts; i++) {
		json_t *h = json_object(), *same = json_array();

		json_object_set_new(h, "host", kh_json_str(kh_rhost_label(&r->hosts[i])));
		json_object_set_new(h, "uri", kh_json_str(r->hosts[i].uri));
		json_object_set_new(h, "host_uuid", kh_json_str(r->hosts[i].host_uuid));
		for (size_t j = 0; j < r->n_hosts; j++)
			if (kh_rhost_same(r, i, j))
				json_array_append_new(same, kh_json_str(r->hosts[j].uri));
		json_object_set_new(h, "same_host_as", same);
		json_object_set_new(h, "snapshots", json_integer((json_int_t)r->hosts[i].n_times));
		json_object_set_new(h, "label", kh_json_str(kh_rhost_display(&r->hosts[i])));
		json_array_append_new(hosts, h);
	}
	json_object_set_new(per, "hosts", hosts);
	return per;
}

static json_t *drift_json(const struct kh_report *r, const struct kh_change *c)
{
	const struct kh_rhost *h = kh_report_host_of(r, c->uri);
	json_t *fields = kh_change_json(c), *o = json_object(), *v;
	const char *key;

	/* taken_at first, as documented; then the diff's own fields in their order. */
	json_object_set_new(o, "taken_at", kh_json_time(c->taken_at));
	json_object_foreach(fields, key, v) {
		if (strcmp(key, "taken_at") != 0)
			json_object_set(o, key, v);
	}
	json_decref(fields);
	json_object_set_new(o, "host", kh_json_str(h ? kh_rhost_label(h) : c->uri));
	json_object_set_new(o, "uri", kh_json_str(c->uri));
	return o;
}

/* Per domain with snapshots or a backing chain. */
static json_t *snapdom_json(const struct kh_snaprow *x)
{
	json_t *o = json_object();
	int64_t latest = x->h->n_times ? x->h->times[x->h->n_times - 1] : 0;

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(x->h)));
	json_object_set_new(o, "uri", kh_json_str(x->h->uri));
	json_object_set_new(o, "domain", kh_json_str(x->d->domain));
	json_object_set_new(o, "snapshots", json_integer((json_int_t)x->d->n_snaps));
	json_object_set_new(o, "oldest",
			    x->d->oldest == KH_UNKNOWN ? json_null() : kh_json_time(x->d->oldest));
	json_object_set_new(o, "oldest_age_days",
			    x->d->oldest == KH_UNKNOWN
				    ? json_null()
				    : json_integer((json_int_t)((latest - x->d->oldest) / 86400)));
	json_object_set_new(o, "chain_depth", json_integer((json_int_t)x->d->depth));
	json_object_set_new(o, "overlay_bytes", json_integer((json_int_t)x->d->overlays));
	return o;
}

/* Every domain snapshot of the hosts' latest snapshots; `forgotten` when older than
 * snapshot_days. */
static json_t *snap_json(const struct kh_report *r, const struct kh_rhost *h,
			 const struct kh_rsnap *s)
{
	json_t *o = json_object();
	int64_t latest = h->n_times ? h->times[h->n_times - 1] : 0;
	int known = s->created != KH_UNKNOWN;

	json_object_set_new(o, "host", kh_json_str(kh_rhost_label(h)));
	json_object_set_new(o, "uri", kh_json_str(h->uri));
	json_object_set_new(o, "domain", kh_json_str(s->domain));
	json_object_set_new(o, "name", kh_json_str(s->name));
	json_object_set_new(o, "created", known ? kh_json_time(s->created) : json_null());
	json_object_set_new(o, "age_days",
			    known ? json_integer((json_int_t)((latest - s->created) / 86400))
				  : json_null());
	json_object_set_new(o, "kind", kh_json_str(s->kind));
	json_object_set_new(o, "current", json_boolean(s->current));
	json_object_set_new(o, "forgotten",
			    json_boolean(known && latest - s->created >
						  (int64_t)r->snapshot_days * 86400));
	return o;
}

static json_t *first_json(const struct kh_analysis *a)
{
	json_t *first;

	if (a->first == NULL)
		return json_null();
	first = json_object();
	json_object_set_new(first, "object", json_string(a->first_is_pool ? "pool" : "volume"));
	json_object_set_new(first, "host", kh_json_str(kh_rhost_label(a->first->h)));
	json_object_set_new(first, "pool", a->first_is_pool ? kh_json_str(a->first->s->name)
							    : kh_json_str(a->first->s->pool));
	json_object_set_new(first, "name", kh_json_str(a->first->s->name));
	json_object_set_new(first, "days_to_full", num_json(a->first->fc.days, 0.1));
	json_object_set_new(first, "full_on", date_json(a->first->fc.full_at));
	return first;
}

/* An array of the rows md and e-mail do not hold, each read back in turn, in rank order. */
static void put_loaded(struct out *o, const struct kh_report *r, const struct kh_analysis *a,
		       const char *key, size_t n, const uint32_t *order,
		       void (*load)(const struct kh_report *, const struct kh_analysis *, size_t,
				    struct kh_loaded *),
		       json_t *(*to_json)(const struct kh_loaded *))
{
	struct kh_loaded l;

	put_array_start(o, key);
	for (size_t i = 0; i < n; i++) {
		load(r, a, order[i], &l);
		put_element(o, with_series(to_json(&l), r, &l.row), i);
		kh_loaded_free(&l);
	}
	put_array_end(o, n);
}

static void report_json(const struct kh_report *r, struct out *out)
{
	struct kh_analysis *a = kh_analysis_new(r);
	struct out o = *out;
	size_t n_pending = 0, n_snaps = 0;
	struct kh_loaded l;
	struct kh_risk k;

	/* every row read back in turn: the analysis holds only those md and e-mail show */
	put_member(&o, "period", period_json(r), 1);
	put_loaded(&o, r, a, "volumes", a->t.vols, a->vorder, kh_analysis_volume, volume_json);
	put_loaded(&o, r, a, "pools", a->t.pools, a->porder, kh_analysis_pool, pool_json);
	put_array_start(&o, "drift");
	for (size_t i = 0; i < a->n_drift; i++)
		put_element(&o, drift_json(r, a->drift[i]), i);
	put_array_end(&o, a->n_drift);
	put_member(&o, "fills_first", first_json(a), 0);
	put_array_start(&o, "pending");
	for (size_t i = 0; i < r->n_hosts; i++)
		for (size_t j = 0; j < r->hosts[i].pending.n; j++)
			put_element(&o, pending_json(&r->hosts[i], &r->hosts[i].pending.items[j]),
				    n_pending++);
	put_array_end(&o, n_pending);
	put_array_start(&o, "snapshot_domains");
	for (size_t i = 0; i < a->n_snapdoms; i++)
		put_element(&o, snapdom_json(&a->snapdoms[i]), i);
	put_array_end(&o, a->n_snapdoms);
	put_array_start(&o, "snapshots");
	for (size_t i = 0; i < r->n_hosts; i++)
		for (size_t j = 0; j < r->hosts[i].n_snaps; j++)
			put_element(&o, snap_json(r, &r->hosts[i], &r->hosts[i].snaps[j]),
				    n_snaps++);
	put_array_end(&o, n_snaps);
	put_loaded(&o, r, a, "storage", a->t.storage, a->sorder, kh_analysis_storage,
		   storage_json);
	put_member(&o, "summary", summary_json(r, a), 0);
	put_array_start(&o, "hosts");
	for (size_t i = 0; i < r->n_hosts; i++)
		put_element(&o, hostrow_json(r, a, &a->hosts[i]), i);
	put_array_end(&o, r->n_hosts);
	put_array_start(&o, "act_first");
	for (size_t i = 0; i < a->t.risks; i++) {
		kh_analysis_risk(r, a, i, &l, &k);
		put_element(&o, risk_json(&k), i);
		kh_loaded_free(&l);
	}
	put_array_end(&o, a->t.risks);
	kh_buf_puts(&o.b, "\n}");
	flush(&o);
	kh_analysis_free(a);
	*out = o;
}

char *kh_report_json(const struct kh_report *r)
{
	struct out o = { { 0 }, 0, NULL };

	report_json(r, &o);
	return kh_buf_steal(&o.b);
}

int kh_report_json_write(const struct kh_report *r, FILE *f)
{
	struct out o = { { 0 }, 0, f };

	report_json(r, &o);
	kh_buf_free(&o.b);
	return ferror(f) ? -1 : 0;
}
