/*-------------------------------------------------------------------------
 *
 * query_agg.cpp
 *	  ZtsdbAgg: aggregates over a ztsdb table computed inside the scan,
 *	  column at a time, instead of producing a tuple per row for an Agg
 *	  node.
 *
 * Planning (create_upper_paths_hook, UPPERREL_GROUP_AGG, unless
 * ztsdb.enable_aggregate_scan is off): a query over one ztsdb table whose
 * WHERE clauses are all pushable (query_pushdown.h: the bounds are then
 * exact; or value filters, query_filter.h, exact as well), grouped by nothing, by the series column and/or by a time
 * bucket -- date_bin(constant, time column, constant) or
 * date_trunc(constant, time column [, constant zone]), query_bucket.cpp --
 * with no HAVING or grouping sets, and no text or varchar column needed
 * except a grouped text series (grouped by code, output decoded), whose
 * aggregates are all among
 *		count(*), count(col), sum(float8 | int2 | int4 | int8 col),
 *		avg(float8 | int2 | int4 | int8 col),
 *		min/max(int2 | int4 | int8 | float8 | timestamp | timestamptz col)
 * (no DISTINCT, ORDER BY or FILTER), where col is a plain column or an
 * arithmetic expression of the row's columns and constants that
 * query_aggexpr.cpp evaluates (avg(a + b), sum(in - out), max(x * 2)),
 * gets a CustomScan path
 * with scanrelid 0 whose custom_scan_tlist holds the group column and the
 * Aggrefs, as postgres_fdw does for remote aggregation; the planner keeps
 * the Agg plan if it is cheaper (it never is).  Under full partitionwise
 * aggregation (enable_partitionwise_aggregate, GROUP BY covering the
 * partition key) the hook also sees each partition's grouping, and each
 * ztsdb partition gets its own path under the Append.
 *
 * Execution: the first call scans runs of visible rows (ScanNextRun), checks
 * each row against the bounds and value filters, finds its group (the last group is cached:
 * sorted files give long runs of one series) and updates every aggregate;
 * then it returns one group per call.
 *
 * Results are PostgreSQL's own, bit for bit: what its Agg returns fed the
 * rows in scan order (ztsdb.enable_aggregate_scan = off, hashed or plain
 * grouping; a Sort would reorder a group's rows, it is not stable).  Float
 * sums and averages add one row after the other as float8pl / float8_accum
 * do, in a single chain: partial sums in several lanes were faster but
 * changed the last bits of ordinary data (0.1 steps).  Overflow errors are
 * float8pl's and float8_accum's.  Integer sums and averages keep
 * PostgreSQL's transition states (int2/int4: an int64 sum that wraps as
 * int4_avg_accum's does; int8: an int128 sum, as int8_avg_accum's) and its
 * final functions' numeric arithmetic.  min/max order NaN above every
 * number as float8_cmp does and keep the later of equal values as
 * float8larger / float8smaller; their NULL-free loops compare in four
 * lanes, which is exact because only -0 and 0 are equal with different
 * bits, and a range whose lanes tie with both zeros is folded again row by
 * row (FastMinMaxRange).  Time buckets are PostgreSQL's functions' results
 * (query_bucket.cpp).  query_agg_exact and query_agg_bucket compare both
 * plans' bits.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/query/query_aggexpr.h"
#include "ztsdb/query/query_bucket.h"
#include "ztsdb/query/query_filter.h"
#include "ztsdb/query/query_pushdown.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_scan.h"
#include "ztsdb/util/util_guc.h"

extern "C" {
#include "access/table.h"
#include "catalog/pg_aggregate_d.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/ruleutils.h"
}

#include <cmath>

namespace ztsdb {

enum AggOp
{
	kAggCountStar = 1,
	kAggCount,
	kAggSumFloat8,
	kAggSumInt,					/* int2/int4 -> int8 */
	kAggAvgFloat8,
	kAggMin,
	kAggMax,
	kAggAvgInt,					/* int2/int4 -> numeric */
	kAggSumInt8,				/* int8 -> numeric */
	kAggAvgInt8					/* int8 -> numeric */
};

/*
 * One aggregate: its operation and the column it reads (-1: count(*);
 * kMaxColumns + k: the k-th computed expression, query_aggexpr.cpp).
 */
struct AggDesc
{
	int			op;
	int			col;
	Oid			type;			/* argument type (min/max result type) */
	core::ColumnType ctype;		/* how the argument's values are stored */
	uint64		cols;			/* columns it reads (bit c) */
};

/* The running state of one aggregate of one group. */
struct AggValue
{
	int64		n;				/* rows seen (count, avg's N, "any" for min/max/sum) */
	double		sx;				/* float sum, avg's Sx */
	double		sxx;			/* avg's Sxx (for float8_accum's overflow check) */
	int64		i;				/* int sum (low half of int8's), int/timestamp min/max */
	int64		i_hi;			/* high half of an int8 sum (an int128, unaligned here) */
	double		f;				/* float min/max */
};

struct AggState
{
	CustomScanState css;
	Relation	rel;
	core::ChunkLayout layout;
	bool		series_dict;	/* text series: group keys are codes (tam_dict.cpp) */
	List	   *exprs;			/* ExprStates of the pushed bounds */
	List	   *kinds;
	List	   *expr_types;
	List	   *specs;			/* value filters: column, FilterOp pairs */
	List	   *fexprs;			/* ExprState per value filter */
	List	   *fexpr_types;
	bool		grouped;		/* GROUP BY anything */
	bool		by_series;		/* a group column is the series column */
	bool		by_bucket;		/* a group column is a time bucket (date_bin, date_trunc) */
	int			ngroupcols;
	int			groupcols[2];	/* kGroupSeries / kGroupBucket, in output order */
	FuncExpr   *bucket_expr;
	TimeBucket	bucket;			/* set up when the scan starts (session time zone) */
	int			naggs;
	AggDesc    *aggs;
	int			nexprs;			/* computed aggregate arguments */
	struct AggExprProgram **programs;
	const void **xvalues;		/* a run's columns, then the expressions' vectors */
	const uint8 **xvalidity;
	bool		done;			/* groups computed */
	bool		exact_avg;		/* avg tracks Sxx row by row (see kAvgFastLimit) */
	bool		need_exact;		/* the fast avg met a value it cannot vouch for */
	int			ngroups;
	int			next_group;
	struct GroupKey *keys;		/* per group */
	AggValue   *values;			/* ngroups x naggs */
	ScanCounters counters;
	uint64		rows;			/* rows aggregated */
};

enum GroupCol
{
	kGroupSeries = 1,
	kGroupBucket = 2
};

/* A group's key; zero-filled before use (hashed as bytes). */
struct GroupKey
{
	int64		series;
	int64		bin;			/* time bucket */
	int32		series_null;
	int32		pad;
};

static create_upper_paths_hook_type prev_upper_paths = NULL;
static CustomPathMethods agg_path_methods;
static CustomScanMethods agg_scan_methods;
static CustomExecMethods agg_exec_methods;

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */

/* ColumnOf returns the 0-based column of a plain Var of relid, or -1. */
static int
ColumnOf(Node *n, Index relid)
{
	if (n != NULL && IsA(n, Var) && ((Var *) n)->varno == (int) relid &&
		((Var *) n)->varlevelsup == 0 && ((Var *) n)->varattno > 0)
		return ((Var *) n)->varattno - 1;
	return -1;
}

