-- hot_window: a hot chunk's series index skips the rows of a wanted series
-- outside the query's time window (issue 14): each series' rows are kept in
-- segments with their time range, segments outside the window are not
-- walked, and only rows inside it are handed on ("Hot Rows Read" counts
-- them).  Late rows (older than rows already in the chunk) widen their
-- segment's range and are still found.  Every answer equals a heap copy's.
CREATE SCHEMA hot_window;
SET search_path = hot_window;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb
  WITH (ztsdb.time = 'ts', ztsdb.series = 'series_id');
CREATE TABLE h (LIKE z);
-- 10 series x 300 points, one a minute, arriving in time order
INSERT INTO z SELECT '2024-03-01'::timestamptz + (i / 10) * interval '1 minute', i % 10, (i * 7919) % 10007
  FROM generate_series(0, 300 * 10 - 1) i;
-- late rows, older than the rows already there: inside the windows below,
-- before every other row of their series, and on a window's edges
INSERT INTO z VALUES ('2024-03-01 01:45:30', 3, 0.5), ('2024-03-01 01:40:00', 3, 1.5),
  ('2024-03-01 02:09:59', 3, 2.5), ('2024-03-01 02:10:00', 3, 3.5),
  ('2024-02-29 23:00:00', 3, 4.5), ('2024-02-29 23:30:00', 7, 5.5),
  ('2024-03-01 01:50:30', 7, 6.5);
INSERT INTO z SELECT '2024-03-01 03:00:00'::timestamptz + i * interval '7 s', 3, i FROM generate_series(0, 99) i;
-- NULL values, on time and late
INSERT INTO z VALUES ('2024-03-01 04:59:30', 3, NULL), ('2024-03-01 01:55:30', 7, NULL);
INSERT INTO h SELECT * FROM z;
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY 1 ORDER BY 1;
CREATE FUNCTION hot_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Hot Rows Read')::bigint;
END $$;
-- the same rows as heap's, and only the window's rows read from the hot chunk
CREATE FUNCTION check_window(series int[], lo timestamptz, hi timestamptz)
RETURNS TABLE (heap_rows bigint, hot_rows_read bigint, same_rows boolean) LANGUAGE plpgsql AS $$
DECLARE
  w text := format('series_id = ANY (%L::int[]) AND ts >= %L AND ts < %L', series, lo, hi);
  a text[];
  b text[];
BEGIN
  EXECUTE 'SELECT array_agg((series_id, ts, value)::text ORDER BY series_id, ts, value) FROM z WHERE ' || w INTO a;
  EXECUTE 'SELECT array_agg((series_id, ts, value)::text ORDER BY series_id, ts, value) FROM h WHERE ' || w INTO b;
  RETURN QUERY SELECT coalesce(cardinality(b), 0)::bigint, hot_rows('SELECT * FROM z WHERE ' || w),
    a IS NOT DISTINCT FROM b;
END $$;
-- one series, a 30-minute window holding late rows and one on its upper edge
SELECT * FROM check_window('{3}', '2024-03-01 01:40', '2024-03-01 02:10');
-- three series
SELECT * FROM check_window('{2,3,7}', '2024-03-01 01:40', '2024-03-01 02:10');
-- a window before the series' ordinary rows: only its late rows
SELECT * FROM check_window('{3,7}', '2024-02-29 22:00', '2024-03-01 00:00');
-- windows with nothing, at the start, at the end, and across the late tail
SELECT * FROM check_window('{3}', '2024-02-01', '2024-02-02');
SELECT * FROM check_window('{5}', '2024-03-01 00:00', '2024-03-01 00:05');
SELECT * FROM check_window('{3,9}', '2024-03-01 04:55', '2024-03-01 05:10');
SELECT * FROM check_window('{3}', '2024-03-01 03:05', '2024-03-01 03:06');
-- sliding windows over every series: answers and counters against heap
SELECT count(*) AS windows, bool_and(same_rows) AS all_same, bool_and(hot_rows_read = heap_rows) AS only_window_read
  FROM generate_series(0, 330, 17) m, generate_series(0, 9, 4) s,
       LATERAL check_window(ARRAY[s, s + 1], '2024-02-29 23:50'::timestamptz + m * interval '1 minute',
                            '2024-03-01 00:03'::timestamptz + m * interval '1 minute');
-- the plan and its counters (ZtsdbScan and ZtsdbAgg)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM z WHERE series_id = 3 AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 02:10';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT date_trunc('minute', ts) AS minute, max(value) FROM z
 WHERE series_id IN (3, 7) AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 02:10' GROUP BY 1;
