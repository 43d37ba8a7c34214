#!/bin/bash
# make bench: ztsdb against heap + btree(series_id, ts) and heap + BRIN(ts),
# on one throwaway cluster, in one run.  Prints a table of figures and
# ztsdb/heap ratios, writes bench/results/<timestamp>.json and a PNG chart.
#
#   bench/run.sh            full run (about 3M rows; under 20 minutes on 2 cores)
#   bench/run.sh --quick    development run (under 2 minutes)
#   bench/run.sh --smoke    tiny run for the test suite (the driver cannot rot)
#
# Data is deterministic (bench/data.sql): 500 series at 10 s intervals,
# DevOps-like values (2-decimal random walks, counters, constants, noise).
# Then TSBS's DevOps queries on its ten-metric cpu table (bench/tsbs.sh),
# each checked against heap's answer, timed on hot, warm and cold data.
# Then the same rows over 500 and 100,000 series (bench/cardinality.sh).
# Run as a user PostgreSQL accepts (make bench does, through scripts/as_pguser.sh).
set -euo pipefail
mode=full
case "${1:-}" in
	--quick) mode=quick ;;
	--smoke) mode=smoke ;;
	"") ;;
	*) echo "usage: $0 [--quick|--smoke]" >&2; exit 2 ;;
esac
case $mode in
	full)  nseries=500; npoints=6000; secs=10; qsecs=10 ;;	# 3.0M rows
	quick) nseries=500; npoints=600;  secs=3;  qsecs=2 ;;	# 300k rows
	smoke) nseries=20;  npoints=100;  secs=1;  qsecs=1 ;;	# 2k rows
