/*-------------------------------------------------------------------------
 *
 * stats_shmem.cpp
 *	  Shared counters for ztsdb.stats().
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/stats/stats.h"

#include <ctime>

namespace ztsdb {

StatsShared *stats_shared = NULL;

Size
StatsShmemSize(void)
{
	return sizeof(StatsShared);
}

void
StatsShmemInit(void *mem, bool found)
{
	stats_shared = static_cast<StatsShared *>(mem);
	if (found)
		return;
	for (int i = 0; i < kStatCount; i++)
		pg_atomic_init_u64(&stats_shared->counters[i], 0);
	for (int h = 0; h < kHistCount; h++)
		for (int b = 0; b < core::kHistogramBuckets; b++)
			pg_atomic_init_u64(&stats_shared->hist[h][b], 0);
	for (int i = 0; i < kRateSlots; i++)
	{
		pg_atomic_init_u64(&stats_shared->rate[i].second, 0);
		pg_atomic_init_u64(&stats_shared->rate[i].rows, 0);
		pg_atomic_init_u64(&stats_shared->rate[i].queries, 0);
	}
}

/*
 * StatRate adds to the current second's slot.  The first process to see a
 * new second claims the slot with compare-and-swap and clears it; a count
 * racing with that clear may be lost, which a rate estimate tolerates.
 */
void
StatRate(uint64 rows, uint64 queries)
{
	uint64		now = (uint64) time(NULL);
	RateSlot   *slot = &stats_shared->rate[now % kRateSlots];
	uint64		seen = pg_atomic_read_u64(&slot->second);

	if (seen != now && pg_atomic_compare_exchange_u64(&slot->second, &seen, now))
	{
		pg_atomic_write_u64(&slot->rows, 0);
		pg_atomic_write_u64(&slot->queries, 0);
	}
	if (rows)
		pg_atomic_fetch_add_u64(&slot->rows, rows);
	if (queries)
		pg_atomic_fetch_add_u64(&slot->queries, queries);
}

void
StatsReset(void)
{
	static const StatId gauges[] = {kStatChunksHot, kStatChunksWarm, kStatChunksCold,
									kStatBytesHot, kStatBytesWarm, kStatBytesCold,
									kStatGenerationsKept, kStatSidecarCommitsKept};

	for (int i = 0; i < kStatCount; i++)
	{
		bool		gauge = false;

		for (StatId g : gauges)
			gauge |= (i == g);
		if (!gauge)
			pg_atomic_write_u64(&stats_shared->counters[i], 0);
	}
	for (int h = 0; h < kHistCount; h++)
		for (int b = 0; b < core::kHistogramBuckets; b++)
			pg_atomic_write_u64(&stats_shared->hist[h][b], 0);
	for (int i = 0; i < kRateSlots; i++)
		pg_atomic_write_u64(&stats_shared->rate[i].second, 0);
}

} // namespace ztsdb
