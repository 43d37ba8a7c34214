# ztsdb rows travel in PostgreSQL's WAL (wal_rmgr.h):
#  1. a standby built with pg_basebackup while pgbench ingests (and chunks
#     seal), fed by streaming while the primary seals, compresses, drops
#     chunks, truncates and drops tables, once promoted has every row the
#     primary committed, table by table, hot, warm and cold, and ingests;
#  2. a crash that takes the sidecar WAL's unsynced tail loses no commit:
#     crash recovery brings the records back from PostgreSQL's WAL;
#  3. logical decoding skips ztsdb rows with a warning;
#  4. point-in-time recovery from a base backup and archived WAL to a
#     recovery_target_time restores the ztsdb rows of the transactions
#     committed before the target, with their heap rows, and none after.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use File::Spec;
use Time::HiRes qw(usleep);
use lib 'test/tap';
use ZtsdbTap;

my $conf = qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
ztsdb.hot_chunk_size = '1MB'
};

# ---------------------------------------------------------------- 1. standby
my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
# the standby connects after the backup and the ingestion: keep the WAL it needs
$primary->append_conf('postgresql.conf', $conf . "wal_keep_size = '2GB'\n");
$primary->start;
$primary->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE t (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE d (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE ing (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int, note text);
-- cold: two days ago; warm: yesterday; hot: today
INSERT INTO m SELECT now() - interval '2 days' + g * interval '1 s', g % 10, g FROM generate_series(1, 3000) g;
SELECT ztsdb.seal('m');
SELECT ztsdb.compress('m', '1 day');
INSERT INTO m SELECT now() - interval '1 day' + g * interval '1 s', g % 10, g FROM generate_series(1, 2000) g;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT now() - interval '1 hour' + g * interval '1 ms', g % 10, g FROM generate_series(1, 1000) g;
INSERT INTO t SELECT now() + g * interval '1 s', 1, g FROM generate_series(1, 500) g;
INSERT INTO d SELECT now() + g * interval '1 s', 1, g FROM generate_series(1, 500) g;
BEGIN;
INSERT INTO h VALUES (1, 'before the backup');
INSERT INTO m VALUES (now(), 99, 1);
COMMIT;
});

# ingestion while the backup copies the data directory: 5,000-row
# statements, so hot chunks fill and seal during the copy
my $script = $primary->basedir . '/ingest.sql';
PostgreSQL::Test::Utils::append_to_file($script, q{
INSERT INTO ing SELECT clock_timestamp() + g * interval '1 us', g % 50, g FROM generate_series(1, 5000) g;
});
my ($out, $err) = ('', '');
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-T', '8', '-f', $script,
	  '-h', $primary->host, '-p', $primary->port, 'postgres' ],
	'>', \$out, '2>', \$err);
ok(poll_until('pgbench rows', sub {
	$primary->safe_psql('postgres', 'SELECT count(*) > 0 FROM ing') eq 't' }),
	'pgbench is ingesting');
$primary->backup('b');
# the backup holds the chunk files, not the main fork's apparent size in
# zeros: base backups skip the other forks of a relation with an init fork
my ($mpath, $msize) = split /\|/, $primary->safe_psql('postgres',
	q{SELECT pg_relation_filepath('m'), pg_relation_size('m')});
ok($msize > 0, "pg_relation_size of m on the primary counts its chunk files ($msize bytes)");
my $bdir = $primary->backup_dir . '/b';
ok(-e "$bdir/${mpath}_init" && !-e "$bdir/$mpath",
	"the backup has m's init fork and not its main fork");
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

$pgbench->finish;
is($pgbench->result(0), 0, 'pgbench ran without errors') or diag($err);

