/*-------------------------------------------------------------------------
 *
 * query_range.cpp
 *	  ztsdb.range(table, series, from, to [, value_column]): one series'
 *	  (ts, value) rows in [from, to), in time order, streamed one row per
 *	  call.  The series and time columns are the table's (declared or
 *	  guessed, LayoutOfRelation); the value column is the one named, by
 *	  default the first floating-point column.
 *
 * Every chunk whose time range overlaps [from, to) becomes a cursor over
 * that chunk's matching rows in time order: sorted warm files by binary
 * search on (series, ts) with no copy; cold files block by block, skipping
 * blocks by their series and time bounds; hot chunks, unsorted files and
 * the transaction's buffered rows by collecting their visible matches and
 * sorting them (bounded by one chunk).  A k-way merge on ts streams the
 * result; memory stays bounded by the chunks' sizes, not the result's.
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/query/query.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_scan.h"

extern "C" {
#include "funcapi.h"
}

namespace ztsdb {

struct RangeCursor
{
	/* current run of candidate rows */
	const int64 *ts;
	const void *vals;
	const uint8 *valid;			/* nullptr: no NULLs */
	const void *series;			/* nullptr when rows are known to match */
	const uint8 *series_valid;
	uint32		row;
	uint32		end;
	/* cold files: next block to decode, into scratch (reset per block) */
	ViewFile   *file;
	uint32		next_block;
	MemoryContext scratch;
};

struct RangeState
{
	core::ChunkLayout layout;
	int16		value_col;
	int64		series;
	int64		from;
	int64		to;
	int			ncursors;
	RangeCursor *cursors;
	MemoryContext cxt;
	TimestampTz started;		/* for the query latency histogram */
};

static inline bool
Bit(const uint8 *bits, uint32 r)
{
	return bits == nullptr || ((bits[r >> 3] >> (r & 7)) & 1);
}

/* RowMatches tells whether row r of a cursor's run is in the series and range. */
static bool
RowMatches(const RangeState *st, const RangeCursor *c, uint32 r)
{
	if (c->ts[r] < st->from || c->ts[r] >= st->to)
		return false;
	if (c->series != nullptr)
		return Bit(c->series_valid, r) &&
			core::IntegerAt(st->layout.types[st->layout.series_col], c->series, r) == st->series;
	return true;
}

/*
 * CollectSorted gathers the matching rows of visible runs into arrays sorted
 * by time and points the cursor at them.
 */
static void
CollectSorted(RangeState *st, RangeCursor *cur, const void *const *values,
			  const uint8 *const *validity, const core::BatchEntry *batches, uint32 nbatches,
			  uint32 nrows, bool check_visibility)
{
	uint32	   *rows = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(nrows, 1)));
	uint32		n = 0;
	const int64 *ts = static_cast<const int64 *>(values[st->layout.time_col]);
	core::ColumnType stype = st->layout.types[st->layout.series_col];
	Size		w = core::ColumnWidth(st->layout.types[st->value_col]);
	int64	   *out_ts;
	char	   *out_vals;
	uint8	   *out_valid;

	for (uint32 b = 0; b < Max(nbatches, 1); b++)
	{
		uint32		start = nbatches ? batches[b].row_start : 0;
		uint32		end = (nbatches && b + 1 < nbatches) ? batches[b + 1].row_start : nrows;

		end = Min(end, nrows);
		if (check_visibility && nbatches &&
			!BatchVisible(batches[b].xid, batches[b].cid, batches[b].reserved, GetActiveSnapshot()))
			continue;
		for (uint32 r = start; r < end; r++)
			if (ts[r] >= st->from && ts[r] < st->to &&
				Bit(validity[st->layout.series_col], r) &&
				core::IntegerAt(stype, values[st->layout.series_col], r) == st->series)
				rows[n++] = r;
	}
	std::stable_sort(rows, rows + n, [ts](uint32 a, uint32 b) noexcept { return ts[a] < ts[b]; });
	out_ts = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
	out_vals = static_cast<char *>(palloc(w * Max(n, 1)));
	out_valid = static_cast<uint8 *>(palloc0(core::BitmapBytes(n) + 1));
	for (uint32 i = 0; i < n; i++)
	{
		out_ts[i] = ts[rows[i]];
		memcpy(out_vals + i * w, static_cast<const char *>(values[st->value_col]) + rows[i] * w, w);
		if (Bit(validity[st->value_col], rows[i]))
			out_valid[i >> 3] |= (uint8) (1 << (i & 7));
	}
	cur->ts = out_ts;
	cur->vals = out_vals;
	cur->valid = out_valid;
	cur->series = nullptr;
	cur->row = 0;
	cur->end = n;
}

