#include "report/show.h"
#include "report/diff.h"
#include "report/diff_render.h"
#include "report/table.h"
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

static json_t *domain_json(const struct kh_domain *d)
{
	json_t *j = json_object(), *disks = json_array(), *ifaces = json_array();

	json_object_set_new(j, "name", kh_json_str(d->name));
	json_object_set_new(j, "uuid", kh_json_str(d->uuid));
	json_object_set_new(j, "state", kh_json_str(d->state));
	json_object_set_new(j, "vcpus", kh_json_num(d->vcpus));
	json_object_set_new(j, "memory_kib", kh_json_num(d->memory_kib));
	json_object_set_new(j, "max_memory_kib", kh_json_num(d->max_memory_kib));
	json_object_set_new(j, "autostart", kh_json_flag(d->autostart));
	json_object_set_new(j, "persistent", kh_json_flag(d->persistent));
	json_object_set_new(j, "os_type", kh_json_str(d->os_type));
	for (size_t i = 0; i < d->n_disks; i++) {
		const struct kh_disk *k = &d->disks[i];
		json_t *o = json_object();

		json_object_set_new(o, "target", kh_json_str(k->target));
		json_object_set_new(o, "device", kh_json_str(k->device));
		json_object_set_new(o, "type", kh_json_str(k->type));
		json_object_set_new(o, "source", kh_json_str(k->source));
		json_object_set_new(o, "pool", kh_json_str(k->pool));
		json_object_set_new(o, "volume", kh_json_str(k->volume));
		json_object_set_new(o, "capacity", kh_json_num(k->capacity));
		json_object_set_new(o, "allocation", kh_json_num(k->allocation));
		json_object_set_new(o, "physical", kh_json_num(k->physical));
		json_array_append_new(disks, o);
	}
	json_object_set_new(j, "disks", disks);
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const struct kh_iface *f = &d->ifaces[i];
		json_t *o = json_object();

		json_object_set_new(o, "mac", kh_json_str(f->mac));
		json_object_set_new(o, "type", kh_json_str(f->type));
		json_object_set_new(o, "source", kh_json_str(f->source));
		json_object_set_new(o, "model", kh_json_str(f->model));
		json_array_append_new(ifaces, o);
	}
	json_object_set_new(j, "interfaces", ifaces);
	json_object_set_new(j, "error", kh_json_str(d->error));
	json_object_set_new(j, "pending", pending_json(d));
	return j;
}

static json_t *pool_json(const struct kh_pool *p)
{
	json_t *j = json_object();

	json_object_set_new(j, "name", kh_json_str(p->name));
	json_object_set_new(j, "uuid", kh_json_str(p->uuid));
	json_object_set_new(j, "type", kh_json_str(p->type));
	json_object_set_new(j, "state", kh_json_str(p->state));
	json_object_set_new(j, "autostart", kh_json_flag(p->autostart));
	json_object_set_new(j, "persistent", kh_json_flag(p->persistent));
	json_object_set_new(j, "capacity", kh_json_num(p->capacity));
	json_object_set_new(j, "allocation", kh_json_num(p->allocation));
	json_object_set_new(j, "available", kh_json_num(p->available));
	json_object_set_new(j, "path", kh_json_str(p->path));
	json_object_set_new(j, "error", kh_json_str(p->error));
	return j;
}

static json_t *volume_json(const struct kh_volume *v)
{
	json_t *j = json_object();

	json_object_set_new(j, "pool", kh_json_str(v->pool));
	json_object_set_new(j, "name", kh_json_str(v->name));
	json_object_set_new(j, "key", kh_json_str(v->key));
	json_object_set_new(j, "path", kh_json_str(v->path));
	json_object_set_new(j, "format", kh_json_str(v->format));
	json_object_set_new(j, "type", kh_json_str(v->type));
	json_object_set_new(j, "capacity", kh_json_num(v->capacity));
	json_object_set_new(j, "allocation", kh_json_num(v->allocation));
	json_object_set_new(j, "physical", kh_json_num(v->physical));
	json_object_set_new(j, "error", kh_json_str(v->error));
	return j;
}

static json_t *network_json(const struct kh_network *n)
{
	json_t *j = json_object();

	json_object_set_new(j, "name", kh_json_str(n->name));
	json_object_set_new(j, "uuid", kh_json_str(n->uuid));
	json_object_set_new(j, "active", kh_json_flag(n->active));
	json_object_set_new(j, "autostart", kh_json_flag(n->autostart));
	json_object_set_new(j, "persistent", kh_json_flag(n->persistent));
	json_object_set_new(j, "bridge", kh_json_str(n->bridge));
	json_object_set_new(j, "forward", kh_json_str(n->forward));
	json_object_set_new(j, "ips", json_words(n->ips));
	json_object_set_new(j, "dhcp_ranges", json_words(n->dhcp_ranges));
	json_object_set_new(j, "error", kh_json_str(n->error));
	return j;
}

