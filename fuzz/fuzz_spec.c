/* libFuzzer: SNAP and SPEC resolved against a small real database (two hosts, four
 * snapshots) made once in a temporary directory. */
#include "fuzz/fuzz.h"
#include "store/store.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct kh_store *st;
static char dir[] = "/tmp/kvmhist-fuzz-spec-XXXXXX";
static char *path;

static void cleanup(void)
{
	char *wal = kh_asprintf("%s-wal", path), *shm = kh_asprintf("%s-shm", path);

	kh_store_close(st);
	unlink(path);
	unlink(wal);
	unlink(shm);
	rmdir(dir);
	free(wal);
	free(shm);
	free(path);
}

static void put(const char *uri, int64_t t)
{
	struct kh_snapshot *s = kh_snapshot_new();
	struct kh_domain *d = kh_snapshot_add_domain(s);
	struct kh_err err;

	s->host.uri = kh_strdup(uri);
	s->host.hostname = kh_strdup("vm1");
	s->taken_at = t;
	d->name = kh_strdup("aries");
	d->uuid = kh_strdup("6dad7601-55da-4594-8357-487a737fe376");
	if (kh_store_put(st, s, &err) != 0)
		abort();
	kh_snapshot_free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kh_err err;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	path = kh_asprintf("%s/kh.db", dir);
	if (kh_store_open(path, KH_OPEN_CREATE, &st, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	atexit(cleanup);
	put("test:///a", 1795143600); /* 2026-11-20T03:00:00Z */
	put("test:///b", 1795150000);
	put("test:///a", 1795230000);
	put("test:///a", 1795316400);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = kh_strndup((const char *)data, size);
	const int64_t now = 1795400000;
	struct kh_err err;
	int64_t id, t;

	kh_store_resolve(st, s, NULL, now, &id, &err);
	kh_store_resolve(st, s, "test:///a", now, &id, &err);
	kh_store_bound(st, s, NULL, 0, now, &t, &err);
	kh_store_bound(st, s, "vm1", 1, now, &t, &err);
	/* the input as a host name, too */
	kh_store_resolve(st, "latest~1", s, now, &id, &err);
	free(s);
	return 0;
}
