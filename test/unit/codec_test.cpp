/*
 * codec_test.cpp
 *	  Column codecs: bit-exact round trips of every type, shape, size and
 *	  NULL pattern, with the automatic choice and with every codec forced;
 *	  special values (NaN payloads, -0.0, infinities, denormals, integer and
 *	  timestamp extremes); decoders survive arbitrary and mutated bytes.
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

constexpr int64_t kPgMinTs = -211813488000000000LL;
constexpr int64_t kPgMaxTs = 9223371331200000000LL;

/* ForceGuard sets codec_force for one scope. */
struct ForceGuard
{
	explicit ForceGuard(int c) { codec_force = c; }
	~ForceGuard() { codec_force = -1; }
};

uint64_t
DoubleBits(double d)
{
	uint64_t	v;

	memcpy(&v, &d, 8);
	return v;
}

uint64_t
FloatBits(float f)
{
	uint32_t	v;

	memcpy(&v, &f, 4);
	return v;
}

/* SpecialValue returns an edge-case bit pattern for the type. */
uint64_t
SpecialValue(ColumnType t, std::mt19937_64 &rng)
{
	static const double d[] = {0.0, -0.0, std::numeric_limits<double>::infinity(),
							   -std::numeric_limits<double>::infinity(),
							   std::numeric_limits<double>::denorm_min(),
							   -std::numeric_limits<double>::denorm_min(), 2.2250738585072009e-308,
							   std::numeric_limits<double>::max(), 12.34, -1e308, 1e-300, 0.1};
	static const float f[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
							  -std::numeric_limits<float>::infinity(),
							  std::numeric_limits<float>::denorm_min(), 12.34f, 0.1f,
							  std::numeric_limits<float>::max()};
	static const int64_t ts[] = {kPgMinTs, kPgMaxTs, INT64_MIN, INT64_MAX, 0, -1, 1,
								 INT64_MIN + 1, INT64_MAX - 1};

	switch (t)
	{
		case ColumnType::kFloat8:
			if (rng() % 3 == 0)
				return (rng() % 2 ? 0xfff0000000000000ULL : 0x7ff0000000000000ULL) |
					(1 + (rng() & 0xffffffffffffeULL));	/* NaN, any payload */
			return DoubleBits(d[rng() % std::size(d)]);
		case ColumnType::kFloat4:
			if (rng() % 3 == 0)
				return 0x7f800001u | (rng() & 0x807ffffeu);
			return FloatBits(f[rng() % std::size(f)]);
		case ColumnType::kBool:
			return rng() & 1;
		default:
			return static_cast<uint64_t>(ts[rng() % std::size(ts)]);
	}
}

constexpr int kShapes = 14;

/* ShapeValue returns row i of a data shape; base is per block. */
uint64_t
ShapeValue(int shape, ColumnType t, uint32_t i, uint64_t base, std::mt19937_64 &rng)
{
	bool		f4 = t == ColumnType::kFloat4;

	switch (shape)
	{
		case 0:
			return rng();									/* noise */
		case 1:
			return base;									/* constant */
		case 2:
			return base + i * 10000000ULL;					/* regular */
		case 3:
			return base + (i / 17);							/* runs */
		case 4:
			return SpecialValue(t, rng);					/* specials */
		case 5:
			return base + i * 10000000ULL + rng() % 1000;	/* jitter */
		case 6:
			{
				/* 2-decimal values */
				double		d = static_cast<double>(static_cast<int64_t>(rng() % 200001) - 100000) / 100.0;

				return f4 ? FloatBits(static_cast<float>(d)) : DoubleBits(d);
			}
		case 7:
			return rng() % 64;								/* small ints */
		case 8:
			return i % 2 ? static_cast<uint64_t>(INT64_MAX) : static_cast<uint64_t>(INT64_MIN);
		case 9:
			/* decimals with a few exceptions */
			if (rng() % 20 == 0)
				return SpecialValue(t, rng);
			else
			{
				double		d = 100 + static_cast<double>(i % 300) / 10.0;

				return f4 ? FloatBits(static_cast<float>(d)) : DoubleBits(d);
			}
		case 10:
			return static_cast<uint64_t>(kPgMinTs) + i * 10000000ULL;	/* low end */
		case 11:
			return static_cast<uint64_t>(kPgMaxTs) - 1000000000ULL + i * 1000000ULL;
		case 12:
			/* regular with a gap now and then (patched miniblocks) */
			return base + i * 15000000ULL + (i > 50 ? 3600000000ULL : 0);
		default:
			/* doubles with a small walk, full precision */
			return DoubleBits(1000.0 + std::sin(static_cast<double>(i)) * 3.0);
	}
}

