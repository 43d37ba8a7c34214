-- bench/data.sql: the deterministic DevOps data set, written as CSV.
-- psql variables: nseries, npoints (points per series, 10 s apart), csv (path).
-- Series kinds by series_id % 10: 0-3 random walks with 2 decimals, 4-6
-- counters, 7-8 long constants that change rarely, 9 noisy full-precision
-- doubles.  Pseudo-randomness comes from hashint8, so every run is the same.
\set ON_ERROR_STOP on
CREATE TEMP TABLE devops AS
SELECT '2024-01-01 00:00:00+00'::timestamptz + p * interval '10 s' AS ts,
       s AS series_id,
       CASE
         WHEN s % 10 < 4 THEN
           round((100 + sum(((hashint8(s::int8 * 1000003 + p) % 201) - 100) / 100.0)
                        OVER (PARTITION BY s ORDER BY p))::numeric, 2)::float8
         WHEN s % 10 < 7 THEN
           (sum(abs(hashint8(s::int8 * 7919 + p)) % 1000) OVER (PARTITION BY s ORDER BY p))::float8
         WHEN s % 10 < 9 THEN
           (s * 10 + (p / 500))::float8
         ELSE
           abs(hashint8(s::int8 * 104729 + p))::float8 / 9223372036854775807.0 * 1000
       END AS value
  FROM generate_series(0, :nseries - 1) s, generate_series(0, :npoints - 1) p;
COPY (SELECT ts, series_id, value FROM devops ORDER BY ts, series_id) TO :'csv' CSV;
DROP TABLE devops;
