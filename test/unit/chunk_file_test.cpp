/*
 * chunk_file_test.cpp
 *	  Warm and cold chunk files and manifests: round trips, and every
 *	  corruption or truncation detected (or harmless), never a crash.
 */
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/byte_io.h"
#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_numeric.h"
#include "ztsdb/core/crc.h"

#include "../support/chunk_test_support.h"

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
		if (i > 0)
		{
			SeriesFilterInit(&chunks[i].filter);	/* chunk 1: empty set */
			if (i == 2)
				for (int64_t s : {INT64_MIN, int64_t{-7}, int64_t{42}, INT64_MAX})
					SeriesFilterAdd(&chunks[i].filter, s);
		}
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

		GetManifestChunk(out, c, i, &mc);
		EXPECT_EQ(mc.meta.chunk_id, chunks[i].meta.chunk_id);
		EXPECT_EQ(mc.meta.max_ts, chunks[i].meta.max_ts);
		EXPECT_EQ(mc.meta.tier, chunks[i].meta.tier);
		EXPECT_EQ(mc.file_bytes, chunks[i].file_bytes);
		EXPECT_EQ(mc.filter.valid, chunks[i].filter.valid);
		EXPECT_EQ(memcmp(&mc.filter, &chunks[i].filter, sizeof(mc.filter)), 0) << "filter " << i;
	}
	{
		ManifestChunk mc;

		GetManifestChunk(out, c, 0, &mc);
		EXPECT_TRUE(SeriesFilterMayContain(mc.filter, 5)) << "no filter: may contain anything";
		GetManifestChunk(out, c, 1, &mc);
		EXPECT_FALSE(SeriesFilterMayContain(mc.filter, 5)) << "empty set";
		GetManifestChunk(out, c, 2, &mc);
		for (int64_t s : {INT64_MIN, int64_t{-7}, int64_t{42}, INT64_MAX})
			EXPECT_TRUE(SeriesFilterMayContain(mc.filter, s)) << s;
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

/* A manifest of version 1 (before series filters) still reads: no filters. */
TEST(Manifest, ReadsVersion1)
{
	std::vector<uint8_t> buf(4096);
	ByteWriter	bw(buf.data(), buf.size());

	bw.Put<uint32_t>(0x4D53545A);
	bw.Put<uint16_t>(1);
	bw.Put<uint16_t>(0);
	bw.Put<uint16_t>(2);		/* ncols */
	bw.Put<int16_t>(0);			/* time_col */
	bw.Put<int16_t>(1);			/* series_col */
	bw.Put<uint16_t>(0);
	for (uint16_t col = 0; col < kMaxColumns; col++)
		bw.Put<uint8_t>(col == 0 ? static_cast<uint8_t>(ColumnType::kTimestamp)
						: col == 1 ? static_cast<uint8_t>(ColumnType::kInt4) : 0);
	bw.Put<uint64_t>(8);		/* next_chunk_id */
	bw.Put<uint32_t>(1);		/* nchunks */
	bw.Put<uint32_t>(0);		/* nwindows */
	bw.Put<uint64_t>(7);
	bw.Put<int64_t>(100);
	bw.Put<int64_t>(200);
	bw.Put<uint32_t>(3);
	bw.Put<uint32_t>(kChunkSorted);
	bw.Put<uint8_t>(kTierCold);
	bw.Zeros(7);
	bw.Put<uint64_t>(555);
	bw.Put<uint64_t>(60);
	bw.Put<uint32_t>(Crc32c(buf.data(), bw.len()));
	ASSERT_FALSE(bw.overflow());
	buf.resize(bw.len());

	ManifestHeader out{};
	const uint8_t *c;
	const uint8_t *w;
	ManifestChunk mc;

	ASSERT_TRUE(DecodeManifest(buf.data(), buf.size(), &out, &c, &w).ok());
	EXPECT_EQ(out.version, 1);
	ASSERT_EQ(out.nchunks, 1u);
	GetManifestChunk(out, c, 0, &mc);
	EXPECT_EQ(mc.meta.chunk_id, 7u);
	EXPECT_EQ(mc.meta.max_ts, 200);
	EXPECT_EQ(mc.file_bytes, 555u);
	EXPECT_EQ(mc.filter.valid, 0u);
	EXPECT_TRUE(SeriesFilterMayContain(mc.filter, 12345));
}

/* The filter has no false negatives and few false positives at 500 series. */
TEST(SeriesFilter, NoFalseNegatives)
{
	std::mt19937_64 rng(3);
	SeriesFilter f;
	std::vector<int64_t> in;
	int			fp = 0;

	SeriesFilterInit(&f);
	EXPECT_FALSE(SeriesFilterMayContain(f, 0));
	for (int i = 0; i < 500; i++)
	{
		int64_t		s = static_cast<int64_t>(rng() % 1000000);

		in.push_back(s);
		SeriesFilterAdd(&f, s);
	}
	for (int64_t s : in)
		EXPECT_TRUE(SeriesFilterMayContain(f, s)) << s;
	EXPECT_FALSE(SeriesFilterMayContain(f, -1)) << "below min_series";
	EXPECT_FALSE(SeriesFilterMayContain(f, 2000000)) << "above max_series";
	for (int i = 0; i < 10000; i++)
	{
		int64_t		s = 1000000 + static_cast<int64_t>(rng() % 1000000);
		int64_t		probe = s % 1000000;	/* inside [min, max] mostly */

		if (std::find(in.begin(), in.end(), probe) == in.end() && SeriesFilterMayContain(f, probe))
			fp++;
	}
	EXPECT_LT(fp, 500) << "false positives out of 10000 (about 3% expected)";
	f.valid = 0;
	EXPECT_TRUE(SeriesFilterMayContain(f, -1)) << "an invalid filter says maybe";
}

/*
 * The tests below build tables of any layout: every column type, the time
 * column anywhere, a series column of each integer type or none, NULLs in
 * every column but the time column.
 */
namespace {

const ColumnType kAllTypes[] = {ColumnType::kBool, ColumnType::kInt2, ColumnType::kInt4,
								ColumnType::kInt8, ColumnType::kFloat4, ColumnType::kFloat8,
								ColumnType::kTimestamp, ColumnType::kTimestampNoTz,
								ColumnType::kNumeric};

struct Spec
{
	ColumnType	time_type = ColumnType::kTimestamp;
	int			series = 4;		/* ColumnType of the series column, 0 for none */
	uint32_t	nrows = 0;
	uint32_t	run = 100;		/* rows per series value */
	bool		nulls = false;	/* NULLs in every nullable column, series included */
};

/*
 * MakeAnyTable builds columns: every type in kAllTypes, then the time
 * column, then the series column; rows sorted by series (runs of spec.run
 * rows), NULL series first.
 */
Table
MakeAnyTable(const Spec &spec, std::mt19937_64 &rng)
{
	Table		t;
	uint16_t	ncols = 0;

	for (ColumnType ty : kAllTypes)
		t.layout.types[ncols++] = ty;
	t.layout.time_col = static_cast<int16_t>(ncols);
	t.layout.types[ncols++] = spec.time_type;
	t.layout.series_col = -1;
	if (spec.series != 0)
	{
		t.layout.series_col = static_cast<int16_t>(ncols);
		t.layout.types[ncols++] = static_cast<ColumnType>(spec.series);
	}
	t.layout.ncols = ncols;
	t.nrows = spec.nrows;
	t.values.resize(ncols);
	t.validity.resize(ncols);
	for (uint16_t c = 0; c < ncols; c++)
	{
		size_t		w = ColumnWidth(t.layout.types[c]);

		t.values[c].resize((size_t) spec.nrows * w + 8);
		t.validity[c].assign((spec.nrows + 7) / 8 + 1, 0xff);
		for (uint32_t i = 0; i < spec.nrows; i++)
		{
			uint64_t	v = rng();

			if (c == t.layout.time_col)
				v = 757382400000000ULL + (uint64_t) (i % spec.run) * 1000000 + rng() % 7;
			else if (c == t.layout.series_col)
				v = static_cast<uint64_t>(static_cast<int64_t>(i / spec.run) - 2);
			else if (t.layout.types[c] == ColumnType::kBool)
				v &= 1;
			if (t.layout.types[c] == ColumnType::kNumeric)
			{
				/* a valid slot: cold files check every scale */
				NumericSlot ns{};

				ns.scale = static_cast<int16_t>(v % 7 == 0 ? kNumericNaN : v % 5);
				ns.unscaled = ns.scale < 0 ? 0 : static_cast<int64_t>(v >> 8) - (1LL << 54);
				ns.unscaled_hi = ns.unscaled < 0 ? -1 : 0;
				memcpy(&t.values[c][(size_t) i * w], &ns, w);
			}
			else
				memcpy(&t.values[c][(size_t) i * w], &v, w);
			if (spec.nulls && c != t.layout.time_col &&
				(c == t.layout.series_col ? i < spec.run : rng() % 4 == 0))
				t.validity[c][i >> 3] &= static_cast<uint8_t>(~(1 << (i & 7)));
		}
	}
	for (uint16_t c = 0; c < ncols; c++)
		t.inputs.push_back({t.values[c].data(),
							spec.nulls && c != t.layout.time_col ? t.validity[c].data() : nullptr});
	return t;
}

/* Batches returns a batch table: a run every 37 rows, then an empty one. */
std::vector<BatchEntry>
Batches(uint32_t nrows)
{
	std::vector<BatchEntry> b;

	for (uint32_t r = 0; r < nrows || r == 0; r += 37)
		b.push_back({r, 1000 + r, r % 3, 7});
	if (nrows > 0)
		b.push_back({nrows, 99, 0, 7});
	return b;
}

bool
ValidAt(const uint8_t *bits, uint32_t i)
{
	return bits == nullptr || ((bits[i >> 3] >> (i & 7)) & 1);
}

int64_t
SeriesAt(const Table &t, uint32_t row)
{
	return IntegerAt(t.layout.types[t.layout.series_col], t.values[t.layout.series_col].data(),
					 row);
}

/*
 * ExpectedColdEnds says, the slow and plain way, where the cold blocks of t
 * end: at every change of series (NULL counting as one more series) and
 * after kColdBlockRows rows of one series; except that consecutive runs of
 * non-NULL series shorter than kColdPackedRun share a block while the whole
 * runs fit in kColdPackedBlockRows.  Without a series column: every
 * kColdBlockRows rows.
 */
std::vector<uint32_t>
ExpectedColdEnds(const Table &t)
{
	std::vector<uint32_t> runs;	/* run ends */
	std::vector<uint32_t> ends;
	const uint8_t *sv = t.layout.series_col >= 0 ? t.inputs[t.layout.series_col].validity : nullptr;
	auto		same = [&](uint32_t a, uint32_t b) {
		if (ValidAt(sv, a) != ValidAt(sv, b))
			return false;
		return !ValidAt(sv, a) || SeriesAt(t, a) == SeriesAt(t, b);
	};

	for (uint32_t i = 1; i <= t.nrows; i++)
	{
		uint32_t	run_start = runs.empty() ? 0 : runs.back();

		if (i == t.nrows || i - run_start == kColdBlockRows ||
			(t.layout.series_col >= 0 && !same(i - 1, i)))
			runs.push_back(i);
	}
	if (t.layout.series_col < 0)
		return runs;
	uint32_t	start = 0;

	for (size_t k = 0; k < runs.size(); k++)
	{
		uint32_t	a = k == 0 ? 0 : runs[k - 1];
		bool		is_short = runs[k] - a < kColdPackedRun && ValidAt(sv, a);
		bool		next_short = k + 1 < runs.size() && runs[k + 1] - runs[k] < kColdPackedRun &&
			ValidAt(sv, runs[k]);

		/* end a block unless this run and the next are short and the next fits */
		if (!(is_short && next_short && runs[k + 1] - start <= kColdPackedBlockRows))
		{
			ends.push_back(runs[k]);
			start = runs[k];
		}
	}
	return ends;
}

/*
 * CheckBlocks verifies the block index of an opened file against t: blocks
 * cover the rows in order, stats match the rows, and cold blocks end
 * exactly where ExpectedColdEnds says.
 */
void
CheckBlocks(const ChunkReader &r, const Table &t)
{
	uint32_t	next = 0;
	std::vector<uint32_t> cold_ends;

	if (r.meta.tier == kTierWarm)
	{
		ASSERT_EQ(r.nblocks, t.nrows > 0 ? 1u : 0u);
	}
	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		BlockInfo	info;
		int64_t		min_ts = INT64_MAX;
		int64_t		max_ts = INT64_MIN;
		int64_t		min_s = INT64_MAX;
		int64_t		max_s = INT64_MIN;

		GetBlockInfo(r, b, &info);
		ASSERT_EQ(info.row_start, next);
		ASSERT_GT(info.nrows, 0u);
		for (uint32_t i = info.row_start; i < info.row_start + info.nrows; i++)
		{
			int64_t		ts = IntegerAt(ColumnType::kInt8, t.values[t.layout.time_col].data(), i);

			min_ts = std::min(min_ts, ts);
			max_ts = std::max(max_ts, ts);
			if (t.layout.series_col >= 0 &&
				ValidAt(t.inputs[t.layout.series_col].validity, i))
			{
				min_s = std::min(min_s, SeriesAt(t, i));
				max_s = std::max(max_s, SeriesAt(t, i));
			}
		}
		if (min_s > max_s)
			min_s = max_s = 0;
		EXPECT_EQ(info.min_ts, min_ts);
		EXPECT_EQ(info.max_ts, max_ts);
		EXPECT_EQ(info.min_series, min_s);
		EXPECT_EQ(info.max_series, max_s);
		if (r.meta.tier == kTierCold)
		{
			uint32_t	end = info.row_start + info.nrows;

			EXPECT_LE(info.nrows, kColdBlockRows);
			if (b == 0)
				cold_ends = ExpectedColdEnds(t);
			ASSERT_LT(b, cold_ends.size());
			EXPECT_EQ(end, cold_ends[b]) << "block " << b << " cut elsewhere than expected";
		}
		next += info.nrows;
	}
	EXPECT_EQ(next, t.nrows);
	if (r.meta.tier == kTierCold && r.nblocks > 0)
	{
		EXPECT_EQ(r.nblocks, cold_ends.size());
	}
}

Table
TableFor(uint32_t nrows, std::mt19937_64 &rng)
{
	Spec		spec;

	spec.nrows = nrows;
	spec.run = 40;
	spec.nulls = true;
	return MakeAnyTable(spec, rng);
}

ChunkMeta
MetaFor(const Table &t, uint8_t tier, bool sorted)
{
	ChunkMeta	meta{};

	meta.chunk_id = 7;
	meta.nrows = t.nrows;
	meta.flags = sorted ? kChunkSorted : 0;
	meta.tier = tier;
	return meta;
}

/*
 * Opens tells whether OpenChunkFile accepts file; an accepted file is read
 * in full (with and without verify_data) and must keep every promise.
 */
bool
Opens(const std::vector<uint8_t> &file)
{
	/* exactly sized copy, so ASan sees any overread */
	std::vector<uint8_t> copy(file.begin(), file.end());
	bool		opened;
	bool		opened_unverified;

	EXPECT_STREQ(ztsdb::test::ExerciseChunkFile(copy.data(), copy.size(), false,
											 &opened_unverified), nullptr);
	EXPECT_STREQ(ztsdb::test::ExerciseChunkFile(copy.data(), copy.size(), true, &opened), nullptr);
	EXPECT_TRUE(!opened || opened_unverified);
	return opened;
}

} // namespace

