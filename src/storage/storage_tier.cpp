/*-------------------------------------------------------------------------
 *
 * storage_tier.cpp
 *	  Moving chunks between tiers: seal (hot -> warm), compress (warm ->
 *	  cold), drop_chunks, and dropping a table's data.  Writer only.
 *
 * Every move is crash-safe in the same way: write the new chunk file under
 * a temporary name, fsync, rename (durable_rename); write the new manifest
 * the same way and, holding the table's lock exclusively, rename it into
 * place and detach the hot chunk; only then unlink the old file.  A crash
 * leaves either the old or the new state, and replay re-applies only rows
 * that no sealed file covers (storage_apply.cpp).
 *
 * A chunk is sealed sorted, without visibility information, only when every
 * transaction that wrote it has either aborted (its rows are dropped) or
 * committed before the oldest snapshot anyone still holds (the shared xmin
 * horizon), so no reader can tell the difference, and its commit marker is
 * durable (BuildChunkFile).  Otherwise sealing waits, unless forced (chunk
 * or pool full): then rows keep arrival order and the file carries the
 * batch table.
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/record_format.h"
#include "ztsdb/stats/stats.h"
#include "ztsdb/storage/storage_writer.h"
#include "ztsdb/wal/wal.h"
#include "ztsdb/wal/wal_rmgr.h"
#include "ztsdb/util/util_guc.h"
#include "ztsdb/wal/wal.h"
#include "ztsdb/wal/wal_generation.h"

extern "C" {
#include "common/relpath.h"
#include "storage/md.h"
#include "utils/hsearch.h"
}

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ztsdb {

/* Columns of rows to seal, wherever they live (hot chunk or warm file). */
struct RowSource
{
	uint32		nrows;
	const void *values[core::kMaxColumns];
	const uint8 *validity[core::kMaxColumns];	/* nullptr = no NULLs */
	uint32		nbatches;
	core::BatchEntry *batches;
	/*
	 * When nruns > 0: the rows are runs each sorted by (series, ts), run i
	 * from run_start[i] to the next run's start (MergeGroup of sorted
	 * files); BuildChunkFile merges them instead of sorting.
	 */
	uint32		nruns = 0;
	const uint32 *run_start = nullptr;
};

enum BatchFate
{
	kFateKeep,					/* committed, visible to every snapshot */
	kFateDrop,					/* aborted */
	kFateOpen					/* in progress or not yet visible to all */
};

/* an unsorted warm file may exist (set at start: earlier runs may have left some) */
static bool unsorted_pending = true;
static bool resorted_this_pass = false;

/*
 * Unsorted warm files that could not be re-sorted yet, with the latest xid
 * that kept them (a running transaction, or a committed one some snapshot
 * may still not see).  A retry reads such a file again only once that xid
 * precedes the oldest xid any snapshot needs: a long transaction elsewhere
 * must not make the writer re-read every unsorted file on every try.
 * Writer-local; forgetting an entry (table full, restart) only costs a read.
 */
struct ResortBlock
{
	core::TableKey key;
	uint64		chunk_id;
	TransactionId xid;			/* InvalidTransactionId: free */
};
constexpr int kResortBlocks = 256;
static ResortBlock resort_blocks[kResortBlocks];

static ResortBlock *
FindResortBlock(const core::TableKey &key, uint64 chunk_id)
{
	for (int i = 0; i < kResortBlocks; i++)
		if (TransactionIdIsValid(resort_blocks[i].xid) && resort_blocks[i].chunk_id == chunk_id &&
			memcmp(&resort_blocks[i].key, &key, sizeof(key)) == 0)
			return &resort_blocks[i];
	return NULL;
}

static void
NoteResortBlock(const core::TableKey &key, uint64 chunk_id, TransactionId xid)
{
	ResortBlock *b = FindResortBlock(key, chunk_id);

	for (int i = 0; b == NULL && i < kResortBlocks; i++)
		if (!TransactionIdIsValid(resort_blocks[i].xid))
			b = &resort_blocks[i];
	if (b == NULL || !TransactionIdIsValid(xid))
		return;
	b->key = key;
	b->chunk_id = chunk_id;
	b->xid = xid;
}

/* CrashPoint PANICs the writer at a tier-move step named by ztsdb.debug_fault. */
static void
CrashPoint(int fault)
{
	if (guc_debug_fault == fault)
		ereport(PANIC,
				(errmsg("ztsdb: injected crash in a tier move"),
				 errdetail("Injected by ztsdb.debug_fault.")));
}

/*
 * Rows replay found stamped for transactions whose commit marker did not
 * survive the crash (SidecarKeys, sorted): set only while
 * DropUnmarkedFileRows runs.
 */
static const uint64 *replay_drops = NULL;
static int	nreplay_drops = 0;

/*
 * FateOf decides the rows of batch (xid, cid) (seen in generation gen) for a
 * chunk file.  *stamp is set when the file must stamp them and the sidecar WAL
 * says so (WriterNoteRunningStamp): the transaction runs, or clog says it
 * committed but the writer has not yet taken its commit marker from the
 * ring (an asynchronous commit returns before that).  Such a transaction
 * is open: a sorted file would keep its rows whatever becomes of the
 * marker, and a crash before the marker is durable makes replay drop the
 * rest of the transaction.
 */
static BatchFate
FateOf(TransactionId xid, CommandId cid, uint32 gen, TransactionId horizon, bool *stamp)
{
	*stamp = false;
	if (nreplay_drops > 0)
	{
		uint64		key = SidecarKey(xid, gen);

		if (bsearch(&key, replay_drops, nreplay_drops, sizeof(uint64), CompareSidecarKeys) != NULL)
			return kFateDrop;	/* its marker was lost in a crash */
	}
	if (gen < CurrentGeneration() && SidecarCommitted(xid, gen))
		return kFateKeep;		/* committed by its marker alone, before a crash */
	if (!XidTrusted(xid, gen))
		return kFateDrop;		/* died in a crash before its xid was durable */
	if (cid == core::kMarkerDecidesCid && !TransactionIdIsInProgress(xid) &&
		!TransactionIdDidCommit(xid) && !TransactionIdDidAbort(xid))
		return kFateKeep;		/* a standby's: its marker decided, the commit record never came */
	if (TransactionIdIsInProgress(xid))
	{
		*stamp = true;
		return kFateOpen;
	}
	if (TransactionIdDidCommit(xid))
	{
		if (WriterMarkerPending(xid, gen, NULL))
		{
			*stamp = true;
			return kFateOpen;
		}
		return TransactionIdPrecedes(xid, horizon) ? kFateKeep : kFateOpen;
	}
	return kFateDrop;
}

static inline bool
BitIsSet(const uint8 *bits, uint32 i)
{
	return bits == nullptr || ((bits[i >> 3] >> (i & 7)) & 1);
}

/*
 * BuildChunkFile turns rows of src into file bytes of the given tier.
 * Returns NULL when the rows cannot be written yet (open transactions and
 * !force); *nrows_out = 0 with a non-NULL result is impossible: an empty
 * result returns NULL with *empty set.  *filter_out receives the series of
 * the rows written (for the manifest entry).
 */
