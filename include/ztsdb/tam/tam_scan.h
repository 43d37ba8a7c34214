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

struct ValueFilter;				/* query_filter.h */

TableScanDesc ztsdb_scan_begin(Relation rel, Snapshot snapshot, int nkeys,
							   struct ScanKeyData *key, ParallelTableScanDesc pscan,
							   uint32 flags);
void		ztsdb_scan_end(TableScanDesc scan);
void		ztsdb_scan_rescan(TableScanDesc scan, struct ScanKeyData *key, bool set_params,
							  bool allow_strat, bool allow_sync, bool allow_pagemode);
bool		ztsdb_scan_getnextslot(TableScanDesc scan, ScanDirection direction,
								   TupleTableSlot *slot);

/*
 * Restrictions a scan may use to skip chunks, blocks and rows, from WHERE
 * clauses on the time and series columns (query_scan.cpp).  They only ever
 * skip rows the query's own quals would reject; the executor still checks
 * every qual.
 */
struct ScanBounds
{
	int64		min_ts;			/* inclusive */
	int64		max_ts;			/* inclusive */
	int			nseries;		/* -1: any series */
	int64	   *series;			/* sorted, distinct */
	uint64		need_cols;		/* columns the caller reads (bit c); 0: all.  Others
								 * of cold blocks are not decoded (ScanNextRun's
								 * pointers are NULL, getnextslot's values NULL) */
	const ValueFilter *filters; /* value filters (query_filter.h): getnextslot
								 * returns only rows passing all of them;
								 * ScanNextRun's callers check them */
	int			nfilters;
};

/* What a bounded scan read and skipped (EXPLAIN ANALYZE). */
struct ScanCounters
{
	uint64		chunks_scanned;
	uint64		chunks_skipped;
	uint64		blocks_scanned;
	uint64		blocks_skipped;
	uint64		hot_rows_read;	/* hot rows handed on: the wanted series' rows in
								 * the time window (series index or one pass over
								 * the series column), or whole visible batches
								 * when no series is pushed */
	uint64		rows_filtered;	/* rows within the bounds a value filter dropped */
	uint64		blocks_filtered;	/* cold blocks scanned whose rows all failed
									 * a value filter (only the filters' columns
									 * decoded) */
};

/* SeriesWanted tells whether series s passes b's series filter (binary search). */
bool		SeriesWanted(const ScanBounds &b, int64 s);

/* ScanBeginBounded starts a scan that skips what bounds excludes. */
TableScanDesc ScanBeginBounded(Relation rel, Snapshot snapshot, const ScanBounds *bounds);
void		ScanGetCounters(TableScanDesc scan, ScanCounters *counters);

/*
 * ScanNextRun hands out the next run of visible rows [*row, *row_end) of
 * the column arrays *values / *validity (NULL validity: no NULLs), valid
 * until the next call; false at the end.  The bounds skipped chunks,
 * blocks and series ranges, but rows of a run may still fall outside them:
 * the caller checks each row.  Instead of getnextslot, for column-at-a-time
 * consumers (ZtsdbAgg).
 */
bool		ScanNextRun(TableScanDesc scan, const void *const **values,
						const uint8 *const **validity, uint32 *row, uint32 *row_end);

/* Datum conversion shared by scans and ztsdb.range(). */
Datum		ColumnDatum(uint8 type, const void *values, uint32 row);

/*
 * BatchVisible decides whether rows written by (xid, cid) are visible to
 * snapshot (NULL: every committed row and our own, as ANALYZE and VACUUM
 * count them).
 */
bool		BatchVisible(TransactionId xid, CommandId cid, uint32 gen, Snapshot snapshot);

} // namespace ztsdb
