/*
 * fuzz_chunk_file.cpp
 *	  libFuzzer target: arbitrary bytes as a chunk file.  OpenChunkFile must
 *	  reject or accept them without reading out of bounds, every accessor of
 *	  an accepted file must stay in bounds too, and an accepted file must
 *	  keep the promises readers rely on (ExerciseChunkFile).
 *
 *	  Each input is tried three ways: as is; with data checksums unchecked
 *	  (verify_data = false, how a backend reopens a file it verified
 *	  before); and with every checksum recomputed first, so that mutations
 *	  reach the structural checks behind the CRCs instead of all dying at
 *	  the header checksum.
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ztsdb/core/chunk_file.h"

#include "../support/chunk_test_support.h"

namespace {

void
Exercise(const std::vector<uint8_t> &file, bool verify_data)
{
	bool		opened;
	const char *broken = ztsdb::test::ExerciseChunkFile(file.data(), file.size(), verify_data,
													   &opened);

	if (broken != nullptr)
	{
		fprintf(stderr, "accepted chunk file breaks a promise: %s\n", broken);
		abort();
	}
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* own copy, exactly sized, so ASan sees any overread */
	std::vector<uint8_t> file(data, data + size);

	Exercise(file, true);
	Exercise(file, false);
	if (ztsdb::test::RepairChunkChecksums(file.data(), file.size()))
		Exercise(file, true);
	return 0;
}
