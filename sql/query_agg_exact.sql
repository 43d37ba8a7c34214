-- query_agg_exact: ZtsdbAgg returns exactly the bits PostgreSQL's own
-- aggregates return over the same ztsdb table in the same row order, for
-- every aggregate it computes: sums and averages of float8 added one row
-- after the other as float8pl / float8_accum do (0.1 steps, random values,
-- magnitudes from 1e-300 to 1e300, denormals), min/max ties between -0 and 0
-- resolved as float8larger / float8smaller (the later row wins), NaN and
-- infinities, NULLs; hot, warm and cold data; grouped and not, with and
-- without pushed bounds.  Each query runs with ztsdb.enable_aggregate_scan on
-- (Custom Scan (ZtsdbAgg)) and off (PostgreSQL's Aggregate over the scan),
-- and float results are compared as their float8send bytes.
CREATE SCHEMA query_agg_exact;
SET search_path = query_agg_exact;
-- PostgreSQL's Sort is not stable: a GroupAggregate behind it would add a
-- group's rows in another order than the scan's.  Hashed grouping keeps it.
SET enable_sort = off;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int, r float8, step float8, m float8,
                k float8, x float8, n int, f4 real) USING ztsdb;
-- one row: r random, step 0.1 steps (NULLs in series 1), m magnitudes 1e-300..1e300,
-- k magnitudes below 1e139 (up to 1e148 in series 9: avg's exact pass), x special values by series:
-- 2 NaN once, 3 +Infinity once, 4 +Infinity and -Infinity, 5 max ties of -0/0,
-- 6 min ties of -0/0 (rare -0), 7 NULL only, 8 -0 only, 9 denormals and NULLs
CREATE FUNCTION gen(day date, s int, p int) RETURNS z LANGUAGE sql AS $$
  SELECT (day + p * interval '1 minute')::timestamptz, s, random() * 1000,
         CASE WHEN s = 1 AND p % 17 = 0 THEN NULL ELSE ((p + 1) * 0.1)::float8 END,
         (CASE WHEN random() < 0.5 THEN -1 ELSE 1 END) * power(10::float8, random() * 600 - 300),
         (random() - 0.5) * power(10::float8, random() * CASE WHEN s = 9 THEN 448 ELSE 439 END - 300),
         CASE s WHEN 2 THEN CASE WHEN p = 700 THEN 'NaN' ELSE random() * 10 END
                WHEN 3 THEN CASE WHEN p = 100 THEN 'Infinity' ELSE random() END
                WHEN 4 THEN CASE WHEN p = 50 THEN 'Infinity' WHEN p = 900 THEN '-Infinity' ELSE random() END
                WHEN 5 THEN CASE WHEN p % 3 = 0 THEN -random() WHEN random() < 0.5 THEN '-0' ELSE 0 END
                WHEN 6 THEN CASE WHEN p % 3 = 0 THEN random() WHEN p % 97 = 5 THEN '-0' ELSE 0 END
                WHEN 7 THEN NULL
                WHEN 8 THEN '-0'
                WHEN 9 THEN CASE WHEN p % 11 = 0 THEN NULL ELSE random() * 1e-310 END
                ELSE ((p + 1) * 0.1)::float8 END,
         CASE WHEN p % 13 = 0 THEN NULL ELSE (random() * 1000)::int - 500 END,
         random()::real
$$;
SELECT setseed(0.125);
-- day 1 cold, day 2 warm (both in time order), day 3 hot (series after series,
-- so hot batches hold long runs of one series too), a few rows of no series
INSERT INTO z SELECT g.* FROM generate_series(0, 14399) i, gen('2024-03-01', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
-- day 2 in statements that each fit one hot chunk, sealed after each commit:
-- a chunk sealed while its transaction runs would be an unsorted file, which
-- the writer re-sorts in the background -- between the two plans of a
-- comparison, changing the order rows are added in
INSERT INTO z SELECT g.* FROM generate_series(0, 1799) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(1800, 3599) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(3600, 5399) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(5400, 7199) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(7200, 8999) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(9000, 10799) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(10800, 12599) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(12600, 14399) i, gen('2024-03-02', i % 10, i / 10) g;
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT g.* FROM generate_series(0, 1499) i, gen('2024-03-03', i / 150, i % 150) g;
INSERT INTO z SELECT g.* FROM generate_series(0, 99) i, gen('2024-03-03', NULL, i) g;
SELECT tier, count(*) > 0 AS present FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
SELECT count(*), count(DISTINCT series_id) FROM z;

-- bits(x): the bytes a float8 is sent as (-0 and 0, NaNs of either sign differ)
CREATE FUNCTION bits(x float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS 'SELECT float8send(x)';
-- plan(q): the top plan node, and its strategy if it is an Aggregate
CREATE FUNCTION plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE p json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO p;
  p := p -> 0 -> 'Plan';
  RETURN coalesce(p ->> 'Custom Plan Provider', (p ->> 'Node Type') || ' ' || (p ->> 'Strategy'));
END $$;
-- exact(q): runs q with ZtsdbAgg and without, tells which plan each used and
-- how many of the rows (as text, floats through bits()) differ
CREATE FUNCTION exact(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[]; pa text; pb text; ndiff int;
BEGIN
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'on', true);
  pa := plan(q);
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', q) INTO a;
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'off', true);
  pb := plan(q);
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', q) INTO b;
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'on', true);
  SELECT count(*) INTO ndiff FROM (SELECT unnest(a) EXCEPT ALL SELECT unnest(b)) d;
  RETURN format('%s vs %s: %s rows, %s differ', pa, pb, coalesce(cardinality(a), 0),
                CASE WHEN coalesce(cardinality(a), 0) <> coalesce(cardinality(b), 0)
                     THEN 'row counts' ELSE ndiff::text END);
END $$;

-- the two plans compared
EXPLAIN (COSTS OFF) SELECT series_id, sum(r), avg(r), min(r), max(r) FROM z GROUP BY 1;
SET ztsdb.enable_aggregate_scan = off;
EXPLAIN (COSTS OFF) SELECT series_id, sum(r), avg(r), min(r), max(r) FROM z GROUP BY 1;
RESET ztsdb.enable_aggregate_scan;

-- ten rows of 0.1 in one sorted warm run: added one after the other they make
-- 0.9999999999999999, so avg is 0.09999999999999999 (four partial sums made 1)
CREATE TABLE w (ts timestamptz NOT NULL, series_id int NOT NULL, v float8 NOT NULL) USING ztsdb;
INSERT INTO w SELECT '2024-03-01'::timestamptz + i * interval '1 s', 1, 0.1 FROM generate_series(1, 10) i;
SELECT ztsdb.seal('w') > 0 AS sealed;
SET extra_float_digits = 3;
SELECT plan('SELECT sum(v), avg(v) FROM w'), sum(v), avg(v) FROM w;
SET ztsdb.enable_aggregate_scan = off;
SELECT plan('SELECT sum(v), avg(v) FROM w'), sum(v), avg(v) FROM w;
RESET ztsdb.enable_aggregate_scan;
RESET extra_float_digits;

-- every float8 aggregate over every column, grouped by the series, by date_bin,
-- by both, and not at all
SELECT c, exact(format($$SELECT series_id, count(%1$s), bits(sum(%1$s)), bits(avg(%1$s)), bits(min(%1$s)), bits(max(%1$s)) FROM z GROUP BY 1$$, c))
  FROM unnest(ARRAY['r', 'step', 'k', 'x']) c ORDER BY c;
SELECT c, exact(format($$SELECT count(%1$s), bits(sum(%1$s)), bits(avg(%1$s)), bits(min(%1$s)), bits(max(%1$s)) FROM z$$, c))
  FROM unnest(ARRAY['r', 'step', 'k', 'x']) c ORDER BY c;
SELECT c, exact(format($$SELECT series_id, date_bin('1 hour', ts, '2024-01-01'), count(%1$s), bits(sum(%1$s)), bits(avg(%1$s)), bits(min(%1$s)), bits(max(%1$s)) FROM z GROUP BY 1, 2$$, c))
  FROM unnest(ARRAY['r', 'step', 'k', 'x']) c ORDER BY c;
SELECT c, exact(format($$SELECT date_bin('10 minutes', ts, '2024-01-01'), count(%1$s), bits(sum(%1$s)), bits(avg(%1$s)), bits(min(%1$s)), bits(max(%1$s)) FROM z GROUP BY 1$$, c))
  FROM unnest(ARRAY['r', 'step', 'k', 'x']) c ORDER BY c;
-- k without series 9: avg's fast path over magnitudes from 1e-300 to 1e139
SELECT exact($$SELECT series_id, bits(sum(k)), bits(avg(k)) FROM z WHERE series_id IN (0, 1, 2, 3, 4, 5, 6, 7, 8) GROUP BY 1$$);
SELECT exact($$SELECT date_bin('1 hour', ts, '2024-01-01'), bits(avg(k)) FROM z WHERE series_id IN (0, 1, 2, 3, 4, 5, 6, 7, 8) GROUP BY 1$$);
-- m: avg of magnitudes up to 1e300 overflows float8_accum's Sxx; sum, min, max do not
SELECT exact($$SELECT series_id, count(m), bits(sum(m)), bits(min(m)), bits(max(m)) FROM z GROUP BY 1$$);
SELECT exact($$SELECT bits(sum(m)), bits(min(m)), bits(max(m)) FROM z$$);
SELECT exact($$SELECT date_bin('1 hour', ts, '2024-01-01'), bits(sum(m)), bits(min(m)), bits(max(m)) FROM z GROUP BY 1$$);
SELECT avg(m) FROM z WHERE series_id = 0;
SET ztsdb.enable_aggregate_scan = off;
SELECT avg(m) FROM z WHERE series_id = 0;
RESET ztsdb.enable_aggregate_scan;
-- several aggregates of one column and of several columns in one query
SELECT exact($$SELECT series_id, bits(sum(x)), bits(avg(x)), bits(sum(r)), bits(max(step)), bits(min(k)), count(*) FROM z GROUP BY 1$$);
-- pushed bounds: some series, a time range, both
SELECT exact($$SELECT series_id, bits(sum(r)), bits(avg(step)), bits(min(x)), bits(max(x)) FROM z WHERE series_id IN (1, 5, 6, 8) GROUP BY 1$$);
SELECT exact($$SELECT bits(sum(r)), bits(avg(k)), bits(min(x)), bits(max(x)) FROM z WHERE ts >= '2024-03-01 20:00' AND ts < '2024-03-03 01:00'$$);
SELECT exact($$SELECT series_id, date_bin('1 hour', ts, '2024-01-01'), bits(sum(step)), bits(max(x)), bits(min(x)) FROM z WHERE series_id IN (5, 6) AND ts >= '2024-03-02 12:00' GROUP BY 1, 2$$);
-- the -0/0 ties on their own: which zero each group returns
SELECT exact($$SELECT series_id, date_bin('1 hour', ts, '2024-01-01'), bits(min(x)), bits(max(x)) FROM z WHERE series_id IN (5, 6, 8) GROUP BY 1, 2$$);
SELECT series_id, bits(min(x)) AS min, bits(max(x)) AS max, bits(sum(x)) AS sum, bits(avg(x)) AS avg
  FROM z WHERE series_id IN (5, 6, 8) GROUP BY 1 ORDER BY 1;
SET ztsdb.enable_aggregate_scan = off;
SELECT series_id, bits(min(x)) AS min, bits(max(x)) AS max, bits(sum(x)) AS sum, bits(avg(x)) AS avg
  FROM z WHERE series_id IN (5, 6, 8) GROUP BY 1 ORDER BY 1;
RESET ztsdb.enable_aggregate_scan;
-- integers and timestamps, exact anyway
SELECT exact($$SELECT series_id, count(n), sum(n), min(n), max(n), min(ts), max(ts) FROM z GROUP BY 1$$);
-- float4 aggregates are not computed in the scan (PostgreSQL's own either way)
SELECT plan($$SELECT series_id, sum(f4), avg(f4), min(f4), max(f4) FROM z GROUP BY 1$$);
SELECT exact($$SELECT series_id, sum(f4)::text, avg(f4)::text, min(f4)::text, max(f4)::text FROM z GROUP BY 1$$);
DROP SCHEMA query_agg_exact CASCADE;