/* MinMaxType: min/max of a column of this type are computed in the scan. */
static bool
MinMaxType(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID || type == FLOAT8OID ||
		type == TIMESTAMPOID || type == TIMESTAMPTZOID;
}

/*
 * DescribeAggref fills d for a supported aggregate call; false otherwise.
 * An argument that is an expression ZtsdbAgg evaluates (AggExprSupported)
 * is added to *exprs, unless an equal one is there already.
 */
static bool
DescribeAggref(Aggref *a, Index relid, TupleDesc desc, const core::ChunkLayout &layout,
			   List **exprs, AggDesc *d)
{
	Node	   *arg = NULL;
	Oid			type = InvalidOid;

	if (a->aggfilter != NULL || a->aggdistinct != NIL || a->aggorder != NIL ||
		a->aggkind != AGGKIND_NORMAL || a->agglevelsup != 0 || a->aggsplit != AGGSPLIT_SIMPLE ||
		a->aggvariadic)
		return false;
	if (a->aggfnoid == F_COUNT_)
	{
		d->op = kAggCountStar;
		d->col = -1;
		d->type = InvalidOid;
		return true;
	}
	if (list_length(a->args) != 1)
		return false;
	arg = (Node *) ((TargetEntry *) linitial(a->args))->expr;
	d->col = ColumnOf(arg, relid);
	if (d->col >= 0)
	{
		if (d->col >= desc->natts)
			return false;
		type = TupleDescAttr(desc, d->col)->atttypid;
	}
	else
	{
		uint64		cols;
		int			k = 0;
		ListCell   *lc;

		if (!AggExprSupported(arg, relid, layout, &cols))
			return false;
		foreach(lc, *exprs)
		{
			if (equal(lfirst(lc), arg))
				break;
			k++;
		}
		if (k == list_length(*exprs))
			*exprs = lappend(*exprs, arg);
		d->col = core::kMaxColumns + k;
		type = exprType(arg);
	}
	d->type = type;
	switch (a->aggfnoid)
	{
		case F_COUNT_ANY:
			d->op = kAggCount;
			return true;
		case F_SUM_FLOAT8:
			d->op = kAggSumFloat8;
			return type == FLOAT8OID;
		case F_SUM_INT4:
		case F_SUM_INT2:
			d->op = kAggSumInt;
			return type == INT4OID || type == INT2OID;
		case F_SUM_INT8:
			d->op = kAggSumInt8;
			return type == INT8OID;
		case F_AVG_INT4:
		case F_AVG_INT2:
			d->op = kAggAvgInt;
			return type == INT4OID || type == INT2OID;
		case F_AVG_INT8:
			d->op = kAggAvgInt8;
			return type == INT8OID;
		case F_AVG_FLOAT8:
			d->op = kAggAvgFloat8;
			return type == FLOAT8OID;
		case F_MIN_INT2:
		case F_MIN_INT4:
		case F_MIN_INT8:
		case F_MIN_FLOAT8:
		case F_MIN_TIMESTAMP:
		case F_MIN_TIMESTAMPTZ:
			d->op = kAggMin;
			return MinMaxType(type);
		case F_MAX_INT2:
		case F_MAX_INT4:
		case F_MAX_INT8:
		case F_MAX_FLOAT8:
		case F_MAX_TIMESTAMP:
		case F_MAX_TIMESTAMPTZ:
			d->op = kAggMax;
			return MinMaxType(type);
	}
	return false;
}

static void
UpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
		   RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	RangeTblEntry *rte;
	Relation	r;
	core::ChunkLayout layout;
	bool		ok;
	List	   *exprs = NIL;
	List	   *kinds = NIL;
	List	   *fexprs = NIL;		/* value filters (query_filter.h) */
	List	   *specs = NIL;
	List	   *scan_tlist = NIL;
	List	   *descs = NIL;
	List	   *agg_exprs = NIL;	/* computed aggregate arguments */
	PathTarget *target;
	List	   *vars;
	ListCell   *lc;
	bool		grouped = false;
	List	   *groupcols = NIL;
	List	   *group_exprs = NIL;
	CustomPath *cpath;
	Path	   *cheapest;
	TupleDesc	desc;

	/*
	 * Under full partitionwise aggregation the hook is also called for each
	 * partition's grouping, with the partition as input_rel and the query's
	 * target list and grouping target translated to its columns.
	 */
	bool		child = stage == UPPERREL_GROUP_AGG &&
		input_rel->reloptkind == RELOPT_OTHER_MEMBER_REL && extra != NULL &&
		static_cast<GroupPathExtraData *>(extra)->patype == PARTITIONWISE_AGGREGATE_FULL;
	List	   *tlist = child ? static_cast<GroupPathExtraData *>(extra)->targetList
		: parse->targetList;

	if (prev_upper_paths)
		prev_upper_paths(root, stage, input_rel, output_rel, extra);
	if (!guc_enable_aggregate_scan ||
		stage != UPPERREL_GROUP_AGG || (input_rel->reloptkind != RELOPT_BASEREL && !child) ||
		!parse->hasAggs || parse->groupingSets != NIL || parse->havingQual != NULL ||
		root->hasHavingQual || parse->hasTargetSRFs || list_length(parse->groupClause) > 2 ||
		input_rel->cheapest_total_path == NULL)
		return;
	rte = planner_rt_fetch(input_rel->relid, root);
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION || rte->inh)
		return;

	r = relation_open(rte->relid, NoLock);
	/*
	 * codes of text columns are not strings: none needed but a grouped
	 * series and the series in WHERE (every clause must become a scan bound
	 * below, where a text series value becomes its code)
	 */
	ok = IsZtsdbRelation(r) && LayoutOfRelation(r, &layout, false) &&
		!DictColumnsNeeded(r, input_rel, true, layout.series_col, true);
	desc = RelationGetDescr(r);
	if (ok)
	{
		Oid			time_type = TupleDescAttr(desc, layout.time_col)->atttypid;
		Oid			series_type = layout.series_col >= 0
			? TupleDescAttr(desc, layout.series_col)->atttypid : InvalidOid;

		foreach(lc, input_rel->baserestrictinfo)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

			if (ri->pseudoconstant)
			{
				ok = false;
				break;
			}
			if (MatchClause(ri->clause, input_rel->relid, layout, time_type, series_type,
							&exprs, &kinds))
				continue;
			if (!MatchFilter(ri->clause, input_rel->relid, desc, layout, &fexprs, &specs))
			{
				ok = false;
				break;
			}
		}
	}

	/* GROUP BY nothing, the series column, a time bucket, or both */
	foreach(lc, ok ? parse->groupClause : NIL)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Node	   *gexpr = get_sortgroupclause_expr(sgc, tlist);

		if (layout.series_col >= 0 && ColumnOf(gexpr, input_rel->relid) == layout.series_col &&
			!list_member_int(groupcols, kGroupSeries))
			groupcols = lappend_int(groupcols, kGroupSeries);
		else if (TimeBucketKindOf(gexpr, input_rel->relid, layout.time_col,
								  TupleDescAttr(desc, layout.time_col)->atttypid) != kBucketNone &&
				 !list_member_int(groupcols, kGroupBucket))
			groupcols = lappend_int(groupcols, kGroupBucket);
		else
		{
			ok = false;
			break;
		}
		group_exprs = lappend(group_exprs, gexpr);
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObjectImpl(gexpr),
														 list_length(scan_tlist) + 1, NULL, false));
	}
	grouped = groupcols != NIL;

	/*
	 * Every Var must be the series group column (expressions equal to a
	 * group expression count as it), every Aggref supported.
	 */
	target = child ? output_rel->reltarget : root->upper_targets[UPPERREL_GROUP_AGG];
	vars = NIL;
	foreach(lc, ok ? target->exprs : NIL)
	{
		ListCell   *lg;
		bool		is_group = false;

		foreach(lg, group_exprs)
			if (equal(lfirst(lg), lfirst(lc)))
				is_group = true;
		if (!is_group)
			vars = list_concat(vars, pull_var_clause((Node *) lfirst(lc), PVC_INCLUDE_AGGREGATES));
	}
	foreach(lc, vars)
	{
		Node	   *n = (Node *) lfirst(lc);

		if (!ok)
			break;
		if (IsA(n, Var))
		{
			ok = list_member_int(groupcols, kGroupSeries) &&
				ColumnOf(n, input_rel->relid) == layout.series_col;
			continue;
		}
		if (IsA(n, Aggref))
		{
			AggDesc		d;
			bool		seen = false;
			ListCell   *lt;

			if (!DescribeAggref((Aggref *) n, input_rel->relid, desc, layout, &agg_exprs, &d))
			{
				ok = false;
				continue;
			}
			foreach(lt, scan_tlist)
				if (equal(((TargetEntry *) lfirst(lt))->expr, n))
					seen = true;
			if (seen)
				continue;
			scan_tlist = lappend(scan_tlist,
								 makeTargetEntry((Expr *) n, list_length(scan_tlist) + 1, NULL, false));
			descs = lappend(descs, list_make3_int(d.op, d.col, (int) d.type));
			continue;
		}
		ok = false;
	}
	relation_close(r, NoLock);
	if (!ok || descs == NIL)
		return;

	cheapest = input_rel->cheapest_total_path;
	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = output_rel;
	cpath->path.pathtarget = target;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.rows = grouped ? Max(output_rel->rows, 1.0) : 1;
	/* XXX: no cost model yet; reading columns in place is far cheaper than an Agg over tuples */
	cpath->path.startup_cost = cheapest->total_cost * 0.2;
	cpath->path.total_cost = cheapest->total_cost * 0.2 + cpath->path.rows * cpu_tuple_cost;
	cpath->flags = 0;
	cpath->custom_private = list_make5(exprs, kinds, scan_tlist, descs,
									   list_make3_int((int) rte->relid, grouped ? 1 : 0,
													  (int) input_rel->relid));
	cpath->custom_private = lappend(cpath->custom_private, groupcols);
	cpath->custom_private = lappend(cpath->custom_private, agg_exprs);
	cpath->custom_private = lappend(cpath->custom_private, list_make2(fexprs, specs));
	cpath->methods = &agg_path_methods;
	add_path(output_rel, &cpath->path);
}

