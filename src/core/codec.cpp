/*-------------------------------------------------------------------------
 *
 * codec.cpp
 *	  Column block codecs: a first, simple set (core zone).
 *
 * Byte layout of an encoded block:
 *	u8 codec, u8 has_nulls, [validity bitmap, (nrows + 7) / 8 bytes], payload
 * Payloads:
 *	kPlain	nrows values, ColumnWidth bytes each
 *	kDelta	LEB128 zigzag(v[i] - v[i-1]) per value (integers, timestamps,
 *			bools), v[-1] = 0, wrap-around arithmetic on uint64
 *	kDod	LEB128 zigzag of delta-of-delta (regular timestamps: 1 byte each)
 *	kXor	LEB128 of bits[i] XOR bits[i-1] (floats: repeats cost 1 byte)
 *	kRle	pairs (LEB128 run length, value of ColumnWidth bytes)
 * EncodeColumn tries every codec that applies and keeps the smallest.  NULL
 * rows are encoded as 0.
 *
 * XXX: these are deliberately simple; the cold tier's real codecs
 * (delta-of-delta bit packing, Gorilla, decimal scaling) replace them.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec.h"

#include <cstring>
#include <new>
#include <vector>

namespace ztsdb::core {

namespace {

enum Codec : uint8_t
{
	kPlain = 0,
	kDelta = 1,
	kDod = 2,
	kXor = 3,
	kRle = 4
};

uint64_t
Load(const uint8_t *p, size_t w)
{
	uint64_t	v = 0;

	memcpy(&v, p, w);
	if (w < 8)
	{
		/* sign-extend integers so deltas stay small for negative values */
		uint64_t	sign = uint64_t{1} << (w * 8 - 1);

		if (w > 1 && (v & sign))
			v |= ~((sign << 1) - 1);
	}
	return v;
}

void
Store(uint8_t *p, size_t w, uint64_t v)
{
	memcpy(p, &v, w);
}

inline uint64_t
ZigZag(uint64_t v)
{
	return (v << 1) ^ (0 - (v >> 63));
}

inline uint64_t
UnZigZag(uint64_t v)
{
	return (v >> 1) ^ (0 - (v & 1));
}

void
PutVarint(std::vector<uint8_t> &out, uint64_t v)
{
	while (v >= 0x80)
	{
		out.push_back(static_cast<uint8_t>(v | 0x80));
		v >>= 7;
	}
	out.push_back(static_cast<uint8_t>(v));
}

bool
GetVarint(const uint8_t *&p, const uint8_t *end, uint64_t *v)
{
	uint64_t	r = 0;

	for (int shift = 0; shift < 70; shift += 7)
	{
		if (p >= end)
			return false;
		uint8_t		b = *p++;

		if (shift == 63 && (b & 0x7e))
			return false;
		r |= static_cast<uint64_t>(b & 0x7f) << shift;
		if (!(b & 0x80))
		{
			*v = r;
			return true;
		}
	}
	return false;
}

bool
IsFloat(ColumnType t)
{
	return t == ColumnType::kFloat4 || t == ColumnType::kFloat8;
}

void
EncodePayload(Codec codec, const std::vector<uint64_t> &v, size_t w, std::vector<uint8_t> &out)
{
	uint64_t	prev = 0;
	uint64_t	prev_delta = 0;

	switch (codec)
	{
		case kPlain:
			for (uint64_t x : v)
			{
				uint8_t		b[8];

				Store(b, w, x);
				out.insert(out.end(), b, b + w);
			}
			break;
		case kDelta:
			for (uint64_t x : v)
			{
				PutVarint(out, ZigZag(x - prev));
				prev = x;
			}
			break;
		case kDod:
			for (uint64_t x : v)
			{
				uint64_t	d = x - prev;

				PutVarint(out, ZigZag(d - prev_delta));
				prev_delta = d;
				prev = x;
			}
			break;
		case kXor:
			for (uint64_t x : v)
			{
				PutVarint(out, x ^ prev);
				prev = x;
			}
			break;
		case kRle:
			for (size_t i = 0; i < v.size();)
			{
				size_t		j = i + 1;
				uint8_t		b[8];

				while (j < v.size() && v[j] == v[i])
					j++;
				PutVarint(out, j - i);
				Store(b, w, v[i]);
				out.insert(out.end(), b, b + w);
				i = j;
			}
			break;
	}
}

} // namespace

