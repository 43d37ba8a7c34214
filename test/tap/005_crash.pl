# Crash safety under concurrent load: committed transactions that wrote a
# ztsdb table and a heap table are present exactly once in both after
# kill -9 of the postmaster (all processes) or of the writer alone; rolled
# back transactions and rolled-back savepoints never appear.  Tier moves
# (seal, compress) run during the load, so crashes land in them too.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 8MB
ztsdb.hot_chunk_size = 128kB
ztsdb.wal_segment_size = 1MB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE z (ts timestamptz NOT NULL, series_id bigint NOT NULL, value float8) USING ztsdb;
CREATE TABLE acked (id bigint PRIMARY KEY);
CREATE SEQUENCE ids;
});

my $dir = PostgreSQL::Test::Utils::tempdir;
# committed: 5 rows + a rolled-back savepoint, logged in a heap table
PostgreSQL::Test::Utils::append_to_file("$dir/commit.sql", q{
SELECT nextval('ids') AS id \gset
BEGIN;
INSERT INTO z SELECT now() + g * interval '1 ms', :id, g FROM generate_series(1, 5) g;
SAVEPOINT s;
INSERT INTO z VALUES (now(), :id, 1000);
ROLLBACK TO s;
INSERT INTO acked VALUES (:id);
COMMIT;
});
# rolled back, after streaming more rows than the write buffer holds
PostgreSQL::Test::Utils::append_to_file("$dir/rollback.sql", q{
BEGIN;
INSERT INTO z SELECT now(), -1, g FROM generate_series(1, 1500) g;
ROLLBACK;
});
PostgreSQL::Test::Utils::append_to_file("$dir/move.sql", q{
SELECT ztsdb.seal('z');
SELECT ztsdb.compress('z');
});

sub check_consistent
{
	my ($what) = @_;
	is($node->safe_psql('postgres', q{
WITH zz AS (SELECT series_id, count(*) AS n, sum(value) AS s FROM z GROUP BY series_id)
SELECT count(*) FROM acked a LEFT JOIN zz ON zz.series_id = a.id
 WHERE zz.n IS DISTINCT FROM 5 OR zz.s IS DISTINCT FROM 15}), '0',
		"$what: every acknowledged transaction whole, exactly once");
	is($node->safe_psql('postgres', q{
SELECT count(*) FROM z LEFT JOIN acked a ON a.id = z.series_id WHERE a.id IS NULL}), '0',
		"$what: no rows of transactions that did not commit");
	return $node->safe_psql('postgres', 'SELECT count(*) FROM acked');
}

my $last = 0;
for my $cycle (1 .. 4)
{
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'pgbench', '-n', '-c', '6', '-j', '2', '-T', '120',
		  '-h', $node->host, '-p', $node->port,
		  '-f', "$dir/commit.sql\@20", '-f', "$dir/rollback.sql\@3", '-f', "$dir/move.sql\@1",
		  'postgres' ],
		'>', \$out, '2>', \$err);
	# crash once the load has acknowledged a thousand more transactions
	ok(poll_until("cycle $cycle: acknowledged transactions", sub {
		$node->safe_psql('postgres', 'SELECT count(*) FROM acked') >= $last + 1000 }),
		"cycle $cycle: load running");
	if ($cycle % 2)
	{
		# every process at once, as a power loss would
		kill_cluster($node);
		$h->finish;
		$node->start;
	}
	else
	{
		# the writer alone: the postmaster restarts every process
		kill_writer($node);
		$h->finish;
	}
	my $n = check_consistent("cycle $cycle");
	ok($n > $last, "cycle $cycle: transactions were acknowledged ($n)");
	$last = $n;
}

$node->restart;
check_consistent('after a clean restart');
$node->stop;
done_testing();
