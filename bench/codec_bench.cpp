/*
 * codec_bench.cpp
 *	  Cold-tier codec sizes and decode speed on deterministic data sets,
 *	  next to a plain Gorilla encoding of the same blocks (Gorilla's
 *	  delta-of-delta code for timestamps, Gorilla XOR for values, always
 *	  reusing a fitting window as the paper does).  Blocks are per series,
 *	  at most 1024 rows, as the cold tier cuts them.  "bytes per point"
 *	  counts every column: timestamp, value and series id.
 *
 *	  codec_bench [points_per_series [series_scale_percent]]
 *
 *	  prints one JSON line per data set:
 *	  devops_10s	1,000 series at 10 s: 40% 2-decimal random walks, 30%
 *					counters, 20% long constants, 10% full-precision noise
 *	  scraped		1,000 series sharing jittered (ms precision) 15 s scrape
 *					timestamps; counters, gauges, constants, 2-decimal values
 *	  noisy_doubles	full-precision random doubles at 10 s
 *	  and for each data set a "+shared_ts" line: the same, with the timestamp
 *	  column of each chunk (every series' rows of one 1024-row block span)
 *	  in the shared-vector form of codec_shared_ts.h; and a line "codec_use"
 *	  counting the codecs chosen per column; and a "+chunk_file" line: the
 *	  data written as real cold chunk files (EncodeChunkFile; columns
 *	  timestamp, int4 series id, float8 value; one chunk per 1024-row span of
 *	  every series, sorted by series then time), file bytes per point, so the
 *	  figure is what ztsdb stores, headers and directories included, with
 *	  its split into time, value and series columns and file overhead.
 *	  Decode speeds are single-threaded, best of 3 passes.
 */
#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_internal.h"
#include "ztsdb/core/codec_shared_ts.h"

using namespace ztsdb::core;

