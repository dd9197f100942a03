/* The option tables of cmd.h: GNU getopt_long does the parsing (abbreviations, --opt=value,
 * -jN, permutation, "--"), built from the table, so that no command calls it itself. */
#include "cmd/cmd.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* getopt_long's value for table entry i, above any letter */
#define OPT_VAL(i) (256 + (int)(i))

static void *field(void *dest, const struct kh_opt *o)
{
	return (char *)dest + o->off;
}

static void set_defaults(const struct kh_opt *t, size_t n, void *dest)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].type == KH_OPT_INT || t[i].type == KH_OPT_CHOICE)
			*(int *)field(dest, &t[i]) = t[i].def;
}

/* 0, or -1 when the value is not one the option takes. */
static int set_value(const struct kh_opt *o, const char *value, void *dest)
{
	struct kh_opt_list *l;
	struct kh_opt_value *v;

	switch (o->type) {
	case KH_OPT_OPERAND:
		break;
	case KH_OPT_FLAG:
	case KH_OPT_STOP:
		*(int *)field(dest, o) = 1;
		break;
	case KH_OPT_STRING:
		*(const char **)field(dest, o) = value;
		break;
	case KH_OPT_INT:
		return kh_parse_int(value, o->min, o->max, (int *)field(dest, o));
	case KH_OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (strcmp(value, o->choices[i]) == 0) {
				*(int *)field(dest, o) = i;
				return 0;
			}
		return -1;
	case KH_OPT_LIST:
		l = field(dest, o);
		v = KH_PUSH(l->v, l->n, l->cap);
		v->opt = o;
		v->value = value;
		break;
	}
	return 0;
}

int kh_opts_parse(const struct kh_opt *t, size_t n, int in_order, int argc, char **argv,
		  void *dest, struct kh_opt_error *e)
{
	struct option *lo = kh_calloc(n + 1, sizeof *lo);
	struct kh_buf shorts = { 0 };
	size_t n_lo = 0;
	int c, rc = -1;

	/* '+': stop at the first operand; ':': no messages of getopt's own, ':' for a
	 * missing value */
	kh_buf_puts(&shorts, in_order ? "+:" : ":");
	for (size_t i = 0; i < n; i++) {
		int has_arg = t[i].arg ? required_argument : no_argument;

		if (t[i].type == KH_OPT_OPERAND)
			continue;
		lo[n_lo++] = (struct option){ t[i].name, has_arg, NULL,
					      t[i].letter ? t[i].letter : OPT_VAL(i) };
		if (t[i].letter)
			kh_buf_printf(&shorts, "%c%s", t[i].letter, t[i].arg ? ":" : "");
	}
	set_defaults(t, n, dest);
	optind = 0; /* GNU getopt: start afresh */
	while ((c = getopt_long(argc, argv, shorts.data, lo, NULL)) != -1) {
		const struct kh_opt *o = NULL;

		memset(e, 0, sizeof *e);
		e->word = argv[optind - 1];
		if (c == ':') {
			e->kind = KH_OPT_NEEDS_VALUE;
			goto out;
		}
		for (size_t i = 0; i < n && o == NULL; i++)
			if (t[i].type != KH_OPT_OPERAND && (t[i].letter ? t[i].letter : OPT_VAL(i)) == c)
				o = &t[i];
		if (o == NULL) {
			e->kind = KH_OPT_UNKNOWN;
			e->letter = optopt && strncmp(e->word, "--", 2) != 0 ? optopt : 0;
			goto out;
		}
		if (set_value(o, optarg, dest) != 0) {
			e->kind = KH_OPT_BAD_VALUE;
			e->opt = o;
			e->value = optarg;
			goto out;
		}
		if (o->type == KH_OPT_STOP)
			break;
	}
	rc = optind;
out:
	free(lo);
	kh_buf_free(&shorts);
	return rc;
}

void kh_opts_clear(const struct kh_opt *t, size_t n, void *dest)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].type == KH_OPT_LIST) {
			struct kh_opt_list *l = field(dest, &t[i]);

			free(l->v);
			memset(l, 0, sizeof *l);
		}
}

