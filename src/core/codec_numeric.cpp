/*-------------------------------------------------------------------------
 *
 * codec_numeric.cpp
 *	  Conversion between PostgreSQL's stored numeric form and NumericSlot
 *	  (core zone).
 *
 * Stored form (numeric.c; all uint16/int16 native-endian, after the varlena
 * header):
 *	special		u16 header: 0xC000 NaN, 0xD000 +Infinity, 0xF000 -Infinity
 *	short		u16 header: 0x8000 | sign 0x2000 | dscale << 7 (6 bits)
 *				| weight sign 0x0040 | weight & 0x3F; then the digits
 *	long		u16 sign (0x0000 or 0x4000) | dscale (14 bits); i16 weight;
 *				then the digits
 *	digits		int16 each 0 .. 9999 (NBASE 10000), most significant first;
 *				digit i is worth 10000^(weight - i)
 * make_result writes the short header when dscale <= 63 and
 * -64 <= weight <= 63, strips leading and trailing zero digits, and gives
 * zero no digits, weight 0 and a positive sign; NumericToForm does the same.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec_numeric.h"

#include <cstring>

namespace ztsdb::core {

namespace {

constexpr uint16_t kSignMask = 0xC000;
constexpr uint16_t kNeg = 0x4000;
constexpr uint16_t kShort = 0x8000;
constexpr uint16_t kSpecial = 0xC000;
constexpr uint16_t kNaN = 0xC000;
constexpr uint16_t kPosInf = 0xD000;
constexpr uint16_t kNegInf = 0xF000;
constexpr uint16_t kShortSign = 0x2000;
constexpr uint16_t kShortDscaleMask = 0x1F80;
constexpr int kShortDscaleShift = 7;
constexpr int kShortDscaleMax = kShortDscaleMask >> kShortDscaleShift;
constexpr uint16_t kShortWeightSign = 0x0040;
constexpr uint16_t kShortWeightMask = 0x003F;
constexpr int kShortWeightMax = kShortWeightMask;
constexpr int kShortWeightMin = -(kShortWeightMask + 1);
constexpr uint16_t kDscaleMask = 0x3FFF;
constexpr int kNBase = 10000;
constexpr int kMaxDigits = 6;	/* 2^63 * 1000 < 10000^6 */

constexpr uint64_t kPow10[19] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL
};

inline uint16_t
GetU16(const uint8_t *p)
{
	uint16_t	v;

	memcpy(&v, p, 2);
	return v;
}

inline void
PutU16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

} // namespace