namespace {

struct Series
{
	std::vector<int64_t> ts;
	std::vector<double> value;
};

constexpr int64_t kStart = 757382400000000LL;	/* 2024-01-01 in PostgreSQL microseconds */
constexpr int64_t kTenSeconds = 10000000LL;
constexpr uint32_t kBlockRows = 1024;

double
Uniform(std::mt19937_64 &rng)
{
	return std::ldexp(static_cast<double>(rng() >> 11), -53);
}

/*
 * DevOps: 40% 2-decimal random walks, 30% counters, 20% long constants, 10%
 * noise (the generators of the first codec benchmark, unchanged, so the
 * figures stay comparable).
 */
std::vector<Series>
DevOps(int nseries, int npoints)
{
	std::mt19937_64 rng(42);
	std::vector<Series> out(nseries);

	for (int s = 0; s < nseries; s++)
	{
		double		v = 100;
		int			kind = s % 10;

		for (int p = 0; p < npoints; p++)
		{
			out[s].ts.push_back(kStart + p * kTenSeconds);
			if (kind < 4)
				v = std::round((v + static_cast<double>(static_cast<int>(rng() % 201) - 100) / 100.0) * 100) / 100;
			else if (kind < 7)
				v += static_cast<double>(rng() % 1000);
			else if (kind < 9)
				v = static_cast<double>(s * 10 + p / 500);
			else
				v = Uniform(rng) * 1000;
			out[s].value.push_back(v);
		}
	}
	return out;
}

/*
 * Scraped: every series shares one vector of jittered scrape timestamps
 * (15 s, up to 2 s late, ms precision); counters, 2-decimal gauges,
 * constants, small integer gauges.
 */
std::vector<Series>
Scraped(int nseries, int npoints)
{
	std::mt19937_64 rng(7);
	std::vector<Series> out(nseries);
	std::vector<int64_t> shared;

	for (int p = 0; p < npoints; p++)
		shared.push_back(kStart + p * 15000000LL + static_cast<int64_t>(rng() % 2000) * 1000);
	for (int s = 0; s < nseries; s++)
	{
		double		v = 0;
		int			kind = s % 4;

		for (int p = 0; p < npoints; p++)
		{
			out[s].ts.push_back(shared[p]);
			if (kind == 0)
				v += static_cast<double>(rng() % 50);		/* counter */
			else if (kind == 1)
				v = std::round(static_cast<double>(rng() % 10000)) / 100;	/* 2-decimal gauge */
			else if (kind == 2)
				v = 1;										/* constant (up, info) */
			else
				v = static_cast<double>(rng() % 64);		/* small integer gauge */
			out[s].value.push_back(v);
		}
	}
	return out;
}

std::vector<Series>
Noisy(int nseries, int npoints)
{
	std::mt19937_64 rng(99);
	std::vector<Series> out(nseries);

	for (int s = 0; s < nseries; s++)
		for (int p = 0; p < npoints; p++)
		{
			out[s].ts.push_back(kStart + p * kTenSeconds);
			out[s].value.push_back(Uniform(rng) * 1e6 - 5e5);
		}
	return out;
}

/*
 * PlainGorillaBits counts the bits of the paper's XOR encoding: the first
 * value in 64 bits, then 1 bit for a repeat, 2 + window bits when the new
 * XOR fits the previous window, else 2 + 5 + 6 + meaningful bits.
 */
size_t
PlainGorillaBits(const double *v, uint32_t n)
{
	size_t		bits = 64;
	uint64_t	prev;
	int			lead = -1;
	int			trail = 0;

	memcpy(&prev, &v[0], 8);
	for (uint32_t i = 1; i < n; i++)
	{
		uint64_t	x;

		memcpy(&x, &v[i], 8);
		uint64_t	xr = x ^ prev;

		prev = x;
		if (xr == 0)
		{
			bits += 1;
			continue;
		}
		int			l = std::min(std::countl_zero(xr), 31);
		int			t = std::countr_zero(xr);

		if (lead >= 0 && l >= lead && t >= trail)
			bits += 2 + (64 - lead - trail);
		else
		{
			bits += 2 + 5 + 6 + (64 - l - t);
			lead = l;
			trail = t;
		}
	}
	return bits;
}

struct Column
{
	std::vector<std::vector<uint8_t>> blocks;
	std::vector<uint32_t> rows;
	size_t		bytes = 0;
};

std::map<std::string, std::map<int, size_t>> codec_use;

void
Encode(ColumnType t, const void *vals, uint32_t n, int force, Column &col, const char *use_key)
{
	std::vector<uint8_t> out(ForcedEncodedColumnSize(ColumnWidth(t), n));
	size_t		len = 0;

	codec_force = force;
	Status		st = EncodeColumn(t, vals, nullptr, n, out.data(), out.size(), &len);

	codec_force = -1;
	if (!st.ok())
	{
		fprintf(stderr, "encode failed: %s\n", st.message);
		exit(1);
	}
	out.resize(len);
	if (use_key != nullptr)
		codec_use[use_key][out[0] & 0x7f]++;
	col.bytes += len;
	col.rows.push_back(n);
	col.blocks.push_back(std::move(out));
}

/* DecodeRate returns decoded values per second (best of 3 passes). */
double
DecodeRate(ColumnType t, const Column &col)
{
	std::vector<uint8_t> vals(kBlockRows * 8);
	std::vector<uint8_t> valid(kBlockRows / 8 + 1);
	double		best = 0;

	for (int rep = 0; rep < 3; rep++)
	{
		size_t		total = 0;
		auto		start = std::chrono::steady_clock::now();

		for (size_t i = 0; i < col.blocks.size(); i++)
		{
			if (!DecodeColumn(t, col.blocks[i].data(), col.blocks[i].size(), col.rows[i],
							  vals.data(), valid.data()).ok())
			{
				fprintf(stderr, "decode failed\n");
				exit(1);
			}
			total += col.rows[i];
		}
		double		s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

		best = std::max(best, static_cast<double>(total) / s);
	}
	return best;
}

/*
 * ColumnBytesOnce adds to *bytes the size of the column blocks a cold file
 * would store for one chunk: each series' block encoded, equal blocks
 * counted once (as EncodeChunkFile stores them).
 */
void
ColumnBytesOnce(ColumnType t, const void *vals, const std::vector<uint32_t> &starts, size_t *bytes)
{
	std::set<std::string> seen;
	size_t		w = ColumnWidth(t);

	for (size_t k = 0; k + 1 < starts.size(); k++)
	{
		uint32_t	n = starts[k + 1] - starts[k];
		std::vector<uint8_t> enc(MaxEncodedColumnSize(t, n));
		size_t		len = 0;

		if (!EncodeColumn(t, static_cast<const uint8_t *>(vals) + w * starts[k], nullptr, n,
						  enc.data(), enc.size(), &len).ok())
		{
			fprintf(stderr, "encode failed\n");
			exit(1);
		}
		if (seen.emplace(reinterpret_cast<const char *>(enc.data()), len).second)
			*bytes += len;
	}
}

/*
 * ChunkFileBytes writes data as cold chunk files, one per kBlockRows span of
 * every series, and returns the sum of their sizes; col_bytes[3] receives
 * the stored bytes of the time, series and value columns.
 */
size_t
ChunkFileBytes(const std::vector<Series> &data, size_t col_bytes[3])
{
	ChunkLayout layout{};
	size_t		total = 0;
	size_t		npoints = data.empty() ? 0 : data[0].ts.size();

	layout.ncols = 3;
	layout.time_col = 0;
	layout.series_col = 1;
	layout.types[0] = ColumnType::kTimestamp;
	layout.types[1] = ColumnType::kInt4;
	layout.types[2] = ColumnType::kFloat8;

	for (size_t off = 0; off < npoints; off += kBlockRows)
	{
		std::vector<int64_t> ts;
		std::vector<int32_t> ids;
		std::vector<double> vals;

		for (size_t k = 0; k < data.size(); k++)
		{
			const Series &ser = data[k];
			size_t		n = std::min<size_t>(kBlockRows, ser.ts.size() - off);

			ts.insert(ts.end(), ser.ts.begin() + static_cast<long>(off),
					  ser.ts.begin() + static_cast<long>(off + n));
			vals.insert(vals.end(), ser.value.begin() + static_cast<long>(off),
						ser.value.begin() + static_cast<long>(off + n));
			ids.insert(ids.end(), n, static_cast<int32_t>(k));
		}

		std::vector<uint32_t> starts{0};

		for (const Series &ser : data)
			starts.push_back(starts.back() +
							 static_cast<uint32_t>(std::min<size_t>(kBlockRows, ser.ts.size() - off)));
		ColumnBytesOnce(ColumnType::kTimestamp, ts.data(), starts, &col_bytes[0]);
		ColumnBytesOnce(ColumnType::kInt4, ids.data(), starts, &col_bytes[1]);
		ColumnBytesOnce(ColumnType::kFloat8, vals.data(), starts, &col_bytes[2]);

		ChunkMeta	meta{};
		ColumnInput cols[3] = {{ts.data(), nullptr}, {ids.data(), nullptr}, {vals.data(), nullptr}};

		meta.chunk_id = off / kBlockRows + 1;
		meta.min_ts = *std::min_element(ts.begin(), ts.end());
		meta.max_ts = *std::max_element(ts.begin(), ts.end());
		meta.nrows = static_cast<uint32_t>(ts.size());
		meta.flags = kChunkSorted;
		meta.tier = kTierCold;

		std::vector<uint8_t> out(MaxChunkFileSize(layout, meta.nrows, 0));
		size_t		len = 0;
		Status		st = EncodeChunkFile(layout, meta, cols, nullptr, 0, out.data(), out.size(), &len);

		if (st.code == StatusCode::kNoSpace)
		{
			out.resize(len);
			st = EncodeChunkFile(layout, meta, cols, nullptr, 0, out.data(), out.size(), &len);
		}
		if (!st.ok())
		{
			fprintf(stderr, "chunk file encode failed: %s\n", st.message);
			exit(1);
		}
		total += len;
	}
	return total;
}

void
Report(const char *name, const std::vector<Series> &data)
{
	Column		ts;
	Column		val;
	Column		sid;
	Column		g_ts;
	Column		g_val;
	size_t		g_val_bits = 0;
	size_t		points = 0;

	for (size_t k = 0; k < data.size(); k++)
	{
		const Series &ser = data[k];

		for (size_t off = 0; off < ser.ts.size(); off += kBlockRows)
		{
			uint32_t	n = static_cast<uint32_t>(std::min<size_t>(kBlockRows, ser.ts.size() - off));
			std::vector<int32_t> ids(n, static_cast<int32_t>(k));

			Encode(ColumnType::kTimestamp, &ser.ts[off], n, -1, ts, "ts");
			Encode(ColumnType::kFloat8, &ser.value[off], n, -1, val, name);
			Encode(ColumnType::kInt4, ids.data(), n, -1, sid, nullptr);
			Encode(ColumnType::kTimestamp, &ser.ts[off], n, kCodecDod, g_ts, nullptr);
			Encode(ColumnType::kFloat8, &ser.value[off], n, kCodecGorilla, g_val, nullptr);
			g_val_bits += 8 + (PlainGorillaBits(&ser.value[off], n) + 7) / 8 * 8;	/* + tag byte */
			points += n;
		}
	}

	double		np = static_cast<double>(points);
	double		z_bpp = static_cast<double>(ts.bytes + val.bytes + sid.bytes) / np;
	double		g_bpp = (static_cast<double>(g_ts.bytes + sid.bytes) + g_val_bits / 8.0) / np;

	printf("{\"dataset\": \"%s\", \"points\": %zu, "
		   "\"ztsdb_bits_per_ts\": %.3f, \"ztsdb_bits_per_value\": %.3f, \"ztsdb_bytes_per_point\": %.3f, "
		   "\"gorilla_bits_per_ts\": %.3f, \"gorilla_bits_per_value\": %.3f, \"gorilla_bytes_per_point\": %.3f, "
		   "\"decode_ts_mvalues_per_s\": %.1f, \"decode_value_mvalues_per_s\": %.1f, "
		   "\"gorilla_decode_ts_mvalues_per_s\": %.1f, \"gorilla_decode_value_mvalues_per_s\": %.1f}\n",
		   name, points,
		   8.0 * ts.bytes / np, 8.0 * val.bytes / np, z_bpp,
		   8.0 * g_ts.bytes / np, g_val_bits / np, g_bpp,
		   DecodeRate(ColumnType::kTimestamp, ts) / 1e6, DecodeRate(ColumnType::kFloat8, val) / 1e6,
		   DecodeRate(ColumnType::kTimestamp, g_ts) / 1e6,
		   DecodeRate(ColumnType::kFloat8, g_val) / 1e6);

	/* the shared-vector form: one chunk per 1024-row span of every series */
	size_t		shared_bytes = 0;
	std::vector<std::vector<uint8_t>> chunks;
	std::vector<std::vector<uint32_t>> chunk_starts;
	size_t		npoints = data.empty() ? 0 : data[0].ts.size();

	for (size_t off = 0; off < npoints; off += kBlockRows)
	{
		std::vector<int64_t> col;
		std::vector<uint32_t> starts{0};

		for (const Series &ser : data)
		{
			size_t		n = std::min<size_t>(kBlockRows, ser.ts.size() - off);

			col.insert(col.end(), ser.ts.begin() + static_cast<long>(off),
					   ser.ts.begin() + static_cast<long>(off + n));
			starts.push_back(static_cast<uint32_t>(col.size()));
		}
		uint32_t	nseries = static_cast<uint32_t>(data.size());
		std::vector<uint8_t> out(MaxSharedTimestampsSize(nseries, starts.back()));
		size_t		len = 0;

		if (!EncodeSharedTimestamps(col.data(), starts.data(), nseries, out.data(), out.size(), &len).ok())
		{
			fprintf(stderr, "shared encode failed\n");
			exit(1);
		}
		out.resize(len);
		shared_bytes += len;
		chunks.push_back(std::move(out));
		chunk_starts.push_back(std::move(starts));
	}

	double		best = 0;

	for (int rep = 0; rep < 3; rep++)
	{
		std::vector<int64_t> dec;
		size_t		total = 0;
		auto		start = std::chrono::steady_clock::now();

		for (size_t c = 0; c < chunks.size(); c++)
		{
			dec.resize(chunk_starts[c].back());
			if (!DecodeSharedTimestamps(chunks[c].data(), chunks[c].size(), chunk_starts[c].data(),
										static_cast<uint32_t>(data.size()), dec.data()).ok())
			{
				fprintf(stderr, "shared decode failed\n");
				exit(1);
			}
			total += dec.size();
		}
		double		sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

		best = std::max(best, static_cast<double>(total) / sec);
	}
	printf("{\"dataset\": \"%s+shared_ts\", \"points\": %zu, "
		   "\"ztsdb_bits_per_ts\": %.3f, \"ztsdb_bits_per_value\": %.3f, \"ztsdb_bytes_per_point\": %.3f, "
		   "\"decode_ts_mvalues_per_s\": %.1f}\n",
		   name, points, 8.0 * shared_bytes / np, 8.0 * val.bytes / np,
		   static_cast<double>(shared_bytes + val.bytes + sid.bytes) / np, best / 1e6);

	/*
	 * Where the file's bytes go: the stored column blocks, and the rest
	 * (header, block index, column directory, 8-byte alignment of every
	 * stored block).
	 */
	size_t		col_bytes[3] = {0, 0, 0};
	size_t		file_bytes = ChunkFileBytes(data, col_bytes);

	printf("{\"dataset\": \"%s+chunk_file\", \"points\": %zu, \"ztsdb_bytes_per_point\": %.3f, "
		   "\"ts_bytes_per_point\": %.3f, \"value_bytes_per_point\": %.3f, "
		   "\"series_bytes_per_point\": %.3f, \"file_overhead_bytes_per_point\": %.3f}\n",
		   name, points, static_cast<double>(file_bytes) / np,
		   static_cast<double>(col_bytes[0]) / np, static_cast<double>(col_bytes[2]) / np,
		   static_cast<double>(col_bytes[1]) / np,
		   (static_cast<double>(file_bytes) -
			static_cast<double>(col_bytes[0] + col_bytes[1] + col_bytes[2])) / np);
	fflush(stdout);
}

} // namespace

int
main(int argc, char **argv)
{
	int			npoints = argc > 1 ? atoi(argv[1]) : 4096;
	int			scale = argc > 2 ? atoi(argv[2]) : 100;
	static const char *const kNames[] = {"plain", "const", "rle", "pack", "dod", "gorilla",
										 "decimal", "bitmap"};

	if (npoints < 1 || scale < 1)
	{
		fprintf(stderr, "usage: codec_bench [points_per_series [series_scale_percent]]\n");
		return 2;
	}
	Report("devops_10s", DevOps(std::max(10, 1000 * scale / 100), npoints));
	Report("scraped", Scraped(std::max(10, 1000 * scale / 100), npoints));
	Report("noisy_doubles", Noisy(std::max(10, 100 * scale / 100), npoints));

	printf("{\"codec_use\": {");
	bool		first_col = true;

	for (const auto &[col, counts] : codec_use)
	{
		printf("%s\"%s\": {", first_col ? "" : ", ", col.c_str());
		bool		first = true;

		for (const auto &[c, k] : counts)
		{
			printf("%s\"%s\": %zu", first ? "" : ", ", kNames[c], k);
			first = false;
		}
		printf("}");
		first_col = false;
	}
	printf("}}\n");
	return 0;
}
