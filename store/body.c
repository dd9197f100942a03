/* XML bodies as stored (schema 7): one row of table xml per distinct body, found by the
 * hash of its text. A body is
 *   - a zstd frame made with a dictionary (dict_id, a row of xml_dict) trained on the
 *     host's own XML: small documents on their own compress badly, with a dictionary of
 *     what they share (element names, the layout libvirt writes) they compress well;
 *   - or a zstd frame made against another body (base_id: the keyframe of the object's
 *     previous version, a domain's live XML against its persistent one) as its prefix, i.e.
 *     a delta: a new version that changed one number costs some 25 bytes. Deltas are made
 *     against keyframes, so reading a body decompresses at most two or three frames (a
 *     database may hold longer chains, up to KH_BODY_CHAIN, and reads them);
 *   - or plain text (a TEXT value), until there is a dictionary, or where nothing is
 *     smaller.
 * Frames are kept without zstd's magic number and dictionary id (the row says which), with
 * zstd's checksum, which every read verifies: damage is an error, never wrong text.
 * `kvmhist check` also compares every body's text with its hash.
 * Readers get the text through the SQL function kh_xml(id, hash, body, dict_id, base_id),
 * which keeps the dictionaries and the bodies it decoded last. */
#include "store/internal.h"
#include "util/buf.h"
#include "util/str.h"

#define ZDICT_STATIC_LINKING_ONLY /* ZDICT_trainFromBuffer_fastCover: see train_dict */
#include <zdict.h>
#include <zstd.h>

#include <stdlib.h>
#include <string.h>

/* The longest chain of deltas: reading a body decompresses at most this many deltas and
 * the keyframe under them. */
#define KH_BODY_CHAIN 16
/* A dictionary's size. On the bench estate's first month, bodies and dictionary together
 * were smallest with 16 KiB (445 KB of bodies; 32 and 64 KiB saved 2 and 4 % of that and
 * cost 16 and 48 KiB more). */
#define DICT_BYTES (16 * 1024)
/* Trained once the bodies without one hold this much: fewer give a dictionary that knows
 * too little. The samples are at most SAMPLE_BYTES (spread over all of them). */
#define TRAIN_MIN_BYTES (8 * DICT_BYTES)
#define TRAIN_MIN_SAMPLES 64
#define SAMPLE_BYTES (1024 * 1024)
/* A new dictionary once this many keyframes (bodies that are no delta) were stored since
 * the latest was trained, times its samples: the estate has become another one. */
#define RETRAIN_FACTOR 4
/* zstd's level: 9 made small documents 5 % smaller than 3 and the first night's put slower
 * by a third */
#define LEVEL 3
/* Decoded bodies kept, by id: a delta's base is mostly the version read just before. */
#define CACHE 256
#define MAX_DICTS 64

enum { Q_GET, Q_FIND, Q_ADD, Q_DICT, Q_DICT_LATEST, Q_MAX };
static const char *const q_sql[Q_MAX] = {
	[Q_GET] = "SELECT hash, body, dict_id, base_id FROM xml WHERE id = ?",
	[Q_FIND] = "SELECT id, body, dict_id, base_id FROM xml WHERE hash = ?",
	[Q_ADD] = "INSERT INTO xml(hash, body, dict_id, base_id) VALUES (?, ?, ?, ?)",
	[Q_DICT] = "SELECT dict FROM xml_dict WHERE id = ?",
	[Q_DICT_LATEST] = "SELECT id, dict FROM xml_dict ORDER BY id DESC LIMIT 1",
};

struct cached {
	int64_t id;
	int depth;
	char *text;
	size_t len;
};

struct dict {
	int64_t id;
	ZSTD_DDict *d;
	ZSTD_CDict *c; /* only the latest: new bodies use it */
};

struct kh_bodies {
	sqlite3_stmt *q[Q_MAX];
	ZSTD_DCtx *dctx;
	ZSTD_CCtx *cctx;
	struct dict dicts[MAX_DICTS];
	size_t n_dicts;
	int64_t latest;         /* the latest dictionary's id; 0 none; -1 not looked up */
	struct cached cache[CACHE];
	struct kh_buf samples;  /* kh_body_sample's, for the first dictionary */
	size_t *sample_len, n_samples, cap_samples;
};

/* Only a lookup key and a check; bodies are compared before one is reused. */
static int64_t text_hash(const char *s, size_t n)
{
	return (int64_t)(kh_fnv1a(KH_FNV1A_BASIS, s, n) >> 1);
}

