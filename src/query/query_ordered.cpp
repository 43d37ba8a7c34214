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
 * Time buckets (create_upper_paths_hook, UPPERREL_GROUP_AGG): for GROUP BY
 * a time bucket ORDER BY it LIMIT n (TSBS's groupby-orderby-limit), a sorted
 * Aggregate over ZtsdbOrdered, whose time order is bucket order when the
 * bucket never decreases with time (MonotonicBucket).
 *
 * ZtsdbLast (create_upper_paths_hook, UPPERREL_DISTINCT): TSBS's
 * lastpoint, SELECT DISTINCT ON (series) ... ORDER BY series, ts DESC over
 * one ztsdb table with a NOT NULL series column, is computed whole by one
 * custom scan: descending windows as above, keeping per series the newest
 * row that passes the quals (a hash by series), until no chunk left below
 * the windows can hold a series not yet seen -- by the series list of a
 * hot chunk's index or of the transaction's unflushed rows, or by a file's
 * series filter (min/max and Bloom bits, enumerated over the range when
 * it is narrow) -- or the bounds are exhausted; then the rows go out in
 * series order.  A series whose rows all fail a qual other than the pushed
 * ones is never "seen", so such quals may make it read everything: still
 * right, only slower.  A text or varchar series (deterministic collation)
 * is keyed by its dictionary code, which chunk series lists and filters
 * hold (tam_dict.cpp); the rows go out sorted by the strings in the
 * column's collation, not by code.  Tables with other text columns get
 * ZtsdbOrdered and ZtsdbLast only when no clause reads one (rows come
 * decoded, but pushed bounds would need codes).
 *
 * XXX: a chunk that spans a long time (late rows in a hot chunk) is read
 * by every window that overlaps it; hot chunks and warm files are checked
 * row by row against the window (cold files skip blocks).  The doubling
 * keeps the number of windows logarithmic in the rows.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/query/query_bucket.h"
#include "ztsdb/query/query_pushdown.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_scan.h"
#include "ztsdb/util/util_guc.h"

extern "C" {
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/hsearch.h"
#include "utils/selfuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "optimizer/prep.h"
#include "access/stratnum.h"
#include "access/sysattr.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/varlena.h"
#include "utils/ruleutils.h"
#include "utils/tuplesort.h"
#include "utils/typcache.h"
}

#include <algorithm>

namespace ztsdb {

/* rows the first window should hold, at the density of the chunk it starts in */
static constexpr int64 kFirstWindowRows = 1024;

/*
 * Time range and rows of one hot chunk, chunk file or the transaction's
 * unflushed rows; for ZtsdbLast also which series it may hold: a list
 * (nseries >= 0), else a file's series filter (filter_valid), else unknown.
 */
struct ChunkSpan
{
	int64		min_ts;
	int64		max_ts;
	uint32		nrows;
	int			nseries;		/* -1: no list */
	int64	   *series;			/* sorted, distinct */
	bool		filter_valid;
	core::SeriesFilter filter;
};

/* the latest row of one series so far (ZtsdbLast) */
struct LastEntry
{
	int64		series;			/* hash key */
	int64		ts;
	MinimalTuple tuple;
};

struct OrderedState
{
	CustomScanState css;
	List	   *kinds;			/* BoundKind per pushed expression */
	List	   *exprs;			/* ExprState per pushed expression */
	List	   *expr_types;
	bool		desc;
	bool		last;			/* ZtsdbLast: the latest row per series */
	uint64		need_cols;		/* ScanBounds.need_cols */
	AttrNumber	time_att;
	AttrNumber	series_att;
	Oid			series_type;
	bool		series_dict;	/* text series: keyed by code (tam_dict.cpp) */
	Oid			series_coll;	/* ... and output in this collation's order */
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

	/* ZtsdbLast */
	HTAB	   *latest;			/* LastEntry by series */
	LastEntry **out;			/* by series, once every window is read */
	int			nout;
	int			pos;
	bool		collected;

	/* EXPLAIN ANALYZE */
	uint64		windows;
	uint64		rows_sorted;	/* ZtsdbLast: rows that passed the quals */
	ScanCounters counters;
};

static set_rel_pathlist_hook_type prev_set_rel_pathlist = NULL;
static CustomPathMethods path_methods;
static CustomScanMethods scan_methods;
static CustomExecMethods exec_methods;
static create_upper_paths_hook_type prev_upper_paths = NULL;
static CustomPathMethods last_path_methods;
static CustomScanMethods last_scan_methods;
static CustomExecMethods last_exec_methods;

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
	/* rows come decoded; pushed text clauses would need codes */
	ok = IsZtsdbRelation(r) && !DictColumnsNeeded(r, rel, false) && LayoutOfRelation(r, &layout, false);
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
			cpath->custom_private = list_make3(exprs, kinds, list_make2_int(desc ? 1 : 0, 0));
			cpath->methods = &path_methods;
			add_path(rel, &cpath->path);
			break;
		}
	}
}

