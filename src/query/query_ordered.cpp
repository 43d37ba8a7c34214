/*-------------------------------------------------------------------------
 *
 * query_ordered.cpp
 *	  ZtsdbOrdered: a custom scan that returns a ztsdb table's rows in time
 *	  order (ascending or descending) by reading it window by window, the
 *	  newest (or oldest) window first, so that a Limit above it stops after
 *	  the first window or two: ORDER BY ts DESC LIMIT n, and min(ts) /
 *	  max(ts), which PostgreSQL's planner turns into ORDER BY ts LIMIT 1
 *	  subqueries (planagg.c) when a path sorted by the column exists.
 *
 * Planning (set_rel_pathlist_hook, unless ztsdb.enable_ordered_scan is
 * off): when the query's first sort key (root->query_pathkeys) is the
 * table's time column, ascending or descending, a CustomPath with that
 * pathkey is added.  WHERE clauses on the time and series columns that
 * ZtsdbScan pushes down (query_pushdown.h) bound the windows and the scans
 * in them; every clause is also checked on each row.
 *
 * Execution: the chunk metadata of a table view (time range and row count
 * of each hot chunk and chunk file, storage_read.h) places the windows.
 * Descending, the first window ends at the upper bound of the query (so it
 * holds any row newer than every chunk, such as the transaction's own
 * unflushed rows) and starts below the newest row any chunk has, wide
 * enough to hold about kFirstWindowRows rows at that chunk's density; each
 * later window is twice as wide and ends just below the previous one, and
 * skips the time no chunk covers; the last ends at the query's lower
 * bound.  Ascending is the mirror image.  Each window is one bounded scan
 * (ScanBeginBounded: the snapshot decides visibility per batch as in every
 * scan, chunks and cold blocks outside the window are skipped) whose rows,
 * once they pass the quals, go into a tuplesort by the time column; then
 * the window's rows are returned in order.  The windows cover the bounds
 * without gaps or overlap, so every row is returned once, whatever the
 * writer seals or compresses between windows (each scan takes its own
 * consistent view); the metadata only decides how wide windows are.
 *
 * XXX: a chunk that spans a long time (late rows in a hot chunk) is read
 * by every window that overlaps it; hot chunks and warm files are checked
 * row by row against the window (cold files skip blocks).  The doubling
 * keeps the number of windows logarithmic in the rows.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/query/query_pushdown.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_scan.h"
#include "ztsdb/util/util_guc.h"

extern "C" {
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/tuplesort.h"
#include "utils/typcache.h"
}

#include <algorithm>

namespace ztsdb {

/* rows the first window should hold, at the density of the chunk it starts in */
static constexpr int64 kFirstWindowRows = 1024;

/* time range and rows of one hot chunk or chunk file */
struct ChunkSpan
{
	int64		min_ts;
	int64		max_ts;
	uint32		nrows;
};

struct OrderedState
{
	CustomScanState css;
	List	   *kinds;			/* BoundKind per pushed expression */
	List	   *exprs;			/* ExprState per pushed expression */
	List	   *expr_types;
	bool		desc;
	AttrNumber	time_att;
	Oid			sortop;
	ExprState  *qual;			/* checked before rows are sorted */

	bool		begun;			/* bounds and spans are set */
	bool		done;			/* no window left */
	ScanBounds	bounds;			/* the query's bounds */
	int64		lo;				/* rows left to return: [lo, hi] */
	int64		hi;
	int64		width;			/* of the next window */
	ChunkSpan  *spans;
	int			nspans;

	Tuplesortstate *sort;		/* the current window's rows */
	TupleTableSlot *sorted_slot;

	/* EXPLAIN ANALYZE */
	uint64		windows;
	uint64		rows_sorted;
	ScanCounters counters;
};

static set_rel_pathlist_hook_type prev_set_rel_pathlist = NULL;
static CustomPathMethods path_methods;
static CustomScanMethods scan_methods;
static CustomExecMethods exec_methods;

static int64
SatAdd(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		return b > 0 ? PG_INT64_MAX : PG_INT64_MIN;
	return r;
}

