/* The schema as an append-only list of migrations: index + 1 is the version it brings the
 * database to. A mistake is fixed by a new step, never by editing an old one. */
#include "store/schema.h"
#include "store/internal.h"

static const char *const migrations[] = {
	/* 1: the first schema. An object's version (a domain as it was, with its disks and
	 * interfaces) is a row; a span says in which snapshots of a host that version was
	 * seen, first_seq to last_seq, so an unchanged night only moves last_seq forward.
	 * XML is stored once by content. */
	"CREATE TABLE host ("
	"  id INTEGER PRIMARY KEY,"
	"  uri TEXT NOT NULL UNIQUE);"
	"CREATE TABLE snapshot ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  host_id INTEGER NOT NULL REFERENCES host(id),"
	"  seq INTEGER NOT NULL,"
	"  taken_at INTEGER NOT NULL,"
	"  hostname TEXT,"
	"  host_uuid TEXT,"
	"  hv_type TEXT,"
	"  libvirt_version INTEGER,"
	"  hv_version INTEGER);"
	"CREATE UNIQUE INDEX snapshot_host_seq ON snapshot(host_id, seq);"
	"CREATE INDEX snapshot_host_time ON snapshot(host_id, taken_at);"
	"CREATE INDEX snapshot_time ON snapshot(taken_at);"
	"CREATE TABLE xml ("
	"  id INTEGER PRIMARY KEY,"
	"  hash INTEGER NOT NULL,"
	"  body TEXT NOT NULL);"
	"CREATE INDEX xml_hash ON xml(hash);"
	"CREATE TABLE domain ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT, uuid TEXT, state TEXT,"
	"  vcpus INTEGER, memory_kib INTEGER, max_memory_kib INTEGER,"
	"  autostart INTEGER, persistent INTEGER, os_type TEXT,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE TABLE disk ("
	"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
	"  target TEXT, device TEXT, type TEXT, source TEXT, pool TEXT, volume TEXT,"
	"  capacity INTEGER, allocation INTEGER, physical INTEGER);"
	"CREATE INDEX disk_domain ON disk(domain_id);"
	"CREATE TABLE iface ("
	"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
	"  mac TEXT, type TEXT, source TEXT, model TEXT);"
	"CREATE INDEX iface_domain ON iface(domain_id);"
	"CREATE TABLE pool ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT, uuid TEXT, type TEXT, state TEXT, autostart INTEGER, persistent INTEGER,"
	"  capacity INTEGER, allocation INTEGER, available INTEGER, path TEXT,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE TABLE volume ("
	"  id INTEGER PRIMARY KEY,"
	"  pool TEXT, name TEXT, key TEXT, path TEXT, format TEXT, type TEXT,"
	"  capacity INTEGER, allocation INTEGER, physical INTEGER,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE TABLE network ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT, uuid TEXT, active INTEGER, autostart INTEGER, persistent INTEGER,"
	"  bridge TEXT, forward TEXT, ips TEXT, dhcp_ranges TEXT,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE TABLE span ("
	"  id INTEGER PRIMARY KEY,"
	"  host_id INTEGER NOT NULL REFERENCES host(id),"
	"  kind INTEGER NOT NULL,"          /* enum kh_kind: 0 domain, 1 pool, 2 volume, 3 network */
	"  object_id INTEGER NOT NULL,"     /* the row in that kind's table */
	"  first_seq INTEGER NOT NULL,"
	"  last_seq INTEGER NOT NULL);"
	"CREATE INDEX span_host_kind_last ON span(host_id, kind, last_seq);"
	"CREATE INDEX span_object ON span(kind, object_id);",
	/* 2: a running domain's live XML, kept only where it differs from the persistent one,
	 * so that pending drift (what changes at next boot) can be shown. */
	"ALTER TABLE domain ADD COLUMN live_xml_id INTEGER REFERENCES xml(id);",

	/* 3: measured numbers apart from versions. A growing volume or a filling pool keeps its
	 * version (capacity stays in it: a resize is a new version) and gets a row here only
	 * when allocation or physical/available change; a row holds from `seq` of the
	 * object's host until the next row of the same object. Existing numbers move here. */
	"CREATE TABLE size ("
	"  kind INTEGER NOT NULL,"          /* enum kh_kind: 1 pool, 2 volume */
	"  object_id INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  allocation INTEGER,"
	"  extra INTEGER,"                  /* volume: physical; pool: available */
	"  PRIMARY KEY (kind, object_id, seq)) WITHOUT ROWID;"
	"INSERT INTO size SELECT 1, p.id, min(sp.first_seq), p.allocation, p.available"
	"  FROM pool p JOIN span sp ON sp.kind = 1 AND sp.object_id = p.id GROUP BY p.id;"
	"INSERT INTO size SELECT 2, v.id, min(sp.first_seq), v.allocation, v.physical"
	"  FROM volume v JOIN span sp ON sp.kind = 2 AND sp.object_id = v.id GROUP BY v.id;"
	"UPDATE pool SET allocation = NULL, available = NULL;"
	"UPDATE volume SET allocation = NULL, physical = NULL;",

	/* 4: the versions first seen in a snapshot, found without reading every live version:
	 * what a report needs for each night. Queries on span name the index they use (INDEXED
	 * BY), so this one serves those and nothing else. */
	"CREATE INDEX span_host_kind_first ON span(host_id, kind, first_seq);",

	/* 5: open spans. A version in its host's latest snapshot has last_seq = the largest
	 * integer (KH_SPAN_OPEN): present from first_seq through whatever is the latest. An
	 * unchanged object then costs no write at all on a night (it cost a span update and
	 * its index entries); its span is closed, at the last snapshot that had it, when it
	 * changes or goes. */
	"UPDATE span SET last_seq = 9223372036854775807"
	"  WHERE last_seq >="
	"  (SELECT max(seq) FROM snapshot s WHERE s.host_id = span.host_id);",

	/* 6: backing chains and domain snapshots. A volume's backing file (a snapshot's
	 * overlay, a linked clone), so that its base is seen in use; a domain's libvirt
	 * snapshots, part of its version as its disks are: a snapshot taken or deleted is a
	 * change of the domain. */
	"ALTER TABLE volume ADD COLUMN backing TEXT;"
	"ALTER TABLE volume ADD COLUMN backing_format TEXT;"
	"CREATE TABLE domsnap ("
	"  domain_id INTEGER NOT NULL REFERENCES domain(id) ON DELETE CASCADE,"
	"  name TEXT, created INTEGER, state TEXT, parent TEXT, current INTEGER, kind TEXT);"
	"CREATE INDEX domsnap_domain ON domsnap(domain_id);",

	/* 7: XML bodies compressed (store/body.c): a zstd frame with a dictionary of xml_dict
	 * (trained on the database's own XML; each body names its dictionary, so a new one
	 * never makes an old body unreadable), or a delta: a frame against another body,
	 * base_id. A plain TEXT body is still one. The bodies there are go into a new table
	 * in this same transaction (kh_body_convert, then steps[6].then): rewritten in place
	 * they would leave their pages nearly empty, and new bodies never fill those; the old
	 * table's pages are free for what comes next (`kvmhist vacuum` gives them back). */
	"CREATE TABLE xml_dict ("
	"  id INTEGER PRIMARY KEY,"
	"  samples INTEGER NOT NULL,"       /* how many bodies it was trained on */
	"  last_xml INTEGER NOT NULL,"      /* the highest xml id when it was trained */
	"  dict BLOB NOT NULL);"
	"CREATE TABLE xml_new ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"  /* never reused: readers cache by id */
	"  hash INTEGER NOT NULL,"          /* of the text */
	"  body NOT NULL,"                  /* TEXT: plain; BLOB: a zstd frame */
	"  dict_id INTEGER REFERENCES xml_dict(id),"
	"  base_id INTEGER REFERENCES xml(id));",

	/* 8: the filesystem a pool's target path is on (stat's st_dev), where the collector
	 * runs beside the daemon: pools on one device are one storage (report/report.c).
	 * Part of the pool's version; NULL (unknown) for the rows before. */
	"ALTER TABLE pool ADD COLUMN target_device TEXT;",
};

/* What SQL cannot do of a migration, after its SQL and in its transaction, and the SQL
 * that follows that. */
static const struct {
	int (*convert)(struct kh_store *, struct kh_err *);
	const char *then;
} steps[] = {
	[6] = { kh_body_convert, "DROP TABLE xml; ALTER TABLE xml_new RENAME TO xml;"
				 "CREATE INDEX xml_hash ON xml(hash);" },
};

_Static_assert(sizeof migrations / sizeof migrations[0] == KH_SCHEMA_VERSION,
	       "one migration per schema version");

int kh_schema_step(struct kh_store *st, int version, struct kh_err *err)
{
	if (version < 1 || version > (int)(sizeof steps / sizeof steps[0]) ||
	    !steps[version - 1].convert)
		return 0;
	if (steps[version - 1].convert(st, err))
		return -1;
	if (sqlite3_exec(st->db, steps[version - 1].then, NULL, NULL, NULL) != SQLITE_OK)
		return kh_store_db_error(st, err, "cannot update");
	return 0;
}

const char *kh_schema_migration(int version)
{
	if (version < 1 || version > KH_SCHEMA_VERSION)
		return 0;
	return migrations[version - 1];
}
