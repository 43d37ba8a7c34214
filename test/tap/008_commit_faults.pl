# Commits decided by the sidecar WAL alone, and injected faults.
#
# A ztsdb-only transaction writes no PostgreSQL WAL, so its durable commit
# marker (kCommitSelf) is all replay needs and PostgreSQL does not flush its
# own commit record: one fdatasync per commit group instead of two.  Such a
# transaction that fails after its marker is durable must not come back
# after a crash.  ztsdb.debug_fault injects the failures: an error after the
# marker, ENOSPC and EIO on the sidecar WAL, io_uring refused at start.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
ztsdb.hot_chunk_size = 256kB
wal_writer_delay = 10s
restart_after_crash = on
# io_uring where the kernel allows (the default is sync): the faults below
# hit that path, and io_uring_refused tests auto's fallback
ztsdb.wal_io = auto
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
});

sub stat_value
{
	my ($name) = @_;
	return $node->safe_psql('postgres', "SELECT value FROM ztsdb.stats() WHERE metric = '$name'");
}

sub count_series
{
	my ($s) = @_;
	return $node->safe_psql('postgres', "SELECT count(*) FROM m WHERE series_id = $s");
}

# --- single-row commits decided by the sidecar WAL survive a crash ---------
my $self = stat_value('commits_by_marker');
my $dir = PostgreSQL::Test::Utils::tempdir;
PostgreSQL::Test::Utils::append_to_file("$dir/one.sql",
	"INSERT INTO m VALUES (now(), 1, random());\n");
system('pgbench', '-n', '-c', '4', '-t', '100', '-f', "$dir/one.sql", '-h', $node->host,
	'-p', $node->port, 'postgres') == 0
  or die "pgbench failed";
cmp_ok(stat_value('commits_by_marker') - $self, '>=', 400,
	'ztsdb-only commits are decided by the sidecar WAL');

# a transaction that also writes a heap table still needs PostgreSQL's commit
$self = stat_value('commits_by_marker');
$node->safe_psql('postgres', q{
BEGIN; INSERT INTO m VALUES (now(), 2, 1); INSERT INTO h VALUES (2); COMMIT;
});
is(stat_value('commits_by_marker') - $self, 0, 'a commit that wrote heap rows is not sidecar-only');

# so does a SERIALIZABLE one (its commit-time check may still fail)
$node->safe_psql('postgres', q{
BEGIN ISOLATION LEVEL SERIALIZABLE; INSERT INTO m VALUES (now(), 3, 1); COMMIT;
});
is(stat_value('commits_by_marker') - $self, 0, 'a SERIALIZABLE commit is not sidecar-only');

$node->stop('immediate');
$node->start;
is(count_series(1), '400', 'every sidecar-only commit survives an immediate stop');
is(count_series(2) . '/' . $node->safe_psql('postgres', 'SELECT count(*) FROM h'), '1/1',
	'the mixed transaction survives whole');
is(count_series(3), '1', 'the serializable transaction survives');

# --- rows of a running transaction stamped into a chunk file ----------------
# 30000 rows overflow a 256 kB hot chunk: the chunk is sealed (forced) while
# the transaction still runs, so the file stamps its rows with its xid.  Its
# commit is decided by the marker; if PostgreSQL's commit record was not yet
# flushed at the crash, replay records it in ztsdb/wal/sidecar_commits.
$self = stat_value('commits_by_marker');
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-02-01'::timestamptz + i * interval '1 s', 10, i FROM generate_series(1, 30000) i;
});
is(stat_value('commits_by_marker') - $self, 1, 'the large INSERT was a sidecar-only commit');
cmp_ok($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m') WHERE tier = 'warm'}), '>=', 1,
	'a chunk was sealed while the INSERT ran');
my $log_offset = -s $node->logfile;
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*), sum(value) FROM m WHERE series_id = 10'), '30000|450015000',
	'stamped and hot rows of the sidecar-only commit survive a crash');
diag($node->log_contains(qr/committed by the sidecar WAL alone recorded/, $log_offset)
	? 'replay recorded the commit in sidecar_commits' : 'clog knew the commit (its record was flushed)');
$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 10'), '30000',
	'and a second restart');

# --- a failure after the durable marker ---------------------------------------
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
SET ztsdb.debug_fault = after_commit_marker;
INSERT INTO m VALUES (now(), 4, 1);
});
isnt($ret, 0, 'a transaction failing after its marker reports an error');
like($stderr, qr/transaction failed after its ztsdb commit marker/, 'with the injected message');
is(count_series(4), '0', 'its row is not visible');
$node->stop('immediate');
$node->start;
is(count_series(4), '0', 'its row does not come back after a crash');

# --- ENOSPC on the sidecar WAL ---------------------------------------------------
for my $case (['wal_enospc', '53100', qr/No space left on device/])
{
	my ($fault, $state, $why) = @$case;

	set_writer_fault($node, $fault);
	($ret, $stdout, $stderr) = $node->psql('postgres', q{
\set VERBOSITY verbose
INSERT INTO m VALUES (now(), 5, 1);
});
	isnt($ret, 0, "$fault: the committing INSERT fails");
	like($stderr, qr/ERROR:  $state: could not make this transaction's ztsdb rows durable/,
		"$fault: SQLSTATE $state, never an acknowledgement");
	like($stderr, qr/ztsdb\/wal\/[0-9A-F]+.*$why/, "$fault: the detail names the WAL file and the cause");
	is(count_series(5), '0', "$fault: the failed row is invisible");

	set_writer_fault($node, 'none');
	$node->safe_psql('postgres', 'INSERT INTO m VALUES (now(), 6, 1)');
}
is(count_series(6), '1', 'ingestion resumes once the fault is gone');

