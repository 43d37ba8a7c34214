-- text_columns: text and varchar columns of a ztsdb table are stored
-- dictionary-encoded (ztsdb_internal.dictionary) and read back bit-exact:
-- NULLs, empty strings, non-ASCII, long (TOASTed) input, via INSERT and
-- COPY, in hot, warm (ztsdb.seal) and cold (ztsdb.compress) chunks, equal
-- to a heap copy of the same rows; a text column can be the declared series
-- column; WHERE tag = const, IN, GROUP BY, ORDER BY, DISTINCT ON give the
-- heap's answers; varchar(n) keeps its length check; rolled-back strings
-- leave no trace; ztsdb.range() takes a text series.
CREATE SCHEMA text_columns;
SET search_path = text_columns;

-- a TSBS-like cpu table: three tags, ten metrics, hostname the series
CREATE TABLE cpu (ts timestamptz NOT NULL, hostname text, region varchar(12), service text,
  usage_user float8, usage_system float8, usage_idle float8, usage_nice float8,
  usage_iowait float8, usage_irq float8, usage_softirq float8, usage_steal float8,
  usage_guest float8, usage_guest_nice float8)
  USING ztsdb WITH (ztsdb.series = 'hostname');
SELECT * FROM ztsdb.table_layout('cpu');
CREATE TABLE cpu_heap (LIKE cpu);

-- the rows go to the heap first, so that long tags reach ztsdb TOASTed
INSERT INTO cpu_heap
SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '10 s',
       CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN '' ELSE 'host_' || (i % 7) END,
       (ARRAY['eu-west-1', 'us-east-1', NULL, 'zürich-東京', ''])[1 + i % 5],
       CASE WHEN i % 17 = 0 THEN (SELECT string_agg(md5((i + k)::text), '') FROM generate_series(1, 100) k)
            ELSE 'svc' || (i % 3) END,
       i % 100, i % 7 * 1.5, 100 - i % 100, 0, i % 5, 0.25, i % 3, 0, -1.5, i
  FROM generate_series(1, 2000) i;
SELECT count(*) AS long_tags, min(length(service)) AS len FROM cpu_heap WHERE length(service) > 2000;
SELECT pg_relation_size(reltoastrelid) > 0 AS toasted FROM pg_class WHERE oid = 'cpu_heap'::regclass;
INSERT INTO cpu SELECT * FROM cpu_heap;

-- COPY, into both
COPY cpu FROM stdin;
2024-01-02 00:00:00+00	host_copy	eu-west-1	svc\ttab	1	2	3	4	5	6	7	8	9	10
2024-01-02 00:00:10+00	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
2024-01-02 00:00:20+00	host_ü		line\nbreak	1.5	\N	\N	\N	\N	\N	\N	\N	\N	\N
\.
COPY cpu_heap FROM stdin;
2024-01-02 00:00:00+00	host_copy	eu-west-1	svc\ttab	1	2	3	4	5	6	7	8	9	10
2024-01-02 00:00:10+00	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N	\N
2024-01-02 00:00:20+00	host_ü		line\nbreak	1.5	\N	\N	\N	\N	\N	\N	\N	\N	\N
\.

-- varchar(n) is checked before the table sees the row
INSERT INTO cpu (ts, region) VALUES ('2024-01-03', 'a-region-too-long');
-- a rolled-back string: neither its rows nor its dictionary entry stay
BEGIN;
INSERT INTO cpu (ts, hostname) VALUES ('2024-01-03', 'host_rolled_back');
SELECT count(*) FROM cpu WHERE hostname = 'host_rolled_back';
ROLLBACK;
BEGIN;
SAVEPOINT s;
INSERT INTO cpu (ts, hostname) VALUES ('2024-01-03', 'host_savepoint');
ROLLBACK TO SAVEPOINT s;
INSERT INTO cpu (ts, hostname) VALUES ('2024-01-03', 'host_savepoint');
COMMIT;
INSERT INTO cpu_heap (ts, hostname) VALUES ('2024-01-03', 'host_savepoint');
SELECT count(*) FROM cpu WHERE hostname IN ('host_rolled_back', 'host_savepoint');
SELECT d.value FROM ztsdb_internal.dictionary d
 WHERE d.relid = 'cpu'::regclass AND d.value LIKE 'host_%' ORDER BY d.value COLLATE "C";

