/*-------------------------------------------------------------------------
 *
 * wal_io.cpp
 *	  Writing the sidecar WAL: a group buffer, io_uring or pwrite, fdatasync.
 *
 * The writer appends every record of one drain of the ring into a group
 * buffer, then WalFlush writes the whole group with a single io_uring
 * submission holding a write linked to an fdatasync (so one syscall and
 * one flush cover every committer of the group), or with pwrite +
 * fdatasync where io_uring is refused (EPERM in containers, ENOSYS, or
 * kernel.io_uring_disabled) or ztsdb.wal_io = sync.  The ring is created
 * in the writer after fork, never in the postmaster.
 *
 * WAL files are written full of zeros (and fsync'd) before they are used,
 * as PostgreSQL does with its own: an fdatasync after appending to a file
 * whose size grows must also write the inode, which on ext4 measured as
 * about half the cost of a single-row commit.  The writer prepares the next
 * file in its idle time (WalPrepareNext), so commits rarely wait for it.
 * Replay stops at a zeroed header ("never written").
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/crc.h"
#include "ztsdb/core/record_format.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/util/util_guc.h"
#include "ztsdb/storage/storage.h"
#include "ztsdb/wal/wal.h"
#include "ztsdb/wal/wal_rmgr.h"

extern "C" {
#include "access/xlog.h"
}

#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ztsdb {

#define WAL_DIR "ztsdb/wal"
#define WAL_CHECKPOINT "ztsdb/wal/checkpoint"

static struct io_uring uring;
static bool use_uring = false;

/*
 * The group buffer holds every record of the current group until the
 * writer has applied them (their payload pointers point into it), even when
 * part of it had to be written early because the stream moved to a new
 * file.  [flush_from, group_len) is the part not yet written; flush_lsn is
 * its LSN.
 */
static uint8 *group_buf = NULL;	/* 8-byte aligned */
static Size group_cap = 0;
static Size group_len = 0;
static Size flush_from = 0;
static uint64 flush_lsn = 0;
static uint64 insert_lsn = 0;	/* next record's LSN */

static int	seg_fd = -1;
static bool need_run_start = false;	/* a discarded write left garbage behind */
static uint32 run_generation = 0;
static bool starting_run = false;	/* WalStartRun is flushing */
static bool ship_suppressed = false;
static bool sidecar_unsynced = false;	/* written and shipped, not yet synced (WalSync) */
static uint64 synced_lsn = 0;	/* while sidecar_unsynced: what is durable */	/* WalApplyInbox: the records came from there */

/* the last WalFlush failed (reset by the next one that succeeds) */
bool		wal_failed = false;
static uint64 seg_start = 0;	/* first LSN of the open file */

uint64
WalSegmentBytes(void)
{
	return (uint64) guc_wal_segment_mb * 1024 * 1024;
}

static char *
SegmentPath(uint64 start)
{
	return psprintf(WAL_DIR "/%016llX", (unsigned long long) start);
}

void
WalOpen(void)
{
	if (MakePGDirectory("ztsdb") < 0 && errno != EEXIST)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create directory \"ztsdb\": %m")));
	if (MakePGDirectory(WAL_DIR) < 0 && errno != EEXIST)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create directory \"%s\": %m", WAL_DIR)));

	/* called again when a failed start is retried */
	if (group_buf == NULL)
	{
		group_cap = (Size) guc_ring_slots * ((Size) guc_ring_slot_kb * 1024 + 64) + 65536;
		group_buf = static_cast<uint8 *>(MemoryContextAllocHuge(TopMemoryContext, group_cap));
	}
	if (use_uring)
		io_uring_queue_exit(&uring);

	use_uring = false;
	if (guc_wal_io != kWalIoSync)
	{
		int			rc = guc_debug_fault == kFaultUringRefused ? -EPERM :
			io_uring_queue_init(64, &uring, 0);

		if (rc == 0)
			use_uring = true;
		else if (guc_wal_io == kWalIoUring)
		{
			/*
			 * Refusing to start would leave every ztsdb table unusable
			 * over a performance setting; the plain path is as safe.
			 */
			errno = -rc;
			ereport(WARNING,
					(errmsg("ztsdb.wal_io = io_uring, but io_uring is not available (%m); the sidecar WAL uses pwrite and fdatasync"),
					 errhint("Set ztsdb.wal_io to auto or sync to silence this warning.")));
		}
		else
		{
			errno = -rc;
			ereport(LOG,
					(errmsg("ztsdb: io_uring is not available (%m); the sidecar WAL uses pwrite and fdatasync")));
		}
	}
	if (use_uring)
		ereport(LOG, (errmsg("ztsdb: the sidecar WAL is written with io_uring")));
	else if (guc_wal_io == kWalIoSync)
		ereport(LOG, (errmsg("ztsdb: the sidecar WAL is written with pwrite and fdatasync (ztsdb.wal_io = sync)")));
}