TEST(ChunkFile, EveryTypeAndLayoutRoundTrips)
{
	std::mt19937_64 rng(11);

	for (ColumnType time_type : {ColumnType::kTimestamp, ColumnType::kTimestampNoTz})
		for (int series : {0, 2, 3, 4})
			for (uint32_t n : {0u, 1u, 2u, kColdBlockRows - 1, kColdBlockRows, kColdBlockRows + 1,
							   2 * kColdBlockRows + 452})
				for (bool nulls : {false, true})
					for (uint32_t run : {1u, 100u, kColdBlockRows, 3 * kColdBlockRows})
						for (bool sorted : {true, false})
							for (uint8_t tier : {uint8_t(kTierWarm), uint8_t(kTierCold)})
							{
								Spec		spec;

								spec.time_type = time_type;
								spec.series = series;
								spec.nrows = n;
								spec.nulls = nulls;
								spec.run = run;
								if ((n > kColdBlockRows + 1 && run == 1) || (n <= kColdBlockRows && run == 3 * kColdBlockRows))
									continue;	/* slow, or the same as another case */
								SCOPED_TRACE(testing::Message()
											 << "series type " << series << " n " << n
											 << " nulls " << nulls << " run " << run
											 << " sorted " << sorted << " tier " << int(tier));

								Table		t = MakeAnyTable(spec, rng);
								auto		batches = sorted ? std::vector<BatchEntry>{} : Batches(n);
								auto		file = Encode(t, tier, batches);
								ChunkReader r;

								ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
								EXPECT_EQ(r.meta.tier, tier);
								EXPECT_EQ(r.meta.nrows, n);
								EXPECT_EQ(r.meta.flags, sorted ? kChunkSorted : 0u);
								EXPECT_EQ(r.layout.ncols, t.layout.ncols);
								EXPECT_EQ(r.layout.time_col, t.layout.time_col);
								EXPECT_EQ(r.layout.series_col, t.layout.series_col);
								for (uint16_t c = 0; c < t.layout.ncols; c++)
									EXPECT_EQ(r.layout.types[c], t.layout.types[c]);
								ASSERT_EQ(r.nbatches, batches.size());
								for (uint32_t i = 0; i < r.nbatches; i++)
								{
									BatchEntry	e;

									GetBatch(r, i, &e);
									EXPECT_EQ(memcmp(&e, &batches[i], sizeof(e)), 0);
								}
								CheckBlocks(r, t);
								EXPECT_TRUE(ReadAll(file, &t));
								if (tier == kTierWarm)
								{
									for (uint16_t c = 0; c < t.layout.ncols; c++)
									{
										const void *v;
										const uint8_t *bits;

										ASSERT_TRUE(WarmColumn(r, c, &v, &bits).ok());
										EXPECT_EQ((static_cast<const uint8_t *>(v) - file.data()) % 8, 0)
											<< "warm values aligned to 8 within the file";
										EXPECT_EQ(bits == nullptr, t.inputs[c].validity == nullptr);
									}
									EXPECT_EQ(file.size() <= MaxChunkFileSize(t.layout, n, batches.size()), true);
								}
							}
}