SELECT (SELECT array_agg(a::text ORDER BY a::text) FROM (SELECT date_trunc('minute', ts), series_id, max(value), count(*), sum(value) FROM z
          WHERE series_id IN (3, 7) AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 02:10' GROUP BY 1, 2) a) =
       (SELECT array_agg(a::text ORDER BY a::text) FROM (SELECT date_trunc('minute', ts), series_id, max(value), count(*), sum(value) FROM h
          WHERE series_id IN (3, 7) AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 02:10' GROUP BY 1, 2) a) AS same_aggregates;
-- a computed argument over the window's rows (ZtsdbAgg reads the rows of
-- the hot chunk as one run gathered from the wanted series)
EXPLAIN (COSTS OFF)
SELECT series_id, date_trunc('minute', ts), avg(value * 2 + 1), count(value) FROM z
 WHERE series_id IN (3, 7, 9) AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 05:00' GROUP BY 1, 2;
SELECT (SELECT array_agg(a::text ORDER BY a::text) FROM (SELECT series_id, date_trunc('minute', ts), avg(value * 2 + 1), count(value), count(*) FROM z
          WHERE series_id IN (3, 7, 9) AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 05:00' GROUP BY 1, 2) a) =
       (SELECT array_agg(a::text ORDER BY a::text) FROM (SELECT series_id, date_trunc('minute', ts), avg(value * 2 + 1), count(value), count(*) FROM h
          WHERE series_id IN (3, 7, 9) AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 05:00' GROUP BY 1, 2) a) AS same_computed;
SELECT sum(value * 2 + 1), count(value), count(*) FROM z WHERE series_id IN (3, 7) AND ts >= '2024-03-01 01:50';
SELECT sum(value * 2 + 1), count(value), count(*) FROM h WHERE series_id IN (3, 7) AND ts >= '2024-03-01 01:50';
-- backends keep freed memory for their next statements (set at server start)
SHOW ztsdb.backend_heap_keep;
-- a rolled-back late row stays invisible
BEGIN;
INSERT INTO z SELECT '2024-03-01 01:41:00'::timestamptz + i * interval '1 ms', 3, -1 FROM generate_series(1, 1500) i;
ROLLBACK;
-- (its rows reach the hot chunk some time after the ROLLBACK: no counter here)
SELECT heap_rows, same_rows FROM check_window('{3}', '2024-03-01 01:40', '2024-03-01 02:10');
SELECT count(*), sum(value) FROM z WHERE series_id = 3 AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 02:10';
SELECT count(*), sum(value) FROM h WHERE series_id = 3 AND ts >= '2024-03-01 01:40' AND ts < '2024-03-01 02:10';
-- more series than a hot chunk's series index takes (2000 in a 256kB chunk,
-- 3 points each, arriving in (time, series) order): the chunk's zones, a
-- series and time range per 1024 rows, let a series filter skip blocks
-- (Blocks Scanned / Skipped) instead of reading every row's series
CREATE TABLE many (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb
  WITH (ztsdb.time = 'ts', ztsdb.series = 'series_id');
CREATE TABLE many_h (LIKE many);
INSERT INTO many SELECT '2024-04-01'::timestamptz + (i / 2000) * interval '1 minute', i % 2000, i
  FROM generate_series(0, 3 * 2000 - 1) i;
INSERT INTO many_h SELECT * FROM many;
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('many') GROUP BY 1 ORDER BY 1;
CREATE FUNCTION zones(q text) RETURNS TABLE (blocks_scanned bigint, blocks_skipped bigint, hot_rows_read bigint)
LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN QUERY SELECT (plan -> 0 -> 'Plan' ->> 'Blocks Scanned')::bigint,
    (plan -> 0 -> 'Plan' ->> 'Blocks Skipped')::bigint, (plan -> 0 -> 'Plan' ->> 'Hot Rows Read')::bigint;
END $$;
-- rows 1234, 3234, 5234: blocks 1 and 3 hold a wrap of the series cycle
-- (their range is every series), block 5 holds series 1120..1999
SELECT * FROM zones('SELECT * FROM many WHERE series_id = 1234');
-- the last minute is in blocks 3 to 5; block 4 holds series 96..1119
SELECT * FROM zones('SELECT * FROM many WHERE series_id = 1234 AND ts >= ''2024-04-01 00:02''');
SELECT * FROM zones('SELECT * FROM many WHERE series_id IN (5, 1500) AND ts < ''2024-04-01 00:01''');
SELECT series_id, ts, value FROM many WHERE series_id IN (5, 1234, 1500) ORDER BY 1, 2;
SELECT series_id, ts, value FROM many_h WHERE series_id IN (5, 1234, 1500) ORDER BY 1, 2;
SELECT count(*), sum(value) FROM many WHERE series_id = 1234 AND ts >= '2024-04-01 00:02';
SELECT count(*), sum(value) FROM many_h WHERE series_id = 1234 AND ts >= '2024-04-01 00:02';
-- more series than the chunk has segments for (400 series of 5 rows in a
-- 256kB chunk: some 250 segments), fewer than its index takes: the series
-- that come after the segments ran out are still indexed (no block of the
-- chunk is read: Blocks Scanned 0), every row of them followed
TRUNCATE many;
TRUNCATE many_h;
INSERT INTO many SELECT '2024-04-02'::timestamptz + (i / 400) * interval '1 minute', i % 400, i
  FROM generate_series(0, 5 * 400 - 1) i;
INSERT INTO many_h SELECT * FROM many;
SELECT * FROM zones('SELECT * FROM many WHERE series_id = 399');
SELECT * FROM zones('SELECT * FROM many WHERE series_id IN (3, 399) AND ts >= ''2024-04-02 00:03''');
SELECT series_id, count(*), sum(value) FROM many WHERE series_id IN (3, 250, 399) AND ts >= '2024-04-02 00:01' GROUP BY 1 ORDER BY 1;
SELECT series_id, count(*), sum(value) FROM many_h WHERE series_id IN (3, 250, 399) AND ts >= '2024-04-02 00:01' GROUP BY 1 ORDER BY 1;
DROP SCHEMA hot_window CASCADE;