/*
 * PrepareSegment makes the WAL file starting at start exist at its full
 * size, the part not yet written zero-filled and durable.  A file that
 * exists keeps its bytes (it may hold records to replay).  On failure it
 * reports at elevel and, if that returns, returns false.
 */
static bool
PrepareSegment(uint64 start, int elevel)
{
	char	   *path = SegmentPath(start);
	uint64		bytes = WalSegmentBytes();
	struct stat st;
	int			fd;
	off_t		off;
	static uint8 *zeros = NULL;
	const Size	zlen = 256 * 1024;

	if (stat(path, &st) == 0 && (uint64) st.st_size >= bytes)
		return true;
	if (zeros == NULL)
		zeros = static_cast<uint8 *>(MemoryContextAllocZero(TopMemoryContext, zlen));
	fd = OpenTransientFile(path, O_RDWR | O_CREAT | PG_BINARY);
	if (fd < 0)
	{
		ereport(elevel, (errcode_for_file_access(), errmsg("could not create file \"%s\": %m", path)));
		return false;
	}
	off = lseek(fd, 0, SEEK_END);
	while (off >= 0 && (uint64) off < bytes)
	{
		Size		n = (Size) Min((uint64) zlen, bytes - (uint64) off);
		ssize_t		w = pg_pwrite(fd, zeros, n, off);

		if (w <= 0)
		{
			if (w == 0)
				errno = ENOSPC;
			off = -1;
			break;
		}
		off += w;
	}
	if (off < 0 || pg_fsync(fd) != 0)
	{
		int			save_errno = errno;

		CloseTransientFile(fd);
		errno = save_errno;
		ereport(elevel,
				(errcode_for_file_access(),
				 errmsg("could not zero-fill ztsdb WAL file \"%s\": %m", path)));
		return false;
	}
	CloseTransientFile(fd);
	fsync_fname(WAL_DIR, true);
	return true;
}

void
WalPrepareNext(void)
{
	static uint64 prepared = 0;
	uint64		next = seg_start + WalSegmentBytes();

	if (seg_fd < 0 || prepared == next)
		return;
	/* a failure (disk full) is only logged: opening the file will report it */
	if (PrepareSegment(next, LOG))
		prepared = next;
}

static void
OpenSegment(uint64 start)
{
	char	   *path = SegmentPath(start);

	(void) PrepareSegment(start, ERROR);
	if (seg_fd >= 0)
	{
		WalSync();				/* what was written to it but not yet synced */
		close(seg_fd);
	}

	/*
	 * Not a transient file: the writer's error handler closes those
	 * (AtEOXact_Files), and the next group would then be written to
	 * whatever file reused the descriptor -- acknowledged commits lost.
	 */
	seg_fd = BasicOpenFile(path, O_RDWR | O_CREAT | PG_BINARY);
	if (seg_fd < 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not open file \"%s\": %m", path)));
	seg_start = start;
	/* the new file's name must survive a crash before its first fsync counts */
	fsync_fname(WAL_DIR, true);
}

void
WalStartAt(uint64 lsn)
{
	insert_lsn = lsn;
	flush_lsn = lsn;
	group_len = 0;
	flush_from = 0;
	OpenSegment(lsn - lsn % WalSegmentBytes());
}

void
WalStartRun(uint32 generation)
{
	core::RunStartRecord rec;
	uint64		lsn;

	memset(&rec, 0, sizeof(rec));
	rec.type = core::kRecRunStart;
	rec.generation = generation;
	run_generation = generation;
	(void) WalAppend(reinterpret_cast<const uint8 *>(&rec), sizeof(rec), &lsn);
	starting_run = true;		/* injected faults spare the start: no PANIC loop */
	WalFlush();
	starting_run = false;
	WalEndGroup();
}

uint64
WalInsertLsn(void)
{
	return insert_lsn;
}

uint64
WalFlushedLsn(void)
{
	return sidecar_unsynced ? synced_lsn : flush_lsn;
}

Size
WalBufferFree(void)
{
	return group_cap - group_len - sizeof(core::WalRecordHeader) - 8;
}