static uint8 *
BuildChunkFile(const core::ChunkLayout &layout, const RowSource &src, uint64 chunk_id,
			   uint8 tier, bool force, size_t *file_len, core::ChunkMeta *meta_out,
			   core::SeriesFilter *filter_out, bool *empty, TransactionId *blocking = NULL)
{
	TransactionId horizon = GetOldestNonRemovableTransactionId(NULL);
	BatchFate  *fates = static_cast<BatchFate *>(palloc(sizeof(BatchFate) * Max(src.nbatches, 1)));
	bool		any_open = false;
	uint32	   *perm = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(src.nrows, 1)));
	uint32		nkeep = 0;
	core::BatchEntry *out_batches = NULL;
	uint32		out_nbatches = 0;
	core::ColumnInput cols[core::kMaxColumns];
	core::ChunkMeta meta;
	uint8	   *buf;
	size_t		cap;
	core::Status st;
	const int64 *ts = static_cast<const int64 *>(src.values[layout.time_col]);

	*empty = false;
	if (blocking != NULL)
		*blocking = InvalidTransactionId;
	for (uint32 b = 0; b < src.nbatches; b++)
	{
		bool		stamp;

		fates[b] = FateOf(src.batches[b].xid, src.batches[b].cid, src.batches[b].reserved, horizon,
						  &stamp);
		if (fates[b] == kFateOpen)
		{
			any_open = true;
			/* the latest open xid: once it precedes the horizon, all do */
			if (blocking != NULL &&
				(!TransactionIdIsValid(*blocking) ||
				 TransactionIdFollows(src.batches[b].xid, *blocking)))
				*blocking = src.batches[b].xid;
		}
		if (stamp && force &&
			(b == 0 || src.batches[b].xid != src.batches[b - 1].xid))
			WriterNoteRunningStamp(src.batches[b].xid, src.batches[b].reserved);
	}
	if (any_open && !force)
		return NULL;

	/*
	 * The rule that keeps a transaction all or nothing across a crash, also
	 * with synchronous_commit = off (where the commit returns before its
	 * marker is durable, or even taken from the ring): a file keeps rows of
	 * a transaction as committed only if its commit marker is durable in
	 * the sidecar WAL when the file is written; otherwise the file stamps
	 * them (FateOf: running, or committed with its marker still in the
	 * ring) and the sidecar WAL says so durably, with kStampUnmarked when
	 * the marker was not yet taken from the ring.  Replay, finding such a
	 * stamp but no marker after it (Recover), knows the marker was lost and
	 * rewrites the files without those rows (DropUnmarkedFileRows), as it
	 * skips the transaction's batches: clog may say committed, the
	 * transaction is gone whole.  A transaction whose marker is durable is
	 * never dropped: replay finds its marker, or (checkpoint passed) no
	 * unmarked stamp of it; a synchronous commit has its marker durable
	 * before COMMIT returns.
	 * PREPARE TRANSACTION is refused for ztsdb writers (ingest_buffer.cpp).
	 *
	 * Markers already taken from the ring: make them durable here (one
	 * fdatasync per file) so that the file's committed rows have them.
	 * PostgreSQL's commit records too: a transaction that also wrote
	 * PostgreSQL WAL (a heap table) is replayed only if clog says it
	 * committed, so with synchronous_commit = off a sorted file would
	 * otherwise keep its rows while a crash takes back its heap rows and
	 * its sidecar WAL batches (TAP 017_async_heap).  (Flushing it can make a
	 * self-deciding transaction's commit record durable before its marker:
	 * harmless now, replay drops the file rows of a stamped transaction
	 * whose marker it lacks, and a sorted file never holds one.)  Stamped
	 * transactions also need clog after a crash.
	 */
	WalFlush();
	FlushPostgresWal();
	if (any_open)
	{
		unsorted_pending = true;

		/* the records of stamped transactions (WriterNoteRunningStamp) */
		WriterFlushStamps();
	}

	if (any_open)
		out_batches = static_cast<core::BatchEntry *>(
			palloc(sizeof(core::BatchEntry) * src.nbatches));
	for (uint32 b = 0; b < src.nbatches; b++)
	{
		uint32		start = src.batches[b].row_start;
		uint32		end = (b + 1 < src.nbatches) ? src.batches[b + 1].row_start : src.nrows;

		if (fates[b] == kFateDrop)
			continue;
		if (any_open && start < end)
		{
			out_batches[out_nbatches] = src.batches[b];
			out_batches[out_nbatches].row_start = nkeep;
			out_nbatches++;
		}
		for (uint32 r = start; r < end && r < src.nrows; r++)
			perm[nkeep++] = r;
	}
	/* rows of a sorted warm file carry no batch table: keep them all */
	if (src.nbatches == 0)
		for (uint32 r = 0; r < src.nrows; r++)
			perm[nkeep++] = r;
	if (nkeep == 0)
	{
		*empty = true;
		return NULL;
	}

	memset(filter_out, 0, sizeof(*filter_out));
	if (layout.series_col >= 0)
	{
		const void *sv = src.values[layout.series_col];
		const uint8 *sn = src.validity[layout.series_col];
		core::ColumnType stype = layout.types[layout.series_col];

		core::SeriesFilterInit(filter_out);
		for (uint32 i = 0; i < nkeep; i++)
			if (BitIsSet(sn, perm[i]))
				core::SeriesFilterAdd(filter_out, core::IntegerAt(stype, sv, perm[i]));
	}

	if (!any_open)
	{
		const void *sv = layout.series_col >= 0 ? src.values[layout.series_col] : NULL;
		const uint8 *sn = layout.series_col >= 0 ? src.validity[layout.series_col] : NULL;
		core::ColumnType stype = layout.series_col >= 0 ? layout.types[layout.series_col]
			: core::ColumnType::kInt8;
		auto		less = [&](uint32 a, uint32 b) noexcept {
			if (sv != NULL)
			{
				int64		sa = BitIsSet(sn, a) ? core::IntegerAt(stype, sv, a) : PG_INT64_MIN;
				int64		sb = BitIsSet(sn, b) ? core::IntegerAt(stype, sv, b) : PG_INT64_MIN;

				if (sa != sb)
					return sa < sb;
			}
			return ts[a] < ts[b];
		};

		if (src.nruns > 1 && nkeep == src.nrows)
		{
			/*
			 * Sorted runs, every row kept (perm is the identity): merge
			 * them through a heap of run heads, ties to the earlier run,
			 * as the stable sort would order them.
			 */
			uint32	   *next = static_cast<uint32 *>(palloc(sizeof(uint32) * src.nruns));
			uint32	   *heap = static_cast<uint32 *>(palloc(sizeof(uint32) * src.nruns));
			uint32		nheap = 0;
			auto		run_end = [&](uint32 run) {
				return run + 1 < src.nruns ? src.run_start[run + 1] : src.nrows;
			};
			auto		after = [&](uint32 x, uint32 y) {	/* heap order: x's head after y's */
				return less(next[y], next[x]) || (!less(next[x], next[y]) && x > y);
			};

			for (uint32 run = 0; run < src.nruns; run++)
			{
				next[run] = src.run_start[run];
				if (next[run] < run_end(run))
				{
					heap[nheap++] = run;
					std::push_heap(heap, heap + nheap, after);
				}
			}
			for (uint32 i = 0; nheap > 0; i++)
			{
				uint32		run;

				std::pop_heap(heap, heap + nheap, after);
				run = heap[nheap - 1];
				perm[i] = next[run]++;
				if (next[run] < run_end(run))
					std::push_heap(heap, heap + nheap, after);
				else
					nheap--;
			}
			pfree(next);
			pfree(heap);
		}
		else
			std::stable_sort(perm, perm + nkeep, less);
	}

	memset(&meta, 0, sizeof(meta));
	meta.chunk_id = chunk_id;
	meta.nrows = nkeep;
	meta.flags = any_open ? 0 : core::kChunkSorted;
	meta.tier = tier;
	meta.min_ts = PG_INT64_MAX;
	meta.max_ts = PG_INT64_MIN;
	for (uint16 c = 0; c < layout.ncols; c++)
	{
		Size		w = core::ColumnWidth(layout.types[c]);
		char	   *vals = static_cast<char *>(palloc_extended(Max(w * nkeep, 8), MCXT_ALLOC_HUGE));
		uint8	   *valid = static_cast<uint8 *>(palloc0(core::BitmapBytes(nkeep) + 8));
		const char *sv = static_cast<const char *>(src.values[c]);
		bool		any_null = false;

		for (uint32 i = 0; i < nkeep; i++)
		{
			uint32		r = perm[i];

			memcpy(vals + i * w, sv + (Size) r * w, w);
			if (BitIsSet(src.validity[c], r))
				valid[i >> 3] |= (uint8) (1 << (i & 7));
			else
				any_null = true;
		}
		cols[c].values = vals;
		cols[c].validity = any_null ? valid : nullptr;
	}
	for (uint32 i = 0; i < nkeep; i++)
	{
		int64		t = static_cast<const int64 *>(cols[layout.time_col].values)[i];

		meta.min_ts = Min(meta.min_ts, t);
		meta.max_ts = Max(meta.max_ts, t);
	}

	cap = core::MaxChunkFileSize(layout, nkeep, out_nbatches);
	buf = static_cast<uint8 *>(palloc_extended(cap, MCXT_ALLOC_HUGE));
	st = core::EncodeChunkFile(layout, meta, cols, out_batches, out_nbatches, buf, cap, file_len);
	if (st.code == core::StatusCode::kNoSpace && *file_len > cap)
	{
		/* cold files can need more than the warm bound: retry at their size */
		cap = *file_len;
		buf = static_cast<uint8 *>(repalloc_huge(buf, cap));
		st = core::EncodeChunkFile(layout, meta, cols, out_batches, out_nbatches, buf, cap,
								   file_len);
	}
	if (!st.ok())
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not encode ztsdb chunk " UINT64_FORMAT ": %s", chunk_id,
						st.message)));
	*meta_out = meta;
	return buf;
}

