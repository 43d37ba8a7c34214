/*-------------------------------------------------------------------------
 *
 * chunk_test_support.h
 *	  Test-only helpers for chunk files and manifests, shared by the unit
 *	  tests and the fuzz targets: recompute every checksum after bytes were
 *	  changed, and read an accepted file in full checking what readers are
 *	  promised.
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
#include <vector>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/codec.h"
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

/*
 * ExerciseChunkFile opens data[0 .. len) and, when it opens, calls every
 * accessor on every batch, block and column, touching every byte a warm
 * column hands out and decoding every cold block into exactly sized
 * arrays, so that ASan reports any access out of bounds.  Returns nullptr
 * when the file was refused or kept every promise of chunk_file.h, else
 * what it broke.  *opened tells whether OpenChunkFile accepted it.
 */
inline const char *
ExerciseChunkFile(const uint8_t *data, size_t len, bool verify_data, bool *opened)
{
	using namespace ztsdb::core;

	ChunkReader r;
	volatile uint8_t sink = 0;
	uint64_t	next_row = 0;

	*opened = OpenChunkFile(data, len, &r, verify_data).ok();
	if (!*opened)
		return nullptr;
	if (r.layout.ncols < 1 || r.layout.ncols > kMaxColumns)
		return "column count out of range";
	for (uint16_t c = 0; c < r.layout.ncols; c++)
		if (!ColumnTypeValid(static_cast<uint8_t>(r.layout.types[c])))
			return "invalid column type";
	if (r.layout.time_col < 0 || r.layout.time_col >= r.layout.ncols ||
		(r.layout.types[r.layout.time_col] != ColumnType::kTimestamp &&
		 r.layout.types[r.layout.time_col] != ColumnType::kTimestampNoTz))
		return "invalid time column";
	if (r.layout.series_col < -1 || r.layout.series_col >= r.layout.ncols ||
		(r.layout.series_col >= 0 && r.layout.types[r.layout.series_col] != ColumnType::kInt2 &&
		 r.layout.types[r.layout.series_col] != ColumnType::kInt4 &&
		 r.layout.types[r.layout.series_col] != ColumnType::kInt8))
		return "invalid series column";
	if (((r.meta.flags & kChunkSorted) != 0) != (r.nbatches == 0))
		return "batch table does not match the sort flag";
	for (uint32_t i = 0; i < r.nbatches; i++)
	{
		BatchEntry	e;
		BatchEntry	prev;

		GetBatch(r, i, &e);
		if (e.row_start > r.meta.nrows || (i == 0 && e.row_start != 0))
			return "batch out of range";
		if (i > 0)
		{
			GetBatch(r, i - 1, &prev);
			if (prev.row_start > e.row_start)
				return "batch table not in row order";
		}
	}
	if (r.meta.tier == kTierWarm ? r.nblocks != (r.meta.nrows > 0 ? 1u : 0u)
		: r.meta.tier != kTierCold)
		return "invalid tier or block count";
	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		BlockInfo	info;

		GetBlockInfo(r, b, &info);
		if (info.row_start != next_row || info.nrows == 0 || info.nrows > kMaxBlockRows)
			return "blocks do not cover the rows in order";
		next_row += info.nrows;
		for (uint16_t c = 0; c < r.layout.ncols; c++)
		{
			size_t		w = ColumnWidth(r.layout.types[c]);

			if (r.meta.tier == kTierWarm)
			{
				const void *v;
				const uint8_t *bits;

				if (!WarmColumn(r, c, &v, &bits).ok())
					return "warm column refused";
				if ((static_cast<const uint8_t *>(v) - r.data) % 8 != 0)
					return "warm values not aligned to 8";
				for (size_t i = 0; i < (size_t) r.meta.nrows * w; i++)
					sink = sink + static_cast<const uint8_t *>(v)[i];
				if (bits != nullptr)
					for (size_t i = 0; i < (r.meta.nrows + 7) / 8; i++)
						sink = sink + bits[i];
			}
			else
			{
				std::vector<uint8_t> vals((size_t) info.nrows * w);
				std::vector<uint8_t> valid((info.nrows + 7) / 8);

				(void) DecodeColdColumn(r, b, c, vals.data(), valid.data());
			}
		}
	}
	if (next_row != r.meta.nrows)
		return "blocks do not add up to the rows";
	(void) sink;
	return nullptr;
}

} // namespace ztsdb::test
