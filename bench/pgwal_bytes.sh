#!/bin/bash
# bench/pgwal_bytes.sh: PostgreSQL WAL bytes per row and load time of one
# 1,000,000-row INSERT ... SELECT (ts, series_id of 500 series, float8) into
# a ztsdb table and into heap + btree(series_id, ts), on one throwaway
# cluster configured as make bench's, with wal_level as given (default
# replica; with minimal ztsdb ships nothing: wal_rmgr.h).
#
#   bench/pgwal_bytes.sh [replica|logical|minimal]   (as a user initdb accepts)
set -euo pipefail
level=${1:-replica}
. "$(cd "$(dirname "$0")" && pwd)/cluster_conf.sh"
bindir=$(pg_config --bindir)
work=${WB_DIR:-/tmp/ztsdb-walbytes}
port=${WB_PORT:-54401}
rm -rf "$work"; mkdir -p "$work"
"$bindir/initdb" -D "$work/data" -A trust >/dev/null
bench_cluster_conf "$work/data" "$port" "$work"
printf 'wal_level = %s\n' "$level" >> "$work/data/postgresql.conf"
[ "$level" = minimal ] && printf 'max_wal_senders = 0\n' >> "$work/data/postgresql.conf"
"$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
trap '"$bindir/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null' EXIT
psql() { "$bindir/psql" -X -q -At -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql <<SQL
CREATE EXTENSION ztsdb;
CREATE TABLE t_ztsdb (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb
	WITH (ztsdb.time = 'ts', ztsdb.series = 'series_id');
CREATE TABLE t_heap_btree (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
CREATE INDEX ON t_heap_btree (series_id, ts);
SQL
for t in ztsdb heap_btree; do
	a=$(psql -c "SELECT pg_current_wal_insert_lsn()")
	s=$(date +%s%N)
	psql -c "INSERT INTO t_$t SELECT '2024-01-01'::timestamptz + g * interval '10 ms', g % 500, g * 0.25 FROM generate_series(1, 1000000) g"
	e=$(date +%s%N)
	b=$(psql -c "SELECT pg_current_wal_insert_lsn()")
	printf 'wal_level=%s %-10s %6.1f PostgreSQL WAL bytes/row, %6d ms\n' "$level" "$t" \
		"$(psql -c "SELECT pg_wal_lsn_diff('$b', '$a') / 1e6")" $(((e - s) / 1000000))
done
