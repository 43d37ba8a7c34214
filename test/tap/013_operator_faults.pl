# What operators and the platform do to a running server, reached the way
# they reach it: a WAL segment switch before a large INSERT; the writer
# cancelled, terminated (the postmaster restarts it and the cluster
# rebuilds ztsdb's shared memory); a damaged sidecar WAL checkpoint file
# (the writer stays up, ztsdb queries fail naming the file, heap keeps
# working, removing the file lets the writer start); wal_io = io_uring where
# the kernel refuses it (a WARNING and the plain path, never a start loop);
# ztsdb.chunk_time_interval changed across a crash; a damaged manifest of
# one table (that table fails naming the file, the others keep working);
# an idle cursor holding hot chunks while the pool fills (ztsdb.max_pin_wait).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('operator');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
ztsdb.hot_pool_size = 8MB
ztsdb.hot_chunk_size = 256kB
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
});

sub writer_pid
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE backend_type = 'ztsdb writer'");
}

# poll until a query answers as expected (generous limit, never a fixed sleep)
sub wait_for
{
	my ($sql, $expected, $what) = @_;
	ok($node->poll_query_until('postgres', $sql, $expected), $what);
}

# --- 1. INSERT right after a WAL segment switch ----------------------------------
# The forced seals of a large INSERT flush PostgreSQL's WAL; after a segment
# switch the insert position names a page nothing was written to.
my ($ret, $stdout, $stderr);
for my $round (1 .. 3)
{
	($ret, $stdout, $stderr) = $node->psql('postgres', qq{
SELECT pg_switch_wal();
INSERT INTO m SELECT '2024-01-01'::timestamptz + g * interval '1 s', $round, g FROM generate_series(1, 30000) g;
});
	is($ret, 0, "round $round: a large INSERT right after pg_switch_wal() succeeds");
	is($stderr, '', "round $round: without an error");
}
$node->safe_psql('postgres', q{
SELECT pg_switch_wal();
BEGIN;
INSERT INTO h VALUES (1);
INSERT INTO m SELECT '2024-01-02'::timestamptz + g * interval '1 s', 11, g FROM generate_series(1, 10000) g;
COMMIT;
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '100000', 'and one that writes heap rows too');
ok($node->safe_psql('postgres', "SELECT value::bigint FROM ztsdb.stats() WHERE metric = 'chunks_sealed'") > 0,
	'chunks were sealed while the INSERTs ran');

# --- 2. pg_cancel_backend of the writer means nothing to it -------------------------
my $pid = writer_pid();
ok($pid > 0, 'the writer runs');
for my $i (1 .. 5)
{
	$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
	($ret, $stdout, $stderr) = $node->psql('postgres', "INSERT INTO m VALUES ('2024-02-01', 20, $i)");
	is($ret, 0, "INSERT $i after cancelling the writer succeeds");
}
is(writer_pid(), $pid, 'the cancelled writer is still the same process');
is($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 20'), '5', 'every row is there');

# --- 2b. statement_timeout ends a commit that waits for a stalled writer ----------------
# (SIGSTOP: the writer neither works nor exits)  The timeout ends the wait;
# the abort then records durably that the transaction aborted, which needs
# the writer back.
kill 'STOP', $pid;
my $log_offset = -s $node->logfile;
my ($in, $out, $err) = ('', '', '');
my $h = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', "SET statement_timeout = '1s'",
	  '-c', "INSERT INTO m VALUES ('2024-02-01', 22, 1)" ],
	\$in, \$out, \$err);