const uint8 *
WalAppend(const uint8 *payload, uint32 len, uint64 *lsn)
{
	core::WalRecordHeader hdr;
	Size		total = core::Align8(sizeof(hdr) + len);
	uint8	   *dst;

	if (need_run_start)
	{
		/* after a discarded write: a new run, so replay sees its garbage as a tail */
		core::RunStartRecord rec;
		uint64		rs_lsn;

		need_run_start = false;
		memset(&rec, 0, sizeof(rec));
		rec.type = core::kRecRunStart;
		rec.generation = run_generation;
		(void) WalAppend(reinterpret_cast<const uint8 *>(&rec), sizeof(rec), &rs_lsn);
	}

	if (total > WalSegmentBytes())
		elog(ERROR, "ztsdb WAL record of %u bytes exceeds ztsdb.wal_segment_size", len);
	if (insert_lsn + total > seg_start + WalSegmentBytes())
	{
		/* does not fit: finish this file, continue at the next one */
		WalFlush();
		insert_lsn = seg_start + WalSegmentBytes();
		flush_lsn = insert_lsn;
		OpenSegment(insert_lsn);
	}
	hdr.total_len = (uint32) (sizeof(hdr) + len);
	hdr.lsn = insert_lsn;
	hdr.crc = 0;
	hdr.crc = core::WalRecordCrc(hdr, payload, len);
	dst = group_buf + group_len;
	memcpy(dst, &hdr, sizeof(hdr));
	memcpy(dst + sizeof(hdr), payload, len);
	memset(dst + sizeof(hdr) + len, 0, total - sizeof(hdr) - len);
	*lsn = insert_lsn;
	group_len += total;
	insert_lsn += total;
	return dst + sizeof(hdr);
}

/* WriteAll writes buf[0..len) at off of the open WAL file (no sync). */
static void
WriteAll(const uint8 *buf, Size len, off_t off)
{
	Size		done = 0;

	while (done < len)
	{
		ssize_t		n = pwrite(seg_fd, buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			if (n == 0)
				errno = ENOSPC;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write ztsdb WAL file \"%s\": %m", SegmentPath(seg_start))));
		}
		done += n;
	}
}

static void
FlushSync(const uint8 *buf, Size len, off_t off)
{
	WriteAll(buf, len, off);
	if (pg_fdatasync(seg_fd) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fdatasync ztsdb WAL file \"%s\": %m", SegmentPath(seg_start))));
}

static void
FlushUring(const uint8 *buf, Size len, off_t off)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int			rc;
	int			results[2] = {0, 0};

	sqe = io_uring_get_sqe(&uring);
	io_uring_prep_write(sqe, seg_fd, buf, (unsigned) len, off);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = 0;
	sqe = io_uring_get_sqe(&uring);
	io_uring_prep_fsync(sqe, seg_fd, IORING_FSYNC_DATASYNC);
	sqe->user_data = 1;

	rc = io_uring_submit_and_wait(&uring, 2);
	StatAdd(kStatIoUringSubmits, 1);
	if (rc < 0)
	{
		errno = -rc;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not submit ztsdb WAL write: %m")));
	}
	for (int i = 0; i < 2; i++)
	{
		rc = io_uring_wait_cqe(&uring, &cqe);
		if (rc < 0)
		{
			errno = -rc;
			ereport(ERROR, (errcode_for_file_access(), errmsg("could not wait for ztsdb WAL write: %m")));
		}
		results[cqe->user_data & 1] = cqe->res;
		io_uring_cqe_seen(&uring, cqe);
	}
	if (results[0] < 0 || results[1] < 0)
	{
		/*
		 * A failed write leaves nothing we rely on; a failed fdatasync of
		 * written bytes may have lost pages the kernel now calls clean, and
		 * a later flush could report success for them: PANIC, as PostgreSQL
		 * does for its own WAL (data_sync_retry).
		 */
		bool		sync_failed = results[0] >= 0 && results[1] != -ECANCELED;

		errno = results[0] < 0 ? -results[0] : (results[1] == -ECANCELED ? EIO : -results[1]);
		ereport(sync_failed ? data_sync_elevel(ERROR) : ERROR,
				(errcode_for_file_access(),
				 errmsg("could not %s ztsdb WAL file \"%s\": %m",
						sync_failed ? "fdatasync" : "write", SegmentPath(seg_start))));
	}
	if ((Size) results[0] != len)
	{
		/* short write (rare): finish it the plain way */
		FlushSync(buf + results[0], len - results[0], off + results[0]);
	}
}

uint64		wal_shipped_upto = 0;

/*
 * WriteShip is WalFlush with wal_level = replica or logical (wal_rmgr.h):
 * write the group into the sidecar file, ship its records into
 * PostgreSQL's WAL and wake the committers waiting for them (shipped_pos:
 * their commit records flush the shipped records).  The sidecar file is
 * synced later, at most kLazySyncMs after (WalSyncDue), off the commit path.
 * Until then no checkpoint may take its redo pointer (DELAY_CHKPT_START,
 * as PostgreSQL's own commit does): records before a checkpoint's redo
 * pointer are durable in the sidecar file by the time that checkpoint
 * completes, and records after it are in the WAL recovery replays, which
 * brings them back through the inbox if a crash took them from the
 * sidecar file.  Batches and commit markers become durable in PostgreSQL's
 * WAL with their transaction's commit record, which follows them; records
 * that decide without one are flushed at once.
 */
constexpr int kLazySyncMs = 100;
static TimestampTz unsynced_since = 0;
static bool chkpt_delayed = false;
static bool fake_lxid = false;

