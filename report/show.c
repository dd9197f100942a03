#include "report/show.h"
#include "report/diff.h"
#include "report/diff_render.h"
#include "report/doc.h"
#include "report/xmldiff.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/timefmt.h"
#include "util/units.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *kh_json_num(int64_t v)
{
	return v == KH_UNKNOWN ? json_null() : json_integer(v);
}

json_t *kh_json_flag(int v)
{
	return v == KH_UNKNOWN ? json_null() : json_boolean(v);
}

/* Length of the valid UTF-8 sequence at p, 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80 ||
		    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Untrusted text as a JSON string: jansson refuses invalid UTF-8, so such bytes become
 * U+FFFD rather than the whole document failing or the key going missing. */
json_t *kh_json_str(const char *s)
{
	struct kh_buf b = { 0 };
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (n == 0) {
			kh_buf_puts(&b, "\xef\xbf\xbd");
			p++;
		} else {
			kh_buf_add(&b, (const char *)p, n);
			p += n;
		}
	}
	j = json_string(b.data ? b.data : "");
	kh_buf_free(&b);
	return j ? j : json_null();
}

json_t *kh_json_time(int64_t t)
{
	char buf[KH_TIME_LEN];

	kh_time_format(t, buf);
	return json_string(buf);
}

char *kh_json_dump(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *out;

	json_decref(j);
	if (s == NULL)
		return kh_strdup("null\n");
	out = kh_asprintf("%s\n", s);
	free(s);
	return out;
}

/* "a b c" → ["a", "b", "c"]; NULL → []. */
static json_t *json_words(const char *s)
{
	json_t *a = json_array();

	while (s && *s) {
		size_t n = strcspn(s, " ");

		if (n)
			json_array_append_new(a, json_stringn(s, n));
		s += n + (s[n] == ' ');
	}
	return a;
}

json_t *kh_snapshot_ref_json(const struct kh_snapshot *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer(s->id));
	json_object_set_new(j, "taken_at", kh_json_time(s->taken_at));
	json_object_set_new(j, "host", kh_json_str(s->host.hostname));
	json_object_set_new(j, "uri", kh_json_str(s->host.uri));
	json_object_set_new(j, "host_uuid", kh_json_str(s->host.host_uuid));
	return j;
}

/* [{path, old (running), new (persistent)}]: what changes at next boot; null when the two
 * configs cannot be compared. */
static json_t *pending_json(const struct kh_domain *d)
{
	struct kh_xml_changes x = { 0 };
	struct kh_err err;
	json_t *a;

	if (kh_domain_pending(d, &x, &err))
		return json_null();
	a = json_array();
	for (size_t i = 0; i < x.n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "path", kh_json_str(x.items[i].path));
		json_object_set_new(o, "old", kh_value_json(x.items[i].old, x.items[i].kind));
		json_object_set_new(o, "new", kh_value_json(x.items[i].new_, x.items[i].kind));
		json_array_append_new(a, o);
	}
	kh_xml_changes_free(&x);
	return a;
}

/* [{name, created, state, parent, current, kind}], oldest first. */
static json_t *domain_pending_json(const void *d)
{
	return pending_json(d);
}

/* What show's JSON holds beside a kind's fields, worked out rather than stored: its key and
 * the field it follows. */
static const struct {
	const struct kh_kind *kind;
	const char *after, *key;
	json_t *(*make)(const void *obj);
} extras[] = {
	{ &kh_domain_kind, "error", "pending", domain_pending_json },
};

