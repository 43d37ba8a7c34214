/*-------------------------------------------------------------------------
 *
 * query_scan.cpp
 *	  ZtsdbScan: a custom scan that hands WHERE clauses on the time and
 *	  series columns to the table scan, which then skips whole chunks (by
 *	  their time range), cold blocks (by time and series bounds), and in
 *	  sorted warm chunks reads only the wanted series' rows (binary search).
 *
 * Planning (set_rel_pathlist_hook): among the relation's restriction
 * clauses, those of the forms
 *		time_col {<,<=,=,>=,>} expr, expr {<,<=,=,>=,>} time_col,
 *		series_col = expr, series_col = ANY (array expr)
 * where expr has no Vars and nothing volatile (constants, parameters of
 * prepared statements, now() - interval '1 hour', ...) are pushed down.
 * Every clause stays in the plan's qual too: the scan only skips rows those
 * clauses would reject, so results are exactly the seq scan's.  A text or
 * varchar series column takes series_col = text expr and = ANY (text[]) under
 * a deterministic collation; the strings become dictionary codes when the
 * scan starts (tam_dict.cpp), a string without a code matching no row.
 * Other clauses on a single column compared with such an expression (or
 * IS [NOT] NULL, bool_col, NOT bool_col) become value filters
 * (query_filter.h: integers, floats in PostgreSQL's NaN order, timestamps,
 * bools, text tags by dictionary code): the table scan drops rows failing
 * them on the column arrays, before a tuple is formed or a text decoded.
 *
 * Execution: the pushed expressions are evaluated once when the scan
 * starts (and again on rescan, for parameters from outer plans), turned
 * into ScanBounds (with the value filters), and ScanBeginBounded does the
 * rest.  EXPLAIN shows the pushed clauses ("Pushed Down" for bounds,
 * "Pushed Filter" for value filters); EXPLAIN ANALYZE what was scanned and
 * skipped, and how many rows the value filters removed.
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>

#include "ztsdb/pg.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/query/query_filter.h"
#include "ztsdb/query/query_pushdown.h"
#include "ztsdb/tam/tam_scan.h"

extern "C" {
#include "access/stratnum.h"
#include "catalog/pg_am_d.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/typcache.h"
}

namespace ztsdb {

/* What a pushed expression bounds; stored in custom_private as integers. */
enum BoundKind
{
	kTimeLess = 1,				/* ts < e */
	kTimeLessEq,
	kTimeEq,
	kTimeGreaterEq,
	kTimeGreater,
	kSeriesEq,					/* series = e */
	kSeriesAny					/* series = ANY (e) */
};

struct ZtsdbScanState
{
	CustomScanState css;
	List	   *kinds;			/* BoundKind per expression */
	List	   *exprs;			/* ExprState per expression */
	List	   *expr_types;		/* Oid of each expression's result */
	List	   *specs;			/* value filters: column, FilterOp pairs */
	List	   *fexprs;			/* ExprState per value filter */
	List	   *fexpr_types;
	TableScanDesc scan;
	ScanCounters counters;		/* accumulated over rescans */
};

static set_rel_pathlist_hook_type prev_set_rel_pathlist = NULL;
static CustomPathMethods path_methods;
static CustomScanMethods scan_methods;
static CustomExecMethods exec_methods;

/*
 * BtreeStrategy returns the btree strategy of opno for the column type, or
 * 0.  The type's default btree family comes from the type cache:
 * GetDefaultOpClass scans pg_opclass every time, and planning calls this
 * for every clause, several times (ZtsdbScan, ZtsdbAgg, ZtsdbOrdered).
 */
static int
BtreeStrategy(Oid opno, Oid coltype)
{
	TypeCacheEntry *tc = lookup_type_cache(coltype, TYPECACHE_BTREE_OPFAMILY);

	if (!OidIsValid(tc->btree_opf))
		return 0;
	return get_op_opfamily_strategy(opno, tc->btree_opf);
}

static bool
Pushable(Node *expr)
{
	return !contain_var_clause(expr) && !contain_volatile_functions(expr);
}

