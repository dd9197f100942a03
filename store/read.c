/* Reading snapshots: the object versions whose span covers a snapshot's sequence number. */
#include "store/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int step_end(struct kh_store *st, int rc, struct kh_err *err)
{
	return rc == SQLITE_DONE ? 0 : kh_store_db_error(st, err, "cannot read snapshot");
}

/* The statement of `id` (one of the *_GET) that reads spans through the index `which` needs. */
static enum stmt_id by_index(enum stmt_id id, enum kh_which which)
{
	if (which == KH_MEASURED)
		return id == S_POOLS_GET ? S_POOLS_MEASURED : S_VOLUMES_MEASURED;
	if (which != KH_STARTED)
		return id;
	switch (id) {
	case S_DOMAINS_GET: return S_DOMAINS_STARTED;
	case S_DISKS_GET: return S_DISKS_STARTED;
	case S_IFACES_GET: return S_IFACES_STARTED;
	case S_DOMSNAPS_GET: return S_DOMSNAPS_STARTED;
	case S_POOLS_GET: return S_POOLS_STARTED;
	case S_VOLUMES_GET: return S_VOLUMES_STARTED;
	default: return S_NETWORKS_STARTED;
	}
}

static sqlite3_stmt *at_seq(struct kh_store *st, enum stmt_id id, int64_t host_id, int64_t seq,
			    enum kh_which which, int64_t other, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, by_index(id, which), err);

	if (s) {
		sqlite3_bind_int64(s, 1, host_id);
		sqlite3_bind_int64(s, 2, seq);
		/* STARTED: present at seq, not at the earlier `other`; ENDED: present at seq,
		 * not at the later `other`. Pruned snapshots leave gaps between the two. */
		if (which == KH_MEASURED) {
			sqlite3_bind_int64(s, 3, seq < other ? seq : other);
			sqlite3_bind_int64(s, 4, seq < other ? other : seq);
		} else {
			sqlite3_bind_int64(s, 3, which == KH_STARTED ? other + 1 : 0);
			sqlite3_bind_int64(s, 4, which == KH_ENDED ? other - 1 : INT64_MAX);
		}
	}
	return s;
}

/* ?5 of the object statements: whether to read XML bodies. */
static int bind_xml(struct kh_store *st, sqlite3_stmt *s, int xml, struct kh_err *err)
{
	if (sqlite3_bind_int(s, 5, xml != 0) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot read snapshot");
	return 0;
}

static void read_version(sqlite3_stmt *s, struct kh_version **v, size_t n, size_t *cap)
{
	struct kh_version *x;

	if (v == NULL)
		return;
	kh_grow(v, cap, n, sizeof **v);
	x = &(*v)[n - 1];
	x->span_id = sqlite3_column_int64(s, 0);
	x->row_id = sqlite3_column_int64(s, 1);
	x->xml_id = sqlite3_column_int64(s, 2);
}

/* Disk, interface and domain snapshot rows come ordered by domain row, as the domains do: one
 * forward walk pairs them. `what`: S_DISKS_GET, S_IFACES_GET or S_DOMSNAPS_GET. */
static int load_children(struct kh_store *st, struct kh_snapshot *snap, const int64_t *rows,
			 int64_t host_id, int64_t seq, enum kh_which which, int64_t other,
			 enum stmt_id what, struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(st, what, host_id, seq, which, other, err);
	size_t at = 0;
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t dom = sqlite3_column_int64(s, 0);

		while (at < snap->n_domains && rows[at] != dom)
			at++;
		if (at == snap->n_domains) {
			rc = SQLITE_DONE;
			break;
		}
		if (what == S_DOMSNAPS_GET) {
			struct kh_domsnap *n = kh_domain_add_snap(&snap->domains[at]);

			n->name = kh_col_text(s, 1);
			n->created = kh_col_num(s, 2);
			n->state = kh_col_text(s, 3);
			n->parent = kh_col_text(s, 4);
			n->current = kh_col_num(s, 5) == 1;
			n->kind = kh_col_text(s, 6);
		} else if (what == S_IFACES_GET) {
			struct kh_iface *f = kh_domain_add_iface(&snap->domains[at]);

			f->mac = kh_col_text(s, 1);
			f->type = kh_col_text(s, 2);
			f->source = kh_col_text(s, 3);
			f->model = kh_col_text(s, 4);
		} else {
			struct kh_disk *k = kh_domain_add_disk(&snap->domains[at]);

			k->target = kh_col_text(s, 1);
			k->device = kh_col_text(s, 2);
			k->type = kh_col_text(s, 3);
			k->source = kh_col_text(s, 4);
			k->pool = kh_col_text(s, 5);
			k->volume = kh_col_text(s, 6);
			k->capacity = kh_col_num(s, 7);
			k->allocation = kh_col_num(s, 8);
			k->physical = kh_col_num(s, 9);
		}
	}
	sqlite3_reset(s);
	return step_end(st, rc, err);
}

