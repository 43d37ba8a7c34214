/*-------------------------------------------------------------------------
 *
 * wal_writer.cpp
 *	  The writer background worker: the ring's single consumer.
 *
 * Each turn of the main loop drains every published ring slot into the WAL
 * group buffer, applies the records (rows to hot chunks, drops, requests)
 * and advances applied_pos; then, if any record's sender waits for
 * durability (or ztsdb.wal_flush_delay has passed), writes everything
 * pending with one submission and one fdatasync (group commit: every
 * committer of the turn shares it) and advances flushed_pos, waking waiters
 * once per step.  Applying before the flush is safe: rows become visible
 * only when their transaction commits, and a durable commit waits for the
 * flush before PostgreSQL commits.  Between turns it does the tiering work
 * (seal closed windows, compress old chunks, resolve drops whose
 * transaction ended, checkpoint the WAL).
 *
 * At start, before it serves anyone, it begins a new generation
 * (wal_generation.h) and replays the WAL from the last checkpoint: a
 * transaction's batches are applied only if its commit marker is in the WAL,
 * its xid is trustworthy and PostgreSQL's clog says it committed.  Backends
 * that touch a ztsdb table wait for this (WaitForRecovery); damage in the
 * middle of the WAL stops here until ztsdb.wal_skip_corrupt allows skipping.
 *
 * Errors: the worker catches ERRORs in its loop (as PostgreSQL's own
 * auxiliary processes do), logs them and retries.  A failed WAL write
 * discards what is pending: those records never become durable, and every
 * position up to their end is recorded as failed so that waiting committers
 * get an error instead of an acknowledgement (their transactions abort, so
 * rows already applied stay invisible).  If asynchronous commits among them
 * were already acknowledged, it PANICs instead, as PostgreSQL does.
 *
 * Shared memory is the writer's to rebuild: if this process starts while
 * hot chunks from an earlier writer exist (the worker died without the
 * postmaster restarting everything), it PANICs so the postmaster reinitializes
 * shared memory and the replay rebuilds hot state exactly.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_writer.h"
#include "ztsdb/util/util_guc.h"
#include "ztsdb/wal/wal.h"
#include "ztsdb/wal/wal_generation.h"
#include "ztsdb/wal/wal_rmgr.h"
#include "ztsdb/wal/wal_writer.h"

extern "C" {
#include "access/xlogrecovery.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/smgr.h"
#include "tcop/tcopprot.h"
#include "utils/hsearch.h"
#include "utils/resowner.h"
}

#include <csetjmp>

#include <sched.h>

namespace ztsdb {

/* A drop or truncate waiting for its transaction to end. */
struct PendingDrop
{
	uint8		type;			/* kRecDropIfCommitted / kRecDropIfAborted */
	TransactionId xid;
	uint32		generation;
	core::TableKey table;
	uint64		lsn;
};

static PendingDrop *pending = NULL;
static int	npending = 0;
static int	pending_cap = 0;

/*
 * Transactions whose rows the writer has applied to hot chunks but whose
 * commit marker it has not yet taken from the ring ("unmarked"), by the xid
 * of their batches (a subtransaction's, if any) with the top-level xid whose
 * marker decides them.  An asynchronous commit returns before the writer
 * has drained its marker (it may still be applying the transaction's
 * batches), so clog can say committed while the sidecar WAL holds no marker
 * yet: a chunk file must not keep such rows as committed (FateOf in
 * storage_tier.cpp treats them as open and stamps them).  Entries go when
 * the marker is drained, or at a tiering pass once clog says the
 * transaction did not commit (an abort writes no marker).  Current
 * generation only: replay applies only transactions whose marker it read.
 */
struct UnmarkedXid
{
	TransactionId xid;			/* hash key */
	TransactionId top;
};

static HTAB *unmarked = NULL;
static long nunmarked_sub = 0;	/* entries with xid != top */

