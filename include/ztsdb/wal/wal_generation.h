/*-------------------------------------------------------------------------
 *
 * wal_generation.h
 *	  Writer generations: telling reused transaction ids apart.
 *
 * ztsdb stores xids (in sidecar WAL records, hot chunk batch tables and
 * unsorted chunk files) of transactions that may never have written
 * PostgreSQL WAL.  After a crash PostgreSQL resumes assigning xids from
 * what its WAL knew, so such an xid can be handed out again to a new
 * transaction, whose commit would then seem to commit the old rows.
 *
 * Every writer start begins a new generation and records, durably and
 * before it accepts any record, the next xid PostgreSQL will assign (its
 * boundary).  An xid seen in generation g is trustworthy -- its clog status
 * is its own -- if g is the current generation or the xid precedes the
 * boundary of generation g + 1; otherwise it was never durably assigned
 * before the crash that ended g, and its transaction counts as aborted.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

constexpr int kMaxGenerations = 4096;
constexpr int kMaxSidecarCommits = 8192;

struct GenerationShared
{
	pg_atomic_uint32 current;	/* generation of the running writer, 0 before */
	uint32		count;			/* entries in boundary[], set before current */
	TransactionId boundary[kMaxGenerations];	/* boundary[g] for g < count */
	uint32		nsidecar;		/* entries in sidecar[], set before recovery ends */
	uint64		sidecar[kMaxSidecarCommits];	/* SidecarKey()s, sorted */
};

extern GenerationShared *generation_shared;

Size		GenerationShmemSize(void);
void		GenerationShmemInit(void *mem, bool found);

/* CurrentGeneration returns the generation new records are stamped with. */
inline uint32
CurrentGeneration(void)
{
	return pg_atomic_read_u32(&generation_shared->current);
}

/*
 * XidTrusted tells whether xid, seen in generation gen, still names the
 * transaction that wrote the rows (see above).
 */
inline bool
XidTrusted(TransactionId xid, uint32 gen)
{
	uint32		cur = pg_atomic_read_u32(&generation_shared->current);

	if (gen >= cur)
		return true;
	if (gen + 1 >= generation_shared->count || gen + 1 >= (uint32) kMaxGenerations)
		return false;
	return TransactionIdPrecedes(xid, generation_shared->boundary[gen + 1]);
}

/* GenerationStart begins a new generation durably (writer, at start). */
void		GenerationStart(void);

/*
 * Sidecar commits.  A transaction whose commit marker decided alone
 * (kCommitSelf, record_format.h) may be unknown to clog after a crash.
 * Rows of it that sit in hot chunks are replayed as frozen; rows that a
 * chunk file stamped with its xid while it was running (a forced seal)
 * would then look aborted.  Replay records such transactions durably in
 * ztsdb/wal/sidecar_commits, and visibility asks SidecarCommitted for
 * stamps of earlier generations.
 */
inline uint64
SidecarKey(TransactionId xid, uint32 gen)
{
	return ((uint64) gen << 32) | xid;
}

inline bool
SidecarCommitted(TransactionId xid, uint32 gen)
{
	uint64		key = SidecarKey(xid, gen);
	uint32		lo = 0;
	uint32		hi = generation_shared->nsidecar;

	while (lo < hi)
	{
		uint32		mid = (lo + hi) / 2;

		if (generation_shared->sidecar[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < generation_shared->nsidecar && generation_shared->sidecar[lo] == key;
}

/* SidecarCommitsLoad reads the file into shared memory (writer, at start). */
void		SidecarCommitsLoad(void);

/* SidecarCommitsAdd adds keys durably (writer, end of replay). */
void		SidecarCommitsAdd(const uint64 *keys, int n);

} // namespace ztsdb
