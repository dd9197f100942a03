/* Time and size parsing and formatting (util/timefmt, util/units). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "util/timefmt.h"
#include "util/units.h"

static int64_t parse(const char *s, int *date_only)
{
	int64_t t = -1;

	assert_int_equal(kh_time_parse(s, &t, date_only), 0);
	return t;
}

static void test_dates_and_times(void **state)
{
	int d;

	(void)state;
	assert_int_equal(parse("1970-01-01", &d), 0);
	assert_true(d);
	assert_int_equal(parse("2026-11-20", &d), 1795132800);
	assert_int_equal(parse("2026-11-20T03:00:00Z", &d), 1795132800 + 3 * 3600);
	assert_false(d);
	assert_int_equal(parse("2026-11-20T03:00Z", NULL), 1795132800 + 3 * 3600);
	assert_int_equal(parse("2026-11-20T03:00:00", NULL), 1795132800 + 3 * 3600);
	assert_int_equal(parse("2026-11-20T03:00:00.123Z", NULL), 1795132800 + 3 * 3600);
	/* 05:00 at +02:00 is 03:00 UTC; 22:00 at -05:00 the day before is 03:00 UTC */
	assert_int_equal(parse("2026-11-20T05:00:00+02:00", NULL), 1795132800 + 3 * 3600);
	assert_int_equal(parse("2026-11-19T22:00:00-0500", NULL), 1795132800 + 3 * 3600);
	assert_int_equal(parse("2024-02-29", NULL), 1709164800);
}

static void test_malformed_times(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-11", "2026-13-01", "2026-02-30", "2025-02-29", "2026-11-20T",
		"2026-11-20T25:00:00Z", "2026-11-20T03:00:00Q", "20261120", "2026-11-20x",
		"2026-11-20T03:00:00+2", "yesterday", "2026-1-02",
	};
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(kh_time_parse(bad[i], &t, NULL), -1);
}

