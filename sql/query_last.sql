-- query_last: ORDER BY the time column (ASC or DESC, with or without LIMIT)
-- and min/max of it read a ztsdb table window by window from its newest
-- (oldest) rows (Custom Scan ZtsdbOrdered), with answers equal to a heap
-- copy's, in order, on hot, warm and cold data, with NULLs, rows of aborted
-- transactions and the transaction's own unflushed rows.
CREATE SCHEMA query_last;
SET search_path = query_last;

CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (LIKE z);
-- three days at 10 s (three chunk windows, several hot chunks each), NULL values
INSERT INTO z SELECT '2024-01-01'::timestamptz + i * interval '10 seconds', i % 7,
                     CASE WHEN i % 11 = 0 THEN NULL ELSE i / 4.0 END
  FROM generate_series(0, 3 * 8640 - 1) i;
-- a series that reported only at the start
INSERT INTO z VALUES ('2024-01-01 00:00:05', 30, 30);
INSERT INTO h SELECT * FROM z;
ANALYZE z;
ANALYZE h;

-- same_order: q on z and on h (TBL) gives the same rows in the same order
CREATE FUNCTION same_order(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', replace(q, 'TBL', 'z')) INTO a;
  EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', replace(q, 'TBL', 'h')) INTO b;
  RETURN CASE WHEN a IS NOT DISTINCT FROM b THEN 'same (' || coalesce(cardinality(a), 0) || ' rows)'
              ELSE 'DIFFERENT' END;
END $$;

-- checks: every shape on the current data
CREATE FUNCTION checks() RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN NEXT same_order($$SELECT * FROM TBL ORDER BY ts DESC LIMIT 1$$);
  RETURN NEXT same_order($$SELECT ts FROM TBL ORDER BY ts DESC LIMIT 10$$);
  RETURN NEXT same_order($$SELECT * FROM TBL ORDER BY ts LIMIT 10$$);
  RETURN NEXT same_order($$SELECT * FROM TBL ORDER BY ts DESC, series_id LIMIT 20$$);
  RETURN NEXT same_order($$SELECT * FROM TBL ORDER BY ts DESC, series_id, value$$);
  RETURN NEXT same_order($$SELECT * FROM TBL ORDER BY ts, series_id, value$$);
  RETURN NEXT same_order($$SELECT max(ts), min(ts), count(*) FROM TBL$$);
  RETURN NEXT same_order($$SELECT max(ts) FROM TBL WHERE ts < '2024-01-02 12:00'$$);
  RETURN NEXT same_order($$SELECT min(ts) FROM TBL WHERE ts > '2024-01-02 12:00'$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE series_id = 3 ORDER BY ts DESC LIMIT 5$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE series_id IN (2, 5) AND ts < '2024-01-02 06:00' ORDER BY ts DESC LIMIT 50$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE ts >= '2024-01-02 23:00' AND ts < '2024-01-03 01:00' ORDER BY ts, series_id$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE value IS NULL ORDER BY ts DESC LIMIT 5$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE value > 1000 ORDER BY ts LIMIT 5$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE ts > 'infinity' ORDER BY ts DESC LIMIT 5$$);
  RETURN NEXT same_order($$SELECT * FROM TBL WHERE series_id = 99 ORDER BY ts DESC LIMIT 5$$);
  -- lastpoint: the latest row of each series
  RETURN NEXT same_order($$SELECT DISTINCT ON (series_id) * FROM TBL ORDER BY series_id, ts DESC$$);
  RETURN NEXT same_order($$SELECT DISTINCT ON (series_id) series_id, ts, value * 2 FROM TBL WHERE value > 1000 AND value < 5000 ORDER BY series_id, ts DESC$$);
  RETURN NEXT same_order($$SELECT DISTINCT ON (series_id) * FROM TBL WHERE ts < '2024-01-02 12:00' ORDER BY series_id, ts DESC$$);
  RETURN NEXT same_order($$SELECT DISTINCT ON (series_id) * FROM TBL WHERE series_id IN (1, 30, 99) ORDER BY series_id, ts DESC$$);
  RETURN NEXT same_order($$SELECT DISTINCT ON (series_id) * FROM TBL WHERE value IS NULL ORDER BY series_id, ts DESC LIMIT 3$$);
  -- groupby-orderby-limit: the newest (oldest) time buckets
  RETURN NEXT same_order($$SELECT date_trunc('minute', ts) m, max(value), count(*) FROM TBL WHERE ts < '2024-01-02 12:00' GROUP BY m ORDER BY m DESC LIMIT 5$$);
  RETURN NEXT same_order($$SELECT date_trunc('minute', ts) m, count(*) FROM TBL GROUP BY m HAVING count(*) > 5 ORDER BY m DESC LIMIT 2$$);
  RETURN NEXT same_order($$SELECT date_bin('5 minutes', ts, '2000-01-01') m, sum(value), min(series_id) FROM TBL GROUP BY 1 ORDER BY 1 LIMIT 3$$);
  RETURN NEXT same_order($$SELECT date_bin('5 minutes', ts, '2000-01-01') m, max(value) FROM TBL WHERE series_id = 3 GROUP BY 1 ORDER BY 1 DESC LIMIT 4$$);
END $f$;

-- sorted_rows: rows q's ordered scans sorted (EXPLAIN ANALYZE), to show
-- that they read the newest (oldest) window, not the table
CREATE FUNCTION sorted_rows(q text) RETURNS int LANGUAGE plpgsql AS $f$
DECLARE l text; n int := 0;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF l ~ 'Rows (Sorted|Read): ' THEN
      n := n + substring(l FROM 'Rows (?:Sorted|Read): (\d+)')::int;
    END IF;
  END LOOP;
  RETURN n;
END $f$;

-- windows: fewer rows than one day (8640 of 25921) for LIMIT, min/max, the
-- latest rows of series that report to the end and the newest time buckets
CREATE FUNCTION windows() RETURNS TABLE (q text, few_rows_sorted bool) LANGUAGE sql AS $f$
  SELECT q, sorted_rows(q) BETWEEN 1 AND 8639
    FROM unnest(ARRAY['SELECT * FROM z ORDER BY ts DESC LIMIT 1',
                      'SELECT * FROM z ORDER BY ts LIMIT 10',
                      'SELECT max(ts) FROM z',
                      'SELECT min(ts), max(ts) FROM z WHERE ts < ''2024-01-02 12:00''',
                      'SELECT DISTINCT ON (series_id) * FROM z WHERE series_id IN (0, 1, 2, 3, 4, 5, 6) ORDER BY series_id, ts DESC',
                      'SELECT date_trunc(''minute'', ts) m, max(value) FROM z WHERE ts < ''2024-01-02 12:00'' GROUP BY m ORDER BY m DESC LIMIT 5']) q
$f$;

-- the plans: no Sort of the whole table
EXPLAIN (COSTS OFF) SELECT * FROM z ORDER BY ts DESC LIMIT 1;
EXPLAIN (COSTS OFF) SELECT * FROM z WHERE series_id = 3 AND ts < '2024-01-02' ORDER BY ts LIMIT 5;
EXPLAIN (COSTS OFF) SELECT * FROM z ORDER BY ts DESC, series_id LIMIT 5;
EXPLAIN (COSTS OFF) SELECT max(ts) FROM z;
EXPLAIN (COSTS OFF) SELECT min(ts), max(ts) FROM z WHERE ts >= '2024-01-02';
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (series_id) * FROM z ORDER BY series_id, ts DESC;
-- a NULL series would be a group of its own that chunk metadata does not show
CREATE TABLE zn (ts timestamptz NOT NULL, series_id int, value float8) USING ztsdb;
INSERT INTO zn VALUES ('2024-01-01', NULL, 1), ('2024-01-02', 1, 2);
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (series_id) * FROM zn ORDER BY series_id, ts DESC;
SELECT DISTINCT ON (series_id) * FROM zn ORDER BY series_id, ts DESC;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (series_id) ts, value FROM z WHERE series_id = ANY ('{1,2}') AND value > 0 ORDER BY series_id, ts DESC LIMIT 1;
EXPLAIN (COSTS OFF) SELECT date_trunc('minute', ts) m, max(value) FROM z WHERE ts < '2024-01-02' GROUP BY m ORDER BY m DESC LIMIT 5;
EXPLAIN (COSTS OFF) SELECT date_bin('5 minutes', ts, '2000-01-01') m, sum(value) FROM z GROUP BY 1 ORDER BY 1 LIMIT 3;
-- other shapes keep their plans: hours of local time go back at a DST
-- change, and without a LIMIT ZtsdbAgg reads everything faster
EXPLAIN (COSTS OFF) SELECT date_trunc('hour', ts) m, max(value) FROM z GROUP BY m ORDER BY m DESC LIMIT 5;
EXPLAIN (COSTS OFF) SELECT date_trunc('minute', ts) m, max(value) FROM z GROUP BY m ORDER BY m DESC;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (series_id) * FROM z ORDER BY series_id, ts;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (series_id) * FROM z ORDER BY series_id, ts DESC, value;
SELECT DISTINCT ON (series_id) * FROM z ORDER BY series_id, ts DESC;
SELECT * FROM z ORDER BY ts DESC LIMIT 3;
SELECT max(ts), min(ts) FROM z;

-- hot (the writer may have sealed some full hot chunks already)
SELECT * FROM checks();
SELECT * FROM windows();

-- rows of aborted transactions, flushed to hot chunks or not, never count
BEGIN;
INSERT INTO z SELECT '2024-02-01'::timestamptz + i * interval '1 second', 1, i FROM generate_series(1, 20000) i;
-- the transaction sees its own rows
SELECT max(ts) FROM z;
SELECT * FROM z ORDER BY ts DESC LIMIT 2;
ROLLBACK;
-- some of them reached hot chunks, whose time ranges include them
SELECT max(max_time) >= '2024-02-01' AS aborted_rows_in_hot_chunks FROM ztsdb.chunks('z');
SELECT max(ts), count(*) FROM z;
SELECT * FROM z ORDER BY ts DESC LIMIT 2;
BEGIN;
INSERT INTO z VALUES ('2023-12-31', 1, 1), ('2023-12-31', 40, 40);
-- a series only in the transaction's own unflushed rows, older than every chunk
SELECT DISTINCT ON (series_id) * FROM z WHERE series_id IN (1, 40) ORDER BY series_id, ts DESC;
SELECT DISTINCT ON (series_id) * FROM z ORDER BY series_id, ts DESC;
SAVEPOINT s;
INSERT INTO z VALUES ('2024-01-05', 1, 1);
ROLLBACK TO s;
SELECT min(ts), max(ts) FROM z;
SELECT * FROM z ORDER BY ts LIMIT 2;
ROLLBACK;
SELECT * FROM checks();

-- warm, plus new hot rows older and newer than the warm ones, ties and infinities
SELECT ztsdb.seal('z');
INSERT INTO z VALUES ('2024-01-02 12:00:05', 20, 1), ('2024-01-02 12:00:05', 21, NULL),
                     ('2024-01-03 23:59:50', 22, 2), ('2024-01-04 00:00:00', 23, 3),
                     ('infinity', 24, 4), ('-infinity', 25, 5);
INSERT INTO h VALUES ('2024-01-02 12:00:05', 20, 1), ('2024-01-02 12:00:05', 21, NULL),
                     ('2024-01-03 23:59:50', 22, 2), ('2024-01-04 00:00:00', 23, 3),
                     ('infinity', 24, 4), ('-infinity', 25, 5);
SELECT array_agg(DISTINCT tier::text) AS tiers FROM ztsdb.chunks('z');
SELECT * FROM checks();
SELECT * FROM windows();

-- cold
SELECT ztsdb.seal('z');
SELECT ztsdb.compress('z');
SELECT tier, count(*) AS chunks FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
SELECT * FROM checks();
SELECT * FROM windows();

-- a parameter from an outer query: the scan starts again for each row
SELECT o.t, (SELECT max(ts) FROM z WHERE ts < o.t) AS z_max, (SELECT max(ts) FROM h WHERE ts < o.t) AS h_max
  FROM (VALUES ('2024-01-01 00:00:00+00'::timestamptz), ('2024-01-02 12:00:05'), ('2024-01-10')) o(t)
 ORDER BY 1;

-- off: the planner sorts, same answers
SET ztsdb.enable_ordered_scan = off;
EXPLAIN (COSTS OFF) SELECT * FROM z ORDER BY ts DESC LIMIT 1;
SELECT * FROM checks();
RESET ztsdb.enable_ordered_scan;

DROP SCHEMA query_last CASCADE;
