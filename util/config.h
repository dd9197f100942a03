/* /etc/kvmhist.conf: `key = value` lines, `#` comments, every key checked. */
#ifndef KH_CONFIG_H
#define KH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* `host = LABEL URI`: a URI to collect (it is in uris too), named LABEL in reports. */
struct kh_config_host {
	char *label, *uri;
};

/* Strings are NULL and numbers -1 where the file does not set them. */
struct kh_config {
	char *database;
	char **uris;            /* `uri`, repeatable: what collect takes when no -c is given */
	size_t n_uris, cap_uris;
	struct kh_config_host *hosts; /* `host`, repeatable */
	size_t n_hosts, cap_hosts;
	int timeout;            /* seconds, 1 or more */
	int keep_daily, keep_weekly, keep_monthly; /* 0 or more */
	int warn_days;          /* 0 or more */
	int snapshot_days;      /* 0 or more */
	int crit_days;          /* monitor: 0 or more */
	double warn_overcommit, crit_overcommit; /* monitor: a ratio, 0 or more */
	int64_t max_age;        /* monitor: seconds, 1 or more (an age: 36h, 2d) */
	char *mail_to, *mail_from;
	char *templates;
};

/* Parses the text of a file called `name` (for messages) into *cfg, which the caller has
 * zeroed with kh_config_init. On a bad line returns -1 with err saying
 * "NAME:LINE: key 'KEY': cause" (or "NAME:LINE: cause" when there is no key), and *cfg
 * holds nothing. */
int kh_config_parse(const char *text, size_t len, const char *name, struct kh_config *cfg,
		    struct kh_err *err);

/* Reads and parses `path`. A missing file is fine (0, *cfg empty) unless `must_exist`. */
int kh_config_load(const char *path, int must_exist, struct kh_config *cfg, struct kh_err *err);

/* A URI file (--uri-file): one URI a line, blanks around it trimmed; blank lines and lines
 * starting with '#' skipped. Appends copies to *uris (n, cap as for KH_PUSH). A file that
 * names no URI, or holds a NUL byte, is an error naming `name`. */
int kh_uri_list_parse(const char *text, size_t len, const char *name, char ***uris, size_t *n,
		      size_t *cap, struct kh_err *err);
int kh_uri_list_load(const char *path, char ***uris, size_t *n, size_t *cap, struct kh_err *err);

void kh_config_init(struct kh_config *cfg);
void kh_config_clear(struct kh_config *cfg);

#endif
