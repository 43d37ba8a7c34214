/*-------------------------------------------------------------------------
 *
 * wal_rmgr.cpp
 *	  The "ztsdb" WAL resource manager: shipping sidecar records into
 *	  PostgreSQL's WAL and redoing them into the inbox (wal_rmgr.h).
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/wal/wal_rmgr.h"

extern "C" {
#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "access/xloginsert.h"
#include "access/xlogreader.h"
#include "access/xlogrecovery.h"
#include "access/xlogutils.h"
#include "commands/progress.h"
#include "replication/decode.h"
#include "replication/logical.h"
#include "replication/reorderbuffer.h"
#include "storage/ipc.h"
#include "storage/procarray.h"
#include "utils/backend_progress.h"
#include "utils/backend_status.h"
}

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ztsdb {

/* the only record type: a sidecar record, verbatim */
constexpr uint8 kXlogZtsdbSidecar = 0x00;

bool
ShippingEnabled(void)
{
	return XLogIsNeeded() && !RecoveryInProgress();
}

uint64
ShipSidecarRecords(const uint8 *buf, Size len, bool *decisive)
{
	XLogRecPtr	end = InvalidXLogRecPtr;
	Size		off = 0;

	while (off + sizeof(core::WalRecordHeader) <= len)
	{
		core::WalRecordHeader hdr;

		memcpy(&hdr, buf + off, sizeof(hdr));
		if (hdr.total_len < sizeof(hdr) || off + hdr.total_len > len)
			elog(PANIC, "ztsdb: malformed sidecar record at group offset %zu", off);
		XLogBeginInsert();
		XLogRegisterData(const_cast<char *>(reinterpret_cast<const char *>(buf + off)),
						 hdr.total_len);
		end = XLogInsert(kZtsdbRmgrId, kXlogZtsdbSidecar);
		switch (buf[off + sizeof(hdr)])
		{
			case core::kRecBatch:
			case core::kRecCommit:
				/* a marker that decides alone is durable once flushed here */
				if ((buf[off + sizeof(hdr) + 1] & (core::kCommitSelf | core::kCommitDurable)) ==
					(core::kCommitSelf | core::kCommitDurable))
					*decisive = true;
				break;
			case core::kRecDropIfCommitted:
			case core::kRecDropIfAborted:
			case core::kRecTruncate:
				break;			/* decided by a commit record that follows */
			default:
				*decisive = true;
				break;
		}
		off += core::Align8(hdr.total_len);
	}
	return end;
}

static bool backup_counted = false;	/* this session counts in low_level_backups */

static bool
MentionsFunction(const char *sql, const char *name)
{
	return sql != NULL && strcasestr(sql, name) != NULL;
}

static void
UncountBackup(int code, Datum arg)
{
	(void) code;
	(void) arg;
	if (backup_counted)
		pg_atomic_fetch_sub_u32(&ingest_shared->low_level_backups, 1);
	backup_counted = false;
}

void
NoteBackupStatement(const char *sql)
{
	static bool registered = false;

	if (backup_counted || !MentionsFunction(sql, "pg_backup_start"))
		return;
	if (!registered)
	{
		before_shmem_exit(UncountBackup, 0);
		registered = true;
	}
	pg_atomic_fetch_add_u32(&ingest_shared->low_level_backups, 1);
	backup_counted = true;
}

void
NoteBackupStatementDone(const char *sql)
{
	if (backup_counted && MentionsFunction(sql, "pg_backup_stop"))
		UncountBackup(0, 0);
}

bool
BaseBackupRunning(void)
{
	bool		found = pg_atomic_read_u32(&ingest_shared->low_level_backups) > 0;
	int			n;

	pgstat_clear_backend_activity_snapshot();
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n && !found; i++)
	{
		LocalPgBackendStatus *l = pgstat_fetch_stat_local_beentry(i);

		if (l != NULL && l->backendStatus.st_progress_command == PROGRESS_COMMAND_BASEBACKUP)
			found = true;
	}
	pgstat_clear_backend_activity_snapshot();
	return found;
}

