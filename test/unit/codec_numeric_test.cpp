/*
 * codec_numeric_test.cpp
 *	  numeric columns: the stored form PostgreSQL's make_result writes
 *	  (known bytes), slot <-> form round trips over scales, signs and
 *	  extremes, refusal of values without a 128-bit scaled integer and of
 *	  malformed forms, and cold blocks of NumericSlots (round trip with
 *	  NULLs, size of money-like data, corrupt and truncated blocks).
 */
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_numeric.h"

using namespace ztsdb::core;

namespace {

std::vector<uint8_t>
Form(std::initializer_list<uint16_t> words)
{
	std::vector<uint8_t> f;

	for (uint16_t w : words)
	{
		uint8_t		b[2];

		memcpy(b, &w, 2);
		f.push_back(b[0]);
		f.push_back(b[1]);
	}
	return f;
}

NumericSlot
Slot(int64_t u, int16_t s)
{
	NumericSlot ns{};

	ns.unscaled = u;
	ns.unscaled_hi = u < 0 ? -1 : 0;
	ns.scale = s;
	return ns;
}

/* Slot128 makes the slot of hi * 2^64 + lo at scale s. */
NumericSlot
Slot128(int64_t hi, uint64_t lo, int16_t s)
{
	NumericSlot ns{};

	ns.unscaled = static_cast<int64_t>(lo);
	ns.unscaled_hi = hi;
	ns.scale = s;
	return ns;
}

std::vector<uint8_t>
ToForm(const NumericSlot &slot)
{
	uint8_t		buf[kNumericMaxForm];
	size_t		len = 0;
	Status		st = NumericToForm(slot, buf, sizeof(buf), &len);

	EXPECT_TRUE(st.ok()) << st.message;
	return std::vector<uint8_t>(buf, buf + len);
}

std::vector<uint8_t>
ToForm(int64_t u, int16_t s)
{
	return ToForm(Slot(u, s));
}

NumericFit
FromForm(const std::vector<uint8_t> &f, NumericSlot *s)
{
	return NumericFromForm(f.data(), f.size(), s);
}

} // namespace

/* The bytes numeric.c's make_result writes for these values. */
TEST(NumericForm, WritesPostgresBytes)
{
	/* 0: short header, no digits */
	EXPECT_EQ(ToForm(0, 0), Form({0x8000}));
	/* 0.000 keeps its display scale */
	EXPECT_EQ(ToForm(0, 3), Form({0x8000 | (3 << 7)}));
	/* 1.50: digits 1, 5000, weight 0, dscale 2 */
	EXPECT_EQ(ToForm(150, 2), Form({0x8000 | (2 << 7), 1, 5000}));
	/* -1.50: short sign bit */
	EXPECT_EQ(ToForm(-150, 2), Form({0x8000 | 0x2000 | (2 << 7), 1, 5000}));
	/* 1e-20 at scale 20: one digit 1 of weight -5 */
	EXPECT_EQ(ToForm(1, 20), Form({static_cast<uint16_t>(0x8000 | (20 << 7) | 0x40 | (-5 & 0x3F)), 1}));
	/* 10000: trailing zero digit dropped, weight 1 */
	EXPECT_EQ(ToForm(10000, 0), Form({0x8000 | 1, 1}));
	/* 123.4567 */
	EXPECT_EQ(ToForm(1234567, 4), Form({0x8000 | (4 << 7), 123, 4567}));
	/* scale 64 needs the long header: sign/dscale word, weight word */
	EXPECT_EQ(ToForm(1, 64), Form({64, static_cast<uint16_t>(-16), 1}));
	EXPECT_EQ(ToForm(-1, 64), Form({0x4000 | 64, static_cast<uint16_t>(-16), 1}));
	EXPECT_EQ(ToForm(0, 1000), Form({1000, 0}));
	/* the specials */
	EXPECT_EQ(ToForm(0, kNumericNaN), Form({0xC000}));
	EXPECT_EQ(ToForm(0, kNumericPosInf), Form({0xD000}));
	EXPECT_EQ(ToForm(0, kNumericNegInf), Form({0xF000}));
	/* int64 extremes */
	EXPECT_EQ(ToForm(std::numeric_limits<int64_t>::max(), 0),
			  Form({0x8000 | 4, 922, 3372, 368, 5477, 5807}));
	EXPECT_EQ(ToForm(std::numeric_limits<int64_t>::max(), 1),
			  Form({0x8000 | (1 << 7) | 4, 92, 2337, 2036, 8547, 7580, 7000}));
	/* beyond int64: 123456789012345678901234567890.123 */
	EXPECT_EQ(ToForm(Slot128(6692605942763, 8982045596877735115ULL, 3)),
			  Form({0x8000 | (3 << 7) | 7, 12, 3456, 7890, 1234, 5678, 9012, 3456, 7890, 1230}));
	/* the largest slot, 2^127 - 1, and its negative */
	EXPECT_EQ(ToForm(Slot128(std::numeric_limits<int64_t>::max(), ~0ULL, 0)),
			  Form({0x8000 | 9, 170, 1411, 8346, 469, 2317, 3168, 7303, 7158, 8410, 5727}));
	EXPECT_EQ(ToForm(Slot128(std::numeric_limits<int64_t>::min(), 1, 0)),
			  Form({0x8000 | 0x2000 | 9, 170, 1411, 8346, 469, 2317, 3168, 7303, 7158, 8410, 5727}));
	/* with three digits of padding: 11 digits, the long header */
	EXPECT_EQ(ToForm(Slot128(std::numeric_limits<int64_t>::max(), ~0ULL, 101)).size(), kNumericMaxForm);
}

