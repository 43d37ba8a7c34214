#!/bin/bash
# bench/tsbs.sh: TSBS DevOps query families, ztsdb against heap +
# btree(host, ts), on hot, warm (after ztsdb.seal) and cold (after
# ztsdb.compress) data.
#
# Sourced by bench/run.sh, which calls tsbs_step on its cluster; or run alone
# for this step only, on a throwaway cluster, with the report:
#   bench/tsbs.sh [--quick|--smoke]
#
# The table is TSBS's cpu measurement in its wide form (bench/data_tsbs.sql):
# ten text tags per host -- hostname ('host_<n>', the declared series column:
# WITH (ztsdb.series = 'hostname')), region, datacenter, rack, os, arch, team,
# service, service_version, service_environment -- and ten float8 usage_*
# gauges, 10 s apart; the heap baseline gets the same schema and a
# btree(hostname, ts).  The queries are TSBS's PostgreSQL forms with
# "tags_id IN (SELECT id FROM tags WHERE hostname IN (...))" written as
# "hostname IN ('host_..', ...)" on the wide table; hosts and time windows
# are drawn at random per execution (pgbench), as TSBS draws them per query.
#
# Each query first runs once on both tables with fixed parameters, and the
# step fails unless both give the same rows (compared sorted, floats as
# PostgreSQL prints them: shortest exact; averages within 1e-13, see
# tsbs_same_rows).  Then it is timed: heap, ztsdb, heap, ztsdb, ... (rounds
# of pgbench runs), each side's latencies from pgbench's log pooled and their
# median recorded as tsbs_<query>_ms_<tier> for heap_btree and ztsdb (each
# pgbench connection's first query left out, see below), so the
# two sides share the machine's noise and report.py divides them.  Heap is
# timed again at every tier: its data do not change, but the machine's load
# does.  The smoke run (make test) checks every tier but times the hot one
# only.

# tsbs_queries prints "name<TAB>sql" for every query, TABLE standing for the
# table; pgbench variables :h1..:h8 (host numbers, inside 'host_:h1': pgbench
# substitutes in literals too; the check substitutes them itself), :off1h,
# :off8h, :off12h (window starts, seconds after the first row), :offend (an end).
tsbs_queries() {
	local t0=$1
	local w1="ts >= to_timestamp($t0 + :off1h) AND ts < to_timestamp($t0 + :off1h + 3600)"
	local w8="ts >= to_timestamp($t0 + :off8h) AND ts < to_timestamp($t0 + :off8h + 28800)"
	local w12="ts >= to_timestamp($t0 + :off12h) AND ts < to_timestamp($t0 + :off12h + 43200)"
	local h1="hostname IN ('host_:h1')"
	local h8="hostname IN ('host_:h1', 'host_:h2', 'host_:h3', 'host_:h4', 'host_:h5', 'host_:h6', 'host_:h7', 'host_:h8')"
	local max1="max(usage_user)"
	local max5="max(usage_user), max(usage_system), max(usage_idle), max(usage_nice), max(usage_iowait)"
	local max10="$max5, max(usage_irq), max(usage_softirq), max(usage_steal), max(usage_guest), max(usage_guest_nice)"
	local avg5="avg(usage_user), avg(usage_system), avg(usage_idle), avg(usage_nice), avg(usage_iowait)"
	local avg10="$avg5, avg(usage_irq), avg(usage_softirq), avg(usage_steal), avg(usage_guest), avg(usage_guest_nice)"
	local minute="SELECT date_trunc('minute', ts) AS minute"
	local hour="SELECT date_trunc('hour', ts) AS hour"
	cat <<Q
single-groupby-1-1-1	$minute, $max1 FROM TABLE WHERE $h1 AND $w1 GROUP BY 1 ORDER BY 1
single-groupby-1-1-12	$minute, $max1 FROM TABLE WHERE $h1 AND $w12 GROUP BY 1 ORDER BY 1
single-groupby-1-8-1	$minute, $max1 FROM TABLE WHERE $h8 AND $w1 GROUP BY 1 ORDER BY 1
single-groupby-5-1-1	$minute, $max5 FROM TABLE WHERE $h1 AND $w1 GROUP BY 1 ORDER BY 1
single-groupby-5-8-1	$minute, $max5 FROM TABLE WHERE $h8 AND $w1 GROUP BY 1 ORDER BY 1
cpu-max-all-1	$hour, $max10 FROM TABLE WHERE $h1 AND $w8 GROUP BY 1 ORDER BY 1
cpu-max-all-8	$hour, $max10 FROM TABLE WHERE $h8 AND $w8 GROUP BY 1 ORDER BY 1
double-groupby-1	$hour, hostname, avg(usage_user) FROM TABLE WHERE $w12 GROUP BY 1, 2 ORDER BY 1, 2
double-groupby-5	$hour, hostname, $avg5 FROM TABLE WHERE $w12 GROUP BY 1, 2 ORDER BY 1, 2
double-groupby-all	$hour, hostname, $avg10 FROM TABLE WHERE $w12 GROUP BY 1, 2 ORDER BY 1, 2
expr-avg-8-1	$minute, hostname, avg(usage_user + usage_system) FROM TABLE WHERE $h8 AND $w1 GROUP BY 1, 2 ORDER BY 1, 2
high-cpu-1	SELECT * FROM TABLE WHERE usage_user > 90.0 AND $w12 AND $h1
high-cpu-all	SELECT * FROM TABLE WHERE usage_user > 90.0 AND $w12
lastpoint	SELECT DISTINCT ON (hostname) * FROM TABLE ORDER BY hostname, ts DESC
last-10	SELECT * FROM TABLE ORDER BY ts DESC, hostname LIMIT 10
max-ts	SELECT max(ts), min(ts) FROM TABLE
max-ts-before	SELECT max(ts) FROM TABLE WHERE ts < to_timestamp($t0 + :offend)
groupby-orderby-limit	$minute, $max1 FROM TABLE WHERE ts < to_timestamp($t0 + :offend) GROUP BY 1 ORDER BY 1 DESC LIMIT 5
Q
}