static bool
IsColumn(Node *n, Index relid, int attno)
{
	return n != NULL && IsA(n, Var) && ((Var *) n)->varno == (int) relid &&
		((Var *) n)->varattno == attno && ((Var *) n)->varlevelsup == 0;
}

/*
 * DeterministicCollation: under collid, are equal strings equal bytes?  Only
 * then does a text equality select exactly the rows of one code.
 */
static bool
DeterministicCollation(Oid collid)
{
	return !OidIsValid(collid) || get_collation_isdeterministic(collid);
}

/*
 * MatchClause recognises one restriction clause; on success appends the
 * bound expression and its kind.
 */
bool
MatchClause(Expr *clause, Index relid, const core::ChunkLayout &layout, Oid time_type,
			Oid series_type, List **exprs, List **kinds)
{
	int			time_att = layout.time_col + 1;
	int			series_att = layout.series_col + 1;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *l = (Node *) linitial(op->args);
		Node	   *r = (Node *) lsecond(op->args);
		Oid			opno = op->opno;
		int			strategy;

		if (IsA(l, RelabelType))
			l = (Node *) ((RelabelType *) l)->arg;
		if (IsA(r, RelabelType))
			r = (Node *) ((RelabelType *) r)->arg;
		if (!IsA(l, Var) && IsA(r, Var))
		{
			/* expr op col: use the commutator, col op' expr */
			Node	   *t = l;

			l = r;
			r = t;
			opno = get_commutator(opno);
			if (!OidIsValid(opno))
				return false;
		}
		if (!Pushable(r))
			return false;
		if (IsColumn(l, relid, time_att) && exprType(r) == time_type)
		{
			strategy = BtreeStrategy(opno, time_type);
			if (strategy < BTLessStrategyNumber || strategy > BTGreaterStrategyNumber)
				return false;
			*exprs = lappend(*exprs, r);
			*kinds = lappend_int(*kinds, kTimeLess + (strategy - BTLessStrategyNumber));
			return true;
		}
		if (layout.series_col >= 0 && IsDictType(series_type) && IsColumn(l, relid, series_att))
		{
			/* text series: equality on the bytes, looked up as a code at run time */
			if (!IsDictType(exprType(r)) || !DeterministicCollation(op->inputcollid) ||
				BtreeStrategy(opno, TEXTOID) != BTEqualStrategyNumber)
				return false;
			*exprs = lappend(*exprs, r);
			*kinds = lappend_int(*kinds, kSeriesEq);
			return true;
		}
		if (layout.series_col >= 0 && IsColumn(l, relid, series_att) &&
			(exprType(r) == INT2OID || exprType(r) == INT4OID || exprType(r) == INT8OID) &&
			BtreeStrategy(opno, series_type) == BTEqualStrategyNumber)
		{
			*exprs = lappend(*exprs, r);
			*kinds = lappend_int(*kinds, kSeriesEq);
			return true;
		}
		return false;
	}
	if (IsA(clause, ScalarArrayOpExpr) && layout.series_col >= 0)
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
		Node	   *l = (Node *) linitial(sa->args);
		Node	   *r = (Node *) lsecond(sa->args);
		Oid			elemtype;

		if (!sa->useOr || !IsColumn(l, relid, series_att) || !Pushable(r))
			return false;
		elemtype = get_element_type(exprType(r));
		if (IsDictType(series_type))
		{
			if (!IsDictType(elemtype) || !DeterministicCollation(sa->inputcollid) ||
				BtreeStrategy(sa->opno, TEXTOID) != BTEqualStrategyNumber)
				return false;
			*exprs = lappend(*exprs, r);
			*kinds = lappend_int(*kinds, kSeriesAny);
			return true;
		}
		if ((elemtype != INT2OID && elemtype != INT4OID && elemtype != INT8OID) ||
			BtreeStrategy(sa->opno, series_type) != BTEqualStrategyNumber)
			return false;
		*exprs = lappend(*exprs, r);
		*kinds = lappend_int(*kinds, kSeriesAny);
		return true;
	}
	return false;
}

