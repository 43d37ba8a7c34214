/*-------------------------------------------------------------------------
 *
 * storage_read.cpp
 *	  Taking a consistent view of a table for a reader.
 *
 * Under the registry lock (shared) and the table's lock (shared) the
 * reader reads the manifest, maps every chunk file it lists and pins every
 * hot chunk, recording the published counts.  Then it lets go of the locks:
 * the writer may seal or compress meanwhile, but it only renames and
 * unlinks; our mappings and pins keep what we saw alive.
 *
 * The mappings outlive the view: each backend caches opened chunk files and
 * parsed manifests across queries (the file cache below, see
 * storage_read.h), which takes mmap, munmap, page faults, header checks
 * and the manifest read off every query's fixed cost.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/stats/stats.h"

extern "C" {
#include "storage/fd.h"
#include "utils/hsearch.h"
}

#include <algorithm>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ztsdb {

/* hot chunks this backend pins through its open views */
static int	my_pins = 0;

static void UnrefFile(CachedFile *f);

static void
ReleaseView(void *arg)
{
	TableView  *view = static_cast<TableView *>(arg);

	for (int i = 0; i < view->nhot; i++)
		pg_atomic_fetch_sub_u32(&hot_chunks[view->hot[i].idx].refcount, 1);
	my_pins -= view->nhot;
	pg_atomic_write_u32(&pins_by_proc[MyProc->pgprocno], (uint32) my_pins);
	view->nhot = 0;
	for (int i = 0; i < view->nfiles; i++)
		if (view->files[i].cached != NULL)
		{
			UnrefFile(view->files[i].cached);
			view->files[i].cached = NULL;
		}
	view->nfiles = 0;
}

/*
 * Chunk files never change once written (a move writes a new file), so a
 * backend verifies each file's data checksums once and remembers it by
 * (device, inode, size, mtime); later scans check only headers and bounds.
 */
static HTAB *verified_files = NULL;

static bool
AlreadyVerified(const VerifiedKey &key)
{
	if (verified_files == NULL)
		return false;
	return hash_search(verified_files, &key, HASH_FIND, NULL) != NULL;
}

