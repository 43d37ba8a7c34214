# Text and varchar columns (dictionary-encoded, src/tam/tam_dict.cpp) keep
# their rows and their dictionary across a crash (kill -9 of every
# process): rows in hot, warm and cold chunks read back equal to a heap copy,
# strings known before the crash keep their codes after it (no duplicate
# dictionary entries), new strings get new codes.  An asynchronous
# transaction adding a new string keeps its rows exactly when its
# dictionary entry survived (same transaction), so no row is left whose code
# has no string; a later synchronous transaction using that string makes
# the entry durable.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('text');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
autovacuum = off
wal_writer_delay = 10s
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE t (ts timestamptz NOT NULL, host text, region varchar(16), v float8)
  USING ztsdb WITH (ztsdb.series = 'host');
CREATE TABLE h (LIKE t);
CREATE TABLE a (round int);
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '10 s',
    CASE WHEN i % 9 = 0 THEN NULL ELSE 'host_' || (i % 5) END,
    (ARRAY['eu', 'us', 'zürich', ''])[1 + i % 4], i
  FROM generate_series(0, 5999) i;
INSERT INTO t SELECT * FROM h WHERE ts < '2024-01-01 06:00';
SELECT ztsdb.seal('t');
SELECT ztsdb.compress('t');
INSERT INTO t SELECT * FROM h WHERE ts >= '2024-01-01 06:00' AND ts < '2024-01-01 12:00';
SELECT ztsdb.seal('t');
INSERT INTO t SELECT * FROM h WHERE ts >= '2024-01-01 12:00';
INSERT INTO t VALUES ('2024-01-02', 'host_late', 'ü', 1);
INSERT INTO h VALUES ('2024-01-02', 'host_late', 'ü', 1);
});

my $diff = q{SELECT count(*) FROM ((SELECT * FROM t EXCEPT ALL SELECT * FROM h)
  UNION ALL (SELECT * FROM h EXCEPT ALL SELECT * FROM t)) d};
my $by_host = q{SELECT string_agg(coalesce(host, '-') || ':' || n, ' ' ORDER BY host) FROM
  (SELECT host, count(*) AS n FROM t GROUP BY host) x};
my $dups = q{SELECT count(*) FROM (SELECT relid, attnum, value FROM ztsdb_internal.dictionary
  GROUP BY relid, attnum, value HAVING count(*) > 1) d};

is($node->safe_psql('postgres',
	q{SELECT string_agg(DISTINCT tier, ',' ORDER BY tier) FROM ztsdb.chunks('t')}),
	'cold,hot,warm', 'rows in every tier');
is($node->safe_psql('postgres', $diff), '0', 'table equals the heap before the crash');
my $hosts_before = $node->safe_psql('postgres', $by_host);
my $dict_before = $node->safe_psql('postgres',
	q{SELECT string_agg(attnum || ':' || code || ':' || value, ',' ORDER BY attnum, code)
	    FROM ztsdb_internal.dictionary});

kill_cluster($node);
$node->start;
wait_for_replay($node, 't');
is($node->safe_psql('postgres', $diff), '0', 'table equals the heap after the crash');
is($node->safe_psql('postgres', $by_host), $hosts_before, 'rows by host after the crash');
is($node->safe_psql('postgres',
	q{SELECT string_agg(attnum || ':' || code || ':' || value, ',' ORDER BY attnum, code)
	    FROM ztsdb_internal.dictionary}), $dict_before, 'dictionary unchanged by the crash');

# known strings keep their codes, a new one gets a new code
$node->safe_psql('postgres', q{
INSERT INTO t VALUES ('2024-01-03', 'host_1', 'eu', 2), ('2024-01-03', 'host_new', 'eu', 3);
INSERT INTO h VALUES ('2024-01-03', 'host_1', 'eu', 2), ('2024-01-03', 'host_new', 'eu', 3);
SELECT ztsdb.seal('t');
});
is($node->safe_psql('postgres', $diff), '0', 'table equals the heap after new rows');
is($node->safe_psql('postgres', $dups), '0', 'no string has two codes');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM ztsdb_internal.dictionary WHERE value IN ('host_1', 'host_new')}),
	'2', 'one code each for an old and a new string');

# asynchronous transactions adding new strings, then a crash at once
for my $round (1 .. 3)
{
	$node->safe_psql('postgres', qq{
SET synchronous_commit = off;
BEGIN;
INSERT INTO a VALUES ($round);
INSERT INTO t SELECT '2024-02-01'::timestamptz + i * interval '1 s', 'async_$round', 'r_$round', i
  FROM generate_series(1, 500) i;
COMMIT;
});
	kill_cluster($node);
	$node->start;
	wait_for_replay($node, 't');
	my $rows = $node->safe_psql('postgres', "SELECT count(*) FROM t WHERE host = 'async_$round'");
	my $dict = $node->safe_psql('postgres',
		"SELECT count(*) FROM ztsdb_internal.dictionary WHERE value IN ('async_$round', 'r_$round')");
	my $heap = $node->safe_psql('postgres', "SELECT count(*) FROM a WHERE round = $round");
	diag("round $round: $rows of 500 rows, $dict of 2 dictionary entries, $heap of 1 heap row");
	ok(($rows eq '0' && $dict eq '0' && $heap eq '0') || ($rows eq '500' && $dict eq '2' && $heap eq '1'),
		"round $round: rows and dictionary entries of the asynchronous transaction are both there or both gone");
	# every row decodes (a code without a string would raise an error)
	is($node->safe_psql('postgres',
		q{SELECT count(*) = count(length(coalesce(host, '') || coalesce(region, ''))) FROM t}),
		't', "round $round: every row decodes");
}

# a synchronous ztsdb-only transaction using a string that an asynchronous
# one added just before: the later commit must make the earlier one's
# dictionary entry durable, or its rows would survive with a code no
# dictionary row explains (rounds 1-3: two sessions, 4-6: the same one)
for my $round (1 .. 6)
{
	my $add = qq{
SET synchronous_commit = off;
INSERT INTO t VALUES ('2024-03-01', 'dep_$round', 'x', 1);
RESET synchronous_commit;
};
	my $use = qq{
INSERT INTO t SELECT '2024-03-02'::timestamptz + i * interval '1 s', 'dep_$round', 'y', i
  FROM generate_series(1, 100) i;
};
	if ($round <= 3)
	{
		$node->safe_psql('postgres', $add);
		$node->safe_psql('postgres', $use);
	}
	else
	{
		$node->safe_psql('postgres', $add . $use);
	}
	kill_cluster($node);
	$node->start;
	wait_for_replay($node, 't');
	is($node->safe_psql('postgres', "SELECT count(*) FROM t WHERE host = 'dep_$round' AND region = 'y'"),
		'100', "round $round: the synchronous transaction's rows are there");
	is($node->safe_psql('postgres',
		"SELECT count(*) FROM ztsdb_internal.dictionary WHERE value = 'dep_$round'"),
		'1', "round $round: with the string they use");
	is($node->safe_psql('postgres',
		q{SELECT count(*) = count(length(coalesce(host, '') || coalesce(region, ''))) FROM t}),
		't', "round $round: every row decodes");
}

# the extension, its dictionary and its event trigger drop together
$node->safe_psql('postgres', 'DROP EXTENSION ztsdb CASCADE');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'ztsdb%'}),
	'0', 'DROP EXTENSION drops the event trigger');
$node->safe_psql('postgres', 'CREATE TABLE after_drop (a int); DROP TABLE after_drop;');

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