# after the backup: more rows, tier moves, drops
$primary->safe_psql('postgres', q{
INSERT INTO m SELECT now() - interval '30 minutes' + g * interval '1 ms', g % 10, -g FROM generate_series(1, 1500) g;
SELECT ztsdb.seal('m');
SELECT ztsdb.compress('m', '1 day');
INSERT INTO m SELECT now() - interval '10 minutes' + g * interval '1 ms', g % 10, g FROM generate_series(1, 700) g;
TRUNCATE t;
INSERT INTO t SELECT now() + g * interval '1 s', 2, g FROM generate_series(1, 40) g;
DROP TABLE d;
BEGIN;
INSERT INTO h VALUES (2, 'after the backup');
INSERT INTO m VALUES (now(), 98, 2);
COMMIT;
BEGIN;
INSERT INTO h VALUES (3, 'rolled back');
INSERT INTO m VALUES (now(), 97, 3);
ROLLBACK;
SET synchronous_commit = off;
INSERT INTO m VALUES (now(), 96, 4);
});
# drop_chunks removes the cold chunk of two days ago
is($primary->safe_psql('postgres', q{SELECT ztsdb.drop_chunks('m', '36 hours') > 0}), 't',
	'drop_chunks dropped chunks on the primary');

my $q = q{SELECT 'm', count(*), sum(value), count(DISTINCT series_id) FROM m
UNION ALL SELECT 'ing', count(*), sum(value), count(DISTINCT series_id) FROM ing
UNION ALL SELECT 't', count(*), sum(value), min(series_id) FROM t
UNION ALL SELECT 'h', count(*), sum(id), 0 FROM h ORDER BY 1};
my $expect = $primary->safe_psql('postgres', $q);
my $wal_bytes = $primary->safe_psql('postgres',
	q{SELECT count(*) FROM pg_ls_dir('ztsdb') f WHERE f = 'inbox'});
is($wal_bytes, '0', 'the primary keeps no inbox');
cmp_ok($primary->safe_psql('postgres',
	q{SELECT value FROM ztsdb.stats() WHERE metric = 'commits_by_marker'}), '>', 0,
	'with wal_level = replica, ztsdb-only commits of one record are decided by their marker (023_marker_commit.pl)');
$primary->wait_for_catchup($standby);

# a hot standby's writer follows the primary: its queries answer as the
# primary's, within the replay lag (statement_timeout: never a hang)
$standby->append_conf('postgresql.conf', "statement_timeout = '60s'\n");
$standby->reload;
is($standby->safe_psql('postgres', $q), $expect,
	'the standby answers as the primary: rows before and after the backup, every tier, after seal, compress, drop_chunks, TRUNCATE, DROP TABLE');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM m WHERE series_id IN (96, 97, 98, 99)}), '3',
	'on the standby: the committed transactions around the backup, not the rolled-back one');
my ($ret, $stdout, $stderr) = $standby->psql('postgres', q{SELECT ztsdb.seal('m')});
like($stderr, qr/cannot change ztsdb chunks during recovery/, 'the standby refuses to change chunks');

# rows inserted now reach the standby's queries within the replay lag; a
# standby restart takes up its own sidecar WAL and the inbox again
$primary->safe_psql('postgres', q{
INSERT INTO m SELECT now() + g * interval '1 ms', 94, g FROM generate_series(1, 3000) g;
INSERT INTO t VALUES (now(), 3, 1);
});
$expect = $primary->safe_psql('postgres', $q);
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $q), $expect, 'the standby sees rows inserted while it streams');
$standby->restart;
is($standby->safe_psql('postgres', $q), $expect, 'a restarted standby answers the same');
$primary->safe_psql('postgres', q{SELECT ztsdb.seal('m'); INSERT INTO m VALUES (now(), 93, 1)});
$expect = $primary->safe_psql('postgres', $q);
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $q), $expect, 'and keeps following after its restart');

# the inbox stays small on a standby that runs for long: once the writer
# holds every record in its own sidecar WAL, redo starts the inbox afresh
# (past 16 MB)
$primary->safe_psql('postgres', q{
INSERT INTO ing SELECT now() - interval '20 minutes' + g * interval '1 us', g % 50, 1 FROM generate_series(1, 1500000) g;
});
$primary->wait_for_catchup($standby);
$expect = $primary->safe_psql('postgres', $q);
is($standby->safe_psql('postgres', $q), $expect, 'the standby follows a 1.5M-row statement');
my $inbox_big = -s $standby->data_dir . '/ztsdb/inbox';
$primary->safe_psql('postgres', q{INSERT INTO m VALUES (now(), 92, 1)});
$primary->wait_for_catchup($standby);
my $inbox_small = -s $standby->data_dir . '/ztsdb/inbox';
ok($inbox_big > 16 * 1024 * 1024 && $inbox_small < 1024 * 1024,
	"the inbox is emptied once the writer has taken it ($inbox_big -> $inbox_small bytes)");
