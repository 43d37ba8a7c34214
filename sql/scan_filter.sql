-- scan_filter: value predicates on non-series columns (int2/4/8, float4/8,
-- timestamp, bool, IS [NOT] NULL, text tags by equality and IN) are pushed
-- into ZtsdbScan and evaluated on the column arrays before tuples are
-- formed.  Every predicate's answer equals a heap copy's (EXCEPT ALL both
-- ways) on cold, warm and hot data and on the transaction's unflushed rows,
-- including NaN, -0, +-Infinity, NULLs and strings absent from the
-- dictionary; EXPLAIN shows the pushed filter and EXPLAIN ANALYZE the rows
-- it removed.
CREATE SCHEMA scan_filter;
SET search_path = scan_filter;
CREATE TABLE z (ts timestamptz NOT NULL, s int NOT NULL, i2 int2, i4 int4, i8 int8,
                f4 float4, f8 float8, b bool, t2 timestamptz, tn timestamp,
                tag text, vtag varchar(10))
  USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 's');
CREATE TABLE h (LIKE z);

-- rows(lo, hi): every special value of every column, in a few series
CREATE FUNCTION rows(lo int, hi int) RETURNS SETOF h LANGUAGE sql AS $$
  SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i % 10,
         (CASE i % 11 WHEN 0 THEN NULL WHEN 1 THEN 32767 WHEN 2 THEN -32768 ELSE i % 7 - 3 END)::int2,
         CASE i % 13 WHEN 0 THEN NULL WHEN 1 THEN 2147483647 WHEN 2 THEN -2147483648 ELSE i % 10 END,
         CASE i % 17 WHEN 0 THEN NULL WHEN 1 THEN 9223372036854775807
                     WHEN 2 THEN -9223372036854775808 ELSE i * 1000000007::int8 END,
         (CASE i % 23 WHEN 0 THEN NULL WHEN 1 THEN 'NaN' WHEN 2 THEN '-0' WHEN 3 THEN '0'
                      WHEN 4 THEN 'Infinity' WHEN 5 THEN '-Infinity' WHEN 6 THEN '0.1'
                      ELSE ((i % 200) / 2.0)::text END)::float4,
         (CASE i % 19 WHEN 0 THEN NULL WHEN 1 THEN 'NaN' WHEN 2 THEN '-0' WHEN 3 THEN '0'
                      WHEN 4 THEN 'Infinity' WHEN 5 THEN '-Infinity' WHEN 6 THEN '0.1'
                      WHEN 7 THEN '0.1'::float4::float8::text
                      ELSE ((i % 200) / 2.0)::text END)::float8,
         CASE i % 5 WHEN 0 THEN NULL ELSE i % 2 = 0 END,
         CASE i % 29 WHEN 0 THEN NULL ELSE '2024-02-01'::timestamptz + (i % 100) * interval '1 hour' END,
         CASE i % 31 WHEN 0 THEN NULL ELSE '2024-02-01'::timestamp + (i % 50) * interval '1 day' END,
         CASE i % 7 WHEN 0 THEN NULL ELSE (ARRAY['a', 'b', 'c', 'A', 'a '])[i % 5 + 1] END,
         CASE i % 3 WHEN 0 THEN NULL ELSE 'x' || i % 4 END
    FROM generate_series(lo, hi) i
$$;
-- cold, warm, hot: 2000 rows each
INSERT INTO z SELECT * FROM rows(0, 1999);
SELECT ztsdb.seal('z') > 0 AS sealed, ztsdb.compress('z') > 0 AS compressed;
INSERT INTO z SELECT * FROM rows(2000, 3999);
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z SELECT * FROM rows(4000, 5999);
INSERT INTO h SELECT * FROM z;
SELECT tier, count(*) > 0 AS present FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;

