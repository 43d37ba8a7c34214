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
 * Only generations something still names need their boundary: the sidecar
 * WAL from its checkpoint on, rows replayed from it into hot chunks, and the
 * batch tables of unsorted warm files (the only chunk files that stamp
 * xids).  At the end of replay the writer forgets every generation older
 * than the oldest of those (GenerationsForget), so the file stays small
 * however often the server restarts.  Should restarts come faster than the
 * WAL checkpoint moves (a crash loop while hot chunks stay open), the writer
 * seals every hot chunk after replay once half of kMaxGenerations is in
 * use, which lets the next checkpoint pass the old records.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

constexpr int kMaxGenerations = 4096;
constexpr int kMaxSidecarCommits = 8192;

/*
 * Written by the writer alone, before recovery ends (backends read it only
 * after WaitForRecovery) or, for current, with a barrier.
 */
struct GenerationShared
{
	pg_atomic_uint32 current;	/* generation of the running writer, 0 before */
	uint32		base;			/* oldest generation still known */
	uint32		count;			/* generations so far (current + 1), set before current */
	TransactionId boundary[kMaxGenerations];	/* boundary of g at [g - base], base < g < count */
	uint32		nsidecar;		/* entries in sidecar[], set before recovery ends */
	uint64		sidecar[kMaxSidecarCommits];	/* SidecarKey()s, sorted */
};

extern GenerationShared *generation_shared;

/* GenerationForgotten reports a reference to a forgotten generation (ERROR). */
void		GenerationForgotten(uint32 gen) pg_attribute_noreturn();

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
	if (gen < generation_shared->base)
		GenerationForgotten(gen);
	if (gen + 1 >= generation_shared->count)
		return false;
	return TransactionIdPrecedes(xid, generation_shared->boundary[gen + 1 - generation_shared->base]);
}

/* GenerationStart begins a new generation durably (writer, at start). */
void		GenerationStart(void);

/*
 * GenerationsForget drops, durably, the boundaries of generations older than
 * keep_from (writer, end of replay, before backends read them).
 */
void		GenerationsForget(uint32 keep_from);

/* GenerationsKept returns how many generations the file holds. */
inline uint32
GenerationsKept(void)
{
	return generation_shared->count - generation_shared->base;
}

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

/* CompareSidecarKeys orders SidecarKeys (a qsort/bsearch comparator). */
int			CompareSidecarKeys(const void *a, const void *b);

/* SidecarCommitsLoad reads the file into shared memory (writer, at start). */
void		SidecarCommitsLoad(void);

/* SidecarCommitsAdd adds keys durably (writer, end of replay). */
void		SidecarCommitsAdd(const uint64 *keys, int n);

/*
 * SidecarCommitsKeepOnly drops, durably, every recorded key not among keys
 * (sorted): those no chunk file stamps any more (writer, end of replay).
 */
void		SidecarCommitsKeepOnly(const uint64 *keys, int n);

} // namespace ztsdb