/*
 * DelayCheckpointStart sets DELAY_CHKPT_START.  A checkpoint waits only for
 * processes that have a virtual transaction id, which the writer has only
 * inside a transaction: outside one it shows a local one of its own while
 * the flag is set (it takes no VXID lock, so nobody waits for it).
 */
static void
DelayCheckpointStart(void)
{
	static LocalTransactionId next_lxid = 0;

	if (chkpt_delayed)
		return;
	if (MyProc->lxid == InvalidLocalTransactionId)
	{
		if (++next_lxid == InvalidLocalTransactionId)
			++next_lxid;
		MyProc->lxid = next_lxid;
		fake_lxid = true;
	}
	MyProc->delayChkptFlags |= DELAY_CHKPT_START;
	chkpt_delayed = true;
}

static void
AllowCheckpointStart(void)
{
	if (!chkpt_delayed)
		return;
	MyProc->delayChkptFlags &= ~DELAY_CHKPT_START;
	if (fake_lxid)
		MyProc->lxid = InvalidLocalTransactionId;
	fake_lxid = false;
	chkpt_delayed = false;
}

static void
WriteShip(const uint8 *buf, Size len, off_t off)
{
	bool		decisive = false;
	XLogRecPtr	end;

	WriteAll(buf, len, off);
	DelayCheckpointStart();
	if (!sidecar_unsynced)
		unsynced_since = GetCurrentTimestamp();
	sidecar_unsynced = true;
	end = ShipSidecarRecords(buf, len, &decisive);
	if (decisive)
		XLogFlush(end);
	if (wal_shipped_upto != 0)
	{
		pg_write_barrier();
		pg_atomic_write_u64(&ingest_shared->shipped_pos, wal_shipped_upto);
		ConditionVariableBroadcast(&ingest_shared->flushed_cv);
	}
}

void
WalSync(void)
{
	if (!sidecar_unsynced)
	{
		AllowCheckpointStart();
		return;
	}
	if (pg_fdatasync(seg_fd) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fdatasync ztsdb WAL file \"%s\": %m", SegmentPath(seg_start))));
	StatAdd(kStatWalFsyncs, 1);
	sidecar_unsynced = false;
	synced_lsn = flush_lsn;
	AllowCheckpointStart();
}

long
WalSyncDue(void)
{
	long		secs;
	int			usecs;
	long		left;

	if (!sidecar_unsynced)
		return -1;
	TimestampDifference(GetCurrentTimestamp(),
						TimestampTzPlusMilliseconds(unsynced_since, kLazySyncMs),
						&secs, &usecs);
	left = secs * 1000 + usecs / 1000;
	if (left <= 0)
	{
		WalSync();
		return -1;
	}
	return left;
}

void
WalFlush(void)
{
	off_t		off;
	Size		len = group_len - flush_from;

	if (len == 0)
		return;
	off = (off_t) (flush_lsn - seg_start);
	if ((guc_debug_fault == kFaultWalEnospc || guc_debug_fault == kFaultWalEio) && !starting_run)
	{
		wal_failed = true;
		/* wal_eio stands for a failed fdatasync: PANIC (see FlushUring) */
		errno = guc_debug_fault == kFaultWalEnospc ? ENOSPC : EIO;
		ereport(guc_debug_fault == kFaultWalEio ? data_sync_elevel(ERROR) : ERROR,
				(errcode_for_file_access(),
				 errmsg("could not %s ztsdb WAL file \"%s\": %m",
						guc_debug_fault == kFaultWalEnospc ? "write" : "fdatasync",
						SegmentPath(seg_start)),
				 errdetail("Injected by ztsdb.debug_fault.")));
	}
	wal_failed = true;			/* until this flush returns */
	if (!ship_suppressed && ShippingEnabled())
		WriteShip(group_buf + flush_from, len, off);
	else
	{
		if (use_uring)
			FlushUring(group_buf + flush_from, len, off);
		else
			FlushSync(group_buf + flush_from, len, off);
		StatAdd(kStatWalFsyncs, 1);
	}
	wal_failed = false;
	StatAdd(kStatWalBytes, len);
	StatAdd(kStatWalWrites, 1);
	flush_from = group_len;
	flush_lsn = insert_lsn;
}

void
WalEndGroup(void)
{
	Assert(flush_from == group_len);
	group_len = 0;
	flush_from = 0;
}

void
WalDiscard(void)
{
	/* the failed bytes' LSNs are never reused: replay stops at them anyway */
	insert_lsn = seg_start + WalSegmentBytes();
	flush_lsn = insert_lsn;
	group_len = 0;
	flush_from = 0;
	OpenSegment(insert_lsn);
	need_run_start = true;
}

void
FlushPostgresWal(void)
{
	/*
	 * The end of the last record inserted.  Not GetXLogInsertRecPtr(): it
	 * names where the next record would start, past the page header when
	 * the last one ended a page -- or after a segment switch
	 * (pg_switch_wal(), archive_timeout) -- where nothing was written, and
	 * XLogFlush() fails asking for it.
	 */
	if (!RecoveryInProgress())	/* a standby's writer (wal_rmgr.h) */
		XLogFlush(GetXLogInsertEndRecPtr());
}

