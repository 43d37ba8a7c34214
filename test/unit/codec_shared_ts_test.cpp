/*
 * codec_shared_ts_test.cpp
 *	  Shared timestamp vectors: round trips of whole columns and of single
 *	  series, sharing really happens, and decoders survive arbitrary bytes.
 */
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_shared_ts.h"

using namespace ztsdb::core;

namespace {

struct Column
{
	std::vector<int64_t> ts;
	std::vector<uint32_t> starts{0};
};

/* MakeColumn builds nseries series drawing from ngroups timestamp vectors. */
Column
MakeColumn(std::mt19937_64 &rng, uint32_t nseries, uint32_t ngroups, uint32_t maxrows)
{
	std::vector<std::vector<int64_t>> groups(ngroups);
	Column		c;

	for (auto &g : groups)
	{
		uint32_t	n = static_cast<uint32_t>(rng() % (maxrows + 1));
		int64_t		t = static_cast<int64_t>(rng());

		for (uint32_t i = 0; i < n; i++)
		{
			g.push_back(t);
			t += 15000000 + static_cast<int64_t>(rng() % 2000) * 1000;
		}
	}
	for (uint32_t k = 0; k < nseries; k++)
	{
		const auto &g = groups[rng() % ngroups];

		c.ts.insert(c.ts.end(), g.begin(), g.end());
		c.starts.push_back(static_cast<uint32_t>(c.ts.size()));
	}
	return c;
}

std::vector<uint8_t>
Encode(const Column &c)
{
	uint32_t	nseries = static_cast<uint32_t>(c.starts.size() - 1);
	std::vector<uint8_t> out(MaxSharedTimestampsSize(nseries, c.starts.back()));
	size_t		len = 0;
	Status		st = EncodeSharedTimestamps(c.ts.data(), c.starts.data(), nseries, out.data(),
											out.size(), &len);

	EXPECT_TRUE(st.ok()) << st.message;
	out.resize(len);
	return out;
}

} // namespace

TEST(SharedTimestamps, RoundTripsColumnsAndSeries)
{
	std::mt19937_64 rng(21);

	for (int iter = 0; iter < 300; iter++)
	{
		uint32_t	nseries = static_cast<uint32_t>(rng() % 50);
		Column		c = MakeColumn(rng, nseries, 1 + static_cast<uint32_t>(rng() % 5),
								   iter % 10 == 0 ? 3000 : 200);
		std::vector<uint8_t> enc = Encode(c);
		std::vector<int64_t> out(c.ts.size() + 1, 77);

		ASSERT_TRUE(DecodeSharedTimestamps(enc.data(), enc.size(), c.starts.data(), nseries,
										   out.data()).ok());
		out.pop_back();
		ASSERT_EQ(out, c.ts);
		for (uint32_t k = 0; k < nseries; k++)
		{
			std::vector<int64_t> one(c.starts[k + 1] - c.starts[k]);

			ASSERT_TRUE(DecodeSeriesTimestamps(enc.data(), enc.size(), c.starts.data(), nseries, k,
											   one.data()).ok());
			ASSERT_TRUE(std::equal(one.begin(), one.end(), c.ts.begin() + c.starts[k]));
		}
		if (!enc.empty())
		{
			std::vector<uint8_t> cut(enc.begin(), enc.end() - 1);

			EXPECT_EQ(DecodeSharedTimestamps(cut.data(), cut.size(), c.starts.data(), nseries,
											 out.data()).code, StatusCode::kCorrupt);
		}
	}
}

TEST(SharedTimestamps, SharedVectorsAreStoredOnce)
{
	std::mt19937_64 rng(22);
	Column		c = MakeColumn(rng, 1000, 1, 1024);
	Column		one = c;

	one.ts.resize(c.starts[1]);
	one.starts.resize(2);
	EXPECT_LT(Encode(c).size(), Encode(one).size() + 1000 + 8);
}

TEST(SharedTimestamps, RejectsBadDirectoryAndArbitraryBytes)
{
	std::mt19937_64 rng(23);
	std::vector<uint32_t> bad = {1, 2};
	std::vector<int64_t> ts(10);
	std::vector<uint8_t> out(100);
	size_t		len;

	EXPECT_EQ(EncodeSharedTimestamps(ts.data(), bad.data(), 1, out.data(), out.size(), &len).code,
			  StatusCode::kInvalidArgument);
	for (int iter = 0; iter < 20000; iter++)
	{
		Column		c = MakeColumn(rng, static_cast<uint32_t>(rng() % 8), 2, 40);
		uint32_t	nseries = static_cast<uint32_t>(c.starts.size() - 1);
		std::vector<uint8_t> junk = Encode(c);
		std::vector<int64_t> dec(c.ts.size());

		if (junk.empty() || rng() % 4 == 0)
			junk.resize(rng() % 64);
		for (int m = 0; m < 3 && !junk.empty(); m++)
			junk[rng() % junk.size()] = static_cast<uint8_t>(rng() % 3 ? rng() : 0);
		Status		st = DecodeSharedTimestamps(junk.data(), junk.size(), c.starts.data(), nseries,
												dec.data());

		EXPECT_TRUE(st.ok() || st.code == StatusCode::kCorrupt) << st.message;
		if (nseries > 0)
		{
			uint32_t	k = static_cast<uint32_t>(rng() % nseries);
			std::vector<int64_t> one(c.starts[k + 1] - c.starts[k]);

			st = DecodeSeriesTimestamps(junk.data(), junk.size(), c.starts.data(), nseries, k,
										one.data());
			EXPECT_TRUE(st.ok() || st.code == StatusCode::kCorrupt) << st.message;
		}
	}
}