static void test_ages(void **state)
{
	int64_t s;

	(void)state;
	assert_int_equal(kh_age_parse("36h", &s), 0);
	assert_int_equal(s, 36 * 3600);
	assert_int_equal(kh_age_parse("7d", &s), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(kh_age_parse("2w", &s), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(kh_age_parse("90m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(kh_age_parse("h", &s), -1);
	assert_int_equal(kh_age_parse("7", &s), -1);
	assert_int_equal(kh_age_parse("7dd", &s), -1);
	assert_int_equal(kh_age_parse("-7d", &s), -1);
	assert_int_equal(kh_age_parse("7y", &s), -1);
	assert_int_equal(kh_age_parse("99999999999999999999d", &s), -1);
}

static void test_format(void **state)
{
	char buf[KH_TIME_LEN];

	(void)state;
	kh_time_format(1795132800 + 3 * 3600 + 7, buf);
	assert_string_equal(buf, "2026-11-20T03:00:07Z");
	kh_date_format(1795132800 + 86399, buf);
	assert_string_equal(buf, "2026-11-20");
}

/* Found by fuzz_spec: an age of 3678888888h put the time before year 0, and strftime's
 * longer year overflowed the buffer. */
static void test_format_out_of_range(void **state)
{
	char out[KH_TIME_LEN];
	int64_t age;

	(void)state;
	assert_int_equal(kh_age_parse("3678888888h", &age), 0);
	kh_time_format(1795143600 - age, out);
	assert_string_equal(out, "(out of range)");
	kh_date_format(INT64_MAX, out);
	assert_string_equal(out, "(out of range)");
	kh_time_format(-62167219200, out);
	assert_string_equal(out, "0000-01-01T00:00:00Z");
	kh_time_format(253402300799, out);
	assert_string_equal(out, "9999-12-31T23:59:59Z");
}

static void test_now_override(void **state)
{
	(void)state;
	setenv("KVMHIST_NOW", "2026-11-20T00:00:00Z", 1);
	assert_int_equal(kh_now(), 1795132800);
	unsetenv("KVMHIST_NOW");
	assert_true(kh_now() > 1700000000);
}

static void test_sizes(void **state)
{
	char buf[32];

	(void)state;
	kh_size_format(0, buf, sizeof buf);
	assert_string_equal(buf, "0 B");
	kh_size_format(1023, buf, sizeof buf);
	assert_string_equal(buf, "1023 B");
	kh_size_format(1536, buf, sizeof buf);
	assert_string_equal(buf, "1.5 KiB");
	kh_size_format(11LL << 30, buf, sizeof buf);
	assert_string_equal(buf, "11.0 GiB");
	kh_size_format(-(1LL << 30), buf, sizeof buf);
	assert_string_equal(buf, "-1.0 GiB");
	kh_size_format(100LL << 40, buf, sizeof buf);
	assert_string_equal(buf, "100.0 TiB");
	/* rounded as printf's %.1f rounds the double: ties to even, up to the next unit's
	 * 1024.0, and the double itself from 2^53 on */
	kh_size_format(1280, buf, sizeof buf);
	assert_string_equal(buf, "1.2 KiB");
	kh_size_format(1792, buf, sizeof buf);
	assert_string_equal(buf, "1.8 KiB");
	kh_size_format(-1126, buf, sizeof buf);
	assert_string_equal(buf, "-1.1 KiB");
	kh_size_format(1048575, buf, sizeof buf);
	assert_string_equal(buf, "1024.0 KiB");
	kh_size_format(9007199254740993LL, buf, sizeof buf);
	assert_string_equal(buf, "8.0 PiB");
	kh_size_format(INT64_MAX, buf, sizeof buf);
	assert_string_equal(buf, "8.0 EiB");
}

static int64_t bytes(const char *count, const char *unit, uint64_t def)
{
	int64_t b = -1;

	assert_int_equal(kh_size_bytes(count, unit, def, &b), 0);
	return b;
}

/* libvirt's units, as in <capacity unit='...'> and <memory unit='...'> */
static void test_size_units(void **state)
{
	int64_t b = 42;
	uint64_t v;

	(void)state;
	assert_int_equal(bytes("2147483648", "bytes", 1), 2147483648LL);
	assert_int_equal(bytes("7", NULL, 1), 7);
	assert_int_equal(bytes("7", "", 1024), 7 * 1024);
	assert_int_equal(bytes("2", "b", 1024), 2);
	assert_int_equal(bytes("2", "KiB", 1), 2048);
	assert_int_equal(bytes("2", "k", 1), 2048);
	assert_int_equal(bytes("2", "KB", 1), 2000);
	assert_int_equal(bytes("3", "MiB", 1), 3 << 20);
	assert_int_equal(bytes("3", "G", 1), 3LL << 30);
	assert_int_equal(bytes("3", "gb", 1), 3000000000LL);
	assert_int_equal(bytes("1", "TiB", 1), 1LL << 40);
	assert_int_equal(bytes("1", "PB", 1), 1000000000000000LL);
	assert_int_equal(bytes("7", "EiB", 1), 7LL << 60);
	assert_int_equal(bytes("0", "EiB", 1), 0);
	/* refused, and the output left alone */
	assert_int_equal(kh_size_bytes("8", "EiB", 1, &b), -1);            /* above INT64_MAX */
	assert_int_equal(kh_size_bytes("20000000000", "GiB", 1, &b), -1); /* overflows 64 bits */
	assert_int_equal(kh_size_bytes("99999999999999999999", NULL, 1, &b), -1);
	assert_int_equal(kh_size_bytes("1", "KiBs", 1, &b), -1);
	assert_int_equal(kh_size_bytes("1", "x", 1, &b), -1);
	assert_int_equal(kh_size_bytes("-1", NULL, 1, &b), -1);
	assert_int_equal(kh_size_bytes(" 1", NULL, 1, &b), -1);
	assert_int_equal(kh_size_bytes("1 ", NULL, 1, &b), -1);
	assert_int_equal(kh_size_bytes("", NULL, 1, &b), -1);
	assert_int_equal(kh_size_bytes(NULL, NULL, 1, &b), -1);
	assert_int_equal(b, 42);
	assert_int_equal(kh_parse_u64("0x1f", 0, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(kh_parse_u64("0x1f", 10, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_and_times),
		cmocka_unit_test(test_malformed_times),
		cmocka_unit_test(test_ages),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_out_of_range),
		cmocka_unit_test(test_now_override),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_size_units),
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
