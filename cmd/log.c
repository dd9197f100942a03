/* kvmhist log: the timeline of changes over a period, each at the snapshot it first showed. */
#include "cmd/cmd.h"
#include "report/diff.h"
#include "report/diff_render.h"
#include "report/escape.h"
#include "report/show.h"
#include "report/table.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum format { F_TEXT, F_MD, F_JSON };

static void append(struct kh_buf *b, char *s)
{
	kh_buf_puts(b, s);
	free(s);
}

/* The pending drift of one host's latest snapshot in the period. */
struct pending {
	int64_t snapshot;
	char *label;
	struct kh_changes ch;
};

struct log {
	enum format format;
	const char *domain;
	char **uuids;           /* of every domain ever called `domain` */
	size_t n_uuids;
	int color, quiet;
	json_t *changes;        /* F_JSON: {"changes", "pending"}, printed at the end */
	size_t n;               /* changes so far */
	struct pending *pending; /* printed after the timeline */
	size_t n_pending, cap_pending;
};

/* Each change as in diff's JSON, plus the snapshot it showed in and its host's URI. */
static void add_json(json_t *arr, const struct kh_changes *ch, const struct kh_snapshot *snap)
{
	for (size_t i = 0; i < ch->n; i++) {
		json_t *o = kh_change_json(&ch->items[i]);

		json_object_set_new(o, "snapshot", json_integer(snap->id));
		json_object_set_new(o, "uri", kh_json_str(snap->host.uri));
		json_array_append_new(arr, o);
	}
}

/* What the host's latest snapshot says will change at next boot, kept for the end: an
 * incident review asks what is still waiting, not what waited on each night. */
static int keep_pending(struct log *l, const struct kh_snapshot *snap, int last,
			struct kh_err *err)
{
	struct pending *p;

	if (!last || l->quiet)
		return 0;
	p = KH_PUSH(l->pending, l->n_pending, l->cap_pending);
	p->snapshot = snap->id;
	p->label = kh_snapshot_label(snap);
	if (kh_diff_pending(snap, &p->ch, err))
		return -1;
	kh_changes_filter_uuids(&p->ch, l->domain, NULL, NULL, l->uuids, l->n_uuids);
	if (l->format == F_JSON)
		add_json(json_object_get(l->changes, "pending"), &p->ch, snap);
	return 0;
}

/* One snapshot's changes against the one before it of its host; text and Markdown are
 * printed as they come, so only one snapshot per host is ever held. */
static int add(const struct kh_snapshot *prev, const struct kh_snapshot *snap, int last,
	       void *arg, struct kh_err *err)
{
	struct log *l = arg;
	struct kh_changes ch = { 0 };
	struct kh_buf b = { 0 };
	char *label, *s;

	if (keep_pending(l, snap, last, err))
		return -1;
	/* A host's first snapshot has nothing before it: all of it would be "added". */
	if (prev == NULL)
		return 0;
	if (kh_diff_snapshots(prev, snap, &ch, err))
		return -1;
	kh_changes_filter_uuids(&ch, l->domain, NULL, NULL, l->uuids, l->n_uuids);
	l->n += ch.n;
	if (ch.n == 0 || l->quiet) {
		kh_changes_free(&ch);
		return 0;
	}
	label = kh_snapshot_label(snap);
	switch (l->format) {
	case F_JSON:
		add_json(json_object_get(l->changes, "changes"), &ch, snap);
		break;
	case F_MD:
		kh_buf_puts(&b, "\n## ");
		kh_escape_md(&b, label);
		kh_buf_puts(&b, "\n\n");
		s = kh_changes_markdown(&ch);
		kh_buf_puts(&b, s);
		free(s);
		break;
	case F_TEXT:
	default:
		kh_buf_puts(&b, "\n");
		kh_text_safe(&b, label);
		kh_buf_puts(&b, "\n");
		s = kh_changes_text(&ch, l->color);
		kh_buf_puts(&b, s);
		free(s);
		break;
	}
	if (b.data)
		fputs(b.data, stdout);
	kh_buf_free(&b);
	free(label);
	kh_changes_free(&ch);
	return 0;
}

/* After the timeline, per host with any: what its latest snapshot will change at next boot. */
static void print_pending(const struct log *l)
{
	struct kh_buf b = { 0 };

	for (size_t i = 0; i < l->n_pending; i++) {
		const struct pending *p = &l->pending[i];
		char *title;

		if (p->ch.n == 0)
			continue;
		title = kh_asprintf("Pending at next boot (running \xe2\x86\x92 persistent config) "
				    "as of %s", p->label);
		if (l->format == F_MD) {
			kh_buf_puts(&b, "\n## ");
			kh_escape_md(&b, title);
			kh_buf_puts(&b, "\n\n");
			append(&b, kh_changes_markdown(&p->ch));
		} else {
			kh_buf_puts(&b, "\n");
			kh_text_safe(&b, title);
			kh_buf_puts(&b, ":\n");
			append(&b, kh_changes_text(&p->ch, l->color));
		}
		free(title);
	}
	if (b.data)
		fputs(b.data, stdout);
	kh_buf_free(&b);
}

/* A --domain that no snapshot of the period (nor the one each host's first is compared
 * with) holds is a typo, not "no changes": a monitoring script must hear of it. */
