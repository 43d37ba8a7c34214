# A streaming hot standby built with pg_basebackup: its ztsdb writer follows
# the primary (the rows it receives through PostgreSQL's WAL: wal_rmgr.h, TAP
# 019 for every tier and DDL), so a query of a ztsdb table answers as on the
# primary, within the replay lag, and never hangs; writes are refused as
# for any table in recovery; once promoted, the table ingests.
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
ztsdb.merge_warm = off
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
	"SET statement_timeout = '60s';\n\\set VERBOSITY verbose\nSELECT count(*), sum(value) FROM m", timeout => 120);
is($ret, 0, 'a ztsdb query on the standby answers');
is($stdout, '1000|500500', 'with the rows of the primary (warm, sealed before the backup)');
$primary->safe_psql('postgres', q{INSERT INTO m SELECT '2024-01-02'::timestamptz + g * interval '1 s', 3, g FROM generate_series(1, 10) g});
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', "SET statement_timeout = '60s'; SELECT count(*) FROM m WHERE series_id = 3"), '10',
	'and the hot rows inserted after the backup');
($ret, $stdout, $stderr) = $standby->psql('postgres',
	"\\set VERBOSITY verbose\nINSERT INTO m VALUES ('2024-02-01', 4, 1)");
like($stderr, qr/ERROR:  25006: cannot execute INSERT in a read-only transaction/,
	'an INSERT on the standby is refused as for any table');

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
