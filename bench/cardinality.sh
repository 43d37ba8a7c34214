#!/bin/bash
# bench/cardinality.sh: high cardinality (issue 14).  The same number of
# rows spread over few series and over many (500 and 100,000; the smoke run
# 20 and 2,000), into a ztsdb table and a heap table with btree(series_id,
# ts): ingestion rows/s, then three series-selective queries on hot, warm
# (ztsdb.seal) and cold (ztsdb.compress) data, each as ztsdb / heap.  The
# figure that matters is the ratio of ratios: (ztsdb/heap at many series) /
# (ztsdb/heap at few series), 1.0 when ztsdb scales with cardinality as
# heap's btree does.
#
# Then the same again under ztsdb's default GUCs (1 MB hot chunks, 64 MB hot
# pool, tiering on) with rows ending now, as a user's last day of data: COPY
# and the three queries on whatever tiers the tiering made of them (figures
# card_*_defaults_s<S>; at 100,000 series, 5M rows make about 150 warm
# chunks where the tuned run has 38).
#
# Sourced by bench/run.sh, which calls card_step on its cluster
# (tuned GUCs by then); or run alone, on a throwaway cluster, with the report:
#   bench/cardinality.sh [--quick|--smoke]
#
# Data (per S): every series has rows/S points spread evenly over one day,
# rows arriving in (ts, series) order as a fleet reports them; values
# 2-decimal pseudo-random (hashint8), the same every run.  Queries:
#   q1  one series over one hour:        SELECT ts, value ... series_id = :s AND ts in [t, t+1h)
#   q2  one series, whole history:       SELECT count(*), sum(value), max(value) ... series_id = :s
#   q10 ten series (IN list), one hour:  SELECT series_id, count(*), sum(value) ... GROUP BY 1
# Before timing, every query runs with three fixed parameter sets on both
# tables and the step fails unless the rows are the same (sorted; sums of
# floats within 1e-12 relative, they depend on the order rows are added).
# Timing: heap, ztsdb, heap, ztsdb ... (pgbench, parameters drawn per
# execution, simple protocol; the default-GUC run also -M prepared, as
# drivers that prepare send it), the median latency of each side recorded.
# EXPLAIN ANALYZE of the ztsdb query (first fixed parameters) gives the
# chunks and blocks its scan skipped and the hot rows it read through the
# series index.  The smoke run checks every tier but times only the hot one.
#
# Figures (raw TSV, table heap_btree or ztsdb; report.py prints them as a
# table of their own): card_copy_rows_per_s_s<S>, card_<q>_ms_<tier>_s<S>,
# card_bytes_per_row_<tier>_s<S>,
# card_<q>_<counter>_<tier>_s<S> (ztsdb only); tier "defaults" for the
# default-GUC run, "defaults_prepared" for its prepared-statement timing.

# card_same_rows A B: the two psql -At outputs hold the same rows (sorted);
# numeric fields may differ by 1e-12 relative.
card_same_rows() {
	paste -d '\n' <(sort "$1") <(sort "$2") | awk '
		NR % 2 == 1 { a = $0; next }
		{
			if ($0 == a) next
			na = split(a, x, "|"); nb = split($0, y, "|")
			if (na != nb) exit 1
			for (i = 1; i <= na; i++) {
				if (x[i] == y[i]) continue
				d = x[i] - y[i]; m = (x[i] < 0 ? -x[i] : x[i])
				if (x[i] !~ /^-?[0-9.e+-]+$/ || y[i] !~ /^-?[0-9.e+-]+$/ || (d < 0 ? -d : d) > 1e-12 * m) exit 1
			}
		}
		END { if (NR % 2 == 1) exit 1 }'
}

# card_measure TIER S: check each query of $work/card_queries.tsv against
# heap, record the ztsdb scan's counters and time both sides (tier: hot,
# warm, cold, or defaults).  Needs card_step's $timing $rounds $hi.
card_measure() {
	local tier=$1 S=$2 q sql t i name
	while IFS=$'\t' read -r q sql; do
		# the result check: three fixed parameter sets
		for t in heap_btree ztsdb; do
			: > "$work/card_${q}_$t.out"
			for i in 0 1 2; do
				echo "${sql//TABLE/card_$t};" | psql -At -F '|' -v s=$(( (S * (2 * i + 1) / 7 + 3) % S )) \
					-v off=$(( hi * i / 2 )) >> "$work/card_${q}_$t.out"
			done
		done
		if ! card_same_rows "$work/card_${q}_heap_btree.out" "$work/card_${q}_ztsdb.out"; then
			echo "cardinality $q ($S series, $tier): ztsdb's rows differ from heap's" >&2
			diff <(sort "$work/card_${q}_heap_btree.out") <(sort "$work/card_${q}_ztsdb.out") | head -20 >&2
			exit 1
		fi
		# what the ztsdb scan skipped (first fixed parameters)
		echo "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql//TABLE/card_ztsdb};" |
			psql -At -v s=$(( (S / 7 + 3) % S )) -v off=0 > "$work/card_${q}.plan"
		local node counters=""
		node=$({ grep -o 'Custom Scan (Ztsdb[A-Za-z]*)' "$work/card_${q}.plan" || true; } |
			head -1 | sed 's/Custom Scan (\(.*\))/\1/')
		for name in "Chunks Scanned" "Chunks Skipped" "Blocks Scanned" "Blocks Skipped" "Hot Rows Read"; do
			local n key
			n=$(sed -n "s/.*$name: \([0-9]*\).*/\1/p" "$work/card_${q}.plan" | awk '{s += $1} END {print s + 0}')
			key=$(echo "$name" | tr 'A-Z ' 'a-z_')
			record "card_${q}_${key}_${tier}_s$S" ztsdb "$n"
			counters="$counters $key=$n"
		done
		if [ "$mode" = smoke ] && [ $tier != hot ]; then
			step "  $tier $q: same rows as heap; ${node:-no ztsdb node};$counters"
			continue	# the smoke run (make test) times the hot tier only
		fi
		card_time "$tier" "$S" "$q" "$sql" simple "$node" "$counters"
		# drivers that prepare (pgx, JDBC after five executions): the
		# statement is planned once, so the per-statement floor is lower
		if [ "$tier" = defaults ]; then
			card_time "$tier" "$S" "$q" "$sql" prepared "$node" "$counters"
		fi
	done < "$work/card_queries.tsv"
}

