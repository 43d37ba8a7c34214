/*-------------------------------------------------------------------------
 *
 * codec_delta.cpp
 *	  Delta-of-delta with a variable-width code per value: Gorilla's
 *	  timestamp scheme, widened to any int64 (core zone).
 *
 * kCodecDod payload, a bit stream (codec_bits.h: least significant bit
 * first), then zero padding to a byte:
 *	64 bits		v[0]
 *	per value i >= 1, with d[i] = v[i] - v[i-1] (d[0] = 0) and
 *	z = zigzag(d[i] - d[i-1]), one of (prefix bits in stream order):
 *		0					z = 0
 *		1 0    + 7 bits		z < 2^7
 *		1 1 0  + 9 bits		z < 2^9
 *		1 1 1 0 + 12 bits	z < 2^12
 *		1 1 1 1 0 + 32 bits	z < 2^32
 *		1 1 1 1 1 + 64 bits	anything
 * Arithmetic wraps around on uint64, so every int64 sequence round-trips.
 * A regular series costs one bit a value.  Unlike the miniblocks of
 * kCodecPack, one irregular step costs only its own code, so the encoder
 * keeps whichever of the two is smaller per block.
 *
 * The decoder peeks a 64-bit word per value and reads the prefix with one
 * count-trailing-ones; only 64-bit codes need a second read.
 *
 *-------------------------------------------------------------------------
 */
#include <bit>

#include "ztsdb/core/codec_bits.h"
#include "ztsdb/core/codec_internal.h"

namespace ztsdb::core {

namespace {

/* per number of leading 1 bits: prefix length and payload width */
constexpr int kPrefixLen[6] = {1, 2, 3, 4, 5, 5};
constexpr int kWidth[6] = {0, 7, 9, 12, 32, 64};

} // namespace

/* EncodeDod writes the delta-of-delta bit stream. */
bool
EncodeDod(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out)
{
	BitWriter	bw(out);
	uint64_t	prev_delta = 0;

	if (n == 0)
		return true;
	bw.Put(v[0], 64);
	for (uint32_t i = 1; i < n; i++)
	{
		uint64_t	d = v[i] - v[i - 1];
		uint64_t	z = ZigZag(d - prev_delta);

		prev_delta = d;
		if (z == 0)
			bw.Put(0, 1);
		else if (z < (1u << 7))
			bw.Put(0b01 | (z << 2), 2 + 7);
		else if (z < (1u << 9))
			bw.Put(0b011 | (z << 3), 3 + 9);
		else if (z < (1u << 12))
			bw.Put(0b0111 | (z << 4), 4 + 12);
		else if (z < (uint64_t{1} << 32))
			bw.Put(0b01111 | (z << 5), 5 + 32);
		else
		{
			bw.Put(0b11111, 5);
			bw.Put(z, 64);
		}
	}
	bw.Finish();
	return true;
}

/* DecodeDod reads n values; the stream must end within its last byte. */
bool
DecodeDod(const uint8_t *p, size_t len, uint32_t n, uint64_t *out)
{
	BitReader	br(p, len);
	uint64_t	prev;
	uint64_t	delta = 0;

	if (n == 0)
		return len == 0;
	prev = br.Get64(64);
	out[0] = prev;
	for (uint32_t i = 1; i < n; i++)
	{
		uint64_t	b = br.Peek();
		int			k = std::countr_one(b & 0x1f);
		uint64_t	z;

		if (k < 5)
		{
			z = (b >> kPrefixLen[k]) & BitMask(kWidth[k]);
			br.Skip(kPrefixLen[k] + kWidth[k]);
		}
		else
		{
			br.Skip(5);
			z = br.Get64(64);
		}
		delta += UnZigZag(z);
		prev += delta;
		out[i] = prev;
	}
	return br.ExactlyConsumed();
}

} // namespace ztsdb::core