static Plan *
PlanAggPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
			List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *info = (List *) list_nth(best_path->custom_private, 4);
	List	   *filters = (List *) list_nth(best_path->custom_private, 7);

	(void) root;
	(void) rel;
	(void) clauses;
	(void) custom_plans;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	/*
	 * the bounds, then the value filters' values (Var-free: setrefs would
	 * look for a Var of the clause in custom_scan_tlist)
	 */
	cscan->custom_exprs = list_concat(list_copy((List *) linitial(best_path->custom_private)),
									  (List *) linitial(filters));
	cscan->custom_scan_tlist = (List *) list_nth(best_path->custom_private, 2);
	cscan->custom_relids = bms_make_singleton(list_nth_int(info, 2));
	cscan->custom_private = list_make5(lsecond(best_path->custom_private),
									   list_nth(best_path->custom_private, 3), info,
									   list_nth(best_path->custom_private, 5),
									   list_nth(best_path->custom_private, 6));
	cscan->custom_private = lappend(cscan->custom_private, lsecond(filters));
	cscan->methods = &agg_scan_methods;
	return &cscan->scan.plan;
}

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */

static Node *
CreateAggState(CustomScan *cscan)
{
	AggState   *state = static_cast<AggState *>(palloc0(sizeof(AggState)));
	List	   *descs = (List *) lsecond(cscan->custom_private);
	List	   *info = (List *) lthird(cscan->custom_private);
	ListCell   *lc;
	int			i = 0;

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &agg_exec_methods;
	state->kinds = (List *) linitial(cscan->custom_private);
	state->specs = (List *) list_nth(cscan->custom_private, 5);
	state->grouped = list_nth_int(info, 1) != 0;
	foreach(lc, (List *) lfourth(cscan->custom_private))
	{
		int			kind = lfirst_int(lc);

		state->groupcols[state->ngroupcols] = kind;
		if (kind == kGroupSeries)
			state->by_series = true;
		else
		{
			state->by_bucket = true;
			state->bucket_expr = (FuncExpr *) ((TargetEntry *) list_nth(cscan->custom_scan_tlist,
																		state->ngroupcols))->expr;
		}
		state->ngroupcols++;
	}
	state->naggs = list_length(descs);
	state->aggs = static_cast<AggDesc *>(palloc(sizeof(AggDesc) * state->naggs));
	foreach(lc, descs)
	{
		List	   *d = (List *) lfirst(lc);

		state->aggs[i].op = linitial_int(d);
		state->aggs[i].col = lsecond_int(d);
		state->aggs[i].type = (Oid) lthird_int(d);
		i++;
	}
	return (Node *) state;
}