static int64
SatSub(int64 a, int64 b)
{
	int64		r;

	if (pg_sub_s64_overflow(a, b, &r))
		return b > 0 ? PG_INT64_MIN : PG_INT64_MAX;
	return r;
}

/*
 * SetRelPathlist adds the ordered path when the query sorts by the time
 * column first.
 */
static void
SetRelPathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	Relation	r;
	core::ChunkLayout layout;
	bool		ok;
	List	   *exprs = NIL;
	List	   *kinds = NIL;
	Oid			time_type = InvalidOid;
	int32		time_typmod = -1;
	Oid			time_coll = InvalidOid;
	Path	   *seq = NULL;
	ListCell   *lc;

	if (prev_set_rel_pathlist)
		prev_set_rel_pathlist(root, rel, rti, rte);
	if (!guc_enable_ordered_scan || root->query_pathkeys == NIL ||
		rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION || rte->inh ||
		rel->reloptkind != RELOPT_BASEREL)
		return;
	r = relation_open(rte->relid, NoLock);
	ok = IsZtsdbRelation(r) && LayoutFromTupleDesc(RelationGetDescr(r), &layout, false);
	if (ok)
	{
		TupleDesc	desc = RelationGetDescr(r);
		Form_pg_attribute att = TupleDescAttr(desc, layout.time_col);
		Oid			series_type = layout.series_col >= 0
			? TupleDescAttr(desc, layout.series_col)->atttypid : InvalidOid;

		time_type = att->atttypid;
		time_typmod = att->atttypmod;
		time_coll = att->attcollation;
		foreach(lc, rel->baserestrictinfo)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

			(void) MatchClause(ri->clause, rel->relid, layout, time_type, series_type,
							   &exprs, &kinds);
		}
	}
	relation_close(r, NoLock);
	if (!ok)
		return;

	foreach(lc, rel->pathlist)
		if (((Path *) lfirst(lc))->pathtype == T_SeqScan)
			seq = (Path *) lfirst(lc);
	if (seq == NULL)
		return;

	{
		Var		   *var = makeVar(rel->relid, layout.time_col + 1, time_type, time_typmod,
								  time_coll, 0);
		TypeCacheEntry *tc = lookup_type_cache(time_type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);

		for (int d = 0; d < 2; d++)
		{
			bool		desc = d == 1;
			Oid			opno = desc ? tc->gt_opr : tc->lt_opr;
			List	   *pathkeys;
			CustomPath *cpath;
			Cost		run = seq->total_cost - seq->startup_cost;

			if (!OidIsValid(opno))
				continue;
			pathkeys = build_expression_pathkey(root, (Expr *) var, NULL, opno, rel->relids,
												false);
			if (pathkeys == NIL || linitial(pathkeys) != linitial(root->query_pathkeys))
				continue;
			cpath = makeNode(CustomPath);
			cpath->path.pathtype = T_CustomScan;
			cpath->path.parent = rel;
			cpath->path.pathtarget = rel->reltarget;
			cpath->path.param_info = seq->param_info;
			cpath->path.parallel_aware = false;
			cpath->path.parallel_safe = false;
			cpath->path.rows = rel->rows;
			cpath->path.pathkeys = pathkeys;

			/*
			 * XXX: no per-chunk statistics at plan time; the first window
			 * holds a few thousand rows, so the first row costs a small
			 * fraction of a full scan, and sorting window by window costs a
			 * little more than the seq scan in all.
			 */
			cpath->path.startup_cost = seq->startup_cost + run * 0.01;
			cpath->path.total_cost = seq->startup_cost + run * 1.1;
			cpath->flags = 0;
			cpath->custom_private = list_make3(exprs, kinds, list_make1_int(desc ? 1 : 0));
			cpath->methods = &path_methods;
			add_path(rel, &cpath->path);
			break;
		}
	}
}

static Plan *
PlanPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
		 List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);

	(void) root;
	(void) custom_plans;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = extract_actual_clauses(clauses, false);
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	cscan->custom_exprs = (List *) linitial(best_path->custom_private);
	cscan->custom_private = list_make2(lsecond(best_path->custom_private),
									   lthird(best_path->custom_private));
	cscan->methods = &scan_methods;
	return &cscan->scan.plan;
}