-- check(p): is p pushed into ZtsdbScan, are z's rows h's, and how many rows
-- match per tier (cold < 2024-01-02 09:20, warm < 2024-01-03 18:40, hot)
CREATE FUNCTION check_pred(p text, zt text DEFAULT 'z', ht text DEFAULT 'h') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE plan text := ''; line text; diff bigint; c bigint; w bigint; ho bigint;
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT * FROM %I WHERE ', zt) || p LOOP
    plan := plan || line || E'\n';
  END LOOP;
  EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %2$I WHERE %1$s EXCEPT ALL SELECT * FROM %3$I WHERE %1$s)
                  UNION ALL (SELECT * FROM %3$I WHERE %1$s EXCEPT ALL SELECT * FROM %2$I WHERE %1$s)) d', p, zt, ht)
    INTO diff;
  EXECUTE format($q$SELECT count(*) FILTER (WHERE ts < '2024-01-02 09:20'),
                           count(*) FILTER (WHERE ts >= '2024-01-02 09:20' AND ts < '2024-01-03 18:40'),
                           count(*) FILTER (WHERE ts >= '2024-01-03 18:40') FROM %I WHERE %s$q$, ht, p)
    INTO c, w, ho;
  RETURN CASE WHEN plan LIKE '%Pushed Filter%' THEN 'pushed' ELSE 'not pushed' END || ', ' ||
         CASE WHEN diff = 0 THEN 'same' ELSE 'DIFFERENT' END ||
         format(' (cold %s, warm %s, hot %s)', c, w, ho);
END $$;