esac
rows=$((nseries * npoints))
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_conf.sh"
bindir=$(pg_config --bindir)
work=$(mktemp -d /tmp/ztsdb-bench.XXXXXX)
data=$work/data
port=${BENCH_PORT:-54330}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$here/results"
out_json="$here/results/$stamp.json"
raw="$work/raw.tsv"
: > "$raw"
cleanup() { "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

step() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$raw"; }	# figure, table, value

step "cluster: initdb in $data ($mode mode: $rows rows, $nseries series; ztsdb GUCs at their defaults for ingestion)"
"$bindir/initdb" -D "$data" -A trust >/dev/null
bench_cluster_conf "$data" "$port" "$work"
"$bindir/pg_ctl" -D "$data" -l "$work/log" -w start >/dev/null
psql() { "$bindir/psql" -X -q -h "$work" -p "$port" -d postgres -v ON_ERROR_STOP=1 "$@"; }
pgbench() { "$bindir/pgbench" -h "$work" -p "$port" -n "$@" postgres; }
now_ms() { date +%s%3N; }

psql -f "$here/data.sql" -v nseries=$nseries -v npoints=$npoints -v csv="$work/devops.csv" >/dev/null
psql -c "CREATE EXTENSION ztsdb"
tables="ztsdb heap_btree heap_brin"
create_tables() {
	psql <<SQL
DROP TABLE IF EXISTS t_ztsdb, t_heap_btree, t_heap_brin;
CREATE TABLE t_ztsdb (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE t_heap_btree (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
CREATE INDEX ON t_heap_btree (series_id, ts);
CREATE TABLE t_heap_brin (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
CREATE INDEX ON t_heap_brin USING brin (ts);
SQL
}

# ---------------------------------------------------------------- ingestion
step "ingest: COPY of $rows rows into each table"
create_tables
for t in $tables; do
	psql -c "CHECKPOINT"
	sidecar0=$(psql -Atc "SELECT value::bigint FROM ztsdb.stats() WHERE metric = 'wal_bytes'")
	pgwal0=$(psql -Atc "SELECT pg_current_wal_insert_lsn()")
	start=$(now_ms)
	psql -c "\\copy t_$t FROM '$work/devops.csv' CSV"
	end=$(now_ms)
	record copy_rows_per_s "$t" "$(( rows * 1000 / (end - start + 1) ))"
	# write amplification: WAL bytes per row (PostgreSQL's WAL; ztsdb's sidecar WAL)
	record copy_pg_wal_bytes_per_row "$t" \
		"$(psql -Atc "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$pgwal0') / $rows, 3)")"
	[ "$t" = ztsdb ] && record copy_sidecar_wal_bytes_per_row ztsdb \
		"$(psql -Atc "SELECT round(((value - $sidecar0) / $rows)::numeric, 3) FROM ztsdb.stats() WHERE metric = 'wal_bytes'")"
	step "  COPY $t: $(( end - start )) ms"
done

# A backend's memory during one large COPY into ztsdb (issue 7: it must stay
# flat): the data set three times over in one statement, the backend's
# private memory (RssAnon) sampled every 0.1 s from /proc.
if [ "$mode" != smoke ]; then
	big=$(( rows * 3 ))
	step "ingest: memory of a backend during a COPY of $big rows into ztsdb"
	psql -c "CREATE TABLE t_bigcopy (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb"
	psql -c "\\copy t_bigcopy FROM PROGRAM 'cat $work/devops.csv $work/devops.csv $work/devops.csv' CSV" &
	copy_pid=$!
	backend=""
	for _ in $(seq 100); do
		backend=$(psql -Atc "SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY%t_bigcopy%' AND pid <> pg_backend_pid()")
		[ -n "$backend" ] && break
		sleep 0.05
	done
	anon() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
	first=$(anon "$backend"); peak=${first:-0}
	while kill -0 "$copy_pid" 2>/dev/null; do
		now=$(anon "$backend")
		[ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
		sleep 0.1
	done
	wait "$copy_pid"
	[ "$(psql -Atc "SELECT count(*) FROM t_bigcopy")" = "$big" ] || { echo "the large COPY lost rows" >&2; exit 1; }
	record bigcopy_backend_anon_growth_kb ztsdb "$(( peak - ${first:-0} ))"
	step "  backend RssAnon ${first:-?} kB at the start, peak $peak kB"
	psql -c "DROP TABLE t_bigcopy"
fi

step "ingest: INSERT of 1000 rows a statement, 8 clients, ${secs}s each"
for t in $tables; do
	cat > "$work/batch_$t.sql" <<SQL
\\set r random(0, 999999)
INSERT INTO t_$t SELECT '2030-01-01'::timestamptz + ((:client_id * 1000000 + :r) * interval '1 ms') + i * interval '10 s',
                        i % $nseries, i * 0.01
  FROM generate_series(1, 1000) i;
SQL
	tps=$(pgbench -c 8 -j 2 -T "$secs" -f "$work/batch_$t.sql" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
	record batch_insert_rows_per_s "$t" "$(awk -v t="$tps" 'BEGIN{printf "%d", t * 1000}')"
	step "  batched INSERT $t: $tps statements/s"
done

for sc in on off; do
	for c in 1 8; do
		step "ingest: single-row INSERT, $c client(s), synchronous_commit=$sc, ${secs}s each"
		for t in $tables; do
			cat > "$work/single_$t.sql" <<SQL
\\set s random(0, $((nseries - 1)))
INSERT INTO t_$t VALUES (now(), :s, random());
SQL
			tps=$(PGOPTIONS="-c synchronous_commit=$sc" pgbench -c "$c" -j "$(( c > 1 ? 2 : 1 ))" -T "$secs" \
				-f "$work/single_$t.sql" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
			record "single_insert_tps_c${c}_sync_${sc}" "$t" "$tps"
			step "  $t: $tps tps"
		done
	done
done
psql -Atc "SELECT metric || '=' || value FROM ztsdb.stats() WHERE metric IN ('commits','wal_fsyncs','wal_bytes','rows_ingested')" \
	| tr '\n' ' ' | sed 's/^/  ztsdb stats: /'; echo
commits=$(psql -Atc "SELECT value FROM ztsdb.stats() WHERE metric = 'commits'")
fsyncs=$(psql -Atc "SELECT value FROM ztsdb.stats() WHERE metric = 'wal_fsyncs'")
record fsyncs_per_commit ztsdb "$(awk -v f="$fsyncs" -v c="$commits" 'BEGIN{printf "%.3f", f / (c > 0 ? c : 1)}')"

# ---------------------------------------------------------------- storage and queries
# Every ingestion figure above ran with ztsdb's default GUCs.  The queries
# are timed tier by tier, hot first, so the whole data set must fit the hot
# pool: restart with the tuned settings (bench/cluster_conf.sh).
step "restart with tuned ztsdb GUCs for the tier-by-tier queries: $(bench_ztsdb_tuned_lines | paste -sd, -)"
bench_ztsdb_tuned "$data"
"$bindir/pg_ctl" -D "$data" -l "$work/log" -w restart >/dev/null
step "storage and queries: reload the $rows-row data set"
create_tables
for t in $tables; do psql -c "\\copy t_$t FROM '$work/devops.csv' CSV"; done
psql -c "VACUUM ANALYZE t_heap_btree" -c "VACUUM ANALYZE t_heap_brin" -c "ANALYZE t_ztsdb"
for t in heap_btree heap_brin; do
	record bytes_per_row "$t" "$(psql -Atc "SELECT round(pg_total_relation_size('t_$t')::numeric / $rows, 2)")"
done
ztsdb_size() { psql -Atc "SELECT round(coalesce(sum(bytes), 0)::numeric / $rows, 2) FROM ztsdb.chunks('t_ztsdb')"; }
record bytes_per_row ztsdb_hot "$(ztsdb_size)"

t0=$(psql -Atc "SELECT extract(epoch FROM min(ts))::bigint FROM t_heap_btree")
span=$(( npoints * 10 ))
write_queries() {
	local t=$1
	cat > "$work/q1_$t.sql" <<SQL
\\set s random(0, $((nseries - 1)))
\\set off random(0, $(( span > 3600 ? span - 3600 : 0 )))
SELECT ts, value FROM t_$t WHERE series_id = :s AND ts >= to_timestamp($t0 + :off) AND ts < to_timestamp($t0 + :off + 3600);
SQL
	cat > "$work/q2_$t.sql" <<SQL
\\set s random(0, $((nseries - 1)))
SELECT count(*), avg(value), max(value) FROM t_$t WHERE series_id = :s;
SQL
	cat > "$work/q3_$t.sql" <<SQL
\\set off random(0, $(( span > 3600 ? span - 3600 : 0 )))
SELECT series_id, date_bin('1 minute', ts, '2000-01-01'), avg(value) FROM t_$t
 WHERE ts >= to_timestamp($t0 + :off) AND ts < to_timestamp($t0 + :off + 3600) GROUP BY 1, 2;
SQL
	cat > "$work/q4_$t.sql" <<SQL
SELECT series_id, avg(value), max(value) FROM t_$t GROUP BY series_id;
SQL
}
run_queries() {
	local phase=$1 t=$2
	write_queries "$t"
	for q in q1 q2 q3 q4; do
		rm -f "$work"/pgbench_log.*
		(cd "$work" && pgbench -c 1 -T "$qsecs" -l -f "$work/${q}_$t.sql" >/dev/null)
		read -r avg p99 n < <(cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | \
			awk '{v[NR]=$1; s+=$1} END {if (NR == 0) {print "0 0 0"; exit} i=int(NR*0.99); if (i < 1) i=1; printf "%.3f %.3f %d\n", s/NR/1000, v[i]/1000, NR}')
		record "${q}_avg_ms_$phase" "$t" "$avg"
		record "${q}_p99_ms_$phase" "$t" "$p99"
		step "  $phase $q $t: avg ${avg} ms, p99 ${p99} ms ($n runs)"
	done
}
step "queries Q1-Q4 on hot data, ${qsecs}s each"
for t in $tables; do run_queries hot "$t"; done

step "seal ztsdb chunks (warm)"
psql -Atc "SELECT ztsdb.seal('t_ztsdb')" >/dev/null
bench_wait_merges
record bytes_per_row ztsdb_warm "$(ztsdb_size)"
run_queries warm ztsdb

step "compress ztsdb chunks (cold)"
psql -Atc "SELECT ztsdb.compress('t_ztsdb')" >/dev/null
record bytes_per_row ztsdb_cold "$(ztsdb_size)"
run_queries cold ztsdb

step "scraped data set ($rows rows, shared jittered timestamps): COPY and bytes per row"
psql -f "$here/data_scraped.sql" -v nseries=$nseries -v npoints=$npoints -v csv="$work/scraped.csv" >/dev/null
create_tables
for t in $tables; do
	start=$(now_ms)
	psql -c "\\copy t_$t FROM '$work/scraped.csv' CSV"
	end=$(now_ms)
	record scraped_copy_rows_per_s "$t" "$(( rows * 1000 / (end - start + 1) ))"
done
psql -c "VACUUM ANALYZE t_heap_btree" -c "VACUUM ANALYZE t_heap_brin" -c "ANALYZE t_ztsdb"
for t in heap_btree heap_brin; do
	record scraped_bytes_per_row "$t" "$(psql -Atc "SELECT round(pg_total_relation_size('t_$t')::numeric / $rows, 2)")"
done
# the same Q1-Q4 on the scraped data (full mode: the quick run stays under two minutes)
if [ "$mode" = full ]; then
	t0=$(psql -Atc "SELECT extract(epoch FROM min(ts))::bigint FROM t_heap_btree")
	span=$(( npoints * 15 ))
	step "queries Q1-Q4 on the scraped data, hot"
	for t in $tables; do run_queries scraped_hot "$t"; done
fi
psql -Atc "SELECT ztsdb.seal('t_ztsdb')" >/dev/null
bench_wait_merges
record scraped_bytes_per_row ztsdb_warm "$(ztsdb_size)"
[ "$mode" = full ] && run_queries scraped_warm ztsdb
psql -Atc "SELECT ztsdb.compress('t_ztsdb')" >/dev/null
record scraped_bytes_per_row ztsdb_cold "$(ztsdb_size)"
[ "$mode" = full ] && run_queries scraped_cold ztsdb
step "  scraped bytes per row: $(grep scraped_bytes "$raw" | awk '{printf "%s %s  ", $2, $3}')"

# ------------------------------------------------------------- TSBS DevOps
# The TSBS query families on a wide cpu table (bench/tsbs.sh; also runs alone).
. "$here/tsbs.sh"
tsbs_step

# ------------------------------------------------------------- cardinality
# 500 against 100,000 series, the same rows (bench/cardinality.sh; also runs alone).
. "$here/cardinality.sh"
card_step

# ------------------------------------------------------------- streaming
# A cursor reads every row of a large table: the backend's memory must stay
# flat (issue 5 asks for 100M rows; full mode, STREAM_ROWS overrides, 0 skips).
stream_rows=${STREAM_ROWS:-$([ "$mode" = full ] && echo 100000000 || echo 1000000)}
[ "$mode" = smoke ] && stream_rows=${STREAM_ROWS:-100000}
if [ "$stream_rows" -gt 0 ]; then
	step "streaming: a cursor over $stream_rows rows (memory before and after, rows/s)"
	psql -c "CREATE TABLE t_stream (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb"
	per=5000000
	for ((lo = 0; lo < stream_rows; lo += per)); do
		hi=$(( lo + per < stream_rows ? lo + per : stream_rows ))
		psql -c "INSERT INTO t_stream SELECT '2020-01-01'::timestamptz + (i / 1000) * interval '10 s', i % 1000, (i % 9973) * 0.01 FROM generate_series($lo, $hi - 1) i"
	done
	psql -c "SELECT ztsdb.seal('t_stream')" >/dev/null
	out=$(psql -At <<'SQL'
BEGIN;
DECLARE c NO SCROLL CURSOR FOR SELECT * FROM t_stream;
MOVE FORWARD 1000 IN c;
SELECT sum(total_bytes) FROM pg_backend_memory_contexts \gset m0_
SELECT extract(epoch FROM clock_timestamp()) \gset t0_
MOVE FORWARD ALL IN c;
\set moved :ROW_COUNT
SELECT sum(total_bytes) FROM pg_backend_memory_contexts \gset m1_
SELECT :m1_sum - :m0_sum, round((extract(epoch FROM clock_timestamp()) - :t0_extract)::numeric * 1000), :moved + 1000;
COMMIT;
SQL
)
	grow=$(echo "$out" | grep '|' | cut -d'|' -f1)
	ms=$(echo "$out" | grep '|' | cut -d'|' -f2)
	read_rows=$(echo "$out" | grep '|' | cut -d'|' -f3)
	record stream_rows_read ztsdb "$read_rows"
	record stream_memory_growth_bytes ztsdb "$grow"
	record stream_rows_per_s ztsdb "$(( read_rows * 1000 / (ms + 1) ))"
	step "  cursor over $read_rows of $stream_rows rows: backend memory grew $grow bytes, ${ms} ms"
	[ "$read_rows" = "$stream_rows" ] || { echo "the cursor read $read_rows rows, not $stream_rows" >&2; exit 1; }
	psql -c "DROP TABLE t_stream"
fi

step "codecs: sizes and decode speed next to plain Gorilla (bench/codec_bench.cpp)"
codec_points=8640
[ "$mode" = smoke ] && codec_points=300
make -s -C "$here/.." build/bench/codec_bench >/dev/null
"$here/../build/bench/codec_bench" "$codec_points" > "$work/codecs.jsonl"
cat "$work/codecs.jsonl"

step "report"
python3 "$here/report.py" "$raw" "$out_json" "$mode" "$rows" "$nseries" "$work/codecs.jsonl"
if command -v gnuplot >/dev/null 2>&1; then
	python3 "$here/report.py" --chart "$out_json" "${out_json%.json}.png" && step "chart: ${out_json%.json}.png"
fi
step "raw figures: $out_json"
