/*-------------------------------------------------------------------------
 *
 * ingest_buffer.cpp
 *	  Per-transaction write buffers, flushing them to the ring, and the
 *	  commit-time wait.
 *
 * A backend keeps one columnar buffer per ztsdb table it writes in the
 * current transaction (ztsdb.write_buffer_capacity rows), in
 * TopTransactionContext.  All rows of a buffer share one (xid, cid): a new
 * command or subtransaction flushes it first, so a batch record needs only
 * one visibility stamp.  A flush cuts the buffer into ring-slot-sized batch
 * records written straight into claimed slots (one copy).
 *
 * Commit (XACT_EVENT_PRE_COMMIT): flush every buffer, push a commit marker
 * for the top-level xid, and wait until the writer has made it durable and
 * applied it; only then does PostgreSQL write its own commit record, so an
 * acknowledged commit is always whole in the sidecar WAL, and replay keeps a
 * transaction only if both its marker and PostgreSQL's commit are there.
 *
 * A transaction that wrote no PostgreSQL WAL (the usual ztsdb-only
 * INSERT) would pay a second fsync for PostgreSQL's commit record, which
 * says nothing its durable marker does not.  Its marker gets kCommitSelf
 * instead and PostgreSQL commits without flushing: replay trusts the marker
 * alone (record_format.h).  The marker is durable before PostgreSQL
 * commits, so nothing is visible before it is durable.  Should the
 * transaction fail after its marker (an error in a later pre-commit step,
 * such as NOTIFY's queue being full), the abort callback writes a kRecAbort
 * record and waits until it is durable.  Not used for SERIALIZABLE
 * transactions (their commit-time check can fail), nor once rows were
 * pushed under a subtransaction's xid (only clog knows those fates, and
 * chunk files stamp rows with them: wal_generation.h, sidecar commits).
 *
 * With wal_level = replica or logical the records travel in PostgreSQL's
 * WAL (wal_rmgr.h), and a marker decides alone only where every server
 * reading that WAL can decide the same way: a durable commit whose rows are
 * all in its marker record (the usual single-row or batched INSERT).  The
 * writer flushes PostgreSQL's WAL up to that record before it wakes the
 * committer (one flush per group of committers), and PostgreSQL's commit
 * record follows without a flush of its own.  A standby shows the record's
 * rows as committed unless clog says the transaction aborted (tam_scan.cpp,
 * BatchVisible), as the primary's replay keeps them after a crash that took
 * the commit record; a recovery to a target lets commit records decide
 * (wal_rmgr.cpp).  Every other transaction waits for its records to be in
 * PostgreSQL's WAL and then flushes its own commit record, which decides.
 *
 * Abort: drop the buffers; pushed batches stay invisible (their xid
 * aborted) and replay skips them.  Subtransaction abort drops the buffers of
 * that subtransaction and its children.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_numeric.h"
#include "ztsdb/util/util_guc.h"
#include "ztsdb/wal/wal_generation.h"

extern "C" {
#include "access/xlog.h"
#include "replication/syncrep.h"
#include "replication/walsender.h"
}

namespace ztsdb {

struct WriteBuffer
{
	WriteBuffer *next;
	core::TableKey key;
	core::ChunkLayout layout;
	TransactionId top_xid;
	TransactionId xid;
	CommandId	cid;
	SubTransactionId subid;
	uint32		nrows;
	uint32		capacity;
	char	   *values[core::kMaxColumns];
	uint8	   *validity[core::kMaxColumns];
	Oid			relid;
	bool		dict[core::kMaxColumns];	/* text column: store its codes */
};

static WriteBuffer *buffers = NULL;
static bool xact_pushed = false;
static uint64 xact_first_pos = 0;
static uint64 xact_last_pos = 0;
static bool xact_sub_aborted = false;	/* a subtransaction aborted after a push */
static bool xact_sub_pushed = false;	/* a batch carried a subtransaction's xid */
static TransactionId xact_self_marker = InvalidTransactionId;	/* kCommitSelf sent */

