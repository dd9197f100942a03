/* The growth rate of one series, and when it fills.
 *
 * Method: ordinary least squares of allocation against time, after excluding at most one
 * burst found from the interval-by-interval rates.
 *
 *  1. For each interval between consecutive samples, rate_i = dy_i / dt_i.
 *  2. An interval is an outlier when its rate is more than 6 scaled MADs
 *     (6 * 1.4826 * median |rate_i - median rate|) from the median rate and it moved more
 *     than 1 MiB beyond what the median rate explains.
 *  3. Consecutive outlier intervals form one event (a step is one interval; a spike that
 *     is freed again is two). If there is exactly one event, at most max(2, intervals / 4)
 *     intervals long, it is a one-off burst: its intervals are replaced by the median rate
 *     (the series is "de-stepped" from there on). Two or more events are taken to be how
 *     the series really grows (a weekly backup landing every Sunday) and nothing is removed.
 *  4. Least squares over the (possibly de-stepped) series gives the rate, and its residuals
 *     the standard error of the slope, from which the low-high range is derived.
 *
 * Why not Theil-Sen: the median of pairwise slopes shrugs off a spike, but a permanent step
 * in the middle of the period shifts every slope across it, which is about half of all
 * pairs; with 30 daily samples growing 1 GiB/day and a 50 GiB step on day 15 it gives about
 * 2.9 GiB/day, worse than plain least squares (about 3.5 GiB/day). A one-off copy into a
 * volume is the usual burst, and it is a step. De-stepping removes it exactly, costs
 * O(n log n), and for samples on a straight line nothing is an outlier, so the figure is
 * the plain least-squares slope, exact to the byte.
 *
 * The allocation the forecast starts from is the last sample as measured, burst included:
 * the burst is excluded from the rate, not from the space it took. */
#include "report/growth.h"
#include "util/mem.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define BURST_MIN_BYTES (1024.0 * 1024.0)
#define OUTLIER_MADS 6.0

/* Puts the k-th smallest of v[0..n) at v[k], smaller ones before it, larger after
 * (Hoare's selection, as in Wirth's FIND): O(n), where sorting was most of the time of a
 * year's fits. */
static void select_kth(double *v, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (lo < hi) {
		double pivot = v[kk], t;
		ptrdiff_t i = lo, j = hi;

		do {
			while (v[i] < pivot)
				i++;
			while (pivot < v[j])
				j--;
			if (i <= j) {
				t = v[i], v[i] = v[j], v[j] = t;
				i++, j--;
			}
		} while (i <= j);
		if (j < kk)
			lo = i;
		if (kk < i)
			hi = j;
	}
}

/* Reorders v. */
static double median(double *v, size_t n)
{
	double below;

	select_kth(v, n, n / 2);
	if (n % 2)
		return v[n / 2];
	below = v[0]; /* the largest of the lower half */
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > below)
			below = v[i];
	return (below + v[n / 2]) / 2;
}

/* Least squares of y against x (centred, two passes); slope and its standard error. */
static void least_squares(const double *x, const double *y, size_t n, double *slope,
			  double *se)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, sse = 0, b, a;

	*slope = *se = 0;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (sxx <= 0)
		return;
	b = sxy / sxx;
	a = my - b * mx;
	for (size_t i = 0; i < n; i++) {
		double e = y[i] - (a + b * x[i]);

		sse += e * e;
	}
	*slope = b;
	if (n > 2)
		*se = sqrt(sse / (double)(n - 2) / sxx);
}

