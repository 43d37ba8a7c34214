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

# many series in one window: seals leave many small sorted warm files, each
# with a few rows of most series; the tiering merges them (eight of a size
# class into one while rows arrive, all of them once the window has no hot
# chunk left), so a series query searches one file instead of twenty
$node->safe_psql('postgres', q{
CREATE TABLE w (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE w_heap (ts timestamptz NOT NULL, series_id int NOT NULL, value float8);
INSERT INTO w_heap SELECT date_trunc('day', now()) + interval '2 days' + (i / 2000) * interval '1 s', i % 2000, i
  FROM generate_series(0, 199999) i;
});
# one statement per seal, so each warm file holds one chunk's rows
for my $part (0 .. 9)
{
	$node->safe_psql('postgres', qq{
INSERT INTO w SELECT * FROM w_heap WHERE value >= $part * 20000 AND value < ($part + 1) * 20000 ORDER BY value;
SELECT ztsdb.seal('w');
});
}
my $warm_files = q{SELECT count(*) FROM ztsdb.chunks('w') WHERE tier = 'warm'};
my $merged = q{SELECT value FROM ztsdb.stats() WHERE metric = 'warm_chunks_merged'};
my $answers = q{SELECT count(*), sum(value), count(DISTINCT series_id), max(ts) FROM TBL;
SELECT count(*), sum(value), min(ts), max(ts) FROM TBL WHERE series_id = 1234;
SELECT series_id, count(*), sum(value) FROM TBL WHERE series_id IN (0, 17, 1999)
  AND ts >= date_trunc('day', now()) + interval '2 days 10 s' AND ts < date_trunc('day', now()) + interval '2 days 70 s'
  GROUP BY 1 ORDER BY 1;};
(my $heap_q = $answers) =~ s/TBL/w_heap/g;
(my $ztsdb_q = $answers) =~ s/TBL/w/g;
my $want = $node->safe_psql('postgres', $heap_q);
ok($node->poll_query_until('postgres', "SELECT ($merged) >= 8 AND ($warm_files) = 1"),
	'small warm files of one window are merged by themselves');
is($node->safe_psql('postgres', $ztsdb_q), $want, 'merged warm files answer as heap does');
like($node->safe_psql('postgres', qq{EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM w WHERE series_id = 1234}), qr/Chunks Scanned: 1\b/,
	'a series query scans the one merged file');
is($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('w') WHERE tier = 'hot'}), '0',
	'no rows left behind in hot chunks');
$node->restart;
is($node->safe_psql('postgres', $ztsdb_q), $want, 'merged warm files survive a restart');
my @wfiles = glob($node->data_dir . '/ztsdb/*/' .
	$node->safe_psql('postgres', q{SELECT relfilenode FROM pg_class WHERE relname = 'w'}) . '/*.warm');
is(scalar(@wfiles), $node->safe_psql('postgres', $warm_files) + 0,
	'the merged files are gone from the table directory');


# while rows still arrive in a window (a hot chunk of it is left), eight
# single-chunk files become one; the larger merge waits for the window
$node->safe_psql('postgres', q{
CREATE TABLE w2 (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO w2 SELECT * FROM w_heap ORDER BY value;
});
my $merged0 = $node->safe_psql('postgres', $merged);
ok($node->poll_query_until('postgres', qq{SELECT ($merged) >= $merged0 + 16
  AND (SELECT count(*) FROM ztsdb.chunks('w2') WHERE tier = 'hot') = 1
  AND (SELECT count(*) FROM ztsdb.chunks('w2') WHERE tier = 'warm' AND rows < 20000) < 8}),
	'single-chunk files of a window still written are merged eight by eight');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('w2') WHERE tier = 'warm'}), '>=', 2,
	'the merged files are not merged further while the window has a hot chunk');
(my $w2_q = $answers) =~ s/TBL/w2/g;
is($node->safe_psql('postgres', $w2_q), $want, 'the open window answers as heap does');

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
