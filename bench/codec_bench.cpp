/*
 * codec_bench.cpp
 *	  Cold-tier codec sizes and decode speed on deterministic data sets,
 *	  next to a plain Gorilla encoding (delta-of-delta timestamps, XOR
 *	  floats) of the same blocks.  Blocks are per series, at most 1024 rows,
 *	  as the cold tier cuts them; "all columns" counts ts, series id and
 *	  value.
 *
 *	  codec_bench [points_per_series]     prints one line per data set
 */
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_internal.h"

using namespace ztsdb::core;

namespace {

struct Series
{
	std::vector<int64_t> ts;
	std::vector<double> value;
};

constexpr int64_t kStart = 757382400000000LL;	/* 2024-01-01 in PostgreSQL microseconds */
constexpr int64_t kTenSeconds = 10000000LL;

/* DevOps: 40% 2-decimal random walks, 30% counters, 20% long constants, 10% noise */
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
				v = std::ldexp(static_cast<double>(rng() >> 11), -53) * 1000;
			out[s].value.push_back(v);
		}
	}
	return out;
}

/* Scraped: per target, every series shares jittered scrape timestamps */
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
			out[s].value.push_back(std::ldexp(static_cast<double>(rng() >> 11), -53) * 1e6 - 5e5);
		}
	return out;
}

struct Sizes
{
	size_t		ts = 0;
	size_t		value = 0;
	size_t		series = 0;
	size_t		points = 0;
	double		decode_ns_ts = 0;
	double		decode_ns_value = 0;
};

size_t
Encode(ColumnType t, const void *vals, uint32_t n, std::vector<uint8_t> &out)
{
	size_t		len = 0;

	out.resize(MaxEncodedColumnSize(t, n));
	if (!EncodeColumn(t, vals, nullptr, n, out.data(), out.size(), &len).ok())
		abort();
	out.resize(len);
	return len;
}

double
DecodeNs(ColumnType t, const std::vector<std::vector<uint8_t>> &blocks, const std::vector<uint32_t> &rows)
{
	std::vector<uint8_t> vals(1024 * 8);
	std::vector<uint8_t> valid(1024 / 8 + 1);
	auto		start = std::chrono::steady_clock::now();
	size_t		total = 0;

	for (int rep = 0; rep < 3; rep++)
		for (size_t i = 0; i < blocks.size(); i++)
		{
			if (!DecodeColumn(t, blocks[i].data(), blocks[i].size(), rows[i], vals.data(), valid.data()).ok())
				abort();
			total += rows[i];
		}
	auto		ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();

	return ns / static_cast<double>(total);
}

Sizes
Measure(const std::vector<Series> &data, int force)
{
	Sizes		s;
	std::vector<std::vector<uint8_t>> ts_blocks;
	std::vector<std::vector<uint8_t>> val_blocks;
	std::vector<uint32_t> rows;

	codec_force = force;
	for (size_t k = 0; k < data.size(); k++)
	{
		const Series &ser = data[k];

		for (size_t off = 0; off < ser.ts.size(); off += 1024)
		{
			uint32_t	n = static_cast<uint32_t>(std::min<size_t>(1024, ser.ts.size() - off));
			std::vector<int32_t> sid(n, static_cast<int32_t>(k));
			std::vector<uint8_t> enc;

			s.ts += Encode(ColumnType::kTimestamp, &ser.ts[off], n, enc);
			ts_blocks.push_back(enc);
			s.value += Encode(ColumnType::kFloat8, &ser.value[off], n, enc);
			val_blocks.push_back(enc);
			codec_force = force < 0 ? -1 : 4;	/* series ids: RLE either way */
			s.series += Encode(ColumnType::kInt4, sid.data(), n, enc);
			codec_force = force;
			rows.push_back(n);
			s.points += n;
		}
	}
	codec_force = -1;
	s.decode_ns_ts = DecodeNs(ColumnType::kTimestamp, ts_blocks, rows);
	s.decode_ns_value = DecodeNs(ColumnType::kFloat8, val_blocks, rows);
	return s;
}

void
Report(const char *name, const std::vector<Series> &data)
{
	Sizes		z = Measure(data, -1);
	Sizes		g;

	/* plain Gorilla: dod bit packing for timestamps, XOR for values */
	{
		Sizes		gts = Measure(data, 5);
		Sizes		gval = Measure(data, 6);

		g = gts;
		g.value = gval.value;
		g.decode_ns_value = gval.decode_ns_value;
	}
	auto		bpp = [](const Sizes &s) {
		return static_cast<double>(s.ts + s.value + s.series) / static_cast<double>(s.points);
	};
	printf("{\"dataset\": \"%s\", \"points\": %zu, "
		   "\"ztsdb_bits_per_ts\": %.3f, \"ztsdb_bits_per_value\": %.3f, \"ztsdb_bytes_per_point\": %.3f, "
		   "\"gorilla_bits_per_ts\": %.3f, \"gorilla_bits_per_value\": %.3f, \"gorilla_bytes_per_point\": %.3f, "
		   "\"decode_ts_mvalues_per_s\": %.1f, \"decode_value_mvalues_per_s\": %.1f}\n",
		   name, z.points,
		   8.0 * z.ts / z.points, 8.0 * z.value / z.points, bpp(z),
		   8.0 * g.ts / g.points, 8.0 * g.value / g.points, bpp(g),
		   1e3 / z.decode_ns_ts, 1e3 / z.decode_ns_value);
}

} // namespace

int
main(int argc, char **argv)
{
	int			npoints = argc > 1 ? atoi(argv[1]) : 8640;

	Report("devops_10s", DevOps(100, npoints));
	Report("scraped_shared_ts", Scraped(100, npoints));
	Report("noisy_doubles", Noisy(20, npoints));
	return 0;
}
