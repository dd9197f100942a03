/* The kinds' field tables (store/kind.c): that they describe their structs whole, and that a
 * row is all it takes for a field to be stored, read back, compared and shown: every field
 * of every kind, set to a value of its own, survives a put and a load and reaches show's
 * JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/helpers.h"

#include <jansson.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/show.h"
#include "store/kind.h"
#include "store/model.h"
#include "store/store.h"
#include "util/mem.h"

static int setup(void **state)
{
	*state = kh_test_dir_new("kind", "k.db");
	return 0;
}

static int teardown(void **state)
{
	kh_test_dir_free(*state);
	return 0;
}

/* A member's size and alignment by its field type. */
static size_t type_size(enum kh_field_type t)
{
	return t == KH_FT_NUM ? sizeof(int64_t) : t == KH_FT_FLAG ? sizeof(int) : sizeof(char *);
}

static size_t type_align(enum kh_field_type t)
{
	return t == KH_FT_NUM ? alignof(int64_t) : t == KH_FT_FLAG ? alignof(int) : alignof(char *);
}

struct span_of {
	size_t at, size, align;
	const char *name;
};

static int cmp_at(const void *a, const void *b)
{
	const struct span_of *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

/* The rows tile the struct: no two overlap, and nothing but padding lies between them, so
 * a member added without its row (at least as wide as its alignment) leaves a hole. */
static void test_tables_cover_structs(void **state)
{
	(void)state;
	for (int k = 0; k < KH_N_KINDS; k++) {
		const struct kh_kind *kind = kh_all_kinds[k];
		struct span_of s[32];
		size_t n = 0, end = 0;

		assert_int_equal(kh_kind_index(kind), k);
		for (size_t i = 0; i < kind->n_fields; i++) {
			const struct kh_kind_field *f = &kind->fields[i];

			assert_true(n + 2 <= sizeof s / sizeof s[0]);
			s[n++] = (struct span_of){ f->offset, type_size(f->type), type_align(f->type),
						   f->name };
			if (f->type == KH_FT_CHILDREN)
				s[n++] = (struct span_of){ f->count, sizeof(size_t), alignof(size_t),
							   f->name };
		}
		qsort(s, n, sizeof s[0], cmp_at);
		for (size_t i = 0; i < n; i++) {
			if (s[i].at < end)
				fail_msg("%s.%s overlaps the field before it", kind->name, s[i].name);
			if (s[i].at - end >= s[i].align)
				fail_msg("%s: a member between offsets %zu and %zu has no row", kind->name,
					 end, s[i].at);
			end = s[i].at + s[i].size;
		}
		if (kind->size - end >= alignof(int64_t))
			fail_msg("%s: a member after offset %zu has no row", kind->name, end);
	}
}

/* What the derived code assumes of the rows. */
static void test_tables_are_consistent(void **state)
{
	(void)state;
	for (int k = 0; k < KH_N_KINDS; k++) {
		const struct kh_kind *kind = kh_all_kinds[k];
		size_t n_xml = 0, n_nums = 0, n_measured = 0;

		for (size_t i = 0; i < kind->n_fields; i++) {
			const struct kh_kind_field *f = &kind->fields[i];

			for (size_t j = 0; j < i; j++)
				assert_string_not_equal(kind->fields[j].name, f->name);
			/* names become SQL text (store/row.c): identifiers only */
			assert_int_equal(strspn(f->name, "abcdefghijklmnopqrstuvwxyz_"),
					 strlen(f->name));
			n_xml += f->type == KH_FT_XML;
			n_nums += (f->flags & KH_F_XML_NUM) != 0;
			n_measured += (f->flags & KH_F_MEASURED) != 0;
			if (f->flags & (KH_F_MEASURED | KH_F_XML_NUM | KH_F_LINKED | KH_F_TIME))
				assert_int_equal(f->type, KH_FT_NUM);
			if (f->flags & KH_F_KNOWN)
				assert_int_equal(f->type, KH_FT_FLAG);
			if (f->flags & KH_F_DIFF)
				assert_true(f->type == KH_FT_TEXT || f->type == KH_FT_NUM ||
					    f->type == KH_FT_FLAG);
			if (f->type == KH_FT_CHILDREN)
				assert_non_null(f->child->parent);
		}
		assert_true(n_xml <= KH_MAX_XML);
		assert_true(n_nums <= KH_MAX_NUMS);
		assert_true(n_measured <= KH_MAX_MEASURED); /* size rows have two columns */
		assert_int_equal(strspn(kind->name, "abcdefghijklmnopqrstuvwxyz_"), strlen(kind->name));
		assert_true(kind->parent == NULL ||
			    strspn(kind->parent, "abcdefghijklmnopqrstuvwxyz_") == strlen(kind->parent));
		if (kind->span >= 0) {
			assert_ptr_equal(kh_span_kinds[kind->span], kind);
			assert_non_null(kh_kind_field(kind, "name"));
			assert_non_null(kh_kind_field(kind, "xml"));
			assert_non_null(kh_kind_field(kind, kind->ident[0]));
			assert_true(kind->ident[1] == NULL || kh_kind_field(kind, kind->ident[1]));
		}
	}
}

/* Every field of obj set to a value of its own: text "KIND.FIELD", numbers and flags from
 * a counter; children two each. */
static void fill(const struct kh_kind *k, void *obj, int64_t *counter)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		switch (f->type) {
		case KH_FT_TEXT:
		case KH_FT_WORDS:
			kh_field_set_text(f, obj, kh_asprintf("%s.%s %" PRId64, k->name, f->name,
							      (*counter)++));
			break;
		case KH_FT_XML:
			kh_field_set_text(f, obj, kh_asprintf("<%s n='%" PRId64 "'/>", k->name,
							      (*counter)++));
			break;
		case KH_FT_NUM:
			kh_field_set_num(f, obj, 1000 + (*counter)++);
			break;
		case KH_FT_FLAG:
			kh_field_set_num(f, obj, (*counter)++ % 2);
			break;
		case KH_FT_CHILDREN:
			for (int c = 0; c < 2; c++)
				fill(f->child, kh_kind_push_child(f, obj), counter);
			break;
		}
	}
}