static void
ResetXactState(void)
{
	buffers = NULL;				/* memory goes with TopTransactionContext */
	xact_pushed = false;
	xact_first_pos = 0;
	xact_last_pos = 0;
	xact_sub_aborted = false;
	xact_sub_pushed = false;
	xact_self_marker = InvalidTransactionId;
}

static void
NotePush(uint64 pos)
{
	if (!xact_pushed)
		xact_first_pos = pos;
	xact_pushed = true;
	xact_last_pos = pos;
}

/* RowsPerRecord returns how many rows fit in one ring slot (a multiple of 8). */
static uint32
RowsPerRecord(const core::ChunkLayout &layout)
{
	uint32		slot = RingSlotBytes();
	uint32		n = (uint32) ((slot - sizeof(core::BatchHeader)) / core::BatchRowBytes(layout));

	n &= ~7u;
	while (n > 8 && core::BatchBytes(layout, n) > slot)
		n -= 8;
	if (n == 0 || core::BatchBytes(layout, n) > slot)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("ztsdb rows of this table do not fit in a ring slot"),
				 errhint("Increase ztsdb.ring_slot_size.")));
	return n;
}

/*
 * FlushBuffer hands the buffer's rows to the writer and empties it.  With
 * commits set, its last record doubles as the transaction's commit marker
 * (one ring slot and one WAL record for a single-row transaction); returns
 * that record's ring position.
 */
static uint64
FlushBuffer(WriteBuffer *buf, bool commits = false, uint8 commit_flags = 0)
{
	uint64		last = 0;

	uint32		per = RowsPerRecord(buf->layout);

	for (uint32 r0 = 0; r0 < buf->nrows; r0 += per)
	{
		uint32		n = Min(per, buf->nrows - r0);
		uint64		pos;
		uint8	   *rec;
		core::BatchHeader hdr;
		uint8	   *validity[core::kMaxColumns];
		uint8	   *values[core::kMaxColumns];
		uint32		len = (uint32) core::BatchBytes(buf->layout, n);

		memset(&hdr, 0, sizeof(hdr));
		hdr.type = core::kRecBatch;
		hdr.ncols = buf->layout.ncols;
		hdr.time_col = buf->layout.time_col;
		hdr.series_col = buf->layout.series_col;
		hdr.table = buf->key;
		hdr.top_xid = buf->top_xid;
		hdr.xid = buf->xid;
		hdr.cid = buf->cid;
		hdr.nrows = n;
		hdr.generation = CurrentGeneration();
		if (buf->xid != buf->top_xid)
			xact_sub_pushed = true;
		if (commits && r0 + n >= buf->nrows)
			hdr.flags = core::kBatchCommits | commit_flags;
		for (uint16 c = 0; c < buf->layout.ncols; c++)
			hdr.types[c] = static_cast<uint8>(buf->layout.types[c]);

		/* from claim to publish: plain copies only, nothing that can ereport */
		rec = RingClaimWait(&pos);
		memcpy(rec, &hdr, sizeof(hdr));
		core::BatchColumns(rec, validity, values);
		for (uint16 c = 0; c < buf->layout.ncols; c++)
		{
			Size		w = core::ColumnWidth(buf->layout.types[c]);
			Size		vbytes = core::Align8(core::BitmapBytes(n));

			memset(validity[c], 0, vbytes);
			memcpy(validity[c], buf->validity[c] + r0 / 8, core::BitmapBytes(n));
			memcpy(values[c], buf->values[c] + r0 * w, n * w);
			if ((n * w) % 8 != 0)
				memset(values[c] + n * w, 0, 8 - (n * w) % 8);
		}
		RingPublishWake(pos, len, commits && r0 + n >= buf->nrows && !(commit_flags & core::kCommitDurable));
		NotePush(pos);
		last = pos;
	}
	buf->nrows = 0;
	return last;
}