my $timed_out = $node->wait_for_log(qr/ERROR:  canceling statement due to statement timeout/, $log_offset);
kill 'CONT', $pid;
$h->finish;
ok($timed_out, 'the commit waiting for a stopped writer ends at statement_timeout');
like($err, qr/canceling statement due to statement timeout/, 'the client gets the timeout error');
is($node->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 22'), '0', 'and its row is not there');

# --- 3. pg_terminate_backend of the writer ------------------------------------------
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', "SELECT pg_terminate_backend($pid)");
# the postmaster starts a new writer, which restarts the cluster; then a
# third writer replays and serves
wait_for("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ztsdb writer' AND pid <> $pid",
	'1', 'a terminated writer is replaced');
ok($node->log_contains(qr/ztsdb writer restarted after its predecessor exited/, $log_offset),
	'the restart is explained in the log');
wait_for("SELECT count(*) FROM m WHERE series_id = 20", '5', 'ztsdb tables answer again, nothing lost');
$node->safe_psql('postgres', "INSERT INTO m VALUES ('2024-02-01', 20, 6)");
is($node->safe_psql('postgres', 'SELECT count(*), sum(value) FROM m WHERE series_id = 20'), '6|21',
	'and ingest again');
is($node->safe_psql('postgres', 'SELECT count(*) FROM h'), '1', 'heap rows intact');

# --- 4. a damaged sidecar WAL checkpoint file ----------------------------------------
$node->stop;
my $cp = $node->data_dir . '/ztsdb/wal/checkpoint';
ok(-f $cp, 'the WAL checkpoint file exists');
open(my $fh, '+<', $cp) or die;
binmode $fh;
print $fh "\xff\xff\xff\xff";
close $fh;
$log_offset = -s $node->logfile;
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*) FROM h'), '1', 'heap tables work while the writer cannot start');
($ret, $stdout, $stderr) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT count(*) FROM m");
isnt($ret, 0, 'a ztsdb query fails');
like($stderr, qr/ERROR:  XX001: ztsdb writer could not start: ztsdb WAL checkpoint file "ztsdb\/wal\/checkpoint" is corrupt/,
	'with SQLSTATE XX001 naming the damaged file');
like($stderr, qr/HINT:  Restore the file, or remove it/, 'and a hint');
ok(writer_pid() > 0, 'the writer process stays up (no restart loop)');
unlink($cp) or die;
$node->reload;
wait_for('SELECT count(*) FROM m', '100006', 'once the file is removed, the writer starts and every row is back');
ok(!$node->log_contains(qr/terminating any other active server processes/, $log_offset),
	'the cluster never restarted meanwhile');

# --- 5. wal_io = io_uring where the kernel refuses it --------------------------------
$node->append_conf('postgresql.conf', qq{
ztsdb.wal_io = io_uring
ztsdb.debug_fault = io_uring_refused
});
$log_offset = -s $node->logfile;
$node->restart;
$node->safe_psql('postgres', "INSERT INTO m VALUES ('2024-02-01', 21, 1)");
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '100007', 'io_uring refused: ztsdb keeps working');
ok($node->log_contains(qr/WARNING:  ztsdb.wal_io = io_uring, but io_uring is not available \(Operation not permitted\); the sidecar WAL uses pwrite and fdatasync/,
		$log_offset), 'with a WARNING naming the fallback');

