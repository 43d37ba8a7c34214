/*-------------------------------------------------------------------------
 *
 * storage_apply.cpp
 *	  The writer's side of hot chunks: the pool's free list, the table
 *	  registry, and copying batch rows into hot chunks.
 *
 * A batch's rows are routed by time window (floor(ts / interval)); runs of
 * consecutive rows in one window are copied column by column with memcpy.
 * Each chunk keeps a batch table: a new run (row_start, xid, cid) starts
 * whenever the writing (xid, cid) changes, so scans check visibility once
 * per run.  Counts are published after a write barrier; published rows never
 * change (storage.h).
 *
 * During replay, rows already held by a sealed file are skipped: the
 * manifest's per-window coverage (lsn, row) says which.  Coverage is loaded
 * lazily per table into a writer-local hash and dropped after recovery.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_writer.h"
#include "ztsdb/util/util_guc.h"

extern "C" {
#include "common/int.h"
#include "utils/hsearch.h"
}

namespace ztsdb {

/* Writer-local free list of pool chunks. */
static int *free_chunks = NULL;
static int	nfree = -1;

struct CoverageKey
{
	core::TableKey table;
	int64		window;
};

struct CoverageEntry
{
	CoverageKey key;
	uint64		lsn;
	uint32		row;
};

static HTAB *replay_coverage = NULL;

static void
InitFreeList(void)
{
	if (nfree >= 0)
		return;
	free_chunks = static_cast<int *>(MemoryContextAlloc(TopMemoryContext,
														sizeof(int) * storage_shared->nchunks));
	nfree = 0;
	for (int i = (int) storage_shared->nchunks - 1; i >= 0; i--)
		if (!hot_chunks[i].in_use)
			free_chunks[nfree++] = i;
}

void
FreeUnpinnedChunks(void)
{
	InitFreeList();
	for (uint32 i = 0; i < storage_shared->nchunks; i++)
	{
		HotChunk   *c = &hot_chunks[i];

		if (c->in_use && c->detached && pg_atomic_read_u32(&c->refcount) == 0)
		{
			c->in_use = false;
			c->detached = false;
			free_chunks[nfree++] = (int) i;
		}
	}
}

int64
ChunkIntervalUsec(void)
{
	return (int64) guc_chunk_time_interval_s * USECS_PER_SEC;
}

int64
WindowOf(int64 ts)
{
	return WindowOf(ts, ChunkIntervalUsec());
}

static bool replayed_other_interval = false;

bool
ReplayedOtherInterval(void)
{
	return replayed_other_interval;
}

int64
WindowOf(int64 ts, int64 interval)
{
	int64		w = ts / interval;
	int64		start;

	if (ts % interval < 0)
		w--;					/* floor division for times before 2000 */
	/* -infinity and its neighbours: the first window starts at the minimum */
	if (pg_mul_s64_overflow(w, interval, &start))
		return PG_INT64_MIN;
	return start;
}

TableEntry *
EnsureTable(const core::TableKey &key, const core::ChunkLayout &layout)
{
	TableEntry *entry;
	bool		found;

	entry = LookupTable(key);
	if (entry != NULL)
		return entry;

	LWLockAcquire(registry_lock, LW_EXCLUSIVE);
	entry = static_cast<TableEntry *>(hash_search(table_registry, &key,
												  HASH_ENTER_NULL, &found));
	if (entry == NULL)
	{
		/* Full: forget tables that hold nothing hot, then retry once. */
		HASH_SEQ_STATUS seq;
		TableEntry *e;

		hash_seq_init(&seq, table_registry);
		while ((e = static_cast<TableEntry *>(hash_seq_search(&seq))) != NULL)
			if (e->hot_head < 0)
				hash_search(table_registry, &e->key, HASH_REMOVE, NULL);
		entry = static_cast<TableEntry *>(hash_search(table_registry, &key,
													  HASH_ENTER_NULL, &found));
	}
	if (entry == NULL)
	{
		LWLockRelease(registry_lock);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("too many ztsdb tables with hot data"),
				 errhint("Increase ztsdb.max_tables.")));
	}
	if (!found)
	{
		entry->layout = layout;
		LWLockInitialize(&entry->lock, storage_shared->table_tranche);
		entry->hot_head = -1;
		entry->next_chunk_id = 1;
		entry->manifest_loaded = false;
		entry->dropped = false;
	}
	LWLockRelease(registry_lock);
	return entry;
}