/* SortedRange finds [lo, hi) of rows of the series within [from, to) by binary search. */
static void
SortedRange(RangeState *st, RangeCursor *cur, const void *const *values,
			const uint8 *const *validity, uint32 nrows)
{
	const void *sv = values[st->layout.series_col];
	const uint8 *sn = validity[st->layout.series_col];
	core::ColumnType stype = st->layout.types[st->layout.series_col];
	const int64 *ts = static_cast<const int64 *>(values[st->layout.time_col]);
	auto		key_less = [&](uint32 r, int64 s, int64 t) {
		int64		rs = Bit(sn, r) ? core::IntegerAt(stype, sv, r) : PG_INT64_MIN;

		return rs < s || (rs == s && ts[r] < t);
	};
	uint32		lo = 0;
	uint32		hi = nrows;

	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;

		if (key_less(mid, st->series, st->from))
			lo = mid + 1;
		else
			hi = mid;
	}
	cur->row = lo;
	hi = nrows;
	{
		uint32		a = lo;

		while (a < hi)
		{
			uint32		mid = a + (hi - a) / 2;

			if (key_less(mid, st->series, st->to))
				a = mid + 1;
			else
				hi = mid;
		}
		cur->end = a;
	}
	cur->ts = ts;
	cur->vals = values[st->value_col];
	cur->valid = validity[st->value_col];
	cur->series = nullptr;
}

/* AdvanceCold decodes the next block of a cold file that may hold matches. */
static bool
AdvanceCold(RangeState *st, RangeCursor *cur)
{
	ViewFile   *f = cur->file;

	while (cur->next_block < f->reader.nblocks)
	{
		core::BlockInfo info;
		uint32		b = cur->next_block++;
		void	   *ts;
		void	   *vals;
		void	   *series;
		uint8	   *tsv;
		uint8	   *valid;
		uint8	   *series_valid;
		core::Status s;

		MemoryContext old;

		core::GetBlockInfo(f->reader, b, &info);
		if (info.max_ts < st->from || info.min_ts >= st->to ||
			info.max_series < st->series || info.min_series > st->series || info.nrows == 0)
			continue;
		if (cur->scratch == NULL)
			cur->scratch = AllocSetContextCreate(st->cxt, "ztsdb range block",
												 ALLOCSET_DEFAULT_SIZES);
		MemoryContextReset(cur->scratch);
		old = MemoryContextSwitchTo(cur->scratch);
		ts = palloc(sizeof(int64) * info.nrows);
		tsv = static_cast<uint8 *>(palloc(core::BitmapBytes(info.nrows) + 1));
		vals = palloc(core::ColumnWidth(st->layout.types[st->value_col]) * info.nrows);
		valid = static_cast<uint8 *>(palloc(core::BitmapBytes(info.nrows) + 1));
		series = palloc(core::ColumnWidth(st->layout.types[st->layout.series_col]) * info.nrows);
		series_valid = static_cast<uint8 *>(palloc(core::BitmapBytes(info.nrows) + 1));
		s = core::DecodeColdColumn(f->reader, b, st->layout.time_col, ts, tsv);
		if (s.ok())
			s = core::DecodeColdColumn(f->reader, b, st->value_col, vals, valid);
		if (s.ok())
			s = core::DecodeColdColumn(f->reader, b, st->layout.series_col, series, series_valid);
		MemoryContextSwitchTo(old);
		if (!s.ok())
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", f->path, s.message)));
		cur->ts = static_cast<int64 *>(ts);
		cur->vals = vals;
		cur->valid = valid;
		cur->series = series;
		cur->series_valid = series_valid;
		cur->row = 0;
		cur->end = info.nrows;
		return true;
	}
	return false;
}

