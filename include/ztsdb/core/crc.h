/*-------------------------------------------------------------------------
 *
 * crc.h
 *	  CRC32C for the core zone.
 *
 * The core zone cannot include PostgreSQL headers, yet every checksum in
 * ztsdb must be PostgreSQL's own pg_crc32c (hardware accelerated, already
 * verified).  So the core only declares Crc32c(); the definition lives in
 * src/util/util_crc.cpp for the server and in test/support/crc_support.cpp
 * for unit tests and fuzzers, both thin wrappers around COMP_CRC32C.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace ztsdb::core {

/* Crc32c returns the finished CRC32C (init, update, finish) of data[0..len). */
uint32_t	Crc32c(const void *data, size_t len) noexcept;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
