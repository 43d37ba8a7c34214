-- card_blocks: high cardinality (issue 14).  A cold chunk of many series
-- with a few rows each packs their short runs into shared blocks (not a
-- block per series), a series IN list skips every block whose series range
-- holds none of the wanted series; a hot chunk with more series than its
-- series index holds hands on only the wanted series' rows; every answer
-- equals a heap table's.
CREATE SCHEMA card_blocks;
SET search_path = card_blocks;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (LIKE z);
-- 3000 series x 3 points, arriving in time order
INSERT INTO z SELECT '2024-01-01'::timestamptz + (i / 3000) * interval '1 minute', i % 3000, (i * 7919) % 10007
  FROM generate_series(0, 3 * 3000 - 1) i;
INSERT INTO h SELECT * FROM z;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY 1 ORDER BY 1;
CREATE FUNCTION pruning(q text) RETURNS TABLE (blocks_scanned bigint, blocks_skipped bigint)
LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN QUERY SELECT (p ->> 'Blocks Scanned')::bigint, (p ->> 'Blocks Skipped')::bigint
    FROM json_array_elements(plan) e, LATERAL (SELECT e -> 'Plan' AS p) x;
END $$;
-- 9000 rows in runs of 3: eighteen packed blocks of at most 512 rows, not 3000
SELECT blocks_scanned + blocks_skipped AS blocks FROM pruning('SELECT * FROM z WHERE ts >= ''2000-01-01''');
-- one series: one block; ten series spread over the range: only their blocks
SELECT * FROM pruning('SELECT * FROM z WHERE series_id = 1234');
SELECT * FROM pruning('SELECT * FROM z WHERE series_id IN (5, 2990)');
SELECT * FROM pruning('SELECT * FROM z WHERE series_id IN (5, 10, 2990, 2995)');
SELECT * FROM pruning('SELECT * FROM z WHERE series_id IN (5, 1500, 2990)');
-- the same answers as heap's, in every block position
SELECT series_id, ts, value FROM z WHERE series_id IN (0, 682, 683, 1364, 2047, 2999) ORDER BY 1, 2;
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT (series_id, ts, value)::text x FROM z WHERE series_id % 97 = 3) a) =
       (SELECT array_agg(x ORDER BY x) FROM (SELECT (series_id, ts, value)::text x FROM h WHERE series_id % 97 = 3) a) AS same_rows;
SELECT count(*), sum(value), min(series_id), max(series_id) FROM z WHERE series_id = ANY (ARRAY(SELECT generate_series(0, 2999, 7)));
SELECT count(*), sum(value), min(series_id), max(series_id) FROM h WHERE series_id = ANY (ARRAY(SELECT generate_series(0, 2999, 7)));
SELECT series_id, count(*), sum(value) FROM z WHERE series_id IN (1, 1000, 2000) GROUP BY 1 ORDER BY 1;
SELECT series_id, count(*), sum(value) FROM h WHERE series_id IN (1, 1000, 2000) GROUP BY 1 ORDER BY 1;
-- long runs keep blocks of their own next to packed short ones
TRUNCATE z;
INSERT INTO z SELECT '2024-01-01'::timestamptz + i * interval '1 s', CASE WHEN i < 600 THEN 10 ELSE 20 + i % 50 END, i
  FROM generate_series(0, 1199) i;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
SELECT * FROM pruning('SELECT * FROM z WHERE series_id = 10');
SELECT * FROM pruning('SELECT * FROM z WHERE series_id = 33');
SELECT count(*), sum(value) FROM z WHERE series_id = 10;
SELECT count(*), sum(value) FROM z WHERE series_id IN (20, 69);
-- within a block only the wanted series' rows in the time bounds are read
-- (binary search on the sorted block); the same answers as heap's
TRUNCATE z;
TRUNCATE h;
INSERT INTO z SELECT '2024-01-01'::timestamptz + (i / 3000) * interval '1 minute', i % 3000, (i * 7919) % 10007
  FROM generate_series(0, 3 * 3000 - 1) i;
