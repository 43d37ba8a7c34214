# A low-level backup (pg_backup_start(), a copy of the data directory,
# pg_backup_stop()) is protected as pg_basebackup's is (wal_rmgr.h): while a
# session may hold one, compression and drop_chunks are refused and chunks
# sealed meanwhile travel as images in PostgreSQL's WAL; the copy, with its
# backup_label and the WAL up to the backup's end, starts with every row
# committed before pg_backup_stop().  The session's end ends the protection
# too (it aborts its backup).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use PostgreSQL::Test::RecursiveCopy;
use Test::More;
use IPC::Run;
use File::Copy ();
use lib 'test/tap';
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
ztsdb.hot_chunk_size = '1MB'
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
INSERT INTO m SELECT now() - interval '2 days' + g * interval '1 s', g % 10, g FROM generate_series(1, 3000) g;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT now() - interval '1 hour' + g * interval '1 ms', g % 10, g FROM generate_series(1, 1000) g;
});

# a session that holds a low-level backup
my $timer = IPC::Run::timer($PostgreSQL::Test::Utils::timeout_default);
my ($in, $out, $err) = ('', '', '');
my $session = IPC::Run::start(
	[ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres') ],
	'<', \$in, '>', \$out, '2>', \$err, $timer);
sub session_run
{
	my ($sql) = @_;
	$out = '';
	$in .= "$sql\n\\echo END\n";
	$timer->start($PostgreSQL::Test::Utils::timeout_default);
	$session->pump until $out =~ /END\n\z/ || $timer->is_expired;
	die "session: $err" unless $out =~ /END\n\z/;
	$out =~ s/END\n\z//;
	return $out;
}
like(session_run(q{SELECT pg_backup_start('tap', true);}), qr{^[0-9A-F]+/[0-9A-F]+$}m, 'pg_backup_start ran');

my ($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT ztsdb.compress('m', '1 day')});
isnt($ret, 0, 'compress is refused while a session holds a low-level backup');
like($stderr, qr/cannot compress chunks while a base backup is running/, 'saying why');

# copy the data directory while rows arrive and chunks seal
$node->safe_psql('postgres', q{
INSERT INTO m SELECT now() - interval '50 minutes' + g * interval '1 ms', 20 + g % 10, g FROM generate_series(1, 1000) g;
SELECT ztsdb.seal('m');
});
my $copy = $node->backup_dir . '/low';
PostgreSQL::Test::RecursiveCopy::copypath($node->data_dir, $copy,
	filterfn => sub { my $p = shift; return $p ne 'postmaster.pid' && $p ne 'postmaster.opts' && $p !~ m{^pg_wal/}; });
# rows and seals after the copy, committed before the backup ends
$node->safe_psql('postgres', q{
INSERT INTO m SELECT now() - interval '40 minutes' + g * interval '1 ms', 30 + g % 10, g FROM generate_series(1, 1000) g;
SELECT ztsdb.seal('m');
BEGIN;
INSERT INTO h VALUES (1);
INSERT INTO m VALUES (now(), 99, 1);
COMMIT;
});
# a copy may take a manifest newer than the files it took (the copy runs
# while chunks seal): the newest manifest, without the file sealed after the
# copy, which the restore must take from its image in PostgreSQL's WAL
my @manifests = glob($node->data_dir . '/ztsdb/*/*/manifest');
is(scalar(@manifests), 1, 'one ztsdb table directory');
(my $rel = $manifests[0]) =~ s{^\Q@{[$node->data_dir]}\E/}{};
File::Copy::copy($manifests[0], "$copy/$rel.new") or die "copy: $!";
rename("$copy/$rel.new", "$copy/$rel") or die "rename: $!";
my $label = session_run(q{SELECT labelfile FROM pg_backup_stop(false);});
ok($label =~ /^START WAL LOCATION/m, 'pg_backup_stop returned the backup label');
PostgreSQL::Test::Utils::append_to_file("$copy/backup_label", $label);
my $q = 'SELECT count(*), sum(value), count(DISTINCT series_id) FROM m';
my $expect = $node->safe_psql('postgres', $q);
# the WAL up to the backup's end
rmdir "$copy/pg_wal" or die "rmdir $copy/pg_wal: $!";
PostgreSQL::Test::RecursiveCopy::copypath($node->data_dir . '/pg_wal', "$copy/pg_wal",
	filterfn => sub { return shift !~ /^archive_status/; });
mkdir "$copy/pg_wal/archive_status";

is($node->safe_psql('postgres', q{SELECT ztsdb.compress('m', '1 day') > 0}), 't',
	'compress runs once pg_backup_stop has ended the backup');

# the session's end also ends the protection
session_run(q{SELECT pg_backup_start('tap2', true);});
($ret, $stdout, $stderr) = $node->psql('postgres', q{SELECT ztsdb.drop_chunks('m', '36 hours')});
like($stderr, qr/cannot drop chunks while a base backup is running/, 'drop_chunks is refused during the next backup');
$in .= "\\q\n";
$session->finish;
ok(poll_until('drop_chunks allowed', sub {
	my ($r) = $node->psql('postgres', q{SELECT ztsdb.drop_chunks('m', '36 hours')});
	return $r == 0 }), 'and allowed once the session holding it has gone');

my $restored = PostgreSQL::Test::Cluster->new('restored');
$restored->init_from_backup($node, 'low');
$restored->start;
is($restored->safe_psql('postgres', $q), $expect,
	'the copy starts with every row committed before pg_backup_stop, hot and warm');
is($restored->safe_psql('postgres', 'SELECT count(*) FROM h'), '1', 'with the heap row of the last transaction');
is($restored->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 99'), '1', 'and its ztsdb row');
$restored->stop;
$node->stop;
done_testing();
