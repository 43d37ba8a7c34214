/*-------------------------------------------------------------------------
 *
 * codec_bitpack.cpp
 *	  Frame-of-reference bit packing of integers, their deltas or their
 *	  deltas of deltas; bitmaps of bools (core zone).
 *
 * kCodecPack payload:
 *	u8 order					0: values, 1: deltas, 2: deltas of deltas
 *	min(order, n) varints		zigzag(v[0]), then for order 2 zigzag(v[1] - v[0])
 *	miniblocks of up to 128 transformed values t[order .. n), each:
 *		varint zigzag(base)		base = the smallest t as int64
 *		u8 width | 0x80 if a multiplier follows (width 0..64)
 *		[varint mult >= 2]		common divisor of every t - base
 *		ceil(count * width / 8) bytes: (t - base) / mult, width bits each,
 *								least significant bit first
 * All arithmetic wraps around on uint64, so any int64 sequence (timestamps
 * at both ends of the range included) round-trips.  A miniblock of equal
 * steps costs 2 bytes: regular timestamps take 0.125 bits each at order 2.
 * Decoding reads 64-bit words (one load per value for widths up to 56);
 * a miniblock too close to the end of the input is first copied into a
 * zero-padded buffer so no load ever leaves the input.
 *
 * kCodecBitmap payload (bools that are all 0 or 1):
 *	ceil(n / 8) bytes, value i in bit i & 7 of byte i >> 3; padding bits 0
 *
 *-------------------------------------------------------------------------
 */
#include <cstring>
#include <numeric>

#include "ztsdb/core/codec_bits.h"
#include "ztsdb/core/codec_internal.h"

