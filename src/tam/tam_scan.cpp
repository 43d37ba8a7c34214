/*-------------------------------------------------------------------------
 *
 * tam_scan.cpp
 *	  Sequential scans: the transaction's unflushed rows, hot chunks, warm
 *	  files and cold files, each row once.
 *
 * At scan_begin the scan takes a table view (storage_read.cpp) and a copy
 * of the transaction's visible buffered rows; sources are then read one
 * after the other as "runs": a column pointer per column and a row range.
 * Hot chunks and unsorted files yield one run per visible batch (the
 * snapshot is checked once per batch, never per row); sorted warm files
 * one run; cold files one run per block, decoded into scratch memory.
 *
 * Bounded scans (ScanBeginBounded) skip what the bounds exclude and, with
 * value filters (query_filter.h), return from getnextslot only rows passing
 * them, tested on the arrays before a Datum is formed; a cold block is
 * first decoded in its time, series and filter columns only, and left
 * there if no row passes.
 *
 * Memory: the scan's own context, child of the caller's; its reset callback
 * unpins and unmaps, so an error anywhere frees everything (scan_end is not
 * called then).
 *
 * ANALYZE's scans (SO_TYPE_ANALYZE) are another kind of descriptor, which
 * reads a sample of the rows (tam_analyze.cpp); scan_begin and scan_end
 * hand them over.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/query/query_filter.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_analyze.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_numeric.h"
#include "ztsdb/tam/tam_scan.h"
#include "ztsdb/wal/wal_generation.h"

#include <algorithm>

namespace ztsdb {

enum SourceKind
{
	kSrcBuffer,
	kSrcHot,
	kSrcFile,
	kSrcDone
};

/*
 * DictMemo: a text column's last decoded codes, direct-mapped by the code's
 * low bits.  Decoding goes through the backend's dictionary hash (a hashed
 * key of relation, column and code per value); rows of one series share
 * their tags, so an output row's ten tags are mostly the previous row's.
 * The cached Datums point into the dictionary's code entries, which are
 * never removed, so they stay valid for the scan's life.
 */
constexpr int kDictMemoSlots = 64;

struct DictMemo
{
	int64		code[kDictMemoSlots];	/* -1: empty (codes are int32) */
	Datum		value[kDictMemoSlots];
};

struct ZtsScanDesc
{
	TableScanDescData base;
	MemoryContext cxt;
	MemoryContext scratch;		/* reset per cold block */
	core::ChunkLayout layout;
	bool		dict[core::kMaxColumns];	/* text column: decode its codes */
	struct DictMemo *memo[core::kMaxColumns];	/* dict column: its recent codes */
	void	   *numbuf[core::kMaxColumns];	/* numeric column: its Datum for the
											 * current row (kNumericDatumBytes) */
	TableView  *view;

	/* the transaction's own unflushed rows (copied at begin) */
	uint32		buf_rows;
	void	   *buf_values[core::kMaxColumns];
	uint8	   *buf_validity[core::kMaxColumns];

	/* position */
	SourceKind	kind;
	int			source;			/* index within kind */
	uint32		part;			/* batch or block index within the source */
	bool		started;		/* the current source is set up */

	/* the current run */
	const void *values[core::kMaxColumns];
	const uint8 *validity[core::kMaxColumns];
	uint32		row;
	uint32		row_end;

	/* per-source state */
	const core::BatchEntry *batches;
	uint32		nbatches;
	uint32		nrows;

	TimestampTz begun;			/* for the query latency histogram */

	/* bounded scans (query_scan.cpp): what may be skipped, what was */
	bool		bounded;
	ScanBounds	bounds;
	ScanCounters counters;
	/* sorted warm file with a series filter: row ranges of those series */
	uint32	   *ranges;			/* pairs [lo, hi) */
	uint32		nranges;
	/* hot chunk with a series filter: its wanted rows, from the series index */
	uint32	   *hot_rows;		/* ascending; NULL: walk the batches */
	uint32		hot_nrows;
	uint32		hot_pos;
	int			vis_part;		/* batch whose visibility vis_ok holds, -1 none */
	bool		vis_ok;
	/*
	 * getnextslot of a bounded scan: the rows of the current run passing the
	 * bounds and value filters, sel[sel_pos .. nsel), found a window of rows
	 * at a time (SelectRows).  A filtered cold block's are found for the
	 * whole block by ColdBlockMayPass, in the scratch context.
	 */
	uint32	   *sel;			/* sel_buf, or a cold block's */
	uint32		nsel;
	uint32		sel_pos;
	uint32	   *sel_buf;		/* kSelectRows, in cxt */
	bool		by_runs;		/* ScanNextRun's caller reads whole runs */
	/*
	 * A hot chunk's sparse selection, gathered (GatherSelected): the
	 * columns of sel's rows copied contiguously, read at index sel_pos - 1
	 * instead of at the row.  NULL until a scan first needs them.
	 */
	bool		gathered;
	void	   *win_values[core::kMaxColumns];	/* kSelectRows values, in cxt */
	uint8	   *win_validity[core::kMaxColumns];	/* a byte per row: 1 valid */
};

/* rows SelectRows looks at a time: its row numbers stay in the L1 cache */
constexpr uint32 kSelectRows = 1024;

/*
 * A hot chunk's window whose selection keeps at most one row in this many
 * is gathered (GatherSelected).  Hot rows are in arrival order, so the rows
 * a filter keeps lie scattered over the window: read one at a time, with
 * PostgreSQL's output work in between, each of the row's columns is a cache
 * miss of its own.  Copied column by column, the misses overlap.  Sorted
 * files keep a series' rows together, and dense selections share cache
 * lines: neither gains.
 */
constexpr uint32 kGatherSparse = 4;

/*
 * SeriesWantedWithin tells whether some series of b lies in [lo_s, hi_s] (a
 * cold block's series range: short series runs share blocks, chunk_file.h).
 * b.series is sorted; nseries < 0 means any series.
 */
