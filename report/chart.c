/* Charts of growth toward capacity. The SVG is written by hand: its text stays text (cairo's
 * SVG surface turns every glyph into an outline, five times the bytes, which twenty charts in
 * a report or a mail cannot afford) and it is one small document per chart. The PNG for mail
 * clients that show no SVG is that same document rendered by librsvg onto a cairo surface,
 * so there is one drawing, not two. */
#include "report/chart.h"

#include <cairo.h>
#include <inttypes.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "report/escape.h"
#include "util/mem.h"
#include "util/timefmt.h"

#define DAY 86400.0

/* The plot area inside the chart. */
#define PLOT_L 62.0
#define PLOT_R (KH_CHART_WIDTH - 14.0)
#define PLOT_T 30.0
#define PLOT_B (KH_CHART_HEIGHT - 24.0)

#define INK "#1f2328"
#define MUTED "#57606a"
#define GRID "#d8dee4"
#define LINE "#0969da"
#define BAND "#0969da"
#define BAND_OPACITY 0.13

struct frame {
	double t0, t1;  /* time axis, seconds */
	double ymax;    /* size axis, bytes */
	double step;    /* size tick step */
	int unit;       /* 1024^unit is the tick labels' unit */
	int64_t t_last, y_last;
	int has_full;   /* the forecast reaches the ceiling at full_at */
	double full_at;
	int full_shown; /* full_at lies on the time axis */
};

static double px_x(const struct frame *f, double t)
{
	return PLOT_L + (t - f->t0) / (f->t1 - f->t0) * (PLOT_R - PLOT_L);
}

static double px_y(const struct frame *f, double v)
{
	return PLOT_B - v / f->ymax * (PLOT_B - PLOT_T);
}

/* Bytes at time t on the line from the last sample at `rate` bytes/day. */
static double ahead(const struct frame *f, double rate, double t)
{
	return (double)f->y_last + rate * (t - (double)f->t_last) / DAY;
}

static void frame_init(const struct kh_chart *c, struct frame *f)
{
	static const double nice[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500 };
	double span, top = 0, raw, base = 1, m;

	memset(f, 0, sizeof *f);
	f->t0 = c->n ? (double)c->t[0] : 0;
	f->t_last = c->n ? c->t[c->n - 1] : 0;
	f->y_last = c->n ? c->y[c->n - 1] : 0;
	span = (double)f->t_last - f->t0;
	if (span < DAY)
		span = DAY;
	f->t1 = f->t0 + span;
	if (c->has_forecast && c->rate > 0 && c->ceiling >= 0) {
		double days = (double)(c->ceiling - f->y_last) / c->rate;

		f->has_full = 1;
		f->full_at = (double)f->t_last + (days > 0 ? days : 0) * DAY;
	}
	/* the fill date is drawn when it is not far beyond what the samples cover */
	if (f->has_full && f->full_at - (double)f->t_last <= fmax(3 * span, 45 * DAY)) {
		f->full_shown = 1;
		f->t1 = f->full_at + 0.04 * (f->full_at - f->t0);
	} else if (c->has_forecast) {
		f->t1 = (double)f->t_last + fmax(span / 2, 7 * DAY);
	} else {
		f->t1 = (double)f->t_last + 0.02 * span;
	}
	if (f->t1 <= f->t0)
		f->t1 = f->t0 + DAY;

	for (size_t i = 0; i < c->n; i++)
		top = fmax(top, (double)c->y[i]);
	if (c->ceiling >= 0)
		top = fmax(top, (double)c->ceiling);
	if (c->has_forecast && !f->has_full)
		top = fmax(top, ahead(f, c->rate, f->t1));
	if (top <= 0)
		top = 1024;
	/* about four ticks, on 1, 2 or 5 times a power of ten of a binary unit */
	raw = top / 4;
	while (f->unit < 6 && base * 1024 <= raw) {
		base *= 1024;
		f->unit++;
	}
	m = raw / base;
	f->step = 1024 * base;
	for (size_t i = 0; i < sizeof nice / sizeof *nice; i++)
		if (nice[i] >= m) {
			f->step = nice[i] * base;
			break;
		}
	if (f->step >= 1024 * base && f->unit < 6) {
		f->unit++;
		f->step = 1024 * base;
	}
	f->ymax = ceil(top / f->step) * f->step;
	if (c->ceiling >= 0 && f->ymax < (double)c->ceiling * 1.08)
		f->ymax += f->step; /* room for the ceiling's label */
}