-- the same answers as the heap, run on hot, then warm, then cold chunks
CREATE FUNCTION check_answers(chunks text) RETURNS TABLE (tier text, query text, ok boolean)
LANGUAGE plpgsql AS $$
DECLARE
  q text;
  n_diff bigint;
  queries text[] := ARRAY[
    'SELECT * FROM %s',
    'SELECT * FROM %s WHERE hostname = ''host_3''',
    'SELECT * FROM %s WHERE hostname IN (''host_1'', ''host_ü'', ''no_such_host'')',
    'SELECT * FROM %s WHERE hostname = ''''',
    'SELECT * FROM %s WHERE hostname IS NULL',
    'SELECT * FROM %s WHERE region = ''zürich-東京'' AND ts >= ''2024-01-01 02:00+00''',
    'SELECT * FROM %s WHERE service LIKE ''svc%%'' AND hostname <> ''host_2''',
    'SELECT hostname, count(*), sum(usage_user), max(region) FROM %s GROUP BY hostname',
    'SELECT region, service, count(*) FROM %s GROUP BY region, service',
    'SELECT DISTINCT ON (hostname) hostname, ts, usage_user FROM %s ORDER BY hostname, ts DESC',
    'SELECT length(service), md5(service) FROM %s',
    'SELECT date_trunc(''hour'', ts), count(*), avg(usage_user), max(usage_idle) FROM %s GROUP BY 1',
    'SELECT * FROM (SELECT * FROM %s WHERE ts < ''2024-01-02'' ORDER BY ts DESC LIMIT 7) s',
    'SELECT hostname, count(*), sum(usage_user), max(usage_idle), avg(usage_system) FROM %s GROUP BY hostname',
    'SELECT hostname, date_trunc(''hour'', ts), count(usage_steal), min(ts) FROM %s GROUP BY 1, 2',
    'SELECT date_trunc(''minute'', ts), max(usage_user) FROM %s WHERE hostname = ''host_3'' AND ts >= ''2024-01-01 01:00+00'' GROUP BY 1',
    'SELECT hostname, date_trunc(''hour'', ts), avg(usage_user), count(*) FROM %s WHERE hostname IN (''host_1'', ''host_ü'', ''no_such_host'') GROUP BY 1, 2',
    'SELECT count(*), max(usage_idle) FROM %s WHERE hostname = ''no_such_host'''];
BEGIN
  FOREACH q IN ARRAY queries LOOP
    EXECUTE format('SELECT count(*) FROM (((%s) EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL (%s))) d',
                   format(q, 'cpu'), format(q, 'cpu_heap'), format(q, 'cpu_heap'), format(q, 'cpu'))
      INTO n_diff;
    check_answers.tier := $1;
    check_answers.query := format(q, 'T');
    check_answers.ok := n_diff = 0;
    RETURN NEXT;
  END LOOP;
END $$;

SELECT count(*) FROM cpu;
SELECT * FROM check_answers('hot') ORDER BY query;
-- ORDER BY a text column sorts the decoded strings (codes follow first appearance)
SELECT hostname, count(*) FROM cpu GROUP BY hostname ORDER BY hostname COLLATE "C" NULLS FIRST;
SELECT DISTINCT ON (hostname) hostname, ts, usage_guest_nice FROM cpu
 ORDER BY hostname, ts DESC;
