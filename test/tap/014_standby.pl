# A streaming standby built with pg_basebackup: its ztsdb writer starts only
# when recovery ends (the rows it receives through PostgreSQL's WAL wait in
# its inbox: wal_rmgr.h, TAP 019), so during recovery a query of a ztsdb
# table fails at once with a clear error (0A000) instead of waiting; heap
# tables replicate as usual; once promoted, the standby's writer starts and
# the table ingests.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.cold_after = -1
ztsdb.seal_idle_timeout = 1h
});
$primary->start;
$primary->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8) USING ztsdb;
CREATE TABLE h (id int);
INSERT INTO m SELECT '2024-01-01'::timestamptz + g * interval '1 s', 1, g FROM generate_series(1, 1000) g;
SELECT ztsdb.seal('m');
INSERT INTO h VALUES (1);
});
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;
$primary->safe_psql('postgres', 'INSERT INTO h VALUES (2)');
$primary->wait_for_catchup($standby);

is($standby->safe_psql('postgres', 'SELECT count(*) FROM h'), '2', 'heap rows replicate');
my ($ret, $stdout, $stderr) = $standby->psql('postgres',
	"SET statement_timeout = '60s';\n\\set VERBOSITY verbose\nSELECT count(*) FROM m", timeout => 120);
isnt($ret, 0, 'a ztsdb query on the standby fails');
like($stderr, qr/ERROR:  0A000: ztsdb tables cannot be read or written while the server is in recovery/,
	'at once, with SQLSTATE 0A000, not by statement_timeout');
unlike($stderr, qr/statement timeout/, 'it never waited for the timeout');

$standby->promote;
$standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()')
  or die 'standby did not leave recovery';
$standby->poll_query_until('postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ztsdb writer'", '1')
  or die 'no writer on the promoted standby';
$standby->safe_psql('postgres', "INSERT INTO m VALUES ('2024-02-01', 2, 1)");
is($standby->safe_psql('postgres', 'SELECT count(*) FROM m WHERE series_id = 2'), '1',
	'the promoted standby ingests into the ztsdb table');

$standby->stop;
$primary->stop;
done_testing();
