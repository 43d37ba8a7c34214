/*-------------------------------------------------------------------------
 *
 * storage_shmem.cpp
 *	  The hot chunk pool and the table registry in shared memory, and the
 *	  paths and manifest reads every process shares.
 *
 * Files of a table live in $PGDATA/ztsdb/<db oid>/<relfilenode>/:
 *	manifest			the list of warm and cold chunks (chunk_file.h)
 *	<id>.warm, <id>.cold	chunk files
 * Paths are relative to the data directory, PostgreSQL's working directory.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/storage/storage.h"
#include "ztsdb/util/util_guc.h"

extern "C" {
#include "catalog/pg_tablespace_d.h"
#include "utils/hsearch.h"
}

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "access/twophase.h"
}

namespace ztsdb {

StorageShared *storage_shared = NULL;
HotChunk   *hot_chunks = NULL;
char	   *hot_chunk_data = NULL;
HTAB	   *table_registry = NULL;
LWLock	   *registry_lock = NULL;

static uint32
PoolChunks(void)
{
	uint64		n = ((uint64) guc_hot_pool_mb * 1024) / guc_hot_chunk_kb;

	return (uint32) Max(n, 2);
}

/* one pin counter per PGPROC that may read (pins_by_proc) */
static uint32
PinSlots(void)
{
	return (uint32) (MaxBackends + NUM_AUXILIARY_PROCS + max_prepared_xacts);
}

Size
StorageShmemSize(void)
{
	Size		size = CACHELINEALIGN(sizeof(StorageShared));

	size = add_size(size, CACHELINEALIGN(mul_size(PoolChunks(), sizeof(HotChunk))));
	size = add_size(size, mul_size(PoolChunks(), (Size) guc_hot_chunk_kb * 1024));
	size = add_size(size, mul_size(PinSlots(), sizeof(pg_atomic_uint32)));
	return size;
}

void
StorageShmemInit(void *mem, bool found)
{
	char	   *base = static_cast<char *>(mem);
	HASHCTL		info;

	storage_shared = reinterpret_cast<StorageShared *>(base);
	hot_chunks = reinterpret_cast<HotChunk *>(base + CACHELINEALIGN(sizeof(StorageShared)));
	hot_chunk_data = reinterpret_cast<char *>(hot_chunks) +
		CACHELINEALIGN(mul_size(PoolChunks(), sizeof(HotChunk)));
	pins_by_proc = reinterpret_cast<pg_atomic_uint32 *>(
		hot_chunk_data + mul_size(PoolChunks(), (Size) guc_hot_chunk_kb * 1024));
	if (!found)
	{
		for (uint32 i = 0; i < PinSlots(); i++)
			pg_atomic_init_u32(&pins_by_proc[i], 0);
		storage_shared->npin_slots = PinSlots();
		storage_shared->table_tranche = LWLockNewTrancheId();
		storage_shared->nchunks = PoolChunks();
		storage_shared->chunk_bytes = (uint32) guc_hot_chunk_kb * 1024;
		pg_atomic_init_u64(&storage_shared->pins_awaited_since, 0);
		pg_atomic_init_u32(&storage_shared->nbroken, 0);
		for (uint32 i = 0; i < storage_shared->nchunks; i++)
		{
			memset(&hot_chunks[i], 0, sizeof(HotChunk));
			hot_chunks[i].next = -1;
			pg_atomic_init_u32(&hot_chunks[i].nrows, 0);
			pg_atomic_init_u32(&hot_chunks[i].nbatches, 0);
			pg_atomic_init_u32(&hot_chunks[i].refcount, 0);
			pg_atomic_init_u64(&hot_chunks[i].null_cols, 0);
		}
	}
	LWLockRegisterTranche(storage_shared->table_tranche, "ztsdb_table");
	registry_lock = &GetNamedLWLockTranche("ztsdb")[0].lock;

	memset(&info, 0, sizeof(info));
	info.keysize = sizeof(core::TableKey);
	info.entrysize = sizeof(TableEntry);
	table_registry = ShmemInitHash("ztsdb tables", guc_max_tables, guc_max_tables,
								   &info, HASH_ELEM | HASH_BLOBS);
}

core::TableKey
TableKeyOf(Relation rel)
{
	core::TableKey key;

	key.spc = rel->rd_node.spcNode;
	key.db = rel->rd_node.dbNode;
	key.rel = rel->rd_node.relNode;
	key.reserved = 0;
	return key;
}

TableEntry *
LookupTable(const core::TableKey &key)
{
	TableEntry *entry;

	LWLockAcquire(registry_lock, LW_SHARED);
	entry = static_cast<TableEntry *>(hash_search(table_registry, &key, HASH_FIND, NULL));
	LWLockRelease(registry_lock);
	return entry;
}

