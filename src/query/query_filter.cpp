/*-------------------------------------------------------------------------
 *
 * query_filter.cpp
 *	  Value filters: WHERE clauses on non-time, non-series columns that the
 *	  table scan evaluates on the column arrays (query_filter.h), so that
 *	  rows failing them never become tuples (no text tag decoded from the
 *	  dictionary, no qual evaluated by the executor).
 *
 * Planning (MatchFilter) accepts only clauses whose value, once computed,
 * decides each row exactly as PostgreSQL's operator would:
 *	- integers of any width against integers: compared as int64, as the
 *	  cross-type operators of integer_ops do;
 *	- float4/float8 against float4/float8: compared as double, as float48*
 *	  and float84* do (a float4 widens exactly), in float8_cmp's order: NaN
 *	  equals NaN and sorts above +Infinity, -0 equals 0;
 *	- timestamps against the same type (timestamp against timestamptz would
 *	  depend on the session's time zone);
 *	- bool as 0/1;
 *	- text and varchar (other than the series column, which ZtsdbScan turns
 *	  into bounds) by equality and <> under a deterministic collation, where
 *	  equal strings are equal bytes and so one dictionary code: the string
 *	  is looked up (never added) when the scan starts, and one without a
 *	  code is held by no row.
 * The operator must belong to the column type's default btree family (so
 * "<" is an order, not some user operator named "<"); <> is the negator
 * of its equality.
 *
 * Execution (EvalFilters) evaluates each clause's expression once per scan
 * (again on rescan) and converts it to the column's domain.
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>

#include "ztsdb/pg.h"
#include "ztsdb/query/query_filter.h"
#include "ztsdb/tam/tam_dict.h"

extern "C" {
#include "access/stratnum.h"
#include "catalog/pg_am_d.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace ztsdb {

/* OpStrategy returns opno's btree strategy in coltype's default family, or 0. */
static int
OpStrategy(Oid opno, Oid coltype)
{
	Oid			opclass = GetDefaultOpClass(coltype, BTREE_AM_OID);

	if (!OidIsValid(opclass) || !OidIsValid(opno))
		return 0;
	return get_op_opfamily_strategy(opno, get_opclass_family(opclass));
}

/* FilterOpOf maps opno on coltype to a FilterOp (< <= = >= > <>), or 0. */
static int
FilterOpOf(Oid opno, Oid coltype)
{
	int			s = OpStrategy(opno, coltype);

	if (s >= BTLessStrategyNumber && s <= BTGreaterStrategyNumber)
		return kFilterLess + (s - BTLessStrategyNumber);
	if (OpStrategy(get_negator(opno), coltype) == BTEqualStrategyNumber)
		return kFilterNotEq;
	return 0;
}

static bool
IsIntType(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID;
}

static bool
IsFloatType(Oid t)
{
	return t == FLOAT4OID || t == FLOAT8OID;
}

static bool
DeterministicCollation(Oid collid)
{
	return !OidIsValid(collid) || get_collation_isdeterministic(collid);
}