static void
RememberVerified(const VerifiedKey &key)
{
	if (verified_files == NULL)
	{
		HASHCTL		info;

		memset(&info, 0, sizeof(info));
		info.keysize = sizeof(VerifiedKey);
		info.entrysize = sizeof(VerifiedKey);
		info.hcxt = TopMemoryContext;
		verified_files = hash_create("ztsdb verified chunk files", 256, &info,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	if (hash_get_num_entries(verified_files) > 100000)
	{
		hash_destroy(verified_files);	/* bounded: start over */
		verified_files = NULL;
		RememberVerified(key);
		return;
	}
	(void) hash_search(verified_files, &key, HASH_ENTER, NULL);
}

/* MapFile maps a chunk file read-only; NULL with errno set on failure. */
static const uint8 *
MapFile(const char *path, size_t *len, VerifiedKey *key)
{
	int			fd = open(path, O_RDONLY | PG_BINARY);
	struct stat st;
	void	   *p;
	int			save;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
	{
		save = errno;
		close(fd);
		errno = save;
		return NULL;
	}
	*len = st.st_size;
	memset(key, 0, sizeof(*key));
	key->dev = st.st_dev;
	key->ino = st.st_ino;
	key->size = st.st_size;
	key->mtime = st.st_mtime;
	if (st.st_size == 0)
	{
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	save = errno;
	close(fd);
	errno = save;
	return p == MAP_FAILED ? NULL : static_cast<const uint8 *>(p);
}

/*
 * The file cache (see storage_read.h).  files maps (table, chunk id, tier)
 * to a CachedFile allocated on its own, so that an entry dropped from the
 * hash while views still use it (doomed) lives on until the last of them
 * lets go.  tables holds each table's parsed manifest and an open
 * descriptor on the manifest file it came from.
 */
struct FileKey
{
	core::TableKey table;
	uint64		chunk_id;
	uint32		tier;
	uint32		pad;			/* zero: keys compare with memcmp */
};

struct CachedFile
{
	FileKey		key;
	const uint8 *data;			/* mmap'd, read-only */
	size_t		len;
	VerifiedKey id;				/* the inode mapped (kept alive by the mapping) */
	core::ChunkReader reader;	/* valid if opened */
	bool		opened;			/* header, directories and bounds checked */
	bool		verified;		/* data checksums checked */
	bool		doomed;			/* out of the hash: unmap when refcount is 0 */
	int			refcount;		/* views using it */
	uint64		last_used;
	uint64		mark;
};

struct FileSlot
{
	FileKey		key;
	CachedFile *file;			/* NULL while being filled in */
};

struct TableSlot
{
	core::TableKey key;
	int			fd;				/* open on the manifest read, -1 if none */
	dev_t		dev;
	ino_t		ino;
	bool		have_ino;
	bool		usable;			/* header/chunks may stand for the manifest */
	core::ManifestHeader header;
	core::ManifestChunk *chunks;	/* TopMemoryContext, or NULL */
};

static HTAB *cached_files = NULL;
static HTAB *cached_tables = NULL;
static uint64 cache_nfiles = 0;		/* including doomed ones */
static uint64 cache_bytes = 0;
static uint64 cache_tick = 0;

static void
EnsureCaches(void)
{
	HASHCTL		info;

	if (cached_files != NULL)
		return;
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(core::TableKey);
	info.entrysize = sizeof(TableSlot);
	info.hcxt = TopMemoryContext;
	cached_tables = hash_create("ztsdb cached manifests", 16, &info,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(FileKey);
	info.entrysize = sizeof(FileSlot);
	info.hcxt = TopMemoryContext;
	cached_files = hash_create("ztsdb cached chunk files", 256, &info,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

void
FileCacheUsage(uint64 *files, uint64 *bytes)
{
	*files = cache_nfiles;
	*bytes = cache_bytes;
}

static void
FreeFile(CachedFile *f)
{
	munmap(const_cast<uint8 *>(f->data), f->len);
	cache_nfiles--;
	cache_bytes -= f->len;
	pfree(f);
}

/* DropFile takes f out of the cache; it is unmapped once no view uses it. */
static void
DropFile(CachedFile *f)
{
	(void) hash_search(cached_files, &f->key, HASH_REMOVE, NULL);
	if (f->refcount == 0)
		FreeFile(f);
	else
		f->doomed = true;
}

static void
UnrefFile(CachedFile *f)
{
	f->refcount--;
	if (f->doomed && f->refcount == 0)
		FreeFile(f);
}

/*
 * PurgeTableFiles drops the cached files of a table whose mark is not
 * keep_mark (0: all of them).  Removing the element just returned by a
 * sequential scan is allowed by dynahash.
 */
static void
PurgeTableFiles(const core::TableKey &table, uint64 keep_mark)
{
	HASH_SEQ_STATUS seq;
	FileSlot   *slot;

	hash_seq_init(&seq, cached_files);
	while ((slot = static_cast<FileSlot *>(hash_seq_search(&seq))) != NULL)
	{
		if (memcmp(&slot->key.table, &table, sizeof(table)) != 0)
			continue;
		if (slot->file == NULL)
			(void) hash_search(cached_files, &slot->key, HASH_REMOVE, NULL);
		else if (keep_mark == 0 || slot->file->mark != keep_mark)
			DropFile(slot->file);
	}
}

static void
ForgetManifest(TableSlot *ts)
{
	if (ts->fd >= 0)
	{
		close(ts->fd);
		ReleaseExternalFD();
		ts->fd = -1;
	}
	if (ts->chunks != NULL)
		pfree(ts->chunks);
	ts->chunks = NULL;
	ts->usable = false;
	ts->have_ino = false;
}

/*
 * SweepOtherTables forgets every cached table but self whose manifest is
 * gone or was replaced (DROP TABLE, TRUNCATE, a tier move we have not
 * looked at), unmapping the files cached for it: a deleted file's disk
 * space must not stay held by this backend's mappings.
 */
static void
SweepOtherTables(const core::TableKey &self)
{
	HASH_SEQ_STATUS seq;
	TableSlot  *ts;

	hash_seq_init(&seq, cached_tables);
	while ((ts = static_cast<TableSlot *>(hash_seq_search(&seq))) != NULL)
	{
		struct stat st;

		if (memcmp(&ts->key, &self, sizeof(self)) == 0)
			continue;
		if (ts->have_ino && stat(ManifestPath(ts->key), &st) == 0 &&
			st.st_dev == ts->dev && st.st_ino == ts->ino)
			continue;
		PurgeTableFiles(ts->key, 0);
		ForgetManifest(ts);
		(void) hash_search(cached_tables, &ts->key, HASH_REMOVE, NULL);
	}
}

/* EvictIfNeeded drops least recently used unreferenced files above the caps. */
static void
EvictIfNeeded(void)
{
	while (cache_nfiles > (uint64) kMaxCachedFiles || cache_bytes > kMaxCachedBytes)
	{
		HASH_SEQ_STATUS seq;
		FileSlot   *slot;
		CachedFile *victim = NULL;

		hash_seq_init(&seq, cached_files);
		while ((slot = static_cast<FileSlot *>(hash_seq_search(&seq))) != NULL)
			if (slot->file != NULL && slot->file->refcount == 0 &&
				(victim == NULL || slot->file->last_used < victim->last_used))
				victim = slot->file;
		if (victim == NULL)
			return;				/* all in use: over the cap until they are let go */
		DropFile(victim);
	}
}

/*
 * AcquireFile returns the cache entry of a manifest's chunk file, mapping
 * it if needed, with a reference taken.  With check_identity (the manifest
 * changed since we last looked), a cached entry is kept only if the path
 * still names the inode it mapped: that inode cannot have been reused
 * while mapped, so a table dropped and recreated with the same file node
 * cannot pass its chunk files off as the new table's.
 */
static CachedFile *
AcquireFile(const core::TableKey &table, const core::ManifestChunk &mc, const char *path,
			bool check_identity)
{
	FileKey		key;
	FileSlot   *slot;
	CachedFile *f = NULL;

	memset(&key, 0, sizeof(key));
	key.table = table;
	key.chunk_id = mc.meta.chunk_id;
	key.tier = mc.meta.tier;
	slot = static_cast<FileSlot *>(hash_search(cached_files, &key, HASH_FIND, NULL));
	if (slot != NULL && slot->file == NULL)
	{
		(void) hash_search(cached_files, &key, HASH_REMOVE, NULL);
		slot = NULL;
	}
	if (slot != NULL)
	{
		struct stat st;

		f = slot->file;
		if (f->len != mc.file_bytes ||
			(check_identity &&
			 (stat(path, &st) != 0 || st.st_dev != f->id.dev || st.st_ino != f->id.ino)))
		{
			DropFile(f);
			f = NULL;
		}
	}
	if (f == NULL)
	{
		bool		found;

		f = static_cast<CachedFile *>(MemoryContextAllocZero(TopMemoryContext, sizeof(CachedFile)));
		slot = static_cast<FileSlot *>(hash_search(cached_files, &key, HASH_ENTER, &found));
		slot->file = NULL;
		f->key = key;
		f->data = MapFile(path, &f->len, &f->id);
		if (f->data == NULL)
		{
			int			save = errno;

			(void) hash_search(cached_files, &key, HASH_REMOVE, NULL);
			pfree(f);
			errno = save;
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("could not map ztsdb chunk file \"%s\": %m", path)));
		}
		slot->file = f;
		cache_nfiles++;
		cache_bytes += f->len;
	}
	f->refcount++;
	f->last_used = ++cache_tick;
	return f;
}

/* FilterExcludes says whether a chunk's series filter rules out every wanted series. */
static bool
FilterExcludes(const core::SeriesFilter &filter, int nseries, const int64 *series)
{
	if (nseries < 0 || !filter.valid)
		return false;
	for (int i = 0; i < nseries; i++)
		if (core::SeriesFilterMayContain(filter, series[i]))
			return false;
	return true;
}

/*
 * LoadManifest gives the table's manifest (header and chunks) as of now,
 * from the cache while the manifest file is the one the cache was filled
 * from; *changed says it was read afresh.  Caller holds the table's lock
 * when locked (else nothing is cached: the file could change under us).
 * When it changed, cached files of the table it no longer lists are
 * dropped.
 */
static bool
LoadManifest(const core::TableKey &key, bool locked, core::ManifestHeader *header,
			 const core::ManifestChunk **chunks, bool *changed)
{
	char	   *path = ManifestPath(key);
	TableSlot  *ts;
	bool		found;
	struct stat st;
	Manifest	m;
	bool		have;
	uint64		mark;

	ts = static_cast<TableSlot *>(hash_search(cached_tables, &key, HASH_FIND, NULL));
	if (ts != NULL && ts->usable && locked && stat(path, &st) == 0 &&
		st.st_dev == ts->dev && st.st_ino == ts->ino)
	{
		*header = ts->header;
		*chunks = ts->chunks;
		*changed = false;
		return true;
	}
	*changed = true;
	have = ReadManifest(key, &m);

	/* drop the cached files it no longer lists */
	mark = ++cache_tick;
	for (uint32 i = 0; have && i < m.header.nchunks; i++)
	{
		FileKey		fk;
		FileSlot   *slot;

		memset(&fk, 0, sizeof(fk));
		fk.table = key;
		fk.chunk_id = m.chunks[i].meta.chunk_id;
		fk.tier = m.chunks[i].meta.tier;
		slot = static_cast<FileSlot *>(hash_search(cached_files, &fk, HASH_FIND, NULL));
		if (slot != NULL && slot->file != NULL)
			slot->file->mark = mark;
	}
	PurgeTableFiles(key, mark);

	if (ts == NULL && (!have || hash_get_num_entries(cached_tables) >= kMaxCachedManifests))
	{
		/* not worth (or no room for) remembering */
		*header = m.header;
		*chunks = m.chunks;
		return have;
	}
	if (ts == NULL)
	{
		ts = static_cast<TableSlot *>(hash_search(cached_tables, &key, HASH_ENTER, &found));
		ts->fd = -1;
		ts->chunks = NULL;
		ts->usable = false;
		ts->have_ino = false;
	}
	ForgetManifest(ts);
	if (have)
	{
		core::ManifestChunk *copy = static_cast<core::ManifestChunk *>(
			MemoryContextAlloc(TopMemoryContext, sizeof(core::ManifestChunk) * Max(m.header.nchunks, 1)));

		memcpy(copy, m.chunks, sizeof(core::ManifestChunk) * m.header.nchunks);
		ts->chunks = copy;
		ts->header = m.header;
		/*
		 * Hold the file open: while we do, no other file can get its inode
		 * number, so an unchanged (dev, inode) means an unchanged manifest
		 * (it is only ever replaced by rename, under the table's lock).
		 */
		if (AcquireExternalFD())
		{
			int			fd = open(path, O_RDONLY | PG_BINARY);

			if (fd >= 0 && fstat(fd, &st) == 0)
			{
				ts->fd = fd;
				ts->dev = st.st_dev;
				ts->ino = st.st_ino;
				ts->have_ino = true;
				ts->usable = locked;
			}
			else
			{
				if (fd >= 0)
					close(fd);
				ReleaseExternalFD();
			}
		}
	}
	*header = m.header;
	*chunks = m.chunks;
	return have;
}

TableView *
OpenTableView(Relation rel, bool open_files, int64 min_ts, int64 max_ts, int nseries,
			  const int64 *series, bool verify_data)
{
	TableView  *view = static_cast<TableView *>(palloc0(sizeof(TableView)));
	MemoryContextCallback *cb = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	TableEntry *entry;
	core::ManifestHeader header;
	const core::ManifestChunk *chunks;
	bool		have_manifest;
	bool		changed;
	char	   *dir = NULL;

	view->key = TableKeyOf(rel);
	view->hot = static_cast<ViewHot *>(palloc(sizeof(ViewHot) * storage_shared->nchunks));
	cb->func = ReleaseView;
	cb->arg = view;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	EnsureCaches();
	SweepOtherTables(view->key);

	/*
	 * The manifest must be the version that matches the hot list, so read
	 * it (or check the cached one is still it) under the locks.
	 */
	LWLockAcquire(registry_lock, LW_SHARED);
	entry = static_cast<TableEntry *>(hash_search(table_registry, &view->key, HASH_FIND, NULL));
	if (entry != NULL)
		LWLockAcquire(&entry->lock, LW_SHARED);

	PG_TRY();
	{
		have_manifest = LoadManifest(view->key, entry != NULL, &header, &chunks, &changed);
		if (have_manifest)
		{
			view->layout = header.layout;
			view->have_layout = true;
			view->next_chunk_id = header.next_chunk_id;
			view->files = static_cast<ViewFile *>(palloc0(sizeof(ViewFile) * Max(header.nchunks, 1)));
			for (uint32 i = 0; i < header.nchunks; i++)
			{
				ViewFile   *f = &view->files[view->nfiles];

				if (chunks[i].meta.max_ts < min_ts || chunks[i].meta.min_ts > max_ts ||
					FilterExcludes(chunks[i].filter, nseries, series))
				{
					view->files_skipped++;
					continue;
				}
				f->entry = chunks[i];
				f->path = NULL;
				if (open_files)
				{
					if (dir == NULL)
						dir = TableDir(view->key);
					f->path = ChunkPathIn(dir, f->entry.meta.chunk_id, f->entry.meta.tier);
					CachedFile *c = AcquireFile(view->key, f->entry, f->path, changed);

					/* no ereport between taking the reference and counting it */
					f->cached = c;
					f->data = c->data;
					f->len = c->len;
					f->key = c->id;
				}
				view->nfiles++;
			}
		}
		if (entry != NULL)
		{
			if (!view->have_layout)
			{
				view->layout = entry->layout;
				view->have_layout = true;
			}
			for (int i = entry->hot_head; i >= 0; i = hot_chunks[i].next)
			{
				ViewHot    *h = &view->hot[view->nhot];

				pg_atomic_fetch_add_u32(&hot_chunks[i].refcount, 1);
				h->idx = i;
				view->nhot++;
				my_pins++;
				pg_atomic_write_u32(&pins_by_proc[MyProc->pgprocno], (uint32) my_pins);
				h->nbatches = pg_atomic_read_u32(&hot_chunks[i].nbatches);
				h->nrows = pg_atomic_read_u32(&hot_chunks[i].nrows);
				/* min/max and null_cols only widen, and before nrows is published */
				pg_read_barrier();
				h->null_cols = pg_atomic_read_u64(&hot_chunks[i].null_cols);
				h->min_ts = hot_chunks[i].min_ts;
				h->max_ts = hot_chunks[i].max_ts;
			}
			pg_read_barrier();
		}
	}
	PG_FINALLY();
	{
		if (entry != NULL)
			LWLockRelease(&entry->lock);
		LWLockRelease(registry_lock);
	}
	PG_END_TRY();

	/* validate outside the locks (CRCs over whole files take time), once per file */
	if (open_files)
		for (int i = 0; i < view->nfiles; i++)
		{
			ViewFile   *f = &view->files[i];
			CachedFile *c = f->cached;
			bool		verify = verify_data && !c->verified && !AlreadyVerified(c->id);

			if (!c->opened || verify)
			{
				core::Status st;

				c->opened = false;
				st = core::OpenChunkFile(c->data, c->len, &c->reader, verify);
				if (!st.ok())
					ereport(ERROR,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", f->path, st.message)));
				c->opened = true;
				if (verify)
					RememberVerified(c->id);
			}
			if (verify_data)
				c->verified = true;
			f->reader = c->reader;
		}
	EvictIfNeeded();
	return view;
}

void
HotColumns(const TableView *view, int h, const void **values, const uint8 **validity,
		   const core::BatchEntry **batches)
{
	int			idx = view->hot[h].idx;
	const HotChunk *c = &hot_chunks[idx];
	const char *data = HotChunkData(idx);

	for (uint16 col = 0; col < view->layout.ncols; col++)
	{
		values[col] = data + c->values_off[col];
		/* no NULL in the pinned rows: no bitmap to test (nullptr, as for warm files) */
		validity[col] = ((view->hot[h].null_cols >> col) & 1) == 0 ? nullptr :
			reinterpret_cast<const uint8 *>(data + c->validity_off[col]);
	}
	*batches = reinterpret_cast<const core::BatchEntry *>(data + c->batches_off);
}

bool
HotSeriesRows(const TableView *view, int h, const int64 *series, int nseries, int64 min_ts,
			  int64 max_ts, uint32 **rows, uint32 *nrows)
{
	int			idx = view->hot[h].idx;
	const HotChunk *c = &hot_chunks[idx];
	const char *data = HotChunkData(idx);
	const volatile uint32 *next = reinterpret_cast<const volatile uint32 *>(data + c->next_off);
	const volatile HotSeriesSlot *slots =
		reinterpret_cast<const volatile HotSeriesSlot *>(data + c->slots_off);
	const volatile HotSeriesSeg *segs =
		reinterpret_cast<const volatile HotSeriesSeg *>(data + c->segs_off);
	const int64 *ts = reinterpret_cast<const int64 *>(data + c->values_off[view->layout.time_col]);
	uint32		pinned = view->hot[h].nrows;
	uint32		n = 0;
	uint32		cap = 64;
	uint32	   *out;

	pg_read_barrier();			/* the pin's nrows before the flag */
	if (c->nslots == 0 || pg_atomic_read_u32(const_cast<pg_atomic_uint32 *>(&c->series_index_ok)) == 0)
		return false;
	out = static_cast<uint32 *>(palloc(sizeof(uint32) * cap));
	for (int i = 0; i < nseries; i++)
	{
		int64		s = series[i];
		uint32		k = (uint32) (((uint64) s * UINT64CONST(0x9E3779B97F4A7C15)) >> 40) & (c->nslots - 1);

		for (uint32 probes = 0; probes < c->nslots; probes++, k = (k + 1) & (c->nslots - 1))
		{
			uint32		g = slots[k].first;

			if (g == kNoRow)
				break;
			pg_read_barrier();
			if (slots[k].series != s)
				continue;
			if ((g & kSlotRowFlag) != 0)
			{
				/* a series without segments (storage.h): every row of it */
				for (uint32 r = g & ~kSlotRowFlag; r < pinned; r = next[r])
				{
					if (ts[r] < min_ts || ts[r] > max_ts)
						continue;
					if (n == cap)
					{
						cap = Min(cap * 2, Max(pinned, 64));
						out = static_cast<uint32 *>(repalloc(out, sizeof(uint32) * cap));
					}
					out[n++] = r;
				}
				break;
			}
			/* segments in row order; only those whose time range meets the window */
			while (g < c->capacity_segs)
			{
				uint32		r = segs[g].first;
				uint32		gnext = segs[g].next;
				uint32		end = pinned;	/* rows of this segment are below end */

				if (r >= pinned)
					break;
				pg_read_barrier();	/* next before the segment it names */
				if (gnext < c->capacity_segs)
					end = Min(end, segs[gnext].first);
				if (segs[g].max_ts < min_ts || segs[g].min_ts > max_ts)
				{
					g = gnext;
					continue;
				}
				for (; r < end; r = next[r])
				{
					if (ts[r] < min_ts || ts[r] > max_ts)
						continue;
					if (n == cap)
					{
						cap = Min(cap * 2, Max(pinned, 64));
						out = static_cast<uint32 *>(repalloc(out, sizeof(uint32) * cap));
					}
					out[n++] = r;
				}
				g = gnext;
			}
			break;
		}
	}
	if (nseries > 1)
		std::sort(out, out + n);
	/* the index was disabled meanwhile: it may miss rows; filter instead */
	if (pg_atomic_read_u32(const_cast<pg_atomic_uint32 *>(&c->series_index_ok)) == 0)
	{
		pfree(out);
		return false;
	}
	*rows = out;
	*nrows = n;
	return true;
}

const HotZone *
HotZones(const TableView *view, int h)
{
	int			idx = view->hot[h].idx;
	const HotChunk *c = &hot_chunks[idx];

	if (c->nslots == 0)
		return NULL;
	return reinterpret_cast<const HotZone *>(HotChunkData(idx) + c->zones_off);
}

bool
HotSeriesList(const TableView *view, int h, int64 **series, int *nseries)
{
	int			idx = view->hot[h].idx;
	const HotChunk *c = &hot_chunks[idx];
	const char *data = HotChunkData(idx);
	const volatile HotSeriesSlot *slots =
		reinterpret_cast<const volatile HotSeriesSlot *>(data + c->slots_off);
	int64	   *out;
	int			n = 0;

	pg_read_barrier();			/* the pin's nrows before the flag */
	if (c->nslots == 0 || pg_atomic_read_u32(const_cast<pg_atomic_uint32 *>(&c->series_index_ok)) == 0)
		return false;
	out = static_cast<int64 *>(palloc(sizeof(int64) * c->nslots));
	for (uint32 k = 0; k < c->nslots; k++)
	{
		if (slots[k].first == kNoRow)
			continue;
		pg_read_barrier();		/* the writer fills series before first */
		out[n++] = slots[k].series;
	}
	/* the index was disabled meanwhile: series of pinned rows may be missing */
	if (pg_atomic_read_u32(const_cast<pg_atomic_uint32 *>(&c->series_index_ok)) == 0)
	{
		pfree(out);
		return false;
	}
	std::sort(out, out + n);
	n = static_cast<int>(std::unique(out, out + n) - out);
	*series = out;
	*nseries = n;
	return true;
}

void
CheckPinDeadlock(void)
{
	uint64		since = pg_atomic_read_u64(&storage_shared->pins_awaited_since);

	if (my_pins == 0 || since == 0 ||
		!TimestampDifferenceExceeds((TimestampTz) since, GetCurrentTimestamp(), 1000))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("ztsdb hot chunk pool is full and this statement holds hot chunks the writer must free"),
			 errdetail("The statement reads hot chunks of a ztsdb table while writing more rows than the pool has room for (for example INSERT ... SELECT from the same table)."),
			 errhint("Increase ztsdb.hot_pool_size, seal the table first (SELECT ztsdb.seal(...)), or write in smaller statements.")));
}

} // namespace ztsdb
