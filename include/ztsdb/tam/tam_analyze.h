/*-------------------------------------------------------------------------
 *
 * tam_analyze.h
 *	  ANALYZE's sample and VACUUM's counts for ztsdb tables.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

/*
 * AnalyzeBlockCount returns how many pseudo-blocks ANALYZE sees in rel
 * (relation_size reports that many BLCKSZ blocks): the transaction's own
 * unflushed rows, each hot chunk and each chunk file cut into slices of a
 * fixed number of rows.  Reads the manifest and hot row counts, no file.
 * May ereport.
 */
BlockNumber AnalyzeBlockCount(Relation rel);

/*
 * AnalyzeBegin starts ANALYZE's sampling scan (scan_begin with
 * SO_TYPE_ANALYZE); AnalyzeEnd ends it.  The scan's memory is its own
 * context, child of the caller's, so an error frees it.
 */
TableScanDesc AnalyzeBegin(Relation rel, uint32 flags);
void		AnalyzeEnd(TableScanDesc scan);

/* AnalyzeNextBlock positions on pseudo-block blockno; false if there is none. */
bool		AnalyzeNextBlock(TableScanDesc scan, BlockNumber blockno);

/*
 * AnalyzeNextTuple stores the block's next sampled row in slot, adding to
 * *liverows and *deadrows what the rows passed over stand for; false when
 * the block has no more.
 */
bool		AnalyzeNextTuple(TableScanDesc scan, double *liverows, double *deadrows,
							 TupleTableSlot *slot);

/*
 * CountRows counts rel's rows for VACUUM from the manifest and the batch
 * tables, reading no column: *live rows of committed (and our own)
 * transactions, *dead rows of aborted ones that no seal has dropped yet;
 * rows of transactions in progress count as neither, as heap's VACUUM
 * counts them.  *blocks is AnalyzeBlockCount of the same view.
 */
void		CountRows(Relation rel, double *live, double *dead, BlockNumber *blocks);

} // namespace ztsdb
