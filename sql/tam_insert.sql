-- tam_insert: every way of writing rows (INSERT, multi-row INSERT,
-- INSERT ... SELECT, COPY) stores exactly what was written, special values
-- included, compared against a heap table holding the same rows.
CREATE SCHEMA tam_insert;
SET search_path = tam_insert;

CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8,
                f4 real, i2 smallint, i8 bigint, b bool, t timestamp) USING ztsdb;
CREATE TABLE h (LIKE z);

-- single-row and multi-row INSERT, with NULLs, NaN, infinities, -0.0,
-- denormals, integer extremes and microsecond timestamps
INSERT INTO z VALUES ('2024-01-01 00:00:00.000001+00', 1, 0.5, 1.25, 1, 1, true, '2024-01-01 00:00:00.000001');
INSERT INTO z VALUES
  ('2024-01-01 00:00:01+00', 1, 'NaN', 'NaN', -32768, -9223372036854775808, false, '-infinity'),
  ('2024-01-01 00:00:02+00', 2, 'Infinity', '-Infinity', 32767, 9223372036854775807, NULL, 'infinity'),
  ('2024-01-01 00:00:03+00', 2, '-Infinity', '-0', 0, 0, true, NULL),
  ('2024-01-01 00:00:04+00', 3, '-0', 1e-45, NULL, NULL, NULL, '2024-01-01'),
  ('2024-01-01 00:00:05+00', 3, 4.9e-324, 3.4028235e38, 7, 7, false, '4713-01-01 00:00:00 BC'),
  ('infinity', 4, NULL, NULL, NULL, NULL, NULL, NULL),
  ('-infinity', 4, 1.7976931348623157e308, NULL, NULL, NULL, NULL, NULL),
  ('1999-12-31 23:59:59.999999+00', -5, -1.5, -1.5, -1, -1, true, '1999-12-31 23:59:59.999999');
INSERT INTO h SELECT * FROM z;

SELECT count(*) FROM z;
-- bit-exact: compare text forms with extra_float_digits and the sign of zero
SET extra_float_digits = 3;
SELECT ts, value::text AS value_text, f4::text AS f4_text
  FROM z WHERE value = 0 OR f4 = 0 ORDER BY ts;
SELECT * FROM z ORDER BY ts, series_id;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);

-- INSERT ... SELECT of many rows (several write-buffer flushes)
INSERT INTO z SELECT '2024-02-01'::timestamptz + i * interval '1 second', i % 10, i * 0.25,
                     i, i % 100, i * 1000, i % 2 = 0, '2024-02-01'::timestamp + i * interval '1 ms'
  FROM generate_series(1, 5000) i;
INSERT INTO h SELECT * FROM z WHERE ts >= '2024-02-01' AND ts < '2024-03-01';
SELECT count(*), sum(value), min(ts), max(ts) FROM z WHERE ts >= '2024-02-01' AND ts < '2024-03-01';
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);

-- COPY FROM goes through multi_insert
COPY z FROM stdin;
2024-03-01 00:00:00+00	7	1.5	2.5	1	2	t	2024-03-01 00:00:00
2024-03-01 00:00:01+00	7	\N	\N	\N	\N	\N	\N
2024-03-01 00:00:02+00	8	NaN	-Infinity	3	4	f	2024-03-01 00:00:02
\.
COPY h FROM stdin;
2024-03-01 00:00:00+00	7	1.5	2.5	1	2	t	2024-03-01 00:00:00
2024-03-01 00:00:01+00	7	\N	\N	\N	\N	\N	\N
2024-03-01 00:00:02+00	8	NaN	-Infinity	3	4	f	2024-03-01 00:00:02
\.
SELECT * FROM z WHERE ts >= '2024-03-01' AND ts < '2024-04-01' ORDER BY ts;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);

-- the same rows, bit for bit, after sealing (warm) and compressing (cold)
SELECT ztsdb.seal('z') > 0 AS sealed;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);
SELECT ts, value::text AS value_text, f4::text AS f4_text
  FROM z WHERE value = 0 OR f4 = 0 ORDER BY ts;
SELECT ztsdb.compress('z') > 0 AS compressed;
SELECT DISTINCT tier FROM ztsdb.chunks('z');
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);
SELECT ts, value::text AS value_text, f4::text AS f4_text
  FROM z WHERE value = 0 OR f4 = 0 ORDER BY ts;
SELECT * FROM z WHERE ts < '2024-01-02' OR ts = 'infinity' ORDER BY ts, series_id;

-- ANALYZE counts every row, hot or not (it reads all of so small a table);
-- the planner's estimate is the true count
ANALYZE z;
SELECT reltuples FROM pg_class WHERE oid = 'z'::regclass;
INSERT INTO z VALUES ('2024-05-01', 1, 1, 1, 1, 1, true, '2024-05-01');
CREATE FUNCTION estimated_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
SELECT estimated_rows('SELECT * FROM z') AS estimate, (SELECT count(*) FROM z) AS actual;

-- the NOT NULL time column is enforced
INSERT INTO z (series_id, value) VALUES (1, 1);

-- a large COPY in one statement, more rows than the ring holds at once
CREATE TABLE big (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
BEGIN;
INSERT INTO big SELECT '2024-01-01'::timestamptz + i * interval '10 seconds', i % 100, i
  FROM generate_series(1, 200000) i;
-- the transaction streamed its rows to the writer: its own memory stays at
-- one write buffer, not 200000 rows (about 4.8 MB as plain columns)
SELECT sum(total_bytes) < 1024 * 1024 AS buffer_memory_bounded
  FROM pg_backend_memory_contexts WHERE name = 'TopTransactionContext';
COMMIT;
SELECT count(*), count(DISTINCT series_id), sum(value) FROM big;

DROP SCHEMA tam_insert CASCADE;
