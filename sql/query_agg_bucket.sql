-- query_agg_bucket: ZtsdbAgg groups by time buckets -- date_trunc(unit, ts),
-- date_trunc(unit, ts, zone) and date_bin(stride, ts, origin) -- and computes
-- sum and avg of int2, int4 and int8 columns (numeric results for avg and
-- for sum(int8)), with exactly the rows PostgreSQL's Aggregate returns over
-- the same scan (ztsdb.enable_aggregate_scan = off): date_trunc by
-- arithmetic in fixed-offset time zones and PostgreSQL's function per row
-- in zones with daylight saving time (across their transitions), every
-- unit, timestamps at the edges of the arithmetic's range and of the
-- timestamp range (the same errors), timestamp and timestamptz, hot, warm
-- and cold data, int8 sums beyond int64.  EXPLAIN names the bucket and how
-- it is computed; other expressions fall back to PostgreSQL's Aggregate.
CREATE SCHEMA query_agg_bucket;
SET search_path = query_agg_bucket;
-- PostgreSQL's Sort is not stable: a GroupAggregate behind it would add a
-- group's rows in another order than the scan's.  Hashed grouping keeps it.
SET enable_sort = off;
CREATE TABLE b (ts timestamptz NOT NULL, s int, v float8, i2 int2, i4 int4, i8 int8) USING ztsdb;
-- row i at ts: series i % 7 (NULL every 29th), NULLs among the integers,
-- int8 values near +-9.2e18 whose sums leave int64
CREATE FUNCTION gen(ts timestamptz, i int) RETURNS b LANGUAGE sql AS $$
  SELECT ts, CASE WHEN i % 29 = 0 THEN NULL ELSE i % 7 END, random(),
         CASE WHEN i % 11 = 0 THEN NULL ELSE (random() * 65535 - 32768)::int2 END,
         CASE WHEN i % 13 = 0 THEN NULL ELSE (random() * 4294967295 - 2147483648)::int4 END,
         CASE WHEN i % 17 = 0 THEN NULL
              WHEN i % 5 = 0 THEN -9223372036854775807 + i
              ELSE ((random() * 2 - 1) * 9.2e18)::int8 END
$$;
SELECT setseed(0.25);
-- cold: every 3653 days 5:07:03.21 from 1850 to 2150 (the arithmetic's range
-- is 1900 to 9999), and around the spring transitions of 2024
INSERT INTO b SELECT g.* FROM (SELECT t, row_number() OVER (ORDER BY t) i
  FROM generate_series('1850-01-01 00:00:00+00'::timestamptz, '2150-01-01', '3653 days 5:07:03.21') t) x,
  gen(t, i::int) g;
INSERT INTO b SELECT g.* FROM (SELECT t, row_number() OVER (ORDER BY t) i
  FROM generate_series('2024-03-08 00:00:00+00'::timestamptz, '2024-04-01', '7 min 13.123457 s') t) x,
  gen(t, i::int) g;
SELECT ztsdb.seal('b') > 0 AS sealed, ztsdb.compress('b') > 0 AS compressed;
-- warm: around the autumn transitions
INSERT INTO b SELECT g.* FROM (SELECT t, row_number() OVER (ORDER BY t) i
  FROM generate_series('2024-10-25 00:00:00+00'::timestamptz, '2024-11-05', '11 min 7.654321 s') t) x,
  gen(t, i::int) g;
SELECT ztsdb.seal('b') > 0 AS sealed;
-- hot: the edges of the arithmetic's range, and later rows of the autumn days
INSERT INTO b SELECT g.* FROM unnest(ARRAY['1899-12-31 23:59:59.999999+00', '1900-01-01 00:00:00+00',
  '1900-01-01 00:00:00.000001+00', '9999-12-31 23:59:59.999999+00', '10000-01-01 00:00:00+00',
  '0001-01-01 00:00:00+00', '0001-12-31 23:59:59.5+00 BC']::timestamptz[]) WITH ORDINALITY u(t, i),
  gen(t, i::int) g;
INSERT INTO b SELECT g.* FROM (SELECT t, row_number() OVER (ORDER BY t) i
  FROM generate_series('2024-11-02 00:03:00+00'::timestamptz, '2024-11-04', '17 min 1.5 s') t) x,
  gen(t, i::int) g;