static bool
SeriesWantedWithin(const ScanBounds &b, int64 lo_s, int64 hi_s)
{
	const int64 *first;

	if (b.nseries < 0)
		return true;
	first = std::lower_bound(b.series, b.series + b.nseries, lo_s);
	return first != b.series + b.nseries && *first <= hi_s;
}

bool
SeriesWanted(const ScanBounds &b, int64 s)
{
	return SeriesWantedWithin(b, s, s);
}

/*
 * HotRowsByScan finds the rows of the wanted series in the bounds' time
 * window in the current hot chunk by one pass over its series column, for
 * chunks whose series index overflowed (more distinct series than its
 * slots: a table of 100,000 series, rows arriving in time order); blocks
 * whose zone (storage.h) misses the wanted series or the time window are
 * skipped (counted as blocks scanned and skipped).  The rows then take the indexed
 * path: visibility per batch, only matching rows handed on, instead of
 * every row going through SelectRows (or ZtsdbAgg's own row checks).
 * Allocates the row list in the current memory context.
 */
static void
HotRowsByScan(ZtsScanDesc *scan)
{
	const void *sv = scan->values[scan->layout.series_col];
	const uint8 *valid = scan->validity[scan->layout.series_col];
	core::ColumnType st = scan->layout.types[scan->layout.series_col];
	int64		lo = scan->bounds.series[0];
	int64		hi = scan->bounds.series[scan->bounds.nseries - 1];
	const int64 *ts = static_cast<const int64 *>(scan->values[scan->layout.time_col]);
	const HotZone *zones = HotZones(scan->view, scan->source);
	uint32		n = 0;
	uint32	   *out = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(scan->nrows, 1)));

	for (uint32 b0 = 0; b0 < scan->nrows; b0 += kHotZoneRows)
	{
		uint32		b1 = Min(scan->nrows, b0 + kHotZoneRows);

		/* a block whose series and times miss the bounds is skipped whole */
		if (zones != NULL)
		{
			const volatile HotZone *z = &zones[b0 / kHotZoneRows];

			if (z->max_ts < scan->bounds.min_ts || z->min_ts > scan->bounds.max_ts ||
				!SeriesWantedWithin(scan->bounds, z->min_series, z->max_series))
			{
				scan->counters.blocks_skipped++;
				continue;
			}
			scan->counters.blocks_scanned++;
		}
		for (uint32 r = b0; r < b1; r++)
		{
			int64		v;

			if (valid != nullptr && !((valid[r >> 3] >> (r & 7)) & 1))
				continue;		/* NULL series never equals anything */
			v = core::IntegerAt(st, sv, r);
			if (v < lo || v > hi || ts[r] < scan->bounds.min_ts || ts[r] > scan->bounds.max_ts)
				continue;
			if (scan->bounds.nseries == 1 || SeriesWanted(scan->bounds, v))
				out[n++] = r;
		}
	}
	scan->hot_rows = out;
	scan->hot_nrows = n;
}

/* GatherValues copies the values of rows[0 .. n) of a column of T. */
template <typename T>
static void
GatherValues(const void *src, const uint32 *rows, uint32 n, void *dst)
{
	const T    *in = static_cast<const T *>(src);
	T		   *out = static_cast<T *>(dst);

	for (uint32 i = 0; i < n; i++)
		out[i] = in[rows[i]];
}

/* GatherColumn copies the values of rows[0 .. n) of a column of width w. */
static void
GatherColumn(const void *src, Size w, const uint32 *rows, uint32 n, void *dst)
{
	switch (w)
	{
		case 8:
			GatherValues<int64>(src, rows, n, dst);
			break;
		case 4:
			GatherValues<int32>(src, rows, n, dst);
			break;
		case 2:
			GatherValues<int16>(src, rows, n, dst);
			break;
		case 1:
			GatherValues<uint8>(src, rows, n, dst);
			break;
		default:
			/* wider slots (numeric: 24 bytes) */
			for (uint32 i = 0; i < n; i++)
				memcpy(static_cast<uint8 *>(dst) + i * w,
					   static_cast<const uint8 *>(src) + (Size) rows[i] * w, w);
			break;
	}
}

/*
 * GatherSelected copies the current window's selected rows (sel[0 .. nsel))
 * of every column the scan reads into win_values/win_validity, and renumbers
 * sel as 0 .. nsel - 1.
 */
static void
GatherSelected(ZtsScanDesc *scan)
{
	uint32		n = scan->nsel;
	const uint32 *sel = scan->sel;

	for (uint16 c = 0; c < scan->layout.ncols; c++)
	{
		Size		w = core::ColumnWidth(scan->layout.types[c]);
		const uint8 *bits = scan->validity[c];
		const uint8 *src = static_cast<const uint8 *>(scan->values[c]);

		if (src == NULL)
			continue;
		if (scan->win_values[c] == NULL)
		{
			scan->win_values[c] = MemoryContextAlloc(scan->cxt, w * kSelectRows);
			scan->win_validity[c] = static_cast<uint8 *>(MemoryContextAlloc(scan->cxt, kSelectRows));
		}
		GatherColumn(src, w, sel, n, scan->win_values[c]);
		if (bits != nullptr)
			for (uint32 i = 0; i < n; i++)
				scan->win_validity[c][i] = (bits[sel[i] >> 3] >> (sel[i] & 7)) & 1;
	}
	for (uint32 i = 0; i < n; i++)
		scan->sel[i] = i;
	scan->gathered = true;
}

/* AllRowsValid tells whether bits 0 .. n-1 of a validity bitmap are all set. */
static bool
AllRowsValid(const uint8 *bits, uint32 n)
{
	for (uint32 i = 0; i < n / 8; i++)
		if (bits[i] != 0xFF)
			return false;
	for (uint32 i = n & ~7u; i < n; i++)
		if (!((bits[i >> 3] >> (i & 7)) & 1))
			return false;
	return true;
}


