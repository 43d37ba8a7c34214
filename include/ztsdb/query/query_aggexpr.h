/*-------------------------------------------------------------------------
 *
 * query_aggexpr.h
 *	  Arithmetic expressions of one row's columns that ZtsdbAgg evaluates
 *	  itself, a column vector at a time, as aggregate arguments
 *	  (avg(a + b), max(x * 2), sum(in - out), min(-x)); query_aggexpr.cpp.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"
#include "ztsdb/core/chunk_file.h"

namespace ztsdb {

/*
 * AggExprSupported says whether n is an expression ZtsdbAgg evaluates:
 * float8, int2, int4 and int8 (also mixed-width) +, -, *, / and unary
 * minus, casts of integers to float8 and between integer widths, over Vars
 * of relid (float8, int2, int4, int8 columns) and non-NULL constants, with
 * at least one Var.  Sets *cols to the columns it reads (bit c).  May set the
 * opfuncid of OpExprs in n (set_opfuncid); does not ereport otherwise.
 */
bool		AggExprSupported(Node *n, Index relid, const core::ChunkLayout &layout, uint64 *cols);

/* Errors an expression raises, as PostgreSQL's functions raise them. */
enum AggExprErrorKind
{
	kExprErrNone = 0,
	kExprErrFloatOverflow,		/* float_overflow_error() */
	kExprErrFloatUnderflow,		/* float_underflow_error() */
	kExprErrDivZero,			/* "division by zero" (22012) */
	kExprErrInt2Range,			/* "smallint out of range" (22003) */
	kExprErrInt4Range,			/* "integer out of range" (22003) */
	kExprErrInt8Range			/* "bigint out of range" (22003) */
};

struct AggExprProgram;

/*
 * AggExprCompile turns a supported expression into a program, allocated
 * (with its buffers, later) in cxt.  May ereport (out of memory).
 */
AggExprProgram *AggExprCompile(Node *n, const core::ChunkLayout &layout, MemoryContext cxt);

/* AggExprResultType: core::ColumnType::kFloat8, or kInt8 for every integer result. */
core::ColumnType AggExprResultType(const AggExprProgram *p);

/*
 * AggExprEval evaluates p over rows [r, e) of a run's column arrays
 * (ScanNextRun's), NULL in giving NULL out.  *out and *out_validity get
 * arrays indexed like the run's (rows outside [r, e) undefined; validity
 * NULL: no NULLs), valid until the next call.  Raises nothing: *err_row
 * gets the first row of [r, e) where PostgreSQL, evaluating the
 * expression row after row, would raise an error (UINT32_MAX: none) and
 * *err_kind which.  Allocates only to grow the buffers.
 */
void		AggExprEval(AggExprProgram *p, const void *const *values, const uint8 *const *validity,
						uint32 r, uint32 e, const void **out, const uint8 **out_validity,
						uint32 *err_row, int *err_kind);

/* AggExprRaise ereports the error of kind, with PostgreSQL's SQLSTATE and message. */
pg_attribute_noreturn() void AggExprRaise(int kind);

} // namespace ztsdb
