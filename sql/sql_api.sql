-- sql_api: ztsdb.range() against plain SELECT, ztsdb.stats() counters
-- moving, privileges of every function, and DROP TABLE removing the
-- table's data directory.
CREATE SCHEMA sql_api;
SET search_path = sql_api;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO z SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 4,
                     CASE WHEN i % 50 = 0 THEN NULL ELSE i END
  FROM generate_series(0, 30000) i;

-- range() returns the series' rows in [from, to), in time order, from every tier
CREATE FUNCTION check_range(s bigint, f timestamptz, t timestamptz) RETURNS text
LANGUAGE sql AS $$
  SELECT CASE WHEN a IS NOT DISTINCT FROM b THEN 'same (' || coalesce(cardinality(a), 0) || ' rows)'
              ELSE 'DIFFERENT' END
  FROM (SELECT array_agg(row(ts, value)::text ORDER BY ts) AS a FROM ztsdb.range('sql_api.z', s, f, t)) x,
       (SELECT array_agg(row(ts, value)::text ORDER BY ts) AS b FROM sql_api.z
         WHERE series_id = s AND ts >= f AND ts < t) y
$$;
SELECT check_range(1, '2024-01-01', '2024-01-02');
SELECT check_range(2, '2024-01-01 01:00', '2024-01-01 02:00');
SELECT * FROM ztsdb.range('z', 3, '2024-01-01 00:00:30', '2024-01-01 00:02:00');
SELECT ztsdb.seal('z') > 0 AS sealed;
INSERT INTO z VALUES ('2024-01-01 00:01:00', 3, -1), ('2024-01-01 00:00:20', 3, -2);
SELECT * FROM ztsdb.range('z', 3, '2024-01-01 00:00:10', '2024-01-01 00:01:30');
SELECT check_range(1, '2024-01-01', '2024-01-05');
SELECT ztsdb.compress('z') > 0 AS compressed;
SELECT check_range(3, '2024-01-01', '2024-01-05');
SELECT check_range(0, '2024-01-01 12:00', '2024-01-01 12:30');
-- empty and absent
SELECT check_range(99, '2024-01-01', '2024-01-05');
SELECT check_range(1, '2024-01-01 10:00', '2024-01-01 10:00');
SELECT count(*) FROM ztsdb.range('z', 1, NULL, '2024-01-05');
-- own uncommitted rows, in the write buffer, are seen
BEGIN;
INSERT INTO z VALUES ('2024-01-01 00:00:05', 3, 7);
SELECT * FROM ztsdb.range('z', 3, '2024-01-01 00:00:00', '2024-01-01 00:00:25');
ROLLBACK;
SELECT * FROM ztsdb.range('z', 3, '2024-01-01 00:00:00', '2024-01-01 00:00:25');

-- stats move as rows and queries happen (counts, not timings)
CREATE TEMP TABLE s0 AS SELECT metric, value FROM ztsdb.stats();
INSERT INTO z SELECT '2024-02-01'::timestamptz + i * interval '1 s', 5, i FROM generate_series(1, 1234) i;
SELECT count(*) FROM z WHERE series_id = 5;
SELECT s.metric, s.value - s0.value AS delta
  FROM ztsdb.stats() s JOIN s0 USING (metric)
 WHERE s.metric IN ('rows_ingested', 'commits', 'queries') ORDER BY 1;
SELECT (SELECT value FROM ztsdb.stats() WHERE metric = 'wal_bytes') >
       (SELECT value FROM s0 WHERE metric = 'wal_bytes') AS wal_grew;
SELECT metric FROM ztsdb.stats() ORDER BY 1;
-- batching: one ring record per write-buffer flush, not per row (5000 rows,
-- a 1000-row buffer: 5 batch records, the last one also the commit marker)
SET ztsdb.write_buffer_capacity = 1000;
CREATE TEMP TABLE s1 AS SELECT metric, value FROM ztsdb.stats();
INSERT INTO z SELECT '2024-03-01'::timestamptz + i * interval '1 s', 6, i FROM generate_series(1, 5000) i;
SELECT s.metric, s.value - s1.value AS delta
  FROM ztsdb.stats() s JOIN s1 USING (metric)
 WHERE s.metric IN ('batches', 'commits', 'rows_ingested') ORDER BY 1;
-- one WAL write (one io_uring submission, or one pwrite group) per drain of the ring
SELECT (SELECT value FROM ztsdb.stats() WHERE metric = 'io_uring_submits') IN
       (0, (SELECT value FROM ztsdb.stats() WHERE metric = 'wal_writes')) AS one_submission_per_write;
RESET ztsdb.write_buffer_capacity;
-- rates count the last complete seconds; latencies are recorded (values vary)
SELECT pg_sleep(1.1);
SELECT value >= 123.4 AS writes_per_sec_counts FROM ztsdb.stats() WHERE metric = 'writes_per_sec';
SELECT value > 0 AS queries_per_sec_counts FROM ztsdb.stats() WHERE metric = 'queries_per_sec';
SELECT metric, value > 0 AS recorded FROM ztsdb.stats()
 WHERE metric LIKE '%latency%' ORDER BY 1;
