/* The configuration file: one `key = value` per line. Strict on purpose: a typo in a key
 * or a value would otherwise be ignored silently until the night it matters. */
#include "util/config.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/timefmt.h"
#include "util/units.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_MAX (1 << 20) /* far beyond any real file; stops a read of /dev/zero */

enum kind { K_STRING, K_URI, K_HOST, K_INT, K_RATIO, K_AGE };

#define KEY(member, kind, min, what) \
	{ #member, kind, offsetof(struct kh_config, member), min, what }

/* A key is the member of struct kh_config it sets (uri and host: kept in lists). */
static const struct key {
	const char *name;
	enum kind kind;
	size_t off;
	int min;                /* K_INT, K_AGE */
	const char *what;       /* K_INT, K_RATIO, K_AGE: what a good value is */
} keys[] = {
	KEY(database, K_STRING, 0, NULL),
	{ "uri", K_URI, 0, 0, NULL },
	{ "host", K_HOST, 0, 0, NULL },
	KEY(timeout, K_INT, 1, "a whole number of seconds, 1 or more"),
	KEY(keep_daily, K_INT, 0, "a whole number, 0 or more"),
	KEY(keep_weekly, K_INT, 0, "a whole number, 0 or more"),
	KEY(keep_monthly, K_INT, 0, "a whole number, 0 or more"),
	KEY(warn_days, K_INT, 0, "a whole number of days, 0 or more"),
	KEY(snapshot_days, K_INT, 0, "a whole number of days, 0 or more"),
	KEY(crit_days, K_INT, 0, "a whole number of days, 0 or more"),
	KEY(warn_overcommit, K_RATIO, 0, "a ratio such as 1.5"),
	KEY(crit_overcommit, K_RATIO, 0, "a ratio such as 2"),
	KEY(max_age, K_AGE, 1, "an age such as 36h or 2d, more than 0"),
	KEY(mail_to, K_STRING, 0, NULL),
	KEY(mail_from, K_STRING, 0, NULL),
	KEY(templates, K_STRING, 0, NULL),
};
#define N_KEYS (sizeof keys / sizeof keys[0])

void kh_config_init(struct kh_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->timeout = cfg->keep_daily = cfg->keep_weekly = cfg->keep_monthly = -1;
	cfg->warn_days = cfg->snapshot_days = cfg->crit_days = -1;
	cfg->warn_overcommit = cfg->crit_overcommit = -1;
	cfg->max_age = -1;
}

void kh_config_clear(struct kh_config *cfg)
{
	free(cfg->database);
	for (size_t i = 0; i < cfg->n_uris; i++)
		free(cfg->uris[i]);
	free(cfg->uris);
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		free(cfg->hosts[i].label);
		free(cfg->hosts[i].uri);
	}
	free(cfg->hosts);
	free(cfg->mail_to);
	free(cfg->mail_from);
	free(cfg->templates);
	kh_config_init(cfg);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static int parse_number(const struct key *key, const char *value, void *out)
{
	int64_t age;

	switch (key->kind) {
	case K_INT: return kh_parse_int(value, key->min, INT_MAX, out);
	case K_RATIO: return kh_parse_decimal(value, out);
	case K_AGE:
		if (kh_age_parse(value, &age) != 0 || age < key->min)
			return -1;
		*(int64_t *)out = age;
		return 0;
	default: return -1;
	}
}

/* The value from p (just past "= ") to the line's end: "quoted" (with \" and \\) or bare, where a '#' after
 * whitespace starts a comment. Returns the value, or NULL with *why set. */
static char *parse_value(const char *p, const char *end, const char **why)
{
	struct kh_buf b = { 0 };

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\') {
				if (p + 1 == end || (p[1] != '"' && p[1] != '\\')) {
					*why = "only \\\" and \\\\ may follow a backslash in quotes";
					goto bad;
				}
				p++;
			}
			kh_buf_add(&b, p, 1);
		}
		if (p == end) {
			*why = "no closing quote";
			goto bad;
		}
		for (p++; p < end && is_space(*p); p++)
			;
		if (p < end && *p != '#') {
			*why = "text after the closing quote";
			goto bad;
		}
	} else {
		const char *v = p, *e = p;

		/* p[-1] is the line's: p is past the '=' */
		for (; p < end && !(*p == '#' && is_space(p[-1])); p++)
			if (!is_space(*p))
				e = p + 1;
		kh_buf_add(&b, v, (size_t)(e - v));
	}
	if (b.len == 0) {
		*why = "no value";
		goto bad;
	}
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "a control character in the value";
			goto bad;
		}
	}
	return kh_buf_steal(&b);
bad:
	kh_buf_free(&b);
	return NULL;
}

static const struct key *find_key(const char *name, size_t n)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strlen(keys[i].name) == n && strncmp(keys[i].name, name, n) == 0)
			return &keys[i];
	return NULL;
}

int kh_config_parse(const char *text, size_t len, const char *name, struct kh_config *cfg,
		    struct kh_err *err)
{
	unsigned first_line[N_KEYS] = { 0 };
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *k, *why = NULL;
		const struct key *key;
		char *value;
		size_t klen, ki;

