#!/bin/bash
# bench/ab_copy.sh: COPY speed of ztsdb against heap + btree(series_id, ts),
# interleaved (ztsdb, heap, ztsdb, heap, ...) into fresh tables on one
# throwaway cluster configured as make bench's (ztsdb at its default GUCs),
# with the median time of each side and ztsdb's speed as a multiple of
# heap's (make bench's copy ratio).  Like bench/ab_single.sh, for comparing
# two builds on a noisy machine: both sides see the same noise.
#
#   bench/ab_copy.sh [rounds] [npoints]
#   (default 5 rounds of bench/data.sql's 500 series x 2000 points = 1M
#   rows; run as a user initdb accepts)
#
# AB_CONF holds extra postgresql.conf lines (say "wal_level = minimal
# max_wal_senders = 0").  The cluster lives in $AB_DIR (default /tmp/ztsdb-abcopy) and is removed
# at exit.
set -euo pipefail
rounds=${1:-5}; npoints=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_conf.sh"
bindir=$(pg_config --bindir)
work=${AB_DIR:-/tmp/ztsdb-abcopy}
port=${AB_PORT:-54410}
psql() { "$bindir/psql" -X -q -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
now_ms() { date +%s%3N; }
rm -rf "$work"; mkdir -p "$work"
trap '"$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$bindir/initdb" -D "$work/data" -A trust >/dev/null
bench_cluster_conf "$work/data" "$port" "$work"
[ -n "${AB_CONF:-}" ] && printf '%s\n' "$AB_CONF" >> "$work/data/postgresql.conf"
"$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
psql -f "$here/data.sql" -v nseries=500 -v npoints="$npoints" -v csv="$work/devops.csv" >/dev/null
psql -c "CREATE EXTENSION ztsdb"
rows=$(( 500 * npoints ))
tz=(); th=()
for ((i = 0; i < rounds; i++)); do
	for t in ztsdb heap_btree; do
		psql 2>/dev/null <<SQL
DROP TABLE IF EXISTS t_$t;
CREATE TABLE t_$t (ts timestamptz NOT NULL, series_id int NOT NULL, value float8)
	$([ "$t" = ztsdb ] && echo "USING ztsdb");
$([ "$t" = heap_btree ] && echo "CREATE INDEX ON t_heap_btree (series_id, ts);")
CHECKPOINT;
SQL
		start=$(now_ms)
		psql -c "\\copy t_$t FROM '$work/devops.csv' CSV"
		ms=$(( $(now_ms) - start ))
		[ "$(psql -Atc "SELECT count(*) FROM t_$t")" = "$rows" ] || { echo "t_$t lost rows" >&2; exit 1; }
		if [ "$t" = ztsdb ]; then tz+=("$ms"); else th+=("$ms"); fi
	done
done
mz=$(bench_median "${tz[@]}"); mh=$(bench_median "${th[@]}")
echo "COPY of $rows rows, ms: ztsdb ${tz[*]} | heap_btree ${th[*]}"
echo "median ztsdb $mz ms, heap_btree $mh ms, ztsdb speed / heap_btree speed $(awk -v a="$mz" -v b="$mh" 'BEGIN{printf "%.2f", b/a}')"