/* WriteFileDurably writes data to path via a temporary file, fsync and rename. */
static void
WriteFileDurably(const char *path, const uint8 *data, size_t len)
{
	char	   *tmp = psprintf("%s.tmp", path);
	int			fd;
	size_t		done = 0;

	if (guc_debug_fault == kFaultTierEnospc && strstr(path, "manifest") == NULL)
	{
		errno = ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", tmp),
				 errdetail("Injected by ztsdb.debug_fault.")));
	}
	fd = OpenTransientFile(tmp, O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);

	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", tmp)));
	while (done < len)
	{
		ssize_t		n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			int			save = errno;

			CloseTransientFile(fd);
			unlink(tmp);
			errno = n == 0 ? ENOSPC : save;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write file \"%s\": %m", tmp)));
		}
		done += n;
	}
	if (pg_fsync(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", tmp)));
	CloseTransientFile(fd);
	(void) durable_rename(tmp, path, ERROR);
}

static void
EnsureDir(const char *path)
{
	if (MakePGDirectory(path) < 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", path)));
}

static void
EnsureTableDir(const core::TableKey &key)
{
	EnsureDir("ztsdb");
	EnsureDir(psprintf("ztsdb/%u", key.db));
	EnsureDir(TableDir(key));
}

/* LoadOrInitManifest reads the manifest into growable arrays with spare room. */
static void
LoadOrInitManifest(const TableEntry *entry, Manifest *m, uint32 extra)
{
	Manifest	cur;

	if (ReadManifest(entry->key, &cur))
	{
		m->header = cur.header;
		m->chunks = static_cast<core::ManifestChunk *>(
			palloc(sizeof(core::ManifestChunk) * (cur.header.nchunks + extra + 1)));
		m->windows = static_cast<core::ManifestWindow *>(
			palloc(sizeof(core::ManifestWindow) * (cur.header.nwindows + extra + 1)));
		memcpy(m->chunks, cur.chunks, sizeof(core::ManifestChunk) * cur.header.nchunks);
		memcpy(m->windows, cur.windows, sizeof(core::ManifestWindow) * cur.header.nwindows);
	}
	else
	{
		memset(&m->header, 0, sizeof(m->header));
		m->header.layout = entry->layout;
		m->chunks = static_cast<core::ManifestChunk *>(
			palloc(sizeof(core::ManifestChunk) * (extra + 1)));
		m->windows = static_cast<core::ManifestWindow *>(
			palloc(sizeof(core::ManifestWindow) * (extra + 1)));
	}
	m->header.next_chunk_id = Max(m->header.next_chunk_id, entry->next_chunk_id);
}

/* PrepareManifest writes m to "manifest.new" durably; InstallManifest renames it. */
static void
PrepareManifest(const core::TableKey &key, const Manifest &m)
{
	size_t		cap = core::MaxManifestSize(m.header.nchunks, m.header.nwindows);
	uint8	   *buf = static_cast<uint8 *>(palloc(cap));
	size_t		len;
	core::Status st = core::EncodeManifest(m.header, m.chunks, m.windows, buf, cap, &len);

	if (!st.ok())
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not encode ztsdb manifest: %s", st.message)));
	WriteFileDurably(psprintf("%s.new", ManifestPath(key)), buf, len);
}

static void
InstallManifest(const core::TableKey &key)
{
	char	   *path = ManifestPath(key);

	(void) durable_rename(psprintf("%s.new", path), path, ERROR);
}

static uint64
ManifestBytes(const Manifest &m)
{
	uint64		total = 0;

	for (uint32 i = 0; i < m.header.nchunks; i++)
		total += m.chunks[i].file_bytes;
	return total;
}

void
UpdateApparentSize(const core::TableKey &key, uint64 bytes)
{
	RelFileNode rnode;
	char	   *base;
	const uint64 seg_bytes = (uint64) RELSEG_SIZE * BLCKSZ;
	int			fd;

	rnode.spcNode = key.spc;
	rnode.dbNode = key.db;
	rnode.relNode = key.rel;
	base = relpathperm(rnode, MAIN_FORKNUM);

	/*
	 * XXX: pg_relation_size() stats the main fork's segment files, and our
	 * data lives in files of our own.  Keep the (otherwise empty) main fork
	 * a sparse file whose apparent size is the bytes of the table's chunk
	 * files, cut into segments as md.c expects, so the size functions tell
	 * the truth without using disk.  Never create the main fork: if it is
	 * gone, the table is being dropped.
	 */
	fd = OpenTransientFile(base, O_RDWR | PG_BINARY);
	if (fd < 0)
		return;
	if (ftruncate(fd, (off_t) Min(bytes, seg_bytes)) != 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not set size of \"%s\": %m", base)));
	CloseTransientFile(fd);
	for (uint64 segno = 1;; segno++)
	{
		char	   *seg = psprintf("%s.%llu", base, (unsigned long long) segno);
		uint64		want = bytes > segno * seg_bytes ? Min(bytes - segno * seg_bytes, seg_bytes) : 0;

		if (want == 0)
		{
			if (unlink(seg) != 0)
				break;
			continue;
		}
		fd = OpenTransientFile(seg, O_RDWR | O_CREAT | PG_BINARY);
		if (fd < 0)
			break;
		if (ftruncate(fd, (off_t) want) != 0)
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not set size of \"%s\": %m", seg)));
		CloseTransientFile(fd);
	}
}

/*
 * A base backup that starts while a tier move runs may copy the manifest
 * the move installs but not the file it wrote (listed before it existed),
 * or the manifest it replaces but not a file it removes (copied after the
 * unlink).  So a move logs an image of its new file if a backup runs once
 * the file is written (one that starts later lists the file: it exists by
 * then), and keeps the files it replaces while a backup runs; they go when
 * the backup has ended (SweepOrphanDirs, from the writer) or at the next
 * start.  Seals log their images themselves (SealOne).
 */
static void
ImageIfBackup(const core::TableKey &key, uint64 chunk_id, uint8 tier, const uint8 *file,
			  size_t len)
{
	if (file != NULL && ShippingEnabled() && BaseBackupRunning())
		WalLogFileImage(key, chunk_id, tier, file, len);
}

static bool files_kept_for_backup = false;