TEST(NumericForm, ReadsPostgresBytes)
{
	NumericSlot s;

	ASSERT_EQ(FromForm(Form({0x8000 | (2 << 7), 1, 5000}), &s), NumericFit::kFits);
	EXPECT_EQ(s.unscaled, 150);
	EXPECT_EQ(s.scale, 2);
	/* a long header where a short one would do (old data) reads the same value */
	ASSERT_EQ(FromForm(Form({2, 0, 1, 5000}), &s), NumericFit::kFits);
	EXPECT_EQ(s.unscaled, 150);
	EXPECT_EQ(s.scale, 2);
	/* a negative zero reads as zero */
	ASSERT_EQ(FromForm(Form({0x8000 | 0x2000}), &s), NumericFit::kFits);
	EXPECT_EQ(s.unscaled, 0);
	ASSERT_EQ(FromForm(Form({0xD000}), &s), NumericFit::kFits);
	EXPECT_EQ(s.scale, kNumericPosInf);
	EXPECT_EQ(s.unscaled, 0);
}

TEST(NumericForm, RoundTripsScalesSignsAndExtremes)
{
	std::mt19937_64 rng(14);
	std::vector<NumericSlot> cases = {
		Slot(0, 0), Slot(0, 63), Slot(0, 64), Slot(0, kNumericMaxScale), Slot(1, 0),
		Slot(-1, 0), Slot(1, kNumericMaxScale), Slot(-7, 255), Slot(9999, 4), Slot(10000, 4),
		Slot(std::numeric_limits<int64_t>::max(), 0), Slot(std::numeric_limits<int64_t>::max(), 19),
		Slot(-std::numeric_limits<int64_t>::max(), 3), Slot(std::numeric_limits<int64_t>::min() + 1, 18),
		Slot(0, kNumericNaN), Slot(0, kNumericPosInf), Slot(0, kNumericNegInf)};

	cases.push_back(Slot128(std::numeric_limits<int64_t>::max(), ~0ULL, 0));
	cases.push_back(Slot128(std::numeric_limits<int64_t>::min(), 1, 7));
	cases.push_back(Slot128(0, 1ULL << 63, 2));
	cases.push_back(Slot128(-1, 0, 1001));
	for (int i = 0; i < 40000; i++)
	{
		int64_t		u = static_cast<int64_t>(rng());
		int16_t		sc = static_cast<int16_t>(rng() % (i % 10 == 0 ? 2000 : 40));

		if (u == std::numeric_limits<int64_t>::min())
			u++;
		u >>= rng() % 64;		/* every magnitude */
		if (i % 2 == 0)
			cases.push_back(Slot(u, sc));
		else
		{
			int64_t		hi = static_cast<int64_t>(rng()) >> (rng() % 64);

			if (hi == std::numeric_limits<int64_t>::min())
				hi++;
			cases.push_back(Slot128(hi, rng(), sc));
		}
	}
	for (const NumericSlot &c : cases)
	{
		std::vector<uint8_t> f = ToForm(c);
		NumericSlot back;

		ASSERT_LE(f.size(), kNumericMaxForm);
		ASSERT_EQ(FromForm(f, &back), NumericFit::kFits) << c.unscaled << " " << c.scale;
		EXPECT_EQ(back.unscaled, c.unscaled);
		EXPECT_EQ(back.unscaled_hi, c.unscaled_hi);
		EXPECT_EQ(back.scale, c.scale);
		EXPECT_EQ(back.reserved[0] | back.reserved[1] | back.reserved[2], 0);
	}
}

