-- series_key: the time and series columns of a ztsdb table can be declared
-- with WITH (ztsdb.time = ..., ztsdb.series = ...) instead of guessed (first
-- NOT NULL timestamp, first integer column); a guess is announced with a
-- NOTICE; ztsdb.table_layout() shows the choice; the declared series
-- column is the one the scan pushes down, aggregates group by and
-- ztsdb.range() reads, in hot and sealed chunks; bad declarations fail with
-- a clear error.
CREATE SCHEMA series_key;
SET search_path = series_key;

-- guessed: the NOTICE names the columns
CREATE TABLE g (ts timestamptz NOT NULL, a int, b int, value float8) USING ztsdb;
CREATE TABLE g0 (ts timestamp NOT NULL, value float8) USING ztsdb;
SELECT * FROM ztsdb.table_layout('g');
SELECT * FROM ztsdb.table_layout('g0');

-- declared: second integer column, second timestamp column; no NOTICE
CREATE TABLE d (ts timestamptz NOT NULL, a int, b bigint, ts2 timestamptz NOT NULL, value float8)
  USING ztsdb WITH (ztsdb.series = 'b', ztsdb.time = 'ts2');
SELECT * FROM ztsdb.table_layout('d');
SELECT c.reloptions FROM pg_class c WHERE c.oid = 'd'::regclass;
-- the quoted single-name spelling pg_dump writes, and other options kept
CREATE TABLE q (ts timestamptz NOT NULL, a int, b int, value float8)
  USING ztsdb WITH ("ztsdb.series" = 'b', autovacuum_enabled = false);
SELECT * FROM ztsdb.table_layout('q');
SELECT c.reloptions FROM pg_class c WHERE c.oid = 'q'::regclass;
-- only one declared: the other is guessed and announced
CREATE TABLE t1 (ts timestamptz NOT NULL, a int, b int, value float8)
  USING ztsdb WITH (ztsdb.time = 'ts');
SELECT * FROM ztsdb.table_layout('t1');
-- "no series": integer columns are then plain values
CREATE TABLE n (ts timestamptz NOT NULL, a int, value float8) USING ztsdb WITH (ztsdb.series = '');
SELECT * FROM ztsdb.table_layout('n');

-- the declared series column is what the scan pushes down and the files
-- are sorted by: rows come back equal to a heap copy, with b pushed
INSERT INTO d SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 3, i % 7,
                     '2024-02-01'::timestamptz + i * interval '1 min', i
  FROM generate_series(0, 999) i;
CREATE TABLE dh AS SELECT * FROM d;
SELECT ztsdb.seal('d') > 0 AS sealed;
INSERT INTO d SELECT '2024-01-02'::timestamptz + i * interval '1 s', i % 3, i % 7,
                     '2024-02-02'::timestamptz + i * interval '1 min', -i
  FROM generate_series(0, 99) i;
INSERT INTO dh SELECT '2024-01-02'::timestamptz + i * interval '1 s', i % 3, i % 7,
                      '2024-02-02'::timestamptz + i * interval '1 min', -i
  FROM generate_series(0, 99) i;
EXPLAIN (COSTS OFF) SELECT * FROM d WHERE b = 3 AND ts2 >= '2024-02-01 10:00';
EXPLAIN (COSTS OFF) SELECT * FROM d WHERE a = 1;
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT d::text AS x FROM d WHERE b = 3) s) =
       (SELECT array_agg(x ORDER BY x) FROM (SELECT dh::text AS x FROM dh WHERE b = 3) s) AS same_b,
       (SELECT count(*) FROM d WHERE b = 3) AS rows_b;
SELECT (SELECT array_agg(x ORDER BY x) FROM (SELECT d::text AS x FROM d WHERE b IN (1, 6) AND ts2 < '2024-02-01 05:00') s) =
       (SELECT array_agg(x ORDER BY x) FROM (SELECT dh::text AS x FROM dh WHERE b IN (1, 6) AND ts2 < '2024-02-01 05:00') s) AS same_b_ts2;
