/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  Column block codecs for the cold tier (core zone).
 *
 * A block is up to kMaxBlockRows values of one column.  The input is a plain
 * little-endian array of ColumnWidth(type) bytes per value plus an optional
 * validity bitmap (bit i set = row i is not NULL, LSB first; nullptr = no
 * NULLs).  Values in NULL rows are ignored by the encoder and decode as 0.
 *
 * EncodeColumn picks the best codec for the block by itself and records its
 * choice in the output, so DecodeColumn needs only the type and row count.
 * Every codec round-trips bit-exactly (NaN payloads, -0.0, infinities,
 * denormals, integer extremes).  DecodeColumn, given arbitrary bytes, returns
 * a kCorrupt status and never reads outside [in, in + in_len) nor writes
 * outside the caller's arrays.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "ztsdb/core/column_type.h"
#include "ztsdb/core/status.h"

namespace ztsdb::core {

constexpr uint32_t kMaxBlockRows = 65536;

/* MaxEncodedColumnSize returns an output size EncodeColumn never exceeds. */
size_t		MaxEncodedColumnSize(ColumnType type, uint32_t nrows) noexcept;

/*
 * EncodeColumn compresses nrows values into out[0 .. out_cap); on success
 * *out_len is the number of bytes written.
 */
Status		EncodeColumn(ColumnType type, const void *values, const uint8_t *validity,
						 uint32_t nrows, uint8_t *out, size_t out_cap,
						 size_t *out_len) noexcept;

/*
 * DecodeColumn expands a block written by EncodeColumn.  values must have
 * room for nrows * ColumnWidth(type) bytes and validity for (nrows + 7) / 8
 * bytes; validity bits are all set when the block has no NULLs.  With a
 * limit below nrows only rows [0, limit) need be decoded: a block of 8-byte
 * values without NULLs in a sequential codec stops there, leaving the rest
 * unspecified and the payload past it unchecked (for blocks of a file whose
 * checksum was verified); others are decoded whole.
 */
Status		DecodeColumn(ColumnType type, const uint8_t *in, size_t in_len,
						 uint32_t nrows, void *values, uint8_t *validity,
						 uint32_t limit = UINT32_MAX) noexcept;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
