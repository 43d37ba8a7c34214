/*-------------------------------------------------------------------------
 *
 * chunk_file.cpp
 *	  Encoding and validating warm and cold chunk files (core zone).
 *
 * Byte layout (little-endian; every offset from the start of the file):
 *
 *	header (kHeaderBytes)
 *		u32 magic "ZTSC", u16 version, u8 tier, u8 reserved
 *		u16 ncols, i16 time_col, i16 series_col, u16 reserved
 *		u8 types[64]
 *		u64 chunk_id, i64 min_ts, i64 max_ts, u32 nrows, u32 flags
 *		u32 nbatches, u32 nblocks
 *		u64 batches_off, u64 blocks_off, u64 dir_off, u64 file_len
 *		u32 batches_crc, u32 blocks_crc, u32 dir_crc, u32 header_crc
 *	batch table: nbatches x {u32 row_start, u32 xid, u32 cid, u32 generation}
 *	block index: nblocks x {u32 row_start, u32 nrows, i64 min_ts, i64 max_ts,
 *						   i64 min_series, i64 max_series}
 *	column directory, 24-byte entries:
 *		warm: per column {u64 values_off, u64 validity_off (0: no NULLs),
 *						  u32 values_crc, u32 validity_crc}
 *		cold: per block, per column {u64 off, u64 len, u32 crc, u32 reserved}
 *	data: warm columns as plain arrays aligned to 8 (zero-copy through
 *		mmap), validity bitmaps; cold blocks as written by EncodeColumn.
 *		Cold blocks of one column whose encoded bytes are equal (series
 *		sharing a timestamp vector, repeated constants) are stored once:
 *		their directory entries hold the same off, len and crc.  Entries
 *		may therefore overlap; each is checked on its own.
 *
 * header_crc covers the header bytes before it; each section and each data
 * block has its own CRC32C.  OpenChunkFile checks all of them and every
 * bound, so the accessors afterwards need no checks of their own.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/chunk_file.h"

#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "ztsdb/core/byte_io.h"
#include "ztsdb/core/codec.h"
#include "ztsdb/core/crc.h"

namespace ztsdb::core {

namespace {

constexpr uint32_t kMagic = 0x4353545A;	/* "ZTSC" */
constexpr uint16_t kVersion = 1;
constexpr size_t kHeaderBytes = 4 + 2 + 1 + 1 + 8 + kMaxColumns + 8 * 3 + 4 * 2 + 4 * 2 +
	8 * 4 + 4 * 4;
constexpr size_t kBatchBytes = 16;
constexpr size_t kBlockBytes = 40;
constexpr size_t kDirBytes = 24;

struct Header
{
	uint8_t		tier;
	ChunkLayout layout;
	ChunkMeta	meta;
	uint32_t	nbatches;
	uint32_t	nblocks;
	uint64_t	batches_off;
	uint64_t	blocks_off;
	uint64_t	dir_off;
	uint64_t	file_len;
	uint32_t	batches_crc;
	uint32_t	blocks_crc;
	uint32_t	dir_crc;
};

void
WriteHeader(ByteWriter &w, const Header &h)
{
	w.Put<uint32_t>(kMagic);
	w.Put<uint16_t>(kVersion);
	w.Put<uint8_t>(h.tier);
	w.Put<uint8_t>(0);
	w.Put<uint16_t>(h.layout.ncols);
	w.Put<int16_t>(h.layout.time_col);
	w.Put<int16_t>(h.layout.series_col);
	w.Put<uint16_t>(0);
	for (uint16_t c = 0; c < kMaxColumns; c++)
		w.Put<uint8_t>(c < h.layout.ncols ? static_cast<uint8_t>(h.layout.types[c]) : 0);
	w.Put<uint64_t>(h.meta.chunk_id);
	w.Put<int64_t>(h.meta.min_ts);
	w.Put<int64_t>(h.meta.max_ts);
	w.Put<uint32_t>(h.meta.nrows);
	w.Put<uint32_t>(h.meta.flags);
	w.Put<uint32_t>(h.nbatches);
	w.Put<uint32_t>(h.nblocks);
	w.Put<uint64_t>(h.batches_off);
	w.Put<uint64_t>(h.blocks_off);
	w.Put<uint64_t>(h.dir_off);
	w.Put<uint64_t>(h.file_len);
	w.Put<uint32_t>(h.batches_crc);
	w.Put<uint32_t>(h.blocks_crc);
	w.Put<uint32_t>(h.dir_crc);
}

