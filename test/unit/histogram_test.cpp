/*
 * histogram_test.cpp
 *	  Latency histogram buckets: monotonic, every value within its bucket's
 *	  bounds, bounded relative error, percentiles of known distributions.
 */
#include <gtest/gtest.h>

#include <vector>

#include "ztsdb/core/histogram.h"

using namespace ztsdb::core;

TEST(Histogram, BucketsAreMonotonicAndContainTheirValues)
{
	int			prev = 0;

	for (uint64_t us = 0; us < 5000000; us += 1 + us / 50)
	{
		int			b = HistogramBucket(us);

		ASSERT_GE(b, prev) << us;
		ASSERT_LE(us, HistogramUpper(b)) << us;
		if (b > 0)
		{
			ASSERT_GT(us, HistogramUpper(b - 1)) << us;
		}
		if (us > 16 && b < kHistogramBuckets - 1)
		{
			ASSERT_LE(static_cast<double>(HistogramUpper(b)) / us, 1.26) << us;
		}
		prev = b;
	}
	EXPECT_EQ(HistogramBucket(~uint64_t{0}), kHistogramBuckets - 1);
}

TEST(Histogram, Percentiles)
{
	std::vector<uint64_t> counts(kHistogramBuckets, 0);

	EXPECT_EQ(HistogramPercentile(counts.data(), 50), 0u);
	for (uint64_t us = 1; us <= 1000; us++)
		counts[HistogramBucket(us * 100)]++;	/* 100 us .. 100 ms, uniform */
	uint64_t	p50 = HistogramPercentile(counts.data(), 50);
	uint64_t	p99 = HistogramPercentile(counts.data(), 99);

	EXPECT_GE(p50, 50000u);
	EXPECT_LE(p50, 50000u * 126 / 100);
	EXPECT_GE(p99, 99000u);
	EXPECT_LE(p99, 99000u * 126 / 100);
}