/* a and b hold the same values in every field (XML too, numbers too). */
static void assert_same(const struct kh_kind *k, const void *a, const void *b)
{
	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];

		if (f->type == KH_FT_CHILDREN) {
			size_t na, nb;
			const void *x = kh_field_children(f, a, &na), *y = kh_field_children(f, b, &nb);

			assert_int_equal(na, nb);
			for (size_t j = 0; j < na; j++)
				assert_same(f->child, kh_kind_at(f->child, x, j),
					    kh_kind_at(f->child, y, j));
		} else if (f->type == KH_FT_NUM || f->type == KH_FT_FLAG) {
			if (kh_field_num(f, a) != kh_field_num(f, b))
				fail_msg("%s.%s: %" PRId64 " read back as %" PRId64, k->name, f->name,
					 kh_field_num(f, a), kh_field_num(f, b));
		} else {
			const char *x = kh_field_text(f, a), *y = kh_field_text(f, b);

			if (x == NULL ? y != NULL : y == NULL || strcmp(x, y) != 0)
				fail_msg("%s.%s: \"%s\" read back as \"%s\"", k->name, f->name,
					 x ? x : "(null)", y ? y : "(null)");
		}
	}
}

/* The disks' sizes are stored when they name no pool (the filled ones name one that no
 * volume has, so linking changes nothing). */
static struct kh_snapshot *filled_snapshot(void)
{
	struct kh_snapshot *s = kh_snapshot_new();
	int64_t counter = 1;

