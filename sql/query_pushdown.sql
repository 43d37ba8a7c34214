-- query_pushdown: WHERE clauses on the time and series columns are pushed
-- into the scan (ZtsdbScan), which skips chunks and blocks; the results are
-- exactly a heap table's for every predicate form, boundary, parameter and
-- tier, and EXPLAIN ANALYZE shows the pruning.
CREATE SCHEMA query_pushdown;
SET search_path = query_pushdown;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (LIKE z);
-- 5 days x 20 series x 1 minute; day 1-2 cold, day 3 warm, days 4-5 hot,
-- plus out-of-order backfill, NULL values and a series seen only once
INSERT INTO z SELECT '2024-01-01'::timestamptz + (i / 20) * interval '1 minute', i % 20,
                     CASE WHEN i % 97 = 0 THEN NULL ELSE i END
  FROM generate_series(0, 2 * 1440 * 20 - 1) i;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
INSERT INTO z SELECT '2024-01-03'::timestamptz + (i / 20) * interval '1 minute', i % 20, i
  FROM generate_series(0, 1440 * 20 - 1) i;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT '2024-01-04'::timestamptz + (i / 20) * interval '1 minute', i % 20, -i
  FROM generate_series(0, 2 * 1440 * 20 - 1) i;
INSERT INTO z VALUES ('2024-01-01 12:00:30', 3, 0.5), ('2024-01-05 23:59:59.999999', 99, 99),
                     ('2023-12-31 23:59:59.999999', 3, -0.5);
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

-- the scan is the custom one when a clause can be pushed
SELECT same($$SELECT * FROM TBL WHERE ts = '2024-01-01 12:00:30'$$);
SELECT same($$SELECT * FROM TBL WHERE ts < '2024-01-01 00:05'$$);
SELECT same($$SELECT * FROM TBL WHERE ts <= '2024-01-01 00:05'$$);
SELECT same($$SELECT * FROM TBL WHERE ts > '2024-01-05 23:55'$$);
SELECT same($$SELECT * FROM TBL WHERE ts >= '2024-01-05 23:55'$$);
SELECT same($$SELECT * FROM TBL WHERE ts BETWEEN '2024-01-02 23:58' AND '2024-01-03 00:02'$$);
SELECT same($$SELECT * FROM TBL WHERE '2024-01-03 00:02' > ts AND '2024-01-02 23:58' <= ts$$);
SELECT same($$SELECT * FROM TBL WHERE ts >= '2024-01-03' AND ts < '2024-01-03'$$);
SELECT same($$SELECT * FROM TBL WHERE ts > 'infinity' OR ts < '-infinity'$$);
SELECT same($$SELECT * FROM TBL WHERE ts >= '-infinity' AND ts <= 'infinity' AND series_id = 99$$);
SELECT same($$SELECT * FROM TBL WHERE series_id = 3 AND ts < '2024-01-01 00:10'$$);
SELECT same($$SELECT * FROM TBL WHERE series_id = 3$$);
SELECT same($$SELECT * FROM TBL WHERE series_id = 1234$$);
SELECT same($$SELECT * FROM TBL WHERE series_id IN (0, 19, 99) AND ts >= '2024-01-05 23:58'$$);
SELECT same($$SELECT * FROM TBL WHERE series_id = ANY (ARRAY[5, 7, NULL]) AND ts < '2024-01-01 00:03'$$);
SELECT same($$SELECT * FROM TBL WHERE series_id = 3::bigint AND series_id = 3::smallint AND ts < '2024-01-01 00:03'$$);
SELECT same($$SELECT * FROM TBL WHERE series_id = 3 AND series_id = 4$$);
SELECT same($$SELECT * FROM TBL WHERE ts >= '2024-01-04'::timestamptz + interval '1 day' - interval '1 minute' AND ts < now()$$);
SELECT same($$SELECT * FROM TBL WHERE ts = NULL::timestamptz$$);
SELECT same($$SELECT * FROM TBL WHERE value IS NULL AND ts < '2024-01-02'$$);
SELECT same($$SELECT series_id, count(*), sum(value), min(ts), max(ts) FROM TBL WHERE ts >= '2024-01-02 12:00' AND ts < '2024-01-04 12:00' GROUP BY 1$$);
SELECT same($$SELECT date_bin('1 hour', ts, '2000-01-01'), avg(value) FROM TBL WHERE ts >= '2024-01-03 22:00' AND ts < '2024-01-04 02:00' GROUP BY 1$$);
SELECT same($$SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY series_id ORDER BY ts DESC) rn FROM TBL WHERE series_id < 3 AND ts < '2024-01-03 01:00') s WHERE rn <= 2$$);
SELECT same($$SELECT a.ts, a.value, b.value FROM TBL a JOIN TBL b ON a.ts = b.ts AND b.series_id = a.series_id + 1 WHERE a.series_id = 4 AND a.ts < '2024-01-01 00:10'$$);
-- ORDER BY and LIMIT
SELECT ts, value FROM z WHERE series_id = 3 AND ts >= '2024-01-01 12:00' ORDER BY ts LIMIT 3;
SELECT ts, value FROM h WHERE series_id = 3 AND ts >= '2024-01-01 12:00' ORDER BY ts LIMIT 3;