bool
IsTimestamp(ColumnType t)
{
	return t == ColumnType::kTimestamp || t == ColumnType::kTimestampNoTz;
}

bool
IsInteger(ColumnType t)
{
	return t == ColumnType::kInt2 || t == ColumnType::kInt4 || t == ColumnType::kInt8;
}

Status
CheckLayout(const ChunkLayout &l)
{
	if (l.ncols == 0 || l.ncols > kMaxColumns)
		return Status::Corrupt("chunk file has an invalid column count");
	for (uint16_t c = 0; c < l.ncols; c++)
		if (!ColumnTypeValid(static_cast<uint8_t>(l.types[c])))
			return Status::Corrupt("chunk file has an invalid column type");
	if (l.time_col < 0 || l.time_col >= l.ncols || !IsTimestamp(l.types[l.time_col]))
		return Status::Corrupt("chunk file has an invalid time column");
	if (l.series_col < -1 || l.series_col >= l.ncols ||
		(l.series_col >= 0 && !IsInteger(l.types[l.series_col])))
		return Status::Corrupt("chunk file has an invalid series column");
	return Status::Ok();
}

/*
 * CheckBatches tells whether a batch table is one OpenChunkFile accepts:
 * runs in row order, the first at row 0, none past the last row.  The
 * encoder refuses any other, so it never writes a file no reader can open.
 */
Status
CheckBatches(const BatchEntry *batches, uint32_t nbatches, uint32_t nrows)
{
	if (nbatches > 0 && batches == nullptr)
		return Status::Invalid("chunk file batch table missing");
	if (nbatches > (uint64_t) nrows + 1)
		return Status::Invalid("chunk file batch table has more runs than rows");
	for (uint32_t i = 0; i < nbatches; i++)
		if ((i == 0 && batches[i].row_start != 0) || batches[i].row_start > nrows ||
			(i > 0 && batches[i].row_start < batches[i - 1].row_start))
			return Status::Invalid("chunk file batch table is not in row order from row 0");
	return Status::Ok();
}

inline bool
Bit(const uint8_t *bits, uint32_t i)
{
	return bits == nullptr || ((bits[i >> 3] >> (i & 7)) & 1);
}

int64_t
IntAt(ColumnType t, const void *values, uint32_t i)
{
	switch (t)
	{
		case ColumnType::kInt2:
			{
				int16_t		v;

				memcpy(&v, static_cast<const uint8_t *>(values) + 2 * (size_t) i, 2);
				return v;
			}
		case ColumnType::kInt4:
			{
				int32_t		v;

				memcpy(&v, static_cast<const uint8_t *>(values) + 4 * (size_t) i, 4);
				return v;
			}
		default:
			{
				int64_t		v;

				memcpy(&v, static_cast<const uint8_t *>(values) + 8 * (size_t) i, 8);
				return v;
			}
	}
}

/* in-range check for [off, off + len) within a file of file_len bytes */
inline bool
InBounds(uint64_t off, uint64_t len, uint64_t file_len)
{
	return off <= file_len && len <= file_len - off;
}

struct BlockRec
{
	uint32_t	row_start;
	uint32_t	nrows;
	int64_t		min_ts;
	int64_t		max_ts;
	int64_t		min_series;
	int64_t		max_series;
};

void
FillBlockStats(const ChunkLayout &layout, const ColumnInput *columns, BlockRec *b)
{
	const void *ts = columns[layout.time_col].values;

	b->min_ts = INT64_MAX;
	b->max_ts = INT64_MIN;
	b->min_series = layout.series_col >= 0 ? INT64_MAX : 0;
	b->max_series = layout.series_col >= 0 ? INT64_MIN : 0;
	for (uint32_t r = b->row_start; r < b->row_start + b->nrows; r++)
	{
		int64_t		t = IntAt(ColumnType::kInt8, ts, r);

		b->min_ts = t < b->min_ts ? t : b->min_ts;
		b->max_ts = t > b->max_ts ? t : b->max_ts;
		if (layout.series_col >= 0 && Bit(columns[layout.series_col].validity, r))
		{
			int64_t		s = IntAt(layout.types[layout.series_col],
								  columns[layout.series_col].values, r);

			b->min_series = s < b->min_series ? s : b->min_series;
			b->max_series = s > b->max_series ? s : b->max_series;
		}
	}
	if (layout.series_col >= 0 && b->min_series > b->max_series)
		b->min_series = b->max_series = 0;	/* only NULL series in the block */
}