	fill(&kh_host_kind, &s->host, &counter);
	s->taken_at = 1795132800;
	for (int k = 0; k < KH_SPAN_KINDS; k++)
		fill(kh_span_kinds[k], kh_kind_push(kh_span_kinds[k], s), &counter);
	for (size_t i = 0; i < s->domains[0].n_disks; i++) {
		free(s->domains[0].disks[i].pool);
		s->domains[0].disks[i].pool = NULL;
	}
	kh_snapshot_sort(s);
	return s;
}

static void test_every_field_round_trips(void **state)
{
	struct kh_test_dir *d = *state;
	struct kh_snapshot *s = filled_snapshot(), *back;
	struct kh_store *st;
	struct kh_err err;

	assert_int_equal(kh_store_open(d->path, KH_OPEN_CREATE, &st, &err), 0);
	assert_int_equal(kh_store_put(st, s, &err), 0);
	assert_int_equal(kh_store_load(st, s->id, &back, &err), 0);
	assert_int_equal(back->taken_at, s->taken_at);
	assert_same(&kh_host_kind, &s->host, &back->host);
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		size_t na, nb;
		const void *a = kh_kind_items(kind, s, &na), *b = kh_kind_items(kind, back, &nb);

		assert_int_equal(na, 1);
		assert_int_equal(nb, 1);
		assert_same(kind, a, b);
		assert_true(kh_kind_same_version(kind, a, b));
	}
	kh_snapshot_free(back);
	/* the same again is the same versions: nothing new stored */
	s->taken_at += 86400;
	assert_int_equal(kh_store_put(st, s, &err), 0);
	kh_store_close(st);
	assert_int_equal(kh_test_count(d->path, "SELECT count(*) FROM span"), KH_SPAN_KINDS);
	assert_int_equal(kh_test_count(d->path, "SELECT count(*) FROM disk"), 2);
	kh_snapshot_free(s);
}

/* A measured number that moves makes a size row, not a version; one that is part of the
 * version makes a new version. */
static void test_measured_is_not_version(void **state)
{
	struct kh_test_dir *d = *state;
	struct kh_snapshot *s = filled_snapshot();
	struct kh_store *st;
	struct kh_err err;

	assert_int_equal(kh_store_open(d->path, KH_OPEN_CREATE, &st, &err), 0);
	assert_int_equal(kh_store_put(st, s, &err), 0);
	s->volumes[0].allocation += 4096;
	s->taken_at += 86400;
	assert_int_equal(kh_store_put(st, s, &err), 0);
	assert_int_equal(kh_test_count(d->path, "SELECT count(*) FROM volume"), 1);
	assert_int_equal(kh_test_count(d->path, "SELECT count(*) FROM size WHERE kind = 2"), 2);
	s->volumes[0].capacity += 4096;
	s->taken_at += 86400;
	assert_int_equal(kh_store_put(st, s, &err), 0);
	assert_int_equal(kh_test_count(d->path, "SELECT count(*) FROM volume"), 2);
	kh_store_close(st);
	kh_snapshot_free(s);
}

/* show's JSON has every field of every kind but the XML, under its name. */
static void test_show_json_has_every_field(void **state)
{
	struct kh_snapshot *s = filled_snapshot();
	char *text = kh_show_json(s);
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	(void)state;
	assert_non_null(j);
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		json_t *o = json_array_get(json_object_get(j, kind->plural), 0);

		assert_non_null(o);
		for (size_t i = 0; i < kind->n_fields; i++) {
			const struct kh_kind_field *f = &kind->fields[i];

			if (f->type == KH_FT_XML)
				assert_null(json_object_get(o, f->name));
			else if (json_object_get(o, f->name) == NULL)
				fail_msg("show --json: %s has no \"%s\"", kind->name, f->name);
		}
	}
	json_decref(j);
	free(text);
	kh_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_cover_structs),
		cmocka_unit_test(test_tables_are_consistent),
		cmocka_unit_test_setup_teardown(test_every_field_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measured_is_not_version, setup, teardown),
		cmocka_unit_test(test_show_json_has_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
