# An asynchronous transaction that writes a heap table and a ztsdb table
# stays all or nothing in both across a crash, also when the writer seals
# its rows into a sorted chunk file (one without visibility information)
# before PostgreSQL's commit record is durable.  Such a transaction's
# commit marker does not decide alone: replay keeps its sidecar WAL rows
# only if clog says it committed, so a file must not keep its rows unless
# PostgreSQL's commit record is durable too.
#
# wal_writer_delay = 10s keeps PostgreSQL's asynchronous commit record in
# its WAL buffers; ztsdb.seal() right after the commit writes the sorted
# file; the crash follows at once.  A hot chunk of another table, written
# first, keeps the writer's WAL checkpoint (which flushes PostgreSQL's WAL)
# from moving meanwhile.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('asyncheap');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
wal_writer_delay = 10s
autovacuum = off
ztsdb.wal_flush_delay = 10s
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE pin (ts timestamptz NOT NULL, v int) USING ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
INSERT INTO pin VALUES ('2024-01-01', 1);
});

for my $round (1 .. 3)
{
	is($node->safe_psql('postgres', qq{
SET synchronous_commit = off;
BEGIN;
INSERT INTO h VALUES ($round);
INSERT INTO m SELECT '2024-02-01'::timestamptz + i * interval '1 s', $round, i FROM generate_series(1, 2000) i;
COMMIT;
SELECT ztsdb.seal('m') > 0;
}), 't', "round $round: the asynchronous transaction's rows were sealed after its commit");
	$node->stop('immediate');
	$node->start;
	my $heap = $node->safe_psql('postgres', "SELECT count(*) FROM h WHERE id = $round");
	my $ztsdb = $node->safe_psql('postgres', "SELECT count(*) FROM m WHERE series_id = $round");
	diag("round $round: heap $heap of 1 row, ztsdb $ztsdb of 2000 rows");
	ok(($heap eq '0' && $ztsdb eq '0') || ($heap eq '1' && $ztsdb eq '2000'),
		"round $round: heap and ztsdb rows of the asynchronous transaction are both there or both gone");
}

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
