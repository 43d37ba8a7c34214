#!/bin/bash
# bench/file_cache.sh: the fixed cost of a query per chunk file (issue 14).
# 100,000 series x 10 points over one day (1,000,000 rows) arriving in time
# order, sealed with the default 1MB hot chunks: about 30 warm files, each
# holding every series, so a one-series query over the whole history opens
# every file.  pgbench runs q2 (one series, whole history: count, sum, max)
# and q1 (one series, one hour) for a random series, on the ztsdb table and
# on a heap table with btree(series_id, ts), and prints each latency and the
# ratio ztsdb / heap.  Run it on two builds to compare (the data is the same
# every run: values from hashint8).
#   bench/file_cache.sh [SECONDS per query, default 8]
set -euo pipefail
secs=${1:-8}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_conf.sh"
bindir=$(pg_config --bindir)
work=$(mktemp -d /tmp/ztsdb-fcache.XXXXXX)
port=${BENCH_PORT:-54333}
cleanup() { "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
psql() { "$bindir/psql" -X -q -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
"$bindir/initdb" -D "$work/data" -A trust >/dev/null
bench_cluster_conf "$work/data" "$port" "$work"
printf '%s\n' "ztsdb.hot_pool_size = 512MB" "ztsdb.cold_after = -1" \
	"ztsdb.seal_idle_timeout = 1h" "autovacuum = off" >> "$work/data/postgresql.conf"
"$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
psql 2>/dev/null <<'SQL'
CREATE EXTENSION ztsdb;
CREATE TABLE fc_ztsdb (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE fc_heap (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
CREATE INDEX ON fc_heap (series_id, ts);
INSERT INTO fc_ztsdb
SELECT '2024-01-01 00:00:00+00'::timestamptz + (p * 8640) * interval '1 s', s,
       (abs(hashint8(s::int8 * 1000003 + p)) % 100000) / 100.0
  FROM generate_series(0, 9) p, generate_series(0, 99999) s ORDER BY p, s;
INSERT INTO fc_heap SELECT * FROM fc_ztsdb;
SELECT ztsdb.seal('fc_ztsdb') \g /dev/null
VACUUM ANALYZE fc_heap;
SQL
echo "chunk files: $(psql -Atc "SELECT string_agg(tier || ' ' || n, ', ') FROM
	(SELECT tier, count(*) n FROM ztsdb.chunks('fc_ztsdb') GROUP BY 1 ORDER BY 1) c")"
declare -A q=(
	[q2]="SELECT count(*), sum(value), max(value) FROM TBL WHERE series_id = :s"
	[q1]="SELECT ts, value FROM TBL WHERE series_id = :s AND ts >= '2024-01-01 12:00:00+00' AND ts < '2024-01-01 13:00:00+00'"
)
for name in q2 q1; do
	declare -A ms=()
	for t in ztsdb heap; do
		printf '\\set s random(0, 99999)\n%s;\n' "${q[$name]//TBL/fc_$t}" > "$work/$name.sql"
		ms[$t]=$("$bindir/pgbench" -h "$work" -p "$port" -n -T "$secs" -f "$work/$name.sql" postgres 2>/dev/null |
			sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p')
	done
	printf '%s: ztsdb %s ms, heap %s ms, ztsdb/heap %s\n' "$name" "${ms[ztsdb]}" "${ms[heap]}" \
		"$(python3 -c "print(round(${ms[ztsdb]} / ${ms[heap]}, 2))")"
done