/*
 * TableDir names a table's directory: ztsdb/<db>/<relfilenode> in the
 * default tablespace, ztsdb/<db>/<tablespace>_<relfilenode> elsewhere
 * (relfilenodes are unique only within a tablespace).  The files stay
 * under the data directory whatever the table's tablespace.
 */
char *
TableDir(const core::TableKey &key)
{
	if (key.spc == DEFAULTTABLESPACE_OID)
		return psprintf("ztsdb/%u/%u", key.db, key.rel);
	return psprintf("ztsdb/%u/%u_%u", key.db, key.spc, key.rel);
}

bool
ParseTableDirName(uint32 db, const char *name, core::TableKey *key)
{
	uint32		a;
	uint32		b;
	char		extra;

	memset(key, 0, sizeof(*key));
	key->db = db;
	if (sscanf(name, "%u_%u%c", &a, &b, &extra) == 2)
	{
		key->spc = a;
		key->rel = b;
		return true;
	}
	if (sscanf(name, "%u%c", &a, &extra) == 1)
	{
		key->spc = DEFAULTTABLESPACE_OID;
		key->rel = a;
		return true;
	}
	return false;
}

char *
ManifestPath(const core::TableKey &key)
{
	return psprintf("%s/manifest", TableDir(key));
}

char *
ChunkPathIn(const char *dir, uint64 chunk_id, uint8 tier)
{
	return psprintf("%s/" UINT64_FORMAT ".%s", dir, chunk_id,
					tier == core::kTierCold ? "cold" : "warm");
}

char *
ChunkPath(const core::TableKey &key, uint64 chunk_id, uint8 tier)
{
	return ChunkPathIn(TableDir(key), chunk_id, tier);
}

uint8 *
ReadWholeFile(const char *path, size_t *len)
{
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	struct stat st;
	uint8	   *buf;
	size_t		done = 0;

	if (fd < 0)
	{
		if (errno == ENOENT)
			return NULL;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path)));
	}
	if (fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	buf = static_cast<uint8 *>(palloc_extended(Max(st.st_size, 1), MCXT_ALLOC_HUGE));
	while (done < (size_t) st.st_size)
	{
		ssize_t		n = read(fd, buf + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", path)));
		if (n == 0)
			break;
		done += n;
	}
	CloseTransientFile(fd);
	*len = done;
	return buf;
}

static const BrokenTable *
FindBroken(const core::TableKey &key)
{
	uint32		n = pg_atomic_read_u32(&storage_shared->nbroken);

	pg_read_barrier();
	for (uint32 i = 0; i < n; i++)
		if (memcmp(&storage_shared->broken[i].key, &key, sizeof(key)) == 0)
			return &storage_shared->broken[i];
	return NULL;
}

pg_atomic_uint32 *pins_by_proc = NULL;

bool
TableIsBroken(const core::TableKey &key)
{
	return FindBroken(key) != NULL;
}

void
CheckTableUsable(const core::TableKey &key)
{
	const BrokenTable *b = FindBroken(key);

	if (b != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s", b->message),
				 errdetail("The ztsdb writer stopped working on this table; other tables are not affected."),
				 errhint("Restore the table's files from a backup and restart the server, or drop the table.")));
}

bool
MarkTableBroken(const core::TableKey &key, const char *message)
{
	uint32		n = pg_atomic_read_u32(&storage_shared->nbroken);

	if (FindBroken(key) != NULL)
		return true;
	if (n >= (uint32) kMaxBrokenTables)
		return false;
	storage_shared->broken[n].key = key;
	strlcpy(storage_shared->broken[n].message, message, sizeof(storage_shared->broken[n].message));
	pg_write_barrier();
	pg_atomic_write_u32(&storage_shared->nbroken, n + 1);
	return true;
}

bool
ReadManifest(const core::TableKey &key, Manifest *out)
{
	char	   *path = ManifestPath(key);
	size_t		len;
	uint8	   *data = ReadWholeFile(path, &len);
	const uint8 *chunks;
	const uint8 *windows;
	core::Status st;

	if (data == NULL)
		return false;
	st = core::DecodeManifest(data, len, &out->header, &chunks, &windows);
	if (!st.ok())
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb manifest \"%s\" is corrupt: %s", path, st.message)));
	out->chunks = static_cast<core::ManifestChunk *>(
		palloc(sizeof(core::ManifestChunk) * Max(out->header.nchunks, 1)));
	out->windows = static_cast<core::ManifestWindow *>(
		palloc(sizeof(core::ManifestWindow) * Max(out->header.nwindows, 1)));
	for (uint32 i = 0; i < out->header.nchunks; i++)
		core::GetManifestChunk(out->header, chunks, i, &out->chunks[i]);
	for (uint32 i = 0; i < out->header.nwindows; i++)
		core::GetManifestWindow(windows, i, &out->windows[i]);
	return true;
}

} // namespace ztsdb
