#include "report/log.h"
#include "report/diff_render.h"
#include "report/show.h"
#include "util/mem.h"
#include "util/timefmt.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct pending {
	char *label;
	struct kh_changes ch;
};

struct kh_log_out {
	enum kh_format format;
	int color;
	struct kh_doc doc;      /* the section being printed; where the back end stands */
	json_t *json;           /* KH_FORMAT_JSON: {"changes", "pending"}, printed at the end */
	size_t n_snapshots, n_changes;
	struct pending *pending;
	size_t n_pending, cap_pending;
};

struct kh_log_out *kh_log_out_new(enum kh_format f, int color)
{
	struct kh_log_out *w = kh_calloc(1, sizeof *w);

	w->format = f;
	w->color = color;
	if (f == KH_FORMAT_JSON) {
		w->json = json_object();
		json_object_set_new(w->json, "changes", json_array());
		json_object_set_new(w->json, "pending", json_array());
	}
	return w;
}

void kh_log_out_free(struct kh_log_out *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n_pending; i++) {
		free(w->pending[i].label);
		kh_changes_free(&w->pending[i].ch);
	}
	free(w->pending);
	kh_doc_free(&w->doc);
	json_decref(w->json);
	free(w);
}

/* The section built so far, rendered and dropped. */
static char *flush(struct kh_log_out *w)
{
	char *s = kh_changes_render(&w->doc, w->format, w->color);

	kh_doc_clear(&w->doc);
	return s;
}

char *kh_log_begin(struct kh_log_out *w, size_t n, int64_t first_at, int64_t last_at)
{
	char a[KH_TIME_LEN], z[KH_TIME_LEN];

	w->n_snapshots = n;
	if (w->json)
		return kh_strdup("");
	if (n == 0) {
		kh_doc_heading(&w->doc, 1, "No snapshots in the period")->end = '.';
	} else {
		kh_time_format(first_at, a);
		kh_time_format(last_at, z);
		kh_spanf(&kh_doc_heading(&w->doc, 1, NULL)->text[0],
			 "Changes from %s to %s (%zu snapshot%s)", a, z, n, n == 1 ? "" : "s");
	}
	return flush(w);
}

/* Each change as in diff's JSON, plus the snapshot it showed in and its host's URI. */
static void add_json(json_t *arr, const struct kh_changes *ch, int64_t snapshot, const char *uri)
{
	for (size_t i = 0; i < ch->n; i++) {
		json_t *o = kh_change_json(&ch->items[i]);

		json_object_set_new(o, "snapshot", json_integer(snapshot));
		json_object_set_new(o, "uri", kh_json_str(uri));
		json_array_append_new(arr, o);
	}
}

char *kh_log_changes(struct kh_log_out *w, const struct kh_snapshot *snap,
		     const struct kh_changes *ch)
{
	char *label;

	w->n_changes += ch->n;
	if (w->json)
		add_json(json_object_get(w->json, "changes"), ch, snap->id, snap->host.uri);
	if (w->json || ch->n == 0)
		return kh_strdup("");
	label = kh_snapshot_label(snap);
	kh_doc_heading(&w->doc, 2, label);
	free(label);
	/* only the blocks of the format printed: a year of nights is a quarter of a million
	 * lines, and building the table too doubled their cost */
	kh_changes_doc_for(&w->doc, ch, w->format == KH_FORMAT_TEXT ? KH_MEDIA_TEXT
					: w->format == KH_FORMAT_MD ? KH_MEDIA_MD
								    : KH_MEDIA_HTML);
	return flush(w);
}

void kh_log_pending(struct kh_log_out *w, const struct kh_snapshot *snap, struct kh_changes *ch)
{
	struct pending *p;

	if (w->json) {
		add_json(json_object_get(w->json, "pending"), ch, snap->id, snap->host.uri);
		kh_changes_free(ch);
		return;
	}
	p = KH_PUSH(w->pending, w->n_pending, w->cap_pending);
	p->label = kh_snapshot_label(snap);
	p->ch = *ch;
	memset(ch, 0, sizeof *ch);
}

char *kh_log_end(struct kh_log_out *w)
{
	if (w->json) {
		json_t *j = w->json;

		w->json = NULL;
		return kh_json_dump(j);
	}
	if (w->n_changes == 0 && w->n_snapshots)
		kh_changes_doc(&w->doc, NULL);
	/* An incident review asks what is still waiting, not what waited on each night. */
	for (size_t i = 0; i < w->n_pending; i++)
		if (w->pending[i].ch.n)
			kh_pending_doc(&w->doc, w->pending[i].label, &w->pending[i].ch);
	return flush(w);
}
