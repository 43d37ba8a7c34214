/*-------------------------------------------------------------------------
 *
 * stats_sql.cpp
 *	  SQL functions: ztsdb.stats(), ztsdb.chunks(), and the tier-move
 *	  requests ztsdb.seal(), ztsdb.compress(), ztsdb.drop_chunks().
 *
 * Tier moves are the writer's work (it owns hot chunks and manifests): the
 * function pushes a request record through the ring, waits until the writer
 * has applied it, and reads the answer from its own slot.  Requests follow
 * every earlier record in the ring, so rows committed before the call are
 * moved too.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/query/query.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/tam/tam.h"

#include <ctime>

#include <sys/stat.h>

extern "C" {
#include "funcapi.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
}

namespace ztsdb {

Relation
OpenZtsdbTable(Oid relid, LOCKMODE lockmode, RequiredRight right)
{
	Relation	rel = try_relation_open(relid, lockmode);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!IsZtsdbRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a ztsdb table", RelationGetRelationName(rel)),
				 errhint("Create it with CREATE TABLE ... USING ztsdb.")));
	if (right == kNeedOwner)
	{
		if (!pg_class_ownercheck(relid, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, RelationGetRelationName(rel));
	}
	else
	{
		AclResult	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

		if (acl != ACLCHECK_OK)
			aclcheck_error(acl, OBJECT_TABLE, RelationGetRelationName(rel));
		if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("\"%s\" has row-level security enabled", RelationGetRelationName(rel)),
					 errhint("Query the table with SELECT, which applies its policies.")));
	}
	return rel;
}

static const char *const stat_names[kStatCount] = {
	"rows_ingested",
	"batches",
	"commits",
	"wal_bytes",
	"wal_fsyncs",
	"io_uring_submits",
	"wal_writes",
	"ring_high_watermark",
	"backpressure_waits",
	"chunks_hot",
	"chunks_warm",
	"chunks_cold",
	"bytes_hot",
	"bytes_warm",
	"bytes_cold",
	"chunks_sealed",
	"chunks_compressed",
	"chunks_dropped",
	"queries",
	"recovery_records",
	"recovery_ms",
	"commits_by_marker",
	"generations_kept",
	"sidecar_commits_kept",
	"analyze_rows_read",
	"warm_chunks_merged",
};

static int64
SendRequest(core::RequestOp op, Relation rel, int64 older_than)
{
	static uint64 counter = 0;
	core::RequestRecord req;
	RequestAnswer *answer = &ingest_answers[MyProc->pgprocno];
	uint64		pos;

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot change ztsdb chunks during recovery"),
				 errdetail("A standby's ztsdb chunks follow its primary's rows."),
				 errhint("Run it on the primary.")));
	WaitForRecovery();
	memset(&req, 0, sizeof(req));
	req.type = core::kRecRequest;
	req.op = op;
	req.procno = MyProc->pgprocno;
	req.table = TableKeyOf(rel);
	req.older_than = older_than;
	req.request_id = ((uint64) MyProcPid << 32) | ++counter;
	pos = RingPush(&req, sizeof(req));
	WaitForApplied(pos, pos);
	pg_read_barrier();
	if (answer->request_id != req.request_id)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the ztsdb writer did not answer the request"),
				 errhint("See the server log.")));
	if (answer->sqlstate != 0)
		ereport(ERROR,
				(errcode(answer->sqlstate),
				 errmsg("%s", answer->message)));
	return answer->result;
}

/*
 * OlderThan turns an interval into a cutoff time now() - iv; a zero
 * interval (compress's default) means every chunk, whatever its times.
 */
static int64
OlderThan(Interval *iv)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (iv->time == 0 && iv->day == 0 && iv->month == 0)
		return PG_INT64_MAX;

	return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
												   TimestampTzGetDatum(now),
												   IntervalPGetDatum(iv)));
}

/*
 * WalDiskBytes sums the sizes of the files under $PGDATA/ztsdb/wal: the
 * sidecar WAL segments (preallocated, so a segment counts whole from its
 * creation), its checkpoint, generations and sidecar_commits.  Files may be
 * removed while it reads the directory (the writer recycles segments): a
 * file gone before its stat is not counted.
 */
static uint64
WalDiskBytes(void)
{
	const char *dirpath = "ztsdb/wal";
	DIR		   *dir = AllocateDir(dirpath);
	struct dirent *de;
	uint64		total = 0;

	if (dir == NULL)
		return 0;				/* ReadDir reports errors other than ENOENT */
	while ((de = ReadDir(dir, dirpath)) != NULL)
	{
		char		path[MAXPGPATH];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64) st.st_size;
	}
	FreeDir(dir);
	return total;
}

} // namespace ztsdb