uint64
WalReadCheckpoint(void)
{
	int			fd = OpenTransientFile(WAL_CHECKPOINT, O_RDONLY | PG_BINARY);
	uint64		buf[2];

	if (fd < 0)
		return 0;
	/*
	 * ERROR, not FATAL: the writer stays and tells backends (a FATAL writer
	 * would be restarted, and a restarted writer restarts the cluster).
	 * Without the file, replay starts at the oldest WAL file left, which
	 * is safe: rows already sealed are skipped (storage_apply.cpp).
	 */
	if (read(fd, buf, sizeof(buf)) != sizeof(buf))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb WAL checkpoint file \"%s\" is truncated", WAL_CHECKPOINT),
				 errhint("Restore the file, or remove it: replay then starts at the oldest sidecar WAL file.")));
	CloseTransientFile(fd);
	if (core::Crc32c(&buf[0], sizeof(buf[0])) != (uint32) buf[1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb WAL checkpoint file \"%s\" is corrupt", WAL_CHECKPOINT),
				 errhint("Restore the file, or remove it: replay then starts at the oldest sidecar WAL file.")));
	return buf[0];
}

void
WalCheckpoint(uint64 lsn)
{
	uint64		buf[2];
	int			fd;
	DIR		   *dir;
	struct dirent *de;
	uint64		keep_from = lsn - lsn % WalSegmentBytes();

	WalSync();
	buf[0] = lsn;
	buf[1] = core::Crc32c(&buf[0], sizeof(buf[0]));
	fd = OpenTransientFile(WAL_CHECKPOINT ".tmp", O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create \"%s\": %m", WAL_CHECKPOINT ".tmp")));
	if (write(fd, buf, sizeof(buf)) != sizeof(buf) || pg_fsync(fd) != 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not write \"%s\": %m", WAL_CHECKPOINT ".tmp")));
	CloseTransientFile(fd);
	(void) durable_rename(WAL_CHECKPOINT ".tmp", WAL_CHECKPOINT, ERROR);

	dir = AllocateDir(WAL_DIR);
	while ((de = ReadDir(dir, WAL_DIR)) != NULL)
	{
		unsigned long long start;
		char		extra;

		if (strlen(de->d_name) != 16 || sscanf(de->d_name, "%llX%c", &start, &extra) != 1)
			continue;
		if (start < keep_from && start != seg_start)
		{
			char	   *path = SegmentPath(start);

			if (unlink(path) != 0)
				ereport(LOG, (errcode_for_file_access(), errmsg("could not remove \"%s\": %m", path)));
		}
	}
	FreeDir(dir);
}

static int
CompareU64(const void *a, const void *b)
{
	uint64		x = *static_cast<const uint64 *>(a);
	uint64		y = *static_cast<const uint64 *>(b);

	return x < y ? -1 : x > y ? 1 : 0;
}

/* ValidAt tells whether a whole, checksummed record of segment seg starts at off. */
static bool
ValidAt(const uint8 *data, size_t len, uint64 seg, size_t off, core::WalRecordHeader *out)
{
	core::WalRecordHeader hdr;

	if (off + sizeof(hdr) > len)
		return false;
	memcpy(&hdr, data + off, sizeof(hdr));
	if (hdr.total_len < sizeof(hdr) || off + hdr.total_len > len || hdr.lsn != seg + off)
		return false;
	if (core::WalRecordCrc(hdr, data + off + sizeof(hdr), hdr.total_len - sizeof(hdr)) != hdr.crc)
		return false;
	if (out)
		*out = hdr;
	return true;
}

/*
 * SegmentContinuesRun tells whether a WAL file begins with a valid record
 * that is not a kRecRunStart: records were written there after the
 * previous file, in the same run.  (A prepared file never written to holds
 * zeros.)
 */
static bool
SegmentContinuesRun(uint64 start)
{
	size_t		len;
	uint8	   *data = ReadWholeFile(SegmentPath(start), &len);
	core::WalRecordHeader hdr;
	bool		result;

	if (data == NULL)
		return false;
	result = ValidAt(data, len, start, 0, &hdr) &&
		data[sizeof(hdr)] != core::kRecRunStart;
	pfree(data);
	return result;
}

/*
 * DamageInMiddle tells whether a bad record at pos of segment s is damage in
 * the middle of the log rather than the torn tail of a crashed run: a valid
 * record follows it in the same file, or the next file continues the same
 * run (SegmentContinuesRun).
 */
static bool
DamageInMiddle(const uint8 *data, size_t len, const uint64 *segs, int nsegs, int s, size_t pos)
{
	for (size_t off = core::Align8(pos + 1); off + sizeof(core::WalRecordHeader) <= len; off += 8)
		if (ValidAt(data, len, segs[s], off, NULL))
			return true;
	return s + 1 < nsegs && SegmentContinuesRun(segs[s + 1]);
}

