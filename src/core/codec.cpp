/*-------------------------------------------------------------------------
 *
 * codec.cpp
 *	  Column block codecs: per-block choice of the smallest codec, NULL
 *	  bitmap, entry points (core zone).
 *
 * Byte layout of an encoded block:
 *	u8 tag				bits 0..6 codec id (codec_internal.h), bit 7 set when
 *						the block has NULLs
 *	[validity bitmap]	only when bit 7 is set: ceil(nrows / 8) bytes, bit i
 *						(bit i & 7 of byte i >> 3) set = row i not NULL,
 *						padding bits 0
 *	payload				the codec's encoding of the non-NULL values only,
 *						in row order (their number is the bitmap's popcount)
 *
 * Codecs tried per column type (the smallest payload wins; ties go to the
 * earlier one):
 *	bool						plain, const, RLE, bitmap
 *	int2, int4, int8, ts		plain, const, RLE, pack (orders 0, 1, 2), dod,
 *								sparse
 *	float4, float8				plain, const, RLE, Gorilla, decimal, sparse
 *	numeric						numeric (only)
 * Plain always applies to the others, so a block never exceeds
 * MaxEncodedColumnSize.
 *
 * kCodecNumeric payload (the non-NULL NumericSlots, codec_numeric.h):
 *	u32 len				bytes of the next field
 *	low block			the low halves of the unscaled values as
 *						EncodeIntBlock writes them (codec id byte and
 *						payload); values that fit an int64 are themselves
 *	u32 len				bytes of the next field
 *	high block			the high halves, the same way (0 and -1 for values
 *						that fit an int64: const, RLE or one bit each)
 *	scale block			the int16 scales: an int2 codec id byte and its
 *						payload (the rest of the block); one scale is a
 *						const block, a few are RLE
 * Decoding checks every slot with NumericSlotValid.  codec_force does not
 * reach the two nested blocks: each always takes its smallest codec.
 * Values are handed to the codecs as uint64: integers sign-extended (small
 * negative deltas stay small), floats and bools zero-extended; the decoder
 * stores the low ColumnWidth bytes of each, so the extension is never
 * stored.  NULL rows decode as 0.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "ztsdb/core/codec_bits.h"
#include "ztsdb/core/codec_internal.h"
#include "ztsdb/core/codec_numeric.h"

namespace ztsdb::core {

int			codec_force = -1;

namespace {

constexpr uint8_t kNullFlag = 0x80;

enum class Family
{
	kBool,
	kInt,
	kFloat
};

Family
FamilyOf(ColumnType t)
{
	switch (t)
	{
		case ColumnType::kBool:
			return Family::kBool;
		case ColumnType::kFloat4:
		case ColumnType::kFloat8:
			return Family::kFloat;
		default:
			return Family::kInt;
	}
}

/* Load reads one value of width w as the codecs see it. */
inline uint64_t
Load(const uint8_t *p, size_t w, bool sign_extend)
{
	uint64_t	v = 0;

	memcpy(&v, p, w);
	if (sign_extend && w < 8)
	{
		int			shift = static_cast<int>(64 - 8 * w);

		v = static_cast<uint64_t>(static_cast<int64_t>(v << shift) >> shift);
	}
	return v;
}

/* TryCodec appends codec c's payload for v to out; false if it does not apply. */
bool
TryCodec(int c, ColumnType type, const uint64_t *v, uint32_t n, std::vector<uint8_t> &out,
		 int pack_order)
{
	size_t		w = ColumnWidth(type);
	bool		float4 = type == ColumnType::kFloat4;

	switch (c)
	{
		case kCodecPlain:
			return EncodePlain(v, n, w, out);
		case kCodecConst:
			return EncodeConst(v, n, w, out);
		case kCodecRle:
			return EncodeRle(v, n, w, out);
		case kCodecPack:
			return EncodePack(v, n, pack_order, out);
		case kCodecDod:
			return EncodeDod(v, n, out);
		case kCodecGorilla:
			return EncodeGorilla(v, n, float4, out);
		case kCodecDecimal:
			return EncodeDecimal(v, n, float4, out);
		case kCodecBitmap:
			return EncodeBitmap(v, n, out);
		case kCodecSparse:
			return EncodeSparse(v, n, out);
	}
	return false;
}

