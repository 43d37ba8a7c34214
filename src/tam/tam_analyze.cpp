/*-------------------------------------------------------------------------
 *
 * tam_analyze.cpp
 *	  What ANALYZE and VACUUM learn about a ztsdb table: a row sample read
 *	  from a few slices of its chunks, and live/dead counts from its batch
 *	  tables, without reading every row.
 *
 * ANALYZE (acquire_sample_rows) asks relation_size for a block count, picks
 * min(targrows, blocks) block numbers at random, in ascending order, keeps
 * a reservoir sample of targrows of the rows scan_analyze_next_tuple
 * returns, and estimates the table's rows as (live rows counted / blocks
 * sampled) x blocks.  A ztsdb table has no pages, so it offers pseudo-
 * blocks: every source of rows, in scan order (the transaction's own
 * unflushed rows, each hot chunk, each chunk file), is cut into slices of
 * slice_rows rows, its last slice shorter; slice k of a source is block
 * first + k.  relation_size and the sampling scan compute this map from the
 * same counts (the manifest's row counts and the published hot row counts),
 * and the scan reuses the slice size relation_size chose just before, so
 * they agree unless the writer moved or added rows in between; a block past
 * the scan's map is then refused, and that ANALYZE's estimate is off by the
 * rows that moved.
 *
 * slice_rows is kSliceRows, a cold block's worth of rows, doubled as often
 * as needed to keep the blocks within kMaxBlocks.  Smaller slices would not
 * read fewer rows (see below), but ANALYZE pays per sampled block for
 * itself: a prefetch request, which for us is a buffer-table lookup and a
 * posix_fadvise of our empty main fork, and progress reporting.  With
 * 128-row slices those were a fifth of ANALYZE's time (perf, 3M rows in
 * one cold chunk).  The cap:
 * PrefetchBuffer of a block past the main fork's first segment fails unless
 * that segment is full, and ours is a sparse file only as long as the chunk
 * files (storage_tier.cpp, UpdateApparentSize); any block within it is
 * fine.  pg_class.relpages therefore counts pseudo-blocks.
 *
 * Block sampling alone would read every row of every sampled block: a whole
 * table up to targrows x slice_rows rows, as heap's ANALYZE reads up to
 * targrows pages.  Instead a sampled slice returns each of its rows with
 * probability p (a Bernoulli sample drawn as geometric gaps, so skipped
 * rows cost nothing), p chosen so that the sampled slices yield about
 * kPickMargin x targrows rows, of which the reservoir keeps targrows (rows
 * of transactions in progress or aborted, which ANALYZE does not get, are
 * discounted by the share of them among kPilotRows random rows of the hot
 * chunks and unsorted files: a bulk load in progress can hold most of a
 * table's hot rows).  Every
 * row has the same chance to be in the sample: rows of one series, adjacent
 * in sorted files, are not sampled in clumps, which would fool the n_distinct
 * estimate.  The callbacks are not told targrows, so AnalyzeTargetRows
 * computes it as ANALYZE does; ANALYZE of some columns only wants fewer
 * rows, and the extra ones cost time, not accuracy.
 *
 * Counting: a slice that needs no visibility check (own unflushed rows, and
 * sorted chunk files, which hold committed rows only) adds its row count to
 * liverows exactly.  Where visibility is decided per batch (hot chunks and
 * unsorted files), a slice of at most kExactBatches batches is counted
 * exactly too, batch by batch.  A slice of more (a hot chunk of single-row
 * commits has a batch per row, and checking them all would cost what
 * sampling saves) checks only the batches of its picked rows, and each
 * picked row counts for 1/p rows, live or dead (the Horvitz-Thompson
 * estimate, unbiased; with 1.1 x 30000 picks its error is about 0.5%).
 * Rows of transactions still in progress count as neither, as heap's
 * ANALYZE counts them.
 *
 * Cold files decode a whole block (up to kColdBlockRows rows of each column)
 * to reach any of its rows; the scan keeps the last decoded block and picks
 * rows in ascending order, so each cold block is decoded at most once per
 * ANALYZE, and not at all when none of its rows is picked.  Warm files and
 * hot chunks are read in place.  Files are opened without verifying their
 * data checksums (headers, directories and bounds are still checked, and
 * the decoders stay in bounds on any bytes): verifying reads every byte of
 * every file, in every new autovacuum worker: the very cost sampling
 * avoids.  The next scan of a file verifies it as usual.
 *
 * VACUUM has nothing to remove (rows are never updated or deleted in place;
 * rows of aborted transactions go when their chunk is sealed), but reports
 * live and dead counts as heap's VACUUM does, from the same per-batch
 * decisions, reading the manifest and batch tables only (CountRows).
 *
 * Memory: the sampling scan's own context, child of the caller's, holds the
 * view (whose reset callback unpins and unmaps) and a child context for the
 * decoded cold block; an error anywhere frees both.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_analyze.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_scan.h"
#include "ztsdb/wal/wal_generation.h"

#include <algorithm>
#include <cmath>

extern "C" {
#include "catalog/pg_statistic_ext.h"
#include "commands/vacuum.h"
#include "common/pg_prng.h"
#include "utils/syscache.h"
}

namespace ztsdb {

/* Rows of one pseudo-block, at least (see the header comment). */
constexpr uint32 kSliceRows = core::kColdBlockRows;