TEST(ChunkFile, ColdBlocksFollowSeriesRuns)
{
	std::mt19937_64 rng(12);
	Spec		spec;

	/* one series of 2 * kColdBlockRows + 452 rows: three blocks */
	spec.nrows = 2 * kColdBlockRows + 452;
	spec.run = 3 * kColdBlockRows;
	Table		t = MakeAnyTable(spec, rng);
	auto		file = Encode(t, kTierCold, {});
	ChunkReader r;
	BlockInfo	info;

	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	ASSERT_EQ(r.nblocks, 3u);
	GetBlockInfo(r, 2, &info);
	EXPECT_EQ(info.row_start, 2 * kColdBlockRows);
	EXPECT_EQ(info.nrows, 452u);
	EXPECT_EQ(info.min_series, -2);

	/* runs of 10, NULL series first: the NULL run alone, the short runs share a block */
	spec.run = 10;
	spec.nrows = 95;
	spec.nulls = true;
	t = MakeAnyTable(spec, rng);
	file = Encode(t, kTierCold, {});
	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	ASSERT_EQ(r.nblocks, 2u);
	GetBlockInfo(r, 0, &info);
	EXPECT_EQ(info.nrows, 10u);
	EXPECT_EQ(info.min_series, 0) << "a block of NULL series reports 0";
	GetBlockInfo(r, 1, &info);
	EXPECT_EQ(info.nrows, 85u);
	EXPECT_EQ(info.min_series, -1);
	EXPECT_EQ(info.max_series, 7);
	CheckBlocks(r, t);
	EXPECT_TRUE(ReadAll(file, &t));
}

