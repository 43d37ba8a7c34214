# DDL that ztsdb refuses (CREATE TABLE ... USING ztsdb with a PRIMARY KEY or
# UNIQUE constraint, VACUUM FULL of a ztsdb table), and a CREATE TABLE rolled
# back before any row was stored, leave nothing behind: no table directory,
# and no "ztsdb directory" warning from the writer, neither while the server
# runs nor at the restarts after, when replay sees the same transactions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('refused_ddl');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 16MB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE keep (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
INSERT INTO keep SELECT '2024-01-01'::timestamptz + i * interval '1 min', i % 5, i FROM generate_series(0, 999) i;
SELECT ztsdb.seal('keep');
});

sub refused
{
	my ($sql, $pattern, $what) = @_;
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	isnt($ret, 0, "$what is refused");
	like($err, $pattern, "$what: the error says why");
	return;
}

# refused before any storage is created: the detail names the constraint
my $no_index = qr/ERROR:  indexes on ztsdb tables are not supported\nDETAIL:  A (PRIMARY KEY|UNIQUE) constraint needs an index/;
refused(q{CREATE TABLE pk (ts timestamptz NOT NULL, id int PRIMARY KEY) USING ztsdb},
	$no_index, 'CREATE TABLE with a column PRIMARY KEY');
refused(q{CREATE TABLE pk2 (ts timestamptz NOT NULL, id int, PRIMARY KEY (id, ts)) USING ztsdb},
	$no_index, 'CREATE TABLE with a table PRIMARY KEY');
refused(q{CREATE TABLE uq (ts timestamptz NOT NULL UNIQUE, id int) USING ztsdb},
	$no_index, 'CREATE TABLE with UNIQUE');
refused(q{SET default_table_access_method = ztsdb; CREATE TABLE dflt (ts timestamptz NOT NULL PRIMARY KEY)},
	$no_index, 'CREATE TABLE with ztsdb as default_table_access_method and a PRIMARY KEY');
refused(q{VACUUM FULL keep}, qr/CLUSTER and VACUUM FULL are not supported on ztsdb tables/,
	'VACUUM FULL of a ztsdb table');
refused(q{VACUUM (FULL, ANALYZE) keep}, qr/CLUSTER and VACUUM FULL are not supported on ztsdb tables/,
	'VACUUM (FULL, ANALYZE) of a ztsdb table');
# a whole-database VACUUM FULL reaches the table access method itself
refused(q{VACUUM FULL}, qr/CLUSTER and VACUUM FULL are not supported on ztsdb tables/,
	'a database-wide VACUUM FULL');
$node->safe_psql('postgres', q{
BEGIN;
CREATE TABLE rolled_back (ts timestamptz NOT NULL, id int) USING ztsdb;
ROLLBACK;
});

is($node->safe_psql('postgres',
		q{SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('pk', 'pk2', 'uq', 'dflt', 'rolled_back')}),
	'', 'no refused table exists');

# Two restarts: replay resolves again whatever drop records the sidecar WAL
# still holds; each start is waited for with a scan, which waits for replay.
for my $i (1 .. 2)
{
	$node->restart;
	wait_for_replay($node, 'keep');
}
is($node->safe_psql('postgres', 'SELECT count(*) FROM keep'), '1000', 'the kept table is whole');

my $dboid = $node->safe_psql('postgres', q{SELECT oid FROM pg_database WHERE datname = 'postgres'});
my $keep_dir = $node->safe_psql('postgres', q{SELECT pg_relation_filenode('keep')});
my $dir = $node->data_dir . "/ztsdb/$dboid";
opendir(my $dh, $dir) or die "opendir $dir: $!";
my @dirs = sort grep { !/^\./ } readdir($dh);
closedir($dh);
is(join(',', @dirs), $keep_dir, "only the kept table has a directory under ztsdb/$dboid");

my $log = slurp_file($node->logfile);
unlike($log, qr/ztsdb directory/, 'no "ztsdb directory" warning in the server log');
unlike($log, qr/could not open directory "ztsdb/, 'no "could not open directory" warning for a ztsdb path');
like($log, qr/database system is ready to accept connections[\s\S]*database system is ready to accept connections[\s\S]*database system is ready/,
	'the log covers the two restarts');

$node->stop;
done_testing();
