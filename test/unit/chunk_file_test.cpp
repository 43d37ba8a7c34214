/*
 * chunk_file_test.cpp
 *	  Warm and cold chunk files and manifests: round trips, and every
 *	  corruption or truncation detected (or harmless), never a crash.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/codec.h"

using namespace ztsdb::core;

namespace {

struct Table
{
	ChunkLayout layout{};
	uint32_t	nrows = 0;
	std::vector<std::vector<uint8_t>> values;
	std::vector<std::vector<uint8_t>> validity;
	std::vector<ColumnInput> inputs;
};

/* ts, series (int4), value (float8), flag (bool), count (int8); sorted by series, ts */
Table
MakeTable(uint32_t nrows, uint32_t nseries, bool nulls, std::mt19937_64 &rng)
{
	Table		t;

	t.layout.ncols = 5;
	t.layout.time_col = 0;
	t.layout.series_col = 1;
	t.layout.types[0] = ColumnType::kTimestamp;
	t.layout.types[1] = ColumnType::kInt4;
	t.layout.types[2] = ColumnType::kFloat8;
	t.layout.types[3] = ColumnType::kBool;
	t.layout.types[4] = ColumnType::kInt8;
	t.nrows = nrows;
	t.values.resize(5);
	t.validity.resize(5);
	for (int c = 0; c < 5; c++)
	{
		t.values[c].resize(nrows * ColumnWidth(t.layout.types[c]) + 8);
		t.validity[c].assign((nrows + 7) / 8 + 1, 0xff);
	}
	for (uint32_t i = 0; i < nrows; i++)
	{
		int32_t		s = static_cast<int32_t>(i * nseries / (nrows ? nrows : 1));
		int64_t		ts = 757382400000000LL + (int64_t) (i % (nrows / nseries + 1)) * 10000000LL;
		double		v = static_cast<double>(rng() % 10000) / 100.0;
		uint8_t		b = rng() & 1;
		int64_t		cnt = static_cast<int64_t>(rng());

		memcpy(&t.values[0][i * 8], &ts, 8);
		memcpy(&t.values[1][i * 4], &s, 4);
		memcpy(&t.values[2][i * 8], &v, 8);
		t.values[3][i] = b;
		memcpy(&t.values[4][i * 8], &cnt, 8);
		if (nulls && rng() % 5 == 0)
			t.validity[2][i >> 3] &= static_cast<uint8_t>(~(1 << (i & 7)));
	}
	for (int c = 0; c < 5; c++)
		t.inputs.push_back({t.values[c].data(), (nulls && c == 2) ? t.validity[c].data() : nullptr});
	return t;
}

std::vector<uint8_t>
Encode(const Table &t, uint8_t tier, const std::vector<BatchEntry> &batches)
{
	ChunkMeta	meta{};

	meta.chunk_id = 42;
	meta.nrows = t.nrows;
	meta.flags = batches.empty() ? kChunkSorted : 0;
	meta.tier = tier;
	meta.min_ts = 0;
	meta.max_ts = 1;
	std::vector<uint8_t> out(MaxChunkFileSize(t.layout, t.nrows, batches.size()));
	size_t		len = 0;
	Status		st = EncodeChunkFile(t.layout, meta, t.inputs.data(), batches.data(),
									 batches.size(), out.data(), out.size(), &len);

	if (st.code == StatusCode::kNoSpace)
	{
		out.resize(len);
		st = EncodeChunkFile(t.layout, meta, t.inputs.data(), batches.data(), batches.size(),
							 out.data(), out.size(), &len);
	}
	EXPECT_TRUE(st.ok()) << st.message;
	out.resize(len);
	return out;
}

/* ReadAll checks every value of the file against t; returns false on any read failure. */
bool
ReadAll(const std::vector<uint8_t> &file, const Table *t)
{
	ChunkReader r;

	if (!OpenChunkFile(file.data(), file.size(), &r).ok())
		return false;
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
			size_t		w = ColumnWidth(r.layout.types[c]);
			std::vector<uint8_t> vals(info.nrows * w + 8);
			std::vector<uint8_t> valid((info.nrows + 7) / 8 + 1);
			const uint8_t *vp;
			const uint8_t *bp;

			if (r.meta.tier == kTierWarm)
			{
				const void *v;
				const uint8_t *bits;

				if (!WarmColumn(r, c, &v, &bits).ok())
					return false;
				vp = static_cast<const uint8_t *>(v) + (size_t) info.row_start * w;
				bp = bits;
			}
			else
			{
				if (!DecodeColdColumn(r, b, c, vals.data(), valid.data()).ok())
					return false;
				vp = vals.data();
				bp = valid.data();
			}
			if (t == nullptr)
				continue;
			for (uint32_t i = 0; i < info.nrows; i++)
			{
				uint32_t	row = info.row_start + i;
				uint32_t	bit = r.meta.tier == kTierWarm ? row : i;
				bool		valid_out = bp == nullptr || ((bp[bit >> 3] >> (bit & 7)) & 1);
				bool		valid_in = t->inputs[c].validity == nullptr ||
					((t->inputs[c].validity[row >> 3] >> (row & 7)) & 1);

				EXPECT_EQ(valid_in, valid_out);
				if (valid_in && memcmp(vp + (size_t) i * w, &t->values[c][row * w], w) != 0)
					return false;
			}
		}
	}
	return true;
}

} // namespace