/*
 * MonotonicBucket tells whether bucket expression f (TimeBucketKindOf
 * accepted it) never decreases as the time column grows, so rows in time
 * order are in bucket order: date_bin always (arithmetic on the stored
 * microseconds); date_trunc of timestamp always; date_trunc of timestamptz
 * for units up to a minute only -- larger units truncate local time, which
 * goes back at a DST change.
 *
 * XXX: a zone whose offset once changed by a part of a minute (local mean
 * time before ~1900) could put minute buckets out of order around that
 * instant.
 */
static bool
MonotonicBucket(FuncExpr *f)
{
	Const	   *unit;
	char	   *u;
	static const char *const ok[] = {"microsecond", "microseconds", "millisecond",
		"milliseconds", "second", "seconds", "minute", "minutes", "min", "mins", "sec", "secs"};

	if (TimeBucketName(f->funcid)[5] == 'b')	/* date_bin */
		return true;
	if (f->funcresulttype == TIMESTAMPOID)
		return true;
	unit = (Const *) linitial(f->args);
	if (!IsA(unit, Const) || unit->constisnull || unit->consttype != TEXTOID)
		return false;
	u = asc_tolower(TextDatumGetCString(unit->constvalue),
					strlen(TextDatumGetCString(unit->constvalue)));
	for (const char *o : ok)
		if (strcmp(u, o) == 0)
			return true;
	return false;
}

/*
 * BucketGroupPaths adds, for
 *		SELECT bucket(ts), aggs FROM t [WHERE ...] GROUP BY 1 ORDER BY 1 [DESC] LIMIT n
 * over one ztsdb table (TSBS's groupby-orderby-limit), a sorted Aggregate
 * over ZtsdbOrdered: rows in time order are in bucket order, so the Limit
 * stops the scan after the newest (oldest) windows instead of aggregating
 * the whole table.  Without a LIMIT, ZtsdbAgg stays cheaper.
 */