-- prepared statements, custom and generic plans, NULL parameters
PREPARE p(timestamptz, timestamptz, int) AS
  SELECT count(*), sum(value) FROM z WHERE ts >= $1 AND ts < $2 AND series_id = $3;
PREPARE ph(timestamptz, timestamptz, int) AS
  SELECT count(*), sum(value) FROM h WHERE ts >= $1 AND ts < $2 AND series_id = $3;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE p('2024-01-03', '2024-01-03 01:00', 5);
EXECUTE p('2024-01-03', '2024-01-03 01:00', 5);
EXECUTE ph('2024-01-03', '2024-01-03 01:00', 5);
EXECUTE p('2024-01-01', '2024-01-06', 99);
EXECUTE ph('2024-01-01', '2024-01-06', 99);
EXECUTE p(NULL, '2024-01-06', 5);
EXECUTE p('2024-01-01', '2024-01-06', NULL);
PREPARE pa(int[]) AS SELECT count(*) FROM z WHERE series_id = ANY ($1) AND ts < '2024-01-02';
EXECUTE pa(ARRAY[1, 2]);
SELECT count(*) FROM h WHERE series_id = ANY (ARRAY[1, 2]) AND ts < '2024-01-02';
EXECUTE pa(NULL);
RESET plan_cache_mode;
-- a cursor over a pushed-down scan
BEGIN;
DECLARE c CURSOR FOR SELECT ts, value FROM z WHERE series_id = 8 AND ts >= '2024-01-03 23:58' AND ts < '2024-01-04 00:02' ORDER BY ts;
FETCH 2 FROM c;
FETCH ALL FROM c;
COMMIT;
-- the transaction's own buffered rows are seen through the pushed scan
BEGIN;
INSERT INTO z VALUES ('2024-01-02 00:00:30', 3, 123);
SELECT ts, value FROM z WHERE series_id = 3 AND ts BETWEEN '2024-01-02 00:00' AND '2024-01-02 00:01' ORDER BY ts;
ROLLBACK;
-- a parameter from an outer plan (rescans re-evaluate the bounds)
SELECT s.s, (SELECT count(*) FROM z WHERE series_id = s.s AND ts < '2024-01-01 01:00') AS n
  FROM generate_series(18, 21) s(s) ORDER BY 1;

-- scans stream: a cursor's memory stays flat while it reads every tier
BEGIN;
DECLARE big CURSOR FOR SELECT * FROM z WHERE ts >= '2023-01-01';
MOVE FORWARD 1000 IN big;
CREATE TEMP TABLE mem0 AS SELECT sum(total_bytes) AS b FROM pg_backend_memory_contexts;
MOVE FORWARD ALL IN big;
SELECT (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) - b < 1024 * 1024 AS flat FROM mem0;
COMMIT;

-- pruning happens: chunks and cold blocks outside the range are skipped
CREATE FUNCTION pruning(q text) RETURNS TABLE (scanned bigint, skipped bigint, blocks_skipped bigint)
LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN QUERY SELECT (p ->> 'Chunks Scanned')::bigint, (p ->> 'Chunks Skipped')::bigint,
                      (p ->> 'Blocks Skipped')::bigint
    FROM json_array_elements(json_build_array(plan -> 0 -> 'Plan')) p;