static void
NoteUnmarked(TransactionId xid, TransactionId top)
{
	UnmarkedXid *u;
	bool		found;

	if (unmarked == NULL)
	{
		HASHCTL		info;

		memset(&info, 0, sizeof(info));
		info.keysize = sizeof(TransactionId);
		info.entrysize = sizeof(UnmarkedXid);
		info.hcxt = TopMemoryContext;
		unmarked = hash_create("ztsdb unmarked transactions", 256, &info,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	u = static_cast<UnmarkedXid *>(hash_search(unmarked, &xid, HASH_ENTER, &found));
	if (!found)
	{
		u->top = top;
		if (xid != top)
			nunmarked_sub++;
	}
}

/* NoteMarker forgets the entries of top, whose marker has been drained. */
static void
NoteMarker(TransactionId top)
{
	if (unmarked == NULL || hash_get_num_entries(unmarked) == 0)
		return;
	(void) hash_search(unmarked, &top, HASH_REMOVE, NULL);
	if (nunmarked_sub > 0)
	{
		HASH_SEQ_STATUS seq;
		UnmarkedXid *u;

		hash_seq_init(&seq, unmarked);
		while ((u = static_cast<UnmarkedXid *>(hash_seq_search(&seq))) != NULL)
			if (u->top == top)
			{
				(void) hash_search(unmarked, &u->xid, HASH_REMOVE, NULL);
				nunmarked_sub--;
			}
	}
}

/*
 * NoteDrained keeps the unmarked set up to date for a record just appended
 * to the WAL buffer (before any of its group is applied: a seal while
 * applying must know which markers are in the WAL).
 */
static void
NoteDrained(const uint8 *payload)
{
	if (payload[0] == core::kRecBatch)
	{
		core::BatchHeader hdr;

		memcpy(&hdr, payload, sizeof(hdr));
		if (hdr.flags & core::kBatchCommits)
			NoteMarker(hdr.top_xid);
		else
			NoteUnmarked(hdr.xid, hdr.top_xid);
	}
	else if (payload[0] == core::kRecCommit)
	{
		core::CommitRecord rec;

		memcpy(&rec, payload, sizeof(rec));
		NoteMarker(rec.top_xid);
	}
}

/* PruneUnmarked forgets entries of transactions that ended without committing. */
static void
PruneUnmarked(void)
{
	HASH_SEQ_STATUS seq;
	UnmarkedXid *u;

	if (unmarked == NULL || hash_get_num_entries(unmarked) == 0)
		return;
	hash_seq_init(&seq, unmarked);
	while ((u = static_cast<UnmarkedXid *>(hash_seq_search(&seq))) != NULL)
		if (!TransactionIdIsInProgress(u->xid) && !TransactionIdDidCommit(u->xid))
		{
			if (u->xid != u->top)
				nunmarked_sub--;
			(void) hash_search(unmarked, &u->xid, HASH_REMOVE, NULL);
		}
}

bool
WriterMarkerPending(TransactionId xid, uint32 gen, TransactionId *top)
{
	UnmarkedXid *u;

	if (unmarked == NULL || gen != CurrentGeneration())
		return false;
	u = static_cast<UnmarkedXid *>(hash_search(unmarked, &xid, HASH_FIND, NULL));
	if (u != NULL && top != NULL)
		*top = u->top;
	return u != NULL;
}

/*
 * Transactions whose rows a chunk file stamped while they ran or while
 * their marker was not yet drained (forced seals).  The WAL checkpoint
 * waits until they have ended, their markers are drained and durable
 * (end_lsn: the WAL insert position once they were, 0 before), and flushes
 * PostgreSQL's WAL first, so that clog knows their fate once their records
 * are gone (wal_generation.h, sidecar commits) -- and so that replay, which
 * drops the file rows of a transaction stamped unmarked whose marker it
 * does not find (Recover), never passes a stamp record whose marker it
 * could still need.
 */
struct StampedXid
{
	TransactionId xid;
	uint64		end_lsn;
};

static StampedXid *stamped = NULL;
static int	nstamped = 0;
static int	stamped_cap = 0;
static bool stamps_unflushed = false;
static bool wal_live = false;	/* replay done, new records go to the WAL */

/*
 * On a hot standby the writer follows the primary (wal_rmgr.h): its rows
 * come from the inbox redo fills, and it writes no record of its own.
 */
static bool following = false;
static bool generation_started = false;
static InboxCursor follow_cursor;	/* the next inbox record to take */
constexpr long kFollowPollMs = 50;	/* how often an idle follower looks */
static uint64 follow_end = 0;	/* end of the sidecar WAL replay found at start */

void
WriterNoteRunningStamp(TransactionId xid, uint32 gen)
{
	core::CommitRecord rec;
	uint64		lsn;
	TransactionId top = InvalidTransactionId;

	if (!wal_live)
		return;					/* replay: nothing runs */
	for (int i = 0; i < nstamped; i++)
		if (stamped[i].xid == xid)
			return;
	if (WalBufferFree() < sizeof(rec) + 64)
		elog(ERROR, "ztsdb WAL group buffer full");
	memset(&rec, 0, sizeof(rec));
	rec.type = core::kRecStamped;
	rec.top_xid = xid;
	rec.generation = gen;

	/*
	 * Its marker, if it ever comes, follows this record in the WAL: replay
	 * that reads this record and no marker knows the marker never became
	 * durable.  (A running transaction whose marker was drained already
	 * has it durable before the file is written: BuildChunkFile.)
	 */
	if (WriterMarkerPending(xid, gen, &top))
	{
		rec.flags = core::kStampUnmarked;
		rec.stamp_top = top;
	}
	(void) WalAppend(reinterpret_cast<const uint8 *>(&rec), sizeof(rec), &lsn);
	stamps_unflushed = true;
	if (nstamped == stamped_cap)
	{
		stamped_cap = Max(16, stamped_cap * 2);
		stamped = static_cast<StampedXid *>(
			stamped == NULL ? MemoryContextAlloc(TopMemoryContext, sizeof(StampedXid) * stamped_cap)
			: repalloc(stamped, sizeof(StampedXid) * stamped_cap));
	}
	stamped[nstamped].xid = xid;
	stamped[nstamped].end_lsn = 0;
	nstamped++;
}

void
WriterFlushStamps(void)
{
	if (!stamps_unflushed)
		return;
	WalFlush();
	stamps_unflushed = false;
}

/*
 * StampsRunning forgets stamped transactions that ended and whose marker,
 * if any, is durable; true if any is left.
 */
static bool
StampsRunning(void)
{
	int			keep = 0;
	uint32		gen = CurrentGeneration();

	for (int i = 0; i < nstamped; i++)
	{
		StampedXid *s = &stamped[i];

		if (TransactionIdIsInProgress(s->xid) || WriterMarkerPending(s->xid, gen, NULL))
			s->end_lsn = 0;
		else if (s->end_lsn == 0)
			s->end_lsn = WalInsertLsn();	/* its marker was drained before this */
		if (s->end_lsn == 0 || s->end_lsn > WalFlushedLsn())
			stamped[keep++] = *s;
	}
	nstamped = keep;
	return nstamped > 0;
}

/* One record of the current group, as applied after the flush. */
struct GroupRecord
{
	uint64		pos;			/* ring position */
	uint64		lsn;			/* 0 for requests (not WAL-logged) */
	const uint8 *payload;
	uint32		len;
};

static GroupRecord *group = NULL;
static int	group_max = 0;
static uint8 *request_copies = NULL;	/* requests are not in the WAL buffer */

static void
AddPending(const core::TableRecord &rec, uint64 lsn)
{
	if (npending == pending_cap)
	{
		pending_cap = Max(16, pending_cap * 2);
		pending = static_cast<PendingDrop *>(
			pending == NULL ? MemoryContextAlloc(TopMemoryContext, sizeof(PendingDrop) * pending_cap)
			: repalloc(pending, sizeof(PendingDrop) * pending_cap));
	}
	pending[npending].type = rec.type;
	pending[npending].xid = rec.xid;
	pending[npending].generation = rec.generation;
	pending[npending].table = rec.table;
	pending[npending].lsn = lsn;
	npending++;
}

/* ResolvePending carries out drops whose transaction has ended. */
static void
ResolvePending(void)
{
	int			keep = 0;

	for (int i = 0; i < npending; i++)
	{
		PendingDrop *p = &pending[i];
		bool		committed;

		if (!XidTrusted(p->xid, p->generation))
			committed = false;	/* died in a crash before its xid was durable */
		else if (TransactionIdIsInProgress(p->xid))
		{
			pending[keep++] = *p;
			continue;
		}
		else
			committed = TransactionIdDidCommit(p->xid);
		if ((p->type == core::kRecDropIfCommitted) == committed)
			DropTableData(p->table, true, true);
	}
	npending = keep;
}

/*
 * ApplyTableRecord carries out a table record: drops wait for their
 * transaction (ResolvePending); a same-transaction TRUNCATE empties the
 * table now -- its files too, except in replay, where files written after
 * the TRUNCATE hold rows that must stay (only hot rows before it go).
 */
static void
ApplyTableRecord(const uint8 *payload, uint64 lsn, bool replaying)
{
	core::TableRecord rec;

	memcpy(&rec, payload, sizeof(rec));
	if (rec.type == core::kRecTruncate)
		DropTableData(rec.table, !replaying, false);
	else
		AddPending(rec, lsn);
}

static void
AnswerRequest(const core::RequestRecord &req, int64 result, int sqlstate, const char *msg)
{
	RequestAnswer *a = &ingest_answers[req.procno];

	a->result = result;
	a->sqlstate = sqlstate;
	strlcpy(a->message, msg ? msg : "", sizeof(a->message));
	pg_write_barrier();
	a->request_id = req.request_id;
}

/*
 * While a base backup copies the data directory, chunk files and the WAL
 * checkpoint stay in place (wal_rmgr.h): compressing or dropping chunks
 * waits for the backup to end.
 */
static void
RefuseDuringBaseBackup(const char *what)
{
	if (ShippingEnabled() && BaseBackupRunning())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot %s while a base backup is running", what),
				 errdetail("ztsdb keeps its chunk files in place until the backup ends."),
				 errhint("Retry once pg_basebackup has finished.")));
}

/*
 * RepeatDropChunks carries out a drop_chunks met in the stream (replay, or
 * a standby following its primary), where it removed chunks on the server
 * that wrote it.  A failure is logged: the stream goes on.
 */
