-- query_agg_expr: ZtsdbAgg computes aggregates of arithmetic expressions of
-- one row's columns -- float8, int4 and int8 + - * / and unary minus, casts
-- of integers to float8 and between int4 and int8, over columns and
-- constants -- with PostgreSQL's results and errors.  Each query runs with
-- ZtsdbAgg, with PostgreSQL's Agg over the same ztsdb table (the same row
-- order: float results compared bit for bit) and over a heap copy (float
-- results compared to 10 significant digits, EXCEPT both ways).  Data:
-- 0.1 steps, random values, NULLs, NaN and infinities, on hot, warm and
-- cold chunks; grouped by series, date_bin, date_trunc, both, or nothing.
-- Errors (integer overflow, float overflow and underflow, division by zero)
-- match PostgreSQL's, including which one comes first and that rows outside
-- the WHERE bounds or with NULL operands raise none.  Expressions ZtsdbAgg
-- does not evaluate, and WHERE clauses it cannot push, keep PostgreSQL's Agg.
CREATE SCHEMA query_agg_expr;
SET search_path = query_agg_expr;
-- PostgreSQL's Sort is not stable and parallel workers interleave rows: a
-- group's rows would reach the Agg in another order than the scan's
SET enable_sort = off;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int, u float8, s float8, v float8,
                i int, j bigint, k smallint) USING ztsdb;
-- one row of series s at minute p of day: u 0.1 steps (NULL now and then in
-- series 1), s random, v special values by series (2 NaN once, 3 +Infinity
-- once, 4 +Infinity and -Infinity, 5 -0 and 0), i random with NULLs (all
-- NULL in series 7), j large, k = p % 100
CREATE FUNCTION gen(day date, s int, p int) RETURNS z LANGUAGE sql AS $$
  SELECT (day + p * interval '1 minute')::timestamptz, s,
         CASE WHEN s = 1 AND p % 17 = 0 THEN NULL ELSE ((p + 1) * 0.1)::float8 END,
         random() * 100 - 50,
         CASE s WHEN 2 THEN CASE WHEN p = 300 THEN 'NaN' ELSE random() * 10 END
                WHEN 3 THEN CASE WHEN p = 100 THEN 'Infinity' ELSE random() END
                WHEN 4 THEN CASE WHEN p = 50 THEN 'Infinity' WHEN p = 400 THEN '-Infinity' ELSE random() END
                WHEN 5 THEN CASE WHEN p % 3 = 0 THEN '-0' ELSE 0 END
                ELSE ((p + 1) * 0.1)::float8 END,
         CASE WHEN p % 13 = 0 OR s = 7 THEN NULL ELSE (random() * 1000)::int - 500 END,
         (random() * 1e15)::bigint - 500000000000000,
         (p % 100)::smallint
$$;
SELECT setseed(0.25);
-- day 1 cold, day 2 warm, day 3 hot, and a few rows of no series, in
-- statements of at most 900 rows (a hot chunk holds about 990 of them), days 1
-- and 2 sealed after each commit: a chunk sealed while its transaction runs
-- would be an unsorted file, which the writer re-sorts in the background --
-- between the plans of a comparison, changing the order rows are added in
SELECT format($$INSERT INTO z SELECT g.* FROM generate_series(%s, %s) n, gen('2024-03-01', n %% 10, n / 10) g$$,
              b, b + 899), $$SELECT ztsdb.seal('z') > 0 AS sealed$$
  FROM generate_series(0, 5399, 900) b ORDER BY b \gexec
SELECT ztsdb.compress('z') > 0 AS compressed;
SELECT format($$INSERT INTO z SELECT g.* FROM generate_series(%s, %s) n, gen('2024-03-02', n %% 10, n / 10) g$$,
              b, b + 899), $$SELECT ztsdb.seal('z') > 0 AS sealed$$
  FROM generate_series(0, 5399, 900) b ORDER BY b \gexec
