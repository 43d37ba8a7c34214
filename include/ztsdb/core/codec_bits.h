/*-------------------------------------------------------------------------
 *
 * codec_bits.h
 *	  Bit and varint primitives shared by the column codecs (core zone).
 *
 * Bits are packed least significant first: bit k of the stream is bit
 * (k & 7) of byte k >> 3, and a field of n bits written by Put(v, n) puts
 * bit 0 of v first.  On a little-endian host a 64-bit load at byte k >> 3,
 * shifted right by k & 7, therefore yields at least 57 upcoming bits; the
 * reader does exactly that, with one bounds test per peek, and treats bits
 * past the end of its buffer as zeros.  A decoder reads freely and checks
 * Overrun() (or ExactlyConsumed()) once at the end of its block.
 *
 * Varints are LEB128 (7 bits a byte, low first); signed numbers go through
 * ZigZag first.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ztsdb::core {

static_assert(std::endian::native == std::endian::little,
			  "the codecs load little-endian words directly");

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

/* BitMask returns a word with the low n bits set (n in 0..64). */
inline uint64_t
BitMask(int n)
{
	return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
}

/* BitWidth returns the number of bits needed to hold v (0 for 0). */
inline int
BitWidth(uint64_t v)
{
	return 64 - std::countl_zero(v);
}

inline uint64_t
LoadLE64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return v;
}

/* PutVarint appends v as LEB128. */
inline void
PutVarint(std::vector<uint8_t> &out, uint64_t v)
{
	while (v >= 0x80)
	{
		out.push_back(static_cast<uint8_t>(v | 0x80));
		v >>= 7;
	}
	out.push_back(static_cast<uint8_t>(v));
}

/*
 * GetVarint reads one LEB128 number at *p, advancing *p; false when the
 * input ends first or the number does not fit 64 bits.
 */
inline bool
GetVarint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t	r = 0;
	const uint8_t *q = *p;

	for (int shift = 0; shift < 64; shift += 7)
	{
		if (q >= end)
			return false;
		uint8_t		b = *q++;

		if (shift == 63 && (b & 0x7e))
			return false;
		r |= static_cast<uint64_t>(b & 0x7f) << shift;
		if (!(b & 0x80))
		{
			*p = q;
			*v = r;
			return true;
		}
	}
	return false;
}

/* BitWriter appends bit fields to a byte vector. */
class BitWriter
{
public:
	explicit BitWriter(std::vector<uint8_t> &out) : out_(out) {}

	/* Put appends the low n bits of v (n in 0..64), bit 0 first. */
	void Put(uint64_t v, int n)
	{
		if (n == 0)
			return;
		v &= BitMask(n);
		acc_ |= v << fill_;
		if (fill_ + n >= 64)
		{
			uint8_t		b[8];

			memcpy(b, &acc_, 8);
			out_.insert(out_.end(), b, b + 8);
			acc_ = fill_ == 0 ? 0 : v >> (64 - fill_);
			fill_ = fill_ + n - 64;
		}
		else
			fill_ += n;
	}

	/* Finish flushes the last partial word; call once, at the end. */
	void Finish()
	{
		uint8_t		b[8];

		memcpy(b, &acc_, 8);
		out_.insert(out_.end(), b, b + (fill_ + 7) / 8);
		acc_ = 0;
		fill_ = 0;
	}

private:
	std::vector<uint8_t> &out_;
	uint64_t	acc_ = 0;
	int			fill_ = 0;		/* bits used in acc_, 0..63 */
};

/* BitReader reads bit fields; bits past the end read as zeros. */
class BitReader
{
public:
	BitReader(const uint8_t *p, size_t len) : p_(p), len_(len) {}

	/* Peek returns the next bits of the stream; the low 57 are valid. */
	uint64_t Peek() const
	{
		size_t		byte = static_cast<size_t>(pos_ >> 3);
		uint64_t	w = 0;

		if (byte + 8 <= len_)
			w = LoadLE64(p_ + byte);
		else if (byte < len_)
			memcpy(&w, p_ + byte, len_ - byte);
		return w >> (pos_ & 7);
	}
	void		Skip(int n) { pos_ += static_cast<uint64_t>(n); }

	/* Get reads n bits, n in 0..57. */
	uint64_t Get(int n)
	{
		uint64_t	v = Peek() & BitMask(n);

		pos_ += static_cast<uint64_t>(n);
		return v;
	}

	/* Get64 reads n bits, n in 0..64. */
	uint64_t Get64(int n)
	{
		if (n <= 57)
			return Get(n);
		uint64_t	lo = Get(32);

		return lo | (Get(n - 32) << 32);
	}

	/* Overrun tells whether any read went past the end of the buffer. */
	bool		Overrun() const { return pos_ > static_cast<uint64_t>(len_) * 8; }

	/* ExactlyConsumed: no overrun and no whole byte left unread. */
	bool		ExactlyConsumed() const { return !Overrun() && (pos_ + 7) / 8 == len_; }

private:
	const uint8_t *p_;
	size_t		len_;
	uint64_t	pos_ = 0;
};

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