static Node *
CreateState(CustomScan *cscan)
{
	OrderedState *state = static_cast<OrderedState *>(palloc0(sizeof(OrderedState)));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &exec_methods;
	state->kinds = (List *) linitial(cscan->custom_private);
	state->desc = linitial_int((List *) lsecond(cscan->custom_private)) != 0;
	return (Node *) state;
}

static void
BeginScan(CustomScanState *node, EState *estate, int eflags)
{
	OrderedState *state = reinterpret_cast<OrderedState *>(node);
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	core::ChunkLayout layout;
	Oid			time_type;
	TypeCacheEntry *tc;
	ListCell   *lc;

	(void) eflags;
	(void) LayoutFromTupleDesc(RelationGetDescr(rel), &layout, true);
	state->time_att = layout.time_col + 1;
	time_type = TupleDescAttr(RelationGetDescr(rel), layout.time_col)->atttypid;
	tc = lookup_type_cache(time_type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
	state->sortop = state->desc ? tc->gt_opr : tc->lt_opr;
	state->exprs = ExecInitExprList(cscan->custom_exprs, &node->ss.ps);
	foreach(lc, cscan->custom_exprs)
		state->expr_types = lappend_oid(state->expr_types, exprType((Node *) lfirst(lc)));

	/* the quals are checked as rows enter the sort, not again after it */
	state->qual = node->ss.ps.qual;
	node->ss.ps.qual = NULL;
	state->sorted_slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel),
												&TTSOpsMinimalTuple);
}

/*
 * Begin evaluates the bounds and collects the chunk spans, in the query's
 * memory context.  The view that gives the spans lives in a context of its
 * own, deleted at once: its reset callback unpins the hot chunks.
 */
static void
Begin(OrderedState *state)
{
	ScanState  *ss = &state->css.ss;
	MemoryContext old = MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
	MemoryContext viewcxt;
	TableView  *view;
	ScanBounds *b = &state->bounds;

	state->begun = true;
	state->done = !EvalBounds(ss->ps.ps_ExprContext, state->exprs, state->kinds,
							  state->expr_types, b);
	if (b->nseries > 0)
	{
		/* EvalBounds allocates in the per-tuple context; keep a copy */
		int64	   *copy = static_cast<int64 *>(palloc(sizeof(int64) * b->nseries));

		memcpy(copy, b->series, sizeof(int64) * b->nseries);
		b->series = copy;
	}
	state->lo = b->min_ts;
	state->hi = b->max_ts;
	state->nspans = 0;
	state->width = 0;
	if (state->done)
	{
		MemoryContextSwitchTo(old);
		return;
	}

	viewcxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb ordered scan view",
									ALLOCSET_SMALL_SIZES);
	MemoryContextSwitchTo(viewcxt);
	view = OpenTableView(ss->ss_currentRelation, false, b->min_ts, b->max_ts, b->nseries,
						 b->series);
	MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
	state->spans = static_cast<ChunkSpan *>(palloc(sizeof(ChunkSpan) *
												   Max(view->nhot + view->nfiles, 1)));
	for (int i = 0; i < view->nhot; i++)
		if (view->hot[i].nrows > 0)
			state->spans[state->nspans++] = {view->hot[i].min_ts, view->hot[i].max_ts,
											 view->hot[i].nrows};
	for (int i = 0; i < view->nfiles; i++)
		if (view->files[i].entry.meta.nrows > 0)
			state->spans[state->nspans++] = {view->files[i].entry.meta.min_ts,
											 view->files[i].entry.meta.max_ts,
											 view->files[i].entry.meta.nrows};
	MemoryContextDelete(viewcxt);
	MemoryContextSwitchTo(old);
}

/*
 * NextWindow picks the next window [*wlo, *whi] of the rows left; false
 * when none is left.
 */