static void size_label(double v, int unit, char *out, size_t n)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double x = v / pow(1024, unit);

	if (fabs(x - round(x)) < 1e-9)
		snprintf(out, n, "%.0f %s", x, units[unit]);
	else
		snprintf(out, n, "%.1f %s", x, units[unit]);
}

/* SVG text: escaped for XML (the HTML escaper covers &, <, >, quotes). */
static void text(struct kh_buf *b, double x, double y, const char *anchor, const char *attrs,
		 const char *s)
{
	kh_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor,
		      attrs ? " " : "", attrs ? attrs : "");
	kh_escape_html(b, s);
	kh_buf_puts(b, "</text>\n");
}

static void axes(struct kh_buf *b, const struct frame *f)
{
	static const int steps[] = { 1, 2, 3, 7, 14, 30, 61, 91, 182, 365, 730, 1826, 3652 };
	double days = (f->t1 - f->t0) / DAY, step = steps[0], t;
	char label[32];

	for (double v = 0; v <= f->ymax + f->step / 2; v += f->step) {
		double y = px_y(f, v);

		kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
			      PLOT_L, y, PLOT_R, y, GRID);
		size_label(v, f->unit, label, sizeof label);
		text(b, PLOT_L - 6, y + 3.5, "end", NULL, label);
	}
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		step = steps[i];
		if (days / step <= 5.5)
			break;
	}
	for (t = ceil(f->t0 / DAY) * DAY; t <= f->t1; t += step * DAY) {
		double x = px_x(f, t);
		char date[KH_TIME_LEN];
		const char *anchor = x < PLOT_L + 30 ? "start" : x > PLOT_R - 30 ? "end" : "middle";

		kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
			      x, PLOT_B, x, PLOT_B + 4, MUTED);
		kh_date_format((int64_t)t, date);
		text(b, x, PLOT_B + 15, anchor, NULL, date);
	}
	kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
		      PLOT_L, PLOT_B, PLOT_R, PLOT_B, MUTED);
}

/* A legend entry: a short line in the given style, then its label; returns its width. */
static double legend_item(struct kh_buf *b, double x, const char *style, const char *label)
{
	double w = 6.0 * (double)strlen(label) + 24;

	kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"13\" x2=\"%.1f\" y2=\"13\" %s/>\n", x, x + 16, style);
	text(b, x + 20, 16.5, "start", NULL, label);
	return w;
}

static void series(struct kh_buf *b, const struct kh_chart *c, const struct frame *f)
{
	if (!c->n)
		return;
	kh_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
		      "stroke-linejoin=\"round\" points=\"", LINE);
	for (size_t i = 0; i < c->n; i++)
		kh_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", px_x(f, (double)c->t[i]),
			      px_y(f, (double)c->y[i]));
	kh_buf_puts(b, "\"/>\n");
	if (c->n <= 60)
		for (size_t i = 0; i < c->n; i++)
			kh_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>\n",
				      px_x(f, (double)c->t[i]), px_y(f, (double)c->y[i]), LINE);
}

/* The polygon p[0..n) (data coordinates: time, bytes) cut to v <= top: what lies above
 * the ceiling is not drawn. Returns the new count (at most n + 1) in q. Done here rather
 * than with an SVG clipPath, whose url(#...) reference a mail client's filter may strip. */
static size_t clip_below(const double (*p)[2], size_t n, double top, double (*q)[2])
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		const double *a = p[i], *z = p[(i + 1) % n];
		int a_in = a[1] <= top, z_in = z[1] <= top;

		if (a_in) {
			q[m][0] = a[0];
			q[m++][1] = a[1];
		}
		if (a_in != z_in) {
			q[m][0] = a[0] + (z[0] - a[0]) * (top - a[1]) / (z[1] - a[1]);
			q[m++][1] = top;
		}
	}
	return m;
}