/* Pseudo-blocks at most: all within the main fork's first segment. */
constexpr uint64 kMaxBlocks = RELSEG_SIZE;

/* How many rows the sampled slices should yield, relative to targrows. */
constexpr double kPickMargin = 1.1;

/* Batches a slice may span and still be counted batch by batch. */
constexpr uint32 kExactBatches = 16;

/* Random rows of hot chunks and unsorted files whose fate LiveShare checks. */
constexpr int kPilotRows = 1024;

/*
 * The slice size relation_size chose last, and for which relation: the
 * sampling scan ANALYZE starts right after uses the same, even if rows came
 * meanwhile and tipped the choice.
 */
static Oid	sized_relid = InvalidOid;
static uint32 sized_slice_rows = 0;

static inline uint64
SlicesOf(uint32 nrows, uint32 slice_rows)
{
	return (nrows + (uint64) slice_rows - 1) / slice_rows;
}

enum RowFate
{
	kFateUnknown,
	kFateLive,
	kFateDead,
	kFateInProgress
};

/*
 * BatchFate decides, for VACUUM and ANALYZE, what rows written by one batch
 * are: live (committed, or ours), dead (aborted, or lost with a crashed
 * writer generation) or neither (another transaction still in progress).
 */
static RowFate
BatchFate(const core::BatchEntry &b)
{
	if (BatchVisible(b.xid, b.cid, b.reserved, NULL))
		return kFateLive;
	if (XidTrusted(b.xid, b.reserved) && TransactionIdIsInProgress(b.xid))
		return kFateInProgress;
	return kFateDead;
}

enum ASourceKind : uint8
{
	kABuffer,
	kAHot,
	kAFile
};

/* One source of rows in the pseudo-block map. */
struct ASource
{
	ASourceKind kind;
	int			index;			/* hot chunk or file within the view */
	uint32		nrows;
	BlockNumber first;			/* its first pseudo-block */
};

struct ZtsAnalyzeDesc
{
	TableScanDescData base;
	MemoryContext cxt;
	MemoryContext block_cxt;	/* the decoded cold block */
	core::ChunkLayout layout;
	bool		dict[core::kMaxColumns];	/* text column: decode its codes */
	TableView  *view;

	/* the transaction's own unflushed rows (copied at begin) */
	uint32		buf_rows;
	void	   *buf_values[core::kMaxColumns];
	uint8	   *buf_validity[core::kMaxColumns];

	/* the pseudo-block map, ascending by first */
	uint32		slice_rows;
	ASource    *sources;
	int			nsources;
	BlockNumber nblocks;

	/* the row sample: each row is picked with probability pick */
	double		pick;
	double		weight;			/* 1 / pick: rows one picked row stands for */
	double		log_unpicked;	/* log(1 - pick), < 0; unused when pick is 1 */
	pg_prng_state prng;

	/* the current source */
	int			cur;			/* index into sources, -1 before the first */
	const void *values[core::kMaxColumns];	/* row r is at index r - base_row */
	const uint8 *validity[core::kMaxColumns];
	uint32		base_row;
	const ViewFile *file;		/* kAFile */
	const core::BatchEntry *hot_batches;	/* kAHot */
	uint32		nbatches;		/* 0: no visibility checks (counted exactly) */
	uint32		batch;			/* batch of the last row looked at */
	RowFate		fate;			/* of that batch */
	bool		cold;
	uint32		cold_block;		/* decoded block, valid when cold_hi > cold_lo */
	uint32		cold_lo;
	uint32		cold_hi;