/* ValuesFor builds the plain array of a shape for type t. */
std::vector<uint8_t>
ValuesFor(ColumnType t, int shape, uint32_t n, std::mt19937_64 &rng)
{
	size_t		w = ColumnWidth(t);
	std::vector<uint8_t> values(n * w + 8);
	uint64_t	base = rng();

	for (uint32_t i = 0; i < n; i++)
	{
		uint64_t	v = ShapeValue(shape, t, i, base, rng);

		if (t == ColumnType::kBool)
			v &= 1;
		memcpy(&values[i * w], &v, w);
	}
	return values;
}

constexpr int kNullPatterns = 6;

/* NullPattern fills a validity bitmap; pattern 0 means no bitmap. */
std::vector<uint8_t>
NullPattern(int pattern, uint32_t n, std::mt19937_64 &rng)
{
	std::vector<uint8_t> v((n + 7) / 8 + 1, 0xff);

	for (uint32_t i = 0; i < n; i++)
	{
		bool		null;

		switch (pattern)
		{
			case 1: null = rng() % 4 == 0; break;
			case 2: null = true; break;
			case 3: null = i == 0 || i + 1 == n; break;
			case 4: null = i % 2 == 1; break;
			default: null = rng() % 50 != 0; break;		/* mostly NULL */
		}
		if (null)
			v[i >> 3] &= static_cast<uint8_t>(~(1 << (i & 7)));
	}
	return v;
}

/*
 * RoundTrip encodes, decodes and compares bit-exactly; then checks that a
 * truncated block is rejected.  Returns the encoded block.
 */
std::vector<uint8_t>
RoundTrip(ColumnType t, const std::vector<uint8_t> &values, const uint8_t *validity, uint32_t n)
{
	size_t		w = ColumnWidth(t);
	size_t		cap = codec_force >= 0 ? ForcedEncodedColumnSize(w, n) : MaxEncodedColumnSize(t, n);
	std::vector<uint8_t> enc(cap);
	size_t		len = 0;
	Status		st = EncodeColumn(t, values.data(), validity, n, enc.data(), enc.size(), &len);

	EXPECT_TRUE(st.ok()) << st.message;
	if (!st.ok())
		return {};
	EXPECT_LE(len, enc.size());
	if (codec_force < 0)
	{
		EXPECT_LE(len, MaxEncodedColumnSize(t, n));
	}
	enc.resize(len);

	std::vector<uint8_t> out(n * w + 1, 0xAA);
	std::vector<uint8_t> valid((n + 7) / 8 + 1, 0x5A);

	st = DecodeColumn(t, enc.data(), len, n, out.data(), valid.data());
	EXPECT_TRUE(st.ok()) << st.message << " type " << static_cast<int>(t) << " codec "
		<< (enc[0] & 0x7f);
	if (!st.ok())
		return enc;
	EXPECT_EQ(out[n * w], 0xAA) << "wrote past the values";
	EXPECT_EQ(valid[(n + 7) / 8], 0x5A) << "wrote past the bitmap";
	for (uint32_t i = 0; i < n; i++)
	{
		bool		v_in = validity == nullptr || ((validity[i >> 3] >> (i & 7)) & 1);
		bool		v_out = (valid[i >> 3] >> (i & 7)) & 1;

		EXPECT_EQ(v_in, v_out) << "row " << i;
		if (v_in != v_out)
			return enc;
		if (v_in)
		{
			EXPECT_EQ(memcmp(&values[i * w], &out[i * w], w), 0)
				<< "type " << static_cast<int>(t) << " codec " << (enc[0] & 0x7f) << " row " << i;
			if (memcmp(&values[i * w], &out[i * w], w) != 0)
				return enc;
		}
		else
		{
			for (size_t b = 0; b < w; b++)
				EXPECT_EQ(out[i * w + b], 0) << "NULL rows decode as 0";
		}
	}
	/* a decode of the first rows only (limit) gives those rows, writes nothing past the arrays */
	for (uint32_t limit : {0u, 1u, n / 3, n > 0 ? n - 1 : 0u})
	{
		std::vector<uint8_t> part(n * w + 1, 0xAA);
		std::vector<uint8_t> pvalid((n + 7) / 8 + 1, 0x5A);

		st = DecodeColumn(t, enc.data(), len, n, part.data(), pvalid.data(), limit);
		EXPECT_TRUE(st.ok()) << st.message << " limit " << limit;
		EXPECT_EQ(part[n * w], 0xAA) << "wrote past the values, limit " << limit;
		EXPECT_EQ(pvalid[(n + 7) / 8], 0x5A) << "wrote past the bitmap, limit " << limit;
		for (uint32_t i = 0; st.ok() && i < limit && i < n; i++)
		{
			bool		v_out = (valid[i >> 3] >> (i & 7)) & 1;

			EXPECT_EQ(v_out, static_cast<bool>((pvalid[i >> 3] >> (i & 7)) & 1)) << "row " << i;
			EXPECT_EQ(memcmp(&out[i * w], &part[i * w], w), 0)
				<< "type " << static_cast<int>(t) << " codec " << (enc[0] & 0x7f) << " row " << i
				<< " limit " << limit;
			if (::testing::Test::HasFailure())
				return enc;
		}
	}
	/* a truncated block is rejected, never read past */
	if (len > 1)
	{
		std::vector<uint8_t> cut(enc.begin(), enc.end() - 1);

		EXPECT_FALSE(DecodeColumn(t, cut.data(), cut.size(), n, out.data(), valid.data()).ok())
			<< "type " << static_cast<int>(t) << " codec " << (enc[0] & 0x7f);
	}
	return enc;
}

} // namespace

