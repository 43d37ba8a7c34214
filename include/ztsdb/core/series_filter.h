/*-------------------------------------------------------------------------
 *
 * series_filter.h
 *	  Which series a chunk may hold: min/max and a Bloom filter (core zone).
 *
 * Every warm and cold chunk's manifest entry carries one, so a scan for
 * some series skips chunks without opening their files.  The filter has
 * kSeriesFilterBits bits and three probes per value, derived from one
 * 64-bit mix of the series id; with 500 series in a chunk about 3% of
 * absent series pass, with several thousand nearly all do (the filter then
 * costs a few probes and nothing else).  Rows whose series is NULL are not
 * added: an equality on the series column never matches them.  A filter
 * that is not valid (manifests of version 1, tables without a series
 * column) says "may contain" for every series.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstdint>
#include <cstring>

namespace ztsdb::core {

constexpr uint32_t kSeriesFilterBits = 4096;
constexpr uint32_t kSeriesFilterBytes = kSeriesFilterBits / 8;

struct SeriesFilter
{
	uint32_t	valid;			/* 1: the fields below describe the chunk */
	int64_t		min_series;		/* INT64_MAX / INT64_MIN when no row has a series */
	int64_t		max_series;
	uint8_t		bits[kSeriesFilterBytes];
};

inline uint64_t
SeriesFilterMix(int64_t series)
{
	uint64_t	z = static_cast<uint64_t>(series) + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* SeriesFilterInit makes f a valid filter of the empty set. */
inline void
SeriesFilterInit(SeriesFilter *f)
{
	memset(f, 0, sizeof(*f));
	f->valid = 1;
	f->min_series = INT64_MAX;
	f->max_series = INT64_MIN;
}

inline void
SeriesFilterAdd(SeriesFilter *f, int64_t series)
{
	uint64_t	h = SeriesFilterMix(series);

	for (int k = 0; k < 3; k++)
	{
		uint32_t	bit = static_cast<uint32_t>(h >> (21 * k)) & (kSeriesFilterBits - 1);

		f->bits[bit >> 3] |= static_cast<uint8_t>(1u << (bit & 7));
	}
	if (series < f->min_series)
		f->min_series = series;
	if (series > f->max_series)
		f->max_series = series;
}

/* SeriesFilterMayContain is false only if no row of the chunk has series. */
inline bool
SeriesFilterMayContain(const SeriesFilter &f, int64_t series)
{
	uint64_t	h;

	if (!f.valid)
		return true;
	if (series < f.min_series || series > f.max_series)
		return false;
	h = SeriesFilterMix(series);
	for (int k = 0; k < 3; k++)
	{
		uint32_t	bit = static_cast<uint32_t>(h >> (21 * k)) & (kSeriesFilterBits - 1);

		if (!(f.bits[bit >> 3] & (1u << (bit & 7))))
			return false;
	}
	return true;
}

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