/*
 * Many series with few rows each (issue 14: 100,000 series in a chunk):
 * short runs share blocks, whole runs only, so the block directory stays
 * proportional to the rows, not to the series; a long run keeps blocks of
 * its own in the middle of short ones.
 */
TEST(ChunkFile, ColdBlocksPackShortRuns)
{
	std::mt19937_64 rng(13);
	Spec		spec;

	spec.nrows = 5 * kColdBlockRows;
	spec.run = 10;
	Table		t = MakeAnyTable(spec, rng);
	auto		file = Encode(t, kTierCold, {});
	ChunkReader r;

	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	/* 510 rows (51 runs of 10) per block: 21 blocks, not 1024 */
	static_assert(kColdPackedBlockRows == 512);
	EXPECT_EQ(r.nblocks, (spec.nrows + 509) / 510);
	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		BlockInfo	info;

		GetBlockInfo(r, b, &info);
		EXPECT_EQ(info.row_start % spec.run, 0u) << "a series run split between blocks";
		EXPECT_LT(info.min_series, info.max_series);
	}
	CheckBlocks(r, t);
	EXPECT_TRUE(ReadAll(file, &t));

	/* runs at the threshold are not packed */
	spec.run = kColdPackedRun;
	t = MakeAnyTable(spec, rng);
	file = Encode(t, kTierCold, {});
	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	EXPECT_EQ(r.nblocks, spec.nrows / kColdPackedRun);
	CheckBlocks(r, t);
}

