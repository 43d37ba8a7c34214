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
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/storage/storage_read.h"
#include "ztsdb/stats/stats.h"

extern "C" {
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
		if (view->files[i].mapped && view->files[i].data != NULL)
			munmap(const_cast<uint8 *>(view->files[i].data), view->files[i].len);
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

TableView *
OpenTableView(Relation rel, bool open_files, int64 min_ts, int64 max_ts, int nseries,
			  const int64 *series, bool verify_data)
{
	TableView  *view = static_cast<TableView *>(palloc0(sizeof(TableView)));
	MemoryContextCallback *cb = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
	TableEntry *entry;
	Manifest	m;
	bool		have_manifest;

	view->key = TableKeyOf(rel);
	view->hot = static_cast<ViewHot *>(palloc(sizeof(ViewHot) * storage_shared->nchunks));
	cb->func = ReleaseView;
	cb->arg = view;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	/*
	 * Read the manifest before taking the locks as well? No: it must be the
	 * version that matches the hot list, so read it under them.  It is a
	 * small file.
	 */
	LWLockAcquire(registry_lock, LW_SHARED);
	entry = static_cast<TableEntry *>(hash_search(table_registry, &view->key, HASH_FIND, NULL));
	if (entry != NULL)
		LWLockAcquire(&entry->lock, LW_SHARED);

	PG_TRY();
	{
		have_manifest = ReadManifest(view->key, &m);
		if (have_manifest)
		{
			view->layout = m.header.layout;
			view->have_layout = true;
			view->next_chunk_id = m.header.next_chunk_id;
			view->files = static_cast<ViewFile *>(palloc0(sizeof(ViewFile) * Max(m.header.nchunks, 1)));
			for (uint32 i = 0; i < m.header.nchunks; i++)
			{
				ViewFile   *f = &view->files[view->nfiles];

				if (m.chunks[i].meta.max_ts < min_ts || m.chunks[i].meta.min_ts > max_ts ||
					FilterExcludes(m.chunks[i].filter, nseries, series))
				{
					view->files_skipped++;
					continue;
				}
				f->entry = m.chunks[i];
				f->path = ChunkPath(view->key, f->entry.meta.chunk_id, f->entry.meta.tier);
				if (open_files)
				{
					f->data = MapFile(f->path, &f->len, &f->key);
					if (f->data == NULL)
						ereport(ERROR,
								(errcode(ERRCODE_DATA_CORRUPTED),
								 errmsg("could not map ztsdb chunk file \"%s\": %m", f->path)));
					f->mapped = true;
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
				/* min/max only widen, and before nrows is published */
				pg_read_barrier();
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

	/* validate outside the locks: CRCs over whole files take time */
	if (open_files)
		for (int i = 0; i < view->nfiles; i++)
		{
			ViewFile   *f = &view->files[i];
			bool		verify = verify_data && !AlreadyVerified(f->key);
			core::Status st = core::OpenChunkFile(f->data, f->len, &f->reader, verify);

			if (!st.ok())
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("ztsdb chunk file \"%s\" is corrupt: %s", f->path, st.message)));
			if (verify)
				RememberVerified(f->key);
		}
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
		validity[col] = reinterpret_cast<const uint8 *>(data + c->validity_off[col]);
	}
	*batches = reinterpret_cast<const core::BatchEntry *>(data + c->batches_off);
}

bool
HotSeriesRows(const TableView *view, int h, const int64 *series, int nseries, uint32 **rows,
			  uint32 *nrows)
{
	int			idx = view->hot[h].idx;
	const HotChunk *c = &hot_chunks[idx];
	const char *data = HotChunkData(idx);
	const volatile uint32 *next = reinterpret_cast<const volatile uint32 *>(data + c->next_off);
	const volatile HotSeriesSlot *slots =
		reinterpret_cast<const volatile HotSeriesSlot *>(data + c->slots_off);
	uint32		pinned = view->hot[h].nrows;
	uint32		n = 0;
	uint32	   *out;

	pg_read_barrier();			/* the pin's nrows before the flag */
	if (c->nslots == 0 || pg_atomic_read_u32(const_cast<pg_atomic_uint32 *>(&c->series_index_ok)) == 0)
		return false;
	out = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(pinned, 1)));
	for (int i = 0; i < nseries; i++)
	{
		int64		s = series[i];
		uint32		k = (uint32) (((uint64) s * UINT64CONST(0x9E3779B97F4A7C15)) >> 40) & (c->nslots - 1);

		for (uint32 probes = 0; probes < c->nslots; probes++, k = (k + 1) & (c->nslots - 1))
		{
			uint32		r = slots[k].first;

			if (r == kNoRow)
				break;
			pg_read_barrier();
			if (slots[k].series != s)
				continue;
			while (r < pinned && n < pinned)
			{
				out[n++] = r;
				r = next[r];
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