SELECT tier, count(*) > 0 AS present FROM ztsdb.chunks('b') GROUP BY tier ORDER BY tier;
SELECT count(*), count(DISTINCT s) FROM b;
-- the same rows with timestamp (no time zone)
CREATE TABLE bt (ts timestamp NOT NULL, s int, v float8, i2 int2, i4 int4, i8 int8) USING ztsdb;
INSERT INTO bt SELECT ts AT TIME ZONE 'UTC', s, v, i2, i4, i8 FROM b;

-- plan(q): the top plan node, with how a ZtsdbAgg computes its buckets
CREATE FUNCTION plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE p json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO p;
  p := p -> 0 -> 'Plan';
  RETURN coalesce(p ->> 'Custom Plan Provider' || coalesce(' ' || (p ->> 'Time Buckets'), ''),
                  (p ->> 'Node Type') || ' ' || (p ->> 'Strategy'));
END $$;
-- rows(q): q's rows as sorted text, or its error
CREATE FUNCTION rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE r text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', q) INTO r;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  RETURN ARRAY['ERROR: ' || SQLERRM];
END $$;
-- exact(q): runs q with ZtsdbAgg and without, tells which plan each used and
-- how many of the rows differ (an error counts as a row)
CREATE FUNCTION exact(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[]; pa text; pb text; ndiff int;
BEGIN
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'on', true);
  pa := plan(q);
  a := rows(q);
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'off', true);
  pb := plan(q);
  b := rows(q);
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'on', true);
  SELECT count(*) INTO ndiff FROM (SELECT unnest(a) EXCEPT ALL SELECT unnest(b)) d;
  RETURN format('%s vs %s: %s rows, %s differ%s', pa, pb, coalesce(cardinality(a), 0),
                CASE WHEN coalesce(cardinality(a), 0) <> coalesce(cardinality(b), 0)
                     THEN 'row counts' ELSE ndiff::text END,
                CASE WHEN a[1] LIKE 'ERROR: %' THEN ' (' || a[1] || ')' ELSE '' END);