EXPLAIN (COSTS OFF) SELECT * FROM cpu WHERE hostname = 'host_3';
EXPLAIN (COSTS OFF) SELECT * FROM cpu WHERE hostname IN ('host_1', 'host_2') AND ts < '2024-01-02';
-- a nondeterministic collation makes 'A' = 'a': not pushed down
CREATE COLLATION nd (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXPLAIN (COSTS OFF) SELECT * FROM cpu WHERE hostname = 'HOST_3' COLLATE nd;
SELECT count(*) FROM cpu WHERE hostname = 'HOST_3' COLLATE nd;
-- pushed down: strings without a code find nothing, a prepared statement
-- looks its parameter up at each execution (also one added meanwhile)
SELECT count(*) FROM cpu WHERE hostname = 'no_such_host';
SELECT count(*) FROM cpu WHERE hostname IN ('no_such_host', 'host_5');
PREPARE by_host(text) AS SELECT count(*) FROM cpu WHERE hostname = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_host('host_4');
EXECUTE by_host('host_4');
EXECUTE by_host('host_prepared');
INSERT INTO cpu (ts, hostname) VALUES ('2024-01-03', 'host_prepared');
INSERT INTO cpu_heap (ts, hostname) VALUES ('2024-01-03', 'host_prepared');
EXECUTE by_host('host_prepared');
RESET plan_cache_mode;
DEALLOCATE by_host;
EXPLAIN (COSTS OFF) SELECT hostname, count(*) FROM cpu GROUP BY hostname;
-- the custom scans serve queries needing no text value but a grouped series
-- or a series in WHERE (pushed as codes), never others
EXPLAIN (COSTS OFF) SELECT date_trunc('hour', ts), avg(usage_user) FROM cpu GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT date_trunc('hour', ts), avg(usage_user) FROM cpu WHERE hostname = 'host_1' GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT * FROM cpu ORDER BY ts DESC LIMIT 3;
EXPLAIN (COSTS OFF) SELECT * FROM cpu WHERE hostname = 'host_1' ORDER BY ts DESC LIMIT 3;
SELECT * FROM cpu WHERE ts < '2024-01-02' ORDER BY ts DESC LIMIT 3;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (hostname) hostname, ts FROM cpu ORDER BY hostname, ts DESC;
-- ZtsdbAgg groups by the text series' codes and returns the strings; ORDER BY
-- sorts those strings, not the codes (the first code is host_1's)
EXPLAIN (COSTS OFF) SELECT hostname, max(usage_user) FROM cpu GROUP BY hostname ORDER BY hostname;
SELECT hostname, count(*), max(usage_user), min(usage_guest_nice) FROM cpu GROUP BY hostname ORDER BY hostname;
-- not under a nondeterministic collation of the column ('A' and 'a' one group)
CREATE TABLE ci (ts timestamptz NOT NULL, tag text COLLATE nd, v float8) USING ztsdb WITH (ztsdb.series = 'tag');
INSERT INTO ci VALUES ('2024-01-01', 'a', 1), ('2024-01-01', 'A', 2), ('2024-01-01', 'b', 3);
EXPLAIN (COSTS OFF) SELECT tag, sum(v) FROM ci GROUP BY tag;
SELECT tag COLLATE "C", s FROM (SELECT min(tag) AS tag, sum(v) AS s FROM ci GROUP BY tag) x ORDER BY 1;
DROP TABLE ci;

-- ANALYZE samples decoded strings
ANALYZE cpu;
SELECT attname, null_frac > 0 AS has_nulls, 'host_3' = ANY (most_common_vals::text::text[]) AS host_3_common
  FROM pg_stats WHERE schemaname = 'text_columns' AND tablename = 'cpu' AND attname = 'hostname';

SELECT ztsdb.seal('cpu') > 0 AS sealed;
SELECT * FROM check_answers('warm') ORDER BY query;
SELECT ztsdb.compress('cpu') > 0 AS compressed;
SELECT count(*) > 0 AS cold_chunks FROM ztsdb.chunks('cpu') WHERE tier = 'cold';
SELECT * FROM check_answers('cold') ORDER BY query;
SELECT hostname, count(*), min(ts), max(ts) FROM cpu GROUP BY hostname ORDER BY hostname NULLS FIRST;

-- ztsdb.range() by the text series; a string no row holds gives no rows
SELECT count(*), min(ts), max(ts), sum(value) FROM ztsdb.range('cpu', 'host_3', '2024-01-01 00:00+00', '2024-01-02 00:00+00');
SELECT count(*), sum(usage_user) FROM cpu_heap
 WHERE hostname = 'host_3' AND ts >= '2024-01-01 00:00+00' AND ts < '2024-01-02 00:00+00';
SELECT count(*) FROM ztsdb.range('cpu', 'no_such_host', '2024-01-01 00:00+00', '2024-01-02 00:00+00');
SELECT count(*) FROM ztsdb.range('cpu', 3, '2024-01-01 00:00+00', '2024-01-02 00:00+00');

-- lastpoint: DISTINCT ON (a NOT NULL text series) goes to ZtsdbLast, keyed by
-- code and returned in the strings' order (codes were given in another
-- order: zeta first), equal to the heap's, row for row and in order
CREATE TABLE lp (ts timestamptz NOT NULL, host text COLLATE "C" NOT NULL, v float8)
  USING ztsdb WITH (ztsdb.series = 'host');
CREATE TABLE lp_heap (LIKE lp);
INSERT INTO lp_heap SELECT '2024-01-01'::timestamptz + i * interval '1 min',
    (ARRAY['zeta', 'alpha', 'Mu', 'beta', 'ü-host', 'a'])[1 + i % 6], i
  FROM generate_series(0, 599) i;
INSERT INTO lp SELECT * FROM lp_heap ORDER BY ts;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (host) host, ts, v FROM lp ORDER BY host, ts DESC;
SELECT DISTINCT ON (host) host, ts, v FROM lp ORDER BY host, ts DESC;
CREATE FUNCTION lastpoint(tbl regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT string_agg(host || ''@'' || v, '','') FROM
                  (SELECT DISTINCT ON (host) host, ts, v FROM %s ORDER BY host, ts DESC) s', tbl) INTO r;
  RETURN r;
END $$;
SELECT lastpoint('lp') = lastpoint('lp_heap') AS same_hot;
SELECT ztsdb.seal('lp') > 0 AS sealed;
INSERT INTO lp VALUES ('2024-01-02', 'beta', -1), ('2024-01-02', 'new_host', -2);
INSERT INTO lp_heap VALUES ('2024-01-02', 'beta', -1), ('2024-01-02', 'new_host', -2);
SELECT lastpoint('lp') = lastpoint('lp_heap') AS same_warm_and_hot;
SELECT ztsdb.compress('lp') > 0 AS compressed;
SELECT lastpoint('lp') = lastpoint('lp_heap') AS same_cold_and_hot, lastpoint('lp');
-- in a linguistic collation's order too
CREATE TABLE lp2 (ts timestamptz NOT NULL, host text COLLATE "und-x-icu" NOT NULL, v float8)
  USING ztsdb WITH (ztsdb.series = 'host');
CREATE TABLE lp2_heap (LIKE lp2);
INSERT INTO lp2 SELECT * FROM lp_heap;
INSERT INTO lp2_heap SELECT * FROM lp_heap;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (host) host, ts, v FROM lp2 ORDER BY host, ts DESC;
SELECT lastpoint('lp2') = lastpoint('lp2_heap') AS same, lastpoint('lp2');
DROP FUNCTION lastpoint;
DROP TABLE lp, lp_heap, lp2, lp2_heap;

-- a text column is not a guessed series column; a declared varchar one works
CREATE TABLE g (ts timestamptz NOT NULL, tag text, v float8) USING ztsdb;
CREATE TABLE dv (ts timestamptz NOT NULL, tag varchar(8), n int, v float8) USING ztsdb
  WITH (ztsdb.series = 'tag');
SELECT * FROM ztsdb.table_layout('dv');
INSERT INTO dv SELECT '2024-01-01'::timestamptz + i * interval '1 min', 'd' || (i % 3), i, i FROM generate_series(1, 30) i;
SELECT tag, count(*), sum(v) FROM dv GROUP BY tag ORDER BY tag;
SELECT * FROM dv WHERE tag = 'd1' ORDER BY ts LIMIT 3;
EXPLAIN (COSTS OFF) SELECT * FROM dv WHERE tag = 'd1';

-- an unprivileged user can insert new strings without rights on the dictionary
CREATE ROLE text_columns_user;
GRANT USAGE ON SCHEMA text_columns TO text_columns_user;
GRANT SELECT, INSERT ON dv TO text_columns_user;
SET ROLE text_columns_user;
INSERT INTO dv VALUES ('2024-02-01', 'by_user', 1, 1);
SELECT * FROM dv WHERE tag = 'by_user';
SELECT count(*) FROM ztsdb_internal.dictionary;
RESET ROLE;

-- DROP TABLE takes the table's dictionary along, unless rolled back
SELECT count(*) > 0 AS has_codes FROM ztsdb_internal.dictionary WHERE relid = 'dv'::regclass;
CREATE TEMP TABLE dv_oid AS SELECT 'dv'::regclass::oid AS oid;
BEGIN;
DROP TABLE dv;
ROLLBACK;
SELECT count(*) AS codes FROM ztsdb_internal.dictionary WHERE relid = 'dv'::regclass;
SELECT tag, count(*) FROM dv GROUP BY tag ORDER BY tag;
DROP TABLE cpu, cpu_heap, g, dv;
SELECT count(*) AS orphan_codes FROM ztsdb_internal.dictionary
 WHERE relid NOT IN (SELECT oid FROM pg_class) OR relid IN (SELECT oid FROM dv_oid);
DROP FUNCTION check_answers;
DROP COLLATION nd;
DROP OWNED BY text_columns_user;
DROP ROLE text_columns_user;
DROP SCHEMA text_columns;