SELECT p, check_pred(p) FROM unnest(ARRAY[
  -- integers, every operator, both sides, cross-width constants
  'i4 > 5', 'i4 >= 5', 'i4 < 5', 'i4 <= 5', 'i4 = 5', 'i4 <> 5', '5 < i4', '5 = i4',
  'i4 > 3000000000', 'i4 < -3000000000', 'i4 = 2147483647', 'i4 = -2147483648',
  'i2 = 3', 'i2 > -3', 'i2 = 32767', 'i2 <= -32768', 'i2 <> 0::int8', 'i2 > 100000',
  'i8 > 4000000000000', 'i8 = 9223372036854775807', 'i8 < -9223372036854775807', 'i8 >= 0::int2',
  'i4 IN (1, 2, 3)', 'i2 = ANY (ARRAY[1, NULL, -32768]::int2[])', 'i8 IN (2000000014, 9223372036854775807)',
  -- float8: NaN above everything and equal to itself, -0 = 0, infinities
  'f8 > 90.0', 'f8 >= 99.5', 'f8 < 0.5', 'f8 = 0.1', 'f8 = 0.1::float4', 'f8 <> 0.1',
  $$f8 = 'NaN'$$, $$f8 > 'NaN'$$, $$f8 >= 'NaN'$$, $$f8 < 'NaN'$$, $$f8 <= 'NaN'$$, $$f8 <> 'NaN'$$,
  $$f8 = '-0'$$, 'f8 = 0', 'f8 < 0', 'f8 <= 0', $$f8 > '-0'$$,
  $$f8 = 'Infinity'$$, $$f8 > 'Infinity'$$, $$f8 >= 'Infinity'$$, $$f8 < '-Infinity'$$,
  $$f8 <= '-Infinity'$$, $$f8 > '-Infinity'$$, $$'Infinity' > f8$$,
  -- float4 against float4 and float8 constants
  'f4 > 90', 'f4 = 0.1', 'f4 = 0.1::float4', 'f4 <> 0.1::float4', $$f4 = 'NaN'::float4$$,
  $$f4 < 'NaN'::float8$$, $$f4 = '-0'::float4$$, 'f4 >= 0', $$f4 = 'Infinity'$$, $$f4 < '-Infinity'::float4$$,
  -- timestamps (the time column's <> too), bool, NULL tests
  $$t2 > '2024-02-03'$$, $$t2 = '2024-02-02 01:00+00'$$, $$t2 <= '2024-02-01 12:00+00'$$, $$t2 <> '2024-02-02 01:00+00'$$,
  $$tn >= '2024-03-01'::timestamp$$, $$tn = '2024-02-11'::timestamp$$, $$tn < '2024-02-05'::timestamp$$,
  $$ts <> '2024-01-01 00:01+00'$$,
  'b', 'NOT b', 'b = false', 'b <> true', 'b IS NULL', 'b IS NOT NULL',
  'f8 IS NULL', 'f4 IS NOT NULL', 'i2 IS NULL', 'tag IS NULL', 'vtag IS NOT NULL', 't2 IS NULL',
  -- text tags as dictionary codes: present, absent, trailing space, case
  $$tag = 'a'$$, $$tag = 'A'$$, $$tag = 'a '$$, $$tag = 'nope'$$, $$'b' = tag$$,
  $$tag <> 'a'$$, $$tag <> 'nope'$$, $$tag IN ('a', 'b')$$, $$tag IN ('nope', 'c')$$,
  $$tag IN ('nope', 'nada')$$, $$tag = ANY (ARRAY['c', NULL])$$, $$vtag = 'x1'$$, $$vtag IN ('x0', 'x2', 'zz')$$,
  $$vtag = 'x3'::varchar$$,
  -- combined with time and series bounds (series index, sorted warm ranges, cold blocks)
  's = 3 AND f8 > 50', 's IN (1, 2) AND tag = $$b$$ AND NOT b', $$ts >= '2024-01-02' AND ts < '2024-01-04' AND f8 > 90.0$$,
  's = 4 AND i4 IS NULL AND f4 < 10', $$f8 > 90 AND tag IN ('a', 'c') AND NOT b$$,
  -- not pushed: two columns compared, a column under a cast
  'f8 > i4', 'i4::float8 > 5.5', 'f4 = i2'
]) p ORDER BY p COLLATE "C";

-- a nondeterministic collation: 'A' = 'a', so codes cannot decide; not pushed
CREATE COLLATION nd (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
SELECT check_pred($$tag = 'a' COLLATE nd$$);
SELECT check_pred($$tag IN ('a' COLLATE nd, 'b')$$);

-- EXPLAIN names the pushed clauses; ANALYZE counts the rows they removed
EXPLAIN (COSTS OFF) SELECT * FROM z WHERE f8 > 90.0 AND tag = 'a' AND b IS NOT NULL;
EXPLAIN (COSTS OFF) SELECT * FROM z WHERE s = 3 AND i4 IN (1, 2) AND NOT b;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM z WHERE f8 > 90.0 AND ts >= '2024-01-02' AND ts < '2024-01-04';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM z WHERE tag = 'nope';
-- a cold block none of whose rows pass is filtered after decoding only the
-- filter's, time and series columns
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM z WHERE i8 > 2000000000000 AND i8 < 9223372036854775807 AND ts < '2024-01-02 09:20';
SELECT check_pred($$i8 > 1000000000000 AND i8 < 9223372036854775807$$);

-- ZtsdbAgg evaluates the same filters on its runs; answers equal heap's
EXPLAIN (COSTS OFF)
  SELECT s, count(*), max(f8), sum(i4) FROM z WHERE f8 > 50 AND tag IN ('a', 'b') GROUP BY s;
SELECT s, count(*), max(f8), sum(i4), min(t2) FROM z
 WHERE f8 > 50 AND tag IN ('a', 'b') AND b IS NOT NULL GROUP BY s ORDER BY s;
SELECT s, count(*), max(f8), sum(i4), min(t2) FROM h
 WHERE f8 > 50 AND tag IN ('a', 'b') AND b IS NOT NULL GROUP BY s ORDER BY s;
SELECT count(*), max(i8), min(f4) FROM z WHERE f4 >= 'NaN' AND i8 IS NOT NULL;
SELECT count(*), max(i8), min(f4) FROM h WHERE f4 >= 'NaN' AND i8 IS NOT NULL;
SELECT count(*), max(f8), sum(i2) FROM z WHERE f8 < 'NaN' AND NOT b AND vtag <> 'x1';
SELECT count(*), max(f8), sum(i2) FROM h WHERE f8 < 'NaN' AND NOT b AND vtag <> 'x1';
SELECT count(*), max(f8) FROM z WHERE tag = 'nope';
SELECT s, count(*), sum(i8) FROM z WHERE i8 > 2000000000000 AND i8 < 9223372036854775807 GROUP BY s ORDER BY s;
SELECT s, count(*), sum(i8) FROM h WHERE i8 > 2000000000000 AND i8 < 9223372036854775807 GROUP BY s ORDER BY s;
EXPLAIN (COSTS OFF) SELECT count(*), max(f8) FROM z WHERE tag = 'nope';
SELECT s, count(*), sum(i8) FROM z WHERE i8 > 2000000000000 AND i8 < 9223372036854775807 GROUP BY s ORDER BY s;
SELECT s, count(*), sum(i8) FROM h WHERE i8 > 2000000000000 AND i8 < 9223372036854775807 GROUP BY s ORDER BY s;
SELECT date_trunc('hour', ts) AS hr, count(*), max(f8) FROM z
 WHERE s = 3 AND f8 > 10 AND ts < '2024-01-01 03:00' GROUP BY 1 ORDER BY 1;
SELECT date_trunc('hour', ts) AS hr, count(*), max(f8) FROM h
 WHERE s = 3 AND f8 > 10 AND ts < '2024-01-01 03:00' GROUP BY 1 ORDER BY 1;

-- rescans: a lateral parameter changes the filter's value on every outer row
EXPLAIN (COSTS OFF) SELECT v.x, c.n FROM (VALUES (50.0::float8), ('NaN'), (NULL)) v(x),
  LATERAL (SELECT count(*) n FROM z WHERE f8 >= v.x AND f4 + 0 > 1) c;
SELECT v.x, c.n FROM (VALUES (50.0::float8), ('NaN'), (NULL)) v(x),
  LATERAL (SELECT count(*) n FROM z WHERE f8 >= v.x AND f4 + 0 > 1) c ORDER BY 1;
SELECT v.x, c.n FROM (VALUES (50.0::float8), ('NaN'), (NULL)) v(x),
  LATERAL (SELECT count(*) n FROM h WHERE f8 >= v.x AND f4 + 0 > 1) c ORDER BY 1;
SELECT v.t, c.n FROM (VALUES ('a'), ('nope'), ('c')) v(t),
  LATERAL (SELECT count(*) n, max(f8) FROM z WHERE tag = v.t) c ORDER BY 1;
SELECT v.t, c.n FROM (VALUES ('a'), ('nope'), ('c')) v(t),
  LATERAL (SELECT count(*) n, max(f8) FROM h WHERE tag = v.t) c ORDER BY 1;

-- parameters: a generic plan evaluates them when the scan starts; NULL matches nothing
SET plan_cache_mode = force_generic_plan;
PREPARE q(float8, text) AS SELECT count(*) FROM z WHERE f8 > $1 AND tag = $2;
EXPLAIN (COSTS OFF) EXECUTE q(90, 'a');
EXECUTE q(90, 'a');
SELECT count(*) FROM h WHERE f8 > 90 AND tag = 'a';
EXECUTE q(NULL, 'a');
EXECUTE q(90, NULL);
EXECUTE q(90, 'nope');
DEALLOCATE q;
RESET plan_cache_mode;

-- the transaction's own unflushed rows are filtered too; rollback forgets them
BEGIN;
INSERT INTO z SELECT * FROM rows(6000, 6199);
INSERT INTO h SELECT * FROM rows(6000, 6199);
SELECT check_pred($$f8 >= 'NaN' OR f8 IS NULL$$), check_pred('f8 > 90.0'), check_pred($$tag = 'c'$$);
SAVEPOINT sp;
INSERT INTO z VALUES ('2024-06-01', 1, 1, 1, 1, 'NaN', 'NaN', true, NULL, NULL, 'brand new', NULL);
INSERT INTO h VALUES ('2024-06-01', 1, 1, 1, 1, 'NaN', 'NaN', true, NULL, NULL, 'brand new', NULL);
SELECT check_pred($$tag = 'brand new'$$), check_pred($$f4 = 'NaN'$$);
ROLLBACK TO sp;
SELECT count(*) FROM z WHERE tag = 'brand new';
ROLLBACK;
SELECT count(*) FROM z WHERE f8 > 90.0;
SELECT count(*) FROM h WHERE f8 > 90.0;

-- NULL-free columns (NaN, -0 and the infinities in place of NULL): in
-- blocks without a NULL the filters run as one loop over the rows
CREATE TABLE zn (ts timestamptz NOT NULL, s int NOT NULL, i2 int2 NOT NULL, i4 int4 NOT NULL,
                 i8 int8 NOT NULL, f4 float4 NOT NULL, f8 float8 NOT NULL)
  USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 's');
CREATE TABLE hn (LIKE zn);
CREATE FUNCTION rows_n(lo int, hi int) RETURNS SETOF hn LANGUAGE sql AS $$
  SELECT ts, s, coalesce(i2, 0::int2), coalesce(i4, 7), coalesce(i8, -1),
         coalesce(f4, '-Infinity'), coalesce(f8, '-0') FROM rows(lo, hi)
$$;
INSERT INTO zn SELECT * FROM rows_n(0, 1999);
SELECT ztsdb.seal('zn') > 0 AS sealed, ztsdb.compress('zn') > 0 AS compressed;
INSERT INTO zn SELECT * FROM rows_n(2000, 3999);
SELECT ztsdb.seal('zn') > 0 AS sealed;
INSERT INTO zn SELECT * FROM rows_n(4000, 5999);
INSERT INTO hn SELECT * FROM zn;
SELECT p, check_pred(p, 'zn', 'hn') FROM unnest(ARRAY[
  'f8 > 90', 'f8 >= 99.5', 'f8 < 0.1', 'f8 <= 0', 'f8 = 0', $$f8 = '-0'$$, 'f8 <> 0',
  $$f8 > 'Infinity'$$, $$f8 >= 'Infinity'$$, $$f8 < '-Infinity'$$, $$f8 <= '-Infinity'$$,
  $$f8 > 'NaN'$$, $$f8 >= 'NaN'$$, $$f8 = 'NaN'$$, $$f8 < 'NaN'$$, $$f8 <= 'NaN'$$, $$f8 <> 'NaN'$$,
  'f4 > 90', 'f4 >= 0.1', 'f4 < 0.1::float4', 'f4 <= 0', 'f4 = 0.1::float4', 'f4 = 0.1',
  $$f4 < '-Infinity'$$, $$f4 <= '-Infinity'$$, $$f4 > 'NaN'$$, $$f4 >= 'NaN'::float4$$,
  'i2 > -3', 'i2 >= 32767', 'i2 < -32767', 'i2 <= 0', 'i2 = 3', 'i2 > 100000', 'i2 <> 3',
  'i4 > 5', 'i4 < -3000000000', 'i4 = 2147483647', 'i4 <= 7', 'i8 < 0', 'i8 >= 9223372036854775807',
  'i8 = -1', 'i8 > 4000000000000', $$ts >= '2024-01-02' AND ts < '2024-01-03 20:00'$$,
  $$f8 > 50 AND i4 <= 5 AND f4 < 60$$, 's = 4 AND f8 >= 99'
]) p ORDER BY p COLLATE "C";
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM zn WHERE f8 > 90.0 AND ts >= '2024-01-02' AND ts < '2024-01-04';

-- A hot chunk whose columns had no NULL skips their validity bitmaps; the
-- first NULL appended to it must be seen by the scans that follow (filters,
-- IS NULL, the aggregate path), not read as a value
CREATE TABLE zm (ts timestamptz NOT NULL, s int NOT NULL, f8 float8, i4 int4, tag text)
  USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 's');
