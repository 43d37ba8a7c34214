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
	}
}

void
GenerationStart(void)
{
	size_t		len = 0;
	uint8	   *data = ReadWholeFile(GENERATIONS_FILE, &len);
	uint32		count = 0;
	uint32	   *bounds;
	int			fd;
	uint32		crc;

	if (data != NULL)
	{
		uint32		stored;

		if (len < 8 || (memcpy(&count, data, 4), len != 8 + 4 * (size_t) count))
			ereport(FATAL,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb file \"%s\" is truncated", GENERATIONS_FILE)));
		memcpy(&stored, data + len - 4, 4);
		if (core::Crc32c(data, len - 4) != stored)
			ereport(FATAL,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb file \"%s\" is corrupt", GENERATIONS_FILE)));
	}
	if (count + 1 >= (uint32) kMaxGenerations)
		ereport(FATAL,
				(errmsg("ztsdb has been restarted more than %d times", kMaxGenerations - 2),
				 errhint("XXX: compacting old generations is not implemented yet.")));

	/* generation 0 is never used: every writer start makes a new one >= 1 */
	bounds = static_cast<uint32 *>(palloc0(sizeof(uint32) * (count + 2)));
	if (count > 0)
		memcpy(bounds, data + 4, 4 * (size_t) count);
	else
		count = 1;
	bounds[count] = XidFromFullTransactionId(ReadNextFullTransactionId());
	count++;

	{
		size_t		newlen = 8 + 4 * (size_t) count;
		uint8	   *buf = static_cast<uint8 *>(palloc(newlen));

		memcpy(buf, &count, 4);
		memcpy(buf + 4, bounds, 4 * (size_t) count);
		crc = core::Crc32c(buf, newlen - 4);
		memcpy(buf + newlen - 4, &crc, 4);
		fd = OpenTransientFile(GENERATIONS_FILE ".tmp", O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);
		if (fd < 0 || write(fd, buf, newlen) != (ssize_t) newlen || pg_fsync(fd) != 0)
			ereport(FATAL,
					(errcode_for_file_access(),
					 errmsg("could not write \"%s\": %m", GENERATIONS_FILE ".tmp")));
		CloseTransientFile(fd);
		(void) durable_rename(GENERATIONS_FILE ".tmp", GENERATIONS_FILE, FATAL);
	}

	for (uint32 g = 0; g < count; g++)
		generation_shared->boundary[g] = bounds[g];
	generation_shared->count = count;
	pg_write_barrier();
	pg_atomic_write_u32(&generation_shared->current, count - 1);
	ereport(LOG,
			(errmsg("ztsdb: writer generation %u starts at xid %u", count - 1, bounds[count - 1])));
}

} // namespace ztsdb