static int load_domains(struct kh_store *st, struct kh_snapshot *snap, int64_t host_id,
			enum kh_which which, int64_t other, int64_t seq, int xml,
			struct kh_versions *v, struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(st, S_DOMAINS_GET, host_id, seq, which, other, err);
	int64_t *rows = NULL;
	size_t cap = 0, vcap = 0, n = 0;
	int rc;

	if (s == NULL || bind_xml(st, s, xml, err))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_domain *d = kh_snapshot_add_domain(snap);

		*(int64_t *)KH_PUSH(rows, n, cap) = sqlite3_column_int64(s, 1);
		read_version(s, v ? &v->domains : NULL, n, &vcap);
		if (v)
			v->domains[n - 1].live_xml_id = sqlite3_column_int64(s, 15);
		d->name = kh_col_text(s, 3);
		d->uuid = kh_col_text(s, 4);
		d->state = kh_col_text(s, 5);
		d->vcpus = kh_col_num(s, 6);
		d->memory_kib = kh_col_num(s, 7);
		d->max_memory_kib = kh_col_num(s, 8);
		d->autostart = (int)kh_col_num(s, 9);
		d->persistent = (int)kh_col_num(s, 10);
		d->os_type = kh_col_text(s, 11);
		d->xml = kh_col_text(s, 12);
		d->error = kh_col_text(s, 13);
		d->live_xml = kh_col_text(s, 14);
	}
	rc = step_end(st, rc, err) ||
	     load_children(st, snap, rows, host_id, seq, which, other, S_DISKS_GET, err) ||
	     load_children(st, snap, rows, host_id, seq, which, other, S_IFACES_GET, err) ||
	     load_children(st, snap, rows, host_id, seq, which, other, S_DOMSNAPS_GET, err);
	free(rows);
	return rc ? -1 : 0;
}

static int load_pools(struct kh_store *st, struct kh_snapshot *snap, int64_t host_id,
			enum kh_which which, int64_t other, int64_t seq, int xml,
			struct kh_versions *v, struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(st, S_POOLS_GET, host_id, seq, which, other, err);
	struct kh_xml_num nums[KH_MEASURED_NUMS];
	size_t vcap = 0;
	int rc;

	if (s == NULL || bind_xml(st, s, xml, err))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_pool *p = kh_snapshot_add_pool(snap);

		read_version(s, v ? &v->pools : NULL, snap->n_pools, &vcap);
		p->name = kh_col_text(s, 3);
		p->uuid = kh_col_text(s, 4);
		p->type = kh_col_text(s, 5);
		p->state = kh_col_text(s, 6);
		p->autostart = (int)kh_col_num(s, 7);
		p->persistent = (int)kh_col_num(s, 8);
		p->capacity = kh_col_num(s, 9);
		p->allocation = kh_col_num(s, 10);
		p->available = kh_col_num(s, 11);
		p->path = kh_col_text(s, 12);
		kh_pool_nums(p, nums);
		p->xml = kh_xml_nums_fill(kh_col_text(s, 13), nums, KH_MEASURED_NUMS);
		p->error = kh_col_text(s, 14);
	}
	return step_end(st, rc, err);
}

static int load_volumes(struct kh_store *st, struct kh_snapshot *snap, int64_t host_id,
			enum kh_which which, int64_t other, int64_t seq, int xml,
			struct kh_versions *v, struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(st, S_VOLUMES_GET, host_id, seq, which, other, err);
	struct kh_xml_num nums[KH_MEASURED_NUMS];
	size_t vcap = 0;
	int rc;

	if (s == NULL || bind_xml(st, s, xml, err))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_volume *x = kh_snapshot_add_volume(snap);

		read_version(s, v ? &v->volumes : NULL, snap->n_volumes, &vcap);
		x->pool = kh_col_text(s, 3);
		x->name = kh_col_text(s, 4);
		x->key = kh_col_text(s, 5);
		x->path = kh_col_text(s, 6);
		x->format = kh_col_text(s, 7);
		x->type = kh_col_text(s, 8);
		x->capacity = kh_col_num(s, 9);
		x->allocation = kh_col_num(s, 10);
		x->physical = kh_col_num(s, 11);
		kh_volume_nums(x, nums);
		x->xml = kh_xml_nums_fill(kh_col_text(s, 12), nums, KH_MEASURED_NUMS);
		x->error = kh_col_text(s, 13);
		x->backing = kh_col_text(s, 14);
		x->backing_format = kh_col_text(s, 15);
	}
	return step_end(st, rc, err);
}