static bool
NextWindow(OrderedState *state, int64 *wlo, int64 *whi)
{
	const ChunkSpan *edge = NULL;
	int64		edge_ts = 0;

	if (state->done || state->lo > state->hi)
		return false;
	/* the newest (oldest) data any chunk has within what is left */
	for (int i = 0; i < state->nspans; i++)
	{
		const ChunkSpan *s = &state->spans[i];

		if (s->max_ts < state->lo || s->min_ts > state->hi)
			continue;
		if (state->desc)
		{
			int64		t = Min(s->max_ts, state->hi);

			if (edge == NULL || t > edge_ts)
				edge = s, edge_ts = t;
		}
		else
		{
			int64		t = Max(s->min_ts, state->lo);

			if (edge == NULL || t < edge_ts)
				edge = s, edge_ts = t;
		}
	}
	if (edge == NULL)
	{
		/* no chunk left: one last window for rows outside every chunk */
		*wlo = state->lo;
		*whi = state->hi;
		state->done = true;
		return true;
	}
	if (state->width == 0)
	{
		/* about kFirstWindowRows rows of the chunk the first window starts in */
		double		span = (double) edge->max_ts - (double) edge->min_ts + 1;
		double		w = span * Min((double) kFirstWindowRows / Max(edge->nrows, 1), 1.0);

		state->width = w >= (double) PG_INT64_MAX ? PG_INT64_MAX : Max((int64) w, 1);
	}
	if (state->desc)
	{
		*whi = state->hi;
		*wlo = Max(SatSub(edge_ts, state->width - 1), state->lo);
		if (*wlo == state->lo)
			state->done = true;
		else
			state->hi = *wlo - 1;
	}
	else
	{
		*wlo = state->lo;
		*whi = Min(SatAdd(edge_ts, state->width - 1), state->hi);
		if (*whi == state->hi)
			state->done = true;
		else
			state->lo = *whi + 1;
	}
	state->width = state->width > PG_INT64_MAX / 2 ? PG_INT64_MAX : state->width * 2;
	return true;
}

