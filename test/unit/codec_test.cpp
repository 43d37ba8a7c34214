/*
 * codec_test.cpp
 *	  Column codecs: bit-exact round trips of every type with special values
 *	  and NULL patterns; decoders survive arbitrary bytes.
 */
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_internal.h"

using namespace ztsdb::core;

namespace {

const ColumnType kTypes[] = {ColumnType::kBool, ColumnType::kInt2, ColumnType::kInt4,
							 ColumnType::kInt8, ColumnType::kFloat4, ColumnType::kFloat8,
							 ColumnType::kTimestamp, ColumnType::kTimestampNoTz};

/* Special bit patterns per width, mixed into random data. */
uint64_t
SpecialValue(ColumnType t, std::mt19937_64 &rng)
{
	static const double d[] = {0.0, -0.0, std::numeric_limits<double>::infinity(),
							   -std::numeric_limits<double>::infinity(),
							   std::numeric_limits<double>::denorm_min(), 12.34, -1e308};
	static const float f[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
							  std::numeric_limits<float>::denorm_min(), 12.34f};
	static const int64_t ts[] = {-211813488000000000LL, 9223371331200000000LL, INT64_MIN,
								 INT64_MAX, 0, -1};
	uint64_t	v = 0;

	switch (t)
	{
		case ColumnType::kFloat8:
			if (rng() % 3 == 0)
				return 0x7ff8000000000000ULL | (rng() & 0xfffffffffffffULL);	/* NaN payloads */
			memcpy(&v, &d[rng() % 7], 8);
			return v;
		case ColumnType::kFloat4:
			if (rng() % 3 == 0)
				return 0x7fc00000u | (rng() & 0x3fffffu);
			memcpy(&v, &f[rng() % 5], 4);
			return v;
		case ColumnType::kBool:
			return rng() & 1;
		default:
			return static_cast<uint64_t>(ts[rng() % 6]);
	}
}

void
RoundTrip(ColumnType t, const std::vector<uint8_t> &values, const std::vector<uint8_t> *validity,
		  uint32_t n)
{
	size_t		w = ColumnWidth(t);
	std::vector<uint8_t> enc(MaxEncodedColumnSize(t, n));
	size_t		len = 0;
	Status		st = EncodeColumn(t, values.data(), validity ? validity->data() : nullptr, n,
								  enc.data(), enc.size(), &len);

	ASSERT_TRUE(st.ok()) << st.message;
	ASSERT_LE(len, enc.size());
	std::vector<uint8_t> out(n * w + 1, 0xAA);
	std::vector<uint8_t> valid((n + 7) / 8 + 1, 0);

	st = DecodeColumn(t, enc.data(), len, n, out.data(), valid.data());
	ASSERT_TRUE(st.ok()) << st.message;
	for (uint32_t i = 0; i < n; i++)
	{
		bool		v_in = validity == nullptr || (((*validity)[i >> 3] >> (i & 7)) & 1);
		bool		v_out = (valid[i >> 3] >> (i & 7)) & 1;

		ASSERT_EQ(v_in, v_out) << "row " << i;
		if (v_in)
		{
			ASSERT_EQ(memcmp(&values[i * w], &out[i * w], w), 0)
				<< "type " << static_cast<int>(t) << " row " << i;
		}
	}
	/* a truncated block is rejected, never read past */
	if (len > 2)
	{
		std::vector<uint8_t> cut(enc.begin(), enc.begin() + len - 1);

		EXPECT_FALSE(DecodeColumn(t, cut.data(), cut.size(), n, out.data(), valid.data()).ok());
	}
}

} // namespace

TEST(Codec, RoundTripsEveryTypeAndShape)
{
	std::mt19937_64 rng(7);

	for (ColumnType t : kTypes)
		for (uint32_t n : {0u, 1u, 2u, 7u, 8u, 63u, 64u, 65u, 1000u, 4096u})
			for (int shape = 0; shape < 6; shape++)
			{
				size_t		w = ColumnWidth(t);
				std::vector<uint8_t> values(n * w + 8);
				std::vector<uint8_t> validity((n + 7) / 8 + 1, 0xff);
				uint64_t	base = rng();

				for (uint32_t i = 0; i < n; i++)
				{
					uint64_t	v;

					switch (shape)
					{
						case 0: v = rng(); break;						/* noise */
						case 1: v = base; break;						/* constant */
						case 2: v = base + i * 10000000ULL; break;		/* regular */
						case 3: v = base + (i / 17); break;				/* runs */
						case 4: v = SpecialValue(t, rng); break;		/* specials */
						default: v = base + i * 10000000ULL + rng() % 1000; break; /* jitter */
					}
					if (t == ColumnType::kBool)
						v &= 1;
					memcpy(&values[i * w], &v, w);
				}
				RoundTrip(t, values, nullptr, n);
				for (uint32_t i = 0; i < n; i++)
					if (rng() % 4 == 0)
						validity[i >> 3] &= static_cast<uint8_t>(~(1 << (i & 7)));
				RoundTrip(t, values, &validity, n);
			}
}