static void
BeginAgg(CustomScanState *node, EState *estate, int eflags)
{
	AggState   *state = reinterpret_cast<AggState *>(node);
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *info = (List *) lthird(cscan->custom_private);
	ListCell   *lc;

	(void) eflags;
	/* the executor holds the table's lock already (range table) */
	state->rel = table_open((Oid) linitial_int(info), AccessShareLock);
	(void) LayoutOfRelation(state->rel, &state->layout, true);
	state->series_dict = state->layout.series_col >= 0 &&
		IsDictType(TupleDescAttr(RelationGetDescr(state->rel), state->layout.series_col)->atttypid);
	{
		int			nbounds = list_length(state->kinds);
		int			nfilters = list_length(state->specs) / 2;
		int			i = 0;

		foreach(lc, cscan->custom_exprs)
		{
			Expr	   *e = (Expr *) lfirst(lc);

			if (i < nbounds)
			{
				state->exprs = lappend(state->exprs, ExecInitExpr(e, &node->ss.ps));
				state->expr_types = lappend_oid(state->expr_types, exprType((Node *) e));
			}
			else if (i < nbounds + nfilters)
			{
				state->fexprs = lappend(state->fexprs, ExecInitExpr(e, &node->ss.ps));
				state->fexpr_types = lappend_oid(state->fexpr_types, exprType((Node *) e));
			}
			i++;
		}
	}

	/* computed arguments: programs, and where a run's vectors go */
	{
		List	   *agg_exprs = (List *) list_nth(cscan->custom_private, 4);
		uint64	   *expr_cols;
		int			k = 0;

		state->nexprs = list_length(agg_exprs);
		state->programs = static_cast<AggExprProgram **>(
			palloc0(sizeof(AggExprProgram *) * (state->nexprs + 1)));
		expr_cols = static_cast<uint64 *>(palloc0(sizeof(uint64) * (state->nexprs + 1)));
		foreach(lc, agg_exprs)
		{
			if (!AggExprSupported((Node *) lfirst(lc), list_nth_int(info, 2), state->layout,
								  &expr_cols[k]))
				elog(ERROR, "ztsdb: aggregate argument no longer supported");	/* layout changed */
			state->programs[k] = AggExprCompile((Node *) lfirst(lc), state->layout,
												estate->es_query_cxt);
			k++;
		}
		state->xvalues = static_cast<const void **>(
			palloc0(sizeof(void *) * (core::kMaxColumns + state->nexprs)));
		state->xvalidity = static_cast<const uint8 **>(
			palloc0(sizeof(uint8 *) * (core::kMaxColumns + state->nexprs)));
		for (int a = 0; a < state->naggs; a++)
		{
			AggDesc    *d = &state->aggs[a];

			if (d->col < 0)
			{
				d->ctype = core::ColumnType::kInt8;
				d->cols = 0;
			}
			else if (d->col < core::kMaxColumns)
			{
				d->ctype = state->layout.types[d->col];
				d->cols = UINT64CONST(1) << d->col;
			}
			else
			{
				d->ctype = AggExprResultType(state->programs[d->col - core::kMaxColumns]);
				d->cols = expr_cols[d->col - core::kMaxColumns];
			}
		}
	}
}

static inline bool
BitSet(const uint8 *bits, uint32 r)
{
	return bits == nullptr || ((bits[r >> 3] >> (r & 7)) & 1);
}

/* FloatGreater orders as float8_cmp_internal: NaN above everything. */
static inline bool
FloatGreater(double a, double b)
{
	if (std::isnan(a))
		return !std::isnan(b);
	if (std::isnan(b))
		return false;
	return a > b;
}

static inline void
AccumFloat8(AggValue *v, double x)
{
	/* float8_accum (PostgreSQL 15), including its overflow check */
	double		n0 = (double) v->n;
	double		n = n0 + 1.0;
	double		sx = v->sx + x;
	double		sxx = v->sxx;

	if (n0 > 0.0)
	{
		double		tmp = x * n - sx;

		sxx += tmp * tmp / (n * n0);
		if (std::isinf(sx) || std::isinf(sxx))
		{
			if (!std::isinf(v->sx) && !std::isinf(x))
				float_overflow_error();
			sxx = get_float8_nan();
		}
	}
	else if (std::isnan(x) || std::isinf(x))
		sxx = get_float8_nan();
	v->n++;
	v->sx = sx;
	v->sxx = sxx;
}

/*
 * avg(float8) without Sxx.  float8_accum's Sxx only decides whether avg
 * raises an overflow error; its value never reaches the result (Sx / N).
 * While every finite value has |x| <= kAvgFastLimit and N <= kAvgFastRows,
 * |x*N - Sx| <= 2e152, so tmp * tmp stays finite and Sxx <= 8 * 1e280 * N
 * stays below DBL_MAX: only Sx overflowing can raise the error, which the
 * fast path checks exactly as float8_accum does.  (Infinite and NaN inputs
 * never raise it: they make Sx or Sxx infinite or NaN from then on.)  A
 * value outside the limit sets need_exact and the whole aggregation runs
 * again the exact way.
 */
constexpr double kAvgFastLimit = 1e140;
constexpr int64 kAvgFastRows = INT64CONST(1000000000000);

/*
 * FastAvgRange adds x[r .. e) to acc without a branch per row, one value
 * after the other as float8_accum does: float addition is not associative,
 * so partial sums (several lanes, or a tree) would change the last bits of
 * ordinary data such as 0.1 steps.  The single addition chain is the loop's
 * critical path; the largest |x| is tracked alongside, off that path.
 * While every value is finite with |x| <= kAvgFastLimit the sum cannot
 * overflow (see above), and a NaN or infinity makes it non-finite.  Returns
 * false, leaving acc alone, when the sum is not finite or a finite value
 * exceeds kAvgFastLimit; the caller then runs the checked loop, which
 * raises the error or asks for the exact pass just as before.
 */
static bool
FastAvgRange(AggValue *acc, const double *x, uint32 r, uint32 e)
{
	double		sx = acc->sx;
	double		big = 0.0;

	if (!std::isfinite(sx))
		return false;
	for (uint32 i = r; i < e; i++)
	{
		double		a = std::fabs(x[i]);

		sx += x[i];
		big = a > big ? a : big;	/* NaN never wins (the sum is NaN anyway) */
	}
	if (!std::isfinite(sx) || big > kAvgFastLimit)
		return false;
	acc->sx = sx;
	acc->n += e - r;
	return true;
}

/*
 * FastMinMaxRange folds x[r .. e) into *best (a value already seen, so an
 * earlier one) with plain comparisons in four interleaved lanes (four
 * independent comparison chains), each lane keeping the later of equal
 * values as float8larger and float8smaller do.
 *
 * Why the lanes give float8larger's bits: folded one row after the other,
 * max returns the last value in scan order among those equal to the
 * maximum.  Each lane returns the last such value of its own rows (and of
 * *best), so the lanes holding the maximum hold, among them, the value the
 * sequential fold returns.  Equal doubles have equal bits except -0 and 0
 * (NaN is excluded below), so when those lanes agree on the bits, those
 * are the answer; when they hold both zeros, the lanes cannot tell which
 * zero came last and the caller folds the range row by row.
 *
 * Returns false, leaving *best alone, when a NaN is among the values or in
 * *best (FloatGreater's NaN order then needs the checked loop), or when
 * lanes tie with zeros of both signs.
 */
template <bool kMax>
static inline double
Better(double x, double b)
{
	return kMax ? (x >= b ? x : b) : (x <= b ? x : b);
}

/* ZeroOfOtherSign: lane is a zero whose sign differs from best's (a zero). */
static inline bool
ZeroOfOtherSign(double lane, double best)
{
	return lane == 0.0 && std::signbit(lane) != std::signbit(best);
}

template <bool kMax>
static bool
FastMinMaxRangeT(const double *x, uint32 r, uint32 e, double *best)
{
	double		b0 = *best,
				b1 = *best,
				b2 = *best,
				b3 = *best;
	double		b;
	bool		nan = std::isnan(*best);
	uint32		i = r;

	for (; i + 4 <= e; i += 4)
	{
		nan |= std::isnan(x[i]) | std::isnan(x[i + 1]) | std::isnan(x[i + 2]) | std::isnan(x[i + 3]);
		b0 = Better<kMax>(x[i], b0);
		b1 = Better<kMax>(x[i + 1], b1);
		b2 = Better<kMax>(x[i + 2], b2);
		b3 = Better<kMax>(x[i + 3], b3);
	}
	for (; i < e; i++)
	{
		nan |= std::isnan(x[i]);
		b0 = Better<kMax>(x[i], b0);
	}
	if (nan)
		return false;
	b = Better<kMax>(b3, Better<kMax>(b2, Better<kMax>(b1, b0)));
	if (b == 0.0 && (ZeroOfOtherSign(b0, b) || ZeroOfOtherSign(b1, b) ||
					 ZeroOfOtherSign(b2, b) || ZeroOfOtherSign(b3, b)))
		return false;			/* which zero came last: see above */
	*best = b;
	return true;
}