# tsbs_same_rows A B TOL: A and B (psql -At output) hold the same rows, in
# any order; prints how many fields differ only within TOL (relative).
# Averages of floats depend on the order rows are added -- ztsdb adds hot
# rows before warm ones, PostgreSQL's own answer changes with a parallel
# plan -- so queries with avg() get TOL 1e-13; everything else must match
# to the last digit (PostgreSQL prints floats shortest-exact).
tsbs_same_rows() {
	paste -d '\n' <(sort "$1") <(sort "$2") | awk -v tol="$3" '
		NR % 2 == 1 { a = $0; next }
		{
			if ($0 == a) next
			na = split(a, x, "|"); nb = split($0, y, "|")
			if (na != nb || tol == 0) exit 1
			for (i = 1; i <= na; i++) {
				if (x[i] == y[i]) continue
				d = x[i] - y[i]; m = (x[i] < 0 ? -x[i] : x[i])
				if (x[i] !~ /^-?[0-9.e+-]+$/ || y[i] !~ /^-?[0-9.e+-]+$/ || (d < 0 ? -d : d) > tol * m) exit 1
				near++
			}
		}
		END { print near + 0 }'
}

# tsbs_hot_chunk SIZE: restart the cluster with ztsdb.hot_chunk_size = SIZE
# (DEFAULT: as configured).  A full hot chunk is sealed to a warm file, and
# the tuned 4MB chunks hold some 30,000 rows of this 128-byte-per-row table:
# with them the "hot" tier was mostly warm.  The step's table gets one
# chunk holding a whole day (864,000 rows, 110MB) while it runs.
tsbs_hot_chunk() {
	if [ "$1" = DEFAULT ]; then
		psql -c "ALTER SYSTEM RESET ztsdb.hot_chunk_size"
	else
		psql -c "ALTER SYSTEM SET ztsdb.hot_chunk_size = '$1'"
	fi
	"$bindir/pg_ctl" -D "$data" -l "$work/log" -w restart >/dev/null
}