/* An object as JSON: its fields in table order (store/kind.c), its XML left out. */
static json_t *object_json(const struct kh_kind *k, const void *obj)
{
	json_t *j = json_object();

	for (size_t i = 0; i < k->n_fields; i++) {
		const struct kh_kind_field *f = &k->fields[i];
		int64_t n;
		json_t *v;

		switch (f->type) {
		case KH_FT_TEXT: v = kh_json_str(kh_field_text(f, obj)); break;
		case KH_FT_WORDS: v = json_words(kh_field_text(f, obj)); break;
		case KH_FT_NUM:
			n = kh_field_num(f, obj);
			v = (f->flags & KH_F_TIME) && n != KH_UNKNOWN ? kh_json_time(n) : kh_json_num(n);
			break;
		case KH_FT_FLAG: v = kh_json_flag((int)kh_field_num(f, obj)); break;
		case KH_FT_CHILDREN: {
			size_t c;
			const void *items = kh_field_children(f, obj, &c);

			v = json_array();
			for (size_t x = 0; x < c; x++)
				json_array_append_new(v, object_json(f->child,
								     kh_kind_at(f->child, items, x)));
			break;
		}
		default: continue; /* XML */
		}
		json_object_set_new(j, f->name, v);
		for (size_t e = 0; e < sizeof extras / sizeof extras[0]; e++)
			if (extras[e].kind == k && strcmp(extras[e].after, f->name) == 0)
				json_object_set_new(j, extras[e].key, extras[e].make(obj));
	}
	return j;
}

char *kh_show_json(const struct kh_snapshot *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "snapshot", kh_snapshot_ref_json(s));
	for (int k = 0; k < KH_SPAN_KINDS; k++) {
		const struct kh_kind *kind = kh_span_kinds[k];
		size_t n;
		const void *items = kh_kind_items(kind, s, &n);
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, object_json(kind, kh_kind_at(kind, items, i)));
		json_object_set_new(j, kind->plural, a);
	}
	return kh_json_dump(j);
}

/* --- text --- */

/* Small fixed-size cells for numbers, so table rows can be built inline. */
struct cell {
	char s[40];
};

static struct cell size_cell(int64_t v)
{
	struct cell c;

	if (v == KH_UNKNOWN)
		strcpy(c.s, "-");
	else
		kh_size_format(v, c.s, sizeof c.s);
	return c;
}

static struct cell num_cell(int64_t v, const char *unit)
{
	struct cell c;

	if (v == KH_UNKNOWN)
		strcpy(c.s, "-");
	else
		snprintf(c.s, sizeof c.s, "%" PRId64 "%s", v, unit);
	return c;
}

static const char *flag_word(int v)
{
	return v == KH_UNKNOWN ? "-" : v ? "yes" : "no";
}

static struct cell version_cell(int64_t v)
{
	struct cell c;

	if (v == KH_UNKNOWN)
		strcpy(c.s, "-");
	else
		kh_version_format(v, c.s);
	return c;
}

/* Labels padded as virsh dominfo pads them. */
#define KEY_WIDTH 15

/* A table of `cols` columns, each text row indented by `indent`. */
static struct kh_table *table(struct kh_doc *d, size_t cols, const char *const *head,
			      const char *indent)
{
	struct kh_table *t = kh_doc_table(d, cols, head, NULL);

	t->indent = indent;
	return t;
}

/* A section "What: n" and, when n > 0, its table. */
static struct kh_table *counted_table(struct kh_doc *d, const char *what, size_t n,
				      size_t cols, const char *const *head)
{
	kh_spanf(&kh_doc_heading(d, 2, NULL)->text[0], "%s: %zu", what, n);
	return n ? table(d, cols, head, " ") : NULL;
}

static void row(struct kh_table *t, const char *const *cells)
{
	for (size_t c = 0; c < t->cols; c++)
		kh_cell(t, cells[c]);
}

static char *text_of(struct kh_doc *d)
{
	struct kh_buf b = { 0 };

	kh_doc_text(d, 0, &b);
	kh_doc_free(d);
	return kh_buf_steal(&b);
}

/* What changes at next boot, with diff's lines ("domain NAME" then one line per change). */
static void show_pending(struct kh_doc *doc, struct kh_block *fields, const struct kh_domain *d)
{
	struct kh_snapshot one = { .domains = (struct kh_domain *)d, .n_domains = 1 };
	struct kh_changes c = { 0 };
	struct kh_err err;
	char *n;

	if (kh_diff_pending(&one, &c, &err)) {
		kh_field(fields, "Pending", err.msg);
		kh_changes_free(&c);
		return;
	}
	if (c.n) {
		n = kh_asprintf("%zu change%s at next boot (" KH_PENDING_WHAT ")", c.n,
				c.n == 1 ? "" : "s");
		kh_field(fields, "Pending", n);
		free(n);
		kh_changes_doc(doc, &c);
	}
	kh_changes_free(&c);
}