/*
 * CutColdBlocks splits rows into blocks of at most kColdBlockRows: a block
 * per run of one series (or of NULL series), except that consecutive short
 * runs of non-NULL series (each under kColdPackedRun rows) share a block,
 * as many whole runs as fit in kColdPackedBlockRows.  A block's min/max
 * series then span several series; readers check each row's series anyway.
 */
std::vector<BlockRec>
CutColdBlocks(const ChunkLayout &layout, const ColumnInput *columns, uint32_t nrows)
{
	std::vector<BlockRec> blocks;
	uint32_t	start = 0;

	/* RunEnd returns the end of the series run starting at row a, at most kColdBlockRows long */
	auto		RunEnd = [&](uint32_t a) -> uint32_t {
		const ColumnInput &s = columns[layout.series_col];
		ColumnType	st = layout.types[layout.series_col];
		bool		first_null = !Bit(s.validity, a);
		int64_t		first = first_null ? 0 : IntAt(st, s.values, a);
		uint32_t	e = a + 1;

		while (e < nrows && e - a < kColdBlockRows &&
			   !Bit(s.validity, e) == first_null &&
			   (first_null || IntAt(st, s.values, e) == first))
			e++;
		return e;
	};
	auto		ShortRun = [&](uint32_t a, uint32_t e) -> bool {
		return e - a < kColdPackedRun && Bit(columns[layout.series_col].validity, a);
	};

	while (start < nrows)
	{
		uint32_t	end;

		if (layout.series_col >= 0)
		{
			end = RunEnd(start);
			if (ShortRun(start, end))
			{
				/* pack the following short runs while they fit whole */
				while (end < nrows)
				{
					uint32_t	next_end = RunEnd(end);

					if (!ShortRun(end, next_end) || next_end - start > kColdPackedBlockRows)
						break;
					end = next_end;
				}
			}
		}
		else
			end = start + (nrows - start < kColdBlockRows ? nrows - start : kColdBlockRows);
		BlockRec	b{};

		b.row_start = start;
		b.nrows = end - start;
		FillBlockStats(layout, columns, &b);
		blocks.push_back(b);
		start = end;
	}
	return blocks;
}

std::vector<uint8_t>
SubBitmap(const uint8_t *bits, uint32_t start, uint32_t n)
{
	std::vector<uint8_t> out((n + 7) / 8, 0);

	for (uint32_t i = 0; i < n; i++)
		if (Bit(bits, start + i))
			out[i >> 3] |= static_cast<uint8_t>(1 << (i & 7));
	return out;
}

} // namespace

size_t
MaxChunkFileSize(const ChunkLayout &layout, uint32_t nrows, uint32_t nbatches) noexcept
{
	/* warm files; cold files report the size they need (see EncodeChunkFile) */
	size_t		n = kHeaderBytes + 8 + (size_t) nbatches * kBatchBytes + kBlockBytes + 8 +
		(size_t) layout.ncols * kDirBytes + 8;

	for (uint16_t c = 0; c < layout.ncols && c < kMaxColumns; c++)
		n += ((ColumnWidth(layout.types[c]) * (size_t) nrows + 7) & ~size_t{7}) +
			(((size_t) nrows + 7) / 8 + 7) / 8 * 8 + 16;
	return n;
}