int kh_cmd_parse(const struct kh_cmd *cmd, int argc, char **argv, void *dest, int *first)
{
	struct kh_opt_error e;
	const struct kh_opt *o;
	struct kh_buf b = { 0 };
	int rc;

	*first = kh_opts_parse(cmd->opts, cmd->n_opts, 0, argc, argv, dest, &e);
	if (*first >= 0) {
		if (cmd->max_args != KH_ARGS_ANY && argc - *first > cmd->max_args)
			return kh_usage_error(cmd, "unexpected argument '%s'",
					      argv[*first + cmd->max_args]);
		return KH_EXIT_OK;
	}
	switch (e.kind) {
	case KH_OPT_NEEDS_VALUE:
		return kh_usage_error(cmd, "option '%s' needs a value", e.word);
	case KH_OPT_UNKNOWN:
		if (e.letter)
			return kh_usage_error(cmd, "unknown option '-%c'", e.letter);
		return kh_usage_error(cmd, "unknown option '%s'", e.word);
	case KH_OPT_BAD_VALUE:
	default:
		break;
	}
	o = e.opt;
	if (o->type == KH_OPT_CHOICE) {
		for (int i = 0; o->choices[i]; i++)
			kh_buf_printf(&b, "%s%s", i ? ", " : "", o->choices[i]);
		rc = kh_usage_error(cmd, "unknown %s '%s' (%s)", o->name, e.value, b.data);
		kh_buf_free(&b);
		return rc;
	}
	kh_buf_printf(&b, "%s%s%d to %d", o->unit ? o->unit : "", o->unit ? ", " : "", o->min,
		      o->max);
	if (o->what)
		rc = kh_usage_error(cmd, "invalid %s '%s' for '--%s' (%s)", o->what, e.value,
				    o->name, b.data);
	else
		rc = kh_usage_error(cmd, "invalid --%s '%s' (%s)", o->name, e.value, b.data);
	kh_buf_free(&b);
	return rc;
}

/* "-c, --connect URI", "--json", or an operand's name. */
static void label(struct kh_buf *b, const struct kh_opt *o)
{
	if (o->type == KH_OPT_OPERAND) {
		kh_buf_puts(b, o->name);
		return;
	}
	if (o->letter)
		kh_buf_printf(b, "-%c, ", o->letter);
	kh_buf_printf(b, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void kh_opts_help(FILE *f, const struct kh_opt *t, size_t n, int col)
{
	struct kh_buf b = { 0 };

	if (col == 0) {
		for (size_t i = 0; i < n; i++) {
			b.len = 0;
			label(&b, &t[i]);
			if (2 + (int)b.len + 2 > col)
				col = 2 + (int)b.len + 2;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *h = t[i].help;

		b.len = 0;
		label(&b, &t[i]);
		fprintf(f, "  %s%*s", b.data, 2 + (int)b.len < col ? col - 2 - (int)b.len : 1, "");
		for (const char *nl; (nl = strchr(h, '\n')) != NULL; h = nl + 1)
			fprintf(f, "%.*s\n%*s", (int)(nl - h), h, col, "");
		fprintf(f, "%s\n", h);
	}
	kh_buf_free(&b);
}

void kh_opts_list(FILE *f, const struct kh_opt *t, size_t n)
{
	static const char *const kinds[] = { "value", "file", "dir", "host", "uri" };

	for (size_t i = 0; i < n; i++) {
		const struct kh_opt *o = &t[i];

		if (o->type == KH_OPT_OPERAND)
			continue;
		fprintf(f, "--%s\t", o->name);
		if (o->letter)
			fprintf(f, "-%c\t", o->letter);
		else
			fputs("-\t", f);
		if (o->arg == NULL)
			fputs("flag\t-", f);
		else if (o->type == KH_OPT_CHOICE)
			fputs("choice\t", f);
		else
			fprintf(f, "%s\t-", kinds[o->complete]);
		for (int j = 0; o->type == KH_OPT_CHOICE && o->choices[j]; j++)
			fprintf(f, "%s%s", j ? " " : "", o->choices[j]);
		fputc('\n', f);
	}
}
