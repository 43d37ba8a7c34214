/*-------------------------------------------------------------------------
 *
 * wal_generation.cpp
 *	  Writer generations (see wal_generation.h).
 *
 * File ztsdb/wal/generations: u32 count, then count u32 boundaries
 * (boundary[g] = first xid PostgreSQL had not assigned when generation g
 * began), then a u32 CRC32C; rewritten with write-temp + fsync + rename.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/storage/storage.h"
#include "ztsdb/wal/wal_generation.h"

#include <fcntl.h>
#include <unistd.h>

extern "C" {
#include "access/transam.h"
}

namespace ztsdb {

#define GENERATIONS_FILE "ztsdb/wal/generations"
#define SIDECAR_FILE "ztsdb/wal/sidecar_commits"

GenerationShared *generation_shared = NULL;

Size
GenerationShmemSize(void)
{
	return sizeof(GenerationShared);
}

void
GenerationShmemInit(void *mem, bool found)
{
	generation_shared = static_cast<GenerationShared *>(mem);
	if (!found)
	{
		pg_atomic_init_u32(&generation_shared->current, 0);
		generation_shared->count = 0;
		generation_shared->nsidecar = 0;
	}
}

/*
 * The files here hold u32 count, count fixed-size entries, u32 CRC32C, and
 * are rewritten with write-temp + fsync + rename.  ReadCountedFile returns
 * the entries (NULL if the file does not exist); damage is FATAL: the
 * writer cannot decide visibility without them.
 */
static uint8 *
ReadCountedFile(const char *path, size_t entry, uint32 max, uint32 *count)
{
	size_t		len = 0;
	uint8	   *data = ReadWholeFile(path, &len);
	uint32		stored;

	*count = 0;
	if (data == NULL)
		return NULL;
	if (len < 8 || (memcpy(count, data, 4), len != 8 + entry * (size_t) *count) || *count > max)
		ereport(FATAL,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb file \"%s\" is truncated", path)));
	memcpy(&stored, data + len - 4, 4);
	if (core::Crc32c(data, len - 4) != stored)
		ereport(FATAL,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb file \"%s\" is corrupt", path)));
	return data + 4;
}

static void
WriteCountedFile(const char *path, const void *entries, size_t entry, uint32 count)
{
	size_t		len = 8 + entry * (size_t) count;
	uint8	   *buf = static_cast<uint8 *>(palloc(len));
	char		tmp[MAXPGPATH];
	uint32		crc;
	int			fd;

	memcpy(buf, &count, 4);
	memcpy(buf + 4, entries, entry * (size_t) count);
	crc = core::Crc32c(buf, len - 4);
	memcpy(buf + len - 4, &crc, 4);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = OpenTransientFile(tmp, O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);
	if (fd < 0 || write(fd, buf, len) != (ssize_t) len || pg_fsync(fd) != 0)
		ereport(FATAL,
				(errcode_for_file_access(),
				 errmsg("could not write \"%s\": %m", tmp)));
	CloseTransientFile(fd);
	(void) durable_rename(tmp, path, FATAL);
	pfree(buf);
}

void
GenerationStart(void)
{
	uint32		count = 0;
	const uint8 *data = ReadCountedFile(GENERATIONS_FILE, 4, kMaxGenerations, &count);
	uint32	   *bounds;

	/* XXX: drop generations no WAL record or chunk file refers to any more */
	if (count + 1 >= (uint32) kMaxGenerations)
		ereport(FATAL,
				(errmsg("ztsdb has been restarted more than %d times", kMaxGenerations - 2),
				 errdetail("ztsdb/wal/generations keeps one entry per writer start and is not compacted yet.")));

	/* generation 0 is never used: every writer start makes a new one >= 1 */
	bounds = static_cast<uint32 *>(palloc0(sizeof(uint32) * (count + 2)));
	if (count > 0)
		memcpy(bounds, data, 4 * (size_t) count);
	else
		count = 1;
	bounds[count] = XidFromFullTransactionId(ReadNextFullTransactionId());
	count++;
	WriteCountedFile(GENERATIONS_FILE, bounds, 4, count);

	for (uint32 g = 0; g < count; g++)
		generation_shared->boundary[g] = bounds[g];
	generation_shared->count = count;
	pg_write_barrier();
	pg_atomic_write_u32(&generation_shared->current, count - 1);
	ereport(LOG,
			(errmsg("ztsdb: writer generation %u starts at xid %u", count - 1, bounds[count - 1])));
}

/* File ztsdb/wal/sidecar_commits: count u64 SidecarKeys, sorted (a counted file). */
void
SidecarCommitsLoad(void)
{
	uint32		count = 0;
	const uint8 *data = ReadCountedFile(SIDECAR_FILE, 8, kMaxSidecarCommits, &count);

	generation_shared->nsidecar = 0;
	if (data == NULL)
		return;
	memcpy(generation_shared->sidecar, data, 8 * (size_t) count);
	pg_write_barrier();
	generation_shared->nsidecar = count;
}

static int
CompareKeys(const void *a, const void *b)
{
	uint64		x = *static_cast<const uint64 *>(a);
	uint64		y = *static_cast<const uint64 *>(b);

	return x < y ? -1 : (x > y ? 1 : 0);
}

void
SidecarCommitsAdd(const uint64 *keys, int n)
{
	uint32		count = generation_shared->nsidecar;
	uint64	   *all;

	if (n == 0)
		return;
	/* XXX: drop entries once no chunk file stamps their xid (re-sorted or compressed) */
	if (count + (uint32) n > (uint32) kMaxSidecarCommits)
		ereport(FATAL,
				(errmsg("ztsdb has recorded more than %d transactions committed by the sidecar WAL alone",
						kMaxSidecarCommits),
				 errdetail("ztsdb/wal/sidecar_commits is not compacted yet.")));
	all = static_cast<uint64 *>(palloc(sizeof(uint64) * (count + n)));
	memcpy(all, generation_shared->sidecar, sizeof(uint64) * count);
	memcpy(all + count, keys, sizeof(uint64) * n);
	count += n;
	qsort(all, count, sizeof(uint64), CompareKeys);

	WriteCountedFile(SIDECAR_FILE, all, 8, count);

	/* the writer alone updates it, before backends may read (recovery) */
	generation_shared->nsidecar = 0;
	pg_write_barrier();
	memcpy(generation_shared->sidecar, all, sizeof(uint64) * count);
	pg_write_barrier();
	generation_shared->nsidecar = count;
	ereport(LOG,
			(errmsg("ztsdb: %d transaction(s) committed by the sidecar WAL alone recorded in \"%s\"",
					n, SIDECAR_FILE)));
}

} // namespace ztsdb
