-- sql_retention: ztsdb.drop_chunks refuses an older_than that would drop
-- the newest chunks (zero, negative, or a mix whose net effect is not in
-- the past) and NULL arguments, leaving every row in place; month-based
-- intervals work as now() - interval does.
CREATE SCHEMA sql_retention;
SET search_path = sql_retention;

SET client_min_messages = warning;  -- the layout NOTICE of CREATE TABLE, where there is one
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
RESET client_min_messages;
INSERT INTO m VALUES (now() - interval '60 days', 1, 1), (now() - interval '1 minute', 1, 2);
SELECT ztsdb.seal('m') >= 1 AS sealed;
INSERT INTO m VALUES (now() - interval '2 minutes', 1, 3);

-- refused: every one of these would have dropped the rows of the last minutes
SELECT ztsdb.drop_chunks('m', '-1 day');
SELECT ztsdb.drop_chunks('m', '0');
SELECT ztsdb.drop_chunks('m', '0 days');
SELECT ztsdb.drop_chunks('m', '1 month -40 days');
SELECT ztsdb.drop_chunks('m', NULL);
SELECT ztsdb.drop_chunks(NULL, '1 day');
SELECT count(*) AS rows_kept FROM m;

-- in a transaction the error aborts it; nothing is dropped
BEGIN;
SELECT ztsdb.drop_chunks('m', '-1 hour');
ROLLBACK;
SELECT count(*) AS rows_kept FROM m;

-- a month-based interval: the chunk of 60 days ago goes, recent rows stay
SELECT ztsdb.drop_chunks('m', '1 month');
SELECT value FROM m ORDER BY value;
-- nothing older than a year: nothing to drop
SELECT ztsdb.drop_chunks('m', '1 year');
SELECT count(*) AS rows_kept FROM m;

DROP SCHEMA sql_retention CASCADE;
