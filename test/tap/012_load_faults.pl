# Load and faults: concurrent clients insert into a ztsdb table on the
# default commit path (transactions that write only ztsdb, so a commit is
# decided by the sidecar WAL alone), while the test kills the whole cluster
# (kill -9 of the postmaster and all its processes) or the ztsdb writer alone
# (the postmaster then restarts every process), three rounds of each.
#
# Every client logs each transaction it sends and each one whose COMMIT
# returned.  A transaction inserts its rows (10, or 1500: more than one write
# buffer) tagged with its own id, in two statements.  After every crash the
# table must hold:
# - every acknowledged transaction of synchronous_commit = on, whole, once;
# - nothing of a transaction that ended with ROLLBACK;
# - acknowledged asynchronous transactions (synchronous_commit = off, a whole
#   client or SET LOCAL in another) whole or not at all;
# - the transaction whose COMMIT lost its answer (the connection broke)
#   whole or not at all; nothing of those the client never sent;
# - no row of an id no client used, no row twice.
# Clients reconnect after each crash and carry on.
use strict;
use warnings;
use IPC::Run;
use Time::HiRes;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZtsdbTap;

my $node = PostgreSQL::Test::Cluster->new('loadfaults');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'ztsdb'
ztsdb.hot_pool_size = 8MB
ztsdb.hot_chunk_size = 128kB
ztsdb.wal_segment_size = 1MB
ztsdb.cold_after = -1
ztsdb.merge_warm = off
ztsdb.seal_idle_timeout = 1h
restart_after_crash = on
log_statement = none
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ztsdb;
CREATE TABLE z (ts timestamptz NOT NULL, client int NOT NULL, id bigint NOT NULL, k int NOT NULL,
  v float8) USING ztsdb;
});

my $dir = PostgreSQL::Test::Utils::tempdir;

# The client: runs its transactions through psql, a batch of 36 to 54 per
# connection; \echo after each COMMIT (or ROLLBACK) tells which ones got
# their answer, ON_ERROR_STOP ends the batch at the first failure.  Log
# lines: "batch", then "txn <id> <rows> <sync|async|rollback>" for each
# transaction of the batch, written before psql starts; "done <id>" for each
# that ended, and "end <exit status>" once psql has exited ("end 2 unsent"
# when it could not connect).
my $client_script = "$dir/client.pl";
PostgreSQL::Test::Utils::append_to_file($client_script, <<'EOF');
use strict;
use warnings;
use IO::Handle;
use IPC::Run;
use Time::HiRes qw(usleep);

my ($client, $mode, $seq, $logfile, $stopfile, $connstr) = @ARGV;
open(my $log, '>>', $logfile) or die "open $logfile: $!";
$log->autoflush(1);
until (-e $stopfile)
{
	my $sql = 'SET synchronous_commit = ' . ($mode eq 'async' ? 'off' : 'on') . ";\n";
	my @lines = ('batch');
	for (1 .. 30 + 6 * $client)	# batch sizes differ: clients out of step
	{
		$seq++;
		my $id = $client * 1_000_000 + $seq;
		my $rows = $seq % 7 == 0 ? 1500 : 10;
		my $half = int($rows / 2);
		my $kind = $seq % 5 == 0 ? 'rollback'
		  : $mode eq 'mixed' ? ($seq % 2 ? 'async' : 'sync')
		  : $mode;
		push @lines, "txn $id $rows $kind";
		$sql .= "BEGIN;\n";
		$sql .= "SET LOCAL synchronous_commit = off;\n" if $mode eq 'mixed' && $kind eq 'async';
		$sql .= "INSERT INTO z SELECT now(), $client, $id, g, g * 0.5 FROM generate_series(1, $half) g;\n";
		$sql .= "INSERT INTO z SELECT now(), $client, $id, g, g * 0.5 FROM generate_series($half + 1, $rows) g;\n";
		$sql .= ($kind eq 'rollback' ? 'ROLLBACK' : 'COMMIT') . ";\n";
		$sql .= "\\echo done $id\n";
	}
	print $log join("\n", @lines), "\n";
	# from a file, not a pipe: psql stops reading when the connection breaks
	open(my $fh, '>', "$logfile.sql") or die "open $logfile.sql: $!";
	print $fh $sql;
	close $fh;
	my ($out, $err) = ('', '');
	my $ok = eval {
		IPC::Run::run([ 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', $connstr,
			'-f', "$logfile.sql" ], '<', '/dev/null', '>', \$out, '2>', \$err, IPC::Run::timeout(180));
		1;
	};
	$err .= " ($@)" unless $ok;
	my $status = $ok ? $? >> 8 : 'failed';
	print $log "$_\n" for grep { /^done \d+$/ } split /\n/, $out;
	# psql that could not connect sent nothing
	$status .= ' unsent' if $out eq '' && $err =~ /^psql: error: connection to server .* failed/;
	print $log "end $status\n";
	if ($status ne '0')
	{
		(my $why = $err) =~ s/\s+/ /g;
		print $log 'error ' . substr($why, 0, 200) . "\n";
		usleep(100_000);	# the server may be down: retry soon
	}
}
EOF

# four clients: two synchronous, one asynchronous, one mixing both
my @modes = qw(sync sync async mixed);
my $stopfile = "$dir/stop";
my @handles;
my @logs;

