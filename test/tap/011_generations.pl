# Writer generations stay bounded: every start forgets the generations that
# nothing names any more.
#
# Each writer start adds a generation to ztsdb/wal/generations (xids seen in
# it are judged by its boundary, wal_generation.h).  A generation is needed
# while the sidecar WAL from its checkpoint holds records of it, or an
# unsorted warm file stamps rows with it; sidecar_commits entries while a
# file stamps their xid.  This test restarts the server with each kind of
# reference held and released and checks, through ztsdb.stats(), that the
# file keeps exactly what is named, and that every row survives.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('generations');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
max_prepared_transactions = 2
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
ztsdb.hot_chunk_size = 256kB
wal_writer_delay = 10s
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE other (id int);
});
my $checkpoint_file = $node->data_dir . '/ztsdb/wal/checkpoint';

# stat_value reads a figure once replay is done (a scan waits for it; stats() does not)
sub stat_value
{
	my ($name) = @_;
	$node->safe_psql('postgres', 'SELECT count(*) FROM m');
	return $node->safe_psql('postgres', "SELECT value::bigint FROM ztsdb.stats() WHERE metric = '$name'");
}

sub rows
{
	return $node->safe_psql('postgres', 'SELECT count(*), coalesce(sum(value), 0) FROM m');
}

# wait_checkpoint waits until the sidecar WAL checkpoint differs from $old
sub wait_checkpoint
{
	my ($old) = @_;
	return poll_until('the sidecar WAL checkpoint to move', sub { slurp_file($checkpoint_file) ne $old });
}

is(stat_value('generations_kept'), '1', 'a fresh cluster keeps one generation');

# --- hot rows keep their generation's records in the WAL ----------------------
$node->safe_psql('postgres',
	q{INSERT INTO m SELECT '2024-01-01'::timestamptz + g * interval '1 s', g % 5, g FROM generate_series(1, 1000) g});
for my $k (1 .. 3)
{
	$node->stop('immediate');
	$node->start;
	is(stat_value('generations_kept'), $k + 1,
		"restart $k with unsealed hot rows: every generation since their records is kept");
}
is(rows(), '1000|500500', 'the hot rows survive the restarts');

my $cp = slurp_file($checkpoint_file);
$node->safe_psql('postgres', q{SELECT ztsdb.seal('m')});
ok(wait_checkpoint($cp), 'sealing lets the WAL checkpoint move');
$node->stop('immediate');
$node->start;
is(stat_value('generations_kept'), '1', 'once no record names them, older generations are forgotten');
is(rows(), '1000|500500', 'and every row is still there');

# --- an unsorted warm file keeps the generation it stamps ---------------------
# A prepared transaction holds the xmin horizon across restarts, so a file a
# forced seal stamped with a commit clog knows cannot be re-sorted until it
# ends.
sub warm_ids
{
	return split /,/, $node->safe_psql('postgres',
		q{SELECT string_agg(chunk_id::text, ',' ORDER BY chunk_id) FROM ztsdb.chunks('m') WHERE tier = 'warm'});
}
my %sorted_before = map { $_ => 1 } warm_ids();
$node->safe_psql('postgres', q{BEGIN; INSERT INTO other VALUES (1); PREPARE TRANSACTION 'hold'});
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-03-01'::timestamptz + ((i * 7919) % 30000) * interval '1 s', 10, i
  FROM generate_series(1, 30000) i;
});
my @stamped = grep { !$sorted_before{$_} } warm_ids();
cmp_ok(scalar(@stamped), '>=', 1, 'the large INSERT left stamped warm files (' . join(',', @stamped) . ')');
# a durable heap commit flushes PostgreSQL's WAL, the large commit's record too
$node->safe_psql('postgres', q{INSERT INTO other VALUES (2)});
$node->stop('immediate');
$node->start;
is(stat_value('generations_kept'), '2', 'the WAL and the stamped files name the older generation');