TEST(ChunkFile, EncoderRefusesWhatReadersWouldReject)
{
	std::mt19937_64 rng(13);
	Table		t = TableFor(50, rng);
	std::vector<uint8_t> out(MaxChunkFileSize(t.layout, 50, 4));
	size_t		len = 0;
	ChunkMeta	meta = MetaFor(t, kTierWarm, false);
	auto		encode = [&](const ChunkLayout &l, const ChunkMeta &m,
							 std::vector<BatchEntry> b) {
		return EncodeChunkFile(l, m, t.inputs.data(), b.data(), b.size(), out.data(),
							   out.size(), &len).code;
	};
	const StatusCode bad = StatusCode::kInvalidArgument;

	EXPECT_EQ(encode(t.layout, meta, {{0, 1, 0, 0}, {20, 2, 0, 0}}), StatusCode::kOk);
	EXPECT_EQ(encode(t.layout, meta, {}), bad) << "unsorted without a batch table";
	EXPECT_EQ(encode(t.layout, meta, {{1, 1, 0, 0}}), bad) << "first run not at row 0";
	EXPECT_EQ(encode(t.layout, meta, {{0, 1, 0, 0}, {30, 1, 0, 0}, {20, 1, 0, 0}}), bad);
	EXPECT_EQ(encode(t.layout, meta, {{0, 1, 0, 0}, {51, 1, 0, 0}}), bad) << "run past the rows";
	meta.flags = kChunkSorted;
	EXPECT_EQ(encode(t.layout, meta, {{0, 1, 0, 0}}), bad) << "sorted with a batch table";
	meta.flags = kChunkSorted | 2;
	EXPECT_EQ(encode(t.layout, meta, {}), bad) << "unknown flag";
	meta = MetaFor(t, kTierHot, true);
	EXPECT_EQ(encode(t.layout, meta, {}), bad) << "hot tier";
	meta = MetaFor(t, kTierWarm, true);

	ChunkLayout l = t.layout;

	l.time_col = 0;				/* a bool */
	EXPECT_EQ(encode(l, meta, {}), bad);
	l = t.layout;
	l.series_col = 5;			/* a float8 */
	EXPECT_EQ(encode(l, meta, {}), bad);
	l = t.layout;
	l.ncols = 0;
	EXPECT_EQ(encode(l, meta, {}), bad);
	l.ncols = kMaxColumns + 1;
	EXPECT_EQ(encode(l, meta, {}), bad);
	l = t.layout;
	l.types[3] = static_cast<ColumnType>(10);
	EXPECT_EQ(encode(l, meta, {}), bad);

	/* too small a buffer: kNoSpace with the size needed, for warm and cold */
	for (uint8_t tier : {uint8_t(kTierWarm), uint8_t(kTierCold)})
	{
		std::vector<uint8_t> file = Encode(t, tier, {});

		meta = MetaFor(t, tier, true);
		EXPECT_EQ(EncodeChunkFile(t.layout, meta, t.inputs.data(), nullptr, 0, out.data(),
								  file.size() - 1, &len).code, StatusCode::kNoSpace);
		EXPECT_EQ(len, file.size());
	}
}

TEST(ChunkFile, ReportsWhatIsWrong)
{
	std::mt19937_64 rng(14);
	Table		t = TableFor(200, rng);
	auto		file = Encode(t, kTierCold, {});
	ChunkReader r;
	Status		st;

	st = OpenChunkFile(file.data(), 100, &r);
	EXPECT_EQ(st.code, StatusCode::kCorrupt);
	EXPECT_STREQ(st.message, "chunk file truncated");
	st = OpenChunkFile(file.data(), file.size() - 1, &r);
	EXPECT_STREQ(st.message, "chunk file length does not match its header");

	auto		bad = file;

	bad[0] ^= 1;
	st = OpenChunkFile(bad.data(), bad.size(), &r);
	EXPECT_STREQ(st.message, "not a ztsdb chunk file (bad magic)");
	bad = file;
	bad[80] ^= 1;				/* chunk_id */
	st = OpenChunkFile(bad.data(), bad.size(), &r);
	EXPECT_STREQ(st.message, "chunk file header checksum mismatch");
	bad = file;
	bad[ztsdb::test::kOffNcols] = 65;
	ztsdb::test::RepairChunkChecksums(bad.data(), bad.size());
	st = OpenChunkFile(bad.data(), bad.size(), &r);
	EXPECT_STREQ(st.message, "chunk file has an invalid column count");

	/* a damaged data byte: caught with verify_data, harmless without */
	bad = file;
	{
		/* the first byte of the last non-empty encoded column (padding between columns is not data) */
		uint64_t	dir_off = ztsdb::test::LoadAt<uint64_t>(bad.data(), ztsdb::test::kOffDirOff);
		uint32_t	nblocks = ztsdb::test::LoadAt<uint32_t>(bad.data(), ztsdb::test::kOffNblocks);
		uint16_t	ncols = ztsdb::test::LoadAt<uint16_t>(bad.data(), ztsdb::test::kOffNcols);
		uint64_t	target = 0;

		for (size_t i = 0; i < (size_t) nblocks * ncols; i++)
			if (ztsdb::test::LoadAt<uint64_t>(bad.data(), dir_off + i * 24 + 8) > 0)
				target = ztsdb::test::LoadAt<uint64_t>(bad.data(), dir_off + i * 24);
		ASSERT_GT(target, 0u);
		bad[target] ^= 0x55;
	}
	st = OpenChunkFile(bad.data(), bad.size(), &r);
	EXPECT_EQ(st.code, StatusCode::kCorrupt);
	EXPECT_STREQ(st.message, "chunk file block checksum mismatch");
	ASSERT_TRUE(OpenChunkFile(bad.data(), bad.size(), &r, false).ok());
	for (uint32_t b = 0; b < r.nblocks; b++)
		for (uint16_t c = 0; c < r.layout.ncols; c++)
		{
			BlockInfo	info;

			GetBlockInfo(r, b, &info);
			std::vector<uint8_t> vals((size_t) info.nrows * ColumnWidth(r.layout.types[c]));
			std::vector<uint8_t> valid((info.nrows + 7) / 8);

			(void) DecodeColdColumn(r, b, c, vals.data(), valid.data());
		}

	/* accessors refuse the wrong tier and out-of-range indexes */
	const void *v;
	const uint8_t *bits;
	std::vector<uint8_t> vals(8 * 2048);
	std::vector<uint8_t> valid(256);

	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	EXPECT_EQ(WarmColumn(r, 0, &v, &bits).code, StatusCode::kInvalidArgument);
	EXPECT_EQ(DecodeColdColumn(r, r.nblocks, 0, vals.data(), valid.data()).code,
			  StatusCode::kInvalidArgument);
	EXPECT_EQ(DecodeColdColumn(r, 0, r.layout.ncols, vals.data(), valid.data()).code,
			  StatusCode::kInvalidArgument);
	file = Encode(t, kTierWarm, {});
	ASSERT_TRUE(OpenChunkFile(file.data(), file.size(), &r).ok());
	EXPECT_EQ(WarmColumn(r, r.layout.ncols, &v, &bits).code, StatusCode::kInvalidArgument);
	EXPECT_EQ(DecodeColdColumn(r, 0, 0, vals.data(), valid.data()).code,
			  StatusCode::kInvalidArgument);
}

