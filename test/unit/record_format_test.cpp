/*
 * record_format_test.cpp
 *	  Ring/WAL records: sizes, column layout, validation of bad records.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "ztsdb/core/record_format.h"

using namespace ztsdb::core;

namespace {

std::vector<uint8_t>
MakeBatch(uint32_t nrows)
{
	ChunkLayout layout{};
	BatchHeader hdr{};

	layout.ncols = 3;
	layout.types[0] = ColumnType::kTimestamp;
	layout.types[1] = ColumnType::kInt4;
	layout.types[2] = ColumnType::kBool;
	std::vector<uint8_t> rec(BatchBytes(layout, nrows));
	hdr.type = kRecBatch;
	hdr.ncols = 3;
	hdr.time_col = 0;
	hdr.series_col = 1;
	hdr.nrows = nrows;
	for (int c = 0; c < 3; c++)
		hdr.types[c] = static_cast<uint8_t>(layout.types[c]);
	memcpy(rec.data(), &hdr, sizeof(hdr));
	return rec;
}

} // namespace

TEST(RecordFormat, BatchLayoutIsAligned)
{
	for (uint32_t n : {0u, 1u, 7u, 8u, 9u, 1000u})
	{
		auto		rec = MakeBatch(n);
		uint8_t    *validity[kMaxColumns];
		uint8_t    *values[kMaxColumns];

		ASSERT_TRUE(ValidateRecord(rec.data(), rec.size()).ok()) << n;
		BatchColumns(rec.data(), validity, values);
		for (int c = 0; c < 3; c++)
		{
			EXPECT_EQ(reinterpret_cast<uintptr_t>(values[c]) % 8,
					  reinterpret_cast<uintptr_t>(rec.data()) % 8);
			EXPECT_LE(values[c] + n * 8 / (c == 0 ? 1 : c == 1 ? 2 : 8), rec.data() + rec.size());
		}
	}
}

TEST(RecordFormat, RejectsMalformedRecords)
{
	auto		rec = MakeBatch(10);

	EXPECT_FALSE(ValidateRecord(rec.data(), rec.size() - 1).ok());
	EXPECT_FALSE(ValidateRecord(rec.data(), 3).ok());
	EXPECT_FALSE(ValidateRecord(rec.data(), 0).ok());
	{
		auto		bad = rec;
		BatchHeader hdr;

		memcpy(&hdr, bad.data(), sizeof(hdr));
		hdr.time_col = 1;		/* an int column cannot be the time column */
		memcpy(bad.data(), &hdr, sizeof(hdr));
		EXPECT_FALSE(ValidateRecord(bad.data(), bad.size()).ok());
	}
	{
		auto		bad = rec;

		bad[0] = 99;
		EXPECT_FALSE(ValidateRecord(bad.data(), bad.size()).ok());
	}
	/* random bytes never crash the validator */
	std::mt19937 rng(42);
	for (int i = 0; i < 10000; i++)
	{
		std::vector<uint8_t> junk(rng() % 600);

		for (auto &b : junk)
			b = static_cast<uint8_t>(rng());
		if (!junk.empty())
			junk[0] = static_cast<uint8_t>(1 + rng() % 9);
		(void) ValidateRecord(junk.data(), junk.size());
	}
}

TEST(RecordFormat, WalCrcCoversHeaderAndPayload)
{
	auto		rec = MakeBatch(4);
	WalRecordHeader hdr{static_cast<uint32_t>(sizeof(WalRecordHeader) + rec.size()), 0, 4096};
	uint32_t	crc = WalRecordCrc(hdr, rec.data(), rec.size());

	hdr.lsn = 4104;
	EXPECT_NE(WalRecordCrc(hdr, rec.data(), rec.size()), crc);
	hdr.lsn = 4096;
	rec[sizeof(BatchHeader)] ^= 1;
	EXPECT_NE(WalRecordCrc(hdr, rec.data(), rec.size()), crc);
}

TEST(RecordFormat, CommitFlagsAndTransactionRecords)
{
	auto		rec = MakeBatch(4);
	auto		set_flags = [&](uint8_t flags) {
		auto		b = rec;

		b[1] = flags;
		return ValidateRecord(b.data(), b.size()).ok();
	};

	EXPECT_TRUE(set_flags(kBatchCommits));
	EXPECT_TRUE(set_flags(kBatchCommits | kCommitDurable | kCommitSelf));
	EXPECT_FALSE(set_flags(kCommitSelf));		/* only a commit marker decides */
	EXPECT_FALSE(set_flags(kCommitDurable));
	EXPECT_FALSE(set_flags(0x8));

	for (uint8_t type : {kRecCommit, kRecAbort, kRecStamped})
	{
		CommitRecord c{};
		uint8_t		buf[sizeof(CommitRecord) + 8] = {};

		c.type = type;
		c.top_xid = 1234;
		memcpy(buf, &c, sizeof(c));
		EXPECT_TRUE(ValidateRecord(buf, sizeof(c)).ok()) << int(type);
		EXPECT_FALSE(ValidateRecord(buf, sizeof(c) + 8).ok()) << int(type);
		buf[1] = kCommitSelf;
		EXPECT_EQ(ValidateRecord(buf, sizeof(c)).ok(), type == kRecCommit) << int(type);
		buf[1] = kStampUnmarked;	/* a stamp written before its marker was drained */
		EXPECT_EQ(ValidateRecord(buf, sizeof(c)).ok(), type == kRecStamped) << int(type);
		buf[1] = 0x80;
		EXPECT_FALSE(ValidateRecord(buf, sizeof(c)).ok()) << int(type);
	}
}
