/*-------------------------------------------------------------------------
 *
 * codec_shared_ts.h
 *	  A chunk's timestamp column with timestamp vectors shared between
 *	  series (core zone).
 *
 * Scraped metrics come in groups: every series of one scrape target gets
 * the same (jittered) timestamps.  A chunk holds its rows grouped by series
 * (series k owns rows [starts[k], starts[k + 1]), starts[0] = 0,
 * starts[nseries] = nrows, as the chunk's series directory says), so the
 * timestamp column is a concatenation of per-series vectors, many of them
 * equal.  This form stores each distinct vector once, as a column block
 * (EncodeColumn, type kTimestamp, no NULLs), and per series a reference.
 * A reader can decode the timestamps of one series alone.
 *
 * Timestamps are never NULL here; a column with NULL timestamps uses the
 * per-block EncodeColumn form.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "ztsdb/core/status.h"

namespace ztsdb::core {

/* MaxSharedTimestampsSize returns an output size EncodeSharedTimestamps never exceeds. */
size_t		MaxSharedTimestampsSize(uint32_t nseries, uint32_t nrows) noexcept;

/*
 * EncodeSharedTimestamps compresses ts[0 .. starts[nseries]) into
 * out[0 .. out_cap); *out_len receives the bytes written.  starts has
 * nseries + 1 non-decreasing entries starting at 0; one series holds at
 * most kMaxBlockRows rows.
 */
Status		EncodeSharedTimestamps(const int64_t *ts, const uint32_t *starts, uint32_t nseries,
								   uint8_t *out, size_t out_cap, size_t *out_len) noexcept;

/*
 * DecodeSharedTimestamps expands the whole column into ts (room for
 * starts[nseries] values).  Arbitrary input bytes give kCorrupt, never an
 * access outside in[0 .. in_len) or ts.
 */
Status		DecodeSharedTimestamps(const uint8_t *in, size_t in_len, const uint32_t *starts,
								   uint32_t nseries, int64_t *ts) noexcept;

/*
 * DecodeSeriesTimestamps expands the timestamps of series k only into ts
 * (room for starts[k + 1] - starts[k] values).
 */
Status		DecodeSeriesTimestamps(const uint8_t *in, size_t in_len, const uint32_t *starts,
								   uint32_t nseries, uint32_t k, int64_t *ts) noexcept;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
