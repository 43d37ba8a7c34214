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

#include <array>
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
constexpr int kMaxDigits = 11;	/* 2^127 < 10^39: 39 decimal digits, 3 more of padding */

using U128 = unsigned __int128;

constexpr U128 kLimit = static_cast<U128>(1) << 127;

constexpr std::array<U128, 39> kPow10 = [] {
	std::array<U128, 39> t{};
	U128		p = 1;

	for (size_t i = 0; i < t.size(); i++, p *= 10)
		t[i] = p;
	return t;
}();

/* Pow10 returns 10^e, 0 <= e <= 38 (< 2^127). */
inline U128
Pow10(int e)
{
	return kPow10[static_cast<size_t>(e)];
}

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
	U128		acc = 0;

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
		U128		term;

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
			if (e <= -4 || d % static_cast<int>(Pow10(static_cast<int>(-e))) != 0)
				return NumericFit::kMalformed;
			term = static_cast<U128>(d) / Pow10(static_cast<int>(-e));
		}
		else if (e > 38 || static_cast<U128>(d) > (kLimit - 1) / Pow10(static_cast<int>(e)))
			return NumericFit::kTooBig;
		else
			term = static_cast<U128>(d) * Pow10(static_cast<int>(e));
		acc += term;			/* both < 2^127: no wrap */
		if (acc >= kLimit)
			return NumericFit::kTooBig;
	}
	if (neg)
		acc = 0 - acc;
	out->unscaled = static_cast<int64_t>(static_cast<uint64_t>(acc));
	out->unscaled_hi = static_cast<int64_t>(static_cast<uint64_t>(acc >> 64));
	out->scale = static_cast<int16_t>(dscale);
	return NumericFit::kFits;
}

Status
NumericToForm(const NumericSlot &slot, uint8_t *out, size_t cap, size_t *len) noexcept
{
	int16_t		groups[kMaxDigits];	/* base-10000 digits, least significant first */
	int			ngroups = 0;
	int			low = 0;
	int			weight = 0;
	int			scale = slot.scale;
	U128		v = (static_cast<U128>(static_cast<uint64_t>(slot.unscaled_hi)) << 64) |
		static_cast<uint64_t>(slot.unscaled);
	bool		neg = slot.unscaled_hi < 0;
	size_t		off;

	if (!NumericSlotValid(slot))
		return Status::Corrupt("numeric value has an invalid scale");
	if (out == nullptr || len == nullptr || cap < kNumericMaxForm)
		return Status::Invalid("numeric form buffer too small");
	if (scale < 0)
	{
		PutU16(out, scale == kNumericNaN ? kNaN : scale == kNumericPosInf ? kPosInf : kNegInf);
		*len = 2;
		return Status::Ok();
	}
	if (neg)
		v = 0 - v;				/* |value|, < 2^127 */
	if (v != 0)
	{
		/*
		 * Decimal digit i (least significant first) of |value * 10^scale| is
		 * worth 10^(i - scale): it goes to base-10000 group floor((i -
		 * scale) / 4), groups counted from the lowest one, kgroup0.
		 */
		int			pad = ((scale % 4) + 4) % 4 == 0 ? 0 : 4 - scale % 4;
		int			kgroup0 = -(scale + pad) / 4;

		memset(groups, 0, sizeof(groups));
		if (v <= ~static_cast<U128>(0) / Pow10(pad))
		{
			/* the usual case: pad, then four digits at a time */
			U128		big = v * Pow10(pad);

			while (big != 0)
			{
				if (big >> 64 == 0)
				{
					uint64_t	x = static_cast<uint64_t>(big);

					groups[ngroups++] = static_cast<int16_t>(x % kNBase);
					big = x / kNBase;
				}
				else
				{
					groups[ngroups++] = static_cast<int16_t>(static_cast<uint64_t>(big % kNBase));
					big /= kNBase;
				}
			}
		}
		else
		{
			/* padding would overflow 128 bits: one decimal digit at a time */
			static const int kPos[4] = {1, 10, 100, 1000};

			for (int i = 0; v != 0; i++)
			{
				int			digit = static_cast<int>(v % 10);
				int			pos = i + pad;	/* decimal position from group 0's base */

				v /= 10;
				groups[pos / 4] = static_cast<int16_t>(groups[pos / 4] + digit * kPos[pos % 4]);
				ngroups = pos / 4 + 1;
			}
		}
		while (groups[low] == 0)
			low++;
		weight = kgroup0 + ngroups - 1;
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
	for (int g = ngroups - 1; g >= low && ngroups > 0; g--)
	{
		memcpy(out + off, &groups[g], 2);
		off += 2;
	}
	*len = off;
	return Status::Ok();
}

} // namespace ztsdb::core
