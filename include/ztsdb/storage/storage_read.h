/*-------------------------------------------------------------------------
 *
 * storage_read.h
 *	  A reader's consistent view of one table: pinned hot chunks and mapped
 *	  chunk files, taken at one instant (see the protocol in storage.h).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/storage/storage.h"

#include <sys/types.h>

namespace ztsdb {

struct ViewHot
{
	int			idx;			/* pool index, pinned */
	uint32		nrows;			/* rows published when pinned */
	uint32		nbatches;
	uint64		null_cols;		/* HotChunk.null_cols when pinned */
	int64		min_ts;			/* approximate (for ztsdb.chunks) */
	int64		max_ts;
};

/* Identity of a chunk file on disk, for remembering it was verified. */
struct VerifiedKey
{
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	time_t		mtime;
};

struct CachedFile;

struct ViewFile
{
	core::ManifestChunk entry;
	char	   *path;			/* NULL unless the view opened its files */
	const uint8 *data;			/* mmap'd, owned by the backend's file cache */
	size_t		len;
	CachedFile *cached;			/* the cache entry this view holds a reference on */
	VerifiedKey key;
	core::ChunkReader reader;
};

struct TableView
{
	core::TableKey key;
	core::ChunkLayout layout;	/* valid if have_layout */
	bool		have_layout;
	int			nhot;
	ViewHot    *hot;
	int			nfiles;
	ViewFile   *files;
	int			files_skipped;	/* outside the requested time range or series */
	uint64		next_chunk_id;
};

/*
 * OpenTableView takes a view of the table in CurrentMemoryContext and
 * registers a reset callback on that context that unpins everything and
 * lets go of its chunk files (they stay mapped in the file cache below),
 * so an error anywhere later releases it.  With open_files, every chunk
 * file is mapped and validated, or taken from the file cache (validated
 * when first mapped; ERRCODE_DATA_CORRUPTED naming the file on damage).  Files whose time range misses [min_ts, max_ts], or
 * whose series filter rules out every one of series[0 .. nseries) (nseries
 * -1: any series), are left out of the view (files_skipped counts them).
 * Without verify_data, files this backend has not verified yet are opened
 * with their headers, directories and bounds checked but not their data
 * checksums (OpenChunkFile): for readers of a small sample of the rows
 * (ANALYZE), to whom verifying would cost a read of every byte.
 */
TableView  *OpenTableView(Relation rel, bool open_files, int64 min_ts = PG_INT64_MIN,
						  int64 max_ts = PG_INT64_MAX, int nseries = -1,
						  const int64 *series = NULL, bool verify_data = true);

/*
 * Per-backend cache of opened chunk files.  OpenTableView keeps each
 * mapped, validated chunk file (and each table's parsed manifest) across
 * queries instead of mapping, checking and unmapping it every time.  A
 * table's cached manifest is reused while the manifest file is the same
 * inode (the backend holds it open, so its inode number cannot be reused);
 * chunk files are named by a chunk id never reused within a table and are
 * never rewritten in place, so an entry is valid while its file is listed
 * in the manifest (and, after the manifest changed, still the same inode).
 * Entries of files that left the manifest are unmapped at the next
 * manifest check of their table; cached tables whose manifest vanished or
 * changed (DROP TABLE, TRUNCATE) are checked at every OpenTableView of any
 * table.  Bounded by kMaxCachedFiles entries and kMaxCachedBytes mapped
 * bytes (least recently used go first); the OS releases all at exit.
 */
constexpr int kMaxCachedFiles = 4096;
constexpr uint64 kMaxCachedBytes = UINT64CONST(4) << 30;
constexpr int kMaxCachedManifests = 64;

/* FileCacheUsage reports this backend's cached chunk files and their mapped bytes. */
void		FileCacheUsage(uint64 *files, uint64 *bytes);

/* Column pointers of hot chunk h in a view. */
void		HotColumns(const TableView *view, int h, const void **values,
					   const uint8 **validity, const core::BatchEntry **batches);

/*
 * HotSeriesRows lists, in ascending order, the pinned rows of hot chunk h
 * whose series is one of series[0 .. nseries) (sorted, distinct) and whose
 * time is in [min_ts, max_ts], using the chunk's series index (it skips the
 * series' segments outside the window); false if the chunk has no usable
 * index.  The list is allocated in CurrentMemoryContext.
 */
bool		HotSeriesRows(const TableView *view, int h, const int64 *series, int nseries,
						  int64 min_ts, int64 max_ts, uint32 **rows, uint32 *nrows);

/* HotZones: the zones of hot chunk h (storage.h), NULL if it keeps none. */
const HotZone *HotZones(const TableView *view, int h);

/*
 * HotSeriesList lists the series of hot chunk h's series index (sorted,
 * distinct; it may name series of rows published after the pin, never
 * miss one of the pinned rows), allocated in CurrentMemoryContext; false
 * if the chunk has no usable index.
 */
bool		HotSeriesList(const TableView *view, int h, int64 **series, int *nseries);

} // namespace ztsdb