static Node *
StripRelabel(Node *n)
{
	while (n != NULL && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	return n;
}

/*
 * ColumnOfVar returns the 0-based column of a plain Var of relid that the
 * chunks store, or -1.
 */
static int
ColumnOfVar(Node *n, Index relid, const core::ChunkLayout &layout)
{
	Var		   *v;

	n = StripRelabel(n);
	if (n == NULL || !IsA(n, Var))
		return -1;
	v = (Var *) n;
	if (v->varno != (int) relid || v->varlevelsup != 0 || v->varattno <= 0 ||
		v->varattno > layout.ncols)
		return -1;
	return v->varattno - 1;
}

static bool
Pushable(Node *expr)
{
	return !contain_var_clause(expr) && !contain_volatile_functions(expr);
}

static void
Append(List **exprs, List **specs, Node *expr, int col, int op)
{
	*exprs = lappend(*exprs, expr);
	*specs = lappend_int(*specs, col);
	*specs = lappend_int(*specs, op);
}

/*
 * ValueTypeFits tells whether a value of type vt compares with column type
 * ct exactly as the conversion in EvalFilters does.
 */
static bool
ValueTypeFits(Oid ct, Oid vt)
{
	if (IsIntType(ct))
		return IsIntType(vt);
	if (IsFloatType(ct))
		return IsFloatType(vt);
	if (ct == TIMESTAMPOID || ct == TIMESTAMPTZOID || ct == BOOLOID)
		return vt == ct;
	return false;
}

bool
MatchFilter(Expr *clause, Index relid, TupleDesc desc, const core::ChunkLayout &layout,
			List **exprs, List **specs)
{
	int			col;
	Oid			coltype;

	/* bool_col, NOT bool_col */
	if ((col = ColumnOfVar((Node *) clause, relid, layout)) >= 0)
	{
		if (TupleDescAttr(desc, col)->atttypid != BOOLOID)
			return false;
		Append(exprs, specs, makeBoolConst(true, false), col, kFilterEq);
		return true;
	}
	if (is_notclause(clause) &&
		(col = ColumnOfVar((Node *) get_notclausearg(clause), relid, layout)) >= 0)
	{
		if (TupleDescAttr(desc, col)->atttypid != BOOLOID)
			return false;
		Append(exprs, specs, makeBoolConst(false, false), col, kFilterEq);
		return true;
	}
	if (IsA(clause, NullTest))
	{
		NullTest   *nt = (NullTest *) clause;

		if (nt->argisrow || (col = ColumnOfVar((Node *) nt->arg, relid, layout)) < 0)
			return false;
		Append(exprs, specs, makeBoolConst(true, false), col,
			   nt->nulltesttype == IS_NULL ? kFilterIsNull : kFilterIsNotNull);
		return true;
	}
	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *l = (Node *) linitial(op->args);
		Node	   *r = (Node *) lsecond(op->args);
		Oid			opno = op->opno;
		int			fop;

		if (ColumnOfVar(l, relid, layout) < 0 && ColumnOfVar(r, relid, layout) >= 0)
		{
			/* expr op col: col op' expr with the commutator */
			Node	   *t = l;

			l = r;
			r = t;
			opno = get_commutator(opno);
		}
		col = ColumnOfVar(l, relid, layout);
		r = StripRelabel(r);
		if (col < 0 || !OidIsValid(opno) || !Pushable(r))
			return false;
		coltype = TupleDescAttr(desc, col)->atttypid;
		if (IsDictType(coltype))
		{
			/* equal strings are one code only under a deterministic collation */
			if (col == layout.series_col || !IsDictType(exprType(r)) ||
				!DeterministicCollation(op->inputcollid))
				return false;
			fop = FilterOpOf(opno, TEXTOID);
			if (fop != kFilterEq && fop != kFilterNotEq)
				return false;
			Append(exprs, specs, r, col, fop);
			return true;
		}
		if (!ValueTypeFits(coltype, exprType(r)) || (fop = FilterOpOf(opno, coltype)) == 0)
			return false;
		Append(exprs, specs, r, col, fop);
		return true;
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
		Node	   *r = (Node *) lsecond(sa->args);
		Oid			elemtype;

		col = ColumnOfVar((Node *) linitial(sa->args), relid, layout);
		if (!sa->useOr || col < 0 || !Pushable(r))
			return false;
		coltype = TupleDescAttr(desc, col)->atttypid;
		elemtype = get_element_type(exprType(r));
		if (IsDictType(coltype))
		{
			if (col == layout.series_col || !IsDictType(elemtype) ||
				!DeterministicCollation(sa->inputcollid) ||
				OpStrategy(sa->opno, TEXTOID) != BTEqualStrategyNumber)
				return false;
		}
		else if (!IsIntType(coltype) || !IsIntType(elemtype) ||
				 OpStrategy(sa->opno, coltype) != BTEqualStrategyNumber)
			return false;
		Append(exprs, specs, r, col, kFilterIn);
		return true;
	}
	return false;
}