static void forecast(struct kh_buf *b, const struct kh_chart *c, const struct frame *f)
{
	double end = f->full_shown ? f->full_at : f->t1;
	double x0 = px_x(f, (double)f->t_last), y0 = px_y(f, (double)f->y_last);
	double top = c->ceiling >= 0 ? (double)c->ceiling : f->ymax;
	double clip_top = px_y(f, top);
	char date[KH_TIME_LEN], label[48];

	if (!c->has_forecast || c->rate <= 0 || !c->n)
		return;
	if (c->has_range && c->rate_high > c->rate_low) {
		/* the range: between the slow and the fast rate, below the ceiling */
		const double band[3][2] = { { (double)f->t_last, (double)f->y_last },
					    { f->t1, ahead(f, c->rate_high, f->t1) },
					    { f->t1, ahead(f, fmax(c->rate_low, 0), f->t1) } };
		double cut[4][2];
		size_t n = clip_below(band, 3, top, cut);

		kh_buf_printf(b, "<polygon fill=\"%s\" fill-opacity=\"%.2f\" points=\"", BAND,
			      BAND_OPACITY);
		for (size_t i = 0; i < n; i++)
			kh_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", px_x(f, cut[i][0]),
				      px_y(f, cut[i][1]));
		kh_buf_puts(b, "\"/>\n");
	}
	/* the rate ends on the ceiling at the fill date, or at the edge below it */
	kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		      "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n", x0, y0, px_x(f, end),
		      px_y(f, fmin(ahead(f, c->rate, end), top)), LINE);
	if (!f->has_full)
		return;
	kh_date_format((int64_t)f->full_at, date);
	if (f->full_shown) {
		double x = px_x(f, f->full_at);

		kh_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#ffffff\" "
			      "stroke=\"%s\" stroke-width=\"2\"/>\n", x, clip_top, INK);
		snprintf(label, sizeof label, "full %s", date);
		text(b, x, clip_top - 6, x > PLOT_R - 50 ? "end" : "middle", "font-weight=\"bold\"",
		     label);
	} else {
		snprintf(label, sizeof label, "full %s \xe2\x86\x92", date);
		text(b, PLOT_R, px_y(f, ahead(f, c->rate, f->t1)) - 6, "end", NULL, label);
	}
}

static void burst(struct kh_buf *b, const struct kh_chart *c, const struct frame *f)
{
	char size[32], label[64];
	double x;

	if (!c->has_burst)
		return;
	x = px_x(f, (double)c->burst_at);
	kh_size_format(c->burst_bytes, size, sizeof size);
	snprintf(label, sizeof label, "%s%s one-off", c->burst_bytes >= 0 ? "+" : "", size);
	kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		      "stroke-dasharray=\"2 3\"/>\n", x, PLOT_T, x, PLOT_B, MUTED);
	text(b, x + 4, PLOT_T + 10, x > PLOT_R - 90 ? "end" : "start", "font-style=\"italic\"",
	     label);
}

/* The chart; `drawn_title` 0 leaves the title out of the picture (still its <title>). */
static void chart_svg(const struct kh_chart *c, const char *id, int standalone, int drawn_title,
		      struct kh_buf *b)
{
	struct frame f;
	double x;

