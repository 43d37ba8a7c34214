# Autovacuum takes care of ztsdb tables by itself: inserted rows count in
# pg_stat_user_tables, so it analyzes them (reltuples and pg_stats appear)
# and, past the insert threshold, vacuums them without error; VACUUM's and
# ANALYZE's reports then stop it from coming back while no rows arrive.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('autovacuum');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 16MB
ztsdb.hot_chunk_size = 256kB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
autovacuum_naptime = 1s
log_autovacuum_min_duration = 0
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 10, i FROM generate_series(1, 5000) i;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT '2024-01-02'::timestamptz + i * interval '10 s', i % 10, i FROM generate_series(1, 5000) i;
});

my $done = q{SELECT autoanalyze_count > 0 AND autovacuum_count > 0
  FROM pg_stat_user_tables WHERE relname = 'm'};
ok($node->poll_query_until('postgres', $done), 'autovacuum analyzed and vacuumed the table');
is($node->safe_psql('postgres', q{SELECT reltuples FROM pg_class WHERE relname = 'm'}), '10000',
	'reltuples is the row count');
is($node->safe_psql('postgres', q{SELECT n_distinct FROM pg_stats WHERE tablename = 'm' AND attname = 'series_id'}),
	'10', 'pg_stats has the series column');
is($node->safe_psql('postgres', q{SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'm'}),
	'10000|0', 'live and dead rows reported');

# nothing new: autovacuum leaves the table alone for several naptimes
my $counts = q{SELECT autoanalyze_count || '/' || autovacuum_count FROM pg_stat_user_tables WHERE relname = 'm'};
my $before = $node->safe_psql('postgres', $counts);
sleep(4);
is($node->safe_psql('postgres', $counts), $before, 'no further autovacuum without new rows');

my $log = slurp_file($node->logfile);
like($log, qr/automatic analyze of table "postgres.public.m"/, 'the log shows the automatic analyze');
ok(!grep(/ERROR/, $log), 'no error in the log');
ok(!grep(/terminated by signal/, $log), 'no process terminated by a signal');
$node->stop;
done_testing();