	/* the current block: rows [lo, hi) of the source */
	BlockNumber blockno;
	uint32		lo;
	uint32		hi;
	uint64		next;			/* the next picked row (>= hi: none left) */
	bool		counted;		/* the slice's exact counts were added, if it has them */
	bool		exact;			/* counted exactly: picked rows add no weight */
	uint64		picked;			/* rows looked at in this block (ztsdb.stats) */
};

static void
CorruptFile(const ViewFile *f, const core::Status &st)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", f->path, st.message)));
}

/*
 * AnalyzeTargetRows returns the sample size ANALYZE of every column of rel
 * asks for (do_analyze_rel): 300 x the largest statistics target of its
 * columns (default_statistics_target where unset) and of its extended
 * statistics objects, at least 100.
 */
static int
AnalyzeTargetRows(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			target = 0;
	List	   *ext = RelationGetStatExtList(rel);
	ListCell   *lc;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped)
			target = Max(target, att->attstattarget < 0 ? default_statistics_target
						 : att->attstattarget);
	}
	/* an object without a target of its own uses its columns' (counted above) */
	foreach(lc, ext)
	{
		HeapTuple	tup = SearchSysCache1(STATEXTOID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tup))
			continue;
		target = Max(target, ((Form_pg_statistic_ext) GETSTRUCT(tup))->stxstattarget);
		ReleaseSysCache(tup);
	}
	list_free(ext);
	return Max(100, 300 * target);
}

/* SlicesOfView adds up the slices of the view's sources and buf_rows own rows. */
static uint64
SlicesOfView(const TableView *view, uint32 buf_rows, uint32 slice_rows)
{
	uint64		blocks = SlicesOf(buf_rows, slice_rows);

	for (int i = 0; i < view->nhot; i++)
		blocks += SlicesOf(view->hot[i].nrows, slice_rows);
	for (int i = 0; i < view->nfiles; i++)
		blocks += SlicesOf(view->files[i].entry.meta.nrows, slice_rows);
	return blocks;
}

/*
 * SliceRowsFor returns kSliceRows doubled until the view's slices fit in
 * kMaxBlocks (from 268 million rows on).  XXX: a table of more than
 * kMaxBlocks chunks never fits; ANALYZE then samples its first kMaxBlocks.
 */
static uint32
SliceRowsFor(const TableView *view, uint32 buf_rows)
{
	uint32		slice_rows = kSliceRows;

	while (slice_rows < ((uint32) 1 << 31) &&
		   SlicesOfView(view, buf_rows, slice_rows) > kMaxBlocks)
		slice_rows *= 2;
	return slice_rows;
}

BlockNumber
AnalyzeBlockCount(Relation rel)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb size",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	void	   *values[core::kMaxColumns];
	uint8	   *validity[core::kMaxColumns];
	uint32		buf_rows;
	TableView  *view;
	BlockNumber blocks;

	WaitForRecovery();
	/* as the sampling scan: own rows first, which also waits for our pushed batches */
	buf_rows = BufferRowsForScan(rel, NULL, values, validity);
	view = OpenTableView(rel, false);
	sized_relid = RelationGetRelid(rel);
	sized_slice_rows = SliceRowsFor(view, buf_rows);
	blocks = (BlockNumber) Min(SlicesOfView(view, buf_rows, sized_slice_rows), kMaxBlocks);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return blocks;
}

/* AddSource appends a source of nrows rows to the map (none past kMaxBlocks). */
static void
AddSource(ZtsAnalyzeDesc *scan, ASourceKind kind, int index, uint32 nrows)
{
	ASource    *s;

	if (nrows == 0 || scan->nblocks >= kMaxBlocks)
		return;
	s = &scan->sources[scan->nsources++];
	s->kind = kind;
	s->index = index;
	s->nrows = nrows;
	s->first = scan->nblocks;
	scan->nblocks = (BlockNumber) Min(scan->nblocks + SlicesOf(nrows, scan->slice_rows),
									  kMaxBlocks);
}