static int load_networks(struct kh_store *st, struct kh_snapshot *snap, int64_t host_id,
			enum kh_which which, int64_t other, int64_t seq, int xml,
			struct kh_versions *v, struct kh_err *err)
{
	sqlite3_stmt *s = at_seq(st, S_NETWORKS_GET, host_id, seq, which, other, err);
	size_t vcap = 0;
	int rc;

	if (s == NULL || bind_xml(st, s, xml, err))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_network *n = kh_snapshot_add_network(snap);

		read_version(s, v ? &v->networks : NULL, snap->n_networks, &vcap);
		n->name = kh_col_text(s, 3);
		n->uuid = kh_col_text(s, 4);
		n->active = (int)kh_col_num(s, 5);
		n->autostart = (int)kh_col_num(s, 6);
		n->persistent = (int)kh_col_num(s, 7);
		n->bridge = kh_col_text(s, 8);
		n->forward = kh_col_text(s, 9);
		n->ips = kh_col_text(s, 10);
		n->dhcp_ranges = kh_col_text(s, 11);
		n->xml = kh_col_text(s, 12);
		n->error = kh_col_text(s, 13);
	}
	return step_end(st, rc, err);
}

int kh_store_load_objects(struct kh_store *st, int64_t host_id, int64_t seq,
			  enum kh_which which, int64_t other, int xml, struct kh_snapshot *snap,
			  struct kh_versions *v, struct kh_err *err)
{
	if (which == KH_MEASURED)
		return load_pools(st, snap, host_id, which, other, seq, xml, v, err) ||
		       load_volumes(st, snap, host_id, which, other, seq, xml, v, err) ? -1 : 0;
	return load_domains(st, snap, host_id, which, other, seq, xml, v, err) ||
			       load_pools(st, snap, host_id, which, other, seq, xml, v, err) ||
			       load_volumes(st, snap, host_id, which, other, seq, xml, v, err) ||
			       load_networks(st, snap, host_id, which, other, seq, xml, v, err)
		       ? -1
		       : 0;
}

/* A snapshot's time and host facts, from column `at` on: taken_at, uri, hostname, host_uuid,
 * hv_type, libvirt_version, hv_version (S_SNAP_GET and S_SNAP_AT_SEQ). */
static void read_head(sqlite3_stmt *s, int at, struct kh_snapshot *snap)
{
	snap->taken_at = sqlite3_column_int64(s, at);
	snap->host.uri = kh_col_text(s, at + 1);
	snap->host.hostname = kh_col_text(s, at + 2);
	snap->host.host_uuid = kh_col_text(s, at + 3);
	snap->host.hv_type = kh_col_text(s, at + 4);
	snap->host.libvirt_version = kh_col_num(s, at + 5);
	snap->host.hv_version = kh_col_num(s, at + 6);
}

int kh_store_snap_head(struct kh_store *st, int64_t host_id, int64_t seq,
		       struct kh_snapshot *snap, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_SNAP_AT_SEQ, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, host_id);
	sqlite3_bind_int64(s, 2, seq);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snap->id = sqlite3_column_int64(s, 0);
		read_head(s, 1, snap);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read snapshot");
	return 0;
}

void kh_versions_free(struct kh_versions *v)
{
	free(v->domains);
	free(v->pools);
	free(v->volumes);
	free(v->networks);
	memset(v, 0, sizeof *v);
}

/* A snapshot's host, seq and head (id, time, host facts) into a new snapshot. */
static struct kh_snapshot *load_head(struct kh_store *st, int64_t id, int64_t *host_id,
				     int64_t *seq, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_SNAP_GET, err);
	struct kh_snapshot *snap;
	int rc;

	if (s == NULL)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			kh_err_set(err, "no snapshot %lld", (long long)id);
		else
			kh_store_db_error(st, err, "cannot read snapshot");
		return NULL;
	}
	snap = kh_snapshot_new();
	snap->id = id;
	*host_id = sqlite3_column_int64(s, 0);
	*seq = sqlite3_column_int64(s, 1);
	read_head(s, 2, snap);
	sqlite3_reset(s);
	return snap;
}

