/*-------------------------------------------------------------------------
 *
 * query_filter.h
 *	  Value filters: WHERE clauses on columns other than the time and series
 *	  bounds, evaluated by the table scan on the column arrays before any
 *	  tuple is formed (query_filter.cpp).
 *
 * A filter is exact: a row passes it iff the clause it came from is true
 * for the row (false and NULL both reject).  The plan keeps every clause in
 * its qual as well, so a filter only ever drops rows PostgreSQL would drop.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cmath>

#include "ztsdb/pg.h"
#include "ztsdb/core/chunk_file.h"

namespace ztsdb {

/* What a filter tests; stored in plans as integers (never renumber). */
enum FilterOp : uint8
{
	kFilterLess = 1,			/* col < v */
	kFilterLessEq,
	kFilterEq,
	kFilterGreaterEq,
	kFilterGreater,
	kFilterNotEq,				/* col <> v */
	kFilterIn,					/* col = ANY (set) */
	kFilterIsNull,
	kFilterIsNotNull
};

/* How a filter reads its column's array. */
enum FilterDomain : uint8
{
	kDomainInt,					/* int2/int4/int8/timestamps/dictionary codes: int64 */
	kDomainBool,				/* one byte 0/1: int64 */
	kDomainFloat				/* float4/float8: double, PostgreSQL's order */
};

/* ValueFilter: one pushed clause, ready to test rows (query_filter.cpp). */
struct ValueFilter
{
	uint16		col;			/* column index (0-based) */
	uint8		op;				/* FilterOp */
	uint8		domain;			/* FilterDomain */
	core::ColumnType type;		/* the column array's type */
	int64		ival;			/* kDomainInt/kDomainBool value */
	double		fval;			/* kDomainFloat value */
	const int64 *set;			/* kFilterIn: sorted distinct values */
	int			nset;
};

/*
 * FloatCompare orders doubles as float8_cmp_internal does: NaN equals NaN
 * and is above everything else; -0 equals 0.
 */
static inline int
FloatCompare(double a, double b)
{
	if (std::isnan(a))
		return std::isnan(b) ? 0 : 1;
	if (std::isnan(b))
		return -1;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/* CompareHolds tells whether a comparison result cmp (<0, 0, >0) satisfies op. */
static inline bool
CompareHolds(uint8 op, int cmp)
{
	switch (op)
	{
		case kFilterLess:
			return cmp < 0;
		case kFilterLessEq:
			return cmp <= 0;
		case kFilterEq:
			return cmp == 0;
		case kFilterGreaterEq:
			return cmp >= 0;
		case kFilterGreater:
			return cmp > 0;
		case kFilterNotEq:
			return cmp != 0;
	}
	return false;
}

/* FilterPasses tells whether row r of the column arrays passes filter f. */
static inline bool
FilterPasses(const ValueFilter &f, const void *const *values, const uint8 *const *validity,
			 uint32 r)
{
	const uint8 *bits = validity[f.col];
	bool		isnull = bits != nullptr && !((bits[r >> 3] >> (r & 7)) & 1);
	int64		v;

	if (f.op == kFilterIsNull)
		return isnull;
	if (f.op == kFilterIsNotNull)
		return !isnull;
	if (isnull)
		return false;			/* a comparison with NULL is never true */
	if (f.domain == kDomainFloat)
	{
		double		d = f.type == core::ColumnType::kFloat4
			? static_cast<double>(static_cast<const float *>(values[f.col])[r])
			: static_cast<const double *>(values[f.col])[r];

		return CompareHolds(f.op, FloatCompare(d, f.fval));
	}
	v = f.domain == kDomainBool ? static_cast<const uint8 *>(values[f.col])[r]
		: core::IntegerAt(f.type, values[f.col], r);
	if (f.op == kFilterIn)
	{
		/* sets are short (an IN list): binary search */
		int			lo = 0;
		int			hi = f.nset;

		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (f.set[mid] < v)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < f.nset && f.set[lo] == v;
	}
	return CompareHolds(f.op, v < f.ival ? -1 : (v > f.ival ? 1 : 0));
}

/* FiltersPass tells whether row r passes all n filters. */
static inline bool
FiltersPass(const ValueFilter *filters, int n, const void *const *values,
			const uint8 *const *validity, uint32 r)
{
	for (int i = 0; i < n; i++)
		if (!FilterPasses(filters[i], values, validity, r))
			return false;
	return true;
}

/*
 * FilterSelect keeps, of the n row numbers in sel (ascending), those whose
 * rows pass filter f, in order, and returns how many it kept.  The same
 * test as FilterPasses, one loop over the rows: comparisons of NULL-free
 * float and integer arrays run without a branch per row.
 */
uint32		FilterSelect(const ValueFilter &f, const void *const *values,
						 const uint8 *const *validity, uint32 *sel, uint32 n);

/*
 * MatchFilter recognises one restriction clause of relid that a value
 * filter can evaluate exactly:
 *		col op expr, expr op col	op one of < <= = >= > <> of the column
 *									type's btree family, col int2/int4/int8
 *									(expr integer), float4/float8 (expr
 *									float), timestamp(tz) or bool (expr of
 *									the column's type)
 *		text_col = expr, text_col <> expr, text_col = ANY (array expr)
 *									a text or varchar column other than the
 *									series column, deterministic collation:
 *									compared as dictionary codes
 *		int_col = ANY (array expr)
 *		bool_col, NOT bool_col, col IS [NOT] NULL
 * where expr has no Vars and nothing volatile.  On success appends the
 * expression (a dummy constant when the clause has none) and two integers,
 * column index and FilterOp, to *specs.
 */
bool		MatchFilter(Expr *clause, Index relid, TupleDesc desc, const core::ChunkLayout &layout,
						List **exprs, List **specs);

/*
 * EvalFilters evaluates the initialized expressions of MatchFilter's
 * clauses (exprstates, with specs and result types) into *filters (palloc'd
 * in the current memory context, *nfilters of them); dictionary strings
 * become codes of relid's columns.  False if no row can pass (a NULL
 * value, a string no row holds, an empty set).  May ereport.
 */
bool		EvalFilters(ExprContext *econtext, List *exprstates, List *specs, List *types,
						Relation rel, const core::ChunkLayout &layout, ValueFilter **filters,
						int *nfilters);

/*
 * FilterText describes filter (col, op) of a table with descriptor desc,
 * value the deparsed expression, for EXPLAIN (palloc'd).
 */
char	   *FilterText(TupleDesc desc, int col, int op, const char *value);

/* FilterColumns returns the columns the filters read, as need_cols bits. */
uint64		FilterColumns(const ValueFilter *filters, int nfilters);

} // namespace ztsdb