sub start_clients
{
	my ($round) = @_;
	unlink $stopfile;
	@handles = ();
	for my $c (0 .. $#modes)
	{
		my $log = "$dir/client$c.round$round.log";
		push @logs, $log;
		push @handles, IPC::Run::start(
			[ 'perl', $client_script, $c + 1, $modes[$c], $round * 100_000, $log, $stopfile,
			  $node->connstr('postgres') ],
			'>', '/dev/null', '2>', "$dir/client$c.round$round.stderr");
	}
	return;
}

sub stop_clients
{
	PostgreSQL::Test::Utils::append_to_file($stopfile, 'stop');
	$_->finish for @handles;
	return;
}

# done_counts($round): per client, how many transactions ended this round
sub done_counts
{
	my ($round) = @_;
	return map {
		my $f = "$dir/client$_.round$round.log";
		-e $f ? scalar(grep { /^done / } split /\n/, slurp_file($f)) : 0
	} 0 .. $#modes;
}

# What the clients' logs say of each id: [ state, rows, kind ], the state one of
# acked (synchronous, COMMIT answered), acked_async, in_doubt (the
# transaction running when the connection broke), rolled_back, unsent.
sub client_views
{
	my %view;
	for my $log (@logs)
	{
		my (@batch, %done);
		for my $line (split /\n/, slurp_file($log))
		{
			if ($line =~ /^txn (\d+) (\d+) (\w+)$/) { push @batch, [ $1, $2, $3 ]; }
			elsif ($line =~ /^done (\d+)$/) { $done{$1} = 1; }
			elsif ($line =~ /^end /)
			{
				# the first transaction without an answer was running
				my $running = $line !~ / unsent$/;
				for my $t (@batch)
				{
					my ($id, $rows, $kind) = @$t;
					my $state = $kind eq 'rollback' ? 'rolled_back'
					  : $done{$id} ? ($kind eq 'sync' ? 'acked' : 'acked_async')
					  : $running ? 'in_doubt'
					  : 'unsent';
					$running = 0 unless $done{$id};
					$view{$id} = [ $state, $rows, $kind ];
				}
				@batch = ();
				%done = ();
			}
		}
		die "$log ends inside a batch" if @batch;
	}
	return \%view;
}

# check($what) compares the table with the clients' views; returns the
# number of acknowledged synchronous transactions.
sub check
{
	my ($what) = @_;
	my $view = client_views();
	my %have;
	for my $row (split /\n/, $node->safe_psql('postgres',
		q{SELECT id, count(*), count(DISTINCT k), min(k), max(k) FROM z GROUP BY id}))
	{
		my ($id, $n, $distinct, $min, $max) = split /\|/, $row;
		$have{$id} = [ $n, $distinct, $min, $max ];
	}
	my (@bad, @async_partial, %count);
	for my $id (sort { $a <=> $b } keys %$view)
	{
		my ($state, $rows, $kind) = @{ $view->{$id} };
		my $h = $have{$id};
		my $whole = defined $h && $h->[0] == $rows && $h->[1] == $rows && $h->[2] == 1 && $h->[3] == $rows;
		my $desc = defined $h ? "$h->[0] rows ($h->[1] distinct, $h->[2]..$h->[3])" : 'absent';
		if ($state eq 'acked')
		{
			push @bad, "acknowledged $id ($rows rows): $desc" unless $whole;
			$count{acked}++;
		}
		elsif ($state eq 'acked_async' || $state eq 'in_doubt')
		{
			if (defined $h && !$whole)
			{
				if ($kind eq 'async') { push @async_partial, "$state $id ($rows rows) is partly there: $desc"; }
				else { push @bad, "$state $id ($rows rows) is partly there: $desc"; }
			}
			$count{ $state . (defined $h ? ' kept' : ' lost') }++;
		}
		else
		{
			push @bad, "$state $id is there: $desc" if defined $h;
			$count{$state}++;
		}
	}
	push @bad, map { "id $_ that no client sent: $have{$_}[0] rows" } grep { !$view->{$_} } sort keys %have;
	diag("$what: " . join(', ', map { "$_ $count{$_}" } sort keys %count));
	is(join("\n", @bad[ 0 .. ($#bad < 9 ? $#bad : 9) ]), '',
		"$what: every transaction whole or absent as its client saw it");
	is(join("\n", @async_partial[ 0 .. ($#async_partial < 9 ? $#async_partial : 9) ]), '',
		"$what: asynchronous transactions whole or absent");
	return $count{acked} // 0;
}

my $acked = 0;
my $writer_kills = 0;
for my $round (1 .. 6)
{
	my $whole_cluster = $round % 2;
	my $what = "round $round (" . ($whole_cluster ? 'kill -9 of the cluster' : 'kill -9 of the writer') . ')';
	start_clients($round);
	# crash while every client is busy: each has had 60 transactions answered;
	# then a random pause, so that the crash hits clients anywhere in a batch
	ok(poll_until("$what: load", sub { !grep { $_ < 60 } done_counts($round) }), "$what: clients running");
	Time::HiRes::sleep(rand(1.0));
	if ($whole_cluster)
	{
		kill_cluster($node);
		$node->start;
	}
	else
	{
		kill_writer($node);
		$writer_kills++;
	}
	wait_for_replay($node, 'z');
	# the clients reconnect by themselves and go on
	my @before = done_counts($round);
	ok(poll_until("$what: clients back", sub {
		my @now = done_counts($round);
		return !grep { $now[$_] <= $before[$_] } 0 .. $#now;
	}), "$what: every client reconnected and committed again");
	stop_clients();
	my $n = check($what);
	ok($n > $acked, "$what: more acknowledged transactions ($n)");
	$acked = $n;
}

$node->restart;
check('after a clean restart');

# the only processes that died of a signal are the writers the test killed
my @signals = grep { /terminated by signal/ } split /\n/, slurp_file($node->logfile);
is(scalar(@signals), $writer_kills, 'one process terminated by a signal per writer kill');
is(scalar(grep { /"ztsdb writer" \(PID \d+\) was terminated by signal 9/ } @signals), $writer_kills,
	'each of them the writer, by kill -9');
$node->stop;
done_testing();
