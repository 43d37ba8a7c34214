/*
 * fuzz_numeric.cpp
 *	  libFuzzer target for numeric columns: the stored-form reader and the
 *	  numeric block decoder (codec_numeric.h, codec.cpp).
 *
 *	  byte 0	mode (modulo 3)
 *	  mode 0	the rest is a numeric's stored form: NumericFromForm must
 *				return; a value that fits writes a form (at most
 *				kNumericMaxForm bytes) that reads back as the same slot
 *	  mode 1	bytes 1-2 row count (little-endian, modulo 3000), the rest a
 *				numeric column block: DecodeColumn must reject it or decode
 *				valid slots within bounds, which re-encode and decode to the
 *				same slots
 *	  mode 2	the rest is 18 bytes a row (int64 low and high halves of the
 *				unscaled value, int16 scale, mapped
 *				to a valid slot; bit 4 of the first byte: not NULL): the
 *				column and each slot's form round-trip exactly
 *	  (abort() on any failure)
 */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_numeric.h"

using namespace ztsdb::core;

namespace {

void
CheckForm(const NumericSlot &s)
{
	uint8_t		form[kNumericMaxForm];
	size_t		len = 0;
	NumericSlot back;

	if (!NumericToForm(s, form, sizeof(form), &len).ok() || len > sizeof(form))
		abort();
	if (NumericFromForm(form, len, &back) != NumericFit::kFits ||
		back.unscaled != s.unscaled || back.unscaled_hi != s.unscaled_hi || back.scale != s.scale)
		abort();
}

void
CheckColumn(const std::vector<NumericSlot> &slots, const uint8_t *validity)
{
	uint32_t	n = static_cast<uint32_t>(slots.size());
	std::vector<uint8_t> enc(MaxEncodedColumnSize(ColumnType::kNumeric, n));
	size_t		len = 0;

	if (!EncodeColumn(ColumnType::kNumeric, slots.data(), validity, n, enc.data(), enc.size(),
					  &len).ok())
		abort();

	std::vector<uint8_t> block(enc.begin(), enc.begin() + static_cast<long>(len));
	std::vector<NumericSlot> out(n);
	std::vector<uint8_t> valid((n + 7) / 8);

	if (!DecodeColumn(ColumnType::kNumeric, block.data(), block.size(), n, out.data(),
					  valid.data()).ok())
		abort();
	for (uint32_t i = 0; i < n; i++)
	{
		bool		v_in = validity == nullptr || ((validity[i >> 3] >> (i & 7)) & 1);
		bool		v_out = (valid[i >> 3] >> (i & 7)) & 1;

		if (v_in != v_out || (v_in && memcmp(&slots[i], &out[i], sizeof(NumericSlot)) != 0))
			abort();
	}
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int			mode = data[0] % 3;

	if (mode == 0)
	{
		std::vector<uint8_t> form(data + 1, data + size);
		NumericSlot s;
		NumericFit	fit = NumericFromForm(form.data(), form.size(), &s);

		if (fit == NumericFit::kFits)
		{
			if (!NumericSlotValid(s))
				abort();
			CheckForm(s);
		}
		return 0;
	}
	if (mode == 1)
	{
		if (size < 3)
			return 0;

		uint32_t	n = (data[1] | (data[2] << 8)) % 3000;
		std::vector<uint8_t> in(data + 3, data + size);
		std::vector<NumericSlot> vals(n);
		std::vector<uint8_t> valid((n + 7) / 8);
		Status		st = DecodeColumn(ColumnType::kNumeric, in.data(), in.size(), n, vals.data(),
									  valid.data());

		if (!st.ok())
		{
			if (st.code != StatusCode::kCorrupt)
				abort();
			return 0;
		}
		for (uint32_t i = 0; i < n; i++)
			if (((valid[i >> 3] >> (i & 7)) & 1) && !NumericSlotValid(vals[i]))
				abort();
		CheckColumn(vals, valid.data());
		return 0;
	}

	/* mode 2 */
	uint32_t	n = static_cast<uint32_t>((size - 1) / 18);
	std::vector<NumericSlot> slots(n);
	std::vector<uint8_t> validity((n + 7) / 8);

	for (uint32_t i = 0; i < n; i++)
	{
		const uint8_t *p = data + 1 + static_cast<size_t>(i) * 18;
		NumericSlot s{};
		uint16_t	sc;

		memcpy(&s.unscaled, p, 8);
		memcpy(&s.unscaled_hi, p + 8, 8);
		memcpy(&sc, p + 16, 2);
		/* a valid scale: 0 .. kNumericMaxScale, or one of the specials */
		if (sc >= 0xFFF0)
		{
			s.scale = static_cast<int16_t>(-1 - (sc % 3));
			s.unscaled = 0;
			s.unscaled_hi = 0;
		}
		else
			s.scale = static_cast<int16_t>(sc % (kNumericMaxScale + 1));
		if (s.unscaled_hi == INT64_MIN && s.unscaled == 0)
			s.unscaled++;		/* -2^127 has no slot */
		if (p[0] & 0x10)
			validity[i >> 3] |= static_cast<uint8_t>(1 << (i & 7));
		slots[i] = s;
		CheckForm(s);
	}
	CheckColumn(slots, validity.data());
	CheckColumn(slots, nullptr);
	return 0;
}