TEST(NumericForm, RefusesValuesWithoutA128BitScaledInteger)
{
	NumericSlot s;

	/* 2^127 = 170 1411 8346 0469 2317 3168 7303 7158 8410 5728 */
	EXPECT_EQ(FromForm(Form({0x8000 | 9, 170, 1411, 8346, 469, 2317, 3168, 7303, 7158, 8410, 5728}), &s),
			  NumericFit::kTooBig);
	EXPECT_EQ(FromForm(Form({0x8000 | 0x2000 | 9, 170, 1411, 8346, 469, 2317, 3168, 7303, 7158, 8410, 5728}), &s),
			  NumericFit::kTooBig);
	/* 2^127 - 1 fits */
	ASSERT_EQ(FromForm(Form({0x8000 | 9, 170, 1411, 8346, 469, 2317, 3168, 7303, 7158, 8410, 5727}), &s),
			  NumericFit::kFits);
	EXPECT_EQ(s.unscaled_hi, std::numeric_limits<int64_t>::max());
	EXPECT_EQ(static_cast<uint64_t>(s.unscaled), ~0ULL);
	/* 1e39, and 1 at display scale 39 */
	EXPECT_EQ(FromForm(Form({0x8000 | 9, 1000}), &s), NumericFit::kTooBig);
	EXPECT_EQ(FromForm(Form({0x8000 | (39 << 7), 1}), &s), NumericFit::kTooBig);
	/* 1e20 and 2^63 fit, 1e-20 at scale 20 too */
	EXPECT_EQ(FromForm(Form({0x8000 | 5, 1}), &s), NumericFit::kFits);
	EXPECT_EQ(FromForm(Form({0x8000 | 4, 922, 3372, 368, 5477, 5808}), &s), NumericFit::kFits);
	EXPECT_EQ(s.unscaled_hi, 0);
	EXPECT_EQ(static_cast<uint64_t>(s.unscaled), 1ULL << 63);
	EXPECT_EQ(FromForm(Form({static_cast<uint16_t>(0x8000 | (20 << 7) | 0x40 | (-5 & 0x3F)), 1}), &s),
			  NumericFit::kFits);
	/* 123456789012345678901234567890.123 */
	ASSERT_EQ(FromForm(Form({0x8000 | (3 << 7) | 7, 12, 3456, 7890, 1234, 5678, 9012, 3456, 7890, 1230}), &s),
			  NumericFit::kFits);
	EXPECT_EQ(s.unscaled_hi, 6692605942763);
	EXPECT_EQ(static_cast<uint64_t>(s.unscaled), 8982045596877735115ULL);
	/* 10^400: long header, weight 100 */
	EXPECT_EQ(FromForm(Form({0, 100, 1}), &s), NumericFit::kTooBig);
}

TEST(NumericForm, RefusesMalformedForms)
{
	NumericSlot s;
	uint8_t		buf[kNumericMaxForm];
	size_t		len;

	EXPECT_EQ(NumericFromForm(nullptr, 0, &s), NumericFit::kMalformed);
	EXPECT_EQ(FromForm({0x00}, &s), NumericFit::kMalformed);
	EXPECT_EQ(FromForm({0x00, 0x80, 0x01}, &s), NumericFit::kMalformed) << "odd length";
	EXPECT_EQ(FromForm(Form({0x8000, 10000}), &s), NumericFit::kMalformed) << "digit too big";
	EXPECT_EQ(FromForm(Form({0x8000, static_cast<uint16_t>(-1)}), &s), NumericFit::kMalformed);
	EXPECT_EQ(FromForm(Form({0xC000, 1}), &s), NumericFit::kMalformed) << "NaN with digits";
	EXPECT_EQ(FromForm(Form({0xE000}), &s), NumericFit::kMalformed) << "unknown special";
	EXPECT_EQ(FromForm(Form({2}), &s), NumericFit::kMalformed) << "long header cut";
	/* a digit below the display scale: 0.12 at scale 1 */
	EXPECT_EQ(FromForm(Form({static_cast<uint16_t>(0x8000 | (1 << 7) | 0x40 | 0x3F), 1200}), &s),
			  NumericFit::kMalformed);
	/* invalid slots are not written */
	EXPECT_FALSE(NumericToForm(Slot(1, kNumericNaN), buf, sizeof(buf), &len).ok());
	EXPECT_FALSE(NumericToForm(Slot128(1, 0, kNumericPosInf), buf, sizeof(buf), &len).ok());
	EXPECT_FALSE(NumericToForm(Slot(0, -4), buf, sizeof(buf), &len).ok());
	EXPECT_FALSE(NumericToForm(Slot(0, kNumericMaxScale + 1), buf, sizeof(buf), &len).ok());
	EXPECT_FALSE(NumericToForm(Slot128(std::numeric_limits<int64_t>::min(), 0, 0), buf, sizeof(buf),
							   &len).ok()) << "-2^127";
	EXPECT_FALSE(NumericToForm(Slot(0, 0), buf, 4, &len).ok());
}