static struct kh_bodies *bodies(struct kh_store *st)
{
	if (st->bodies == NULL) {
		st->bodies = kh_calloc(1, sizeof *st->bodies);
		st->bodies->latest = -1;
	}
	return st->bodies;
}

void kh_body_free(struct kh_store *st)
{
	struct kh_bodies *b = st->bodies;

	if (b == NULL)
		return;
	for (int i = 0; i < Q_MAX; i++)
		sqlite3_finalize(b->q[i]);
	for (size_t i = 0; i < b->n_dicts; i++) {
		ZSTD_freeDDict(b->dicts[i].d);
		ZSTD_freeCDict(b->dicts[i].c);
	}
	for (int i = 0; i < CACHE; i++)
		free(b->cache[i].text);
	ZSTD_freeDCtx(b->dctx);
	ZSTD_freeCCtx(b->cctx);
	kh_buf_free(&b->samples);
	free(b->sample_len);
	free(b);
	st->bodies = NULL;
}

/* Forgets what was decoded and looked up: a rolled-back transaction may have held it. */
void kh_body_forget(struct kh_store *st)
{
	struct kh_bodies *b = st->bodies;

	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n_dicts; i++) {
		ZSTD_freeDDict(b->dicts[i].d);
		ZSTD_freeCDict(b->dicts[i].c);
	}
	b->n_dicts = 0;
	b->latest = -1;
	for (int i = 0; i < CACHE; i++) {
		free(b->cache[i].text);
		b->cache[i] = (struct cached){ 0 };
	}
}

static sqlite3_stmt *q(struct kh_store *st, int which, struct kh_err *err)
{
	return kh_store_cached(st, &bodies(st)->q[which], q_sql[which], err);
}

static struct dict *dict_get(struct kh_store *st, int64_t id, struct kh_err *err)
{
	struct kh_bodies *b = bodies(st);
	sqlite3_stmt *s;
	struct dict *d;

