-- query_partition: a partitioned table whose partitions are ztsdb tables
-- gets ZtsdbScan (with time and series pushdown) on each partition that
-- survives pruning, at plan time and at run time (generic plans); answers
-- equal those of a heap copy.  Partitions may declare their series column.
-- Under full partitionwise aggregation each partition gets ZtsdbAgg.
CREATE SCHEMA query_partition;
SET search_path = query_partition;
CREATE TABLE p (ts timestamptz NOT NULL, host int NOT NULL, series_id int NOT NULL, value float8)
  PARTITION BY RANGE (ts);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2024-01-02')
  USING ztsdb WITH (ztsdb.series = 'series_id');
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM ('2024-01-02') TO ('2024-01-03')
  USING ztsdb WITH (ztsdb.series = 'series_id');
CREATE TABLE p3 PARTITION OF p FOR VALUES FROM ('2024-01-03') TO ('2024-01-04')
  USING ztsdb WITH (ztsdb.series = 'series_id');
CREATE TABLE h (LIKE p);
INSERT INTO p SELECT '2024-01-01'::timestamptz + i * interval '30 s', i % 4, i % 10, i
  FROM generate_series(0, 3 * 2880 - 1) i;
INSERT INTO h SELECT * FROM p;
-- p1 sealed and compressed, p2 sealed, p3 hot
SELECT ztsdb.seal('p1') > 0 AS sealed, ztsdb.compress('p1') > 0 AS compressed,
       ztsdb.seal('p2') > 0 AS sealed;

-- same(q) runs q against p and against h (the text "TBL" replaced) and compares
CREATE FUNCTION same(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', replace(q, 'TBL', 'p')) INTO a;
  EXECUTE format('SELECT array_agg(x::text ORDER BY x::text) FROM (%s) x', replace(q, 'TBL', 'h')) INTO b;
  RETURN CASE WHEN a IS NOT DISTINCT FROM b THEN 'same (' || coalesce(cardinality(a), 0) || ' rows)'
              ELSE 'DIFFERENT' END;
END $$;

-- every partition scanned: each gets ZtsdbScan with the series pushed
EXPLAIN (COSTS OFF) SELECT * FROM p WHERE series_id = 3;
SELECT same($$SELECT * FROM TBL WHERE series_id = 3$$);
-- plan-time pruning keeps only the partitions the time range touches
EXPLAIN (COSTS OFF) SELECT * FROM p WHERE ts >= '2024-01-02 12:00' AND series_id IN (1, 2);
SELECT same($$SELECT * FROM TBL WHERE ts >= '2024-01-02 12:00' AND series_id IN (1, 2)$$);
EXPLAIN (COSTS OFF) SELECT * FROM p WHERE ts >= '2024-01-01 06:00' AND ts < '2024-01-01 07:00';
SELECT same($$SELECT * FROM TBL WHERE ts >= '2024-01-01 06:00' AND ts < '2024-01-01 07:00'$$);
-- host is not the series column of the partitions: not pushed
EXPLAIN (COSTS OFF) SELECT * FROM p WHERE host = 1 AND ts < '2024-01-01 01:00';
SELECT same($$SELECT * FROM TBL WHERE host = 1 AND ts < '2024-01-01 01:00'$$);
-- no clause at all: plain scans
EXPLAIN (COSTS OFF) SELECT count(*) FROM p;
SELECT same($$SELECT count(*), sum(value) FROM TBL$$);
-- aggregates over the parent
SELECT same($$SELECT series_id, count(*), sum(value), min(ts), max(ts) FROM TBL
              WHERE ts >= '2024-01-01 12:00' AND ts < '2024-01-03 12:00' GROUP BY series_id$$);
-- run-time pruning with a generic plan: parameters pushed per partition
SET plan_cache_mode = force_generic_plan;
PREPARE q(timestamptz, int) AS SELECT count(*), sum(value) FROM p WHERE ts >= $1 AND series_id = $2;
EXPLAIN (COSTS OFF) EXECUTE q('2024-01-02 23:00', 5);
EXECUTE q('2024-01-02 23:00', 5);
SELECT count(*), sum(value) FROM h WHERE ts >= '2024-01-02 23:00' AND series_id = 5;
EXECUTE q('2024-01-01 00:00', 7);
SELECT count(*), sum(value) FROM h WHERE ts >= '2024-01-01 00:00' AND series_id = 7;
DEALLOCATE q;
RESET plan_cache_mode;
-- a join through the parent
SELECT same($$SELECT a.ts, a.value, b.value FROM TBL a JOIN TBL b ON a.ts = b.ts
              WHERE a.series_id = 2 AND b.series_id = 2 AND a.ts < '2024-01-01 02:00'$$);
-- full partitionwise aggregation (partitions by series, grouped by
-- series): each partition's groups come from its own ZtsdbAgg
CREATE TABLE ps (ts timestamptz NOT NULL, host int NOT NULL, series_id int NOT NULL, value float8)
  PARTITION BY LIST (series_id);
CREATE TABLE ps1 PARTITION OF ps FOR VALUES IN (0, 1, 2, 3, 4)
  USING ztsdb WITH (ztsdb.series = 'series_id');
CREATE TABLE ps2 PARTITION OF ps FOR VALUES IN (5, 6, 7, 8, 9)
  USING ztsdb WITH (ztsdb.series = 'series_id');
INSERT INTO ps SELECT * FROM h;
SELECT ztsdb.seal('ps1') > 0 AS sealed;
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF)
SELECT series_id, count(*), sum(value), min(ts) FROM ps WHERE ts < '2024-01-02 12:00' GROUP BY series_id;
SELECT series_id, count(*), sum(value), min(ts) FROM ps WHERE ts < '2024-01-02 12:00' GROUP BY series_id
 ORDER BY series_id;
