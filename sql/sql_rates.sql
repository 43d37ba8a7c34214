-- sql_rates: writes_per_sec and queries_per_sec in ztsdb.stats() are rates
-- over the time the window actually covers since its first activity, not
-- the rows of a short burst spread over the whole 10 s window; and they
-- agree with the counters.  Only inequalities: timings vary.
CREATE SCHEMA sql_rates;
SET search_path = sql_rates;
SET client_min_messages = warning;  -- the layout NOTICE of CREATE TABLE, where there is one
CREATE TABLE r (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
RESET client_min_messages;

-- stats_reset forgets earlier activity, so the window starts here
SELECT ztsdb.stats_reset();
INSERT INTO r SELECT '2024-01-01'::timestamptz + i * interval '1 ms', i % 10, i FROM generate_series(1, 20000) i;
SELECT count(*) FROM r;
-- 20000 rows within a few seconds: well above 20000 / 10 s, at most 20000 per
-- second (a burst counts as lasting at least one second)
SELECT w.value > 20000 / 10.0 AS writes_rate_not_diluted,
       w.value <= n.value AS writes_rate_within_rows,
       n.value AS rows_ingested,
       q.value > 0 AS queries_rate_counts,
       q.value <= c.value AS queries_rate_within_queries
  FROM ztsdb.stats() w, ztsdb.stats() n, ztsdb.stats() q, ztsdb.stats() c
 WHERE w.metric = 'writes_per_sec' AND n.metric = 'rows_ingested'
   AND q.metric = 'queries_per_sec' AND c.metric = 'queries';

-- nothing since the reset: zero, not a division by an empty window
SELECT ztsdb.stats_reset();
SELECT metric, value FROM ztsdb.stats() WHERE metric IN ('writes_per_sec', 'queries_per_sec') ORDER BY 1;

DROP SCHEMA sql_rates CASCADE;
