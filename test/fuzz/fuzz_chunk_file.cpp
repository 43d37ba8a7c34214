/*
 * fuzz_chunk_file.cpp
 *	  libFuzzer target: arbitrary bytes as a chunk file.  OpenChunkFile must
 *	  reject or accept them without reading out of bounds, every accessor of
 *	  an accepted file must stay in bounds too, and an accepted file must
 *	  keep the promises readers rely on (blocks cover the rows in order,
 *	  batch table ascending from row 0, warm values aligned to 8).
 *
 *	  Each input is tried three ways: as is; with data checksums unchecked
 *	  (verify_data = false, how a backend reopens a file it verified
 *	  before); and with every checksum recomputed first, so that mutations
 *	  reach the structural checks behind the CRCs instead of all dying at
 *	  the header checksum.
 */
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/codec.h"

#include "../support/chunk_checksums.h"

using namespace ztsdb::core;

namespace {

void
Check(bool cond)
{
	if (!cond)
		abort();
}

/* ReadEverything opens file and touches every byte any accessor hands out. */
void
ReadEverything(const std::vector<uint8_t> &file, bool verify_data)
{
	ChunkReader r;
	volatile uint8_t sink = 0;

	if (!OpenChunkFile(file.data(), file.size(), &r, verify_data).ok())
		return;
	Check(r.layout.ncols >= 1 && r.layout.ncols <= kMaxColumns);
	Check(r.layout.time_col >= 0 && r.layout.time_col < r.layout.ncols);
	Check(r.layout.series_col >= -1 && r.layout.series_col < r.layout.ncols);
	Check(((r.meta.flags & kChunkSorted) != 0) == (r.nbatches == 0));
	for (uint32_t i = 0; i < r.nbatches; i++)
	{
		BatchEntry	e;
		BatchEntry	prev;

		GetBatch(r, i, &e);
		Check(e.row_start <= r.meta.nrows);
		if (i == 0)
			Check(e.row_start == 0);
		else
		{
			GetBatch(r, i - 1, &prev);
			Check(prev.row_start <= e.row_start);
		}
	}
	if (r.meta.tier == kTierWarm)
		Check(r.nblocks == (r.meta.nrows > 0 ? 1u : 0u));
	else
		Check(r.meta.tier == kTierCold);

	uint64_t	next_row = 0;

	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		BlockInfo	info;

		GetBlockInfo(r, b, &info);
		Check(info.row_start == next_row && info.nrows > 0 && info.nrows <= kMaxBlockRows);
		next_row += info.nrows;
		for (uint16_t c = 0; c < r.layout.ncols; c++)
		{
			size_t		w = ColumnWidth(r.layout.types[c]);

			Check(w > 0);
			if (r.meta.tier == kTierWarm)
			{
				const void *v;
				const uint8_t *bits;

				Check(WarmColumn(r, c, &v, &bits).ok());
				Check((static_cast<const uint8_t *>(v) - r.data) % 8 == 0);
				for (size_t i = 0; i < (size_t) r.meta.nrows * w; i++)
					sink = sink + static_cast<const uint8_t *>(v)[i];
				if (bits != nullptr)
					for (size_t i = 0; i < (r.meta.nrows + 7) / 8; i++)
						sink = sink + bits[i];
			}
			else
			{
				/* exactly sized, so ASan sees any write past the promised room */
				std::vector<uint8_t> vals((size_t) info.nrows * w);
				std::vector<uint8_t> valid((info.nrows + 7) / 8);

				(void) DecodeColdColumn(r, b, c, vals.data(), valid.data());
			}
		}
	}
	Check(next_row == r.meta.nrows);
	if (r.meta.tier == kTierCold)
	{
		const void *v;
		const uint8_t *bits;

		Check(!WarmColumn(r, 0, &v, &bits).ok());
	}
	(void) sink;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* own copy, exactly sized, so ASan sees any overread */
	std::vector<uint8_t> file(data, data + size);

	ReadEverything(file, true);
	ReadEverything(file, false);
	if (ztsdb::test::RepairChunkChecksums(file.data(), file.size()))
		ReadEverything(file, true);
	return 0;
}