static void
BucketGroupPaths(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel,
				 GroupPathExtraData *extra)
{
	Query	   *parse = root->parse;
	RangeTblEntry *rte;
	Relation	r;
	core::ChunkLayout layout;
	bool		ok;
	Oid			time_type = InvalidOid;
	Oid			series_type = InvalidOid;
	Node	   *gexpr;
	PathKey    *pk;
	bool		desc;
	List	   *exprs = NIL;
	List	   *kinds = NIL;
	ListCell   *lc;
	CustomPath *cpath;
	Path	   *cheapest;
	Cost		run;
	AggClauseCosts costs;
	double		ngroups;

	if (!guc_enable_ordered_scan || extra == NULL || parse->limitCount == NULL ||
		list_length(parse->groupClause) != 1 || parse->groupingSets != NIL ||
		parse->hasWindowFuncs || parse->hasTargetSRFs || parse->setOperations != NULL ||
		list_length(root->group_pathkeys) != 1 || root->sort_pathkeys == NIL ||
		linitial(root->sort_pathkeys) != linitial(root->group_pathkeys) ||
		input_rel->reloptkind != RELOPT_BASEREL || input_rel->cheapest_total_path == NULL)
		return;
	rte = planner_rt_fetch(input_rel->relid, root);
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION || rte->inh)
		return;
	r = relation_open(rte->relid, NoLock);
	ok = IsZtsdbRelation(r) && !DictColumnsNeeded(r, input_rel, true) && LayoutOfRelation(r, &layout, false);
	if (ok)
	{
		time_type = TupleDescAttr(RelationGetDescr(r), layout.time_col)->atttypid;
		if (layout.series_col >= 0)
			series_type = TupleDescAttr(RelationGetDescr(r), layout.series_col)->atttypid;
	}
	relation_close(r, NoLock);
	if (!ok)
		return;
	gexpr = (Node *) get_sortgroupclause_expr(linitial_node(SortGroupClause, parse->groupClause),
											 parse->targetList);
	if (TimeBucketKindOf(gexpr, input_rel->relid, layout.time_col, time_type) == kBucketNone ||
		!MonotonicBucket((FuncExpr *) gexpr))
		return;
	pk = linitial_node(PathKey, root->group_pathkeys);
	if (pk->pk_strategy != BTLessStrategyNumber && pk->pk_strategy != BTGreaterStrategyNumber)
		return;
	desc = pk->pk_strategy == BTGreaterStrategyNumber;
	foreach(lc, input_rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		(void) MatchClause(ri->clause, input_rel->relid, layout, time_type, series_type, &exprs,
						   &kinds);
	}
	cheapest = input_rel->cheapest_total_path;
	run = cheapest->total_cost - cheapest->startup_cost;
	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = input_rel;
	cpath->path.pathtarget = input_rel->reltarget;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.rows = input_rel->rows;
	cpath->path.pathkeys = root->group_pathkeys;
	/* XXX: as SetRelPathlist's */
	cpath->path.startup_cost = cheapest->startup_cost + run * 0.01;
	cpath->path.total_cost = cheapest->startup_cost + run * 1.1;
	cpath->flags = 0;
	cpath->custom_private = list_make3(exprs, kinds, list_make2_int(desc ? 1 : 0, 0));
	cpath->methods = &path_methods;

	memset(&costs, 0, sizeof(costs));
	get_agg_clause_costs(root, AGGSPLIT_SIMPLE, &costs);
	ngroups = estimate_num_groups(root, list_make1(gexpr), input_rel->rows, NULL, NULL);
	add_path(output_rel, (Path *) create_agg_path(root, output_rel, &cpath->path,
												   output_rel->reltarget, AGG_SORTED,
												   AGGSPLIT_SIMPLE, parse->groupClause,
												   (List *) extra->havingQual, &costs, ngroups));
}

/*
 * LastUpperPaths adds ZtsdbLast to the DISTINCT step of
 *		SELECT DISTINCT ON (series_col) ... FROM t [WHERE ...]
 *		ORDER BY series_col, time_col DESC
 * over one ztsdb table whose series column is NOT NULL (a NULL group
 * would not show in chunk metadata): the path computes the whole DISTINCT
 * ON, one row per series in series order, so no Unique or Sort is left.
 */