-- aggregates grouped by the declared series
SELECT b, count(*), sum(value) FROM d GROUP BY b ORDER BY b;
SELECT b, count(*), sum(value) FROM dh GROUP BY b ORDER BY b;
-- ztsdb.range() reads the declared series and time columns
SELECT count(*), min(ts), max(ts), sum(value) FROM ztsdb.range('d', 3, '2024-02-01', '2024-02-03');
SELECT count(*), min(ts2), max(ts2), sum(value) FROM dh WHERE b = 3;
-- ztsdb.range() takes the value column by name (default: the first
-- floating-point column)
CREATE TABLE v (ts timestamptz NOT NULL, host int, metric int, v1 float8, v2 real)
  USING ztsdb WITH (ztsdb.series = 'metric');
INSERT INTO v SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 2, i % 3, i, -i / 4.0
  FROM generate_series(0, 11) i;
SELECT * FROM ztsdb.range('v', 1, '2024-01-01', '2024-01-02');
SELECT * FROM ztsdb.range('v', 1, '2024-01-01', '2024-01-02', value_column => 'v2');
SELECT * FROM ztsdb.range('v', 1, '2024-01-01', '2024-01-02', 'nosuch');
SELECT * FROM ztsdb.range('v', 1, '2024-01-01', '2024-01-02', 'host');
-- a table without a series column: nothing on "a" is pushed, and
-- ztsdb.range() says there is no series
INSERT INTO n SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 5, i FROM generate_series(0, 99) i;
SELECT ztsdb.seal('n') > 0 AS sealed;
EXPLAIN (COSTS OFF) SELECT * FROM n WHERE a = 1;
SELECT count(*), sum(value) FROM n WHERE a = 1;
SELECT * FROM ztsdb.range('n', 1, '2024-01-01', '2024-01-02');

-- renaming a declared column follows it; other reloptions still settable
ALTER TABLE d RENAME COLUMN b TO host;
SELECT * FROM ztsdb.table_layout('d');
ALTER TABLE d SET (autovacuum_enabled = false);
ALTER TABLE d RESET (autovacuum_enabled);
SELECT c.reloptions FROM pg_class c WHERE c.oid = 'd'::regclass;
SELECT count(*) FROM d WHERE host = 3;

-- errors
CREATE TABLE e1 (ts timestamptz NOT NULL, a int) USING ztsdb WITH (ztsdb.series = 'nosuch');
CREATE TABLE e2 (ts timestamptz NOT NULL, a int, v float8) USING ztsdb WITH (ztsdb.series = 'v');
CREATE TABLE e3 (ts timestamptz NOT NULL, a int) USING ztsdb WITH (ztsdb.time = 'a');
CREATE TABLE e4 (ts timestamptz NOT NULL, ts2 timestamptz, a int) USING ztsdb WITH (ztsdb.time = 'ts2');
CREATE TABLE e5 (ts timestamptz NOT NULL, a int) USING ztsdb WITH (ztsdb.time = 'nosuch');
CREATE TABLE e6 (ts timestamptz NOT NULL, a int) WITH (ztsdb.series = 'a');
CREATE TABLE e7 (ts timestamptz NOT NULL, a int) USING ztsdb WITH (ztsdb.bogus = 'a');
CREATE TABLE e8 USING ztsdb WITH (ztsdb.series = 'a') AS SELECT now() AS ts, 1 AS a;
ALTER TABLE d SET (ztsdb.series = 'a');
ALTER TABLE d RESET (ztsdb.series);
ALTER TABLE dh SET (ztsdb.series = 'a');
SELECT * FROM ztsdb.table_layout('dh');
-- none of the failed tables exists
SELECT count(*) FROM pg_class WHERE relname LIKE 'e_' AND relnamespace = 'series_key'::regnamespace;

-- rollback of a CREATE with declared options leaves nothing behind
BEGIN;
CREATE TABLE r (ts timestamptz NOT NULL, a int, b int) USING ztsdb WITH (ztsdb.series = 'b');
SELECT * FROM ztsdb.table_layout('r');
ROLLBACK;
SELECT to_regclass('r');
-- IF NOT EXISTS on an existing table does not touch its options
CREATE TABLE IF NOT EXISTS d (ts timestamptz NOT NULL) USING ztsdb WITH (ztsdb.series = '');
SELECT * FROM ztsdb.table_layout('d');

RESET search_path;
DROP SCHEMA series_key CASCADE;
