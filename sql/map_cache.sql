-- map_cache: a backend keeps chunk files mapped across queries (the file
-- cache of storage_read.h); after seal, compress, drop_chunks and DROP
-- TABLE the same session reads the new state, never a stale file, and
-- mappings of files that left the manifest are released (ztsdb.stats()
-- cached_files / cached_bytes of this backend).
CREATE SCHEMA map_cache;
SET search_path = map_cache;

CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (LIKE z);
-- three UTC days: three chunk windows (ztsdb.chunk_time_interval = 1 day)
INSERT INTO z SELECT '2020-01-01 00:00:00+00'::timestamptz + i * interval '1 minute', i % 7, i / 4.0
  FROM generate_series(0, 3 * 1440 - 1) i;
INSERT INTO h SELECT * FROM z;

-- same: z and h agree on count, sum and per-series sums
CREATE FUNCTION same() RETURNS bool LANGUAGE sql AS $f$
  SELECT (SELECT count(*) FROM z) = (SELECT count(*) FROM h)
     AND (SELECT sum(value) FROM z) IS NOT DISTINCT FROM (SELECT sum(value) FROM h)
     AND NOT EXISTS ((SELECT series_id, count(*), sum(value) FROM z GROUP BY 1
                      EXCEPT ALL SELECT series_id, count(*), sum(value) FROM h GROUP BY 1)
                     UNION ALL
                     (SELECT series_id, count(*), sum(value) FROM h GROUP BY 1
                      EXCEPT ALL SELECT series_id, count(*), sum(value) FROM z GROUP BY 1))
$f$;
-- cache: this backend's cached files against the table's chunk files
CREATE FUNCTION cache(tbl regclass, OUT files float8, OUT chunk_files bigint,
                      OUT bytes_match bool) LANGUAGE sql AS $f$
  SELECT (SELECT value FROM ztsdb.stats() WHERE metric = 'cached_files'),
         (SELECT count(*) FROM ztsdb.chunks(tbl) WHERE tier <> 'hot'),
         (SELECT value FROM ztsdb.stats() WHERE metric = 'cached_bytes') =
         (SELECT coalesce(sum(bytes), 0) FROM ztsdb.chunks(tbl) WHERE tier <> 'hot')
$f$;

SELECT same(), count(*), sum(value) FROM z;
SELECT * FROM cache('z');

-- hot -> warm: three files, mapped by the next query and kept
SELECT ztsdb.seal('z');
SELECT same(), count(*), sum(value) FROM z;
SELECT * FROM cache('z');
SELECT count(*), sum(value) FROM z WHERE series_id = 3;
SELECT * FROM cache('z');

-- more rows, sealed: a fourth file in a window that has one already
INSERT INTO z SELECT '2020-01-02 00:00:00+00'::timestamptz + i * interval '1 minute' + interval '30 s', 8, i
  FROM generate_series(0, 99) i;
INSERT INTO h SELECT '2020-01-02 00:00:00+00'::timestamptz + i * interval '1 minute' + interval '30 s', 8, i
  FROM generate_series(0, 99) i;
SELECT same(), count(*), sum(value) FROM z;
SELECT ztsdb.seal('z');
SELECT same(), count(*), sum(value) FROM z;
SELECT * FROM cache('z');

-- warm -> cold: the warm files leave the manifest, their mappings go
SELECT ztsdb.compress('z');
SELECT tier, count(*) FROM ztsdb.chunks('z') GROUP BY 1 ORDER BY 1;
SELECT same(), count(*), sum(value) FROM z;
SELECT * FROM cache('z');

-- drop_chunks: the dropped file's mapping is released
SELECT ztsdb.drop_chunks('z', now() - '2020-01-02 00:00:00+00');
DELETE FROM h WHERE ts < '2020-01-02 00:00:00+00';
SELECT same(), count(*), sum(value) FROM z;
SELECT * FROM cache('z');
SELECT ztsdb.drop_chunks('z', now() - '2020-01-03 00:00:00+00');
DELETE FROM h WHERE ts < '2020-01-03 00:00:00+00';
SELECT same(), count(*), sum(value) FROM z;
SELECT * FROM cache('z');

-- gone(dir): wait (bounded) until the writer removed a table's directory;
-- a table's files go once its DROP or TRUNCATE commits, in the background
CREATE FUNCTION gone(dir text) RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN
  FOR i IN 1 .. 300 LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_ls_dir(split_part(dir, '/', 1) || '/' || split_part(dir, '/', 2)) f
                    WHERE f = split_part(dir, '/', 3)) THEN
      RETURN true;
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
  RETURN false;
END $f$;

-- DROP TABLE: the next query of another table releases z's mappings
CREATE TABLE w (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO w VALUES ('2020-01-01', 1, 1), ('2020-01-01 00:00:01', 2, 2);
SELECT ztsdb.seal('w');
SELECT count(*), sum(value) FROM w;
SELECT count(*), sum(value) FROM z;
SELECT value AS cached_files FROM ztsdb.stats() WHERE metric = 'cached_files';
SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('z')) AS zdir
  FROM pg_database d WHERE datname = current_database() \gset
DROP TABLE z;
SELECT gone(:'zdir');
SELECT count(*), sum(value) FROM w;
SELECT * FROM cache('w');

-- TRUNCATE gives the table new storage: the old files go, new ones read
SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('w')) AS wdir
  FROM pg_database d WHERE datname = current_database() \gset
INSERT INTO w VALUES ('2020-01-05', 3, 30);
TRUNCATE w;
INSERT INTO w VALUES ('2020-01-06', 4, 40);
SELECT ztsdb.seal('w');
SELECT gone(:'wdir');
SELECT count(*), sum(value) FROM w;
SELECT * FROM cache('w');

DROP SCHEMA map_cache CASCADE;
