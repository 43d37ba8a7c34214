#!/bin/bash
# bench/numeric_size.sh [ROWS]: bytes per value of a money-like numeric
# column in cold files, against the same prices as float8 and as heap
# numeric.  One staging heap table holds ROWS (default 2,000,000) rows of
# 100 symbols, one row per symbol and second, each price a random walk in
# cents (setseed, so every run has the same data); the same rows go into
# four ztsdb tables -- (ts, sym) alone, + numeric(12,2), + float8, +
# numeric(12,4) holding the same prices at four decimals -- which are
# sealed and compressed.  A column's cold cost is its table's file bytes
# minus the (ts, sym) table's, per row.  Prints one line per column, then
# the time of sum(price) over all rows (cold) against the heap table.
# Run as a user initdb accepts: scripts/as_pguser.sh bench/numeric_size.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_conf.sh"
rows=${1:-2000000}
bench_standalone numeric_size 55497
step "loading $rows rows"
psql <<SQL
\o /dev/null
SELECT setseed(0.14);
CREATE TABLE stage (ts timestamptz NOT NULL, sym int NOT NULL, price numeric(12,2));
INSERT INTO stage
SELECT '2024-01-01'::timestamptz + (i / 100) * interval '1 s', i % 100,
       100 + (i % 100) + sum(step) OVER (PARTITION BY i % 100 ORDER BY i)
  FROM (SELECT i, (floor(random() * 11) - 5) / 100.0 AS step
          FROM generate_series(0, $rows - 1) i) s;
CREATE TABLE base (ts timestamptz NOT NULL, sym int NOT NULL) USING ztsdb;
CREATE TABLE num2 (ts timestamptz NOT NULL, sym int NOT NULL, price numeric(12,2)) USING ztsdb;
CREATE TABLE f8 (ts timestamptz NOT NULL, sym int NOT NULL, price float8) USING ztsdb;
CREATE TABLE num4 (ts timestamptz NOT NULL, sym int NOT NULL, price numeric(12,4)) USING ztsdb;
CREATE TABLE heapnum (ts timestamptz NOT NULL, sym int NOT NULL, price numeric(12,2));
INSERT INTO base SELECT ts, sym FROM stage;
INSERT INTO num2 SELECT * FROM stage;
INSERT INTO f8 SELECT ts, sym, price::float8 FROM stage;
INSERT INTO num4 SELECT * FROM stage;
INSERT INTO heapnum SELECT * FROM stage;
SELECT ztsdb.seal(t) FROM unnest(ARRAY['base', 'num2', 'f8', 'num4']::regclass[]) t;
SELECT ztsdb.compress(t) FROM unnest(ARRAY['base', 'num2', 'f8', 'num4']::regclass[]) t;
SQL
step "cold bytes per value (file bytes minus the (ts, sym) table's, per row)"
psql -A -F ' ' -t <<SQL
WITH b AS (SELECT t::text AS tbl, sum(bytes) AS bytes, sum(rows) AS nrows,
                  bool_and(tier = 'cold') AS all_cold
             FROM unnest(ARRAY['base', 'num2', 'f8', 'num4']::regclass[]) t,
                  LATERAL ztsdb.chunks(t) GROUP BY t)
SELECT b.tbl || ':', round((b.bytes - base.bytes)::numeric / b.nrows, 3) AS bytes_per_value,
       'all_cold=' || b.all_cold, 'rows=' || b.nrows
  FROM b, b base WHERE base.tbl = 'base' AND b.tbl <> 'base' ORDER BY b.tbl;
SELECT 'heap numeric(12,2) column:', round(avg(pg_column_size(price)), 3), 'bytes per value (datum only)'
  FROM heapnum;
SQL
step "sum(price) over every row, median of 5 runs (EXPLAIN ANALYZE execution time, ms); ratio to heap numeric"
exec_ms() {
	psql -A -t -c "EXPLAIN (ANALYZE, TIMING OFF) $1" | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p'
}
median_ms() {
	for _ in 1 2 3 4 5; do exec_ms "$1"; done | sort -n | sed -n 3p
}
declare -A ms
for tbl in heapnum num2 f8; do
	exec_ms "SELECT sum(price) FROM $tbl" >/dev/null	# warm-up
	ms[$tbl]=$(median_ms "SELECT sum(price) FROM $tbl")
done
for tbl in num2 f8 heapnum; do
	echo "$tbl: ${ms[$tbl]} ms ratio_to_heap_numeric=$(awk -v a="${ms[$tbl]}" -v b="${ms[heapnum]}" 'BEGIN { printf "%.3f", a / b }')"
done
