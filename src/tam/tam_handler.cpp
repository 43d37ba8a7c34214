/*-------------------------------------------------------------------------
 *
 * tam_handler.cpp
 *	  The ztsdb TableAmRoutine: DDL lifecycle, sizes, unsupported callbacks.
 *
 * Rows never live in PostgreSQL pages: inserts go to the write buffer
 * (ingest_buffer.cpp), scans read hot chunks and chunk files
 * (tam_scan.cpp).  The relation's main fork exists but holds no pages;
 * its apparent size mirrors the table's chunk files so that
 * pg_relation_size() reports them (storage_tier.cpp, UpdateApparentSize).
 * What the table holds elsewhere is reported by ztsdb itself: the shared
 * memory of its hot chunks as hot_memory_bytes in ztsdb.stat_tables, the
 * sidecar WAL (shared by all tables) as wal_disk_bytes in ztsdb.stats().
 * relation_size, which only ANALYZE asks (RelationGetNumberOfBlocks),
 * counts pseudo-blocks of rows instead, the units it samples
 * (tam_analyze.cpp).
 *
 * Statistics: inserted rows are counted for pg_stat_user_tables as heap
 * counts them (pgstat_count_heap_insert, transactional: rows of aborted
 * transactions become dead rows there), which is what starts autovacuum's
 * ANALYZE and VACUUM of ztsdb tables; VACUUM reports live and dead counts
 * back, as heap's does, so autovacuum stops asking until more rows come.
 *
 * Data directories follow the relfilenode: creating one (CREATE TABLE,
 * TRUNCATE) pushes a "drop if aborted" record for it, giving one up
 * (TRUNCATE, DROP) a "drop if committed" record, both stamped with the
 * current (sub)transaction's xid; the writer carries them out once that
 * transaction has ended, so an abort keeps the old data, and both survive
 * a crash through the sidecar WAL.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_analyze.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/tam/tam_scan.h"
#include "ztsdb/wal/wal_generation.h"

#include <cmath>

extern "C" {
#include "access/heapam.h"
#include "access/multixact.h"
#include "catalog/index.h"
#include "catalog/storage.h"
#include "catalog/storage_xlog.h"
#include "commands/vacuum.h"
#include "executor/tuptable.h"
#include "utils/lsyscache.h"
}

namespace ztsdb {

static const char *const unsupported_hint =
	"ztsdb tables are append-only; remove old data with ztsdb.drop_chunks().";

bool
LayoutFromTupleDesc(TupleDesc desc, core::ChunkLayout *layout, bool report)
{
	memset(layout, 0, sizeof(*layout));
	layout->time_col = -1;
	layout->series_col = -1;
	if (desc->natts > core::kMaxColumns)
	{
		if (report)
			ereport(ERROR,
					(errcode(ERRCODE_TOO_MANY_COLUMNS),
					 errmsg("ztsdb tables can have at most %d columns", core::kMaxColumns)));
		return false;
	}
	layout->ncols = (uint16) desc->natts;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		core::ColumnType t;

		if (att->attisdropped)
		{
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("ztsdb tables do not support dropped columns")));
			return false;
		}
		switch (att->atttypid)
		{
			case BOOLOID:
				t = core::ColumnType::kBool;
				break;
			case INT2OID:
				t = core::ColumnType::kInt2;
				break;
			case INT4OID:
				t = core::ColumnType::kInt4;
				break;
			case INT8OID:
				t = core::ColumnType::kInt8;
				break;
			case FLOAT4OID:
				t = core::ColumnType::kFloat4;
				break;
			case FLOAT8OID:
				t = core::ColumnType::kFloat8;
				break;
			case TIMESTAMPTZOID:
				t = core::ColumnType::kTimestamp;
				break;
			case TIMESTAMPOID:
				t = core::ColumnType::kTimestampNoTz;
				break;
			case NUMERICOID:
				/* scaled int64 + scale (codec_numeric.h); never a series */
				t = core::ColumnType::kNumeric;
				break;
			case TEXTOID:
			case VARCHAROID:
				/* dictionary codes (tam_dict.cpp); never a guessed series */
				t = core::ColumnType::kInt4;
				break;
			default:
				if (report)
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("column \"%s\" has type %s, which ztsdb tables do not support",
									NameStr(att->attname), format_type_be(att->atttypid)),
							 errhint("Supported types: timestamptz, timestamp, smallint, integer, bigint, real, double precision, numeric, boolean, text, varchar.")));
				return false;
		}
		layout->types[i] = t;
		if (layout->time_col < 0 && att->attnotnull &&
			(t == core::ColumnType::kTimestamp || t == core::ColumnType::kTimestampNoTz))
			layout->time_col = (int16) i;
		if (layout->series_col < 0 && !IsDictType(att->atttypid) &&
			(t == core::ColumnType::kInt2 || t == core::ColumnType::kInt4 || t == core::ColumnType::kInt8))
			layout->series_col = (int16) i;
	}
	if (layout->time_col < 0)
	{
		if (report)
		{
			/* name the timestamp column that lacks NOT NULL, if there is one */
			for (int i = 0; i < desc->natts; i++)
			{
				Form_pg_attribute att = TupleDescAttr(desc, i);

				if (att->atttypid == TIMESTAMPTZOID || att->atttypid == TIMESTAMPOID)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
							 errmsg("time column \"%s\" of a ztsdb table must be NOT NULL",
									NameStr(att->attname)),
							 errhint("Declare it as \"%s %s NOT NULL\".", NameStr(att->attname),
									 format_type_be(att->atttypid))));
			}
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("a ztsdb table needs a time column"),
					 errhint("Add a column of type timestamptz or timestamp declared NOT NULL.")));
		}
		return false;
	}
	return true;
}

