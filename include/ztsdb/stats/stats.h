/*-------------------------------------------------------------------------
 *
 * stats.h
 *	  Shared-memory counters behind ztsdb.stats().
 *
 * Every counter is a pg_atomic_uint64 updated with fetch-add (no lock on
 * the hot path); gauges (chunks per tier) are plain atomic stores by the
 * writer, their only writer.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

enum StatId
{
	kStatRowsIngested,			/* rows applied to hot chunks (writer) */
	kStatBatches,				/* batch records the writer received */
	kStatCommits,				/* transactions that committed ztsdb rows */
	kStatWalBytes,				/* bytes written to the sidecar WAL */
	kStatWalFsyncs,				/* fdatasync calls (or io_uring fsyncs) */
	kStatIoUringSubmits,		/* io_uring_submit calls */
	kStatWalWrites,				/* write groups (one per drain of the ring) */
	kStatRingHighWatermark,		/* most slots ever in use at once */
	kStatBackpressureWaits,		/* times a producer found the ring full */
	kStatChunksHot,				/* gauge */
	kStatChunksWarm,			/* gauge */
	kStatChunksCold,			/* gauge */
	kStatBytesHot,				/* gauge: bytes of rows in hot chunks */
	kStatBytesWarm,				/* gauge */
	kStatBytesCold,				/* gauge */
	kStatChunksSealed,			/* hot -> warm moves */
	kStatChunksCompressed,		/* warm -> cold moves */
	kStatChunksDropped,
	kStatQueries,				/* scans started on ztsdb tables */
	kStatRecoveryRecords,		/* WAL records replayed at the last start */
	kStatRecoveryMs,			/* time the last replay took */
	kStatCount
};

struct StatsShared
{
	pg_atomic_uint64 counters[kStatCount];
};

extern StatsShared *stats_shared;

inline void
StatAdd(StatId id, uint64 n)
{
	pg_atomic_fetch_add_u64(&stats_shared->counters[id], n);
}

inline void
StatSet(StatId id, uint64 v)
{
	pg_atomic_write_u64(&stats_shared->counters[id], v);
}

inline void
StatMax(StatId id, uint64 v)
{
	uint64		cur = pg_atomic_read_u64(&stats_shared->counters[id]);

	while (cur < v && !pg_atomic_compare_exchange_u64(&stats_shared->counters[id], &cur, v))
		;
}

Size		StatsShmemSize(void);
void		StatsShmemInit(void *mem, bool found);

} // namespace ztsdb