uint64
WalReplay(uint64 from, void (*fn) (const uint8 *payload, uint32 len, uint64 lsn, void *arg),
		  void *arg, char *damage, size_t damage_len)
{
	DIR		   *dir = AllocateDir(WAL_DIR);
	struct dirent *de;
	uint64	   *segs = NULL;
	int			nsegs = 0;
	int			cap = 16;
	uint64		seg_bytes = WalSegmentBytes();
	uint64		end = from;

	damage[0] = '\0';
	segs = static_cast<uint64 *>(palloc(sizeof(uint64) * cap));
	while ((de = ReadDir(dir, WAL_DIR)) != NULL)
	{
		unsigned long long start;
		char		extra;

		if (strlen(de->d_name) != 16 || sscanf(de->d_name, "%llX%c", &start, &extra) != 1)
			continue;
		if (start + seg_bytes <= from)
			continue;
		if (nsegs == cap)
		{
			cap *= 2;
			segs = static_cast<uint64 *>(repalloc(segs, sizeof(uint64) * cap));
		}
		segs[nsegs++] = start;
	}
	FreeDir(dir);
	qsort(segs, nsegs, sizeof(uint64), CompareU64);

	for (int s = 0; s < nsegs; s++)
	{
		char	   *path = SegmentPath(segs[s]);
		size_t		len;
		uint8	   *data = ReadWholeFile(path, &len);
		uint64		pos = Max(from, segs[s]) - segs[s];

		if (s > 0 && segs[s] != segs[s - 1] + seg_bytes && end < segs[s])
		{
			/* a file is missing in the middle: stop, as at a torn tail */
			ereport(LOG,
					(errmsg("ztsdb WAL replay stops before \"%s\": the previous file is missing", path)));
			break;
		}
		for (;;)
		{
			core::WalRecordHeader hdr;
			const uint8 *payload;
			uint32		plen;
			core::Status st;
			const char *bad = NULL;

			if (pos + sizeof(hdr) > len)
				break;
			memcpy(&hdr, data + pos, sizeof(hdr));
			if (hdr.total_len == 0 && hdr.lsn == 0)
				break;			/* never written: end of this file */
			payload = data + pos + sizeof(hdr);
			plen = hdr.total_len >= sizeof(hdr) ? hdr.total_len - sizeof(hdr) : 0;
			if (hdr.total_len < sizeof(hdr) || pos + hdr.total_len > len ||
				hdr.lsn != segs[s] + pos)
				bad = "invalid record header";
			else if (core::WalRecordCrc(hdr, payload, plen) != hdr.crc)
				bad = "record checksum mismatch";
			else if (!(st = core::ValidateRecord(payload, plen)).ok())
				bad = st.message;
			if (bad != NULL)
			{
				if (!DamageInMiddle(data, len, segs, nsegs, s, pos))
					ereport(LOG,
							(errmsg("ztsdb WAL replay: end of a run in \"%s\" at offset %llu (%s; torn write of a crash)",
									path, (unsigned long long) pos, bad)));
				else if (guc_wal_skip_corrupt)
					ereport(LOG,
							(errmsg("ztsdb WAL replay skips the rest of \"%s\" from offset %llu: %s (ztsdb.wal_skip_corrupt = on)",
									path, (unsigned long long) pos, bad)));
				else
				{
					snprintf(damage, damage_len, "WAL file \"%s\" is damaged at offset %llu: %s",
							 path, (unsigned long long) pos, bad);
					pfree(data);
					return end;
				}
				break;
			}
			fn(payload, plen, hdr.lsn, arg);
			pos += core::Align8(hdr.total_len);
			end = segs[s] + pos;
		}
		pfree(data);
	}
	return end;
}

/* ------------------------------------------------------------------------
 * Base backups and the inbox (wal_rmgr.h)
 * ------------------------------------------------------------------------
 */

