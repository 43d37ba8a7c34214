-- bench/data_tsbs.sql: the TSBS DevOps "cpu" data set, written as CSV.
-- psql variables: nhosts, npoints (points per host, 10 s apart), csv (path).
-- TSBS's cpu measurement in its wide form: the ten text tags of a host
-- (hostname 'host_<n>', the series column, then region, datacenter, rack,
-- os, arch, team, service, service_version, service_environment, drawn from
-- TSBS's value lists by a hash of the host number, so fixed per host) and
-- ten usage_* gauges.  Values are full-precision doubles in [0, 100]: a slow
-- wave per host and metric plus hashint8 noise, so some rows exceed 90
-- (high-cpu) and every run is the same.
\set ON_ERROR_STOP on
CREATE FUNCTION pg_temp.u(h int, p int, k int) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT greatest(0, least(100, 50 + 45 * sin((p + 131 * h)::float8 / (60 + 7 * k)) * cos(h + k)
                                + (hashint8(h * 100003 + p * 16 + k) % 100000) / 20000::float8))
$$;
-- pick(h, k, n): tag k of host h, an index in [1, n]
CREATE FUNCTION pg_temp.pick(h int, k int, n int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT 1 + abs(hashint8(h * 7919 + k * 104729)) % n
$$;
CREATE TEMP TABLE tsbs_tags AS
  SELECT h, 'host_' || h AS hostname,
         (ARRAY['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1',
                'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'])[pg_temp.pick(h, 0, 9)] AS region,
         (ARRAY['a', 'b', 'c'])[pg_temp.pick(h, 1, 3)] AS dc,
         (pg_temp.pick(h, 2, 100) - 1)::text AS rack,
         (ARRAY['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'])[pg_temp.pick(h, 3, 3)] AS os,
         (ARRAY['x64', 'x86'])[pg_temp.pick(h, 4, 2)] AS arch,
         (ARRAY['SF', 'NYC', 'LON', 'CHI'])[pg_temp.pick(h, 5, 4)] AS team,
         (pg_temp.pick(h, 6, 20) - 1)::text AS service,
         (pg_temp.pick(h, 7, 2) - 1)::text AS service_version,
         (ARRAY['production', 'staging', 'test'])[pg_temp.pick(h, 8, 3)] AS service_environment
    FROM generate_series(0, :nhosts - 1) h;
COPY (
  SELECT '2024-01-01 00:00:00+00'::timestamptz + p * interval '10 s' AS ts,
         t.hostname, t.region, t.region || t.dc AS datacenter, t.rack, t.os, t.arch, t.team,
         t.service, t.service_version, t.service_environment,
         pg_temp.u(h, p, 0) AS usage_user, pg_temp.u(h, p, 1) AS usage_system,
         pg_temp.u(h, p, 2) AS usage_idle, pg_temp.u(h, p, 3) AS usage_nice,
         pg_temp.u(h, p, 4) AS usage_iowait, pg_temp.u(h, p, 5) AS usage_irq,
         pg_temp.u(h, p, 6) AS usage_softirq, pg_temp.u(h, p, 7) AS usage_steal,
         pg_temp.u(h, p, 8) AS usage_guest, pg_temp.u(h, p, 9) AS usage_guest_nice
    FROM generate_series(0, :npoints - 1) p, tsbs_tags t
   ORDER BY p, t.h
) TO :'csv' CSV;
