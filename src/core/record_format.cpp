/*-------------------------------------------------------------------------
 *
 * record_format.cpp
 *	  Sizes, layout and validation of ring/WAL records (core zone).
 *
 * See record_format.h for the byte layout.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"

#include <cstring>

#include "ztsdb/core/crc.h"

namespace ztsdb::core {

static_assert(sizeof(BatchHeader) % 8 == 0, "batch header keeps columns aligned");
static_assert(sizeof(WalRecordHeader) == 16, "WAL record header is 16 bytes");

size_t
BatchRowBytes(const ChunkLayout &layout) noexcept
{
	size_t		n = 0;

	for (uint16_t c = 0; c < layout.ncols; c++)
		n += ColumnWidth(layout.types[c]) + 1;
	return n;
}

size_t
BatchBytes(const ChunkLayout &layout, uint32_t nrows) noexcept
{
	size_t		n = sizeof(BatchHeader);

	for (uint16_t c = 0; c < layout.ncols; c++)
		n += BatchColumnBytes(layout.types[c], nrows);
	return n;
}

void
BatchColumns(const uint8_t *record, uint8_t **validity, uint8_t **values) noexcept
{
	BatchHeader hdr;
	size_t		off = sizeof(BatchHeader);

	memcpy(&hdr, record, sizeof(hdr));
	for (uint16_t c = 0; c < hdr.ncols; c++)
	{
		ColumnType	t = static_cast<ColumnType>(hdr.types[c]);

		validity[c] = const_cast<uint8_t *>(record) + off;
		off += Align8(BitmapBytes(hdr.nrows));
		values[c] = const_cast<uint8_t *>(record) + off;
		off += Align8(ColumnWidth(t) * hdr.nrows);
	}
}

static Status
ValidateBatch(const uint8_t *payload, size_t len)
{
	BatchHeader hdr;
	ChunkLayout layout;

	if (len < sizeof(BatchHeader))
		return Status::Corrupt("batch record shorter than its header");
	memcpy(&hdr, payload, sizeof(hdr));
	if (hdr.ncols == 0 || hdr.ncols > kMaxColumns)
		return Status::Corrupt("batch record has an invalid column count");
	for (uint16_t c = 0; c < hdr.ncols; c++)
		if (!ColumnTypeValid(hdr.types[c]))
			return Status::Corrupt("batch record has an invalid column type");
	if (hdr.time_col < 0 || hdr.time_col >= hdr.ncols ||
		(hdr.types[hdr.time_col] != static_cast<uint8_t>(ColumnType::kTimestamp) &&
		 hdr.types[hdr.time_col] != static_cast<uint8_t>(ColumnType::kTimestampNoTz)))
		return Status::Corrupt("batch record has an invalid time column");
	if (hdr.series_col < -1 || hdr.series_col >= hdr.ncols)
		return Status::Corrupt("batch record has an invalid series column");
	if ((hdr.flags & ~(kBatchCommits | kCommitDurable | kCommitSelf)) != 0 ||
		((hdr.flags & (kCommitDurable | kCommitSelf)) != 0 && (hdr.flags & kBatchCommits) == 0))
		return Status::Corrupt("batch record has unknown flags");
	if (hdr.nrows > (1u << 24))
		return Status::Corrupt("batch record has too many rows");
	layout.ncols = hdr.ncols;
	for (uint16_t c = 0; c < hdr.ncols; c++)
		layout.types[c] = static_cast<ColumnType>(hdr.types[c]);
	if (BatchBytes(layout, hdr.nrows) != len)
		return Status::Corrupt("batch record length does not match its rows");
	return Status::Ok();
}

Status
ValidateRecord(const uint8_t *payload, size_t len) noexcept
{
	if (len < 1)
		return Status::Corrupt("empty record");
	switch (payload[0])
	{
		case kRecBatch:
			return ValidateBatch(payload, len);
		case kRecCommit:
			if (len != sizeof(CommitRecord))
				return Status::Corrupt("commit record has the wrong length");
			return (payload[1] & ~(kCommitDurable | kCommitSelf)) == 0 ? Status::Ok()
				: Status::Corrupt("commit record has unknown flags");
		case kRecAbort:
			if (len != sizeof(CommitRecord))
				return Status::Corrupt("abort record has the wrong length");
			return payload[1] == 0 ? Status::Ok()
				: Status::Corrupt("abort record has unknown flags");
		case kRecStamped:
			if (len != sizeof(CommitRecord))
				return Status::Corrupt("stamp record has the wrong length");
			return (payload[1] & ~kStampUnmarked) == 0 ? Status::Ok()
				: Status::Corrupt("stamp record has unknown flags");
		case kRecDropIfCommitted:
		case kRecDropIfAborted:
		case kRecTruncate:
			return len == sizeof(TableRecord) ? Status::Ok()
				: Status::Corrupt("table record has the wrong length");
		case kRecRequest:
			return len == sizeof(RequestRecord) ? Status::Ok()
				: Status::Corrupt("request record has the wrong length");
		case kRecRunStart:
			return len == sizeof(RunStartRecord) ? Status::Ok()
				: Status::Corrupt("run start record has the wrong length");
		case kRecFileImage:
			{
				FileImageRecord rec;

				if (len < sizeof(rec))
					return Status::Corrupt("file image record shorter than its header");
				memcpy(&rec, payload, sizeof(rec));
				if (rec.file_len != len - sizeof(rec) ||
					(rec.tier != kTierWarm && rec.tier != kTierCold))
					return Status::Corrupt("file image record has the wrong length or tier");
				return Status::Ok();
			}
	}
	return Status::Corrupt("unknown record type");
}

uint32_t
WalRecordCrc(const WalRecordHeader &header, const uint8_t *payload, size_t payload_len) noexcept
{
	/*
	 * One contiguous CRC over header-with-zero-crc and payload would need a
	 * copy; CRC32C of the concatenation is not the XOR of parts, so hash a
	 * 16-byte prefix buffer followed by the payload's CRC instead.
	 */
	uint8_t		buf[sizeof(WalRecordHeader) + sizeof(uint32_t)];
	WalRecordHeader h = header;
	uint32_t	body = Crc32c(payload, payload_len);

	h.crc = 0;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &body, sizeof(body));
	return Crc32c(buf, sizeof(buf));
}

} // namespace ztsdb::core
