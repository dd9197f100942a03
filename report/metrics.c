/* kvmhist metrics: the report's analysis in the Prometheus text exposition format (version
 * 0.0.4), for node_exporter's textfile collector. Every family is a gauge; a value kvmhist
 * does not know (no forecast, an unknown capacity) is left out rather than written as NaN,
 * so that an alert on it never fires on nothing. Numbers are written in the C locale's form.
 * A pool series is a storage (one filesystem, as the report's Pools table has it): its
 * `pool` label names its pools, joined by ','. */
#include "report/escape.h"
#include "report/report_int.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One series: a storage, or a volume (st NULL). */
struct item {
	const struct kh_storage *st;
	const struct kh_row *row;
};

/* The value of a family for one series, into out; 0 when there is none. */
typedef int value_fn(const struct item *it, char *out, size_t n);

static int integer(int64_t v, char *out, size_t n)
{
	if (v < 0)
		return 0;
	snprintf(out, n, "%lld", (long long)v);
	return 1;
}

static int allocation(const struct item *it, char *out, size_t n)
{
	return integer(it->row->allocation, out, n);
}

static int capacity(const struct item *it, char *out, size_t n)
{
	return integer(it->row->capacity, out, n);
}

static int available(const struct item *it, char *out, size_t n)
{
	return integer(it->row->available, out, n);
}

static int committed(const struct item *it, char *out, size_t n)
{
	return integer(it->st->committed, out, n);
}

static int growth(const struct item *it, char *out, size_t n)
{
	if (!it->row->fitted)
		return 0;
	kh_decimal_format(it->row->fit.rate, 0, out, n);
	return 1;
}

static int time_to_full(const struct item *it, char *out, size_t n)
{
	if (!it->row->fc.ok)
		return 0;
	kh_decimal_format(it->row->fc.days * 86400, 0, out, n);
	return 1;
}

static int overcommit(const struct item *it, char *out, size_t n)
{
	if (it->row->capacity <= 0)
		return 0;
	kh_decimal_format(kh_storage_overcommit(it->st), 4, out, n);
	return 1;
}

struct family {
	const char *name, *help;
	value_fn *value;
};

/* promtool wants base units: time to full is in seconds, not the days the report shows. */
static const struct family VOLUME[] = {
	{ "kvmhist_volume_allocation_bytes", "Bytes allocated to the volume (latest snapshot).",
	  allocation },
	{ "kvmhist_volume_capacity_bytes", "The volume's capacity in bytes.", capacity },
	{ "kvmhist_volume_growth_bytes_per_day",
	  "The volume's growth rate over the period (robust least squares).", growth },
	{ "kvmhist_volume_time_to_full_seconds",
	  "Seconds from the latest snapshot until the volume is forecast to be full.",
	  time_to_full },
};

static const struct family POOL[] = {
	{ "kvmhist_pool_allocation_bytes", "Bytes allocated in the pool (latest snapshot).",
	  allocation },
	{ "kvmhist_pool_capacity_bytes", "The pool's capacity in bytes.", capacity },
	{ "kvmhist_pool_available_bytes", "Bytes still available in the pool.", available },
	{ "kvmhist_pool_committed_bytes", "The sum of the capacities of the pool's volumes.",
	  committed },
	{ "kvmhist_pool_growth_bytes_per_day",
	  "The pool's growth rate over the period (robust least squares).", growth },
	{ "kvmhist_pool_time_to_full_seconds",
	  "Seconds from the latest snapshot until the pool is forecast to be full.",
	  time_to_full },
	{ "kvmhist_pool_overcommit_ratio",
	  "The capacity committed to the pool's volumes over the pool's capacity.", overcommit },
};

static void label(struct kh_buf *b, const char *name, const char *value, int first)
{
	kh_buf_printf(b, "%s%s=\"", first ? "" : ",", name);
	kh_escape_prom(b, value ? value : "");
	kh_buf_puts(b, "\"");
}

static void host_labels(struct kh_buf *b, const struct kh_rhost *h)
{
	label(b, "host", kh_rhost_display(h), 1);
	label(b, "uri", h->uri, 0);
}

static void item_labels(struct kh_buf *b, const struct item *it)
{
	struct kh_buf pools = { 0 };

	host_labels(b, it->row->h);
	if (it->st == NULL) {
		label(b, "pool", it->row->s->pool, 0);
		label(b, "volume", it->row->s->name, 0);
		return;
	}
	for (size_t i = 0; i < it->st->n_pools; i++)
		kh_buf_printf(&pools, "%s%s", i ? "," : "", it->st->pools[i]->s->name);
	label(b, "pool", pools.data, 0);
	kh_buf_free(&pools);
}

static void head(struct kh_buf *b, const char *name, const char *help)
{
	kh_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One family over the series; nothing at all when none has a value. */
static void family(struct kh_buf *b, const struct family *f, const struct item *v, size_t n)
{
	int any = 0;

	for (size_t i = 0; i < n; i++) {
		char num[64];

		if (!f->value(&v[i], num, sizeof num))
			continue;
		if (!any++)
			head(b, f->name, f->help);
		kh_buf_printf(b, "%s{", f->name);
		item_labels(b, &v[i]);
		kh_buf_printf(b, "} %s\n", num);
	}
}

/* Drift is counted where it showed: at the snapshot that first had it. */
static size_t changes_since(const struct kh_report *r, const char *uri, int64_t since,
			    int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < r->changes.n; i++) {
		const struct kh_change *c = &r->changes.items[i];

		n += c->uri && strcmp(c->uri, uri) == 0 && c->taken_at > since && c->taken_at <= now;
	}
	return n;
}

char *kh_report_metrics(const struct kh_report *r, int64_t now)
{
	struct kh_analysis *a = kh_analysis_all(r);
	struct item *vols = kh_malloc((a->n_vols + 1) * sizeof *vols);
	struct item *pools = kh_malloc((a->n_storage + 1) * sizeof *pools);
	struct kh_buf b = { 0 };

	for (size_t i = 0; i < a->n_vols; i++)
		vols[i] = (struct item){ NULL, &a->vols[i] };
	for (size_t i = 0; i < a->n_storage; i++)
		pools[i] = (struct item){ &a->storage[i], a->storage[i].row };
	for (size_t i = 0; i < sizeof VOLUME / sizeof VOLUME[0]; i++)
		family(&b, &VOLUME[i], vols, a->n_vols);
	for (size_t i = 0; i < sizeof POOL / sizeof POOL[0]; i++)
		family(&b, &POOL[i], pools, a->n_storage);
	if (r->n_hosts)
		head(&b, "kvmhist_host_last_snapshot_timestamp_seconds",
		     "When the host's latest snapshot was taken, in seconds since the epoch.");
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct kh_rhost *h = &r->hosts[i];

		kh_buf_puts(&b, "kvmhist_host_last_snapshot_timestamp_seconds{");
		host_labels(&b, h);
		kh_buf_printf(&b, "} %lld\n", (long long)h->times[h->n_times - 1]);
	}
	if (r->n_hosts)
		head(&b, "kvmhist_host_changes_last_day",
		     "Configuration changes (not growth) found in the 24 hours up to now.");
	for (size_t i = 0; i < r->n_hosts; i++) {
		kh_buf_puts(&b, "kvmhist_host_changes_last_day{");
		host_labels(&b, &r->hosts[i]);
		kh_buf_printf(&b, "} %zu\n", changes_since(r, r->hosts[i].uri, now - 86400, now));
	}
	free(vols);
	free(pools);
	kh_analysis_free(a);
	return kh_buf_steal(&b);
}