bool
IsZtsdbRelation(Relation rel)
{
	return rel != NULL && rel->rd_tableam == ZtsdbTableAm();
}

bool
IsZtsdbRelid(Oid relid)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	bool		result;

	if (rel == NULL)
		return false;
	result = IsZtsdbRelation(rel);
	relation_close(rel, AccessShareLock);
	return result;
}

void
PushTableRecord(uint8 type, const RelFileNode &node)
{
	core::TableRecord rec;

	WaitForRecovery();
	memset(&rec, 0, sizeof(rec));
	rec.type = type;
	rec.xid = type == core::kRecTruncate ? InvalidTransactionId : GetCurrentTransactionId();
	rec.table.spc = node.spcNode;
	rec.table.db = node.dbNode;
	rec.table.rel = node.relNode;
	rec.generation = CurrentGeneration();
	/* applied before our commit can matter; ordering in the ring suffices */
	(void) RingPush(&rec, sizeof(rec));
}

static const TupleTableSlotOps *
ztsdb_slot_callbacks(Relation rel)
{
	(void) rel;
	return &TTSOpsVirtual;
}

static Size
ztsdb_parallelscan_estimate(Relation rel)
{
	(void) rel;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("parallel scans of ztsdb tables are not supported")));
	return 0;
}

static Size
ztsdb_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan)
{
	(void) pscan;
	return ztsdb_parallelscan_estimate(rel);
}

static void
ztsdb_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan)
{
	(void) pscan;
	(void) ztsdb_parallelscan_estimate(rel);
}

static IndexFetchTableData *
ztsdb_index_fetch_begin(Relation rel)
{
	(void) rel;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("indexes on ztsdb tables are not supported"),
			 errhint("ztsdb tables keep their own time index; filter on the time column.")));
	return NULL;
}

static void
ztsdb_index_fetch_reset(IndexFetchTableData *data)
{
	(void) data;
}

static void
ztsdb_index_fetch_end(IndexFetchTableData *data)
{
	(void) data;
}

static bool
ztsdb_index_fetch_tuple(IndexFetchTableData *scan, ItemPointer tid, Snapshot snapshot,
						TupleTableSlot *slot, bool *call_again, bool *all_dead)
{
	(void) scan;
	(void) tid;
	(void) snapshot;
	(void) slot;
	(void) call_again;
	(void) all_dead;
	(void) ztsdb_index_fetch_begin(NULL);
	return false;
}

static void
RowLevelUnsupported(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s is not supported on ztsdb tables", what),
			 errhint("%s", unsupported_hint)));
}

static bool
ztsdb_tuple_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
							  TupleTableSlot *slot)
{
	(void) rel;
	(void) tid;
	(void) snapshot;
	(void) slot;
	RowLevelUnsupported("fetching a row by its address (UPDATE, DELETE, row triggers)");
	return false;
}

