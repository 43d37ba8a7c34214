/*-------------------------------------------------------------------------
 *
 * codec_rle.cpp
 *	  Plain, constant and run-length codecs (core zone).
 *
 * Payload layouts (w = bytes per value of the column, little-endian):
 *	kCodecPlain		n values, w bytes each
 *	kCodecConst		one value, w bytes (n >= 1 rows all equal to it)
 *	kCodecRle		runs until n values are covered, each:
 *						varint run length (>= 1), value (w bytes)
 *
 * Values are written with their low w bytes; the dispatcher narrows them
 * the same way on output, so sign extension never needs to be stored.
 *
 *-------------------------------------------------------------------------
 */
#include <cstring>

#include "ztsdb/core/codec_bits.h"
#include "ztsdb/core/codec_internal.h"

namespace ztsdb::core {

namespace {

inline void
PutValue(std::vector<uint8_t> &out, uint64_t v, size_t width)
{
	uint8_t		b[8];

	memcpy(b, &v, 8);
	out.insert(out.end(), b, b + width);
}

inline uint64_t
GetValue(const uint8_t *p, size_t width)
{
	uint64_t	v = 0;

	memcpy(&v, p, width);
	return v;
}

} // namespace

/* EncodePlain writes every value with its low width bytes. */
bool
EncodePlain(const uint64_t *v, uint32_t n, size_t width, std::vector<uint8_t> &out)
{
	out.reserve(out.size() + n * width);
	for (uint32_t i = 0; i < n; i++)
		PutValue(out, v[i], width);
	return true;
}

/* DecodePlain reads n values of width bytes. */
bool
DecodePlain(const uint8_t *p, size_t len, uint32_t n, size_t width, uint64_t *out)
{
	if (len != static_cast<size_t>(n) * width)
		return false;
	if (width == 8)
	{
		if (n > 0)
			memcpy(out, p, len);
		return true;
	}
	for (uint32_t i = 0; i < n; i++)
		out[i] = GetValue(p + i * width, width);
	return true;
}

/* EncodeConst applies when the block holds one value repeated. */
bool
EncodeConst(const uint64_t *v, uint32_t n, size_t width, std::vector<uint8_t> &out)
{
	if (n == 0)
		return false;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] != v[0])
			return false;
	PutValue(out, v[0], width);
	return true;
}

/* DecodeConst repeats the one stored value n times. */
bool
DecodeConst(const uint8_t *p, size_t len, uint32_t n, size_t width, uint64_t *out)
{
	if (len != width || n == 0)
		return false;
	uint64_t	x = GetValue(p, width);

	for (uint32_t i = 0; i < n; i++)
		out[i] = x;
	return true;
}

/*
 * EncodeRle writes (run length, value) pairs; it gives up as soon as it is
 * clearly bigger than plain, which keeps noisy blocks cheap to try.
 */
bool
EncodeRle(const uint64_t *v, uint32_t n, size_t width, std::vector<uint8_t> &out)
{
	size_t		start = out.size();
	size_t		limit = static_cast<size_t>(n) * width;

	for (uint32_t i = 0; i < n;)
	{
		uint32_t	j = i + 1;

		while (j < n && v[j] == v[i])
			j++;
		PutVarint(out, j - i);
		PutValue(out, v[i], width);
		if (out.size() - start > limit)
			return false;
		i = j;
	}
	return true;
}

/* DecodeRle expands the runs; they must cover exactly n values. */
bool
DecodeRle(const uint8_t *p, size_t len, uint32_t n, size_t width, uint64_t *out)
{
	const uint8_t *end = p + len;

	for (uint32_t i = 0; i < n;)
	{
		uint64_t	run;

		if (!GetVarint(&p, end, &run) || run == 0 || run > n - i ||
			static_cast<size_t>(end - p) < width)
			return false;
		uint64_t	x = GetValue(p, width);

		p += width;
		for (uint64_t k = 0; k < run; k++)
			out[i++] = x;
	}
	return p == end;
}

} // namespace ztsdb::core
