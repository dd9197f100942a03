/* The configuration file parser (util/config). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/config.h"
#include "util/units.h"

static int parse(const char *text, struct kh_config *cfg, struct kh_err *err)
{
	kh_config_init(cfg);
	return kh_config_parse(text, strlen(text), "t.conf", cfg, err);
}

/* The text must be refused with exactly this message, and leave nothing set. */
static void expect_error(const char *text, const char *msg)
{
	struct kh_config cfg;
	struct kh_err err = { { 0 } };

	assert_int_equal(parse(text, &cfg, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_null(cfg.database);
	assert_int_equal(cfg.n_uris, 0);
	assert_int_equal(cfg.timeout, -1);
	kh_config_clear(&cfg);
}

static void test_every_key(void **state)
{
	struct kh_config cfg;
	struct kh_err err;

	(void)state;
	assert_int_equal(parse("database = /srv/kvmhist/h.db\n"
			       "uri = qemu:///system\n"
			       "timeout = 90\n"
			       "keep_daily = 14\n"
			       "keep_weekly = 8\n"
			       "keep_monthly = 0\n"
			       "warn_days = 45\n"
			       "snapshot_days = 7\n"
			       "crit_days = 10\n"
			       "warn_overcommit = 1.5\n"
			       "crit_overcommit = 2\n"
			       "max_age = 2d\n"
			       "mail_to = Ops <ops@example.org>, oncall@example.org\n"
			       "mail_from = kvmhist@kvm1.example.org\n"
			       "templates = /etc/kvmhist/templates\n",
			       &cfg, &err),
			 0);
	assert_string_equal(cfg.database, "/srv/kvmhist/h.db");
	assert_int_equal(cfg.n_uris, 1);
	assert_string_equal(cfg.uris[0], "qemu:///system");
	assert_int_equal(cfg.timeout, 90);
	assert_int_equal(cfg.keep_daily, 14);
	assert_int_equal(cfg.keep_weekly, 8);
	assert_int_equal(cfg.keep_monthly, 0);
	assert_int_equal(cfg.warn_days, 45);
	assert_int_equal(cfg.snapshot_days, 7);
	assert_int_equal(cfg.crit_days, 10);
	assert_true(cfg.warn_overcommit == 1.5);
	assert_true(cfg.crit_overcommit == 2.0);
	assert_int_equal(cfg.max_age, 2 * 86400);
	assert_string_equal(cfg.mail_to, "Ops <ops@example.org>, oncall@example.org");
	assert_string_equal(cfg.mail_from, "kvmhist@kvm1.example.org");
	assert_string_equal(cfg.templates, "/etc/kvmhist/templates");
	kh_config_clear(&cfg);
	assert_null(cfg.database);
	assert_int_equal(cfg.warn_days, -1);
}

static void test_empty_and_unset(void **state)
{
	struct kh_config cfg;
	struct kh_err err;

	(void)state;
	assert_int_equal(parse("", &cfg, &err), 0);
	assert_null(cfg.database);
	assert_null(cfg.mail_to);
	assert_int_equal(cfg.n_uris, 0);
	assert_int_equal(cfg.timeout, -1);
	assert_int_equal(cfg.keep_daily, -1);
	assert_int_equal(cfg.warn_days, -1);
	assert_int_equal(cfg.snapshot_days, -1);
	assert_int_equal(cfg.crit_days, -1);
	assert_true(cfg.warn_overcommit == -1 && cfg.crit_overcommit == -1);
	assert_int_equal(cfg.max_age, -1);
	kh_config_clear(&cfg);
	assert_int_equal(parse("# only comments\n\n   \n\t# indented\n", &cfg, &err), 0);
	assert_null(cfg.database);
	kh_config_clear(&cfg);
}

static void test_repeated_uri_keeps_order(void **state)
{
	struct kh_config cfg;
	struct kh_err err;

	(void)state;
	assert_int_equal(parse("uri = qemu:///system\n"
			       "uri = qemu+ssh://root@kvm2/system\n"
			       "uri = qemu+ssh://kvm3/system?keyfile=/root/.ssh/id_kvm\n",
			       &cfg, &err),
			 0);
	assert_int_equal(cfg.n_uris, 3);
	assert_string_equal(cfg.uris[0], "qemu:///system");
	assert_string_equal(cfg.uris[1], "qemu+ssh://root@kvm2/system");
	assert_string_equal(cfg.uris[2], "qemu+ssh://kvm3/system?keyfile=/root/.ssh/id_kvm");
	kh_config_clear(&cfg);
}

/* host = LABEL URI: the URI is collected like a uri line, in order, and the label kept. */
static void test_host_label(void **state)
{
	struct kh_config cfg;
	struct kh_err err;

	(void)state;
	assert_int_equal(parse("uri = qemu:///system\n"
			       "host = rack7-kvm3   qemu+ssh://root@10.0.7.3/system?no_verify=1\n"
			       "host = lab test:///tmp/a.xml\n",
			       &cfg, &err),
			 0);
	assert_int_equal(cfg.n_uris, 3);
	assert_string_equal(cfg.uris[1], "qemu+ssh://root@10.0.7.3/system?no_verify=1");
	assert_string_equal(cfg.uris[2], "test:///tmp/a.xml");
	assert_int_equal(cfg.n_hosts, 2);
	assert_string_equal(cfg.hosts[0].label, "rack7-kvm3");
	assert_string_equal(cfg.hosts[0].uri, "qemu+ssh://root@10.0.7.3/system?no_verify=1");
	assert_string_equal(cfg.hosts[1].label, "lab");
	kh_config_clear(&cfg);
	expect_error("host = kvm1\n", "t.conf:1: key 'host': expected 'LABEL URI', got 'kvm1'");
	expect_error("uri = a\nhost = \" x\"\n",
		     "t.conf:2: key 'host': expected 'LABEL URI', got ' x'");
}

static void test_whitespace_comments_quotes(void **state)
{
	struct kh_config cfg;
	struct kh_err err;

	(void)state;
	assert_int_equal(parse("  database\t=\t/var/lib/kvmhist/a b.db   # trailing comment\n"
			       "mail_to=ops@example.org\r\n"
			       "uri = test:///tmp/x.xml#frag\n"
			       "uri = \"qemu:///system\"   # quoted\n"
			       "templates = \"  /t/with \\\"quote\\\" and \\\\ # not a comment \"\n"
			       "timeout = 30",
			       &cfg, &err),
			 0);
	assert_string_equal(cfg.database, "/var/lib/kvmhist/a b.db");
	assert_string_equal(cfg.mail_to, "ops@example.org");
	/* '#' not after whitespace belongs to the value */
	assert_string_equal(cfg.uris[0], "test:///tmp/x.xml#frag");
	assert_string_equal(cfg.uris[1], "qemu:///system");
	assert_string_equal(cfg.templates, "  /t/with \"quote\" and \\ # not a comment ");
	assert_int_equal(cfg.timeout, 30); /* last line without a newline */
	kh_config_clear(&cfg);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_error("database = /x\nthis is not a setting\n",
		     "t.conf:2: unknown key 'this'");
	expect_error("# c\n= value\n", "t.conf:2: expected 'key = value'");
	expect_error("database\n", "t.conf:1: key 'database': expected '=' after the key");
	expect_error("database =\n", "t.conf:1: key 'database': no value");
	expect_error("database = \"\"\n", "t.conf:1: key 'database': no value");
	expect_error("database = # just a comment\n", "t.conf:1: key 'database': no value");
	expect_error("database = \"/x\n", "t.conf:1: key 'database': no closing quote");
	expect_error("database = \"/x\" /y\n", "t.conf:1: key 'database': text after the closing quote");
	expect_error("database = \"/x\\n\"\n",
		     "t.conf:1: key 'database': only \\\" and \\\\ may follow a backslash in quotes");
	expect_error("mail_to = a@b\x01\n",
		     "t.conf:1: key 'mail_to': a control character in the value");
}

static void test_nul_byte(void **state)
{
	struct kh_config cfg;
	struct kh_err err;
	static const char text[] = "database = /x\nuri = a\0b\n";

	(void)state;
	kh_config_init(&cfg);
	assert_int_equal(kh_config_parse(text, sizeof text - 1, "t.conf", &cfg, &err), -1);
	assert_string_equal(err.msg, "t.conf:2: a NUL byte: not a text file");
	assert_null(cfg.database);
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("databse = /x\n", "t.conf:1: unknown key 'databse'");
	expect_error("\n\nkeep-daily = 7\n", "t.conf:3: unknown key 'keep-daily'");
	expect_error("Database = /x\n", "t.conf:1: unknown key 'Database'");
}

static void test_bad_numbers(void **state)
{
	(void)state;
	expect_error("timeout = 0\n", "t.conf:1: key 'timeout': invalid value '0' "
				      "(a whole number of seconds, 1 or more)");
	expect_error("timeout = 1m\n", "t.conf:1: key 'timeout': invalid value '1m' "
				       "(a whole number of seconds, 1 or more)");
	expect_error("keep_daily = -1\n", "t.conf:1: key 'keep_daily': invalid value '-1' "
					  "(a whole number, 0 or more)");
	expect_error("keep_weekly = +3\n", "t.conf:1: key 'keep_weekly': invalid value '+3' "
					   "(a whole number, 0 or more)");
	expect_error("keep_monthly = 3 months\n",
		     "t.conf:1: key 'keep_monthly': invalid value '3 months' "
		     "(a whole number, 0 or more)");
	expect_error("warn_days = 99999999999\n",
		     "t.conf:1: key 'warn_days': invalid value '99999999999' "
		     "(a whole number of days, 0 or more)");
	expect_error("warn_days = 0x10\n", "t.conf:1: key 'warn_days': invalid value '0x10' "
					   "(a whole number of days, 0 or more)");
	expect_error("warn_overcommit = 1,5\n", "t.conf:1: key 'warn_overcommit': invalid "
						 "value '1,5' (a ratio such as 1.5)");
	expect_error("crit_overcommit = -2\n", "t.conf:1: key 'crit_overcommit': invalid "
						"value '-2' (a ratio such as 2)");
	expect_error("max_age = 36\n", "t.conf:1: key 'max_age': invalid value '36' "
					"(an age such as 36h or 2d, more than 0)");
	expect_error("max_age = 0h\n", "t.conf:1: key 'max_age': invalid value '0h' "
					"(an age such as 36h or 2d, more than 0)");
}

/* Ratios are read and written with '.', whatever the locale. */
static void test_decimals(void **state)
{
	static const char *const bad[] = { "", ".", "1.", ".5", "1.2.3", "-1", "+1", "1e3",
					   " 1", "1 ", "0x1", "1234567890123456", "2000000000000" };
	char out[32];
	double v;

	(void)state;
	assert_int_equal(kh_parse_decimal("1.5", &v), 0);
	assert_true(v == 1.5);
	assert_int_equal(kh_parse_decimal("007", &v), 0);
	assert_true(v == 7);
	assert_int_equal(kh_parse_decimal("0.125", &v), 0);
	assert_true(v == 0.125);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (kh_parse_decimal(bad[i], &v) == 0)
			fail_msg("'%s' read as a decimal", bad[i]);
	kh_decimal_format(1.5, 2, out, sizeof out);
	assert_string_equal(out, "1.5");
	kh_decimal_format(40, 2, out, sizeof out);
	assert_string_equal(out, "40");
	kh_decimal_format(1.125, 2, out, sizeof out);
	assert_string_equal(out, "1.13");
	kh_decimal_format(-0.25, 3, out, sizeof out);
	assert_string_equal(out, "-0.25");
	kh_decimal_format(-0.0001, 2, out, sizeof out);
	assert_string_equal(out, "0");
	kh_decimal_format(1073741824.4, 0, out, sizeof out);
	assert_string_equal(out, "1073741824");
	kh_decimal_format(1e17, 2, out, sizeof out);
	assert_string_equal(out, "100000000000000000");
}

static void test_duplicate_scalars(void **state)
{
	(void)state;
	expect_error("uri = a\ntimeout = 5\n\ntimeout = 5\n",
		     "t.conf:4: key 'timeout' is set twice (first on line 2)");
	expect_error("database = /a\ndatabase = /b\n",
		     "t.conf:2: key 'database' is set twice (first on line 1)");
}

static void test_load(void **state)
{
	char path[] = "/tmp/kvmhist-config-XXXXXX";
	struct kh_config cfg;
	struct kh_err err;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("uri = test:///default\nwarn_days = 10\n", f);
	assert_int_equal(fclose(f), 0);

	kh_config_init(&cfg);
	assert_int_equal(kh_config_load(path, 1, &cfg, &err), 0);
	assert_int_equal(cfg.n_uris, 1);
	assert_string_equal(cfg.uris[0], "test:///default");
	assert_int_equal(cfg.warn_days, 10);
	kh_config_clear(&cfg);

	/* The file's name is in every message about it. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("warn_days = soon\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(kh_config_load(path, 0, &cfg, &err), -1);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, ":1: key 'warn_days'"));
	assert_int_equal(unlink(path), 0);

	/* Missing: fine for the default file, an error for a named one. */
	assert_int_equal(kh_config_load(path, 0, &cfg, &err), 0);
	assert_int_equal(cfg.n_uris, 0);
	assert_int_equal(kh_config_load(path, 1, &cfg, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read config '"));
	assert_non_null(strstr(err.msg, "No such file or directory"));

	/* A directory is not a config file. */
	assert_int_equal(kh_config_load("/tmp", 0, &cfg, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read config '/tmp'"));
}

static void free_uris(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --uri-file: one URI a line, trimmed; blank lines, # lines and CRLF endings are no URI. */
static void test_uri_list(void **state)
{
	static const char text[] = "# fleet\n  qemu+ssh://kvm1/system  \n\n\t# kvm2 is down\r\n"
				   "qemu+tls://kvm3.example.org/system\r\ntest:///x.xml#frag";
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct kh_err err;

	(void)state;
	assert_int_equal(kh_uri_list_parse(text, sizeof text - 1, "hosts", &v, &n, &cap, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "qemu+ssh://kvm1/system");
	assert_string_equal(v[1], "qemu+tls://kvm3.example.org/system");
	assert_string_equal(v[2], "test:///x.xml#frag");
	free_uris(v, n);

	v = NULL, n = cap = 0;
	assert_int_equal(kh_uri_list_parse("# none\n\n  \n", 10, "hosts", &v, &n, &cap, &err), -1);
	assert_string_equal(err.msg, "URI file 'hosts' names no URI");
	assert_int_equal(n, 0);
	assert_int_equal(kh_uri_list_parse("a\0b\n", 4, "hosts", &v, &n, &cap, &err), -1);
	assert_string_equal(err.msg, "URI file 'hosts' holds a NUL byte");
	assert_int_equal(n, 0);
	assert_int_equal(kh_uri_list_load("/nonexistent/hosts", &v, &n, &cap, &err), -1);
	assert_string_equal(err.msg,
			    "cannot read URI file '/nonexistent/hosts': No such file or directory");
	free_uris(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_empty_and_unset),
		cmocka_unit_test(test_repeated_uri_keeps_order),
		cmocka_unit_test(test_whitespace_comments_quotes),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_decimals),
		cmocka_unit_test(test_duplicate_scalars),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_uri_list),
		cmocka_unit_test(test_host_label),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