/* Gap returns how many rows to pass over before the next picked one. */
static inline uint64
Gap(ZtsAnalyzeDesc *scan)
{
	double		u;
	double		gap;

	if (scan->pick >= 1.0)
		return 0;
	u = 1.0 - pg_prng_double(&scan->prng);	/* (0, 1] */
	gap = floor(log(u) / scan->log_unpicked);
	return gap >= (double) PG_UINT32_MAX ? PG_UINT32_MAX : (uint64) gap;
}

/* EnterSource sets up column pointers and batches of source s. */
static void
EnterSource(ZtsAnalyzeDesc *scan, int s)
{
	const ASource *src = &scan->sources[s];

	scan->cur = s;
	scan->base_row = 0;
	scan->file = NULL;
	scan->hot_batches = NULL;
	scan->nbatches = 0;
	scan->batch = 0;
	scan->fate = kFateUnknown;
	scan->cold = false;
	scan->cold_block = 0;
	scan->cold_lo = scan->cold_hi = 0;
	switch (src->kind)
	{
		case kABuffer:
			for (uint16 c = 0; c < scan->layout.ncols; c++)
			{
				scan->values[c] = scan->buf_values[c];
				scan->validity[c] = scan->buf_validity[c];
			}
			break;
		case kAHot:
			HotColumns(scan->view, src->index, scan->values, scan->validity,
					   &scan->hot_batches);
			scan->nbatches = scan->view->hot[src->index].nbatches;
			break;
		case kAFile:
			{
				const ViewFile *f = &scan->view->files[src->index];

				scan->file = f;
				scan->nbatches = f->reader.nbatches;
				if (f->entry.meta.tier == core::kTierCold)
				{
					scan->cold = true;
					break;
				}
				for (uint16 c = 0; c < scan->layout.ncols; c++)
				{
					core::Status st = core::WarmColumn(f->reader, c, &scan->values[c],
													   &scan->validity[c]);

					if (!st.ok())
						CorruptFile(f, st);
				}
				break;
			}
	}
}

/* BatchStart returns the first row of batch i of the current source. */
static inline uint32
BatchStart(const ZtsAnalyzeDesc *scan, uint32 i)
{
	core::BatchEntry b;

	if (scan->hot_batches != NULL)
		return scan->hot_batches[i].row_start;
	core::GetBatch(scan->file->reader, i, &b);
	return b.row_start;
}

/* IsBatched tells whether source s decides visibility per batch. */
static bool
IsBatched(const ZtsAnalyzeDesc *scan, const ASource *src)
{
	if (src->kind == kAHot)
		return scan->view->hot[src->index].nbatches > 0;
	if (src->kind == kAFile)
		return scan->view->files[src->index].reader.nbatches > 0;
	return false;
}

/* FateOfRow decides row r of a batched source by its batch (cached per batch). */
static RowFate
FateOfRow(ZtsAnalyzeDesc *scan, uint32 r)
{
	core::BatchEntry b;

	if (scan->nbatches == 0 || r < BatchStart(scan, 0))
		return kFateInProgress; /* no batch owns it: nothing to say about it */
	if (r < BatchStart(scan, scan->batch))
	{
		scan->batch = 0;		/* only if blocks came out of order */
		scan->fate = kFateUnknown;
	}
	while (scan->batch + 1 < scan->nbatches && BatchStart(scan, scan->batch + 1) <= r)
	{
		scan->batch++;
		scan->fate = kFateUnknown;
	}
	if (scan->fate == kFateUnknown)
	{
		if (scan->hot_batches != NULL)
			b = scan->hot_batches[scan->batch];
		else
			core::GetBatch(scan->file->reader, scan->batch, &b);
		scan->fate = BatchFate(b);
	}
	return scan->fate;
}

/*
 * LiveShare estimates the share of live rows among the batched_rows rows of
 * hot chunks and unsorted files, from the fates of kPilotRows of them drawn
 * at random (with replacement).  Leaves no source entered.
 */
static double
LiveShare(ZtsAnalyzeDesc *scan, double batched_rows)
{
	uint64	   *pos = static_cast<uint64 *>(palloc(sizeof(uint64) * kPilotRows));
	int			live = 0;
	int			s = 0;
	uint64		base = 0;		/* batched rows before source s */

	for (int i = 0; i < kPilotRows; i++)
		pos[i] = Min((uint64) (pg_prng_double(&scan->prng) * batched_rows),
					 (uint64) batched_rows - 1);
	std::sort(pos, pos + kPilotRows);
	for (int i = 0; i < kPilotRows; i++)
	{
		/* ascending: walk the sources once */
		while (!IsBatched(scan, &scan->sources[s]) || pos[i] >= base + scan->sources[s].nrows)
		{
			if (IsBatched(scan, &scan->sources[s]))
				base += scan->sources[s].nrows;
			s++;
		}
		if (scan->cur != s)
			EnterSource(scan, s);
		if (FateOfRow(scan, (uint32) (pos[i] - base)) == kFateLive)
			live++;
	}
	scan->cur = -1;
	pfree(pos);
	return (double) live / kPilotRows;
}