# card_time TIER S Q SQL PROTOCOL NODE COUNTERS: time query Q on both tables
# (pgbench -M PROTOCOL, heap and ztsdb interleaved, $rounds rounds), record
# the median latencies (tier suffix _prepared for -M prepared).
card_time() {
	local tier=$1 S=$2 q=$3 sql=$4 proto=$5 node=$6 counters=$7 i t mh mz name=$1
	[ "$proto" = prepared ] && name=${tier}_prepared
	{
		echo "\\set s random(0, $(( S - 1 )))"
		echo "\\set off random(0, $hi)"
	} > "$work/card_vars.sql"
	rm -f "$work"/card_lat_*
	for ((i = 0; i < rounds; i++)); do
		for t in heap_btree ztsdb; do
			{ cat "$work/card_vars.sql"; echo "${sql//TABLE/card_$t};"; } > "$work/card_bench_$t.sql"
			rm -f "$work"/pgbench_log.*
			(cd "$work" && pgbench -c 1 -M "$proto" $timing -l -f "$work/card_bench_$t.sql" >/dev/null)
			cat "$work"/pgbench_log.* | awk '{print $3}' >> "$work/card_lat_$t"
		done
	done
	mh=$(bench_median_ms "$work/card_lat_heap_btree")
	mz=$(bench_median_ms "$work/card_lat_ztsdb")
	record "card_${q}_ms_${name}_s$S" heap_btree "$mh"
	record "card_${q}_ms_${name}_s$S" ztsdb "$mz"
	step "  $name $q: heap $mh ms, ztsdb $mz ms ($(awk -v z="$mz" -v h="$mh" 'BEGIN {printf "%.2f", z / (h > 0 ? h : 1)}')x;" \
		"${node:-no ztsdb node};$counters; $(wc -l < "$work/card_lat_ztsdb") runs)"
}