# tsbs_step: load, check and time, ztsdb's plans to
# bench/results/tsbs-plans-<timestamp>.txt; needs run.sh's psql, pgbench, step,
# record, $work, $here, $mode, $bindir and $data (the cluster's directory).
tsbs_step() {
	local nhosts npoints timing rounds span stride t0 name sql tier t i
	case $mode in
		full)  nhosts=100; npoints=8640; timing="-T 2"; rounds=3 ;;	# 864k rows, one day
		quick) nhosts=100; npoints=4320; timing="-T 1"; rounds=1 ;;	# 432k rows, 12 hours
		*)     nhosts=10;  npoints=720;  timing="-t 2"; rounds=1 ;;	# 7200 rows, 2 hours
	esac
	span=$(( npoints * 10 ))
	stride=$(( nhosts >= 16 ? nhosts / 8 : 1 ))
	step "tsbs: cpu table, $nhosts hosts x $npoints points (10 s), ztsdb and heap + btree(hostname, ts)"
	tsbs_hot_chunk 256MB
	psql -f "$here/data_tsbs.sql" -v nhosts=$nhosts -v npoints=$npoints -v csv="$work/cpu.csv" >/dev/null
	local cols="ts timestamptz NOT NULL, hostname text NOT NULL, region text, datacenter text, rack text,
		os text, arch text, team text, service text, service_version text, service_environment text,
		usage_user float8, usage_system float8, usage_idle float8, usage_nice float8, usage_iowait float8,
		usage_irq float8, usage_softirq float8, usage_steal float8, usage_guest float8, usage_guest_nice float8"
	psql <<SQL