using namespace ztsdb;

extern "C" {
PG_FUNCTION_INFO_V1(ztsdb_stats);
PG_FUNCTION_INFO_V1(ztsdb_stats_reset);
PG_FUNCTION_INFO_V1(ztsdb_chunks);
PG_FUNCTION_INFO_V1(ztsdb_hot_memory_bytes);
PG_FUNCTION_INFO_V1(ztsdb_seal);
PG_FUNCTION_INFO_V1(ztsdb_compress);
PG_FUNCTION_INFO_V1(ztsdb_drop_chunks);
}

extern "C" Datum
ztsdb_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	uint64		now;
	uint64		rows = 0;
	uint64		queries = 0;
	uint64		counts[core::kHistogramBuckets];

	/* counters include every commit this session could see */
	WaitForAsyncCommits();
	InitMaterializedSRF(fcinfo, 0);
	auto		put = [&](const char *name, double v) {
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(name);
		values[1] = Float8GetDatum(v);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	};

	for (int i = 0; i < kStatCount; i++)
		put(stat_names[i], (double) (int64) pg_atomic_read_u64(&stats_shared->counters[i]));

	/*
	 * Space not in any table's pg_relation_size(): the shared memory of hot
	 * chunks in use (whole chunks, however full), and the sidecar WAL files
	 * (shared by every table).
	 */
	put("hot_memory_bytes",
		(double) pg_atomic_read_u64(&stats_shared->counters[kStatChunksHot]) * storage_shared->chunk_bytes);
	put("wal_disk_bytes", (double) WalDiskBytes());

	/* this backend's cache of opened chunk files (storage_read.h) */
	{
		uint64		files;
		uint64		bytes;

		FileCacheUsage(&files, &bytes);
		put("cached_files", (double) files);
		put("cached_bytes", (double) bytes);
	}

	/*
	 * Rates: rows applied (writes_per_sec) and scans started
	 * (queries_per_sec) per second, over the part of the last kRateWindow
	 * seconds since the first second with any: from the start of that
	 * second to now, the current second included.  A 5 s burst therefore
	 * reads as its own rate, not diluted over the whole window, and an idle
	 * spell after it lowers the figure as it lengthens.  At least one second
	 * is assumed, so a burst just started does not read as infinite.
	 */
	{
		struct timespec ts;
		double		now_f;
		uint64		first_rows = PG_UINT64_MAX;
		uint64		first_queries = PG_UINT64_MAX;

		clock_gettime(CLOCK_REALTIME, &ts);
		now = (uint64) ts.tv_sec;
		now_f = (double) ts.tv_sec + ts.tv_nsec / 1e9;
		for (int i = 0; i < kRateSlots; i++)
		{
			RateSlot   *slot = &stats_shared->rate[i];
			uint64		sec = pg_atomic_read_u64(&slot->second);
			uint64		r;
			uint64		q;

			if (sec == 0 || sec > now || sec + kRateWindow <= now)
				continue;
			r = pg_atomic_read_u64(&slot->rows);
			q = pg_atomic_read_u64(&slot->queries);
			rows += r;
			queries += q;
			if (r > 0)
				first_rows = Min(first_rows, sec);
			if (q > 0)
				first_queries = Min(first_queries, sec);
		}
		auto		span = [&](uint64 first) {
			return first == PG_UINT64_MAX ? 1.0 : Max(now_f - (double) first, 1.0);
		};

		put("writes_per_sec", (double) rows / span(first_rows));
		put("queries_per_sec", (double) queries / span(first_queries));
	}

	for (int h = 0; h < kHistCount; h++)
	{
		for (int b = 0; b < core::kHistogramBuckets; b++)
			counts[b] = pg_atomic_read_u64(&stats_shared->hist[h][b]);
		put(h == kHistQuery ? "query_latency_p50_ms" : "commit_latency_p50_ms",
			core::HistogramPercentile(counts, 50) / 1000.0);
		put(h == kHistQuery ? "query_latency_p99_ms" : "commit_latency_p99_ms",
			core::HistogramPercentile(counts, 99) / 1000.0);
	}
	return (Datum) 0;
}

extern "C" Datum
ztsdb_stats_reset(PG_FUNCTION_ARGS)
{
	(void) fcinfo;
	StatsReset();
	PG_RETURN_VOID();
}