static bool
ztsdb_tuple_tid_valid(TableScanDesc scan, ItemPointer tid)
{
	(void) scan;
	(void) tid;
	return false;
}

static void
ztsdb_tuple_get_latest_tid(TableScanDesc scan, ItemPointer tid)
{
	(void) scan;
	(void) tid;
	RowLevelUnsupported("ctid lookup");
}

static bool
ztsdb_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot, Snapshot snapshot)
{
	(void) rel;
	(void) slot;
	(void) snapshot;
	RowLevelUnsupported("row visibility checks");
	return false;
}

static TransactionId
ztsdb_index_delete_tuples(Relation rel, TM_IndexDeleteOp *delstate)
{
	(void) rel;
	(void) delstate;
	RowLevelUnsupported("index deletion");
	return InvalidTransactionId;
}

static void
ztsdb_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid, int options,
				   BulkInsertState bistate)
{
	(void) cid;
	(void) options;
	(void) bistate;
	BufferInsert(rel, &slot, 1);
	pgstat_count_heap_insert(rel, 1);
}

static void
ztsdb_tuple_insert_speculative(Relation rel, TupleTableSlot *slot, CommandId cid,
							   int options, BulkInsertState bistate, uint32 specToken)
{
	(void) rel;
	(void) slot;
	(void) cid;
	(void) options;
	(void) bistate;
	(void) specToken;
	RowLevelUnsupported("INSERT ... ON CONFLICT");
}

static void
ztsdb_tuple_complete_speculative(Relation rel, TupleTableSlot *slot, uint32 specToken,
								 bool succeeded)
{
	(void) rel;
	(void) slot;
	(void) specToken;
	(void) succeeded;
	RowLevelUnsupported("INSERT ... ON CONFLICT");
}

static void
ztsdb_multi_insert(Relation rel, TupleTableSlot **slots, int nslots, CommandId cid,
				   int options, BulkInsertState bistate)
{
	(void) cid;
	(void) options;
	(void) bistate;
	BufferInsert(rel, slots, nslots);
	pgstat_count_heap_insert(rel, nslots);
}

static TM_Result
ztsdb_tuple_delete(Relation rel, ItemPointer tid, CommandId cid, Snapshot snapshot,
				   Snapshot crosscheck, bool wait, TM_FailureData *tmfd, bool changingPart)
{
	(void) rel;
	(void) tid;
	(void) cid;
	(void) snapshot;
	(void) crosscheck;
	(void) wait;
	(void) tmfd;
	(void) changingPart;
	RowLevelUnsupported("DELETE");
	return TM_Invisible;
}

static TM_Result
ztsdb_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot, CommandId cid,
				   Snapshot snapshot, Snapshot crosscheck, bool wait, TM_FailureData *tmfd,
				   LockTupleMode *lockmode, bool *update_indexes)
{
	(void) rel;
	(void) otid;
	(void) slot;
	(void) cid;
	(void) snapshot;
	(void) crosscheck;
	(void) wait;
	(void) tmfd;
	(void) lockmode;
	(void) update_indexes;
	RowLevelUnsupported("UPDATE");
	return TM_Invisible;
}

static TM_Result
ztsdb_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot *slot,
				 CommandId cid, LockTupleMode mode, LockWaitPolicy wait_policy, uint8 flags,
				 TM_FailureData *tmfd)
{
	(void) rel;
	(void) tid;
	(void) snapshot;
	(void) slot;
	(void) cid;
	(void) mode;
	(void) wait_policy;
	(void) flags;
	(void) tmfd;
	RowLevelUnsupported("SELECT ... FOR UPDATE/SHARE");
	return TM_Invisible;
}

static void
ztsdb_finish_bulk_insert(Relation rel, int options)
{
	(void) rel;
	(void) options;
}

