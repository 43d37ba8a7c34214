#!/bin/bash
# Throwaway cluster for the demo: initdb, start with ztsdb preloaded,
# pgbench ingestion, a range query, stats; always stops and removes it.
set -euo pipefail
seconds=${1:-5}
bindir=$(pg_config --bindir)
data=$(mktemp -d /tmp/ztsdb-demo.XXXXXX)
port=${PGPORT_DEMO:-54329}
trap '"$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
"$bindir/initdb" -D "$data" -A trust >/dev/null
cat >> "$data/postgresql.conf" <<CONF
shared_preload_libraries = 'ztsdb'
port = $port
listen_addresses = ''
unix_socket_directories = '$data'
CONF
"$bindir/pg_ctl" -D "$data" -l "$data/log" -w start >/dev/null
psql=("$bindir/psql" -X -h "$data" -p "$port" -d postgres -v ON_ERROR_STOP=1)
"${psql[@]}" -q <<'SQL'
CREATE EXTENSION ztsdb;
CREATE TABLE metrics (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
SQL
cat > "$data/insert.sql" <<'PGB'
\set s random(1, 100)
INSERT INTO metrics VALUES (now(), :s, random() * 100);
PGB
echo "== pgbench: single-row INSERTs, 4 clients, ${seconds}s"
"$bindir/pgbench" -h "$data" -p "$port" -n -c 4 -j 2 -T "$seconds" -f "$data/insert.sql" postgres \
	| grep -E "number of transactions actually processed|tps ="
echo "== range query: series 42, last hour"
"${psql[@]}" -c "SELECT count(*) AS rows, min(ts), max(ts), round(avg(value)::numeric, 2) AS avg
                 FROM ztsdb.range('metrics', 42, now() - interval '1 hour', now() + interval '1 minute')"
echo "== chunks"
"${psql[@]}" -c "SELECT chunk_id, tier, rows, bytes FROM ztsdb.chunks('metrics') ORDER BY chunk_id"
echo "== ztsdb.stats()"
"${psql[@]}" -c "SELECT metric, value FROM ztsdb.stats() ORDER BY metric"
