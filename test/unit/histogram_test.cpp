/*
 * histogram_test.cpp
 *	  Latency histogram buckets: monotonic, every value within its bucket's
 *	  bounds, bounded relative error, percentiles of known distributions
 *	  estimated inside their bucket rather than at its edge.
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

	EXPECT_EQ(HistogramPercentile(counts.data(), 50), 0.0);
	for (uint64_t us = 1; us <= 1000; us++)
		counts[HistogramBucket(us * 100)]++;	/* 100 us .. 100 ms, uniform */
	double		p50 = HistogramPercentile(counts.data(), 50);
	double		p90 = HistogramPercentile(counts.data(), 90);
	double		p95 = HistogramPercentile(counts.data(), 95);
	double		p99 = HistogramPercentile(counts.data(), 99);

	/*
	 * Interpolated by rank: within 3% where the data fill their bucket (a
	 * bucket's upper edge is up to 25% off).  p99's bucket (98304 .. 114687)
	 * holds the top of the data only, so the even-spread estimate is
	 * coarser there, but still below the edge.
	 */
	EXPECT_NEAR(p50, 50000.0, 50000.0 * 0.03);
	EXPECT_NEAR(p90, 90000.0, 90000.0 * 0.03);
	EXPECT_NEAR(p95, 95000.0, 95000.0 * 0.03);
	EXPECT_NEAR(p99, 99000.0, 99000.0 * 0.10);
	EXPECT_LT(p99, static_cast<double>(HistogramUpper(HistogramBucket(99000))));
	EXPECT_LT(p50, p90);
	EXPECT_LT(p90, p95);
	EXPECT_LT(p95, p99);
}

TEST(Histogram, PercentileIsNotABucketEdge)
{
	std::vector<uint64_t> counts(kHistogramBuckets, 0);
	int			b = HistogramBucket(500);	/* 448 .. 511 us */
	double		lower = static_cast<double>(HistogramUpper(b - 1) + 1);
	double		upper = static_cast<double>(HistogramUpper(b));

	/* one observation: the middle of its bucket */
	counts[b] = 1;
	double		one = HistogramPercentile(counts.data(), 50);

	EXPECT_GT(one, lower);
	EXPECT_LT(one, upper);
	EXPECT_DOUBLE_EQ(one, (lower + upper + 1) / 2);

	/* many: percentiles spread across the bucket, increasing with p */
	counts[b] = 100;
	double		prev = 0;

	for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 100.0})
	{
		double		v = HistogramPercentile(counts.data(), p);

		EXPECT_GE(v, lower) << p;
		EXPECT_LE(v, upper + 1) << p;
		EXPECT_GT(v, prev) << p;
		EXPECT_NE(v, upper) << p;
		prev = v;
	}
}

TEST(Histogram, PercentileOfOpenLastBucket)
{
	std::vector<uint64_t> counts(kHistogramBuckets, 0);

	counts[kHistogramBuckets - 1] = 3;
	EXPECT_EQ(HistogramPercentile(counts.data(), 99),
			  static_cast<double>(HistogramUpper(kHistogramBuckets - 2) + 1));
}