static void
ztsdb_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode, char persistence,
								TransactionId *freezeXid, MultiXactId *minmulti)
{
	core::ChunkLayout layout;
	SMgrRelation srel;

	if (persistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("temporary ztsdb tables are not supported")));
	if (persistence == RELPERSISTENCE_UNLOGGED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unlogged ztsdb tables are not supported")));
	(void) LayoutOfRelation(rel, &layout, true);
	WaitForRecovery();

	/*
	 * No xid is ever stored in PostgreSQL pages of this table, so there is
	 * nothing for VACUUM to freeze.  XXX: unsorted chunk files keep raw xids
	 * of transactions that were open when sealed; they must be resolved
	 * (compress does) before clog truncation reaches them.
	 */
	*freezeXid = InvalidTransactionId;
	*minmulti = InvalidMultiXactId;

	/* TRUNCATE: the old data goes when (and if) this transaction commits */
	if (rel->rd_node.relNode != InvalidOid && rel->rd_node.relNode != newrnode->relNode)
		PushTableRecord(core::kRecDropIfCommitted, rel->rd_node);
	PushTableRecord(core::kRecDropIfAborted, *newrnode);

	/*
	 * The main fork and an empty init fork, laid out as for an unlogged
	 * table although the table is permanent: base backups skip every other
	 * fork of a relation that has an init fork, and the main fork, sparse
	 * as its apparent size may be (UpdateApparentSize), would otherwise
	 * travel as that many bytes of zeros next to the chunk files.  Recovery
	 * removes the main fork and copies the init fork over it when it ends
	 * (reinit.c, which fails if the main fork exists by then: so its
	 * creation is not WAL-logged, as an unlogged table's is not); the
	 * writer sizes it again.  The init fork is logged and synced as heap
	 * does for unlogged tables, so that standbys and backups have it.
	 */
	srel = RelationCreateStorage(*newrnode, RELPERSISTENCE_UNLOGGED, true);
	smgrcreate(srel, INIT_FORKNUM, false);
	log_smgrcreate(newrnode, INIT_FORKNUM);
	smgrimmedsync(srel, INIT_FORKNUM);
	smgrclose(srel);
}

static void
ztsdb_relation_nontransactional_truncate(Relation rel)
{
	/*
	 * The table was created (or truncated) in this transaction: forget the
	 * rows still buffered here; the writer drops the ones already pushed.
	 */
	BufferDiscard(rel);
	PushTableRecord(core::kRecTruncate, rel->rd_node);
	RelationTruncate(rel, 0);
}

static void
ztsdb_relation_copy_data(Relation rel, const RelFileNode *newrnode)
{
	(void) rel;
	(void) newrnode;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("moving a ztsdb table to another tablespace is not supported")));
}

static void
ztsdb_relation_copy_for_cluster(Relation OldTable, Relation NewTable, Relation OldIndex,
								bool use_sort, TransactionId OldestXmin,
								TransactionId *xid_cutoff, MultiXactId *multi_cutoff,
								double *num_tuples, double *tups_vacuumed,
								double *tups_recently_dead)
{
	(void) OldTable;
	(void) NewTable;
	(void) OldIndex;
	(void) use_sort;
	(void) OldestXmin;
	(void) xid_cutoff;
	(void) multi_cutoff;
	(void) num_tuples;
	(void) tups_vacuumed;
	(void) tups_recently_dead;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("CLUSTER and VACUUM FULL are not supported on ztsdb tables"),
			 errhint("Chunks are already sorted by series and time when sealed.")));
}

/*
 * ztsdb_relation_vacuum removes nothing: rows are never updated or deleted
 * in place, and rows of aborted transactions go when their chunk is sealed.
 * Like heap's VACUUM it records what it found: reltuples and relpages in
 * pg_class, live and dead rows for pg_stat_user_tables (which also resets
 * the inserts-since-vacuum count that autovacuum's insert threshold reads,
 * or autovacuum would come back every naptime).  Reads the manifest and
 * batch tables only (CountRows).
 */
static void
ztsdb_relation_vacuum(Relation rel, VacuumParams *params, BufferAccessStrategy bstrategy)
{
	double		live;
	double		dead;
	BlockNumber blocks;

	(void) bstrategy;
	CountRows(rel, &live, &dead, &blocks);
	/* no xid in PostgreSQL pages to freeze: frozenxid and minmulti stay unset */
	vac_update_relstats(rel, blocks, live, 0, false, InvalidTransactionId, InvalidMultiXactId,
						NULL, NULL, false);
	pgstat_report_vacuum(RelationGetRelid(rel), rel->rd_rel->relisshared,
						 (PgStat_Counter) live, (PgStat_Counter) dead);
	ereport((params->options & VACOPT_VERBOSE) ? INFO : DEBUG2,
			(errmsg("\"%s\": found %.0f live rows and %.0f dead rows; dead rows go when their chunk is sealed",
					RelationGetRelationName(rel), live, dead)));
}