TEST(Codec, RoundTripsEveryTypeShapeSizeAndNullPattern)
{
	std::mt19937_64 rng(7);

	for (ColumnType t : kTypes)
		for (uint32_t n : {0u, 1u, 2u, 3u, 7u, 8u, 63u, 64u, 65u, 127u, 128u, 129u, 130u, 1000u})
			for (int shape = 0; shape < kShapes; shape++)
			{
				std::vector<uint8_t> values = ValuesFor(t, shape, n, rng);

				RoundTrip(t, values, nullptr, n);
				for (int pattern = 1; pattern < kNullPatterns; pattern++)
				{
					std::vector<uint8_t> validity = NullPattern(pattern, n, rng);

					RoundTrip(t, values, validity.data(), n);
				}
				if (HasFailure())
					return;
			}
}

TEST(Codec, RoundTripsLargestBlocks)
{
	std::mt19937_64 rng(8);

	for (ColumnType t : kTypes)
		for (int shape : {0, 2, 4, 5, 6, 9, 12})
		{
			std::vector<uint8_t> values = ValuesFor(t, shape, kMaxBlockRows, rng);
			std::vector<uint8_t> validity = NullPattern(1, kMaxBlockRows, rng);

			RoundTrip(t, values, nullptr, kMaxBlockRows);
			RoundTrip(t, values, validity.data(), kMaxBlockRows);
		}
}

TEST(Codec, EveryCodecRoundTripsWhenForced)
{
	std::mt19937_64 rng(13);

	for (int codec = 0; codec < kCodecCount; codec++)
	{
		ForceGuard	force(codec);

		for (ColumnType t : kTypes)
			for (uint32_t n : {0u, 1u, 2u, 3u, 63u, 64u, 65u, 129u, 777u})
				for (int shape = 0; shape < kShapes; shape++)
				{
					std::vector<uint8_t> values = ValuesFor(t, shape, n, rng);
					std::vector<uint8_t> validity = NullPattern(1 + shape % 5, n, rng);

					RoundTrip(t, values, nullptr, n);
					RoundTrip(t, values, validity.data(), n);
					if (HasFailure())
						return;
				}
	}
}