/* Finds a single burst and de-steps y (in place) around it. */
static void exclude_burst(const double *x, double *y, size_t n, struct kh_fit *f,
			  const int64_t *t)
{
	size_t m = 0, events = 0, first = 0, len = 0, allowed;
	double *rates, *dev, med, mad, shift = 0, prev;
	unsigned char *out;

	if (n < 4)
		return;
	rates = kh_malloc((n - 1) * sizeof *rates);
	dev = kh_malloc((n - 1) * sizeof *dev);
	out = kh_calloc(n, 1);
	for (size_t i = 1; i < n; i++)
		if (x[i] > x[i - 1])
			rates[m++] = (y[i] - y[i - 1]) / (x[i] - x[i - 1]);
	if (m < 3)
		goto out;
	memcpy(dev, rates, m * sizeof *dev);
	med = median(dev, m);
	for (size_t i = 0; i < m; i++)
		dev[i] = fabs(rates[i] - med);
	mad = median(dev, m);
	for (size_t i = 1; i < n; i++) {
		double dx = x[i] - x[i - 1], dy = y[i] - y[i - 1];

		if (dx <= 0)
			continue;
		out[i] = fabs(dy / dx - med) > OUTLIER_MADS * 1.4826 * mad &&
			 fabs(dy - med * dx) > BURST_MIN_BYTES;
		if (out[i] && !out[i - 1]) {
			if (events++ == 0)
				first = i;
		}
		if (out[i] && events == 1)
			len++;
	}
	allowed = m / 4 > 2 ? m / 4 : 2;
	if (events != 1 || len > allowed)
		goto out;
	f->burst_intervals = (uint32_t)len;
	f->burst_bytes = (int64_t)llround(y[first] - y[first - 1] -
					  med * (x[first] - x[first - 1]));
	f->burst_at = t[first];
	prev = y[first - 1];
	for (size_t i = first; i < n; i++) {
		double orig = y[i];

		if (out[i])
			shift += orig - prev - med * (x[i] - x[i - 1]);
		y[i] -= shift;
		prev = orig;
	}
out:
	free(rates);
	free(dev);
	free(out);
}

void kh_fit_series(const int64_t *t, const int64_t *y, size_t n, struct kh_fit *f)
{
	double *x, *v;

	memset(f, 0, sizeof *f);
	f->samples = (uint32_t)n;
	if (n == 0)
		return;
	f->span_days = (double)(t[n - 1] - t[0]) / DAY;
	if (n < 2)
		return;
	/* Relative to the first sample, so the sums stay small and exact for whole days. */
	x = kh_malloc(n * sizeof *x);
	v = kh_malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		x[i] = (double)(t[i] - t[0]) / DAY;
		v[i] = (double)y[i] - (double)y[0];
	}
	least_squares(x, v, n, &f->rate_lsq, &f->stderr_rate);
	exclude_burst(x, v, n, f, t);
	least_squares(x, v, n, &f->rate, &f->stderr_rate);
	/* An exact line leaves rounding dust at most. */
	if (f->stderr_rate <= fabs(f->rate) * 1e-12)
		f->stderr_rate = 0;
	free(x);
	free(v);
}

const char *kh_fit_unusable(const struct kh_fit *f)
{
	if (f->samples < KH_FIT_MIN_SAMPLES)
		return "fewer than 3 samples";
	if (f->span_days < KH_FIT_MIN_DAYS)
		return "samples span less than 2 days";
	if (!(f->rate > 0))
		return "not growing";
	return NULL;
}

void kh_forecast_room(const struct kh_fit *f, int64_t room, int64_t last_at,
		      struct kh_forecast *fc)
{
	double hi_rate;

	memset(fc, 0, sizeof *fc);
	fc->why = kh_fit_unusable(f);
	if (fc->why)
		return;
	if (room < 0)
		room = 0;
	fc->days = (double)room / f->rate;
	if (fc->days > KH_FIT_MAX_DAYS) {
		fc->why = "not filling within 100 years";
		return;
	}
	fc->ok = 1;
	fc->full_at = last_at + (int64_t)floor(fc->days * DAY);
	if (f->stderr_rate > 0) {
		hi_rate = f->rate + f->stderr_rate;
		fc->has_low = 1;
		fc->days_low = (double)room / hi_rate;
		if (f->rate - f->stderr_rate > 0) {
			fc->days_high = (double)room / (f->rate - f->stderr_rate);
			fc->has_high = fc->days_high <= KH_FIT_MAX_DAYS;
		}
	}
}
