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
#include "ztsdb/wal/wal_writer.h"

extern "C" {
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
 * Running transactions whose rows a chunk file stamped (forced seals).  The
 * WAL checkpoint waits until they have ended and flushes PostgreSQL's WAL
 * first, so that clog knows their fate once their records are gone
 * (wal_generation.h, sidecar commits).
 */
static TransactionId *stamped = NULL;
static int	nstamped = 0;
static int	stamped_cap = 0;
static bool stamps_unflushed = false;
static bool wal_live = false;	/* replay done, new records go to the WAL */

void
WriterNoteRunningStamp(TransactionId xid, uint32 gen)
{
	core::CommitRecord rec;
	uint64		lsn;

	if (!wal_live)
		return;					/* replay: nothing runs */
	for (int i = 0; i < nstamped; i++)
		if (stamped[i] == xid)
			return;
	if (WalBufferFree() < sizeof(rec) + 64)
		elog(ERROR, "ztsdb WAL group buffer full");
	memset(&rec, 0, sizeof(rec));
	rec.type = core::kRecStamped;
	rec.top_xid = xid;
	rec.generation = gen;
	(void) WalAppend(reinterpret_cast<const uint8 *>(&rec), sizeof(rec), &lsn);
	stamps_unflushed = true;
	if (nstamped == stamped_cap)
	{
		stamped_cap = Max(16, stamped_cap * 2);
		stamped = static_cast<TransactionId *>(
			stamped == NULL ? MemoryContextAlloc(TopMemoryContext, sizeof(TransactionId) * stamped_cap)
			: repalloc(stamped, sizeof(TransactionId) * stamped_cap));
	}
	stamped[nstamped++] = xid;
}

void
WriterFlushStamps(void)
{
	if (!stamps_unflushed)
		return;
	WalFlush();
	stamps_unflushed = false;
}

/* StampsRunning forgets stamped transactions that ended; true if any runs. */
static bool
StampsRunning(void)
{
	int			keep = 0;

	for (int i = 0; i < nstamped; i++)
		if (TransactionIdIsInProgress(stamped[i]))
			stamped[keep++] = stamped[i];
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
				result = CompressChunks(&req.table, req.older_than);
				break;
			case core::kReqDropChunks:
				result = DropChunks(req.table, req.older_than);
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
			g->payload = WalAppend(payload, len, &g->lsn);
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
	WalFlush();
	unflushed = false;
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

struct ReplayState
{
	HTAB	   *committed;		/* ReplayXids with a commit marker */
	HTAB	   *stamped;		/* ReplayXids with a kRecStamped record */
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
			hash_search(rs->stamped, &key, HASH_ENTER, NULL);
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
					uint8	   *copy = static_cast<uint8 *>(palloc(len));

					memcpy(copy, payload, len);
					hdr.top_xid = FrozenTransactionId;
					hdr.xid = FrozenTransactionId;
					hdr.cid = FirstCommandId;
					hdr.generation = CurrentGeneration();
					memcpy(copy, &hdr, sizeof(hdr));
					ApplyBatch(copy, lsn, true);
					pfree(copy);
				}
				else if (hdr.xid == hdr.top_xid ||
						 (XidTrusted(hdr.xid, hdr.generation) && TransactionIdDidCommit(hdr.xid)))
					ApplyBatch(payload, lsn, true);
				break;
			}
		case core::kRecDropIfCommitted:
		case core::kRecDropIfAborted:
		case core::kRecTruncate:
			ApplyTableRecord(payload, lsn, true);
			break;
		default:
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

	SidecarCommitsKeepOnly(keys, nkeys);
	GenerationsForget(Min(oldest_in_wal, oldest_in_files));
	StatSet(kStatGenerationsKept, GenerationsKept());
	StatSet(kStatSidecarCommitsKept, generation_shared->nsidecar);
}

