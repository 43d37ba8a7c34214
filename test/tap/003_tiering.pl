# The tiering policy works by itself: hot chunks whose time window has
# ended are sealed once idle (ztsdb.seal_idle_timeout), warm chunks older
# than ztsdb.cold_after are compressed, and the sidecar WAL is recycled by
# checkpoints, so it stays bounded under continuous ingestion.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('tiering');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 16MB
ztsdb.hot_chunk_size = 256kB
ztsdb.wal_segment_size = 1MB
ztsdb.seal_idle_timeout = 1s
ztsdb.cold_after = -1
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 10, i FROM generate_series(0, 8639) i;
});
my $tiers = q{SELECT string_agg(tier || '=' || rows, ',' ORDER BY tier) FROM
  (SELECT tier, sum(rows) AS rows FROM ztsdb.chunks('m') GROUP BY tier) t};

ok($node->poll_query_until('postgres', "SELECT ($tiers) = 'warm=8640'"),
	'a closed, idle window is sealed by itself');

$node->append_conf('postgresql.conf', "ztsdb.cold_after = '1d'");
$node->reload;
ok($node->poll_query_until('postgres', "SELECT ($tiers) = 'cold=8640'"),
	'warm chunks older than cold_after are compressed by themselves');
is($node->safe_psql('postgres', 'SELECT count(*), sum(value) FROM m'), '8640|37320480', 'rows intact');

# continuous ingestion into many windows: the WAL must not grow without bound
my $wal_size = q{SELECT sum(size) FROM pg_ls_dir('ztsdb/wal') f, pg_stat_file('ztsdb/wal/' || f) s WHERE f <> 'checkpoint'};
for my $round (1 .. 10)
{
	$node->safe_psql('postgres', qq{
INSERT INTO m SELECT '2023-01-01'::timestamptz + ($round * 100000 + i) * interval '10 s', i % 10, i
  FROM generate_series(1, 30000) i;
});
}
ok($node->poll_query_until('postgres', "SELECT ($wal_size) <= 4 * 1024 * 1024"),
	'sidecar WAL recycled to a few segments after sealing');
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), 8640 + 300000, 'all rows present');
$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), 8640 + 300000, 'all rows present after restart');
# DROP DATABASE leaves no ztsdb directory behind once the writer restarts
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', q{
CREATE EXTENSION ztsdb;
CREATE TABLE t (ts timestamptz NOT NULL, v float8) USING ztsdb;
INSERT INTO t VALUES ('2024-01-01', 1);
SELECT ztsdb.seal('t');
});
my $oid = $node->safe_psql('postgres', q{SELECT oid FROM pg_database WHERE datname = 'other'});
ok(-d $node->data_dir . "/ztsdb/$oid", 'the other database has a ztsdb directory');
$node->safe_psql('postgres', 'DROP DATABASE other');
$node->restart;
$node->safe_psql('postgres', 'SELECT count(*) FROM m');
ok(!-d $node->data_dir . "/ztsdb/$oid", 'its directory is gone after the restart');
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), 8640 + 300000, 'live tables untouched by the sweep');
ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