static void
RemoveReplacedFile(const char *path)
{
	if (ShippingEnabled() && BaseBackupRunning())
	{
		files_kept_for_backup = true;
		return;
	}
	if (unlink(path) != 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
}

bool
FilesKeptForBackup(void)
{
	bool		kept = files_kept_for_backup;

	files_kept_for_backup = false;
	return kept;
}

/* DetachLocked unlinks hot chunk idx from its table; caller holds the table lock. */
static void
DetachLocked(TableEntry *entry, int idx)
{
	int		   *link = &entry->hot_head;

	while (*link >= 0 && *link != idx)
		link = &hot_chunks[*link].next;
	if (*link == idx)
		*link = hot_chunks[idx].next;
	hot_chunks[idx].next = -1;
	hot_chunks[idx].detached = true;
}

static void
HotSource(HotChunk *c, const core::ChunkLayout &layout, RowSource *src)
{
	char	   *data = HotChunkData((int) (c - hot_chunks));

	src->nrows = pg_atomic_read_u32(&c->nrows);
	src->nbatches = pg_atomic_read_u32(&c->nbatches);
	src->batches = reinterpret_cast<core::BatchEntry *>(data + c->batches_off);
	for (uint16 col = 0; col < layout.ncols; col++)
	{
		src->values[col] = data + c->values_off[col];
		src->validity[col] = reinterpret_cast<const uint8 *>(data + c->validity_off[col]);
	}
}

/* SetCoverage records in m that the window's rows up to (lsn, row) are sealed. */
static void
SetCoverage(Manifest *m, int64 window, uint64 lsn, uint32 row)
{
	for (uint32 i = 0; i < m->header.nwindows; i++)
		if (m->windows[i].window_start == window)
		{
			m->windows[i].cover_lsn = lsn;
			m->windows[i].cover_row = row;
			return;
		}
	m->windows[m->header.nwindows].window_start = window;
	m->windows[m->header.nwindows].cover_lsn = lsn;
	m->windows[m->header.nwindows].cover_row = row;
	m->windows[m->header.nwindows].reserved = 0;
	m->header.nwindows++;
}

/*
 * SealOne seals hot chunk idx of entry.  Returns false when it must wait for
 * open transactions (and !force).
 */
static bool
SealOne(TableEntry *entry, int idx, bool force)
{
	HotChunk   *c = &hot_chunks[idx];
	RowSource	src;
	size_t		len = 0;
	core::ChunkMeta meta;
	core::SeriesFilter filter;
	bool		empty;
	uint8	   *file;
	Manifest	m;
	uint64		raw = 0;

	HotSource(c, entry->layout, &src);
	file = BuildChunkFile(entry->layout, src, c->chunk_id, core::kTierWarm, force, &len,
						  &meta, &filter, &empty);
	if (file == NULL && !empty)
		return false;

	EnsureTableDir(entry->key);
	LoadOrInitManifest(entry, &m, 1);
	if (file != NULL)
	{
		WriteFileDurably(ChunkPath(entry->key, c->chunk_id, core::kTierWarm), file, len);
		CrashPoint(kFaultCrashSealFile);
		/* a base backup may copy the new manifest without this file (wal_rmgr.h) */
		if (ShippingEnabled() && BaseBackupRunning())
			WalLogFileImage(entry->key, c->chunk_id, core::kTierWarm, file, len);
		for (uint16 col = 0; col < entry->layout.ncols; col++)
			raw += core::ColumnWidth(entry->layout.types[col]) * (uint64) meta.nrows;
		m.chunks[m.header.nchunks].meta = meta;
		m.chunks[m.header.nchunks].file_bytes = len;
		m.chunks[m.header.nchunks].raw_bytes = raw;
		m.chunks[m.header.nchunks].filter = filter;
		m.header.nchunks++;
	}
	if (c->first_lsn != 0)
		SetCoverage(&m, c->window_start, c->cover_lsn, c->cover_row);
	PrepareManifest(entry->key, m);

	LWLockAcquire(&entry->lock, LW_EXCLUSIVE);
	InstallManifest(entry->key);
	CrashPoint(kFaultCrashSealManifest);
	DetachLocked(entry, idx);
	LWLockRelease(&entry->lock);

	UpdateApparentSize(entry->key, ManifestBytes(m));
	if (file != NULL)
	{
		StatAdd(kStatChunksWarm, 1);
		StatAdd(kStatBytesWarm, len);
	}
	StatAdd(kStatChunksSealed, 1);
	return true;
}

/* SealTableChunk seals chunk seal_chunk of table key (RunForTable's shape) */
static int	seal_chunk;
static bool seal_force;

static int
SealTableChunk(const core::TableKey &key, int64 arg)
{
	TableEntry *entry = LookupTable(key);

	(void) arg;
	return entry != NULL && SealOne(entry, seal_chunk, seal_force) ? 1 : 0;
}

int
SealChunks(const core::TableKey *key, bool sealall, bool force)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		interval = (int64) guc_chunk_time_interval_s * USECS_PER_SEC;
	int			sealed = 0;
	/* when forced without a key, seal the one least recently written chunk */
	int			oldest = -1;

	for (uint32 i = 0; i < storage_shared->nchunks; i++)
	{
		HotChunk   *c = &hot_chunks[i];
		bool		full;
		bool		closed;

		if (!c->in_use || c->detached)
			continue;
		if (key != NULL && memcmp(&c->table, key, sizeof(*key)) != 0)
			continue;
		full = pg_atomic_read_u32(&c->nrows) >= c->capacity_rows ||
			pg_atomic_read_u32(&c->nbatches) >= c->capacity_batches;
		closed = c->window_start + interval <= now &&
			TimestampDifferenceExceeds(c->last_append, now, guc_seal_idle_s * 1000);
		if (key == NULL && force && !sealall)
		{
			if (oldest < 0 || c->last_append < hot_chunks[oldest].last_append)
				oldest = (int) i;
			continue;
		}
		if (sealall || full || closed)
		{
			seal_chunk = (int) i;
			seal_force = force || full;
			sealed += RunForTable(SealTableChunk, c->table, 0);
		}
	}
	if (oldest >= 0)
	{
		seal_chunk = oldest;
		seal_force = true;
		sealed += RunForTable(SealTableChunk, hot_chunks[oldest].table, 0);
	}
	FreeUnpinnedChunks();
	return sealed;
}

/* WarmSource points src at the columns of an opened warm file. */
static void
WarmSource(const core::ChunkReader &reader, RowSource *src, const char *path)
{
	src->nrows = reader.meta.nrows;
	src->nbatches = reader.nbatches;
	src->batches = static_cast<core::BatchEntry *>(
		palloc(sizeof(core::BatchEntry) * Max(reader.nbatches, 1)));
	for (uint32 b = 0; b < reader.nbatches; b++)
		core::GetBatch(reader, b, &src->batches[b]);
	for (uint16 col = 0; col < reader.layout.ncols; col++)
	{
		core::Status st = core::WarmColumn(reader, col, &src->values[col], &src->validity[col]);

		if (!st.ok())
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", path, st.message)));
	}
}

static void
OpenChunkOrError(const uint8 *data, size_t len, const char *path, core::ChunkReader *reader)
{
	core::Status st = core::OpenChunkFile(data, len, reader);

	if (!st.ok())
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", path, st.message)));
}

/* StampsReplayDrop tells whether src has rows of a transaction in replay_drops. */
static bool
StampsReplayDrop(const RowSource &src)
{
	for (uint32 b = 0; b < src.nbatches; b++)
	{
		uint64		k = SidecarKey(src.batches[b].xid, src.batches[b].reserved);

		if (bsearch(&k, replay_drops, nreplay_drops, sizeof(uint64), CompareSidecarKeys) != NULL)
			return true;
	}
	return false;
}

/*
 * ResortWarm rewrites one of a table's unsorted warm files (a forced seal
 * stamped rows of running transactions), once their transactions have
 * ended, as a sorted warm file without a batch table under a new chunk id.
 * The move is a new file, then the manifest swap, then the old file's
 * removal: a crash leaves each row once.  A crash between the steps leaves
 * a file the manifest does not list; the writer removes such files when it
 * starts (SweepStrayFiles).
 *
 * With dropping (DropUnmarkedFileRows, at the end of replay) it rewrites
 * only a file stamping rows of replay_drops, forced: the new file keeps a
 * batch table only if another transaction it stamps is still open to the
 * horizon.
 */
static int
ResortWarm(const core::TableKey &key, bool dropping)
{
	Manifest	m;
	TableEntry *entry;

	if (!ReadManifest(key, &m))
		return 0;
	entry = EnsureTable(key, m.header.layout);
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		core::ManifestChunk *mc = &m.chunks[i];
		char	   *warm_path;
		uint8	   *data;
		size_t		len;
		core::ChunkReader reader;
		RowSource	src;
		size_t		out_len = 0;
		core::ChunkMeta meta;
		core::SeriesFilter filter;
		bool		empty;
		uint8	   *file;
		Manifest	next;
		uint64		new_id;
		TransactionId blocking = InvalidTransactionId;
		ResortBlock *blk;

		if (mc->meta.tier != core::kTierWarm || (mc->meta.flags & core::kChunkSorted) != 0)
			continue;
		blk = dropping ? NULL : FindResortBlock(key, mc->meta.chunk_id);
		if (blk != NULL)
		{
			if (!TransactionIdPrecedes(blk->xid, GetOldestNonRemovableTransactionId(NULL)))
			{
				unsorted_pending = true;
				continue;		/* still kept: not worth reading yet */
			}
			blk->xid = InvalidTransactionId;
		}
		warm_path = ChunkPath(key, mc->meta.chunk_id, core::kTierWarm);
		data = ReadWholeFile(warm_path, &len);
		if (data == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb chunk file \"%s\" listed in the manifest is missing",
							warm_path)));
		OpenChunkOrError(data, len, warm_path, &reader);
		WarmSource(reader, &src, warm_path);
		if (dropping && !StampsReplayDrop(src))
		{
			pfree(data);
			continue;
		}
		new_id = Max(entry->next_chunk_id, m.header.next_chunk_id);
		entry->next_chunk_id = new_id + 1;
		file = BuildChunkFile(m.header.layout, src, new_id, core::kTierWarm, dropping,
							  &out_len, &meta, &filter, &empty, &blocking);
		if (file == NULL && !empty)
		{
			unsorted_pending = true;
			NoteResortBlock(key, mc->meta.chunk_id, blocking);
			pfree(data);
			continue;			/* open transactions: try again later */
		}
		if (file != NULL)
			WriteFileDurably(ChunkPath(key, new_id, core::kTierWarm), file, out_len);
		ImageIfBackup(key, new_id, core::kTierWarm, file, out_len);
		CrashPoint(kFaultCrashMoveFile);

		/* swap the entry in a fresh copy of the manifest */
		LoadOrInitManifest(entry, &next, 0);
		for (uint32 j = 0; j < next.header.nchunks; j++)
		{
			if (next.chunks[j].meta.chunk_id != mc->meta.chunk_id)
				continue;
			if (file != NULL)
			{
				next.chunks[j].meta = meta;
				next.chunks[j].file_bytes = out_len;
				next.chunks[j].raw_bytes = next.chunks[j].raw_bytes / Max(mc->meta.nrows, 1) * meta.nrows;
				next.chunks[j].filter = filter;
			}
			else
			{
				next.chunks[j] = next.chunks[next.header.nchunks - 1];
				next.header.nchunks--;
			}
			break;
		}
		PrepareManifest(key, next);
		LWLockAcquire(&entry->lock, LW_EXCLUSIVE);
		InstallManifest(key);
		LWLockRelease(&entry->lock);
		CrashPoint(kFaultCrashMoveManifest);
		RemoveReplacedFile(warm_path);
		UpdateApparentSize(key, ManifestBytes(next));
		StatAdd(kStatChunksWarm, (uint64) -1);
		StatAdd(kStatBytesWarm, (uint64) -(int64) mc->file_bytes);
		if (file != NULL)
		{
			StatAdd(kStatChunksWarm, 1);
			StatAdd(kStatBytesWarm, out_len);
		}

		/*
		 * One file per call: the writer re-sorts between turns, and commits
		 * wait while it does (a bench run after bulk loads lost two thirds
		 * of its single-row commits to a long re-sort).
		 */
		unsorted_pending = true;
		return 1;
	}
	return 0;
}

