-- tam_xact: transactional behaviour of ztsdb rows: rollback, savepoints,
-- own rows visible (by command id), INSERT ... SELECT from the same table,
-- TRUNCATE (also rolled back) and DROP removing the data directory.
CREATE SCHEMA tam_xact;
SET search_path = tam_xact;
CREATE TABLE z (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;

-- rolled-back rows never appear, whether buffered or already pushed
BEGIN;
INSERT INTO z VALUES ('2024-01-01', 1, 1);
INSERT INTO z SELECT '2024-01-02'::timestamptz + i * interval '1 s', 2, i FROM generate_series(1, 3000) i;
SELECT count(*) FROM z;
ROLLBACK;
SELECT count(*) FROM z;

-- own rows are visible inside the transaction, others' only after commit
BEGIN;
INSERT INTO z VALUES ('2024-01-01', 1, 1);
SELECT count(*) FROM z;
INSERT INTO z VALUES ('2024-01-01 00:00:01', 1, 2);
SELECT count(*), sum(value) FROM z;
COMMIT;
SELECT count(*), sum(value) FROM z;

-- INSERT ... SELECT from the same table does not see its own output
INSERT INTO z SELECT ts + interval '1 day', series_id, value * 10 FROM z;
SELECT count(*), sum(value) FROM z;
BEGIN;
INSERT INTO z SELECT ts + interval '2 day', series_id, value FROM z;
INSERT INTO z SELECT ts + interval '5 day', series_id, value FROM z;
SELECT count(*) FROM z;
COMMIT;
SELECT count(*) FROM z;

-- savepoints: ROLLBACK TO discards exactly the rows after the savepoint
TRUNCATE z;
BEGIN;
INSERT INTO z VALUES ('2024-01-01', 1, 1);
SAVEPOINT a;
INSERT INTO z VALUES ('2024-01-01', 1, 2);
SAVEPOINT b;
INSERT INTO z SELECT '2024-01-03'::timestamptz, 1, 100 FROM generate_series(1, 2500);
ROLLBACK TO b;
INSERT INTO z VALUES ('2024-01-01', 1, 4);
RELEASE a;
SAVEPOINT c;
INSERT INTO z VALUES ('2024-01-01', 1, 8);
ROLLBACK TO c;
SELECT count(*), sum(value) FROM z;
COMMIT;
SELECT value FROM z ORDER BY value;

-- an error inside a PL/pgSQL exception block rolls back its rows
DO $$
BEGIN
  BEGIN
    INSERT INTO tam_xact.z VALUES ('2024-01-01', 1, 1000);
    RAISE EXCEPTION 'boom';
  EXCEPTION WHEN others THEN
    NULL;
  END;
  INSERT INTO tam_xact.z VALUES ('2024-01-01', 1, 16);
END $$;
SELECT value FROM z ORDER BY value;

-- cursors read a snapshot; rows inserted later in the transaction are not seen
BEGIN;
DECLARE c CURSOR FOR SELECT value FROM z ORDER BY value;
INSERT INTO z VALUES ('2024-01-01', 1, 32);
FETCH ALL FROM c;
CLOSE c;
SELECT sum(value) FROM z;
ROLLBACK;

-- TRUNCATE rolled back keeps the rows; committed, removes them
SELECT ztsdb.seal('z') >= 0 AS sealed;
BEGIN;
TRUNCATE z;
SELECT count(*) FROM z;
ROLLBACK;
SELECT count(*) FROM z;
TRUNCATE z;
SELECT count(*) FROM z;
INSERT INTO z VALUES ('2024-01-01', 1, 1);
SELECT count(*) FROM z;

-- a table created and filled in one transaction, then rolled back
BEGIN;
CREATE TABLE gone (ts timestamptz NOT NULL, v float8) USING ztsdb;
INSERT INTO gone VALUES ('2024-01-01', 1);
SELECT count(*) FROM gone;
ROLLBACK;
SELECT to_regclass('tam_xact.gone');

-- TRUNCATE of a table created in the same transaction
BEGIN;
CREATE TABLE t2 (ts timestamptz NOT NULL, v float8) USING ztsdb;
INSERT INTO t2 VALUES ('2024-01-01', 1);
TRUNCATE t2;
INSERT INTO t2 VALUES ('2024-01-01', 2);
SELECT v FROM t2;
COMMIT;
SELECT v FROM t2;

-- PREPARE TRANSACTION is refused when ztsdb rows were written
BEGIN;
INSERT INTO z VALUES ('2024-01-01', 1, 1);
PREPARE TRANSACTION 'x';

DROP SCHEMA tam_xact CASCADE;