CREATE TABLE hm (LIKE zm);
INSERT INTO zm SELECT '2024-03-01'::timestamptz + g * interval '1 min', g % 7, g % 100, g, 't' || g % 3
  FROM generate_series(1, 3000) g;
INSERT INTO hm SELECT * FROM zm;
SELECT p, check_pred(p, 'zm', 'hm') FROM unnest(ARRAY[
  'f8 > 90', 'f8 IS NULL', 'i4 <= 10', 'tag IS NULL', $$tag = 't1' AND f8 < 5$$]) p ORDER BY p COLLATE "C";
INSERT INTO zm VALUES ('2024-03-02 12:00', 1, NULL, 5, 't1'), ('2024-03-02 12:01', 2, 95, NULL, NULL),
  ('2024-03-02 12:02', 3, NULL, NULL, NULL);
INSERT INTO hm VALUES ('2024-03-02 12:00', 1, NULL, 5, 't1'), ('2024-03-02 12:01', 2, 95, NULL, NULL),
  ('2024-03-02 12:02', 3, NULL, NULL, NULL);
SELECT p, check_pred(p, 'zm', 'hm') FROM unnest(ARRAY[
  'f8 > 90', 'f8 IS NULL', 'i4 <= 10', 'i4 IS NULL', 'tag IS NULL', $$tag = 't1' AND f8 < 5$$,
  $$ts >= '2024-03-02 11:00'$$]) p ORDER BY p COLLATE "C";
SELECT count(f8), count(i4), count(tag), sum(f8), max(i4) FROM zm
EXCEPT ALL SELECT count(f8), count(i4), count(tag), sum(f8), max(i4) FROM hm;
SELECT s, count(f8), sum(f8) FROM zm WHERE ts >= '2024-03-02' GROUP BY s
EXCEPT ALL SELECT s, count(f8), sum(f8) FROM hm WHERE ts >= '2024-03-02' GROUP BY s;
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('zm') GROUP BY 1 ORDER BY 1;

DROP SCHEMA scan_filter CASCADE;
