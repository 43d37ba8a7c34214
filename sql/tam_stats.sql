-- tam_stats: ztsdb tables feed PostgreSQL's statistics as heap tables do.
-- Rows inserted by INSERT and COPY count in pg_stat_user_tables (what
-- starts autovacuum), rows of rolled-back transactions and savepoints count
-- as heap counts them (a heap table takes the same steps alongside), VACUUM
-- removes nothing and reports live and dead rows, and ANALYZE reads a
-- sample of about 30000 rows, not every row, from hot, warm and cold chunks,
-- yet gets reltuples within a few percent and pg_stats good enough for the
-- planner to estimate a join with a small dimension table.  Autovacuum is
-- off in the test instance (test/ztsdb.conf); test/tap/012_autovacuum.pl
-- shows it analyzing and vacuuming ztsdb tables by itself.
CREATE SCHEMA tam_stats;
SET search_path = tam_stats;

CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (LIKE z);
CREATE VIEW counts AS
  SELECT relname, n_tup_ins, n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum
    FROM pg_stat_user_tables WHERE schemaname = 'tam_stats' ORDER BY relname;

-- INSERT (tuple_insert per row, a multi-row statement) and COPY (multi_insert)
INSERT INTO z VALUES ('2024-01-01', 1, 1);
INSERT INTO h VALUES ('2024-01-01', 1, 1);
INSERT INTO z SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 10, i FROM generate_series(1, 999) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 10, i FROM generate_series(1, 999) i;
COPY z FROM stdin;
2024-01-02 00:00:00+00	1	1.5
2024-01-02 00:00:01+00	2	2.5
2024-01-02 00:00:02+00	3	\N
\.
COPY h FROM stdin;
2024-01-02 00:00:00+00	1	1.5
2024-01-02 00:00:01+00	2	2.5
2024-01-02 00:00:02+00	3	\N
\.
SELECT pg_stat_force_next_flush();
SELECT * FROM counts;

-- rolled back: the rows count as inserted and dead, not live, not as changes
BEGIN;
INSERT INTO z SELECT '2024-01-03'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 100) i;
INSERT INTO h SELECT '2024-01-03'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 100) i;
ROLLBACK;
-- savepoints: only the rows after the savepoint are rolled back
BEGIN;
INSERT INTO z SELECT '2024-01-04'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 10) i;
INSERT INTO h SELECT '2024-01-04'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 10) i;
SAVEPOINT s;
INSERT INTO z SELECT '2024-01-05'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 20) i;
INSERT INTO h SELECT '2024-01-05'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 20) i;
ROLLBACK TO s;
COMMIT;
SELECT pg_stat_force_next_flush();
SELECT * FROM counts;

-- VACUUM removes nothing and reports what it found, as heap's does: the
-- rolled-back rows above never left their write buffers, so no dead rows
VACUUM z;
VACUUM h;
SELECT pg_stat_force_next_flush();
SELECT * FROM counts;
SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'tam_stats'::regnamespace AND relkind = 'r'
 ORDER BY relname;
SELECT count(*) FROM z;
VACUUM (VERBOSE) z;

-- aborted rows that did reach a hot chunk (a write buffer of 100 rows
-- flushed twice) stay dead after VACUUM, until their chunk is sealed
SET ztsdb.write_buffer_capacity = 100;
BEGIN;
INSERT INTO z SELECT '2024-01-06'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 250) i;
ROLLBACK;
RESET ztsdb.write_buffer_capacity;
SELECT pg_stat_force_next_flush();
SELECT n_dead_tup, n_live_tup FROM counts WHERE relname = 'z';
VACUUM z;
SELECT pg_stat_force_next_flush();
SELECT n_dead_tup BETWEEN 200 AND 249 AS pushed_rows_dead, n_live_tup FROM counts WHERE relname = 'z';
SELECT ztsdb.seal('z') > 0 AS sealed;
VACUUM z;
SELECT pg_stat_force_next_flush();
SELECT n_dead_tup, n_live_tup FROM counts WHERE relname = 'z';

-- ANALYZE counts our own unflushed rows, as heap's counts our own inserts
CREATE TABLE own (LIKE z) USING ztsdb;
BEGIN;
INSERT INTO own SELECT '2024-01-01'::timestamptz + i * interval '1 s', 1, i FROM generate_series(1, 10) i;
ANALYZE own;
SELECT reltuples FROM pg_class WHERE oid = 'own'::regclass;
COMMIT;
ANALYZE own;
SELECT reltuples FROM pg_class WHERE oid = 'own'::regclass;
-- an empty table
TRUNCATE own;
ANALYZE own;
SELECT reltuples FROM pg_class WHERE oid = 'own'::regclass;