/*
 * GatherHotRows keeps the visible rows of the current hot chunk's row list
 * (hot_rows: the wanted series' rows in the time window, ascending) and
 * copies their columns into arrays of the scratch context, which become
 * the current values and validity: the rows are then one run [0, n), as a
 * sorted warm file's are, instead of n runs of one row each (a ZtsdbAgg
 * computing an argument or finding its groups paid its per-run cost for
 * every row).  Columns the caller does not read (bounds.need_cols) are
 * left out (NULL, as cold blocks leave them), except the time and series
 * columns, which SelectRows reads.  Returns n.
 */
static uint32
GatherHotRows(ZtsScanDesc *scan)
{
	uint32	   *rows = scan->hot_rows;
	uint32		n = 0;

	/* visibility per batch; rows ascending, so batches are met in order */
	for (uint32 i = 0; i < scan->hot_nrows; i++)
	{
		uint32		r = rows[i];

		while (scan->part + 1 < scan->nbatches && scan->batches[scan->part + 1].row_start <= r)
			scan->part++;
		if ((int) scan->part != scan->vis_part)
		{
			const core::BatchEntry *b = &scan->batches[scan->part];

			scan->vis_part = (int) scan->part;
			scan->vis_ok = BatchVisible(b->xid, b->cid, b->reserved, scan->base.rs_snapshot);
		}
		if (scan->vis_ok)
			rows[n++] = r;
	}
	if (n == 0)
		return 0;
	for (uint16 c = 0; c < scan->layout.ncols; c++)
	{
		/* what the caller reads, and what the value filters read */
		uint64		need = scan->bounds.need_cols == 0 ? 0 :
			scan->bounds.need_cols | FilterColumns(scan->bounds.filters, scan->bounds.nfilters);
		const uint8 *bits = scan->validity[c];
		void	   *vals;
		uint8	   *out_bits = NULL;

		if (need != 0 && !((need >> c) & 1) && c != scan->layout.time_col &&
			c != scan->layout.series_col)
		{
			scan->values[c] = NULL;
			scan->validity[c] = NULL;
			continue;
		}
		vals = MemoryContextAlloc(scan->scratch, core::ColumnWidth(scan->layout.types[c]) * (Size) n);
		GatherColumn(scan->values[c], core::ColumnWidth(scan->layout.types[c]), rows, n, vals);
		if (bits != nullptr)
		{
			bool		all = true;

			out_bits = static_cast<uint8 *>(MemoryContextAllocZero(scan->scratch, core::BitmapBytes(n) + 1));
			for (uint32 i = 0; i < n; i++)
			{
				if ((bits[rows[i] >> 3] >> (rows[i] & 7)) & 1)
					out_bits[i >> 3] |= (uint8) (1 << (i & 7));
				else
					all = false;
			}
			if (all)
				out_bits = NULL;
		}
		scan->values[c] = vals;
		scan->validity[c] = out_bits;
	}
	return n;
}

/*
 * SeriesRowWanted tells whether row r of the current run is of a series
 * the bounds want (bounds.nseries >= 0).
 */
static inline bool
SeriesRowWanted(const ZtsScanDesc *scan, uint32 r)
{
	const uint8 *bits = scan->validity[scan->layout.series_col];

	if (bits != nullptr && !((bits[r >> 3] >> (r & 7)) & 1))
		return false;			/* NULL series never equals anything */
	return SeriesWanted(scan->bounds,
						core::IntegerAt(scan->layout.types[scan->layout.series_col],
										scan->values[scan->layout.series_col], r));
}

/*
 * SelectRows puts into sel the rows of [from, to) of the current run that
 * pass the bounds and the value filters, ascending, and returns how many;
 * *in_bounds is set to the count passing the bounds (the rest of those the
 * filters removed).  Column at a time: the time test, the series test and
 * each filter is one loop over the rows still selected.
 */
static uint32
SelectRows(const ZtsScanDesc *scan, uint32 from, uint32 to, uint32 *sel, uint32 *in_bounds)
{
	const int64 *ts = static_cast<const int64 *>(scan->values[scan->layout.time_col]);
	int64		lo = scan->bounds.min_ts;
	int64		hi = scan->bounds.max_ts;
	uint32		n = 0;

	for (uint32 r = from; r < to; r++)
	{
		sel[n] = r;
		n += (ts[r] >= lo) & (ts[r] <= hi);
	}
	if (scan->bounds.nseries >= 0)
	{
		uint32		k = 0;

		for (uint32 i = 0; i < n; i++)
			if (SeriesRowWanted(scan, sel[i]))
				sel[k++] = sel[i];
		n = k;
	}
	*in_bounds = n;
	for (int i = 0; i < scan->bounds.nfilters && n > 0; i++)
		n = FilterSelect(scan->bounds.filters[i], scan->values, scan->validity, sel, n);
	return n;
}

/*
 * SortedSeriesAt returns row r's series as sorted files order them: NULL
 * first (PG_INT64_MIN).
 */
static inline int64
SortedSeriesAt(const ZtsScanDesc *scan, uint32 r)
{
	const uint8 *sn = scan->validity[scan->layout.series_col];

	return (sn == nullptr || ((sn[r >> 3] >> (r & 7)) & 1))
		? core::IntegerAt(scan->layout.types[scan->layout.series_col],
						  scan->values[scan->layout.series_col], r)
		: PG_INT64_MIN;
}

/* SeriesScanOfSorted: a scan for some series over a file sorted by (series, ts) */
static inline bool
SeriesScanOfSorted(const ZtsScanDesc *scan, const ViewFile *f)
{
	return scan->bounded && scan->bounds.nseries > 0 && scan->layout.series_col >= 0 &&
		(f->reader.meta.flags & core::kChunkSorted);
}

/*
 * SeriesRanges finds, in a file or cold block sorted by (series, ts), the
 * rows of each wanted series within the time bounds, by binary search:
 * ranges[0 .. 2 * nranges), allocated in cxt, descending (runs are taken
 * from the end).
 */