END $$;
SELECT scanned <= 2 AS few_scanned, skipped >= 3 AS chunks_skipped
  FROM pruning($$SELECT ts FROM z WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00'$$);
SELECT scanned >= 1 AS scanned, blocks_skipped > 0 AS cold_blocks_skipped
  FROM pruning($$SELECT ts FROM z WHERE series_id = 4 AND ts < '2024-01-02'$$);
SELECT scanned = 0 AS nothing_scanned
  FROM pruning($$SELECT ts FROM z WHERE ts > '2030-01-01'$$);

-- hot chunks find a series' rows through their series index
CREATE FUNCTION hot_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Hot Rows Read')::bigint;
END $$;
SELECT one > 0 AND one * 10 < total AS one_series_read_alone, two = one + 1 AS plus_the_single_row_series
  FROM (SELECT hot_rows($$SELECT ts FROM z WHERE series_id = 7 AND ts >= '2024-01-04'$$) AS one,
               hot_rows($$SELECT ts FROM z WHERE series_id IN (7, 99) AND ts >= '2024-01-04'$$) AS two,
               hot_rows($$SELECT ts FROM z WHERE ts >= '2024-01-04'$$) AS total) r;

-- chunks are skipped by their series filter (manifest), without opening
-- their files: two warm chunks of one window, even and odd series, whose
-- series ranges overlap
CREATE TABLE zs (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO zs SELECT '2024-05-01'::timestamptz + i * interval '1 s', 2 * (i % 10), i FROM generate_series(0, 999) i;
SELECT ztsdb.seal('zs');
INSERT INTO zs SELECT '2024-05-01'::timestamptz + i * interval '1 s', 2 * (i % 10) + 1, i FROM generate_series(0, 999) i;
SELECT ztsdb.seal('zs');
SELECT scanned, skipped FROM pruning($$SELECT ts FROM zs WHERE series_id = 7$$);
SELECT scanned, skipped FROM pruning($$SELECT ts FROM zs WHERE series_id IN (4, 7)$$);
SELECT scanned, skipped FROM pruning($$SELECT ts FROM zs WHERE series_id = 1001$$);
SELECT count(*), sum(value) FROM zs WHERE series_id = 7;
SELECT count(*), sum(value) FROM zs WHERE series_id IN (4, 7, 1001);
-- the same once compressed into one cold chunk: nothing to skip but blocks
SELECT ztsdb.compress('zs');
SELECT scanned, skipped FROM pruning($$SELECT ts FROM zs WHERE series_id = 7$$);
SELECT scanned, skipped FROM pruning($$SELECT ts FROM zs WHERE series_id = 1001$$);
SELECT count(*), sum(value) FROM zs WHERE series_id IN (4, 7, 1001);

-- prepared statements: the generic plan (bounds with parameters, evaluated
-- when the scan starts) costs no more than a custom one, so after the five
-- custom plans it is kept and executions are not planned again; its answers
-- are the heap's
PREPARE q_z(int, timestamptz) AS
  SELECT series_id, count(*), sum(value) FROM z WHERE series_id IN ($1, $1 + 1) AND ts >= $2 GROUP BY 1 ORDER BY 1;
PREPARE q_h(int, timestamptz) AS
  SELECT series_id, count(*), sum(value) FROM h WHERE series_id IN ($1, $1 + 1) AND ts >= $2 GROUP BY 1 ORDER BY 1;
PREPARE q_zs(int, timestamptz) AS SELECT ts, value FROM z WHERE series_id = $1 AND ts >= $2;
EXECUTE q_z(1, '2024-01-01'); EXECUTE q_z(2, '2024-01-02'); EXECUTE q_z(3, '2024-01-03');
EXECUTE q_z(4, '2024-01-04'); EXECUTE q_z(5, '2024-01-05');
EXECUTE q_zs(1, '2024-01-05 23:58'); EXECUTE q_zs(2, '2024-01-05 23:58'); EXECUTE q_zs(3, '2024-01-05 23:58');
EXECUTE q_zs(4, '2024-01-05 23:58'); EXECUTE q_zs(5, '2024-01-05 23:58');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name IN ('q_z', 'q_zs') ORDER BY name;
EXECUTE q_z(3, '2024-01-02 12:00');
EXECUTE q_h(3, '2024-01-02 12:00');
EXECUTE q_zs(99, '2024-01-05 23:59');
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name IN ('q_z', 'q_zs') ORDER BY name;
EXPLAIN (COSTS OFF) EXECUTE q_zs(99, '2024-01-05 23:59');
DEALLOCATE ALL;

DROP SCHEMA query_pushdown CASCADE;