SELECT series_id, count(*), sum(value), min(ts) FROM h WHERE ts < '2024-01-02 12:00' GROUP BY series_id
 ORDER BY series_id;
EXPLAIN (COSTS OFF)
SELECT series_id, date_bin('1 hour', ts, '2024-01-01'), avg(value), max(value) FROM ps
 WHERE series_id IN (2, 7) GROUP BY 1, 2;
SELECT (SELECT array_agg(x ORDER BY x) FROM
          (SELECT (series_id, date_bin('1 hour', ts, '2024-01-01'), avg(value), max(value))::text AS x
             FROM ps WHERE series_id IN (2, 7) GROUP BY series_id, date_bin('1 hour', ts, '2024-01-01')) a) =
       (SELECT array_agg(x ORDER BY x) FROM
          (SELECT (series_id, date_bin('1 hour', ts, '2024-01-01'), avg(value), max(value))::text AS x
             FROM h WHERE series_id IN (2, 7) GROUP BY series_id, date_bin('1 hour', ts, '2024-01-01')) b) AS same_buckets;
-- grouped by something else than the partition key: no full partitionwise
-- aggregation, PostgreSQL's Agg over the partitions' scans
EXPLAIN (COSTS OFF)
SELECT host, count(*) FROM ps WHERE ts < '2024-01-02 12:00' GROUP BY host;
RESET enable_partitionwise_aggregate;
EXPLAIN (COSTS OFF)
SELECT series_id, count(*) FROM ps WHERE ts < '2024-01-02 12:00' GROUP BY series_id;

-- renaming the column through the parent renames it in every partition,
-- and their declared series follows
ALTER TABLE p RENAME COLUMN series_id TO sid;
SELECT c.relname, l.* FROM pg_class c, ztsdb.table_layout(c.oid) l
 WHERE c.relname IN ('p1', 'p2', 'p3') AND c.relnamespace = 'query_partition'::regnamespace
 ORDER BY c.relname;
EXPLAIN (COSTS OFF) SELECT * FROM p WHERE sid = 3 AND ts >= '2024-01-03';
SELECT count(*), sum(value) FROM p WHERE sid = 3;
SELECT count(*), sum(value) FROM h WHERE series_id = 3;

RESET search_path;
DROP SCHEMA query_partition CASCADE;