size_t
MaxEncodedColumnSize(ColumnType type, uint32_t nrows) noexcept
{
	/* plain is always a candidate, so no block is ever bigger than this */
	return 2 + (nrows + 7) / 8 + ColumnWidth(type) * (size_t) nrows;
}

Status
EncodeColumn(ColumnType type, const void *values, const uint8_t *validity, uint32_t nrows,
			 uint8_t *out, size_t out_cap, size_t *out_len) noexcept
{
	try
	{
		size_t		w = ColumnWidth(type);
		const uint8_t *in = static_cast<const uint8_t *>(values);
		std::vector<uint64_t> v(nrows);
		bool		has_nulls = false;
		std::vector<uint8_t> best;
		std::vector<uint8_t> tmp;
		Codec		candidates[] = {kPlain, kRle, kDelta, kDod, kXor};
		uint8_t		best_codec = kPlain;

		if (w == 0)
			return Status::Invalid("unknown column type");
		for (uint32_t i = 0; i < nrows; i++)
		{
			bool		valid = validity == nullptr || ((validity[i >> 3] >> (i & 7)) & 1);

			has_nulls |= !valid;
			v[i] = valid ? Load(in + i * w, w) : 0;
			if (IsFloat(type) && w == 4)
				v[i] &= 0xffffffffu;	/* floats: raw bits, never sign-extended */
		}
		for (Codec c : candidates)
		{
			if (IsFloat(type) && (c == kDelta || c == kDod))
				continue;
			tmp.clear();
			EncodePayload(c, v, w, tmp);
			if (best.empty() || tmp.size() < best.size())
			{
				best.swap(tmp);
				best_codec = c;
			}
		}
		size_t		bitmap = has_nulls ? (nrows + 7) / 8 : 0;
		size_t		total = 2 + bitmap + best.size();

		if (total > out_cap)
			return Status::NoSpace("column block buffer too small");
		out[0] = best_codec;
		out[1] = has_nulls ? 1 : 0;
		if (has_nulls)
			memcpy(out + 2, validity, bitmap);
		if (!best.empty())
			memcpy(out + 2 + bitmap, best.data(), best.size());
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
			 uint8_t *validity) noexcept
{
	size_t		w = ColumnWidth(type);
	uint8_t    *outv = static_cast<uint8_t *>(values);
	const uint8_t *p;
	const uint8_t *end = in + in_len;
	size_t		bitmap = (nrows + 7) / 8;
	uint64_t	prev = 0;
	uint64_t	prev_delta = 0;

	if (w == 0)
		return Status::Invalid("unknown column type");
	if (in_len < 2 || in[0] > kRle || in[1] > 1)
		return Status::Corrupt("invalid column block header");
	if (in[1])
	{
		if (in_len - 2 < bitmap)
			return Status::Corrupt("column block truncated");
		if (bitmap > 0)
			memcpy(validity, in + 2, bitmap);
		p = in + 2 + bitmap;
	}
	else
	{
		if (bitmap > 0)
			memset(validity, 0xff, bitmap);
		p = in + 2;
	}
	switch (in[0])
	{
		case kPlain:
			if ((size_t) (end - p) != w * (size_t) nrows)
				return Status::Corrupt("plain column block has the wrong length");
			if (nrows > 0)
				memcpy(outv, p, w * (size_t) nrows);
			return Status::Ok();
		case kDelta:
		case kDod:
		case kXor:
			for (uint32_t i = 0; i < nrows; i++)
			{
				uint64_t	x;

				if (!GetVarint(p, end, &x))
					return Status::Corrupt("column block truncated");
				if (in[0] == kDelta)
					prev += UnZigZag(x);
				else if (in[0] == kDod)
				{
					prev_delta += UnZigZag(x);
					prev += prev_delta;
				}
				else
					prev ^= x;
				Store(outv + i * w, w, prev);
			}
			break;
		case kRle:
			for (uint32_t i = 0; i < nrows;)
			{
				uint64_t	run;
				uint64_t	x = 0;

				if (!GetVarint(p, end, &run) || run == 0 || run > nrows - i ||
					(size_t) (end - p) < w)
					return Status::Corrupt("column block run is invalid");
				memcpy(&x, p, w);
				p += w;
				for (uint64_t k = 0; k < run; k++, i++)
					Store(outv + (size_t) i * w, w, x);
			}
			break;
	}
	if (p != end)
		return Status::Corrupt("column block has trailing bytes");
	return Status::Ok();
}

} // namespace ztsdb::core