	frame_init(c, &f);
	kh_buf_printf(b, "<svg%s role=\"img\" ",
		      standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : "");
	kh_buf_printf(b, ""
		      "aria-labelledby=\"%s-t\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		      "style=\"max-width:100%%;height:auto\" font-family=\"DejaVu Sans,Verdana,"
		      "Arial,sans-serif\" font-size=\"10\" fill=\"%s\">\n<title id=\"%s-t\">", id,
		      KH_CHART_WIDTH, KH_CHART_HEIGHT, KH_CHART_WIDTH, KH_CHART_HEIGHT, INK, id);
	kh_escape_html(b, c->title ? c->title : "");
	kh_buf_puts(b, "</title>\n");
	kh_buf_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", KH_CHART_WIDTH,
		      KH_CHART_HEIGHT);
	if (drawn_title)
		text(b, 8, 17, "start", "font-size=\"12\" font-weight=\"bold\"",
		     c->title ? c->title : "");
	axes(b, &f);
	if (c->ceiling >= 0) {
		char size[32], label[96];
		double y = px_y(&f, (double)c->ceiling);

		kh_size_format(c->ceiling, size, sizeof size);
		snprintf(label, sizeof label, "%s %s", c->ceiling_label ? c->ceiling_label : "capacity",
			 size);
		kh_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			      "stroke-width=\"1.5\"/>\n", PLOT_L, y, PLOT_R, y, INK);
		text(b, PLOT_L + 4, y - 4, "start", NULL, label);
	}
	burst(b, c, &f);
	series(b, c, &f);
	forecast(b, c, &f);
	/* the legend, right-aligned on the title's line */
	x = PLOT_R - (c->has_forecast ? 6.0 * 8 + 24 : 0) - 6.0 * 4 - 24;
	x += legend_item(b, x, "stroke=\"" LINE "\" stroke-width=\"2\"", "used");
	if (c->has_forecast)
		legend_item(b, x, "stroke=\"" LINE "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"",
			    "forecast");
	kh_buf_puts(b, "</svg>\n");
}

void kh_chart_svg(const struct kh_chart *c, const char *id, int standalone, struct kh_buf *b)
{
	chart_svg(c, id, standalone, 1, b);
}

static void png_write(png_structp png, png_bytep data, size_t n)
{
	kh_buf_add(png_get_io_ptr(png), (const char *)data, n);
}

static void png_flush_none(png_structp png)
{
	(void)png;
}

/* The colours of the drawing, each over white at the coverages the PNG keeps: a pixel that
 * antialiasing blended is given the nearest of them. Text is most of a chart's bytes, and
 * every shade of its edges costs; half and full ink read as well at twice the size. */
#define MAX_COVERS 3

static const struct ink {
	const char *rgb;
	int n;
	double cover[MAX_COVERS];
	const char *under;      /* seen through the band: this colour under it */
} inks[] = {
	{ INK, 2, { 0.5, 1 }, NULL },
	{ MUTED, 1, { 1 }, NULL },
	{ GRID, 1, { 1 }, NULL },
	{ LINE, 3, { BAND_OPACITY, 0.5, 1 }, NULL }, /* BAND is LINE, translucent */
	{ BAND, 1, { 1 }, GRID },                    /* the grid through the band */
};

#define N_INKS (sizeof inks / sizeof *inks)
/* white and every ink at every coverage, within a 4-bit PNG's palette */
#define N_SHADES (1 + MAX_COVERS * N_INKS)
_Static_assert(N_SHADES <= 16, "more shades than a 4-bit palette holds");

/* The palette: white, then each ink at each of its coverages. */
static int palette_init(png_color *pal, double (*rgb)[3])
{
	int n = 0;

	pal[n++] = (png_color){ 255, 255, 255 };
	for (size_t i = 0; i < N_INKS; i++) {
		unsigned long v = strtoul(inks[i].rgb + 1, NULL, 16);
		unsigned long u = inks[i].under ? strtoul(inks[i].under + 1, NULL, 16) : 0;

		for (int j = 0; j < 3; j++) {
			rgb[i][j] = (double)(v >> (16 - 8 * j) & 255);
			if (inks[i].under)
				rgb[i][j] = round(rgb[i][j] * BAND_OPACITY +
						  (double)(u >> (16 - 8 * j) & 255) * (1 - BAND_OPACITY));
		}
		for (int k = 0; k < inks[i].n; k++) {
			double a = inks[i].cover[k];
			png_byte ch[3];

			for (int j = 0; j < 3; j++)
				ch[j] = (png_byte)lround(rgb[i][j] * a + 255 * (1 - a));
			pal[n++] = (png_color){ ch[0], ch[1], ch[2] };
		}
	}
	return n;
}

