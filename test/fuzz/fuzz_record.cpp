/*
 * fuzz_record.cpp
 *	  libFuzzer target: arbitrary bytes as a ring/WAL record.  Replay
 *	  trusts a record only after ValidateRecord; a record it accepts must be
 *	  safe to walk with BatchColumns.
 */
#include <cstdint>
#include <cstring>
#include <vector>

#include "ztsdb/core/record_format.h"

using namespace ztsdb::core;

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<uint64_t> aligned((size + 7) / 8 + 1);
	uint8_t    *rec = reinterpret_cast<uint8_t *>(aligned.data());

	memcpy(rec, data, size);
	if (!ValidateRecord(rec, size).ok() || rec[0] != kRecBatch)
		return 0;
	BatchHeader hdr;
	uint8_t    *validity[kMaxColumns];
	uint8_t    *values[kMaxColumns];

	memcpy(&hdr, rec, sizeof(hdr));
	BatchColumns(rec, validity, values);
	for (uint16_t c = 0; c < hdr.ncols; c++)
		if (hdr.nrows > 0)
		{
			volatile uint8_t a = validity[c][(hdr.nrows - 1) / 8];
			volatile uint8_t b = values[c][(size_t) hdr.nrows * ColumnWidth(static_cast<ColumnType>(hdr.types[c])) - 1];

			(void) a;
			(void) b;
		}
	return 0;
}
