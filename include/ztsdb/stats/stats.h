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

#include "ztsdb/core/histogram.h"
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
	kStatQueries,				/* scans started on ztsdb tables (not ANALYZE's) */
	kStatRecoveryRecords,		/* WAL records replayed at the last start */
	kStatRecoveryMs,			/* time the last replay took */
	kStatCommitsByMarker,	/* durable commits decided by their ztsdb marker alone */
	kStatGenerationsKept,		/* gauge: writer generations ztsdb/wal/generations holds */
	kStatSidecarCommitsKept,	/* gauge: entries of ztsdb/wal/sidecar_commits */
	kStatAnalyzeRows,			/* rows ANALYZE's sampling scans looked at */
	kStatWarmChunksMerged,		/* warm files merged into larger warm files */
	kStatCount
};

enum HistId
{
	kHistQuery,					/* duration of scans of ztsdb tables, range() */
	kHistCommit,				/* commit wait of transactions with ztsdb rows */
	kHistCount
};

/* One second of the sliding window behind writes_per_sec/queries_per_sec. */
constexpr int kRateSlots = 64;
constexpr int kRateWindow = 10;	/* seconds averaged */

struct RateSlot
{
	pg_atomic_uint64 second;	/* Unix second this slot counts, 0 = unused */
	pg_atomic_uint64 rows;
	pg_atomic_uint64 queries;
};

struct StatsShared
{
	pg_atomic_uint64 counters[kStatCount];
	pg_atomic_uint64 hist[kHistCount][core::kHistogramBuckets];
	RateSlot	rate[kRateSlots];
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

/* StatLatency adds one observation (microseconds) to a histogram. */
inline void
StatLatency(HistId h, int64 us)
{
	pg_atomic_fetch_add_u64(&stats_shared->hist[h][core::HistogramBucket(us < 0 ? 0 : (uint64) us)], 1);
}

/* StatRate counts rows ingested or queries run in the current second. */
void		StatRate(uint64 rows, uint64 queries);

/* StatsReset zeroes the counters and histograms (not the gauges). */
void		StatsReset(void);

Size		StatsShmemSize(void);
void		StatsShmemInit(void *mem, bool found);

} // namespace ztsdb
