# With wal_level = replica a ztsdb-only transaction whose rows fit in one
# record is committed by its marker (kCommitSelf): the writer flushes
# PostgreSQL's WAL up to that record for a group of committers, and
# PostgreSQL's own commit record follows unflushed (ingest_buffer.cpp).
#  1. such commits are counted (commits_by_marker) and reach a standby;
#     commits with heap rows, multi-record ones and asynchronous ones are not
#     decided by their marker;
#  2. a backend that dies after its marker is durable, before PostgreSQL's
#     commit record exists: the primary keeps the row after crash recovery
#     (clog says the transaction aborted), and so does the standby -- in its
#     hot chunk, after it repeats a seal, after a restart and once promoted;
#  3. a transaction that fails after its marker (kRecAbort) is seen neither
#     on the primary nor on the standby;
#  4. with synchronous standbys no marker decides alone: commits wait for
#     the standby (remote_apply too).
# (Point-in-time recovery to a target lets commit records decide:
# 019_replication.pl.)
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use lib 'test/tap';
use ZtsdbTap;

my $primary = PostgreSQL::Test::Cluster->new('mc_primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', q{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
restart_after_crash = on
# PostgreSQL's commit records of marker commits stay unflushed for long
wal_writer_delay = 10s
});
$primary->start;
$primary->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
});
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('mc_standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
# the standby seals a closed window's chunk once it is idle for a second
$standby->append_conf('postgresql.conf', "statement_timeout = '60s'\nztsdb.seal_idle_timeout = 1\n");
$standby->start;

sub stat_value
{
	my ($name) = @_;
	return $primary->safe_psql('postgres', "SELECT value FROM ztsdb.stats() WHERE metric = '$name'");
}

my $counts = q{SELECT series_id, count(*) FROM m GROUP BY 1 ORDER BY 1};

# ---------------------------------------------------------------- 1. which
# (the session's first commit may write PostgreSQL WAL of its own, a new
# clog page: then its commit record decides)
$primary->safe_psql('postgres', q{INSERT INTO m VALUES (now(), 1, 0)});
my $by_marker = stat_value('commits_by_marker');
$primary->safe_psql('postgres', join("\n",
	map { "INSERT INTO m VALUES (now() + $_ * interval '1 ms', 1, $_);" } 1 .. 49));
is(stat_value('commits_by_marker') - $by_marker, 49,
	'with wal_level = replica, single-row ztsdb-only commits are decided by their marker');
$by_marker = stat_value('commits_by_marker');
$primary->safe_psql('postgres', q{
BEGIN; INSERT INTO h VALUES (1); INSERT INTO m VALUES (now(), 2, 1); COMMIT;
INSERT INTO m SELECT now() + g * interval '1 us', 3, g FROM generate_series(1, 200000) g;
SET synchronous_commit = off;
INSERT INTO m VALUES (now(), 4, 1);
RESET synchronous_commit;
INSERT INTO h VALUES (2);
});
is(stat_value('commits_by_marker') - $by_marker, 0,
	'not a commit with heap rows, one of many records, or an asynchronous one');
# the asynchronous commit's record reaches PostgreSQL's WAL after its commit
# record, and the standby once that WAL is flushed (wal_writer_delay)
my $expect = $primary->safe_psql('postgres', $counts);
ok(poll_until('standby rows', sub { $standby->safe_psql('postgres', $counts) eq $expect }),
	'the standby has every row');

# ------------------------------------------- 2. dead after a durable marker
my ($ret, $out, $err) = $primary->psql('postgres', q{
SET ztsdb.debug_fault = 'crash_after_commit_marker';
BEGIN;
SELECT pg_current_xact_id();
INSERT INTO m VALUES ('2024-01-01 12:00+00', 5, 5);
COMMIT;
});
my ($xid) = $out =~ /^(\d+)$/m;
ok(defined $xid && $ret != 0, "the backend of transaction $xid died after its marker");
like($err, qr/server closed the connection|terminated abnormally|PANIC/, 'with a PANIC');
ok(poll_until('restart', sub {
	my ($r, $o) = $primary->psql('postgres', 'SELECT 1');
	return $r == 0 && $o eq '1' }), 'the primary came back from crash recovery');
is($primary->safe_psql('postgres', "SELECT pg_xact_status('$xid')"), 'aborted',
	'PostgreSQL has no commit record of it');
is($primary->safe_psql('postgres', 'SELECT count(*), sum(value) FROM m WHERE series_id = 5'), '1|5',
	'the primary keeps its row: the durable marker decided');
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT count(*), sum(value) FROM m WHERE series_id = 5'), '1|5',
	'so does the standby, in its hot chunk');