static WriteBuffer *
GetBuffer(Relation rel)
{
	core::TableKey key = TableKeyOf(rel);
	WriteBuffer *buf;
	MemoryContext old;

	for (buf = buffers; buf != NULL; buf = buf->next)
		if (memcmp(&buf->key, &key, sizeof(key)) == 0)
			return buf;

	/* rows for a table whose files the writer found damaged: refuse them */
	CheckTableUsable(key);
	old = MemoryContextSwitchTo(TopTransactionContext);
	buf = static_cast<WriteBuffer *>(palloc0(sizeof(WriteBuffer)));
	buf->key = key;
	(void) LayoutOfRelation(rel, &buf->layout, true);
	buf->relid = RelationGetRelid(rel);
	(void) DictColumns(RelationGetDescr(rel), buf->dict);
	buf->capacity = (uint32) TYPEALIGN(8, guc_write_buffer_capacity);
	for (uint16 c = 0; c < buf->layout.ncols; c++)
	{
		buf->values[c] = static_cast<char *>(
			palloc(core::ColumnWidth(buf->layout.types[c]) * (Size) buf->capacity));
		buf->validity[c] = static_cast<uint8 *>(palloc0(core::BitmapBytes(buf->capacity)));
	}
	buf->xid = InvalidTransactionId;
	buf->next = buffers;
	buffers = buf;
	MemoryContextSwitchTo(old);
	return buf;
}

static inline void
StoreValue(WriteBuffer *buf, uint16 c, uint32 r, Datum d, bool isnull)
{
	uint8	   *bits = buf->validity[c];
	char	   *dst = buf->values[c];

	if (isnull)
	{
		bits[r >> 3] &= (uint8) ~(1 << (r & 7));
		memset(dst + r * core::ColumnWidth(buf->layout.types[c]), 0,
			   core::ColumnWidth(buf->layout.types[c]));
		return;
	}
	bits[r >> 3] |= (uint8) (1 << (r & 7));
	if (buf->dict[c])
	{
		reinterpret_cast<int32 *>(dst)[r] = DictEncode(buf->relid, (int16) (c + 1), d);
		return;
	}
	switch (buf->layout.types[c])
	{
		case core::ColumnType::kBool:
			reinterpret_cast<uint8 *>(dst)[r] = DatumGetBool(d) ? 1 : 0;
			break;
		case core::ColumnType::kInt2:
			reinterpret_cast<int16 *>(dst)[r] = DatumGetInt16(d);
			break;
		case core::ColumnType::kInt4:
			reinterpret_cast<int32 *>(dst)[r] = DatumGetInt32(d);
			break;
		case core::ColumnType::kFloat4:
			reinterpret_cast<float4 *>(dst)[r] = DatumGetFloat4(d);
			break;
		case core::ColumnType::kFloat8:
			reinterpret_cast<float8 *>(dst)[r] = DatumGetFloat8(d);
			break;
		case core::ColumnType::kInt8:
		case core::ColumnType::kTimestamp:
		case core::ColumnType::kTimestampNoTz:
			reinterpret_cast<int64 *>(dst)[r] = DatumGetInt64(d);
			break;
		case core::ColumnType::kNumeric:
			NumericToSlot(buf->relid, (int16) (c + 1), d,
						  dst + r * core::ColumnWidth(core::ColumnType::kNumeric));
			break;
	}
}

void
BufferInsert(Relation rel, TupleTableSlot **slots, int nslots)
{
	WriteBuffer *buf;
	TransactionId xid;
	CommandId	cid;

	WaitForRecovery();
	buf = GetBuffer(rel);
	xid = GetCurrentTransactionId();
	cid = GetCurrentCommandId(true);
	if (buf->nrows > 0 && (buf->xid != xid || buf->cid != cid))
		FlushBuffer(buf);
	buf->top_xid = GetTopTransactionId();
	buf->xid = xid;
	buf->cid = cid;
	buf->subid = GetCurrentSubTransactionId();

	for (int i = 0; i < nslots; i++)
	{
		TupleTableSlot *slot = slots[i];

		slot_getallattrs(slot);
		for (uint16 c = 0; c < buf->layout.ncols; c++)
			StoreValue(buf, c, buf->nrows, slot->tts_values[c], slot->tts_isnull[c]);
		/* a row has no stable physical address; give it a harmless one */
		ItemPointerSet(&slot->tts_tid, 0, 1);
		slot->tts_tableOid = RelationGetRelid(rel);
		buf->nrows++;
		if (buf->nrows == buf->capacity)
			FlushBuffer(buf);
	}
}