static void
RepeatDropChunks(const uint8 *payload, const char *who)
{
	core::RequestRecord req;
	MemoryContext oldcxt = CurrentMemoryContext;

	memcpy(&req, payload, sizeof(req));
	if (req.op != core::kReqDropChunks)
		return;
	PG_TRY();
	{
		(void) DropChunks(req.table, req.older_than);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		LWLockReleaseAll();
		ereport(LOG, (errmsg("ztsdb %s: could not repeat drop_chunks: %s", who, edata->message)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * ApplyStreamRecord carries out a table record (drop, truncate) or a
 * repeated drop_chunks met in the stream, as replay (replaying) or a
 * following standby does; false for other record types.
 */
static bool
ApplyStreamRecord(const uint8 *payload, uint64 lsn, bool replaying)
{
	switch (payload[0])
	{
		case core::kRecDropIfCommitted:
		case core::kRecDropIfAborted:
		case core::kRecTruncate:
			ApplyTableRecord(payload, lsn, replaying);
			return true;
		case core::kRecRequest:
			/* a drop_chunks that removed chunks at this point of the stream */
			RepeatDropChunks(payload, replaying ? "replay" : "standby");
			return true;
		default:
			return false;
	}
}

static void
DoRequest(const core::RequestRecord &req)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile int64 result = 0;

	/* a request that fails answers with the error, the writer carries on */
	PG_TRY();
	{
		switch (req.op)
		{
			case core::kReqSeal:
				/* "now": open transactions' rows keep their batch table */
				result = SealChunks(&req.table, true, true);
				break;
			case core::kReqCompress:
				RefuseDuringBaseBackup("compress chunks");
				result = CompressChunks(&req.table, req.older_than);
				break;
			case core::kReqDropChunks:
				RefuseDuringBaseBackup("drop chunks");
				result = DropChunks(req.table, req.older_than);
				if (result > 0)
				{
					/*
					 * In the stream where it happened, for replay and for
					 * servers restored from PostgreSQL's WAL (ReplayScan).
					 */
					uint64		lsn;

					(void) WalAppend(reinterpret_cast<const uint8 *>(&req), sizeof(req), &lsn);
					WalFlush();
				}
				break;
		}
		AnswerRequest(req, result, 0, NULL);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		LWLockReleaseAll();
		AnswerRequest(req, 0, edata->sqlerrcode, edata->message);
		ereport(LOG, (errmsg("ztsdb: request failed: %s", edata->message)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/* ApplyRecord carries out one record after its group is durable. */
static void
ApplyRecord(const uint8 *payload, uint64 lsn)
{
	switch (payload[0])
	{
		case core::kRecBatch:
			ApplyBatch(payload, lsn, false);
			StatAdd(kStatBatches, 1);
			if (payload[1] & core::kBatchCommits)
				StatAdd(kStatCommits, 1);
			break;
		case core::kRecCommit:
			StatAdd(kStatCommits, 1);
			break;
		case core::kRecDropIfCommitted:
		case core::kRecDropIfAborted:
		case core::kRecTruncate:
			ApplyTableRecord(payload, lsn, false);
			break;
		case core::kRecRequest:
			{
				core::RequestRecord req;

				memcpy(&req, payload, sizeof(req));
				DoRequest(req);
				break;
			}
	}
}

/*
 * DrainRing moves every published slot into the group (WAL buffer or the
 * request area), frees the slots, and returns how many it took.
 */
/* State of one group across the error boundary in the main loop. */
static int	group_n = 0;

static void
DrainRing(void)
{
	Size		req_used = 0;
	const uint8 *payload;
	uint32		len;
	uint64		pos;

	while (group_n < group_max && (payload = core::RingPeek(ingest_ring, &len, &pos)) != NULL)
	{
		core::Status st = core::ValidateRecord(payload, len);
		GroupRecord *g = &group[group_n];

		if (len + 64 > WalBufferFree())
			break;
		g->pos = pos;
		g->len = len;
		if (!st.ok())
		{
			/* a bug in a producer; never let it into the WAL */
			ereport(LOG, (errmsg("ztsdb: dropping malformed ring record: %s", st.message)));
			g->payload = NULL;
			g->lsn = 0;
		}
		else if (payload[0] == core::kRecRequest)
		{
			memcpy(request_copies + req_used, payload, len);
			g->payload = request_copies + req_used;
			g->lsn = 0;
			req_used += core::Align8(len);
		}
		else
		{
			/*
			 * Counted before the append: if the append has to flush and that
			 * fails, this record's committer fails too.  (Its slot is then
			 * read again; writing it later is harmless, its transaction has
			 * aborted.)
			 */
			g->payload = NULL;
			g->lsn = 0;
			group_n++;
			if (payload[0] == core::kRecBatch)
			{
				/*
				 * The window size its rows are routed by, for replay after a
				 * restart with another ztsdb.chunk_time_interval (the slot
				 * is ours until released).
				 */
				uint32		interval_s = (uint32) guc_chunk_time_interval_s;

				memcpy(const_cast<uint8 *>(payload) + offsetof(core::BatchHeader, interval_s),
					   &interval_s, sizeof(interval_s));
			}
			g->payload = WalAppend(payload, len, &g->lsn);
			NoteDrained(g->payload);
			core::RingRelease(ingest_ring);
			continue;
		}
		core::RingRelease(ingest_ring);
		group_n++;
	}
	if (group_n > 0)
		ConditionVariableBroadcast(&ingest_shared->space_cv);
}

static void
PublishProgress(uint64 flushed, uint64 applied)
{
	pg_write_barrier();
	if (pg_atomic_read_u64(&ingest_shared->shipped_pos) < flushed)
		pg_atomic_write_u64(&ingest_shared->shipped_pos, flushed);
	pg_atomic_write_u64(&ingest_shared->flushed_pos, flushed);
	pg_atomic_write_u64(&ingest_shared->applied_pos, applied);
	ConditionVariableBroadcast(&ingest_shared->flushed_cv);
	ConditionVariableBroadcast(&ingest_shared->progress_cv);
}

/*
 * Records applied but not yet fdatasync'd.  Rows are applied before they are
 * durable: no reader can see them before their transaction commits, and a
 * durable commit waits for the flush before PostgreSQL commits.  Groups
 * with no durable waiter (only synchronous_commit = off commits, streamed
 * batches of open transactions, requests) may wait up to
 * ztsdb.wal_flush_delay so that one fdatasync covers many of them.
 */
static bool unflushed = false;
static uint64 pending_end = 0;		/* ring position the next flush covers */
static TimestampTz pending_since = 0;
static uint64 pending_async = 0;	/* acknowledged commits awaiting the flush */
static uint64 drained_end = 0;		/* past the last record taken from the ring */
static bool polled_turn = false;	/* this turn flushed for a lone committer: poll (PollRing) */

static void
FlushPending(void)
{
	if (!unflushed)
		return;
	wal_shipped_upto = pending_end;
	WalFlush();
	wal_shipped_upto = 0;
	unflushed = false;
	/* the group may have been written by an earlier WalFlush (a new file) */
	if (pg_atomic_read_u64(&ingest_shared->shipped_pos) < pending_end)
		pg_atomic_write_u64(&ingest_shared->shipped_pos, pending_end);
	pending_async = 0;
	pg_write_barrier();
	pg_atomic_write_u64(&ingest_shared->flushed_pos, pending_end);
	ConditionVariableBroadcast(&ingest_shared->flushed_cv);
	WalEndGroup();
}

/* RecordNeedsFlush tells whether a record's sender waits for durability. */
static bool
RecordNeedsFlush(const uint8 *payload, bool *async_commit)
{
	switch (payload[0])
	{
		case core::kRecBatch:
			if (payload[1] & core::kBatchCommits)
			{
				*async_commit = !(payload[1] & core::kCommitDurable);
				return !*async_commit;
			}
			return false;
		case core::kRecCommit:
			*async_commit = !(payload[1] & core::kCommitDurable);
			return !*async_commit;
		case core::kRecDropIfCommitted:
		case core::kRecDropIfAborted:
		case core::kRecTruncate:
			return true;		/* PostgreSQL's own commit of the DDL follows */
		case core::kRecAbort:
			return true;		/* the aborting backend waits for it */
		default:
			return false;
	}
}

static void
ProcessGroup(void)
{
	uint64		end;
	bool		flush_now = false;

	/* room for at least one more record, or flush what is unflushed first */
	if (unflushed && WalBufferFree() < (Size) RingSlotBytes() + 64)
		FlushPending();
	group_n = 0;
	DrainRing();
	if (group_n > 0)
	{
		end = group[group_n - 1].pos + 1;
		drained_end = end;
		for (int i = 0; i < group_n; i++)
			if (group[i].payload != NULL)
			{
				bool		async_commit = false;

				if (RecordNeedsFlush(group[i].payload, &async_commit))
					flush_now = true;
				ApplyRecord(group[i].payload, group[i].lsn);
				if (async_commit)
					pending_async++;
			}
		RefreshTierStats();
		if (!unflushed)
			pending_since = GetCurrentTimestamp();
		unflushed = true;
		pending_end = end;
		pg_write_barrier();
		pg_atomic_write_u64(&ingest_shared->applied_pos, end);
		ConditionVariableBroadcast(&ingest_shared->progress_cv);
		group_n = 0;
	}
	if (unflushed &&
		(flush_now || WalBufferFree() < (Size) RingSlotBytes() + 64 ||
		 TimestampDifferenceExceeds(pending_since, GetCurrentTimestamp(), guc_wal_flush_delay_ms)))
	{
		/* one durable committer (1 client): its next commit comes soon */
		if (flush_now && pg_atomic_read_u32(&ingest_shared->commit_waiters) <= 1)
			polled_turn = true;
		FlushPending();
	}
}

/* PendingTimeout returns how long the main loop may sleep, in ms. */
static long
PendingTimeout(void)
{
	long		secs;
	int			usecs;
	long		left;
	long		sync_left = WalSyncDue();

	if (sync_left >= 0)
		return Max(sync_left, 1L);	/* the sidecar file's lazy sync (wal_rmgr.h) */
	if (!unflushed)
		return Max(Min(1000L, (long) guc_wal_flush_delay_ms), 1L);	/* lazy pushes wait no longer */
	TimestampDifference(GetCurrentTimestamp(),
						TimestampTzPlusMilliseconds(pending_since, guc_wal_flush_delay_ms),
						&secs, &usecs);
	left = secs * 1000 + usecs / 1000;
	return Max(left, 1L);
}

/* ------------------------------------------------------------------------
 * Recovery
 * ------------------------------------------------------------------------
 */

/* A transaction as replay sees it: xid and the generation it ran in. */
struct ReplayXid
{
	TransactionId xid;
	uint32		generation;
};

/* What the first pass learned of a transaction that has a commit marker. */
struct ReplayCommit
{
	ReplayXid	key;
	bool		self;			/* kCommitSelf: the marker decides */
	bool		aborted;		/* a kRecAbort followed the marker */
};

/*
 * ApplyBatchAs applies a batch record under another visibility stamp: hdr,
 * a copy of its header with xid, cid or generation rewritten.
 */
static void
ApplyBatchAs(const uint8 *payload, uint32 len, const core::BatchHeader &hdr, uint64 lsn,
			 bool replaying)
{
	uint8	   *copy = static_cast<uint8 *>(palloc(len));

	memcpy(copy, payload, len);
	memcpy(copy, &hdr, sizeof(hdr));
	ApplyBatch(copy, lsn, replaying);
	pfree(copy);
}

/*
 * ApplyMarkerDecided applies, on a standby, a batch of a transaction whose
 * marker decides alone (ingest_buffer.cpp: its only record): its rows count
 * as committed unless clog says the transaction aborted
 * (core::kMarkerDecidesCid, tam_scan.cpp), as the primary's replay keeps
 * them when a crash took the commit record.
 */
static void
ApplyMarkerDecided(const uint8 *payload, uint32 len, uint64 lsn, bool replaying)
{
	core::BatchHeader hdr;

	memcpy(&hdr, payload, sizeof(hdr));
	hdr.cid = core::kMarkerDecidesCid;
	ApplyBatchAs(payload, len, hdr, lsn, replaying);
}

/*
 * MarkerCommitted decides a transaction with a marker: an ordinary one needs
 * PostgreSQL's commit (and an xid that cannot have been reused); a
 * kCommitSelf one stands unless it was cancelled by a kRecAbort or clog
 * says, of a trustworthy xid, that it aborted.
 */
static bool
MarkerCommitted(const ReplayCommit *c)
{
	bool		trusted = XidTrusted(c->key.xid, c->key.generation);

	if (!c->self)
		return trusted && TransactionIdDidCommit(c->key.xid);
	if (c->aborted)
		return false;
	return !(trusted && TransactionIdDidAbort(c->key.xid));
}

/* What the first pass learned of a transaction with a kRecStamped record. */
struct ReplayStamp
{
	ReplayXid	key;			/* the stamped xid */
	TransactionId top;			/* kStampUnmarked: whose marker decides */
	bool		unmarked;		/* a stamp was written before that marker */
};

struct ReplayState
{
	HTAB	   *committed;		/* ReplayXids with a commit marker */
	HTAB	   *stamped;		/* ReplayStamps */
	uint64		records;
	uint32		oldest_generation;	/* of any record replayed (first pass) */
	bool		second_pass;
};

/* RecordGeneration returns the generation a record names, 0 if none. */
static uint32
RecordGeneration(const uint8 *payload, uint32 len)
{
	switch (payload[0])
	{
		case core::kRecBatch:
			if (len >= sizeof(core::BatchHeader))
			{
				core::BatchHeader hdr;

				memcpy(&hdr, payload, sizeof(hdr));
				return hdr.generation;
			}
			break;
		case core::kRecCommit:
		case core::kRecAbort:
		case core::kRecStamped:
			if (len >= sizeof(core::CommitRecord))
			{
				core::CommitRecord rec;

				memcpy(&rec, payload, sizeof(rec));
				return rec.generation;
			}
			break;
		case core::kRecDropIfCommitted:
		case core::kRecDropIfAborted:
		case core::kRecTruncate:
			if (len >= sizeof(core::TableRecord))
			{
				core::TableRecord rec;

				memcpy(&rec, payload, sizeof(rec));
				return rec.generation;
			}
			break;
		default:
			break;
	}
	return 0;
}

static void
ReplayScan(const uint8 *payload, uint32 len, uint64 lsn, void *arg)
{
	ReplayState *rs = static_cast<ReplayState *>(arg);

	if (!rs->second_pass)
	{
		ReplayXid	key;
		ReplayCommit *c;
		uint32		gen = RecordGeneration(payload, len);

		if (gen != 0)
			rs->oldest_generation = Min(rs->oldest_generation, gen);
		memset(&key, 0, sizeof(key));
		if (payload[0] == core::kRecCommit || payload[0] == core::kRecAbort ||
			payload[0] == core::kRecStamped)
		{
			core::CommitRecord rec;

			memcpy(&rec, payload, sizeof(rec));
			key.xid = rec.top_xid;
			key.generation = rec.generation;
		}
		else if (payload[0] == core::kRecBatch && (payload[1] & core::kBatchCommits))
		{
			core::BatchHeader hdr;

			memcpy(&hdr, payload, sizeof(hdr));
			key.xid = hdr.top_xid;
			key.generation = hdr.generation;
		}
		else
			return;
		if (payload[0] == core::kRecStamped)
		{
			core::CommitRecord rec;
			ReplayStamp *st;
			bool		found;

			memcpy(&rec, payload, sizeof(rec));
			st = static_cast<ReplayStamp *>(hash_search(rs->stamped, &key, HASH_ENTER, &found));
			if (!found)
				st->unmarked = false;
			if (rec.flags & core::kStampUnmarked)
			{
				st->unmarked = true;
				st->top = rec.stamp_top;
			}
			return;
		}
		if (payload[0] == core::kRecAbort)
		{
			c = static_cast<ReplayCommit *>(hash_search(rs->committed, &key, HASH_FIND, NULL));
			if (c != NULL)
				c->aborted = true;
			return;
		}
		c = static_cast<ReplayCommit *>(hash_search(rs->committed, &key, HASH_ENTER, NULL));
		c->self = (payload[1] & core::kCommitSelf) != 0;
		c->aborted = false;
		return;
	}
	rs->records++;
	switch (payload[0])
	{
		case core::kRecBatch:
			{
				core::BatchHeader hdr;
				ReplayXid	key;
				ReplayCommit *c;

				memcpy(&hdr, payload, sizeof(hdr));
				memset(&key, 0, sizeof(key));
				key.xid = hdr.top_xid;
				key.generation = hdr.generation;
				c = static_cast<ReplayCommit *>(hash_search(rs->committed, &key, HASH_FIND, NULL));
				if (following)
				{
					/*
					 * A standby: the transaction may still run on the
					 * primary.  Its rows are applied as the primary's
					 * writer applied them, and clog decides (tam_scan.cpp),
					 * or, for a marker that decides alone, clog's abort.
					 */
					if (c == NULL || !c->self)
						ApplyBatch(payload, lsn, true);
					else if (!c->aborted)
						ApplyMarkerDecided(payload, len, lsn, true);
					break;
				}
				if (c == NULL || !MarkerCommitted(c))
					break;
				if (c->self)
				{
					/*
					 * Clog may not know this transaction, and its xid may be
					 * handed out again: its rows are stored as committed to
					 * everyone, stamped with this generation.  (No
					 * subtransaction of it aborted after pushing rows.)
					 */
					hdr.top_xid = FrozenTransactionId;
					hdr.xid = FrozenTransactionId;
					hdr.cid = FirstCommandId;
					hdr.generation = CurrentGeneration();
					ApplyBatchAs(payload, len, hdr, lsn, true);
				}
				else if (hdr.xid == hdr.top_xid ||
						 (XidTrusted(hdr.xid, hdr.generation) && TransactionIdDidCommit(hdr.xid)))
					ApplyBatch(payload, lsn, true);
				break;
			}
		default:
			(void) ApplyStreamRecord(payload, lsn, true);
			break;
	}
}

/*
 * ForgetOldGenerations keeps only the generations something still names
 * (wal_generation.h): the WAL from the checkpoint (oldest_in_wal; hot chunks
 * hold only rows replayed from it) and unsorted warm files, and only the
 * sidecar commits those files stamp.  Called before backends may read
 * either.
 */
static void
ForgetOldGenerations(uint32 oldest_in_wal)
{
	uint64	   *keys = NULL;
	int			nkeys = 0;
	uint32		oldest_in_files = StampedFileReferences(&keys, &nkeys);

	/* a broken table's files could not be read: they may name any of them */
	if (pg_atomic_read_u32(&storage_shared->nbroken) > 0)
	{
		ereport(LOG,
				(errmsg("ztsdb: keeping every writer generation and sidecar commit while a table's files are damaged")));
		StatSet(kStatGenerationsKept, GenerationsKept());
		StatSet(kStatSidecarCommitsKept, generation_shared->nsidecar);
		return;
	}

	SidecarCommitsKeepOnly(keys, nkeys);
	GenerationsForget(Min(oldest_in_wal, oldest_in_files));
	StatSet(kStatGenerationsKept, GenerationsKept());
	StatSet(kStatSidecarCommitsKept, generation_shared->nsidecar);
}

/*
 * StuckWait sleeps while the writer cannot start (damage, a failed start
 * step): up to timeout_ms, exiting on a shutdown request (status 1), and
 * applying a configuration reload.  Returns 1 after a reload, 2 after the
 * timeout, 0 if only woken.
 */
static int
StuckWait(long timeout_ms)
{
	int			rc = WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							   timeout_ms, PG_WAIT_EXTENSION);

	ResetLatch(MyLatch);
	if (ShutdownRequestPending)
		proc_exit(1);
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
		return 1;
	}
	return (rc & WL_TIMEOUT) ? 2 : 0;
}

/* replay has started applying rows to hot chunks: a start cannot simply be retried */
static bool replay_applied = false;

static void
Recover(void)
{
	TimestampTz start = GetCurrentTimestamp();
	uint64		from = WalReadCheckpoint();
	ReplayState rs;
	HASHCTL		info;
	HASHCTL		stamp_info;
	uint64		end;
	uint64		seg = WalSegmentBytes();
	long		secs;
	int			usecs;

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(ReplayXid);
	info.entrysize = sizeof(ReplayCommit);
	info.hcxt = CurrentMemoryContext;
	rs.committed = hash_create("ztsdb replay commits", 1024, &info,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&stamp_info, 0, sizeof(stamp_info));
	stamp_info.keysize = sizeof(ReplayXid);
	stamp_info.entrysize = sizeof(ReplayStamp);
	stamp_info.hcxt = CurrentMemoryContext;
	rs.stamped = hash_create("ztsdb replay stamps", 64, &stamp_info,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	rs.records = 0;
	rs.oldest_generation = CurrentGeneration();
	rs.second_pass = false;
	for (;;)
	{
		char		damage[256];

		end = WalReplay(from, ReplayScan, &rs, damage, sizeof(damage));
		if (damage[0] == '\0')
			break;

		/*
		 * Damage in the middle of the log: stop and say so (backends get the
		 * message), until the file is restored (restart) or the damaged part
		 * is given up (ztsdb.wal_skip_corrupt = on, then reload).  Nothing
		 * has been applied yet: the first pass only collects commit markers.
		 */
		snprintf(ingest_shared->recovery_error, sizeof(ingest_shared->recovery_error),
				 "could not recover its sidecar WAL: %s", damage);
		strlcpy(ingest_shared->recovery_hint,
				"Restore the file, or set ztsdb.wal_skip_corrupt = on and reload to give up the damaged part.",
				sizeof(ingest_shared->recovery_hint));
		pg_write_barrier();
		if (pg_atomic_exchange_u32(&ingest_shared->recovery_failed, 1) == 0)
			ereport(LOG,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb recovery stopped: %s", damage),
					 errhint("Restore the file and restart, or set ztsdb.wal_skip_corrupt = on and reload to give up the damaged part.")));
		ConditionVariableBroadcast(&ingest_shared->progress_cv);
		(void) StuckWait(1000L);
		hash_destroy(rs.committed);
		hash_destroy(rs.stamped);
		rs.committed = hash_create("ztsdb replay commits", 1024, &info,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		rs.stamped = hash_create("ztsdb replay stamps", 64, &stamp_info,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		rs.oldest_generation = CurrentGeneration();
	}
	pg_atomic_write_u32(&ingest_shared->recovery_failed, 0);

	/*
	 * Transactions committed by their marker alone that clog does not know
	 * and whose rows a chunk file stamped while they ran: record them before
	 * anything reads those files.
	 */
	{
		HASH_SEQ_STATUS seq;
		ReplayStamp *c;
		uint64	   *keys = static_cast<uint64 *>(palloc(sizeof(uint64) * (hash_get_num_entries(rs.stamped) + 1)));
		int			nkeys = 0;

		hash_seq_init(&seq, rs.stamped);
		while ((c = static_cast<ReplayStamp *>(hash_seq_search(&seq))) != NULL)
		{
			ReplayCommit *m = static_cast<ReplayCommit *>(hash_search(rs.committed, &c->key, HASH_FIND, NULL));

			if (m != NULL && m->self && MarkerCommitted(m) &&
				!(XidTrusted(m->key.xid, m->key.generation) && TransactionIdDidCommit(m->key.xid)) &&
				!SidecarCommitted(m->key.xid, m->key.generation))
				keys[nkeys++] = SidecarKey(m->key.xid, m->key.generation);
		}
		SidecarCommitsAdd(keys, nkeys);
		pfree(keys);
	}

	/*
	 * Transactions stamped in a chunk file before their commit marker was
	 * taken from the ring, whose marker replay did not find: the marker
	 * follows the stamp in the WAL, so it never became durable (an
	 * asynchronous commit lost in the crash, or no commit at all), and
	 * replay skips their batches.  Their file rows go too, whatever clog
	 * says, before anything reads those files; so does a transaction whose
	 * marker replay does not honour (MarkerCommitted).  A transaction whose
	 * marker is durable keeps its rows: that marker is found here, or, if
	 * the checkpoint has passed it, no unmarked stamp of it is left to read
	 * (StampsRunning).
	 */
	{
		HASH_SEQ_STATUS seq;
		ReplayStamp *st;
		uint64	   *keys = static_cast<uint64 *>(palloc(sizeof(uint64) * (hash_get_num_entries(rs.stamped) + 1)));
		int			nkeys = 0;

		hash_seq_init(&seq, rs.stamped);
		while ((st = static_cast<ReplayStamp *>(hash_seq_search(&seq))) != NULL)
		{
			ReplayXid	top;
			ReplayCommit *m;

			if (!st->unmarked)
				continue;
			memset(&top, 0, sizeof(top));
			top.xid = st->top;
			top.generation = st->key.generation;
			m = static_cast<ReplayCommit *>(hash_search(rs.committed, &top, HASH_FIND, NULL));
			if (m == NULL || !MarkerCommitted(m))
				keys[nkeys++] = SidecarKey(st->key.xid, st->key.generation);
		}
		/* not on a standby: the primary may still write the marker */
		if (nkeys > 0 && !following)
		{
			int			files;

			qsort(keys, nkeys, sizeof(uint64), CompareSidecarKeys);
			files = DropUnmarkedFileRows(keys, nkeys);
			/* none after an earlier start did it: the WAL still names them */
			if (files > 0)
				ereport(LOG,
						(errmsg("ztsdb: rewrote %d chunk file(s) without the rows of transactions whose commit marker did not survive the crash",
								files)));
		}
		pfree(keys);
	}
	rs.second_pass = true;
	replay_applied = true;
	{
		char		damage[256];

		(void) WalReplay(from, ReplayScan, &rs, damage, sizeof(damage));
	}
	ResolvePending();
	ResetReplayCoverage();
	(void) SweepOrphanDirs();
	ForgetOldGenerations(rs.oldest_generation);
	if (following)
	{
		RefreshTierStats();
		follow_end = end;
		ereport(LOG,
				(errmsg("ztsdb: standby replayed %llu sidecar WAL records from %llX to %llX; following the primary",
						(unsigned long long) rs.records, (unsigned long long) from,
						(unsigned long long) end)));
		return;
	}

	/* new records start in a fresh file, never among a torn tail's bytes */
	WalStartAt(end - end % seg + seg);
	WalStartRun(CurrentGeneration());
	wal_live = true;

	/*
	 * Restarts faster than the checkpoint moves (a crash loop while hot
	 * chunks stay open) would fill the generations file: seal what replay
	 * rebuilt (every transaction in it has ended), so the next checkpoint
	 * passes the old records and a later start forgets their generations.
	 */
	/*
	 * Rows replayed with another chunk_time_interval sit in windows of the
	 * old size: seal them, so that new rows never meet an old-size chunk
	 * and the next checkpoint leaves the old records behind.
	 */
	if (ReplayedOtherInterval())
	{
		ereport(LOG,
				(errmsg("ztsdb.chunk_time_interval changed since the sidecar WAL was written; sealing the hot chunks replay rebuilt")));
		(void) SealChunks(NULL, true, false);
	}
	if (GenerationsKept() > (uint32) kMaxGenerations / 2 ||
		(guc_debug_fault == kFaultGenerationsPressure && GenerationsKept() > 1))
	{
		ereport(LOG,
				(errmsg("ztsdb: %u writer generations are still named by the sidecar WAL; sealing every hot chunk so that its checkpoint can move",
						GenerationsKept())));
		(void) SealChunks(NULL, true, false);
	}
	RefreshTierStats();
	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	StatSet(kStatRecoveryRecords, rs.records);
	StatSet(kStatRecoveryMs, (uint64) (secs * 1000 + usecs / 1000));
	ereport(LOG,
			(errmsg("ztsdb: replayed %llu sidecar WAL records from %llX to %llX in %ld.%03d s",
					(unsigned long long) rs.records, (unsigned long long) from,
					(unsigned long long) end, secs, usecs / 1000)));
}

/*
 * CountTableFiles sizes the table's main fork after its chunk files (recovery
 * leaves it a copy of the empty init fork, or none while it lasts: see
 * ztsdb_relation_set_new_filenode) and, if arg is 1, adds them to the
 * warm/cold gauges; at start, and again at promotion.
 */
static int
CountTableFiles(const core::TableKey &key, int64 arg)
{
	Manifest	m;
	uint64		bytes = 0;

	if (!ReadManifest(key, &m))
		return 0;
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		bool		cold = m.chunks[i].meta.tier == core::kTierCold;

		bytes += m.chunks[i].file_bytes;
		if (arg == 1)
		{
			StatAdd(cold ? kStatChunksCold : kStatChunksWarm, 1);
			StatAdd(cold ? kStatBytesCold : kStatBytesWarm, m.chunks[i].file_bytes);
		}
	}
	UpdateApparentSize(key, bytes);
	return 1;
}

/* ------------------------------------------------------------------------
 * Main loop
 * ------------------------------------------------------------------------
 */

static TimestampTz last_tier = 0;
static bool backup_paused = false;

/*
 * How much of its time the writer spends waiting for records (WaitLatch,
 * PollRing), measured between tiering passes: merging warm files, which
 * only makes queries cheaper, waits while ingestion keeps the writer busy
 * (measured: merges during 8 clients' 1000-row INSERTs took 40% of their
 * throughput).
 */
static int64 idle_usec = 0;
static instr_time idle_since;
static bool idle_started = false;

static void
NoteIdle(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	idle_usec += INSTR_TIME_GET_MICROSEC(now);
}

/* WriterMostlyIdle says whether the writer waited at least half the time since the last call. */
static bool
WriterMostlyIdle(void)
{
	instr_time	now;
	int64		elapsed;
	bool		idle;

	INSTR_TIME_SET_CURRENT(now);
	elapsed = INSTR_TIME_GET_MICROSEC(now) - INSTR_TIME_GET_MICROSEC(idle_since);
	idle = idle_started && idle_usec * 2 >= elapsed;
	idle_started = true;
	idle_since = now;
	idle_usec = 0;
	return idle;
}

static void
Tiering(void)
{
	TimestampTz now = GetCurrentTimestamp();

	FreeUnpinnedChunks();
	WalPrepareNext();

	/*
	 * A base backup is copying the data directory: keep every chunk file
	 * and the WAL checkpoint in place (wal_rmgr.h).  Seals go on (with
	 * images), so hot chunks free up and ingestion never waits for it.
	 */
	if (ShippingEnabled() && BaseBackupRunning())
	{
		static TimestampTz last_seal = 0;

		if (!backup_paused)
			ereport(LOG, (errmsg("ztsdb: a base backup is running; compressing, dropping and WAL checkpoints wait until it ends")));
		backup_paused = true;
		if (TimestampDifferenceExceeds(last_seal, now, 1000))
		{
			last_seal = now;
			SealChunks(NULL, false, false);
		}
		RefreshTierStats();
		return;
	}
	if (backup_paused)
		ereport(LOG, (errmsg("ztsdb: the base backup ended; tiering resumes")));
	backup_paused = false;
	/* chunk files that tier moves replaced while it ran (storage_tier.cpp) */
	if (FilesKeptForBackup())
		(void) SweepOrphanDirs();
	/*
	 * One unsorted warm file per turn while that makes progress (queries
	 * want them sorted soon; commits wait for each), otherwise a try every
	 * 100 ms (files of transactions still open cannot be sorted yet).
	 */
	{
		static bool resort_progress = true;
		static TimestampTz last_resort = 0;

		if (resort_progress || TimestampDifferenceExceeds(last_resort, now, 100))
		{
			resort_progress = ResortChunks() > 0;
			last_resort = now;
		}
	}
	if (!TimestampDifferenceExceeds(last_tier, now, 1000))
		return;
	last_tier = now;
	ResolvePending();
	PruneUnmarked();
	SealChunks(NULL, false, false);
	if (guc_cold_after_s >= 0)
	{
		CompressChunks(NULL, now - (int64) guc_cold_after_s * USECS_PER_SEC);
		if (CompressMore())
			last_tier = 0;		/* the next turn merges the next window */
	}
	if (guc_merge_warm)
	{
		(void) MergeWarmChunks(!WriterMostlyIdle());
		if (MergeWarmMore())
			last_tier = 0;
	}

	{
		static uint64 last_cp = 0;
		uint64		cp = CheckpointLsn(WalInsertLsn());

		for (int i = 0; i < npending; i++)
			cp = Min(cp, pending[i].lsn);

		/*
		 * Records before cp are forgotten: commits they decided alone must
		 * be in PostgreSQL's WAL by then (see stamped above).
		 */
		if (cp != last_cp && !StampsRunning())
		{
			FlushPostgresWal();
			WalCheckpoint(cp);
			last_cp = cp;
		}
	}
	RefreshTierStats();
}

/*
 * TieringIsolated runs Tiering so that its failures (a full disk while
 * writing a chunk file, a damaged file outside RunForTable's reach) stay
 * its own: the main loop's error handler would discard the WAL records not
 * yet flushed and fail their transactions -- or PANIC over acknowledged
 * asynchronous commits -- though nothing was wrong with them.  The failed
 * step is retried at a later pass; tier moves are crash-safe at every step,
 * so one interrupted by an ERROR is no worse.
 */
static void
TieringIsolated(void)
{
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		Tiering();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		LWLockReleaseAll();
		ConditionVariableCancelSleep();
		AtEOXact_Files(false);	/* the WAL file is not a transient file */
		AtEOXact_HashTables(false);
		pg_atomic_write_u64(&storage_shared->pins_awaited_since, 0);
		ereport(LOG,
				(errcode(edata->sqlerrcode),
				 errmsg("ztsdb writer: tiering failed, retrying later: %s", edata->message)));
		FreeErrorData(edata);
		RESUME_INTERRUPTS();
	}
	PG_END_TRY();
}

/*
 * PollRing watches the ring for a short while before the writer sleeps,
 * after a turn that made a lone committer durable: that committer's next
 * commit then finds the writer awake (no latch, no wakeup).  Returns true
 * if a record arrived.  Producers skip setting the latch while
 * writer_polling is set; after clearing it the writer looks once more, so
 * no record is left unseen (barriers on both sides).
 */
static bool
PollRing(void)
{
	const int64 kPollUsec = 300;
	instr_time	start;
	instr_time	now;
	bool		arrived = false;

	if (!polled_turn)
		return false;
	polled_turn = false;
	pg_atomic_write_u32(&ingest_shared->writer_polling, 1);
	pg_memory_barrier();
	INSTR_TIME_SET_CURRENT(start);
	for (uint32 i = 1; !(arrived = !core::RingEmpty(ingest_ring)); i++)
	{
		pg_spin_delay();
		if ((i & 31) == 0)
		{
			/* never keep a process that shares this core from running */
			sched_yield();
			INSTR_TIME_SET_CURRENT(now);
			INSTR_TIME_SUBTRACT(now, start);
			if ((int64) INSTR_TIME_GET_MICROSEC(now) > kPollUsec)
				break;
		}
	}
	pg_atomic_write_u32(&ingest_shared->writer_polling, 0);
	pg_memory_barrier();
	return arrived || !core::RingEmpty(ingest_ring);
}

/*
 * WriterExit tells waiting backends that the writer is gone
 * (before_shmem_exit: its PGPROC is still valid).
 */
static void
WriterExit(int code, Datum arg)
{
	(void) code;
	(void) arg;
	pg_atomic_write_u32(&ingest_shared->writer_procno, INVALID_PGPROCNO);
	pg_memory_barrier();
	ConditionVariableBroadcast(&ingest_shared->flushed_cv);
	ConditionVariableBroadcast(&ingest_shared->progress_cv);
	ConditionVariableBroadcast(&ingest_shared->space_cv);
}

/* ------------------------------------------------------------------------
 * A hot standby's writer follows the primary (wal_rmgr.h)
 * ------------------------------------------------------------------------
 */

/* FollowRecord applies one record received from the primary. */
static void
FollowRecord(const uint8 *payload, uint32 len, uint64 lsn, void *arg)
{
	(void) arg;
	switch (payload[0])
	{
		case core::kRecBatch:
			if ((payload[1] & (core::kBatchCommits | core::kCommitSelf)) ==
				(core::kBatchCommits | core::kCommitSelf))
				ApplyMarkerDecided(payload, len, lsn, false);
			else
			{
				/* as the primary's writer did: clog decides (tam_scan.cpp) */
				ApplyBatch(payload, lsn, false);
			}
			StatAdd(kStatBatches, 1);
			break;
		default:
			/* drops, truncates, drop_chunks; not the primary's run starts
			 * and stamps, nor images (WalFollowInbox writes those) */
			(void) ApplyStreamRecord(payload, lsn, false);
			break;
	}
}

/*
 * Promote turns the follower into the primary's writer once recovery has
 * ended: the inbox is complete (redo's cleanup synced it), its rest is
 * applied; then a generation of its own, a fresh sidecar file for its own
 * records, and the inbox goes.
 */
static void
Promote(void)
{
	uint64		seg = WalSegmentBytes();
	uint64		end = Max(WalInsertLsn(), follow_end);

	following = false;
	ResolvePending();
	if (!generation_started)
	{
		GenerationStart();
		generation_started = true;
	}
	WalStartAt(end - end % seg + seg);
	WalStartRun(CurrentGeneration());
	wal_live = true;
	(void) WalRemoveInbox();
	ForEachTableDir(CountTableFiles, 0);
	ereport(LOG,
			(errmsg("ztsdb: recovery ended after %llu sidecar WAL records received from the primary; the writer takes new rows",
					(unsigned long long) follow_cursor.records)));
}

/*
 * FollowTurn takes what redo appended to the inbox, publishes how far
 * PostgreSQL's replay had come before (a standby's query waits for that:
 * WaitForFollower), and promotes once recovery has ended.
 */
static void
FollowTurn(void)
{
	bool		ended = !RecoveryInProgress();
	XLogRecPtr	replayed = GetXLogReplayRecPtr(NULL);

	pg_read_barrier();
	while (WalFollowInbox(&follow_cursor, FollowRecord, NULL))
		;
	/* durable in the sidecar WAL: redo may empty the inbox (wal_rmgr.h) */
	if (follow_cursor.any)
		pg_atomic_write_u64(&ingest_shared->inbox_taken_lsn, follow_cursor.last_lsn);
	ResolvePending();
	if (ended)
	{
		Promote();
		return;
	}
	pg_write_barrier();
	pg_atomic_write_u64(&ingest_shared->follow_replay_pos, replayed);
	ConditionVariableBroadcast(&ingest_shared->progress_cv);
}

/* state of the start steps, across the error boundary */
static volatile bool start_done = false;

/*
 * WriterStart runs the start steps: open the WAL, begin a generation,
 * replay.  An ERROR here is caught by ztsdb_writer_main (StartFailed).
 */
static void
WriterStart(MemoryContext loop_cxt)
{
	WalOpen();

	/*
	 * A hot standby: follow the primary (wal_rmgr.h).  No generation of its
	 * own until it is promoted: every xid it sees is the primary's, in
	 * PostgreSQL's WAL, and clog decides it.
	 */
	following = RecoveryInProgress();
	if (!generation_started && !following)
	{
		GenerationStart();
		generation_started = true;
	}
	SidecarCommitsLoad();
	/* records received through PostgreSQL's WAL in archive recovery (wal_rmgr.h) */
	if (following)
	{
		memset(&follow_cursor, 0, sizeof(follow_cursor));
		while (WalFollowInbox(&follow_cursor, NULL, NULL))
			;
	}
	else
		WalApplyInbox();
	Recover();
	ForEachTableDir(CountTableFiles, 1);
	pg_atomic_write_u32(&ingest_shared->recovery_done, 1);
	ConditionVariableBroadcast(&ingest_shared->progress_cv);
	MemoryContextReset(loop_cxt);
}

/*
 * StartFailed handles an ERROR of the start steps.  Exiting would make the
 * postmaster restart the writer, and a restarted writer restarts the
 * cluster (ztsdb_writer_main): a loop that would also end every heap
 * session.  Instead the writer stays, backends touching ztsdb tables get
 * the message (WaitForRecovery), and the start is tried again every few
 * seconds or at a reload -- unless replay had already applied rows, which
 * only a server restart undoes.
 */
static void
StartFailed(void)
{
	ErrorData  *edata;
	bool		retry = !replay_applied;

	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(TopMemoryContext);
	edata = CopyErrorData();
	EmitErrorReport();
	LWLockReleaseAll();
	ConditionVariableCancelSleep();
	AtEOXact_Files(false);
	AtEOXact_HashTables(false);
	FlushErrorState();
	snprintf(ingest_shared->recovery_error, sizeof(ingest_shared->recovery_error),
			 "writer could not start: %s", edata->message);
	snprintf(ingest_shared->recovery_hint, sizeof(ingest_shared->recovery_hint), "%s%s",
			 edata->hint ? edata->hint : "Correct the cause.",
			 retry ? " The writer tries again every 10 seconds and at a configuration reload."
			 : " Then restart the server.");
	pg_write_barrier();
	pg_atomic_write_u32(&ingest_shared->recovery_failed, 1);
	ConditionVariableBroadcast(&ingest_shared->progress_cv);
	ereport(LOG,
			(errmsg("ztsdb writer could not start; ztsdb tables are unavailable until it does"),
			 errhint("%s", ingest_shared->recovery_hint)));
	FreeErrorData(edata);
	RESUME_INTERRUPTS();
	for (;;)
	{
		int			what = StuckWait(10000L);

		if (retry && what != 0)
			break;
	}
	pg_atomic_write_u32(&ingest_shared->recovery_failed, 0);
}

extern "C" PGDLLEXPORT void
ztsdb_writer_main(Datum arg)
{
	sigjmp_buf	local_sigjmp_buf;
	static MemoryContext loop_cxt;

	(void) arg;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	/* a cancel means nothing to the writer: never fail a group for it */
	pqsignal(SIGINT, SIG_IGN);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("ztsdb writer");

	/*
	 * Hot chunks, the ring and waiting backends belong to the previous
	 * writer's state, which lived partly in its own memory: only a replay
	 * into fresh shared memory rebuilds them exactly.  Exit with a status
	 * the postmaster treats as a crash, so it restarts every process (as
	 * it would had the writer been killed) and this writer's successor
	 * replays.  It gets here when the writer exited (pg_terminate_backend,
	 * a FATAL error) and the postmaster restarted it.
	 */
	if (pg_atomic_fetch_add_u32(&ingest_shared->writer_generation, 1) != 0)
	{
		ereport(LOG,
				(errmsg("ztsdb writer restarted after its predecessor exited; restarting the server processes so that ztsdb's shared memory is rebuilt from the sidecar WAL")));
		proc_exit(2);
	}
	pg_atomic_write_u32(&ingest_shared->writer_procno, MyProc->pgprocno);
	before_shmem_exit(WriterExit, 0);

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "ztsdb writer");
	loop_cxt = AllocSetContextCreate(TopMemoryContext, "ztsdb writer loop",
									 ALLOCSET_DEFAULT_SIZES);
	group_max = guc_ring_slots;
	group = static_cast<GroupRecord *>(MemoryContextAlloc(TopMemoryContext,
														  sizeof(GroupRecord) * group_max));
	request_copies = static_cast<uint8 *>(
		MemoryContextAllocHuge(TopMemoryContext,
							   (Size) group_max * core::Align8(sizeof(core::RequestRecord))));

	if (sigsetjmp(local_sigjmp_buf, 1) != 0)
	{
		if (!start_done)
		{
			StartFailed();
			MemoryContextReset(loop_cxt);
		}
		else
		{
			/* error recovery, as the checkpointer does */
			ErrorData  *edata;

			HOLD_INTERRUPTS();
			MemoryContextSwitchTo(TopMemoryContext);
			edata = CopyErrorData();
			EmitErrorReport();
			pg_atomic_write_u64(&storage_shared->pins_awaited_since, 0);
			LWLockReleaseAll();
			ConditionVariableCancelSleep();
			AtEOXact_Files(false);
			AtEOXact_HashTables(false);
			if (group_n > 0 || unflushed)
			{
				/*
				 * Records taken from the ring are not all durable.  Their
				 * senders fail instead of getting an acknowledgement (their
				 * transactions abort, so rows already applied stay
				 * invisible) -- unless asynchronous commits were already
				 * acknowledged: then, as PostgreSQL does for its own WAL,
				 * only a restart and replay restore a state that matches
				 * what is durable.
				 */
				uint64		end = Max(drained_end, pending_end);

				if (pending_async > 0)
				{
					/*
					 * Acknowledged asynchronous commits: only a restart
					 * and replay restore a state that matches them.  If
					 * the failure was not the WAL's own (applying rows:
					 * a chunk file on a full disk), make their records
					 * durable first so that replay has them.
					 */
					volatile bool flushed = false;

					if (!wal_failed)
					{
						PG_TRY();
						{
							WalFlush();
							flushed = true;
						}
						PG_CATCH();
						{
							FlushErrorState();
						}
						PG_END_TRY();
					}
					ereport(PANIC,
							(errmsg("ztsdb writer could not apply acknowledged asynchronous commits: %s",
									edata->message),
							 flushed ? errdetail("Their sidecar WAL records are durable; replay after the restart applies them.") : 0));
				}
				WalDiscard();
				unflushed = false;
				strlcpy(ingest_shared->failed_message, edata->message,
						sizeof(ingest_shared->failed_message));
				pg_atomic_write_u32(&ingest_shared->failed_sqlerrcode, (uint32) edata->sqlerrcode);
				pg_write_barrier();
				pg_atomic_write_u64(&ingest_shared->failed_upto, end);
				ereport(LOG,
						(errmsg("ztsdb: records up to ring position %llu could not be written to the sidecar WAL; their transactions fail",
								(unsigned long long) end)));
				PublishProgress(end, end);
			}
			group_n = 0;
			MemoryContextSwitchTo(loop_cxt);
			FlushErrorState();
			FreeErrorData(edata);
			MemoryContextReset(loop_cxt);
			RESUME_INTERRUPTS();
			pg_usleep(100000L);
		}
	}
	PG_exception_stack = &local_sigjmp_buf;

	MemoryContextSwitchTo(loop_cxt);
	if (!start_done)
	{
		WriterStart(loop_cxt);
		start_done = true;
	}

	for (;;)
	{
		ResetLatch(MyLatch);
		if (ShutdownRequestPending)
			break;
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (following)
		{
			FollowTurn();
			TieringIsolated();
			MemoryContextReset(loop_cxt);
			if (following)
			{
				/* queries wake it (WaitForFollower); redo does not */
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								 kFollowPollMs, PG_WAIT_EXTENSION);
				CHECK_FOR_INTERRUPTS();
				continue;
			}
		}
		ProcessGroup();
		(void) WalSyncDue();
		TieringIsolated();
		MemoryContextReset(loop_cxt);
		if (core::RingEmpty(ingest_ring))
		{
			instr_time	start;

			INSTR_TIME_SET_CURRENT(start);
			if (!PollRing())
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								 PendingTimeout(), PG_WAIT_EXTENSION);
			NoteIdle(start);
		}
		CHECK_FOR_INTERRUPTS();
	}

	/*
	 * Flush what is buffered (hot chunks are rebuilt from the WAL at
	 * start).  Exit status 1: at a server shutdown the postmaster starts
	 * nothing; after pg_terminate_backend it starts a new writer, which
	 * restarts the cluster (above).
	 */
	if (!following)
	{
		ProcessGroup();
		FlushPending();
		WalSync();
	}
	ereport(LOG, (errmsg("ztsdb writer shutting down")));
	proc_exit(1);
}

void
WriterRegister(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* a hot standby's writer follows its primary (wal_rmgr.h) */
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 1;
	strlcpy(worker.bgw_library_name, "ztsdb", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "ztsdb_writer_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "ztsdb writer", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "ztsdb writer", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

} // namespace ztsdb