/* The forced codec is really the one used where it applies. */
TEST(Codec, ForcedCodecIsUsed)
{
	struct Case
	{
		int			codec;
		ColumnType	type;
		int			shape;
	}			cases[] = {
		{kCodecConst, ColumnType::kInt8, 1}, {kCodecRle, ColumnType::kInt4, 3},
		{kCodecPack, ColumnType::kTimestamp, 5}, {kCodecDod, ColumnType::kTimestamp, 2},
		{kCodecGorilla, ColumnType::kFloat8, 13}, {kCodecDecimal, ColumnType::kFloat8, 6},
		{kCodecDecimal, ColumnType::kFloat4, 9}, {kCodecBitmap, ColumnType::kBool, 0},
		{kCodecPlain, ColumnType::kInt2, 0}, {kCodecSparse, ColumnType::kInt8, 3},
		{kCodecSparse, ColumnType::kFloat8, 3}, {kCodecSparse, ColumnType::kTimestamp, 1},
	};
	std::mt19937_64 rng(3);

	for (const Case &c : cases)
	{
		ForceGuard	force(c.codec);
		std::vector<uint8_t> values = ValuesFor(c.type, c.shape, 500, rng);
		std::vector<uint8_t> enc = RoundTrip(c.type, values, nullptr, 500);

		ASSERT_FALSE(enc.empty());
		EXPECT_EQ(enc[0], c.codec);
	}
}

/*
 * The sparse codec on what it is for (long runs with rare steps) and on
 * what it must survive: steps between INT64 extremes, float specials (NaN
 * payloads, -0.0, infinities, denormals) as raw bits, a change on every
 * row, on the first and on the last row, empty and single-value blocks.
 * Each block round-trips bit-exactly through the column entry points with
 * sparse forced, and through DecodeSparse itself, which rejects every
 * truncation.
 */
TEST(Codec, SparseRoundTripsRareAndAdversarialChanges)
{
	std::mt19937_64 rng(21);
	ForceGuard	force(kCodecSparse);

	for (int iter = 0; iter < 400; iter++)
	{
		ColumnType	t = kTypes[1 + rng() % 7];	/* every type but bool */
		uint32_t	n = iter < 20 ? static_cast<uint32_t>(iter % 3) : static_cast<uint32_t>(rng() % 1500);
		size_t		w = ColumnWidth(t);
		std::vector<uint8_t> values(n * w + 8);
		std::vector<uint64_t> v(n);
		uint64_t	x = SpecialValue(t, rng);
		int			style = iter % 4;

		for (uint32_t i = 0; i < n; i++)
		{
			bool		change;

			switch (style)
			{
				case 0: change = rng() % 50 == 0; break;	/* rare steps */
				case 1: change = true; break;				/* every row */
				case 2: change = i == 1 || i + 1 == n; break;	/* ends */
				default: change = rng() % 3 == 0; break;
			}
			if (change)
				x = rng() % 2 ? SpecialValue(t, rng) : x + (rng() % 7) - 3;
			memcpy(&values[i * w], &x, w);
			v[i] = x;
		}
		std::vector<uint8_t> enc = RoundTrip(t, values, nullptr, n);

		if (HasFailure())
			return;

		/* the codec itself: exact round trip of the 64-bit values, truncation refused */
		std::vector<uint8_t> payload;

		if (!EncodeSparse(v.data(), n, payload))
			continue;
		std::vector<uint64_t> out(n + 1, 0x5a5a);

		ASSERT_TRUE(DecodeSparse(payload.data(), payload.size(), n, out.data()));
		for (uint32_t i = 0; i < n; i++)
			ASSERT_EQ(out[i], v[i]) << "row " << i;
		ASSERT_EQ(out[n], 0x5a5au) << "wrote past the values";
		for (size_t cut = 0; cut < payload.size(); cut++)
		{
			std::vector<uint8_t> part(payload.begin(), payload.begin() + static_cast<long>(cut));

			ASSERT_FALSE(DecodeSparse(part.data(), part.size(), n, out.data())) << "cut at " << cut;
		}
	}
	EXPECT_FALSE(DecodeSparse(nullptr, 0, 0, nullptr)) << "no block of zero rows";
}

