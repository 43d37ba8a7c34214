# The sidecar WAL's I/O path is chosen and named in the log (io_uring, or
# pwrite/fdatasync with ztsdb.wal_io = sync, and either under auto); files
# get PostgreSQL's modes; a tiny hot chunk pool and a tiny ring make
# ingestion wait (seal early, backpressure), never fail or lose rows.
use strict;
use warnings;
use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('io');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.wal_io = sync
ztsdb.hot_pool_size = 1MB
ztsdb.hot_chunk_size = 64kB
ztsdb.ring_slots = 4
ztsdb.ring_slot_size = 8kB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
});
# the writer names its path when it starts, possibly after the server accepts connections
wait_for_replay($node, 'm');
like(slurp_file($node->logfile), qr/sidecar WAL is written with pwrite and fdatasync \(ztsdb.wal_io = sync\)/,
	'sync path named in the log');
# 40 daily windows but room for only 16 hot chunks; 4 ring slots of 8kB.
# (The clients run one after the other; concurrency is the benchmarks' job.)
my @clients;
for my $c (0 .. 3)
{
	push @clients, $node->background_psql('postgres');
}
for my $c (0 .. 3)
{
	$clients[$c]->query_until(qr/done/, qq{
INSERT INTO m SELECT '2024-01-01'::timestamptz + ($c * 100000 + i) * interval '35 s', $c, i
  FROM generate_series(1, 100000) i;
\\echo done
});
}
$_->quit for @clients;
is($node->safe_psql('postgres', 'SELECT count(*), count(DISTINCT series_id) FROM m'), '400000|4',
	'every row stored with a tiny pool and ring');
my %stats = map { split /\|/ } split /\n/,
  $node->safe_psql('postgres', 'SELECT metric, value FROM ztsdb.stats()');
ok($stats{chunks_sealed} > 0, 'pool pressure sealed chunks early');
ok($stats{backpressure_waits} > 0, 'producers waited for ring space');
is($stats{io_uring_submits}, 0, 'no io_uring submissions on the sync path');
ok($stats{wal_fsyncs} > 0, 'fdatasync used');

$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '400000', 'rows survive restart on the sync path');

# file modes: PostgreSQL's (no group access in this cluster)
my @bad;
find(sub {
	my $mode = (stat($_))[2] & 07777;
	push @bad, "$File::Find::name " . sprintf('%o', $mode)
	  if (-d $_ && $mode != 0700) || (-f $_ && $mode != 0600);
}, $node->data_dir . '/ztsdb');
is(join(',', @bad), '', 'ztsdb files and directories have PostgreSQL modes');

# auto: io_uring where the kernel allows it, otherwise a LOG line and pwrite
$node->append_conf('postgresql.conf', "ztsdb.wal_io = auto");
my $log_offset = -s $node->logfile;
$node->restart;
wait_for_replay($node, 'm');
like(slurp_file($node->logfile, $log_offset),
	qr/sidecar WAL is written with io_uring|io_uring is not available .* uses pwrite and fdatasync/,
	'auto names the path it chose');
$node->safe_psql('postgres', q{INSERT INTO m VALUES ('2025-01-01', 9, 9)});
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '400001', 'ingestion works under auto');

# A statement that reads hot chunks while writing more rows than the pool holds
# (INSERT ... SELECT from the same table, every hot chunk pinned by its scan)
# gets an error naming the limit instead of waiting for the writer forever.
$node->safe_psql('postgres', q{
CREATE TABLE p (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO p SELECT '2030-01-01'::timestamptz + (i % 16) * interval '1 day' + i * interval '1 ms', i % 10, i
  FROM generate_series(1, 8000) i;
});
my ($ret, $out, $err) = $node->psql('postgres',
	q{INSERT INTO p SELECT ts + interval '100 days', series_id, value FROM p},
	extra_params => [ '-v', 'VERBOSITY=verbose' ], timeout => 120);
isnt($ret, 0, 'an INSERT ... SELECT that needs the chunks its scan pins fails');
like($err, qr/53400: ztsdb hot chunk pool is full and this statement holds hot chunks the writer must free/,
	'with SQLSTATE 53400 and a message naming the limit');
is($node->safe_psql('postgres', 'SELECT count(*) FROM p'), '8000', 'none of its rows appear');
$node->safe_psql('postgres', q{SELECT ztsdb.seal('p')});
$node->safe_psql('postgres', q{INSERT INTO p SELECT ts + interval '100 days', series_id, value FROM p});
is($node->safe_psql('postgres', 'SELECT count(*) FROM p'), '16000', 'after sealing, the same statement works');

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
