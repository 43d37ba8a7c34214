/*
 * fuzz_manifest.cpp
 *	  libFuzzer target: arbitrary bytes as a table manifest.
 */
#include <cstdint>
#include <vector>

#include "ztsdb/core/chunk_file.h"

using namespace ztsdb::core;

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<uint8_t> file(data, data + size);
	ManifestHeader h;
	const uint8_t *chunks;
	const uint8_t *windows;

	if (!DecodeManifest(file.data(), file.size(), &h, &chunks, &windows).ok())
		return 0;
	for (uint32_t i = 0; i < h.nchunks; i++)
	{
		ManifestChunk c;

		GetManifestChunk(chunks, i, &c);
	}
	for (uint32_t i = 0; i < h.nwindows; i++)
	{
		ManifestWindow w;

		GetManifestWindow(windows, i, &w);
	}
	return 0;
}
