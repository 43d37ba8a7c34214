# A crash at each step of a tier move (seal: hot -> warm; compress: warm ->
# cold) leaves every row exactly once, and the move succeeds when retried.
# ztsdb.debug_fault makes the writer PANIC at the step: after the new file
# is durable but before the manifest names it, and after the manifest is
# installed but before the old copy (hot chunk, warm file) is gone.  The
# same for drop_chunks: before and after its manifest is installed.
# Compress merges a day's two warm files into one cold file.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('tiercrash');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION ztsdb');

# fresh table m: three days of rows in hot chunks, or, if $seal, in two
# warm files per day (compress merges them: one cold file per day)
sub fresh_table
{
	my ($seal) = @_;
	$node->safe_psql('postgres', q{
DROP TABLE IF EXISTS m;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
} . ($seal ? q{
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 7, i FROM generate_series(0, 3 * 8640 - 1) i
 WHERE i % 8640 < 4000;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 7, i FROM generate_series(0, 3 * 8640 - 1) i
 WHERE i % 8640 >= 4000;
SELECT ztsdb.seal('m');
} : q{
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 7, i FROM generate_series(0, 3 * 8640 - 1) i;
}));
}
fresh_table(0);
my $summary = q{SELECT count(*), sum(value), count(DISTINCT (ts, series_id)) FROM m};
my $tiers = q{SELECT string_agg(tier || '=' || rows, ',' ORDER BY tier) FROM
  (SELECT tier, sum(rows) AS rows FROM ztsdb.chunks('m') GROUP BY tier) t};
my $expected = $node->safe_psql('postgres', $summary);
is($expected, '25920|335910240|25920', 'rows before any move');

my $crashes = 0;
for my $case (['crash_seal_file', 'seal', 'hot=25920'],
	['crash_seal_manifest', 'seal', 'hot=25920'],
	['crash_move_file', 'compress', 'warm=25920'],
	['crash_move_manifest', 'compress', 'warm=25920'])
{
	my ($fault, $op, $before) = @$case;
	fresh_table($op eq 'compress');
	my $call = $op eq 'seal' ? q{SELECT ztsdb.seal('m')} : q{SELECT ztsdb.compress('m')};

	is($node->safe_psql('postgres', $tiers), $before, "$fault: tiers before");
	set_writer_fault($node, $fault);
	my ($ret, $out, $err) = $node->psql('postgres', $call);
	isnt($ret, 0, "$fault: the $op call fails when the writer crashes");
	$crashes++;
	$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
	set_writer_fault($node, 'none');
	is($node->safe_psql('postgres', $summary), $expected, "$fault: every row exactly once after the crash");
	my $dir = $node->safe_psql('postgres', q{SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('m'))
	  FROM pg_database d WHERE datname = current_database()});
	my @files = grep { /\/\d+\.(warm|cold)$/ } glob($node->data_dir . "/$dir/*");
	is(scalar(@files), $node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m') WHERE tier <> 'hot'}),
		"$fault: no chunk file left behind that the manifest does not list");
	ok($node->safe_psql('postgres', "$call > 0") eq 't', "$fault: the $op succeeds when retried");
	is($node->safe_psql('postgres', $summary), $expected, "$fault: every row exactly once after the retry");
}
# drop_chunks: a crash before its manifest is installed drops nothing; one
# after it leaves the drop whole (hot rows too: replay must not bring them
# back) and no file behind
my $day1 = q{SELECT count(*) FROM m WHERE ts < '2024-01-02'};
my $drop = q{SELECT ztsdb.drop_chunks('m', now() - '2024-01-02 00:00:00+00')};
for my $case (['crash_drop_prepared', 1, '8640'], ['crash_drop_installed', 1, '0'],
	['crash_drop_installed', 0, '0'])
{
	my ($fault, $seal, $left) = @$case;
	my $where = $seal ? 'warm' : 'hot';
	fresh_table($seal);
	set_writer_fault($node, $fault);
	my ($ret, $out, $err) = $node->psql('postgres', $drop);
	isnt($ret, 0, "$fault ($where): the drop_chunks call fails when the writer crashes");
	$crashes++;
	$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
	set_writer_fault($node, 'none');
	is($node->safe_psql('postgres', $day1), $left, "$fault ($where): the first day's rows after the crash");
	is($node->safe_psql('postgres', q{SELECT count(*) FROM m WHERE ts >= '2024-01-02'}), '17280',
		"$fault ($where): later rows untouched");
	my $dir = $node->safe_psql('postgres', q{SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('m'))
	  FROM pg_database d WHERE datname = current_database()});
	my @files = grep { /\/\d+\.(warm|cold)$/ } glob($node->data_dir . "/$dir/*");
	is(scalar(@files), $node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m') WHERE tier <> 'hot'}),
		"$fault ($where): no chunk file left behind that the manifest does not list");
	$node->safe_psql('postgres', $drop);
	is($node->safe_psql('postgres', $day1), '0', "$fault ($where): the first day is gone once retried");
	$node->restart;
	is($node->safe_psql('postgres', $day1) . '/' . $node->safe_psql('postgres', q{SELECT count(*) FROM m}),
		'0/17280', "$fault ($where): and stays gone after a restart");
}
fresh_table(1);
$node->safe_psql('postgres', q{SELECT ztsdb.compress('m')});
is($node->safe_psql('postgres', $tiers), 'cold=25920', 'all rows cold at the end');
is($node->safe_psql('postgres', q{SELECT count(*) FROM ztsdb.chunks('m')}), '3',
	'in one cold file per day, merged from two warm files each');
is($node->safe_psql('postgres', q{SELECT count(*) FROM m WHERE series_id = 3 AND ts < '2024-01-02'}),
	$node->safe_psql('postgres', q{SELECT count(*) FROM generate_series(0, 8639) i WHERE i % 7 = 3}),
	'a pushed-down query agrees');

my @signals = grep { /terminated by signal/ } split /\n/, slurp_file($node->logfile);
is(scalar(@signals), $crashes, 'one crash per injected fault');
is(scalar(grep { /ztsdb writer.*terminated by signal 6/ } @signals), $crashes,
	'every crash is an injected writer PANIC');
ok($node->log_contains(qr/injected crash in a tier move/), 'the PANIC names the injected fault');
$node->stop;
done_testing();
