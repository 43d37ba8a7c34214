/*-------------------------------------------------------------------------
 *
 * tam.h
 *	  The ztsdb table access method.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/pg.h"

struct PlannedStmt;
struct RangeVar;

namespace ztsdb {

/*
 * LayoutFromTupleDesc maps a table's columns to a chunk layout.  With
 * report set it ereports (naming the column) when a column type is not
 * supported or there is no NOT NULL time column; otherwise returns false.
 */
bool		LayoutFromTupleDesc(TupleDesc desc, core::ChunkLayout *layout, bool report);

/*
 * Declared time and series columns of a table (tam_options.cpp): names
 * from its ztsdb.time / ztsdb.series options, palloc'd; series "" is "none".
 */
struct DeclaredColumns
{
	const char *time;
	const char *series;
	bool		has_time;
	bool		has_series;
};

/*
 * LayoutWithDeclared is LayoutFromTupleDesc with decl's columns replacing
 * the guessed ones; with report set it ereports when a declared column is
 * missing (42703), of the wrong type (42804) or, for time, nullable.
 */
bool		LayoutWithDeclared(TupleDesc desc, const DeclaredColumns *decl,
							   core::ChunkLayout *layout, bool report);

/*
 * LayoutOfRelation is rel's layout: its declared columns (read from
 * pg_class through the syscache), else the guessed ones.  Every backend
 * user of a table's layout goes through it.
 */
bool		LayoutOfRelation(Relation rel, core::ChunkLayout *layout, bool report);

/*
 * The utility hook's part for table options (query_hooks.cpp calls these
 * around PostgreSQL's processing of every utility statement):
 * TableOptionsBefore takes ztsdb.time/ztsdb.series out of CREATE TABLE
 * (returning a stripped copy of pstmt), refuses them where they cannot be
 * honoured, and prepares ALTER TABLE SET/RESET and RENAME COLUMN;
 * TableOptionsAfter records the declared columns, reports guessed ones
 * with a NOTICE, and puts back or renames the entries.
 */
enum TableOptionsKind
{
	kOptNone = 0,
	kOptCreate,
	kOptAlter,
	kOptRename
};

struct TableOptionsState
{
	TableOptionsKind kind;
	RangeVar   *rv;
	Oid			relid;
	DeclaredColumns decl;
	bool		declared;
	bool		existed;
	const char *oldname;
	const char *newname;
};

PlannedStmt *TableOptionsBefore(PlannedStmt *pstmt, TableOptionsState *st);
void		TableOptionsAfter(TableOptionsState *st);

/* IsZtsdbRelation tells whether rel uses the ztsdb access method. */
bool		IsZtsdbRelation(Relation rel);

/* IsZtsdbRelid is IsZtsdbRelation by OID (opens the relation briefly). */
bool		IsZtsdbRelid(Oid relid);

/* Write-buffer entry points (ingest_buffer.cpp). */
void		BufferInsert(Relation rel, TupleTableSlot **slots, int nslots);
void		BufferInit(void);

/* BufferDiscard forgets rel's unflushed rows (same-transaction TRUNCATE). */
void		BufferDiscard(Relation rel);

/*
 * BufferRowsForScan copies the current transaction's unflushed rows of rel
 * that a scan with this snapshot may see into column arrays allocated in
 * CurrentMemoryContext; returns their count.  Also waits until the batches
 * the transaction has pushed are applied (its own rows).
 */
uint32		BufferRowsForScan(Relation rel, Snapshot snapshot, void **values, uint8 **validity);

/* TableAM registration */
const TableAmRoutine *ZtsdbTableAm(void);

/* Hooks (query_hooks.cpp) */
void		HooksInit(void);

/* The ZtsdbScan custom scan and its planner hook (query_scan.cpp) */
void		QueryScanInit(void);

/* The ZtsdbAgg custom scan: aggregates computed in the scan (query_agg.cpp) */
void		QueryAggInit(void);

/* The ZtsdbOrdered custom scan: rows in time order, window by window (query_ordered.cpp) */
void		QueryOrderedInit(void);

/* Push a conditional drop or a truncate record (tam_handler.cpp). */
void		PushTableRecord(uint8 type, const RelFileNode &node);

} // namespace ztsdb