/* CodecApplies tells whether codec c is one of the type's codecs. */
bool
CodecApplies(int c, ColumnType type)
{
	switch (c)
	{
		case kCodecPlain:
		case kCodecConst:
		case kCodecRle:
			return true;
		case kCodecPack:
		case kCodecDod:
			return FamilyOf(type) == Family::kInt;
		case kCodecGorilla:
		case kCodecDecimal:
			return FamilyOf(type) == Family::kFloat;
		case kCodecBitmap:
			return FamilyOf(type) == Family::kBool;
		case kCodecSparse:
			return FamilyOf(type) != Family::kBool;
	}
	return false;				/* kCodecNumeric: EncodeNumeric, not ChooseAndEncode */
}

/*
 * ChooseAndEncode appends the smallest applicable encoding of v to best and
 * returns its codec id.  force >= 0 limits the choice to that codec (and
 * plain, when it does not apply).
 */
uint8_t
ChooseAndEncode(ColumnType type, const uint64_t *v, uint32_t n, int force,
				std::vector<uint8_t> &best)
{
	std::vector<uint8_t> tmp;
	uint8_t		best_codec = kCodecPlain;

	best.clear();
	TryCodec(kCodecPlain, type, v, n, best, 0);
	for (int c = 1; c < kCodecCount; c++)
	{
		if (!CodecApplies(c, type) || (force >= 0 && c != force))
			continue;
		for (int order = 0; order <= (c == kCodecPack ? 2 : 0); order++)
		{
			tmp.clear();
			if (!TryCodec(c, type, v, n, tmp, order))
				continue;
			if (tmp.size() < best.size() || (force >= 0 && best_codec == kCodecPlain))
			{
				best.swap(tmp);
				best_codec = static_cast<uint8_t>(c);
			}
		}
	}
	return best_codec;
}

/*
 * DecodeValues runs codec c over a payload; false when it is invalid.  The
 * sequential codecs may stop at limit (codec_internal.h).
 */
bool
DecodeValues(int c, ColumnType type, const uint8_t *p, size_t len, uint32_t n, uint64_t *out,
			 uint32_t limit = UINT32_MAX)
{
	size_t		w = ColumnWidth(type);
	bool		float4 = type == ColumnType::kFloat4;

	if (type == ColumnType::kNumeric || !CodecApplies(c, type))
		return false;
	switch (c)
	{
		case kCodecPlain:
			return DecodePlain(p, len, n, w, out);
		case kCodecConst:
			return DecodeConst(p, len, n, w, out);
		case kCodecRle:
			return DecodeRle(p, len, n, w, out);
		case kCodecPack:
			return DecodePack(p, len, n, out, limit);
		case kCodecDod:
			return DecodeDod(p, len, n, out);
		case kCodecGorilla:
			return DecodeGorilla(p, len, n, float4, out);
		case kCodecDecimal:
			return DecodeDecimal(p, len, n, float4, out, limit);
		case kCodecBitmap:
			return DecodeBitmap(p, len, n, out);
		case kCodecSparse:
			return DecodeSparse(p, len, n, out, limit);
	}
	return false;
}

