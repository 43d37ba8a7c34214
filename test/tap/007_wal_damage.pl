# Damage in the sidecar WAL: a torn tail (garbage after the last record of
# a crashed run) ends replay quietly; a damaged record in the middle of the
# log stops recovery with an error naming the file and offset, which every
# backend touching ztsdb reports, until ztsdb.wal_skip_corrupt = on gives
# up the damaged part.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('damage');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
});
for my $i (1 .. 20)
{
	$node->safe_psql('postgres', qq{
INSERT INTO m SELECT '2024-01-01'::timestamptz + ($i * 1000 + g) * interval '1 s', $i, g FROM generate_series(1, 100) g;
});
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '2000', 'rows in hot chunks, only in the WAL');
$node->stop('immediate');

# WAL files are preallocated (zero-filled): the records of the last run end
# in the last file that holds any, where the zeros begin
my ($last, $size);
for my $seg (sort grep { m{/[0-9A-F]{16}$} } glob($node->data_dir . '/ztsdb/wal/*'))
{
	my $data = slurp_file($seg);
	(my $trimmed = $data) =~ s/\x00+\z//;
	next if length($trimmed) == 0;
	($last, $size) = ($seg, (length($trimmed) + 7) & ~7);
}
ok(defined $last && $size > 0, 'the WAL file with the records found');

# 1. a torn tail: garbage after the last record
open(my $fh, '+<', $last) or die;
binmode $fh;
seek($fh, $size, 0);
print $fh "\x2a" x 100;
close $fh;
$node->start;
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '2000', 'a torn tail loses nothing');
like(slurp_file($node->logfile), qr/end of a run in "ztsdb\/wal\/[0-9A-F]{16}" at offset \d+/,
	'the torn tail is noted in the log');
$node->stop('immediate');

# 2. damage in the middle of the run that holds the rows
open($fh, '+<', $last) or die;
binmode $fh;
seek($fh, int($size / 2), 0);
print $fh "\xff" x 8;
close $fh;
$node->start;
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM m');
like($err, qr/could not recover its sidecar WAL: WAL file "ztsdb\/wal\/[0-9A-F]{16}" is damaged at offset \d+/,
	'queries fail, naming the file and offset');
like($err, qr/ztsdb.wal_skip_corrupt/, 'the hint names the GUC that skips the damage');

# 3. give the damaged part up
$node->append_conf('postgresql.conf', 'ztsdb.wal_skip_corrupt = on');
$node->reload;
ok($node->poll_query_until('postgres', 'SELECT count(*) >= 0 FROM m'), 'recovery goes on after the reload');
my $n = $node->safe_psql('postgres', 'SELECT count(*) FROM m');
ok($n > 0 && $n < 2000 && $n % 100 == 0, "whole transactions before the damage kept ($n rows)");
like(slurp_file($node->logfile), qr/skips the rest of "ztsdb\/wal\/[0-9A-F]{16}" from offset \d+/,
	'the skipped part is logged');
ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');
$node->stop;
done_testing();