/* The palette index of pixel p: the ink that, laid over white, comes closest to it, at
 * the nearest of its coverages (index 0, white, below half the first). */
static unsigned char shade(uint32_t p, const double (*rgb)[3])
{
	double v[3] = { 255.0 - (p >> 16 & 255), 255.0 - (p >> 8 & 255), 255.0 - (p & 255) };
	double best = -1, cover = 0;
	size_t ink = 0;
	int index = 1, k;

	if ((p & 0xffffff) == 0xffffff)
		return 0;
	for (size_t i = 0; i < N_INKS; i++) {
		double d[3], dd = 0, vd = 0, a, res = 0;

		for (int j = 0; j < 3; j++) {
			d[j] = 255.0 - rgb[i][j];
			dd += d[j] * d[j];
			vd += v[j] * d[j];
		}
		a = fmin(fmax(vd / dd, 0), 1);
		for (int j = 0; j < 3; j++)
			res += (v[j] - a * d[j]) * (v[j] - a * d[j]);
		if (best < 0 || res < best) {
			best = res;
			ink = i;
			cover = a;
		}
	}
	for (size_t i = 0; i < ink; i++)
		index += inks[i].n;
	if (cover < inks[ink].cover[0] / 2)
		return 0;
	for (k = 0; k + 1 < inks[ink].n; k++)
		if (cover < (inks[ink].cover[k] + inks[ink].cover[k + 1]) / 2)
			break;
	return (unsigned char)(index + k);
}

/* Writes w x h palette indices (a byte each) as a 4-bit indexed PNG. 0, or -1 when libpng
 * fails (out of memory). */
static int png_write_indexed(const unsigned char *index, int w, int h, const png_color *palette,
			     int n_colors, struct kh_buf *out)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	int rc = -1;

	if (!info)
		goto out;
	if (setjmp(png_jmpbuf(png))) {
		out->len = 0;
		goto out;
	}
	png_set_write_fn(png, out, png_write, png_flush_none);
	png_set_compression_level(png, 9);
	/* indices are no samples to predict; zlib's filtered strategy is a few % smaller */
	png_set_filter(png, 0, PNG_FILTER_NONE);
	png_set_compression_strategy(png, Z_FILTERED);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 4, PNG_COLOR_TYPE_PALETTE,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_PLTE(png, info, palette, n_colors);
	png_write_info(png, info);
	png_set_packing(png); /* a byte a pixel in, two pixels a byte out */
	for (int y = 0; y < h; y++)
		png_write_row(png, index + (size_t)y * (size_t)w);
	png_write_end(png, info);
	rc = 0;
out:
	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	return rc;
}

/* The rendered chart in the palette above: some 4 KB at 1200x360 (cairo's RGB PNG of it was
 * 43 KB, 256 colours of it 12 KB), so that twenty charts fit a mail. */
static int png_indexed(cairo_surface_t *surface, struct kh_buf *out)
{
	int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
	int stride = cairo_image_surface_get_stride(surface), n_colors, rc;
	const unsigned char *data = cairo_image_surface_get_data(surface);
	unsigned char *index = kh_malloc((size_t)w * (size_t)h);
	png_color palette[N_SHADES];
	double rgb[N_INKS][3];

	n_colors = palette_init(palette, rgb);
	for (int y = 0; y < h; y++) {
		const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);

		for (int x = 0; x < w; x++)
			index[(size_t)y * (size_t)w + (size_t)x] =
			    shade(px[x], (const double (*)[3])rgb);
	}
	rc = png_write_indexed(index, w, h, palette, n_colors, out);
	free(index);
	return rc;
}

