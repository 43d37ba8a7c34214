/*-------------------------------------------------------------------------
 *
 * util_guc.cpp
 *	  Definitions of ztsdb's GUCs.
 *
 * Sizes of shared structures are PGC_POSTMASTER: shared memory is sized once
 * at start (DESIGN.md, bounded resources).  Tiering policy can change on
 * reload; the write buffer per session.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/util/util_guc.h"

namespace ztsdb {

int			guc_write_buffer_capacity = 1000;
int			guc_ring_slots = 128;
int			guc_ring_slot_kb = 64;
int			guc_hot_pool_mb = 64;
int			guc_hot_chunk_kb = 1024;
int			guc_max_tables = 1024;
int			guc_chunk_time_interval_s = 86400;
int			guc_seal_idle_s = 10;
int			guc_max_pin_wait_ms = 30000;
int			guc_cold_after_s = 7 * 86400;
bool		guc_merge_warm = true;
int			guc_backend_heap_keep_kb = 16384;
int			guc_wal_io = kWalIoSync;
int			guc_wal_segment_mb = 16;
int			guc_wal_flush_delay_ms = 200;
bool		guc_durable_commit = false;
int			guc_debug_fault = kFaultNone;
bool		guc_wal_skip_corrupt = false;
bool		guc_enable_aggregate_scan = true;
bool		guc_enable_ordered_scan = true;

static const struct config_enum_entry wal_io_options[] = {
	{"auto", kWalIoAuto, false},
	{"io_uring", kWalIoUring, false},
	{"sync", kWalIoSync, false},
	{NULL, 0, false}
};

static const struct config_enum_entry debug_fault_options[] = {
	{"none", kFaultNone, false},
	{"wal_enospc", kFaultWalEnospc, false},
	{"wal_eio", kFaultWalEio, false},
	{"io_uring_refused", kFaultUringRefused, false},
	{"after_commit_marker", kFaultAfterMarker, false},
	{"crash_seal_file", kFaultCrashSealFile, false},
	{"crash_seal_manifest", kFaultCrashSealManifest, false},
	{"crash_move_file", kFaultCrashMoveFile, false},
	{"crash_move_manifest", kFaultCrashMoveManifest, false},
	{"generations_pressure", kFaultGenerationsPressure, false},
	{"crash_drop_prepared", kFaultCrashDropPrepared, false},
	{"crash_drop_installed", kFaultCrashDropInstalled, false},
	{"tier_enospc", kFaultTierEnospc, false},
	{"crash_after_commit_marker", kFaultCrashAfterMarker, false},
	{NULL, 0, false}
};

static bool
CheckRingSlots(int *newval, void **extra, GucSource source)
{
	(void) extra;
	(void) source;
	if ((*newval & (*newval - 1)) != 0)
	{
		GUC_check_errdetail("ztsdb.ring_slots must be a power of two.");
		return false;
	}
	return true;
}

void
GucInit(void)
{
	DefineCustomIntVariable("ztsdb.write_buffer_capacity",
							"Rows a session buffers per ztsdb table before handing them to the writer.",
							NULL, &guc_write_buffer_capacity, 1000, 1, 1000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.ring_slots",
							"Number of slots in the shared ingestion ring (a power of two).",
							NULL, &guc_ring_slots, 128, 4, 65536,
							PGC_POSTMASTER, 0, CheckRingSlots, NULL, NULL);
	DefineCustomIntVariable("ztsdb.ring_slot_size",
							"Payload size of one ingestion ring slot.",
							NULL, &guc_ring_slot_kb, 64, 8, 16384,
							PGC_POSTMASTER, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.hot_pool_size",
							"Shared memory reserved for hot chunks.",
							NULL, &guc_hot_pool_mb, 64, 1, 1024 * 1024,
							PGC_POSTMASTER, GUC_UNIT_MB, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.hot_chunk_size",
							"Size of one hot chunk; a full chunk is sealed to a warm file.",
							NULL, &guc_hot_chunk_kb, 1024, 64, 1024 * 1024,
							PGC_POSTMASTER, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.max_tables",
							"Maximum number of ztsdb tables holding hot data at once.",
							NULL, &guc_max_tables, 1024, 16, 1000000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.chunk_time_interval",
							"Time range of data that one chunk covers.",
							"Fixed while the server runs: sidecar WAL records name the windows their rows went to.",
							&guc_chunk_time_interval_s, 86400, 1, INT_MAX,
							PGC_POSTMASTER, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.max_pin_wait",
							"How long the writer waits, with the hot chunk pool full, for readers to release the chunks they hold before it cancels their statements (and, after as long again, ends their sessions); -1 waits forever.",
							NULL, &guc_max_pin_wait_ms, 30000, -1, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.seal_idle_timeout",
							"Seal a hot chunk whose time window has ended once it received no rows for this long.",
							NULL, &guc_seal_idle_s, 10, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.backend_heap_keep",
							"Freed memory a backend keeps for its next statements instead of returning it to the kernel (glibc malloc's trim threshold; allocations below a quarter of it come from the heap, not from mappings of their own); 0 keeps glibc's defaults.",
							"Returning memory after every statement unmaps pages, and on a multi-core machine each unmapping interrupts every core the process ran on (a TLB shootdown): with the default 128kB threshold an aggregate that uses a few hundred kilobytes paid that on every statement.",
							&guc_backend_heap_keep_kb, 16384, 0, 1024 * 1024,
							PGC_POSTMASTER, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.cold_after",
							"Compress the warm chunks of time windows that ended longer ago than this (one cold chunk per window); -1 disables.",
							NULL, &guc_cold_after_s, 7 * 86400, -1, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomBoolVariable("ztsdb.merge_warm",
							 "Merge the small warm chunks of a time window into larger ones (eight single-chunk files into one while rows arrive in the window, all of them once it has no hot chunk left).",
							 "Each seal makes one warm chunk; with many series a window gets many, and a query for one series searches every one of them.",
							 &guc_merge_warm, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ztsdb.wal_io",
							 "How the sidecar WAL is written: plain pwrite/fdatasync (sync), io_uring, or auto.",
							 "auto uses io_uring and falls back to sync where the kernel refuses it.  sync is the "
							 "default: io_uring punts each fdatasync to a kernel worker, which costs single-row "
							 "commits a context switch and did not speed up COPY (measured).",
							 &guc_wal_io, kWalIoSync, wal_io_options,
							 PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.wal_segment_size",
							"Size of one sidecar WAL file.",
							NULL, &guc_wal_segment_mb, 16, 1, 1024,
							PGC_POSTMASTER, GUC_UNIT_MB, NULL, NULL, NULL);
	DefineCustomIntVariable("ztsdb.wal_flush_delay",
							"Longest time rows of transactions committed with synchronous_commit = off stay unflushed in the sidecar WAL.",
							"A crash loses at most this much of such commits, as with PostgreSQL's own asynchronous commit.",
							&guc_wal_flush_delay_ms, 200, 0, 10000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomBoolVariable("ztsdb.durable_commit",
							 "Make a transaction's ztsdb rows durable at commit even when synchronous_commit is off.",
							 "Set it with SET LOCAL in transactions that write critical data.",
							 &guc_durable_commit, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("ztsdb.wal_skip_corrupt",
							 "Replay the sidecar WAL past a damaged record in its middle, losing the rest of that file.",
							 "Off, recovery stops at such a record with an error naming the file and offset; turn it on (and reload) only to give up the damaged part.",
							 &guc_wal_skip_corrupt, false,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("ztsdb.enable_aggregate_scan",
							 "Lets the planner compute aggregates over a ztsdb table inside the scan (Custom Scan ZtsdbAgg).",
							 "Off, they run as PostgreSQL's own Aggregate over the table scan, to compare or measure the two.",
							 &guc_enable_aggregate_scan, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("ztsdb.enable_ordered_scan",
							 "Lets the planner read a ztsdb table in time order, newest or oldest rows first (Custom Scan ZtsdbOrdered).",
							 "Off, ORDER BY the time column sorts the whole table, and min/max of it scan every row, to compare or measure the two.",
							 &guc_enable_ordered_scan, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ztsdb.debug_fault",
							 "Injects a fault, for ztsdb's own tests.",
							 "Never set it on a server that holds data you need.",
							 &guc_debug_fault, kFaultNone, debug_fault_options,
							 PGC_SUSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ztsdb");
}

} // namespace ztsdb