$cp = slurp_file($checkpoint_file);
$node->safe_psql('postgres', q{SELECT ztsdb.seal('m')});
ok(wait_checkpoint($cp), 'with every row in files, the WAL checkpoint moves');
$node->restart;
is(stat_value('generations_kept'), '3', 'once the WAL no longer names it, the stamped files alone keep it');
is(rows(), '31000|450515500', 'rows of the stamped files read correctly across restarts');
is(join(',', grep { $_ <= $stamped[-1] && !$sorted_before{$_} } warm_ids()), join(',', @stamped),
	'the files were not re-sorted while the prepared transaction held the horizon');

$node->safe_psql('postgres', q{COMMIT PREPARED 'hold'});
# wait_resorted waits until none of the given warm chunks is left; returns how many are
sub wait_resorted
{
	my %ids = map { $_ => 1 } @_;
	my $left = scalar(@_);
	poll_until('the re-sort of ' . join(',', @_), sub {
		$left = grep { $ids{$_} } warm_ids();
		return $left == 0;
	});
	return $left;
}
is(wait_resorted(@stamped), 0, 'once the horizon passes, every stamped file is re-sorted');
$node->restart;
is(stat_value('generations_kept'), '1', 'then their generations are forgotten');
is(rows(), '31000|450515500', 'and every row is there once');

# --- sidecar commits are kept while a file stamps them -------------------------
# The same, crashing right after the commit: PostgreSQL's commit record is
# then most likely unflushed (wal_writer_delay), and replay records the
# commit in sidecar_commits; such a commit is old to every snapshot after the
# crash, so its files are re-sorted right away and a later start drops it.
# Until the crash a snapshot older than the commit keeps the files stamped:
# otherwise the writer could re-sort one before the list below is taken,
# and that sorted file would never be re-sorted.
%sorted_before = map { $_ => 1 } warm_ids();
my $old_snapshot = $node->background_psql('postgres');
$old_snapshot->query_safe(q{BEGIN ISOLATION LEVEL REPEATABLE READ});
$old_snapshot->query_safe(q{SELECT count(*) FROM other});
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-04-01'::timestamptz + ((i * 7919) % 30000) * interval '1 s', 11, i
  FROM generate_series(1, 30000) i;
});
@stamped = grep { !$sorted_before{$_} } warm_ids();
my $log_offset = -s $node->logfile;
$node->stop('immediate');
$old_snapshot->quit;	# its server is gone
$node->start;
# replay records the commit before backends may touch ztsdb tables, but
# after the server accepts connections: wait for it before reading the log
wait_for_replay($node, 'm');
my $recorded = $node->log_contains(qr/committed by the sidecar WAL alone recorded/, $log_offset);
diag($recorded ? 'replay recorded the large commit in sidecar_commits'
	: 'clog knew the large commit: sidecar_commits stays empty');
is(stat_value('sidecar_commits_kept'), $recorded ? '1' : '0', 'the commit is kept while its files are unsorted');
is(wait_resorted(@stamped), 0, 'its files are re-sorted');
$node->restart;
is(stat_value('sidecar_commits_kept'), '0', 'then the sidecar commit is forgotten');
is(rows(), '61000|900530500', 'and every row is there once');

# --- restarts faster than the checkpoint: replay seals what it rebuilt --------
$node->safe_psql('postgres', q{ALTER SYSTEM SET ztsdb.debug_fault = 'generations_pressure'});
$node->reload;
$node->safe_psql('postgres',
	q{INSERT INTO m SELECT '2024-06-01'::timestamptz + g * interval '1 s', 20, 1 FROM generate_series(1, 500) g});
$cp = slurp_file($checkpoint_file);
$log_offset = -s $node->logfile;
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m') WHERE tier = 'hot'}), '0',
	'under pressure, replay seals the hot chunks it rebuilt');
ok($node->log_contains(qr/writer generations are still named by the sidecar WAL; sealing every hot chunk/,
		$log_offset), 'and says so');
ok(wait_checkpoint($cp), 'and the WAL checkpoint moves');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET ztsdb.debug_fault});
$node->restart;
is(stat_value('generations_kept'), '1', 'so the next start forgets the older generations');
is(rows(), '61500|900531000', 'with every row intact');

$node->stop;
done_testing();