		line++;
		if (eol == NULL)
			eol = end;
		if (memchr(p, '\0', (size_t)(eol - p))) {
			kh_err_set(err, "%s:%u: a NUL byte: not a text file", name, line);
			goto fail;
		}
		k = p;
		p = eol < end ? eol + 1 : end;
		if (eol > k && eol[-1] == '\r') /* written on Windows: tolerated */
			eol--;
		while (k < eol && is_space(*k))
			k++;
		if (k == eol || *k == '#')
			continue;
		for (klen = 0; k + klen < eol && is_key_char(k[klen]); klen++)
			;
		if (klen == 0) {
			kh_err_set(err, "%s:%u: expected 'key = value'", name, line);
			goto fail;
		}
		key = find_key(k, klen);
		if (key == NULL) {
			kh_err_set(err, "%s:%u: unknown key '%.*s'", name, line, (int)klen, k);
			goto fail;
		}
		for (k += klen; k < eol && is_space(*k); k++)
			;
		if (k == eol || *k != '=') {
			kh_err_set(err, "%s:%u: key '%s': expected '=' after the key", name, line,
				   key->name);
			goto fail;
		}
		for (k++; k < eol && is_space(*k); k++)
			;
		value = parse_value(k, eol, &why);
		if (value == NULL) {
			kh_err_set(err, "%s:%u: key '%s': %s", name, line, key->name, why);
			goto fail;
		}
		ki = (size_t)(key - keys);
		if (key->kind != K_URI && key->kind != K_HOST && first_line[ki]) {
			kh_err_set(err, "%s:%u: key '%s' is set twice (first on line %u)", name, line,
				   key->name, first_line[ki]);
			free(value);
			goto fail;
		}
		first_line[ki] = line;
		switch (key->kind) {
		case K_URI:
			*KH_PUSH(cfg->uris, cfg->n_uris, cfg->cap_uris) = value;
			break;
		case K_HOST: {
			/* LABEL URI: the label is one word, the URI what follows */
			size_t w = 0, u;
			struct kh_config_host *h;

			while (value[w] && !is_space(value[w]))
				w++;
			for (u = w; value[u] && is_space(value[u]); u++)
				;
			if (w == 0 || value[u] == '\0') {
				kh_err_set(err, "%s:%u: key 'host': expected 'LABEL URI', got '%s'", name,
					   line, value);
				free(value);
				goto fail;
			}
			h = KH_PUSH(cfg->hosts, cfg->n_hosts, cfg->cap_hosts);
			h->label = kh_strndup(value, w);
			h->uri = kh_strdup(value + u);
			*KH_PUSH(cfg->uris, cfg->n_uris, cfg->cap_uris) = kh_strdup(value + u);
			free(value);
			break;
		}
		case K_STRING:
			*(char **)((char *)cfg + key->off) = value;
			break;
		case K_INT:
		case K_RATIO:
		case K_AGE:
			if (parse_number(key, value, (char *)cfg + key->off) != 0) {
				kh_err_set(err, "%s:%u: key '%s': invalid value '%s' (%s)", name, line,
					   key->name, value, key->what);
				free(value);
				goto fail;
			}
			free(value);
			break;
		}
	}
	return 0;
fail:
	kh_config_clear(cfg);
	return -1;
}

/* Reads a whole small file; `what` names it in messages ("config", "URI file"). */
static int read_text(const char *path, const char *what, struct kh_buf *b, struct kh_err *err)
{
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return kh_err_set(err, "cannot read %s '%s': %s", what, path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b->len + n > CONFIG_MAX) {
			fclose(f);
			kh_buf_free(b);
			return kh_err_set(err, "%s '%s' is larger than 1 MiB", what, path);
		}
		kh_buf_add(b, chunk, n);
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		kh_buf_free(b);
		return kh_err_set(err, "cannot read %s '%s': %s", what, path, strerror(e));
	}
	fclose(f);
	return 0;
}

int kh_config_load(const char *path, int must_exist, struct kh_config *cfg, struct kh_err *err)
{
	struct kh_buf b = { 0 };
	int rc;

	if (!must_exist && access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (read_text(path, "config", &b, err))
		return -1;
	rc = kh_config_parse(b.data ? b.data : "", b.len, path, cfg, err);
	kh_buf_free(&b);
	return rc;
}

int kh_uri_list_parse(const char *text, size_t len, const char *name, char ***uris, size_t *n,
		      size_t *cap, struct kh_err *err)
{
	size_t before = *n, line = 0;
	const char *p = text, *end = text + len;

	if (memchr(text, '\0', len))
		return kh_err_set(err, "URI file '%s' holds a NUL byte", name);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;

		line++;
		while (p < e && is_space(*p))
			p++;
		while (e > p && (is_space(e[-1]) || e[-1] == '\r'))
			e--;
		if (p < e && *p != '#')
			*(char **)KH_PUSH(*uris, *n, *cap) = kh_strndup(p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
	if (*n == before)
		return kh_err_set(err, "URI file '%s' names no URI", name);
	return 0;
}

int kh_uri_list_load(const char *path, char ***uris, size_t *n, size_t *cap, struct kh_err *err)
{
	struct kh_buf b = { 0 };
	int rc;

	if (read_text(path, "URI file", &b, err))
		return -1;
	rc = kh_uri_list_parse(b.data ? b.data : "", b.len, path, uris, n, cap, err);
	kh_buf_free(&b);
	return rc;
}