END $$;
-- exact_in(zone, q): exact(q) with TimeZone = zone
CREATE FUNCTION exact_in(zone text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('TimeZone', zone, true);
  RETURN exact(q);
END $$;

-- what EXPLAIN shows
SET TimeZone = 'UTC';
EXPLAIN (COSTS OFF) SELECT date_trunc('minute', ts), max(v), avg(i4), sum(i8) FROM b
  WHERE s = 3 AND ts >= '2024-03-10' AND ts < '2024-03-10 01:00' GROUP BY 1 ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT date_trunc('hour', ts), s, avg(v) FROM b GROUP BY 1, 2;
SET TimeZone = 'America/New_York';
EXPLAIN (COSTS OFF) SELECT date_trunc('hour', ts), s, avg(v) FROM b GROUP BY 1, 2;
EXPLAIN (COSTS OFF) SELECT date_trunc('month', ts), count(*) FROM b GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT date_bin('15 minutes', ts, '2000-01-01'), count(*) FROM b GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT date_trunc('day', ts, 'Asia/Tokyo'), count(*) FROM b GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT date_trunc('day', ts), count(*) FROM bt GROUP BY 1;
RESET TimeZone;

-- date_trunc on timestamptz: every unit, in fixed-offset zones (UTC, 5 h
-- east, 12 h west: arithmetic) and zones with offset changes (the function)
SELECT z, u, exact_in(z, format($$SELECT s, date_trunc(%L, ts), count(*), sum(i4), max(v) FROM b GROUP BY 1, 2$$, u))
  FROM unnest(ARRAY['UTC', 'Etc/GMT-5', 'Etc/GMT+12', 'America/New_York', 'Europe/Berlin', 'Asia/Kathmandu']) z,
       unnest(ARRAY['microseconds', 'milliseconds', 'second', 'minute', 'MINUTES', 'hour', 'day', 'week',
                    'month', 'quarter', 'year', 'decade', 'century', 'millennium']) u
 ORDER BY z, u;
-- with pushed bounds (the hot chunks' series index, warm files' ranges)
SELECT exact_in('UTC', $$SELECT date_trunc('minute', ts), max(v), avg(i4), sum(i8) FROM b
  WHERE s = 3 AND ts >= '2024-03-10' AND ts < '2024-11-04' GROUP BY 1$$);
SELECT exact_in('America/New_York', $$SELECT s, date_trunc('hour', ts), min(v), avg(i2) FROM b
  WHERE s IN (1, 4) AND ts >= '2024-03-10' AND ts < '2024-11-04' GROUP BY 1, 2$$);
-- the session's zone of pg_regress (PST8PDT), and a zone given as an offset
SELECT u, exact(format($$SELECT date_trunc(%L, ts), s, count(*), min(i2) FROM b GROUP BY 1, 2$$, u))
  FROM unnest(ARRAY['minute', 'hour', 'day', 'week']) u ORDER BY u;
SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE;
SELECT u, exact(format($$SELECT date_trunc(%L, ts), s, count(*), min(i2) FROM b GROUP BY 1, 2$$, u))
  FROM unnest(ARRAY['minute', 'hour', 'day', 'week']) u ORDER BY u;
RESET TimeZone;
-- an unknown unit and an unsupported one: the same errors
SELECT exact($$SELECT date_trunc('fortnight', ts), count(*) FROM b GROUP BY 1$$);
SELECT exact($$SELECT date_trunc('timezone', ts), count(*) FROM b GROUP BY 1$$);
-- with a time zone argument: PostgreSQL's function per row
SELECT u, exact(format($$SELECT date_trunc(%L, ts, 'Australia/Adelaide'), count(*), sum(i8) FROM b GROUP BY 1$$, u))
  FROM unnest(ARRAY['hour', 'day', 'month']) u ORDER BY u;
-- on timestamp: arithmetic for every zone
SELECT u, exact_in('America/New_York', format($$SELECT s, date_trunc(%L, ts), count(*), sum(i4), max(v) FROM bt GROUP BY 1, 2$$, u))
  FROM unnest(ARRAY['microseconds', 'milliseconds', 'second', 'minute', 'hour', 'day', 'week', 'month', 'year']) u
 ORDER BY u;

-- date_bin: strides from a microsecond to weeks, origins before, inside and
-- after the data (boundaries before a later origin round down, too)
SELECT st, o, exact(format($$SELECT date_bin(%L, ts, %L), count(*), sum(i2) FROM b GROUP BY 1$$, st, o))
  FROM unnest(ARRAY['1 microsecond', '1 second', '15 minutes', '1 hour', '1 day', '7 days',
                    '1 day 01:01:01.5']) st,
       unnest(ARRAY['2000-01-01 00:00:00+00', '2024-03-10 03:17:11.5+00', '2100-01-01 00:00:00+00',
                    '1800-01-01 00:00:00+00']) o
 ORDER BY st, o;
SELECT st, exact(format($$SELECT s, date_bin(%L, ts, '2024-03-10 03:17:11.5'), count(*), avg(i8) FROM bt GROUP BY 1, 2$$, st))
  FROM unnest(ARRAY['1 second', '15 minutes', '1 day', '7 days']) st ORDER BY st;
-- strides PostgreSQL refuses: the same errors
SELECT st, exact(format($$SELECT date_bin(%L, ts, '2000-01-01'), count(*) FROM b GROUP BY 1$$, st))
  FROM unnest(ARRAY['1 month', '0 seconds', '-1 hour']) st ORDER BY st;

-- the ends of the timestamp range: outside 1900 .. 9999 PostgreSQL's
-- function runs, with its results and its errors
CREATE TABLE e (ts timestamptz NOT NULL, v int) USING ztsdb;
INSERT INTO e VALUES ('-infinity', 1), ('4714-11-24 00:00:00+00 BC', 2), ('4714-11-30 12:00:00+00 BC', 3),
  ('2024-05-05', 4), ('294276-12-31 23:59:59.999999+00', 5), ('infinity', 6);
SELECT z, u, exact_in(z, format($$SELECT date_trunc(%L, ts), count(*), sum(v) FROM e GROUP BY 1$$, u))
  FROM unnest(ARRAY['UTC', 'Etc/GMT+12', 'Etc/GMT-14']) z, unnest(ARRAY['hour', 'day', 'week']) u
 ORDER BY z, u;
SELECT exact($$SELECT date_bin('1 day', ts, '2000-01-01 00:00:01'), count(*) FROM e GROUP BY 1$$);
SELECT exact($$SELECT date_bin('1 day', ts, '2000-01-01 00:00:01'), count(*) FROM e WHERE ts > '4714-11-24 00:00:00+00 BC' GROUP BY 1$$);

-- sums and averages of integers: grouped by series, by a bucket, not at all,
-- over no rows (NULL), with pushed bounds
SELECT exact($$SELECT s, count(i2), sum(i2), avg(i2), sum(i4), avg(i4), sum(i8), avg(i8) FROM b GROUP BY 1$$);
SELECT exact($$SELECT sum(i2), avg(i2), sum(i4), avg(i4), sum(i8), avg(i8) FROM b$$);
SELECT exact($$SELECT date_trunc('day', ts), sum(i8), avg(i8), avg(i4) FROM b GROUP BY 1$$);
SELECT exact($$SELECT s, sum(i8), avg(i8), avg(i2) FROM b WHERE s IN (2, 3) AND ts >= '2024-10-30' GROUP BY 1$$);
SELECT exact($$SELECT sum(i2), avg(i4), sum(i8), avg(i8) FROM b WHERE ts < '1000-01-01'$$);
-- int8 sums beyond int64 (and the int64 minimum alone)
SELECT s, sum(i8), avg(i8) FROM b WHERE s IN (0, 5) AND ts < '1900-01-01' GROUP BY 1 ORDER BY 1;
SET ztsdb.enable_aggregate_scan = off;
SELECT s, sum(i8), avg(i8) FROM b WHERE s IN (0, 5) AND ts < '1900-01-01' GROUP BY 1 ORDER BY 1;
RESET ztsdb.enable_aggregate_scan;
CREATE TABLE m (ts timestamptz NOT NULL, s int, i8 int8) USING ztsdb;
INSERT INTO m VALUES ('2024-01-01', 1, -9223372036854775808), ('2024-01-01', 2, 9223372036854775807),
  ('2024-01-01 00:00:01', 2, 9223372036854775807), ('2024-01-01 00:00:02', 2, 5);
SELECT exact($$SELECT s, sum(i8), avg(i8) FROM m GROUP BY 1$$);
SELECT s, sum(i8), avg(i8) FROM m GROUP BY 1 ORDER BY 1;

-- a cursor's buckets follow the time zone of its first fetch, as
-- PostgreSQL's hashed Aggregate's do
BEGIN;
SET LOCAL TimeZone = 'UTC';
DECLARE c NO SCROLL CURSOR FOR SELECT date_trunc('day', ts) AS d, count(*) FROM b
  WHERE ts >= '2024-10-25' AND ts < '2024-11-06' GROUP BY 1 ORDER BY 1;
SET LOCAL TimeZone = 'Asia/Tokyo';
FETCH ALL FROM c;
SELECT date_trunc('day', ts) AS d, count(*) FROM b WHERE ts >= '2024-10-25' AND ts < '2024-11-06' GROUP BY 1 ORDER BY 1;
COMMIT;

-- other expressions of the time column: PostgreSQL's Aggregate
SELECT plan($$SELECT date_trunc('hour', ts + interval '1 hour'), count(*) FROM b GROUP BY 1$$);
SELECT plan($$SELECT date_trunc(CASE WHEN s > 3 THEN 'hour' ELSE 'day' END, ts), count(*) FROM b GROUP BY 1$$);
SELECT plan($$SELECT date_bin('1 hour', ts, now()), count(*) FROM b GROUP BY 1$$);
SELECT plan($$SELECT date_trunc('hour', ts), date_trunc('day', ts), count(*) FROM b GROUP BY 1, 2$$);
SELECT plan($$SELECT date_trunc('hour', ts), sum(abs(i4)) FROM b GROUP BY 1$$);
DROP SCHEMA query_agg_bucket CASCADE;