int kh_chart_png(const struct kh_chart *c, unsigned char **png, size_t *len, struct kh_err *err)
{
	struct kh_buf svg = { 0 }, out = { 0 };
	const int w = KH_CHART_WIDTH * KH_CHART_SCALE, h = KH_CHART_HEIGHT * KH_CHART_SCALE;
	RsvgRectangle viewport = { 0, 0, w, h };
	cairo_surface_t *surface = NULL;
	RsvgHandle *handle = NULL;
	GError *gerr = NULL;
	cairo_t *cr = NULL;
	int rc = -1;

	*png = NULL;
	*len = 0;
	/* the mail writes the title above the image, as text */
	chart_svg(c, "c", 1, 0, &svg);
	handle = rsvg_handle_new_from_data((const guint8 *)svg.data, svg.len, &gerr);
	if (!handle) {
		kh_err_set(err, "chart '%s': %s", c->title ? c->title : "", gerr->message);
		goto out;
	}
	/* no alpha: an opaque image is smaller and looks the same on any background */
	surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	cr = cairo_create(surface);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		kh_err_set(err, "chart '%s': %s", c->title ? c->title : "",
			   cairo_status_to_string(cairo_status(cr)));
		goto out;
	}
	if (!rsvg_handle_render_document(handle, cr, &viewport, &gerr)) {
		kh_err_set(err, "chart '%s': %s", c->title ? c->title : "", gerr->message);
		goto out;
	}
	cairo_surface_flush(surface);
	if (png_indexed(surface, &out)) {
		kh_err_set(err, "chart '%s': cannot write the PNG", c->title ? c->title : "");
		goto out;
	}
	*len = out.len;
	*png = (unsigned char *)kh_buf_steal(&out);
	rc = 0;
out:
	if (gerr)
		g_error_free(gerr);
	if (cr)
		cairo_destroy(cr);
	if (surface)
		cairo_surface_destroy(surface);
	if (handle)
		g_object_unref(handle);
	kh_buf_free(&svg);
	kh_buf_free(&out);
	return rc;
}

char *kh_chart_alt(const struct kh_chart *c)
{
	struct kh_buf b = { 0 };
	char used[32], cap[32], rate[32], date[KH_TIME_LEN];
	struct frame f;

	frame_init(c, &f);
	kh_buf_puts(&b, c->title ? c->title : "");
	if (!c->n) {
		kh_buf_puts(&b, ": no samples.");
		return kh_buf_steal(&b);
	}
	kh_size_format(f.y_last, used, sizeof used);
	kh_buf_printf(&b, ": %s used", used);
	if (c->ceiling >= 0) {
		kh_size_format(c->ceiling, cap, sizeof cap);
		kh_buf_printf(&b, " of %s", cap);
	}
	if (c->has_forecast && c->rate > 0) {
		kh_size_format((int64_t)llround(c->rate), rate, sizeof rate);
		kh_buf_printf(&b, ", growing %s/day", rate);
		if (f.has_full) {
			kh_date_format((int64_t)f.full_at, date);
			kh_buf_printf(&b, ", full on %s", date);
		}
	} else {
		kh_buf_puts(&b, ", not growing");
	}
	if (c->has_burst) {
		kh_size_format(c->burst_bytes, rate, sizeof rate);
		kh_date_format(c->burst_at, date);
		kh_buf_printf(&b, " (a one-off jump of %s%s on %s left out)",
			      c->burst_bytes >= 0 ? "+" : "", rate, date);
	}
	kh_buf_puts(&b, ".");
	return kh_buf_steal(&b);
}

char *kh_sparkline(const int64_t *y, size_t n, size_t width)
{
	struct kh_buf b = { 0 };
	size_t cells = n < width ? n : width;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	kh_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		lo = y[i] < lo ? y[i] : lo;
		hi = y[i] > hi ? y[i] : hi;
	}
	for (size_t cell = 0; cell < cells; cell++) {
		/* a cell shows the greatest of the samples it stands for */
		size_t from = cell * n / cells, to = (cell + 1) * n / cells;
		int64_t v = y[from];
		char bar[4] = { (char)0xe2, (char)0x96, 0, 0 };

		for (size_t i = from; i < to; i++)
			v = y[i] > v ? y[i] : v;
		bar[2] = (char)(0x81 + (hi > lo ? (int)(((double)(v - lo) * 7 / (double)(hi - lo)) + 0.5)
					      : 0));
		kh_buf_puts(&b, bar);
	}
	return kh_buf_steal(&b);
}
