/*-------------------------------------------------------------------------
 *
 * bitstream.h
 *	  Bit-granular writer and bounds-checked reader (core zone).
 *
 * Bits are packed most significant first into bytes.  The reader never
 * reads past its end: a read beyond it sets bad() and returns zeros, so a
 * decoder checks once per value or once per block.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ztsdb::core {

class BitWriter
{
public:
	explicit BitWriter(std::vector<uint8_t> &out) : out_(out) {}

	/* Put appends the low n bits of v (n <= 64), most significant first. */
	void Put(uint64_t v, int n)
	{
		while (n > 0)
		{
			if (used_ == 0)
				out_.push_back(0);
			int			room = 8 - used_;
			int			take = n < room ? n : room;
			uint8_t		bits = static_cast<uint8_t>((v >> (n - take)) & ((1u << take) - 1));

			out_.back() |= static_cast<uint8_t>(bits << (room - take));
			used_ = (used_ + take) & 7;
			n -= take;
		}
	}

private:
	std::vector<uint8_t> &out_;
	int			used_ = 0;		/* bits used in the last byte */
};

class BitReader
{
public:
	BitReader(const uint8_t *p, size_t len) : p_(p), nbits_(len * 8) {}

	/* Get reads n bits (n <= 64). */
	uint64_t Get(int n)
	{
		uint64_t	v = 0;

		if (static_cast<uint64_t>(n) > nbits_ - pos_)
		{
			bad_ = true;
			pos_ = nbits_;
			return 0;
		}
		while (n > 0)
		{
			int			used = static_cast<int>(pos_ & 7);
			int			room = 8 - used;
			int			take = n < room ? n : room;
			uint8_t		byte = p_[pos_ >> 3];

			v = (v << take) | ((byte >> (room - take)) & ((1u << take) - 1));
			pos_ += take;
			n -= take;
		}
		return v;
	}
	bool		Bit() { return Get(1) != 0; }
	bool		bad() const { return bad_; }
	/* BytesUsed tells how many whole bytes the bits read so far span. */
	size_t		BytesUsed() const { return (pos_ + 7) / 8; }

private:
	const uint8_t *p_;
	uint64_t	nbits_;
	uint64_t	pos_ = 0;
	bool		bad_ = false;
};

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
