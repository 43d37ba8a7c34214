# synchronous_commit = off: commits return once the rows are applied (the
# session sees them at once), fdatasyncs are shared over
# ztsdb.wal_flush_delay, and a crash loses at most whole recent
# asynchronous transactions, never part of one.  SET LOCAL
# ztsdb.durable_commit = on makes one transaction durable at commit anyway.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('async');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.wal_flush_delay = 10s
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
});
sub stat_value
{
	my ($name) = @_;
	return $node->safe_psql('postgres', "SELECT value FROM ztsdb.stats() WHERE metric = '$name'");
}

is($node->safe_psql('postgres', q{
SET synchronous_commit = off;
INSERT INTO m VALUES ('2024-01-01', 1, 1);
SELECT count(*) FROM m;
}), '1', 'an asynchronous commit is visible to the next statement');

# another session sees an asynchronous commit at once (its scan waits until
# the writer, which async commits do not wake, has applied it)
$node->safe_psql('postgres', q{
SET synchronous_commit = off;
INSERT INTO m VALUES ('2024-01-02', 9, 9);
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 9'), '1',
	'another session sees an asynchronous commit at once');

# many asynchronous commits share few fdatasyncs
my $fsyncs = stat_value('wal_fsyncs');
my $commits = stat_value('commits');
my $dir = PostgreSQL::Test::Utils::tempdir;
PostgreSQL::Test::Utils::append_to_file("$dir/one.sql",
	"INSERT INTO m VALUES (now(), 2, random());\n");
system('pgbench', '-n', '-c', '4', '-t', '250', '-f', "$dir/one.sql", '-h', $node->host,
	'-p', $node->port, 'postgres') == 0
  or die "pgbench failed";
my $new_commits = stat_value('commits') - $commits;
my $new_fsyncs = stat_value('wal_fsyncs') - $fsyncs;
diag("synchronous commits: $new_commits commits, $new_fsyncs fsyncs");
ok($new_commits >= 1000, 'the synchronous pgbench run committed');

$ENV{PGOPTIONS} = '-c synchronous_commit=off';
$fsyncs = stat_value('wal_fsyncs');
$commits = stat_value('commits');
system('pgbench', '-n', '-c', '4', '-t', '250', '-f', "$dir/one.sql", '-h', $node->host,
	'-p', $node->port, 'postgres') == 0
  or die "pgbench failed";
delete $ENV{PGOPTIONS};
my $async_commits = stat_value('commits') - $commits;
my $async_fsyncs = stat_value('wal_fsyncs') - $fsyncs;
diag("asynchronous commits: $async_commits commits, $async_fsyncs fsyncs");
ok($async_commits >= 1000, 'the asynchronous pgbench run committed');
ok($async_fsyncs * 10 < $async_commits, 'asynchronous commits share fdatasyncs');

# a durable transaction among asynchronous ones survives a crash at once
$node->safe_psql('postgres', q{
SET synchronous_commit = off;
INSERT INTO m SELECT '2024-02-01'::timestamptz + i * interval '1 s', 7, i FROM generate_series(1, 1000) i;
BEGIN;
SET LOCAL ztsdb.durable_commit = on;
INSERT INTO m VALUES ('2024-03-01', 8, 8);
COMMIT;
});
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 8'), '1',
	'the durable_commit transaction survived the crash');
like($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 7'), qr/^(0|1000)$/,
	'the asynchronous transaction is all or nothing');
# The same, deterministically: ztsdb.seal() writes a file of the running
# transaction's first rows (stamping its xid); an older snapshot keeps that
# file from being re-sorted (a re-sort would flush the sidecar WAL); the
# transaction commits asynchronously and the crash comes once PostgreSQL's
# commit record is durable (wal_writer_delay) but long before the marker
# is (ztsdb.wal_flush_delay = 10s).  Replay skips the batches without a
# marker, so the file rows must go too.
$node->safe_psql('postgres', 'CREATE TABLE other (i int)');
my $old_snapshot = $node->background_psql('postgres');
$old_snapshot->query_safe(q{BEGIN ISOLATION LEVEL REPEATABLE READ});
$old_snapshot->query_safe(q{SELECT count(*) FROM other});
$old_snapshot->query_safe(q{INSERT INTO other VALUES (1)});	# an xid: the horizon stays behind it
is($node->safe_psql('postgres', q{
SET synchronous_commit = off;
BEGIN;
INSERT INTO m SELECT '2024-05-01'::timestamptz + i * interval '1 s', 12, i FROM generate_series(1, 3000) i;
SELECT ztsdb.seal('m') > 0;
INSERT INTO m SELECT '2024-05-01'::timestamptz + i * interval '1 s', 12, i FROM generate_series(3001, 5000) i;
COMMIT;
}), 't', 'a running asynchronous transaction had rows sealed into a file');
$node->safe_psql('postgres', 'SELECT pg_sleep(0.5)');	# past wal_writer_delay
my $log_offset = -s $node->logfile;
$node->stop('immediate');
$old_snapshot->quit;	# its server is gone
$node->start;
my $sealed = $node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 12');
like($sealed, qr/^(0|5000)$/,
	'an asynchronous transaction with rows sealed while it ran is all or nothing after a crash');
if ($sealed eq '0')
{
	ok($node->log_contains(qr/rewrote [1-9]\d* chunk file\(s\) without the rows of transactions whose commit marker did not survive/,
			$log_offset), 'replay rewrote its chunk files without its rows');
}
else
{
	diag('its marker became durable before the crash: whole');
}

# A large asynchronous transaction: the writer seals its full hot chunks
# while it runs (files stamping its xid) and after its COMMIT returned while
# still applying it (its marker not yet taken from the ring), and the crash
# comes before its commit marker is flushed (ztsdb.wal_flush_delay = 10s),
# once PostgreSQL's own commit record may have been (wal_writer_delay).
# All or nothing, still: replay drops the file rows of a transaction whose
# marker never became durable.
$node->safe_psql('postgres', q{
SET synchronous_commit = off;
INSERT INTO m SELECT '2024-04-01'::timestamptz + i * interval '1 s', 11, i FROM generate_series(1, 150000) i;
});
$node->safe_psql('postgres', 'SELECT pg_sleep(0.5)');	# past wal_writer_delay: the crash comes after it
$node->stop('immediate');
$node->start;
my $large = $node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 11');
diag("large asynchronous transaction after the crash: $large of 150000 rows");
like($large, qr/^(0|150000)$/,
	'a large asynchronous transaction sealed in part is all or nothing after a crash');

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