DROP TABLE IF EXISTS cpu_ztsdb, cpu_heap_btree;
CREATE TABLE cpu_ztsdb ($cols) USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 'hostname');
CREATE TABLE cpu_heap_btree ($cols);
CREATE INDEX ON cpu_heap_btree (hostname, ts);
SQL
	for t in ztsdb heap_btree; do psql -c "\\copy cpu_$t FROM '$work/cpu.csv' CSV"; done
	psql -c "VACUUM ANALYZE cpu_heap_btree" -c "ANALYZE cpu_ztsdb"
	t0=$(psql -Atc "SELECT extract(epoch FROM min(ts))::bigint FROM cpu_heap_btree")

	# pgbench draws the parameters; the result check uses fixed ones
	{
		echo "\\set h1 random(0, $(( nhosts - 1 )))"
		for i in 2 3 4 5 6 7 8; do echo "\\set h$i (:h1 + $(( (i - 1) * stride ))) % $nhosts"; done
		echo "\\set off1h random(0, $(( span > 3600 ? span - 3600 : 0 )))"
		echo "\\set off8h random(0, $(( span > 28800 ? span - 28800 : 0 )))"
		echo "\\set off12h random(0, $(( span > 43200 ? span - 43200 : 0 )))"
		echo "\\set offend random(3600, $span)"
	} > "$work/tsbs_vars.sql"
	local fixed=(-v off1h=$(( span / 3 )) -v off8h=$(( span > 28800 ? (span - 28800) / 2 : 0 ))
		-v off12h=$(( span > 43200 ? (span - 43200) / 2 : 0 )) -v offend=$(( span * 2 / 3 )))
	tsbs_queries "$t0" > "$work/tsbs_queries.tsv"
	# the check's hosts: psql does not substitute inside literals, so sed does
	# h1 is a host with usage_user above 90 (most such rows), so that the
	# high-cpu-1 check compares rows, not two empty answers
	local hsub="" hfix
	hfix=$(psql -Atc "SELECT substr(hostname, 6)::int FROM cpu_heap_btree WHERE usage_user > 90.0
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
	for i in 1 2 3 4 5 6 7 8; do hsub+="s/'host_:h$i'/'host_$(( (${hfix:-17} + (i - 1) * stride) % nhosts ))'/g;"; done
	sed "$hsub" "$work/tsbs_queries.tsv" > "$work/tsbs_check_queries.tsv"

	# every ztsdb plan (EXPLAIN, COSTS OFF, the check's parameters), per tier
	local plans
	plans="$here/results/tsbs-plans-$(date -u +%Y%m%dT%H%M%SZ).txt"
	mkdir -p "$here/results"
	: > "$plans"
	for tier in hot warm cold; do
		case $tier in
			warm) psql -Atc "SELECT ztsdb.seal('cpu_ztsdb')" >/dev/null; bench_wait_merges ;;
			cold) psql -Atc "SELECT ztsdb.compress('cpu_ztsdb')" >/dev/null ;;
		esac
		step "tsbs $tier: ztsdb chunks $(psql -Atc "SELECT string_agg(tier || ' ' || n, ', ') FROM
			(SELECT tier, count(*) n FROM ztsdb.chunks('cpu_ztsdb') GROUP BY 1 ORDER BY 1) c")"
		# the result check: each table's answers in one session, a file per query
		for t in heap_btree ztsdb; do
			while IFS=$'\t' read -r name sql; do
				echo "\\o $work/tsbs_${name}_$t.out"
				echo "${sql//TABLE/cpu_$t};"
				if [ $t = ztsdb ]; then
					echo "\\o $work/tsbs_${name}.plan"
					echo "EXPLAIN (COSTS OFF) ${sql//TABLE/cpu_$t};"
				fi
			done < "$work/tsbs_check_queries.tsv" > "$work/tsbs_check_$t.sql"
			while IFS=$'\t' read -r name sql; do
				{ cat "$work/tsbs_vars.sql"; echo "${sql//TABLE/cpu_$t};"; } > "$work/tsbs_bench_${name}_$t.sql"
			done < "$work/tsbs_queries.tsv"
			psql -At -F '|' "${fixed[@]}" -f "$work/tsbs_check_$t.sql"
		done
		while IFS=$'\t' read -r name sql; do
			local tol=0 near
			[[ $sql == *avg\(* ]] && tol=1e-13
			if ! near=$(tsbs_same_rows "$work/tsbs_${name}_heap_btree.out" "$work/tsbs_${name}_ztsdb.out" $tol); then
				echo "tsbs $name ($tier): ztsdb's rows differ from heap's" >&2
				diff <(sort "$work/tsbs_${name}_heap_btree.out") <(sort "$work/tsbs_${name}_ztsdb.out") | head -20 >&2
				exit 1
			fi
			[ "$near" -gt 0 ] && step "  $tier $name: $near averages differ from heap's in the last bits (rows added in another order)"
			{ echo "== $tier $name"; cat "$work/tsbs_${name}.plan"; } >> "$plans"
			plan=$({ grep -o 'Custom Scan (Ztsdb[A-Za-z]*)' "$work/tsbs_${name}.plan" || true; } |
				head -1 | sed 's/Custom Scan (\(.*\))/\1/')
			if [ "$mode" = smoke ] && [ $tier != hot ]; then
				step "  $tier $name: same rows ($(wc -l < "$work/tsbs_${name}_ztsdb.out")), ${plan:-no ztsdb node}"
				continue	# the smoke run times the hot tier only: it must stay fast
			fi
			rm -f "$work"/tsbs_lat_*
			for ((i = 0; i < rounds; i++)); do
				for t in heap_btree ztsdb; do
					rm -f "$work"/pgbench_log.*
					(cd "$work" && pgbench -c 1 $timing -l -f "$work/tsbs_bench_${name}_$t.sql" >/dev/null)
					if [ "$(cat "$work"/pgbench_log.* | wc -l)" -lt 2 ]; then
						rm -f "$work"/pgbench_log.*
						(cd "$work" && pgbench -c 1 -t 2 -l -f "$work/tsbs_bench_${name}_$t.sql" >/dev/null)
					fi
					# not the connection's first query: it pays the new backend's
					# first touches (catalog caches, dictionary, shared memory
					# pages), which TSBS's long-lived connections do not
					cat "$work"/pgbench_log.* | awk 'NR > 1 {print $3}' >> "$work/tsbs_lat_$t"
				done
			done
			local mh mz
			mh=$(bench_median_ms "$work/tsbs_lat_heap_btree")
			mz=$(bench_median_ms "$work/tsbs_lat_ztsdb")
			record "tsbs_${name}_ms_$tier" heap_btree "$mh"
			record "tsbs_${name}_ms_$tier" ztsdb "$mz"
			step "  $tier $name: heap $mh ms, ztsdb $mz ms ($(awk -v z="$mz" -v h="$mh" 'BEGIN {printf "%.2f", z / h}')x;" \
				"$(wc -l < "$work/tsbs_${name}_ztsdb.out") rows, ${plan:-no ztsdb node}, $(wc -l < "$work/tsbs_lat_ztsdb") runs)"
		done < "$work/tsbs_queries.tsv"
	done
	step "tsbs: ztsdb plans in $plans"
	psql -c "DROP TABLE cpu_ztsdb, cpu_heap_btree"
	tsbs_hot_chunk DEFAULT
}

# Run alone: a throwaway cluster configured as make bench's queries are
# (bench/cluster_conf.sh, tuned ztsdb GUCs), this step, the report.
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
	# (the tuned GUCs, as run.sh has them when it calls tsbs_step: with the
	# defaults, tiering moves chunks to cold files while "hot" is timed)
	bench_standalone tsbs 54331
	tsbs_step
	python3 "$here/report.py" "$raw" "$out_json" "$mode" 0 0
	step "raw figures: $out_json"
fi
