/*-------------------------------------------------------------------------
 *
 * codec_numeric.h
 *	  numeric values as a scaled int128 and a display scale (core zone).
 *
 * A numeric column (ColumnType::kNumeric) holds per row one NumericSlot of
 * 24 bytes in batches, hot chunks and warm files: the value times
 * 10^scale as a two's complement int128 ("unscaled", in two int64 halves)
 * and the value's display scale, so 1.50 is {150, 2} and 1e-20 at scale 20
 * is {1, 20}.  NaN and the two infinities (numeric has them since
 * PostgreSQL 14) are negative scales with unscaled 0.  Cold blocks store
 * the low halves, the high halves and the scales as three integer blocks
 * (codec.cpp), so prices with two decimals cost what their cents cost as
 * bigint, and a column of one scale and sign costs its scale and high half
 * once.
 *
 * A value fits when |value * 10^dscale| < 2^127 (38 significant digits,
 * counting the zeros its display scale adds); others have no slot: the
 * PostgreSQL zone refuses them with an error, never rounds.
 *
 * NumericFromForm and NumericToForm convert between a slot and PostgreSQL's
 * stored form of a numeric (the bytes after the varlena header, as
 * numeric.c's make_result writes them: NBASE 10000 digits of int16, no
 * leading or trailing zero digits, the short header when the display scale
 * is at most 63 and the weight within -64 .. 63, zero positive with weight
 * 0).  That form is PostgreSQL's on-disk format, fixed since 9.1 because
 * pg_upgrade keeps data files; NumericToForm writes exactly what
 * make_result would, so a value read back is the same bytes that went in.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "ztsdb/core/status.h"

namespace ztsdb::core {

struct NumericSlot
{
	int64_t		unscaled;		/* low 64 bits of value * 10^scale (int128);
								 * 0 for NaN and infinities */
	int64_t		unscaled_hi;	/* its high 64 bits: 0 or -1 when the value
								 * fits an int64 */
	int16_t		scale;			/* display scale 0 .. kNumericMaxScale, or a
								 * kNumeric* special below */
	uint16_t	reserved[3];	/* zero */
};

static_assert(sizeof(NumericSlot) == 24, "numeric slot is 24 bytes");

constexpr int16_t kNumericNaN = -1;
constexpr int16_t kNumericPosInf = -2;
constexpr int16_t kNumericNegInf = -3;
constexpr int16_t kNumericMaxScale = 0x3FFF;	/* numeric.c NUMERIC_DSCALE_MASK */

/* Bytes of the stored form of any value that has a slot (header 4 + 11 digits). */
constexpr size_t kNumericMaxForm = 26;

/* NumericSlotValid: could s have come from NumericFromForm? */
constexpr bool
NumericSlotValid(const NumericSlot &s)
{
	if (s.scale < 0)
		return (s.scale == kNumericNaN || s.scale == kNumericPosInf ||
				s.scale == kNumericNegInf) && s.unscaled == 0 && s.unscaled_hi == 0;
	/* -2^127 has no positive twin: |unscaled| < 2^127 */
	return s.scale <= kNumericMaxScale &&
		!(s.unscaled_hi == INT64_MIN && s.unscaled == 0);
}

enum class NumericFit : uint8_t
{
	kFits,
	kTooBig,					/* |value * 10^dscale| >= 2^127 */
	kMalformed					/* not a numeric's stored form */
};

/*
 * NumericFromForm reads the stored form form[0 .. len) (no varlena header)
 * into *out.
 */
NumericFit	NumericFromForm(const uint8_t *form, size_t len, NumericSlot *out) noexcept;

/*
 * NumericToForm writes the stored form of slot to out[0 .. cap),
 * cap >= kNumericMaxForm, and its length to *len.  Fails with kCorrupt
 * when the slot is not valid (NumericSlotValid).
 */
Status		NumericToForm(const NumericSlot &slot, uint8_t *out, size_t cap,
						  size_t *len) noexcept;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
