-- query_agg: aggregates over one ztsdb table, grouped by nothing or by the
-- series column, are computed inside the scan (Custom Scan (ZtsdbAgg));
-- results equal a heap table's, special float values and errors included,
-- and everything else falls back to PostgreSQL's Agg.
CREATE SCHEMA query_agg;
SET search_path = query_agg;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int, value float8, n int, big bigint) USING ztsdb;
CREATE TABLE h (LIKE z);
-- 3 days x 10 series x 1 minute, in time order; day 1 cold, day 2 warm, day 3 hot;
-- NULL values, a NULL series, NaN, infinities, -0.0, int extremes
INSERT INTO z SELECT '2024-01-01'::timestamptz + (i / 10) * interval '1 minute', i % 10,
                     CASE WHEN i % 53 = 0 THEN NULL ELSE (i % 1000) * 0.25 END,
                     CASE WHEN i % 41 = 0 THEN NULL ELSE i % 777 - 300 END, i::bigint * 1000003
  FROM generate_series(0, 1440 * 10 - 1) i;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
INSERT INTO z SELECT '2024-01-02'::timestamptz + (i / 10) * interval '1 minute', i % 10, -i * 0.5, i % 5, -i
  FROM generate_series(0, 1440 * 10 - 1) i;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT '2024-01-03'::timestamptz + (i / 10) * interval '1 minute', i % 10, i, NULL, i
  FROM generate_series(0, 1440 * 10 - 1) i;
INSERT INTO z VALUES ('2024-01-03 12:00:30', NULL, 5, 5, 5),
                     ('2024-01-03 12:00:31', 11, 'NaN', 2147483647, 9223372036854775807),
                     ('2024-01-03 12:00:32', 11, 'Infinity', -2147483648, -9223372036854775808),
                     ('2024-01-03 12:00:33', 12, '-Infinity', 0, 0),
                     ('2024-01-03 12:00:34', 12, '-0', 1, 1),
                     ('2024-01-03 12:00:35', 13, 1e-320, NULL, NULL);
INSERT INTO h SELECT * FROM z;
SELECT tier, count(*) > 0 AS present FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;

