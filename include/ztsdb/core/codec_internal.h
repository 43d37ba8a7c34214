/*-------------------------------------------------------------------------
 *
 * codec_internal.h
 *	  Codec ids, the per-codec entry points and the test hook of the column
 *	  codecs (core zone; included by src/core/codec*.cpp, tests and bench).
 *
 * Every codec works on a sequence of n values held as uint64_t: integers
 * and timestamps sign-extended to 64 bits, float bits zero-extended, bools
 * as 0/1 (or whatever byte the caller gave).  NULL rows are removed before
 * a codec sees the sequence.  An encoder appends its payload to a byte
 * vector and returns false when it does not apply to the values (it may
 * throw std::bad_alloc; the public entry points catch it).  A decoder
 * reads exactly len bytes and writes exactly n values, and returns false
 * on any inconsistency; it never reads or writes out of bounds.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ztsdb::core {

/* Codec ids, stored on disk in the low 7 bits of a block's first byte. */
enum CodecId : uint8_t
{
	kCodecPlain = 0,			/* codec_rle.cpp */
	kCodecConst = 1,			/* codec_rle.cpp */
	kCodecRle = 2,				/* codec_rle.cpp */
	kCodecPack = 3,				/* codec_bitpack.cpp */
	kCodecDod = 4,				/* codec_delta.cpp */
	kCodecGorilla = 5,			/* codec_gorilla.cpp */
	kCodecDecimal = 6,			/* codec_decimal.cpp */
	kCodecBitmap = 7,			/* codec_bitpack.cpp */
	kCodecSparse = 8,			/* codec_sparse.cpp */
	kCodecNumeric = 9			/* codec.cpp: numeric columns only */
};

constexpr int kCodecCount = 10;

/* ForcedEncodedColumnSize bounds a block written under codec_force. */
constexpr size_t
ForcedEncodedColumnSize(size_t width, uint32_t nrows)
{
	/* Gorilla: 79 bits a value at worst; decimal and pack stay below this */
	return 64 + 2 * (static_cast<size_t>(nrows) / 8 + 1 + 10 * static_cast<size_t>(nrows) + width * nrows);
}

/*
 * codec_force, when >= 0, makes EncodeColumn use that codec whenever it
 * applies, even when plain is smaller (falling back to plain when it does
 * not apply), so tests exercise every codec.  A forced block can then be
 * up to ForcedEncodedColumnSize bytes.  Tests and benchmarks only; the
 * server never sets it.
 */
extern int	codec_force;

/*
 * Decoders taking a limit (the costly sequential ones) need only decode
 * values [0, limit): they may stop there, values at and past it are then
 * unspecified (out still has room for n), and the payload is checked only
 * as far as they read.  A limit of n or more decodes and checks it all.
 * Only used on blocks of files whose checksum was verified.
 */

/* width: bytes per value in the column (1, 2, 4 or 8) */
bool		EncodePlain(const uint64_t *v, uint32_t n, size_t width, std::vector<uint8_t> &out);
bool		DecodePlain(const uint8_t *p, size_t len, uint32_t n, size_t width, uint64_t *out);
bool		EncodeConst(const uint64_t *v, uint32_t n, size_t width, std::vector<uint8_t> &out);
bool		DecodeConst(const uint8_t *p, size_t len, uint32_t n, size_t width, uint64_t *out);
bool		EncodeRle(const uint64_t *v, uint32_t n, size_t width, std::vector<uint8_t> &out);
bool		DecodeRle(const uint8_t *p, size_t len, uint32_t n, size_t width, uint64_t *out);

/* bit packing of values, deltas or deltas of deltas; order 0, 1 or 2 */
bool		EncodePack(const uint64_t *v, uint32_t n, int order, std::vector<uint8_t> &out);
bool		DecodePack(const uint8_t *p, size_t len, uint32_t n, uint64_t *out,
					   uint32_t limit = UINT32_MAX);
bool		EncodeBitmap(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out);
bool		DecodeBitmap(const uint8_t *p, size_t len, uint32_t n, uint64_t *out);

/* values that rarely change: the list of their changes */
bool		EncodeSparse(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out);
bool		DecodeSparse(const uint8_t *p, size_t len, uint32_t n, uint64_t *out,
						 uint32_t limit = UINT32_MAX);

/* delta-of-delta with a variable-width code per value (timestamps) */
bool		EncodeDod(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out);
bool		DecodeDod(const uint8_t *p, size_t len, uint32_t n, uint64_t *out);

/* Gorilla XOR; float4 = the values are 32-bit floats */
bool		EncodeGorilla(const uint64_t *v, uint32_t n, bool float4, std::vector<uint8_t> &out);
bool		DecodeGorilla(const uint8_t *p, size_t len, uint32_t n, bool float4, uint64_t *out);

/* floats that are scaled integers (12.34 = 1234 / 10^2), exact or excepted */
bool		EncodeDecimal(const uint64_t *v, uint32_t n, bool float4, std::vector<uint8_t> &out);
bool		DecodeDecimal(const uint8_t *p, size_t len, uint32_t n, bool float4, uint64_t *out,
						  uint32_t limit = UINT32_MAX);

/*
 * EncodeIntBlock writes the smallest of the integer codecs (const, RLE,
 * pack of order 0..2, dod, sparse, plain) for n int64 values as a codec id byte and
 * its payload; DecodeIntBlock reads it back.  The decimal codec nests one.
 */
void		EncodeIntBlock(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out);
bool		DecodeIntBlock(const uint8_t *p, size_t len, uint32_t n, uint64_t *out,
						   uint32_t limit = UINT32_MAX);

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