static void
SeriesRanges(ZtsScanDesc *scan, uint32 nrows, MemoryContext cxt)
{
	const int64 *ts = static_cast<const int64 *>(scan->values[scan->layout.time_col]);
	auto		before = [&](uint32 r, int64 s, int64 t) {
		int64		rs = SortedSeriesAt(scan, r);

		return rs < s || (rs == s && ts[r] < t);
	};
	auto		lower = [&](int64 s, int64 t) {
		uint32		lo = 0;
		uint32		hi = nrows;

		while (lo < hi)
		{
			uint32		mid = lo + (hi - lo) / 2;

			if (before(mid, s, t))
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	};

	scan->ranges = static_cast<uint32 *>(
		MemoryContextAlloc(cxt, sizeof(uint32) * 2 * Max(scan->bounds.nseries, 1)));
	scan->nranges = 0;
	for (int i = scan->bounds.nseries - 1; i >= 0; i--)
	{
		int64		s = scan->bounds.series[i];
		uint32		lo = lower(s, scan->bounds.min_ts);
		uint32		hi = scan->bounds.max_ts == PG_INT64_MAX
			? lower(s == PG_INT64_MAX ? s : s + 1, PG_INT64_MIN)
			: lower(s, scan->bounds.max_ts + 1);

		if (s == PG_INT64_MAX && scan->bounds.max_ts == PG_INT64_MAX)
			hi = nrows;
		if (lo < hi)
		{
			scan->ranges[2 * scan->nranges] = lo;
			scan->ranges[2 * scan->nranges + 1] = hi;
			scan->nranges++;
		}
	}
}

bool
BatchVisible(TransactionId xid, CommandId cid, uint32 gen, Snapshot snapshot)
{
	if (gen < CurrentGeneration() && SidecarCommitted(xid, gen))
		return true;			/* committed by its marker alone, before a crash */
	if (!XidTrusted(xid, gen))
		return false;			/* its transaction died in a crash; the xid may be reused */
	if (unlikely(cid == core::kMarkerDecidesCid))
		return !TransactionIdDidAbort(xid); /* a standby's (record_format.h) */
	if (TransactionIdIsCurrentTransactionId(xid))
	{
		if (snapshot != NULL && snapshot->snapshot_type == SNAPSHOT_MVCC)
			return cid < snapshot->curcid;
		return true;
	}
	if (snapshot != NULL && snapshot->snapshot_type == SNAPSHOT_MVCC)
	{
		if (XidInMVCCSnapshot(xid, snapshot))
			return false;
		return TransactionIdDidCommit(xid);
	}
	if (TransactionIdIsInProgress(xid))
		return false;
	return TransactionIdDidCommit(xid);
}

Datum
ColumnDatum(uint8 type, const void *values, uint32 row)
{
	switch (static_cast<core::ColumnType>(type))
	{
		case core::ColumnType::kBool:
			return BoolGetDatum(static_cast<const uint8 *>(values)[row] != 0);
		case core::ColumnType::kInt2:
			return Int16GetDatum(static_cast<const int16 *>(values)[row]);
		case core::ColumnType::kInt4:
			return Int32GetDatum(static_cast<const int32 *>(values)[row]);
		case core::ColumnType::kFloat4:
			return Float4GetDatum(static_cast<const float4 *>(values)[row]);
		case core::ColumnType::kFloat8:
			return Float8GetDatum(static_cast<const float8 *>(values)[row]);
		case core::ColumnType::kInt8:
		case core::ColumnType::kTimestamp:
		case core::ColumnType::kTimestampNoTz:
			return Int64GetDatum(static_cast<const int64 *>(values)[row]);
		case core::ColumnType::kNumeric:
			return NumericSlotDatum(values, row, NULL);	/* palloc'd */
	}
	return (Datum) 0;
}

static void
ScanSetup(ZtsScanDesc *scan)
{
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);
	Relation	rel = scan->base.rs_rd;

	WaitForRecovery();
	WaitForAsyncCommits();
	(void) LayoutOfRelation(rel, &scan->layout, true);
	(void) DictColumns(RelationGetDescr(rel), scan->dict);
	for (uint16 c = 0; c < scan->layout.ncols; c++)
	{
		scan->numbuf[c] = scan->layout.types[c] == core::ColumnType::kNumeric
			? palloc(kNumericDatumBytes) : NULL;
		/* scan->cxt is new or reset (rescan): the old memo and window are gone */
		scan->memo[c] = NULL;
		scan->win_values[c] = NULL;
		scan->win_validity[c] = NULL;
		if (scan->dict[c])
		{
			scan->memo[c] = static_cast<DictMemo *>(palloc(sizeof(DictMemo)));
			for (int i = 0; i < kDictMemoSlots; i++)
				scan->memo[c]->code[i] = -1;
		}
	}
	scan->buf_rows = BufferRowsForScan(rel, scan->base.rs_snapshot, scan->buf_values,
									   scan->buf_validity);
	if (scan->bounded)
	{
		scan->view = OpenTableView(rel, true, scan->bounds.min_ts, scan->bounds.max_ts,
								   scan->bounds.nseries, scan->bounds.series);
		scan->counters.chunks_skipped += scan->view->files_skipped;
	}
	else
		scan->view = OpenTableView(rel, true);
	scan->nranges = 0;
	scan->sel_buf = scan->bounded
		? static_cast<uint32 *>(palloc(sizeof(uint32) * kSelectRows)) : NULL;
	scan->sel = scan->sel_buf;
	scan->nsel = scan->sel_pos = 0;
	scan->gathered = false;
	scan->kind = kSrcBuffer;
	scan->source = 0;
	scan->part = 0;
	scan->started = false;
	scan->row = scan->row_end = 0;
	MemoryContextSwitchTo(old);
	StatAdd(kStatQueries, 1);
	StatRate(0, 1);
}