static void
SetRelPathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	Relation	r;
	core::ChunkLayout layout;
	bool		ok;
	List	   *exprs = NIL;
	List	   *kinds = NIL;
	List	   *fexprs = NIL;
	List	   *specs = NIL;
	List	   *fclauses = NIL;
	CustomPath *cpath;
	Path	   *seq = NULL;
	ListCell   *lc;

	if (prev_set_rel_pathlist)
		prev_set_rel_pathlist(root, rel, rti, rte);
	/*
	 * A partition (or inheritance child) of a parent named in the query is
	 * an "other member" rel with its own RTE and translated clauses: it
	 * gets the path like a table named directly, under the parent's Append.
	 */
	if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION || rte->inh ||
		(rel->reloptkind != RELOPT_BASEREL && rel->reloptkind != RELOPT_OTHER_MEMBER_REL) ||
		rel->baserestrictinfo == NIL)
		return;
	r = relation_open(rte->relid, NoLock);
	ok = IsZtsdbRelation(r) && LayoutOfRelation(r, &layout, false);
	if (ok)
	{
		TupleDesc	desc = RelationGetDescr(r);
		Oid			time_type = TupleDescAttr(desc, layout.time_col)->atttypid;
		Oid			series_type = layout.series_col >= 0
			? TupleDescAttr(desc, layout.series_col)->atttypid : InvalidOid;

		foreach(lc, rel->baserestrictinfo)
		{
			RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

			if (!MatchClause(ri->clause, rel->relid, layout, time_type, series_type,
							 &exprs, &kinds) &&
				MatchFilter(ri->clause, rel->relid, desc, layout, &fexprs, &specs))
				fclauses = lappend(fclauses, ri->clause);
		}
	}
	relation_close(r, NoLock);
	if (exprs == NIL && fexprs == NIL)
		return;

	foreach(lc, rel->pathlist)
		if (((Path *) lfirst(lc))->pathtype == T_SeqScan)
			seq = (Path *) lfirst(lc);
	if (seq == NULL)
		return;

	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.pathtarget = rel->reltarget;
	cpath->path.param_info = seq->param_info;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.rows = rel->rows;
	/*
	 * Half a sequential scan, pruning never costs more; but the pushed
	 * bounds are evaluated once per scan, not per row: the quals are charged
	 * on the rows estimated to pass them only.  Charged per row, as the
	 * sequential scan does, a generic plan (bounds with parameters, which
	 * are not folded to constants) cost twice a custom one, and every
	 * execution of a prepared statement was planned again.
	 */
	cpath->path.startup_cost = seq->startup_cost;
	cpath->path.total_cost = seq->startup_cost +
		Max(seq->total_cost - seq->startup_cost - rel->tuples * rel->baserestrictcost.per_tuple, 0) * 0.5 +
		rel->rows * rel->baserestrictcost.per_tuple;
	cpath->flags = 0;
	cpath->custom_private = list_make5(exprs, kinds, fexprs, specs, fclauses);
	cpath->methods = &path_methods;
	add_path(rel, &cpath->path);
}

static Plan *
PlanPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
		 List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *exprs = (List *) linitial(best_path->custom_private);
	List	   *kinds = (List *) lsecond(best_path->custom_private);
	List	   *fexprs = (List *) lthird(best_path->custom_private);
	List	   *specs = (List *) lfourth(best_path->custom_private);
	List	   *fclauses = (List *) list_nth(best_path->custom_private, 4);

	(void) root;
	(void) custom_plans;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = extract_actual_clauses(clauses, false);
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	/*
	 * custom_exprs: the bound expressions, the filters' values, then the
	 * filters' clauses (for EXPLAIN only); setrefs fixes all of them.
	 */
	cscan->custom_exprs = list_concat(list_concat(list_copy(exprs), fexprs), fclauses);
	cscan->custom_private = list_make2(kinds, specs);
	cscan->methods = &scan_methods;
	return &cscan->scan.plan;
}

static Node *
CreateState(CustomScan *cscan)
{
	ZtsdbScanState *state = static_cast<ZtsdbScanState *>(palloc0(sizeof(ZtsdbScanState)));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &exec_methods;
	state->kinds = (List *) linitial(cscan->custom_private);
	state->specs = (List *) lsecond(cscan->custom_private);
	return (Node *) state;
}