/*
 * Every byte of small files (warm and cold, sorted and unsorted, 0, 1 and
 * 70 rows) replaced by several values: caught, or the file still reads
 * back its own rows.  Then the same with every checksum recomputed after
 * the change, so only the structural checks stand between the damage and
 * the accessors: the file is refused, or every accessor stays in bounds
 * (ASan).  And every truncation and extension is refused.
 */
TEST(ChunkFile, EveryByteDamagedOrCut)
{
	std::mt19937_64 rng(15);

	for (uint32_t n : {0u, 1u, 70u})
		for (bool sorted : {true, false})
			for (uint8_t tier : {uint8_t(kTierWarm), uint8_t(kTierCold)})
			{
				SCOPED_TRACE(testing::Message() << "n " << n << " sorted " << sorted
											 << " tier " << int(tier));
				Table		t = TableFor(n, rng);
				auto		file = Encode(t, tier, sorted ? std::vector<BatchEntry>{} : Batches(n));

				ASSERT_TRUE(ReadAll(file, &t));
				for (size_t i = 0; i < file.size(); i++)
					for (uint8_t x : {0x01, 0x80, 0xff, 0x10, static_cast<int>(1 + rng() % 255)})
					{
						auto		bad = file;

						bad[i] ^= x;
						if (Opens(bad))
						{
							EXPECT_TRUE(ReadAll(bad, &t)) << "undetected damage at byte " << i;
						}
						ztsdb::test::RepairChunkChecksums(bad.data(), bad.size());
						(void) Opens(bad);
					}
				/* header fields set to extreme values, checksums repaired */
				for (size_t i = 0; i + 4 <= ztsdb::test::kOffHeaderCrc; i += 2)
					for (uint32_t v : {0u, 1u, 7u, 8u, 0xffffffffu, 0x80000000u,
									   static_cast<uint32_t>(file.size()),
									   static_cast<uint32_t>(file.size() - 8)})
					{
						auto		bad = file;

						memcpy(&bad[i], &v, 4);
						ztsdb::test::RepairChunkChecksums(bad.data(), bad.size());
						(void) Opens(bad);
					}
				for (size_t cut = 0; cut < file.size(); cut++)
				{
					std::vector<uint8_t> bad(file.begin(), file.begin() + cut);

					EXPECT_FALSE(Opens(bad)) << "truncated at " << cut;
					ztsdb::test::RepairChunkChecksums(bad.data(), bad.size());
					(void) Opens(bad);
				}
				auto		longer = file;

				longer.push_back(0);
				EXPECT_FALSE(Opens(longer));
			}
}