TableScanDesc
ztsdb_scan_begin(Relation rel, Snapshot snapshot, int nkeys, struct ScanKeyData *key,
				 ParallelTableScanDesc pscan, uint32 flags)
{
	MemoryContext cxt;
	ZtsScanDesc *scan;

	/* ANALYZE reads a sample, not every row (tam_analyze.cpp) */
	if (flags & SO_TYPE_ANALYZE)
		return AnalyzeBegin(rel, flags);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb scan", ALLOCSET_DEFAULT_SIZES);
	/* the descriptor outlives rescans' resets of cxt, so it lives in the parent */
	scan = static_cast<ZtsScanDesc *>(palloc0(sizeof(ZtsScanDesc)));
	if (pscan != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("parallel scans of ztsdb tables are not supported")));
	scan->base.rs_rd = rel;
	scan->base.rs_snapshot = snapshot;
	scan->base.rs_nkeys = nkeys;
	scan->base.rs_key = key;
	scan->base.rs_flags = flags;
	scan->base.rs_parallel = NULL;
	scan->cxt = cxt;
	scan->scratch = AllocSetContextCreate(cxt, "ztsdb scan block", ALLOCSET_DEFAULT_SIZES);
	scan->begun = GetCurrentTimestamp();
	ScanSetup(scan);
	return &scan->base;
}

TableScanDesc
ScanBeginBounded(Relation rel, Snapshot snapshot, const ScanBounds *bounds)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb scan",
											  ALLOCSET_DEFAULT_SIZES);
	ZtsScanDesc *scan = static_cast<ZtsScanDesc *>(palloc0(sizeof(ZtsScanDesc)));

	scan->base.rs_rd = rel;
	scan->base.rs_snapshot = snapshot;
	scan->base.rs_flags = SO_TYPE_SEQSCAN;
	scan->cxt = cxt;
	scan->scratch = AllocSetContextCreate(cxt, "ztsdb scan block", ALLOCSET_DEFAULT_SIZES);
	scan->begun = GetCurrentTimestamp();
	scan->bounded = true;
	scan->bounds = *bounds;
	if (bounds->nseries > 0)
	{
		scan->bounds.series = static_cast<int64 *>(palloc(sizeof(int64) * bounds->nseries));
		memcpy(scan->bounds.series, bounds->series, sizeof(int64) * bounds->nseries);
	}
	if (bounds->nfilters > 0)
	{
		/* like the series, in the caller's context: rescans reset cxt */
		ValueFilter *f = static_cast<ValueFilter *>(palloc(sizeof(ValueFilter) * bounds->nfilters));

		memcpy(f, bounds->filters, sizeof(ValueFilter) * bounds->nfilters);
		for (int i = 0; i < bounds->nfilters; i++)
			if (f[i].nset > 0)
			{
				int64	   *set = static_cast<int64 *>(palloc(sizeof(int64) * f[i].nset));

				memcpy(set, f[i].set, sizeof(int64) * f[i].nset);
				f[i].set = set;
			}
		scan->bounds.filters = f;
	}
	else
	{
		scan->bounds.filters = NULL;
		scan->bounds.nfilters = 0;
	}
	ScanSetup(scan);
	return &scan->base;
}

void
ScanGetCounters(TableScanDesc sscan, ScanCounters *counters)
{
	*counters = reinterpret_cast<ZtsScanDesc *>(sscan)->counters;
}

void
ztsdb_scan_end(TableScanDesc sscan)
{
	ZtsScanDesc *scan = reinterpret_cast<ZtsScanDesc *>(sscan);

	if (sscan->rs_flags & SO_TYPE_ANALYZE)
	{
		AnalyzeEnd(sscan);
		return;
	}
	StatLatency(kHistQuery, GetCurrentTimestamp() - scan->begun);
	if (scan->base.rs_flags & SO_TEMP_SNAPSHOT)
		UnregisterSnapshot(scan->base.rs_snapshot);
	MemoryContextDelete(scan->cxt);
	pfree(scan);
}

void
ztsdb_scan_rescan(TableScanDesc sscan, struct ScanKeyData *key, bool set_params,
				  bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	ZtsScanDesc *scan = reinterpret_cast<ZtsScanDesc *>(sscan);

	(void) key;
	(void) set_params;
	(void) allow_strat;
	(void) allow_sync;
	(void) allow_pagemode;
	/* a fresh view: release the old one (reset callback) and take another */
	MemoryContextReset(scan->cxt);
	scan->scratch = AllocSetContextCreate(scan->cxt, "ztsdb scan block", ALLOCSET_DEFAULT_SIZES);
	ScanSetup(scan);
}

static void
CorruptFile(const ViewFile *f, const core::Status &st)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", f->path, st.message)));
}

/*
 * DecodeColdInto decodes column c of the current cold block into the
 * current memory context (the scan's scratch) and points the run at it;
 * only rows [0, limit) need be decoded (DecodeColumn).
 */
static void
DecodeColdInto(ZtsScanDesc *scan, const ViewFile *f, const core::BlockInfo &info, uint16 c,
			   uint32 limit = UINT32_MAX)
{
	void	   *vals = palloc(core::ColumnWidth(scan->layout.types[c]) * Max(info.nrows, 1));
	uint8	   *valid = static_cast<uint8 *>(palloc(core::BitmapBytes(info.nrows) + 1));
	core::Status st = core::DecodeColdColumn(f->reader, scan->part, c, vals, valid, limit);

	if (!st.ok())
		CorruptFile(f, st);
	scan->values[c] = vals;
	/* no NULLs in the block: readers skip the per-row check */
	scan->validity[c] = AllRowsValid(valid, info.nrows) ? nullptr : valid;
}

/* TakeRange makes the last range of SeriesRanges the current run. */
static bool
TakeRange(ZtsScanDesc *scan)
{
	scan->nranges--;
	scan->row = scan->ranges[2 * scan->nranges];
	scan->row_end = scan->ranges[2 * scan->nranges + 1];
	return true;
}

/*
 * SeekSeriesBlock returns the first block at or after from, of a cold file
 * whose blocks follow (series, ts), that may hold series s or a later one.
 */
