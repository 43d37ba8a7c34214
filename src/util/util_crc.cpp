/*-------------------------------------------------------------------------
 *
 * util_crc.cpp
 *	  Crc32c() for the core zone, backed by PostgreSQL's pg_crc32c.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/crc.h"
#include "ztsdb/pg.h"

namespace ztsdb::core {

uint32_t
Crc32c(const void *data, size_t len) noexcept
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

} // namespace ztsdb::core