static bool
FastMinMaxRange(const double *x, uint32 r, uint32 e, bool is_max, double *best)
{
	return is_max ? FastMinMaxRangeT<true>(x, r, e, best) : FastMinMaxRangeT<false>(x, r, e, best);
}

/*
 * UpdateAggRange folds rows [r, e) of one group into v: one loop per
 * aggregate, the NULL check hoisted out when the column has no NULLs.
 */
template <bool kNulls>
static void
UpdateAggRangeT(AggState *state, const AggDesc &d, AggValue *v, const void *const *values,
				const uint8 *bits, uint32 r, uint32 e)
{
	core::ColumnType type = d.ctype;
	auto		valid = [&](uint32 i) {
		return !kNulls || ((bits[i >> 3] >> (i & 7)) & 1);
	};

	switch (d.op)
	{
		case kAggCountStar:
			break;				/* UpdateAggRange counts it */
		case kAggCount:
			for (uint32 i = r; i < e; i++)
				v->n += valid(i);
			return;
		case kAggAvgFloat8:
			{
				const double *x = static_cast<const double *>(values[d.col]);
				AggValue	acc = *v;	/* in registers: the loop carries only sx, sxx */

				if (state->exact_avg)
				{
					for (uint32 i = r; i < e; i++)
						if (valid(i))
							AccumFloat8(&acc, x[i]);
				}
				else if (!kNulls && FastAvgRange(&acc, x, r, e))
				{
					if (acc.n > kAvgFastRows)
						state->need_exact = true;
				}
				else
				{
					bool		big = false;

					for (uint32 i = r; i < e; i++)
						if (valid(i))
						{
							double		xi = x[i];
							double		sx = acc.sx + xi;

							big |= std::fabs(xi) > kAvgFastLimit && std::isfinite(xi);
							if (acc.n > 0 && std::isinf(sx) && !std::isinf(acc.sx) && !std::isinf(xi))
								float_overflow_error();
							acc.sx = sx;
							acc.n++;
						}
					if (big || acc.n > kAvgFastRows)
						state->need_exact = true;
				}
				*v = acc;
				return;
			}
		case kAggSumFloat8:
			{
				const double *x = static_cast<const double *>(values[d.col]);
				double		sum = v->sx;
				int64		n = v->n;

				for (uint32 i = r; i < e; i++)
					if (valid(i))
					{
						double		s = n == 0 ? x[i] : sum + x[i];

						/* float8pl */
						if (n > 0 && std::isinf(s) && !std::isinf(sum) && !std::isinf(x[i]))
							float_overflow_error();
						sum = s;
						n++;
					}
				v->sx = sum;
				v->n = n;
				return;
			}
		case kAggSumInt:
		case kAggAvgInt:
			for (uint32 i = r; i < e; i++)
				if (valid(i))
				{
					/*
					 * int4_sum/int2_sum and int4_avg_accum/int2_avg_accum add
					 * without an overflow check (wrapping)
					 */
					v->i = (int64) ((uint64) v->i + (uint64) core::IntegerAt(type, values[d.col], i));
					v->n++;
				}
			return;
		case kAggSumInt8:
		case kAggAvgInt8:
			{
				/* int8_avg_accum's int128 sum (it cannot overflow) */
				const int64 *x = static_cast<const int64 *>(values[d.col]);
				int128		sum = (int128) (((uint128) (uint64) v->i_hi << 64) | (uint64) v->i);
				int64		n = v->n;

				for (uint32 i = r; i < e; i++)
					if (valid(i))
					{
						sum += x[i];
						n++;
					}
				v->i = (int64) (uint64) sum;
				v->i_hi = (int64) (uint64) ((uint128) sum >> 64);
				v->n = n;
				return;
			}
		case kAggMax:
		case kAggMin:
			if (d.type == FLOAT8OID)
			{
				const double *x = static_cast<const double *>(values[d.col]);
				bool		is_max = d.op == kAggMax;
				double		best = v->f;
				int64		n = v->n;

				if (!kNulls && e > r && n == 0 && !std::isnan(x[r]))
				{
					best = x[r];	/* the first value seen is the start */
					if (FastMinMaxRange(x, r + 1, e, is_max, &best))
					{
						v->f = best;
						v->n = e - r;
						return;
					}
					best = v->f;
				}
				else if (!kNulls && n > 0 && FastMinMaxRange(x, r, e, is_max, &best))
				{
					v->f = best;
					v->n = n + (e - r);
					return;
				}
				for (uint32 i = r; i < e; i++)
					if (valid(i))
					{
						/* float8larger/float8smaller: of equal values the later one wins */
						if (n == 0 || !(is_max ? FloatGreater(best, x[i]) : FloatGreater(x[i], best)))
							best = x[i];
						n++;
					}
				v->f = best;
				v->n = n;
			}
			else
			{
				/* int2/int4/int8/timestamp: IntegerAt reads each width */
				for (uint32 i = r; i < e; i++)
					if (valid(i))
					{
						int64		x = core::IntegerAt(type, values[d.col], i);

						if (v->n == 0 || (d.op == kAggMin ? x < v->i : x > v->i))
							v->i = x;
						v->n++;
					}
			}
			return;
	}
}

static void
UpdateAggRange(AggState *state, const AggDesc &d, AggValue *v, const void *const *values,
			   const uint8 *const *validity, uint32 r, uint32 e)
{
	if (d.op == kAggCountStar)
		v->n += e - r;
	else if (validity[d.col] == nullptr)
		UpdateAggRangeT<false>(state, d, v, values, nullptr, r, e);
	else
		UpdateAggRangeT<true>(state, d, v, values, validity[d.col], r, e);
}

/*
 * EvalExprs evaluates every computed argument over rows [r, e) of a run
 * into state->xvalues / xvalidity (after the run's own columns).  Returns
 * the first row where PostgreSQL's Agg would raise an expression's error
 * (UINT32_MAX: none), with the aggregate whose argument raises it -- at
 * one row, the first aggregate's, as PostgreSQL evaluates each
 * aggregate's arguments in turn -- and the error's kind.
 */
static uint32
EvalExprs(AggState *state, const void *const *values, const uint8 *const *validity, uint32 r,
		  uint32 e, int *err_agg, int *err_kind)
{
	uint32		first = UINT32_MAX;

	for (int a = 0; a < state->naggs; a++)
	{
		int			k = state->aggs[a].col - core::kMaxColumns;
		uint32		row;
		int			kind;

		if (k < 0 || state->xvalues[core::kMaxColumns + k] != nullptr)
			continue;			/* a column, or an argument shared with an earlier aggregate */
		AggExprEval(state->programs[k], values, validity, r, e,
					&state->xvalues[core::kMaxColumns + k],
					&state->xvalidity[core::kMaxColumns + k], &row, &kind);
		if (state->xvalues[core::kMaxColumns + k] == nullptr)
			state->xvalues[core::kMaxColumns + k] = values[0];	/* empty range: never read */
		if (row < first)
		{
			first = row;
			*err_agg = a;
			*err_kind = kind;
		}
	}
	return first;
}