int kh_store_load(struct kh_store *st, int64_t id, struct kh_snapshot **out, struct kh_err *err)
{
	struct kh_snapshot *snap = NULL;
	int64_t host_id, seq;

	*out = NULL;
	/* One read transaction, so a concurrent collect cannot show us half of anything. */
	if (kh_store_exec(st, "BEGIN", err))
		return -1;
	if ((snap = load_head(st, id, &host_id, &seq, err)) == NULL)
		goto fail;
	if (kh_store_load_objects(st, host_id, seq, KH_PRESENT, 0, 1, snap, NULL, err))
		goto fail;
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	/* A resolved disk's sizes are its volume's: stored once, with the volume. */
	kh_snapshot_link(snap);
	kh_snapshot_sort(snap);
	*out = snap;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_snapshot_free(snap);
	return -1;
}

int kh_store_load_changes(struct kh_store *st, int64_t from_id, int64_t to_id,
			  struct kh_snapshot **from, struct kh_snapshot **to, struct kh_err *err)
{
	struct kh_snapshot *a = NULL, *b = NULL;
	int64_t host_a, host_b, seq_a, seq_b;

	*from = *to = NULL;
	if (kh_store_exec(st, "BEGIN", err))
		return -1;
	if ((a = load_head(st, from_id, &host_a, &seq_a, err)) == NULL ||
	    (b = load_head(st, to_id, &host_b, &seq_b, err)) == NULL)
		goto fail;
	if (host_a != host_b || seq_a == seq_b) {
		/* nothing in common to leave out: each whole */
		if (kh_store_load_objects(st, host_a, seq_a, KH_PRESENT, 0, 1, a, NULL, err) ||
		    kh_store_load_objects(st, host_b, seq_b, KH_PRESENT, 0, 1, b, NULL, err))
			goto fail;
	} else if (
		/* versions in one and not the other (spans are unbroken runs of seq), then the
		 * pools and volumes in both whose numbers moved in between */
		kh_store_load_objects(st, host_a, seq_a, seq_a < seq_b ? KH_ENDED : KH_STARTED,
				      seq_b, 1, a, NULL, err) ||
		kh_store_load_objects(st, host_b, seq_b, seq_b < seq_a ? KH_ENDED : KH_STARTED,
				      seq_a, 1, b, NULL, err) ||
		kh_store_load_objects(st, host_a, seq_a, KH_MEASURED, seq_b, 0, a, NULL, err) ||
		kh_store_load_objects(st, host_b, seq_b, KH_MEASURED, seq_a, 0, b, NULL, err)) {
		goto fail;
	}
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	kh_snapshot_link(a);
	kh_snapshot_link(b);
	kh_snapshot_sort(a);
	kh_snapshot_sort(b);
	*from = a;
	*to = b;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	kh_snapshot_free(a);
	kh_snapshot_free(b);
	return -1;
}

int kh_store_list(struct kh_store *st, const char *host, int64_t from, int64_t to,
		  struct kh_snapshot_info **out, size_t *n, struct kh_err *err)
{
	struct kh_snapshot_info *v = NULL;
	size_t cap = 0;
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = kh_store_stmt(st, S_LIST, err)) == NULL)
		return -1;
	kh_bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct kh_snapshot_info *i = KH_PUSH(v, *n, cap);

		i->id = sqlite3_column_int64(s, 0);
		i->taken_at = sqlite3_column_int64(s, 1);
		i->uri = kh_col_text(s, 2);
		i->hostname = kh_col_text(s, 3);
		i->host_uuid = kh_col_text(s, 4);
		i->n_domains = sqlite3_column_int64(s, 5);
		i->n_pools = sqlite3_column_int64(s, 6);
		i->n_volumes = sqlite3_column_int64(s, 7);
		i->n_networks = sqlite3_column_int64(s, 8);
	}
	if (rc != SQLITE_DONE) {
		kh_snapshot_infos_free(v, *n);
		*n = 0;
		return kh_store_db_error(st, err, "cannot list snapshots");
	}
	*out = v;
	return 0;
}

int kh_store_previous(struct kh_store *st, int64_t id, int64_t *prev, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_PREVIOUS, err);
	int rc;

	*prev = 0;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*prev = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kh_store_db_error(st, err, "cannot read snapshots");
	return 0;
}

int kh_store_uris(struct kh_store *st, const char *host, int64_t from, int64_t to, char ***out,
		  size_t *n, struct kh_err *err)
{
	sqlite3_stmt *s = kh_store_stmt(st, S_URIS, err);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	kh_bind_text(s, 1, host);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*KH_PUSH(*out, *n, cap) = kh_col_text(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < *n; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*n = 0;
		return kh_store_db_error(st, err, "cannot list snapshots");
	}
	return 0;
}
