/*-------------------------------------------------------------------------
 *
 * crc_support.cpp
 *	  Crc32c() for unit tests and fuzzers, from PostgreSQL's libpgport.
 *
 * Tests link libpgport.a so the core zone is checked with the very CRC the
 * server uses.  This file is not core zone: it includes c.h.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/crc.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#pragma GCC diagnostic ignored "-Wunused-parameter"
extern "C" {
#include "c.h"
#include "port/pg_crc32c.h"
}
#pragma GCC diagnostic pop

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
