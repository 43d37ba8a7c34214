# Compression cuts a window's warm files into cold files by time: sorted by
# their first row, each cold file the consecutive warm files up to 64 MB of
# column bytes, so the cold files of a window cover consecutive stretches of
# time (a query for an hour opens one of them), whatever order the warm
# files were sealed in.  One ztsdb.compress() leaves no warm file behind.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cut');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 256MB
ztsdb.hot_chunk_size = 4MB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;

# 4M rows of one day (80 MB of column bytes: two cold files at least), the
# last four hours sealed before the rest, so that seal order is not time
# order and the first file compression meets is not in the first cut
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO m SELECT '2024-01-01 20:00'::timestamptz + (i / 1000) * interval '14.4 s', i % 1000, i % 1013
  FROM generate_series(0, 999999) i;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT '2024-01-01 00:00'::timestamptz + (i / 1000) * interval '24 s', i % 1000, i % 1013
  FROM generate_series(0, 2999999) i;
SELECT ztsdb.seal('m');
});
my $before = $node->safe_psql('postgres', q{
SELECT count(*), sum(value), sum(series_id) FROM m WHERE ts >= '2024-01-01 11:00' AND ts < '2024-01-01 13:00'});
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m') WHERE tier = 'warm'}),
	'>', 4, 'many warm files before compression');

$node->safe_psql('postgres', q{SELECT ztsdb.compress('m')});
is($node->safe_psql('postgres', q{SELECT string_agg(DISTINCT tier, ',') FROM ztsdb.chunks('m')}),
	'cold', 'one compress leaves no warm file');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m')}),
	'>=', 2, 'the window is cut into several cold files');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT min_time, lag(max_time) OVER (ORDER BY min_time) AS prev_max
  FROM ztsdb.chunks('m')) c WHERE min_time < prev_max}),
	'0', 'cold files cover consecutive stretches of time');
is($node->safe_psql('postgres', q{SELECT count(*), sum(value) FROM m}),
	'4000000|2023800411', 'every row kept');
is($node->safe_psql('postgres', q{
SELECT count(*), sum(value), sum(series_id) FROM m WHERE ts >= '2024-01-01 11:00' AND ts < '2024-01-01 13:00'}),
	$before, 'a range across the files answers as before');
# one hour of ten series opens one file
my $plan = $node->safe_psql('postgres', q{
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT series_id, count(*), sum(value) FROM m
 WHERE series_id IN (1, 101, 201, 301, 401, 501, 601, 701, 801, 901)
   AND ts >= '2024-01-01 03:00' AND ts < '2024-01-01 04:00' GROUP BY 1});
like($plan, qr/Chunks Scanned: 1\b/, 'an hour of ten series reads one cold file');

$node->stop;
done_testing();