/*
 * UpdateGroupChecked folds rows [r, e) of one group into its values gv as
 * UpdateAggRange does, evaluating the computed arguments over just these
 * rows (the ones that pass the bounds): when one of them raises an error,
 * the aggregates first take every row before it, and at its row those
 * before the one whose argument fails, as PostgreSQL's Agg would, and then
 * the error is raised.
 */
static void
UpdateGroupChecked(AggState *state, AggValue *gv, const void *const *values,
				   const uint8 *const *validity, uint32 r, uint32 e)
{
	int			err_agg = -1;
	int			err_kind = 0;
	uint32		f;

	for (int k = 0; k < state->nexprs; k++)
		state->xvalues[core::kMaxColumns + k] = nullptr;
	f = EvalExprs(state, values, validity, r, e, &err_agg, &err_kind);
	if (f == UINT32_MAX)
	{
		for (int a = 0; a < state->naggs; a++)
			UpdateAggRange(state, state->aggs[a], &gv[a], state->xvalues, state->xvalidity, r, e);
		return;
	}
	for (int a = 0; a < state->naggs && f > r; a++)
		UpdateAggRange(state, state->aggs[a], &gv[a], state->xvalues, state->xvalidity, r, f);
	for (int a = 0; a < err_agg; a++)
		UpdateAggRange(state, state->aggs[a], &gv[a], state->xvalues, state->xvalidity, f, f + 1);
	AggExprRaise(err_kind);
}

/* A group of the key-to-group hash table. */
struct GroupEntry
{
	GroupKey	key;
	int			group;
};

/* Direct-mapped cache in front of the hash table (hot chunks interleave series). */
constexpr int kGroupCache = 1024;

/* KeyOf fills key for row r (series and/or date_bin bucket). */
static inline void
KeyOf(AggState *state, const void *const *values, const uint8 *const *validity, uint32 r,
	  GroupKey *key)
{
	const core::ChunkLayout &layout = state->layout;

	key->series = 0;
	key->bin = 0;
	key->series_null = 0;
	key->pad = 0;
	if (state->by_series)
	{
		if (BitSet(validity[layout.series_col], r))
			key->series = core::IntegerAt(layout.types[layout.series_col],
										  values[layout.series_col], r);
		else
			key->series_null = 1;
	}
	if (state->by_bucket)
		key->bin = TimeBucketOf(&state->bucket, static_cast<const int64 *>(values[layout.time_col])[r]);
}

static inline bool
SameKey(const GroupKey &a, const GroupKey &b)
{
	return a.series == b.series && a.bin == b.bin && a.series_null == b.series_null;
}

/*
 * SeriesRunEnd returns the end of the run of rows from r on (before r1)
 * whose series id equals row r's; the series column has no NULLs.
 */
template <typename T>
static inline uint32
RunEndT(const void *col, uint32 r, uint32 r1)
{
	const T    *x = static_cast<const T *>(col);
	T			v = x[r];
	uint32		e = r + 1;

	/* eight rows a step while they all match (a loop the compiler vectorizes) */
	while (e + 8 <= r1)
	{
		bool		differ = false;

		for (int k = 0; k < 8; k++)
			differ |= x[e + k] != v;
		if (differ)
			break;
		e += 8;
	}
	while (e < r1 && x[e] == v)
		e++;
	return e;
}

static uint32
SeriesRunEnd(core::ColumnType type, const void *col, uint32 r, uint32 r1)
{
	switch (type)
	{
		case core::ColumnType::kInt2:
			return RunEndT<int16>(col, r, r1);
		case core::ColumnType::kInt4:
			return RunEndT<int32>(col, r, r1);
		default:
			return RunEndT<int64>(col, r, r1);
	}
}

