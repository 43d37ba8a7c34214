-- tam_tiers: rows read back the same from every tier (hot, warm, cold),
-- ztsdb.seal/compress/drop_chunks move and remove whole chunks, and
-- pg_relation_size reports the bytes of the chunk files.
CREATE SCHEMA tam_tiers;
SET search_path = tam_tiers;

CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8,
                f4 real, i2 smallint, i8 bigint, b bool) USING ztsdb;
CREATE TABLE h (LIKE z);
-- three days of data: three chunk windows (ztsdb.chunk_time_interval = 1 day)
INSERT INTO z SELECT '2020-01-01'::timestamptz + i * interval '1 minute', i % 7,
                     CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN 'NaN' ELSE i / 4.0 END,
                     i % 5, (i % 3)::int2, i::int8 * 1000003, CASE WHEN i % 17 = 0 THEN NULL ELSE i % 2 = 0 END
  FROM generate_series(0, 3 * 1440 - 1) i;
INSERT INTO z VALUES ('2020-01-02 12:00:00+00', 3, '-0', '-0', NULL, NULL, NULL),
                     ('2020-01-02 12:00:00+00', 3, 'Infinity', '-Infinity', 0, -9223372036854775808, true);
INSERT INTO h SELECT * FROM z;

SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
SELECT pg_relation_size('z') AS hot_only_size;

-- hot -> warm
SELECT ztsdb.seal('z');
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
SELECT min_time, max_time, rows FROM ztsdb.chunks('z') ORDER BY min_time;
SELECT pg_relation_size('z') = (SELECT sum(bytes) FROM ztsdb.chunks('z')) AS size_matches,
       pg_total_relation_size('z') >= pg_relation_size('z') AS total_ok,
       pg_relation_size('z') > 0 AS nonzero;
SELECT count(*) FROM z;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);

-- new rows go to hot chunks again; a scan reads both tiers
INSERT INTO z VALUES ('2020-01-02 06:00:00+00', 9, 42, 42, 42, 42, true);
INSERT INTO h VALUES ('2020-01-02 06:00:00+00', 9, 42, 42, 42, 42, true);
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);

-- warm -> cold: everything (default older_than '0')
SELECT ztsdb.seal('z');
SELECT ztsdb.compress('z');
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
-- the two warm chunks of 2020-01-02 became one cold chunk (one per window)
SELECT tier, min_time, max_time, rows FROM ztsdb.chunks('z') ORDER BY min_time;
SELECT bool_and(compression_ratio > 1) AS compressed FROM ztsdb.chunks('z') WHERE rows > 100;
SELECT pg_relation_size('z') = (SELECT sum(bytes) FROM ztsdb.chunks('z')) AS size_matches;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);
SET extra_float_digits = 3;
SELECT * FROM z WHERE ts = '2020-01-02 12:00:00+00' ORDER BY series_id, value;
RESET extra_float_digits;
-- compressing again moves nothing
SELECT ztsdb.compress('z');

-- one table in all three tiers at once
INSERT INTO z VALUES ('2020-01-04 00:00:00+00', 1, 1, 1, 1, 1, true);
INSERT INTO h VALUES ('2020-01-04 00:00:00+00', 1, 1, 1, 1, 1, true);
SELECT ztsdb.seal('z');
INSERT INTO z VALUES ('2020-01-05 00:00:00+00', 1, 2, 2, 2, 2, false);
INSERT INTO h VALUES ('2020-01-05 00:00:00+00', 1, 2, 2, 2, 2, false);
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;
(SELECT * FROM z EXCEPT ALL SELECT * FROM h) UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM z);

-- compress with a cutoff: chunks newer than it stay warm
SELECT ztsdb.compress('z', now() - '2020-01-04 12:00:00+00');
SELECT tier, count(*) AS chunks FROM ztsdb.chunks('z') GROUP BY tier ORDER BY tier;

-- drop_chunks removes whole chunks older than the cutoff, in any tier
SELECT ztsdb.drop_chunks('z', now() - '2020-01-02 00:00:00+00');
SELECT min(ts) >= '2020-01-02' AS old_rows_gone, count(*) FROM z;
SELECT count(*) FROM h WHERE ts >= '2020-01-02';
SELECT ztsdb.drop_chunks('z', now() - '2020-01-06 00:00:00+00');
SELECT count(*) FROM z;
SELECT count(*) FROM ztsdb.chunks('z');
SELECT pg_relation_size('z');

-- compress merges the sorted warm chunks of a window: NULLs that appear
-- only in a later chunk, or only in an earlier one, survive the merge
CREATE TABLE y (ts timestamptz NOT NULL, series_id int, value float8, b bool) USING ztsdb;
CREATE TABLE hy (LIKE y);
INSERT INTO y SELECT '2021-01-01'::timestamptz + i * interval '1 s', i % 3, i, NULL FROM generate_series(0, 99) i;
SELECT ztsdb.seal('y');
INSERT INTO y SELECT '2021-01-01 01:00'::timestamptz + i * interval '1 s', CASE WHEN i % 4 = 0 THEN NULL ELSE i % 3 END,
                     CASE WHEN i % 5 = 0 THEN NULL ELSE i END, i % 2 = 0 FROM generate_series(0, 99) i;
SELECT ztsdb.seal('y');
INSERT INTO y SELECT '2021-01-01 02:00'::timestamptz + i * interval '1 s', 1, -i, true FROM generate_series(0, 9) i;
SELECT ztsdb.seal('y');
INSERT INTO hy SELECT * FROM y;
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('y') GROUP BY tier ORDER BY tier;
SELECT ztsdb.compress('y');
SELECT tier, count(*) AS chunks, sum(rows) AS rows FROM ztsdb.chunks('y') GROUP BY tier ORDER BY tier;
(SELECT * FROM y EXCEPT ALL SELECT * FROM hy) UNION ALL (SELECT * FROM hy EXCEPT ALL SELECT * FROM y);
SELECT series_id, count(*), count(value), count(b), sum(value) FROM y GROUP BY 1 ORDER BY 1;
SELECT pg_relation_size('y') = (SELECT sum(bytes) FROM ztsdb.chunks('y')) AS size_matches;

DROP SCHEMA tam_tiers CASCADE;
