/*-------------------------------------------------------------------------
 *
 * ztsdb.cpp
 *	  Module magic and initialization.
 *
 * ztsdb needs shared memory and a background worker, both of which exist
 * only when the library is loaded by the postmaster: _PG_init refuses to
 * run anywhere else, with an error that says how to fix it, so CREATE
 * EXTENSION fails as a whole instead of half-succeeding.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/ingest/ingest.h"
#include "ztsdb/pg.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"
#include "ztsdb/util/util_guc.h"
#include "ztsdb/util/util_shmem.h"
#include "ztsdb/wal/wal_rmgr.h"
#include "ztsdb/wal/wal_writer.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

extern "C" void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ztsdb must be loaded via shared_preload_libraries"),
				 errhint("Add ztsdb to shared_preload_libraries in postgresql.conf and restart the server.")));
	ztsdb::GucInit();
#ifdef __GLIBC__
	/* in the postmaster: every backend it forks inherits the setting */
	if (ztsdb::guc_backend_heap_keep_kb > 0)
	{
		int			keep = (int) Min((int64) ztsdb::guc_backend_heap_keep_kb * 1024, (int64) PG_INT32_MAX);

		mallopt(M_MMAP_THRESHOLD, Min(keep / 4, 32 * 1024 * 1024));
		mallopt(M_TRIM_THRESHOLD, keep);
	}
#endif
	ztsdb::ShmemInit();
	ztsdb::RmgrInit();
	ztsdb::WriterRegister();
	ztsdb::BufferInit();
	ztsdb::HooksInit();
	ztsdb::QueryScanInit();
	ztsdb::QueryAggInit();
	ztsdb::QueryOrderedInit();
	ztsdb::DictInit();
}
