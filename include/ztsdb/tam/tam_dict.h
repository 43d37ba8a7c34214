/*-------------------------------------------------------------------------
 *
 * tam_dict.h
 *	  Dictionary encoding of text and varchar columns (tam_dict.cpp).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

struct RelOptInfo;

namespace ztsdb {

/* IsDictType tells whether columns of type typid are dictionary-encoded. */
bool		IsDictType(Oid typid);

/*
 * DictColumns sets is_dict[c] for each dictionary-encoded column of desc
 * (is_dict has desc->natts entries) and returns how many there are.
 */
int			DictColumns(TupleDesc desc, bool *is_dict);

/* RelationHasDictColumns: does rel have a text or varchar column? */
bool		RelationHasDictColumns(Relation rel);

/*
 * DictColumnsNeeded: does a plan for base relation rel (of r) need the
 * value of a text or varchar column, in its restriction clauses or, with
 * target, in what it must output (leaving out column except_col, 0-based,
 * which the caller groups by code and decodes itself, if its collation is
 * deterministic)?  With quals_as_codes, restriction clauses are left out:
 * the caller pushes every clause into its scan (MatchClause: equality and IN
 * of a text series; MatchFilter: equality, <> and IN of other text columns,
 * all compared as codes, deterministic collations only) or gives the plan
 * up, and evaluates none on strings.  Custom scans that read codes
 * directly refuse such plans (they would see codes, not strings).
 */
bool		DictColumnsNeeded(Relation r, RelOptInfo *rel, bool target, int except_col = -1,
							  bool quals_as_codes = false);

/*
 * DictEncode returns the code of the text value (any varlena form) in
 * column attnum of relid, adding it to the dictionary in the current
 * (sub)transaction if it is new.  May ereport; runs SPI.
 */
int32		DictEncode(Oid relid, int16 attnum, Datum value);

/*
 * DictLookup finds the code of an existing value without adding it; false
 * if the value has no code (so no row holds it).  May ereport.
 */
bool		DictLookup(Oid relid, int16 attnum, Datum value, int32 *code);

/*
 * DictDecode returns the text Datum of code in column attnum of relid.  The
 * Datum points into the backend's dictionary cache, which never frees a
 * decoded value: callers may keep it for the rest of the session.  A code
 * no visible dictionary row explains is ERRCODE_DATA_CORRUPTED.
 */
Datum		DictDecode(Oid relid, int16 attnum, int32 code);

/* DictInit registers the cache's transaction and relcache callbacks. */
void		DictInit(void);

} // namespace ztsdb