/* A quiet histogram bucket costs bytes per change, not per row. */
TEST(Codec, RarelyChangingCounterIsSmall)
{
	std::vector<uint8_t> values(1024 * 8);
	std::vector<uint8_t> enc(MaxEncodedColumnSize(ColumnType::kFloat8, 1024));
	size_t		len;
	double		c = 1234;

	for (int i = 0; i < 1024; i++)
	{
		if (i % 37 == 5)
			c += 1 + i % 3;
		memcpy(&values[i * 8], &c, 8);
	}
	ASSERT_TRUE(EncodeColumn(ColumnType::kFloat8, values.data(), nullptr, 1024, enc.data(),
							 enc.size(), &len).ok());
	EXPECT_LT(len, 70u) << "28 steps of a counter";
}

TEST(Codec, TimestampsAtRangeEndsAndWrappingDeltas)
{
	std::vector<int64_t> cases[] = {
		{kPgMinTs, kPgMaxTs, kPgMinTs, kPgMaxTs},
		{INT64_MIN, INT64_MAX, INT64_MIN, 0, INT64_MAX, -1, INT64_MIN},
		{INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1},
		{kPgMaxTs - 20000000, kPgMaxTs - 10000000, kPgMaxTs},
		{kPgMinTs, kPgMinTs + 10000000, kPgMinTs + 20000000},
	};

	for (const auto &c : cases)
		for (int codec = -1; codec < kCodecCount; codec++)
		{
			ForceGuard	force(codec);
			std::vector<uint8_t> values(c.size() * 8 + 8);

			memcpy(values.data(), c.data(), c.size() * 8);
			RoundTrip(ColumnType::kTimestamp, values, nullptr, static_cast<uint32_t>(c.size()));
		}
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
	EXPECT_EQ(enc[0], kCodecDecimal);
	EXPECT_LT(len, 1000u * 1.2) << "a 2-decimal random walk of +-1.00 takes about 8 bits a value";
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
	EXPECT_LT(len, 40u) << "regular 10 s intervals cost well under a bit each";
}

TEST(Codec, EncoderReportsSmallBufferAndBadType)
{
	std::vector<uint8_t> values(100 * 8);
	std::vector<uint8_t> enc(4);
	size_t		len = 0;
	std::mt19937_64 rng(5);

	for (auto &b : values)
		b = static_cast<uint8_t>(rng());
	EXPECT_EQ(EncodeColumn(ColumnType::kFloat8, values.data(), nullptr, 100, enc.data(), enc.size(),
						   &len).code, StatusCode::kNoSpace);
	EXPECT_EQ(EncodeColumn(static_cast<ColumnType>(42), values.data(), nullptr, 10, enc.data(),
						   enc.size(), &len).code, StatusCode::kInvalidArgument);
	EXPECT_EQ(DecodeColumn(ColumnType::kInt8, enc.data(), 0, 10, values.data(), enc.data()).code,
			  StatusCode::kCorrupt);
}

/* Found by fuzzing: a NULL flag on an empty block, with empty output arrays. */
TEST(Codec, EmptyBlockWithNullFlag)
{
	const uint8_t block[] = {0x82, 0x00};
	std::vector<uint8_t> none;

	Status		st = DecodeColumn(ColumnType::kInt4, block, 1, 0, none.data(), none.data());

	EXPECT_TRUE(st.ok() || st.code == StatusCode::kCorrupt);
	st = DecodeColumn(ColumnType::kInt4, block, 2, 0, none.data(), none.data());
	EXPECT_EQ(st.code, StatusCode::kCorrupt);
}

TEST(Codec, DecodersSurviveArbitraryBytes)
{
	std::mt19937_64 rng(11);

	for (int iter = 0; iter < 50000; iter++)
	{
		ColumnType	t = kTypes[rng() % 8];
		uint32_t	n = rng() % 300;
		std::vector<uint8_t> junk(rng() % 200);
		std::vector<uint8_t> out(n * 8 + 8);
		std::vector<uint8_t> valid(n / 8 + 2);

		for (auto &b : junk)
			b = static_cast<uint8_t>(rng() % 4 ? rng() : 0);
		if (!junk.empty() && rng() % 2)
			junk[0] = static_cast<uint8_t>(rng() % kCodecCount | (rng() % 4 == 0 ? 0x80 : 0));
		Status		st = DecodeColumn(t, junk.data(), junk.size(), n, out.data(), valid.data());

		EXPECT_TRUE(st.ok() || st.code == StatusCode::kCorrupt) << st.message;
	}
}