/* Domain snapshots, oldest first: their count among the domain's fields, then a table. */
static void show_snaps(struct kh_doc *doc, struct kh_block *fields, const struct kh_domain *d)
{
	static const char *const head[] = { "Snapshot", "Created", "State", "Kind", "Parent",
					    "Current" };
	struct kh_table *t;
	char *n;

	if (d->n_snaps == 0)
		return;
	n = kh_asprintf("%zu", d->n_snaps);
	kh_field(fields, "Snapshots", n);
	free(n);
	t = table(doc, 6, head, "  ");
	for (size_t i = 0; i < d->n_snaps; i++) {
		const struct kh_domsnap *x = &d->snaps[i];
		char when[KH_TIME_LEN] = "-";

		if (x->created != KH_UNKNOWN)
			kh_time_format(x->created, when);
		row(t, (const char *const[]){ x->name, when, x->state, x->kind, x->parent,
					      x->current ? "yes" : "no" });
	}
}

static void show_domains(struct kh_doc *doc, const struct kh_snapshot *s)
{
	static const char *const disk_head[] = { "Target", "Device", "Source", "Volume",
						 "Capacity", "Allocation", "Physical" };
	static const char *const iface_head[] = { "Interface", "Type", "Source", "Model" };

	kh_spanf(&kh_doc_heading(doc, 2, NULL)->text[0], "Domains: %zu", s->n_domains);
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct kh_domain *d = &s->domains[i];
		struct kh_block *f = kh_doc_fields(doc, KEY_WIDTH);
		struct kh_table *t;

		kh_field(f, "Name", d->name);
		kh_field(f, "UUID", d->uuid);
		kh_field(f, "OS Type", d->os_type);
		kh_field(f, "State", d->state);
		kh_field(f, "CPU(s)", num_cell(d->vcpus, "").s);
		kh_field(f, "Max memory", num_cell(d->max_memory_kib, " KiB").s);
		kh_field(f, "Used memory", num_cell(d->memory_kib, " KiB").s);
		kh_field(f, "Persistent", flag_word(d->persistent));
		kh_field(f, "Autostart", flag_word(d->autostart));
		if (d->error)
			kh_field(f, "Warning", d->error);
		show_pending(doc, f, d);
		show_snaps(doc, f, d);
		if (d->n_disks) {
			t = table(doc, 7, disk_head, "  ");
			for (size_t j = 0; j < d->n_disks; j++) {
				const struct kh_disk *k = &d->disks[j];
				char *vol = k->pool ? kh_asprintf("%s/%s", k->pool, k->volume) : NULL;

				row(t, (const char *const[]){ k->target, k->device, k->source, vol,
							      size_cell(k->capacity).s,
							      size_cell(k->allocation).s,
							      size_cell(k->physical).s });
				free(vol);
			}
		}
		if (d->n_ifaces) {
			t = table(doc, 4, iface_head, "  ");
			for (size_t j = 0; j < d->n_ifaces; j++) {
				const struct kh_iface *x = &d->ifaces[j];

				row(t, (const char *const[]){ x->mac, x->type, x->source, x->model });
			}
		}
	}
}

/* A column of show's object tables: its head and the kind's field it shows (a number as a
 * size in binary units, a flag as yes or no, text as it is). */
struct column {
	const char *head, *field;
};

#define MAX_COLUMNS 8

/* A section "What: n" and, when n > 0, a table of one row per object of kind k. */
static void objects_table(struct kh_doc *d, const char *what, const struct kh_kind *k,
			  const void *items, size_t n, const struct column *cols, size_t n_cols)
{
	const struct kh_kind_field *fields[MAX_COLUMNS];
	const char *head[MAX_COLUMNS];
	struct kh_table *t;

	for (size_t c = 0; c < n_cols; c++) {
		head[c] = cols[c].head;
		fields[c] = kh_kind_field(k, cols[c].field);
	}
	if ((t = counted_table(d, what, n, n_cols, head)) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		const void *obj = kh_kind_at(k, items, i);

		for (size_t c = 0; c < n_cols; c++) {
			const struct kh_kind_field *f = fields[c];

			if (f->type == KH_FT_NUM)
				kh_cell(t, size_cell(kh_field_num(f, obj)).s);
			else if (f->type == KH_FT_FLAG)
				kh_cell(t, flag_word((int)kh_field_num(f, obj)));
			else
				kh_cell(t, kh_field_text(f, obj));
		}
	}
}