/* Peek positions the cursor on its next matching row; false when exhausted. */
static bool
Peek(RangeState *st, RangeCursor *cur)
{
	for (;;)
	{
		while (cur->row < cur->end)
		{
			if (RowMatches(st, cur, cur->row))
				return true;
			cur->row++;
		}
		if (cur->file == NULL || !AdvanceCold(st, cur))
			return false;
	}
}

static RangeState *
RangeBegin(Oid relid, int64 series, Datum series_text, bool by_text, int64 from, int64 to,
		   const char *value_name, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	RangeState *st = static_cast<RangeState *>(palloc0(sizeof(RangeState)));
	Relation	rel = OpenZtsdbTable(relid, AccessShareLock, kNeedSelect);
	TableView  *view;
	void	   *buf_values[core::kMaxColumns];
	uint8	   *buf_validity[core::kMaxColumns];
	uint32		buf_rows;

	st->cxt = cxt;
	st->series = series;
	st->from = from;
	st->to = to;
	(void) LayoutOfRelation(rel, &st->layout, true);
	if (st->layout.series_col >= 0)
	{
		Form_pg_attribute satt = TupleDescAttr(RelationGetDescr(rel), st->layout.series_col);
		bool		text_series = IsDictType(satt->atttypid);
		int32		code;

		if (text_series != by_text)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("series column \"%s\" of relation \"%s\" has type %s", NameStr(satt->attname),
							RelationGetRelationName(rel), format_type_be(satt->atttypid)),
					 errhint("Pass the series as %s.", text_series ? "text" : "an integer")));
		/* a string no row holds has no code: no rows (codes are positive) */
		if (by_text)
			st->series = DictLookup(relid, (int16) (st->layout.series_col + 1), series_text, &code)
				? code : -1;
	}
	st->value_col = -1;
	if (value_name != NULL)
	{
		/* the value column named by the caller */
		TupleDesc	desc = RelationGetDescr(rel);

		for (int c = 0; c < desc->natts && st->value_col < 0; c++)
			if (!TupleDescAttr(desc, c)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, c)->attname), value_name) == 0)
				st->value_col = (int16) c;
		if (st->value_col < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist", value_name,
							RelationGetRelationName(rel)),
					 errhint("value_column names a real or double precision column of the table.")));
		if (st->layout.types[st->value_col] != core::ColumnType::kFloat8 &&
			st->layout.types[st->value_col] != core::ColumnType::kFloat4)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("value column \"%s\" has type %s", value_name,
							format_type_be(TupleDescAttr(desc, st->value_col)->atttypid)),
					 errhint("ztsdb.range() returns a real or double precision column; query other columns with SELECT.")));
	}
	else
	{
		/* by default the first floating-point column */
		for (uint16 c = 0; c < st->layout.ncols; c++)
			if (st->layout.types[c] == core::ColumnType::kFloat8 ||
				st->layout.types[c] == core::ColumnType::kFloat4)
			{
				st->value_col = (int16) c;
				break;
			}
	}
	if (st->layout.series_col < 0 || st->value_col < 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("ztsdb.range() needs a table with an integer series column and a floating-point value column"),
				 errhint("Query the table with SELECT instead.")));

	WaitForRecovery();
	WaitForAsyncCommits();
	buf_rows = BufferRowsForScan(rel, GetActiveSnapshot(), buf_values, buf_validity);
	view = OpenTableView(rel, true);
	st->cursors = static_cast<RangeCursor *>(
		palloc0(sizeof(RangeCursor) * (view->nhot + view->nfiles + 1)));

	if (buf_rows > 0)
		CollectSorted(st, &st->cursors[st->ncursors++], buf_values, buf_validity, NULL, 0,
					  buf_rows, false);
	for (int h = 0; h < view->nhot; h++)
	{
		const void *values[core::kMaxColumns];
		const uint8 *validity[core::kMaxColumns];
		const core::BatchEntry *batches;

		if (view->hot[h].nrows == 0)
			continue;
		HotColumns(view, h, values, validity, &batches);
		CollectSorted(st, &st->cursors[st->ncursors++], values, validity, batches,
					  view->hot[h].nbatches, view->hot[h].nrows, true);
	}
	for (int i = 0; i < view->nfiles; i++)
	{
		ViewFile   *f = &view->files[i];
		RangeCursor *cur;

		if (f->entry.meta.max_ts < from || f->entry.meta.min_ts >= to)
			continue;
		cur = &st->cursors[st->ncursors++];
		if (f->entry.meta.tier == core::kTierCold)
		{
			cur->file = f;
			cur->next_block = 0;
			continue;
		}
		{
			const void *values[core::kMaxColumns];
			const uint8 *validity[core::kMaxColumns];

			for (uint16 c = 0; c < st->layout.ncols; c++)
			{
				core::Status s = core::WarmColumn(f->reader, c, &values[c], &validity[c]);

				if (!s.ok())
					ereport(ERROR,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", f->path, s.message)));
			}
			if (f->reader.nbatches == 0)
				SortedRange(st, cur, values, validity, f->reader.meta.nrows);
			else
			{
				core::BatchEntry *batches = static_cast<core::BatchEntry *>(
					palloc(sizeof(core::BatchEntry) * f->reader.nbatches));

				for (uint32 b = 0; b < f->reader.nbatches; b++)
					core::GetBatch(f->reader, b, &batches[b]);
				CollectSorted(st, cur, values, validity, batches, f->reader.nbatches,
							  f->reader.meta.nrows, true);
			}
		}
	}
	/* the lock stays until end of transaction, as for any scan */
	relation_close(rel, NoLock);
	StatAdd(kStatQueries, 1);
	StatRate(0, 1);
	st->started = GetCurrentTimestamp();
	MemoryContextSwitchTo(old);
	return st;
}

} // namespace ztsdb