/*
 * Mutated valid blocks: decoding never misbehaves, and whatever decodes
 * successfully re-encodes to a block that decodes to the same values.
 */
TEST(Codec, DecodersSurviveMutatedBlocks)
{
	std::mt19937_64 rng(12);

	for (int iter = 0; iter < 3000; iter++)
	{
		ColumnType	t = kTypes[rng() % 8];
		uint32_t	n = static_cast<uint32_t>(rng() % 300);
		size_t		w = ColumnWidth(t);
		int			codec = static_cast<int>(rng() % (kCodecCount + 1)) - 1;
		ForceGuard	force(codec);
		std::vector<uint8_t> values = ValuesFor(t, static_cast<int>(rng() % kShapes), n, rng);
		std::vector<uint8_t> validity = NullPattern(static_cast<int>(rng() % kNullPatterns), n, rng);
		const uint8_t *vp = rng() % 2 ? validity.data() : nullptr;
		std::vector<uint8_t> enc(ForcedEncodedColumnSize(w, n));
		size_t		len;

		ASSERT_TRUE(EncodeColumn(t, values.data(), vp, n, enc.data(), enc.size(), &len).ok());
		enc.resize(len);
		for (int m = 0; m < 8; m++)
		{
			std::vector<uint8_t> bad = enc;

			switch (rng() % 4)
			{
				case 0:
					bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 << (rng() % 8));
					break;
				case 1:
					bad.resize(rng() % bad.size());
					break;
				case 2:
					bad.push_back(static_cast<uint8_t>(rng()));
					break;
				default:
					bad[rng() % bad.size()] = static_cast<uint8_t>(rng());
					break;
			}
			std::vector<uint8_t> out(n * w + 1);
			std::vector<uint8_t> valid((n + 7) / 8 + 1);
			Status		st = DecodeColumn(t, bad.data(), bad.size(), n, out.data(), valid.data());

			ASSERT_TRUE(st.ok() || st.code == StatusCode::kCorrupt) << st.message;
			if (st.ok())
			{
				ForceGuard	auto_choice(-1);

				RoundTrip(t, out, valid.data(), n);
				if (HasFailure())
					return;
			}
		}
	}
}

/*
 * Gorilla's decoder takes runs of repeats and short windows from one peek:
 * runs around the 57 bits a peek holds, windows around the 55 bits left
 * after the control bits, and the widest ones, for float8 and float4.
 */
TEST(Codec, GorillaRunsAndWindowWidthsAtPeekLimits)
{
	for (bool float4 : {false, true})
	{
		std::vector<uint64_t> v;
		int			bits = float4 ? 32 : 64;
		uint64_t	keep = float4 ? 0xFFFFFFFFu : ~uint64_t{0};
		uint64_t	x = 0x4049000000000000 & keep;

		for (uint32_t run : {0u, 1u, 56u, 57u, 58u, 114u})
		{
			for (int width = 1; width <= bits; width++)
			{
				/*
				 * A change opening the window of bits [0, width), then
				 * changes up to 11 bits narrower, which reuse it, then a
				 * run of repeats.
				 */
				for (int k = 0; k <= 11 && k < width; k++)
				{
					x ^= ((uint64_t{1} << (width - 1 - k)) | 1) & keep;
					v.push_back(x);
				}
				for (uint32_t i = 0; i < run; i++)
					v.push_back(x);
			}
		}
		std::vector<uint8_t> enc;
		std::vector<uint64_t> out(v.size() + 1, 0xABABABABABABABAB);

		ASSERT_TRUE(EncodeGorilla(v.data(), static_cast<uint32_t>(v.size()), float4, enc));
		ASSERT_TRUE(DecodeGorilla(enc.data(), enc.size(), static_cast<uint32_t>(v.size()), float4, out.data()));
		EXPECT_EQ(out.back(), 0xABABABABABABABAB) << "wrote past n values";
		out.pop_back();
		EXPECT_EQ(out, v) << "float4 " << float4;
		/* and a stream cut short is refused */
		EXPECT_FALSE(DecodeGorilla(enc.data(), enc.size() - 1, static_cast<uint32_t>(v.size()), float4, out.data()));
	}
}
