/*-------------------------------------------------------------------------
 *
 * tam_scan.h
 *	  Sequential scans of ztsdb tables.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

TableScanDesc ztsdb_scan_begin(Relation rel, Snapshot snapshot, int nkeys,
							   struct ScanKeyData *key, ParallelTableScanDesc pscan,
							   uint32 flags);
void		ztsdb_scan_end(TableScanDesc scan);
void		ztsdb_scan_rescan(TableScanDesc scan, struct ScanKeyData *key, bool set_params,
							  bool allow_strat, bool allow_sync, bool allow_pagemode);
bool		ztsdb_scan_getnextslot(TableScanDesc scan, ScanDirection direction,
								   TupleTableSlot *slot);

/* AnalyzeNextBlock accepts the first block ANALYZE asks for, then no more. */
bool		AnalyzeNextBlock(TableScanDesc scan, BlockNumber blockno);

/* Datum conversion shared by scans and ztsdb.range(). */
Datum		ColumnDatum(uint8 type, const void *values, uint32 row);

/*
 * BatchVisible decides whether rows written by (xid, cid) are visible to
 * snapshot (NULL: every committed row and our own, as ANALYZE needs).
 */
bool		BatchVisible(TransactionId xid, CommandId cid, Snapshot snapshot);

} // namespace ztsdb
