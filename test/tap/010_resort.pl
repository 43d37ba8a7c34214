# Unsorted warm files are re-sorted once no snapshot needs their stamps.
#
# A transaction larger than a hot chunk gets its rows sealed while it runs
# (forced seal): the warm file stamps them with its xid and keeps them in
# arrival order.  Once the transaction has ended and no snapshot could still
# judge it in progress, the writer rewrites the file sorted, without stamps,
# under a new chunk id.  While an older snapshot is held (REPEATABLE READ in
# another session) it must wait -- without re-reading the file on every try
# -- and it must re-sort the file as soon as that snapshot is gone.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('resort');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
ztsdb.hot_chunk_size = 256kB
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE other (id int);
});

sub warm_ids
{
	return $node->safe_psql('postgres',
		q{SELECT string_agg(chunk_id::text, ',' ORDER BY chunk_id) FROM ztsdb.chunks('m') WHERE tier = 'warm'});
}

# a session whose snapshot predates the large INSERT's commit
my $old = $node->background_psql('postgres');
$old->query_safe(q{BEGIN ISOLATION LEVEL REPEATABLE READ});
$old->query_safe(q{SELECT count(*) FROM other});
$old->query_safe(q{INSERT INTO other VALUES (1)});	# an xid: the horizon stays behind it

# 30000 rows do not fit a 256 kB hot chunk: sealed while the INSERT runs
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-03-01'::timestamptz + ((i * 7919) % 30000) * interval '1 s', i % 7, i
  FROM generate_series(1, 30000) i;
});
my $before = warm_ids();
ok($before ne '', "the large INSERT left warm files ($before)");

# a session that has read (and so mapped, in its file cache) the unsorted files
my $reader = $node->background_psql('postgres');
is($reader->query_safe(q{SELECT count(*), sum(value) FROM m WHERE series_id < 7}),
	'30000|450015000', 'a session reads the rows from the unsorted files');

# the old snapshot keeps the stamped file as it is (the pause gives a wrong
# re-sort time to happen; it cannot make a correct run fail)
sleep(2);
is(warm_ids(), $before, 'no re-sort while an older snapshot may judge the xid in progress');
is($old->query_safe(q{SELECT count(*) FROM m}), '0', 'the old snapshot still sees none of the rows');

# once it ends, the file is re-sorted soon (under a new chunk id)
$old->query_safe(q{COMMIT});
$old->quit;
my $after = $before;
poll_until('the re-sort', sub {
	$node->safe_psql('postgres', q{INSERT INTO m VALUES ('2024-03-05', 99, 0)});	# wake the writer
	$after = warm_ids();
	return $after ne $before;
});
isnt($after, $before, "the warm files were rewritten ($after)");

# the session that read the unsorted files reads the re-sorted ones, and
# lets go of its mappings of the files the re-sort replaced
my $max_before = (sort { $b <=> $a } split(/,/, $before))[0];
ok(poll_until('every unsorted file re-sorted', sub {
	$node->safe_psql('postgres', q{INSERT INTO m VALUES ('2024-03-05', 99, 0)});	# wake the writer
	return $node->safe_psql('postgres',
		qq{SELECT bool_and(chunk_id > $max_before) FROM ztsdb.chunks('m') WHERE tier = 'warm'}) eq 't';
}), 'every unsorted file was re-sorted');
is($reader->query_safe(q{SELECT count(*), sum(value) FROM m WHERE series_id < 7}),
	'30000|450015000', 'the same session reads every row once from the re-sorted files');
is($reader->query_safe(
	q{SELECT string_agg(chunk_id::text, ',' ORDER BY chunk_id) FROM ztsdb.chunks('m') WHERE tier = 'warm'}),
	warm_ids(), 'it sees the files a new session sees');
is($reader->query_safe(q{SELECT value::int FROM ztsdb.stats() WHERE metric = 'cached_files'}),
	$node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m') WHERE tier <> 'hot'}),
	'and keeps only those files mapped');
$reader->quit;
is($node->safe_psql('postgres', q{SELECT count(*), sum(value) FROM m WHERE series_id < 7}),
	'30000|450015000', 'every row is there once after the re-sort');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT ts, lag(ts) OVER (ORDER BY ts) AS prev FROM m WHERE series_id = 3) s
 WHERE prev IS NOT NULL AND prev >= ts}), '0', 'and a series reads in time order');
$node->restart;
is($node->safe_psql('postgres', q{SELECT count(*) FROM m WHERE series_id < 7}), '30000',
	'and after a restart');

done_testing();
