/*-------------------------------------------------------------------------
 *
 * ingest_ring.cpp
 *	  The shared ring between backends and the writer, and waiting for the
 *	  writer's progress.
 *
 * Producers claim a slot without a lock (core/ring.h); when the ring is
 * full they sleep on space_cv, which the writer broadcasts after freeing
 * slots, so a producer never spins.  After publishing they set the writer's
 * latch.  Waiting for durability of a record sleeps on flushed_cv, waiting
 * for its application on progress_cv; the writer broadcasts each when it
 * advances its position, so a durable committer is not woken when its rows
 * are applied only to find them not yet fdatasync'd.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage.h"
#include "ztsdb/util/util_guc.h"

extern "C" {
#include "portability/instr_time.h"
#include "utils/timeout.h"
}

extern "C" {
#include "access/twophase.h"
}

extern "C" {
#include "access/xlog.h"
#include "access/xlogrecovery.h"
}

namespace ztsdb {

IngestShared *ingest_shared = NULL;
core::Ring *ingest_ring = NULL;
RequestAnswer *ingest_answers = NULL;

static int
AnswerSlots(void)
{
	return MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts;
}

Size
IngestShmemSize(void)
{
	Size		size = CACHELINEALIGN(sizeof(IngestShared));

	size = add_size(size, CACHELINEALIGN(core::RingShmemSize(guc_ring_slots,
															 (Size) guc_ring_slot_kb * 1024)));
	size = add_size(size, mul_size(AnswerSlots(), sizeof(RequestAnswer)));
	return size;
}

void
IngestShmemInit(void *mem, bool found)
{
	char	   *base = static_cast<char *>(mem);

	ingest_shared = reinterpret_cast<IngestShared *>(base);
	ingest_ring = reinterpret_cast<core::Ring *>(base + CACHELINEALIGN(sizeof(IngestShared)));
	ingest_answers = reinterpret_cast<RequestAnswer *>(
		reinterpret_cast<char *>(ingest_ring) +
		CACHELINEALIGN(core::RingShmemSize(guc_ring_slots, (Size) guc_ring_slot_kb * 1024)));
	if (found)
		return;
	pg_atomic_init_u64(&ingest_shared->flushed_pos, 0);
	pg_atomic_init_u64(&ingest_shared->shipped_pos, 0);
	pg_atomic_init_u64(&ingest_shared->follow_replay_pos, 0);
	pg_atomic_init_u64(&ingest_shared->inbox_taken_lsn, 0);
	pg_atomic_init_u32(&ingest_shared->inbox_epoch, 0);
	pg_atomic_init_u32(&ingest_shared->low_level_backups, 0);
	pg_atomic_init_u64(&ingest_shared->applied_pos, 0);
	pg_atomic_init_u32(&ingest_shared->recovery_done, 0);
	pg_atomic_init_u32(&ingest_shared->recovery_failed, 0);
	ingest_shared->recovery_error[0] = '\0';
	ingest_shared->recovery_hint[0] = '\0';
	pg_atomic_init_u32(&ingest_shared->writer_generation, 0);
	pg_atomic_init_u32(&ingest_shared->writer_procno, INVALID_PGPROCNO);
	pg_atomic_init_u32(&ingest_shared->writer_polling, 0);
	ConditionVariableInit(&ingest_shared->progress_cv);
	ConditionVariableInit(&ingest_shared->flushed_cv);
	ConditionVariableInit(&ingest_shared->space_cv);
	pg_atomic_init_u64(&ingest_shared->failed_upto, 0);
	pg_atomic_init_u32(&ingest_shared->failed_sqlerrcode, 0);
	pg_atomic_init_u64(&ingest_shared->async_commit_end, 0);
	pg_atomic_init_u32(&ingest_shared->commit_waiters, 0);
	pg_atomic_init_u32(&ingest_shared->lone_wait_usec, 0);
	ingest_shared->failed_message[0] = '\0';
	core::RingInit(ingest_ring, guc_ring_slots, (Size) guc_ring_slot_kb * 1024);
	memset(ingest_answers, 0, sizeof(RequestAnswer) * AnswerSlots());
}

uint32
RingSlotBytes(void)
{
	return (uint32) ingest_ring->slot_bytes;
}

static void
WakeWriter(void)
{
	uint32		procno = pg_atomic_read_u32(&ingest_shared->writer_procno);

	if (procno != INVALID_PGPROCNO)
		SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

bool
WriterGone(void)
{
	return pg_atomic_read_u32(&ingest_shared->writer_generation) != 0 &&
		pg_atomic_read_u32(&ingest_shared->writer_procno) == INVALID_PGPROCNO;
}

bool
RingPushNoError(const void *record, uint32 len, uint64 *pos)
{
	uint8	   *payload;

	Assert(len <= RingSlotBytes());
	while ((payload = core::RingTryClaim(ingest_ring, pos)) == NULL)
	{
		if (WriterGone())
			return false;
		WakeWriter();
		(void) ConditionVariableTimedSleep(&ingest_shared->space_cv, 100, PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	memcpy(payload, record, len);
	RingPublishWake(*pos, len, false);
	return true;
}

/*
 * CheckWriterGone fails a waiting statement once the writer has exited: the
 * postmaster starts a new one, which restarts the cluster to rebuild shared
 * memory from the sidecar WAL (wal_writer.cpp), so nothing this backend
 * waits for will come.
 */
