/*-------------------------------------------------------------------------
 *
 * wal.h
 *	  The sidecar write-ahead log: files, group writes, replay.
 *
 * The WAL is a stream of records (record_format.h) addressed by LSN, its
 * byte position; it is cut into files of ztsdb.wal_segment_size named by
 * their first LSN (16 hex digits) in $PGDATA/ztsdb/wal/.  A record never
 * spans two files: when one does not fit, the stream continues at the next
 * file's first byte.  $PGDATA/ztsdb/wal/checkpoint holds the LSN replay
 * starts from; files wholly before it are removed.
 *
 * Writer process only.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

/* WalOpen chooses the I/O path (io_uring or sync) and logs the choice. */
void		WalOpen(void);

/* WalStartAt makes the next record go to lsn (a fresh file's start). */
void		WalStartAt(uint64 lsn);

/* WalPrepareNext zero-fills the WAL file after the open one (writer idle time). */
void		WalPrepareNext(void);

/*
 * WalAppend copies a record into the group buffer and returns its LSN and
 * a pointer to the stored payload (valid until WalEndGroup).  Writes out
 * what is buffered first if the record needs a new file.
 */
const uint8 *WalAppend(const uint8 *payload, uint32 len, uint64 *lsn);

/* WalBufferFree tells how many payload bytes WalAppend can take without flushing. */
Size		WalBufferFree(void);

/*
 * WalFlush writes the group buffer with one submission and one fdatasync.
 * ereports on failure (the buffer is then discarded: see wal_writer.cpp).
 */
void		WalFlush(void);

/*
 * With wal_level = replica or logical WalFlush writes and ships but does not
 * sync the sidecar file (wal_rmgr.h).  WalSync syncs what is written;
 * WalSyncDue syncs it if it has waited long enough, else returns how many
 * ms it may still wait (-1: nothing unsynced).
 */
void		WalSync(void);
long		WalSyncDue(void);

/* WalEndGroup empties the group buffer once its records are applied. */
void		WalEndGroup(void);

/*
 * wal_shipped_upto: ring position up to which the group being flushed
 * covers, set around WalFlush by the writer's group commit: with shipping
 * (wal_rmgr.h) WalFlush publishes it as shipped_pos before the fdatasync.
 */
extern uint64 wal_shipped_upto;

/* wal_failed: the last WalFlush raised an error (reset by the next success) */
extern bool wal_failed;

/* WalDiscard forgets the buffered group (after a failed flush). */
void		WalDiscard(void);

uint64		WalInsertLsn(void);

/* WalFlushedLsn returns the end of what is durable (records before it are). */
uint64		WalFlushedLsn(void);
uint64		WalSegmentBytes(void);

/* WalCheckpoint records lsn as the replay start and removes older files. */
void		WalCheckpoint(uint64 lsn);

/* WalReadCheckpoint returns the replay start LSN (0 when none). */
uint64		WalReadCheckpoint(void);

/*
 * WalReplay calls fn for every valid record from the checkpoint on, in
 * order, and returns the LSN just past the last one.  A bad record at the
 * end of a run (torn write of a crash) ends that run with a LOG line.  A bad
 * record in the middle of the log stops the replay: damage receives a
 * message naming the file and offset -- unless ztsdb.wal_skip_corrupt is on,
 * then the rest of that file is skipped with a LOG line.
 */
uint64		WalReplay(uint64 from, void (*fn) (const uint8 *payload, uint32 len, uint64 lsn, void *arg),
					  void *arg, char *damage, size_t damage_len);

/*
 * FlushPostgresWal makes every PostgreSQL WAL record inserted so far durable
 * (commit records of transactions a sidecar record or chunk file relies on).
 * May ereport.
 */
void		FlushPostgresWal(void);

/* WalStartRun writes and flushes the record that opens a writer run. */
void		WalStartRun(uint32 generation);

/*
 * WalLogFileImage appends a chunk file's bytes (kRecFileImage) and flushes:
 * for a file sealed while a base backup runs (wal_rmgr.h).
 */
void		WalLogFileImage(const core::TableKey &table, uint64 chunk_id, uint8 tier,
							const uint8 *data, size_t len);

/*
 * WalApplyInbox writes the records redo received through PostgreSQL's WAL
 * at their own LSNs (and chunk file images a manifest lists but the data
 * directory lacks, as files), then removes the inbox.  Before replay, at
 * the writer's start.
 */
void		WalApplyInbox(void);

/*
 * WalFollowInbox does the same for a standby's writer, which follows the
 * inbox while redo appends to it (wal_rmgr.h): from cur on, it writes the
 * whole records found into the sidecar WAL, flushes, then hands each to
 * apply (may be NULL) in order.  Records before the sidecar checkpoint or
 * already taken are skipped.  At most 64 MB per call: returns true if more
 * may follow at once.
 */
struct InboxCursor
{
	off_t		offset;			/* where the next record starts in the inbox */
	uint32		epoch;			/* of the inbox file offset refers to */
	uint64		first_lsn;		/* sidecar LSN of the first record taken */
	uint64		last_lsn;		/* of the last record taken (if any) */
	bool		any;
	uint64		records;
	uint64		images;
};
typedef void (*InboxRecordFn) (const uint8 *payload, uint32 len, uint64 lsn, void *arg);
bool		WalFollowInbox(InboxCursor *cur, InboxRecordFn apply, void *arg);

/* WalRemoveInbox removes the inbox durably; false if there was none. */
bool		WalRemoveInbox(void);

} // namespace ztsdb