INSERT INTO h SELECT * FROM z;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
SELECT series_id, count(*), sum(value) FROM z
 WHERE series_id IN (0, 169, 170, 2999) AND ts >= '2024-01-01 00:01' AND ts < '2024-01-01 00:02' GROUP BY 1 ORDER BY 1;
SELECT series_id, count(*), sum(value) FROM h
 WHERE series_id IN (0, 169, 170, 2999) AND ts >= '2024-01-01 00:01' AND ts < '2024-01-01 00:02' GROUP BY 1 ORDER BY 1;
SELECT * FROM z WHERE series_id IN (1, 170, 1500, 4000) AND ts > '2024-01-01 00:00' ORDER BY 1, 2;
SELECT * FROM h WHERE series_id IN (1, 170, 1500, 4000) AND ts > '2024-01-01 00:00' ORDER BY 1, 2;
-- a series whose run spans blocks, the first of them outside the time
-- bounds: the blocks after it still hold the series
TRUNCATE z;
TRUNCATE h;
INSERT INTO z SELECT '2024-01-01'::timestamptz + i * interval '1 s', CASE WHEN i < 5000 THEN 10 ELSE 20 + i % 50 END, i
  FROM generate_series(0, 6999) i;
INSERT INTO h SELECT * FROM z;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
SELECT series_id, count(*), sum(value) FROM z
 WHERE series_id IN (10, 33) AND ts >= '2024-01-01 00:50' GROUP BY 1 ORDER BY 1;
SELECT series_id, count(*), sum(value) FROM h
 WHERE series_id IN (10, 33) AND ts >= '2024-01-01 00:50' GROUP BY 1 ORDER BY 1;
SELECT count(*), min(ts), max(ts) FROM z WHERE series_id = 10 AND ts >= '2024-01-01 00:50';
-- a hot chunk with more distinct series than its index takes (2000 series
-- in one 256kB chunk): one pass over the series column finds the rows, an
-- aborted transaction's rows stay invisible
TRUNCATE z;
TRUNCATE h;
INSERT INTO z SELECT '2024-02-01'::timestamptz + (i / 2000) * interval '1 minute', i % 2000, i
  FROM generate_series(0, 3 * 2000 - 1) i;
INSERT INTO z VALUES ('2024-02-01 00:20:00', 1999, 0.5);
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY 1 ORDER BY 1;
-- an aborted transaction large enough to reach the writer (write buffer: 1000 rows)
BEGIN;
INSERT INTO z SELECT '2024-02-01 00:10:00'::timestamptz + i * interval '1 s', 5, -1 FROM generate_series(1, 1500) i;
ROLLBACK;
INSERT INTO h SELECT * FROM z;
CREATE FUNCTION hot_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Hot Rows Read')::bigint;
END $$;
SELECT hot_rows('SELECT * FROM z WHERE series_id = 7') AS one_series,
       hot_rows('SELECT * FROM z WHERE series_id IN (7, 1999, 4000)') AS three_series;
SELECT * FROM z WHERE series_id IN (5, 1999, 4000) ORDER BY series_id, ts;
SELECT series_id, count(*), sum(value) FROM z WHERE series_id IN (0, 5, 1000, 1999) GROUP BY 1 ORDER BY 1;
SELECT series_id, count(*), sum(value) FROM h WHERE series_id IN (0, 5, 1000, 1999) GROUP BY 1 ORDER BY 1;
SELECT count(*), sum(value) FROM z WHERE series_id = ANY (ARRAY(SELECT generate_series(0, 1999, 3)));
SELECT count(*), sum(value) FROM h WHERE series_id = ANY (ARRAY(SELECT generate_series(0, 1999, 3)));
DROP SCHEMA card_blocks CASCADE;