# --- 5b. tiering fails (disk full for chunk files) while commits go on --------------
# Its failure is its own: pending sidecar WAL records are neither discarded
# nor failed (no false error), asynchronous commits pending their flush are
# no reason to PANIC.
$node->safe_psql('postgres', q{
CREATE TABLE tf (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO tf SELECT '2023-01-01'::timestamptz + g * interval '1 s', 1, g FROM generate_series(1, 1000) g;
ALTER SYSTEM SET ztsdb.seal_idle_timeout = 0;
ALTER SYSTEM SET ztsdb.debug_fault = 'tier_enospc';
SELECT pg_reload_conf();
});
$log_offset = -s $node->logfile;
ok($node->wait_for_log(qr/ztsdb writer: tiering failed, retrying later: could not write file/, $log_offset),
	'the policy seal fails (injected ENOSPC) and says so');
my $failures = 0;
# (fewer rows than a hot chunk holds: a full chunk must be sealed to take
# more, and with the disk full that fails its transactions, rightly)
for my $i (1 .. 40)
{
	my $sync = $i % 2 ? 'on' : 'off';
	($ret, $stdout, $stderr) = $node->psql('postgres',
		"SET synchronous_commit = $sync; INSERT INTO tf SELECT '2024-07-01'::timestamptz + g * interval '1 ms' + interval '1 s' * $i, 2, g FROM generate_series(1, 100) g;");
	$failures++ if $ret != 0;
}
is($failures, 0, 'meanwhile every commit succeeds, synchronous_commit on and off');
$node->safe_psql('postgres', q{
ALTER SYSTEM RESET ztsdb.debug_fault;
SELECT pg_reload_conf();
});
wait_for("SELECT count(*) > 0 FROM ztsdb.chunks('tf') WHERE tier = 'warm'", 't', 'once space is back the seal happens');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tf'), '5000', 'no row lost or doubled');
ok(!$node->log_contains(qr/PANIC/, $log_offset), 'and nothing PANICked');
$node->safe_psql('postgres', q{
ALTER SYSTEM RESET ztsdb.seal_idle_timeout;
SELECT pg_reload_conf();
});

# --- 6. ztsdb.chunk_time_interval changed across a crash -------------------------
# Replay skips rows a sealed file already holds by their window's coverage;
# the rows must be routed into the windows they were sealed from, whatever
# the setting is after the restart.  A hot row of another table keeps the
# sidecar WAL checkpoint before the sealed records, so they are replayed.
$node->safe_psql('postgres', q{
CREATE TABLE keep (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO keep VALUES ('2024-03-01', 1, 1);
CREATE TABLE iv (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO iv SELECT '2024-03-01'::timestamptz + g * interval '1 minute', 1, g FROM generate_series(0, 999) g;
SELECT ztsdb.seal('iv');
INSERT INTO iv SELECT '2024-03-01'::timestamptz + g * interval '1 minute', 1, g FROM generate_series(1000, 1199) g;
});
is($node->safe_psql('postgres', q{SELECT count(*), count(DISTINCT value) FROM iv}), '1200|1200',
	'rows sealed and hot in a one-day window');
$node->stop('immediate');
$node->append_conf('postgresql.conf', "ztsdb.chunk_time_interval = '1h'\n");
$log_offset = -s $node->logfile;
$node->start;
is($node->safe_psql('postgres', q{SELECT count(*), count(DISTINCT value) FROM iv}), '1200|1200',
	'after a crash and a new chunk_time_interval: every row once');
ok($node->log_contains(qr/chunk_time_interval changed since the sidecar WAL was written/, $log_offset),
	'replay seals what it rebuilt with the old interval');
$node->safe_psql('postgres', q{
INSERT INTO iv SELECT '2024-03-01'::timestamptz + g * interval '1 minute', 1, g FROM generate_series(1200, 1299) g;
});
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', q{SELECT count(*), count(DISTINCT value) FROM iv}), '1300|1300',
	'rows written with the new interval survive the next crash too');
is($node->safe_psql('postgres', q{SELECT count(*) FROM keep}), '1', 'the other table is intact');

# --- 7. a damaged manifest of one table ------------------------------------------
# The writer gives up that table alone: its queries and inserts fail with
# XX001 naming the file, every other table and heap keep working, and its
# hot rows stay in the sidecar WAL until the file is restored.
$node->safe_psql('postgres', q{
CREATE TABLE dmg (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE ok (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO dmg SELECT '2024-04-01'::timestamptz + g * interval '1 s', 1, g FROM generate_series(1, 1000) g;
INSERT INTO ok SELECT '2024-04-01'::timestamptz + g * interval '1 s', 1, g FROM generate_series(1, 1000) g;
SELECT ztsdb.seal('dmg');
SELECT ztsdb.seal('ok');
INSERT INTO dmg SELECT '2024-04-02'::timestamptz + g * interval '1 s', 2, g FROM generate_series(1, 100) g;
INSERT INTO ok SELECT '2024-04-02'::timestamptz + g * interval '1 s', 2, g FROM generate_series(1, 100) g;
});
my $dmg_dir = $node->safe_psql('postgres',
	"SELECT 'ztsdb/' || d.oid || '/' || pg_relation_filenode('dmg') FROM pg_database d WHERE datname = current_database()");
my $manifest = $node->data_dir . "/$dmg_dir/manifest";
ok(-f $manifest, 'the damaged table has a manifest');
$node->stop('immediate');
my $saved = slurp_file($manifest);
open($fh, '+<', $manifest) or die;
binmode $fh;
seek($fh, 20, 0);
print $fh "\xde\xad\xbe\xef" x 4;
close $fh;
$log_offset = -s $node->logfile;
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*) FROM ok'), '1100', 'another table answers, hot rows replayed');
($ret, $stdout, $stderr) = $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT count(*) FROM dmg");
like($stderr, qr/ERROR:  XX001: ztsdb manifest "\Q$dmg_dir\E\/manifest" is corrupt/,
	'a query of the damaged table fails with XX001 naming the file');
($ret, $stdout, $stderr) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nINSERT INTO dmg VALUES ('2024-04-03', 3, 1)");
like($stderr, qr/ERROR:  XX001: ztsdb manifest "\Q$dmg_dir\E\/manifest" is corrupt/,
	'an INSERT into it fails the same way');
$node->safe_psql('postgres', q{
INSERT INTO ok SELECT '2024-04-03'::timestamptz + g * interval '1 s', 3, g FROM generate_series(1, 100) g;
SELECT ztsdb.seal('ok');
SELECT ztsdb.compress('ok');
INSERT INTO h VALUES (2);
});
is($node->safe_psql('postgres', 'SELECT count(*) FROM ok'), '1200', 'the other table ingests, seals and compresses');
ok($node->log_contains(qr/ztsdb writer gives up table \d+\/\d+ until the server restarts: ztsdb manifest/, $log_offset),
	'the writer logs that it gives up the damaged table');
$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM ok'), '1200', 'after a restart the other table is whole');
# restore the file: the damaged table's hot rows were kept in the sidecar WAL
$node->stop('immediate');
open($fh, '>', $manifest) or die;
binmode $fh;
print $fh $saved;
close $fh;
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*), sum(value) FROM dmg'), '1100|505550',
	'once the manifest is restored, every row of the table is back');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ok'), '1200', 'and the other table is unchanged');

# --- 8. an idle cursor holding hot chunks while the pool fills -----------------------
# The cursor's table has rows in more windows than the pool has chunks, so
# its hot chunks fill the pool; once they are sealed for new rows and still
# held, the writer cancels, then terminates, the holder after
# ztsdb.max_pin_wait instead of stalling every table's ingestion.
$node->append_conf('postgresql.conf', "ztsdb.max_pin_wait = '1s'\n");
$node->restart;
$node->safe_psql('postgres', q{
CREATE TABLE pinned (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO pinned SELECT '2024-05-01'::timestamptz + g * interval '24 s', 1, g
  FROM generate_series(1, 140000) g;
CREATE TABLE bulk (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
});
my $cursor = $node->background_psql('postgres', on_error_stop => 0);
$cursor->query_safe('BEGIN');
$cursor->query_safe('DECLARE c CURSOR FOR SELECT * FROM pinned');
is($cursor->query_safe('FETCH 1 FROM c') ne '', 1, 'an idle cursor holds the hot chunks of a table');
cmp_ok($node->safe_psql('postgres', "SELECT count(*) FROM ztsdb.chunks('pinned') WHERE tier = 'hot'"), '>=', 30,
	'which fill the pool');
$log_offset = -s $node->logfile;
($ret, $stdout, $stderr) = $node->psql('postgres', q{
SET statement_timeout = '120s';
INSERT INTO bulk SELECT '2024-06-01'::timestamptz + g * interval '1 ms', 1, g FROM generate_series(1, 400000) g;
});
is($ret, 0, 'a large INSERT into another table completes');
is($stderr, '', 'without an error');
ok($node->log_contains(qr/ztsdb writer terminates process \d+: it has held hot chunks for longer than ztsdb.max_pin_wait/,
		$log_offset), 'the idle cursor session was ended, with a LOG line saying why');
$cursor->quit;
is($node->safe_psql('postgres', 'SELECT (SELECT count(*) FROM pinned) || \'/\' || (SELECT count(*) FROM bulk)'),
	'140000/400000', 'every row of both tables is there');

$node->stop;
ok(!$node->log_contains(qr/terminated by signal/), 'no process died of a signal');
done_testing();
