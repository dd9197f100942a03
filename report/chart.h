/* A picture of one allocation growing toward its ceiling: the samples as measured, the
 * ceiling, the fitted rate from the last sample to the day it reaches the ceiling, the rate's
 * range and the one-off jump the fit left out. Written once as SVG; the PNG is that SVG
 * rasterized (librsvg), so both show the same drawing. */
#ifndef KH_CHART_H
#define KH_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* The size the chart is laid out at (CSS pixels); PNGs are drawn at KH_CHART_SCALE times it. */
#define KH_CHART_WIDTH 600
#define KH_CHART_HEIGHT 180
#define KH_CHART_SCALE 2

struct kh_chart {
	const char *title;          /* "pool fast on vm": drawn, and the SVG's <title> */
	const int64_t *t, *y;       /* n samples: seconds since the epoch ascending, bytes */
	size_t n;
	int64_t ceiling;            /* bytes; < 0 when unknown (nothing drawn) */
	const char *ceiling_label;  /* "capacity", "pool full" */
	int has_forecast;           /* rate > 0 and a forecast was made */
	double rate;                /* bytes/day, drawn from the last sample */
	int has_range;
	double rate_low, rate_high; /* bytes/day: the range's slow and fast ends */
	int has_burst;
	int64_t burst_at, burst_bytes; /* the one-off jump left out of the rate */
};

/* Appends the chart as an <svg role="img"> with a <title>; `id` (ASCII letters, digits and
 * '-') makes the element ids unique within a page. No script, no reference to anything.
 * Inline in HTML it needs no namespace; `standalone` adds it, for an SVG document. */
void kh_chart_svg(const struct kh_chart *c, const char *id, int standalone, struct kh_buf *out);

/* The chart as a PNG of KH_CHART_SCALE times its size. Returns 0, or -1 with err set. */
int kh_chart_png(const struct kh_chart *c, unsigned char **png, size_t *len, struct kh_err *err);

/* One sentence saying what the chart shows, for alt text: "pool fast on vm: 36.0 GiB of
 * 100.0 GiB used, growing 1.0 GiB/day, full on 2027-01-03." */
char *kh_chart_alt(const struct kh_chart *c);

/* A sparkline of n values in at most `width` cells of "▁▂▃▄▅▆▇█", scaled from the least to
 * the greatest value; empty for n == 0. */
char *kh_sparkline(const int64_t *y, size_t n, size_t width);

#endif
