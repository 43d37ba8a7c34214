/*-------------------------------------------------------------------------
 *
 * column_type.h
 *	  Column types a ztsdb table can hold, as the core zone sees them.
 *
 * The numeric values are stored on disk (chunk files, WAL records): never
 * renumber them.  Timestamp covers both timestamptz and timestamp (int64
 * microseconds since 2000-01-01, PostgreSQL's representation).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

namespace ztsdb::core {

enum class ColumnType : uint8_t
{
	kBool = 1,			/* 1 byte per value, 0 or 1 */
	kInt2 = 2,			/* int16_t */
	kInt4 = 3,			/* int32_t */
	kInt8 = 4,			/* int64_t */
	kFloat4 = 5,		/* float (IEEE binary32), bit-exact */
	kFloat8 = 6,		/* double (IEEE binary64), bit-exact */
	kTimestamp = 7,		/* int64_t microseconds (timestamptz) */
	kTimestampNoTz = 8,	/* int64_t microseconds (timestamp) */
	kNumeric = 9		/* NumericSlot: int128 unscaled value (two int64
						 * halves), int16 scale, 6 zero bytes
						 * (codec_numeric.h) */
};

/* ColumnWidth returns the bytes one value takes in a plain array, 0 if unknown. */
constexpr size_t
ColumnWidth(ColumnType t)
{
	switch (t)
	{
		case ColumnType::kBool:
			return 1;
		case ColumnType::kInt2:
			return 2;
		case ColumnType::kInt4:
		case ColumnType::kFloat4:
			return 4;
		case ColumnType::kInt8:
		case ColumnType::kFloat8:
		case ColumnType::kTimestamp:
		case ColumnType::kTimestampNoTz:
			return 8;
		case ColumnType::kNumeric:
			return 24;
	}
	return 0;
}

/*
 * IntegerAt returns row r of an aligned int2/int4/int8 column array as
 * int64 (series values).
 */
inline int64_t
IntegerAt(ColumnType t, const void *values, uint32_t r)
{
	switch (t)
	{
		case ColumnType::kInt2:
			return static_cast<const int16_t *>(values)[r];
		case ColumnType::kInt4:
			return static_cast<const int32_t *>(values)[r];
		default:
			return static_cast<const int64_t *>(values)[r];
	}
}

constexpr bool
ColumnTypeValid(uint8_t t)
{
	return t >= 1 && t <= 9;
}

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