uint32
BufferRowsForScan(Relation rel, Snapshot snapshot, void **values, uint8 **validity)
{
	core::TableKey key = TableKeyOf(rel);
	WriteBuffer *buf;

	/* our own pushed batches must be in hot chunks before we look */
	if (xact_pushed)
		WaitForApplied(xact_last_pos, xact_first_pos);

	for (buf = buffers; buf != NULL; buf = buf->next)
		if (memcmp(&buf->key, &key, sizeof(key)) == 0)
			break;
	if (buf == NULL || buf->nrows == 0)
		return 0;
	if (snapshot != NULL && snapshot->snapshot_type == SNAPSHOT_MVCC &&
		buf->cid >= snapshot->curcid)
		return 0;				/* written by this or a later command */
	for (uint16 c = 0; c < buf->layout.ncols; c++)
	{
		Size		w = core::ColumnWidth(buf->layout.types[c]);

		values[c] = palloc(w * buf->nrows);
		memcpy(values[c], buf->values[c], w * buf->nrows);
		validity[c] = static_cast<uint8 *>(palloc(core::BitmapBytes(buf->nrows)));
		memcpy(validity[c], buf->validity[c], core::BitmapBytes(buf->nrows));
	}
	return buf->nrows;
}

void
BufferDiscard(Relation rel)
{
	core::TableKey key = TableKeyOf(rel);

	for (WriteBuffer *buf = buffers; buf != NULL; buf = buf->next)
		if (memcmp(&buf->key, &key, sizeof(key)) == 0)
			buf->nrows = 0;
}

/*
 * SendAbortRecord says durably that the transaction of a kCommitSelf marker
 * aborted after all.  It runs inside AbortTransaction and must not throw:
 * interrupts are held there, and a failure to write only leaves a LOG line
 * (the failed write also failed every committer behind it).
 */
static void
SendAbortRecord(TransactionId top_xid)
{
	core::CommitRecord rec;
	uint64		pos;

	memset(&rec, 0, sizeof(rec));
	rec.type = core::kRecAbort;
	rec.generation = CurrentGeneration();
	rec.top_xid = top_xid;
	if (!RingPushNoError(&rec, sizeof(rec), &pos) || !WaitForDurableNoError(pos))
		ereport(LOG,
				(errcode(ERRCODE_IO_ERROR),
				 errmsg("ztsdb could not record durably that transaction %u aborted after its commit marker",
						top_xid),
				 errdetail("If the server crashes before the next checkpoint, its rows may reappear.")));
}

/*
 * SyncStandbysNamed tells whether commits wait for synchronous standbys
 * (synchronous_standby_names).  A marker that decides alone is flushed by
 * the writer, and PostgreSQL waits for standbys only in a commit whose
 * backend wrote WAL: such a transaction takes the other path, whose commit
 * record waits (and carries remote_apply's feedback request).
 */
static bool
SyncStandbysNamed(void)
{
	return SyncRepRequested() && SyncRepStandbyNames != NULL && SyncRepStandbyNames[0] != '\0';
}

