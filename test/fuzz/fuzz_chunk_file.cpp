/*
 * fuzz_chunk_file.cpp
 *	  libFuzzer target: arbitrary bytes as a chunk file.  OpenChunkFile must
 *	  reject or accept them without reading out of bounds, and every
 *	  accessor of an accepted file must stay in bounds too.
 */
#include <cstdint>
#include <vector>

#include "ztsdb/core/chunk_file.h"

using namespace ztsdb::core;

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* own copy, exactly sized, so ASan sees any overread */
	std::vector<uint8_t> file(data, data + size);
	ChunkReader r;

	if (!OpenChunkFile(file.data(), file.size(), &r).ok())
		return 0;
	for (uint32_t b = 0; b < r.nbatches; b++)
	{
		BatchEntry	e;

		GetBatch(r, b, &e);
	}
	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		BlockInfo	info;

		GetBlockInfo(r, b, &info);
		for (uint16_t c = 0; c < r.layout.ncols; c++)
		{
			if (r.meta.tier == kTierWarm)
			{
				const void *v;
				const uint8_t *bits;

				if (WarmColumn(r, c, &v, &bits).ok() && r.meta.nrows > 0)
				{
					volatile uint8_t sink = static_cast<const uint8_t *>(v)[
						(size_t) r.meta.nrows * ColumnWidth(r.layout.types[c]) - 1];
					(void) sink;
				}
			}
			else
			{
				std::vector<uint8_t> vals((size_t) info.nrows * ColumnWidth(r.layout.types[c]));
				std::vector<uint8_t> valid((info.nrows + 7) / 8);

				(void) DecodeColdColumn(r, b, c, vals.data(), valid.data());
			}
		}
	}
	return 0;
}
