/*-------------------------------------------------------------------------
 *
 * wal_generation.cpp
 *	  Writer generations (see wal_generation.h).
 *
 * File ztsdb/wal/generations: u32 n, then n u32 entries, then a u32
 * CRC32C; rewritten with write-temp + fsync + rename.  Entry 0 is base, the
 * oldest generation still known; entry i > 0 is the boundary of generation
 * base + i (the first xid PostgreSQL had not assigned when it began).  So
 * the newest generation is base + n - 1.  (Files of the first format had
 * boundary[0] = 0 in entry 0, which reads the same: base 0.)
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
		generation_shared->base = 0;
		generation_shared->count = 0;
		generation_shared->nsidecar = 0;
	}
}

/*
 * The files here hold u32 count, count fixed-size entries, u32 CRC32C, and
 * are rewritten with write-temp + fsync + rename.  ReadCountedFile returns
 * the entries (NULL if the file does not exist); damage is an ERROR that
 * keeps the writer from starting (it says so to backends and retries,
 * wal_writer.cpp): it cannot decide visibility without them.
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
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb file \"%s\" is truncated", path)));
	memcpy(&stored, data + len - 4, 4);
	if (core::Crc32c(data, len - 4) != stored)
		ereport(ERROR,
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
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write \"%s\": %m", tmp)));
	CloseTransientFile(fd);
	(void) durable_rename(tmp, path, ERROR);
	pfree(buf);
}

void
GenerationForgotten(uint32 gen)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("ztsdb rows refer to writer generation %u, which \"%s\" no longer holds",
					gen, GENERATIONS_FILE),
			 errdetail("The oldest generation kept is %u.", generation_shared->base)));
}

/* PublishGenerations copies entries (see the file header) to shared memory. */
static void
PublishGenerations(const uint32 *entries, uint32 n)
{
	generation_shared->base = entries[0];
	for (uint32 i = 0; i < n; i++)
		generation_shared->boundary[i] = entries[i];
	generation_shared->count = entries[0] + n;
}

void
GenerationStart(void)
{
	uint32		n = 0;
	const uint8 *data = ReadCountedFile(GENERATIONS_FILE, 4, kMaxGenerations, &n);
	uint32	   *entries;

	/*
	 * Unreachable unless kMaxGenerations / 2 restarts come before the WAL
	 * checkpoint can move (see the header: replay seals everything first).
	 */
	if (n + 1 > (uint32) kMaxGenerations)
		ereport(ERROR,
				(errmsg("ztsdb has been restarted %d times since its sidecar WAL checkpoint", kMaxGenerations - 1),
				 errdetail("ztsdb/wal/generations holds one entry per writer start still named by the WAL or a chunk file.")));

	entries = static_cast<uint32 *>(palloc0(sizeof(uint32) * (n + 2)));
	if (n > 0)
		memcpy(entries, data, 4 * (size_t) n);
	else
		n = 1;					/* base 0; generation 0 is never used */
	entries[n] = XidFromFullTransactionId(ReadNextFullTransactionId());
	n++;
	WriteCountedFile(GENERATIONS_FILE, entries, 4, n);

	PublishGenerations(entries, n);
	pg_write_barrier();
	pg_atomic_write_u32(&generation_shared->current, generation_shared->count - 1);
	ereport(LOG,
			(errmsg("ztsdb: writer generation %u starts at xid %u",
					generation_shared->count - 1, entries[n - 1])));
	pfree(entries);
}

void
GenerationsForget(uint32 keep_from)
{
	uint32		base = generation_shared->base;
	uint32		cur = pg_atomic_read_u32(&generation_shared->current);
	uint32		n;
	uint32	   *entries;

	keep_from = Min(keep_from, cur);
	if (keep_from <= base)
		return;
	n = generation_shared->count - keep_from;
	entries = static_cast<uint32 *>(palloc(sizeof(uint32) * n));
	entries[0] = keep_from;
	for (uint32 i = 1; i < n; i++)
		entries[i] = generation_shared->boundary[keep_from + i - base];
	WriteCountedFile(GENERATIONS_FILE, entries, 4, n);
	PublishGenerations(entries, n);
	pg_write_barrier();
	ereport(LOG,
			(errmsg("ztsdb: writer generations before %u are no longer needed; %u kept", keep_from, n)));
	pfree(entries);
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

int
CompareSidecarKeys(const void *a, const void *b)
{
	uint64		x = *static_cast<const uint64 *>(a);
	uint64		y = *static_cast<const uint64 *>(b);

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* the writer alone updates it, before backends may read (recovery) */
static void
PublishSidecar(const uint64 *keys, uint32 n)
{
	generation_shared->nsidecar = 0;
	pg_write_barrier();
	memcpy(generation_shared->sidecar, keys, sizeof(uint64) * n);
	pg_write_barrier();
	generation_shared->nsidecar = n;
}

void
SidecarCommitsAdd(const uint64 *keys, int n)
{
	uint32		count = generation_shared->nsidecar;
	uint64	   *all;

	if (n == 0)
		return;
	/* entries no file stamps any more are dropped at each start (SidecarCommitsKeepOnly) */
	if (count + (uint32) n > (uint32) kMaxSidecarCommits)
		ereport(ERROR,
				(errmsg("ztsdb has recorded more than %d transactions committed by the sidecar WAL alone",
						kMaxSidecarCommits),
				 errdetail("ztsdb/wal/sidecar_commits holds them while unsorted warm files stamp their rows."),
				 errhint("Restart once the writer has re-sorted those files.")));
	all = static_cast<uint64 *>(palloc(sizeof(uint64) * (count + n)));
	memcpy(all, generation_shared->sidecar, sizeof(uint64) * count);
	memcpy(all + count, keys, sizeof(uint64) * n);
	count += n;
	qsort(all, count, sizeof(uint64), CompareSidecarKeys);

	WriteCountedFile(SIDECAR_FILE, all, 8, count);
	PublishSidecar(all, count);
	ereport(LOG,
			(errmsg("ztsdb: %d transaction(s) committed by the sidecar WAL alone recorded in \"%s\"",
					n, SIDECAR_FILE)));
}

void
SidecarCommitsKeepOnly(const uint64 *keys, int n)
{
	uint32		count = generation_shared->nsidecar;
	uint32		kept = 0;
	uint64	   *keep = static_cast<uint64 *>(palloc(sizeof(uint64) * (count + 1)));

	for (uint32 i = 0; i < count; i++)
	{
		uint64		k = generation_shared->sidecar[i];

		if (n > 0 && bsearch(&k, keys, n, sizeof(uint64), CompareSidecarKeys) != NULL)
			keep[kept++] = k;
	}
	if (kept < count)
	{
		WriteCountedFile(SIDECAR_FILE, keep, 8, kept);
		PublishSidecar(keep, kept);
		ereport(LOG,
				(errmsg("ztsdb: %u transaction(s) committed by the sidecar WAL alone no longer stamped in any chunk file; %u kept",
						count - kept, kept)));
	}
	pfree(keep);
}

} // namespace ztsdb
