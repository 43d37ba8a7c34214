# Without shared_preload_libraries, CREATE EXTENSION fails as a whole with
# an error that says how to fix it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('nopreload');
$node->init;
$node->start;
my ($ret, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION ztsdb');
isnt($ret, 0, 'CREATE EXTENSION fails');
like($err, qr/ztsdb must be loaded via shared_preload_libraries/, 'error says why');
like($err, qr/HINT:  Add ztsdb to shared_preload_libraries/, 'hint says how to fix it');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_extension WHERE extname = 'ztsdb'}), '0',
	'no extension left behind');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_am WHERE amname = 'ztsdb'}), '0',
	'no access method left behind');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'ztsdb'}), '0',
	'no schema left behind');
$node->stop;
done_testing();