# card_variant VARIANT BASE TIERS: for each series count, load the rows
# (timestamps from BASE), COPY into both tables and measure on each of
# TIERS (hot, warm, cold: moved by hand; defaults: as the tiering leaves
# them); figures of the defaults variant carry the suffix _defaults.  Needs
# card_step's $rows $counts $span $timing $rounds.
card_variant() {
	local variant=$1 base=$2 tiers=$3 suffix= S npoints t0 t tier i
	[ "$variant" = defaults ] && suffix=_defaults
	for S in $counts; do
		npoints=$(( rows / S ))
		step "cardinality ($variant ztsdb GUCs): $S series x $npoints points over one day ($(( S * npoints )) rows), ztsdb and heap + btree(series_id, ts)"
		psql <<SQL
DROP TABLE IF EXISTS card_ztsdb, card_heap_btree;
CREATE TABLE card_ztsdb (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE card_heap_btree (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
CREATE INDEX ON card_heap_btree (series_id, ts);
COPY (SELECT $base + (p * $span / $npoints) * interval '1 s',
             s, (abs(hashint8(s::int8 * 1000003 + p)) % 100000) / 100.0
        FROM generate_series(0, $npoints - 1) p, generate_series(0, $S - 1) s ORDER BY p, s)
  TO '$work/card.csv' CSV;
SQL
		for t in ztsdb heap_btree; do
			local start end
			psql -c "CHECKPOINT"
			start=$(date +%s%3N)
			psql -c "\\copy card_$t FROM '$work/card.csv' CSV"
			end=$(date +%s%3N)
			record "card_copy_rows_per_s${suffix}_s$S" "$t" "$(( S * npoints * 1000 / (end - start + 1) ))"
			step "  COPY $t: $(( end - start )) ms"
		done
		psql -c "VACUUM ANALYZE card_heap_btree" -c "ANALYZE card_ztsdb"
		t0=$(psql -Atc "SELECT extract(epoch FROM min(ts))::bigint FROM card_heap_btree")

		local stride=$(( S / 10 )) hi=$(( span - 3600 ))
		local in10=":s"
		for i in 1 2 3 4 5 6 7 8 9; do in10="$in10, (:s + $(( i * stride ))) % $S"; done
		local w1="ts >= to_timestamp($t0 + :off) AND ts < to_timestamp($t0 + :off + 3600)"
		cat > "$work/card_queries.tsv" <<Q
q1	SELECT ts, value FROM TABLE WHERE series_id = :s AND $w1
q2	SELECT count(*), sum(value), max(value) FROM TABLE WHERE series_id = :s
q10	SELECT series_id, count(*), sum(value) FROM TABLE WHERE series_id IN ($in10) AND $w1 GROUP BY 1 ORDER BY 1
Q
		for tier in $tiers; do
			case $tier in
				warm) psql -Atc "SELECT ztsdb.seal('card_ztsdb')" >/dev/null; bench_wait_merges ;;
				cold) psql -Atc "SELECT ztsdb.compress('card_ztsdb')" >/dev/null ;;
				defaults)
					# what the tiering makes of the rows on its own: wait
					# until it has sealed the hot chunks of past windows
					# (seal_idle_timeout; today's stay hot while it lasts)
					# and merged the warm files
					for i in $(seq 60); do
						[ "$(psql -Atc "SELECT count(*) FROM ztsdb.chunks('card_ztsdb')
							WHERE tier = 'hot' AND max_time < date_trunc('day', now(), 'UTC')")" = 0 ] && break
						sleep 1
					done
					bench_wait_merges ;;
			esac
			step "  $tier: ztsdb chunks $(psql -Atc "SELECT string_agg(tier || ' ' || n, ', ') FROM
				(SELECT tier, count(*) n FROM ztsdb.chunks('card_ztsdb') GROUP BY 1 ORDER BY 1) c")"
			record "card_bytes_per_row_${tier}_s$S" ztsdb \
				"$(psql -Atc "SELECT round(coalesce(sum(bytes), 0)::numeric / $(( S * npoints )), 2) FROM ztsdb.chunks('card_ztsdb')")"
			record "card_bytes_per_row_${tier}_s$S" heap_btree \
				"$(psql -Atc "SELECT round(pg_total_relation_size('card_heap_btree')::numeric / $(( S * npoints )), 2)")"
			card_measure "$tier" "$S"
		done
		psql -c "DROP TABLE card_ztsdb, card_heap_btree"
		rm -f "$work/card.csv"
	done
}

# card_step: load, check, time; needs run.sh's psql, pgbench, step, record,
# $work, $mode.
card_step() {
	local rows counts timing rounds span name
	case $mode in
		full)  rows=5000000; counts="500 100000"; timing="-T 2"; rounds=3 ;;
		quick) rows=1000000; counts="500 100000"; timing="-T 1"; rounds=1 ;;
		*)     rows=20000;   counts="20 2000";    timing="-t 3"; rounds=1 ;;
	esac
	span=86400
	# the tuned 4MB hot chunks fill and seal: "hot" was then mostly warm
	# files (hot 1, warm 7 of 1M rows); one 256MB chunk keeps the data set
	# hot until ztsdb.seal, as the tsbs step's
	psql -c "ALTER SYSTEM SET ztsdb.hot_chunk_size = '256MB'"
	"$bindir/pg_ctl" -D "$data" -l "$work/log" -w restart >/dev/null
	card_variant tuned "'2024-01-01 00:00:00+00'::timestamptz" "hot warm cold"
	# ztsdb's defaults win over the tuned lines of postgresql.conf (ALTER
	# SYSTEM is read after it); the rows end now, so nothing is old enough
	# for cold_after and the tiering leaves them warm, as a user's last day
	# of data
	for name in $(bench_ztsdb_tuned_lines | sed 's/ *=.*//'); do	# hot_chunk_size too
		psql -c "ALTER SYSTEM SET $name = '$(psql -Atc "SELECT boot_val FROM pg_settings WHERE name = '$name'")'"
	done
	"$bindir/pg_ctl" -D "$data" -l "$work/log" -w restart >/dev/null
	card_variant defaults "date_trunc('hour', now()) - interval '1 day'" defaults
	# back to the tuned settings for the steps that follow
	psql -c "ALTER SYSTEM RESET ALL"
	"$bindir/pg_ctl" -D "$data" -l "$work/log" -w restart >/dev/null
}

# Run alone: a throwaway cluster configured as make bench's (tuned GUCs: the
# data set stays hot until sealed), this step, the report.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	mode=full
	case "${1:-}" in
		--quick) mode=quick ;;
		--smoke) mode=smoke ;;
		"") ;;
		*) echo "usage: $0 [--quick|--smoke]" >&2; exit 2 ;;
	esac
	here=$(cd "$(dirname "$0")" && pwd)
	. "$here/cluster_conf.sh"
	bench_standalone cardinality 54332
	card_step
	python3 "$here/report.py" "$raw" "$out_json" "$mode" 0 0
	step "raw figures: $out_json"
fi