Status
EncodeChunkFile(const ChunkLayout &layout, const ChunkMeta &meta, const ColumnInput *columns,
				const BatchEntry *batches, uint32_t nbatches, uint8_t *out, size_t out_cap,
				size_t *out_len) noexcept
{
	try
	{
		Status		st = CheckLayout(layout);
		Header		h{};
		std::vector<BlockRec> blocks;
		std::vector<uint8_t> dir;
		std::vector<uint8_t> data;
		bool		cold = meta.tier == kTierCold;

		if (!st.ok())
			return Status::Invalid("invalid chunk layout");
		if (meta.tier != kTierWarm && meta.tier != kTierCold)
			return Status::Invalid("chunk files are warm or cold");
		if ((meta.flags & ~kChunkSorted) != 0)
			return Status::Invalid("unknown chunk file flags");
		if (((meta.flags & kChunkSorted) != 0) != (nbatches == 0))
			return Status::Invalid("a chunk file has a batch table exactly when unsorted");
		st = CheckBatches(batches, nbatches, meta.nrows);
		if (!st.ok())
			return st;
		if (meta.nrows > 0 && columns == nullptr)
			return Status::Invalid("chunk file columns missing");
		for (uint16_t c = 0; c < layout.ncols && meta.nrows > 0; c++)
			if (columns[c].values == nullptr)
				return Status::Invalid("chunk file column values missing");

		h.tier = meta.tier;
		h.layout = layout;
		h.meta = meta;
		h.nbatches = nbatches;

		if (cold)
			blocks = CutColdBlocks(layout, columns, meta.nrows);
		else if (meta.nrows > 0)
		{
			BlockRec	b{};

			b.row_start = 0;
			b.nrows = meta.nrows;
			FillBlockStats(layout, columns, &b);
			blocks.push_back(b);
		}
		h.nblocks = static_cast<uint32_t>(blocks.size());

		/* offsets of the sections */
		h.batches_off = (kHeaderBytes + 7) & ~uint64_t{7};
		h.blocks_off = (h.batches_off + (uint64_t) nbatches * kBatchBytes + 7) & ~uint64_t{7};
		h.dir_off = (h.blocks_off + (uint64_t) h.nblocks * kBlockBytes + 7) & ~uint64_t{7};
		uint64_t	ndir = cold ? (uint64_t) h.nblocks * layout.ncols : layout.ncols;
		uint64_t	data_off = (h.dir_off + ndir * kDirBytes + 7) & ~uint64_t{7};

		/* data and directory */
		dir.resize(ndir * kDirBytes);
		ByteWriter	dw(dir.data(), dir.size());

		auto		append = [&](const void *p, size_t n) -> uint64_t {
			uint64_t	off = data_off + data.size();

			data.insert(data.end(), static_cast<const uint8_t *>(p),
						static_cast<const uint8_t *>(p) + n);
			data.resize((data.size() + 7) & ~size_t{7}, 0);
			return off;
		};

		if (!cold)
		{
			for (uint16_t c = 0; c < layout.ncols; c++)
			{
				size_t		vbytes = ColumnWidth(layout.types[c]) * (size_t) meta.nrows;
				uint64_t	voff = append(columns[c].values, vbytes);
				uint64_t	boff = 0;
				uint32_t	bcrc = 0;

				if (columns[c].validity != nullptr)
				{
					size_t		bbytes = (meta.nrows + 7) / 8;

					boff = append(columns[c].validity, bbytes);
					bcrc = Crc32c(columns[c].validity, bbytes);
				}
				dw.Put<uint64_t>(voff);
				dw.Put<uint64_t>(boff);
				dw.Put<uint32_t>(Crc32c(columns[c].values, vbytes));
				dw.Put<uint32_t>(bcrc);
			}
		}
		else
		{
			std::vector<uint8_t> enc;

			/*
			 * Equal encoded blocks of one column are stored once: the
			 * series of one scrape target share their timestamp vector,
			 * and constant columns repeat.  Decoding depends only on the
			 * column type, the bytes and the block's row count, so a
			 * block that points at another's bytes decodes to exactly
			 * what it would have written.
			 */
			struct Stored
			{
				uint64_t	off;
				uint32_t	crc;
			};
			std::vector<std::unordered_map<std::string, Stored>> stored(layout.ncols);

			for (const BlockRec &b : blocks)
				for (uint16_t c = 0; c < layout.ncols; c++)
				{
					size_t		w = ColumnWidth(layout.types[c]);
					const uint8_t *vals = static_cast<const uint8_t *>(columns[c].values) +
						w * b.row_start;
					std::vector<uint8_t> bits;
					size_t		len = 0;

					if (columns[c].validity != nullptr)
						bits = SubBitmap(columns[c].validity, b.row_start, b.nrows);
					enc.resize(MaxEncodedColumnSize(layout.types[c], b.nrows));
					st = EncodeColumn(layout.types[c], vals, bits.empty() ? nullptr : bits.data(),
									  b.nrows, enc.data(), enc.size(), &len);
					if (!st.ok())
						return st;
					auto [it, added] = stored[c].try_emplace(
						std::string(reinterpret_cast<const char *>(enc.data()), len), Stored{});

					if (added)
					{
						it->second.crc = Crc32c(enc.data(), len);
						it->second.off = append(enc.data(), len);
					}
					dw.Put<uint64_t>(it->second.off);
					dw.Put<uint64_t>(len);
					dw.Put<uint32_t>(it->second.crc);
					dw.Put<uint32_t>(0);
				}
		}
		h.file_len = data_off + data.size();

		std::vector<uint8_t> bt((size_t) nbatches * kBatchBytes);
		ByteWriter	bw(bt.data(), bt.size());

		for (uint32_t i = 0; i < nbatches; i++)
		{
			bw.Put<uint32_t>(batches[i].row_start);
			bw.Put<uint32_t>(batches[i].xid);
			bw.Put<uint32_t>(batches[i].cid);
			bw.Put<uint32_t>(batches[i].reserved);	/* writer generation */
		}
		std::vector<uint8_t> bi(blocks.size() * kBlockBytes);
		ByteWriter	iw(bi.data(), bi.size());

		for (const BlockRec &b : blocks)
		{
			iw.Put<uint32_t>(b.row_start);
			iw.Put<uint32_t>(b.nrows);
			iw.Put<int64_t>(b.min_ts);
			iw.Put<int64_t>(b.max_ts);
			iw.Put<int64_t>(b.min_series);
			iw.Put<int64_t>(b.max_series);
		}
		h.batches_crc = Crc32c(bt.data(), bt.size());
		h.blocks_crc = Crc32c(bi.data(), bi.size());
		h.dir_crc = Crc32c(dir.data(), dir.size());

		*out_len = h.file_len;
		if (h.file_len > out_cap)
			return Status::NoSpace("chunk file buffer too small; *out_len holds the size needed");

		ByteWriter	w(out, out_cap);

		WriteHeader(w, h);
		w.Put<uint32_t>(Crc32c(out, w.len()));
		w.Align(8);
		w.PutBytes(bt.data(), bt.size());
		w.Align(8);
		w.PutBytes(bi.data(), bi.size());
		w.Align(8);
		w.PutBytes(dir.data(), dir.size());
		w.Align(8);
		w.PutBytes(data.data(), data.size());
		if (w.overflow() || w.len() != h.file_len)
			return Status{StatusCode::kInternal, "chunk file layout mismatch"};
		return Status::Ok();
	}
	catch (const std::bad_alloc &)
	{
		return Status{StatusCode::kOutOfMemory, "out of memory encoding a chunk file"};
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception encoding a chunk file"};
	}
}

