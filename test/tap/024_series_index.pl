# A large hot chunk indexes many series: 20,000 series in one 16MB chunk
# (more than the 3,072 an index of at most 4,096 slots took) are found
# through the chunk's series index, not by scanning zones of rows, for a
# scan, a ZtsdbAgg and a series list, and answer as a heap table does; rows
# arriving while a series is read are found too.  A small chunk with more
# series than its slots filters by zones and answers the same.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('series_index');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 64MB
ztsdb.hot_chunk_size = 16MB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;

# 20,000 series x 12 rows, 5 minutes apart, arriving in time order
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, sid int NOT NULL, value float8) USING ztsdb
  WITH (ztsdb.time = 'ts', ztsdb.series = 'sid');
CREATE TABLE h (LIKE m);
CREATE INDEX ON h (sid, ts);
INSERT INTO m SELECT '2024-01-01'::timestamptz + p * interval '5 min', s, p * 100000 + s
  FROM generate_series(0, 11) p, generate_series(0, 19999) s ORDER BY p, s;
INSERT INTO h SELECT * FROM m;
});
is($node->safe_psql('postgres', q{SELECT string_agg(tier || ' ' || rows, ', ') FROM ztsdb.chunks('m')}),
	'hot 240000', 'the rows are in one hot chunk');

my $window = q{ts >= '2024-01-01 00:20' AND ts < '2024-01-01 00:40'};

# the scan: 4 rows of series 12345 in the window, read through the index
my $plan = $node->safe_psql('postgres',
	"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM m WHERE sid = 12345 AND $window");
like($plan, qr/Hot Rows Read: 4\b/, 'scan: the series index gives the 4 rows in the window');
like($plan, qr/Blocks Scanned: 0\b/, 'scan: no zone of rows scanned');
# ZtsdbAgg over ten series, whole history: 120 rows
$plan = $node->safe_psql('postgres',
	q{EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
	  SELECT sid, count(*), sum(value) FROM m WHERE sid IN (0, 7, 19999, 5000, 5001, 5002, 6, 8, 9, 10) GROUP BY sid});
like($plan, qr/ZtsdbAgg/, 'aggregate: ZtsdbAgg');
like($plan, qr/Hot Rows Read: 120\b/, 'aggregate: the series index gives the 120 rows');
like($plan, qr/Blocks Scanned: 0\b/, 'aggregate: no zone of rows scanned');

# answers as heap's, for series all over the table
my $q = qq{SELECT string_agg(x, ' ' ORDER BY x) FROM (
  SELECT s || ':' || (SELECT count(*) || '/' || coalesce(sum(value), 0) FROM TBL WHERE sid = s AND $window) ||
         ':' || (SELECT count(*) || '/' || max(value) FROM TBL WHERE sid = s) AS x
    FROM generate_series(0, 19999, 997) s) y};
my $want = $node->safe_psql('postgres', $q =~ s/TBL/h/gr);
is($node->safe_psql('postgres', $q =~ s/TBL/m/gr), $want, 'rows per series as heap');
# lastpoint (ZtsdbLast reads the series list of the index)
my $last = q{SELECT sum(value) FROM (SELECT DISTINCT ON (sid) sid, value FROM TBL ORDER BY sid, ts DESC) l};
is($node->safe_psql('postgres', $last =~ s/TBL/m/gr), $node->safe_psql('postgres', $last =~ s/TBL/h/gr),
	'last value of every series as heap');

# more rows while a reader holds the chunk pinned (an open cursor): the
# cursor sees its snapshot's rows, a new query sees the new ones too
my $bg = $node->background_psql('postgres');
$bg->query_safe(q{BEGIN ISOLATION LEVEL REPEATABLE READ});
$bg->query_safe(q{DECLARE c CURSOR FOR SELECT count(*) FROM m WHERE sid = 777});
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-01-01 01:00'::timestamptz + p * interval '5 min', s, -s
  FROM generate_series(0, 2) p, generate_series(700, 899) s ORDER BY p, s;
INSERT INTO h SELECT * FROM m WHERE ts >= '2024-01-01 01:00';
});
is($bg->query_safe(q{FETCH c}), '12', 'an earlier snapshot sees its rows');
$bg->query_safe(q{COMMIT});
$bg->quit;
is($node->safe_psql('postgres', q{SELECT count(*) FROM m WHERE sid = 777}), '15', 'the new rows are found');
is($node->safe_psql('postgres', $q =~ s/TBL/m/gr), $node->safe_psql('postgres', $q =~ s/TBL/h/gr),
	'rows per series as heap after more rows');

# small chunks (256kB: a 1,024-slot index) with 20,000 series: zones
$node->safe_psql('postgres', q{DROP TABLE m});
$node->safe_psql('postgres', q{ALTER SYSTEM SET ztsdb.hot_chunk_size = '256kB'});
$node->restart;
$node->safe_psql('postgres', q{
CREATE TABLE m2 (LIKE h) USING ztsdb WITH (ztsdb.time = 'ts', ztsdb.series = 'sid');
INSERT INTO m2 SELECT * FROM h WHERE ts < '2024-01-01 00:10' ORDER BY ts, sid;
});
$plan = $node->safe_psql('postgres',
	q{EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM m2 WHERE sid = 12345});
like($plan, qr/Blocks Skipped: [1-9]/, 'small chunks: zones skip blocks instead');
is($node->safe_psql('postgres', q{SELECT string_agg(value::text, ',' ORDER BY ts) FROM m2 WHERE sid = 12345}),
	'12345,112345', 'small chunks: the series rows as inserted');

$node->stop;
done_testing();
