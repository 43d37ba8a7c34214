-- bench/data_scraped.sql: scraped metrics, written as CSV.
-- psql variables: nseries, npoints, csv.  Every series of a scrape target
-- shares one timestamp vector (15 s scrape interval with up to 2 s of
-- jitter); values: counters, 2-decimal gauges, constants, small integers.
\set ON_ERROR_STOP on
CREATE TEMP TABLE scraped AS
SELECT '2024-01-01 00:00:00+00'::timestamptz + p * interval '15 s'
         + (abs(hashint8(p::int8 * 31 + s / 50)) % 2000) * interval '1 ms' AS ts,
       s AS series_id,
       CASE s % 4
         WHEN 0 THEN (sum(abs(hashint8(s::int8 * 7919 + p)) % 50) OVER (PARTITION BY s ORDER BY p))::float8
         WHEN 1 THEN round((abs(hashint8(s::int8 * 13 + p)) % 10000)::numeric / 100, 2)::float8
         WHEN 2 THEN 1::float8
         ELSE (abs(hashint8(s::int8 * 17 + p)) % 64)::float8
       END AS value
  FROM generate_series(0, :nseries - 1) s, generate_series(0, :npoints - 1) p;
COPY (SELECT ts, series_id, value FROM scraped ORDER BY ts, series_id) TO :'csv' CSV;
DROP TABLE scraped;