/* ------------------------------------------------------------------------
 * Redo: the inbox (startup process only)
 * ------------------------------------------------------------------------
 */

static int	inbox_fd = -1;
static off_t inbox_end = 0;
static uint64 inbox_last_lsn = 0;	/* sidecar LSN of the last record held */
static bool inbox_any = false;
static bool inbox_dirty = false;
static TimestampTz inbox_synced_at = 0;

/* the inbox is synced at least this often while redo appends to it */
constexpr int kInboxSyncMs = 20;

/* an inbox the standby's writer has taken whole is emptied past this size */
constexpr off_t kInboxTrimBytes = (off_t) 16 << 20;

/* ValidRecord checks a whole sidecar record (header, length, checksum). */
static bool
ValidRecord(const uint8 *rec, Size len)
{
	core::WalRecordHeader hdr;

	if (len < sizeof(hdr))
		return false;
	memcpy(&hdr, rec, sizeof(hdr));
	if (hdr.total_len != len)
		return false;
	return core::WalRecordCrc(hdr, rec + sizeof(hdr), len - sizeof(hdr)) == hdr.crc;
}

/*
 * InboxOpen opens the inbox, finds the last whole record it holds and cuts
 * off a torn tail (a crash while redo appended).
 */
static void
InboxOpen(void)
{
	uint8	   *buf = NULL;
	Size		cap = 0;
	off_t		off = 0;

	if (MakePGDirectory("ztsdb") < 0 && errno != EEXIST)
		ereport(PANIC, (errcode_for_file_access(), errmsg("could not create directory \"ztsdb\": %m")));
	inbox_fd = BasicOpenFile(ZTSDB_INBOX, O_RDWR | O_CREAT | PG_BINARY);
	if (inbox_fd < 0)
		ereport(PANIC, (errcode_for_file_access(), errmsg("could not open \"%s\": %m", ZTSDB_INBOX)));
	for (;;)
	{
		core::WalRecordHeader hdr;
		Size		total;

		if (pread(inbox_fd, &hdr, sizeof(hdr), off) != (ssize_t) sizeof(hdr) ||
			hdr.total_len < sizeof(hdr) || hdr.total_len > (1U << 30))
			break;
		total = hdr.total_len;
		if (total > cap)
		{
			cap = Max(total, (Size) 1 << 20);
			buf = static_cast<uint8 *>(buf == NULL ? MemoryContextAllocHuge(TopMemoryContext, cap)
									   : repalloc_huge(buf, cap));
		}
		if (pread(inbox_fd, buf, total, off) != (ssize_t) total || !ValidRecord(buf, total))
			break;
		inbox_last_lsn = hdr.lsn;
		inbox_any = true;
		off += core::Align8(total);
	}
	if (buf != NULL)
		pfree(buf);
	if (ftruncate(inbox_fd, off) != 0)
		ereport(PANIC, (errcode_for_file_access(), errmsg("could not truncate \"%s\": %m", ZTSDB_INBOX)));
	inbox_end = off;
	fsync_fname("ztsdb", true);
}

static void
InboxSync(void)
{
	if (inbox_fd < 0 || !inbox_dirty)
		return;
	if (pg_fdatasync(inbox_fd) != 0)
		ereport(data_sync_elevel(PANIC),
				(errcode_for_file_access(), errmsg("could not fdatasync \"%s\": %m", ZTSDB_INBOX)));
	inbox_dirty = false;
	inbox_synced_at = GetCurrentTimestamp();
}

