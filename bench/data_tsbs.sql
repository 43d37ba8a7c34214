-- bench/data_tsbs.sql: the TSBS DevOps "cpu" data set, written as CSV.
-- psql variables: nhosts, npoints (points per host, 10 s apart), csv (path).
-- TSBS's cpu measurement: ten usage_* gauges per host.  Its text tags
-- (hostname, region, ...) are replaced by an integer host id, the series
-- column (ztsdb tables hold no text yet).  Values are full-precision doubles
-- in [0, 100]: a slow wave per host and metric plus hashint8 noise, so some
-- rows exceed 90 (high-cpu) and every run is the same.
\set ON_ERROR_STOP on
CREATE FUNCTION pg_temp.u(h int, p int, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT greatest(0, least(100, 50 + 45 * sin((p + 131 * h)::float8 / (60 + 7 * k)) * cos(h + k)
                                + (hashint8(h * 100003 + p * 16 + k) % 100000) / 20000::float8))
$$;
COPY (
  SELECT '2024-01-01 00:00:00+00'::timestamptz + p * interval '10 s' AS ts, h AS host,
         pg_temp.u(h, p, 0) AS usage_user, pg_temp.u(h, p, 1) AS usage_system,
         pg_temp.u(h, p, 2) AS usage_idle, pg_temp.u(h, p, 3) AS usage_nice,
         pg_temp.u(h, p, 4) AS usage_iowait, pg_temp.u(h, p, 5) AS usage_irq,
         pg_temp.u(h, p, 6) AS usage_softirq, pg_temp.u(h, p, 7) AS usage_steal,
         pg_temp.u(h, p, 8) AS usage_guest, pg_temp.u(h, p, 9) AS usage_guest_nice
    FROM generate_series(0, :npoints - 1) p, generate_series(0, :nhosts - 1) h
   ORDER BY p, h
) TO :'csv' CSV;