/* ComputeGroupsPass runs the whole scan and fills the groups. */
static void
ComputeGroupsPass(AggState *state)
{
	EState	   *estate = state->css.ss.ps.state;
	MemoryContext old = MemoryContextSwitchTo(estate->es_query_cxt);
	ScanBounds	b;
	const core::ChunkLayout &layout = state->layout;
	bool		possible = EvalBounds(state->css.ss.ps.ps_ExprContext, state->exprs, state->kinds,
									  state->expr_types, &b,
									  RelationGetRelid(state->rel),
									  (int16) (layout.series_col + 1));
	int			tcol = layout.time_col;
	int			scol = layout.series_col;
	core::ColumnType stype = scol >= 0 ? layout.types[scol] : core::ColumnType::kInt8;
	HASHCTL		info;
	HTAB	   *index;
	GroupEntry *cache = static_cast<GroupEntry *>(palloc(sizeof(GroupEntry) * kGroupCache));
	int			cap = 16;
	TableScanDesc scan;
	const void *const *values;
	const uint8 *const *validity;
	uint32		r0;
	uint32		r1;
	int			last_group = -1;
	GroupKey	last_key;
	bool		filter_ts;
	bool		series_only;	/* groups are series runs, every row passes */
	ValueFilter *filters;
	int			nfilters;

	state->ngroups = 0;
	state->keys = static_cast<GroupKey *>(palloc0(sizeof(GroupKey) * cap));
	state->values = static_cast<AggValue *>(palloc0(sizeof(AggValue) * cap * state->naggs));
	if (!EvalFilters(state->css.ss.ps.ps_ExprContext, state->fexprs, state->specs,
					 state->fexpr_types, state->rel, layout, &filters, &nfilters))
		possible = false;
	if (!possible)
	{
		b.min_ts = 1;
		b.max_ts = 0;
		b.nseries = -1;
	}
	filter_ts = b.min_ts != PG_INT64_MIN || b.max_ts != PG_INT64_MAX;
	series_only = state->by_series && !state->by_bucket && !filter_ts && b.nseries < 0 &&
		nfilters == 0;
	/* now, not at BeginAgg: a cursor's first fetch may come after a SET TimeZone */
	if (state->by_bucket)
	{
		TimeBucketRelease(&state->bucket);	/* a rescan's */
		TimeBucketInit(&state->bucket, state->bucket_expr, CurrentMemoryContext);
	}

	/* cold blocks decode only the columns read here */
	b.need_cols = 0;
	if (filter_ts || state->by_bucket)
		b.need_cols |= UINT64CONST(1) << tcol;
	if (scol >= 0 && (state->by_series || b.nseries >= 0))
		b.need_cols |= UINT64CONST(1) << scol;
	for (int a = 0; a < state->naggs; a++)
		b.need_cols |= state->aggs[a].cols;
	b.need_cols |= FilterColumns(filters, nfilters);
	if (b.need_cols == 0)
		b.need_cols = UINT64CONST(1) << tcol;	/* count(*) alone: something to count */
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(GroupKey);
	info.entrysize = sizeof(GroupEntry);
	info.hcxt = CurrentMemoryContext;
	index = hash_create("ztsdb agg groups", 1024, &info, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (int i = 0; i < kGroupCache; i++)
		cache[i].group = -1;
	memset(&last_key, 0, sizeof(last_key));
	if (!state->grouped)
	{
		state->ngroups = 1;
		last_group = 0;
	}
	scan = ScanBeginBounded(state->rel, estate->es_snapshot, &b);
	while (possible && ScanNextRun(scan, &values, &validity, &r0, &r1))
	{
		const int64 *ts = static_cast<const int64 *>(values[tcol]);
		auto		passes = [&](uint32 r) {
			if (filter_ts && (ts[r] < b.min_ts || ts[r] > b.max_ts))
				return false;
			if (b.nseries >= 0)
			{
				if (!BitSet(validity[scol], r) ||
					!SeriesWanted(b, core::IntegerAt(stype, values[scol], r)))
					return false;
			}
			return nfilters == 0 || FiltersPass(filters, nfilters, values, validity, r);
		};

		const void *const *avalues = values;
		const uint8 *const *avalidity = validity;
		bool		run_clean = true;	/* no computed argument fails in the run */

		CHECK_FOR_INTERRUPTS();
		if (state->nexprs > 0)
		{
			int			err_agg;
			int			err_kind;

			/*
			 * Evaluate the arguments over the whole run at once; only if some
			 * row fails (maybe one outside the bounds) does each segment
			 * evaluate its own rows again, to raise the right error or none.
			 */
			memcpy(state->xvalues, values, sizeof(void *) * core::kMaxColumns);
			memcpy(state->xvalidity, validity, sizeof(uint8 *) * core::kMaxColumns);
			for (int k = 0; k < state->nexprs; k++)
				state->xvalues[core::kMaxColumns + k] = nullptr;
			run_clean = EvalExprs(state, values, validity, r0, r1, &err_agg, &err_kind) == UINT32_MAX;
			avalues = state->xvalues;
			avalidity = state->xvalidity;
		}
		for (uint32 r = r0; r < r1; r++)
		{
			GroupKey	key;
			int			g;
			uint32		e;

			if (!passes(r))
				continue;
			if (!state->grouped)
				g = 0;
			else
			{
				KeyOf(state, values, validity, r, &key);
				if (last_group >= 0 && SameKey(key, last_key))
					g = last_group;
				else
				{
					GroupEntry *ce = &cache[(uint64) (key.series * 31 + key.bin / 1000000 + key.series_null) &
											(kGroupCache - 1)];

					if (ce->group >= 0 && SameKey(ce->key, key))
						g = ce->group;
					else
					{
						bool		found;
						GroupEntry *he = static_cast<GroupEntry *>(hash_search(index, &key, HASH_ENTER, &found));

						if (!found)
						{
							if (state->ngroups == cap)
							{
								cap *= 2;
								state->keys = static_cast<GroupKey *>(
									repalloc(state->keys, sizeof(GroupKey) * cap));
								state->values = static_cast<AggValue *>(
									repalloc(state->values, sizeof(AggValue) * cap * state->naggs));
							}
							he->group = state->ngroups++;
							memset(&state->values[(size_t) he->group * state->naggs], 0,
								   sizeof(AggValue) * state->naggs);
							state->keys[he->group] = key;
						}
						g = he->group;
						ce->key = key;
						ce->group = g;
					}
					last_group = g;
					last_key = key;
				}
			}

			/* the segment of following rows of the same group that pass the bounds */
			if (series_only && validity[scol] == nullptr)
				e = SeriesRunEnd(stype, values[scol], r, r1);
			else
				for (e = r + 1; e < r1 && passes(e); e++)
			{
				GroupKey	ek;

				if (!state->grouped)
					continue;
				KeyOf(state, values, validity, e, &ek);
				if (!SameKey(ek, key))
					break;
			}
			if (!run_clean)
				UpdateGroupChecked(state, &state->values[(size_t) g * state->naggs], values,
								   validity, r, e);
			else
				for (int a = 0; a < state->naggs; a++)
					UpdateAggRange(state, state->aggs[a],
								   &state->values[(size_t) g * state->naggs + a], avalues,
								   avalidity, r, e);
			state->rows += e - r;
			r = e - 1;
		}
	}
	hash_destroy(index);
	ScanGetCounters(scan, &state->counters);
	table_endscan(scan);
	state->done = true;
	state->next_group = 0;
	MemoryContextSwitchTo(old);
}

/*
 * Int128Numeric returns the numeric of an int128 sum, as
 * int128_to_numericvar and make_result give it (the same canonical form as
 * numeric_in's); allocates in the current context.
 */
static Datum
Int128Numeric(int64 lo, int64 hi)
{
	int128		v = (int128) (((uint128) (uint64) hi << 64) | (uint64) lo);
	uint128		mag = v < 0 ? -(uint128) v : (uint128) v;
	char		buf[48];
	char	   *p = buf + sizeof(buf) - 1;

	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		return NumericGetDatum(int64_to_numeric((int64) v));
	*p = '\0';
	do
	{
		*--p = (char) ('0' + (int) (mag % 10));
		mag /= 10;
	} while (mag != 0);
	if (v < 0)
		*--p = '-';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(p), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/*
 * ResultDatum returns one aggregate's result; numeric results are
 * allocated in the current context.
 */
static Datum
ResultDatum(const AggDesc &d, const AggValue &v, bool *isnull)
{
	*isnull = false;
	switch (d.op)
	{
		case kAggAvgInt:
			/* int8_avg */
			*isnull = v.n == 0;
			if (v.n == 0)
				return (Datum) 0;
			return DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(v.i)),
									   NumericGetDatum(int64_to_numeric(v.n)));
		case kAggSumInt8:
			/* numeric_poly_sum */
			*isnull = v.n == 0;
			return v.n == 0 ? (Datum) 0 : Int128Numeric(v.i, v.i_hi);
		case kAggAvgInt8:
			/* numeric_poly_avg */
			*isnull = v.n == 0;
			if (v.n == 0)
				return (Datum) 0;
			return DirectFunctionCall2(numeric_div, Int128Numeric(v.i, v.i_hi),
									   NumericGetDatum(int64_to_numeric(v.n)));
		case kAggCountStar:
		case kAggCount:
			return Int64GetDatum(v.n);
		case kAggSumFloat8:
			*isnull = v.n == 0;
			return Float8GetDatum(v.sx);
		case kAggSumInt:
			*isnull = v.n == 0;
			return Int64GetDatum(v.i);
		case kAggAvgFloat8:
			*isnull = v.n == 0;
			return Float8GetDatum(v.n == 0 ? 0.0 : v.sx / (double) v.n);
		case kAggMin:
		case kAggMax:
			*isnull = v.n == 0;
			switch (d.type)
			{
				case FLOAT8OID:
					return Float8GetDatum(v.f);
				case INT2OID:
					return Int16GetDatum((int16) v.i);
				case INT4OID:
					return Int32GetDatum((int32) v.i);
				default:
					return Int64GetDatum(v.i);
			}
	}
	*isnull = true;
	return (Datum) 0;
}