-- ANALYZE samples: 199500 rows in cold, warm and hot chunks (one day each),
-- 500 series, 399 timestamps
SET default_statistics_target = 100;
CREATE TABLE big (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO big SELECT '2024-01-01'::timestamptz + (j / 500) * interval '10 min', j % 500, j * 0.5
  FROM generate_series(0, 66499) j;
SELECT ztsdb.seal('big') > 0 AS sealed, ztsdb.compress('big') > 0 AS compressed;
INSERT INTO big SELECT '2024-01-02'::timestamptz + (j / 500) * interval '10 min', j % 500, j * 0.5
  FROM generate_series(0, 66499) j;
SELECT ztsdb.seal('big') > 0 AS sealed;
INSERT INTO big SELECT '2024-01-03'::timestamptz + (j / 500) * interval '10 min', j % 500, j * 0.5
  FROM generate_series(0, 66499) j;
SELECT DISTINCT tier FROM ztsdb.chunks('big') ORDER BY 1;
CREATE TEMP TABLE before AS SELECT value FROM ztsdb.stats() WHERE metric = 'analyze_rows_read';
ANALYZE big;
CREATE TEMP TABLE read AS
  SELECT s.value - b.value AS n FROM ztsdb.stats() s, before b WHERE s.metric = 'analyze_rows_read';
-- targrows = 300 x 100: a full reservoir from a fraction of the rows
SELECT n >= 30000 AS reservoir_full, n < (SELECT count(*) FROM big) / 4 AS read_a_sample FROM read;
SELECT abs(reltuples - (SELECT count(*) FROM big)) < 0.03 * (SELECT count(*) FROM big) AS reltuples_close
  FROM pg_class WHERE oid = 'big'::regclass;
SELECT attname, n_distinct, null_frac FROM pg_stats
 WHERE schemaname = 'tam_stats' AND tablename = 'big' AND attname IN ('series_id', 'ts') ORDER BY attname;
-- series_id: a histogram over 0 .. 499 with its middle near 250
SELECT array_length(b, 1) > 50 AS has_histogram, b[1] <= 10 AND b[array_upper(b, 1)] >= 489 AS spans_range,
       b[array_upper(b, 1) / 2 + 1] BETWEEN 200 AND 300 AS middle_near_250
  FROM (SELECT histogram_bounds::text::int[] AS b FROM pg_stats
         WHERE schemaname = 'tam_stats' AND tablename = 'big' AND attname = 'series_id') s;

-- a bigger statistics target asks for a bigger sample
ALTER TABLE big ALTER COLUMN value SET STATISTICS 200;
TRUNCATE before;
INSERT INTO before SELECT value FROM ztsdb.stats() WHERE metric = 'analyze_rows_read';
ANALYZE big;
SELECT s.value - b.value >= 60000 AS reservoir_full FROM ztsdb.stats() s, before b
 WHERE s.metric = 'analyze_rows_read';
ALTER TABLE big ALTER COLUMN value SET STATISTICS -1;

-- a hot chunk of 750 batches of 10 rows: a slice spans too many batches to
-- decide them all, so ANALYZE decides those of its picked rows and counts
-- each for 1/p rows (p = 3300 / 7500 here: an error of about 1.3%)
CREATE TABLE batches (LIKE big) USING ztsdb;
DO $$ BEGIN FOR i IN 0..749 LOOP
  INSERT INTO batches SELECT '2024-01-01'::timestamptz + (i * 10 + j) * interval '1 s', j, i
    FROM generate_series(0, 9) j;
END LOOP; END $$;
SELECT DISTINCT tier FROM ztsdb.chunks('batches') ORDER BY 1;
SET default_statistics_target = 10;
ANALYZE batches;
SET default_statistics_target = 100;
SELECT abs(reltuples - 7500) < 0.08 * 7500 AS reltuples_close FROM pg_class WHERE oid = 'batches'::regclass;

-- the planner joins with a small dimension table on a sensible estimate
CREATE TABLE dim (series_id int PRIMARY KEY, name text);
INSERT INTO dim SELECT i, 'series ' || i FROM generate_series(0, 49) i;
ANALYZE dim;
CREATE FUNCTION estimated_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
SELECT estimated_rows('SELECT * FROM big JOIN dim USING (series_id)')
         BETWEEN 0.8 * count(*) AND 1.2 * count(*) AS join_estimate_close
  FROM big JOIN dim USING (series_id);
EXPLAIN (COSTS OFF) SELECT d.name, sum(b.value) FROM big b JOIN dim d USING (series_id) GROUP BY d.name;

-- VACUUM ANALYZE; VACUUM FULL stays unsupported (tam_create)
VACUUM ANALYZE big;
SELECT abs(reltuples - (SELECT count(*) FROM big)) < 0.03 * (SELECT count(*) FROM big) AS reltuples_close
  FROM pg_class WHERE oid = 'big'::regclass;

RESET default_statistics_target;
DROP SCHEMA tam_stats CASCADE;