/* DecodeColdRow makes row r of the current cold file addressable (decodes its block). */
static void
DecodeColdRow(ZtsAnalyzeDesc *scan, uint32 r)
{
	const core::ChunkReader &reader = scan->file->reader;
	core::BlockInfo info;
	MemoryContext old;

	if (r >= scan->cold_lo && r < scan->cold_hi)
		return;
	core::GetBlockInfo(reader, scan->cold_block, &info);
	if (r < info.row_start)
	{
		scan->cold_block = 0;	/* only if blocks came out of order */
		core::GetBlockInfo(reader, 0, &info);
	}
	/* blocks are contiguous and cover every row (OpenChunkFile checked) */
	while (r >= info.row_start + info.nrows && scan->cold_block + 1 < reader.nblocks)
		core::GetBlockInfo(reader, ++scan->cold_block, &info);

	MemoryContextReset(scan->block_cxt);
	old = MemoryContextSwitchTo(scan->block_cxt);
	for (uint16 c = 0; c < scan->layout.ncols; c++)
	{
		void	   *vals = palloc(core::ColumnWidth(scan->layout.types[c]) * Max(info.nrows, 1));
		uint8	   *valid = static_cast<uint8 *>(palloc(core::BitmapBytes(info.nrows) + 1));
		core::Status st = core::DecodeColdColumn(reader, scan->cold_block, c, vals, valid);

		if (!st.ok())
			CorruptFile(scan->file, st);
		scan->values[c] = vals;
		scan->validity[c] = valid;
	}
	MemoryContextSwitchTo(old);
	scan->cold_lo = info.row_start;
	scan->cold_hi = info.row_start + info.nrows;
	scan->base_row = info.row_start;
}

TableScanDesc
AnalyzeBegin(Relation rel, uint32 flags)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb analyze",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ZtsAnalyzeDesc *scan = static_cast<ZtsAnalyzeDesc *>(palloc0(sizeof(ZtsAnalyzeDesc)));
	TableView  *view;
	double		plain_rows = 0;	/* own rows and sorted files: all live */
	double		batched_rows = 0;
	double		sampled_blocks;
	double		expected;
	int			targrows;

	scan->base.rs_rd = rel;
	scan->base.rs_snapshot = NULL;
	scan->base.rs_flags = flags;
	scan->cxt = cxt;
	scan->block_cxt = AllocSetContextCreate(cxt, "ztsdb analyze block", ALLOCSET_DEFAULT_SIZES);
	scan->cur = -1;

	WaitForRecovery();
	WaitForAsyncCommits();
	(void) LayoutOfRelation(rel, &scan->layout, true);
	(void) DictColumns(RelationGetDescr(rel), scan->dict);
	/* NULL snapshot: every committed row and our own, as heap's ANALYZE counts */
	scan->buf_rows = BufferRowsForScan(rel, NULL, scan->buf_values, scan->buf_validity);
	view = OpenTableView(rel, true, PG_INT64_MIN, PG_INT64_MAX, -1, NULL, false);
	scan->view = view;

	scan->slice_rows = sized_relid == RelationGetRelid(rel) ? sized_slice_rows
		: SliceRowsFor(view, scan->buf_rows);
	sized_relid = InvalidOid;
	scan->sources = static_cast<ASource *>(palloc(sizeof(ASource) * (1 + view->nhot + view->nfiles)));
	AddSource(scan, kABuffer, 0, scan->buf_rows);
	for (int i = 0; i < view->nhot; i++)
		AddSource(scan, kAHot, i, view->hot[i].nrows);
	for (int i = 0; i < view->nfiles; i++)
		AddSource(scan, kAFile, i, view->files[i].entry.meta.nrows);
	for (int i = 0; i < scan->nsources; i++)
	{
		if (IsBatched(scan, &scan->sources[i]))
			batched_rows += scan->sources[i].nrows;
		else
			plain_rows += scan->sources[i].nrows;
	}

	/*
	 * ANALYZE samples min(targrows, nblocks) blocks, holding about that
	 * share of the live rows; pick enough of those for a full reservoir.
	 */
	targrows = AnalyzeTargetRows(rel);
	pg_prng_seed(&scan->prng, pg_prng_uint64(&pg_global_prng_state));
	if (batched_rows > 0)
		batched_rows *= LiveShare(scan, batched_rows);
	sampled_blocks = Min((double) targrows, (double) scan->nblocks);
	expected = scan->nblocks > 0
		? (plain_rows + batched_rows) * sampled_blocks / scan->nblocks : 0;
	scan->pick = expected > 0 ? Min(1.0, kPickMargin * targrows / expected) : 1.0;
	scan->weight = 1.0 / scan->pick;
	scan->log_unpicked = scan->pick < 1.0 ? log(1.0 - scan->pick) : 0;
	MemoryContextSwitchTo(old);
	return &scan->base;
}