void
WalLogFileImage(const core::TableKey &table, uint64 chunk_id, uint8 tier,
				const uint8 *data, size_t len)
{
	core::FileImageRecord rec;
	uint8	   *buf;
	uint64		lsn;

	if (sizeof(rec) + len + sizeof(core::WalRecordHeader) + 64 > WalSegmentBytes() ||
		sizeof(rec) + len + 64 > group_cap)
	{
		ereport(WARNING,
				(errmsg("ztsdb: chunk file %llu of %s (%zu bytes) was sealed while a base backup ran and is too large for an image in the sidecar WAL",
						(unsigned long long) chunk_id, TableDir(table), len),
				 errdetail("A cluster restored from that backup may miss this file."),
				 errhint("Raise ztsdb.wal_segment_size.")));
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.type = core::kRecFileImage;
	rec.tier = tier;
	rec.table = table;
	rec.chunk_id = chunk_id;
	rec.file_len = len;
	buf = static_cast<uint8 *>(palloc(sizeof(rec) + len));
	memcpy(buf, &rec, sizeof(rec));
	memcpy(buf + sizeof(rec), data, len);
	if (WalBufferFree() < sizeof(rec) + len + 64)
	{
		/* the group's records stay in the buffer until applied */
		ereport(WARNING,
				(errmsg("ztsdb: no room for an image of chunk file %llu of %s sealed while a base backup ran",
						(unsigned long long) chunk_id, TableDir(table)),
				 errdetail("A cluster restored from that backup may miss this file.")));
		pfree(buf);
		return;
	}
	(void) WalAppend(buf, (uint32) (sizeof(rec) + len), &lsn);
	pfree(buf);
	/* in PostgreSQL's WAL before the manifest that lists the file changes */
	WalFlush();
}

/* WriteRawAt puts a whole sidecar record at its own LSN (WalApplyInbox). */
static void
WriteRawAt(uint64 lsn, const uint8 *rec, uint32 total)
{
	Size		padded = core::Align8(total);
	uint64		seg = WalSegmentBytes();

	if (lsn % seg + padded > seg)
	{
		ereport(LOG,
				(errmsg("ztsdb: inbox record at sidecar LSN %llX does not fit this server's ztsdb.wal_segment_size; skipped",
						(unsigned long long) lsn)));
		return;
	}
	if (seg_fd < 0 || lsn != insert_lsn || group_len + padded > group_cap)
	{
		WalFlush();
		group_len = 0;
		flush_from = 0;
		if (seg_fd < 0 || lsn - lsn % seg != seg_start)
			OpenSegment(lsn - lsn % seg);
		insert_lsn = lsn;
		flush_lsn = lsn;
	}
	memcpy(group_buf + group_len, rec, total);
	memset(group_buf + group_len + total, 0, padded - total);
	group_len += padded;
	insert_lsn += padded;
}

/* WriteImage writes a chunk file from a kRecFileImage record. */
static void
WriteImage(const uint8 *payload)
{
	core::FileImageRecord rec;
	char	   *dir;
	char	   *path;
	char	   *tmp;
	int			fd;

	memcpy(&rec, payload, sizeof(rec));
	dir = TableDir(rec.table);
	if ((MakePGDirectory("ztsdb") < 0 && errno != EEXIST) ||
		(MakePGDirectory(psprintf("ztsdb/%u", rec.table.db)) < 0 && errno != EEXIST) ||
		(MakePGDirectory(dir) < 0 && errno != EEXIST))
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create directory \"%s\": %m", dir)));
	path = ChunkPath(rec.table, rec.chunk_id, rec.tier);
	tmp = psprintf("%s.image", path);
	fd = OpenTransientFile(tmp, O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not create file \"%s\": %m", tmp)));
	if (write(fd, payload + sizeof(rec), rec.file_len) != (ssize_t) rec.file_len || pg_fsync(fd) != 0)
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not write file \"%s\": %m", tmp)));
	CloseTransientFile(fd);
	(void) durable_rename(tmp, path, ERROR);
}

/*
 * ImageWanted tells whether a kRecFileImage names a file this server's
 * manifest lists but does not have (a base backup's copy read the manifest
 * after the file's directory entry).  Any other image is not ours to
 * write: on a standby it names a file of the primary (a later backup taken
 * there), whose chunk id this server may use for a file of its own.
 */
static bool
ImageWanted(const core::FileImageRecord &rec)
{
	Manifest	m;
	struct stat st;

	if (!ReadManifest(rec.table, &m))
		return false;
	for (uint32 i = 0; i < m.header.nchunks; i++)
		if (m.chunks[i].meta.chunk_id == rec.chunk_id && m.chunks[i].meta.tier == rec.tier)
			return stat(ChunkPath(rec.table, rec.chunk_id, rec.tier), &st) != 0 && errno == ENOENT;
	return false;
}