#define OBJECTS_TABLE(d, what, kind, items, n, cols) \
	do { \
		_Static_assert(sizeof(cols) / sizeof((cols)[0]) <= MAX_COLUMNS, "too many"); \
		objects_table(d, what, kind, items, n, cols, sizeof(cols) / sizeof((cols)[0])); \
	} while (0)

static void show_pools(struct kh_doc *d, const struct kh_snapshot *s)
{
	static const struct column cols[] = {
		{ "Name", "name" },	      { "State", "state" },
		{ "Autostart", "autostart" }, { "Type", "type" },
		{ "Capacity", "capacity" },   { "Allocation", "allocation" },
		{ "Available", "available" }, { "Path", "path" },
	};

	OBJECTS_TABLE(d, "Pools", &kh_pool_kind, s->pools, s->n_pools, cols);
}

/* Which volume is an overlay of which file: a table only where there are any. */
static void show_backing(struct kh_doc *d, const struct kh_snapshot *s)
{
	static const char *const head[] = { "Pool", "Volume", "Backing file", "Format" };
	struct kh_table *t = NULL;

	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct kh_volume *v = &s->volumes[i];

		if (v->backing == NULL)
			continue;
		if (t == NULL)
			t = table(d, 4, head, " ");
		row(t, (const char *const[]){ v->pool, v->name, v->backing, v->backing_format });
	}
}

static void show_volumes(struct kh_doc *d, const struct kh_snapshot *s)
{
	static const struct column cols[] = {
		{ "Pool", "pool" },	      { "Name", "name" },
		{ "Format", "format" },	      { "Capacity", "capacity" },
		{ "Allocation", "allocation" }, { "Physical", "physical" },
		{ "Path", "path" },
	};

	OBJECTS_TABLE(d, "Volumes", &kh_volume_kind, s->volumes, s->n_volumes, cols);
	show_backing(d, s);
}

static void show_networks(struct kh_doc *d, const struct kh_snapshot *s)
{
	static const struct column cols[] = {
		{ "Name", "name" },	      { "Active", "active" },
		{ "Autostart", "autostart" }, { "Persistent", "persistent" },
		{ "Bridge", "bridge" },	      { "Forward", "forward" },
		{ "IPs", "ips" },
	};

	OBJECTS_TABLE(d, "Networks", &kh_network_kind, s->networks, s->n_networks, cols);
}

char *kh_show_text(const struct kh_snapshot *s)
{
	struct kh_doc d = { 0 };
	struct kh_block *f = kh_doc_fields(&d, KEY_WIDTH);
	char when[KH_TIME_LEN];
	char *hv;

	kh_time_format(s->taken_at, when);
	kh_field(f, "Snapshot", num_cell(s->id, "").s);
	kh_field(f, "Taken at", when);
	kh_field(f, "Host", s->host.hostname);
	kh_field(f, "URI", s->host.uri);
	kh_field(f, "Host UUID", s->host.host_uuid);
	hv = kh_asprintf("%s %s", s->host.hv_type ? s->host.hv_type : "-",
			 version_cell(s->host.hv_version).s);
	kh_field(f, "Hypervisor", hv);
	free(hv);
	kh_field(f, "libvirt", version_cell(s->host.libvirt_version).s);
	show_domains(&d, s);
	show_pools(&d, s);
	show_volumes(&d, s);
	show_networks(&d, s);
	return text_of(&d);
}

char *kh_snapshots_text(const struct kh_snapshot_info *v, size_t n)
{
	static const char *const head[] = { "Id", "Taken at", "Host", "URI", "Domains", "Pools",
					    "Volumes", "Networks" };
	struct kh_doc d = { 0 };
	struct kh_table *t = table(&d, 8, head, " ");

	for (size_t i = 0; i < n; i++) {
		char when[KH_TIME_LEN];

		kh_time_format(v[i].taken_at, when);
		row(t, (const char *const[]){ num_cell(v[i].id, "").s, when, v[i].hostname,
					      v[i].uri, num_cell(v[i].n_domains, "").s,
					      num_cell(v[i].n_pools, "").s,
					      num_cell(v[i].n_volumes, "").s,
					      num_cell(v[i].n_networks, "").s });
	}
	return text_of(&d);
}

