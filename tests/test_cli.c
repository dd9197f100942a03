/* The command framework: option tables (cmd/opt.c) and the one parser of whole numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "util/str.h"

static void test_parse_int(void **state)
{
	int v = 42;

	(void)state;
	assert_int_equal(kh_parse_int("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(kh_parse_int("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(kh_parse_int("100000", 0, 100000, &v), 0);
	assert_int_equal(v, 100000);
	assert_int_equal(kh_parse_int("2147483647", 0, 2147483647, &v), 0);
	assert_int_equal(v, 2147483647);
	v = 42;
	/* nothing but digits, within the range; *out untouched otherwise */
	static const char *const bad[] = { "", "-1", "+3", " 5", "5 ", "1.5", "0x10", "x",
					   "100001", "2147483648", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(kh_parse_int(bad[i], 0, 100000, &v), -1);
	assert_int_equal(kh_parse_int("0", 1, 1024, &v), -1);
	assert_int_equal(v, 42);
}

static void test_str(void **state)
{
	(void)state;
	assert_true(kh_strcmp_null(NULL, "") < 0);
	assert_true(kh_strcmp_null("", NULL) > 0);
	assert_int_equal(kh_strcmp_null(NULL, NULL), 0);
	assert_true(kh_strcmp_null("a", "b") < 0);
	assert_true(kh_str_eq(NULL, NULL));
	assert_false(kh_str_eq(NULL, ""));
	assert_true(kh_str_eq("x", "x"));
	assert_int_equal(kh_strcmp_empty(NULL, ""), 0);
	assert_true(kh_strcmp_empty(NULL, "a") < 0);
	/* the published FNV-1a test vectors */
	assert_true(kh_fnv1a(KH_FNV1A_BASIS, "", 0) == 0xcbf29ce484222325ULL);
	assert_true(kh_fnv1a(KH_FNV1A_BASIS, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(kh_fnv1a(KH_FNV1A_BASIS, "foobar", 6) == 0x85944171f73967e8ULL);
}

struct t_opts {
	const char *name;
	int flag, n, fmt, stop;
	struct kh_opt_list list;
};

static const char *const fmts[] = { "text", "json", NULL };

#define O(f) offsetof(struct t_opts, f)
static const struct kh_opt t_table[] = {
	{ .name = "ARG", .type = KH_OPT_OPERAND, .help = "an operand" },
	{ .name = "name", .type = KH_OPT_STRING, .arg = "S", .off = O(name), .help = "a name" },
	{ .name = "flag", .letter = 'f', .type = KH_OPT_FLAG, .off = O(flag), .help = "a flag" },
	{ .name = "count", .letter = 'n', .type = KH_OPT_INT, .arg = "N", .off = O(n), .min = 1,
	  .max = 9, .def = 5, .help = "a count\nof things" },
	{ .name = "format", .type = KH_OPT_CHOICE, .arg = "F", .off = O(fmt), .choices = fmts,
	  .def = 0, .help = "a choice" },
	{ .name = "add", .letter = 'a', .type = KH_OPT_LIST, .arg = "X", .off = O(list),
	  .help = "one more" },
	{ .name = "also", .type = KH_OPT_LIST, .arg = "X", .off = O(list), .help = "the same" },
	{ .name = "stop", .type = KH_OPT_STOP, .off = O(stop), .help = "stops" },
};
#define N_T (sizeof t_table / sizeof *t_table)

/* Parses the words (a NULL-terminated list after the command's name) into *o. */
static int parse(struct t_opts *o, char **argv, struct kh_opt_error *e)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(o, 0, sizeof *o);
	return kh_opts_parse(t_table, N_T, 0, argc, argv, o, e);
}

static void test_parse(void **state)
{
	char *a1[] = { "t", "x", "--name", "n1", "-fn3", "--add", "a", "y", "--also=b", "-a", "c",
		       "--form", "json", "--", "--flag", NULL };
	char *a2[] = { "t", NULL };
	struct kh_opt_error e;
	struct t_opts o;
	int first;

	(void)state;
	first = parse(&o, a1, &e);
	/* operands permuted to the end, in order; "--" ends the options */
	assert_int_equal(first, 12);
	assert_string_equal(a1[12], "x");
	assert_string_equal(a1[13], "y");
	assert_string_equal(a1[14], "--flag");
	assert_string_equal(o.name, "n1");
	assert_int_equal(o.flag, 1);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.fmt, 1); /* an abbreviation of --format */
	assert_int_equal(o.list.n, 3);
	assert_string_equal(o.list.v[0].value, "a");
	assert_string_equal(o.list.v[0].opt->name, "add");
	assert_string_equal(o.list.v[1].value, "b");
	assert_string_equal(o.list.v[1].opt->name, "also");
	assert_string_equal(o.list.v[2].value, "c");
	kh_opts_clear(t_table, N_T, &o);
	assert_null(o.list.v);

	/* defaults */
	assert_int_equal(parse(&o, a2, &e), 1);
	assert_int_equal(o.n, 5);
	assert_int_equal(o.fmt, 0);
	assert_null(o.name);
}

