/*
 * fuzz_codec.cpp
 *	  libFuzzer target for the column codecs.  The first byte picks the
 *	  type and the mode, the next two the row count.  Mode 0: the rest is an
 *	  encoded block, which DecodeColumn must reject or decode within bounds.
 *	  Mode 1: the rest is raw values, which must round-trip bit-exactly.
 */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ztsdb/core/codec.h"

using namespace ztsdb::core;

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	ColumnType	t = static_cast<ColumnType>(1 + (data[0] & 7));
	bool		roundtrip = (data[0] >> 3) & 1;
	uint32_t	n = (data[1] | (data[2] << 8)) % 5000;
	size_t		w = ColumnWidth(t);
	std::vector<uint8_t> in(data + 3, data + size);

	if (!roundtrip)
	{
		std::vector<uint8_t> vals(n * w);
		std::vector<uint8_t> valid((n + 7) / 8);

		(void) DecodeColumn(t, in.data(), in.size(), n, vals.data(), valid.data());
		return 0;
	}
	n = static_cast<uint32_t>(in.size() / w);
	std::vector<uint8_t> enc(MaxEncodedColumnSize(t, n));
	size_t		len;

	if (!EncodeColumn(t, in.data(), nullptr, n, enc.data(), enc.size(), &len).ok())
		abort();
	std::vector<uint8_t> out(n * w);
	std::vector<uint8_t> valid((n + 7) / 8);

	enc.resize(len);
	if (!DecodeColumn(t, enc.data(), enc.size(), n, out.data(), valid.data()).ok())
		abort();
	if (t == ColumnType::kBool)
	{
		for (uint32_t i = 0; i < n; i++)
			if ((out[i] != 0) != (in[i] != 0) && out[i] != in[i])
				abort();
		return 0;
	}
	if (n > 0 && memcmp(out.data(), in.data(), n * w) != 0)
		abort();
	return 0;
}