static uint32
SeekSeriesBlock(const core::ChunkReader &reader, uint32 from, int64 s)
{
	uint32		lo = from;
	uint32		hi = reader.nblocks;

	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;
		core::BlockInfo mi;

		core::GetBlockInfo(reader, mid, &mi);
		if (mi.max_series < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * ColdSeriesRanges, for a block of a sorted cold file and a scan for some
 * series, decodes the series column, the time column up to the block's last
 * wanted series, finds the rows of the wanted series in the time bounds by
 * binary search (SeriesRanges: short series runs share a block, so most of
 * a block at 100,000 series is other series), then decodes the other
 * columns the caller reads up to the last wanted row (sequential codecs
 * stop there).  The ranges are the runs NextRun returns.  False when no row
 * is wanted: the other columns then stay encoded.
 */
static bool
ColdSeriesRanges(ZtsScanDesc *scan, const ViewFile *f, const core::BlockInfo &info)
{
	const int64 *last = std::upper_bound(scan->bounds.series,
										 scan->bounds.series + scan->bounds.nseries, info.max_series);
	uint32		lo = 0;
	uint32		hi = info.nrows;
	uint32		end = 0;

	DecodeColdInto(scan, f, info, scan->layout.series_col);
	/* the rows up to the block's last wanted series */
	if (last != scan->bounds.series)
		while (lo < hi)
		{
			uint32		mid = lo + (hi - lo) / 2;

			if (SortedSeriesAt(scan, mid) > last[-1])
				hi = mid;
			else
				lo = mid + 1;
		}
	DecodeColdInto(scan, f, info, scan->layout.time_col, lo);
	SeriesRanges(scan, lo, scan->scratch);
	if (scan->nranges == 0)
		return false;
	/* the other columns up to the last wanted row */
	for (uint32 i = 0; i < scan->nranges; i++)
		end = Max(end, scan->ranges[2 * i + 1]);
	for (uint16 c = 0; c < scan->layout.ncols; c++)
	{
		if (c == scan->layout.series_col || c == scan->layout.time_col)
			continue;
		if (scan->bounds.need_cols != 0 && !(scan->bounds.need_cols & (UINT64CONST(1) << c)))
		{
			scan->values[c] = NULL;
			scan->validity[c] = NULL;
			continue;
		}
		DecodeColdInto(scan, f, info, c, end);
	}
	return true;
}

/* ColdFilterColumn: does ColdBlockMayPass decode column c (time, series, filters)? */
static bool
ColdFilterColumn(const ZtsScanDesc *scan, uint16 c)
{
	return c == scan->layout.time_col || c == scan->layout.series_col ||
		(FilterColumns(scan->bounds.filters, scan->bounds.nfilters) & (UINT64CONST(1) << c));
}

/*
 * ColdBlockMayPass decodes the columns the bounds and value filters read
 * and tells whether some row of the block passes them.  If none does, the
 * rows within the bounds count as removed by the filters (as getnextslot
 * would have counted them) and the block's other columns need no decoding:
 * a selective filter (usage_user > 90) skips most of a query's blocks.
 */
static bool
ColdBlockMayPass(ZtsScanDesc *scan, const ViewFile *f, const core::BlockInfo &info)
{
	uint32	   *sel = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(info.nrows, 1)));
	uint32		in_bounds;
	uint32		n;

	for (uint16 c = 0; c < scan->layout.ncols; c++)
		if (ColdFilterColumn(scan, c))
			DecodeColdInto(scan, f, info, c);
	n = SelectRows(scan, 0, info.nrows, sel, &in_bounds);
	if (n == 0)
	{
		scan->counters.rows_filtered += in_bounds;
		return false;
	}
	if (!scan->by_runs)
	{
		/* getnextslot returns these rows only */
		scan->sel = sel;
		scan->nsel = n;
		scan->sel_pos = 0;
		scan->gathered = false;
		scan->counters.rows_filtered += in_bounds - n;
	}
	return true;
}

/*
 * NextRun sets up the next run of rows to return; false at the end.
 */
