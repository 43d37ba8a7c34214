-- tam_sizes: where a ztsdb table's bytes show.  pg_relation_size() counts
-- its chunk files (warm, cold); ztsdb.stat_tables adds hot_memory_bytes (the
-- shared memory of its hot chunks) and total_bytes (both); ztsdb.stats()
-- has hot_memory_bytes and wal_disk_bytes (the sidecar WAL, shared by all
-- tables).  Byte counts vary with the build, so only relations are checked.
CREATE SCHEMA tam_sizes;
SET search_path = tam_sizes;

SET client_min_messages = warning;  -- the layout NOTICE of CREATE TABLE, where there is one
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
RESET client_min_messages;
SELECT hot_memory_bytes, bytes_hot, total_bytes FROM ztsdb.stat_tables WHERE table_name = 'm'::regclass;

-- hot rows only: no file yet, but memory in use and WAL on disk
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '1 s', i % 10, i FROM generate_series(1, 5000) i;
SELECT chunks_hot > 0 AS has_hot, chunks_warm + chunks_cold AS files,
       hot_memory_bytes > 0 AS memory_counted,
       hot_memory_bytes >= bytes_hot AS memory_holds_rows,
       total_bytes = hot_memory_bytes AS total_is_memory,
       pg_relation_size('m') AS relation_size
  FROM ztsdb.stat_tables WHERE table_name = 'm'::regclass;
SELECT (SELECT value FROM ztsdb.stats() WHERE metric = 'wal_disk_bytes') > 0 AS wal_counted,
       (SELECT value FROM ztsdb.stats() WHERE metric = 'hot_memory_bytes') >=
       (SELECT sum(hot_memory_bytes) FROM ztsdb.stat_tables) AS server_memory_covers_tables,
       (SELECT sum(hot_memory_bytes) FROM ztsdb.stat_tables) > 0 AS tables_memory_counted;

-- sealed: the rows move to a file, counted by pg_relation_size; the memory goes
SELECT ztsdb.seal('m') > 0 AS sealed;
SELECT chunks_hot, chunks_warm > 0 AS has_warm, hot_memory_bytes,
       bytes_warm > 0 AS files_counted,
       pg_relation_size('m') = bytes_warm + bytes_cold AS relation_size_is_files,
       pg_total_relation_size('m') >= pg_relation_size('m') AS total_relation_size_ok,
       total_bytes = pg_relation_size('m') AS total_is_files
  FROM ztsdb.stat_tables WHERE table_name = 'm'::regclass;

-- new hot rows next to the file: total counts both
INSERT INTO m VALUES ('2024-01-02', 1, 1);
SELECT hot_memory_bytes > 0 AS memory_counted,
       total_bytes = pg_relation_size('m') + hot_memory_bytes AS total_is_both,
       total_bytes > pg_relation_size('m') AS total_above_files
  FROM ztsdb.stat_tables WHERE table_name = 'm'::regclass;

-- cold files count too
SELECT ztsdb.seal('m') > 0 AS sealed, ztsdb.compress('m') > 0 AS compressed;
SELECT chunks_cold > 0 AS has_cold, bytes_cold > 0 AS cold_counted,
       pg_relation_size('m') = bytes_warm + bytes_cold AS relation_size_is_files,
       total_bytes = pg_relation_size('m') + hot_memory_bytes AS total_is_both
  FROM ztsdb.stat_tables WHERE table_name = 'm'::regclass;

-- only ztsdb tables have hot memory
CREATE TABLE h (a int);
SELECT ztsdb.hot_memory_bytes('h');
SELECT ztsdb.hot_memory_bytes(NULL);

DROP SCHEMA tam_sizes CASCADE;
