#!/bin/sh
# clone-hosts.sh DB HOSTS: adds hosts 2..HOSTS to a database holding one host, each a copy of
# host 1 with objects, spans and size rows of its own (XML shared), as if HOSTS hosts had been
# collected side by side. For make bench: collecting them would take HOSTS times as long.
set -eu
db=$1
hosts=$2
{
echo "BEGIN;"
k=1
while [ "$k" -lt "$hosts" ]; do
	o=$((k * 100000000))
	cat <<SQL
INSERT INTO host(id, uri) SELECT id + $k, uri || '#$k' FROM host WHERE id = 1;
INSERT INTO snapshot(host_id, seq, taken_at, hostname, host_uuid, hv_type, libvirt_version, hv_version)
  SELECT 1 + $k, seq, taken_at, hostname || '-$k', host_uuid, hv_type, libvirt_version, hv_version
  FROM snapshot WHERE host_id = 1 ORDER BY id;
CREATE TEMP TABLE t AS SELECT * FROM domain WHERE id < 100000000; UPDATE t SET id = id + $o; INSERT INTO domain SELECT * FROM t; DROP TABLE t;
CREATE TEMP TABLE t AS SELECT * FROM pool WHERE id < 100000000; UPDATE t SET id = id + $o; INSERT INTO pool SELECT * FROM t; DROP TABLE t;
CREATE TEMP TABLE t AS SELECT * FROM volume WHERE id < 100000000; UPDATE t SET id = id + $o; INSERT INTO volume SELECT * FROM t; DROP TABLE t;
CREATE TEMP TABLE t AS SELECT * FROM network WHERE id < 100000000; UPDATE t SET id = id + $o; INSERT INTO network SELECT * FROM t; DROP TABLE t;
CREATE TEMP TABLE t AS SELECT * FROM disk WHERE domain_id < 100000000; UPDATE t SET domain_id = domain_id + $o; INSERT INTO disk SELECT * FROM t; DROP TABLE t;
CREATE TEMP TABLE t AS SELECT * FROM iface WHERE domain_id < 100000000; UPDATE t SET domain_id = domain_id + $o; INSERT INTO iface SELECT * FROM t; DROP TABLE t;
INSERT INTO span(id, host_id, kind, object_id, first_seq, last_seq)
  SELECT id + $o, 1 + $k, kind, object_id + $o, first_seq, last_seq FROM span WHERE host_id = 1;
INSERT INTO size(kind, object_id, seq, allocation, extra)
  SELECT kind, object_id + $o, seq, allocation, extra FROM size WHERE object_id < 100000000;
SQL
	k=$((k + 1))
done
echo "COMMIT;"
} | sqlite3 "$db"