char *kh_show_json(const struct kh_snapshot *s)
{
	json_t *j = json_object(), *a;

	json_object_set_new(j, "snapshot", kh_snapshot_ref_json(s));
	a = json_array();
	for (size_t i = 0; i < s->n_domains; i++)
		json_array_append_new(a, domain_json(&s->domains[i]));
	json_object_set_new(j, "domains", a);
	a = json_array();
	for (size_t i = 0; i < s->n_pools; i++)
		json_array_append_new(a, pool_json(&s->pools[i]));
	json_object_set_new(j, "pools", a);
	a = json_array();
	for (size_t i = 0; i < s->n_volumes; i++)
		json_array_append_new(a, volume_json(&s->volumes[i]));
	json_object_set_new(j, "volumes", a);
	a = json_array();
	for (size_t i = 0; i < s->n_networks; i++)
		json_array_append_new(a, network_json(&s->networks[i]));
	json_object_set_new(j, "networks", a);
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

static void field(struct kh_buf *b, const char *label, const char *value)
{
	kh_buf_printf(b, "%-15s ", label);
	kh_text_safe(b, value ? value : "-");
	kh_buf_puts(b, "\n");
}

/* What changes at next boot, with diff's lines ("domain NAME" then one line per change). */
static void show_pending(struct kh_buf *b, const struct kh_domain *d)
{
	struct kh_snapshot one = { .domains = (struct kh_domain *)d, .n_domains = 1 };
	struct kh_changes c = { 0 };
	struct kh_err err;
	char *text, *n;

	if (kh_diff_pending(&one, &c, &err)) {
		field(b, "Pending:", err.msg);
		return;
	}
	if (c.n) {
		n = kh_asprintf("%zu change%s at next boot (running \xe2\x86\x92 persistent config)", c.n,
				c.n == 1 ? "" : "s");
		field(b, "Pending:", n);
		free(n);
		text = kh_changes_text(&c, 0);
		kh_buf_puts(b, text);
		free(text);
	}
	kh_changes_free(&c);
}

static void show_domains(struct kh_buf *b, const struct kh_snapshot *s)
{
	kh_buf_printf(b, "\nDomains: %zu\n", s->n_domains);
	for (size_t i = 0; i < s->n_domains; i++) {
		const struct kh_domain *d = &s->domains[i];
		struct kh_table t;

		kh_buf_puts(b, "\n");
		field(b, "Name:", d->name);
		field(b, "UUID:", d->uuid);
		field(b, "OS Type:", d->os_type);
		field(b, "State:", d->state);
		field(b, "CPU(s):", num_cell(d->vcpus, "").s);
		field(b, "Max memory:", num_cell(d->max_memory_kib, " KiB").s);
		field(b, "Used memory:", num_cell(d->memory_kib, " KiB").s);
		field(b, "Persistent:", flag_word(d->persistent));
		field(b, "Autostart:", flag_word(d->autostart));
		if (d->error)
			field(b, "Warning:", d->error);
		show_pending(b, d);
		if (d->n_disks) {
			kh_table_init(&t, 7, "Target", "Device", "Source", "Volume", "Capacity",
				      "Allocation", "Physical");
			for (size_t j = 0; j < d->n_disks; j++) {
				const struct kh_disk *k = &d->disks[j];
				char *vol = k->pool ? kh_asprintf("%s/%s", k->pool, k->volume) : NULL;

				kh_table_row(&t, k->target, k->device, k->source, vol,
					     size_cell(k->capacity).s, size_cell(k->allocation).s,
					     size_cell(k->physical).s);
				free(vol);
			}
			kh_buf_puts(b, "\n");
			kh_table_render(&t, b, "  ");
			kh_table_free(&t);
		}
		if (d->n_ifaces) {
			kh_table_init(&t, 4, "Interface", "Type", "Source", "Model");
			for (size_t j = 0; j < d->n_ifaces; j++) {
				const struct kh_iface *f = &d->ifaces[j];

				kh_table_row(&t, f->mac, f->type, f->source, f->model);
			}
			kh_buf_puts(b, "\n");
			kh_table_render(&t, b, "  ");
			kh_table_free(&t);
		}
	}
}

static void show_pools(struct kh_buf *b, const struct kh_snapshot *s)
{
	struct kh_table t;

	kh_buf_printf(b, "\nPools: %zu\n", s->n_pools);
	if (s->n_pools == 0)
		return;
	kh_table_init(&t, 8, "Name", "State", "Autostart", "Type", "Capacity", "Allocation",
		      "Available", "Path");
	for (size_t i = 0; i < s->n_pools; i++) {
		const struct kh_pool *p = &s->pools[i];

		kh_table_row(&t, p->name, p->state, flag_word(p->autostart), p->type,
			     size_cell(p->capacity).s, size_cell(p->allocation).s,
			     size_cell(p->available).s, p->path);
	}
	kh_buf_puts(b, "\n");
	kh_table_render(&t, b, " ");
	kh_table_free(&t);
}

static void show_volumes(struct kh_buf *b, const struct kh_snapshot *s)
{
	struct kh_table t;

	kh_buf_printf(b, "\nVolumes: %zu\n", s->n_volumes);
	if (s->n_volumes == 0)
		return;
	kh_table_init(&t, 7, "Pool", "Name", "Format", "Capacity", "Allocation", "Physical",
		      "Path");
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct kh_volume *v = &s->volumes[i];

		kh_table_row(&t, v->pool, v->name, v->format, size_cell(v->capacity).s,
			     size_cell(v->allocation).s, size_cell(v->physical).s, v->path);
	}
	kh_buf_puts(b, "\n");
	kh_table_render(&t, b, " ");
	kh_table_free(&t);
}