TEST(Codec, EveryCodecRoundTripsWhenForced)
{
	std::mt19937_64 rng(13);

	for (int codec = 0; codec < kCodecCount; codec++)
	{
		codec_force = codec;
		for (ColumnType t : kTypes)
			for (uint32_t n : {1u, 2u, 3u, 64u, 777u})
				for (int shape = 0; shape < 5; shape++)
				{
					size_t		w = ColumnWidth(t);
					std::vector<uint8_t> values(n * w + 8);
					std::vector<uint8_t> validity((n + 7) / 8 + 1, 0xff);

					for (uint32_t i = 0; i < n; i++)
					{
						uint64_t	v;

						if (shape == 0)
							v = rng();
						else if (shape == 1)
							v = SpecialValue(t, rng);
						else if (shape == 2)
						{
							/* decimals with 2 digits, as doubles or floats */
							double		d = static_cast<double>(static_cast<int64_t>(rng() % 200001) - 100000) / 100.0;
							float		f = static_cast<float>(d);

							v = 0;
							if (w == 8)
								memcpy(&v, &d, 8);
							else
								memcpy(&v, &f, 4);
						}
						else if (shape == 3)
							v = 1700000000000000ULL + i * 10000000ULL + (rng() % 3 == 0 ? rng() % 5000 : 0);
						else
							v = (rng() % 4 == 0) ? rng() : 42;
						if (t == ColumnType::kBool)
							v &= 1;
						memcpy(&values[i * w], &v, w);
						if (i % 11 == 5)
							validity[i >> 3] &= static_cast<uint8_t>(~(1 << (i & 7)));
					}
					RoundTrip(t, values, nullptr, n);
					RoundTrip(t, values, &validity, n);
				}
	}
	codec_force = -1;
}

TEST(Codec, DecimalsAndRegularSeriesAreSmall)
{
	std::vector<uint8_t> enc(MaxEncodedColumnSize(ColumnType::kFloat8, 1000));
	std::vector<uint8_t> values(1000 * 8);
	size_t		len;
	double		walk = 100;
	std::mt19937_64 rng(17);

	for (int i = 0; i < 1000; i++)
	{
		walk = std::round((walk + static_cast<double>(static_cast<int>(rng() % 201) - 100) / 100.0) * 100) / 100;
		memcpy(&values[i * 8], &walk, 8);
	}
	ASSERT_TRUE(EncodeColumn(ColumnType::kFloat8, values.data(), nullptr, 1000, enc.data(),
							 enc.size(), &len).ok());
	EXPECT_LT(len, 1000u * 2) << "a 2-decimal random walk takes under 2 bytes a value";
}

TEST(Codec, RegularTimestampsCompress)
{
	std::vector<uint8_t> values(1000 * 8);
	std::vector<uint8_t> enc(MaxEncodedColumnSize(ColumnType::kTimestamp, 1000));
	size_t		len;

	for (int64_t i = 0; i < 1000; i++)
	{
		int64_t		ts = 757382400000000LL + i * 10000000LL;

		memcpy(&values[i * 8], &ts, 8);
	}
	ASSERT_TRUE(EncodeColumn(ColumnType::kTimestamp, values.data(), nullptr, 1000, enc.data(),
							 enc.size(), &len).ok());
	EXPECT_LT(len, 160u) << "regular 10 s intervals cost about a bit each";
}

TEST(Codec, DecodersSurviveArbitraryBytes)
{
	std::mt19937_64 rng(11);

	for (int iter = 0; iter < 20000; iter++)
	{
		ColumnType	t = kTypes[rng() % 8];
		uint32_t	n = rng() % 300;
		std::vector<uint8_t> junk(rng() % 200);
		std::vector<uint8_t> out(n * 8 + 8);
		std::vector<uint8_t> valid(n / 8 + 2);

		for (auto &b : junk)
			b = static_cast<uint8_t>(rng());
		if (!junk.empty() && rng() % 2)
			junk[0] = static_cast<uint8_t>(rng() % 5);
		if (junk.size() > 1 && rng() % 2)
			junk[1] = 0;
		(void) DecodeColumn(t, junk.data(), junk.size(), n, out.data(), valid.data());
	}
}