static int check_domain(struct kh_ctx *ctx, const struct log *l, const char *host, int64_t from,
			int64_t to, const struct kh_snapshot_info *v, size_t n)
{
	struct kh_err err;
	int seen;

	seen = kh_store_domain_in(ctx->store, host, from, to, 0, l->domain, l->uuids, l->n_uuids,
				  &err);
	for (size_t i = 0; seen == 0 && i < n; i++) {
		int64_t prev;
		size_t j;

		for (j = 0; j < i && strcmp(v[j].uri, v[i].uri) != 0; j++)
			;
		if (j < i)
			continue; /* not its host's first */
		if (kh_store_previous(ctx->store, v[i].id, &prev, &err) != 0)
			return kh_fail("%s", err.msg);
		if (prev)
			seen = kh_store_domain_in(ctx->store, NULL, INT64_MIN, INT64_MAX, prev,
						  l->domain, l->uuids, l->n_uuids, &err);
	}
	if (seen < 0)
		return kh_fail("%s", err.msg);
	return seen ? KH_EXIT_OK : kh_fail("no domain '%s' in the snapshots of the period",
					   l->domain);
}

static int exec_log(struct kh_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' },
		{ "domain", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = NULL, *until = NULL, *host = NULL;
	struct log l = { .format = F_TEXT, .quiet = ctx->quiet };
	int64_t from = INT64_MIN, to = INT64_MAX, now = kh_now();
	struct kh_snapshot_info *v = NULL;
	char a[KH_TIME_LEN], z[KH_TIME_LEN];
	struct kh_buf b = { 0 };
	struct kh_err err;
	int c, rc = KH_EXIT_ERROR;
	size_t n = 0;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'H': host = optarg; break;
		case 'D': l.domain = optarg; break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				l.format = F_TEXT;
			else if (strcmp(optarg, "md") == 0)
				l.format = F_MD;
			else if (strcmp(optarg, "json") == 0)
				l.format = F_JSON;
			else
				return kh_usage_error(&kh_cmd_log, "unknown format '%s' (text, md, json)",
						      optarg);
			break;
		default: return kh_bad_option(&kh_cmd_log, c, argv);
		}
	}
	if (optind < argc)
		return kh_usage_error(&kh_cmd_log, "unexpected argument '%s'", argv[optind]);
	if (kh_check_host(ctx, host) != KH_EXIT_OK)
		return KH_EXIT_ERROR;
	/* Default period: all of the history. */
	if ((since && kh_store_bound(ctx->store, since, host, 0, now, &from, &err)) ||
	    (until && kh_store_bound(ctx->store, until, host, 1, now, &to, &err)))
		return kh_fail("%s", err.msg);
	if (from > to)
		return kh_fail("the period starts (--since) after it ends (--until)");
	if (kh_store_list(ctx->store, host, from, to, &v, &n, &err))
		return kh_fail("%s", err.msg);
	if (l.domain && kh_store_domain_uuids(ctx->store, l.domain, &l.uuids, &l.n_uuids, &err)) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	if (l.domain && (rc = check_domain(ctx, &l, host, from, to, v, n)) != KH_EXIT_OK)
		goto out;

	l.color = kh_stdout_color();
	if (n) {
		kh_time_format(v[0].taken_at, a);
		kh_time_format(v[n - 1].taken_at, z);
	}
	if (l.format == F_JSON) {
		l.changes = json_object();
		json_object_set_new(l.changes, "changes", json_array());
		json_object_set_new(l.changes, "pending", json_array());
	} else if (!ctx->quiet) {
		if (n == 0)
			kh_buf_puts(&b, l.format == F_MD ? "# No snapshots in the period\n"
							 : "No snapshots in the period.\n");
		else
			kh_buf_printf(&b, "%sChanges from %s to %s (%zu snapshot%s)\n",
				      l.format == F_MD ? "# " : "", a, z, n, n == 1 ? "" : "s");
		fputs(b.data, stdout);
		kh_buf_free(&b);
	}
	if (kh_feed_pairs(ctx, v, n, add, &l, &err)) {
		rc = kh_fail("%s", err.msg);
		goto out;
	}
	if (l.format == F_JSON) {
		char *s = kh_json_dump(l.changes); /* takes it */

		l.changes = NULL;
		if (!ctx->quiet)
			fputs(s, stdout);
		free(s);
	} else if (!ctx->quiet) {
		if (l.n == 0 && n)
			fputs(l.format == F_MD ? "\nNo changes.\n" : "No changes.\n", stdout);
		print_pending(&l);
	}
	rc = KH_EXIT_OK;
out:
	json_decref(l.changes);
	kh_snapshot_infos_free(v, n);
	kh_strings_free(l.uuids, l.n_uuids);
	for (size_t i = 0; i < l.n_pending; i++) {
		free(l.pending[i].label);
		kh_changes_free(&l.pending[i].ch);
	}
	free(l.pending);
	return rc;
}

const struct kh_cmd kh_cmd_log = {
	.name = "log",
	.summary = "list the changes over a period, each at the snapshot it first appeared in",
	.usage = "[--since SPEC] [--until SPEC] [--host H] [--domain NAME]\n"
		 "       [--format text|md|json]",
	.options = "  --since SPEC     start of the period (default: the first snapshot)\n"
		   "  --until SPEC     end of the period (default: the latest snapshot)\n"
		   "  --host H         only this host (a hostname or a URI)\n"
		   "  --domain NAME    only this domain, followed by UUID under any name it had\n"
		   "  --format F       text (default), md or json\n\n"
		   "Each snapshot in the period is compared with the one before it of the same host,\n"
		   "even when that one lies before the period, so a change is listed once, at the\n"
		   "snapshot where it first showed. After the timeline, each host's latest snapshot\n"
		   "in the period lists its running domains' pending drift, as 'kvmhist diff' does.\n"
		   "JSON: {\"changes\": [...], \"pending\": [...]}, each as in 'kvmhist diff' plus\n"
		   "\"snapshot\" (its id) and \"uri\".\n",
	.flags = KH_NEED_DB,
	.exec = exec_log,
};
