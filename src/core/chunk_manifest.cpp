/*-------------------------------------------------------------------------
 *
 * chunk_manifest.cpp
 *	  Encoding and validating a table's manifest (core zone).
 *
 * Byte layout (little-endian):
 *	u32 magic "ZTSM", u16 version, u16 reserved
 *	u16 ncols, i16 time_col, i16 series_col, u16 reserved, u8 types[64]
 *	u64 next_chunk_id, u32 nchunks, u32 nwindows
 *	nchunks x chunk (kChunkBytes; version 1: kChunkBytesV1, the first part):
 *		u64 chunk_id, i64 min_ts, i64 max_ts, u32 nrows, u32 flags,
 *		u8 tier, u8[7] reserved, u64 file_bytes, u64 raw_bytes,
 *		series filter (series_filter.h): u32 valid, u32 reserved,
 *		i64 min_series, i64 max_series, u8 bits[kSeriesFilterBytes]
 *	nwindows x window (kWindowBytes):
 *		i64 window_start, u64 cover_lsn, u32 cover_row, u32 reserved
 *	u32 crc (CRC32C of everything before it)
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"

#include "ztsdb/core/byte_io.h"
#include "ztsdb/core/crc.h"

namespace ztsdb::core {

namespace {

constexpr uint32_t kMagic = 0x4D53545A;	/* "ZTSM" */
constexpr uint16_t kVersion = 2;	/* 1: without series filters, still read */
constexpr size_t kFixedBytes = 8 + 8 + kMaxColumns + 16;
constexpr size_t kChunkBytesV1 = 8 + 8 + 8 + 4 + 4 + 8 + 8 + 8;
constexpr size_t kChunkBytes = kChunkBytesV1 + 4 + 4 + 8 + 8 + kSeriesFilterBytes;
constexpr size_t kWindowBytes = 8 + 8 + 4 + 4;

/*
 * LayoutValid tells whether a manifest's table layout is one a chunk file
 * could have: 1..kMaxColumns columns of known types, a timestamp time
 * column, and no series column or an integer one.
 */
bool
LayoutValid(const ChunkLayout &l)
{
	if (l.ncols == 0 || l.ncols > kMaxColumns)
		return false;
	for (uint16_t c = 0; c < l.ncols; c++)
		if (!ColumnTypeValid(static_cast<uint8_t>(l.types[c])))
			return false;
	if (l.time_col < 0 || l.time_col >= l.ncols ||
		(l.types[l.time_col] != ColumnType::kTimestamp &&
		 l.types[l.time_col] != ColumnType::kTimestampNoTz))
		return false;
	if (l.series_col < -1 || l.series_col >= l.ncols)
		return false;
	return l.series_col < 0 || l.types[l.series_col] == ColumnType::kInt2 ||
		l.types[l.series_col] == ColumnType::kInt4 ||
		l.types[l.series_col] == ColumnType::kInt8;
}

} // namespace

size_t
MaxManifestSize(uint32_t nchunks, uint32_t nwindows) noexcept
{
	return kFixedBytes + (size_t) nchunks * kChunkBytes + (size_t) nwindows * kWindowBytes + 4;
}

Status
EncodeManifest(const ManifestHeader &header, const ManifestChunk *chunks,
			   const ManifestWindow *windows, uint8_t *out, size_t out_cap,
			   size_t *out_len) noexcept
{
	ByteWriter	w(out, out_cap);

	if (!LayoutValid(header.layout))
		return Status::Invalid("invalid manifest layout");
	if ((header.nchunks > 0 && chunks == nullptr) || (header.nwindows > 0 && windows == nullptr))
		return Status::Invalid("manifest entries missing");
	for (uint32_t i = 0; i < header.nchunks; i++)
		if (chunks[i].meta.tier != kTierWarm && chunks[i].meta.tier != kTierCold)
			return Status::Invalid("a manifest lists only warm and cold chunks");
	w.Put<uint32_t>(kMagic);
	w.Put<uint16_t>(kVersion);
	w.Put<uint16_t>(0);
	w.Put<uint16_t>(header.layout.ncols);
	w.Put<int16_t>(header.layout.time_col);
	w.Put<int16_t>(header.layout.series_col);
	w.Put<uint16_t>(0);
	for (uint16_t c = 0; c < kMaxColumns; c++)
		w.Put<uint8_t>(c < header.layout.ncols ? static_cast<uint8_t>(header.layout.types[c]) : 0);
	w.Put<uint64_t>(header.next_chunk_id);
	w.Put<uint32_t>(header.nchunks);
	w.Put<uint32_t>(header.nwindows);
	for (uint32_t i = 0; i < header.nchunks; i++)
	{
		const ManifestChunk &c = chunks[i];

		w.Put<uint64_t>(c.meta.chunk_id);
		w.Put<int64_t>(c.meta.min_ts);
		w.Put<int64_t>(c.meta.max_ts);
		w.Put<uint32_t>(c.meta.nrows);
		w.Put<uint32_t>(c.meta.flags);
		w.Put<uint8_t>(c.meta.tier);
		w.Zeros(7);
		w.Put<uint64_t>(c.file_bytes);
		w.Put<uint64_t>(c.raw_bytes);
		w.Put<uint32_t>(c.filter.valid ? 1 : 0);
		w.Put<uint32_t>(0);
		w.Put<int64_t>(c.filter.min_series);
		w.Put<int64_t>(c.filter.max_series);
		for (uint32_t b = 0; b < kSeriesFilterBytes; b++)
			w.Put<uint8_t>(c.filter.valid ? c.filter.bits[b] : 0);
	}
	for (uint32_t i = 0; i < header.nwindows; i++)
	{
		w.Put<int64_t>(windows[i].window_start);
		w.Put<uint64_t>(windows[i].cover_lsn);
		w.Put<uint32_t>(windows[i].cover_row);
		w.Put<uint32_t>(0);
	}
	if (w.overflow())
		return Status::NoSpace("manifest buffer too small");
	w.Put<uint32_t>(Crc32c(out, w.len()));
	if (w.overflow())
		return Status::NoSpace("manifest buffer too small");
	*out_len = w.len();
	return Status::Ok();
}

