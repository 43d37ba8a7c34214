/*-------------------------------------------------------------------------
 *
 * query_pushdown.h
 *	  WHERE clauses on the time and series columns, as ZtsdbScan and
 *	  ZtsdbAgg push them into the table scan (query_scan.cpp).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/tam/tam_scan.h"

namespace ztsdb {

/*
 * MatchClause recognises one restriction clause of relid (time_col op expr,
 * series_col = expr, series_col = ANY (expr), expr free of Vars and of
 * volatile functions; for a text series column, text equality under a
 * deterministic collation); on success appends the expression and its kind.
 * The bounds such clauses give are exact: a row is within them iff it
 * passes the clauses.
 */
bool		MatchClause(Expr *clause, Index relid, const core::ChunkLayout &layout, Oid time_type,
						Oid series_type, List **exprs, List **kinds);

/*
 * EvalBounds evaluates the initialized expressions (exprstates, with their
 * kinds and result types) into b; false if no row can match.  Text series
 * values (of a text or varchar series column, MatchClause) become
 * dictionary codes of column series_attnum of relid; a string without a
 * code matches no row.
 */
bool		EvalBounds(ExprContext *econtext, List *exprstates, List *kinds, List *types,
					   ScanBounds *b, Oid relid = InvalidOid, int16 series_attnum = 0);

} // namespace ztsdb