/* Store writes the low w bytes of each value to the caller's array. */
void
Store(const uint64_t *v, uint32_t n, size_t w, uint8_t *out)
{
	if (n == 0)
		return;
	if (w == 8)
	{
		memcpy(out, v, static_cast<size_t>(n) * 8);
		return;
	}
	if (w == 4)
	{
		for (uint32_t i = 0; i < n; i++)
		{
			uint32_t	x = static_cast<uint32_t>(v[i]);

			memcpy(out + static_cast<size_t>(i) * 4, &x, 4);
		}
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		memcpy(out + static_cast<size_t>(i) * w, &v[i], w);
}

/*
 * EncodeNumeric appends the kCodecNumeric payload of the n slots at in (raw
 * bytes of NumericSlot, only the rows validity marks not NULL) to out;
 * false when a slot is not valid (the decoder would refuse the block).
 */
bool
EncodeNumeric(const uint8_t *in, const uint8_t *validity, uint32_t nrows,
			  std::vector<uint8_t> &out)
{
	std::vector<uint64_t> lo;
	std::vector<uint64_t> hi;
	std::vector<uint64_t> scales;
	std::vector<uint8_t> block;

	lo.reserve(nrows);
	hi.reserve(nrows);
	scales.reserve(nrows);
	for (uint32_t i = 0; i < nrows; i++)
	{
		NumericSlot s;

		if (validity != nullptr && !((validity[i >> 3] >> (i & 7)) & 1))
			continue;
		memcpy(&s, in + static_cast<size_t>(i) * sizeof(s), sizeof(s));
		if (!NumericSlotValid(s))
			return false;
		lo.push_back(static_cast<uint64_t>(s.unscaled));
		hi.push_back(static_cast<uint64_t>(s.unscaled_hi));
		scales.push_back(static_cast<uint64_t>(static_cast<int64_t>(s.scale)));
	}
	out.clear();
	for (const std::vector<uint64_t> *half : {&lo, &hi})
	{
		uint32_t	len;
		size_t		at = out.size();

		block.clear();
		EncodeIntBlock(half->data(), static_cast<uint32_t>(half->size()), block);
		len = static_cast<uint32_t>(block.size());
		out.resize(at + 4);
		memcpy(out.data() + at, &len, 4);
		out.insert(out.end(), block.begin(), block.end());
	}
	block.clear();
	out.push_back(ChooseAndEncode(ColumnType::kInt2, scales.data(),
								  static_cast<uint32_t>(scales.size()), -1, block));
	out.insert(out.end(), block.begin(), block.end());
	return true;
}

/*
 * DecodeNumeric reads a kCodecNumeric payload of n slots into slots; false
 * when it is invalid or a slot is not one NumericFromForm could give.
 */
bool
DecodeNumeric(const uint8_t *p, size_t len, uint32_t n, NumericSlot *slots)
{
	std::vector<uint64_t> lo(n);
	std::vector<uint64_t> hi(n);
	std::vector<uint64_t> scales(n);

	for (std::vector<uint64_t> *half : {&lo, &hi})
	{
		uint32_t	blen;

		if (len < 4)
			return false;
		memcpy(&blen, p, 4);
		p += 4;
		len -= 4;
		if (blen > len || !DecodeIntBlock(p, blen, n, half->data()))
			return false;
		p += blen;
		len -= blen;
	}
	if (len < 1 || !DecodeValues(p[0], ColumnType::kInt2, p + 1, len - 1, n, scales.data()))
		return false;
	for (uint32_t i = 0; i < n; i++)
	{
		NumericSlot s;

		memset(&s, 0, sizeof(s));
		s.unscaled = static_cast<int64_t>(lo[i]);
		s.unscaled_hi = static_cast<int64_t>(hi[i]);
		s.scale = static_cast<int16_t>(static_cast<uint16_t>(scales[i]));
		if (!NumericSlotValid(s))
			return false;
		slots[i] = s;
	}
	return true;
}

} // namespace

/* EncodeIntBlock writes the smallest integer encoding of v, id byte first. */
void
EncodeIntBlock(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out)
{
	std::vector<uint8_t> best;
	uint8_t		c = ChooseAndEncode(ColumnType::kInt8, v, n, -1, best);

	out.push_back(c);
	out.insert(out.end(), best.begin(), best.end());
}