static int64
IntOf(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1 : 0;
		default:
			return DatumGetInt64(d);	/* int8, timestamp, timestamptz */
	}
}

/*
 * SetOf turns the elements of array d into f's sorted set: integers, or
 * codes of strings of dictionary column attnum of rel (strings without a
 * code dropped).  The set may end up empty.
 */
static void
SetOf(Datum d, bool dict, Relation rel, int16 attnum, ValueFilter *f)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Oid			elem = ARR_ELEMTYPE(arr);
	int16		elmlen;
	bool		elmbyval;
	char		elmalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			k = 0;
	int64	   *set;

	get_typlenbyvalalign(elem, &elmlen, &elmbyval, &elmalign);
	deconstruct_array(arr, elem, elmlen, elmbyval, elmalign, &elems, &nulls, &n);
	set = static_cast<int64 *>(palloc(sizeof(int64) * Max(n, 1)));
	for (int i = 0; i < n; i++)
	{
		int32		code;

		if (nulls[i])
			continue;			/* col = NULL is never true */
		if (!dict)
			set[k++] = IntOf(elems[i], elem);
		else if (DictLookup(RelationGetRelid(rel), attnum, elems[i], &code))
			set[k++] = code;
	}
	std::sort(set, set + k);
	f->nset = static_cast<int>(std::unique(set, set + k) - set);
	f->set = set;
}

bool
EvalFilters(ExprContext *econtext, List *exprstates, List *specs, List *types, Relation rel,
			const core::ChunkLayout &layout, ValueFilter **filters, int *nfilters)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			n = list_length(exprstates);
	ValueFilter *out = static_cast<ValueFilter *>(palloc0(sizeof(ValueFilter) * Max(n, 1)));
	int			k = 0;
	ListCell   *le;
	ListCell   *lt;
	int			i = 0;
	bool		possible = true;

	forboth(le, exprstates, lt, types)
	{
		ExprState  *es = (ExprState *) lfirst(le);
		Oid			type = lfirst_oid(lt);
		int			col = list_nth_int(specs, 2 * i);
		int			op = list_nth_int(specs, 2 * i + 1);
		Oid			coltype = TupleDescAttr(desc, col)->atttypid;
		bool		dict = IsDictType(coltype);
		ValueFilter *f = &out[k];
		bool		isnull;
		Datum		d;

		i++;
		f->col = (uint16) col;
		f->op = (uint8) op;
		f->type = layout.types[col];
		f->domain = coltype == BOOLOID ? kDomainBool
			: IsFloatType(coltype) ? kDomainFloat : kDomainInt;
		k++;
		if (op == kFilterIsNull || op == kFilterIsNotNull)
			continue;
		d = ExecEvalExprSwitchContext(es, econtext, &isnull);
		if (isnull)
		{
			possible = false;	/* comparison with NULL: no row qualifies */
			continue;
		}
		if (op == kFilterIn)
		{
			SetOf(d, dict, rel, (int16) (col + 1), f);
			if (f->nset == 0)
				possible = false;
		}
		else if (dict)
		{
			int32		code;

			if (DictLookup(RelationGetRelid(rel), (int16) (col + 1), d, &code))
				f->ival = code;
			else if (op == kFilterEq)
				possible = false;	/* no row holds the string */
			else
				f->op = kFilterIsNotNull;	/* every string differs from it */
		}
		else if (f->domain == kDomainFloat)
			f->fval = type == FLOAT4OID ? static_cast<double>(DatumGetFloat4(d))
				: DatumGetFloat8(d);
		else
			f->ival = IntOf(d, type);
	}
	*filters = out;
	*nfilters = k;
	return possible;
}

