/*-------------------------------------------------------------------------
 *
 * stats_shmem.cpp
 *	  Shared counters for ztsdb.stats().
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/stats/stats.h"

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
	if (!found)
		for (int i = 0; i < kStatCount; i++)
			pg_atomic_init_u64(&stats_shared->counters[i], 0);
}

} // namespace ztsdb