char *kh_snapshots_json(const struct kh_snapshot_info *v, size_t n)
{
	json_t *a = json_array(), *j = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(v[i].id));
		json_object_set_new(o, "taken_at", kh_json_time(v[i].taken_at));
		json_object_set_new(o, "host", kh_json_str(v[i].hostname));
		json_object_set_new(o, "uri", kh_json_str(v[i].uri));
		json_object_set_new(o, "host_uuid", kh_json_str(v[i].host_uuid));
		json_object_set_new(o, "domains", json_integer(v[i].n_domains));
		json_object_set_new(o, "pools", json_integer(v[i].n_pools));
		json_object_set_new(o, "volumes", json_integer(v[i].n_volumes));
		json_object_set_new(o, "networks", json_integer(v[i].n_networks));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "snapshots", a);
	return kh_json_dump(j);
}

static void life_time(int64_t t, char out[KH_TIME_LEN])
{
	if (t)
		kh_time_format(t, out);
	else
		strcpy(out, "-");
}

char *kh_domains_text(const struct kh_domain_life *v, size_t n)
{
	static const char *const head[] = { "Name", "UUID", "URI", "First seen", "Last seen",
					    "Now" };
	static const char *const history_head[] = { "When", "Snapshot", "Domain", "Event" };
	struct kh_doc d = { 0 };
	struct kh_table *t = table(&d, 6, head, " ");
	int history = 0;

	for (size_t i = 0; i < n; i++) {
		char a[KH_TIME_LEN], z[KH_TIME_LEN];

		kh_time_format(v[i].first_seen, a);
		kh_time_format(v[i].last_seen, z);
		row(t, (const char *const[]){ v[i].name, v[i].uuid, v[i].uri, a, z,
					      v[i].present ? "present" : "gone" });
		history |= v[i].n_events != 0;
	}
	if (!history)
		return text_of(&d);
	kh_doc_heading(&d, 2, "History")->end = ':';
	t = table(&d, 4, history_head, "  ");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_events; j++) {
			const struct kh_domain_event *e = &v[i].events[j];
			char when[KH_TIME_LEN], *what;

			life_time(e->at, when);
			what = e->old_name ? kh_asprintf("%s from %s", e->event, e->old_name)
					   : kh_strdup(e->event);
			row(t, (const char *const[]){ when,
						      e->snapshot ? num_cell(e->snapshot, "").s : "-",
						      e->name, what });
			free(what);
		}
	}
	return text_of(&d);
}

char *kh_domains_json(const struct kh_domain_life *v, size_t n)
{
	json_t *a = json_array(), *j = json_object();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object(), *ev = json_array();

		json_object_set_new(o, "name", kh_json_str(v[i].name));
		json_object_set_new(o, "uuid", kh_json_str(v[i].uuid));
		json_object_set_new(o, "uri", kh_json_str(v[i].uri));
		json_object_set_new(o, "first_seen", kh_json_time(v[i].first_seen));
		json_object_set_new(o, "first_snapshot", json_integer(v[i].first_snapshot));
		json_object_set_new(o, "last_seen", kh_json_time(v[i].last_seen));
		json_object_set_new(o, "last_snapshot", json_integer(v[i].last_snapshot));
		json_object_set_new(o, "present", json_boolean(v[i].present));
		for (size_t k = 0; k < v[i].n_events; k++) {
			const struct kh_domain_event *e = &v[i].events[k];
			json_t *x = json_object();

			json_object_set_new(x, "event", json_string(e->event));
			json_object_set_new(x, "at", e->at ? kh_json_time(e->at) : json_null());
			json_object_set_new(x, "snapshot",
					    e->snapshot ? json_integer(e->snapshot) : json_null());
			json_object_set_new(x, "name", kh_json_str(e->name));
			json_object_set_new(x, "old_name", kh_json_str(e->old_name));
			json_array_append_new(ev, x);
		}
		json_object_set_new(o, "events", ev);
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "domains", a);
	return kh_json_dump(j);
}
