/*-------------------------------------------------------------------------
 *
 * chunk_file.h
 *	  Warm and cold chunk files, and the per-table manifest (core zone).
 *
 * A chunk holds the rows of one table for part of its time range.  Sealed
 * hot chunks become warm files (plain column arrays, read through mmap with
 * no copy); warm files become cold files (the same columns, compressed in
 * blocks by codec.h).  Both share one header layout; see chunk_file.cpp for
 * the byte layout.  Every header and block carries a CRC32C, and the readers
 * here validate every offset and length before use: a reader given
 * arbitrary bytes returns kCorrupt, never reads out of bounds.
 *
 * Rows in a file are either sorted by (series, ts) (flag kChunkSorted, the
 * normal case: every transaction that wrote the chunk had ended when it was
 * sealed, aborted rows were dropped) or kept in arrival order together with
 * their batch table (xid, command id per run of rows) when the chunk had to
 * be sealed while some writer was still in progress.  Readers of unsorted
 * files decide visibility per batch, as for hot chunks.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "ztsdb/core/column_type.h"
#include "ztsdb/core/status.h"
#include "ztsdb/core/series_filter.h"

namespace ztsdb::core {

constexpr uint16_t kMaxColumns = 64;

/* Which columns a table has; identical in every file of one table. */
struct ChunkLayout
{
	uint16_t	ncols;
	int16_t		time_col;		/* index of the time column, always >= 0 */
	int16_t		series_col;		/* index of the series column, -1 if none */
	ColumnType	types[kMaxColumns];
};

enum ChunkTier : uint8_t
{
	kTierHot = 0,				/* only in ztsdb.chunks(); never in a file */
	kTierWarm = 1,
	kTierCold = 2
};

constexpr uint32_t kChunkSorted = 0x1;	/* rows ordered by (series, ts) */

/* One run of rows written by one (xid, command id). */
struct BatchEntry
{
	uint32_t	row_start;		/* first row of the run; runs are in row order */
	uint32_t	xid;			/* TransactionId (a subtransaction's, if any) */
	uint32_t	cid;			/* CommandId */
	uint32_t	reserved;		/* writer generation of xid (record_format.h) */
};

/* Facts about one chunk, stored in its file header and in the manifest. */
struct ChunkMeta
{
	uint64_t	chunk_id;		/* unique within the table, never reused */
	int64_t		min_ts;			/* smallest time value (microseconds) */
	int64_t		max_ts;			/* largest time value */
	uint32_t	nrows;
	uint32_t	flags;			/* kChunkSorted */
	uint8_t		tier;			/* ChunkTier */
};

/* Column arrays handed to an encoder: values at ColumnWidth(type) bytes each. */
struct ColumnInput
{
	const void *values;
	const uint8_t *validity;	/* bit i set = row i not NULL; nullptr = none NULL */
};

/*
 * One block of a chunk file as a reader sees it.  A warm file has a single
 * block holding all rows; a cold file has one block per series run, at most
 * kColdBlockRows rows each (short runs packed together, kColdPackedRun), so
 * a reader can skip blocks by series and time.
 */
struct BlockInfo
{
	uint32_t	row_start;		/* first row of the block within the chunk */
	uint32_t	nrows;
	int64_t		min_ts;
	int64_t		max_ts;
	int64_t		min_series;		/* 0 when the table has no series column */
	int64_t		max_series;
};

/*
 * 2048: a block's directory entries and codec headers cost about 120 bytes
 * for three columns; at 1024 rows that was 0.12 bytes a point, a fifth of
 * the scraped data's whole cold size.  Longer blocks cost decoding: a query
 * for an hour of every series decodes whole blocks.  Measured (codec-bench
 * chunk files, B/pt, scraped / DevOps): 1024 rows 0.528 / 1.653, 2048 rows
 * 0.471 / 1.594, 4096 rows 0.443 / 1.564; make bench Q3 on cold data
 * (ztsdb / heap+btree) was 0.108 at 1024 rows and 0.193 at 4096.
 */
constexpr uint32_t kColdBlockRows = 2048;

/*
 * A series run shorter than this shares its cold block with its neighbours
 * (whole runs, up to kColdBlockRows).  Without it a chunk of 100,000 series
 * with ten rows each had 100,000 blocks: every open checksummed and walked
 * an 11 MB directory (cold one-series queries 25x heap+btree, against 0.35x
 * at 500 series) and each block's codec headers outweighed its data.  Runs
 * this long or longer keep a block of their own: one-series reads decode
 * only their rows, the directory costs at most 40 + 24 * ncols bytes per
 * kColdPackedRun rows.  Files need no new version: readers always took a
 * block's min/max series as a range and checked each row's series.
 */
constexpr uint32_t kColdPackedRun = 256;

/*
 * Packed short runs fill a block up to 512 rows, not kColdBlockRows: a
 * query for a few series decodes whole blocks, and at 100,000 series (50
 * rows each a day) a 2048-row block is forty series, thirty-nine of them
 * decoded for nothing.  Measured (5M rows, one day, cold, ten series over an
 * hour, pgbench -M prepared): 0.37 ms at 2048 rows, 0.27 ms at 512; the
 * files grew from 2.23 to 2.48 bytes a row (more codec headers).  Tables
 * whose series have kColdPackedRun rows or more in a chunk do not pack.
 */
constexpr uint32_t kColdPackedBlockRows = 512;

