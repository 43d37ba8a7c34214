#!/bin/bash
# bench/tsbs_filter_ab.sh: the TSBS queries with value filters -- high-cpu-all,
# high-cpu-1 and a region-filtered variant (region = 'eu-west-1' AND
# usage_user > 80) -- ztsdb against heap + btree(hostname, ts), on hot, warm
# and cold data, interleaved (heap, ztsdb, heap, ...: both sides share the
# machine's noise), with the median latency of each side and their ratio.
# tsbs.sh --quick times these once per tier (a few runs of high-cpu-all);
# this runs each ROUNDS x SECS seconds per side.
#
#   bench/tsbs_filter_ab.sh        (ROUNDS=4 SECS=3; run as a user initdb accepts,
#                                   e.g. scripts/as_pguser.sh bash bench/tsbs_filter_ab.sh)
#
# Same data set and cluster settings as tsbs.sh --quick (100 hosts x 4320
# points, one 256MB hot chunk, the tuned GUCs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_conf.sh"
. "$here/tsbs.sh"				# tsbs_hot_chunk; its main part runs only when executed
rounds=${ROUNDS:-4}
secs=${SECS:-3}
bench_standalone tsbs_filter_ab 54334
tsbs_hot_chunk 256MB
psql -f "$here/data_tsbs.sql" -v nhosts=100 -v npoints=4320 -v csv="$work/cpu.csv" >/dev/null
cols="ts timestamptz NOT NULL, hostname text NOT NULL, region text, datacenter text, rack text,
	os text, arch text, team text, service text, service_version text, service_environment text,
	usage_user float8, usage_system float8, usage_idle float8, usage_nice float8, usage_iowait float8,
	usage_irq float8, usage_softirq float8, usage_steal float8, usage_guest float8, usage_guest_nice float8"
psql <<SQL
CREATE TABLE cpu_ztsdb ($cols) USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 'hostname');
CREATE TABLE cpu_heap_btree ($cols);
CREATE INDEX ON cpu_heap_btree (hostname, ts);
SQL
for t in ztsdb heap_btree; do psql -c "\\copy cpu_$t FROM '$work/cpu.csv' CSV"; done
psql -c "VACUUM ANALYZE cpu_heap_btree" -c "ANALYZE cpu_ztsdb"
t0=$(psql -Atc "SELECT extract(epoch FROM min(ts))::bigint FROM cpu_heap_btree")
w12="ts >= to_timestamp($t0) AND ts < to_timestamp($t0 + 43200)"
queries=(
	"high-cpu-all|SELECT * FROM TABLE WHERE usage_user > 90.0 AND $w12"
	"high-cpu-1|SELECT * FROM TABLE WHERE usage_user > 90.0 AND $w12 AND hostname IN ('host_:h1')"
	"region|SELECT * FROM TABLE WHERE region = 'eu-west-1' AND usage_user > 80.0 AND $w12"
)
for tier in hot warm cold; do
	case $tier in
		warm) psql -Atc "SELECT ztsdb.seal('cpu_ztsdb')" >/dev/null ;;
		cold) psql -Atc "SELECT ztsdb.compress('cpu_ztsdb')" >/dev/null ;;
	esac
	for q in "${queries[@]}"; do
		name=${q%%|*}
		for t in ztsdb heap_btree; do
			{ echo '\set h1 random(0, 99)'; echo "${q#*|}" | sed "s/TABLE/cpu_$t/g"; } > "$work/q_$t.sql"
			: > "$work/lat_$t"
		done
		for ((i = 0; i < rounds; i++)); do
			for t in heap_btree ztsdb; do
				rm -f "$work"/pgbench_log.*
				(cd "$work" && pgbench -c 1 -T "$secs" -l -f "$work/q_$t.sql" >/dev/null)
				if [ "$(cat "$work"/pgbench_log.* | wc -l)" -lt 2 ]; then
					rm -f "$work"/pgbench_log.*	# too slow for SECS: two runs
					(cd "$work" && pgbench -c 1 -t 2 -l -f "$work/q_$t.sql" >/dev/null)
				fi
				# not the connection's first query (new backend's first touches)
				cat "$work"/pgbench_log.* | awk 'NR > 1 {print $3}' >> "$work/lat_$t"
			done
		done
		mh=$(sort -n "$work/lat_heap_btree" | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]/1000}')
		mz=$(sort -n "$work/lat_ztsdb" | awk '{v[NR]=$1} END {printf "%.2f", v[int((NR+1)/2)]/1000}')
		step "$tier $name: heap $mh ms ($(wc -l < "$work/lat_heap_btree") runs), ztsdb $mz ms" \
			"($(wc -l < "$work/lat_ztsdb") runs), $(awk -v z="$mz" -v h="$mh" 'BEGIN {printf "%.2f", z / h}')x"
	done
done
