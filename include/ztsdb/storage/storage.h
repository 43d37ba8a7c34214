/*-------------------------------------------------------------------------
 *
 * storage.h
 *	  Hot chunks in shared memory, the table registry, and tier files.
 *
 * The chunk pool is one shared array of hot_pool_size / hot_chunk_size
 * fixed-size chunks, allocated at start and never grown.  Only the writer
 * allocates, fills, seals and frees chunks.  A hot chunk belongs to one
 * table and one time window; its rows are stored column by column in
 * arrival order, with a batch table of (first row, xid, cid) runs so that
 * scans decide visibility once per run.
 *
 * Protocol between the writer and readers (backends):
 *	- The writer appends rows and batch entries beyond the published counts,
 *	  then issues a write barrier and publishes nrows/nbatches.  Published
 *	  rows never change.
 *	- A table's list of hot chunks and its manifest file change only under
 *	  the table's LWLock in exclusive mode (writer).  A reader takes it in
 *	  shared mode, reads the manifest, maps the files it needs and pins every
 *	  hot chunk (refcount), then releases it: it sees each row exactly once,
 *	  either in a hot chunk or in a file, never both.
 *	- A detached chunk returns to the pool only once its refcount is zero.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/record_format.h"
#include "ztsdb/pg.h"

namespace ztsdb {

/* Batch run inside a hot chunk; same shape as the file's BatchEntry. */
using HotBatch = core::BatchEntry;

/*
 * Series index of a hot chunk (tables with a series column): a small
 * open-addressing table from series value to its first and last segment,
 * segments of a series' rows in row order, each with the time range of its
 * rows and chained to the next, and per row the next row of the same
 * series (kNoRow ends).  A segment takes kHotSegRows rows, then the series
 * starts another; when the chunk's segments run out, last segments grow
 * instead (and new series have none, see kSlotRowFlag).  A reader with a time window skips segments outside it instead
 * of following every row's link; late rows (older than rows before them)
 * widen their segment's range, so nothing in the window is skipped.
 *
 * The writer fills a slot's series and first segment before the slot's
 * first (write barrier), and segments, their links and row links before it
 * publishes nrows; a reader that stops at rows >= the nrows it pinned sees
 * a consistent index (a segment's range may already cover later rows: it
 * only ever widens).  Too many distinct series for the table:
 * series_index_ok drops to 0 and readers filter rows instead.
 */
constexpr uint32 kNoRow = 0xFFFFFFFFu;
constexpr uint32 kHotSegRows = 64;

/*
 * A series that arrives when the chunk's segments have run out (many series
 * in a small chunk) has no segments: its slot's first is its first row with
 * this bit set (last: its last row), and readers follow all its row links.
 */
constexpr uint32 kSlotRowFlag = 0x80000000u;

/* the most slots a chunk's series index has (SetupChunkLayout); a power of two */
constexpr uint32 kMaxSeriesSlots = 1u << 18;

struct HotSeriesSlot
{
	int64		series;
	uint32		first;			/* first segment; kNoRow: empty slot; kSlotRowFlag: a row */
	uint32		last;			/* writer only: last segment (or row) */
};

struct HotSeriesSeg
{
	int64		min_ts;			/* time range of the segment's rows */
	int64		max_ts;
	uint32		first;			/* first row */
	uint32		next;			/* next segment of the series, kNoRow ends */
	uint32		last;			/* writer only: last row */
	uint32		nrows;			/* writer only */
};

/*
 * Zone of a hot chunk: the range of series values and of times of one block
 * of kHotZoneRows consecutive rows, for readers that must look for series
 * without the series index (more distinct series than its slots): they
 * skip the blocks whose ranges miss what they want.  The writer sets a
 * block's zone at its first row and widens it with each row before it
 * publishes nrows (a zone may already cover later rows: it only widens).
 * Blocks whose rows have no series value have min_series > max_series.
 */
constexpr uint32 kHotZoneRows = 1024;

struct HotZone
{
	int64		min_series;
	int64		max_series;
	int64		min_ts;
	int64		max_ts;
};

struct HotChunk
{
	/* set by the writer before the chunk is linked into its table */
	core::TableKey table;
	int64		window_start;
	uint64		chunk_id;
	uint32		capacity_rows;
	uint32		capacity_batches;
	uint32		values_off[core::kMaxColumns];	/* from chunk data start */
	uint32		validity_off[core::kMaxColumns];
	uint32		batches_off;
	uint32		next_off;		/* series index: uint32 per row */
	uint32		slots_off;		/* series index: HotSeriesSlot[nslots] */
	uint32		nslots;			/* power of two; 0: no series index */
	uint32		segs_off;		/* series index: HotSeriesSeg[capacity_segs] */
	uint32		capacity_segs;
	uint32		zones_off;		/* HotZone per kHotZoneRows rows (series tables) */

	/* published by the writer (write barrier first), read by anyone */
	pg_atomic_uint32 nrows;
	pg_atomic_uint32 nbatches;
	pg_atomic_uint32 series_index_ok;
	pg_atomic_uint32 refcount;	/* readers' pins */
	/*
	 * Bit c set: column c has a NULL among the published rows (set before
	 * nrows covers that row).  Readers skip the validity bitmaps of the
	 * other columns, as they do for a warm file's NULL-free columns.
	 */
	pg_atomic_uint64 null_cols;

