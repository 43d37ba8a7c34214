-- tam_create: which tables CREATE TABLE ... USING ztsdb accepts, the errors
-- for the rest, and the errors for operations ztsdb does not support.
CREATE SCHEMA tam_create;
SET search_path = tam_create;

-- every supported type, NULLs allowed except in the time column
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8,
                f4 real, i2 smallint, i8 bigint, b bool, t timestamp) USING ztsdb;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'm'::regclass;
CREATE TABLE m2 (t timestamp NOT NULL, v float4) USING ztsdb;

-- unsupported types, named in the error
CREATE TABLE bad1 (ts timestamptz NOT NULL, name bytea) USING ztsdb;
CREATE TABLE bad2 (ts timestamptz NOT NULL, n interval) USING ztsdb;
-- no time column, or a time column that allows NULL
CREATE TABLE bad3 (series_id int, value float8) USING ztsdb;
CREATE TABLE bad4 (ts timestamptz, value float8) USING ztsdb;
CREATE TEMP TABLE bad5 (ts timestamptz NOT NULL) USING ztsdb;
CREATE UNLOGGED TABLE bad6 (ts timestamptz NOT NULL) USING ztsdb;
SELECT count(*) FROM pg_class WHERE relname LIKE 'bad%' AND relnamespace = 'tam_create'::regnamespace;

INSERT INTO m VALUES ('2024-01-01 00:00:00+00', 1, 1.5, 2.5, 3, 4, true, '2024-01-01 00:00:00');

-- row-level changes and indexes are refused with SQLSTATE 0A000 and a hint
CREATE FUNCTION try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; hint text;
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || ' HINT: ' || hint;
END $$;
SELECT try('UPDATE m SET value = 2');
SELECT try('DELETE FROM m');
SELECT try('WITH d AS (DELETE FROM m RETURNING *) SELECT count(*) FROM d');
SELECT try('SELECT * FROM m FOR UPDATE');
SELECT try('SELECT * FROM m FOR SHARE');
SELECT try('CREATE INDEX ON m (ts)');
SELECT try('ALTER TABLE m ADD COLUMN extra int');
SELECT try('ALTER TABLE m DROP COLUMN b');
SELECT try('ALTER TABLE m ALTER COLUMN value TYPE numeric');
SELECT try('ALTER TABLE m ALTER COLUMN ts DROP NOT NULL');
VACUUM FULL m;
-- without a unique index ON CONFLICT DO NOTHING just inserts, as for heap
INSERT INTO m VALUES ('2024-01-01', 1, 1) ON CONFLICT DO NOTHING;

-- harmless maintenance and renames work
VACUUM m;
ANALYZE m;
ALTER TABLE m RENAME COLUMN value TO val;
ALTER TABLE m RENAME TO metrics;
SELECT ts, series_id, val FROM metrics ORDER BY ts;

-- not a ztsdb table
CREATE TABLE plain (ts timestamptz NOT NULL);
SELECT ztsdb.seal('plain');

-- logical replication: ztsdb rows are not in PostgreSQL's WAL, so a
-- publication naming a ztsdb table is refused (heap tables still work)
CREATE TABLE zpub (ts timestamptz NOT NULL, v float8) USING ztsdb;
CREATE TABLE hpub (id int PRIMARY KEY);
CREATE PUBLICATION p1 FOR TABLE zpub;
CREATE PUBLICATION p1 FOR TABLE hpub;
ALTER PUBLICATION p1 ADD TABLE zpub;
SELECT pubname, tablename FROM pg_publication_tables ORDER BY 1, 2;
DROP PUBLICATION p1;
DROP TABLE zpub, hpub;

DROP SCHEMA tam_create CASCADE;

