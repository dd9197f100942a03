/* libFuzzer: reading a stored XML body (store/body.c) from bytes that may be anything: a
 * damaged database must give an error naming the body, never a crash or a wrong text. The
 * first byte says how the rest is stored: 0 a frame of dictionary 1, 1 a delta against
 * body 1, 2 a frame alone, 3 plain text. */
#include "fuzz/fuzz.h"
#include "store/internal.h"
#include "store/schema.h"

#include <stdlib.h>
#include <string.h>

static struct kh_store st = { .path = "fuzz.db" };

#define BASE "<domain type='kvm'>\n  <name>base</name>\n  <memory unit='KiB'>1048576</memory>\n</domain>\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kh_err err;
	sqlite3_stmt *s;

	(void)argc;
	(void)argv;
	if (sqlite3_open(":memory:", &st.db) != SQLITE_OK)
		abort();
	for (int v = 1; v <= KH_SCHEMA_VERSION; v++)
		if (sqlite3_exec(st.db, kh_schema_migration(v), NULL, NULL, NULL) != SQLITE_OK ||
		    kh_schema_step(&st, v, &err) != 0)
			abort();
	/* a raw-content dictionary: zstd takes any bytes as one */
	if (sqlite3_prepare_v2(st.db, "INSERT INTO xml_dict(id, samples, last_xml, dict)"
			       " VALUES (1, 1, 0, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_blob(s, 1, BASE BASE, (int)strlen(BASE BASE), SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		abort();
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(st.db, "INSERT INTO xml(id, hash, body) VALUES (1, 0, ?)", -1, &s,
			       NULL) != SQLITE_OK)
		abort();
	sqlite3_bind_text(s, 1, BASE, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		abort();
	sqlite3_finalize(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kh_err err;
	sqlite3_stmt *s;
	char *text = NULL;

	if (size < 1)
		return 0;
	if (sqlite3_prepare_v2(st.db, "INSERT INTO xml(id, hash, body, dict_id, base_id)"
			       " VALUES (2, 0, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK)
		abort();
	if (data[0] % 4 == 3)
		sqlite3_bind_text(s, 1, (const char *)data + 1, (int)size - 1, SQLITE_STATIC);
	else
		sqlite3_bind_blob(s, 1, data + 1, (int)size - 1, SQLITE_STATIC);
	if (data[0] % 4 == 0)
		sqlite3_bind_int(s, 2, 1);
	if (data[0] % 4 == 1)
		sqlite3_bind_int(s, 3, 1);
	if (sqlite3_step(s) != SQLITE_DONE)
		abort();
	sqlite3_finalize(s);
	if (kh_body_get(&st, 2, &text, &err) == 0) {
		if (text == NULL)
			abort();
	} else if (strncmp(err.msg, "XML 2: ", 7) != 0) {
		abort(); /* the error names the body */
	}
	free(text);
	if (kh_body_verify(&st, 2, &err) == 0 && data[0] % 4 != 3)
		abort(); /* its hash (0) is no text's: a frame cannot pass */
	sqlite3_exec(st.db, "DELETE FROM xml WHERE id = 2", NULL, NULL, NULL);
	kh_body_forget(&st); /* id 2 is reused by the next input */
	return 0;
}
