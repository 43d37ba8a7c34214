#!/bin/bash
# Throwaway cluster for the demo: initdb, start with ztsdb preloaded, a
# ztsdb table and its layout, pgbench ingestion (its rate next to
# ztsdb.stats()'), a range query, chunks, stats; always stops and removes
# the cluster.  Each step prints its header first.
set -euo pipefail
seconds=${1:-5}
bindir=$(pg_config --bindir)
data=$(mktemp -d /tmp/ztsdb-demo.XXXXXX)
port=${PGPORT_DEMO:-54329}
trap '"$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$data"' EXIT
echo "== cluster: initdb and start with shared_preload_libraries = 'ztsdb' ($data)"
"$bindir/initdb" -D "$data" -A trust >/dev/null
cat >> "$data/postgresql.conf" <<CONF
shared_preload_libraries = 'ztsdb'
port = $port
listen_addresses = ''
unix_socket_directories = '$data'
CONF
"$bindir/pg_ctl" -D "$data" -l "$data/log" -w start >/dev/null
psql=("$bindir/psql" -X -h "$data" -p "$port" -d postgres -v ON_ERROR_STOP=1)

echo "== a ztsdb table"
sql="CREATE TABLE metrics (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;"
echo "$sql"
"${psql[@]}" -q -c "CREATE EXTENSION ztsdb" -c "$sql"

echo "== its time and series columns: SELECT * FROM ztsdb.table_layout('metrics')"
if [ "$("${psql[@]}" -Atc "SELECT to_regprocedure('ztsdb.table_layout(regclass)') IS NOT NULL")" = t ]; then
	"${psql[@]}" -c "SELECT * FROM ztsdb.table_layout('metrics')"
else
	echo "ztsdb.table_layout() is missing from this build: time column = the first timestamptz/timestamp"
	echo "column declared NOT NULL (ts), series column = the first integer column (series_id)"
fi

cat > "$data/insert.sql" <<'PGB'
\set s random(1, 100)
INSERT INTO metrics VALUES (now(), :s, random() * 100);
PGB
echo "== pgbench: single-row INSERTs, 4 clients, ${seconds}s"
pgb=$("$bindir/pgbench" -h "$data" -p "$port" -n -c 4 -j 2 -T "$seconds" -f "$data/insert.sql" postgres)
grep -E "number of transactions actually processed|tps =" <<<"$pgb"
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$pgb" | head -n 1)

echo "== ingest rate: pgbench's next to ztsdb.stats()' writes_per_sec (rows/s)"
"${psql[@]}" -At -F ' ' -c "
SELECT 'pgbench rows/s (tps x 1 row per transaction): ' || round($tps::numeric, 1),
       E'\nztsdb.stats() writes_per_sec:                 ' || round(value::numeric, 1),
       E'\nrate ratio (ztsdb / pgbench): ' || round((value / nullif($tps, 0))::numeric, 2)
  FROM ztsdb.stats() WHERE metric = 'writes_per_sec'"

echo "== range query: series 42, last hour"
"${psql[@]}" -c "SELECT count(*) AS rows, min(ts), max(ts), round(avg(value)::numeric, 2) AS avg
                 FROM ztsdb.range('metrics', 42, now() - interval '1 hour', now() + interval '1 minute')"
echo "== chunks"
"${psql[@]}" -c "SELECT chunk_id, tier, rows, bytes FROM ztsdb.chunks('metrics') ORDER BY chunk_id"
echo "== sizes: ztsdb.stat_tables"
"${psql[@]}" -c "SELECT table_name, rows_hot, hot_memory_bytes, bytes_warm + bytes_cold AS file_bytes, total_bytes
                 FROM ztsdb.stat_tables ORDER BY 1"
echo "== ztsdb.stats()"
"${psql[@]}" -c "SELECT metric, value FROM ztsdb.stats() ORDER BY metric"
