/* What the cmocka suites share: reading fixture files, and a scratch directory per test.
 * Include after <cmocka.h>. Static inline: each suite is its own program. */
#ifndef KH_TEST_HELPERS_H
#define KH_TEST_HELPERS_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* The whole file, NUL-terminated (*len, when asked, its size); NULL when unreadable. */
static inline char *kh_test_try_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (len)
		*len = 0;
	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = kh_malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* The same, failing the test when the file cannot be read. */
static inline char *kh_test_slurp(const char *path, size_t *len)
{
	char *buf = kh_test_try_slurp(path, len);

	if (buf == NULL)
		fail_msg("cannot read %s", path);
	return buf;
}

/* The first column of the one row `sql` gives, read with SQLite itself, not through store/. */
static inline int64_t kh_test_count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* A fresh directory under /tmp and a path in it (not created) for the test's database. */
struct kh_test_dir {
	char dir[64];
	char *path;
};

static inline struct kh_test_dir *kh_test_dir_new(const char *tag, const char *file)
{
	struct kh_test_dir *d = kh_calloc(1, sizeof *d);

	snprintf(d->dir, sizeof d->dir, "/tmp/kvmhist-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(d->dir));
	d->path = kh_asprintf("%s/%s", d->dir, file);
	return d;
}

static inline void kh_test_dir_free(struct kh_test_dir *d)
{
	char *cmd = kh_asprintf("rm -rf '%s'", d->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(d->path);
	free(d);
}

#endif