char *
FilterText(TupleDesc desc, int col, int op, const char *value)
{
	static const char *const ops[] = {"", "<", "<=", "=", ">=", ">", "<>"};
	const char *name = quote_identifier(NameStr(TupleDescAttr(desc, col)->attname));

	switch (op)
	{
		case kFilterIsNull:
			return psprintf("(%s IS NULL)", name);
		case kFilterIsNotNull:
			return psprintf("(%s IS NOT NULL)", name);
		case kFilterIn:
			return psprintf("(%s = ANY (%s))", name, value);
		default:
			return psprintf("(%s %s %s)", name, ops[op], value);
	}
}

/*
 * KeepIf compacts sel[0 .. n) to the rows for which pass(row) holds; the
 * row is written before the test, so the loop has no branch on it.
 */
template <typename Pass>
static inline uint32
KeepIf(uint32 *sel, uint32 n, Pass pass)
{
	uint32		k = 0;

	for (uint32 i = 0; i < n; i++)
	{
		uint32		r = sel[i];

		sel[k] = r;
		k += pass(r) ? 1 : 0;
	}
	return k;
}

/*
 * CompareSelect: FilterSelect of a comparison op (not <>, which NaN makes
 * no simpler) with the constant c over a NULL-free array of T.  For floats
 * c is not NaN: then NaN, above every number, passes > and >= and fails
 * < <= =, which is what negating the opposite C comparison gives.
 */
template <typename T, typename C>
static uint32
CompareSelect(uint8 op, const T *v, C c, uint32 *sel, uint32 n)
{
	switch (op)
	{
		case kFilterLess:
			return KeepIf(sel, n, [&](uint32 r) { return v[r] < c; });
		case kFilterLessEq:
			return KeepIf(sel, n, [&](uint32 r) { return v[r] <= c; });
		case kFilterEq:
			return KeepIf(sel, n, [&](uint32 r) { return v[r] == c; });
		case kFilterGreaterEq:
			return KeepIf(sel, n, [&](uint32 r) { return !(v[r] < c); });
		case kFilterGreater:
			return KeepIf(sel, n, [&](uint32 r) { return !(v[r] <= c); });
	}
	Assert(false);
	return n;
}

uint32
FilterSelect(const ValueFilter &f, const void *const *values, const uint8 *const *validity,
			 uint32 *sel, uint32 n)
{
	const void *col = values[f.col];
	bool		simple = validity[f.col] == nullptr && f.op >= kFilterLess && f.op <= kFilterGreater;

	if (simple && f.domain == kDomainFloat && !std::isnan(f.fval))
	{
		if (f.type == core::ColumnType::kFloat8)
			return CompareSelect(f.op, static_cast<const double *>(col), f.fval, sel, n);
		if (f.type == core::ColumnType::kFloat4)
			return CompareSelect(f.op, static_cast<const float *>(col), f.fval, sel, n);
	}
	if (simple && f.domain == kDomainInt)
	{
		switch (f.type)
		{
			case core::ColumnType::kInt2:
				return CompareSelect(f.op, static_cast<const int16 *>(col), f.ival, sel, n);
			case core::ColumnType::kInt4:
				return CompareSelect(f.op, static_cast<const int32 *>(col), f.ival, sel, n);
			case core::ColumnType::kInt8:
			case core::ColumnType::kTimestamp:
			case core::ColumnType::kTimestampNoTz:
				return CompareSelect(f.op, static_cast<const int64 *>(col), f.ival, sel, n);
			default:
				break;
		}
	}
	return KeepIf(sel, n, [&](uint32 r) { return FilterPasses(f, values, validity, r); });
}

uint64
FilterColumns(const ValueFilter *filters, int nfilters)
{
	uint64		cols = 0;

	for (int i = 0; i < nfilters; i++)
		cols |= UINT64CONST(1) << filters[i].col;
	return cols;
}

} // namespace ztsdb