void
AnalyzeEnd(TableScanDesc sscan)
{
	ZtsAnalyzeDesc *scan = reinterpret_cast<ZtsAnalyzeDesc *>(sscan);

	/* the descriptor lives in its own context: deleting it frees everything */
	MemoryContextDelete(scan->cxt);
}

/*
 * CountSliceExactly adds the live and dead rows of the current slice of a
 * batched source, deciding each batch it spans, if they are at most
 * kExactBatches; false (and nothing added) otherwise.
 */
static bool
CountSliceExactly(ZtsAnalyzeDesc *scan, double *liverows, double *deadrows)
{
	uint32		nrows = scan->sources[scan->cur].nrows;
	uint32		first = 0;
	uint32		end;
	uint32		hi = scan->nbatches;

	/* the batch holding the slice's first row (batches are in row order) */
	while (hi - first > 1)
	{
		uint32		mid = first + (hi - first) / 2;

		if (BatchStart(scan, mid) <= scan->lo)
			first = mid;
		else
			hi = mid;
	}
	for (end = first; end < scan->nbatches && BatchStart(scan, end) < scan->hi; end++)
		if (end - first >= kExactBatches)
			return false;
	for (uint32 i = first; i < end; i++)
	{
		core::BatchEntry b;
		uint32		lo;
		uint32		hi_row;

		if (scan->hot_batches != NULL)
			b = scan->hot_batches[i];
		else
			core::GetBatch(scan->file->reader, i, &b);
		lo = Max(b.row_start, scan->lo);
		hi_row = Min(i + 1 < scan->nbatches ? BatchStart(scan, i + 1) : nrows, scan->hi);
		if (lo >= hi_row)
			continue;
		switch (BatchFate(b))
		{
			case kFateLive:
				*liverows += hi_row - lo;
				break;
			case kFateDead:
				*deadrows += hi_row - lo;
				break;
			default:
				break;
		}
	}
	return true;
}

bool
AnalyzeNextBlock(TableScanDesc sscan, BlockNumber blockno)
{
	ZtsAnalyzeDesc *scan = reinterpret_cast<ZtsAnalyzeDesc *>(sscan);
	int			lo = 0;
	int			hi = scan->nsources;
	const ASource *src;

	if (blockno >= scan->nblocks)
		return false;			/* rows moved since relation_size counted them */
	/* the last source whose first block is <= blockno */
	while (hi - lo > 1)
	{
		int			mid = (lo + hi) / 2;

		if (scan->sources[mid].first <= blockno)
			lo = mid;
		else
			hi = mid;
	}
	if (lo != scan->cur)
		EnterSource(scan, lo);
	src = &scan->sources[lo];
	scan->blockno = blockno;
	scan->lo = (uint32) ((uint64) (blockno - src->first) * scan->slice_rows);
	scan->hi = (uint32) Min((uint64) scan->lo + scan->slice_rows, (uint64) src->nrows);
	scan->next = scan->lo + Gap(scan);
	scan->counted = false;
	scan->picked = 0;
	return true;
}