SELECT ztsdb.stats_reset();
SELECT metric, value FROM ztsdb.stats()
 WHERE metric IN ('rows_ingested', 'commits', 'queries', 'commit_latency_p99_ms') ORDER BY 1;
SELECT (SELECT value FROM ztsdb.stats() WHERE metric = 'chunks_hot') =
       (SELECT count(*) FROM ztsdb.chunks('z') WHERE tier = 'hot') AS hot_gauge_survives_reset;
-- per-table view
SELECT table_name, chunks_hot + chunks_warm + chunks_cold > 0 AS has_chunks,
       rows_hot + rows_warm + rows_cold AS rows, (SELECT count(*) FROM z) AS counted
  FROM ztsdb.stat_tables WHERE table_name = 'sql_api.z'::regclass;

-- privileges
CREATE ROLE ztsdb_reader;
CREATE ROLE ztsdb_stranger;
GRANT USAGE ON SCHEMA sql_api TO ztsdb_reader, ztsdb_stranger;
GRANT SELECT ON z TO ztsdb_reader;
SET ROLE ztsdb_reader;
SELECT count(*) > 0 AS can_read FROM ztsdb.range('sql_api.z', 1, '2024-01-01', '2024-01-02');
SELECT ztsdb.seal('sql_api.z');
SELECT ztsdb.compress('sql_api.z');
SELECT ztsdb.drop_chunks('sql_api.z', '1 day');
RESET ROLE;
SET ROLE ztsdb_stranger;
SELECT count(*) FROM ztsdb.range('sql_api.z', 1, '2024-01-01', '2024-01-02');
SELECT count(*) FROM ztsdb.chunks('sql_api.z');
SELECT count(*) FROM sql_api.z;
RESET ROLE;
-- row-level security: range() refuses rather than bypass the policies
ALTER TABLE z ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_one ON z TO ztsdb_reader USING (series_id = 1);
SET ROLE ztsdb_reader;
SELECT count(*) FROM ztsdb.range('sql_api.z', 2, '2024-01-01', '2024-01-02');
SELECT DISTINCT series_id FROM sql_api.z;
RESET ROLE;
ALTER TABLE z DISABLE ROW LEVEL SECURITY;

-- DROP TABLE removes the data directory once the drop commits
CREATE TABLE d (ts timestamptz NOT NULL, v float8) USING ztsdb;
INSERT INTO d VALUES ('2024-01-01', 1);
SELECT ztsdb.seal('d');
SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('d')) AS ddir
  FROM pg_database d WHERE datname = current_database() \gset
SELECT count(*) > 0 AS files_exist FROM pg_ls_dir(:'ddir');
BEGIN;
DROP TABLE d;
ROLLBACK;
SELECT count(*) FROM d;
SELECT set_config('sql_api.ddir', :'ddir', false) IS NOT NULL AS remembered;
DROP TABLE d;
DO $$
BEGIN
  FOR i IN 1 .. 300 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_ls_dir('ztsdb/' || (SELECT oid FROM pg_database WHERE datname = current_database()))
                                  AS f WHERE f = split_part(current_setting('sql_api.ddir'), '/', 3));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT count(*) AS dir_left FROM pg_ls_dir('ztsdb/' || split_part(:'ddir', '/', 2)) f
 WHERE f = split_part(:'ddir', '/', 3);

-- TRUNCATE gives a new data directory; the old one goes when it commits
CREATE TABLE tr (ts timestamptz NOT NULL, v float8) USING ztsdb;
INSERT INTO tr VALUES ('2024-01-01', 1);
SELECT ztsdb.seal('tr');
SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('tr')) AS trdir
  FROM pg_database d WHERE datname = current_database() \gset
BEGIN;
TRUNCATE tr;
ROLLBACK;
SELECT pg_sleep(1.5);
SELECT count(*) > 0 AS old_files_kept_after_abort FROM pg_ls_dir(:'trdir');
SELECT count(*) FROM tr;
TRUNCATE tr;
SELECT set_config('sql_api.ddir', :'trdir', false) IS NOT NULL AS remembered;
DO $$
BEGIN
  FOR i IN 1 .. 300 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_ls_dir('ztsdb/' || (SELECT oid FROM pg_database WHERE datname = current_database()))
                                  AS f WHERE f = split_part(current_setting('sql_api.ddir'), '/', 3));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT count(*) AS old_dir_left FROM pg_ls_dir('ztsdb/' || split_part(:'trdir', '/', 2)) f
 WHERE f = split_part(:'trdir', '/', 3);
SELECT count(*) FROM tr;

DROP SCHEMA sql_api CASCADE;
DROP ROLE ztsdb_reader;
DROP ROLE ztsdb_stranger;