INSERT INTO z SELECT g.* FROM generate_series(0, 849) n, gen('2024-03-03', n / 85, n % 85) g;
INSERT INTO z SELECT g.* FROM generate_series(0, 49) n, gen('2024-03-03', NULL, n) g;
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
CREATE TABLE h AS SELECT * FROM z;
SELECT count(*), count(DISTINCT series_id) FROM h;

-- bits(x): the bytes a float8 is sent as (-0 and 0, NaNs of either sign differ)
CREATE FUNCTION bits(x float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS 'SELECT float8send(x)';
-- digits(x): x to 10 significant digits (another row order changes the last bits of a sum)
CREATE FUNCTION digits(x float8) RETURNS text LANGUAGE sql IMMUTABLE
  SET extra_float_digits = -5 AS $$ SELECT CASE WHEN x = 0 THEN '0' ELSE x::text END $$;
SELECT digits(-0.1), digits(0.1 + 0.2), digits(123.456e-7), digits(-1e300), digits('-0'), digits('-Infinity');
-- plan(q): the top plan node, and its strategy if it is an Aggregate
CREATE FUNCTION plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE p json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO p;
  p := p -> 0 -> 'Plan';
  RETURN coalesce(p ->> 'Custom Plan Provider', (p ->> 'Node Type') || ' ' || (p ->> 'Strategy'));
END $$;
-- rows(q): q's rows as sorted text, or its error
CREATE FUNCTION rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE a text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', q) INTO a;
  RETURN coalesce(a, '{}');
EXCEPTION WHEN OTHERS THEN
  RETURN ARRAY['ERROR ' || SQLSTATE || ': ' || SQLERRM];
END $$;
-- compare(q): q is a query with %1$s for the table and %2$s for the function
-- float results go through.  Runs it on z with ZtsdbAgg (bits), on z with
-- PostgreSQL's Agg (bits) and on h (digits, against z's with ZtsdbAgg);
-- tells the plans and how many rows differ, EXCEPT both ways
CREATE FUNCTION compare(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[]; c text[]; d text[]; pa text; pb text; n1 int; n2 int; n3 int; n4 int;
BEGIN
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'on', true);
  pa := plan(format(q, 'z', 'bits'));
  a := rows(format(q, 'z', 'bits'));
  c := rows(format(q, 'z', 'digits'));
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'off', true);
  pb := plan(format(q, 'z', 'bits'));
  b := rows(format(q, 'z', 'bits'));
  PERFORM set_config('ztsdb.enable_aggregate_scan', 'on', true);
  d := rows(format(q, 'h', 'digits'));
  SELECT count(*) INTO n1 FROM (SELECT unnest(a) EXCEPT ALL SELECT unnest(b)) x;
  SELECT count(*) INTO n2 FROM (SELECT unnest(b) EXCEPT ALL SELECT unnest(a)) x;
  SELECT count(*) INTO n3 FROM (SELECT unnest(c) EXCEPT ALL SELECT unnest(d)) x;
  SELECT count(*) INTO n4 FROM (SELECT unnest(d) EXCEPT ALL SELECT unnest(c)) x;
  RETURN format('%s vs %s: %s rows, %s/%s differ; vs heap %s/%s differ%s', pa, pb, cardinality(a),
                n1, n2, n3, n4,
                CASE WHEN a[1] LIKE 'ERROR%' THEN ' (' || a[1] || ')' ELSE '' END);
END $$;

-- the plans: ZtsdbAgg evaluates the expressions (Computed Arguments)
EXPLAIN (COSTS OFF) SELECT series_id, avg(u + s), max(u * 2), sum(i - j), min(-u), avg(u / 100.0)
  FROM z GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT date_bin('10 minutes', ts, '2024-01-01'), sum(i * 2), avg(i::float8 / 3)
  FROM z WHERE series_id IN (1, 2) GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT date_trunc('hour', ts), series_id, max(v - u), count(j + 1)
  FROM z WHERE ts >= '2024-03-02' GROUP BY 1, 2;
