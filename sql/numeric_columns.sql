-- numeric_columns: numeric and numeric(p,s) columns of a ztsdb table read
-- back as the same numeric -- same digits, same display scale (1.50 stays
-- 1.50), NaN, +-Infinity, NULL -- byte for byte (numeric_send), via INSERT
-- and COPY, in hot, warm (ztsdb.seal) and cold (ztsdb.compress) chunks,
-- equal to a heap copy of the same rows both ways; numeric(10,2) coerces
-- before the table sees the row; a value whose scaled integer needs more
-- than 127 bits is refused (22003) naming the column, never rounded, also
-- inside a savepoint and in COPY; sum/avg/min/max give the heap's answers
-- (ZtsdbAgg leaves numeric aggregates to PostgreSQL); a numeric series key
-- is refused (0A000); ANALYZE samples numeric values.
CREATE SCHEMA numeric_columns;
SET search_path = numeric_columns;

CREATE TABLE prices (ts timestamptz NOT NULL, sym int NOT NULL, price numeric(10,2),
  qty numeric, x numeric) USING ztsdb;
SELECT * FROM ztsdb.table_layout('prices');
CREATE TABLE prices_heap (LIKE prices);

-- money-like prices, quantities of mixed scales, and edge values in x
INSERT INTO prices_heap
SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '10 s', i % 5,
       CASE WHEN i % 97 = 0 THEN NULL ELSE 100 + (i % 500) * 0.37 END,
       CASE i % 4 WHEN 0 THEN (i % 9)::numeric WHEN 1 THEN i * 0.5 WHEN 2 THEN i * 0.125
                  ELSE -i * 1.000 END,
       (ARRAY['0', '-0', '1.50', '-1.50', '0.00000000000000000001', 'NaN', 'Infinity',
              '-Infinity', NULL, '9223372036854775807', '-9223372036854775807',
              '922337203685477580.7', '0.000', '1e-1000', '-12345.6789e-500', '1e18',
              '99999999999999.9999', '0.0001', '10000', '1.000000000000000000',
              '123456789012345678901234567890.123', '-99999999999999999999999999999999999999',
              (1::numeric / 3)::text])[1 + i % 23]::numeric
  FROM generate_series(1, 3000) i;
INSERT INTO prices SELECT * FROM prices_heap;

-- numeric(10,2) rounds before the table sees the row; too many digits fail as for heap
INSERT INTO prices VALUES ('2024-01-02', 1, 1.005, 1, 1), ('2024-01-02', 2, -3.5, 2, -2.50);
INSERT INTO prices_heap VALUES ('2024-01-02', 1, 1.005, 1, 1), ('2024-01-02', 2, -3.5, 2, -2.50);
INSERT INTO prices (ts, sym, price) VALUES ('2024-01-02', 1, 123456789.1);

-- COPY, into both
COPY prices FROM stdin;
2024-01-03 00:00:00+00	7	1.5	1.50	NaN
2024-01-03 00:00:10+00	7	\N	-0.000	-Infinity
2024-01-03 00:00:20+00	7	-0.01	1e-20	123456789012345678
\.
COPY prices_heap FROM stdin;
2024-01-03 00:00:00+00	7	1.5	1.50	NaN
2024-01-03 00:00:10+00	7	\N	-0.000	-Infinity
2024-01-03 00:00:20+00	7	-0.01	1e-20	123456789012345678
\.

-- up to 38 digits at the display scale fit: 1234 at scale 22, 2^127 - 1
INSERT INTO prices (ts, sym, qty) VALUES ('2024-01-04', 1, 0.0000000000000000001234);
INSERT INTO prices_heap (ts, sym, qty) VALUES ('2024-01-04', 1, 0.0000000000000000001234);
INSERT INTO prices (ts, sym, qty) VALUES ('2024-01-04 00:00:01', 1, 170141183460469231731687303715884105727);
INSERT INTO prices_heap (ts, sym, qty) VALUES ('2024-01-04 00:00:01', 1, 170141183460469231731687303715884105727);
-- values with no 128-bit scaled integer are refused, naming the column
INSERT INTO prices (ts, sym, x) VALUES ('2024-01-04', 1, 1234567890123456789012345678901234567.890);
INSERT INTO prices (ts, sym, qty) VALUES ('2024-01-04', 1, -170141183460469231731687303715884105728);
INSERT INTO prices (ts, sym, x) VALUES ('2024-01-04', 1, ('1' || repeat('0', 400))::numeric);
COPY prices (ts, sym, x) FROM stdin;
2024-01-04 00:00:00+00	1	1
2024-01-04 00:00:10+00	1	1e39
\.
DO $$
BEGIN
  INSERT INTO numeric_columns.prices (ts, sym, x) VALUES ('2024-01-04', 1, 1e40);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END $$;