static void
CheckWriterGone(void)
{
	if (WriterGone())
		ereport(ERROR,
				(errcode(ERRCODE_OPERATOR_INTERVENTION),
				 errmsg("the ztsdb writer exited while this statement waited for it"),
				 errdetail("The transaction's ztsdb rows are not known to be durable; it is rolled back."),
				 errhint("The writer is restarted automatically; retry the transaction.")));
}

/*
 * CheckCommitTimeout applies statement_timeout to a wait at commit:
 * PostgreSQL disables the statement's timer before it commits
 * (finish_xact_command), so a commit waiting for a stalled writer would
 * otherwise wait forever.  The statement's start is the clock, as for the
 * timer itself.
 */
static void
CheckCommitTimeout(void)
{
	if (StatementTimeout > 0 && !get_timeout_active(STATEMENT_TIMEOUT) &&
		TimestampDifferenceExceeds(GetCurrentStatementStartTimestamp(), GetCurrentTimestamp(),
								   StatementTimeout))
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to statement timeout"),
				 errdetail("The commit waited for the ztsdb writer to make its rows durable.")));
}

uint8 *
RingClaimWait(uint64 *pos)
{
	uint8	   *payload = core::RingTryClaim(ingest_ring, pos);
	bool		counted = false;

	if (payload != NULL)
		return payload;

	/* Full: sleep until the writer frees slots.  Never spin. */
	ConditionVariablePrepareToSleep(&ingest_shared->space_cv);
	for (;;)
	{
		payload = core::RingTryClaim(ingest_ring, pos);
		if (payload != NULL)
			break;
		if (!counted)
		{
			StatAdd(kStatBackpressureWaits, 1);
			counted = true;
		}
		WakeWriter();
		CheckPinDeadlock();
		CheckWriterGone();
		CheckCommitTimeout();
		(void) ConditionVariableTimedSleep(&ingest_shared->space_cv, 100, PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	return payload;
}

void
RingPublishWake(uint64 pos, uint32 len, bool lazy)
{
	uint64		in_use;

	core::RingPublish(ingest_ring, pos, len);
	in_use = pos + 1 - ingest_ring->dequeue_pos.load(std::memory_order_relaxed);
	StatMax(kStatRingHighWatermark, in_use);
	/*
	 * Lazy records (asynchronous commits) leave the writer asleep until the
	 * ring is half full, a scan needs them (WaitForAsyncCommits) or its
	 * timeout (at most ztsdb.wal_flush_delay) ends: fewer wakeups, bigger
	 * groups.
	 */
	if (!lazy || in_use * 2 >= (uint64) guc_ring_slots)
	{
		/* pairs with the writer's barrier between clearing writer_polling and its last look */
		pg_memory_barrier();
		if (!pg_atomic_read_u32(&ingest_shared->writer_polling))
			WakeWriter();
	}
}

uint64
RingPush(const void *record, uint32 len, bool lazy)
{
	uint64		pos;
	uint8	   *payload;

	Assert(len <= RingSlotBytes());
	payload = RingClaimWait(&pos);
	memcpy(payload, record, len);
	RingPublishWake(pos, len, lazy);
	return pos;
}

void
WaitForApplied(uint64 pos, uint64 first_pos, bool durable)
{
	/*
	 * With wal_level = replica or logical a durable commit needs its records
	 * in PostgreSQL's WAL, which its own commit record then flushes; the
	 * sidecar's fdatasync runs meanwhile (wal_rmgr.h).
	 */
	pg_atomic_uint64 *progress = !durable ? &ingest_shared->applied_pos :
		XLogIsNeeded() ? &ingest_shared->shipped_pos : &ingest_shared->flushed_pos;
	ConditionVariable *cv = durable ? &ingest_shared->flushed_cv : &ingest_shared->progress_cv;

	/*
	 * A committer that finds no other committer waiting polls before it
	 * sleeps: a group commit takes about one fdatasync, and being woken
	 * through the condition variable (a signal and a reschedule) measured as
	 * a fifth of a single-row commit.  With others waiting, polling takes the
	 * CPU the writer and they need (measured: 8 clients on 2 cores fell to
	 * half), so they all sleep.  Polling pays only while commits are quick:
	 * when another process keeps a core busy, the poller competes with the
	 * writer and its io_uring worker for the other, and each commit took
	 * longer than the whole poll (measured: a 500 us poll, one core busy with
	 * xz, single-row commits at a fifth of their speed).  So lone committers
	 * keep a moving average of their waits (lone_wait_usec) and poll only for
	 * a small multiple of it, and not at all while it exceeds kSpinMaxUsec / 2.
	 */
	if (pg_atomic_read_u64(progress) <= pos)
	{
		bool		lone = pg_atomic_fetch_add_u32(&ingest_shared->commit_waiters, 1) == 0;
		instr_time	start;
		instr_time	now;

		INSTR_TIME_SET_CURRENT(start);
		if (lone)
		{
			const int64 kSpinMaxUsec = 500;
			int64		avg = pg_atomic_read_u32(&ingest_shared->lone_wait_usec);
			int64		budget = Min(kSpinMaxUsec, 2 * avg + 50);

			if (avg <= kSpinMaxUsec / 2)
				for (uint32 i = 1; pg_atomic_read_u64(progress) <= pos; i++)
				{
					pg_spin_delay();
					if ((i & 127) == 0)
					{
						INSTR_TIME_SET_CURRENT(now);
						INSTR_TIME_SUBTRACT(now, start);
						if ((int64) INSTR_TIME_GET_MICROSEC(now) > budget)
							break;
					}
				}
		}
		PG_TRY();
		{
			if (pg_atomic_read_u64(progress) <= pos)
			{
				ConditionVariablePrepareToSleep(cv);
				while (pg_atomic_read_u64(progress) <= pos)
				{
					CheckPinDeadlock();
					CheckWriterGone();
					CheckCommitTimeout();
					(void) ConditionVariableTimedSleep(cv, 100, PG_WAIT_EXTENSION);
				}
				ConditionVariableCancelSleep();
			}
		}
		PG_FINALLY();
		{
			pg_atomic_fetch_sub_u32(&ingest_shared->commit_waiters, 1);
		}
		PG_END_TRY();
		if (lone)
		{
			/* avg += (wait - avg) / 8; racing updates only lose a sample */
			int64		avg = pg_atomic_read_u32(&ingest_shared->lone_wait_usec);
			int64		waited;

			INSTR_TIME_SET_CURRENT(now);
			INSTR_TIME_SUBTRACT(now, start);
			waited = Min((int64) INSTR_TIME_GET_MICROSEC(now), 1000000);
			pg_atomic_write_u32(&ingest_shared->lone_wait_usec,
								(uint32) Max(avg + (waited - avg) / 8, 0));
		}
	}
	pg_read_barrier();
	if (pg_atomic_read_u64(&ingest_shared->failed_upto) > first_pos)
	{
		char		msg[256];
		int			code = (int) pg_atomic_read_u32(&ingest_shared->failed_sqlerrcode);

		strlcpy(msg, ingest_shared->failed_message, sizeof(msg));
		ereport(ERROR,
				(errcode(code == ERRCODE_DISK_FULL ? ERRCODE_DISK_FULL : ERRCODE_IO_ERROR),
				 errmsg("could not make this transaction's ztsdb rows durable"),
				 errdetail("Writing the sidecar WAL failed: %s.", msg),
				 errhint("Check free space and I/O errors on the data directory, then retry.")));
	}
}

bool
WaitForDurableNoError(uint64 pos)
{
	Assert(INTERRUPTS_CAN_BE_PROCESSED() == false);

	/*
	 * Interrupts are held (abort): cancel and statement_timeout cannot end
	 * this wait, so it ends when the writer is gone (its exit wakes us;
	 * the timeout only guards against a missed wakeup).
	 */
	if (pg_atomic_read_u64(&ingest_shared->flushed_pos) <= pos)
	{
		ConditionVariablePrepareToSleep(&ingest_shared->flushed_cv);
		while (pg_atomic_read_u64(&ingest_shared->flushed_pos) <= pos &&
			   pg_atomic_read_u64(&ingest_shared->failed_upto) <= pos &&
			   !WriterGone())
			(void) ConditionVariableTimedSleep(&ingest_shared->flushed_cv, 1000, PG_WAIT_EXTENSION);
		ConditionVariableCancelSleep();
	}
	pg_read_barrier();
	return pg_atomic_read_u64(&ingest_shared->flushed_pos) > pos &&
		pg_atomic_read_u64(&ingest_shared->failed_upto) <= pos;
}

void
NoteAsyncCommit(uint64 pos)
{
	uint64		cur = pg_atomic_read_u64(&ingest_shared->async_commit_end);

	while (cur < pos + 1 &&
		   !pg_atomic_compare_exchange_u64(&ingest_shared->async_commit_end, &cur, pos + 1))
		;
}

/* WaitAppliedPast waits until every record below target is applied. */
static void
WaitAppliedPast(uint64 target)
{
	if (pg_atomic_read_u64(&ingest_shared->applied_pos) >= target)
		return;
	WakeWriter();
	ConditionVariablePrepareToSleep(&ingest_shared->progress_cv);
	while (pg_atomic_read_u64(&ingest_shared->applied_pos) < target)
	{
		CheckPinDeadlock();
		CheckWriterGone();
		(void) ConditionVariableTimedSleep(&ingest_shared->progress_cv, 100, PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	pg_read_barrier();
}

/*
 * WaitForFollower, on a hot standby, waits until the writer has applied
 * every ztsdb record PostgreSQL replayed before now (wal_rmgr.h): rows of
 * every transaction the caller's snapshot sees as committed.
 */
static void
WaitForFollower(void)
{
	XLogRecPtr	replayed = GetXLogReplayRecPtr(NULL);

	if (pg_atomic_read_u64(&ingest_shared->follow_replay_pos) >= replayed)
		return;
	WakeWriter();
	ConditionVariablePrepareToSleep(&ingest_shared->progress_cv);
	while (pg_atomic_read_u64(&ingest_shared->follow_replay_pos) < replayed &&
		   RecoveryInProgress())
	{
		CheckWriterGone();
		(void) ConditionVariableTimedSleep(&ingest_shared->progress_cv, 100, PG_WAIT_EXTENSION);
		WakeWriter();
	}
	ConditionVariableCancelSleep();
	pg_read_barrier();
}

void
WaitForAsyncCommits(void)
{
	if (RecoveryInProgress())
	{
		WaitForFollower();
		return;
	}
	WaitAppliedPast(pg_atomic_read_u64(&ingest_shared->async_commit_end));
}

void
WaitForPushed(void)
{
	WaitAppliedPast(ingest_ring->enqueue_pos.load(std::memory_order_acquire));
}

void
WaitForRecovery(void)
{
	if (pg_atomic_read_u32(&ingest_shared->recovery_done))
		return;

	/* on a hot standby the writer runs too, following the primary (wal_rmgr.h) */
	ConditionVariablePrepareToSleep(&ingest_shared->progress_cv);
	while (!pg_atomic_read_u32(&ingest_shared->recovery_done))
	{
		CheckWriterGone();
		if (pg_atomic_read_u32(&ingest_shared->recovery_failed))
		{
			char		msg[sizeof(ingest_shared->recovery_error)];
			char		hint[sizeof(ingest_shared->recovery_hint)];

			pg_read_barrier();
			strlcpy(msg, ingest_shared->recovery_error, sizeof(msg));
			strlcpy(hint, ingest_shared->recovery_hint, sizeof(hint));
			ConditionVariableCancelSleep();
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb %s", msg),
					 errhint("%s", hint)));
		}
		ConditionVariableTimedSleep(&ingest_shared->progress_cv, 1000, PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	pg_read_barrier();
}

} // namespace ztsdb