static void
LastUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
			   RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	RangeTblEntry *rte;
	Relation	r;
	core::ChunkLayout layout;
	bool		ok;
	SortGroupClause *s1;
	SortGroupClause *s2;
	Node	   *e1;
	Node	   *e2;
	Oid			time_type = InvalidOid;
	Oid			series_type = InvalidOid;
	List	   *exprs = NIL;
	List	   *kinds = NIL;
	ListCell   *lc;
	CustomPath *cpath;
	Path	   *cheapest;
	Index		relid;

	if (prev_upper_paths)
		prev_upper_paths(root, stage, input_rel, output_rel, extra);
	if (stage == UPPERREL_GROUP_AGG)
	{
		BucketGroupPaths(root, input_rel, output_rel, static_cast<GroupPathExtraData *>(extra));
		return;
	}
	if (stage != UPPERREL_DISTINCT || !guc_enable_ordered_scan || !parse->hasDistinctOn ||
		list_length(parse->distinctClause) != 1 || list_length(parse->sortClause) != 2 ||
		parse->groupClause != NIL || parse->groupingSets != NIL || parse->hasAggs ||
		parse->hasWindowFuncs || parse->hasTargetSRFs || parse->setOperations != NULL ||
		parse->rowMarks != NIL || root->hasHavingQual ||
		input_rel->reloptkind != RELOPT_BASEREL || input_rel->cheapest_total_path == NULL)
		return;
	relid = input_rel->relid;
	rte = planner_rt_fetch(relid, root);
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION || rte->inh)
		return;
	s1 = linitial_node(SortGroupClause, parse->sortClause);
	s2 = lsecond_node(SortGroupClause, parse->sortClause);
	if (linitial_node(SortGroupClause, parse->distinctClause)->tleSortGroupRef != s1->tleSortGroupRef ||
		s1->nulls_first || !s2->nulls_first)
		return;
	e1 = (Node *) get_sortgroupclause_expr(s1, parse->targetList);
	e2 = (Node *) get_sortgroupclause_expr(s2, parse->targetList);
	r = relation_open(rte->relid, NoLock);
	ok = IsZtsdbRelation(r) && !DictColumnsNeeded(r, input_rel, false) && LayoutOfRelation(r, &layout, false) &&
		layout.series_col >= 0 &&
		TupleDescAttr(RelationGetDescr(r), layout.series_col)->attnotnull &&
		/* a text series is keyed by code, which stands for one string only
		 * under a deterministic collation */
		(!IsDictType(TupleDescAttr(RelationGetDescr(r), layout.series_col)->atttypid) ||
		 !OidIsValid(TupleDescAttr(RelationGetDescr(r), layout.series_col)->attcollation) ||
		 get_collation_isdeterministic(TupleDescAttr(RelationGetDescr(r), layout.series_col)->attcollation));
	if (ok)
	{
		TupleDesc	desc = RelationGetDescr(r);

		time_type = TupleDescAttr(desc, layout.time_col)->atttypid;
		series_type = TupleDescAttr(desc, layout.series_col)->atttypid;
	}
	relation_close(r, NoLock);
	if (!ok)
		return;
	{
		TypeCacheEntry *tt = lookup_type_cache(time_type, TYPECACHE_GT_OPR);
		TypeCacheEntry *st = lookup_type_cache(series_type, TYPECACHE_LT_OPR);

		if (e1 == NULL || !IsA(e1, Var) || ((Var *) e1)->varno != (int) relid ||
			((Var *) e1)->varattno != layout.series_col + 1 || ((Var *) e1)->varlevelsup != 0 ||
			e2 == NULL || !IsA(e2, Var) || ((Var *) e2)->varno != (int) relid ||
			((Var *) e2)->varattno != layout.time_col + 1 || ((Var *) e2)->varlevelsup != 0 ||
			s1->sortop != st->lt_opr || s2->sortop != tt->gt_opr)
			return;
	}
	foreach(lc, input_rel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		(void) MatchClause(ri->clause, relid, layout, time_type, series_type, &exprs, &kinds);
	}
	cheapest = input_rel->cheapest_total_path;
	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = output_rel;
	cpath->path.pathtarget = input_rel->reltarget;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.rows = estimate_num_groups(root, list_make1(e1), input_rel->rows, NULL, NULL);
	/* XXX: no per-chunk statistics; the newest windows hold every series' latest row */
	cpath->path.startup_cost = cheapest->startup_cost +
		(cheapest->total_cost - cheapest->startup_cost) * 0.05;
	cpath->path.total_cost = cpath->path.startup_cost + cpath->path.rows * cpu_tuple_cost;
	cpath->path.pathkeys = root->sort_pathkeys;
	cpath->flags = 0;
	cpath->custom_private = list_make3(exprs, kinds, list_make3_int(1, 1, (int) relid));
	cpath->methods = &last_path_methods;
	add_path(output_rel, &cpath->path);
}