	/* writer only */
	int			next;			/* next hot chunk of the table, -1 ends; table lock */
	bool		in_use;
	bool		detached;		/* sealed or dropped; free once refcount == 0 */
	int64		min_ts;			/* approximate for readers (not published) */
	int64		max_ts;
	uint64		first_lsn;		/* WAL position of the first record with rows here */
	uint64		cover_lsn;		/* last applied (record, row) for window coverage */
	uint32		cover_row;
	TimestampTz last_append;
	uint32		last_xid;		/* batch coalescing: (xid, cid, gen) of the last run */
	uint32		last_cid;
	uint32		last_gen;
	uint32		row_bytes;		/* plain bytes of one row (for bytes_hot) */
	uint32		nseries;		/* slots in use */
	uint32		nsegs;			/* segments in use */
};

/* Registry entry of one table with hot state. */
struct TableEntry
{
	core::TableKey key;			/* hash key */
	core::ChunkLayout layout;	/* from the first batch */
	LWLock		lock;			/* protects hot list and manifest (see above) */
	int			hot_head;		/* first hot chunk, -1 none; under lock */
	uint64		next_chunk_id;	/* writer only */
	bool		manifest_loaded;	/* writer only: next_chunk_id is valid */
	bool		dropped;		/* writer only */
};

constexpr int kMaxBrokenTables = 64;

struct BrokenTable
{
	core::TableKey key;
	char		message[512];
};

struct StorageShared
{
	int			table_tranche;	/* LWLock tranche id of TableEntry.lock */
	uint32		nchunks;		/* chunks in the pool */
	uint32		chunk_bytes;	/* bytes of data per chunk */
	pg_atomic_uint64 pins_awaited_since;	/* writer waits for readers to unpin
											 * chunks (pool exhausted): since when
											 * (TimestampTz), 0 if not */
	/*
	 * Tables whose files the writer found damaged (MarkTableBroken): their
	 * inserts fail naming the file, the writer's work for every other table
	 * goes on.  Appended by the writer alone (entry, barrier, count); never
	 * removed while the server runs.
	 */
	uint32		npin_slots;		/* entries of pins_by_proc */
	pg_atomic_uint32 nbroken;
	BrokenTable broken[kMaxBrokenTables];
	/* HotChunk[nchunks] descriptors, then the chunk data, follow */
};

/*
 * CheckTableUsable raises the error that made the writer give up a table
 * (SQLSTATE XX001, naming the file), if it did.  Any process; lock-free.
 */
void		CheckTableUsable(const core::TableKey &key);

/* TableIsBroken tells whether the writer gave up the table. */
bool		TableIsBroken(const core::TableKey &key);

/*
 * MarkTableBroken records that a table's files are damaged (writer only).
 * Beyond kMaxBrokenTables it returns false: the caller re-raises.
 */
bool		MarkTableBroken(const core::TableKey &key, const char *message);

/*
 * CheckPinDeadlock is called by backends waiting for the writer.  If the
 * writer has waited more than a second for pinned hot chunks to be released
 * while this backend pins some, the two wait for each other: ERROR (its
 * views are released with its transaction) instead of a hang.
 */
void		CheckPinDeadlock(void);

extern StorageShared *storage_shared;
extern HotChunk *hot_chunks;
extern char *hot_chunk_data;

/*
 * Hot chunks each PGPROC pins through open views (indexed by pgprocno;
 * written by that process, read by the writer when the pool is exhausted
 * to find whom it waits for: ReleasePinHolders).
 */
extern pg_atomic_uint32 *pins_by_proc;
extern HTAB *table_registry;
extern LWLock *registry_lock;	/* protects table_registry's structure */

Size		StorageShmemSize(void);
void		StorageShmemInit(void *mem, bool found);
void		StorageAttach(void);

inline char *
HotChunkData(int idx)
{
	return hot_chunk_data + (Size) idx * storage_shared->chunk_bytes;
}

/* TableKeyOf returns the storage key of a relation. */
core::TableKey TableKeyOf(Relation rel);

/*
 * LookupTable returns the registry entry of key or NULL; takes
 * registry_lock shared internally.  Entries stay at their address until the
 * table is dropped, which cannot happen while the caller holds a lock on
 * the relation.
 */
TableEntry *LookupTable(const core::TableKey &key);

/*
 * ParseTableDirName reads a directory name under ztsdb/<db>/ back into a key;
 * false for names that are not table directories.
 */
bool		ParseTableDirName(uint32 db, const char *name, core::TableKey *key);

/* Path helpers: palloc'd strings relative to the data directory. */
char	   *TableDir(const core::TableKey &key);
char	   *ManifestPath(const core::TableKey &key);
char	   *ChunkPath(const core::TableKey &key, uint64 chunk_id, uint8 tier);
/* ChunkPathIn is ChunkPath for a table directory already named (TableDir). */
char	   *ChunkPathIn(const char *dir, uint64 chunk_id, uint8 tier);

/*
 * ReadManifest reads and validates a table's manifest; returns false if the
 * table has none yet.  Allocates in CurrentMemoryContext; ereports
 * ERRCODE_DATA_CORRUPTED naming the file when it is damaged.
 */
struct Manifest
{
	core::ManifestHeader header;
	core::ManifestChunk *chunks;
	core::ManifestWindow *windows;
};
bool		ReadManifest(const core::TableKey &key, Manifest *out);

/* ReadWholeFile returns a palloc'd copy of a file, or NULL if it does not exist. */
uint8	   *ReadWholeFile(const char *path, size_t *len);

} // namespace ztsdb