int
RunForTable(int (*fn) (const core::TableKey &key, int64 arg), const core::TableKey &key, int64 arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile int result = 0;

	if (TableIsBroken(key))
		return 0;
	PG_TRY();
	{
		result = fn(key, arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_DATA_CORRUPTED ||
			!MarkTableBroken(key, edata->message))
		{
			FreeErrorData(edata);
			PG_RE_THROW();
		}
		FlushErrorState();
		/* what the failed step held (no caller of ours holds a lock) */
		LWLockReleaseAll();
		ereport(LOG,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb writer gives up table %u/%u until the server restarts: %s",
						key.db, key.rel, edata->message),
				 errdetail("Its queries and inserts fail; the sidecar WAL keeps its rows.")));
		FreeErrorData(edata);
		result = 0;
	}
	PG_END_TRY();
	return result;
}

int
ForEachTableDir(int (*fn) (const core::TableKey &key, int64 arg), int64 arg)
{
	DIR		   *top = AllocateDir("ztsdb");
	struct dirent *de;
	int			total = 0;

	if (top == NULL)
		return 0;
	while ((de = ReadDirExtended(top, "ztsdb", LOG)) != NULL)
	{
		char	   *dbdir;
		DIR		   *dir;
		struct dirent *te;
		uint32		db;

		if (sscanf(de->d_name, "%u", &db) != 1)
			continue;
		dbdir = psprintf("ztsdb/%s", de->d_name);
		dir = AllocateDir(dbdir);
		while (dir != NULL && (te = ReadDirExtended(dir, dbdir, LOG)) != NULL)
		{
			core::TableKey key;

			if (!ParseTableDirName(db, te->d_name, &key))
				continue;
			total += RunForTable(fn, key, arg);
		}
		if (dir != NULL)
			FreeDir(dir);
	}
	FreeDir(top);
	return total;
}

/* State of StampedFileReferences across ForEachTableDir. */
struct StampScan
{
	uint32		oldest;
	uint64	   *keys;
	int			nkeys;
	int			cap;
};

static StampScan stamp_scan;

static int
ScanTableStamps(const core::TableKey &key, int64 arg)
{
	Manifest	m;
	uint32		cur = CurrentGeneration();

	(void) arg;
	if (!ReadManifest(key, &m))
		return 0;
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		const core::ManifestChunk *mc = &m.chunks[i];
		char	   *path;
		uint8	   *data;
		size_t		len;
		core::ChunkReader reader;

		if (mc->meta.tier != core::kTierWarm || (mc->meta.flags & core::kChunkSorted) != 0)
			continue;
		path = ChunkPath(key, mc->meta.chunk_id, core::kTierWarm);
		data = ReadWholeFile(path, &len);
		if (data == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb chunk file \"%s\" listed in the manifest is missing", path)));
		OpenChunkOrError(data, len, path, &reader);
		for (uint32 b = 0; b < reader.nbatches; b++)
		{
			core::BatchEntry be;

			core::GetBatch(reader, b, &be);
			stamp_scan.oldest = Min(stamp_scan.oldest, be.reserved);
			if (be.reserved < cur && SidecarCommitted(be.xid, be.reserved))
			{
				if (stamp_scan.nkeys == stamp_scan.cap)
				{
					stamp_scan.cap = Max(64, stamp_scan.cap * 2);
					stamp_scan.keys = static_cast<uint64 *>(
						stamp_scan.keys == NULL ? palloc(sizeof(uint64) * stamp_scan.cap)
						: repalloc(stamp_scan.keys, sizeof(uint64) * stamp_scan.cap));
				}
				stamp_scan.keys[stamp_scan.nkeys++] = SidecarKey(be.xid, be.reserved);
			}
		}
		pfree(data);
		pfree(path);
	}
	return 0;
}

/*
 * StampedFileReferences reads the batch tables of every unsorted warm file
 * (the only chunk files that stamp xids) and returns the oldest generation
 * they name (CurrentGeneration() when none), with the sidecar commits they
 * need in *keys (sorted, palloc'd in the current context).  Writer only;
 * may ereport (a missing or corrupt file, named).
 */
uint32
StampedFileReferences(uint64 **keys, int *nkeys)
{
	memset(&stamp_scan, 0, sizeof(stamp_scan));
	stamp_scan.oldest = CurrentGeneration();
	(void) ForEachTableDir(ScanTableStamps, 0);
	if (stamp_scan.nkeys > 1)
		qsort(stamp_scan.keys, stamp_scan.nkeys, sizeof(uint64), CompareSidecarKeys);
	*keys = stamp_scan.keys;
	*nkeys = stamp_scan.nkeys;
	return stamp_scan.oldest;
}


/*
 * SweepOrphan removes the directory of a table whose storage PostgreSQL no
 * longer has (a DROP DATABASE, or a drop whose removal a crash cut short).
 * Writer start only, when no transaction can be creating tables.
 */
/*
 * SweepStrayFiles removes chunk files of a live table that its manifest
 * does not list: left by a crash inside a tier move (a new file the
 * manifest never named, or an old one it no longer names) and temporary
 * files.  Their rows are elsewhere: in the WAL, the listed file, or both.
 */
static int
SweepStrayFiles(const core::TableKey &key)
{
	Manifest	m;
	bool		have = ReadManifest(key, &m);
	char	   *dir = TableDir(key);
	DIR		   *d = AllocateDir(dir);
	struct dirent *de;
	int			removed = 0;

	while ((de = ReadDir(d, dir)) != NULL)
	{
		unsigned long long id;
		char		tier[8];
		char		extra;
		int			n = sscanf(de->d_name, "%llu.%7[a-z]%c", &id, tier, &extra);
		size_t		len = strlen(de->d_name);
		bool		is_tmp = len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0 &&
			strcmp(de->d_name, "manifest.tmp") != 0;
		uint8		t = 0;
		bool		listed = false;

		if (n == 2 && strcmp(tier, "warm") == 0)
			t = core::kTierWarm;
		else if (n == 2 && strcmp(tier, "cold") == 0)
			t = core::kTierCold;
		if (t == 0 && !is_tmp)
			continue;
		for (uint32 i = 0; t != 0 && have && i < m.header.nchunks; i++)
			if (m.chunks[i].meta.chunk_id == id && m.chunks[i].meta.tier == t)
				listed = true;
		if (listed)
			continue;
		if (unlink(psprintf("%s/%s", dir, de->d_name)) == 0)
		{
			ereport(LOG, (errmsg("ztsdb: removed \"%s/%s\", which the manifest does not list",
								 dir, de->d_name)));
			removed++;
		}
	}
	FreeDir(d);
	return removed;
}