using namespace ztsdb;

extern "C" {
PG_FUNCTION_INFO_V1(ztsdb_range);
}

extern "C" Datum
ztsdb_range(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	RangeState *st;
	int			best = -1;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	desc;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "ztsdb.range must return a composite type");
		funcctx->tuple_desc = BlessTupleDesc(desc);
		MemoryContextSwitchTo(old);
		if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
			SRF_RETURN_DONE(funcctx);
		bool		by_text = get_fn_expr_argtype(fcinfo->flinfo, 1) == TEXTOID;

		funcctx->user_fctx = RangeBegin(PG_GETARG_OID(0), by_text ? 0 : PG_GETARG_INT64(1),
										by_text ? PG_GETARG_DATUM(1) : (Datum) 0, by_text,
										PG_GETARG_TIMESTAMPTZ(2), PG_GETARG_TIMESTAMPTZ(3),
										PG_NARGS() > 4 && !PG_ARGISNULL(4)
										? NameStr(*PG_GETARG_NAME(4)) : NULL,
										funcctx->multi_call_memory_ctx);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = static_cast<RangeState *>(funcctx->user_fctx);
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);

		for (int i = 0; i < st->ncursors; i++)
			if (Peek(st, &st->cursors[i]) &&
				(best < 0 || st->cursors[i].ts[st->cursors[i].row] <
				 st->cursors[best].ts[st->cursors[best].row]))
				best = i;
		MemoryContextSwitchTo(old);
	}
	if (best >= 0)
	{
		RangeCursor *c = &st->cursors[best];
		uint32		r = c->row++;
		Datum		values[2];
		bool		nulls[2] = {false, false};
		core::ColumnType vt = st->layout.types[st->value_col];

		values[0] = TimestampTzGetDatum(c->ts[r]);
		nulls[1] = !Bit(c->valid, r);
		if (!nulls[1])
			values[1] = vt == core::ColumnType::kFloat4
				? Float8GetDatum((double) static_cast<const float4 *>(c->vals)[r])
				: Float8GetDatum(static_cast<const float8 *>(c->vals)[r]);
		else
			values[1] = (Datum) 0;
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
	}
	StatLatency(kHistQuery, GetCurrentTimestamp() - st->started);
	SRF_RETURN_DONE(funcctx);
}