TEST(Manifest, EmptyAndLarge)
{
	for (uint32_t nchunks : {0u, 1u, 500u})
		for (uint32_t nwindows : {0u, 1u, 300u})
		{
			ManifestHeader h{};
			std::vector<ManifestChunk> chunks(nchunks);
			std::vector<ManifestWindow> windows(nwindows);

			h.layout.ncols = 3;
			h.layout.time_col = 2;
			h.layout.series_col = nchunks == 1 ? -1 : 0;
			h.layout.types[0] = ColumnType::kInt2;
			h.layout.types[1] = ColumnType::kFloat4;
			h.layout.types[2] = ColumnType::kTimestampNoTz;
			h.next_chunk_id = UINT64_MAX;
			h.nchunks = nchunks;
			h.nwindows = nwindows;
			for (uint32_t i = 0; i < nchunks; i++)
				chunks[i] = {{i * 3ull, INT64_MIN + i, INT64_MAX - i, i, i % 2 ? kChunkSorted : 0,
							  static_cast<uint8_t>(i % 2 ? kTierCold : kTierWarm)},
							 i * 100ull, i * 1000ull, SeriesFilter{}};
			for (uint32_t i = 0; i < nwindows; i++)
				windows[i] = {static_cast<int64_t>(i) * 3600000000LL, ~0ull - i, i, 0};

			std::vector<uint8_t> buf(MaxManifestSize(nchunks, nwindows));
			size_t		len = 0;

			ASSERT_TRUE(EncodeManifest(h, chunks.data(), windows.data(), buf.data(),
									   buf.size(), &len).ok());
			EXPECT_EQ(len, buf.size()) << "MaxManifestSize is exact";
			EXPECT_EQ(EncodeManifest(h, chunks.data(), windows.data(), buf.data(),
									 buf.size() - 1, &len).code, StatusCode::kNoSpace);

			ManifestHeader out;
			const uint8_t *c;
			const uint8_t *w;

			ASSERT_TRUE(DecodeManifest(buf.data(), buf.size(), &out, &c, &w).ok());
			EXPECT_EQ(out.next_chunk_id, UINT64_MAX);
			EXPECT_EQ(out.layout.ncols, 3);
			EXPECT_EQ(out.layout.time_col, 2);
			EXPECT_EQ(out.layout.series_col, h.layout.series_col);
			EXPECT_EQ(out.layout.types[1], ColumnType::kFloat4);
			ASSERT_EQ(out.nchunks, nchunks);
			ASSERT_EQ(out.nwindows, nwindows);
			for (uint32_t i = 0; i < nchunks; i++)
			{
				ManifestChunk mc;

				GetManifestChunk(out, c, i, &mc);
				EXPECT_EQ(mc.meta.chunk_id, chunks[i].meta.chunk_id);
				EXPECT_EQ(mc.meta.min_ts, chunks[i].meta.min_ts);
				EXPECT_EQ(mc.meta.max_ts, chunks[i].meta.max_ts);
				EXPECT_EQ(mc.meta.nrows, chunks[i].meta.nrows);
				EXPECT_EQ(mc.meta.flags, chunks[i].meta.flags);
				EXPECT_EQ(mc.meta.tier, chunks[i].meta.tier);
				EXPECT_EQ(mc.file_bytes, chunks[i].file_bytes);
				EXPECT_EQ(mc.raw_bytes, chunks[i].raw_bytes);
			}
			for (uint32_t i = 0; i < nwindows; i++)
			{
				ManifestWindow mw;

				GetManifestWindow(w, i, &mw);
				EXPECT_EQ(mw.window_start, windows[i].window_start);
				EXPECT_EQ(mw.cover_lsn, windows[i].cover_lsn);
				EXPECT_EQ(mw.cover_row, windows[i].cover_row);
			}
		}
}

TEST(Manifest, EveryByteDamagedOrCut)
{
	ManifestHeader h{};
	std::vector<ManifestChunk> chunks(2);
	std::vector<ManifestWindow> windows(1);

	h.layout.ncols = 2;
	h.layout.time_col = 0;
	h.layout.series_col = 1;
	h.layout.types[0] = ColumnType::kTimestamp;
	h.layout.types[1] = ColumnType::kInt8;
	h.next_chunk_id = 3;
	h.nchunks = 2;
	h.nwindows = 1;
	chunks[0].meta = {1, 0, 10, 5, kChunkSorted, kTierWarm};
	chunks[1].meta = {2, 11, 20, 6, 0, kTierCold};
	windows[0] = {0, 4096, 2, 0};

	std::vector<uint8_t> buf(MaxManifestSize(2, 1));
	size_t		len;
	ManifestHeader out;
	const uint8_t *c;
	const uint8_t *w;

	ASSERT_TRUE(EncodeManifest(h, chunks.data(), windows.data(), buf.data(), buf.size(), &len).ok());

	/* CRC32C catches every error within 32 bits: every byte, every value */
	for (size_t i = 0; i < buf.size(); i++)
		for (int x = 1; x < 256; x++)
		{
			auto		bad = buf;

			bad[i] ^= static_cast<uint8_t>(x);
			ASSERT_EQ(DecodeManifest(bad.data(), bad.size(), &out, &c, &w).code,
					  StatusCode::kCorrupt) << i;
			/* checksum repaired: refused, or entries within the bytes */
			ztsdb::test::RepairManifestChecksum(bad.data(), bad.size());
			bad.shrink_to_fit();
			if (DecodeManifest(bad.data(), bad.size(), &out, &c, &w).ok())
			{
				ASSERT_EQ(out.nchunks, 2u);
				ASSERT_EQ(out.nwindows, 1u);
				for (uint32_t k = 0; k < out.nchunks; k++)
				{
					ManifestChunk mc;

					GetManifestChunk(out, c, k, &mc);
					EXPECT_TRUE(mc.meta.tier == kTierWarm || mc.meta.tier == kTierCold);
				}
			}
		}
	for (size_t cut = 0; cut < buf.size(); cut++)
	{
		std::vector<uint8_t> bad(buf.begin(), buf.begin() + cut);

		EXPECT_FALSE(DecodeManifest(bad.data(), bad.size(), &out, &c, &w).ok()) << cut;
		ztsdb::test::RepairManifestChecksum(bad.data(), bad.size());
		EXPECT_FALSE(DecodeManifest(bad.data(), bad.size(), &out, &c, &w).ok()) << cut;
	}
	auto		longer = buf;

	longer.insert(longer.end() - 4, 0);
	ztsdb::test::RepairManifestChecksum(longer.data(), longer.size());
	EXPECT_FALSE(DecodeManifest(longer.data(), longer.size(), &out, &c, &w).ok());

	/* layouts no chunk file can have are refused both ways */
	std::vector<uint8_t> ok_buf = buf;

	h.layout.types[0] = ColumnType::kInt8;	/* time column not a timestamp */
	EXPECT_EQ(EncodeManifest(h, chunks.data(), windows.data(), buf.data(), buf.size(), &len).code,
			  StatusCode::kInvalidArgument);
	ok_buf[16] = static_cast<uint8_t>(ColumnType::kInt8);	/* types[0] */
	ztsdb::test::RepairManifestChecksum(ok_buf.data(), ok_buf.size());
	EXPECT_STREQ(DecodeManifest(ok_buf.data(), ok_buf.size(), &out, &c, &w).message,
				 "manifest has an invalid table layout");
	h.layout.types[0] = ColumnType::kTimestamp;
	h.layout.types[1] = ColumnType::kFloat8;	/* series column not an integer */
	EXPECT_EQ(EncodeManifest(h, chunks.data(), windows.data(), buf.data(), buf.size(), &len).code,
			  StatusCode::kInvalidArgument);
	h.layout.types[1] = ColumnType::kInt8;
	chunks[1].meta.tier = kTierHot;
	EXPECT_EQ(EncodeManifest(h, chunks.data(), windows.data(), buf.data(), buf.size(), &len).code,
			  StatusCode::kInvalidArgument);
}