static void
InboxAppend(const uint8 *rec, Size len, uint64 lsn)
{
	static const uint8 zeros[8] = {0};
	Size		pad = core::Align8(len) - len;

	if (inbox_fd < 0)
		InboxOpen();
	if (inbox_any && lsn <= inbox_last_lsn)
		return;					/* redo restarted before it: already held */

	/*
	 * A hot standby's writer has taken every record held (durable in its
	 * sidecar WAL): start the inbox afresh, so it stays small however long
	 * the standby runs.  The epoch tells the writer its read position is
	 * gone (WalFollowInbox checks it around every read).
	 */
	if (inbox_any && inbox_end >= kInboxTrimBytes &&
		pg_atomic_read_u64(&ingest_shared->inbox_taken_lsn) >= inbox_last_lsn)
	{
		pg_atomic_fetch_add_u32(&ingest_shared->inbox_epoch, 1);
		pg_memory_barrier();
		if (ftruncate(inbox_fd, 0) != 0)
			ereport(PANIC, (errcode_for_file_access(), errmsg("could not truncate \"%s\": %m", ZTSDB_INBOX)));
		inbox_end = 0;
	}
	if (pwrite(inbox_fd, rec, len, inbox_end) != (ssize_t) len ||
		(pad > 0 && pwrite(inbox_fd, zeros, pad, inbox_end + (off_t) len) != (ssize_t) pad))
		ereport(PANIC, (errcode_for_file_access(), errmsg("could not write \"%s\": %m", ZTSDB_INBOX)));
	inbox_end += (off_t) (len + pad);
	inbox_last_lsn = lsn;
	inbox_any = true;
	inbox_dirty = true;
	if (TimestampDifferenceExceeds(inbox_synced_at, GetCurrentTimestamp(), kInboxSyncMs))
		InboxSync();
}

/*
 * AdvanceXid keeps PostgreSQL from handing out xid again after recovery,
 * and on a hot standby makes the transaction known as running (as redo
 * does for the xid of any record a transaction writes itself; the writer
 * inserts ours outside it): a snapshot taken before its commit record is
 * replayed must not see its rows once it commits.
 */
static void
AdvanceXid(uint32 xid)
{
	if (!TransactionIdIsNormal(xid))
		return;
	AdvanceNextFullTransactionIdPastXid(xid);
	if (standbyState >= STANDBY_INITIALIZED)
		RecordKnownAssignedTransactionIds(xid);
}

static void
ztsdb_redo(XLogReaderState *record)
{
	uint8		info = XLogRecGetInfo(record) & ~XLR_INFO_MASK;
	const uint8 *rec = reinterpret_cast<const uint8 *>(XLogRecGetData(record));
	Size		len = XLogRecGetDataLen(record);
	core::WalRecordHeader hdr;
	const uint8 *payload;
	uint8	   *copy = NULL;

	if (info != kXlogZtsdbSidecar)
		elog(PANIC, "ztsdb_redo: unknown record info %u", info);
	if (!ValidRecord(rec, len))
		elog(PANIC, "ztsdb_redo: sidecar record at %X/%X is malformed",
			 (uint32) (record->ReadRecPtr >> 32), (uint32) record->ReadRecPtr);
	memcpy(&hdr, rec, sizeof(hdr));
	payload = rec + sizeof(hdr);
	if ((payload[0] == core::kRecBatch || payload[0] == core::kRecCommit) &&
		(payload[1] & core::kCommitSelf) && ArchiveRecoveryRequested &&
		recoveryTarget != RECOVERY_TARGET_UNSET)
	{
		/*
		 * A recovery to a target stops at a commit record, and a marker that
		 * decided alone precedes its transaction's: it would keep rows
		 * committed after the target.  Here commit records decide, as for
		 * heap rows: the inbox gets the marker without kCommitSelf.
		 */
		copy = static_cast<uint8 *>(palloc(len));
		memcpy(copy, rec, len);
		copy[sizeof(hdr) + 1] &= ~core::kCommitSelf;
		hdr.crc = 0;
		hdr.crc = core::WalRecordCrc(hdr, copy + sizeof(hdr), len - sizeof(hdr));
		memcpy(copy, &hdr, sizeof(hdr));
		rec = copy;
		payload = rec + sizeof(hdr);
	}
	switch (payload[0])
	{
		case core::kRecBatch:
			if (len - sizeof(hdr) >= sizeof(core::BatchHeader))
			{
				core::BatchHeader b;

				memcpy(&b, payload, sizeof(b));
				AdvanceXid(b.top_xid);
				AdvanceXid(b.xid);
			}
			break;
		case core::kRecCommit:
		case core::kRecAbort:
		case core::kRecStamped:
			if (len - sizeof(hdr) >= sizeof(core::CommitRecord))
			{
				core::CommitRecord c;

				memcpy(&c, payload, sizeof(c));
				AdvanceXid(c.top_xid);
				AdvanceXid(c.stamp_top);
			}
			break;
		case core::kRecDropIfCommitted:
		case core::kRecDropIfAborted:
		case core::kRecTruncate:
			if (len - sizeof(hdr) >= sizeof(core::TableRecord))
			{
				core::TableRecord t;

				memcpy(&t, payload, sizeof(t));
				AdvanceXid(t.xid);
			}
			break;
		default:
			break;
	}
	InboxAppend(rec, len, hdr.lsn);
	if (copy != NULL)
		pfree(copy);
}