static int
SweepOrphan(const core::TableKey &key, int64 arg)
{
	RelFileNode rnode;
	struct stat st;
	char	   *base;
	char	   *dir = TableDir(key);

	(void) arg;
	rnode.spcNode = key.spc;
	rnode.dbNode = key.db;
	rnode.relNode = key.rel;
	/*
	 * The init fork counts too: recovery removes the main fork of a table
	 * that has one and only recreates it when recovery ends, so a standby's
	 * tables have none while they are followed.
	 */
	base = relpathperm(rnode, MAIN_FORKNUM);
	if (stat(base, &st) == 0)
		return SweepStrayFiles(key);
	if (errno != ENOENT)
		return 0;
	if (stat(relpathperm(rnode, INIT_FORKNUM), &st) == 0 || errno != ENOENT)
		return SweepStrayFiles(key);
	if (!rmtree(dir, true))
		return 0;
	ereport(LOG, (errmsg("ztsdb: removed \"%s\", whose table no longer exists", dir)));
	/* the database's directory goes too once it is empty */
	(void) rmdir(psprintf("ztsdb/%u", key.db));
	return 1;
}

int
SweepOrphanDirs(void)
{
	return ForEachTableDir(SweepOrphan, 0);
}

/*
 * Merging at compress time.  A warm file holds what one hot chunk held
 * (ztsdb.hot_chunk_size), often a few hundred rows per series; a cold file
 * cut from it alone would pay a block's directory and codec headers (over
 * 100 bytes) for every few hundred rows.  So compress merges the sorted warm
 * files of one time window (chunk_time_interval) into one cold file, up to
 * kMergeRawBytes of plain column bytes, whose blocks then hold up to
 * kColdBlockRows rows of a series.  Unsorted warm files (stamped rows) are
 * compressed alone once their transactions allow (RewriteWarm).
 */
constexpr uint64 kMergeRawBytes = 64 * 1024 * 1024;

/*
 * CompressQualifies says whether warm chunk mc is due for compression: its
 * newest row is older than older_than or, for the tiering policy
 * (whole_windows), its whole window is, so that the files of a window are
 * compressed together.
 */
static bool
CompressQualifies(const core::ManifestChunk &mc, int64 older_than, bool whole_windows)
{
	if (mc.meta.tier != core::kTierWarm)
		return false;
	if (older_than == PG_INT64_MAX)
		return true;
	if (whole_windows)
	{
		int64		interval = (int64) guc_chunk_time_interval_s * USECS_PER_SEC;

		/* the window of its newest row has ended before older_than */
		return mc.meta.max_ts < older_than && older_than - interval >= WindowOf(mc.meta.max_ts);
	}
	return mc.meta.max_ts < older_than;
}

/* AppendBits copies n validity bits (NULL src: all set) to dst at bit offset at. */
static void
AppendBits(uint8 *dst, uint64 at, const uint8 *src, uint32 n)
{
	for (uint32 i = 0; i < n; i++)
	{
		uint64		d = at + i;

		if (src == NULL || ((src[i >> 3] >> (i & 7)) & 1))
			dst[d >> 3] |= (uint8) (1 << (d & 7));
	}
}

/*
 * MergeGroup writes the warm chunks group[0..n) of one window as one file
 * of tier out (cold: compression; warm: MergeWarmTable) under a new chunk
 * id, swaps them for it in the manifest and removes their files.  Returns
 * n (chunks moved), or 0 while rows of open transactions keep it waiting
 * (or, rows all aborted, removes them).
 */
static int
MergeGroup(const core::TableKey &key, TableEntry *entry, const Manifest &m,
		   const uint32 *group, int n, uint8 out)
{
	const core::ChunkLayout &layout = m.header.layout;
	RowSource	src;
	uint64		total = 0;
	uint64		raw = 0;
	uint64		old_bytes = 0;
	bool		nulls[core::kMaxColumns];
	uint32		at = 0;
	uint64		new_id;
	uint8	   *file;
	size_t		out_len = 0;
	core::ChunkMeta meta;
	core::SeriesFilter filter;
	bool		empty;
	Manifest	next;
	uint32		kept = 0;
	uint32		batch_cap = (uint32) n;
	uint32	   *run_start;
	bool		all_sorted = true;

	src = RowSource();
	memset(nulls, 0, sizeof(nulls));
	for (int g = 0; g < n; g++)
	{
		total += m.chunks[group[g]].meta.nrows;
		raw += m.chunks[group[g]].raw_bytes;
		old_bytes += m.chunks[group[g]].file_bytes;
	}
	for (uint16 c = 0; c < layout.ncols; c++)
		src.values[c] = palloc(core::ColumnWidth(layout.types[c]) * Max(total, 1));
	src.batches = static_cast<core::BatchEntry *>(palloc(sizeof(core::BatchEntry) * n));
	run_start = static_cast<uint32 *>(palloc(sizeof(uint32) * n));

	for (int g = 0; g < n; g++)
	{
		const core::ManifestChunk *mc = &m.chunks[group[g]];
		char	   *path = ChunkPath(key, mc->meta.chunk_id, core::kTierWarm);
		size_t		len;
		uint8	   *data = ReadWholeFile(path, &len);
		core::ChunkReader reader;

		if (data == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb chunk file \"%s\" listed in the manifest is missing", path)));
		OpenChunkOrError(data, len, path, &reader);
		if (at + reader.meta.nrows > total)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb chunk file \"%s\" does not match its manifest entry", path)));
		if (src.nbatches + Max(reader.nbatches, 1) > batch_cap)
		{
			batch_cap = Max(batch_cap * 2, src.nbatches + Max(reader.nbatches, 1));
			src.batches = static_cast<core::BatchEntry *>(
				repalloc(src.batches, sizeof(core::BatchEntry) * batch_cap));
		}
		/* rows of a sorted file are visible to all: one frozen batch */
		all_sorted &= reader.nbatches == 0;
		run_start[g] = at;
		if (reader.nbatches == 0)
		{
			core::BatchEntry *b = &src.batches[src.nbatches++];

			memset(b, 0, sizeof(*b));
			b->row_start = at;
			b->xid = FrozenTransactionId;
			b->cid = FirstCommandId;
			b->reserved = CurrentGeneration();
		}
		for (uint32 k = 0; k < reader.nbatches; k++)
		{
			core::BatchEntry *b = &src.batches[src.nbatches++];

			core::GetBatch(reader, k, b);
			b->row_start += at;
		}
		for (uint16 c = 0; c < layout.ncols; c++)
		{
			const void *values;
			const uint8 *validity;
			Size		w = core::ColumnWidth(layout.types[c]);
			core::Status st = core::WarmColumn(reader, c, &values, &validity);

			if (!st.ok())
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", path, st.message)));
			memcpy(static_cast<char *>(const_cast<void *>(src.values[c])) + (Size) at * w, values,
				   (Size) reader.meta.nrows * w);
			if (validity != NULL && !nulls[c])
			{
				/* the first NULLs of this column: every row before was valid */
				uint8	   *bits = static_cast<uint8 *>(palloc0(core::BitmapBytes(total)));

				AppendBits(bits, 0, NULL, at);
				src.validity[c] = bits;
				nulls[c] = true;
			}
			if (nulls[c])
				AppendBits(const_cast<uint8 *>(src.validity[c]), at, validity, reader.meta.nrows);
		}
		at += reader.meta.nrows;
		pfree(data);
		pfree(path);
		CHECK_FOR_INTERRUPTS();
	}
	src.nrows = at;
	if (all_sorted)
	{
		src.nruns = (uint32) n;
		src.run_start = run_start;
	}

	new_id = Max(entry->next_chunk_id, m.header.next_chunk_id);
	file = BuildChunkFile(layout, src, new_id, out, false, &out_len, &meta, &filter, &empty);
	if (file == NULL && !empty)
		return 0;				/* rows of open transactions: try again later */
	entry->next_chunk_id = new_id + 1;
	raw = total > 0 ? raw / total * meta.nrows : 0;	/* aborted rows are gone */
	if (file != NULL)
		WriteFileDurably(ChunkPath(key, new_id, out), file, out_len);
	ImageIfBackup(key, new_id, out, file, out_len);
	CrashPoint(kFaultCrashMoveFile);

	/* swap the entries in a fresh copy of the manifest */
	LoadOrInitManifest(entry, &next, 1);
	next.header.next_chunk_id = Max(next.header.next_chunk_id, new_id + 1);
	for (uint32 j = 0; j < next.header.nchunks; j++)
	{
		bool		merged = false;

		for (int g = 0; g < n; g++)
			merged |= next.chunks[j].meta.chunk_id == m.chunks[group[g]].meta.chunk_id;
		if (!merged)
			next.chunks[kept++] = next.chunks[j];
	}
	next.header.nchunks = kept;
	if (file != NULL)
	{
		next.chunks[kept].meta = meta;
		next.chunks[kept].file_bytes = out_len;
		next.chunks[kept].raw_bytes = raw;
		next.chunks[kept].filter = filter;
		next.header.nchunks++;
	}
	PrepareManifest(key, next);
	LWLockAcquire(&entry->lock, LW_EXCLUSIVE);
	InstallManifest(key);
	LWLockRelease(&entry->lock);
	CrashPoint(kFaultCrashMoveManifest);
	for (int g = 0; g < n; g++)
		RemoveReplacedFile(ChunkPath(key, m.chunks[group[g]].meta.chunk_id, core::kTierWarm));
	UpdateApparentSize(key, ManifestBytes(next));
	StatAdd(kStatChunksWarm, (uint64) -(int64) n);
	StatAdd(kStatBytesWarm, (uint64) -(int64) old_bytes);
	if (file != NULL)
	{
		StatAdd(out == core::kTierCold ? kStatChunksCold : kStatChunksWarm, 1);
		StatAdd(out == core::kTierCold ? kStatBytesCold : kStatBytesWarm, out_len);
	}
	StatAdd(out == core::kTierCold ? kStatChunksCompressed : kStatWarmChunksMerged, n);
	return n;
}