SET ztsdb.enable_aggregate_scan = off;
EXPLAIN (COSTS OFF) SELECT series_id, avg(u + s), max(u * 2), sum(i - j), min(-u), avg(u / 100.0)
  FROM z GROUP BY 1;
RESET ztsdb.enable_aggregate_scan;
-- in a subquery behind other relations (the range table's numbers differ)
CREATE TABLE names (series_id int, name text);
INSERT INTO names VALUES (1, 'one'), (4, 'four');
EXPLAIN (COSTS OFF) SELECT n.name, x.* FROM names n
  JOIN (SELECT series_id, avg(u - s) AS a, sum(k * i) AS b FROM z GROUP BY 1) x USING (series_id);
SELECT n.name, x.series_id, x.b FROM names n
  JOIN (SELECT series_id, avg(u - s) AS a, sum(k * i) AS b FROM z GROUP BY 1) x USING (series_id) ORDER BY 1;
SET ztsdb.enable_aggregate_scan = off;
SELECT n.name, x.series_id, x.b FROM names n
  JOIN (SELECT series_id, avg(u - s) AS a, sum(k * i) AS b FROM z GROUP BY 1) x USING (series_id) ORDER BY 1;
RESET ztsdb.enable_aggregate_scan;

-- float8 expressions: 0.1 steps, random values, NULLs, NaN, infinities, -0
SELECT g, compare(format($$SELECT %s, count(u + s), %%2$s(sum(u + s)), %%2$s(avg(u + s)),
    %%2$s(min(u - s)), %%2$s(max(u * 2)), %%2$s(min(-u)), %%2$s(avg(u / 100.0)),
    %%2$s(sum(v * 0.5 + u)), %%2$s(min(v - u)), %%2$s(max(-v)), %%2$s(avg(v / 3)), %%2$s(sum(-(u * s) / 7))
    FROM %%1$s GROUP BY 1$$, g))
  FROM unnest(ARRAY['series_id', $$date_bin('10 minutes', ts, '2024-01-01')$$,
                    $$date_trunc('hour', ts)$$]) g ORDER BY g;
SELECT compare($$SELECT series_id, date_bin('1 hour', ts, '2024-01-01'), %2$s(sum(u - s)),
    %2$s(avg(v + u)), %2$s(max(u * s)), %2$s(min(v / 2)) FROM %1$s GROUP BY 1, 2$$);
SELECT compare($$SELECT %2$s(sum(u + s)), %2$s(avg(v * u)), %2$s(min(-v)), %2$s(max(u / 7)), count(v - u) FROM %1$s$$);
-- integer expressions: int4 and int8 arithmetic, mixed, casts to float8
SELECT g, compare(format($$SELECT %s, %%2$s(avg(i::float8 / 3)), sum(i - 7), avg(i + 1), max(i * 3),
    min(-i), sum(j - i), avg(j / 1000), max(-j), min(j * 2 + i), sum(i / 7), avg(k::int * i),
    %%2$s(sum(j::float8 * 0.5)), sum(i::bigint * 1000000), count(i * 2), sum(k * 2), max(k - i),
    min(k * k), avg(-k), sum(k / 3::smallint), avg(j - k), sum((i / 10)::smallint), max(k::bigint)
    FROM %%1$s GROUP BY 1$$, g))
  FROM unnest(ARRAY['series_id', $$date_bin('10 minutes', ts, '2024-01-01')$$,
                    $$date_trunc('hour', ts)$$]) g ORDER BY g;
-- pushed bounds: series, time range, both
SELECT compare($$SELECT series_id, %2$s(avg(u + s)), sum(i * 2), %2$s(max(v - 1)) FROM %1$s
    WHERE series_id IN (1, 4, 7) GROUP BY 1$$);
SELECT compare($$SELECT series_id, %2$s(avg(u + i)), %2$s(max(s * k)), %2$s(min(j / u)) FROM %1$s GROUP BY 1$$);
SELECT compare($$SELECT date_bin('30 minutes', ts, '2024-01-01'), %2$s(sum(u * s)), min(-i) FROM %1$s
    WHERE ts >= '2024-03-01 20:00' AND ts < '2024-03-03 00:30' GROUP BY 1$$);

-- errors: the same as PostgreSQL's Agg over z and over the heap copy
SELECT compare($$SELECT series_id, sum(i * 100000000) FROM %1$s GROUP BY 1$$);
SELECT compare($$SELECT sum(j * 100000) FROM %1$s$$);
SELECT compare($$SELECT max(i * 5000000 * 1000) FROM %1$s$$);
SELECT compare($$SELECT avg(i / (k - k)) FROM %1$s$$);
SELECT compare($$SELECT avg(j / (i - i)) FROM %1$s$$);
SELECT compare($$SELECT max(k * k * k) FROM %1$s$$);
SELECT compare($$SELECT min(-(k - 32767::smallint - 100::smallint)) FROM %1$s$$);
SELECT compare($$SELECT sum(j::smallint) FROM %1$s$$);
SELECT compare($$SELECT sum(i::bigint * 100000000000000000) FROM %1$s$$);
SELECT compare($$SELECT series_id, %2$s(sum(u / (k - k))) FROM %1$s GROUP BY 1$$);
SELECT compare($$SELECT %2$s(max(u * 1e308)) FROM %1$s$$);
SELECT compare($$SELECT %2$s(min(u * 4.9e-324)) FROM %1$s$$);
SELECT compare($$SELECT %2$s(min(u / 1e300 / 1e100)) FROM %1$s$$);
SELECT compare($$SELECT %2$s(max(u / 1e-308)) FROM %1$s$$);
SELECT compare($$SELECT %2$s(sum(u * 1e307)) FROM %1$s$$);
-- which error comes first: the first row's (series 3 of each day: p = 0, 1, 2, ...,
-- k = p, i NULL at p = 0 and -50 at p = 1), at one row the first aggregate's and
-- within one expression the first operand's, and an aggregate's own overflow
-- (sum(u * 1e307) at p = 18) before a later row's expression error
SELECT d, compare(format($$SELECT %%2$s(max(u * 1e308)), sum(100 / (k - 50)) FROM %%1$s
    WHERE series_id = 3 AND ts >= %1$L AND ts < %2$L$$, d[1], d[2])) FROM (VALUES (ARRAY['2024-03-01', '2024-03-02']), (ARRAY['2024-03-02', '2024-03-03']), (ARRAY['2024-03-03', '2024-03-04'])) v(d) ORDER BY d;
