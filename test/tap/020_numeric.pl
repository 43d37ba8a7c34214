# numeric columns (scaled int64 + display scale, src/tam/tam_numeric.cpp)
# keep their values across a crash (kill -9 of every process): rows in cold,
# warm and hot chunks, and rows only in the sidecar WAL, read back equal to
# a heap copy -- as text (digits and display scale) and as numeric_send
# bytes -- NaN, infinities and NULLs included; then pg_dump and a restore
# into another database give the same rows.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('numeric');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
autovacuum = off
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE t (ts timestamptz NOT NULL, sym int, price numeric(12,2), x numeric) USING ztsdb;
CREATE TABLE h (LIKE t);
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 7,
    CASE WHEN i % 13 = 0 THEN NULL ELSE 100 + (i % 1000) * 0.01 END,
    (ARRAY['0', '1.50', '-1.50', '1e-20', 'NaN', 'Infinity', '-Infinity', NULL,
           '9223372036854775807', '0.000', '1e-1000', '-0.125',
           '-123456789012345678901234567890.123'])[1 + i % 13]::numeric
  FROM generate_series(0, 5999) i;
INSERT INTO t SELECT * FROM h WHERE ts < '2024-01-01 06:00';
SELECT ztsdb.seal('t');
SELECT ztsdb.compress('t');
INSERT INTO t SELECT * FROM h WHERE ts >= '2024-01-01 06:00' AND ts < '2024-01-01 12:00';
SELECT ztsdb.seal('t');
INSERT INTO t SELECT * FROM h WHERE ts >= '2024-01-01 12:00';
});

my $diff = q{SELECT count(*) FROM (
  (SELECT ts, sym, price::text, x::text, numeric_send(price), numeric_send(x) FROM t
   EXCEPT ALL SELECT ts, sym, price::text, x::text, numeric_send(price), numeric_send(x) FROM h)
  UNION ALL
  (SELECT ts, sym, price::text, x::text, numeric_send(price), numeric_send(x) FROM h
   EXCEPT ALL SELECT ts, sym, price::text, x::text, numeric_send(price), numeric_send(x) FROM t)) d};
my $digest = q{SELECT count(*) || ':' || md5(string_agg(ts || '|' || coalesce(sym::text, '-') || '|' ||
  coalesce(price::text, '-') || '|' || coalesce(x::text, '-'), ',' ORDER BY ts, sym, price, x::text)) FROM t};

is($node->safe_psql('postgres',
	q{SELECT string_agg(DISTINCT tier, ',' ORDER BY tier) FROM ztsdb.chunks('t')}),
	'cold,hot,warm', 'rows in every tier');
is($node->safe_psql('postgres', $diff), '0', 'table equals the heap before the crash');

kill_cluster($node);
$node->start;
wait_for_replay($node, 't');
is($node->safe_psql('postgres', $diff), '0', 'table equals the heap after the crash');

# rows committed just before a crash come back from the sidecar WAL
$node->safe_psql('postgres', q{
INSERT INTO t VALUES ('2024-01-03', 1, 0.10, 'NaN'), ('2024-01-03', 2, NULL, '-9223372036854775807'),
  ('2024-01-03', 3, 99.99, '1.000000000000000000');
INSERT INTO h VALUES ('2024-01-03', 1, 0.10, 'NaN'), ('2024-01-03', 2, NULL, '-9223372036854775807'),
  ('2024-01-03', 3, 99.99, '1.000000000000000000');
});
kill_cluster($node);
$node->start;
wait_for_replay($node, 't');
is($node->safe_psql('postgres', $diff), '0', 'rows from the sidecar WAL equal the heap');

# sealed and compressed after the restart: still equal
$node->safe_psql('postgres', q{SELECT ztsdb.seal('t'); SELECT ztsdb.compress('t')});
is($node->safe_psql('postgres', $diff), '0', 'table equals the heap once all is cold');
$node->stop('immediate');
$node->start;
wait_for_replay($node, 't');
is($node->safe_psql('postgres', $diff), '0', 'cold rows equal the heap after an immediate stop');

# pg_dump and restore into another database
my $dump = $node->basedir . '/dump.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'),
	'-f', $dump ], 'restore');
is($node->safe_psql('restored', q{SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam
  WHERE relname = 't'}), 'ztsdb', 'restored table uses ztsdb');
is($node->safe_psql('restored', $digest), $node->safe_psql('postgres', $digest),
	'restored rows equal the original, digits and scales');
is($node->safe_psql('restored', q{SELECT count(*) FROM ((SELECT ts, sym, price::text, x::text FROM t
  EXCEPT ALL SELECT ts, sym, price::text, x::text FROM h) UNION ALL (SELECT ts, sym, price::text, x::text FROM h
  EXCEPT ALL SELECT ts, sym, price::text, x::text FROM t)) d}), '0', 'restored table equals the restored heap');

$node->stop;
done_testing();
