# Rows in every tier (hot, warm, cold) survive a clean restart and an
# immediate (crash) stop, each exactly once; the sidecar WAL replay is
# reported in the log and in ztsdb.stats().
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('restart');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 16MB
ztsdb.hot_chunk_size = 512kB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE m (ts timestamptz NOT NULL, series_id int NOT NULL, value float8, flag bool) USING ztsdb;
-- day 1 -> cold, day 2 -> warm, day 3 stays hot
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 s', i % 10, i, i % 3 = 0
  FROM generate_series(0, 8639) i;
SELECT ztsdb.seal('m');
SELECT ztsdb.compress('m');
INSERT INTO m SELECT '2024-01-02'::timestamptz + i * interval '10 s', i % 10, -i, NULL
  FROM generate_series(0, 8639) i;
SELECT ztsdb.seal('m');
INSERT INTO m SELECT '2024-01-03'::timestamptz + i * interval '10 s', i % 10, i * 0.5, true
  FROM generate_series(0, 8639) i;
});

my $tiers = q{SELECT string_agg(tier || '=' || rows, ',' ORDER BY tier) FROM
  (SELECT tier, sum(rows) AS rows FROM ztsdb.chunks('m') GROUP BY tier) t};
is($node->safe_psql('postgres', $tiers), 'cold=8640,hot=8640,warm=8640', 'three tiers before restart');

my $summary = q{SELECT count(*), sum(value), count(flag), count(DISTINCT ts), min(ts), max(ts) FROM m};
my $before = $node->safe_psql('postgres', $summary);

$node->restart;
is($node->safe_psql('postgres', $summary), $before, 'same rows after a clean restart');
is($node->safe_psql('postgres', $tiers), 'cold=8640,hot=8640,warm=8640', 'hot rows replayed into hot chunks');
ok($node->safe_psql('postgres', q{SELECT value FROM ztsdb.stats() WHERE metric = 'recovery_records'}) > 0,
	'replay counted in stats');

# more rows, committed, then an immediate stop (no shutdown at all)
$node->safe_psql('postgres', q{
INSERT INTO m SELECT '2024-01-03 12:00'::timestamptz + i * interval '1 s', 42, i, false
  FROM generate_series(1, 1000) i;
});
my $after_insert = $node->safe_psql('postgres', $summary);
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', $summary), $after_insert, 'committed rows survive an immediate stop');

# a rolled-back transaction never appears after a restart
$node->safe_psql('postgres', q{
BEGIN;
INSERT INTO m SELECT '2024-01-04'::timestamptz + i * interval '1 s', 7, i, true FROM generate_series(1, 5000) i;
ROLLBACK;
});
$node->restart;
is($node->safe_psql('postgres', $summary), $after_insert, 'rolled-back rows stay invisible after restart');

# the writer is visible in pg_stat_activity
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ztsdb writer'}),
	'1', 'writer listed in pg_stat_activity');

ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'no process terminated by a signal');

# a damaged chunk file is reported by name, with SQLSTATE XX001, never a crash
my $dir = $node->safe_psql('postgres', q{SELECT format('ztsdb/%s/%s', d.oid, pg_relation_filenode('m'))
  FROM pg_database d WHERE datname = current_database()});
my ($warm) = grep { /\.warm$/ } glob($node->data_dir . "/$dir/*");
ok(defined $warm, 'a warm chunk file exists');
open(my $fh, '+<', $warm) or die "open $warm: $!";
binmode $fh;
seek($fh, -64, 2);
print $fh "\xff" x 16;
close $fh;
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT count(*) FROM m',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
is($out, '', 'reading a corrupt chunk file returns no rows');
like($err, qr/XX001: ztsdb chunk file "ztsdb\/\d+\/\d+\/\d+\.warm" is corrupt: chunk file (column|block) checksum mismatch/,
	'the error names the file and the damage');
is($node->safe_psql('postgres', q{SELECT count(*) FROM m WHERE ts >= '2024-01-03'}), '9640',
	'chunks that are not damaged stay readable');
ok(!grep(/terminated by signal/, slurp_file($node->logfile)), 'still no crash');
$node->stop;
done_testing();
