# Helpers shared by the ztsdb TAP tests (prove -I test/tap).
#
# Every wait here polls for a state, up to PostgreSQL::Test::Utils'
# timeout_default (180 s unless PG_TEST_TIMEOUT_DEFAULT says otherwise);
# none sleeps a fixed time and hopes.  The writer works asynchronously:
# after a start it replays the sidecar WAL while the server already accepts
# connections, and it applies a configuration reload at its next turn, so
# tests that look at what the writer did (its log lines, its reaction to
# ztsdb.debug_fault) first wait for it with wait_for_replay or
# set_writer_fault.
package ZtsdbTap;

use strict;
use warnings;
use Exporter 'import';
use Time::HiRes qw(usleep time);
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(poll_until wait_for_replay writer_pid kill_writer kill_cluster
  set_writer_fault);

# poll_until($what, $check): calls $check every 0.1 s until it returns true,
# at most timeout_default seconds.  Returns true if it did; otherwise says
# what it waited for and returns false.
sub poll_until
{
	my ($what, $check) = @_;
	my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;

	while (1)
	{
		return 1 if $check->();
		last if time() > $deadline;
		usleep(100_000);
	}
	diag("timed out waiting for $what");
	return 0;
}

# wait_for_replay($node, $table): returns once the writer has replayed the
# sidecar WAL (a scan of a ztsdb table waits for that), so the log lines and
# statistics of its recovery are there.
sub wait_for_replay
{
	my ($node, $table) = @_;
	$node->safe_psql('postgres', "SELECT count(*) FROM $table");
	return;
}

# writer_pid($node): the pid of the ztsdb writer, '' if none is listed.
sub writer_pid
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'ztsdb writer'});
}

# gone($pid): the process has exited and been reaped (PostgreSQL takes a
# zombie postmaster for a live one when it checks its lock files).
sub gone
{
	my ($pid) = @_;
	return !kill(0, $pid);
}

# kill_writer($node): kill -9 of the ztsdb writer alone.  The postmaster
# then restarts every process; returns once a new writer is listed, that is
# once the crash restart is done (a query issued earlier could still reach
# the old processes).  The caller waits for replay if it needs it.
sub kill_writer
{
	my ($node) = @_;
	my $pid = writer_pid($node);
	die 'no ztsdb writer to kill' if $pid eq '';
	kill 'KILL', $pid;
	poll_until("the writer $pid to exit", sub { gone($pid) }) or die 'the writer survived kill -9';
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ztsdb writer' AND pid <> $pid")
	  or die 'no new writer after the crash restart';
	return;
}

# kill_cluster($node): kill -9 of the postmaster and of every process it
# started, all at once, as a power loss would stop them; returns once all
# are gone, with the node marked stopped (call $node->start next).  The
# postmaster is stopped (SIGSTOP) first so that it forks nothing while its
# children are listed.
sub kill_cluster
{
	my ($node) = @_;
	my $pidfile = $node->data_dir . '/postmaster.pid';
	open(my $fh, '<', $pidfile) or die "open $pidfile: $!";
	my $postmaster = <$fh>;
	close $fh;
	chomp $postmaster;
	kill 'STOP', $postmaster;
	my @children;
	if (open(my $cfh, '<', "/proc/$postmaster/task/$postmaster/children"))
	{
		@children = split ' ', join('', <$cfh>);
		close $cfh;
	}
	else
	{
		for my $stat (glob('/proc/[0-9]*/stat'))
		{
			open(my $sfh, '<', $stat) or next;
			my $line = <$sfh>;
			close $sfh;
			push @children, $1 if defined $line && $line =~ /^(\d+) \(.*\) \S+ (\d+) /s && $2 == $postmaster;
		}
	}
	kill 'KILL', $postmaster, @children;
	poll_until('the killed cluster to exit', sub { !grep { !gone($_) } $postmaster, @children })
	  or die 'processes survived kill -9';
	# no process is left to hold the old shared memory: start afresh
	unlink $pidfile;
	$node->_update_pid(0);
	return;
}

# set_writer_fault($node, $fault): sets ztsdb.debug_fault (ALTER SYSTEM +
# reload) and returns once the writer works under it.  A backend started
# after the postmaster reloaded shows the new value, and by then the
# postmaster has signalled the writer; the writer reloads at the top of its
# next turn.  Two requests answered one after the other (ztsdb.seal of an
# empty table) prove such a turn began after the signal: the second was
# pushed after the first's turn had ended.
sub set_writer_fault
{
	my ($node, $fault) = @_;
	# created before the fault is set: some faults fail every sidecar WAL write
	$node->safe_psql('postgres', q{
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS ztsdb_tap_barrier (ts timestamptz NOT NULL) USING ztsdb;
});
	$node->safe_psql('postgres', "ALTER SYSTEM SET ztsdb.debug_fault = '$fault'");
	$node->reload;
	$node->poll_query_until('postgres', "SELECT current_setting('ztsdb.debug_fault') = '$fault'")
	  or die "fault $fault not set";
	$node->safe_psql('postgres', q{SELECT ztsdb.seal('ztsdb_tap_barrier')}) for 1 .. 2;
	return;
}

1;