SELECT d, compare(format($$SELECT %%2$s(max(u * 1e308)), sum(100 / (k - 10)) FROM %%1$s
    WHERE series_id = 3 AND ts >= %1$L AND ts < %2$L$$, d[1], d[2])) FROM (VALUES (ARRAY['2024-03-01', '2024-03-02']), (ARRAY['2024-03-02', '2024-03-03']), (ARRAY['2024-03-03', '2024-03-04'])) v(d) ORDER BY d;
SELECT d, compare(format($$SELECT sum(i * 100000000), sum(100 / (k - 1)) FROM %%1$s
    WHERE series_id = 3 AND ts >= %1$L AND ts < %2$L$$, d[1], d[2])) FROM (VALUES (ARRAY['2024-03-01', '2024-03-02']), (ARRAY['2024-03-02', '2024-03-03']), (ARRAY['2024-03-03', '2024-03-04'])) v(d) ORDER BY d;
SELECT d, compare(format($$SELECT sum(100 / (k - 1)), sum(i * 100000000) FROM %%1$s
    WHERE series_id = 3 AND ts >= %1$L AND ts < %2$L$$, d[1], d[2])) FROM (VALUES (ARRAY['2024-03-01', '2024-03-02']), (ARRAY['2024-03-02', '2024-03-03']), (ARRAY['2024-03-03', '2024-03-04'])) v(d) ORDER BY d;
