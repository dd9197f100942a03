/* The schema as an append-only list of migrations: index + 1 is the version it brings the
 * database to. A mistake is fixed by a new step, never by editing an old one. */
#include "store/schema.h"

static const char *const migrations[] = {
	/* 1: the first schema. Objects are rows per snapshot; XML is stored once by content. */
	"CREATE TABLE xml ("
	"  id INTEGER PRIMARY KEY,"
	"  hash INTEGER NOT NULL,"
	"  body TEXT NOT NULL);"
	"CREATE INDEX xml_hash ON xml(hash);"
	"CREATE TABLE snapshot ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  taken_at INTEGER NOT NULL,"
	"  uri TEXT NOT NULL,"
	"  hostname TEXT,"
	"  host_uuid TEXT,"
	"  hv_type TEXT,"
	"  libvirt_version INTEGER,"
	"  hv_version INTEGER);"
	"CREATE INDEX snapshot_uri_time ON snapshot(uri, taken_at);"
	"CREATE INDEX snapshot_time ON snapshot(taken_at);"
	"CREATE TABLE domain ("
	"  id INTEGER PRIMARY KEY,"
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  name TEXT, uuid TEXT, state TEXT,"
	"  vcpus INTEGER, memory_kib INTEGER, max_memory_kib INTEGER,"
	"  autostart INTEGER, persistent INTEGER, os_type TEXT,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE INDEX domain_snapshot ON domain(snapshot_id);"
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
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  name TEXT, uuid TEXT, type TEXT, state TEXT, autostart INTEGER, persistent INTEGER,"
	"  capacity INTEGER, allocation INTEGER, available INTEGER, path TEXT,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE INDEX pool_snapshot ON pool(snapshot_id);"
	"CREATE TABLE volume ("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  pool TEXT, name TEXT, key TEXT, path TEXT, format TEXT, type TEXT,"
	"  capacity INTEGER, allocation INTEGER, physical INTEGER,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE INDEX volume_snapshot ON volume(snapshot_id);"
	"CREATE TABLE network ("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,"
	"  name TEXT, uuid TEXT, active INTEGER, autostart INTEGER, persistent INTEGER,"
	"  bridge TEXT, forward TEXT, ips TEXT, dhcp_ranges TEXT,"
	"  xml_id INTEGER REFERENCES xml(id), error TEXT);"
	"CREATE INDEX network_snapshot ON network(snapshot_id);",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == KH_SCHEMA_VERSION,
	       "one migration per schema version");

const char *kh_schema_migration(int version)
{
	if (version < 1 || version > KH_SCHEMA_VERSION)
		return 0;
	return migrations[version - 1];
}
