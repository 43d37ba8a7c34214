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
# A large asynchronous transaction: the writer seals its full hot chunks
# while it runs (a file stamping its xid) or after its COMMIT returned while
# still applying it (sorted files), and the crash comes before its commit
# marker is flushed (ztsdb.wal_flush_delay = 10s), once PostgreSQL's own
# commit record may have been (wal_writer_delay).  All or nothing, still.
# XXX fails today: the sorted files keep their rows and replay drops the
# rest (no durable marker); found by 012_load_faults.pl.
$node->safe_psql('postgres', q{
SET synchronous_commit = off;
INSERT INTO m SELECT '2024-04-01'::timestamptz + i * interval '1 s', 11, i FROM generate_series(1, 150000) i;
});
$node->safe_psql('postgres', 'SELECT pg_sleep(0.5)');	# past wal_writer_delay: the crash comes after it
$node->stop('immediate');
$node->start;
TODO:
{
	local $TODO = 'rows of an asynchronous commit sealed before its marker is durable outlive a crash';
	like($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 11'), qr/^(0|150000)$/,
		'a large asynchronous transaction sealed in part is all or nothing after a crash');
}

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