SELECT compare($$SELECT sum(i * 100000000 + 100 / (k - 1)) FROM %1$s WHERE series_id = 3 AND ts < '2024-03-02'$$);
SELECT compare($$SELECT sum(100 / (k - 1) + i * 100000000) FROM %1$s WHERE series_id = 3 AND ts < '2024-03-02'$$);
SELECT compare($$SELECT %2$s(sum(u * 1e307)), max(100 / (k - 50)) FROM %1$s WHERE series_id = 3 AND ts < '2024-03-02'$$);
SELECT compare($$SELECT %2$s(sum(u * 1e307)), max(100 / (k - 3)) FROM %1$s WHERE series_id = 3 AND ts < '2024-03-02'$$);
-- no error: NULL operands (i is NULL in all of series 7), rows outside the bounds
SELECT compare($$SELECT %2$s(avg(u / (i - i))), count(i / 0) FROM %1$s WHERE series_id = 7$$);
SELECT compare($$SELECT %2$s(max(u * 1e308)) FROM %1$s WHERE ts < '2024-03-01 00:01'$$);
SELECT compare($$SELECT series_id, sum(100 / (k - 50)) FROM %1$s
    WHERE ts >= '2024-03-03 00:00' AND ts < '2024-03-03 00:50' GROUP BY 1$$);
-- the error's text, PostgreSQL's Agg first
SET ztsdb.enable_aggregate_scan = off;
SELECT sum(i * 100000000) FROM z;
SELECT sum(j * 100000) FROM z;
SELECT max(k * k * k) FROM z;
SELECT avg(i / (k - k)) FROM z;
SELECT max(u * 1e308) FROM z;
SELECT min(u * 4.9e-324) FROM z;
RESET ztsdb.enable_aggregate_scan;
SELECT sum(i * 100000000) FROM z;
SELECT sum(j * 100000) FROM z;
SELECT max(k * k * k) FROM z;
SELECT avg(i / (k - k)) FROM z;
SELECT max(u * 1e308) FROM z;
SELECT min(u * 4.9e-324) FROM z;

-- not evaluated by ZtsdbAgg: PostgreSQL's Agg, with the same results
SELECT compare($$SELECT series_id, %2$s(avg(sqrt(abs(u)))) FROM %1$s GROUP BY 1$$);
SELECT compare($$SELECT series_id, avg(i / 100.0) FROM %1$s GROUP BY 1$$);
SELECT compare($$SELECT series_id, sum(mod(k, 7)), max(abs(i)) FROM %1$s GROUP BY 1$$);
SELECT compare($$SELECT series_id, %2$s(avg(CASE WHEN u > 5 THEN u END)) FROM %1$s GROUP BY 1$$);
-- WHERE clauses: value filters (u > 5, k <> 50: rows filtered out never divide by zero) are pushed, an expression is not
SELECT compare($$SELECT series_id, %2$s(avg(u + s)), sum(i * 2) FROM %1$s WHERE u > 5 GROUP BY 1$$);
SELECT compare($$SELECT %2$s(max(u * 1e308)) FROM %1$s WHERE u * 1e308 < 1e308$$);
SELECT compare($$SELECT series_id, sum(100 / (k - 50)) FROM %1$s WHERE k <> 50 GROUP BY 1$$);
EXPLAIN (COSTS OFF) SELECT series_id, avg(u + s) FROM z WHERE u > 5 GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT series_id, avg(sqrt(abs(u))) FROM z GROUP BY 1;
DROP SCHEMA query_agg_expr CASCADE;