static void
XactCallback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			{
				core::CommitRecord rec;
				uint64		pos;
				TimestampTz start = GetCurrentTimestamp();

				WriteBuffer *last = NULL;
				bool		durable = synchronous_commit > SYNCHRONOUS_COMMIT_OFF ||
					guc_durable_commit;
				bool		self;
				uint8		flags;
				bool		one_record = !xact_pushed;	/* all rows in the marker's record */

				/* the last buffer's last record carries the commit marker */
				for (WriteBuffer *buf = buffers; buf != NULL; buf = buf->next)
					if (buf->nrows > 0)
					{
						if (last != NULL)
						{
							FlushBuffer(last);
							one_record = false;
						}
						last = buf;
					}
				if (last == NULL && !xact_pushed)
					break;
				one_record = one_record && last != NULL &&
					last->nrows <= RowsPerRecord(last->layout);

				/*
				 * Decided after the other buffers' flushes, which write no
				 * PostgreSQL WAL either: XactLastRecEnd is this
				 * transaction's last PostgreSQL WAL record, if any.
				 */
				self = XactLastRecEnd == 0 && !IsolationIsSerializable() &&
					!xact_sub_aborted && !xact_sub_pushed &&
					(last == NULL || last->xid == last->top_xid) &&
					(!XLogIsNeeded() || (durable && one_record && !SyncStandbysNamed()));
				flags = (durable ? core::kCommitDurable : 0) | (self ? core::kCommitSelf : 0);
				if (self)
					xact_self_marker = GetTopTransactionId();
				if (last != NULL)
					pos = FlushBuffer(last, true, flags);
				else
				{
					memset(&rec, 0, sizeof(rec));
					rec.type = core::kRecCommit;
					rec.flags = flags;
					rec.generation = CurrentGeneration();
					rec.top_xid = GetTopTransactionId();
					pos = RingPush(&rec, sizeof(rec), !durable);
				}
				/*
				 * Durable commits wait for the fdatasync; asynchronous ones
				 * not at all: scans that start later wait until their rows
				 * are applied (WaitForAsyncCommits), so every snapshot that
				 * sees the commit sees its rows (ztsdb.wal_flush_delay
				 * bounds the loss window, as wal_writer_delay does for
				 * PostgreSQL).
				 */
				if (durable)
					WaitForApplied(pos, xact_first_pos, durable);
				else
					NoteAsyncCommit(pos);
				StatLatency(kHistCommit, GetCurrentTimestamp() - start);
				if (guc_debug_fault == kFaultAfterMarker)
					ereport(ERROR,
							(errcode(ERRCODE_INTERNAL_ERROR),
							 errmsg("transaction failed after its ztsdb commit marker"),
							 errdetail("Injected by ztsdb.debug_fault.")));
				if (guc_debug_fault == kFaultCrashAfterMarker)
					elog(PANIC, "ztsdb: crash after the commit marker (ztsdb.debug_fault)");

				/*
				 * Otherwise replay needs clog to say committed, so
				 * PostgreSQL's commit record must be durable too:
				 * ForceSyncCommit flushes it even when synchronous_commit
				 * is off (ztsdb.durable_commit) or this transaction wrote
				 * no PostgreSQL WAL.
				 */
				if (self)
					StatAdd(kStatCommitsByMarker, 1);
				else if (durable)
				{
					ForceSyncCommit();

					/*
					 * The writer put this transaction's records into
					 * PostgreSQL's WAL: PostgreSQL's commit then also waits
					 * for synchronous standbys, as for a transaction that
					 * wrote WAL itself.
					 */
					if (XLogIsNeeded() && XactLastRecEnd == 0)
						XactLastRecEnd = GetXLogInsertRecPtr();
				}
				break;
			}
		case XACT_EVENT_PRE_PREPARE:
			if (xact_pushed || buffers != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that wrote to a ztsdb table")));
			break;
		case XACT_EVENT_ABORT:
			if (TransactionIdIsValid(xact_self_marker))
				SendAbortRecord(xact_self_marker);
			ResetXactState();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			ResetXactState();
			break;
		default:
			break;
	}
}

static void
SubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
				void *arg)
{
	(void) arg;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (WriteBuffer *buf = buffers; buf != NULL; buf = buf->next)
			if (buf->subid == mySubid)
				buf->subid = parentSubid;
	}
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		if (xact_pushed)
			xact_sub_aborted = true;
		for (WriteBuffer *buf = buffers; buf != NULL; buf = buf->next)
			if (buf->subid >= mySubid)
				buf->nrows = 0;
	}
}

void
BufferInit(void)
{
	RegisterXactCallback(XactCallback, NULL);
	RegisterSubXactCallback(SubXactCallback, NULL);
}

} // namespace ztsdb
