/*
 * fuzz_manifest.cpp
 *	  libFuzzer target: arbitrary bytes as a table manifest.  DecodeManifest
 *	  must reject them or accept a manifest whose entries all lie within the
 *	  input.  Each input is tried as is and with its checksum recomputed, so
 *	  mutations reach the checks behind the CRC.
 */
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ztsdb/core/chunk_file.h"

#include "../support/chunk_test_support.h"

using namespace ztsdb::core;

namespace {

void
DecodeEverything(const std::vector<uint8_t> &file)
{
	ManifestHeader h;
	const uint8_t *chunks;
	const uint8_t *windows;

	if (!DecodeManifest(file.data(), file.size(), &h, &chunks, &windows).ok())
		return;
	if (h.layout.ncols < 1 || h.layout.ncols > kMaxColumns ||
		h.layout.time_col < 0 || h.layout.time_col >= h.layout.ncols ||
		h.layout.series_col < -1 || h.layout.series_col >= h.layout.ncols)
		abort();
	for (uint32_t i = 0; i < h.nchunks; i++)
	{
		ManifestChunk c;

		GetManifestChunk(h, chunks, i, &c);
		if (c.meta.tier != kTierWarm && c.meta.tier != kTierCold)
			abort();
	}
	for (uint32_t i = 0; i < h.nwindows; i++)
	{
		ManifestWindow w;

		GetManifestWindow(windows, i, &w);
	}
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* own copy, exactly sized, so ASan sees any overread */
	std::vector<uint8_t> file(data, data + size);

	DecodeEverything(file);
	if (ztsdb::test::RepairManifestChecksum(file.data(), file.size()))
		DecodeEverything(file);
	return 0;
}