NumericFit
NumericFromForm(const uint8_t *form, size_t len, NumericSlot *out) noexcept
{
	uint16_t	header;
	bool		neg;
	int			dscale;
	int			weight;
	size_t		off;
	unsigned __int128 acc = 0;
	constexpr unsigned __int128 kLimit = static_cast<unsigned __int128>(1) << 63;

	memset(out, 0, sizeof(*out));
	if (form == nullptr || len < 2)
		return NumericFit::kMalformed;
	header = GetU16(form);
	if ((header & kSignMask) == kSpecial)
	{
		if (len != 2)
			return NumericFit::kMalformed;
		if (header == kNaN)
			out->scale = kNumericNaN;
		else if (header == kPosInf)
			out->scale = kNumericPosInf;
		else if (header == kNegInf)
			out->scale = kNumericNegInf;
		else
			return NumericFit::kMalformed;
		return NumericFit::kFits;
	}
	if ((header & kSignMask) == kShort)
	{
		neg = (header & kShortSign) != 0;
		dscale = (header & kShortDscaleMask) >> kShortDscaleShift;
		weight = header & kShortWeightMask;
		if (header & kShortWeightSign)
			weight -= kShortWeightMask + 1;
		off = 2;
	}
	else
	{
		int16_t		w;

		if (len < 4)
			return NumericFit::kMalformed;
		neg = (header & kSignMask) == kNeg;
		dscale = header & kDscaleMask;
		memcpy(&w, form + 2, 2);
		weight = w;
		off = 4;
	}
	if ((len - off) % 2 != 0)
		return NumericFit::kMalformed;

	size_t		ndigits = (len - off) / 2;

	for (size_t i = 0; i < ndigits; i++)
	{
		int16_t		d;
		int64_t		e;

		memcpy(&d, form + off + 2 * i, 2);
		if (d < 0 || d >= kNBase)
			return NumericFit::kMalformed;
		if (d == 0)
			continue;
		/* the digit's power of ten in value * 10^dscale */
		e = 4 * (static_cast<int64_t>(weight) - static_cast<int64_t>(i)) + dscale;
		if (e < 0)
		{
			/* a digit below the display scale: make_result never writes one */
			if (e <= -4 || d % static_cast<int>(kPow10[-e]) != 0)
				return NumericFit::kMalformed;
			acc += static_cast<uint64_t>(d) / kPow10[-e];
		}
		else if (e > 18)
			return NumericFit::kTooBig;
		else
			acc += static_cast<unsigned __int128>(d) * kPow10[e];
		if (acc >= kLimit)
			return NumericFit::kTooBig;
	}
	out->unscaled = neg ? -static_cast<int64_t>(acc) : static_cast<int64_t>(acc);
	out->scale = static_cast<int16_t>(dscale);
	return NumericFit::kFits;
}

Status
NumericToForm(int64_t unscaled, int16_t scale, uint8_t *out, size_t cap, size_t *len) noexcept
{
	int16_t		digits[kMaxDigits + 1];	/* base-10000 digits, least significant first */
	int			ndigits = 0;
	int			low = 0;
	int			weight = 0;
	bool		neg = unscaled < 0;
	uint64_t	m;
	size_t		off;

	if (!NumericSlotValid(unscaled, scale))
		return Status::Corrupt("numeric value has an invalid scale");
	if (out == nullptr || len == nullptr || cap < kNumericMaxForm)
		return Status::Invalid("numeric form buffer too small");
	if (scale < 0)
	{
		PutU16(out, scale == kNumericNaN ? kNaN : scale == kNumericPosInf ? kPosInf : kNegInf);
		*len = 2;
		return Status::Ok();
	}
	m = neg ? 0 - static_cast<uint64_t>(unscaled) : static_cast<uint64_t>(unscaled);
	if (m != 0)
	{
		/* pad to a whole number of base-10000 fraction digits */
		int			r = (4 - scale % 4) % 4;
		int			q = (scale + r) / 4;
		unsigned __int128 big = static_cast<unsigned __int128>(m) * kPow10[r];

		while (big != 0)
		{
			digits[ndigits++] = static_cast<int16_t>(static_cast<uint64_t>(big % kNBase));
			big /= kNBase;
		}
		while (digits[low] == 0)
			low++;
		weight = ndigits - 1 - q;
	}
	else
		neg = false;
	if (scale <= kShortDscaleMax && weight <= kShortWeightMax && weight >= kShortWeightMin)
	{
		PutU16(out, static_cast<uint16_t>(kShort | (neg ? kShortSign : 0) |
										  (scale << kShortDscaleShift) |
										  (weight < 0 ? kShortWeightSign : 0) |
										  (weight & kShortWeightMask)));
		off = 2;
	}
	else
	{
		int16_t		w = static_cast<int16_t>(weight);

		PutU16(out, static_cast<uint16_t>((neg ? kNeg : 0) | (scale & kDscaleMask)));
		memcpy(out + 2, &w, 2);
		off = 4;
	}
	/* most significant first, trailing zero digits dropped */
	for (int i = ndigits - 1; i >= low && ndigits > 0; i--)
	{
		memcpy(out + off, &digits[i], 2);
		off += 2;
	}
	*len = off;
	return Status::Ok();
}

} // namespace ztsdb::core