Status
OpenChunkFile(const uint8_t *data, size_t len, ChunkReader *reader, bool verify_data) noexcept
{
	try
	{
		ByteReader	r(data, len);
		Header		h{};
		uint32_t	magic;
		uint16_t	version;

		if (len < kHeaderBytes)
			return Status::Corrupt("chunk file truncated");
		magic = r.Get<uint32_t>();
		version = r.Get<uint16_t>();
		h.tier = r.Get<uint8_t>();
		r.Skip(1);
		if (magic != kMagic)
			return Status::Corrupt("not a ztsdb chunk file (bad magic)");
		if (version != kVersion)
			return Status::Corrupt("unsupported chunk file version");
		h.layout.ncols = r.Get<uint16_t>();
		h.layout.time_col = r.Get<int16_t>();
		h.layout.series_col = r.Get<int16_t>();
		r.Skip(2);
		for (uint16_t c = 0; c < kMaxColumns; c++)
			h.layout.types[c] = static_cast<ColumnType>(r.Get<uint8_t>());
		h.meta.chunk_id = r.Get<uint64_t>();
		h.meta.min_ts = r.Get<int64_t>();
		h.meta.max_ts = r.Get<int64_t>();
		h.meta.nrows = r.Get<uint32_t>();
		h.meta.flags = r.Get<uint32_t>();
		h.meta.tier = h.tier;
		h.nbatches = r.Get<uint32_t>();
		h.nblocks = r.Get<uint32_t>();
		h.batches_off = r.Get<uint64_t>();
		h.blocks_off = r.Get<uint64_t>();
		h.dir_off = r.Get<uint64_t>();
		h.file_len = r.Get<uint64_t>();
		h.batches_crc = r.Get<uint32_t>();
		h.blocks_crc = r.Get<uint32_t>();
		h.dir_crc = r.Get<uint32_t>();
		size_t		crc_at = r.pos();
		uint32_t	header_crc = r.Get<uint32_t>();

		if (r.bad() || crc_at + 4 != kHeaderBytes)
			return Status::Corrupt("chunk file truncated");
		if (Crc32c(data, crc_at) != header_crc)
			return Status::Corrupt("chunk file header checksum mismatch");
		if (h.file_len != len)
			return Status::Corrupt("chunk file length does not match its header");
		if (h.tier != kTierWarm && h.tier != kTierCold)
			return Status::Corrupt("chunk file has an invalid tier");
		Status		st = CheckLayout(h.layout);

		if (!st.ok())
			return st;
		if ((h.meta.flags & ~kChunkSorted) != 0)
			return Status::Corrupt("chunk file has unknown flags");
		if (((h.meta.flags & kChunkSorted) != 0) != (h.nbatches == 0))
			return Status::Corrupt("chunk file batch table does not match its sort flag");
		if (h.nbatches > (uint64_t) h.meta.nrows + 1 ||
			h.nblocks > (uint64_t) h.meta.nrows + 1)
			return Status::Corrupt("chunk file has more batches or blocks than rows");
		bool		cold = h.tier == kTierCold;
		uint64_t	ndir = cold ? (uint64_t) h.nblocks * h.layout.ncols : h.layout.ncols;

		if (!InBounds(h.batches_off, (uint64_t) h.nbatches * kBatchBytes, len) ||
			!InBounds(h.blocks_off, (uint64_t) h.nblocks * kBlockBytes, len) ||
			!InBounds(h.dir_off, ndir * kDirBytes, len))
			return Status::Corrupt("chunk file section out of bounds");
		if (Crc32c(data + h.batches_off, (size_t) h.nbatches * kBatchBytes) != h.batches_crc)
			return Status::Corrupt("chunk file batch table checksum mismatch");
		if (Crc32c(data + h.blocks_off, (size_t) h.nblocks * kBlockBytes) != h.blocks_crc)
			return Status::Corrupt("chunk file block index checksum mismatch");
		if (Crc32c(data + h.dir_off, (size_t) ndir * kDirBytes) != h.dir_crc)
			return Status::Corrupt("chunk file column directory checksum mismatch");

		/* batch table: ascending runs starting at row 0 */
		for (uint32_t i = 0; i < h.nbatches; i++)
		{
			uint32_t	rs;

			memcpy(&rs, data + h.batches_off + (size_t) i * kBatchBytes, 4);
			if ((i == 0 && rs != 0) || rs > h.meta.nrows)
				return Status::Corrupt("chunk file batch table is inconsistent");
			if (i > 0)
			{
				uint32_t	prev;

				memcpy(&prev, data + h.batches_off + (size_t) (i - 1) * kBatchBytes, 4);
				if (rs < prev)
					return Status::Corrupt("chunk file batch table is not in row order");
			}
		}
		/* block index: contiguous, covering every row */
		uint64_t	next_row = 0;

		for (uint32_t b = 0; b < h.nblocks; b++)
		{
			uint32_t	rs;
			uint32_t	n;

			memcpy(&rs, data + h.blocks_off + (size_t) b * kBlockBytes, 4);
			memcpy(&n, data + h.blocks_off + (size_t) b * kBlockBytes + 4, 4);
			if (rs != next_row || n == 0 || (cold && n > kMaxBlockRows))
				return Status::Corrupt("chunk file block index is inconsistent");
			next_row += n;
		}
		if (next_row != h.meta.nrows || (!cold && h.nblocks != (h.meta.nrows > 0 ? 1u : 0u)))
			return Status::Corrupt("chunk file blocks do not cover its rows");

		/* every data block in bounds, with a matching checksum */
		for (uint64_t i = 0; i < ndir; i++)
		{
			const uint8_t *e = data + h.dir_off + i * kDirBytes;
			uint64_t	a;
			uint64_t	b;
			uint32_t	crc_a;
			uint32_t	crc_b;

			memcpy(&a, e, 8);
			memcpy(&b, e + 8, 8);
			memcpy(&crc_a, e + 16, 4);
			memcpy(&crc_b, e + 20, 4);
			if (!cold)
			{
				uint16_t	c = static_cast<uint16_t>(i);
				uint64_t	vbytes = ColumnWidth(h.layout.types[c]) * (uint64_t) h.meta.nrows;
				uint64_t	bbytes = (h.meta.nrows + 7) / 8;

				if (a % 8 != 0 || !InBounds(a, vbytes, len) ||
					(b != 0 && !InBounds(b, bbytes, len)))
					return Status::Corrupt("chunk file column out of bounds");
				if (verify_data &&
					(Crc32c(data + a, vbytes) != crc_a ||
					 (b != 0 && Crc32c(data + b, bbytes) != crc_b)))
					return Status::Corrupt("chunk file column checksum mismatch");
			}
			else
			{
				if (!InBounds(a, b, len))
					return Status::Corrupt("chunk file block out of bounds");
				if (verify_data && Crc32c(data + a, b) != crc_a)
					return Status::Corrupt("chunk file block checksum mismatch");
			}
		}

		reader->data = data;
		reader->len = len;
		reader->layout = h.layout;
		reader->meta = h.meta;
		reader->nbatches = h.nbatches;
		reader->batches = data + h.batches_off;
		reader->nblocks = h.nblocks;
		reader->block_index = data + h.blocks_off;
		reader->column_dir = data + h.dir_off;
		return Status::Ok();
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception reading a chunk file"};
	}
}

