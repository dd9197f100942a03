/* Charts (report/chart): the SVG's structure and text, the PNG as decoded, sparklines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cairo.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "report/chart.h"

#define GiB 1073741824LL
#define T0 1794614400LL /* 2026-11-14T00:00:00Z */

/* Eight nightly samples of a volume growing 1 GiB a day from 20 GiB, with a one-off jump of
 * 4 GiB on the sixth night; capacity 64 GiB. */
static int64_t t8[8], y8[8];

static struct kh_chart growing(void)
{
	for (int i = 0; i < 8; i++) {
		t8[i] = T0 + 3 * 3600 + i * 86400LL;
		y8[i] = (20 + i) * GiB + (i >= 5 ? 4 * GiB : 0);
	}
	return (struct kh_chart){
		.title = "volume aries-data.qcow2 in data on vm", .t = t8, .y = y8, .n = 8,
		.ceiling = 64 * GiB, .ceiling_label = "capacity", .has_forecast = 1,
		.rate = (double)GiB, .has_range = 1, .rate_low = 0.8 * GiB, .rate_high = 1.25 * GiB,
		.has_burst = 1, .burst_at = t8[5], .burst_bytes = 4 * GiB,
	};
}

static xmlDocPtr parse_svg(const struct kh_chart *c, const char *id, struct kh_buf *b)
{
	xmlDocPtr doc;

	kh_chart_svg(c, id, 1, b);
	doc = xmlReadMemory(b->data, (int)b->len, "chart.svg", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	return doc;
}

static int count(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr r;
	int n;

	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
	r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	assert_non_null(r);
	n = r->nodesetval ? r->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return n;
}

static void test_svg_structure(void **state)
{
	struct kh_chart c = growing();
	struct kh_buf b = { 0 };
	xmlDocPtr doc;

	(void)state;
	doc = parse_svg(&c, "vol-3", &b);
	assert_int_equal(count(doc, "/s:svg[@role='img'][@aria-labelledby='vol-3-t']"), 1);
	assert_int_equal(count(doc, "/s:svg/s:title[@id='vol-3-t']"
				    "[.='volume aries-data.qcow2 in data on vm']"), 1);
	/* every id is the chart's own, so twenty charts in one page do not collide */
	assert_int_equal(count(doc, "//*[@id][not(starts-with(@id, 'vol-3-'))]"), 0);
	assert_null(strstr(b.data, "url("));
	/* the samples as measured: one polyline of eight points, a dot each */
	assert_int_equal(count(doc, "//s:polyline"), 1);
	assert_int_equal(count(doc, "//s:circle[@r='2.2']"), 8);
	/* the forecast dashed (legible in black and white), its range shaded */
	assert_int_equal(count(doc, "//s:line[@stroke-dasharray='6 4'][@y1!='13']"), 1);
	assert_int_equal(count(doc, "//s:polygon[@fill-opacity]"), 1);
	/* sizes in binary units on the size axis, the ceiling and the fill date named */
	assert_int_equal(count(doc, "//s:text[.='0 GiB']"), 1);
	assert_int_equal(count(doc, "//s:text[.='60 GiB']"), 1);
	assert_int_equal(count(doc, "//s:text[.='capacity 64.0 GiB']"), 1);
	/* 31 GiB at 1 GiB/day reaches 64 GiB 33 days after 2026-11-21T03:00Z */
	assert_int_equal(count(doc, "//s:text[.='full 2026-12-24']"), 1);
	assert_int_equal(count(doc, "//s:text[.='+4.0 GiB one-off']"), 1);
	/* days on the time axis: 42 days shown, a tick every two weeks from the first midnight */
	assert_int_equal(count(doc, "//s:text[.='2026-11-15']"), 1);
	assert_int_equal(count(doc, "//s:text[.='2026-11-29']"), 1);
	/* self-contained: nothing to run, nothing to fetch; inline in HTML, no namespace */
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "href"));
	b.len = 0;
	kh_chart_svg(&c, "vol-3", 0, &b);
	assert_true(strncmp(b.data, "<svg role=\"img\" ", 16) == 0);
	assert_null(strstr(b.data, "http"));
	xmlFreeDoc(doc);
	kh_buf_free(&b);
}

static void test_svg_escapes_names(void **state)
{
	struct kh_chart c = growing();
	struct kh_buf b = { 0 };
	xmlDocPtr doc;

	(void)state;
	c.title = "volume <b>&\"x'</b> on vm";
	doc = parse_svg(&c, "c1", &b);
	assert_int_equal(count(doc, "/s:svg/s:title[.=concat('volume <b>&\"x', \"'\", '</b> on vm')]"),
			 1);
	assert_int_equal(count(doc, "//s:b"), 0);
	xmlFreeDoc(doc);
	kh_buf_free(&b);
}