static void show_networks(struct kh_buf *b, const struct kh_snapshot *s)
{
	struct kh_table t;

	kh_buf_printf(b, "\nNetworks: %zu\n", s->n_networks);
	if (s->n_networks == 0)
		return;
	kh_table_init(&t, 7, "Name", "Active", "Autostart", "Persistent", "Bridge", "Forward",
		      "IPs");
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct kh_network *n = &s->networks[i];

		kh_table_row(&t, n->name, flag_word(n->active), flag_word(n->autostart),
			     flag_word(n->persistent), n->bridge, n->forward, n->ips);
	}
	kh_buf_puts(b, "\n");
	kh_table_render(&t, b, " ");
	kh_table_free(&t);
}

char *kh_show_text(const struct kh_snapshot *s)
{
	struct kh_buf b = { 0 };
	char when[KH_TIME_LEN];
	char *hv;

	kh_time_format(s->taken_at, when);
	field(&b, "Snapshot:", num_cell(s->id, "").s);
	field(&b, "Taken at:", when);
	field(&b, "Host:", s->host.hostname);
	field(&b, "URI:", s->host.uri);
	field(&b, "Host UUID:", s->host.host_uuid);
	hv = kh_asprintf("%s %s", s->host.hv_type ? s->host.hv_type : "-",
			 version_cell(s->host.hv_version).s);
	field(&b, "Hypervisor:", hv);
	free(hv);
	field(&b, "libvirt:", version_cell(s->host.libvirt_version).s);
	show_domains(&b, s);
	show_pools(&b, s);
	show_volumes(&b, s);
	show_networks(&b, s);
	return kh_buf_steal(&b);
}

char *kh_snapshots_text(const struct kh_snapshot_info *v, size_t n)
{
	struct kh_buf b = { 0 };
	struct kh_table t;

	kh_table_init(&t, 8, "Id", "Taken at", "Host", "URI", "Domains", "Pools", "Volumes",
		      "Networks");
	for (size_t i = 0; i < n; i++) {
		char when[KH_TIME_LEN];

		kh_time_format(v[i].taken_at, when);
		kh_table_row(&t, num_cell(v[i].id, "").s, when, v[i].hostname, v[i].uri,
			     num_cell(v[i].n_domains, "").s, num_cell(v[i].n_pools, "").s,
			     num_cell(v[i].n_volumes, "").s, num_cell(v[i].n_networks, "").s);
	}
	kh_table_render(&t, &b, " ");
	kh_table_free(&t);
	return kh_buf_steal(&b);
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
	struct kh_buf b = { 0 };
	struct kh_table t;
	int history = 0;

	kh_table_init(&t, 6, "Name", "UUID", "URI", "First seen", "Last seen", "Now");
	for (size_t i = 0; i < n; i++) {
		char a[KH_TIME_LEN], z[KH_TIME_LEN];

		kh_time_format(v[i].first_seen, a);
		kh_time_format(v[i].last_seen, z);
		kh_table_row(&t, v[i].name, v[i].uuid, v[i].uri, a, z,
			     v[i].present ? "present" : "gone");
		history |= v[i].n_events != 0;
	}
	kh_table_render(&t, &b, " ");
	kh_table_free(&t);
	if (!history)
		return kh_buf_steal(&b);
	kh_buf_puts(&b, "\nHistory:\n");
	kh_table_init(&t, 4, "When", "Snapshot", "Domain", "Event");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < v[i].n_events; j++) {
			const struct kh_domain_event *e = &v[i].events[j];
			char when[KH_TIME_LEN], *what;

			life_time(e->at, when);
			what = e->old_name ? kh_asprintf("%s from %s", e->event, e->old_name)
					   : kh_strdup(e->event);
			kh_table_row(&t, when, e->snapshot ? num_cell(e->snapshot, "").s : "-",
				     e->name, what);
			free(what);
		}
	}
	kh_table_render(&t, &b, "  ");
	kh_table_free(&t);
	return kh_buf_steal(&b);
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