	for (size_t i = 0; i < b->n_dicts; i++)
		if (b->dicts[i].id == id)
			return &b->dicts[i];
	if ((s = q(st, Q_DICT, err)) == NULL)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (kh_store_step_row(st, s, "cannot read XML dictionary", err,
			      "dictionary %lld does not exist", (long long)id))
		return NULL;
	if (b->n_dicts == MAX_DICTS) { /* many versions: start again */
		for (size_t i = 0; i < b->n_dicts; i++) {
			ZSTD_freeDDict(b->dicts[i].d);
			ZSTD_freeCDict(b->dicts[i].c);
		}
		b->n_dicts = 0;
	}
	d = &b->dicts[b->n_dicts];
	d->id = id;
	d->c = NULL;
	d->d = ZSTD_createDDict(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
	sqlite3_reset(s);
	if (d->d == NULL) {
		kh_err_set(err, "dictionary %lld cannot be read", (long long)id);
		return NULL;
	}
	b->n_dicts++;
	return d;
}

static ZSTD_DCtx *dctx(struct kh_bodies *b)
{
	if (b->dctx == NULL) {
		b->dctx = ZSTD_createDCtx();
		if (b->dctx == NULL)
			abort(); /* out of memory, as kh_malloc */
	}
	return b->dctx;
}

static ZSTD_CCtx *cctx(struct kh_bodies *b)
{
	if (b->cctx == NULL) {
		b->cctx = ZSTD_createCCtx();
		if (b->cctx == NULL)
			abort();
	}
	ZSTD_CCtx_reset(b->cctx, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(b->cctx, ZSTD_c_compressionLevel, LEVEL);
	/* zstd's own checksum (XXH64, 4 bytes): a reader trusts a frame that passes it; the
	 * hash of the text (FNV-1a, slower by far) is for check */
	ZSTD_CCtx_setParameter(b->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(b->cctx, ZSTD_c_dictIDFlag, 0);
	return b->cctx;
}

/* A frame is stored without its 4-byte magic number (every body would repeat it): put
 * back before zstd reads it, so only zstd's stable API is used. */
static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* One frame decompressed: with dictionary `dict` or against `prefix` (or neither). The
 * content size is in the frame; a frame that is not what it says is refused. */
static char *unframe(struct kh_store *st, const void *src, size_t n, struct dict *dict,
		     const struct cached *prefix, size_t *len, struct kh_err *err)
{
	struct kh_bodies *b = bodies(st);
	ZSTD_DCtx *dc = dctx(b);
	unsigned char small[4096], *whole = n + sizeof magic <= sizeof small ? small
					 : kh_malloc(n + sizeof magic);
	unsigned long long size;
	size_t got;
	char *out = NULL;

	memcpy(whole, magic, sizeof magic);
	memcpy(whole + sizeof magic, src, n);
	n += sizeof magic;
	size = ZSTD_getFrameContentSize(whole, n);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
	    size > 16u * 1024 * 1024) {
		kh_err_set(err, "not a compressed body (%s)", size == ZSTD_CONTENTSIZE_ERROR ?
			   "a broken header" : "no or a wrong size");
		goto out;
	}
	out = kh_malloc((size_t)size + 1);
	ZSTD_DCtx_reset(dc, ZSTD_reset_session_only);
	if (dict)
		ZSTD_DCtx_refDDict(dc, dict->d);
	else if (prefix)
		ZSTD_DCtx_refPrefix(dc, prefix->text, prefix->len);
	else
		ZSTD_DCtx_refDDict(dc, NULL);
	got = ZSTD_decompressDCtx(dc, out, (size_t)size, whole, n);
	if (ZSTD_isError(got) || got != size) {
		kh_err_set(err, "cannot decompress: %s",
			   ZSTD_isError(got) ? ZSTD_getErrorName(got) : "shorter than it says");
		free(out);
		out = NULL;
		goto out;
	}
	out[size] = '\0';
	if (strlen(out) != size) {
		kh_err_set(err, "cannot decompress: a NUL byte in the text");
		free(out);
		out = NULL;
		goto out;
	}
	*len = (size_t)size;
out:
	if (whole != small)
		free(whole);
	return out;
}

/* A row of xml as read: what decoding needs. */
struct row {
	int64_t id, hash, dict_id, base_id;
	int text;               /* body is TEXT: plain */
	void *body;
	size_t n;
};

static struct cached *cache_slot(struct kh_bodies *b, int64_t id)
{
	return &b->cache[(uint64_t)id % CACHE];
}

/* By id alone: ids are never reused (AUTOINCREMENT; a rollback forgets the cache) and a
 * body's text never changes, so no lookup of the row is needed. */
static struct cached *cache_find(struct kh_bodies *b, int64_t id)
{
	struct cached *c = cache_slot(b, id);

	return c->text && c->id == id ? c : NULL;
}

/* Decodes row r, whose base (if any) is `base`, and caches it. */
static struct cached *decode_one(struct kh_store *st, const struct row *r,
				 const struct cached *base, struct kh_err *err)
{
	struct kh_bodies *b = bodies(st);
	struct cached *c, got = { .id = r->id };

	if (r->text) {
		got.text = kh_strndup(r->body, r->n);
		got.len = strlen(got.text);
	} else {
		struct dict *d = NULL;

		if (r->dict_id && (d = dict_get(st, r->dict_id, err)) == NULL)
			return NULL;
		got.text = unframe(st, r->body, r->n, d, base, &got.len, err);
		if (got.text == NULL)
			return NULL;
		got.depth = base ? base->depth + 1 : 0;
	}
	c = cache_slot(b, r->id);
	free(c->text);
	*c = got;
	return c;
}

/* The body in column `col` of s, copied (the statement is reused before it is decoded). */
static void copy_body(struct row *r, sqlite3_stmt *s, int col)
{
	const void *p;

	r->text = sqlite3_column_type(s, col) == SQLITE_TEXT;
	p = r->text ? (const void *)sqlite3_column_text(s, col) : sqlite3_column_blob(s, col);
	r->n = (size_t)sqlite3_column_bytes(s, col);
	r->body = kh_malloc(r->n + 1);
	if (r->n)
		memcpy(r->body, p, r->n);
	((char *)r->body)[r->n] = '\0';
}

static int row_get(struct kh_store *st, int64_t id, struct row *r, struct kh_err *err)
{
	sqlite3_stmt *s = q(st, Q_GET, err);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (kh_store_step_row(st, s, "cannot read XML", err, "does not exist"))
		return -1;
	r->id = id;
	r->hash = sqlite3_column_int64(s, 0);
	copy_body(r, s, 1);
	r->dict_id = sqlite3_column_int64(s, 2);
	r->base_id = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	return 0;
}

/* The text of `top` (a row already read): its chain of bases is read down to a keyframe
 * or a cached body, then decoded upwards. */
static struct cached *decode(struct kh_store *st, const struct row *top, struct kh_err *err)
{
	struct kh_bodies *b = bodies(st);
	struct row chain[KH_BODY_CHAIN + 2];
	struct cached *c = cache_find(b, top->id);
	int n = 0, got = 0;

	if (c)
		return c;
	chain[n++] = *top;
	chain[0].body = NULL; /* top's body is the caller's */
	while (chain[n - 1].base_id && !chain[n - 1].text && !c) {
		struct row *r = &chain[n - 1];
		struct row base;

		if (n > KH_BODY_CHAIN) {
			kh_err_set(err, "its chain of deltas is longer than %d", KH_BODY_CHAIN);
			goto out;
		}
		if ((c = cache_find(b, r->base_id)) != NULL)
			break;
		if (row_get(st, r->base_id, &base, err)) {
			kh_err_prefix(err, "its base XML %lld", (long long)r->base_id);
			goto out;
		}
		chain[n++] = base;
	}
	got = 1;
	for (int i = n - 1; i >= 0; i--) {
		const struct row *r = i == 0 ? top : &chain[i];

		if ((c = decode_one(st, r, c, err)) == NULL) {
			if (i > 0)
				kh_err_prefix(err, "its base XML %lld", (long long)r->id);
			got = 0;
			break;
		}
	}
out:
	for (int i = 1; i < n; i++)
		free(chain[i].body);
	return got ? c : NULL;
}

int kh_body_get(struct kh_store *st, int64_t id, char **text, struct kh_err *err)
{
	struct cached *c;
	struct row r;

	*text = NULL;
	if (row_get(st, id, &r, err))
		return kh_err_prefix(err, "XML %lld", (long long)id);
	c = decode(st, &r, err);
	free(r.body);
	if (c == NULL)
		return kh_err_prefix(err, "XML %lld", (long long)id);
	*text = kh_strndup(c->text, c->len);
	return 0;
}

int kh_body_verify(struct kh_store *st, int64_t id, struct kh_err *err)
{
	struct cached *c;
	struct row r;
	int rc = 0;

	if (row_get(st, id, &r, err))
		return kh_err_prefix(err, "XML %lld", (long long)id);
	if ((c = decode(st, &r, err)) == NULL)
		rc = kh_err_prefix(err, "XML %lld", (long long)id);
	else if (text_hash(c->text, c->len) != r.hash)
		rc = kh_err_set(err, "XML %lld: does not match its hash", (long long)id);
	free(r.body);
	return rc;
}

/* kh_xml(id, hash, body, dict_id, base_id): the text of an xml row; NULL for NULL. */
static void sql_xml(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct kh_store *st = sqlite3_user_data(ctx);
	struct kh_err err = { 0 };
	struct cached *c;
	struct row r;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	r.id = sqlite3_value_int64(argv[0]);
	r.hash = sqlite3_value_int64(argv[1]);
	r.text = sqlite3_value_type(argv[2]) == SQLITE_TEXT;
	r.body = (void *)(r.text ? (const void *)sqlite3_value_text(argv[2])
				 : sqlite3_value_blob(argv[2]));
	r.n = (size_t)sqlite3_value_bytes(argv[2]);
	r.dict_id = sqlite3_value_int64(argv[3]);
	r.base_id = sqlite3_value_int64(argv[4]);
	if (r.body == NULL) /* an empty value: no frame */
		r.body = (void *)"";
	if ((c = decode(st, &r, &err)) == NULL) {
		kh_err_prefix(&err, "XML %lld", (long long)r.id);
		sqlite3_result_error(ctx, err.msg, -1);
		return;
	}
	sqlite3_result_text(ctx, c->text, (int)c->len, SQLITE_TRANSIENT);
}

int kh_body_attach(struct kh_store *st, struct kh_err *err)
{
	if (sqlite3_create_function_v2(st->db, "kh_xml", 5, SQLITE_UTF8, st, sql_xml, NULL,
				       NULL, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot register kh_xml");
	return 0;
}

/* --- writing --- */

/* The latest dictionary, ready for compressing, in *out; NULL when there is none. */
static int dict_latest(struct kh_store *st, struct dict **out, struct kh_err *err)
{
	struct kh_bodies *b = bodies(st);
	struct dict *d;
	sqlite3_stmt *s;

	*out = NULL;
	if (b->latest < 0) {
		if ((s = q(st, Q_DICT_LATEST, err)) == NULL)
			return -1;
		b->latest = 0;
		if (kh_store_step_int(st, s, &b->latest, "cannot read XML dictionary", err) < 0) {
			b->latest = -1;
			return -1;
		}
	}
	if (b->latest == 0)
		return 0;
	if ((d = dict_get(st, b->latest, err)) == NULL)
		return -1;
	if (d->c == NULL) {
		if ((s = q(st, Q_DICT, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, d->id);
		if (sqlite3_step(s) == SQLITE_ROW)
			d->c = ZSTD_createCDict(sqlite3_column_blob(s, 0),
						(size_t)sqlite3_column_bytes(s, 0), LEVEL);
		sqlite3_reset(s);
		if (d->c == NULL)
			return kh_err_set(err, "dictionary %lld cannot be used", (long long)d->id);
	}
	*out = d;
	return 0;
}

/* One frame of text, with the dictionary or against the prefix; NULL when it would not be
 * smaller than the text. */
static void *frame(struct kh_store *st, const char *text, size_t len, struct dict *d,
		   const struct cached *prefix, size_t *n)
{
	ZSTD_CCtx *cc = cctx(bodies(st));
	size_t cap = ZSTD_compressBound(len), got;
	void *out;

	if (d)
		ZSTD_CCtx_refCDict(cc, d->c);
	else if (prefix)
		ZSTD_CCtx_refPrefix(cc, prefix->text, prefix->len);
	ZSTD_CCtx_setPledgedSrcSize(cc, len);
	out = kh_malloc(cap);
	got = ZSTD_compress2(cc, out, cap, text, len);
	if (ZSTD_isError(got) || got < sizeof magic || memcmp(out, magic, sizeof magic) ||
	    got - sizeof magic >= len) {
		free(out);
		return NULL;
	}
	*n = got - sizeof magic;
	memmove(out, (char *)out + sizeof magic, *n);
	return out;
}

/* The smallest form of text: a delta against base (when its chain has room), a frame
 * with the latest dictionary, or the text itself (*blob NULL). */
static int encode(struct kh_store *st, const char *text, size_t len, int64_t base,
		  void **blob, size_t *n, int64_t *dict_id, int64_t *base_id, struct kh_err *err)
{
	void *best = NULL, *x;
	size_t best_n = len, xn;
	struct dict *d;

	*blob = NULL;
	*dict_id = *base_id = 0;
	if (dict_latest(st, &d, err))
		return -1;
	if (d && (x = frame(st, text, len, d, NULL, &xn)) != NULL) {
		best = x;
		best_n = xn;
		*dict_id = d->id;
	}
	if (base) {
		struct kh_err ignored = { 0 };
		struct cached *c = NULL;
		struct row r;

		/* Against the keyframe the base is a delta of, not the base itself: every delta
		 * is one frame away from its keyframe, so a read decodes at most two (a domain's
		 * versions differ from their first by a few numbers as they do from each other).
		 * A base that does not read back is no base: this body stands alone. */
		if (row_get(st, base, &r, &ignored) == 0) {
			if (r.base_id && !r.text) {
				base = r.base_id;
				free(r.body);
				if (row_get(st, base, &r, &ignored) != 0)
					r.body = NULL;
			}
			if (r.body != NULL) {
				c = decode(st, &r, &ignored);
				free(r.body);
			}
			if (c && c->depth < KH_BODY_CHAIN &&
			    (x = frame(st, text, len, NULL, c, &xn)) != NULL) {
				if (xn < best_n) {
					free(best);
					best = x;
					best_n = xn;
					*dict_id = 0;
					*base_id = base;
				} else {
					free(x);
				}
			}
		}
	}
	*blob = best;
	*n = best_n;
	return 0;
}

/* Binds an encoded body from parameter `at` on: body (the frame, which it takes, or the
 * text), dict_id, base_id (NULL for 0). */
static void bind_body(sqlite3_stmt *s, int at, void *blob, size_t n, const char *text,
		      size_t len, int64_t dict_id, int64_t base_id)
{
	if (blob)
		sqlite3_bind_blob(s, at, blob, (int)n, free);
	else
		sqlite3_bind_text(s, at, text, (int)len, SQLITE_TRANSIENT);
	if (dict_id)
		sqlite3_bind_int64(s, at + 1, dict_id);
	if (base_id)
		sqlite3_bind_int64(s, at + 2, base_id);
}

int kh_body_put(struct kh_store *st, const char *text, int64_t base, int64_t *id,
		struct kh_err *err)
{
	size_t len, n;
	int64_t hash, dict_id, base_id;
	sqlite3_stmt *s;
	void *blob;
	int rc;

	*id = 0;
	if (text == NULL)
		return 0;
	len = strlen(text);
	hash = text_hash(text, len);
	if ((s = q(st, Q_FIND, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, hash);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t found = sqlite3_column_int64(s, 0);
		struct cached *c = cache_find(bodies(st), found);
		struct row r;

		if (c == NULL) {
			/* read it whole, so the lookup of its bases can use their statement */
			r.id = found;
			r.hash = hash;
			copy_body(&r, s, 1);
			r.dict_id = sqlite3_column_int64(s, 2);
			r.base_id = sqlite3_column_int64(s, 3);
			c = decode(st, &r, err);
			free(r.body);
			if (c == NULL) {
				sqlite3_reset(s);
				return kh_err_prefix(err, "XML %lld", (long long)found);
			}
		}
		if (c->len == len && memcmp(c->text, text, len) == 0) {
			*id = found;
			sqlite3_reset(s);
			return 0;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read XML");
	if (encode(st, text, len, base, &blob, &n, &dict_id, &base_id, err))
		return -1;
	if ((s = q(st, Q_ADD, err)) == NULL) {
		free(blob);
		return -1;
	}
	sqlite3_bind_int64(s, 1, hash);
	bind_body(s, 2, blob, n, text, len, dict_id, base_id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot write XML");
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* --- dictionaries --- */

/* The plain keyframes, with the latest dictionary where that is smaller. */
static int reencode_plain(struct kh_store *st, struct kh_err *err)
{
	int64_t *ids = NULL, dict_id, base_id;
	size_t n = 0, cap = 0, bn;
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT id FROM xml WHERE typeof(body) = 'text'"
			       " AND base_id IS NULL ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read XML");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*(int64_t *)KH_PUSH(ids, n, cap) = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE) {
		free(ids);
		return kh_store_db_error(st, err, "cannot read XML");
	}
	if (sqlite3_prepare_v2(st->db, "UPDATE xml SET body = ?, dict_id = ? WHERE id = ?", -1,
			       &s, NULL) != SQLITE_OK) {
		free(ids);
		return kh_store_db_error(st, err, "cannot write XML");
	}
	rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *text;
		void *blob;

		if (kh_body_get(st, ids[i], &text, err) ||
		    encode(st, text, strlen(text), 0, &blob, &bn, &dict_id, &base_id, err)) {
			free(text);
			rc = -1;
			break;
		}
		free(text);
		if (blob == NULL)
			continue;
		sqlite3_bind_blob(s, 1, blob, (int)bn, free);
		sqlite3_bind_int64(s, 2, dict_id);
		sqlite3_bind_int64(s, 3, ids[i]);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = kh_store_db_error(st, err, "cannot write XML");
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	sqlite3_finalize(s);
	free(ids);
	return rc;
}

int kh_body_wants_samples(struct kh_store *st, int *wants, struct kh_err *err)
{
	struct dict *d;

	*wants = 0;
	if (dict_latest(st, &d, err))
		return -1;
	*wants = d == NULL;
	return 0;
}

void kh_body_sample(struct kh_store *st, const char *text)
{
	struct kh_bodies *b = bodies(st);
	size_t n = strlen(text);

	if (b->samples.len + n > 16 * SAMPLE_BYTES)
		return; /* more than enough: train() takes a part spread over them */
	kh_buf_add(&b->samples, text, n);
	*(size_t *)KH_PUSH(b->sample_len, b->n_samples, b->cap_samples) = n;
}

/* Keeps every k-th sample so that they hold about SAMPLE_BYTES: spread over all kinds of
 * XML (they come kind by kind), and training stays quick. */
static void thin(struct kh_buf *samples, size_t *sizes, size_t *n)
{
	size_t every = samples->len / SAMPLE_BYTES + 1, at = 0, to = 0, kept = 0;

	if (every == 1)
		return;
	for (size_t i = 0; i < *n; i++) {
		if (i % every == 0) {
			memmove(samples->data + to, samples->data + at, sizes[i]);
			to += sizes[i];
			sizes[kept++] = sizes[i];
		}
		at += sizes[i];
	}
	samples->len = to;
	*n = kept;
}

/* ZDICT_trainFromBuffer's trainer (fastCover, d 8, f 20) with its segment size fixed
 * instead of searched among five (which ends near 2000 on libvirt's XML): on the bench's
 * first night 76 M instructions instead of 319 M, the bodies 0.7 % larger. Its parameters
 * are outside zstd's stable ABI, so a libzstd of another minor version than these headers
 * gets the stable call. */
static size_t train_dict(void *dict, const struct kh_buf *samples, const size_t *sizes,
			 size_t n)
{
	ZDICT_fastCover_params_t p;

	if (ZSTD_versionNumber() / 100 != ZSTD_VERSION_NUMBER / 100)
		return ZDICT_trainFromBuffer(dict, DICT_BYTES, samples->data, sizes, (unsigned)n);
	memset(&p, 0, sizeof p);
	p.k = 1000;
	p.d = 8;
	p.f = 20;
	p.accel = 1;
	p.zParams.compressionLevel = LEVEL;
	return ZDICT_trainFromBuffer_fastCover(dict, DICT_BYTES, samples->data, sizes,
					       (unsigned)n, p);
}

/* What a dictionary learns from, besides what kh_body_sample was given. */
enum learn {
	LEARN_FIRST,   /* the plain bodies stored (then re-encoded with it) */
	LEARN_NEXT,    /* the keyframes stored since the latest dictionary */
	LEARN_SAMPLES, /* nothing stored (a migration: the table is the old one) */
};

/* Trains a dictionary (`after`: LEARN_NEXT's latest xml id) and stores it. 0 also when
 * there is too little to train on, or zstd finds nothing to learn. */
static int train(struct kh_store *st, int64_t after, enum learn from, struct kh_err *err)
{
	int plain = from == LEARN_FIRST;

	struct kh_bodies *b = bodies(st);
	struct kh_buf samples = b->samples;
	size_t *sizes = b->sample_len, n = b->n_samples, cap = b->cap_samples, every = 1, dn;
	int64_t count = 0, bytes = 0;
	void *dict = NULL;
	sqlite3_stmt *s = NULL;
	int rc = -1;

	b->samples = (struct kh_buf){ 0 };
	b->sample_len = NULL;
	b->n_samples = b->cap_samples = 0;
	/* ?1: after, ?2: plain only */
	if (from != LEARN_SAMPLES &&
	    (sqlite3_prepare_v2(st->db, "SELECT count(*), coalesce(sum(length(body)), 0) FROM xml"
				" WHERE id > ?1 AND base_id IS NULL AND (NOT ?2 OR typeof(body) = 'text')",
				-1, &s, NULL) != SQLITE_OK ||
	     sqlite3_bind_int64(s, 1, after) != SQLITE_OK || sqlite3_bind_int(s, 2, plain) ||
	     sqlite3_step(s) != SQLITE_ROW)) {
		kh_store_db_error(st, err, "cannot read XML");
		goto out;
	}
	count = (s ? sqlite3_column_int64(s, 0) : 0) + (int64_t)n;
	bytes = (s ? sqlite3_column_int64(s, 1) : 0) + (int64_t)samples.len;
	sqlite3_finalize(s);
	s = NULL;
	rc = 0;
	if (count < TRAIN_MIN_SAMPLES || (from != LEARN_NEXT && bytes < TRAIN_MIN_BYTES))
		goto out;
	if (from == LEARN_SAMPLES)
		goto learn;
	rc = -1;
	/* the stored ones read are spread as thin() will keep them: fewer to decompress */
	if (bytes > SAMPLE_BYTES * 2)
		every = (size_t)(bytes / SAMPLE_BYTES);
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM xml WHERE id > ?1 AND base_id IS NULL"
			       " AND (NOT ?2 OR typeof(body) = 'text') ORDER BY id", -1, &s, NULL) !=
	    SQLITE_OK) {
		kh_store_db_error(st, err, "cannot read XML");
		goto out;
	}
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, plain);
	for (int64_t i = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; i++) {
		char *text;

		if ((size_t)i % every)
			continue;
		if (kh_body_get(st, sqlite3_column_int64(s, 0), &text, err)) {
			rc = -1;
			goto out;
		}
		*(size_t *)KH_PUSH(sizes, n, cap) = strlen(text);
		kh_buf_add(&samples, text, strlen(text));
		free(text);
	}
	if (rc != SQLITE_DONE) {
		rc = kh_store_db_error(st, err, "cannot read XML");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
learn:
	thin(&samples, sizes, &n);
	dict = kh_malloc(DICT_BYTES);
	dn = train_dict(dict, &samples, sizes, n);
	rc = 0;
	if (ZDICT_isError(dn))
		goto out; /* nothing to learn: the bodies stay as they are */
	if (sqlite3_prepare_v2(st->db, "INSERT INTO xml_dict(samples, last_xml, dict)"
			       " VALUES (?, (SELECT coalesce(max(id), 0) FROM xml), ?)", -1, &s,
			       NULL) != SQLITE_OK) {
		rc = kh_store_db_error(st, err, "cannot write XML dictionary");
		goto out;
	}
	sqlite3_bind_int64(s, 1, (int64_t)n);
	sqlite3_bind_blob(s, 2, dict, (int)dn, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		rc = kh_store_db_error(st, err, "cannot write XML dictionary");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	b->latest = -1;
	if (plain)
		rc = reencode_plain(st, err);
out:
	sqlite3_finalize(s);
	kh_buf_free(&samples);
	free(sizes);
	free(dict);
	return rc;
}

int kh_body_train(struct kh_store *st, struct kh_err *err)
{
	sqlite3_stmt *s = NULL;
	int64_t last = 0, samples = 0, since = 0;
	int rc;

	/* keyframes since the latest are counted only when there can be enough of them: the
	 * count reads every body since */
	if (sqlite3_prepare_v2(st->db, "SELECT last_xml, samples, CASE WHEN (SELECT max(id) FROM"
			       " xml) - d.last_xml >= ?1 * d.samples THEN (SELECT count(*) FROM xml"
			       " WHERE id > d.last_xml AND base_id IS NULL) ELSE 0 END FROM xml_dict d"
			       " ORDER BY id DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int(s, 1, RETRAIN_FACTOR) != SQLITE_OK) {
		sqlite3_finalize(s);
		return kh_store_db_error(st, err, "cannot read XML dictionary");
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		last = sqlite3_column_int64(s, 0);
		samples = sqlite3_column_int64(s, 1);
		since = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read XML dictionary");
	if (rc == SQLITE_DONE)
		return train(st, 0, LEARN_FIRST, err);
	/* the estate has become another: a dictionary of its own for what comes next, the
	 * bodies stored so far keep theirs */
	if (since >= RETRAIN_FACTOR * samples)
		return train(st, last, LEARN_NEXT, err);
	return 0;
}

int kh_body_convert(struct kh_store *st, struct kh_err *err)
{
	sqlite3_stmt *s = NULL, *add = NULL;
	int64_t dict_id, base_id;
	int rc;

	/* what the first dictionary learns from: the bodies there are */
	if (sqlite3_prepare_v2(st->db, "SELECT body FROM xml ORDER BY id", -1, &s, NULL) !=
	    SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read XML");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		kh_body_sample(st, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read XML");
	if (train(st, 0, LEARN_SAMPLES, err))
		return -1;
	if (sqlite3_prepare_v2(st->db, "SELECT id, hash, body FROM xml ORDER BY id", -1, &s,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO xml_new(id, hash, body, dict_id, base_id)"
			       " VALUES (?, ?, ?, ?, ?)", -1, &add, NULL) != SQLITE_OK) {
		rc = kh_store_db_error(st, err, "cannot convert XML");
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 2);
		size_t len = (size_t)sqlite3_column_bytes(s, 2), n;
		void *blob;

		if (encode(st, text, len, 0, &blob, &n, &dict_id, &base_id, err))
			goto fail;
		sqlite3_bind_int64(add, 1, sqlite3_column_int64(s, 0));
		sqlite3_bind_int64(add, 2, sqlite3_column_int64(s, 1));
		bind_body(add, 3, blob, n, text, len, dict_id, base_id);
		if (sqlite3_step(add) != SQLITE_DONE) {
			kh_store_db_error(st, err, "cannot convert XML");
			goto fail;
		}
		sqlite3_reset(add);
		sqlite3_clear_bindings(add);
	}
	if (rc != SQLITE_DONE) {
		kh_store_db_error(st, err, "cannot read XML");
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(add);
	return rc;
}
