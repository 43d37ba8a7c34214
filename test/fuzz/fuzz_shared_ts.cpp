/*
 * fuzz_shared_ts.cpp
 *	  libFuzzer target for the shared timestamp column form.
 *
 *	  byte 0		bits 0..3: number of series; bit 7: round-trip mode
 *	  next bytes	one per series: its row count (0 .. 255)
 *	  rest			decode mode: an encoded column, which must be rejected
 *					with kCorrupt or decoded within bounds (whole and series
 *					by series, with the same result).  Round-trip mode: bytes
 *					that pick, per series, one of four timestamp vectors;
 *					the column must round-trip exactly.
 */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ztsdb/core/codec_shared_ts.h"

using namespace ztsdb::core;

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint32_t	nseries = data[0] & 15;
	bool		roundtrip = (data[0] & 0x80) != 0;

	if (size < 1 + nseries)
		return 0;
	std::vector<uint32_t> starts(nseries + 1, 0);

	for (uint32_t k = 0; k < nseries; k++)
		starts[k + 1] = starts[k] + data[1 + k];
	const uint8_t *rest = data + 1 + nseries;
	size_t		rest_len = size - 1 - nseries;
	std::vector<int64_t> ts(starts[nseries]);

	if (!roundtrip)
	{
		std::vector<uint8_t> in(rest, rest + rest_len);
		Status		st = DecodeSharedTimestamps(in.data(), in.size(), starts.data(), nseries, ts.data());

		if (!st.ok() && st.code != StatusCode::kCorrupt)
			abort();
		for (uint32_t k = 0; k < nseries; k++)
		{
			std::vector<int64_t> one(starts[k + 1] - starts[k]);
			Status		st1 = DecodeSeriesTimestamps(in.data(), in.size(), starts.data(), nseries, k,
													 one.data());

			if (st1.code != st.code && st.ok())
				abort();
			if (st.ok() && st1.ok() && !one.empty() &&
				memcmp(one.data(), &ts[starts[k]], one.size() * sizeof(int64_t)) != 0)
				abort();
		}
		return 0;
	}

	/* round trip: four vectors derived from the input, chosen per series */
	for (uint32_t k = 0; k < nseries; k++)
	{
		uint32_t	pick = k < rest_len ? rest[k] & 3 : 0;
		int64_t		t = static_cast<int64_t>(pick) * 1000003 - (pick == 3 ? INT64_MAX : 0);

		for (uint32_t i = starts[k]; i < starts[k + 1]; i++)
		{
			size_t		j = nseries + (i - starts[k]);

			t += 15000000 + (j < rest_len ? static_cast<int8_t>(rest[j]) * (pick + 1) : 0);
			ts[i] = t;
		}
	}
	std::vector<uint8_t> enc(MaxSharedTimestampsSize(nseries, starts[nseries]));
	size_t		len = 0;

	if (!EncodeSharedTimestamps(ts.data(), starts.data(), nseries, enc.data(), enc.size(), &len).ok())
		abort();
	std::vector<uint8_t> block(enc.begin(), enc.begin() + static_cast<long>(len));
	std::vector<int64_t> out(ts.size());

	if (!DecodeSharedTimestamps(block.data(), block.size(), starts.data(), nseries, out.data()).ok() ||
		out != ts)
		abort();
	return 0;
}