$expect = $primary->safe_psql('postgres', $q);
is($standby->safe_psql('postgres', $q), $expect, 'and the standby goes on following');

$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'standby did not leave recovery';
is($standby->safe_psql('postgres', $q), $expect,
	'the promoted standby has every committed row of every table, nothing rolled back');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 'd'}), '0',
	'the dropped table is gone');
my $sizes = q{SELECT pg_relation_size('m') = sum(bytes), sum(bytes) > 0
FROM ztsdb.chunks('m') WHERE tier <> 'hot'};
is($standby->safe_psql('postgres', $sizes), 't|t',
	'pg_relation_size of m on the promoted standby counts its chunk files again');
ok(!-e $standby->data_dir . '/ztsdb/inbox', 'the inbox is gone once its records are stored');
like(slurp_file($standby->logfile), qr/ztsdb: recovery ended after \d+ sidecar WAL records received from the primary/,
	'the following writer logged its promotion');
is($standby->safe_psql('postgres', q{SELECT count(*) FROM m WHERE series_id IN (96, 97, 98, 99)}), '3',
	'the rows of the committed transactions around the backup are there, the rolled-back one is not');

$standby->safe_psql('postgres', q{
INSERT INTO m VALUES (now(), 95, 5);
SELECT ztsdb.seal('m');
});
is($standby->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 95'), '1',
	'the promoted standby ingests and seals');

# a restart of the promoted standby replays its own sidecar WAL, which now
# holds the received records at the primary's positions
my $before = $standby->safe_psql('postgres', $q);
$standby->restart;
is($standby->safe_psql('postgres', $q), $before, 'the promoted standby restarts with the same rows');
$standby->stop;
$primary->stop;

# ------------------------------------------------------ 2. crash, lost tail
# With wal_level = replica a commit waits for its records to be in
# PostgreSQL's WAL (its commit record flushes them) while the sidecar file is
# synced later: a crash of the machine may take the sidecar's unsynced tail,
# and crash recovery brings it back from PostgreSQL's WAL.  Here every sidecar
# file is zeroed after a kill -9: all rows were written after the last
# checkpoint (the restart's shutdown checkpoint), so PostgreSQL's WAL holds them.
my $crash = PostgreSQL::Test::Cluster->new('crash');
$crash->init(allows_streaming => 1);
$crash->append_conf('postgresql.conf', $conf);
$crash->start;
$crash->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
INSERT INTO m SELECT now() - interval '1 hour' + g * interval '1 s', 1, g FROM generate_series(1, 100) g;
SELECT ztsdb.seal('m');
});
$crash->restart;
wait_for_replay($crash, 'm');
$crash->safe_psql('postgres', join("\n",
	map { "INSERT INTO m VALUES (now() + interval '1 hour' + $_ * interval '1 s', 2, $_);" } 1 .. 200)
	. "\nBEGIN; INSERT INTO h VALUES (1); INSERT INTO m VALUES (now(), 3, 1); COMMIT;");
kill_cluster($crash);
my $zeroed = 0;
for my $seg (grep { m{/[0-9A-F]{16}$} } glob($crash->data_dir . '/ztsdb/wal/*'))
{
	my $size = -s $seg;
	open(my $fh, '+<', $seg) or die "open $seg: $!";
	binmode $fh;
	print $fh ("\0" x $size);
	close $fh;
	$zeroed++;
}
ok($zeroed > 0, "zeroed $zeroed sidecar WAL files");
$crash->start;
is($crash->safe_psql('postgres', 'SELECT series_id, count(*) FROM m GROUP BY 1 ORDER BY 1'),
	"1|100\n2|200\n3|1", 'the commits whose sidecar records were lost come back from PostgreSQL\'s WAL');
is($crash->safe_psql('postgres', $sizes), 't|t',
	'crash recovery made the main fork a copy of the init fork; the writer sized it again');
is($crash->safe_psql('postgres', 'SELECT count(*) FROM h'), '1', 'with the heap row of the same transaction');
like(slurp_file($crash->logfile), qr/ztsdb: wrote \d+ sidecar WAL records received through PostgreSQL's WAL/,
	'crash recovery took them from the inbox');
