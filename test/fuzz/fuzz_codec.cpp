/*
 * fuzz_codec.cpp
 *	  libFuzzer target for the column codecs.
 *
 *	  byte 0	bits 0..2: column type - 1; bits 3..4: mode;
 *				bits 5..7: for modes 1 to 3, 0 = automatic choice, else the
 *				codec forced: const, RLE, pack, dod, Gorilla, decimal, sparse
 *				(plain is always the fallback, bitmap wins on bools anyway)
 *	  bytes 1-2	row count (little-endian, modulo 5000) for mode 0
 *	  rest		the input of the mode
 *
 *	  mode 0	the rest is an encoded block: DecodeColumn must reject it or
 *				decode it within bounds; what decodes re-encodes and must
 *				decode to the same values (abort() otherwise)
 *	  mode 1	the rest is raw values (byte 1 and 2 included, no NULLs);
 *				mode 2 the same with a NULL bitmap made of the values' low
 *				bits: both must round-trip bit-exactly
 *	  mode 3	the rest is a delta stream: values are a running sum of
 *				small signed bytes scaled by byte 1 (timestamp-like and
 *				decimal-like data that reaches the clever codecs)
 */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_internal.h"

using namespace ztsdb::core;

namespace {

/* CheckRoundTrip encodes values and aborts unless they decode back exactly. */
void
CheckRoundTrip(ColumnType t, const uint8_t *values, const uint8_t *validity, uint32_t n, int force)
{
	size_t		w = ColumnWidth(t);
	std::vector<uint8_t> enc(ForcedEncodedColumnSize(w, n));
	size_t		len = 0;

	codec_force = force;
	Status		st = EncodeColumn(t, values, validity, n, enc.data(), enc.size(), &len);

	codec_force = -1;
	if (!st.ok())
		abort();
	if (force < 0 && len > MaxEncodedColumnSize(t, n))
		abort();

	/* exact-size buffers so ASan sees any stray access */
	std::vector<uint8_t> block(enc.begin(), enc.begin() + static_cast<long>(len));
	std::vector<uint8_t> out(n * w);
	std::vector<uint8_t> valid((n + 7) / 8);

	if (!DecodeColumn(t, block.data(), block.size(), n, out.data(), valid.data()).ok())
		abort();
	for (uint32_t i = 0; i < n; i++)
	{
		bool		v_in = validity == nullptr || ((validity[i >> 3] >> (i & 7)) & 1);
		bool		v_out = (valid[i >> 3] >> (i & 7)) & 1;

		if (v_in != v_out)
			abort();
		if (v_in && memcmp(values + static_cast<size_t>(i) * w, &out[static_cast<size_t>(i) * w], w) != 0)
			abort();
	}
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	ColumnType	t = static_cast<ColumnType>(1 + (data[0] & 7));
	int			mode = (data[0] >> 3) & 3;
	static const int kForceable[] = {kCodecConst, kCodecRle, kCodecPack, kCodecDod,
									 kCodecGorilla, kCodecDecimal, kCodecSparse};
	int			force = (data[0] >> 5) == 0 ? -1 : kForceable[(data[0] >> 5) - 1];
	size_t		w = ColumnWidth(t);

	if (mode == 0)
	{
		uint32_t	n = (data[1] | (data[2] << 8)) % 5000;
		std::vector<uint8_t> in(data + 3, data + size);
		std::vector<uint8_t> vals(n * w);
		std::vector<uint8_t> valid((n + 7) / 8);
		Status		st = DecodeColumn(t, in.data(), in.size(), n, vals.data(), valid.data());

		if (st.ok())
			CheckRoundTrip(t, vals.data(), valid.data(), n, -1);
		else if (st.code != StatusCode::kCorrupt)
			abort();
		/* the first rows only: within bounds, and the same rows when the whole block decodes */
		for (uint32_t limit : {n / 2, n > 0 ? n - 1 : 0u})
		{
			std::vector<uint8_t> pvals(n * w);
			std::vector<uint8_t> pvalid((n + 7) / 8);
			Status		pst = DecodeColumn(t, in.data(), in.size(), n, pvals.data(), pvalid.data(), limit);

			if (!pst.ok() && pst.code != StatusCode::kCorrupt)
				abort();
			if (st.ok() && (!pst.ok() ||
							(limit > 0 && memcmp(vals.data(), pvals.data(), static_cast<size_t>(limit) * w) != 0)))
				abort();
		}
		return 0;
	}
	if (mode == 1 || mode == 2)
	{
		const uint8_t *raw = data + 1;
		uint32_t	n = static_cast<uint32_t>((size - 1) / w);
		std::vector<uint8_t> values(raw, raw + static_cast<size_t>(n) * w);
		std::vector<uint8_t> validity((n + 7) / 8);

		if (n > kMaxBlockRows)
			return 0;
		for (uint32_t i = 0; i < n; i++)
			if (values[static_cast<size_t>(i) * w] & 0x10)
				validity[i >> 3] |= static_cast<uint8_t>(1 << (i & 7));
		CheckRoundTrip(t, values.data(), mode == 2 ? validity.data() : nullptr, n, force);
		return 0;
	}

	/* mode 3: running sums of small steps */
	uint32_t	n = static_cast<uint32_t>(size - 2);
	uint64_t	scale = data[1] == 0 ? 1 : data[1];
	std::vector<uint8_t> values(static_cast<size_t>(n) * w);
	uint64_t	acc = static_cast<uint64_t>(data[2]) << 40;

	if (n > kMaxBlockRows)
		return 0;
	for (uint32_t i = 0; i < n; i++)
	{
		uint64_t	v;

		acc += static_cast<uint64_t>(static_cast<int8_t>(data[2 + i])) * scale;
		v = acc;
		if (t == ColumnType::kFloat8)
		{
			double		d = static_cast<double>(static_cast<int64_t>(acc % 1000000)) / 100.0;

			memcpy(&v, &d, 8);
		}
		else if (t == ColumnType::kFloat4)
		{
			float		f = static_cast<float>(static_cast<double>(static_cast<int64_t>(acc % 100000)) / 10.0);
			uint32_t	b;

			memcpy(&b, &f, 4);
			v = b;
		}
		memcpy(&values[static_cast<size_t>(i) * w], &v, w);
	}
	CheckRoundTrip(t, values.data(), nullptr, n, force);
	return 0;
}