-- a savepoint survives the refused row; the row before it stays
BEGIN;
INSERT INTO prices (ts, sym, x) VALUES ('2024-01-05', 8, 8.8);
SAVEPOINT s;
INSERT INTO prices (ts, sym, x) VALUES ('2024-01-05', 8, 1e39);
ROLLBACK TO SAVEPOINT s;
INSERT INTO prices (ts, sym, x) VALUES ('2024-01-05 00:01', 8, 9.90);
COMMIT;
INSERT INTO prices_heap (ts, sym, x) VALUES ('2024-01-05', 8, 8.8), ('2024-01-05 00:01', 8, 9.90);
SELECT ts, x FROM prices WHERE sym = 8 ORDER BY ts, x;

-- PostgreSQL 15's negative typmod scales round before the table sees the row
CREATE TABLE neg (ts timestamptz NOT NULL, v numeric(5,-2)) USING ztsdb;
INSERT INTO neg VALUES ('2024-01-01', 12345), ('2024-01-02', -9999949), ('2024-01-03', 0.5);
SELECT ztsdb.seal('neg') > 0 AS sealed, ztsdb.compress('neg') > 0 AS compressed;
SELECT ts, v, scale(v) FROM neg ORDER BY ts;
DROP TABLE neg;

-- a numeric column is never a series key
CREATE TABLE bad (ts timestamptz NOT NULL, n numeric) USING ztsdb WITH (ztsdb.series = 'n');
DO $$
BEGIN
  CREATE TABLE numeric_columns.bad (ts timestamptz NOT NULL, n numeric) USING ztsdb
    WITH (ztsdb.series = 'n');
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END $$;
-- without one, the table has none (no guessed numeric series)
CREATE TABLE only_n (ts timestamptz NOT NULL, n numeric) USING ztsdb;
SELECT * FROM ztsdb.table_layout('only_n');
DROP TABLE only_n;

-- the same answers as the heap, run on hot, then warm, then cold chunks:
-- text and numeric_send compare digits and display scale, not just value
CREATE FUNCTION check_answers(chunks text) RETURNS TABLE (tier text, query text, ok boolean)
LANGUAGE plpgsql AS $$
DECLARE
  q text;
  n_diff bigint;
  queries text[] := ARRAY[
    'SELECT * FROM %s',
    'SELECT ts, sym, price::text, qty::text, x::text FROM %s',
    'SELECT ts, numeric_send(price), numeric_send(qty), numeric_send(x) FROM %s',
    'SELECT ts, x FROM %s WHERE x > 1 AND x < ''Infinity''',
    'SELECT ts, x::text FROM %s WHERE x = 1.5',
    'SELECT * FROM %s WHERE x IS NULL OR x = ''NaN''',
    'SELECT sym, sum(price)::text, avg(price)::text, min(price)::text, max(price)::text, count(price) FROM %s GROUP BY sym',
    'SELECT sum(qty)::text, avg(qty)::text, min(qty)::text, max(qty)::text, count(qty) FROM %s',
    'SELECT min(x)::text, max(x)::text, count(x), count(*) FROM %s',
    'SELECT sum(x)::text FROM %s WHERE x BETWEEN -1e10 AND 1e10',
    'SELECT date_trunc(''hour'', ts), sum(price)::text, max(qty)::text FROM %s GROUP BY 1',
    'SELECT (price * qty)::text, round(price, 1)::text, (x * 2)::text FROM %s',
    'SELECT * FROM (SELECT ts, x FROM %s ORDER BY x DESC NULLS LAST, ts LIMIT 25) s',
    'SELECT x::text, count(*) FROM %s GROUP BY x::text',
    'SELECT x, count(*), min(ts) FROM %s GROUP BY x',
    'SELECT DISTINCT price, qty FROM %s',
    'SELECT a.x, count(*) FROM %s a JOIN (SELECT DISTINCT x FROM %1$s WHERE sym = 2) b ON a.x = b.x GROUP BY a.x',
    'SELECT ts, x::text, numeric_send(price) FROM %s WHERE sym = 3 AND ts >= ''2024-01-01 02:00+00''',
    'SELECT * FROM (SELECT ts, sym, price::text, x::text FROM %s ORDER BY ts DESC, sym LIMIT 30) s',
    'SELECT DISTINCT ON (sym) sym, ts, price::text, qty::text, x::text FROM %s ORDER BY sym, ts DESC'];