static TupleTableSlot *
NextGroup(ScanState *ss)
{
	AggState   *state = reinterpret_cast<AggState *>(ss);
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	MemoryContext old;
	int			g;
	int			att = 0;

	if (!state->done)
	{
		state->exact_avg = false;
		state->need_exact = false;
		state->rows = 0;
		ComputeGroupsPass(state);
		if (state->need_exact)
		{
			/* a huge value: aggregate again, avg as float8_accum does (see kAvgFastLimit) */
			state->exact_avg = true;
			state->rows = 0;
			ComputeGroupsPass(state);
		}
	}
	ExecClearTuple(slot);
	if (state->next_group >= state->ngroups)
		return slot;
	g = state->next_group++;
	/* numeric results live until the next call (ExecScan resets this context) */
	old = MemoryContextSwitchTo(ss->ps.ps_ExprContext->ecxt_per_tuple_memory);
	for (int c = 0; c < state->ngroupcols; c++, att++)
	{
		const GroupKey &k = state->keys[g];

		if (state->groupcols[c] == kGroupBucket)
		{
			slot->tts_isnull[att] = false;
			slot->tts_values[att] = Int64GetDatum(k.bin);
		}
		else
		{
			core::ColumnType st = state->layout.types[state->layout.series_col];

			slot->tts_isnull[att] = k.series_null != 0;
			slot->tts_values[att] = k.series_null ? (Datum) 0
				: state->series_dict ? DictDecode(RelationGetRelid(state->rel),
												  (int16) (state->layout.series_col + 1), (int32) k.series)
				: st == core::ColumnType::kInt2 ? Int16GetDatum((int16) k.series)
				: st == core::ColumnType::kInt4 ? Int32GetDatum((int32) k.series)
				: Int64GetDatum(k.series);
		}
	}
	for (int a = 0; a < state->naggs; a++)
		slot->tts_values[att + a] = ResultDatum(state->aggs[a],
												state->values[(size_t) g * state->naggs + a],
												&slot->tts_isnull[att + a]);
	MemoryContextSwitchTo(old);
	return ExecStoreVirtualTuple(slot);
}

static bool
RecheckGroup(ScanState *ss, TupleTableSlot *slot)
{
	(void) ss;
	(void) slot;
	return true;
}

static TupleTableSlot *
ExecAgg(CustomScanState *node)
{
	return ExecScan(&node->ss, NextGroup, RecheckGroup);
}

static void
EndAgg(CustomScanState *node)
{
	AggState   *state = reinterpret_cast<AggState *>(node);

	if (state->rel != NULL)
		table_close(state->rel, AccessShareLock);
	state->rel = NULL;
}

static void
ReScanAgg(CustomScanState *node)
{
	AggState   *state = reinterpret_cast<AggState *>(node);

	/* parameters may have changed: aggregate again */
	state->done = false;
	state->rows = 0;
}

static void
ExplainAgg(CustomScanState *node, List *ancestors, ExplainState *es)
{
	AggState   *state = reinterpret_cast<AggState *>(node);
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *context;
	List	   *texts = NIL;
	List	   *ftexts = NIL;
	ListCell   *lc;
	int			nbounds = list_length(state->kinds);
	int			i = 0;

	context = set_deparse_context_plan(es->deparse_cxt, node->ss.ps.plan, ancestors);
	foreach(lc, cscan->custom_exprs)
	{
		if (i < nbounds)
			texts = lappend(texts, deparse_expression((Node *) lfirst(lc), context, false, false));
		else
			ftexts = lappend(ftexts,
							 FilterText(RelationGetDescr(state->rel),
										list_nth_int(state->specs, 2 * (i - nbounds)),
										list_nth_int(state->specs, 2 * (i - nbounds) + 1),
										deparse_expression((Node *) lfirst(lc), context, false,
														   false)));
		i++;
	}
	ExplainPropertyText("Relation", RelationGetRelationName(state->rel), es);
	{
		const char *bucket = state->by_bucket ? TimeBucketName(state->bucket_expr->funcid) : NULL;

		ExplainPropertyText("Grouped By", psprintf("%s%s%s", state->by_series ? "series" : "",
												   state->by_series && bucket ? ", " : "",
												   bucket ? bucket : state->by_series ? "" : "nothing"),
							es);
		if (state->by_bucket)
		{
			/* how the scan computes them (the session time zone decides: set up now if it has not run) */
			if (!state->done)
			{
				TimeBucketRelease(&state->bucket);
				TimeBucketInit(&state->bucket, state->bucket_expr, CurrentMemoryContext);
			}
			ExplainPropertyText("Time Buckets", state->bucket.method, es);
		}
	}
	if (texts != NIL)
		ExplainPropertyList("Pushed Bounds", texts, es);
	if (ftexts != NIL)
		ExplainPropertyList("Pushed Filter", ftexts, es);

	/*
	 * The computed arguments, from the Aggrefs of custom_scan_tlist (group
	 * columns, then one per aggregate): unlike custom_private's copies, setrefs
	 * gave their Vars the final range table's numbers (a subquery's differ).
	 */
	texts = NIL;
	for (int k = 0; k < state->nexprs; k++)
		for (int a = 0; a < state->naggs; a++)
			if (state->aggs[a].col == core::kMaxColumns + k)
			{
				TargetEntry *te = (TargetEntry *) list_nth(cscan->custom_scan_tlist,
														   state->ngroupcols + a);
				Aggref	   *agg = castNode(Aggref, te->expr);

				texts = lappend(texts,
								deparse_expression((Node *) ((TargetEntry *) linitial(agg->args))->expr,
												   context, false, false));
				break;
			}
	if (texts != NIL)
		ExplainPropertyList("Computed Arguments", texts, es);
	if (es->analyze)
	{
		ExplainPropertyInteger("Rows Aggregated", NULL, (int64) state->rows, es);
		ExplainPropertyInteger("Chunks Scanned", NULL, (int64) state->counters.chunks_scanned, es);
		ExplainPropertyInteger("Chunks Skipped", NULL, (int64) state->counters.chunks_skipped, es);
		ExplainPropertyInteger("Blocks Scanned", NULL, (int64) state->counters.blocks_scanned, es);
		ExplainPropertyInteger("Blocks Skipped", NULL, (int64) state->counters.blocks_skipped, es);
		ExplainPropertyInteger("Hot Rows Read", NULL, (int64) state->counters.hot_rows_read, es);
	}
}

void
QueryAggInit(void)
{
	memset(&agg_path_methods, 0, sizeof(agg_path_methods));
	agg_path_methods.CustomName = "ZtsdbAgg";
	agg_path_methods.PlanCustomPath = PlanAggPath;

	memset(&agg_scan_methods, 0, sizeof(agg_scan_methods));
	agg_scan_methods.CustomName = "ZtsdbAgg";
	agg_scan_methods.CreateCustomScanState = CreateAggState;
	RegisterCustomScanMethods(&agg_scan_methods);

	memset(&agg_exec_methods, 0, sizeof(agg_exec_methods));
	agg_exec_methods.CustomName = "ZtsdbAgg";
	agg_exec_methods.BeginCustomScan = BeginAgg;
	agg_exec_methods.ExecCustomScan = ExecAgg;
	agg_exec_methods.EndCustomScan = EndAgg;
	agg_exec_methods.ReScanCustomScan = ReScanAgg;
	agg_exec_methods.ExplainCustomScan = ExplainAgg;

	prev_upper_paths = create_upper_paths_hook;
	create_upper_paths_hook = UpperPaths;
}

} // namespace ztsdb