namespace ztsdb::core {

namespace {

constexpr uint32_t kMiniblock = 128;

/* PutMiniblock packs t[0 .. cnt) as one miniblock. */
void
PutMiniblock(const uint64_t *t, uint32_t cnt, std::vector<uint8_t> &out)
{
	int64_t		base = static_cast<int64_t>(t[0]);
	uint64_t	range = 0;
	uint64_t	mult = 0;

	for (uint32_t j = 1; j < cnt; j++)
		if (static_cast<int64_t>(t[j]) < base)
			base = static_cast<int64_t>(t[j]);
	for (uint32_t j = 0; j < cnt; j++)
	{
		uint64_t	d = t[j] - static_cast<uint64_t>(base);

		range |= d;
		mult = std::gcd(mult, d);
	}
	int			width = BitWidth(range);
	bool		use_mult = false;

	if (mult >= 2)
	{
		uint64_t	scaled = 0;

		for (uint32_t j = 0; j < cnt; j++)
			scaled |= (t[j] - static_cast<uint64_t>(base)) / mult;
		if (BitWidth(scaled) < width)
		{
			use_mult = true;
			width = BitWidth(scaled);
		}
	}
	PutVarint(out, ZigZag(static_cast<uint64_t>(base)));
	out.push_back(static_cast<uint8_t>(width | (use_mult ? 0x80 : 0)));
	if (use_mult)
		PutVarint(out, mult);

	BitWriter	bw(out);

	for (uint32_t j = 0; j < cnt; j++)
	{
		uint64_t	d = t[j] - static_cast<uint64_t>(base);

		bw.Put(use_mult ? d / mult : d, width);
	}
	bw.Finish();
}

/*
 * Unpack decodes cnt values of width bits from buf (which has at least 8
 * readable bytes past the packed data when width <= 56).
 */
template <bool kMult>
inline void
Unpack(const uint8_t *buf, int width, uint32_t cnt, uint64_t base, uint64_t mult,
	   uint64_t *out)
{
	uint64_t	mask = BitMask(width);
	uint64_t	bp = 0;

	for (uint32_t j = 0; j < cnt; j++, bp += static_cast<uint64_t>(width))
	{
		uint64_t	x = (LoadLE64(buf + (bp >> 3)) >> (bp & 7)) & mask;

		out[j] = base + (kMult ? x * mult : x);
	}
}

/* GetMiniblock decodes one miniblock of cnt values at *p, advancing *p. */
bool
GetMiniblock(const uint8_t **p, const uint8_t *end, uint32_t cnt, uint64_t *out)
{
	uint64_t	zbase;
	uint64_t	mult = 1;

	if (!GetVarint(p, end, &zbase) || *p >= end)
		return false;
	uint8_t		hdr = *(*p)++;
	int			width = hdr & 0x7f;
	uint64_t	base = UnZigZag(zbase);

	if (width > 64)
		return false;
	if (hdr & 0x80)
	{
		if (!GetVarint(p, end, &mult) || mult < 2)
			return false;
	}
	size_t		nbytes = (static_cast<size_t>(cnt) * width + 7) / 8;
	size_t		avail = static_cast<size_t>(end - *p);

	if (avail < nbytes)
		return false;
	if (width == 0)
	{
		for (uint32_t j = 0; j < cnt; j++)
			out[j] = base;
	}
	else if (width <= 56)
	{
		uint8_t		tmp[kMiniblock * 8 + 8];
		const uint8_t *buf = *p;

		if (avail < nbytes + 8)
		{
			memset(tmp, 0, sizeof(tmp));
			memcpy(tmp, *p, nbytes);
			buf = tmp;
		}
		if (mult == 1)
			Unpack<false>(buf, width, cnt, base, 1, out);
		else
			Unpack<true>(buf, width, cnt, base, mult, out);
	}
	else
	{
		BitReader	br(*p, nbytes);

		for (uint32_t j = 0; j < cnt; j++)
			out[j] = base + br.Get64(width) * mult;
	}
	*p += nbytes;
	return true;
}

} // namespace

/* EncodePack writes the values with the given order of differencing. */
bool
EncodePack(const uint64_t *v, uint32_t n, int order, std::vector<uint8_t> &out)
{
	uint32_t	lead = n < static_cast<uint32_t>(order) ? n : static_cast<uint32_t>(order);
	std::vector<uint64_t> t(n);

	if (order < 0 || order > 2)
		return false;
	out.push_back(static_cast<uint8_t>(order));
	for (uint32_t i = 0; i < n; i++)
	{
		uint64_t	x = v[i];

		if (order >= 1)
			x -= i >= 1 ? v[i - 1] : 0;
		if (order == 2 && i >= 2)
			x -= v[i - 1] - v[i - 2];
		t[i] = x;
	}
	for (uint32_t i = 0; i < lead; i++)
		PutVarint(out, ZigZag(t[i]));
	for (uint32_t i = lead; i < n; i += kMiniblock)
		PutMiniblock(&t[i], n - i < kMiniblock ? n - i : kMiniblock, out);
	return true;
}

/* DecodePack reverses EncodePack (values [0, limit) at least). */
bool
DecodePack(const uint8_t *p, size_t len, uint32_t n, uint64_t *out, uint32_t limit)
{
	const uint8_t *end = p + len;
	uint32_t	m = limit < n ? limit : n;	/* values wanted */

	if (len < 1 || *p > 2)
		return false;
	int			order = *p++;
	uint32_t	lead = n < static_cast<uint32_t>(order) ? n : static_cast<uint32_t>(order);

	for (uint32_t i = 0; i < lead; i++)
	{
		uint64_t	z;

		if (!GetVarint(&p, end, &z))
			return false;
		out[i] = UnZigZag(z);
	}
	for (uint32_t i = lead; i < m; i += kMiniblock)
		if (!GetMiniblock(&p, end, n - i < kMiniblock ? n - i : kMiniblock, out + i))
			return false;
	if (m == n && p != end)
		return false;
	if (order == 1)
	{
		for (uint32_t i = 1; i < m; i++)
			out[i] += out[i - 1];
	}
	else if (order == 2 && m >= 2)
	{
		uint64_t	d = out[1];

		out[1] += out[0];
		for (uint32_t i = 2; i < m; i++)
		{
			d += out[i];
			out[i] = out[i - 1] + d;
		}
	}
	return true;
}

/* EncodeBitmap applies to blocks of 0/1 values. */
bool
EncodeBitmap(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out)
{
	size_t		start = out.size();

	out.resize(start + (n + 7) / 8, 0);
	for (uint32_t i = 0; i < n; i++)
	{
		if (v[i] > 1)
			return false;
		out[start + (i >> 3)] |= static_cast<uint8_t>(v[i] << (i & 7));
	}
	return true;
}

/* DecodeBitmap expands bits into 0/1 values; padding bits must be 0. */
bool
DecodeBitmap(const uint8_t *p, size_t len, uint32_t n, uint64_t *out)
{
	if (len != (n + 7) / 8)
		return false;
	if ((n & 7) && (p[len - 1] >> (n & 7)))
		return false;
	for (uint32_t i = 0; i < n; i++)
		out[i] = (p[i >> 3] >> (i & 7)) & 1;
	return true;
}

} // namespace ztsdb::core