/* DecodeIntBlock reads what EncodeIntBlock wrote. */
bool
DecodeIntBlock(const uint8_t *p, size_t len, uint32_t n, uint64_t *out, uint32_t limit)
{
	if (len < 1)
		return false;
	return DecodeValues(p[0], ColumnType::kInt8, p + 1, len - 1, n, out, limit);
}

size_t
MaxEncodedColumnSize(ColumnType type, uint32_t nrows) noexcept
{
	/* numeric: two u32s, two int64 blocks and an int16 block, each at most plain */
	if (type == ColumnType::kNumeric)
		return 1 + (static_cast<size_t>(nrows) + 7) / 8 + 8 + 3 + 18 * static_cast<size_t>(nrows);
	/* plain is always a candidate, so no block is ever bigger than this */
	return 1 + (static_cast<size_t>(nrows) + 7) / 8 + ColumnWidth(type) * static_cast<size_t>(nrows);
}

Status
EncodeColumn(ColumnType type, const void *values, const uint8_t *validity, uint32_t nrows,
			 uint8_t *out, size_t out_cap, size_t *out_len) noexcept
{
	try
	{
		size_t		w = ColumnWidth(type);
		const uint8_t *in = static_cast<const uint8_t *>(values);
		bool		sign_extend = FamilyOf(type) == Family::kInt;
		std::vector<uint64_t> v;
		std::vector<uint8_t> payload;
		size_t		bitmap_len = (static_cast<size_t>(nrows) + 7) / 8;
		bool		has_nulls = false;

		if (w == 0)
			return Status::Invalid("unknown column type");
		if (nrows > kMaxBlockRows)
			return Status::Invalid("column block has too many rows");
		if (out_len == nullptr || (nrows > 0 && values == nullptr))
			return Status::Invalid("column block without values or length");
		uint8_t		codec;

		if (type == ColumnType::kNumeric)
		{
			for (uint32_t i = 0; validity != nullptr && i < nrows; i++)
				if (!((validity[i >> 3] >> (i & 7)) & 1))
					has_nulls = true;
			if (!EncodeNumeric(in, validity, nrows, payload))
				return Status::Invalid("numeric column block holds an invalid value");
			codec = kCodecNumeric;
		}
		else
		{
			v.reserve(nrows);
			for (uint32_t i = 0; i < nrows; i++)
			{
				if (validity != nullptr && !((validity[i >> 3] >> (i & 7)) & 1))
				{
					has_nulls = true;
					continue;
				}
				v.push_back(Load(in + static_cast<size_t>(i) * w, w, sign_extend));
			}
			codec = ChooseAndEncode(type, v.data(), static_cast<uint32_t>(v.size()),
									codec_force, payload);
		}

		size_t		total = 1 + (has_nulls ? bitmap_len : 0) + payload.size();

		if (total > out_cap)
			return Status::NoSpace("column block buffer too small");
		out[0] = static_cast<uint8_t>(codec | (has_nulls ? kNullFlag : 0));
		if (has_nulls)
		{
			memcpy(out + 1, validity, bitmap_len);
			if (nrows & 7)
				out[bitmap_len] &= static_cast<uint8_t>((1u << (nrows & 7)) - 1);
		}
		if (!payload.empty())
			memcpy(out + 1 + (has_nulls ? bitmap_len : 0), payload.data(), payload.size());
		*out_len = total;
		return Status::Ok();
	}
	catch (const std::bad_alloc &)
	{
		return Status{StatusCode::kOutOfMemory, "out of memory encoding a column block"};
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception encoding a column block"};
	}
}