BEGIN
  FOREACH q IN ARRAY queries LOOP
    EXECUTE format('SELECT count(*) FROM (((%s) EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL (%s))) d',
                   format(q, 'prices'), format(q, 'prices_heap'), format(q, 'prices_heap'),
                   format(q, 'prices'))
      INTO n_diff;
    check_answers.tier := $1;
    check_answers.query := format(q, 'T');
    check_answers.ok := n_diff = 0;
    RETURN NEXT;
  END LOOP;
END $$;

SELECT count(*) FROM prices;
SELECT * FROM check_answers('hot') ORDER BY query;
-- grouping by sorting keeps each group's first value past the next row's
SET enable_hashagg = off;
SELECT * FROM check_answers('hot, sorted groups') WHERE query LIKE '%GROUP BY x%' OR NOT ok ORDER BY query;
RESET enable_hashagg;
-- the edge values as the table returns them
SELECT left(x, 24) AS x, length(x), scale FROM
  (SELECT DISTINCT x::text AS x, scale(x) FROM prices WHERE sym IN (0, 1, 2, 3, 4)) s
 ORDER BY s.x COLLATE "C";
SELECT ts, price, qty, x FROM prices WHERE sym IN (1, 2, 7) AND ts >= '2024-01-02' ORDER BY ts, sym;
COPY (SELECT ts, price, qty, x FROM prices WHERE sym = 7 ORDER BY ts) TO stdout;
-- the custom scans return numeric columns too
EXPLAIN (COSTS OFF) SELECT ts, x FROM prices WHERE sym = 3 AND ts >= '2024-01-01 02:00+00';
EXPLAIN (COSTS OFF) SELECT ts, price FROM prices ORDER BY ts DESC LIMIT 3;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (sym) sym, ts, x FROM prices ORDER BY sym, ts DESC;
SELECT DISTINCT ON (sym) sym, ts, price, qty, x FROM prices ORDER BY sym, ts DESC;
-- ztsdb.range() streams float columns only
SELECT count(*) FROM ztsdb.range('prices', 1, '2024-01-01', '2024-01-02', value_column => 'price');
-- numeric aggregates are PostgreSQL's (ZtsdbAgg serves count only)
EXPLAIN (COSTS OFF) SELECT sym, sum(price), avg(qty), min(x), max(x) FROM prices GROUP BY sym;
EXPLAIN (COSTS OFF) SELECT count(price), count(*) FROM prices;
SELECT sym, sum(price), avg(price), min(qty), max(qty) FROM prices GROUP BY sym ORDER BY sym;

-- ANALYZE samples the values
ANALYZE prices;
SELECT attname, null_frac > 0 AS has_nulls, histogram_bounds IS NOT NULL AS has_histogram
  FROM pg_stats WHERE schemaname = 'numeric_columns' AND tablename = 'prices'
   AND attname IN ('price', 'x') ORDER BY attname;

SELECT ztsdb.seal('prices') > 0 AS sealed;
SELECT * FROM check_answers('warm') ORDER BY query;
SELECT ztsdb.compress('prices') > 0 AS compressed;
SELECT count(*) > 0 AS cold_chunks FROM ztsdb.chunks('prices') WHERE tier = 'cold';
SELECT count(*) AS hot_chunks FROM ztsdb.chunks('prices') WHERE tier = 'hot';
SELECT * FROM check_answers('cold') ORDER BY query;
SELECT left(x, 24) AS x, length(x), scale FROM
  (SELECT DISTINCT x::text AS x, scale(x) FROM prices WHERE sym IN (0, 1, 2, 3, 4)) s
 ORDER BY s.x COLLATE "C";
-- new rows go to a hot chunk in front of the cold ones
INSERT INTO prices VALUES ('2024-01-06', 9, 0.10, 0.100, 'NaN');
INSERT INTO prices_heap VALUES ('2024-01-06', 9, 0.10, 0.100, 'NaN');
SELECT * FROM check_answers('cold and hot') ORDER BY query;

DROP FUNCTION check_answers;
DROP TABLE prices, prices_heap;
DROP SCHEMA numeric_columns;