static void
Recover(void)
{
	TimestampTz start = GetCurrentTimestamp();
	uint64		from = WalReadCheckpoint();
	ReplayState rs;
	HASHCTL		info;
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
	rs.stamped = hash_create("ztsdb replay stamps", 64, &info,
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
		strlcpy(ingest_shared->recovery_error, damage, sizeof(ingest_shared->recovery_error));
		pg_write_barrier();
		if (pg_atomic_exchange_u32(&ingest_shared->recovery_failed, 1) == 0)
			ereport(LOG,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb recovery stopped: %s", damage),
					 errhint("Restore the file and restart, or set ztsdb.wal_skip_corrupt = on and reload to give up the damaged part.")));
		ConditionVariableBroadcast(&ingest_shared->progress_cv);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000L,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		if (ShutdownRequestPending)
			proc_exit(0);
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		hash_destroy(rs.committed);
		hash_destroy(rs.stamped);
		rs.committed = hash_create("ztsdb replay commits", 1024, &info,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		rs.stamped = hash_create("ztsdb replay stamps", 64, &info,
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
		ReplayCommit *c;
		uint64	   *keys = static_cast<uint64 *>(palloc(sizeof(uint64) * (hash_get_num_entries(rs.stamped) + 1)));
		int			nkeys = 0;

		hash_seq_init(&seq, rs.stamped);
		while ((c = static_cast<ReplayCommit *>(hash_seq_search(&seq))) != NULL)
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
	rs.second_pass = true;
	{
		char		damage[256];

		(void) WalReplay(from, ReplayScan, &rs, damage, sizeof(damage));
	}
	ResolvePending();
	ResetReplayCoverage();
	(void) SweepOrphanDirs();
	ForgetOldGenerations(rs.oldest_generation);

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

/* CountFiles sets the warm/cold gauges from every table's manifest at start. */
static int
CountTableFiles(const core::TableKey &key, int64 arg)
{
	Manifest	m;

	(void) arg;
	if (!ReadManifest(key, &m))
		return 0;
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		bool		cold = m.chunks[i].meta.tier == core::kTierCold;

		StatAdd(cold ? kStatChunksCold : kStatChunksWarm, 1);
		StatAdd(cold ? kStatBytesCold : kStatBytesWarm, m.chunks[i].file_bytes);
	}
	return 1;
}

/* ------------------------------------------------------------------------
 * Main loop
 * ------------------------------------------------------------------------
 */

static TimestampTz last_tier = 0;

static void
Tiering(void)
{
	TimestampTz now = GetCurrentTimestamp();

	FreeUnpinnedChunks();
	WalPrepareNext();
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
	SealChunks(NULL, false, false);
	if (guc_cold_after_s >= 0)
		CompressChunks(NULL, now - (int64) guc_cold_after_s * USECS_PER_SEC);
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
			XLogFlush(GetXLogInsertEndRecPtr());	/* see BuildChunkFile */
			WalCheckpoint(cp);
			last_cp = cp;
		}
	}
	RefreshTierStats();
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

extern "C" PGDLLEXPORT void
ztsdb_writer_main(Datum arg)
{
	sigjmp_buf	local_sigjmp_buf;
	MemoryContext loop_cxt;

	(void) arg;
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("ztsdb writer");

	if (pg_atomic_fetch_add_u32(&ingest_shared->writer_generation, 1) != 0)
		ereport(PANIC,
				(errmsg("ztsdb writer restarted without a shared memory reset"),
				 errdetail("Hot chunks of the previous writer cannot be trusted; restarting the cluster replays the sidecar WAL.")));

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "ztsdb writer");
	loop_cxt = AllocSetContextCreate(TopMemoryContext, "ztsdb writer loop",
									 ALLOCSET_DEFAULT_SIZES);
	group_max = guc_ring_slots;
	group = static_cast<GroupRecord *>(MemoryContextAlloc(TopMemoryContext,
														  sizeof(GroupRecord) * group_max));
	request_copies = static_cast<uint8 *>(
		MemoryContextAllocHuge(TopMemoryContext,
							   (Size) group_max * core::Align8(sizeof(core::RequestRecord))));

	MemoryContextSwitchTo(loop_cxt);
	WalOpen();
	GenerationStart();
	SidecarCommitsLoad();
	Recover();
	ForEachTableDir(CountTableFiles, 0);
	pg_atomic_write_u32(&ingest_shared->writer_procno, MyProc->pgprocno);
	pg_atomic_write_u32(&ingest_shared->recovery_done, 1);
	ConditionVariableBroadcast(&ingest_shared->progress_cv);
	MemoryContextReset(loop_cxt);

	if (sigsetjmp(local_sigjmp_buf, 1) != 0)
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
		if (group_n > 0 || unflushed)
		{
			/*
			 * Records taken from the ring are not all durable.  Their senders
			 * fail instead of getting an acknowledgement (their transactions
			 * abort, so rows already applied stay invisible) -- unless
			 * asynchronous commits were already acknowledged: then, as
			 * PostgreSQL does for its own WAL, only a restart and replay
			 * restore a state that matches what is durable.
			 */
			uint64		end = Max(drained_end, pending_end);

			if (pending_async > 0)
				ereport(PANIC,
						(errmsg("ztsdb writer could not make acknowledged asynchronous commits durable: %s",
								edata->message)));
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
	PG_exception_stack = &local_sigjmp_buf;

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
		ProcessGroup();
		Tiering();
		MemoryContextReset(loop_cxt);
		if (core::RingEmpty(ingest_ring) && !PollRing())
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 PendingTimeout(), PG_WAIT_EXTENSION);
		CHECK_FOR_INTERRUPTS();
	}
	/* flush what is buffered; hot chunks are rebuilt from the WAL at start */
	ProcessGroup();
	FlushPending();
	proc_exit(0);
}

void
WriterRegister(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	strlcpy(worker.bgw_library_name, "ztsdb", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "ztsdb_writer_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "ztsdb writer", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "ztsdb writer", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

} // namespace ztsdb
