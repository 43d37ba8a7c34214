/*-------------------------------------------------------------------------
 *
 * histogram.h
 *	  Log-bucketed latency histogram arithmetic (core zone).
 *
 * Values are microseconds.  Bucket 0 holds 0..1 us; above that every
 * power of two is cut into kSubBuckets buckets, so a bucket's width is at
 * most 1/kSubBuckets of its lower bound (about 19% with 4): good enough for
 * p50/p99 of latencies spanning microseconds to minutes in 160 counters.
 * The counters themselves live wherever the caller keeps them (shared
 * memory atomics in the server); this file only maps values to buckets and
 * counts to percentiles.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <bit>
#include <cstdint>

namespace ztsdb::core {

constexpr int kSubBuckets = 4;
constexpr int kHistogramBuckets = 40 * kSubBuckets;

/* HistogramBucket returns the bucket of a value in microseconds. */
constexpr int
HistogramBucket(uint64_t us)
{
	if (us < 2)
		return 0;
	int			octave = 63 - std::countl_zero(us);	/* floor(log2(us)), >= 1 */
	uint64_t	base = uint64_t{1} << octave;
	/* (us - base) * kSubBuckets / base, without overflow */
	int			sub = static_cast<int>((us - base) / (base / kSubBuckets > 0 ? base / kSubBuckets : 1));
	int			b = (octave - 1) * kSubBuckets + (sub < kSubBuckets ? sub : kSubBuckets - 1) + 1;

	return b < kHistogramBuckets ? b : kHistogramBuckets - 1;
}

/* HistogramUpper returns the largest value (us) a bucket holds. */
constexpr uint64_t
HistogramUpper(int bucket)
{
	if (bucket <= 0)
		return 1;
	if (bucket >= kHistogramBuckets - 1)
		return ~uint64_t{0};
	int			octave = (bucket - 1) / kSubBuckets + 1;
	int			sub = (bucket - 1) % kSubBuckets;
	uint64_t	base = uint64_t{1} << octave;
	uint64_t	step = base / kSubBuckets > 0 ? base / kSubBuckets : 1;
	uint64_t	upper = base + step * (sub + 1) - 1;

	return upper < 2 * base - 1 ? upper : 2 * base - 1;
}

/*
 * HistogramPercentile estimates the p-th percentile (0 < p <= 100, in us)
 * of counts[kHistogramBuckets]; 0 when empty.  It finds the bucket holding
 * rank p/100 * total and places the value inside it by rank, as if the
 * bucket's observations were spread evenly over its range (the k-th of n at
 * (k - 0.5) / n of the width): an estimate, not the bucket's upper edge,
 * which overstated latencies by up to a bucket's width (~25%) and showed
 * the same few round figures whatever was measured.  The last bucket is
 * open-ended: its lower bound is returned.
 */
inline double
HistogramPercentile(const uint64_t *counts, double p) noexcept
{
	uint64_t	total = 0;
	uint64_t	seen = 0;

	for (int i = 0; i < kHistogramBuckets; i++)
		total += counts[i];
	if (total == 0)
		return 0;

	double		rank = p / 100.0 * static_cast<double>(total);

	if (rank < 1e-9)
		rank = 1e-9;
	for (int i = 0; i < kHistogramBuckets; i++)
	{
		if (counts[i] == 0)
			continue;
		if (static_cast<double>(seen + counts[i]) >= rank)
		{
			double		lower = i == 0 ? 0.0 : static_cast<double>(HistogramUpper(i - 1) + 1);

			if (i == kHistogramBuckets - 1)
				return lower;

			double		width = static_cast<double>(HistogramUpper(i)) + 1.0 - lower;
			/* rank of the observation within the bucket, 1-based, then centred */
			double		k = rank - static_cast<double>(seen);
			uint64_t	kth = static_cast<uint64_t>(k);

			if (static_cast<double>(kth) < k)
				kth++;
			if (kth < 1)
				kth = 1;
			if (kth > counts[i])
				kth = counts[i];
			return lower + width * (static_cast<double>(kth) - 0.5) / static_cast<double>(counts[i]);
		}
		seen += counts[i];
	}
	return static_cast<double>(HistogramUpper(kHistogramBuckets - 2) + 1);
}

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