namespace {

/*
 * SharedTable builds nseries series of n rows each: timestamp, int4 series
 * id, float8 value.  With shared_ts every series has the same timestamps
 * and the same (constant) value; otherwise each is shifted by its id.
 */
Table
SharedTable(uint32_t nseries, uint32_t n, bool shared_ts)
{
	Table		t;

	t.layout.ncols = 3;
	t.layout.time_col = 0;
	t.layout.series_col = 1;
	t.layout.types[0] = ColumnType::kTimestamp;
	t.layout.types[1] = ColumnType::kInt4;
	t.layout.types[2] = ColumnType::kFloat8;
	t.nrows = nseries * n;
	t.values.resize(3);
	t.validity.resize(3);
	for (uint32_t k = 0; k < nseries; k++)
		for (uint32_t i = 0; i < n; i++)
		{
			int64_t		ts = 1000000LL * i + (i * 7919 % 13) + (shared_ts ? 0 : k);
			int32_t		id = static_cast<int32_t>(k);
			double		v = shared_ts ? 1.5 : 1.5 + k;
			const uint8_t *p;

			p = reinterpret_cast<const uint8_t *>(&ts);
			t.values[0].insert(t.values[0].end(), p, p + 8);
			p = reinterpret_cast<const uint8_t *>(&id);
			t.values[1].insert(t.values[1].end(), p, p + 4);
			p = reinterpret_cast<const uint8_t *>(&v);
			t.values[2].insert(t.values[2].end(), p, p + 8);
		}
	for (int c = 0; c < 3; c++)
		t.inputs.push_back(ColumnInput{t.values[c].data(), nullptr});
	return t;
}

} // namespace

/*
 * Cold blocks with equal encoded bytes in one column (series sharing a
 * timestamp vector, equal constants) are stored once, read back exactly,
 * and damage to the shared bytes is caught for every block using them.
 */
TEST(ChunkFile, ColdBlocksShareEqualBytes)
{
	Table		shared = SharedTable(20, 300, true);
	Table		distinct = SharedTable(20, 300, false);
	auto		f_shared = Encode(shared, kTierCold, {});
	auto		f_distinct = Encode(distinct, kTierCold, {});

	ASSERT_TRUE(ReadAll(f_shared, &shared));
	ASSERT_TRUE(ReadAll(f_distinct, &distinct));
	/* 19 of 20 time and value blocks saved; block index and directory remain */
	EXPECT_LT(f_shared.size() + 1000, f_distinct.size());

	ChunkReader r{};

	ASSERT_TRUE(OpenChunkFile(f_shared.data(), f_shared.size(), &r).ok());
	ASSERT_EQ(r.nblocks, 20u);

	/* every block decodes its own rows from the shared bytes */
	for (uint32_t b = 0; b < r.nblocks; b++)
	{
		BlockInfo	info;
		std::vector<int64_t> ts(kColdBlockRows);
		std::vector<int32_t> ids(kColdBlockRows);
		std::vector<uint8_t> valid(kColdBlockRows / 8);

		GetBlockInfo(r, b, &info);
		ASSERT_EQ(info.nrows, 300u);
		ASSERT_TRUE(DecodeColdColumn(r, b, 0, ts.data(), valid.data()).ok());
		ASSERT_TRUE(DecodeColdColumn(r, b, 1, ids.data(), valid.data()).ok());
		EXPECT_EQ(memcmp(ts.data(), shared.values[0].data() + 8 * (size_t) info.row_start,
						 8 * (size_t) info.nrows), 0);
		EXPECT_EQ(ids[0], static_cast<int32_t>(b));
		EXPECT_EQ(ids[info.nrows - 1], static_cast<int32_t>(b));
	}

	/* damage to the stored blocks: refused, or (repaired) in bounds */
	size_t		data_off = ztsdb::test::LoadAt<uint64_t>(f_shared.data(), ztsdb::test::kOffDirOff) +
		(size_t) r.nblocks * 3 * 24;

	ASSERT_LT(data_off, f_shared.size());
	for (size_t i = data_off; i < f_shared.size(); i++)
	{
		auto		bad = f_shared;

		bad[i] ^= 0x5a;
		if (Opens(bad))
		{
			/* only alignment padding is outside every checksum */
			EXPECT_TRUE(ReadAll(bad, &shared)) << "undetected damage at byte " << i;
		}
		ztsdb::test::RepairChunkChecksums(bad.data(), bad.size());
		(void) Opens(bad);
	}
}
