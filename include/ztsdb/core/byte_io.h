/*-------------------------------------------------------------------------
 *
 * byte_io.h
 *	  Little-endian, bounds-checked byte readers and writers (core zone).
 *
 * Writers append into a caller-sized buffer and remember overflow instead
 * of writing past the end; readers never read past their end and remember
 * the first failure, so a decoder can read a whole structure and check one
 * flag at the end.  x86-64 and arm64 are little-endian; the static_assert
 * keeps it that way.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ztsdb::core {

static_assert(std::endian::native == std::endian::little, "ztsdb files are little-endian");

class ByteWriter
{
public:
	ByteWriter(uint8_t *buf, size_t cap) : buf_(buf), cap_(cap) {}

	template<typename T> void Put(T v)
	{
		PutBytes(&v, sizeof(T));
	}
	void PutBytes(const void *p, size_t n)
	{
		if (n > cap_ - len_ || len_ > cap_)
		{
			overflow_ = true;
			return;
		}
		if (n > 0)
			memcpy(buf_ + len_, p, n);
		len_ += n;
	}
	void Zeros(size_t n)
	{
		if (n > cap_ - len_)
		{
			overflow_ = true;
			return;
		}
		memset(buf_ + len_, 0, n);
		len_ += n;
	}
	void Align(size_t a)
	{
		Zeros((a - len_ % a) % a);
	}
	/* Patch overwrites bytes already written at off (for offsets known later). */
	template<typename T> void Patch(size_t off, T v)
	{
		if (off + sizeof(T) <= len_)
			memcpy(buf_ + off, &v, sizeof(T));
		else
			overflow_ = true;
	}
	size_t		len() const { return len_; }
	bool		overflow() const { return overflow_; }
	uint8_t    *data() const { return buf_; }

private:
	uint8_t    *buf_;
	size_t		cap_;
	size_t		len_ = 0;
	bool		overflow_ = false;
};

class ByteReader
{
public:
	ByteReader(const uint8_t *buf, size_t len) : buf_(buf), len_(len) {}

	template<typename T> T Get()
	{
		T			v{};

		if (sizeof(T) > len_ - pos_)
		{
			bad_ = true;
			pos_ = len_;
			return v;
		}
		memcpy(&v, buf_ + pos_, sizeof(T));
		pos_ += sizeof(T);
		return v;
	}
	void GetBytes(void *p, size_t n)
	{
		if (n > len_ - pos_)
		{
			bad_ = true;
			pos_ = len_;
			memset(p, 0, n);
			return;
		}
		memcpy(p, buf_ + pos_, n);
		pos_ += n;
	}
	void Skip(size_t n)
	{
		if (n > len_ - pos_)
		{
			bad_ = true;
			pos_ = len_;
			return;
		}
		pos_ += n;
	}
	size_t		pos() const { return pos_; }
	bool		bad() const { return bad_; }

private:
	const uint8_t *buf_;
	size_t		len_;
	size_t		pos_ = 0;
	bool		bad_ = false;
};

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