static void
BeginScan(CustomScanState *node, EState *estate, int eflags)
{
	ZtsdbScanState *state = reinterpret_cast<ZtsdbScanState *>(node);
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	int			nbounds = list_length(state->kinds);
	int			nfilters = list_length(state->specs) / 2;
	int			i = 0;
	ListCell   *lc;

	(void) estate;
	(void) eflags;
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

static int64
IntDatum(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

/* ComputeBounds evaluates the pushed expressions; false if no row can match. */
static bool
ComputeBounds(ZtsdbScanState *state, ScanBounds *b)
{
	Relation	rel = state->css.ss.ss_currentRelation;
	core::ChunkLayout layout;
	ValueFilter *filters;
	int			nfilters;
	bool		possible;

	(void) LayoutOfRelation(rel, &layout, true);
	possible = EvalBounds(state->css.ss.ps.ps_ExprContext, state->exprs, state->kinds,
						  state->expr_types, b, RelationGetRelid(rel),
						  (int16) (layout.series_col + 1));
	if (!EvalFilters(state->css.ss.ps.ps_ExprContext, state->fexprs, state->specs,
					 state->fexpr_types, rel, layout, &filters, &nfilters))
		possible = false;
	b->filters = filters;
	b->nfilters = nfilters;
	return possible;
}

/*
 * SeriesValue turns a pushed series value into what chunks store: the
 * integer, or the dictionary code of a string (false: no row holds it).
 */
static bool
SeriesValue(Datum d, Oid type, Oid relid, int16 attnum, int64 *out)
{
	int32		code;

	if (!IsDictType(type))
	{
		*out = IntDatum(d, type);
		return true;
	}
	if (!OidIsValid(relid) || !DictLookup(relid, attnum, d, &code))
		return false;
	*out = code;
	return true;
}

bool
EvalBounds(ExprContext *econtext, List *exprstates, List *kinds, List *types, ScanBounds *b,
		   Oid relid, int16 series_attnum)
{
	ListCell   *le;
	ListCell   *lk;
	ListCell   *lt;
	List	   *series = NIL;
	bool		have_series = false;
	bool		possible = true;

	b->min_ts = PG_INT64_MIN;
	b->max_ts = PG_INT64_MAX;
	b->nseries = -1;
	b->series = NULL;
	b->need_cols = 0;
	b->filters = NULL;
	b->nfilters = 0;
	ResetExprContext(econtext);
	forthree(le, exprstates, lk, kinds, lt, types)
	{
		ExprState  *es = (ExprState *) lfirst(le);
		int			kind = lfirst_int(lk);
		Oid			type = lfirst_oid(lt);
		bool		isnull;
		Datum		d = ExecEvalExprSwitchContext(es, econtext, &isnull);
		List	   *values = NIL;

		if (isnull)
			return false;		/* comparison with NULL: no row qualifies */
		if (kind <= kTimeGreater)
		{
			int64		v = DatumGetInt64(d);

			switch (kind)
			{
				case kTimeLess:
					if (v == PG_INT64_MIN)
						possible = false;
					else
						b->max_ts = Min(b->max_ts, v - 1);
					break;
				case kTimeLessEq:
					b->max_ts = Min(b->max_ts, v);
					break;
				case kTimeEq:
					b->min_ts = Max(b->min_ts, v);
					b->max_ts = Min(b->max_ts, v);
					break;
				case kTimeGreaterEq:
					b->min_ts = Max(b->min_ts, v);
					break;
				case kTimeGreater:
					if (v == PG_INT64_MAX)
						possible = false;
					else
						b->min_ts = Max(b->min_ts, v + 1);
					break;
			}
			continue;
		}
		if (kind == kSeriesEq)
		{
			int64	   *v = static_cast<int64 *>(palloc(sizeof(int64)));

			if (SeriesValue(d, type, relid, series_attnum, v))
				values = list_make1(v);
		}
		else
		{
			ArrayType  *arr = DatumGetArrayTypeP(d);
			Oid			elem = ARR_ELEMTYPE(arr);
			int16		elmlen;
			bool		elmbyval;
			char		elmalign;
			Datum	   *elems;
			bool	   *nulls;
			int			n;

			get_typlenbyvalalign(elem, &elmlen, &elmbyval, &elmalign);
			deconstruct_array(arr, elem, elmlen, elmbyval, elmalign, &elems, &nulls, &n);
			for (int i = 0; i < n; i++)
				if (!nulls[i])
				{
					int64	   *v = static_cast<int64 *>(palloc(sizeof(int64)));

					if (SeriesValue(elems[i], elem, relid, series_attnum, v))
						values = lappend(values, v);
				}
		}
		if (!have_series)
			series = values;
		else
		{
			/* several series clauses: keep what all of them allow */
			List	   *both = NIL;
			ListCell   *a;
			ListCell   *c;

			foreach(a, series)
				foreach(c, values)
					if (*(int64 *) lfirst(a) == *(int64 *) lfirst(c))
					{
						both = lappend(both, lfirst(a));
						break;
					}
			series = both;
		}
		have_series = true;
	}
	if (!possible || b->min_ts > b->max_ts)
		return false;
	if (have_series)
	{
		int			n = 0;
		ListCell   *lc;

		b->series = static_cast<int64 *>(palloc(sizeof(int64) * Max(list_length(series), 1)));
		foreach(lc, series)
			b->series[n++] = *(int64 *) lfirst(lc);
		std::sort(b->series, b->series + n);
		n = static_cast<int>(std::unique(b->series, b->series + n) - b->series);
		b->nseries = n;
		if (n == 0)
			return false;
	}
	return true;
}

static TupleTableSlot *
NextTuple(ScanState *ss)
{
	ZtsdbScanState *state = reinterpret_cast<ZtsdbScanState *>(ss);
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;

	if (state->scan == NULL)
	{
		ScanBounds	b;
		MemoryContext old = MemoryContextSwitchTo(ss->ps.state->es_query_cxt);
		bool		possible = ComputeBounds(state, &b);

		if (!possible)
		{
			/* nothing can match: an empty time range scans nothing */
			b.min_ts = 1;
			b.max_ts = 0;
			b.nseries = -1;
			b.nfilters = 0;
		}
		state->scan = ScanBeginBounded(ss->ss_currentRelation, ss->ps.state->es_snapshot, &b);
		MemoryContextSwitchTo(old);
	}
	if (table_scan_getnextslot(state->scan, ForwardScanDirection, slot))
		return slot;
	return ExecClearTuple(slot);
}

static bool
RecheckTuple(ScanState *ss, TupleTableSlot *slot)
{
	(void) ss;
	(void) slot;
	return true;				/* the plan's qual holds every clause */
}

static TupleTableSlot *
ExecScanNode(CustomScanState *node)
{
	return ExecScan(&node->ss, NextTuple, RecheckTuple);
}

static void
EndScanOne(ZtsdbScanState *state)
{
	if (state->scan != NULL)
	{
		ScanCounters c;

		ScanGetCounters(state->scan, &c);
		state->counters.chunks_scanned += c.chunks_scanned;
		state->counters.chunks_skipped += c.chunks_skipped;
		state->counters.blocks_scanned += c.blocks_scanned;
		state->counters.blocks_skipped += c.blocks_skipped;
		state->counters.hot_rows_read += c.hot_rows_read;
		state->counters.rows_filtered += c.rows_filtered;
		state->counters.blocks_filtered += c.blocks_filtered;
		table_endscan(state->scan);
		state->scan = NULL;
	}
}

static void
EndScan(CustomScanState *node)
{
	EndScanOne(reinterpret_cast<ZtsdbScanState *>(node));
}

static void
ReScan(CustomScanState *node)
{
	/* parameters may have changed: evaluate the bounds again */
	EndScanOne(reinterpret_cast<ZtsdbScanState *>(node));
	ExecScanReScan(&node->ss);
}

static void
Explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ZtsdbScanState *state = reinterpret_cast<ZtsdbScanState *>(node);
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *context;
	List	   *texts = NIL;
	List	   *ftexts = NIL;
	ListCell   *le;
	ListCell   *lk;
	int			nbounds = list_length(state->kinds);
	int			nfilters = list_length(state->specs) / 2;
	static const char *const ops[] = {"", "<", "<=", "=", ">=", ">", "=", "= ANY"};
	const char *time_name;
	const char *series_name;
	core::ChunkLayout layout;
	StringInfoData buf;

	(void) LayoutOfRelation(node->ss.ss_currentRelation, &layout, false);
	time_name = NameStr(TupleDescAttr(RelationGetDescr(node->ss.ss_currentRelation),
									  layout.time_col)->attname);
	series_name = layout.series_col >= 0
		? NameStr(TupleDescAttr(RelationGetDescr(node->ss.ss_currentRelation),
								layout.series_col)->attname) : "";
	context = set_deparse_context_plan(es->deparse_cxt, (Plan *) cscan, ancestors);
	for (int i = 0; i < nfilters; i++)
		ftexts = lappend(ftexts,
						 deparse_expression((Node *) list_nth(cscan->custom_exprs,
															  nbounds + nfilters + i),
											context, false, false));
	forboth(le, cscan->custom_exprs, lk, state->kinds)
	{
		int			kind = lfirst_int(lk);

		initStringInfo(&buf);
		appendStringInfo(&buf, "%s %s %s", kind >= kSeriesEq ? series_name : time_name,
						 ops[kind], deparse_expression((Node *) lfirst(le), context, false, false));
		texts = lappend(texts, buf.data);
	}
	if (texts != NIL)
		ExplainPropertyList("Pushed Down", texts, es);
	if (ftexts != NIL)
		ExplainPropertyList("Pushed Filter", ftexts, es);
	if (es->analyze)
	{
		ScanCounters c = state->counters;

		if (state->scan != NULL)
		{
			ScanCounters now;

			ScanGetCounters(state->scan, &now);
			c.chunks_scanned += now.chunks_scanned;
			c.chunks_skipped += now.chunks_skipped;
			c.blocks_scanned += now.blocks_scanned;
			c.blocks_skipped += now.blocks_skipped;
			c.hot_rows_read += now.hot_rows_read;
			c.rows_filtered += now.rows_filtered;
			c.blocks_filtered += now.blocks_filtered;
		}
		ExplainPropertyInteger("Chunks Scanned", NULL, (int64) c.chunks_scanned, es);
		ExplainPropertyInteger("Chunks Skipped", NULL, (int64) c.chunks_skipped, es);
		ExplainPropertyInteger("Blocks Scanned", NULL, (int64) c.blocks_scanned, es);
		ExplainPropertyInteger("Blocks Skipped", NULL, (int64) c.blocks_skipped, es);
		ExplainPropertyInteger("Hot Rows Read", NULL, (int64) c.hot_rows_read, es);
		if (nfilters > 0)
		{
			ExplainPropertyInteger("Blocks Filtered", NULL, (int64) c.blocks_filtered, es);
			ExplainPropertyInteger("Rows Removed by Pushed Filter", NULL,
								   (int64) c.rows_filtered, es);
		}
	}
}

void
QueryScanInit(void)
{
	memset(&path_methods, 0, sizeof(path_methods));
	path_methods.CustomName = "ZtsdbScan";
	path_methods.PlanCustomPath = PlanPath;

	memset(&scan_methods, 0, sizeof(scan_methods));
	scan_methods.CustomName = "ZtsdbScan";
	scan_methods.CreateCustomScanState = CreateState;
	RegisterCustomScanMethods(&scan_methods);

	memset(&exec_methods, 0, sizeof(exec_methods));
	exec_methods.CustomName = "ZtsdbScan";
	exec_methods.BeginCustomScan = BeginScan;
	exec_methods.ExecCustomScan = ExecScanNode;
	exec_methods.EndCustomScan = EndScan;
	exec_methods.ReScanCustomScan = ReScan;
	exec_methods.ExplainCustomScan = Explain;

	prev_set_rel_pathlist = set_rel_pathlist_hook;
	set_rel_pathlist_hook = SetRelPathlist;
}

} // namespace ztsdb