/*
 * MaxChunkFileSize returns a size no warm file of these dimensions exceeds
 * (for sizing the output buffer).  A cold file's size depends on its data:
 * when it does not fit, EncodeChunkFile returns kNoSpace with *out_len set
 * to the size it needs, and the caller retries with that much.
 */
size_t		MaxChunkFileSize(const ChunkLayout &layout, uint32_t nrows,
							 uint32_t nbatches) noexcept;

/*
 * EncodeChunkFile writes a warm (meta.tier == kTierWarm) or cold file.
 * Rows must already be in their final order (sorted when meta.flags has
 * kChunkSorted).  batches/nbatches: the batch table, required when the file
 * is unsorted, nbatches == 0 otherwise.  *out_len receives the file size.
 */
Status		EncodeChunkFile(const ChunkLayout &layout, const ChunkMeta &meta,
							const ColumnInput *columns,
							const BatchEntry *batches, uint32_t nbatches,
							uint8_t *out, size_t out_cap, size_t *out_len) noexcept;

/*
 * ChunkReader reads a chunk file held in memory (usually mmap'd).  It never
 * copies warm columns; it keeps pointers into the caller's bytes, which must
 * outlive it.  POD: safe to palloc and to leave behind on ereport.
 */
struct ChunkReader
{
	const uint8_t *data;
	size_t		len;
	ChunkLayout layout;
	ChunkMeta	meta;
	uint32_t	nbatches;
	const uint8_t *batches;		/* nbatches BatchEntry, unaligned: use GetBatch */
	uint32_t	nblocks;
	const uint8_t *block_index; /* private: per-block directory */
	const uint8_t *column_dir;	/* private: per-column directory (warm) */
};

/*
 * OpenChunkFile validates the header, the directories, every bound and,
 * with verify_data, every block's CRC32C, and fills *reader.  Fails with
 * kCorrupt naming what is wrong.  Without verify_data the data bytes are
 * trusted (the caller verified this very file before; files never change
 * once written): accessors stay in bounds either way.
 */
Status		OpenChunkFile(const uint8_t *data, size_t len, ChunkReader *reader,
						  bool verify_data = true) noexcept;

/* GetBatch copies batch entry i (i < nbatches) into *entry. */
void		GetBatch(const ChunkReader &reader, uint32_t i, BatchEntry *entry) noexcept;

/* GetBlockInfo copies the description of block b (b < nblocks). */
void		GetBlockInfo(const ChunkReader &reader, uint32_t b, BlockInfo *info) noexcept;

/*
 * WarmColumn returns zero-copy pointers to column c of a warm file: values
 * (meta.nrows * width bytes, aligned to 8 in the file) and validity
 * (nullptr when the column has no NULLs).
 */
Status		WarmColumn(const ChunkReader &reader, uint16_t c, const void **values,
					   const uint8_t **validity) noexcept;

/*
 * DecodeColdColumn decodes column c of cold block b into values (room for
 * info.nrows * width bytes) and validity (room for (nrows + 7) / 8 bytes,
 * all bits set when the block has no NULLs); only rows [0, limit) when
 * the codec can stop early (DecodeColumn).
 */
Status		DecodeColdColumn(const ChunkReader &reader, uint32_t b, uint16_t c,
							 void *values, uint8_t *validity,
							 uint32_t limit = UINT32_MAX) noexcept;

/*
 * The manifest lists a table's warm and cold chunks and what its sealed
 * files cover of the sidecar WAL, so that replay after a crash re-applies
 * exactly the rows no file holds.  Coverage is kept per time window: the
 * hot chunks of one window receive rows in (lsn, row index) order, so a
 * window's sealed files always hold a prefix of that order, up to
 * (cover_lsn, cover_row) inclusive.
 */
struct ManifestChunk
{
	ChunkMeta	meta;
	uint64_t	file_bytes;		/* size of the chunk file */
	uint64_t	raw_bytes;		/* size the rows take as plain arrays */
	SeriesFilter filter;		/* series of its rows (not valid: unknown) */
};

struct ManifestWindow
{
	int64_t		window_start;	/* microseconds, a multiple of the chunk interval */
	uint64_t	cover_lsn;		/* last WAL record whose rows of this window are sealed */
	uint32_t	cover_row;		/* last row index within that record */
	uint32_t	reserved;
};

struct ManifestHeader
{
	ChunkLayout layout;
	uint64_t	next_chunk_id;
	uint32_t	nchunks;
	uint32_t	nwindows;
	uint16_t	version;		/* set by DecodeManifest; Encode writes the newest */
	uint32_t	chunk_bytes;	/* set by DecodeManifest: bytes of one chunk entry */
};

/* MaxManifestSize returns the bytes EncodeManifest needs at most. */
size_t		MaxManifestSize(uint32_t nchunks, uint32_t nwindows) noexcept;

Status		EncodeManifest(const ManifestHeader &header, const ManifestChunk *chunks,
						   const ManifestWindow *windows, uint8_t *out, size_t out_cap,
						   size_t *out_len) noexcept;

/*
 * DecodeManifest validates data (CRC32C, sizes) and fills *header; chunks
 * and windows point into data (unaligned: use GetManifestChunk/Window).
 */
Status		DecodeManifest(const uint8_t *data, size_t len, ManifestHeader *header,
						   const uint8_t **chunks, const uint8_t **windows) noexcept;
void		GetManifestChunk(const ManifestHeader &header, const uint8_t *chunks, uint32_t i,
							 ManifestChunk *out) noexcept;
void		GetManifestWindow(const uint8_t *windows, uint32_t i, ManifestWindow *out) noexcept;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