void
GetBatch(const ChunkReader &reader, uint32_t i, BatchEntry *entry) noexcept
{
	ByteReader	r(reader.batches + (size_t) i * kBatchBytes, kBatchBytes);

	entry->row_start = r.Get<uint32_t>();
	entry->xid = r.Get<uint32_t>();
	entry->cid = r.Get<uint32_t>();
	entry->reserved = r.Get<uint32_t>();
}

void
GetBlockInfo(const ChunkReader &reader, uint32_t b, BlockInfo *info) noexcept
{
	ByteReader	r(reader.block_index + (size_t) b * kBlockBytes, kBlockBytes);

	info->row_start = r.Get<uint32_t>();
	info->nrows = r.Get<uint32_t>();
	info->min_ts = r.Get<int64_t>();
	info->max_ts = r.Get<int64_t>();
	info->min_series = r.Get<int64_t>();
	info->max_series = r.Get<int64_t>();
}

Status
WarmColumn(const ChunkReader &reader, uint16_t c, const void **values,
		   const uint8_t **validity) noexcept
{
	uint64_t	a;
	uint64_t	b;

	if (reader.meta.tier != kTierWarm || c >= reader.layout.ncols)
		return Status::Invalid("no such warm column");
	memcpy(&a, reader.column_dir + (size_t) c * kDirBytes, 8);
	memcpy(&b, reader.column_dir + (size_t) c * kDirBytes + 8, 8);
	*values = reader.data + a;
	*validity = b != 0 ? reader.data + b : nullptr;
	return Status::Ok();
}

Status
DecodeColdColumn(const ChunkReader &reader, uint32_t b, uint16_t c, void *values,
				 uint8_t *validity, uint32_t limit) noexcept
{
	const uint8_t *e;
	uint64_t	off;
	uint64_t	len;
	BlockInfo	info;

	if (reader.meta.tier != kTierCold || b >= reader.nblocks || c >= reader.layout.ncols)
		return Status::Invalid("no such cold block");
	e = reader.column_dir + ((size_t) b * reader.layout.ncols + c) * kDirBytes;
	memcpy(&off, e, 8);
	memcpy(&len, e + 8, 8);
	GetBlockInfo(reader, b, &info);
	return DecodeColumn(reader.layout.types[c], reader.data + off, len, info.nrows, values,
						validity, limit);
}

} // namespace ztsdb::core