bool
AnalyzeNextTuple(TableScanDesc sscan, double *liverows, double *deadrows, TupleTableSlot *slot)
{
	ZtsAnalyzeDesc *scan = reinterpret_cast<ZtsAnalyzeDesc *>(sscan);

	if (!scan->counted)
	{
		scan->counted = true;
		if (scan->nbatches == 0)
		{
			*liverows += scan->hi - scan->lo;	/* every row visible */
			scan->exact = true;
		}
		else
			scan->exact = CountSliceExactly(scan, liverows, deadrows);
	}
	ExecClearTuple(slot);
	while (scan->next < scan->hi)
	{
		uint32		r = (uint32) scan->next;
		uint32		i;

		scan->next = (uint64) r + 1 + Gap(scan);
		scan->picked++;
		if (scan->nbatches > 0)
		{
			RowFate		fate = FateOfRow(scan, r);

			if (fate == kFateDead && !scan->exact)
				*deadrows += scan->weight;
			if (fate != kFateLive)
				continue;
			if (!scan->exact)
				*liverows += scan->weight;
		}
		if (scan->cold)
			DecodeColdRow(scan, r);
		i = r - scan->base_row;
		for (uint16 c = 0; c < scan->layout.ncols; c++)
		{
			const uint8 *bits = scan->validity[c];
			bool		isnull = bits != nullptr && !((bits[i >> 3] >> (i & 7)) & 1);

			slot->tts_isnull[c] = isnull;
			if (isnull)
				slot->tts_values[c] = (Datum) 0;
			else if (scan->dict[c])
				slot->tts_values[c] = DictDecode(RelationGetRelid(scan->base.rs_rd), (int16) (c + 1),
												 static_cast<const int32 *>(scan->values[c])[i]);
			else
				slot->tts_values[c] = ColumnDatum(static_cast<uint8>(scan->layout.types[c]),
												  scan->values[c], i);
		}
		ExecStoreVirtualTuple(slot);
		ItemPointerSet(&slot->tts_tid, scan->blockno,
					   (OffsetNumber) Min(r - scan->lo + 1, (uint32) MaxOffsetNumber));
		slot->tts_tableOid = RelationGetRelid(scan->base.rs_rd);
		return true;
	}
	if (scan->picked > 0)
		StatAdd(kStatAnalyzeRows, scan->picked);
	scan->picked = 0;
	return false;
}

/* CountBatches adds the rows of batches[0 .. nbatches) (rows [0, nrows)) by fate. */
template<typename GetEntry>
static void
CountBatches(uint32 nbatches, uint32 nrows, GetEntry get, double *live, double *dead)
{
	for (uint32 i = 0; i < nbatches; i++)
	{
		core::BatchEntry b = get(i);
		uint32		end = i + 1 < nbatches ? get(i + 1).row_start : nrows;

		end = Min(end, nrows);
		if (b.row_start >= end)
			continue;
		switch (BatchFate(b))
		{
			case kFateLive:
				*live += end - b.row_start;
				break;
			case kFateDead:
				*dead += end - b.row_start;
				break;
			default:
				break;
		}
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
}

void
CountRows(Relation rel, double *live, double *dead, BlockNumber *blocks)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb vacuum",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TableView  *view;

	*live = 0;
	*dead = 0;
	WaitForRecovery();
	WaitForPushed();
	/* unsorted files keep their batch tables inside: open, as ANALYZE does */
	view = OpenTableView(rel, true, PG_INT64_MIN, PG_INT64_MAX, -1, NULL, false);
	for (int h = 0; h < view->nhot; h++)
	{
		const void *values[core::kMaxColumns];
		const uint8 *validity[core::kMaxColumns];
		const core::BatchEntry *batches;

		HotColumns(view, h, values, validity, &batches);
		CountBatches(view->hot[h].nbatches, view->hot[h].nrows,
					 [batches](uint32 i) { return batches[i]; }, live, dead);
	}
	for (int i = 0; i < view->nfiles; i++)
	{
		const core::ChunkReader &reader = view->files[i].reader;

		if (reader.nbatches == 0)
			*live += reader.meta.nrows;		/* sorted at seal: committed rows only */
		else
			CountBatches(reader.nbatches, reader.meta.nrows,
						 [&reader](uint32 b) {
							 core::BatchEntry e;

							 core::GetBatch(reader, b, &e);
							 return e;
						 }, live, dead);
	}
	/* VACUUM never runs in a transaction block: no unflushed rows of our own */
	*blocks = (BlockNumber) Min(SlicesOfView(view, 0, SliceRowsFor(view, 0)), kMaxBlocks);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

} // namespace ztsdb