static bool
ztsdb_scan_analyze_next_block(TableScanDesc scan, BlockNumber blockno,
							  BufferAccessStrategy bstrategy)
{
	(void) bstrategy;
	return AnalyzeNextBlock(scan, blockno);
}

static bool
ztsdb_scan_analyze_next_tuple(TableScanDesc scan, TransactionId OldestXmin, double *liverows,
							  double *deadrows, TupleTableSlot *slot)
{
	/* no tuple versions to prune: visibility is decided per batch (tam_analyze.cpp) */
	(void) OldestXmin;
	return AnalyzeNextTuple(scan, liverows, deadrows, slot);
}

static double
ztsdb_index_build_range_scan(Relation table_rel, Relation index_rel, IndexInfo *index_info,
							 bool allow_sync, bool anyvisible, bool progress,
							 BlockNumber start_blockno, BlockNumber numblocks,
							 IndexBuildCallback callback, void *callback_state,
							 TableScanDesc scan)
{
	(void) table_rel;
	(void) index_rel;
	(void) index_info;
	(void) allow_sync;
	(void) anyvisible;
	(void) progress;
	(void) start_blockno;
	(void) numblocks;
	(void) callback;
	(void) callback_state;
	(void) scan;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("indexes on ztsdb tables are not supported"),
			 errhint("ztsdb tables keep their own time index; filter on the time column, and remove old data with ztsdb.drop_chunks().")));
	return 0;
}

static void
ztsdb_index_validate_scan(Relation table_rel, Relation index_rel, IndexInfo *index_info,
						  Snapshot snapshot, ValidateIndexState *state)
{
	(void) table_rel;
	(void) index_rel;
	(void) index_info;
	(void) snapshot;
	(void) state;
	(void) ztsdb_index_build_range_scan(NULL, NULL, NULL, false, false, false, 0, 0, NULL,
										NULL, NULL);
}

/*
 * ztsdb_relation_size returns the table's pseudo-blocks (AnalyzeBlockCount)
 * times BLCKSZ: RelationGetNumberOfBlocks, its only caller, serves ANALYZE's
 * block sample and relpages, and those blocks must be the ones
 * scan_analyze_next_block understands.  pg_relation_size() does not come
 * here (it stats the main fork, see the file header).
 */
static uint64
ztsdb_relation_size(Relation rel, ForkNumber forkNumber)
{
	if (forkNumber != MAIN_FORKNUM && forkNumber != InvalidForkNumber)
		return 0;
	return (uint64) AnalyzeBlockCount(rel) * BLCKSZ;
}

static bool
ztsdb_relation_needs_toast_table(Relation rel)
{
	(void) rel;
	return false;
}

static Oid
ztsdb_relation_toast_am(Relation rel)
{
	(void) rel;
	return InvalidOid;
}

static void
ztsdb_relation_estimate_size(Relation rel, int32 *attr_widths, BlockNumber *pages,
							 double *tuples, double *allvisfrac)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ztsdb estimate",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TableView  *view;
	double		rows = 0;
	double		bytes = 0;

	(void) attr_widths;
	WaitForRecovery();
	view = OpenTableView(rel, false);
	for (int i = 0; i < view->nhot; i++)
		rows += view->hot[i].nrows;
	for (int i = 0; i < view->nfiles; i++)
	{
		rows += view->files[i].entry.meta.nrows;
		bytes += view->files[i].entry.file_bytes;
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	*tuples = rows;
	*pages = (BlockNumber) Max(1.0, ceil(bytes / BLCKSZ) + ceil(rows * 24 / BLCKSZ));
	*allvisfrac = 0;
}

static bool
ztsdb_scan_bitmap_next_block(TableScanDesc scan, TBMIterateResult *tbmres)
{
	(void) scan;
	(void) tbmres;
	(void) ztsdb_index_fetch_begin(NULL);
	return false;
}