static void test_parse_errors(void **state)
{
	char *unknown_long[] = { "t", "--bogus=1", NULL };
	char *unknown_short[] = { "t", "-z", NULL };
	char *needs[] = { "t", "--name", NULL };
	char *needs_short[] = { "t", "-n", NULL };
	char *bad_int[] = { "t", "--count", "10", NULL };
	char *bad_choice[] = { "t", "--format", "pdf", NULL };
	char *stop[] = { "t", "--stop", "--bogus", NULL };
	struct kh_opt_error e;
	struct t_opts o;

	(void)state;
	assert_int_equal(parse(&o, unknown_long, &e), -1);
	assert_int_equal(e.kind, KH_OPT_UNKNOWN);
	assert_int_equal(e.letter, 0);
	assert_string_equal(e.word, "--bogus=1");
	assert_int_equal(parse(&o, unknown_short, &e), -1);
	assert_int_equal(e.kind, KH_OPT_UNKNOWN);
	assert_int_equal(e.letter, 'z');
	assert_int_equal(parse(&o, needs, &e), -1);
	assert_int_equal(e.kind, KH_OPT_NEEDS_VALUE);
	assert_string_equal(e.word, "--name");
	assert_int_equal(parse(&o, needs_short, &e), -1);
	assert_int_equal(e.kind, KH_OPT_NEEDS_VALUE);
	assert_string_equal(e.word, "-n");
	assert_int_equal(parse(&o, bad_int, &e), -1);
	assert_int_equal(e.kind, KH_OPT_BAD_VALUE);
	assert_string_equal(e.opt->name, "count");
	assert_string_equal(e.value, "10");
	assert_int_equal(parse(&o, bad_choice, &e), -1);
	assert_int_equal(e.kind, KH_OPT_BAD_VALUE);
	assert_string_equal(e.opt->name, "format");
	/* a stop ends the parse where it stands: what follows is not looked at */
	assert_int_equal(parse(&o, stop, &e), 2);
	assert_int_equal(o.stop, 1);
}

/* --help and the completion's list, from the same table. */
static void test_help_and_list(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&buf, &len);
	kh_opts_help(f, t_table, N_T, 0);
	fclose(f);
	assert_string_equal(buf, "  ARG            an operand\n"
				 "  --name S       a name\n"
				 "  -f, --flag     a flag\n"
				 "  -n, --count N  a count\n"
				 "                 of things\n"
				 "  --format F     a choice\n"
				 "  -a, --add X    one more\n"
				 "  --also X       the same\n"
				 "  --stop         stops\n");
	free(buf);
	f = open_memstream(&buf, &len);
	kh_opts_list(f, t_table, 3);
	fclose(f);
	assert_string_equal(buf, "--name\t-\tvalue\t-\n--flag\t-f\tflag\t-\n");
	free(buf);
}

static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)) != NULL; p += n)
		if ((p == s || strchr(" [|", p[-1])) && strchr(" ]|.\n", p[n]))
			return 1;
	return 0;
}

/* Every --name the usage line shows is an option of the table: the two cannot drift. */
static void check_usage_names(const char *cmd, const char *usage, const struct kh_opt *t,
			      size_t n)
{
	for (const char *p = usage; (p = strstr(p, "--")) != NULL;) {
		size_t len = strspn(p += 2, "abcdefghijklmnopqrstuvwxyz-");
		int known = 0;

		for (size_t i = 0; i < n && !known; i++)
			known = t[i].type != KH_OPT_OPERAND && strlen(t[i].name) == len &&
				strncmp(t[i].name, p, len) == 0;
		if (!known)
			fail_msg("kvmhist %s: usage names --%.*s, which it has no option for", cmd,
				 (int)len, p);
		p += len;
	}
}

/* Every table is sound, and every option is in its command's usage line. */
static void check_table(const char *cmd, const char *usage, const struct kh_opt *t, size_t n)
{
	if (usage)
		check_usage_names(cmd, usage, t, n);
	for (size_t i = 0; i < n; i++) {
		const struct kh_opt *o = &t[i];
		char lng[64], shrt[4];

		assert_non_null(o->name);
		assert_non_null(o->help);
		if (o->type == KH_OPT_OPERAND)
			continue;
		/* -h is --help everywhere */
		assert_true(o->letter != 'h' || strcmp(o->name, "help") == 0);
		assert_true((o->arg != NULL) ==
			    (o->type != KH_OPT_FLAG && o->type != KH_OPT_STOP));
		if (o->type == KH_OPT_INT) {
			assert_true(o->min <= o->max);
			assert_true(o->def == -1 || (o->def >= o->min && o->def <= o->max));
		}
		if (o->type == KH_OPT_CHOICE) {
			assert_non_null(o->choices);
			assert_non_null(o->choices[o->def]);
		}
		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(o->name, t[j].name);
			assert_true(o->letter == 0 || o->letter != t[j].letter);
		}
		if (usage == NULL)
			continue;
		snprintf(lng, sizeof lng, "--%s", o->name);
		snprintf(shrt, sizeof shrt, "-%c", o->letter);
		if (!has_word(usage, lng) && !(o->letter && has_word(usage, shrt)))
			fail_msg("kvmhist %s: option %s is not in its usage line", cmd, lng);
	}
}

static void test_tables(void **state)
{
	(void)state;
	check_table("", "[--db PATH] [--config FILE] [-q] [-v] --help --version", kh_global_opts,
		    kh_n_global_opts);
	for (size_t i = 0; i < kh_n_commands; i++) {
		const struct kh_cmd *c = kh_commands[i];

		assert_ptr_equal(kh_cmd_find(c->name), c);
		assert_true(c->n_opts == 0 || c->opts_size > 0);
		check_table(c->name, c->usage, c->opts, c->n_opts);
	}
	assert_null(kh_cmd_find("nosuch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_help_and_list),
		cmocka_unit_test(test_tables),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