/* FillWindow scans one window and sorts the rows that pass the quals. */
static void
FillWindow(OrderedState *state, int64 wlo, int64 whi)
{
	ScanState  *ss = &state->css.ss;
	ExprContext *econtext = ss->ps.ps_ExprContext;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	MemoryContext old = MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
	ScanBounds	b = state->bounds;
	TableScanDesc scan;
	ScanCounters c;
	Oid			coll = InvalidOid;
	bool		nulls_first = state->desc;
	uint64		n = 0;

	b.min_ts = wlo;
	b.max_ts = whi;
	state->sort = tuplesort_begin_heap(RelationGetDescr(ss->ss_currentRelation), 1,
									   &state->time_att, &state->sortop, &coll, &nulls_first,
									   work_mem, NULL, TUPLESORT_NONE);
	scan = ScanBeginBounded(ss->ss_currentRelation, ss->ps.state->es_snapshot, &b);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		if ((++n & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		econtext->ecxt_scantuple = slot;
		if (state->qual == NULL || ExecQual(state->qual, econtext))
		{
			tuplesort_puttupleslot(state->sort, slot);
			state->rows_sorted++;
		}
		ResetExprContext(econtext);
	}
	ScanGetCounters(scan, &c);
	state->counters.chunks_scanned += c.chunks_scanned;
	state->counters.chunks_skipped += c.chunks_skipped;
	state->counters.blocks_scanned += c.blocks_scanned;
	state->counters.blocks_skipped += c.blocks_skipped;
	state->counters.hot_rows_read += c.hot_rows_read;
	table_endscan(scan);
	tuplesort_performsort(state->sort);
	state->windows++;
	MemoryContextSwitchTo(old);
}

static TupleTableSlot *
ExecOrdered(CustomScanState *node)
{
	OrderedState *state = reinterpret_cast<OrderedState *>(node);
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (!state->begun)
		Begin(state);
	for (;;)
	{
		int64		wlo;
		int64		whi;

		if (state->sort != NULL)
		{
			if (tuplesort_gettupleslot(state->sort, true, false, state->sorted_slot, NULL))
			{
				ExecCopySlot(slot, state->sorted_slot);
				ResetExprContext(econtext);
				econtext->ecxt_scantuple = slot;
				if (node->ss.ps.ps_ProjInfo != NULL)
					return ExecProject(node->ss.ps.ps_ProjInfo);
				return slot;
			}
			tuplesort_end(state->sort);
			state->sort = NULL;
		}
		CHECK_FOR_INTERRUPTS();
		if (!NextWindow(state, &wlo, &whi))
		{
			if (node->ss.ps.ps_ProjInfo != NULL)
				return ExecClearTuple(node->ss.ps.ps_ResultTupleSlot);
			return ExecClearTuple(slot);
		}
		FillWindow(state, wlo, whi);
	}
}

static void
EndOrdered(CustomScanState *node)
{
	OrderedState *state = reinterpret_cast<OrderedState *>(node);

	if (state->sort != NULL)
	{
		tuplesort_end(state->sort);
		state->sort = NULL;
	}
}

static void
ReScanOrdered(CustomScanState *node)
{
	OrderedState *state = reinterpret_cast<OrderedState *>(node);

	/* parameters may have changed: bounds, spans and windows again */
	EndOrdered(node);
	state->begun = false;
	state->done = false;
	ExecScanReScan(&node->ss);
}

static void
ExplainOrdered(CustomScanState *node, List *ancestors, ExplainState *es)
{
	OrderedState *state = reinterpret_cast<OrderedState *>(node);
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	TupleDesc	desc = RelationGetDescr(node->ss.ss_currentRelation);
	core::ChunkLayout layout;
	StringInfoData buf;
	ListCell   *le;
	ListCell   *lk;
	List	   *texts = NIL;
	List	   *context;
	static const char *const ops[] = {"", "<", "<=", "=", ">=", ">", "=", "= ANY"};

	(void) LayoutFromTupleDesc(desc, &layout, false);
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s", NameStr(TupleDescAttr(desc, layout.time_col)->attname),
					 state->desc ? "DESC" : "ASC");
	ExplainPropertyText("Time Order", buf.data, es);
	context = set_deparse_context_plan(es->deparse_cxt, (Plan *) cscan, ancestors);
	forboth(le, cscan->custom_exprs, lk, state->kinds)
	{
		int			kind = lfirst_int(lk);
		const char *col = kind >= 6 /* kSeriesEq, query_scan.cpp */ && layout.series_col >= 0
			? NameStr(TupleDescAttr(desc, layout.series_col)->attname)
			: NameStr(TupleDescAttr(desc, layout.time_col)->attname);

		initStringInfo(&buf);
		appendStringInfo(&buf, "%s %s %s", col, ops[kind],
						 deparse_expression((Node *) lfirst(le), context, false, false));
		texts = lappend(texts, buf.data);
	}
	if (texts != NIL)
		ExplainPropertyList("Pushed Down", texts, es);
	if (es->analyze)
	{
		ExplainPropertyInteger("Windows", NULL, (int64) state->windows, es);
		ExplainPropertyInteger("Rows Sorted", NULL, (int64) state->rows_sorted, es);
		ExplainPropertyInteger("Chunks Scanned", NULL, (int64) state->counters.chunks_scanned, es);
		ExplainPropertyInteger("Chunks Skipped", NULL, (int64) state->counters.chunks_skipped, es);
		ExplainPropertyInteger("Blocks Scanned", NULL, (int64) state->counters.blocks_scanned, es);
		ExplainPropertyInteger("Blocks Skipped", NULL, (int64) state->counters.blocks_skipped, es);
	}
}

void
QueryOrderedInit(void)
{
	memset(&path_methods, 0, sizeof(path_methods));
	path_methods.CustomName = "ZtsdbOrdered";
	path_methods.PlanCustomPath = PlanPath;

	memset(&scan_methods, 0, sizeof(scan_methods));
	scan_methods.CustomName = "ZtsdbOrdered";
	scan_methods.CreateCustomScanState = CreateState;
	RegisterCustomScanMethods(&scan_methods);

	memset(&exec_methods, 0, sizeof(exec_methods));
	exec_methods.CustomName = "ZtsdbOrdered";
	exec_methods.BeginCustomScan = BeginScan;
	exec_methods.ExecCustomScan = ExecOrdered;
	exec_methods.EndCustomScan = EndOrdered;
	exec_methods.ReScanCustomScan = ReScanOrdered;
	exec_methods.ExplainCustomScan = ExplainOrdered;

	prev_set_rel_pathlist = set_rel_pathlist_hook;
	set_rel_pathlist_hook = SetRelPathlist;
}

} // namespace ztsdb