static bool
NextRun(ZtsScanDesc *scan)
{
	for (;;)
	{
		switch (scan->kind)
		{
			case kSrcBuffer:
				if (!scan->started && scan->buf_rows > 0)
				{
					scan->started = true;
					for (uint16 c = 0; c < scan->layout.ncols; c++)
					{
						scan->values[c] = scan->buf_values[c];
						scan->validity[c] = scan->buf_validity[c];
					}
					scan->row = 0;
					scan->row_end = scan->buf_rows;
					return true;
				}
				scan->kind = kSrcHot;
				scan->source = 0;
				scan->started = false;
				break;

			case kSrcHot:
				if (scan->source >= scan->view->nhot)
				{
					scan->kind = kSrcFile;
					scan->source = 0;
					scan->started = false;
					break;
				}
				if (!scan->started && scan->bounded &&
					(scan->view->hot[scan->source].nrows == 0 ||
					 scan->view->hot[scan->source].max_ts < scan->bounds.min_ts ||
					 scan->view->hot[scan->source].min_ts > scan->bounds.max_ts))
				{
					scan->counters.chunks_skipped++;
					scan->source++;
					break;
				}
				if (!scan->started)
				{
					scan->counters.chunks_scanned++;
					HotColumns(scan->view, scan->source, scan->values, scan->validity,
							   &scan->batches);
					scan->nbatches = scan->view->hot[scan->source].nbatches;
					scan->nrows = scan->view->hot[scan->source].nrows;
					scan->part = 0;
					scan->started = true;
					scan->hot_rows = NULL;
					if (scan->bounded && scan->bounds.nseries >= 0 && scan->layout.series_col >= 0)
					{
						MemoryContext old;

						MemoryContextReset(scan->scratch);
						old = MemoryContextSwitchTo(scan->scratch);
						if (scan->bounds.nseries == 0 ||
							!HotSeriesRows(scan->view, scan->source, scan->bounds.series,
										   scan->bounds.nseries, scan->bounds.min_ts,
										   scan->bounds.max_ts, &scan->hot_rows, &scan->hot_nrows))
							scan->hot_rows = NULL;
						if (scan->hot_rows == NULL && scan->bounds.nseries > 0)
							HotRowsByScan(scan);
						MemoryContextSwitchTo(old);
						scan->hot_pos = 0;
						scan->vis_part = -1;
						if (scan->bounds.nseries == 0)
						{
							/* no series can match (e.g. = ANY of an empty array) */
							scan->hot_nrows = 0;
							scan->hot_rows = static_cast<uint32 *>(MemoryContextAlloc(scan->scratch, sizeof(uint32)));
						}
						if (scan->hot_rows != NULL)
							scan->counters.hot_rows_read += scan->hot_nrows;
					}
				}
				if (scan->hot_rows != NULL)
				{
					/* the wanted series' visible rows, gathered into one run */
					if (scan->hot_pos < scan->hot_nrows)
					{
						uint32		n = GatherHotRows(scan);

						scan->hot_pos = scan->hot_nrows;
						if (n > 0)
						{
							scan->row = 0;
							scan->row_end = n;
							return true;
						}
					}
					scan->source++;
					scan->started = false;
					break;
				}
				while (scan->part < scan->nbatches)
				{
					const core::BatchEntry *b = &scan->batches[scan->part];
					uint32		end = scan->part + 1 < scan->nbatches
						? scan->batches[scan->part + 1].row_start : scan->nrows;

					scan->part++;
					end = Min(end, scan->nrows);
					if (b->row_start >= end ||
						!BatchVisible(b->xid, b->cid, b->reserved, scan->base.rs_snapshot))
						continue;
					scan->counters.hot_rows_read += end - b->row_start;
					scan->row = b->row_start;
					scan->row_end = end;
					return true;
				}
				scan->source++;
				scan->started = false;
				break;

			case kSrcFile:
				{
					ViewFile   *f;

					if (scan->source >= scan->view->nfiles)
					{
						scan->kind = kSrcDone;
						return false;
					}
					f = &scan->view->files[scan->source];
					if (f->entry.meta.tier == core::kTierWarm)
					{
						if (!scan->started)
						{
							for (uint16 c = 0; c < scan->layout.ncols; c++)
							{
								core::Status st = core::WarmColumn(f->reader, c, &scan->values[c],
																   &scan->validity[c]);

								if (!st.ok())
									CorruptFile(f, st);
							}
							scan->nbatches = f->reader.nbatches;
							scan->nrows = f->reader.meta.nrows;
							scan->part = 0;
							scan->started = true;
							scan->counters.chunks_scanned++;
							if (scan->nbatches == 0 && scan->bounded &&
								scan->bounds.nseries >= 0 && scan->layout.series_col >= 0)
							{
								/* sorted: only the wanted series' rows, found by search */
								SeriesRanges(scan, scan->nrows, scan->cxt);
								scan->part = scan->nbatches;	/* no batch runs */
							}
							else if (scan->nbatches == 0)
							{
								scan->part = 1;
								scan->nranges = 0;
								scan->row = 0;
								scan->row_end = scan->nrows;
								if (scan->nrows > 0)
									return true;
							}
						}
						if (scan->nbatches == 0 && scan->nranges > 0)
							return TakeRange(scan);
						while (scan->part < scan->nbatches)
						{
							core::BatchEntry b;
							core::BatchEntry nb;
							uint32		end = scan->nrows;

							core::GetBatch(f->reader, scan->part, &b);
							if (scan->part + 1 < scan->nbatches)
							{
								core::GetBatch(f->reader, scan->part + 1, &nb);
								end = nb.row_start;
							}
							scan->part++;
							if (b.row_start >= end ||
								!BatchVisible(b.xid, b.cid, b.reserved, scan->base.rs_snapshot))
								continue;
							scan->row = b.row_start;
							scan->row_end = end;
							return true;
						}
					}
					else
					{
						if (!scan->started)
						{
							scan->part = 0;
							scan->started = true;
							scan->counters.chunks_scanned++;
							if (SeriesScanOfSorted(scan, f))
							{
								/* blocks follow (series, ts): start at the first wanted series */
								uint32		lo = SeekSeriesBlock(f->reader, 0, scan->bounds.series[0]);

								scan->counters.blocks_skipped += lo;
								scan->part = lo;
							}
							scan->nranges = 0;
						}
						if (scan->nranges > 0)
							return TakeRange(scan);	/* the block's next wanted series */
						if (scan->part < f->reader.nblocks)
						{
							core::BlockInfo info;
							MemoryContext old;
							bool		sorted_series = SeriesScanOfSorted(scan, f);

							core::GetBlockInfo(f->reader, scan->part, &info);
							if (sorted_series &&
								info.min_series > scan->bounds.series[scan->bounds.nseries - 1])
							{
								/* past the last wanted series: the rest of the file is skipped */
								scan->counters.blocks_skipped += f->reader.nblocks - scan->part;
								scan->part = f->reader.nblocks;
								break;
							}
							if (scan->bounded &&
								(info.max_ts < scan->bounds.min_ts || info.min_ts > scan->bounds.max_ts ||
								 (scan->bounds.nseries >= 0 && scan->layout.series_col >= 0 &&
								  (scan->bounds.nseries == 0 ||
								   info.max_series < scan->bounds.series[0] ||
								   info.min_series > scan->bounds.series[scan->bounds.nseries - 1] ||
								   !SeriesWantedWithin(scan->bounds, info.min_series, info.max_series)))))
							{
								uint32		next = scan->part + 1;

								if (sorted_series && info.max_series < scan->bounds.series[scan->bounds.nseries - 1])
								{
									/*
									 * On to the first block that may hold a wanted series
									 * from this block's last one on (its run may go on in
									 * the next block, skipped here for time).
									 */
									const int64 *want = std::lower_bound(scan->bounds.series,
																		 scan->bounds.series + scan->bounds.nseries,
																		 info.max_series);

									next = SeekSeriesBlock(f->reader, next, *want);
								}
								scan->counters.blocks_skipped += next - scan->part;
								scan->part = next;
								break;
							}
							scan->counters.blocks_scanned++;
							MemoryContextReset(scan->scratch);
							old = MemoryContextSwitchTo(scan->scratch);
							if (sorted_series && scan->bounds.nfilters == 0)
							{
								bool		any = ColdSeriesRanges(scan, f, info);

								MemoryContextSwitchTo(old);
								scan->part++;
								if (!any)
									break;
								return TakeRange(scan);
							}
							/* getnextslot's rows are selected with the filter columns */
							bool		selected = scan->bounds.nfilters > 0 && !scan->by_runs;

							if (scan->bounds.nfilters > 0 && !ColdBlockMayPass(scan, f, info))
							{
								/* value filters reject every row: the other columns stay encoded */
								MemoryContextSwitchTo(old);
								scan->counters.blocks_filtered++;
								scan->part++;
								break;
							}
							for (uint16 c = 0; c < scan->layout.ncols; c++)
							{
								if (scan->bounds.nfilters > 0 && ColdFilterColumn(scan, c))
									continue;	/* decoded by ColdBlockMayPass */
								if (scan->bounds.need_cols != 0 &&
									!(scan->bounds.need_cols & (UINT64CONST(1) << c)))
								{
									/* the caller never reads it (ZtsdbAgg) */
									scan->values[c] = NULL;
									scan->validity[c] = NULL;
									continue;
								}
								/* getnextslot reads no row after the block's last passing one */
								DecodeColdInto(scan, f, info, c,
											   selected ? scan->sel[scan->nsel - 1] + 1 : UINT32_MAX);
							}
							MemoryContextSwitchTo(old);
							scan->part++;
							scan->row = selected ? info.nrows : 0;
							scan->row_end = info.nrows;
							if (info.nrows > 0)
								return true;
							break;
						}
					}
					scan->source++;
					scan->started = false;
					break;
				}

			case kSrcDone:
				return false;
		}
	}
}