TEST(NumericBlock, RoundTripsWithNullsAndCostsWhatItsIntegersCost)
{
	std::mt19937_64 rng(15);

	for (uint32_t n : {0u, 1u, 7u, 100u, 2048u})
	{
		for (int nulls = 0; nulls < 3; nulls++)
		{
			std::vector<NumericSlot> in(n);
			std::vector<uint8_t> valid((n + 7) / 8 + 1, 0xff);

			for (uint32_t i = 0; i < n; i++)
			{
				/* prices with two decimals, a few specials and other scales */
				in[i] = Slot(10000 + static_cast<int64_t>(i % 300) * 7, 2);
				if (i % 97 == 5)
					in[i] = Slot(0, kNumericNaN);
				if (i % 89 == 3)
					in[i] = Slot(-static_cast<int64_t>(rng() >> 2), static_cast<int16_t>(rng() % 30));
				if (i % 83 == 4)
					in[i] = Slot128(static_cast<int64_t>(rng()) >> 3, rng(), static_cast<int16_t>(rng() % 40));
				if ((nulls == 1 && i % 3 == 0) || (nulls == 2 && i != 0))
				{
					valid[i >> 3] &= static_cast<uint8_t>(~(1 << (i & 7)));
					in[i] = Slot(0, 0);
				}
			}

			std::vector<uint8_t> enc(MaxEncodedColumnSize(ColumnType::kNumeric, n));
			size_t		len = 0;
			Status		st = EncodeColumn(ColumnType::kNumeric, in.data(),
										  nulls ? valid.data() : nullptr, n, enc.data(),
										  enc.size(), &len);

			ASSERT_TRUE(st.ok()) << st.message;
			if (n == 2048 && nulls == 0)
			{
				EXPECT_LT(len, n * 2) << "money-like numerics take under 2 bytes a value";
			}

			std::vector<NumericSlot> out(n + 1);
			std::vector<uint8_t> vout((n + 7) / 8 + 1, 0x5A);

			memset(static_cast<void *>(out.data()), 0xAA, sizeof(NumericSlot) * (n + 1));
			st = DecodeColumn(ColumnType::kNumeric, enc.data(), len, n, out.data(), vout.data());
			ASSERT_TRUE(st.ok()) << st.message;
			EXPECT_EQ(vout[(n + 7) / 8], 0x5A) << "wrote past the bitmap";
			EXPECT_EQ(out[n].scale, static_cast<int16_t>(0xAAAA)) << "wrote past the values";
			for (uint32_t i = 0; i < n; i++)
			{
				EXPECT_EQ(memcmp(&in[i], &out[i], sizeof(NumericSlot)), 0) << "row " << i;
				EXPECT_EQ((vout[i >> 3] >> (i & 7)) & 1, nulls ? (valid[i >> 3] >> (i & 7)) & 1 : 1);
			}
			/* truncated blocks are rejected */
			for (size_t cut = 1; cut < len && cut < 64; cut++)
				EXPECT_FALSE(DecodeColumn(ColumnType::kNumeric, enc.data(), len - cut, n, out.data(),
										  vout.data()).ok());
		}
	}
}