bool
WalFollowInbox(InboxCursor *cur, InboxRecordFn apply, void *arg)
{
	const Size	kMaxBytes = (Size) 64 << 20;	/* per call: memory stays bounded */
	int			fd = OpenTransientFile(ZTSDB_INBOX, O_RDONLY | PG_BINARY);
	uint64		from;
	uint64		keep_from;
	uint8	   *buf = NULL;
	Size		cap = 0;
	Size		used = 0;
	off_t		off = cur->offset;
	off_t	   *ends = NULL;		/* inbox offset past each record taken */
	uint32		epoch;
	int			nends = 0;
	int			ends_cap = 0;
	bool		more = false;

	if (fd < 0)
	{
		if (errno == ENOENT)
			return false;
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not open \"%s\": %m", ZTSDB_INBOX)));
	}
	from = WalReadCheckpoint();
	keep_from = from - from % WalSegmentBytes();
	epoch = pg_atomic_read_u32(&ingest_shared->inbox_epoch);
	if (epoch != cur->epoch)
	{
		cur->epoch = epoch;		/* redo emptied the inbox: it starts again at 0 */
		off = cur->offset = 0;
	}
	pg_memory_barrier();
	ship_suppressed = true;
	for (;;)
	{
		core::WalRecordHeader hdr;
		uint32		total;

		if (pread(fd, &hdr, sizeof(hdr), off) != (ssize_t) sizeof(hdr) ||
			hdr.total_len < sizeof(hdr) || hdr.total_len > WalSegmentBytes())
			break;
		total = hdr.total_len;
		if (used + core::Align8(total) > cap)
		{
			if (used > 0 && used + core::Align8(total) > kMaxBytes)
			{
				more = true;
				break;
			}
			cap = Max(used + (Size) core::Align8(total), Max(cap * 2, (Size) 1 << 20));
			buf = static_cast<uint8 *>(buf == NULL ? MemoryContextAllocHuge(CurrentMemoryContext, cap)
									   : repalloc_huge(buf, cap));
		}
		/* an incomplete record (redo is appending it) fails its checksum */
		if (pread(fd, buf + used, total, off) != (ssize_t) total ||
			core::WalRecordCrc(hdr, buf + used + sizeof(hdr), total - sizeof(hdr)) != hdr.crc)
			break;
		off += core::Align8(total);
		if (hdr.lsn < keep_from || (cur->any && hdr.lsn <= cur->last_lsn))
		{
			cur->offset = off;	/* before the checkpoint, or already taken */
			continue;
		}
		if (buf[used + sizeof(hdr)] == core::kRecFileImage &&
			core::ValidateRecord(buf + used + sizeof(hdr), total - sizeof(hdr)).ok())
		{
			core::FileImageRecord rec;

			memcpy(&rec, buf + used + sizeof(hdr), sizeof(rec));
			if (ImageWanted(rec))
			{
				WriteImage(buf + used + sizeof(hdr));
				cur->images++;
			}
		}
		WriteRawAt(hdr.lsn, buf + used, total);
		if (nends == ends_cap)
		{
			ends_cap = Max(64, ends_cap * 2);
			ends = static_cast<off_t *>(ends == NULL ? palloc(sizeof(off_t) * ends_cap)
										: repalloc(ends, sizeof(off_t) * ends_cap));
		}
		ends[nends++] = off;
		used += core::Align8(total);
	}
	WalFlush();
	group_len = 0;
	flush_from = 0;
	ship_suppressed = false;
	CloseTransientFile(fd);

	/*
	 * Emptied while we read: what was read may be the new inbox's bytes at
	 * old offsets.  Whole records only are written (the same bytes at their
	 * own LSNs: harmless); none is applied, the next call reads from 0.
	 */
	pg_memory_barrier();
	if (pg_atomic_read_u32(&ingest_shared->inbox_epoch) != epoch)
	{
		if (buf != NULL)
			pfree(buf);
		if (ends != NULL)
			pfree(ends);
		return true;
	}

	/*
	 * Durable in the sidecar file: now the records may be applied.  The
	 * cursor passes each once applied, so a failed apply is retried from
	 * that record (writing it again writes the same bytes).
	 */
	for (Size at = 0, i = 0; at < used; i++)
	{
		core::WalRecordHeader hdr;

		memcpy(&hdr, buf + at, sizeof(hdr));
		if (apply != NULL)
			apply(buf + at + sizeof(hdr), hdr.total_len - sizeof(hdr), hdr.lsn, arg);
		if (cur->records++ == 0)
			cur->first_lsn = hdr.lsn;
		cur->last_lsn = hdr.lsn;
		cur->any = true;
		cur->offset = ends[i];
		at += core::Align8(hdr.total_len);
	}
	if (buf != NULL)
		pfree(buf);
	if (ends != NULL)
		pfree(ends);
	return more;
}

bool
WalRemoveInbox(void)
{
	if (unlink(ZTSDB_INBOX) != 0)
	{
		if (errno == ENOENT)
			return false;
		ereport(ERROR, (errcode_for_file_access(), errmsg("could not remove file \"%s\": %m", ZTSDB_INBOX)));
	}
	fsync_fname("ztsdb", true);
	return true;
}

void
WalApplyInbox(void)
{
	InboxCursor cur;

	memset(&cur, 0, sizeof(cur));
	while (WalFollowInbox(&cur, NULL, NULL))
		;
	if (!WalRemoveInbox())
		return;
	ereport(LOG,
			(errmsg("ztsdb: wrote %llu sidecar WAL records received through PostgreSQL's WAL (sidecar LSN %llX to %llX, %llu chunk file images)",
					(unsigned long long) cur.records, (unsigned long long) cur.first_lsn,
					(unsigned long long) cur.last_lsn, (unsigned long long) cur.images)));
}

} // namespace ztsdb
