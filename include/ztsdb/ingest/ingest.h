/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  The path from a backend's INSERT to the writer: write buffers, the
 *	  shared ring, and waiting for the writer's progress.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/core/record_format.h"
#include "ztsdb/core/ring.h"
#include "ztsdb/pg.h"

namespace ztsdb {

/* The writer's answer to one kRecRequest, in the requester's slot. */
struct RequestAnswer
{
	uint64		request_id;		/* matches RequestRecord.request_id when done */
	int64		result;			/* chunks moved */
	int			sqlstate;		/* 0 = success */
	char		message[128];	/* error text when sqlstate != 0 */
};

/*
 * IngestShared is the rendezvous between backends and the writer.
 * Positions are ring positions: every record at a position below
 * applied_pos is applied (in hot chunks or files, visible once its
 * transaction commits), every one below flushed_pos is also durable in the
 * sidecar WAL; flushed_pos <= applied_pos.  Only the writer advances them,
 * with a write barrier, then broadcasts progress_cv.
 */
struct IngestShared
{
	pg_atomic_uint64 flushed_pos;
	pg_atomic_uint64 applied_pos;
	pg_atomic_uint64 shipped_pos;	/* records below are written to the sidecar WAL
									 * (not yet synced) and in PostgreSQL's WAL, which
									 * their commit record flushes (wal_rmgr.h) */
	pg_atomic_uint32 recovery_done; /* 1 once replay at start has finished */
	pg_atomic_uint64 follow_replay_pos; /* a standby's writer has applied every record
										 * PostgreSQL replayed before this WAL position */
	pg_atomic_uint64 inbox_taken_lsn;	/* ... and holds every inbox record up to this
										 * sidecar LSN durably in its sidecar WAL */
	pg_atomic_uint32 inbox_epoch;	/* bumps when redo empties the inbox (wal_rmgr.h) */
	pg_atomic_uint32 low_level_backups;	/* sessions that may hold a pg_backup_start()
										 * backup (NoteBackupStatement) */
	pg_atomic_uint32 recovery_failed;	/* 1 while replay is stuck at damage */
	char		recovery_error[512];	/* why, for backends' errors; writer only */
	char		recovery_hint[256];	/* what to do about it; writer only */
	pg_atomic_uint32 writer_generation; /* bumps at every writer start */
	pg_atomic_uint32 writer_procno; /* PGPROC of the writer; its latch is set after publishing;
									 * INVALID_PGPROCNO before it starts and after it exits */
	pg_atomic_uint32 writer_polling;	/* 1 while the writer polls the ring: no latch needed */
	ConditionVariable progress_cv;	/* applied advanced, recovery done, failures */
	ConditionVariable flushed_cv;	/* flushed advanced or failed (durable committers) */
	ConditionVariable space_cv; /* the writer freed ring slots */
	pg_atomic_uint64 failed_upto;	/* records below this position may have been
									 * lost by a failed WAL write (0: none) */
	pg_atomic_uint32 failed_sqlerrcode; /* the last failed write's error */
	pg_atomic_uint64 async_commit_end;	/* past the newest asynchronous commit marker */
	pg_atomic_uint32 commit_waiters;	/* backends in WaitForApplied (polling or asleep) */
	pg_atomic_uint32 lone_wait_usec;	/* moving average of a lone committer's wait */
	char		failed_message[256];	/* and its message; writer only */
	/* the ring and the answers (one per PGPROC) follow, cache-line aligned */
};

extern IngestShared *ingest_shared;
extern core::Ring *ingest_ring;			/* in shared memory, after IngestShared */
extern RequestAnswer *ingest_answers;	/* indexed by pgprocno */

Size		IngestShmemSize(void);
void		IngestShmemInit(void *mem, bool found);
void		IngestInit(void);

/*
 * RingPush copies a record into the ring, waiting (backpressure) while it
 * is full; returns the record's ring position.  May ereport (interrupts).
 */
uint64		RingPush(const void *record, uint32 len, bool lazy = false);

/* RingClaimWait claims a slot, waiting while the ring is full; returns its payload. */
uint8	   *RingClaimWait(uint64 *pos);

/* RingPublishWake publishes a claimed slot and wakes the writer (lazy: see there). */
void		RingPublishWake(uint64 pos, uint32 len, bool lazy = false);

/*
 * WaitForApplied waits until the record at pos is applied (durable too,
 * with durable set), then fails with an I/O error if a WAL write failed
 * after first_pos (the oldest record the caller depends on).  May ereport.
 */
void		WaitForApplied(uint64 pos, uint64 first_pos, bool durable = false);

/*
 * WaitForDurableNoError waits, without checking for interrupts or throwing,
 * until the record at pos is durable; false if writing it failed.  For the
 * abort path, where interrupts are held.
 */
bool		WaitForDurableNoError(uint64 pos);

/*
 * NoteAsyncCommit records that the commit marker at pos was not waited for
 * (synchronous_commit = off); WaitForAsyncCommits, at the start of every
 * scan, waits until every such marker pushed before it is applied, so any
 * snapshot that sees such a commit also sees its rows.
 */
void		NoteAsyncCommit(uint64 pos);
void		WaitForAsyncCommits(void);

/*
 * WaitForPushed waits until every record pushed into the ring before the
 * call is applied: VACUUM then counts the rows of every transaction that
 * ended before it (an aborted one's batches may still be in the ring).
 */
void		WaitForPushed(void);

/* WaitForRecovery waits until the writer has replayed the WAL.  May ereport. */
void		WaitForRecovery(void);

/* RingSlotBytes returns the payload capacity of one ring slot. */
uint32		RingSlotBytes(void);

/*
 * WriterGone tells whether the writer has exited (after it had started): a
 * waiter whose interrupts are held must not wait for it any longer.
 */
bool		WriterGone(void);

/*
 * RingPushNoError pushes a record like RingPush, for callers that must not
 * ereport (abort callbacks): returns false instead of waiting for a writer
 * that is gone.
 */
bool		RingPushNoError(const void *record, uint32 len, uint64 *pos);

} // namespace ztsdb