TEST(ChunkFile, WarmAndColdRoundTrip)
{
	std::mt19937_64 rng(3);

	for (uint32_t n : {0u, 1u, 7u, 1000u, 5000u})
		for (bool nulls : {false, true})
			for (uint8_t tier : {uint8_t(kTierWarm), uint8_t(kTierCold)})
			{
				Table		t = MakeTable(n, 4, nulls, rng);
				auto		file = Encode(t, tier, {});
				ChunkReader r;

				ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
				EXPECT_EQ(r.meta.nrows, n);
				EXPECT_EQ(r.meta.chunk_id, 42u);
				EXPECT_TRUE(ReadAll(file, &t)) << "n=" << n << " tier=" << int(tier);
				if (tier == kTierCold && n == 5000)
				{
					EXPECT_GE(r.nblocks, 4u) << "a block per series run";
					for (uint32_t b = 0; b < r.nblocks; b++)
					{
						BlockInfo	info;

						GetBlockInfo(r, b, &info);
						EXPECT_EQ(info.min_series, info.max_series);
						EXPECT_LE(info.nrows, kColdBlockRows);
					}
				}
			}
}

TEST(ChunkFile, UnsortedKeepsBatchTable)
{
	std::mt19937_64 rng(5);
	Table		t = MakeTable(100, 2, true, rng);
	std::vector<BatchEntry> batches = {{0, 700, 0, 1}, {40, 701, 3, 2}, {90, 702, 0, 2}};
	auto		file = Encode(t, kTierWarm, batches);
	ChunkReader r;

	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	ASSERT_EQ(r.nbatches, 3u);
	for (uint32_t b = 0; b < 3; b++)
	{
		BatchEntry	e;

		GetBatch(r, b, &e);
		EXPECT_EQ(e.row_start, batches[b].row_start);
		EXPECT_EQ(e.xid, batches[b].xid);
		EXPECT_EQ(e.cid, batches[b].cid);
		EXPECT_EQ(e.reserved, batches[b].reserved) << "the writer generation survives";
	}
	EXPECT_TRUE(ReadAll(file, &t));
}

TEST(ChunkFile, EveryCorruptionIsDetected)
{
	std::mt19937_64 rng(9);

	for (uint8_t tier : {uint8_t(kTierWarm), uint8_t(kTierCold)})
	{
		Table		t = MakeTable(300, 3, true, rng);
		auto		file = Encode(t, tier, {});

		for (size_t i = 0; i < file.size(); i++)
		{
			auto		bad = file;

			bad[i] ^= static_cast<uint8_t>(1 + rng() % 255);
			/* a flipped byte is caught, or lands in padding and changes nothing */
			if (ReadAll(bad, nullptr))
			{
				EXPECT_TRUE(ReadAll(bad, &t)) << "undetected corruption at byte " << i;
			}
		}
		for (size_t cut = 0; cut < file.size(); cut += 1 + cut / 16)
		{
			std::vector<uint8_t> bad(file.begin(), file.begin() + cut);

			EXPECT_FALSE(ReadAll(bad, nullptr)) << "truncated at " << cut;
		}
	}
}

TEST(Manifest, RoundTripAndCorruption)
{
	ManifestHeader h{};
	std::vector<ManifestChunk> chunks(3);
	std::vector<ManifestWindow> windows(2);

	h.layout.ncols = 2;
	h.layout.time_col = 0;
	h.layout.series_col = 1;
	h.layout.types[0] = ColumnType::kTimestamp;
	h.layout.types[1] = ColumnType::kInt8;
	h.next_chunk_id = 99;
	h.nchunks = 3;
	h.nwindows = 2;
	for (int i = 0; i < 3; i++)
	{
		chunks[i].meta.chunk_id = 10 + i;
		chunks[i].meta.min_ts = -i;
		chunks[i].meta.max_ts = i * 1000;
		chunks[i].meta.nrows = 5 * i;
		chunks[i].meta.flags = kChunkSorted;
		chunks[i].meta.tier = i == 2 ? kTierCold : kTierWarm;
		chunks[i].file_bytes = 1000 + i;
		chunks[i].raw_bytes = 2000 + i;
	}
	windows[0] = {86400000000LL, 4096, 7, 0};
	windows[1] = {-86400000000LL, 8192, 0, 0};
	std::vector<uint8_t> buf(MaxManifestSize(3, 2));
	size_t		len;

	ASSERT_TRUE(EncodeManifest(h, chunks.data(), windows.data(), buf.data(), buf.size(), &len).ok());
	buf.resize(len);

	ManifestHeader out{};
	const uint8_t *c;
	const uint8_t *w;

	ASSERT_TRUE(DecodeManifest(buf.data(), buf.size(), &out, &c, &w).ok());
	EXPECT_EQ(out.next_chunk_id, 99u);
	ASSERT_EQ(out.nchunks, 3u);
	for (uint32_t i = 0; i < 3; i++)
	{
		ManifestChunk mc;

		GetManifestChunk(c, i, &mc);
		EXPECT_EQ(mc.meta.chunk_id, chunks[i].meta.chunk_id);
		EXPECT_EQ(mc.meta.max_ts, chunks[i].meta.max_ts);
		EXPECT_EQ(mc.meta.tier, chunks[i].meta.tier);
		EXPECT_EQ(mc.file_bytes, chunks[i].file_bytes);
	}
	ManifestWindow mw;

	GetManifestWindow(w, 1, &mw);
	EXPECT_EQ(mw.window_start, -86400000000LL);
	EXPECT_EQ(mw.cover_lsn, 8192u);
	for (size_t i = 0; i < buf.size(); i++)
	{
		auto		bad = buf;

		bad[i] ^= 0x10;
		EXPECT_FALSE(DecodeManifest(bad.data(), bad.size(), &out, &c, &w).ok()) << i;
	}
	EXPECT_FALSE(DecodeManifest(buf.data(), buf.size() - 1, &out, &c, &w).ok());
}