/* merges MergeWarm may still start in this pass (-1: no limit) */
static int	merge_budget = -1;
static bool compress_more = false;

/*
 * TimeOrderedCut sorts the candidate files cand[0..n) of one window by their
 * first row and keeps the leading ones up to kMergeRawBytes (at least one);
 * returns how many.  So the files a window ends as cover consecutive
 * stretches of time and a query for an hour opens one of them.  Cut in
 * manifest order (merged files come last) with whatever still fitted, a
 * 5M-row day of 100,000 series became two cold files both spanning the day,
 * and every one-hour query decoded blocks of both.
 */
static int
TimeOrderedCut(const Manifest &m, uint32 *cand, int n)
{
	uint64		raw = 0;
	int			k = 0;

	std::sort(cand, cand + n, [&m](uint32 a, uint32 b) {
		const core::ChunkMeta &x = m.chunks[a].meta;
		const core::ChunkMeta &y = m.chunks[b].meta;

		if (x.min_ts != y.min_ts)
			return x.min_ts < y.min_ts;
		return x.chunk_id < y.chunk_id;
	});
	while (k < n && (k == 0 || raw + m.chunks[cand[k]].raw_bytes <= kMergeRawBytes))
		raw += m.chunks[cand[k++]].raw_bytes;
	return k;
}

/*
 * MergeWarm compresses, window by window, the due warm chunks of a table,
 * each group into one cold file (see above).  A group waits while any of
 * its rows belong to open transactions (unsorted files).
 */
static int
MergeWarm(const core::TableKey &key, int64 older_than, bool whole_windows)
{
	Manifest	m;
	TableEntry *entry;
	bool	   *taken;
	uint32	   *group;
	int			moved = 0;

	if (!ReadManifest(key, &m) || m.header.nchunks == 0)
		return 0;
	entry = EnsureTable(key, m.header.layout);
	taken = static_cast<bool *>(palloc0(sizeof(bool) * m.header.nchunks));
	group = static_cast<uint32 *>(palloc(sizeof(uint32) * m.header.nchunks));
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		const core::ManifestChunk &first = m.chunks[i];
		int64		window = WindowOf(first.meta.min_ts);
		int			n = 0;

		if (taken[i] || !CompressQualifies(first, older_than, whole_windows))
			continue;
		if (merge_budget == 0)
		{
			compress_more = true;	/* the next pass goes on (CompressMore) */
			break;
		}
		if (merge_budget > 0)
			merge_budget--;
		/* the window's due files; the rest of them start a later group */
		for (uint32 j = i; j < m.header.nchunks; j++)
		{
			const core::ManifestChunk &mc = m.chunks[j];

			if (!taken[j] && CompressQualifies(mc, older_than, whole_windows) &&
				WindowOf(mc.meta.min_ts) == window)
				group[n++] = j;
		}
		n = TimeOrderedCut(m, group, n);
		for (int g = 0; g < n; g++)
			taken[group[g]] = true;
		moved += MergeGroup(key, entry, m, group, n, core::kTierCold);
		if (!taken[i])
			i--;				/* a later stretch of its window: chunk i again */
	}
	return moved;
}

static int
CompressTable(const core::TableKey &key, int64 older_than)
{
	return MergeWarm(key, older_than, false);
}

/* CompressTableByWindow is the tiering policy's CompressTable: whole windows only. */
static int
CompressTableByWindow(const core::TableKey &key, int64 older_than)
{
	return MergeWarm(key, older_than, true);
}

static int
ResortTable(const core::TableKey &key, int64 arg)
{
	(void) arg;
	/* one file per writer turn in all (see RewriteWarm) */
	if (resorted_this_pass)
	{
		unsorted_pending = true;
		return 0;
	}
	if (ResortWarm(key, false) == 0)
		return 0;
	resorted_this_pass = true;
	return 1;
}

/* DropUnmarkedInTable rewrites every file of a table that stamps rows of replay_drops. */
static int
DropUnmarkedInTable(const core::TableKey &key, int64 arg)
{
	int			n = 0;

	(void) arg;
	while (ResortWarm(key, true) > 0)
		n++;
	return n;
}

int
DropUnmarkedFileRows(const uint64 *keys, int nkeys)
{
	volatile int files = 0;

	replay_drops = keys;
	nreplay_drops = nkeys;
	PG_TRY();
	{
		files = ForEachTableDir(DropUnmarkedInTable, 0);
	}
	PG_FINALLY();
	{
		replay_drops = NULL;
		nreplay_drops = 0;
	}
	PG_END_TRY();
	return files;
}

int
CompressChunks(const core::TableKey *key, int64 older_than)
{
	int			moved;

	if (key != NULL)
		return CompressTable(*key, older_than);

	/*
	 * The policy merges one window per pass: a backlog of due windows
	 * (cold_after lowered, a long outage) must not keep the writer from
	 * the ring for minutes; CompressMore tells it to come back soon.
	 */
	merge_budget = 1;
	moved = ForEachTableDir(CompressTableByWindow, older_than);
	merge_budget = -1;
	return moved;
}

/*
 * Merging warm files.  Each seal makes one warm file of a hot chunk's rows
 * (ztsdb.hot_chunk_size), and with many series a window gets many of them
 * (100,000 series, 5M rows, 1 MB chunks: about 150), each holding a few
 * rows of most series: a query for one series then searches every one.
 * So the tiering merges the sorted warm files of a window into larger
 * sorted warm files.  While rows still arrive in the window (a hot chunk
 * of it is left), kWarmFanIn small files (less than four hot chunks'
 * bytes: one seal's) become one: a merge of a few megabytes, which the
 * writer does between drains of the ring as it does a seal.  Once the
 * window is settled, all its files are merged, up to
 * kMergeRawBytes each; a merge that large would hold up commits for a
 * second or more while rows arrive.  So each row is rewritten at most
 * twice before compression takes the window.  Unsorted files wait for
 * RewriteWarm.  One merge per pass, as for compression, so the writer
 * returns to the ring soon.
 */
constexpr int kWarmFanIn = 8;
constexpr int kWarmBacklog = 8 * kWarmFanIn;	/* merged even while the writer is busy */

/* SmallWarmFile says whether a warm file holds about one seal's rows. */
static bool
SmallWarmFile(uint64 raw)
{
	return raw < (uint64) guc_hot_chunk_kb * 1024 * 4;
}

static bool merge_warm_more = false;

/* MergeCandidate says whether warm chunk mc may be merged with others. */
static bool
MergeCandidate(const core::ManifestChunk &mc)
{
	return mc.meta.tier == core::kTierWarm && (mc.meta.flags & core::kChunkSorted) &&
		mc.raw_bytes * 2 <= kMergeRawBytes;
}

