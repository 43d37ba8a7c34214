/*-------------------------------------------------------------------------
 *
 * storage_writer.h
 *	  What the writer process does to storage: apply batches to hot chunks,
 *	  move chunks between tiers, drop tables.  Writer process only.
 *
 * All functions here may ereport; the writer's error recovery (wal_writer)
 * releases locks and retries later.  They allocate in CurrentMemoryContext,
 * which the writer resets after each step.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/storage/storage.h"

namespace ztsdb {

/*
 * ApplyBatch copies the rows of a validated batch record at WAL position
 * lsn into the hot chunks of its table.  With replaying set, rows that a
 * sealed file already holds (manifest window coverage) are skipped.
 */
void		ApplyBatch(const uint8 *record, uint64 lsn, bool replaying);

/* EnsureTable returns the registry entry of a table, creating it. */
TableEntry *EnsureTable(const core::TableKey &key, const core::ChunkLayout &layout);

/*
 * DropTableData removes a table's hot chunks and, with files_too, its
 * files; with forget, its registry entry (DROP) too.
 */
void		DropTableData(const core::TableKey &key, bool files_too, bool forget);

/*
 * SealTable seals hot chunks of one table (key != NULL) or all tables:
 * all of them with sealall, else only full chunks and those whose time
 * window is closed and idle.  force: seal even with transactions still
 * open (their batch table goes into the file).  Returns chunks sealed.
 */
int			SealChunks(const core::TableKey *key, bool sealall, bool force);

/*
 * WindowOf returns the start of the chunk time window of interval_us
 * microseconds holding ts: floor division, PG_INT64_MIN for the windows at
 * -infinity.  WindowOf(ts) uses ztsdb.chunk_time_interval, which is fixed
 * while the server runs (PGC_POSTMASTER).  Batch records carry the interval
 * they were applied with, so replay after a restart with another value
 * routes their rows into the windows their coverage names.
 */
int64		WindowOf(int64 ts, int64 interval_us);
int64		WindowOf(int64 ts);
int64		ChunkIntervalUsec(void);

/* ReplayedOtherInterval tells whether replay applied rows with another interval. */
bool		ReplayedOtherInterval(void);

/*
 * CompressChunks moves warm chunks whose max_ts < older_than to cold, the
 * sorted ones of a time window merged into one file; without a key (the
 * tiering policy) only chunks whose whole window is older than older_than,
 * and one window per call.
 */
int			CompressChunks(const core::TableKey *key, int64 older_than);

/*
 * CompressMore tells (once) whether the last policy pass of CompressChunks
 * left due windows for the next one (it merges one window per pass).
 */
bool		CompressMore(void);

/*
 * MergeWarmChunks, the tiering policy's, merges (at most one group per
 * call) sorted warm files of one window into one larger sorted warm file
 * (storage_tier.cpp); while the writer is busy (busy), only a backlog of
 * many files.  MergeWarmMore tells (once) whether the writer should call
 * it again soon.
 */
int			MergeWarmChunks(bool busy);
bool		MergeWarmMore(void);

/*
 * ResortChunks rewrites unsorted warm files (stamped by forced seals) as
 * sorted ones once their transactions have ended; returns how many.
 */
int			ResortChunks(void);

/* DropChunks removes whole chunks (any tier) whose max_ts < older_than. */
int			DropChunks(const core::TableKey &key, int64 older_than);

/* FreeUnpinnedChunks returns detached, unpinned chunks to the pool. */
void		FreeUnpinnedChunks(void);

/* CheckpointLsn returns the oldest WAL position still needed for hot data. */
uint64		CheckpointLsn(uint64 insert_lsn);

/* ResetReplayCoverage forgets coverage loaded for replay (after recovery). */
void		ResetReplayCoverage(void);

/*
 * RunForTable runs fn(key, arg), isolating damage to that table: an ERROR
 * with SQLSTATE XX001 (a corrupt or missing file, which the message names)
 * marks the table broken (MarkTableBroken) and returns 0 instead of
 * stopping the writer's work for every table; other errors propagate.
 * Broken tables are skipped.  The caller holds no LWLock.
 */
int			RunForTable(int (*fn) (const core::TableKey &key, int64 arg), const core::TableKey &key,
						int64 arg);

/*
 * BrokenHoldLsn returns the first sidecar WAL position holding rows that
 * were not applied because their table is broken (UINT64_MAX if none): the
 * WAL checkpoint stays before it, so they are replayed once the table's
 * files are restored.
 */
uint64		BrokenHoldLsn(void);

/* ForEachTableDir calls fn (through RunForTable) for every table directory under ztsdb/; sums results. */
int			ForEachTableDir(int (*fn) (const core::TableKey &key, int64 arg), int64 arg);

/* SweepOrphanDirs removes directories of tables that no longer exist (start). */
int			SweepOrphanDirs(void);

/*
 * StampedFileReferences returns the oldest writer generation unsorted warm
 * files name and the sidecar commits they need (wal_generation.h).
 */
uint32		StampedFileReferences(uint64 **keys, int *nkeys);

/*
 * DropUnmarkedFileRows rewrites every unsorted warm file that stamps one of
 * keys (sorted SidecarKeys) without those rows; returns how many files it
 * rewrote.  Writer only, at the end of replay (Recover): rows of
 * transactions whose commit marker did not survive a crash.
 */
int			DropUnmarkedFileRows(const uint64 *keys, int nkeys);

/* RefreshTierStats recomputes the chunks_* and bytes_* gauges. */
void		RefreshTierStats(void);

/*
 * Provided by the writer (wal_writer.cpp) to the tier moves:
 * WriterNoteRunningStamp records in the sidecar WAL that a chunk file
 * stamps rows of a running transaction, or of one whose marker is pending
 * (below); WriterFlushStamps makes such
 * records durable (before the file is).
 */
void		WriterNoteRunningStamp(TransactionId xid, uint32 gen);
void		WriterFlushStamps(void);

/*
 * WriterMarkerPending tells whether the writer has applied rows of xid
 * (seen in generation gen) whose top-level transaction's commit marker it
 * has not yet taken from the ring; sets *top (if not NULL) to that
 * top-level xid.
 */
bool		WriterMarkerPending(TransactionId xid, uint32 gen, TransactionId *top);

/*
 * FilesKeptForBackup tells (once) whether a tier move kept files it
 * replaced because a base backup ran; SweepOrphanDirs removes them.
 */
bool		FilesKeptForBackup(void);

/* UpdateApparentSize makes pg_relation_size report the table's file bytes. */
void		UpdateApparentSize(const core::TableKey &key, uint64 bytes);

} // namespace ztsdb
