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

namespace ztsdb {

/*
 * LayoutFromTupleDesc maps a table's columns to a chunk layout.  With
 * report set it ereports (naming the column) when a column type is not
 * supported or there is no NOT NULL time column; otherwise returns false.
 */
bool		LayoutFromTupleDesc(TupleDesc desc, core::ChunkLayout *layout, bool report);

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