static int
MergeWarmTable(const core::TableKey &key, int64 arg)
{
	Manifest	m;
	TableEntry *entry;
	int64		open_windows[64];
	const int	kMaxOpen = (int) lengthof(open_windows);
	int			nopen = 0;
	bool	   *taken;
	uint32	   *group;

	if (merge_budget == 0)
	{
		merge_warm_more = arg == 0;
		return 0;
	}
	if (!ReadManifest(key, &m) || m.header.nchunks < 2)
		return 0;
	entry = EnsureTable(key, m.header.layout);
	/* the windows rows still arrive in (a hot chunk of theirs is left) */
	LWLockAcquire(&entry->lock, LW_SHARED);
	for (int h = entry->hot_head; h >= 0 && nopen < kMaxOpen; h = hot_chunks[h].next)
		open_windows[nopen++] = hot_chunks[h].window_start;
	LWLockRelease(&entry->lock);
	taken = static_cast<bool *>(palloc0(sizeof(bool) * m.header.nchunks));
	group = static_cast<uint32 *>(palloc(sizeof(uint32) * m.header.nchunks));
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		int64		window = WindowOf(m.chunks[i].meta.min_ts);
		bool		settled = nopen < kMaxOpen;
		int			n = 0;

		if (taken[i] || !MergeCandidate(m.chunks[i]))
			continue;
		for (int h = 0; h < nopen; h++)
			settled &= open_windows[h] != window;
		if (!settled && !SmallWarmFile(m.chunks[i].raw_bytes))
			continue;			/* larger merges wait until the window is settled */
		/*
		 * The window's small files; once no hot chunk of the window is
		 * left, all its files: a window that rows no longer arrive in ends
		 * as few files as kMergeRawBytes allows.
		 */
		for (uint32 j = i; j < m.header.nchunks; j++)
		{
			const core::ManifestChunk &mc = m.chunks[j];

			if (taken[j] || !MergeCandidate(mc) || WindowOf(mc.meta.min_ts) != window ||
				(!settled && !SmallWarmFile(mc.raw_bytes)))
				continue;
			taken[j] = true;
			group[n++] = j;
		}
		/*
		 * A busy writer merges only a backlog; merges of a window that
		 * still takes rows stay small (kWarmFanIn files, the oldest).
		 * Candidates are at most half kMergeRawBytes: the cut keeps two.
		 */
		if (n < (arg != 0 ? kWarmBacklog : settled ? 2 : kWarmFanIn))
			continue;
		n = TimeOrderedCut(m, group, n);
		if (arg != 0 || !settled)
			n = Min(n, kWarmFanIn);
		if (merge_budget > 0)
			merge_budget--;
		/* the next pass looks again: at once, or in a second while busy */
		merge_warm_more = arg == 0;
		return MergeGroup(key, entry, m, group, n, core::kTierWarm);
	}
	return 0;
}

int
MergeWarmChunks(bool busy)
{
	int			moved;

	merge_budget = 1;
	moved = ForEachTableDir(MergeWarmTable, busy ? 1 : 0);
	merge_budget = -1;
	return moved;
}

bool
MergeWarmMore(void)
{
	bool		more = merge_warm_more;

	merge_warm_more = false;
	return more;
}

bool
CompressMore(void)
{
	bool		more = compress_more;

	compress_more = false;
	return more;
}

int
ResortChunks(void)
{
	if (!unsorted_pending)
		return 0;
	unsorted_pending = false;
	resorted_this_pass = false;
	return ForEachTableDir(ResortTable, 0);
}

int
DropChunks(const core::TableKey &key, int64 older_than)
{
	TableEntry *entry = LookupTable(key);
	Manifest	m;
	int			dropped = 0;
	bool		have = ReadManifest(key, &m);
	uint32		keep = 0;
	char	  **doomed = NULL;
	int			ndoomed = 0;

	if (have && entry == NULL)
		entry = EnsureTable(key, m.header.layout);
	if (entry == NULL)
		return 0;

	/* hot chunks entirely older than the cutoff: mark their rows sealed-away */
	if (!have)
		LoadOrInitManifest(entry, &m, 0);
	else
	{
		Manifest	grown;

		LoadOrInitManifest(entry, &grown, storage_shared->nchunks);
		m = grown;
	}
	doomed = static_cast<char **>(palloc(sizeof(char *) * (m.header.nchunks + 1)));
	for (uint32 i = 0; i < m.header.nchunks; i++)
	{
		if (m.chunks[i].meta.max_ts < older_than)
		{
			doomed[ndoomed++] = ChunkPath(key, m.chunks[i].meta.chunk_id, m.chunks[i].meta.tier);
			StatAdd(m.chunks[i].meta.tier == core::kTierCold ? kStatChunksCold : kStatChunksWarm,
					(uint64) -1);
			StatAdd(m.chunks[i].meta.tier == core::kTierCold ? kStatBytesCold : kStatBytesWarm,
					(uint64) -(int64) m.chunks[i].file_bytes);
			dropped++;
			continue;
		}
		m.chunks[keep++] = m.chunks[i];
	}
	m.header.nchunks = keep;

	{
		int			hot_doomed[64];
		int			nhot = 0;

		for (int i = entry->hot_head; i >= 0 && nhot < 64; i = hot_chunks[i].next)
		{
			HotChunk   *c = &hot_chunks[i];

			if (pg_atomic_read_u32(&c->nrows) > 0 && c->max_ts < older_than)
			{
				if (c->first_lsn != 0)
					SetCoverage(&m, c->window_start, c->cover_lsn, c->cover_row);
				hot_doomed[nhot++] = i;
			}
		}
		if (dropped == 0 && nhot == 0)
			return 0;
		EnsureTableDir(key);
		PrepareManifest(key, m);
		CrashPoint(kFaultCrashDropPrepared);
		LWLockAcquire(&entry->lock, LW_EXCLUSIVE);
		InstallManifest(key);
		for (int i = 0; i < nhot; i++)
			DetachLocked(entry, hot_doomed[i]);
		LWLockRelease(&entry->lock);
		CrashPoint(kFaultCrashDropInstalled);
		dropped += nhot;
	}
	for (int i = 0; i < ndoomed; i++)
		RemoveReplacedFile(doomed[i]);
	UpdateApparentSize(key, ManifestBytes(m));
	StatAdd(kStatChunksDropped, dropped);
	FreeUnpinnedChunks();
	return dropped;
}

/* UncountTableFiles takes a table's chunk files off the tier gauges. */
static int
UncountTableFiles(const core::TableKey &key, int64 arg)
{
	Manifest	m;

	(void) arg;
	if (ReadManifest(key, &m))
		for (uint32 i = 0; i < m.header.nchunks; i++)
		{
			StatAdd(m.chunks[i].meta.tier == core::kTierCold ? kStatChunksCold : kStatChunksWarm,
					(uint64) -1);
			StatAdd(m.chunks[i].meta.tier == core::kTierCold ? kStatBytesCold : kStatBytesWarm,
					(uint64) -(int64) m.chunks[i].file_bytes);
		}
	return 0;
}

void
DropTableData(const core::TableKey &key, bool files_too, bool forget)
{
	TableEntry *entry = LookupTable(key);
	char	   *dir = TableDir(key);

	if (entry != NULL)
	{
		LWLockAcquire(&entry->lock, LW_EXCLUSIVE);
		while (entry->hot_head >= 0)
			DetachLocked(entry, entry->hot_head);
		LWLockRelease(&entry->lock);
	}
	if (files_too)
	{
		/* a damaged manifest only costs the gauges: the files go anyway */
		if (!TableIsBroken(key))
			(void) RunForTable(UncountTableFiles, key, 0);
		struct stat st;

		/*
		 * A table that never stored a chunk file has no directory (a CREATE
		 * TABLE rolled back or refused before any row reached a file): there
		 * is nothing to remove and nothing to warn about, now or when replay
		 * resolves the same drop record again after a restart.
		 */
		if (stat(dir, &st) != 0 && errno == ENOENT)
			;
		else if (!rmtree(dir, true))
			ereport(WARNING,
					(errmsg("could not remove ztsdb directory \"%s\"", dir)));
		UpdateApparentSize(key, 0);
	}
	if (forget && entry != NULL)
	{
		{
			LWLockAcquire(registry_lock, LW_EXCLUSIVE);
			hash_search(table_registry, &key, HASH_REMOVE, NULL);
			LWLockRelease(registry_lock);
		}
	}
	else if (entry != NULL)
		entry->manifest_loaded = false;
	FreeUnpinnedChunks();
}

uint64
CheckpointLsn(uint64 insert_lsn)
{
	uint64		lsn = Min(insert_lsn, BrokenHoldLsn());

	for (uint32 i = 0; i < storage_shared->nchunks; i++)
	{
		HotChunk   *c = &hot_chunks[i];

		if (c->in_use && !c->detached && c->first_lsn != 0)
			lsn = Min(lsn, c->first_lsn);
	}
	return lsn;
}

void
RefreshTierStats(void)
{
	uint64		chunks = 0;
	uint64		bytes = 0;

	for (uint32 i = 0; i < storage_shared->nchunks; i++)
	{
		HotChunk   *c = &hot_chunks[i];

		if (c->in_use && !c->detached)
		{
			chunks++;
			bytes += (uint64) pg_atomic_read_u32(&c->nrows) * c->row_bytes;
		}
	}
	StatSet(kStatChunksHot, chunks);
	StatSet(kStatBytesHot, bytes);
}

} // namespace ztsdb