# --- a failed fdatasync of the sidecar WAL: PANIC, as PostgreSQL does ---------------
# (after a failed fsync the kernel may call lost pages clean; a later flush
# could then report success for them)
$log_offset = -s $node->logfile;
set_writer_fault($node, 'wal_eio');
($ret, $stdout, $stderr) = $node->psql('postgres', "INSERT INTO m VALUES (now(), 5, 2)");
isnt($ret, 0, 'wal_eio: the committing INSERT is never acknowledged');
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die 'the server did not come back after the PANIC';
ok($node->log_contains(qr/PANIC:  could not fdatasync ztsdb WAL file "ztsdb\/wal\/[0-9A-F]+": Input\/output error/,
		$log_offset), 'wal_eio: the writer PANICs naming the WAL file');
set_writer_fault($node, 'none');
$node->safe_psql('postgres', 'INSERT INTO m VALUES (now(), 6, 2)');
is(count_series(5) . '/' . count_series(6), '0/2', 'wal_eio: the failed row is absent, later rows present');
$node->stop('immediate');
$node->start;
is(count_series(5) . '/' . count_series(6), '0/2', 'after a crash: failed rows absent, later rows present');

# --- io_uring refused at writer start ---------------------------------------------
$node->safe_psql('postgres', "ALTER SYSTEM SET ztsdb.debug_fault = 'io_uring_refused'");
$log_offset = -s $node->logfile;
$node->restart;
wait_for_replay($node, 'm');
ok($node->log_contains(qr/io_uring is not available \(Operation not permitted\); the sidecar WAL uses pwrite and fdatasync/,
		$log_offset), 'io_uring refused: the writer logs the fallback');
my $submits = stat_value('io_uring_submits');
my $fsyncs = stat_value('wal_fsyncs');
$node->safe_psql('postgres', 'INSERT INTO m SELECT now(), 7, g FROM generate_series(1, 1000) g');
is(stat_value('io_uring_submits') - $submits, 0, 'io_uring refused: no io_uring submissions');
cmp_ok(stat_value('wal_fsyncs') - $fsyncs, '>=', 1, 'io_uring refused: fdatasync makes commits durable');
$node->stop('immediate');
$node->start;
is(count_series(7), '1000', 'io_uring refused: the rows survive a crash');

# --- PostgreSQL's WAL insert position on a page boundary ------------------------
# Before a forced seal stamps a running transaction's rows, and before each
# sidecar WAL checkpoint, the writer flushes PostgreSQL's WAL to its end.
# When the insert position sits exactly on a page boundary, the flush must
# stop there (the next page's header is not written yet): asking for more
# failed the seal, and PANICked the writer with asynchronous commits pending.
sub insert_lsn
{
	my ($hi, $lo) = split m{/}, $node->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
	return hex($hi) * 2**32 + hex($lo);
}
# pad with logical messages up to a page boundary, where the insert position
# reads as boundary + 24 (a short page header); a message's overhead beyond
# its payload is measured on the way
sub pad_to_page_boundary
{
	my $overhead = 56;
	for (1 .. 30)
	{
		my $offset = insert_lsn() % 8192;
		return 1 if $offset == 24;
		my $payload = 8192 - $offset >= 400 ? 8192 - $offset - $overhead : 400;
		$node->safe_psql('postgres', "SELECT pg_logical_emit_message(false, 'x', repeat('x', $payload))");
		my $now = insert_lsn() % 8192;
		$overhead = $now - $offset - $payload if $now > $offset && $now != 24;
	}
	return 0;
}
# Round 1: the forced seal stamps a running transaction, which then rolls
# back.  Round 2: the same, and the transaction commits afterwards (its rows
# come from the stamped file and the hot chunk), then a new transaction
# commits into the table, with the sidecar WAL file the failed flush used to
# close twice ("Bad file descriptor" on the next commit).
my $log_offset_pb = -s $node->logfile;
for my $round (['rollback', 12, '0'], ['commit', 13, '4000'])
{
	my ($end, $s, $want) = @$round;
	my $open = $node->background_psql('postgres');
	$open->query_safe(q{BEGIN});
	$open->query_safe(qq{INSERT INTO m SELECT now(), $s, g FROM generate_series(1, 2000) g});	# two batches pushed
	ok(pad_to_page_boundary(), "$end: PostgreSQL's WAL insert position is on a page boundary");
	($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT ztsdb.seal('m') > 0});
	is($stdout, 't', "$end: a forced seal then flushes PostgreSQL's WAL and succeeds") or diag($stderr);
	$open->query_safe(qq{INSERT INTO m SELECT now(), $s, g FROM generate_series(2001, 4000) g});
	$open->query_safe(uc $end);
	$open->quit;
	is(count_series($s), $want, "$end: the rows it stamped are " . ($want ? 'all visible' : 'invisible'));
}
ok(pad_to_page_boundary(), 'PostgreSQL\'s WAL insert position is on a page boundary again');
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{INSERT INTO m SELECT now(), 14, g FROM generate_series(1, 500) g; SELECT ztsdb.seal('m') > 0});
is($ret . $stdout, '0t', 'a commit and a seal right at the boundary succeed') or diag($stderr);
is(count_series(14), '500', 'and its rows are there');
ok(!$node->log_contains(qr/not obtained from OpenTransientFile|Bad file descriptor|xlog flush request/, $log_offset_pb),
	'no flush error, no descriptor closed twice');

$node->stop;
done_testing();
