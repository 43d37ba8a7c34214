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
 *	kDodBits  delta-of-delta, bit packed (Gorilla's timestamp scheme, widened):
 *			per value a prefix 0 | 10+7 | 110+9 | 1110+12 | 11110+32 | 11111+64
 *			bits of zigzag(dod); a regular series costs 1 bit per value
 *	kGorilla  floats: first value in 64 bits, then per value 0 (repeat) or
 *			1 0 <meaningful bits in the previous window> or
 *			1 1 <5 bits leading zeros> <6 bits length - 1> <meaningful bits>
 *	kDecimal  floats that are decimals with at most 8 digits after the point:
 *			u8 exponent e, then kDodBits of llround(v * 10^e); chosen only if
 *			every value decodes back bit-exactly as (double) n / 10^e
 * EncodeColumn tries every codec that applies and keeps the smallest.  NULL
 * rows are encoded as 0.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#include "ztsdb/core/bitstream.h"
#include "ztsdb/core/codec_internal.h"

namespace ztsdb::core {

int			codec_force = -1;

namespace {

enum Codec : uint8_t
{
	kPlain = 0,
	kDelta = 1,
	kDod = 2,
	kXor = 3,
	kRle = 4,
	kDodBits = 5,
	kGorilla = 6,
	kDecimal = 7
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

constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

void
PutDodBits(std::vector<uint8_t> &out, const std::vector<uint64_t> &v)
{
	BitWriter	bw(out);
	uint64_t	prev = 0;
	uint64_t	prev_delta = 0;

	for (uint64_t x : v)
	{
		uint64_t	d = x - prev;
		uint64_t	z = ZigZag(d - prev_delta);

		if (z == 0)
			bw.Put(0, 1);
		else if (z < (1u << 7))
			bw.Put((uint64_t{0b10} << 7) | z, 9);
		else if (z < (1u << 9))
			bw.Put((uint64_t{0b110} << 9) | z, 12);
		else if (z < (1u << 12))
			bw.Put((uint64_t{0b1110} << 12) | z, 16);
		else if (z < (uint64_t{1} << 32))
		{
			bw.Put(0b11110, 5);
			bw.Put(z, 32);
		}
		else
		{
			bw.Put(0b11111, 5);
			bw.Put(z, 64);
		}
		prev_delta = d;
		prev = x;
	}
}

/* GetDodBits decodes n values; false on truncated or trailing input. */
bool
GetDodBits(const uint8_t *p, size_t len, uint32_t n, uint64_t *out)
{
	BitReader	br(p, len);
	uint64_t	prev = 0;
	uint64_t	prev_delta = 0;

	for (uint32_t i = 0; i < n; i++)
	{
		uint64_t	z;

		if (!br.Bit())
			z = 0;
		else if (!br.Bit())
			z = br.Get(7);
		else if (!br.Bit())
			z = br.Get(9);
		else if (!br.Bit())
			z = br.Get(12);
		else if (!br.Bit())
			z = br.Get(32);
		else
			z = br.Get(64);
		if (br.bad())
			return false;
		prev_delta += UnZigZag(z);
		prev += prev_delta;
		out[i] = prev;
	}
	return br.BytesUsed() == len;
}

void
PutGorilla(std::vector<uint8_t> &out, const std::vector<uint64_t> &v)
{
	BitWriter	bw(out);
	uint64_t	prev = 0;
	int			lead = -1;		/* previous window; -1: none yet */
	int			trail = 0;

	for (size_t i = 0; i < v.size(); i++)
	{
		uint64_t	x = v[i];
		uint64_t	xr = x ^ prev;

		prev = x;
		if (i == 0)
		{
			bw.Put(x, 64);
			continue;
		}
		if (xr == 0)
		{
			bw.Put(0, 1);
			continue;
		}
		int			l = std::countl_zero(xr);
		int			t = std::countr_zero(xr);

		if (l > 31)
			l = 31;
		if (lead >= 0 && l >= lead && t >= trail)
		{
			bw.Put(0b10, 2);
			bw.Put(xr >> trail, 64 - lead - trail);
		}
		else
		{
			int			sig = 64 - l - t;

			bw.Put(0b11, 2);
			bw.Put(static_cast<uint64_t>(l), 5);
			bw.Put(static_cast<uint64_t>(sig - 1), 6);
			bw.Put(xr >> t, sig);
			lead = l;
			trail = t;
		}
	}
}

bool
GetGorilla(const uint8_t *p, size_t len, uint32_t n, uint64_t *out)
{
	BitReader	br(p, len);
	uint64_t	prev = 0;
	int			lead = -1;
	int			trail = 0;

	for (uint32_t i = 0; i < n; i++)
	{
		if (i == 0)
			prev = br.Get(64);
		else if (br.Bit())
		{
			if (!br.Bit())
			{
				if (lead < 0)
					return false;	/* no window to reuse yet */
				prev ^= br.Get(64 - lead - trail) << trail;
			}
			else
			{
				int			l = static_cast<int>(br.Get(5));
				int			sig = static_cast<int>(br.Get(6)) + 1;

				if (l + sig > 64)
					return false;
				lead = l;
				trail = 64 - l - sig;
				prev ^= br.Get(sig) << trail;
			}
		}
		if (br.bad())
			return false;
		out[i] = prev;
	}
	return br.BytesUsed() == len;
}

/* DecimalValue is the one formula both sides use to turn n back into a float. */
inline uint64_t
DecimalValue(int64_t n, int e, bool f4)
{
	double		d = static_cast<double>(n) / kPow10[e];
	uint64_t	bits = 0;

	if (f4)
	{
		float		f = static_cast<float>(d);

		memcpy(&bits, &f, 4);
	}
	else
		memcpy(&bits, &d, 8);
	return bits;
}

/* DecimalExponent finds the smallest e making every value exact; -1 if none. */
int
DecimalExponent(const std::vector<uint64_t> &v, bool f4, std::vector<uint64_t> &scaled)
{
	scaled.resize(v.size());
	for (int e = 0; e <= 8; e++)
	{
		bool		ok = true;

		for (size_t i = 0; i < v.size() && ok; i++)
		{
			double		d;

			if (f4)
			{
				float		f;
				uint32_t	b32 = static_cast<uint32_t>(v[i]);

				memcpy(&f, &b32, 4);
				d = f;
			}
			else
				memcpy(&d, &v[i], 8);
			if (!std::isfinite(d) || std::fabs(d) * kPow10[e] > 9.0e15)
				return -1;
			int64_t		n = std::llround(d * kPow10[e]);

			if (DecimalValue(n, e, f4) != v[i])
				ok = false;
			scaled[i] = static_cast<uint64_t>(n);
		}
		if (ok)
			return e;
	}
	return -1;
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
		case kDodBits:
			PutDodBits(out, v);
			break;
		case kGorilla:
			PutGorilla(out, v);
			break;
		case kDecimal:
			break;				/* needs the type: see EncodeColumn */
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
		Codec		candidates[] = {kPlain, kRle, kDelta, kDod, kXor, kDodBits, kGorilla, kDecimal};
		std::vector<uint64_t> scaled;
		bool		have_best = false;
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
			if (IsFloat(type) && (c == kDelta || c == kDod || c == kDodBits))
				continue;
			if (!IsFloat(type) && (c == kGorilla || c == kDecimal))
				continue;
			if (codec_force >= 0 && c != codec_force && c != kPlain)
				continue;
			tmp.clear();
			if (c == kDecimal)
			{
				int			e = DecimalExponent(v, w == 4, scaled);

				if (e < 0)
					continue;
				tmp.push_back(static_cast<uint8_t>(e));
				PutDodBits(tmp, scaled);
			}
			else
				EncodePayload(c, v, w, tmp);
			if (!have_best || tmp.size() < best.size())
			{
				best.swap(tmp);
				best_codec = c;
				have_best = true;
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
	if (in_len < 2 || in[0] > kDecimal || in[1] > 1)
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
		case kDodBits:
		case kGorilla:
		case kDecimal:
			{
				std::vector<uint64_t> vals;
				int			e = 0;

				try
				{
					vals.resize(nrows);
				}
				catch (...)
				{
					return Status{StatusCode::kOutOfMemory, "out of memory decoding a column block"};
				}
				if (in[0] == kDecimal)
				{
					if (p >= end || *p > 8 || !IsFloat(type))
						return Status::Corrupt("decimal column block is invalid");
					e = *p++;
				}
				if (in[0] == kGorilla ? !GetGorilla(p, end - p, nrows, vals.data())
					: !GetDodBits(p, end - p, nrows, vals.data()))
					return Status::Corrupt("bit-packed column block is invalid");
				for (uint32_t i = 0; i < nrows; i++)
					Store(outv + (size_t) i * w, w,
						  in[0] == kDecimal ? DecimalValue(static_cast<int64_t>(vals[i]), e, w == 4)
						  : vals[i]);
				return Status::Ok();
			}
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
