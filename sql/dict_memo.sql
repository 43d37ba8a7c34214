-- dict_memo: a plain scan decodes text codes through a small per-scan memo
-- (64 slots per column, picked by the code's low bits).  Codes that share a
-- slot, alternating from row to row, and many distinct values per column
-- must still read back as the heap's rows, in hot, warm and cold chunks,
-- and after a rescan (the inner side of a nested loop), whose memo starts
-- afresh.
CREATE SCHEMA dict_memo;
SET search_path = dict_memo;

CREATE TABLE t (ts timestamptz NOT NULL, host text NOT NULL, tag text, v float8)
  USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 'host');
CREATE TABLE t_heap (LIKE t);
-- tag: 300 values first seen in order (codes in order), then rows cycling
-- through values 64 and 128 codes apart, so that neighbouring rows collide
INSERT INTO t_heap
SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '1 s',
       'h' || (i % 3),
       CASE WHEN i <= 300 THEN 'tag_' || i
            WHEN i % 7 = 0 THEN NULL
            ELSE 'tag_' || (1 + (i % 5) * 64 + (i / 5) % 3) END,
       i
  FROM generate_series(1, 3000) i;
INSERT INTO t SELECT * FROM t_heap ORDER BY ts;

CREATE FUNCTION diff() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM (((SELECT * FROM t) EXCEPT ALL (SELECT * FROM t_heap))
                        UNION ALL ((SELECT * FROM t_heap) EXCEPT ALL (SELECT * FROM t))) d
$$;
-- the rows in scan order, tags included, hashed: equal to the heap's
CREATE FUNCTION ordered_same() RETURNS boolean LANGUAGE sql AS $$
  SELECT (SELECT md5(string_agg(concat_ws('|', ts, host, tag, v), ',' ORDER BY ts)) FROM t)
       = (SELECT md5(string_agg(concat_ws('|', ts, host, tag, v), ',' ORDER BY ts)) FROM t_heap)
$$;

SELECT count(DISTINCT tag) AS tags FROM t;
SELECT diff() AS hot_diff, ordered_same() AS hot_same;
SELECT tag, count(*) FROM t WHERE ts > '2024-01-01 00:05+00' GROUP BY tag ORDER BY tag LIMIT 8;

-- a rescanned inner side: every lookup row rescans t
CREATE TABLE pick (tag text);
INSERT INTO pick VALUES ('tag_1'), ('tag_65'), ('tag_129'), ('tag_2'), ('tag_300');
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
SELECT p.tag, count(t.*) FROM pick p JOIN t ON t.tag = p.tag GROUP BY p.tag ORDER BY p.tag;
SELECT p.tag, count(h.*) FROM pick p JOIN t_heap h ON h.tag = p.tag GROUP BY p.tag ORDER BY p.tag;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

SELECT ztsdb.seal('t') > 0 AS sealed;
SELECT diff() AS warm_diff, ordered_same() AS warm_same;
SELECT ztsdb.compress('t') > 0 AS compressed;
SELECT diff() AS cold_diff, ordered_same() AS cold_same;

DROP SCHEMA dict_memo CASCADE;
