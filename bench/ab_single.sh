#!/bin/bash
# bench/ab_single.sh: single-row INSERT throughput of ztsdb against
# heap + btree(series_id, ts), interleaved (ztsdb, heap, ztsdb, heap, ...)
# on one throwaway cluster, with the median of each side and their ratio.
# On a noisy machine this says more about a change to the commit path than
# one long run each (make bench): both sides see the same noise.
#
#   bench/ab_single.sh [on|off] [clients] [rounds] [seconds]
#   (synchronous_commit, default off 1 5 3; run as a user initdb accepts)
#
# The cluster lives in $AB_DIR (default /tmp/ztsdb-ab) and is kept between
# calls, so a profiler can be pointed at it (perf record -a, perf sched);
# remove the directory to start afresh.
set -euo pipefail
sc=${1:-off}; c=${2:-1}; rounds=${3:-5}; secs=${4:-3}
. "$(cd "$(dirname "$0")" && pwd)/cluster_conf.sh"
bindir=$(pg_config --bindir)
work=${AB_DIR:-/tmp/ztsdb-ab}
port=${AB_PORT:-54400}
psql() { "$bindir/psql" -X -q -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
if [ ! -f "$work/data/PG_VERSION" ]; then
	rm -rf "$work"; mkdir -p "$work"
	"$bindir/initdb" -D "$work/data" -A trust >/dev/null
	bench_cluster_conf "$work/data" "$port" "$work"
	"$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
	psql <<SQL
CREATE EXTENSION ztsdb;
CREATE TABLE t_ztsdb (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE t_heap_btree (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
CREATE INDEX ON t_heap_btree (series_id, ts);
SQL
fi
"$bindir/pg_ctl" -D "$work/data" status >/dev/null || "$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w start >/dev/null
for t in ztsdb heap_btree; do
	printf '\\set s random(0, 499)\nINSERT INTO t_%s VALUES (now(), :s, random());\n' "$t" > "$work/single_$t.sql"
done
rz=(); rh=()
for ((i = 0; i < rounds; i++)); do
	for t in ztsdb heap_btree; do
		tps=$(PGOPTIONS="-c synchronous_commit=$sc" "$bindir/pgbench" -h "$work" -p "$port" -n -c "$c" \
			-j "$(( c > 1 ? 2 : 1 ))" -T "$secs" -f "$work/single_$t.sql" postgres 2>/dev/null |
			sed -n 's/^tps = \([0-9.]*\).*/\1/p')
		if [ "$t" = ztsdb ]; then rz+=("$tps"); else rh+=("$tps"); fi
	done
done
mz=$(bench_median "${rz[@]}"); mh=$(bench_median "${rh[@]}")
echo "synchronous_commit=$sc clients=$c: ztsdb ${rz[*]} | heap_btree ${rh[*]}"
echo "median ztsdb $mz tps, heap_btree $mh tps, ratio $(awk -v a="$mz" -v b="$mh" 'BEGIN{printf "%.3f", a/b}')"
