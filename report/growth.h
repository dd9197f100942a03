/* Growth rates and fill-up forecasts for one series of (time, allocation) samples.
 * Pure arithmetic: no model structs, no rendering. */
#ifndef KH_GROWTH_H
#define KH_GROWTH_H

#include <stddef.h>
#include <stdint.h>

/* A forecast needs at least this many samples over at least this many days. */
#define KH_FIT_MIN_SAMPLES 3
#define KH_FIT_MIN_DAYS 2.0
/* Forecasts further out than this are reported as "not filling" rather than as a date. */
#define KH_FIT_MAX_DAYS 36525.0

/* Kept per volume and pool of a report (100,000 in a fleet's): fields ordered to pack. */
struct kh_fit {
	double span_days;       /* from the first to the last of them */
	double rate;            /* bytes/day: least squares after excluding one burst, if any */
	double rate_lsq;        /* bytes/day: plain least squares over the samples as they are */
	double stderr_rate;     /* standard error of `rate` (bytes/day); 0 when the fit is exact */
	int64_t burst_bytes;    /* how far the burst's first interval jumped beyond the trend */
	int64_t burst_at;       /* the sample the burst appeared in */
	uint32_t samples;       /* samples the fit used */
	uint32_t burst_intervals; /* intervals excluded as a one-off burst; 0 when none was */
};

/* Fits n samples, t ascending (seconds since the epoch), y in bytes (>= 0).
 * Needs no minimum; kh_fit_unusable tells whether the result may be forecast from. */
void kh_fit_series(const int64_t *t, const int64_t *y, size_t n, struct kh_fit *f);

/* NULL when a forecast can be made from the fit, else why not
 * ("fewer than 3 samples", "samples span less than 2 days", "not growing"). */
const char *kh_fit_unusable(const struct kh_fit *f);

struct kh_forecast {
	const char *why;        /* static */
	double days;            /* days from the last sample until full */
	int64_t full_at;        /* last sample + days */
	double days_low, days_high;
	int ok;                 /* 0: no forecast, `why` tells why */
	unsigned char has_low, has_high; /* the range from rate ± 1 standard error */
};

/* Days until `room` bytes are used up at the fit's rate, counted from `last_at`.
 * room < 0 (already over) counts as 0. */
void kh_forecast_room(const struct kh_fit *f, int64_t room, int64_t last_at,
		      struct kh_forecast *fc);

#endif
