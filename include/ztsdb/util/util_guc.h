/*-------------------------------------------------------------------------
 *
 * util_guc.h
 *	  ztsdb's configuration parameters (GUCs), all under ztsdb.*.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

namespace ztsdb {

enum WalIoMode
{
	kWalIoAuto = 0,
	kWalIoUring = 1,
	kWalIoSync = 2
};

/*
 * Faults the tests inject through ztsdb.debug_fault (superuser only, not in
 * the sample file): each makes the real error path run.
 */
enum DebugFault
{
	kFaultNone = 0,
	kFaultWalEnospc = 1,		/* WAL writes fail with ENOSPC */
	kFaultWalEio = 2,			/* WAL fdatasyncs fail with EIO */
	kFaultUringRefused = 3,		/* io_uring_queue_init fails with EPERM (at writer start) */
	kFaultAfterMarker = 4,		/* a committing transaction fails after its durable marker */
	kFaultCrashSealFile = 5,	/* the writer PANICs in a seal: file written, manifest not */
	kFaultCrashSealManifest = 6,	/* ... manifest installed, hot chunk not detached */
	kFaultCrashMoveFile = 7,	/* in a compress/re-sort: new file written, manifest not */
	kFaultCrashMoveManifest = 8,	/* ... manifest installed, old file not removed */
	kFaultGenerationsPressure = 9,	/* replay acts as if half of kMaxGenerations were in use */
	kFaultCrashDropPrepared = 10,	/* in drop_chunks: new manifest written, not installed */
	kFaultCrashDropInstalled = 11,	/* ... installed, hot chunks detached, files not removed */
	kFaultTierEnospc = 12,		/* writing a chunk file fails with ENOSPC */
	kFaultCrashAfterMarker = 13	/* a backend PANICs after its durable marker,
								 * before PostgreSQL's commit record */
};

extern int	guc_write_buffer_capacity;	/* rows a backend buffers per table */
extern int	guc_ring_slots;				/* slots in the shared ring (power of 2) */
extern int	guc_ring_slot_kb;			/* payload of one ring slot */
extern int	guc_hot_pool_mb;			/* shared memory for hot chunks */
extern int	guc_hot_chunk_kb;			/* size of one hot chunk */
extern int	guc_max_tables;				/* ztsdb tables with hot state at once */
extern int	guc_chunk_time_interval_s;	/* time window of a chunk */
extern int	guc_max_pin_wait_ms;		/* readers' pins, pool full: then cancel/terminate */
extern int	guc_seal_idle_s;			/* seal a closed window idle this long */
extern int	guc_cold_after_s;			/* compress chunks older than this; -1 off */
extern bool guc_merge_warm;			/* merge small warm chunks of a window */
extern int	guc_backend_heap_keep_kb;	/* malloc trim threshold of backends; 0: glibc's */
extern int	guc_wal_io;					/* WalIoMode */
extern int	guc_debug_fault;			/* DebugFault; tests only */
extern int	guc_wal_segment_mb;			/* size of one sidecar WAL file */
extern int	guc_wal_flush_delay_ms;		/* longest an async commit stays unflushed */
extern bool guc_durable_commit;			/* wait for fdatasync even if sync commit off */
extern bool guc_wal_skip_corrupt;		/* replay past damage in the middle of the WAL */
extern bool guc_enable_aggregate_scan;	/* plan ZtsdbAgg where it applies */
extern bool guc_enable_ordered_scan;	/* plan ZtsdbOrdered where it applies */

/* GucInit defines every GUC; called from _PG_init in the postmaster. */
void		GucInit(void);

} // namespace ztsdb