static bool
ztsdb_scan_bitmap_next_tuple(TableScanDesc scan, TBMIterateResult *tbmres, TupleTableSlot *slot)
{
	(void) scan;
	(void) tbmres;
	(void) slot;
	return false;
}

static bool
ztsdb_scan_sample_next_block(TableScanDesc scan, SampleScanState *scanstate)
{
	(void) scan;
	(void) scanstate;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("TABLESAMPLE is not supported on ztsdb tables")));
	return false;
}

static bool
ztsdb_scan_sample_next_tuple(TableScanDesc scan, SampleScanState *scanstate, TupleTableSlot *slot)
{
	(void) scan;
	(void) scanstate;
	(void) slot;
	return false;
}

static const TableAmRoutine ztsdb_methods = {
	.type = T_TableAmRoutine,

	.slot_callbacks = ztsdb_slot_callbacks,

	.scan_begin = ztsdb_scan_begin,
	.scan_end = ztsdb_scan_end,
	.scan_rescan = ztsdb_scan_rescan,
	.scan_getnextslot = ztsdb_scan_getnextslot,

	.scan_set_tidrange = NULL,
	.scan_getnextslot_tidrange = NULL,

	.parallelscan_estimate = ztsdb_parallelscan_estimate,
	.parallelscan_initialize = ztsdb_parallelscan_initialize,
	.parallelscan_reinitialize = ztsdb_parallelscan_reinitialize,

	.index_fetch_begin = ztsdb_index_fetch_begin,
	.index_fetch_reset = ztsdb_index_fetch_reset,
	.index_fetch_end = ztsdb_index_fetch_end,
	.index_fetch_tuple = ztsdb_index_fetch_tuple,

	.tuple_fetch_row_version = ztsdb_tuple_fetch_row_version,
	.tuple_tid_valid = ztsdb_tuple_tid_valid,
	.tuple_get_latest_tid = ztsdb_tuple_get_latest_tid,
	.tuple_satisfies_snapshot = ztsdb_tuple_satisfies_snapshot,
	.index_delete_tuples = ztsdb_index_delete_tuples,

	.tuple_insert = ztsdb_tuple_insert,
	.tuple_insert_speculative = ztsdb_tuple_insert_speculative,
	.tuple_complete_speculative = ztsdb_tuple_complete_speculative,
	.multi_insert = ztsdb_multi_insert,
	.tuple_delete = ztsdb_tuple_delete,
	.tuple_update = ztsdb_tuple_update,
	.tuple_lock = ztsdb_tuple_lock,
	.finish_bulk_insert = ztsdb_finish_bulk_insert,

	.relation_set_new_filenode = ztsdb_relation_set_new_filenode,
	.relation_nontransactional_truncate = ztsdb_relation_nontransactional_truncate,
	.relation_copy_data = ztsdb_relation_copy_data,
	.relation_copy_for_cluster = ztsdb_relation_copy_for_cluster,
	.relation_vacuum = ztsdb_relation_vacuum,
	.scan_analyze_next_block = ztsdb_scan_analyze_next_block,
	.scan_analyze_next_tuple = ztsdb_scan_analyze_next_tuple,
	.index_build_range_scan = ztsdb_index_build_range_scan,
	.index_validate_scan = ztsdb_index_validate_scan,

	.relation_size = ztsdb_relation_size,
	.relation_needs_toast_table = ztsdb_relation_needs_toast_table,
	.relation_toast_am = ztsdb_relation_toast_am,
	.relation_fetch_toast_slice = NULL,

	.relation_estimate_size = ztsdb_relation_estimate_size,

	.scan_bitmap_next_block = ztsdb_scan_bitmap_next_block,
	.scan_bitmap_next_tuple = ztsdb_scan_bitmap_next_tuple,
	.scan_sample_next_block = ztsdb_scan_sample_next_block,
	.scan_sample_next_tuple = ztsdb_scan_sample_next_tuple,
};

const TableAmRoutine *
ZtsdbTableAm(void)
{
	return &ztsdb_methods;
}

} // namespace ztsdb

extern "C" {
PG_FUNCTION_INFO_V1(ztsdb_tableam_handler);
}

extern "C" Datum
ztsdb_tableam_handler(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	PG_RETURN_POINTER(ztsdb::ZtsdbTableAm());
}
