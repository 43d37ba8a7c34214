# A declared series column (WITH (ztsdb.series = ...)) is what the table
# keeps using after a clean restart and after a crash (the backends read it
# from pg_class, the writer's files were built with it), and pg_dump writes
# it into the CREATE TABLE it emits, so a restored table has it too.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('series_key');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 16MB
ztsdb.hot_chunk_size = 512kB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
# host_id comes first: a guess would take it as the series column
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, host_id int NOT NULL, metric_id int NOT NULL, value float8)
  USING ztsdb WITH (ztsdb.series = 'metric_id');
CREATE TABLE h (LIKE m);
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 3, i % 7, i
  FROM generate_series(0, 8639) i;
SELECT ztsdb.seal('m');
SELECT ztsdb.compress('m');
INSERT INTO m SELECT '2024-01-02'::timestamptz + i * interval '10 s', i % 3, i % 7, -i
  FROM generate_series(0, 8639) i;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT '2024-01-03'::timestamptz + i * interval '10 s', i % 3, i % 7, i * 0.5
  FROM generate_series(0, 999) i;
INSERT INTO h SELECT * FROM m;
});

my $layout = q{SELECT time_column || ',' || series_column || ',' || series_declared::int
  FROM ztsdb.table_layout('m')};
my $explain = q{EXPLAIN (COSTS OFF) SELECT * FROM m WHERE metric_id = 3};
# per metric: rows and sums through the pushed-down scan, through
# ztsdb.range() (which reads the files' per-series directory) and the heap
my $by_scan = q{SELECT string_agg(s, ' ' ORDER BY s) FROM
  (SELECT k || ':' || (SELECT count(*) || '/' || sum(value) FROM m WHERE metric_id = k) AS s
     FROM generate_series(0, 6) k) x};
my $by_range = q{SELECT string_agg(s, ' ' ORDER BY s) FROM
  (SELECT k || ':' || (SELECT count(*) || '/' || sum(value)
                         FROM ztsdb.range('m', k, '2024-01-01', '2024-01-04')) AS s
     FROM generate_series(0, 6) k) x};
my $by_heap = $by_scan =~ s/FROM m /FROM h /r;

sub check_all
{
	my ($node, $when) = @_;
	is($node->safe_psql('postgres', $layout), 'ts,metric_id,1', "declared series kept $when");
	like($node->safe_psql('postgres', $explain), qr/Pushed Down: metric_id = 3/,
		"metric_id pushed down $when");
	my $heap = $node->safe_psql('postgres', $by_heap);
	is($node->safe_psql('postgres', $by_scan), $heap, "scan by metric_id equals heap $when");
	is($node->safe_psql('postgres', $by_range), $heap, "ztsdb.range by metric_id equals heap $when");
	return;
}

is($node->safe_psql('postgres',
	q{SELECT string_agg(tier, ',' ORDER BY tier) FROM ztsdb.chunks('m')}),
	'cold,hot,warm', 'rows in every tier');
check_all($node, 'before restart');

$node->restart;
check_all($node, 'after a clean restart');

# more rows after the restart, then a crash: the new hot chunk and its
# sealed file take the declared column from the backends again
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-01-03 12:00'::timestamptz + i * interval '1 s', i % 3, i % 7, i
  FROM generate_series(1, 2000) i;
INSERT INTO h SELECT '2024-01-03 12:00'::timestamptz + i * interval '1 s', i % 3, i % 7, i
  FROM generate_series(1, 2000) i;
});
$node->stop('immediate');
$node->start;
$node->safe_psql('postgres', q{SELECT ztsdb.seal('m')});
check_all($node, 'after a crash and a seal');

# pg_dump writes the option into CREATE TABLE; the restored table has it
my $dump = $node->basedir . '/dump.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
like(slurp_file($dump), qr/CREATE TABLE public\.m \([^;]*\)\s+WITH \("ztsdb\.series"=metric_id\);/,
	'the dump declares the series column');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'),
	'-f', $dump ], 'restore');
is($node->safe_psql('restored', $layout), 'ts,metric_id,1', 'restored table has the declared series');
$node->safe_psql('restored', q{SELECT ztsdb.seal('m')});
is($node->safe_psql('restored', $by_range), $node->safe_psql('postgres', $by_heap),
	'restored rows by metric_id equal the heap');

$node->stop;
done_testing();
