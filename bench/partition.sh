#!/bin/bash
# bench/partition.sh: a series + time-range query through a partitioned
# parent (3 daily partitions, 100 series every 10 s = 2.6M rows) whose
# partitions are ztsdb tables, against the same parent with heap partitions
# indexed on (series_id, ts); interleaved rounds on one throwaway cluster,
# medians and their ratio.  The ztsdb side is also run with the series
# clause written as "series_id + 0 = :s", which is not pushed down (only
# the time range is): that shows what the series pushdown adds.
#
#   bench/partition.sh [rounds] [seconds]   (default 3 3; run as a user initdb accepts)
set -euo pipefail
rounds=${1:-3}; secs=${2:-3}
. "$(cd "$(dirname "$0")" && pwd)/cluster_conf.sh"
bindir=$(pg_config --bindir)
work=${PART_DIR:-/tmp/ztsdb-part}
port=${PART_PORT:-54410}
psql() { "$bindir/psql" -X -q -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
if [ ! -f "$work/data/PG_VERSION" ]; then
	rm -rf "$work"; mkdir -p "$work"
	"$bindir/initdb" -D "$work/data" -A trust >/dev/null
	bench_cluster_conf "$work/data" "$port" "$work"
	"$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
	psql >/dev/null 2>&1 <<'SQL'
CREATE EXTENSION ztsdb;
CREATE TABLE pz (ts timestamptz NOT NULL, host int NOT NULL, series_id int NOT NULL, value float8)
  PARTITION BY RANGE (ts);
CREATE TABLE ph (LIKE pz) PARTITION BY RANGE (ts);
DO $$
BEGIN
  FOR d IN 1..3 LOOP
    EXECUTE format($f$CREATE TABLE pz%s PARTITION OF pz FOR VALUES FROM ('2024-01-0%s') TO ('2024-01-0%s')
                      USING ztsdb WITH (ztsdb.series = 'series_id')$f$, d, d, d + 1);
    EXECUTE format($f$CREATE TABLE ph%s PARTITION OF ph FOR VALUES FROM ('2024-01-0%s') TO ('2024-01-0%s')$f$,
                   d, d, d + 1);
  END LOOP;
END $$;
CREATE INDEX ON ph (series_id, ts);
INSERT INTO pz SELECT '2024-01-01'::timestamptz + (i / 100) * interval '10 s', i % 7, i % 100, random()
  FROM generate_series(0, 3 * 8640 * 100 - 1) i;
INSERT INTO ph SELECT * FROM pz;
SELECT ztsdb.seal('pz1'), ztsdb.compress('pz1'), ztsdb.seal('pz2'), ztsdb.seal('pz3');
VACUUM ANALYZE ph;
ANALYZE pz;
SQL
fi
"$bindir/pg_ctl" -D "$work/data" status >/dev/null || "$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
q="SELECT count(*), sum(value) FROM %s WHERE %s AND ts >= '2024-01-01 18:00' AND ts < '2024-01-02 06:00';"
printf '\\set s random(0, 99)\n'"$q"'\n' pz 'series_id = :s' > "$work/q_pz.sql"
printf '\\set s random(0, 99)\n'"$q"'\n' ph 'series_id = :s' > "$work/q_ph.sql"
printf '\\set s random(0, 99)\n'"$q"'\n' pz 'series_id + 0 = :s' > "$work/q_pz_nopush.sql"
declare -A r
for ((i = 0; i < rounds; i++)); do
	for t in pz ph pz_nopush; do
		tps=$("$bindir/pgbench" -h "$work" -p "$port" -n -c 1 -T "$secs" -f "$work/q_$t.sql" postgres 2>/dev/null |
			sed -n 's/^tps = \([0-9.]*\).*/\1/p')
		r[$t]="${r[$t]:-} $tps"
	done
done
med() { printf '%s\n' $@ | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
mz=$(med ${r[pz]}); mh=$(med ${r[ph]}); mn=$(med ${r[pz_nopush]})
echo "ztsdb partitions:${r[pz]} | heap+btree partitions:${r[ph]} | ztsdb, series not pushed:${r[pz_nopush]} (tps)"
echo "median ztsdb $mz, heap+btree $mh, ztsdb without series pushdown $mn; ratio ztsdb/heap $(awk -v a="$mz" -v b="$mh" 'BEGIN{printf "%.2f", a/b}'), pushdown gain $(awk -v a="$mz" -v b="$mn" 'BEGIN{printf "%.1f", a/b}')x"