# the standby seals the row's chunk (its window is closed): the chunk file
# keeps the row
ok(poll_until('standby seal', sub {
	$standby->safe_psql('postgres', q{SELECT count(*) = 0 FROM ztsdb.chunks('m')
		WHERE tier = 'hot' AND max_time < '2024-01-02'}) eq 't' }),
	'the standby sealed the chunk of the row');
$expect = $primary->safe_psql('postgres', $counts);
is($standby->safe_psql('postgres', $counts), $expect, 'the sealed standby answers as the primary');
$standby->restart;
is($standby->safe_psql('postgres', $counts), $expect, 'and so after a restart');

# ------------------------------------------------ 3. failed after a marker
($ret, $out, $err) = $primary->psql('postgres', q{
SET ztsdb.debug_fault = 'after_commit_marker';
INSERT INTO m VALUES (now(), 6, 6);
});
like($err, qr/transaction failed after its ztsdb commit marker/, 'a commit failed after its marker');
$primary->safe_psql('postgres', q{INSERT INTO m VALUES (now(), 7, 7)});
$primary->wait_for_catchup($standby);
is($primary->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id IN (6, 7)'), '1',
	'the primary does not show its row');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id IN (6, 7)'), '1',
	'nor does the standby');

# -------------------------------------------------- synchronous standbys
# with synchronous_standby_names a commit waits for the standby: ztsdb-only
# commits then flush and wait through PostgreSQL's commit record, also with
# remote_apply
$primary->append_conf('postgresql.conf', "synchronous_standby_names = 'mc_standby'\n");
$primary->reload;
ok(poll_until('sync standby', sub {
	$primary->safe_psql('postgres',
		q{SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'}) eq '1' }),
	'the standby is synchronous');
$by_marker = stat_value('commits_by_marker');
$primary->safe_psql('postgres', q{
SET synchronous_commit = remote_apply;
INSERT INTO m VALUES (now(), 10, 1);
INSERT INTO m SELECT now() + g * interval '1 us', 11, g FROM generate_series(1, 100000) g;
});
is($standby->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id IN (10, 11)'), '100001',
	'remote_apply: the standby shows the rows as soon as the commits return');
is(stat_value('commits_by_marker') - $by_marker, 0, 'no commit was decided by its marker');
$standby->stop;
for my $sql (q{INSERT INTO m VALUES (now(), 12, 1)},
	q{INSERT INTO m SELECT now() + g * interval '1 us', 12, g FROM generate_series(1, 100000) g})
{
	# (statement_timeout ends before the commit: the wait is cancelled)
	my ($o, $e) = ('', '');
	my $h = IPC::Run::start([ 'psql', '-XAtq', '-d', $primary->connstr('postgres'), '-c', $sql ],
		'>', \$o, '2>', \$e);
	ok(poll_until('sync wait', sub {
		$primary->safe_psql('postgres',
			q{SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'}) eq '1' }),
		'with the standby down, a commit waits for it (' . substr($sql, 0, 30) . '...)');
	$primary->safe_psql('postgres',
		q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'});
	$h->finish;
	like($e, qr/canceling wait for synchronous replication/, 'until cancelled');
}
$primary->append_conf('postgresql.conf', "synchronous_standby_names = ''\n");
$primary->reload;
$standby->start;

# --------------------------------------------------------------- promotion
# a second dead backend, then the primary is stopped before its restart
# could write anything more: the promoted standby keeps the row
$expect = $primary->safe_psql('postgres', $counts);
($ret, $out, $err) = $primary->psql('postgres', q{
SET ztsdb.debug_fault = 'crash_after_commit_marker';
INSERT INTO m VALUES (now(), 8, 8);
});
ok(poll_until('restart', sub {
	my ($r, $o) = $primary->psql('postgres', 'SELECT 1');
	return $r == 0 && $o eq '1' }), 'the primary came back again');
$primary->wait_for_catchup($standby);
$expect = $primary->safe_psql('postgres', $counts);
like($expect, qr/^8\|1$/m, 'the primary kept the second row too');
$primary->stop('immediate');
$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'standby did not leave recovery';
is($standby->safe_psql('postgres', $counts), $expect,
	'the promoted standby has the rows of both marker-decided transactions');
$standby->safe_psql('postgres', q{INSERT INTO m VALUES (now(), 9, 9); SELECT ztsdb.seal('m');});
$standby->restart;
is($standby->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id IN (5, 8, 9)'), '3',
	'and after it ingests, seals and restarts');
$standby->stop;
done_testing();