static Plan *
PlanPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
		 List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *flags = (List *) lthird(best_path->custom_private);
	bool		last = lsecond_int(flags) != 0;

	(void) custom_plans;
	if (last)
	{
		/* an upper path: the table's own restrictions, checked on each row */
		rel = find_base_rel(root, lthird_int(flags));
		clauses = rel->baserestrictinfo;
	}
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = extract_actual_clauses(clauses, false);
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	cscan->custom_exprs = (List *) linitial(best_path->custom_private);
	cscan->custom_private = list_make2(lsecond(best_path->custom_private), flags);
	cscan->methods = last ? &last_scan_methods : &scan_methods;
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
	state->last = lsecond_int((List *) lsecond(cscan->custom_private)) != 0;
	if (state->last)
		state->css.methods = &last_exec_methods;
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
	(void) LayoutOfRelation(rel, &layout, true);
	state->time_att = layout.time_col + 1;
	state->series_att = layout.series_col + 1;
	state->series_type = layout.series_col >= 0
		? TupleDescAttr(RelationGetDescr(rel), layout.series_col)->atttypid : InvalidOid;
	state->series_dict = IsDictType(state->series_type);
	state->series_coll = layout.series_col >= 0
		? TupleDescAttr(RelationGetDescr(rel), layout.series_col)->attcollation : InvalidOid;
	time_type = TupleDescAttr(RelationGetDescr(rel), layout.time_col)->atttypid;
	tc = lookup_type_cache(time_type, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
	state->sortop = state->desc ? tc->gt_opr : tc->lt_opr;
	state->exprs = ExecInitExprList(cscan->custom_exprs, &node->ss.ps);
	foreach(lc, cscan->custom_exprs)
		state->expr_types = lappend_oid(state->expr_types, exprType((Node *) lfirst(lc)));

	/*
	 * Columns the plan reads: cold blocks decode only these (the others
	 * read as NULL); a whole-row or system column needs them all.
	 */
	{
		Bitmapset  *attrs = NULL;
		int			k = -1;

		pull_varattnos((Node *) cscan->scan.plan.targetlist, cscan->scan.scanrelid, &attrs);
		pull_varattnos((Node *) cscan->scan.plan.qual, cscan->scan.scanrelid, &attrs);
		state->need_cols = (UINT64CONST(1) << layout.time_col);
		if (layout.series_col >= 0)
			state->need_cols |= UINT64CONST(1) << layout.series_col;
		while ((k = bms_next_member(attrs, k)) >= 0)
		{
			int			att = k + FirstLowInvalidHeapAttributeNumber;

			if (att <= 0 || att > 64)
			{
				state->need_cols = 0;
				break;
			}
			state->need_cols |= UINT64CONST(1) << (att - 1);
		}
	}

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
	void	   *buf_values[core::kMaxColumns];
	uint8	   *buf_validity[core::kMaxColumns];
	uint32		buf_rows = 0;
	core::ChunkLayout layout;

	(void) LayoutOfRelation(ss->ss_currentRelation, &layout, true);

	state->begun = true;
	state->done = !EvalBounds(ss->ps.ps_ExprContext, state->exprs, state->kinds,
							  state->expr_types, b, RelationGetRelid(ss->ss_currentRelation),
							  (int16) state->series_att);
	if (b->nseries > 0)
	{
		/* EvalBounds allocates in the per-tuple context; keep a copy */
		int64	   *copy = static_cast<int64 *>(palloc(sizeof(int64) * b->nseries));

		memcpy(copy, b->series, sizeof(int64) * b->nseries);
		b->series = copy;
	}
	b->need_cols = state->need_cols;
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
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(viewcxt);
	if (state->last)
	{
		/*
		 * ZtsdbLast stops on the spans' series: they must hold every row
		 * its scans can see.  A scan waits for these before its view, so
		 * wait before this one too, and count the transaction's own
		 * unflushed rows as a span.
		 */
		WaitForRecovery();
		WaitForAsyncCommits();
		buf_rows = BufferRowsForScan(ss->ss_currentRelation, ss->ps.state->es_snapshot,
									 buf_values, buf_validity);
	}
	view = OpenTableView(ss->ss_currentRelation, false, b->min_ts, b->max_ts, b->nseries,
						 b->series);
	MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
	state->spans = static_cast<ChunkSpan *>(palloc0(sizeof(ChunkSpan) *
													(view->nhot + view->nfiles + 1)));
	for (int i = 0; i < view->nhot; i++)
		if (view->hot[i].nrows > 0)
		{
			ChunkSpan  *sp = &state->spans[state->nspans++];
			int64	   *list;
			int			n;

			sp->min_ts = view->hot[i].min_ts;
			sp->max_ts = view->hot[i].max_ts;
			sp->nrows = view->hot[i].nrows;
			sp->nseries = -1;
			if (state->last)
			{
				MemoryContextSwitchTo(viewcxt);
				if (HotSeriesList(view, i, &list, &n))
				{
					sp->series = static_cast<int64 *>(
						MemoryContextAlloc(ss->ps.state->es_query_cxt, sizeof(int64) * Max(n, 1)));
					memcpy(sp->series, list, sizeof(int64) * n);
					sp->nseries = n;
				}
				MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
			}
		}
	for (int i = 0; i < view->nfiles; i++)
		if (view->files[i].entry.meta.nrows > 0)
		{
			ChunkSpan  *sp = &state->spans[state->nspans++];

			sp->min_ts = view->files[i].entry.meta.min_ts;
			sp->max_ts = view->files[i].entry.meta.max_ts;
			sp->nrows = view->files[i].entry.meta.nrows;
			sp->nseries = -1;
			sp->filter_valid = view->files[i].entry.filter.valid != 0;
			if (sp->filter_valid)
				sp->filter = view->files[i].entry.filter;
		}
	if (buf_rows > 0)
	{
		/* the transaction's own unflushed rows: every scan reads them too */
		ChunkSpan  *sp = &state->spans[state->nspans++];
		const int64 *ts = static_cast<const int64 *>(buf_values[state->time_att - 1]);
		int			n = 0;

		sp->min_ts = PG_INT64_MAX;
		sp->max_ts = PG_INT64_MIN;
		sp->nrows = buf_rows;
		sp->series = static_cast<int64 *>(palloc(sizeof(int64) * buf_rows));
		for (uint32 r = 0; r < buf_rows; r++)
		{
			const uint8 *valid = buf_validity[state->series_att - 1];

			sp->min_ts = Min(sp->min_ts, ts[r]);
			sp->max_ts = Max(sp->max_ts, ts[r]);
			if (valid == NULL || ((valid[r >> 3] >> (r & 7)) & 1))
				sp->series[n++] = core::IntegerAt(layout.types[state->series_att - 1],
												  buf_values[state->series_att - 1], r);
		}
		std::sort(sp->series, sp->series + n);
		sp->nseries = static_cast<int>(std::unique(sp->series, sp->series + n) - sp->series);
	}
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

/*
 * ScanWindow scans one window [wlo, whi] (in the query's memory context) and
 * hands each row that passes the quals to keep.
 */
static void
ScanWindow(OrderedState *state, int64 wlo, int64 whi,
		   void (*keep) (OrderedState *state, TupleTableSlot *slot))
{
	ScanState  *ss = &state->css.ss;
	ExprContext *econtext = ss->ps.ps_ExprContext;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	MemoryContext old = MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
	ScanBounds	b = state->bounds;
	TableScanDesc scan;
	ScanCounters c;
	uint64		n = 0;

	b.min_ts = wlo;
	b.max_ts = whi;
	scan = ScanBeginBounded(ss->ss_currentRelation, ss->ps.state->es_snapshot, &b);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		if ((++n & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		econtext->ecxt_scantuple = slot;
		if (state->qual == NULL || ExecQual(state->qual, econtext))
		{
			keep(state, slot);
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
	state->windows++;
	MemoryContextSwitchTo(old);
}

/* FillWindow scans one window and sorts the rows that pass the quals. */
static void
FillWindow(OrderedState *state, int64 wlo, int64 whi)
{
	ScanState  *ss = &state->css.ss;
	MemoryContext old = MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
	Oid			coll = InvalidOid;
	bool		nulls_first = state->desc;

	state->sort = tuplesort_begin_heap(RelationGetDescr(ss->ss_currentRelation), 1,
									   &state->time_att, &state->sortop, &coll, &nulls_first,
									   work_mem, NULL, TUPLESORT_NONE);
	MemoryContextSwitchTo(old);
	ScanWindow(state, wlo, whi, [](OrderedState *st, TupleTableSlot *slot) {
		tuplesort_puttupleslot(st->sort, slot);
	});
	tuplesort_performsort(state->sort);
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

/* SeriesOf reads the series column of a slot (NOT NULL: ZtsdbLast's condition). */
static int64
SeriesOf(OrderedState *state, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, state->series_att, &isnull);

	if (state->series_dict)
	{
		Oid			relid = RelationGetRelid(state->css.ss.ss_currentRelation);
		int32		code;

		/* the row came decoded: its string's code (cached after the first) */
		if (!DictLookup(relid, (int16) state->series_att, d, &code))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb: a row of table \"%s\" holds a string without a code",
							get_rel_name(relid))));
		return code;
	}
	switch (state->series_type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

static bool
Seen(OrderedState *state, int64 series)
{
	return hash_search(state->latest, &series, HASH_FIND, NULL) != NULL;
}

/*
 * SpanMayHaveNew tells whether span may hold a wanted series that no window
 * has shown yet.
 */
static bool
SpanMayHaveNew(OrderedState *state, const ChunkSpan *sp)
{
	const ScanBounds &b = state->bounds;

	if (sp->nseries >= 0)
	{
		for (int i = 0; i < sp->nseries; i++)
			if (SeriesWanted(b, sp->series[i]) && !Seen(state, sp->series[i]))
				return true;
		return false;
	}
	if (!sp->filter_valid)
		return true;
	if (sp->filter.min_series > sp->filter.max_series)
		return false;			/* no row with a series */
	if (b.nseries >= 0)
	{
		for (int i = 0; i < b.nseries; i++)
			if (b.series[i] >= sp->filter.min_series && b.series[i] <= sp->filter.max_series &&
				!Seen(state, b.series[i]) && core::SeriesFilterMayContain(sp->filter, b.series[i]))
				return true;
		return false;
	}
	/* every series in the filter's range; too wide a range: give up */
	if ((double) sp->filter.max_series - (double) sp->filter.min_series > 100000)
		return true;
	for (int64 v = sp->filter.min_series;; v++)
	{
		if (!Seen(state, v) && core::SeriesFilterMayContain(sp->filter, v))
			return true;
		if (v == sp->filter.max_series)
			break;
	}
	return false;
}

/* NoNewSeries tells whether no row left (state->lo .. hi) can be a new series' latest. */
static bool
NoNewSeries(OrderedState *state)
{
	for (int i = 0; i < state->nspans; i++)
	{
		const ChunkSpan *sp = &state->spans[i];

		if (sp->max_ts < state->lo || sp->min_ts > state->hi)
			continue;
		if (SpanMayHaveNew(state, sp))
			return false;
	}
	return true;
}

/* KeepLatest keeps a row if it is its series' latest so far. */
static void
KeepLatest(OrderedState *state, TupleTableSlot *slot)
{
	int64		series = SeriesOf(state, slot);
	bool		isnull;
	int64		ts = DatumGetInt64(slot_getattr(slot, state->time_att, &isnull));
	bool		found;
	LastEntry  *e = static_cast<LastEntry *>(hash_search(state->latest, &series,
														  HASH_ENTER, &found));

	if (!found || ts > e->ts)
	{
		/* ties keep the first row seen: any of them is a right answer */
		if (found)
			pfree(e->tuple);
		e->ts = ts;
		e->tuple = ExecCopySlotMinimalTuple(slot);
	}
}

/* ScanWindowLast reads one window, keeping each series' latest row that passes the quals. */
static void
ScanWindowLast(OrderedState *state, int64 wlo, int64 whi)
{
	ScanWindow(state, wlo, whi, KeepLatest);
}

static int
CompareEntries(const void *a, const void *b)
{
	int64		x = (*static_cast<LastEntry *const *>(a))->series;
	int64		y = (*static_cast<LastEntry *const *>(b))->series;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* CompareTextEntries orders entries of a text series by their strings. */
static int
CompareTextEntries(const void *a, const void *b, void *arg)
{
	OrderedState *state = static_cast<OrderedState *>(arg);
	Oid			relid = RelationGetRelid(state->css.ss.ss_currentRelation);
	text	   *x = DatumGetTextPP(DictDecode(relid, (int16) state->series_att,
											  (int32) (*static_cast<LastEntry *const *>(a))->series));
	text	   *y = DatumGetTextPP(DictDecode(relid, (int16) state->series_att,
											  (int32) (*static_cast<LastEntry *const *>(b))->series));

	return varstr_cmp(VARDATA_ANY(x), (int) VARSIZE_ANY_EXHDR(x), VARDATA_ANY(y),
					  (int) VARSIZE_ANY_EXHDR(y), state->series_coll);
}

static TupleTableSlot *
ExecLast(CustomScanState *node)
{
	OrderedState *state = reinterpret_cast<OrderedState *>(node);
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (!state->begun)
	{
		HASHCTL		info;

		memset(&info, 0, sizeof(info));
		info.keysize = sizeof(int64);
		info.entrysize = sizeof(LastEntry);
		info.hcxt = node->ss.ps.state->es_query_cxt;
		state->latest = hash_create("ztsdb latest rows", 1024, &info,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		state->collected = false;
		Begin(state);
	}
	if (!state->collected)
	{
		int64		wlo;
		int64		whi;
		HASH_SEQ_STATUS seq;
		LastEntry  *e;

		while (NextWindow(state, &wlo, &whi))
		{
			CHECK_FOR_INTERRUPTS();
			ScanWindowLast(state, wlo, whi);
			if (!state->done && NoNewSeries(state))
				state->done = true;
		}
		state->out = static_cast<LastEntry **>(
			MemoryContextAlloc(node->ss.ps.state->es_query_cxt,
							   sizeof(LastEntry *) * Max(hash_get_num_entries(state->latest), 1)));
		state->nout = 0;
		hash_seq_init(&seq, state->latest);
		while ((e = static_cast<LastEntry *>(hash_seq_search(&seq))) != NULL)
			state->out[state->nout++] = e;
		if (state->series_dict)
			qsort_arg(state->out, state->nout, sizeof(LastEntry *), CompareTextEntries, state);
		else
			qsort(state->out, state->nout, sizeof(LastEntry *), CompareEntries);
		state->pos = 0;
		state->collected = true;
	}
	if (state->pos < state->nout)
	{
		ExecStoreMinimalTuple(state->out[state->pos++]->tuple, state->sorted_slot, false);
		ExecCopySlot(slot, state->sorted_slot);
		ResetExprContext(econtext);
		econtext->ecxt_scantuple = slot;
		if (node->ss.ps.ps_ProjInfo != NULL)
			return ExecProject(node->ss.ps.ps_ProjInfo);
		return slot;
	}
	if (node->ss.ps.ps_ProjInfo != NULL)
		return ExecClearTuple(node->ss.ps.ps_ResultTupleSlot);
	return ExecClearTuple(slot);
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
	if (state->latest != NULL)
		hash_destroy(state->latest);
	state->latest = NULL;
	state->collected = false;
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

	(void) LayoutOfRelation(node->ss.ss_currentRelation, &layout, false);
	initStringInfo(&buf);
	if (state->last)
	{
		appendStringInfo(&buf, "%s (by %s)", NameStr(TupleDescAttr(desc, layout.series_col)->attname),
						 NameStr(TupleDescAttr(desc, layout.time_col)->attname));
		ExplainPropertyText("Latest Row Per", buf.data, es);
	}
	else
	{
		appendStringInfo(&buf, "%s %s", NameStr(TupleDescAttr(desc, layout.time_col)->attname),
						 state->desc ? "DESC" : "ASC");
		ExplainPropertyText("Time Order", buf.data, es);
	}
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
		ExplainPropertyInteger(state->last ? "Rows Read" : "Rows Sorted", NULL,
							   (int64) state->rows_sorted, es);
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

	memset(&last_path_methods, 0, sizeof(last_path_methods));
	last_path_methods.CustomName = "ZtsdbLast";
	last_path_methods.PlanCustomPath = PlanPath;

	memset(&last_scan_methods, 0, sizeof(last_scan_methods));
	last_scan_methods.CustomName = "ZtsdbLast";
	last_scan_methods.CreateCustomScanState = CreateState;
	RegisterCustomScanMethods(&last_scan_methods);

	last_exec_methods = exec_methods;
	last_exec_methods.CustomName = "ZtsdbLast";
	last_exec_methods.ExecCustomScan = ExecLast;

	prev_upper_paths = create_upper_paths_hook;
	create_upper_paths_hook = LastUpperPaths;
}

} // namespace ztsdb