static void
ztsdb_rmgr_cleanup(void)
{
	/* end of redo: what the writer will read must be durable */
	InboxSync();
	if (inbox_fd >= 0)
		close(inbox_fd);
	inbox_fd = -1;
}

static void
ztsdb_desc(StringInfo buf, XLogReaderState *record)
{
	const uint8 *rec = reinterpret_cast<const uint8 *>(XLogRecGetData(record));
	Size		len = XLogRecGetDataLen(record);
	core::WalRecordHeader hdr;

	if (len < sizeof(hdr) + 1)
	{
		appendStringInfoString(buf, "malformed");
		return;
	}
	memcpy(&hdr, rec, sizeof(hdr));
	appendStringInfo(buf, "sidecar lsn %llX, type %u, %u bytes",
					 (unsigned long long) hdr.lsn, rec[sizeof(hdr)], hdr.total_len);
}

static const char *
ztsdb_identify(uint8 info)
{
	return (info & ~XLR_INFO_MASK) == kXlogZtsdbSidecar ? "SIDECAR" : NULL;
}

/*
 * Logical decoding does not decode ztsdb rows (publications of ztsdb tables
 * are refused): say so once per session when rows pass by, instead of
 * leaving them out silently.  An ERROR would stop the decoding of every
 * other table.
 */
static void
ztsdb_decode(LogicalDecodingContext *ctx, XLogRecordBuffer *buf)
{
	static bool warned = false;
	const uint8 *rec = reinterpret_cast<const uint8 *>(XLogRecGetData(buf->record));
	Size		len = XLogRecGetDataLen(buf->record);

	if (!warned && len > sizeof(core::WalRecordHeader) &&
		rec[sizeof(core::WalRecordHeader)] == core::kRecBatch)
	{
		warned = true;
		ereport(WARNING,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("logical decoding skips the rows of ztsdb tables"),
				 errdetail("ztsdb rows travel in PostgreSQL's WAL for physical replication, point-in-time recovery and backups only."),
				 errhint("Replicate ztsdb tables with streaming replication.")));
	}
	ReorderBufferProcessXid(ctx->reorder, XLogRecGetXid(buf->record), buf->origptr);
}

static RmgrData ztsdb_rmgr = {
	.rm_name = "ztsdb",
	.rm_redo = ztsdb_redo,
	.rm_desc = ztsdb_desc,
	.rm_identify = ztsdb_identify,
	.rm_startup = NULL,
	.rm_cleanup = ztsdb_rmgr_cleanup,
	.rm_mask = NULL,
	.rm_decode = ztsdb_decode,
};

void
RmgrInit(void)
{
	RegisterCustomRmgr(kZtsdbRmgrId, &ztsdb_rmgr);
}

} // namespace ztsdb