$crash->stop;

# ------------------------------------------------------ logical decoding
# skips ztsdb rows with a warning; heap rows of the same transaction decode
{
	my $ld = PostgreSQL::Test::Cluster->new('logical');
	$ld->init(allows_streaming => 'logical');
	$ld->append_conf('postgresql.conf', $conf);
	$ld->start;
	$ld->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
SELECT pg_create_logical_replication_slot('s', 'test_decoding');
BEGIN; INSERT INTO h VALUES (7); INSERT INTO m VALUES (now(), 1, 1); COMMIT;
});
	my ($rc, $changes, $warn) = $ld->psql('postgres',
		q{SELECT string_agg(data, ' ') FROM pg_logical_slot_get_changes('s', NULL, NULL)});
	like($changes, qr/table public\.h: INSERT: id\[integer\]:7/, 'logical decoding decodes the heap row');
	unlike($changes, qr/table public\.m/, 'and no ztsdb row');
	like($warn, qr/WARNING:  logical decoding skips the rows of ztsdb tables/, 'with a warning saying so');
	$ld->stop;
}

# ---------------------------------------------------------------- 3. PITR
my $src = PostgreSQL::Test::Cluster->new('pitr_source');
$src->init(has_archiving => 1, allows_streaming => 1);
# the archive by absolute path (the framework's is relative to the test's directory)
my $archive = File::Spec->rel2abs($src->archive_dir);
$src->append_conf('postgresql.conf', $conf . qq{
archive_command = 'cp "%p" "$archive/%f"'
});
$src->start;
$src->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
INSERT INTO m SELECT now() + g * interval '1 s', 1, g FROM generate_series(1, 100) g;
});
$src->backup('pitr');
$src->safe_psql('postgres', q{
BEGIN;
INSERT INTO h VALUES (1);
INSERT INTO m SELECT now() + g * interval '1 s', 2, g FROM generate_series(1, 200) g;
COMMIT;
INSERT INTO m SELECT now() + g * interval '1 s', 3, g FROM generate_series(1, 300) g;
});
my $target = $src->safe_psql('postgres', 'SELECT clock_timestamp()');
# the next commit records carry later times; the first is a commit decided
# by its marker, which precedes PostgreSQL's commit record: a recovery to a
# target lets commit records decide (wal_rmgr.cpp)
usleep(1_100_000);
$src->safe_psql('postgres', q{
INSERT INTO m VALUES (now(), 7, 1);
BEGIN;
INSERT INTO h VALUES (2);
INSERT INTO m SELECT now() + g * interval '1 s', 4, g FROM generate_series(1, 400) g;
COMMIT;
INSERT INTO m SELECT now() + g * interval '1 s', 5, g FROM generate_series(1, 500) g;
SELECT ztsdb.seal('m');
});
my $last = $src->safe_psql('postgres', 'SELECT pg_walfile_name(pg_current_wal_lsn())');
$src->safe_psql('postgres', 'SELECT pg_switch_wal()');
$src->poll_query_until('postgres',
	"SELECT last_archived_wal >= '$last' FROM pg_stat_archiver")
  or die 'WAL not archived';

my $pitr = PostgreSQL::Test::Cluster->new('pitr');
$pitr->init_from_backup($src, 'pitr', has_restoring => 1);
$pitr->append_conf('postgresql.conf', qq{
restore_command = 'cp "$archive/%f" "%p"'
recovery_target_time = '$target'
recovery_target_action = 'promote'
});
$pitr->start;
$pitr->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'PITR did not finish';
is($pitr->safe_psql('postgres', 'SELECT count(*), sum(id) FROM h'), '1|1',
	'PITR: the heap rows committed before the target, none after');
is($pitr->safe_psql('postgres',
	'SELECT series_id, count(*) FROM m GROUP BY 1 ORDER BY 1'), "1|100\n2|200\n3|300",
	'PITR: the ztsdb rows committed before the target (with and without heap rows), none after');
$pitr->safe_psql('postgres', q{INSERT INTO m VALUES (now(), 6, 1)});
is($pitr->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 6'), '1',
	'the recovered cluster ingests');
$pitr->stop;
$src->stop;
done_testing();