extern "C" Datum
ztsdb_chunks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	TableView  *view;
	size_t		row_bytes = 0;

	InitMaterializedSRF(fcinfo, 0);
	rel = OpenZtsdbTable(relid, AccessShareLock, kNeedSelect);
	WaitForRecovery();
	WaitForAsyncCommits();
	view = OpenTableView(rel, false);
	if (view->have_layout)
		for (uint16 c = 0; c < view->layout.ncols; c++)
			row_bytes += core::ColumnWidth(view->layout.types[c]);

	for (int i = 0; i < view->nhot; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		const ViewHot *h = &view->hot[i];

		values[0] = Int64GetDatum((int64) hot_chunks[h->idx].chunk_id);
		values[1] = CStringGetTextDatum("hot");
		values[2] = TimestampTzGetDatum(h->min_ts);
		values[3] = TimestampTzGetDatum(h->max_ts);
		nulls[2] = nulls[3] = h->nrows == 0;
		values[4] = Int64GetDatum((int64) h->nrows);
		values[5] = Int64GetDatum((int64) (h->nrows * row_bytes));
		values[6] = Float8GetDatum(1.0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	for (int i = 0; i < view->nfiles; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		const core::ManifestChunk *e = &view->files[i].entry;

		values[0] = Int64GetDatum((int64) e->meta.chunk_id);
		values[1] = CStringGetTextDatum(e->meta.tier == core::kTierCold ? "cold" : "warm");
		values[2] = TimestampTzGetDatum(e->meta.min_ts);
		values[3] = TimestampTzGetDatum(e->meta.max_ts);
		values[4] = Int64GetDatum((int64) e->meta.nrows);
		values[5] = Int64GetDatum((int64) e->file_bytes);
		values[6] = Float8GetDatum(e->file_bytes > 0 ? (double) e->raw_bytes / e->file_bytes : 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}

/*
 * ztsdb_hot_memory_bytes returns the bytes of shared memory the table's hot
 * chunks hold: whole chunks (ztsdb.hot_chunk_size each), since a chunk's
 * memory is taken from the pool when it opens, not as rows arrive.
 */
extern "C" Datum
ztsdb_hot_memory_bytes(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	TableView  *view;
	int64		bytes;

	rel = OpenZtsdbTable(relid, AccessShareLock, kNeedSelect);
	WaitForRecovery();
	WaitForAsyncCommits();
	view = OpenTableView(rel, false);
	bytes = (int64) view->nhot * storage_shared->chunk_bytes;
	relation_close(rel, AccessShareLock);
	PG_RETURN_INT64(bytes);
}

extern "C" Datum
ztsdb_seal(PG_FUNCTION_ARGS)
{
	Relation	rel = OpenZtsdbTable(PG_GETARG_OID(0), AccessShareLock, kNeedOwner);
	int64		n = SendRequest(core::kReqSeal, rel, 0);

	relation_close(rel, AccessShareLock);
	PG_RETURN_INT32((int32) n);
}

extern "C" Datum
ztsdb_compress(PG_FUNCTION_ARGS)
{
	Relation	rel = OpenZtsdbTable(PG_GETARG_OID(0), AccessShareLock, kNeedOwner);
	int64		n = SendRequest(core::kReqCompress, rel, OlderThan(PG_GETARG_INTERVAL_P(1)));

	relation_close(rel, AccessShareLock);
	PG_RETURN_INT32((int32) n);
}

extern "C" Datum
ztsdb_drop_chunks(PG_FUNCTION_ARGS)
{
	Relation	rel;
	Interval   *iv;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TimestampTz cutoff;
	int64		n;

	/*
	 * Not STRICT: a NULL table or interval would otherwise return NULL
	 * having done nothing, which reads like success.  The interval is
	 * checked by the cutoff it gives (now() - older_than, as PostgreSQL
	 * users write retention), so '1 month' and '1 month -1 day' are judged
	 * by their actual effect: the cutoff must lie strictly before now().
	 * A zero or negative interval would put it at or after now() and drop
	 * every chunk, the newest rows included.
	 */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("older_than must not be NULL"),
				 errhint("Pass how old a chunk must be to go, for example '30 days'.")));
	iv = PG_GETARG_INTERVAL_P(1);
	cutoff = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
													 TimestampTzGetDatum(now),
													 IntervalPGetDatum(iv)));
	if (cutoff >= now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must be a positive interval, not %s",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)))),
				 errdetail("drop_chunks removes the chunks whose rows are all older than now() - older_than; "
						   "this interval would remove the newest chunks too."),
				 errhint("Pass how old a chunk must be to go, for example '30 days'.")));

	rel = OpenZtsdbTable(PG_GETARG_OID(0), ShareUpdateExclusiveLock, kNeedOwner);
	n = SendRequest(core::kReqDropChunks, rel, cutoff);
	relation_close(rel, ShareUpdateExclusiveLock);
	PG_RETURN_INT32((int32) n);
}
