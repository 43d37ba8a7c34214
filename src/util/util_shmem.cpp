/*-------------------------------------------------------------------------
 *
 * util_shmem.cpp
 *	  Sizing and carving ztsdb's shared memory.
 *
 * Each subsystem exports XxxShmemSize() and XxxShmemInit(); the table below
 * sums their cache-line-aligned sizes in shmem_request_hook and carves one
 * ShmemInitStruct per entry in shmem_startup_hook, under AddinShmemInitLock.
 * Both hooks call the previous hook first.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/pg.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage.h"
#include "ztsdb/util/util_guc.h"
#include "ztsdb/util/util_shmem.h"
#include "ztsdb/wal/wal_generation.h"

extern "C" {
#include "utils/hsearch.h"
}

namespace ztsdb {

struct ShmemItem
{
	const char *name;
	Size		(*size) (void);
	void		(*init) (void *mem, bool found);
};

static const ShmemItem shmem_items[] = {
	{"ztsdb stats", StatsShmemSize, StatsShmemInit},
	{"ztsdb ingest", IngestShmemSize, IngestShmemInit},
	{"ztsdb storage", StorageShmemSize, StorageShmemInit},
	{"ztsdb generations", GenerationShmemSize, GenerationShmemInit},
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
ShmemRequest(void)
{
	Size		total = 0;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (const ShmemItem &item : shmem_items)
		total = add_size(total, CACHELINEALIGN(item.size()));
	total = add_size(total, hash_estimate_size(guc_max_tables, sizeof(TableEntry)));
	RequestAddinShmemSpace(total);
	RequestNamedLWLockTranche("ztsdb", 1);
}

static void
ShmemStartup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (const ShmemItem &item : shmem_items)
	{
		bool		found;
		void	   *mem = ShmemInitStruct(item.name, CACHELINEALIGN(item.size()), &found);

		item.init(mem, found);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
ShmemInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ShmemStartup;
}

} // namespace ztsdb