static void test_svg_flat(void **state)
{
	int64_t t[3] = { T0, T0 + 86400, T0 + 2 * 86400 }, y[3] = { 5 * GiB, 5 * GiB, 5 * GiB };
	struct kh_chart c = { .title = "pool images on vm", .t = t, .y = y, .n = 3,
			      .ceiling = -1 };
	struct kh_buf b = { 0 };
	xmlDocPtr doc;
	char *alt;

	(void)state;
	doc = parse_svg(&c, "p", &b);
	assert_int_equal(count(doc, "//s:line[@stroke-dasharray='6 4']"), 0);
	assert_int_equal(count(doc, "//s:text[starts-with(., 'full')]"), 0);
	assert_int_equal(count(doc, "//s:text[starts-with(., 'capacity')]"), 0);
	assert_int_equal(count(doc, "//s:circle"), 3);
	alt = kh_chart_alt(&c);
	assert_string_equal(alt, "pool images on vm: 5.0 GiB used, not growing.");
	free(alt);
	xmlFreeDoc(doc);
	kh_buf_free(&b);
}

struct reader {
	const unsigned char *p;
	size_t left;
};

static cairo_status_t read_png(void *closure, unsigned char *data, unsigned int n)
{
	struct reader *r = closure;

	if (n > r->left)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->p, n);
	r->p += n;
	r->left -= n;
	return CAIRO_STATUS_SUCCESS;
}

static void test_png(void **state)
{
	struct kh_chart c = growing();
	unsigned char *png;
	size_t len;
	struct kh_err err;
	struct reader r;
	cairo_surface_t *img;
	const unsigned char *px;
	int stride;
	uint32_t line, background;

	(void)state;
	assert_int_equal(kh_chart_png(&c, &png, &len, &err), 0);
	assert_true(len > 1000);
	/* indexed at 4 bits a pixel in a few shades of the chart's colours: some 4 KB, where
	 * 256 colours took 12 (twenty charts and a fleet's tables must fit a 200 KB mail) */
	assert_true(len < 6 * 1024);
	assert_int_equal(png[24], 4);  /* IHDR bit depth */
	assert_int_equal(png[25], 3);  /* colour type: palette */
	r = (struct reader){ png, len };
	img = cairo_image_surface_create_from_png_stream(read_png, &r);
	assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(img), KH_CHART_WIDTH * KH_CHART_SCALE);
	assert_int_equal(cairo_image_surface_get_height(img), KH_CHART_HEIGHT * KH_CHART_SCALE);
	px = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	/* a corner is the white background; the ceiling line, 64 of 80 GiB up the plot area
	 * (y 156 to 30: at 55.2), is drawn in dark ink, here at twice the scale */
	background = *(const uint32_t *)(const void *)(px + 4 * stride) & 0xffffff;
	assert_int_equal(background, 0xffffff);
	line = *(const uint32_t *)(const void *)(px + 110 * (size_t)stride + 4 * 400) & 0xffffff;
	assert_true(((line >> 16) & 0xff) < 0x60);
	/* the title is the mail's text above the image, not drawn: where it stood is white */
	for (int y = 0; y < 48; y++)
		for (int x = 0; x < 600; x++)
			assert_int_equal(*(const uint32_t *)(const void *)(px + (size_t)y * (size_t)stride +
									   4 * (size_t)x) & 0xffffff,
					 0xffffff);
	cairo_surface_destroy(img);
	free(png);
}

static void test_alt(void **state)
{
	struct kh_chart c = growing();
	char *alt = kh_chart_alt(&c);

	(void)state;
	assert_string_equal(alt, "volume aries-data.qcow2 in data on vm: 31.0 GiB used of 64.0 GiB,"
				 " growing 1.0 GiB/day, full on 2026-12-24 (a one-off jump of"
				 " +4.0 GiB on 2026-11-19 left out).");
	free(alt);
}

static void test_sparkline(void **state)
{
	int64_t up[8] = { 0, 1, 2, 3, 4, 5, 6, 7 }, flat[3] = { 9, 9, 9 };
	int64_t pairs[16] = { 0, 7, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6 };
	char *s;

	(void)state;
	s = kh_sparkline(up, 8, 20);
	assert_string_equal(s, "▁▂▃▄▅▆▇█");
	free(s);
	s = kh_sparkline(flat, 3, 20);
	assert_string_equal(s, "▁▁▁");
	free(s);
	/* sixteen samples in eight cells: each cell the greater of its two */
	s = kh_sparkline(pairs, 16, 8);
	assert_string_equal(s, "█▁▂▃▄▅▆▇");
	free(s);
	s = kh_sparkline(NULL, 0, 8);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_structure),
		cmocka_unit_test(test_svg_escapes_names),
		cmocka_unit_test(test_svg_flat),
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_alt),
		cmocka_unit_test(test_sparkline),
	};

	return cmocka_run_group_tests_name("chart", tests, NULL, NULL);
}