bool
ztsdb_scan_getnextslot(TableScanDesc sscan, ScanDirection direction, TupleTableSlot *slot)
{
	ZtsScanDesc *scan = reinterpret_cast<ZtsScanDesc *>(sscan);
	uint32		r;

	if (direction == BackwardScanDirection)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("backward scans of ztsdb tables are not supported"),
				 errhint("Declare the cursor with SCROLL, or fetch forward.")));

	ExecClearTuple(slot);
	for (;;)
	{
		uint32		in_bounds;

		if (scan->sel_pos < scan->nsel)
		{
			r = scan->sel[scan->sel_pos++];
			break;
		}
		if (scan->row >= scan->row_end)
		{
			/* a filtered cold block comes with its rows selected (ColdBlockMayPass) */
			if (!NextRun(scan))
				return false;
			continue;
		}
		if (!scan->bounded)
		{
			r = scan->row++;
			break;
		}
		/* bounds and value filters: on the arrays, before any column becomes a Datum */
		scan->sel = scan->sel_buf;
		scan->nsel = SelectRows(scan, scan->row, Min(scan->row_end, scan->row + kSelectRows),
								scan->sel, &in_bounds);
		scan->counters.rows_filtered += in_bounds - scan->nsel;
		scan->sel_pos = 0;
		scan->gathered = false;
		if (scan->kind == kSrcHot && scan->hot_rows == NULL && scan->nsel > 0 &&
			scan->nsel * kGatherSparse <= kSelectRows)
			GatherSelected(scan);
		scan->row = Min(scan->row_end, scan->row + kSelectRows);
	}
	for (uint16 c = 0; c < scan->layout.ncols; c++)
	{
		const uint8 *bits = scan->validity[c];
		const void *col = scan->gathered ? scan->win_values[c] : scan->values[c];
		/* a column the caller does not read (ScanBounds.need_cols) reads as NULL */
		bool		isnull = scan->values[c] == NULL ||
			(bits != nullptr && !(scan->gathered ? scan->win_validity[c][r] != 0 :
								  ((bits[r >> 3] >> (r & 7)) & 1)));

		slot->tts_isnull[c] = isnull;
		if (isnull)
			slot->tts_values[c] = (Datum) 0;
		else if (scan->dict[c])
		{
			int32		code = static_cast<const int32 *>(col)[r];
			DictMemo   *m = scan->memo[c];
			int			i = static_cast<int>(static_cast<uint32>(code) % kDictMemoSlots);

			if (m->code[i] != code)
			{
				m->value[i] = DictDecode(RelationGetRelid(scan->base.rs_rd), (int16) (c + 1), code);
				m->code[i] = code;
			}
			slot->tts_values[c] = m->value[i];
		}
		else if (scan->numbuf[c] != NULL)
			/* the slot's value lives until the next row, as a heap tuple's does */
			slot->tts_values[c] = NumericSlotDatum(col, r, scan->numbuf[c]);
		else
			slot->tts_values[c] = ColumnDatum(static_cast<uint8>(scan->layout.types[c]), col, r);
	}
	ExecStoreVirtualTuple(slot);
	ItemPointerSet(&slot->tts_tid, 0, 1);
	slot->tts_tableOid = RelationGetRelid(scan->base.rs_rd);
	return true;
}

bool
ScanNextRun(TableScanDesc sscan, const void *const **values, const uint8 *const **validity,
			uint32 *row, uint32 *row_end)
{
	ZtsScanDesc *scan = reinterpret_cast<ZtsScanDesc *>(sscan);

	scan->by_runs = true;
	while (scan->row >= scan->row_end)
		if (!NextRun(scan))
			return false;
	*values = scan->values;
	*validity = scan->validity;
	*row = scan->row;
	*row_end = scan->row_end;
	scan->row = scan->row_end;
	return true;
}

} // namespace ztsdb
