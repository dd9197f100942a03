/* kh-sql DB SQL: runs SQL on a kvmhist database as sqlite3 -list would (columns joined by
 * '|', one row a line), with kvmhist's SQL function kh_xml registered, so end-to-end tests
 * can read and change XML bodies that are stored compressed (store/body.c):
 *   kh-sql DB "SELECT kh_xml(id, hash, body, dict_id, base_id) FROM xml"
 * The view xml_text(id, text) is made for it in a temporary schema. */
#include "store/internal.h"

#include <stdio.h>

static int row(void *unused, int n, char **v, char **names)
{
	(void)unused;
	(void)names;
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", v[i] ? v[i] : "");
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	struct kh_store *st;
	struct kh_err err;
	char *msg = NULL;

	if (argc != 3) {
		fputs("usage: kh-sql DB SQL\n", stderr);
		return 2;
	}
	if (kh_store_open(argv[1], KH_OPEN_EXISTING, &st, &err)) {
		fprintf(stderr, "kh-sql: %s\n", err.msg);
		return 2;
	}
	if (sqlite3_exec(st->db, "CREATE TEMP VIEW xml_text(id, text) AS SELECT id,"
			 " kh_xml(id, hash, body, dict_id, base_id) FROM main.xml", NULL, NULL,
			 &msg) != SQLITE_OK ||
	    sqlite3_exec(st->db, argv[2], row, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "kh-sql: %s\n", msg ? msg : "error");
		sqlite3_free(msg);
		kh_store_close(st);
		return 2;
	}
	kh_store_close(st);
	return 0;
}