Status
DecodeColumn(ColumnType type, const uint8_t *in, size_t in_len, uint32_t nrows, void *values,
			 uint8_t *validity, uint32_t limit) noexcept
{
	try
	{
		size_t		w = ColumnWidth(type);
		uint8_t    *outv = static_cast<uint8_t *>(values);
		size_t		bitmap_len = (static_cast<size_t>(nrows) + 7) / 8;
		const uint8_t *p;
		uint32_t	nvalid = nrows;

		if (w == 0)
			return Status::Invalid("unknown column type");
		if (nrows > kMaxBlockRows)
			return Status::Invalid("column block has too many rows");
		if (in == nullptr || in_len < 1)
			return Status::Corrupt("column block is empty");

		int			codec = in[0] & ~kNullFlag;
		bool		has_nulls = (in[0] & kNullFlag) != 0;

		if (codec >= kCodecCount)
			return Status::Corrupt("column block has an unknown codec");
		p = in + 1;
		if (has_nulls)
		{
			if (in_len - 1 < bitmap_len)
				return Status::Corrupt("column block truncated in its NULL bitmap");
			if ((nrows & 7) && (p[bitmap_len - 1] >> (nrows & 7)))
				return Status::Corrupt("column block NULL bitmap has stray bits");
			nvalid = 0;
			for (size_t i = 0; i < bitmap_len; i++)
				nvalid += static_cast<uint32_t>(std::popcount(p[i]));
			p += bitmap_len;
		}

		size_t		payload_len = in_len - static_cast<size_t>(p - in);

		if (type == ColumnType::kNumeric || codec == kCodecNumeric)
		{
			std::vector<NumericSlot> slots(nvalid);

			if (type != ColumnType::kNumeric || codec != kCodecNumeric ||
				!DecodeNumeric(p, payload_len, nvalid, slots.data()))
				return Status::Corrupt("column block payload is invalid");
			if (bitmap_len > 0)
			{
				if (has_nulls)
					memcpy(validity, in + 1, bitmap_len);
				else
					memset(validity, 0xff, bitmap_len);
			}
			if (nrows > 0)
				memset(outv, 0, static_cast<size_t>(nrows) * w);
			for (uint32_t i = 0, k = 0; i < nrows; i++)
				if ((validity[i >> 3] >> (i & 7)) & 1)
					memcpy(outv + static_cast<size_t>(i) * w, &slots[k++], w);
			return Status::Ok();
		}

		/*
		 * 8-byte columns without NULLs decode straight into the caller's
		 * array (when it is aligned for uint64_t): no scratch vector, no copy.
		 */
		if (!has_nulls && w == 8 && nrows > 0 &&
			reinterpret_cast<uintptr_t>(outv) % alignof(uint64_t) == 0)
		{
			if (!DecodeValues(codec, type, p, payload_len, nrows, reinterpret_cast<uint64_t *>(outv),
							  limit))
				return Status::Corrupt("column block payload is invalid");
			memset(validity, 0xff, bitmap_len);
			return Status::Ok();
		}

		/* every value is written by the decoder: no zeroing first */
		std::unique_ptr<uint64_t[]> v(new uint64_t[std::max(nvalid, 1u)]);

		if (!has_nulls)
		{
			if (!DecodeValues(codec, type, p, payload_len, nrows, v.get(), limit))
				return Status::Corrupt("column block payload is invalid");
			Store(v.get(), std::min(nrows, limit), w, outv);
			if (bitmap_len > 0)
				memset(validity, 0xff, bitmap_len);
			return Status::Ok();
		}
		if (!DecodeValues(codec, type, p, payload_len, nvalid, v.get()))
			return Status::Corrupt("column block payload is invalid");
		if (bitmap_len > 0)
			memcpy(validity, in + 1, bitmap_len);
		for (uint32_t i = 0, k = 0; i < nrows; i++)
		{
			uint64_t	x = 0;

			if ((validity[i >> 3] >> (i & 7)) & 1)
				x = v[k++];
			memcpy(outv + static_cast<size_t>(i) * w, &x, w);
		}
		return Status::Ok();
	}
	catch (const std::bad_alloc &)
	{
		return Status{StatusCode::kOutOfMemory, "out of memory decoding a column block"};
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception decoding a column block"};
	}
}

} // namespace ztsdb::core