Status
DecodeManifest(const uint8_t *data, size_t len, ManifestHeader *header, const uint8_t **chunks,
			   const uint8_t **windows) noexcept
{
	ByteReader	r(data, len);
	uint32_t	crc;

	if (len < kFixedBytes + 4)
		return Status::Corrupt("manifest truncated");
	memcpy(&crc, data + len - 4, 4);
	if (Crc32c(data, len - 4) != crc)
		return Status::Corrupt("manifest checksum mismatch");
	if (r.Get<uint32_t>() != kMagic)
		return Status::Corrupt("not a ztsdb manifest (bad magic)");
	header->version = r.Get<uint16_t>();
	if (header->version != 1 && header->version != kVersion)
		return Status::Corrupt("unsupported manifest version");
	header->chunk_bytes = header->version == 1 ? kChunkBytesV1 : kChunkBytes;
	r.Skip(2);
	header->layout = ChunkLayout{};
	header->layout.ncols = r.Get<uint16_t>();
	header->layout.time_col = r.Get<int16_t>();
	header->layout.series_col = r.Get<int16_t>();
	r.Skip(2);
	for (uint16_t c = 0; c < kMaxColumns; c++)
		header->layout.types[c] = static_cast<ColumnType>(r.Get<uint8_t>());
	header->next_chunk_id = r.Get<uint64_t>();
	header->nchunks = r.Get<uint32_t>();
	header->nwindows = r.Get<uint32_t>();
	if (r.bad())
		return Status::Corrupt("manifest truncated");
	if (!LayoutValid(header->layout))
		return Status::Corrupt("manifest has an invalid table layout");
	if ((uint64_t) header->nchunks * header->chunk_bytes + (uint64_t) header->nwindows * kWindowBytes !=
		len - 4 - kFixedBytes)
		return Status::Corrupt("manifest length does not match its entries");
	*chunks = data + kFixedBytes;
	*windows = data + kFixedBytes + (size_t) header->nchunks * header->chunk_bytes;
	for (uint32_t i = 0; i < header->nchunks; i++)
	{
		uint8_t		tier = (*chunks)[(size_t) i * header->chunk_bytes + 32];

		if (tier != kTierWarm && tier != kTierCold)
			return Status::Corrupt("manifest lists a chunk of an invalid tier");
	}
	return Status::Ok();
}

void
GetManifestChunk(const ManifestHeader &header, const uint8_t *chunks, uint32_t i,
				 ManifestChunk *out) noexcept
{
	ByteReader	r(chunks + (size_t) i * header.chunk_bytes, header.chunk_bytes);

	out->meta.chunk_id = r.Get<uint64_t>();
	out->meta.min_ts = r.Get<int64_t>();
	out->meta.max_ts = r.Get<int64_t>();
	out->meta.nrows = r.Get<uint32_t>();
	out->meta.flags = r.Get<uint32_t>();
	out->meta.tier = r.Get<uint8_t>();
	r.Skip(7);
	out->file_bytes = r.Get<uint64_t>();
	out->raw_bytes = r.Get<uint64_t>();
	memset(&out->filter, 0, sizeof(out->filter));
	if (header.chunk_bytes == kChunkBytes)
	{
		out->filter.valid = r.Get<uint32_t>() == 1 ? 1 : 0;
		r.Skip(4);
		out->filter.min_series = r.Get<int64_t>();
		out->filter.max_series = r.Get<int64_t>();
		for (uint32_t b = 0; b < kSeriesFilterBytes; b++)
			out->filter.bits[b] = r.Get<uint8_t>();
	}
}

void
GetManifestWindow(const uint8_t *windows, uint32_t i, ManifestWindow *out) noexcept
{
	ByteReader	r(windows + (size_t) i * kWindowBytes, kWindowBytes);

	out->window_start = r.Get<int64_t>();
	out->cover_lsn = r.Get<uint64_t>();
	out->cover_row = r.Get<uint32_t>();
	out->reserved = r.Get<uint32_t>();
}

} // namespace ztsdb::core