TEST(NumericBlock, RejectsInvalidSlotsAndOtherTypesCodecs)
{
	std::vector<NumericSlot> in = {Slot(5, 1), Slot(0, kNumericNaN), Slot(6, 1)};
	std::vector<uint8_t> enc(MaxEncodedColumnSize(ColumnType::kNumeric, 3));
	std::vector<NumericSlot> out(3);
	uint8_t		vout[1];
	size_t		len = 0;

	ASSERT_TRUE(EncodeColumn(ColumnType::kNumeric, in.data(), nullptr, 3, enc.data(), enc.size(),
							 &len).ok());
	ASSERT_TRUE(DecodeColumn(ColumnType::kNumeric, enc.data(), len, 3, out.data(), vout).ok());
	/* a NaN with digits is not a slot a table can hold: not encoded */
	in[1].unscaled = 1;
	EXPECT_FALSE(EncodeColumn(ColumnType::kNumeric, in.data(), nullptr, 3, enc.data(), enc.size(),
							  &len).ok());
	in[1].unscaled = 0;

	/* nor decoded: a block whose scales hold -5 (built from its three parts) */
	std::vector<int64_t> us = {5, 0, 6};
	std::vector<int64_t> hs = {0, 0, 0};
	std::vector<int16_t> ss = {1, -5, 1};
	std::vector<uint8_t> ublock(MaxEncodedColumnSize(ColumnType::kInt8, 3));
	std::vector<uint8_t> hblock(MaxEncodedColumnSize(ColumnType::kInt8, 3));
	std::vector<uint8_t> sblock(MaxEncodedColumnSize(ColumnType::kInt2, 3));
	size_t		ulen = 0;
	size_t		hlen = 0;
	size_t		slen = 0;

	ASSERT_TRUE(EncodeColumn(ColumnType::kInt8, us.data(), nullptr, 3, ublock.data(), ublock.size(),
							 &ulen).ok());
	ASSERT_TRUE(EncodeColumn(ColumnType::kInt8, hs.data(), nullptr, 3, hblock.data(), hblock.size(),
							 &hlen).ok());
	ASSERT_TRUE(EncodeColumn(ColumnType::kInt2, ss.data(), nullptr, 3, sblock.data(), sblock.size(),
							 &slen).ok());

	std::vector<uint8_t> bad = {9};	/* kCodecNumeric */
	auto		put32 = [&bad](size_t v) {
		uint32_t	u32 = static_cast<uint32_t>(v);
		uint8_t		b[4];

		memcpy(b, &u32, 4);
		bad.insert(bad.end(), b, b + 4);
	};

	put32(ulen);
	bad.insert(bad.end(), ublock.begin(), ublock.begin() + ulen);
	put32(hlen);
	bad.insert(bad.end(), hblock.begin(), hblock.begin() + hlen);

	size_t		prefix = bad.size();

	bad.insert(bad.end(), sblock.begin(), sblock.begin() + slen);
	EXPECT_FALSE(DecodeColumn(ColumnType::kNumeric, bad.data(), bad.size(), 3, out.data(), vout).ok());
	ss[1] = kNumericNaN;
	ASSERT_TRUE(EncodeColumn(ColumnType::kInt2, ss.data(), nullptr, 3, sblock.data(), sblock.size(),
							 &slen).ok());
	bad.resize(prefix);
	bad.insert(bad.end(), sblock.begin(), sblock.begin() + slen);
	ASSERT_TRUE(DecodeColumn(ColumnType::kNumeric, bad.data(), bad.size(), 3, out.data(), vout).ok());
	EXPECT_EQ(out[1].scale, kNumericNaN);
	EXPECT_EQ(out[2].unscaled, 6);
	/* a NaN whose high half is not zero */
	hs[1] = 1;
	ASSERT_TRUE(EncodeColumn(ColumnType::kInt8, hs.data(), nullptr, 3, hblock.data(), hblock.size(),
							 &hlen).ok());
	bad.resize(1);
	put32(ulen);
	bad.insert(bad.end(), ublock.begin(), ublock.begin() + ulen);
	put32(hlen);
	bad.insert(bad.end(), hblock.begin(), hblock.begin() + hlen);
	bad.insert(bad.end(), sblock.begin(), sblock.begin() + slen);
	EXPECT_FALSE(DecodeColumn(ColumnType::kNumeric, bad.data(), bad.size(), 3, out.data(), vout).ok());

	/* a numeric block is not an int8 block, nor the other way round */
	std::vector<int64_t> ints = {1, 2, 3};
	std::vector<uint8_t> ienc(MaxEncodedColumnSize(ColumnType::kInt8, 3));
	size_t		ilen = 0;

	ASSERT_TRUE(EncodeColumn(ColumnType::kInt8, ints.data(), nullptr, 3, ienc.data(), ienc.size(),
							 &ilen).ok());
	EXPECT_FALSE(DecodeColumn(ColumnType::kNumeric, ienc.data(), ilen, 3, out.data(), vout).ok());
	in[1].unscaled = 0;
	ASSERT_TRUE(EncodeColumn(ColumnType::kNumeric, in.data(), nullptr, 3, enc.data(), enc.size(),
							 &len).ok());
	EXPECT_FALSE(DecodeColumn(ColumnType::kInt8, enc.data(), len, 3, ints.data(), vout).ok());
}
