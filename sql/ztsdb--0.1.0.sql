-- ztsdb 0.1.0: the table access method and its SQL API.
\echo Use "CREATE EXTENSION ztsdb" to load this file. \quit

CREATE FUNCTION ztsdb.tableam_handler(internal)
RETURNS table_am_handler
AS 'MODULE_PATHNAME', 'ztsdb_tableam_handler'
LANGUAGE C STRICT;

CREATE ACCESS METHOD ztsdb TYPE TABLE HANDLER ztsdb.tableam_handler;
COMMENT ON ACCESS METHOD ztsdb IS 'time-series storage: hot chunks in memory, warm and cold chunk files';

CREATE FUNCTION ztsdb.stats(OUT metric text, OUT value float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ztsdb_stats'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION ztsdb.stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'ztsdb_stats_reset'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION ztsdb.chunks(tbl regclass,
	OUT chunk_id bigint, OUT tier text, OUT min_time timestamptz, OUT max_time timestamptz,
	OUT rows bigint, OUT bytes bigint, OUT compression_ratio float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ztsdb_chunks'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Shared memory held by a table's hot chunks (whole chunks).
CREATE FUNCTION ztsdb.hot_memory_bytes(tbl regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ztsdb_hot_memory_bytes'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION ztsdb.seal(tbl regclass)
RETURNS integer
AS 'MODULE_PATHNAME', 'ztsdb_seal'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION ztsdb.compress(tbl regclass, older_than interval DEFAULT '0')
RETURNS integer
AS 'MODULE_PATHNAME', 'ztsdb_compress'
LANGUAGE C STRICT VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Not STRICT: NULL arguments are refused rather than do nothing quietly.
CREATE FUNCTION ztsdb.drop_chunks(tbl regclass, older_than interval)
RETURNS integer
AS 'MODULE_PATHNAME', 'ztsdb_drop_chunks'
LANGUAGE C CALLED ON NULL INPUT VOLATILE
SET search_path = pg_catalog, pg_temp;

-- One series' (time, value) rows in time order; the series column is the
-- table's (ztsdb.table_layout), the value column the one named, by default
-- the first real/double precision column.
CREATE FUNCTION ztsdb.range(tbl regclass, series bigint, "from" timestamptz, "to" timestamptz,
	value_column name DEFAULT NULL, OUT ts timestamptz, OUT value float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ztsdb_range'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
-- The same for a table whose series column is text or varchar.
CREATE FUNCTION ztsdb.range(tbl regclass, series text, "from" timestamptz, "to" timestamptz,
	value_column name DEFAULT NULL, OUT ts timestamptz, OUT value float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ztsdb_range'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- The time and series columns a ztsdb table uses, and whether each was
-- declared (WITH (ztsdb.time = ..., ztsdb.series = ...)) or guessed.
CREATE FUNCTION ztsdb.table_layout(tbl regclass)
RETURNS TABLE(time_column name, series_column name, time_declared boolean, series_declared boolean)
AS 'MODULE_PATHNAME', 'ztsdb_table_layout'
LANGUAGE C STRICT STABLE
SET search_path = pg_catalog, pg_temp;

-- Per-table rows and bytes per tier, for the tables the caller may read.
-- bytes_hot: bytes of the rows in hot chunks; hot_memory_bytes: the shared
-- memory those chunks hold; bytes_warm + bytes_cold: the chunk files, what
-- pg_relation_size() reports; total_bytes: memory and files together.  The
-- sidecar WAL is shared by all tables: wal_disk_bytes in ztsdb.stats().
CREATE VIEW ztsdb.stat_tables AS
SELECT t.*, t.hot_memory_bytes + t.bytes_warm + t.bytes_cold AS total_bytes
  FROM (
SELECT c.oid::regclass AS table_name,
       count(*) FILTER (WHERE ch.tier = 'hot') AS chunks_hot,
       count(*) FILTER (WHERE ch.tier = 'warm') AS chunks_warm,
       count(*) FILTER (WHERE ch.tier = 'cold') AS chunks_cold,
       coalesce(sum(ch.rows) FILTER (WHERE ch.tier = 'hot'), 0) AS rows_hot,
       coalesce(sum(ch.rows) FILTER (WHERE ch.tier = 'warm'), 0) AS rows_warm,
       coalesce(sum(ch.rows) FILTER (WHERE ch.tier = 'cold'), 0) AS rows_cold,
       coalesce(sum(ch.bytes) FILTER (WHERE ch.tier = 'hot'), 0) AS bytes_hot,
       coalesce(sum(ch.bytes) FILTER (WHERE ch.tier = 'warm'), 0) AS bytes_warm,
       coalesce(sum(ch.bytes) FILTER (WHERE ch.tier = 'cold'), 0) AS bytes_cold,
       ztsdb.hot_memory_bytes(c.oid) AS hot_memory_bytes
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_am a ON a.oid = c.relam AND a.amname = 'ztsdb'
  LEFT JOIN LATERAL ztsdb.chunks(c.oid) ch ON true
 WHERE c.relkind = 'r' AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
 GROUP BY c.oid) t;
GRANT SELECT ON ztsdb.stat_tables TO PUBLIC;

-- Everyone may call the functions; each checks the table privilege it
-- needs (SELECT for range/chunks, ownership for seal/compress/drop_chunks).
GRANT USAGE ON SCHEMA ztsdb TO PUBLIC;
-- Server-wide statistics are for monitoring roles.
REVOKE ALL ON FUNCTION ztsdb.stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ztsdb.stats() TO pg_monitor;
REVOKE ALL ON FUNCTION ztsdb.stats_reset() FROM PUBLIC;

-- Dictionaries of text and varchar columns (src/tam/tam_dict.cpp): each
-- distinct string of a column gets a code, which chunks store instead of
-- the string.  Written in the inserting transaction by the extension
-- itself (as the bootstrap superuser); users need no rights on it.  Codes
-- come from one sequence and are never reused.  The hash index serves
-- lookups of strings of any length (a btree entry would be limited to a
-- third of a page); uniqueness of values is kept by the writers' lock.
CREATE SCHEMA ztsdb_internal;
REVOKE ALL ON SCHEMA ztsdb_internal FROM PUBLIC;
CREATE SEQUENCE ztsdb_internal.dictionary_code_seq AS integer MINVALUE 1;
CREATE TABLE ztsdb_internal.dictionary (
	relid oid NOT NULL,
	attnum int2 NOT NULL,
	code int4 NOT NULL,
	value text COLLATE "C" NOT NULL,
	PRIMARY KEY (relid, attnum, code)
);
CREATE INDEX dictionary_value ON ztsdb_internal.dictionary USING hash (value);

-- A dropped table's dictionary goes with it (in the dropping transaction).
CREATE FUNCTION ztsdb_internal.drop_dictionaries() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF pg_catalog.to_regclass('ztsdb_internal.dictionary') IS NULL THEN
    RETURN;   -- the extension itself is being dropped
  END IF;
  DELETE FROM ztsdb_internal.dictionary d
   USING pg_catalog.pg_event_trigger_dropped_objects() o
   WHERE o.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND o.objsubid = 0
     AND o.object_type = 'table' AND d.relid = o.objid;
END
$$;
CREATE EVENT TRIGGER ztsdb_drop_dictionaries ON sql_drop
  EXECUTE FUNCTION ztsdb_internal.drop_dictionaries();
