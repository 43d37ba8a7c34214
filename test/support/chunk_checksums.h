/*-------------------------------------------------------------------------
 *
 * chunk_checksums.h
 *	  Test-only helpers that recompute every checksum of a chunk file or a
 *	  manifest after its bytes were changed.
 *
 * A flipped byte is nearly always caught by a CRC32C, so a test or a fuzzer
 * that only flips bytes never reaches the structural checks behind the
 * checksums (offsets, row counts, block index, batch table).  After
 * RepairChunkChecksums the checksums match whatever the bytes now say, and
 * OpenChunkFile must find the damage by structure alone, or accept a file
 * whose accessors stay in bounds.
 *
 * This knows the byte layout documented at the top of chunk_file.cpp and
 * chunk_manifest.cpp (version 1); keep the offsets below in step with it.
 * It repairs whatever lies within the buffer and skips what does not, so
 * any bytes at all are safe to pass.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/crc.h"

namespace ztsdb::test {

/* header field offsets, chunk_file.cpp version 1 */
constexpr size_t kChunkHeaderBytes = 168;
constexpr size_t kOffTier = 6;
constexpr size_t kOffNcols = 8;
constexpr size_t kOffTypes = 16;
constexpr size_t kOffNrows = 104;
constexpr size_t kOffNbatches = 112;
constexpr size_t kOffNblocks = 116;
constexpr size_t kOffBatchesOff = 120;
constexpr size_t kOffBlocksOff = 128;
constexpr size_t kOffDirOff = 136;
constexpr size_t kOffFileLen = 144;
constexpr size_t kOffBatchesCrc = 152;
constexpr size_t kOffBlocksCrc = 156;
constexpr size_t kOffDirCrc = 160;
constexpr size_t kOffHeaderCrc = 164;

template<typename T>
inline T
LoadAt(const uint8_t *p, size_t off)
{
	T			v;

	memcpy(&v, p + off, sizeof(T));
	return v;
}

template<typename T>
inline void
StoreAt(uint8_t *p, size_t off, T v)
{
	memcpy(p + off, &v, sizeof(T));
}

/* RangeIn tells whether [off, off + len) lies within a buffer of size bytes. */
inline bool
RangeIn(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

/*
 * RepairChunkChecksums rewrites, in place, file_len and every checksum of
 * the chunk file in data[0 .. len) to match its current contents: data
 * blocks first, then the sections that list their checksums, then the
 * header.  Returns false when len is too short to hold a header.
 */
inline bool
RepairChunkChecksums(uint8_t *data, size_t len)
{
	using ztsdb::core::ColumnType;
	using ztsdb::core::ColumnTypeValid;
	using ztsdb::core::ColumnWidth;
	using ztsdb::core::Crc32c;

	if (len < kChunkHeaderBytes)
		return false;

	uint8_t		tier = data[kOffTier];
	uint16_t	ncols = LoadAt<uint16_t>(data, kOffNcols);
	uint32_t	nrows = LoadAt<uint32_t>(data, kOffNrows);
	uint32_t	nbatches = LoadAt<uint32_t>(data, kOffNbatches);
	uint32_t	nblocks = LoadAt<uint32_t>(data, kOffNblocks);
	uint64_t	batches_off = LoadAt<uint64_t>(data, kOffBatchesOff);
	uint64_t	blocks_off = LoadAt<uint64_t>(data, kOffBlocksOff);
	uint64_t	dir_off = LoadAt<uint64_t>(data, kOffDirOff);
	bool		cold = tier == ztsdb::core::kTierCold;
	uint64_t	ndir = cold ? (uint64_t) nblocks * ncols : ncols;

	StoreAt<uint64_t>(data, kOffFileLen, len);

	/* column directory entries: 24 bytes each */
	if (ndir <= len / 24 && RangeIn(dir_off, ndir * 24, len))
	{
		for (uint64_t i = 0; i < ndir; i++)
		{
			size_t		e = dir_off + i * 24;
			uint64_t	a = LoadAt<uint64_t>(data, e);
			uint64_t	b = LoadAt<uint64_t>(data, e + 8);

			if (cold)
			{
				if (RangeIn(a, b, len))
					StoreAt<uint32_t>(data, e + 16, Crc32c(data + a, b));
				continue;
			}
			if (i >= ztsdb::core::kMaxColumns ||
				!ColumnTypeValid(data[kOffTypes + i]))
				continue;

			uint64_t	vbytes = ColumnWidth(static_cast<ColumnType>(data[kOffTypes + i])) *
				(uint64_t) nrows;
			uint64_t	bbytes = ((uint64_t) nrows + 7) / 8;

			if (RangeIn(a, vbytes, len))
				StoreAt<uint32_t>(data, e + 16, Crc32c(data + a, vbytes));
			if (b != 0 && RangeIn(b, bbytes, len))
				StoreAt<uint32_t>(data, e + 20, Crc32c(data + b, bbytes));
		}
		StoreAt<uint32_t>(data, kOffDirCrc, Crc32c(data + dir_off, ndir * 24));
	}
	if (RangeIn(batches_off, (uint64_t) nbatches * 16, len))
		StoreAt<uint32_t>(data, kOffBatchesCrc,
						  Crc32c(data + batches_off, (size_t) nbatches * 16));
	if (RangeIn(blocks_off, (uint64_t) nblocks * 40, len))
		StoreAt<uint32_t>(data, kOffBlocksCrc,
						  Crc32c(data + blocks_off, (size_t) nblocks * 40));
	StoreAt<uint32_t>(data, kOffHeaderCrc, Crc32c(data, kOffHeaderCrc));
	return true;
}

/*
 * RepairManifestChecksum rewrites the trailing CRC32C of the manifest in
 * data[0 .. len).  Returns false when len cannot hold one.
 */
inline bool
RepairManifestChecksum(uint8_t *data, size_t len)
{
	if (len < 4)
		return false;
	StoreAt<uint32_t>(data, len - 4, ztsdb::core::Crc32c(data, len - 4));
	return true;
}

} // namespace ztsdb::test