-- same(q) runs q against z and against h (the text "TBL" replaced) and compares
CREATE FUNCTION same(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', replace(q, 'TBL', 'z')) INTO a;
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', replace(q, 'TBL', 'h')) INTO b;
  RETURN CASE WHEN a IS NOT DISTINCT FROM b THEN 'same (' || coalesce(cardinality(a), 0) || ' rows)'
              ELSE 'DIFFERENT' END;
END $$;
-- uses(q) tells which node computes the aggregates
CREATE FUNCTION uses(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN coalesce(plan -> 0 -> 'Plan' ->> 'Custom Plan Provider', plan -> 0 -> 'Plan' ->> 'Node Type');
END $$;

-- pushed: every supported aggregate, grouped and not, with and without bounds
SELECT uses($$SELECT series_id, count(*), count(value), sum(value), avg(value), min(value), max(value) FROM z GROUP BY series_id$$);
SELECT same($$SELECT series_id, count(*), count(value), sum(value), avg(value), min(value), max(value) FROM TBL GROUP BY series_id$$);
SELECT same($$SELECT series_id, sum(n), min(n), max(n), count(n), min(big), max(big), min(ts), max(ts) FROM TBL GROUP BY 1$$);
SELECT same($$SELECT count(*), count(value), sum(n), min(ts), max(ts), min(big), max(big) FROM TBL$$);
SELECT same($$SELECT max(value), min(value), count(*) FROM TBL WHERE series_id IN (11, 12, 13)$$);
SELECT same($$SELECT series_id, max(value), min(value) FROM TBL WHERE series_id IN (11, 12, 13) GROUP BY 1$$);
SELECT same($$SELECT series_id, avg(value), sum(value) FROM TBL WHERE ts >= '2024-01-01 23:30' AND ts < '2024-01-02 00:30' GROUP BY 1$$);
SELECT same($$SELECT count(*), sum(value) FROM TBL WHERE series_id = 3 AND ts BETWEEN '2024-01-02 10:00' AND '2024-01-03 10:00'$$);
SELECT same($$SELECT series_id, round(avg(value)::numeric, 6), max(value) - min(value) FROM TBL GROUP BY series_id ORDER BY 1 LIMIT 4$$);
SELECT same($$SELECT count(*) FROM TBL WHERE ts > '2030-01-01'$$);
SELECT same($$SELECT series_id, count(*) FROM TBL WHERE ts > '2030-01-01' GROUP BY 1$$);
SELECT same($$SELECT sum(value), avg(value), max(ts) FROM TBL WHERE series_id = 1234$$);
SELECT same($$SELECT count(*) FROM TBL WHERE series_id = NULL::int$$);
-- grouped by date_bin(constant, time, constant), alone or with the series
SELECT uses($$SELECT series_id, date_bin('1 hour', ts, '2000-01-01'), avg(value) FROM z GROUP BY 1, 2$$);
SELECT same($$SELECT series_id, date_bin('1 hour', ts, '2000-01-01'), avg(value), count(*), max(n) FROM TBL GROUP BY 1, 2$$);
SELECT same($$SELECT date_bin('1 minute', ts, '2000-01-01'), series_id, sum(value) FROM TBL WHERE ts >= '2024-01-01 23:00' AND ts < '2024-01-03 01:00' GROUP BY 1, 2$$);
SELECT same($$SELECT date_bin('7 minutes', ts, '2024-01-02 00:03:30'), min(value), max(ts) FROM TBL GROUP BY 1$$);
SELECT same($$SELECT date_bin('15 minutes', ts, '2024-01-05'), count(*) FROM TBL WHERE series_id IN (1, 11) GROUP BY 1$$);
SELECT date_bin('1 month', ts, '2000-01-01'), count(*) FROM z GROUP BY 1;
SELECT date_bin('1 month', ts, '2000-01-01'), count(*) FROM h GROUP BY 1;
SELECT uses($$SELECT date_bin(make_interval(mins => n), ts, '2000-01-01'), count(*) FROM z GROUP BY 1$$);
-- and by date_trunc(constant, time) (query_agg_bucket tests every unit and zone)
SELECT uses($$SELECT date_trunc('hour', ts), count(*) FROM z GROUP BY 1$$);
SELECT same($$SELECT date_trunc('hour', ts), series_id, count(*), max(value), avg(n) FROM TBL GROUP BY 1, 2$$);
-- the NULL series is a group of its own
SELECT count(*), sum(value) FROM z WHERE series_id IS NULL;
SELECT series_id, count(*), sum(value) FROM z GROUP BY series_id ORDER BY series_id NULLS FIRST LIMIT 2;
-- the transaction's own rows count, rolled-back ones do not
BEGIN;
INSERT INTO z VALUES ('2024-01-03 23:59:59', 3, 1000, 1, 1);
SELECT count(*), max(value) FROM z WHERE series_id = 3 AND ts >= '2024-01-03 23:00';
ROLLBACK;
SELECT count(*), max(value) FROM z WHERE series_id = 3 AND ts >= '2024-01-03 23:00';
-- prepared statements under a generic plan, parameters from an outer plan
PREPARE pz(timestamptz, int) AS SELECT count(*), sum(value) FROM z WHERE ts < $1 AND series_id = $2;
SET plan_cache_mode = force_generic_plan;
SELECT uses('EXECUTE pz(''2024-01-02'', 4)');
EXECUTE pz('2024-01-02', 4);
SELECT count(*), sum(value) FROM h WHERE ts < '2024-01-02' AND series_id = 4;
EXECUTE pz(NULL, 4);
RESET plan_cache_mode;
SELECT s, (SELECT max(value) FROM z WHERE series_id = s) FROM generate_series(8, 12) s ORDER BY 1;
SELECT s, (SELECT max(value) FROM h WHERE series_id = s) FROM generate_series(8, 12) s ORDER BY 1;
-- the same errors as PostgreSQL's own aggregates
CREATE TABLE zo (ts timestamptz NOT NULL, series_id int, value float8) USING ztsdb;
INSERT INTO zo VALUES ('2024-01-01', 1, 1e308), ('2024-01-01 00:01', 1, 1e308);
SELECT sum(value) FROM zo;
SELECT sum(value) FROM (VALUES (1e308::float8), (1e308::float8)) v(value);
CREATE TABLE zs (ts timestamptz NOT NULL, series_id int, value float8) USING ztsdb;
INSERT INTO zs VALUES ('2024-01-01', 1, 1e200), ('2024-01-01 00:01', 1, -1e200);
SELECT avg(value) FROM zs;
SELECT avg(value) FROM (VALUES (1e200::float8), (-1e200::float8)) v(value);
-- huge values that raise nothing: the exact pass gives PostgreSQL's answer
CREATE TABLE zb (ts timestamptz NOT NULL, series_id int, value float8) USING ztsdb;
INSERT INTO zb VALUES ('2024-01-01', 1, 1e150), ('2024-01-01 00:01', 1, 1), ('2024-01-01 00:02', 2, 'Infinity'), ('2024-01-01 00:03', 2, 1e300);
SELECT series_id, avg(value), sum(value), count(*) FROM zb GROUP BY 1 ORDER BY 1;
SELECT s, avg(v), sum(v), count(*) FROM (VALUES (1, 1e150::float8), (1, 1), (2, 'Infinity'), (2, 1e300)) x(s, v) GROUP BY 1 ORDER BY 1;
-- columns without NULLs take the branch-free min/max/avg loops: NaN must keep
-- its place above every number, hot or cold.  (Which of -0 and 0 a tie returns
-- depends on the scan order, for heap tables too: compared as numbers.)
CREATE TABLE zf (ts timestamptz NOT NULL, series_id int NOT NULL, value float8 NOT NULL) USING ztsdb;
CREATE TABLE hf (LIKE zf);
INSERT INTO zf SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 4,
                      CASE WHEN i = 2001 THEN 'NaN'::float8 WHEN i % 400 IN (2, 7) THEN '-0'::float8
                           WHEN i % 4 >= 2 THEN 0::float8 ELSE (i % 97) * 0.5 - 20 END
  FROM generate_series(0, 3999) i;
SELECT ztsdb.seal('zf') > 0 AS sealed, ztsdb.compress('zf') > 0 AS compressed;
INSERT INTO zf SELECT '2024-01-02'::timestamptz + i * interval '1 s', i % 4,
                      CASE WHEN i % 4 = 2 THEN 0::float8 WHEN i % 4 = 3 THEN '-0'::float8 ELSE i * 0.25 END
  FROM generate_series(0, 999) i;
INSERT INTO hf SELECT * FROM zf ORDER BY ts;
SELECT uses($$SELECT series_id, min(value) + 0, max(value) + 0 FROM zf GROUP BY 1$$);
SELECT same($$SELECT series_id, min(value) + 0, max(value) + 0, avg(value), sum(value), count(*) FROM TBLf GROUP BY 1$$);
SELECT same($$SELECT min(value), max(value), avg(value) FROM TBLf WHERE series_id = 1$$);
SELECT series_id, min(value) + 0 AS min, max(value) + 0 AS max, count(*) FROM zf GROUP BY 1 ORDER BY 1;
-- value filters are pushed (value > 0, scan_filter); not pushed: expressions other than arithmetic (query_agg_expr), HAVING, DISTINCT, FILTER, other groupings, joins
SELECT uses($$SELECT count(*) FROM z WHERE value > 0$$);
SELECT uses($$SELECT sum(abs(value)) FROM z$$);
SELECT uses($$SELECT series_id, count(*) FROM z GROUP BY series_id HAVING count(*) > 10$$);
SELECT uses($$SELECT count(DISTINCT value) FROM z$$);
SELECT uses($$SELECT count(*) FILTER (WHERE value > 0) FROM z$$);
SELECT uses($$SELECT n, count(*) FROM z GROUP BY n$$);
SELECT uses($$SELECT bit_and(n) FROM z$$);
SELECT uses($$SELECT count(*) FROM z a JOIN h b USING (ts)$$);
SELECT same($$SELECT count(*) FROM TBL WHERE value > 0$$);
SELECT same($$SELECT series_id, count(*) FROM TBL GROUP BY series_id HAVING count(*) > 10$$);
SELECT same($$SELECT n % 3, count(*), avg(n) FROM TBL GROUP BY 1$$);
-- integer sums and averages are pushed (numeric results)
SELECT uses($$SELECT avg(n), sum(big), avg(big) FROM z$$);
SELECT same($$SELECT series_id, avg(n), sum(big), avg(big) FROM TBL GROUP BY 1$$);
-- EXPLAIN ANALYZE shows what was aggregated and pruned
CREATE FUNCTION analyzed(q text) RETURNS TABLE (rows_aggregated int, chunks_skipped int) LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN QUERY SELECT (plan -> 0 -> 'Plan' ->> 'Rows Aggregated')::int, (plan -> 0 -> 'Plan' ->> 'Chunks Skipped')::int;
END $$;
SELECT * FROM analyzed($$SELECT count(*) FROM z WHERE series_id = 5 AND ts < '2024-01-01 01:00'$$);
DROP SCHEMA query_agg CASCADE;