static core::ChunkLayout
LayoutOf(const core::BatchHeader &hdr)
{
	core::ChunkLayout layout;

	memset(&layout, 0, sizeof(layout));
	layout.ncols = hdr.ncols;
	layout.time_col = hdr.time_col;
	layout.series_col = hdr.series_col;
	for (uint16 c = 0; c < hdr.ncols; c++)
		layout.types[c] = static_cast<core::ColumnType>(hdr.types[c]);
	return layout;
}

/* LoadTableManifest learns next_chunk_id (and, replaying, coverage) once per table. */
static void
LoadTableManifest(TableEntry *entry, bool replaying)
{
	Manifest	m;

	if (entry->manifest_loaded)
		return;
	if (ReadManifest(entry->key, &m))
	{
		entry->next_chunk_id = m.header.next_chunk_id;
		if (replaying)
		{
			if (replay_coverage == NULL)
			{
				HASHCTL		info;

				memset(&info, 0, sizeof(info));
				info.keysize = sizeof(CoverageKey);
				info.entrysize = sizeof(CoverageEntry);
				info.hcxt = TopMemoryContext;
				replay_coverage = hash_create("ztsdb replay coverage", 256, &info,
											  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
			}
			for (uint32 i = 0; i < m.header.nwindows; i++)
			{
				CoverageKey key;
				CoverageEntry *ce;

				memset(&key, 0, sizeof(key));
				key.table = entry->key;
				key.window = m.windows[i].window_start;
				ce = static_cast<CoverageEntry *>(hash_search(replay_coverage, &key,
															  HASH_ENTER, NULL));
				ce->lsn = m.windows[i].cover_lsn;
				ce->row = m.windows[i].cover_row;
			}
		}
	}
	entry->manifest_loaded = true;
}

/* LoadManifestOf runs LoadTableManifest under RunForTable. */
static TableEntry *load_entry;
static bool load_replaying;

static int
LoadManifestOf(const core::TableKey &key, int64 arg)
{
	(void) key;
	(void) arg;
	LoadTableManifest(load_entry, load_replaying);
	return 0;
}

static uint64 broken_hold_lsn = PG_UINT64_MAX;

uint64
BrokenHoldLsn(void)
{
	return broken_hold_lsn;
}

void
ResetReplayCoverage(void)
{
	if (replay_coverage != NULL)
		hash_destroy(replay_coverage);
	replay_coverage = NULL;
}

/* IsCovered tells whether row r of the record at lsn is already in a sealed file. */
static bool
IsCovered(const core::TableKey &table, int64 window, uint64 lsn, uint32 r)
{
	CoverageKey key;
	CoverageEntry *ce;

	if (replay_coverage == NULL)
		return false;
	memset(&key, 0, sizeof(key));
	key.table = table;
	key.window = window;
	ce = static_cast<CoverageEntry *>(hash_search(replay_coverage, &key, HASH_FIND, NULL));
	if (ce == NULL)
		return false;
	return lsn < ce->lsn || (lsn == ce->lsn && r <= ce->row);
}

/* SetupChunkLayout computes the column offsets of a chunk for a table layout. */
static void
SetupChunkLayout(HotChunk *c, const core::ChunkLayout &layout)
{
	Size		bytes = storage_shared->chunk_bytes;
	Size		per_row = 4 * sizeof(HotBatch) / 16;	/* a batch entry per 4 rows */
	uint32		rows;

	for (uint16 i = 0; i < layout.ncols; i++)
		per_row += core::ColumnWidth(layout.types[i]) + 1;
	if (layout.series_col >= 0)
		per_row += sizeof(uint32);
	rows = (uint32) ((bytes - 32 * layout.ncols - 64) / per_row);
	if (layout.series_col >= 0)	/* and a segment per kHotSegRows rows, a zone per kHotZoneRows */
		rows = (uint32) ((bytes - 32 * layout.ncols - 64 - sizeof(HotZone)) * kHotSegRows /
						 (per_row * kHotSegRows + sizeof(HotSeriesSeg) +
						  sizeof(HotZone) * kHotSegRows / kHotZoneRows));
	c->nslots = 0;
	if (layout.series_col >= 0)
	{
		/*
		 * A slot per 8 rows, 64..kMaxSeriesSlots; the index takes series up
		 * to 3/4 of its slots (a chunk holding 11 rows or more of each of
		 * its series), and a chunk with more series filters its rows by
		 * zones instead.  The cap (196,608 series) bounds what a new chunk
		 * clears and what HotSeriesList reads: 4MB.
		 */
		c->nslots = 64;
		while (c->nslots < kMaxSeriesSlots && c->nslots * 8 < rows)
			c->nslots *= 2;
	}
	for (;;)
	{
		Size		off = 0;
		uint32		batches = rows / 4 + 1;

		for (uint16 i = 0; i < layout.ncols; i++)
		{
			c->values_off[i] = (uint32) off;
			off += core::Align8(core::ColumnWidth(layout.types[i]) * (Size) rows);
			c->validity_off[i] = (uint32) off;
			off += core::Align8(core::BitmapBytes(rows));
		}
		c->batches_off = (uint32) off;
		off += (Size) batches * sizeof(HotBatch);
		c->next_off = (uint32) off;
		if (c->nslots > 0)
			off += core::Align8(sizeof(uint32) * (Size) rows);
		c->slots_off = (uint32) off;
		off += (Size) c->nslots * sizeof(HotSeriesSlot);
		/* full segments, and some room for series' partly filled last ones */
		c->segs_off = (uint32) off;
		c->capacity_segs = c->nslots > 0 ? rows / kHotSegRows + c->nslots / 16 : 0;
		off += (Size) c->capacity_segs * sizeof(HotSeriesSeg);
		c->zones_off = (uint32) off;
		if (c->nslots > 0)
			off += (Size) (rows / kHotZoneRows + 1) * sizeof(HotZone);
		if (off <= bytes)
		{
			c->capacity_rows = rows;
			c->capacity_batches = batches;
			return;
		}
		rows -= rows / 64 + 1;
	}
}

/*
 * ReleasePinHolders ends what keeps the writer waiting for pinned hot chunks
 * once it has waited ztsdb.max_pin_wait: like a standby's
 * max_standby_streaming_delay, one reader must not stall the ingestion of
 * every table (an idle cursor, a client that stopped fetching).  First the
 * holders' statements are cancelled; a session that still holds them after
 * as long again (idle in a transaction with an open cursor, where a cancel
 * does nothing) is terminated.  At most one round of signals per period.
 */
static void
ReleasePinHolders(TimestampTz since)
{
	static TimestampTz last_signal = 0;
	TimestampTz now = GetCurrentTimestamp();
	bool		terminate;

	if (guc_max_pin_wait_ms < 0 || !TimestampDifferenceExceeds(since, now, guc_max_pin_wait_ms))
		return;
	if (last_signal >= since && !TimestampDifferenceExceeds(last_signal, now, guc_max_pin_wait_ms))
		return;
	terminate = TimestampDifferenceExceeds(since, now, 2 * guc_max_pin_wait_ms);
	for (uint32 i = 0; i < storage_shared->npin_slots; i++)
	{
		int			pid;

		if (pg_atomic_read_u32(&pins_by_proc[i]) == 0)
			continue;
		pid = ProcGlobal->allProcs[i].pid;
		if (pid == 0 || pid == MyProcPid)
			continue;
		ereport(LOG,
				(errmsg("ztsdb writer %s process %d: it has held hot chunks for longer than ztsdb.max_pin_wait while the chunk pool is full",
						terminate ? "terminates" : "cancels the statement of", pid)));
		(void) kill(pid, terminate ? SIGTERM : SIGINT);
	}
	last_signal = now;
}

/*
 * AllocChunk takes a chunk from the pool for (entry, window) and links it
 * into the table.  When the pool is empty it seals the least recently
 * written chunk of any table (forced: backpressure, never failure) and, if
 * readers still pin it, waits for them.
 */
static HotChunk *
AllocChunk(TableEntry *entry, int64 window)
{
	int			idx;
	HotChunk   *c;

	InitFreeList();
	while (nfree == 0)
	{
		FreeUnpinnedChunks();
		if (nfree > 0)
			break;
		if (SealChunks(NULL, false, true) == 0)
		{
			/* everything sealable is sealed but still pinned by readers */
			uint64		zero = 0;

			(void) pg_atomic_compare_exchange_u64(&storage_shared->pins_awaited_since, &zero,
												  (uint64) GetCurrentTimestamp());
			ReleasePinHolders((TimestampTz) pg_atomic_read_u64(&storage_shared->pins_awaited_since));
			CHECK_FOR_INTERRUPTS();
			pg_usleep(1000L);
		}
	}
	pg_atomic_write_u64(&storage_shared->pins_awaited_since, 0);
	idx = free_chunks[--nfree];
	c = &hot_chunks[idx];
	c->table = entry->key;
	c->window_start = window;
	c->chunk_id = entry->next_chunk_id++;
	SetupChunkLayout(c, entry->layout);
	if (c->nslots > 0)
		memset(HotChunkData(idx) + c->slots_off, 0xFF, c->nslots * sizeof(HotSeriesSlot));
	c->nseries = 0;
	c->nsegs = 0;
	pg_atomic_write_u32(&c->series_index_ok, c->nslots > 0 ? 1 : 0);
	pg_atomic_write_u32(&c->nrows, 0);
	pg_atomic_write_u32(&c->nbatches, 0);
	pg_atomic_write_u64(&c->null_cols, 0);
	pg_atomic_write_u32(&c->refcount, 0);
	c->in_use = true;
	c->detached = false;
	c->min_ts = PG_INT64_MAX;
	c->max_ts = PG_INT64_MIN;
	c->first_lsn = 0;
	c->cover_lsn = 0;
	c->cover_row = 0;
	c->last_append = GetCurrentTimestamp();
	c->last_xid = InvalidTransactionId;
	c->last_cid = InvalidCommandId;
	c->row_bytes = 0;
	for (uint16 col = 0; col < entry->layout.ncols; col++)
		c->row_bytes += (uint32) core::ColumnWidth(entry->layout.types[col]);

	pg_write_barrier();
	LWLockAcquire(&entry->lock, LW_EXCLUSIVE);
	c->next = entry->hot_head;
	entry->hot_head = idx;
	LWLockRelease(&entry->lock);
	return c;
}

static HotChunk *
FindChunk(TableEntry *entry, int64 window)
{
	for (int i = entry->hot_head; i >= 0; i = hot_chunks[i].next)
		if (hot_chunks[i].window_start == window)
			return &hot_chunks[i];
	return NULL;
}

/*
 * CopyBits copies n validity bits from src (starting at bit s) to dst (bit
 * d) and tells whether one of them was clear (a NULL).
 */
static bool
CopyBits(uint8 *dst, uint32 d, const uint8 *src, uint32 s, uint32 n)
{
	bool		any_null = false;

	for (uint32 i = 0; i < n; i++)
	{
		bool		bit = (src[(s + i) >> 3] >> ((s + i) & 7)) & 1;
		uint32		j = d + i;

		if (bit)
			dst[j >> 3] |= (uint8) (1 << (j & 7));
		else
		{
			dst[j >> 3] &= (uint8) ~(1 << (j & 7));
			any_null = true;
		}
	}
	return any_null;
}

/* SeriesSlotOf is the first slot to probe for series s. */
static inline uint32
SeriesSlotOf(int64 s, uint32 nslots)
{
	return (uint32) (((uint64) s * UINT64CONST(0x9E3779B97F4A7C15)) >> 40) & (nslots - 1);
}

/* NewSegment starts a series segment at row, time t (see storage.h). */
static inline uint32
NewSegment(HotChunk *c, HotSeriesSeg *segs, uint32 row, int64 t)
{
	HotSeriesSeg *g = &segs[c->nsegs];

	g->min_ts = t;
	g->max_ts = t;
	g->first = row;
	g->next = kNoRow;
	g->last = row;
	g->nrows = 1;
	return c->nsegs++;
}

/* IndexSeries links rows [at, at + n) (rows [r0, ...) of the batch) into c's series index. */
static void
IndexSeries(HotChunk *c, char *data, const core::BatchHeader &hdr, uint8 **validity,
			uint8 **values, uint32 r0, uint32 n, uint32 at)
{
	uint32	   *next = reinterpret_cast<uint32 *>(data + c->next_off);
	HotSeriesSlot *slots = reinterpret_cast<HotSeriesSlot *>(data + c->slots_off);
	HotSeriesSeg *segs = reinterpret_cast<HotSeriesSeg *>(data + c->segs_off);
	core::ColumnType st = static_cast<core::ColumnType>(hdr.types[hdr.series_col]);
	const uint8 *valid = validity[hdr.series_col];
	const int64 *ts = reinterpret_cast<const int64 *>(values[hdr.time_col]);

	if (pg_atomic_read_u32(&c->series_index_ok) == 0)
		return;
	for (uint32 i = 0; i < n; i++)
	{
		uint32		row = at + i;
		uint32		r = r0 + i;
		int64		s;
		uint32		k;

		next[row] = kNoRow;
		if (!((valid[r >> 3] >> (r & 7)) & 1))
			continue;			/* NULL series: never wanted by a series filter */
		s = core::IntegerAt(st, values[hdr.series_col], r);
		for (k = SeriesSlotOf(s, c->nslots);; k = (k + 1) & (c->nslots - 1))
		{
			HotSeriesSlot *slot = &slots[k];

			if (slot->first == kNoRow)
			{
				if (c->nseries + 1 > c->nslots / 4 * 3)
				{
					pg_atomic_write_u32(&c->series_index_ok, 0);
					return;
				}
				bool		has_seg = c->nsegs < c->capacity_segs;	/* else rows only */

				slot->series = s;
				slot->last = has_seg ? NewSegment(c, segs, row, ts[r]) : row;
				pg_write_barrier();
				slot->first = has_seg ? slot->last : (row | kSlotRowFlag);
				c->nseries++;
				break;
			}
			if (slot->series == s && (slot->first & kSlotRowFlag) != 0)
			{
				next[slot->last] = row;
				slot->last = row;
				break;
			}
			if (slot->series == s)
			{
				HotSeriesSeg *g = &segs[slot->last];

				next[g->last] = row;
				if (g->nrows >= kHotSegRows && c->nsegs < c->capacity_segs)
				{
					slot->last = NewSegment(c, segs, row, ts[r]);
					pg_write_barrier();	/* readers may follow next before nrows */
					g->next = slot->last;
					break;
				}
				g->min_ts = Min(g->min_ts, ts[r]);
				g->max_ts = Max(g->max_ts, ts[r]);
				g->last = row;
				g->nrows++;
				break;
			}
		}
	}
}

/* WidenZones takes rows [at, at + n) (rows [r0, ...) of the batch) into c's zones (storage.h). */
static void
WidenZones(HotChunk *c, char *data, const core::BatchHeader &hdr, uint8 **validity,
		   uint8 **values, uint32 r0, uint32 n, uint32 at)
{
	HotZone    *zones = reinterpret_cast<HotZone *>(data + c->zones_off);
	core::ColumnType st = static_cast<core::ColumnType>(hdr.types[hdr.series_col]);
	const uint8 *valid = validity[hdr.series_col];
	const int64 *ts = reinterpret_cast<const int64 *>(values[hdr.time_col]);

	for (uint32 i = 0; i < n; i++)
	{
		uint32		r = r0 + i;
		HotZone    *z = &zones[(at + i) / kHotZoneRows];

		if ((at + i) % kHotZoneRows == 0)
		{
			z->min_series = PG_INT64_MAX;
			z->max_series = PG_INT64_MIN;
			z->min_ts = z->max_ts = ts[r];
		}
		z->min_ts = Min(z->min_ts, ts[r]);
		z->max_ts = Max(z->max_ts, ts[r]);
		if ((valid[r >> 3] >> (r & 7)) & 1)
		{
			int64		s = core::IntegerAt(st, values[hdr.series_col], r);

			z->min_series = Min(z->min_series, s);
			z->max_series = Max(z->max_series, s);
		}
	}
}

/*
 * AppendRun copies rows [r0, r0 + n) of a batch into chunk c (which has
 * room for them and for one more batch entry).
 */
static void
AppendRun(HotChunk *c, const core::BatchHeader &hdr, uint8 **validity, uint8 **values,
		  uint32 r0, uint32 n, uint64 lsn)
{
	char	   *data = HotChunkData((int) (c - hot_chunks));
	uint32		at = pg_atomic_read_u32(&c->nrows);
	uint32		nb = pg_atomic_read_u32(&c->nbatches);
	const int64 *ts = reinterpret_cast<const int64 *>(values[hdr.time_col]);
	uint64		null_cols = pg_atomic_read_u64(&c->null_cols);

	for (uint16 col = 0; col < hdr.ncols; col++)
	{
		Size		w = core::ColumnWidth(static_cast<core::ColumnType>(hdr.types[col]));

		memcpy(data + c->values_off[col] + at * w, values[col] + r0 * w, n * w);
		if (CopyBits(reinterpret_cast<uint8 *>(data + c->validity_off[col]), at,
					 validity[col], r0, n))
			null_cols |= UINT64CONST(1) << col;
	}
	/* published with nrows, below */
	pg_atomic_write_u64(&c->null_cols, null_cols);
	if (c->nslots > 0)
		IndexSeries(c, data, hdr, validity, values, r0, n, at);
	if (nb == 0 || c->last_xid != hdr.xid || c->last_cid != hdr.cid || c->last_gen != hdr.generation)
	{
		HotBatch   *b = reinterpret_cast<HotBatch *>(data + c->batches_off) + nb;

		b->row_start = at;
		b->xid = hdr.xid;
		b->cid = hdr.cid;
		b->reserved = hdr.generation;
		c->last_xid = hdr.xid;
		c->last_cid = hdr.cid;
		c->last_gen = hdr.generation;
		nb++;
	}
	for (uint32 i = r0; i < r0 + n; i++)
	{
		c->min_ts = Min(c->min_ts, ts[i]);
		c->max_ts = Max(c->max_ts, ts[i]);
	}
	if (c->nslots > 0)
		WidenZones(c, data, hdr, validity, values, r0, n, at);
	if (c->first_lsn == 0)
		c->first_lsn = lsn;
	c->cover_lsn = lsn;
	c->cover_row = r0 + n - 1;
	c->last_append = GetCurrentTimestamp();

	pg_write_barrier();
	pg_atomic_write_u32(&c->nbatches, nb);
	pg_atomic_write_u32(&c->nrows, at + n);
}

void
ApplyBatch(const uint8 *record, uint64 lsn, bool replaying)
{
	core::BatchHeader hdr;
	uint8	   *validity[core::kMaxColumns];
	uint8	   *values[core::kMaxColumns];
	TableEntry *entry;
	const int64 *ts;
	int64		interval;
	uint32		r = 0;

	memcpy(&hdr, record, sizeof(hdr));
	core::BatchColumns(record, validity, values);
	entry = EnsureTable(hdr.table, LayoutOf(hdr));
	if (entry->dropped)
		return;
	if (!entry->manifest_loaded && !TableIsBroken(hdr.table))
	{
		load_entry = entry;
		load_replaying = replaying;
		(void) RunForTable(LoadManifestOf, hdr.table, 0);
	}
	if (TableIsBroken(hdr.table))
	{
		/* kept in the WAL (BrokenHoldLsn); replayed once the files are restored */
		broken_hold_lsn = Min(broken_hold_lsn, lsn);
		return;
	}
	ts = reinterpret_cast<const int64 *>(values[hdr.time_col]);
	interval = hdr.interval_s != 0 ? (int64) hdr.interval_s * USECS_PER_SEC : ChunkIntervalUsec();
	if (interval != ChunkIntervalUsec())
		replayed_other_interval = true;

	while (r < hdr.nrows)
	{
		int64		window = WindowOf(ts[r], interval);
		uint32		end = r + 1;
		HotChunk   *c;
		uint32		room;

		if (replaying && IsCovered(hdr.table, window, lsn, r))
		{
			r++;
			continue;
		}
		while (end < hdr.nrows && WindowOf(ts[end], interval) == window &&
			   !(replaying && IsCovered(hdr.table, window, lsn, end)))
			end++;

		c = FindChunk(entry, window);
		if (c != NULL && (pg_atomic_read_u32(&c->nrows) >= c->capacity_rows ||
						  pg_atomic_read_u32(&c->nbatches) >= c->capacity_batches))
		{
			/* full: seal it (forced if needed) and start a new one */
			core::TableKey key = entry->key;

			SealChunks(&key, false, true);
			c = FindChunk(entry, window);
		}
		if (c == NULL)
			c = AllocChunk(entry, window);
		room = c->capacity_rows - pg_atomic_read_u32(&c->nrows);
		if (end - r > room)
			end = r + room;
		AppendRun(c, hdr, validity, values, r, end - r, lsn);
		if (!replaying)
		{
			StatAdd(kStatRowsIngested, end - r);
			StatRate(end - r, 0);
		}
		r = end;
	}
}

} // namespace ztsdb
