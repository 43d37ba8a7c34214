/*
 * codec_bench.cpp
 *	  Cold-tier codec sizes and decode speed on deterministic data sets,
 *	  next to a plain Gorilla encoding of the same blocks (Gorilla's
 *	  delta-of-delta code for timestamps, Gorilla XOR for values, always
 *	  reusing a fitting window as the paper does).  Blocks are per series,
 *	  at most kColdBlockRows (2048) rows, as the cold tier cuts them.  "bytes per point"
 *	  counts every column: timestamp, value and series id.
 *
 *	  codec_bench [points_per_series [series_scale_percent]]
 *	  codec_bench --csv scraped|scraped_uniform [points [scale]]
 *
 *	  prints one JSON line per data set:
 *	  devops_10s	1,000 series at 10 s: 40% 2-decimal random walks, 30%
 *					counters, 20% long constants, 10% full-precision noise
 *	  scraped		1,000 series of Prometheus-like scrape targets (below)
 *	  scraped_uniform	the first scraped set: i.i.d. uniform values, kept
 *					for comparison, with the entropy of its random draws
 *					(no lossless encoding can go below it)
 *	  noisy_doubles	full-precision random doubles at 10 s
 *	  and for each data set a "+shared_ts" line: the same, with the timestamp
 *	  column of each chunk (every series' rows of one kColdBlockRows block span)
 *	  in the shared-vector form of codec_shared_ts.h; and a line "codec_use"
 *	  counting the codecs chosen per column; and a "+chunk_file" line: the
 *	  data written as real cold chunk files (EncodeChunkFile; columns
 *	  timestamp, int4 series id, float8 value; one chunk per kColdBlockRows span of
 *	  every series, sorted by series then time), file bytes per point, so the
 *	  figure is what ztsdb stores, headers and directories included, with
 *	  its split into time, value and series columns and file overhead.
 *	  Decode speeds are single-threaded, best of 3 passes.  With --csv the
 *	  program prints that data set instead, as "ts,series_id,value" lines
 *	  ordered by (ts, series_id), exactly as psql's COPY ... CSV prints the
 *	  table bench/data_scraped.sql builds.
 *
 *	  The scraped set models what a Prometheus-style scraper stores.
 *	  Series come in targets of 10 to 50; the series of a target share one
 *	  timestamp vector: a 15 s interval at the target's own offset, each
 *	  scrape late by an exponential delay of mean kMeanDelayMs, truncated
 *	  to ms and stored in microseconds, and, as Prometheus does since
 *	  2.21 (--scrape.timestamp-tolerance, 2 ms), a timestamp within 2 ms of
 *	  the previous one plus 15 s is stored as exactly that.  Targets draw
 *	  their delays independently.  A target holds process metrics (up and
 *	  build_info = 1, max_fds, start time: constants; CPU seconds: a
 *	  counter of 1/100 s ticks; resident memory: 4 KiB pages that change
 *	  at half the scrapes; open fds and goroutines: small integers that
 *	  change now and then), then families drawn at random: an HTTP
 *	  handler (requests_total for codes 200, 404, 500 and response
 *	  bytes_total), a latency histogram (the 12 default buckets, _sum,
 *	  _count), a temperature (1 or 2 decimals, slow), a queue length
 *	  (mostly 0), free filesystem bytes (pages, rarely changing), network
 *	  byte counters (a steady rate), a slow counter (GC runs), an info
 *	  metric.  Handler traffic is Poisson with a daily cycle and bursts;
 *	  half the handlers get no traffic at all (their counters stay 0), the
 *	  others 0.01 to 20 requests/s (log-uniform), so many histogram buckets
 *	  rarely change.  Targets restart about once in 20,000 scrapes: their
 *	  process counters fall back to 0.
 *
 *	  Calibration, at the default size (4,096 points of 1,000 series):
 *	  plain Gorilla 1.348 B/pt (timestamps 3.2 bits, values 7.5 bits a
 *	  point): the "about 1.4".  The timestamp delay was set for
 *	  that, with timestamps near 30% of Gorilla's bytes, as the
 *	  Prometheus maintainers measured when a wider alignment tolerance
 *	  saved them about 30% (prometheus/prometheus#9283); the activity of
 *	  the series was chosen a priori and not tuned.
 *	  xz -9 of the CSV (codec_bench --csv scraped | xz -9 | wc -c):
 *	  1.416 B/pt, not the "about 0.7".  That figure does not fit
 *	  this layout: at 256 points a series, xz -9 needs 0.28 B/pt for the
 *	  ts,series_id text alone (every value printed as 1), 0.58 B/pt when
 *	  the series barely change at all (and plain Gorilla then needs only
 *	  0.42), and 0.93 B/pt with rates and change chances a hundred times
 *	  lower.  Each row repeats its timestamp and breaks the long matches
 *	  LZMA lives on, while Gorilla pays per point only for what changes;
 *	  so no mix with counters moving at steady rates gives both 1.4 and
 *	  0.7.
 */
#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
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
constexpr uint32_t kBlockRows = kColdBlockRows;

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

/* calibration of the realistic scraped set (see the file header) */
constexpr double kStreamRateLo = 0.01;	/* requests per second of a handler */
constexpr double kStreamRateHi = 20;
constexpr double kMeanDelayMs = 0.8;	/* mean lateness of a scrape */
constexpr double kIdleStreams = 0.5;	/* handlers without traffic */

/*
 * ScrapedUniform: the first scraped generator, kept for comparison.  Every
 * series shares one vector of scrape timestamps (15 s, up to 2 s late, ms
 * precision); values are drawn independently at every point: counter
 * increments uniform over kUniformCounterSteps values, 2-decimal gauges
 * uniform over kUniformGaugeCents values, constants, small integers uniform
 * over kUniformSmallInts values.  No codec can go below the entropy of those
 * draws (UniformEntropyBytesPerPoint), which is why this set cannot show the
 * 0.5 B/pt goal either way.
 */
constexpr int kUniformCounterSteps = 50;
constexpr int kUniformGaugeCents = 10000;
constexpr int kUniformSmallInts = 64;
constexpr int kUniformJitterMs = 2000;

std::vector<Series>
ScrapedUniform(int nseries, int npoints)
{
	std::mt19937_64 rng(7);
	std::vector<Series> out(nseries);
	std::vector<int64_t> shared;

	for (int p = 0; p < npoints; p++)
		shared.push_back(kStart + p * 15000000LL + static_cast<int64_t>(rng() % kUniformJitterMs) * 1000);
	for (int s = 0; s < nseries; s++)
	{
		double		v = 0;
		int			kind = s % 4;

		for (int p = 0; p < npoints; p++)
		{
			out[s].ts.push_back(shared[p]);
			if (kind == 0)
				v += static_cast<double>(rng() % kUniformCounterSteps);	/* counter */
			else if (kind == 1)
				v = std::round(static_cast<double>(rng() % kUniformGaugeCents)) / 100;	/* 2-decimal gauge */
			else if (kind == 2)
				v = 1;										/* constant (up, info) */
			else
				v = static_cast<double>(rng() % kUniformSmallInts);	/* small integer gauge */
			out[s].value.push_back(v);
		}
	}
	return out;
}

/*
 * UniformEntropyBytesPerPoint returns the entropy of ScrapedUniform's random
 * draws per point: the mean over series of log2 of the number of equally
 * likely values drawn per point, plus the shared jitter spread over every
 * series.  A lower bound for any lossless encoding of that data set.
 */
double
UniformEntropyBytesPerPoint(int nseries)
{
	double		bits = 0;

	for (int s = 0; s < nseries; s++)
	{
		switch (s % 4)
		{
			case 0:
				bits += std::log2(kUniformCounterSteps);
				break;
			case 1:
				bits += std::log2(kUniformGaugeCents);
				break;
			case 2:
				break;
			default:
				bits += std::log2(kUniformSmallInts);
				break;
		}
	}
	bits += std::log2(kUniformJitterMs);	/* once per scrape, for every series */
	return bits / nseries / 8;
}

/* Normal draws a standard normal deviate (Box-Muller, same on every platform). */
double
Normal(std::mt19937_64 &rng)
{
	double		u1 = Uniform(rng);
	double		u2 = Uniform(rng);

	return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(2 * M_PI * u2);
}

/* Poisson draws a Poisson deviate: by products of uniforms, normal above 30. */
int64_t
Poisson(std::mt19937_64 &rng, double mean)
{
	if (mean <= 0)
		return 0;
	if (mean >= 30)
		return std::max<int64_t>(0, std::llround(mean + std::sqrt(mean) * Normal(rng)));

	double		limit = std::exp(-mean);
	double		prod = Uniform(rng);
	int64_t		k = 0;

	while (prod > limit)
	{
		prod *= Uniform(rng);
		k++;
	}
	return k;
}

double
LogUniform(std::mt19937_64 &rng, double lo, double hi)
{
	return lo * std::pow(hi / lo, Uniform(rng));
}

/* Chance returns true with probability p. */
bool
Chance(std::mt19937_64 &rng, double p)
{
	return Uniform(rng) < p;
}

/*
 * The realistic scraped generator (see the file header for the model and
 * its calibration).  A target is a list of series, each of one kind; an
 * HTTP "stream" drives the request counters, byte counter and latency
 * histogram that observe it.
 */
enum class ScrapeKind
{
	kConst,						/* up, *_info, process_max_fds */
	kStartTime,					/* process_start_time_seconds */
	kCpuSeconds,				/* process_cpu_seconds_total, 1/100 s ticks */
	kPages,						/* resident memory, filesystem bytes: 4 KiB pages */
	kSmallGauge,				/* goroutines, open fds */
	kQueue,						/* queue length, mostly 0 */
	kTemperature,				/* 1 or 2 decimals */
	kRequests,					/* requests_total{code} of a stream */
	kBytes,						/* response_bytes_total of a stream */
	kBucket,					/* duration_seconds_bucket{le} of a stream */
	kHistSum,					/* duration_seconds_sum of a stream */
	kHistCount,					/* duration_seconds_count of a stream */
	kRateCounter				/* network bytes, GC runs: a steady rate */
};

/* default Prometheus client buckets, +Inf last */
constexpr double kLatencyBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
									  INFINITY};
constexpr int kNumBuckets = 12;
constexpr int64_t kScrapeUs = 15000000;
constexpr int64_t kToleranceUs = 2000;	/* Prometheus' --scrape.timestamp-tolerance */
constexpr double kRestartPerScrape = 1.0 / 20000;

struct ScrapeStream
{
	double		rate;			/* requests per second, before bursts */
	double		phase;			/* of the daily cycle */
	double		p_bucket[kNumBuckets];	/* chance of a request in each le interval */
	int			burst_left = 0;
	double		burst_mult = 1;
	double		size_mean;		/* response bytes */
	/* this scrape's requests */
	int64_t		n_bucket[kNumBuckets];
	int64_t		n_code[3];		/* 200, 404, 500 */
	int64_t		bytes;
	double		latency_sum;
};

struct ScrapeSeries
{
	ScrapeKind	kind;
	int			stream = -1;
	int			index = 0;		/* code or bucket index */
	double		a = 0;			/* kind parameters */
	double		b = 0;
	double		c = 0;
	double		state = 0;		/* the value's hidden state */
	double		base = 0;
	double		value = 0;
	bool		resets = true;	/* a process counter: back to 0 on restart */
};

double
NormalCdf(double x)
{
	return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

ScrapeStream
NewStream(std::mt19937_64 &rng)
{
	ScrapeStream st{};
	double		median = LogUniform(rng, 0.004, 0.3);
	double		sigma = 0.4 + 0.6 * Uniform(rng);
	double		prev = 0;

	st.rate = LogUniform(rng, kStreamRateLo, kStreamRateHi);
	if (Chance(rng, kIdleStreams))
		st.rate = 0;
	st.phase = Uniform(rng) * 2 * M_PI;
	st.size_mean = LogUniform(rng, 200, 50000);
	for (int i = 0; i < kNumBuckets; i++)
	{
		double		cdf = std::isinf(kLatencyBuckets[i]) ? 1 :
			NormalCdf(std::log(kLatencyBuckets[i] / median) / sigma);

		st.p_bucket[i] = cdf - prev;
		prev = cdf;
	}
	return st;
}

/* StepStream draws the requests of one scrape at time t (seconds). */
void
StepStream(std::mt19937_64 &rng, ScrapeStream &st, double t)
{
	double		mean;
	int64_t		n = 0;

	if (st.burst_left > 0)
		st.burst_left--;
	else if (Chance(rng, 0.002))
	{
		st.burst_left = 4 + static_cast<int>(rng() % 37);
		st.burst_mult = 2 + 6 * Uniform(rng);
	}
	mean = st.rate * 15 * (1 + 0.5 * std::sin(2 * M_PI * t / 86400 + st.phase)) *
		(st.burst_left > 0 ? st.burst_mult : 1);
	st.latency_sum = 0;
	for (int i = 0; i < kNumBuckets; i++)
	{
		st.n_bucket[i] = Poisson(rng, mean * st.p_bucket[i]);
		n += st.n_bucket[i];
		if (st.n_bucket[i] > 0)
		{
			double		lo = i == 0 ? kLatencyBuckets[0] / 2 : kLatencyBuckets[i - 1];
			double		hi = std::isinf(kLatencyBuckets[i]) ? lo * 2 : kLatencyBuckets[i];
			double		each = std::sqrt(lo * hi) * std::exp(0.3 * Normal(rng) /
														  std::sqrt(static_cast<double>(st.n_bucket[i])));

			st.latency_sum += static_cast<double>(st.n_bucket[i]) * each;
		}
	}
	st.n_code[2] = std::min(n, Poisson(rng, static_cast<double>(n) * 0.003));
	st.n_code[1] = std::min(n - st.n_code[2], Poisson(rng, static_cast<double>(n) * 0.02));
	st.n_code[0] = n - st.n_code[1] - st.n_code[2];
	st.bytes = st.n_code[0] == 0 ? 0 :
		std::max<int64_t>(0, std::llround(static_cast<double>(st.n_code[0]) * st.size_mean *
										  (1 + 0.3 * Normal(rng) / std::sqrt(static_cast<double>(st.n_code[0])))));
}

/* AddFamily appends one metric family of the given kind to a target. */
void
AddFamily(std::mt19937_64 &rng, int family, std::vector<ScrapeSeries> &ser,
		  std::vector<ScrapeStream> &streams)
{
	ScrapeSeries s{};

	switch (family)
	{
		case 0:
			/* an HTTP handler: requests by code, response bytes */
			streams.push_back(NewStream(rng));
			for (int code = 0; code < 3; code++)
			{
				s = ScrapeSeries{};
				s.kind = ScrapeKind::kRequests;
				s.stream = static_cast<int>(streams.size()) - 1;
				s.index = code;
				ser.push_back(s);
			}
			s = ScrapeSeries{};
			s.kind = ScrapeKind::kBytes;
			s.stream = static_cast<int>(streams.size()) - 1;
			ser.push_back(s);
			break;
		case 1:
			/* a latency histogram: buckets, sum, count */
			streams.push_back(NewStream(rng));
			for (int i = 0; i < kNumBuckets + 2; i++)
			{
				s = ScrapeSeries{};
				s.kind = i < kNumBuckets ? ScrapeKind::kBucket :
					i == kNumBuckets ? ScrapeKind::kHistSum : ScrapeKind::kHistCount;
				s.stream = static_cast<int>(streams.size()) - 1;
				s.index = i;
				ser.push_back(s);
			}
			break;
		case 2:
			s.kind = ScrapeKind::kTemperature;
			s.a = (rng() % 10) < 3 ? 100 : 10;		/* 2 or 1 decimals */
			s.base = s.state = 35 + 35 * Uniform(rng);
			ser.push_back(s);
			break;
		case 3:
			s.kind = ScrapeKind::kQueue;
			ser.push_back(s);
			break;
		case 4:
			/* filesystem free bytes: pages, eaten by writes, freed in bulk */
			s.kind = ScrapeKind::kPages;
			s.base = s.state = std::floor(LogUniform(rng, 1e5, 1e8));
			s.a = 0.1;		/* chance of a change */
			s.b = 0.0005;				/* relative step */
			s.resets = false;
			ser.push_back(s);
			break;
		case 5:
			/* network receive and transmit bytes of the host */
			for (int i = 0; i < 2; i++)
			{
				s = ScrapeSeries{};
				s.kind = ScrapeKind::kRateCounter;
				s.a = LogUniform(rng, 100, 1e6);
				s.state = std::floor(LogUniform(rng, 1e6, 1e12));
				s.resets = false;
				ser.push_back(s);
			}
			break;
		case 6:
			/* go_gc_duration_seconds_count and the like: a slow counter */
			s.kind = ScrapeKind::kRateCounter;
			s.a = LogUniform(rng, 0.001, 0.5);
			ser.push_back(s);
			break;
		default:
			/* an info metric */
			s.kind = ScrapeKind::kConst;
			s.value = 1;
			ser.push_back(s);
			break;
	}
}

/* NewTarget builds the series of one target: the process metrics, then families. */
std::vector<ScrapeSeries>
NewTarget(std::mt19937_64 &rng, int size, std::vector<ScrapeStream> &streams)
{
	static const int kFamilyWeights[] = {4, 2, 1, 1, 1, 1, 1, 1};
	std::vector<ScrapeSeries> ser;
	ScrapeSeries s{};

	s.kind = ScrapeKind::kConst;		/* up */
	s.value = 1;
	ser.push_back(s);
	ser.push_back(s);					/* build_info */
	s.value = static_cast<double>(1 << (10 + rng() % 11));	/* process_max_fds */
	ser.push_back(s);
	s = ScrapeSeries{};
	s.kind = ScrapeKind::kStartTime;
	s.value = std::floor(static_cast<double>(kStart) / 1e6 + 946684800 - LogUniform(rng, 60, 3e6));
	ser.push_back(s);
	s = ScrapeSeries{};
	s.kind = ScrapeKind::kCpuSeconds;
	s.a = LogUniform(rng, 0.002, 0.5);		/* CPUs used */
	ser.push_back(s);
	s = ScrapeSeries{};
	s.kind = ScrapeKind::kPages;			/* resident memory */
	s.base = s.state = std::floor(LogUniform(rng, 2000, 500000));
	s.a = 0.5;
	s.b = 0.002;
	ser.push_back(s);
	s = ScrapeSeries{};
	s.kind = ScrapeKind::kSmallGauge;		/* open fds */
	s.base = s.state = std::floor(LogUniform(rng, 5, 200));
	s.a = 0.05;
	ser.push_back(s);
	s.base = s.state = std::floor(LogUniform(rng, 5, 500));	/* goroutines */
	s.a = 0.3;
	ser.push_back(s);

	int			total_weight = 0;

	for (int w : kFamilyWeights)
		total_weight += w;
	while (static_cast<int>(ser.size()) < size)
	{
		int			r = static_cast<int>(rng() % static_cast<uint64_t>(total_weight));
		int			family = 0;

		while (r >= kFamilyWeights[family])
			r -= kFamilyWeights[family++];
		AddFamily(rng, family, ser, streams);
	}
	ser.resize(size);
	return ser;
}

/* StepSeries moves one series to its next value (after its stream stepped). */
void
StepSeries(std::mt19937_64 &rng, ScrapeSeries &s, const std::vector<ScrapeStream> &streams)
{
	const ScrapeStream *st = s.stream >= 0 ? &streams[s.stream] : nullptr;

	switch (s.kind)
	{
		case ScrapeKind::kConst:
		case ScrapeKind::kStartTime:
			break;
		case ScrapeKind::kCpuSeconds:
			s.state += static_cast<double>(Poisson(rng, s.a * 15 * 100));
			s.value = s.state / 100;
			break;
		case ScrapeKind::kPages:
			if (Chance(rng, s.a))
			{
				s.state += std::round(Normal(rng) * s.base * s.b + (s.base - s.state) * 0.05);
				s.state = std::max(1.0, s.state);
			}
			s.value = s.state * 4096;
			break;
		case ScrapeKind::kSmallGauge:
			if (Chance(rng, s.a))
				s.state = std::max(1.0, s.state + std::round(Normal(rng) * 2 + (s.base - s.state) * 0.1));
			s.value = s.state;
			break;
		case ScrapeKind::kQueue:
			if (s.state == 0)
				s.state = Chance(rng, 0.03) ? static_cast<double>(1 + Poisson(rng, 4)) : 0;
			else
				s.state = std::max(0.0, s.state + std::round(Normal(rng) * 2) - 1);
			s.value = s.state;
			break;
		case ScrapeKind::kTemperature:
			s.state += 0.03 * Normal(rng) + (s.base - s.state) * 0.01;
			s.value = std::round(s.state * s.a) / s.a;
			break;
		case ScrapeKind::kRequests:
			s.state += static_cast<double>(st->n_code[s.index]);
			s.value = s.state;
			break;
		case ScrapeKind::kBytes:
			s.state += static_cast<double>(st->bytes);
			s.value = s.state;
			break;
		case ScrapeKind::kBucket:
			for (int i = 0; i <= s.index; i++)
				s.state += static_cast<double>(st->n_bucket[i]);
			s.value = s.state;
			break;
		case ScrapeKind::kHistSum:
			s.value += st->latency_sum;
			break;
		case ScrapeKind::kHistCount:
			for (int i = 0; i < kNumBuckets; i++)
				s.state += static_cast<double>(st->n_bucket[i]);
			s.value = s.state;
			break;
		case ScrapeKind::kRateCounter:
			s.state += static_cast<double>(Poisson(rng, s.a * 15));
			s.value = s.state;
			break;
	}
}

/* Restart sets a target's process counters back to zero, as a restart does. */
void
Restart(std::mt19937_64 &rng, std::vector<ScrapeSeries> &ser, int64_t ts)
{
	for (ScrapeSeries &s : ser)
	{
		if (!s.resets)
			continue;
		switch (s.kind)
		{
			case ScrapeKind::kStartTime:
				s.value = std::floor(static_cast<double>(ts) / 1e6 + 946684800 - Uniform(rng) * 2);
				break;
			case ScrapeKind::kCpuSeconds:
			case ScrapeKind::kRequests:
			case ScrapeKind::kBytes:
			case ScrapeKind::kBucket:
			case ScrapeKind::kHistCount:
			case ScrapeKind::kRateCounter:
				s.state = 0;
				break;
			case ScrapeKind::kHistSum:
				s.value = 0;
				break;
			case ScrapeKind::kPages:
			case ScrapeKind::kSmallGauge:
				s.state = s.base;
				break;
			default:
				break;
		}
	}
}

/*
 * Scraped builds the realistic scraped data set: targets of 10 to 50
 * series, each target with its own timestamp vector.
 */
std::vector<Series>
Scraped(int nseries, int npoints)
{
	std::mt19937_64 rng(7);
	std::vector<Series> out(nseries);

	for (int first = 0; first < nseries;)
	{
		int			size = std::min(nseries - first, 10 + static_cast<int>(rng() % 41));
		std::vector<ScrapeStream> streams;
		std::vector<ScrapeSeries> ser = NewTarget(rng, size, streams);
		int64_t		offset = static_cast<int64_t>(rng() % 15000) * 1000;
		int64_t		last = 0;

		for (int p = 0; p < npoints; p++)
		{
			/* the scrape starts a few ms late; timestamps are ms */
			int64_t		delay = static_cast<int64_t>(-std::log(1.0 - Uniform(rng)) * kMeanDelayMs);
			int64_t		ts = kStart + offset + p * kScrapeUs + delay * 1000;

			if (p > 0 && std::llabs(ts - (last + kScrapeUs)) <= kToleranceUs)
				ts = last + kScrapeUs;
			last = ts;
			if (p > 0 && Chance(rng, kRestartPerScrape))
				Restart(rng, ser, ts);
			for (ScrapeStream &st : streams)
				StepStream(rng, st, static_cast<double>(ts) / 1e6);
			for (int k = 0; k < size; k++)
			{
				StepSeries(rng, ser[k], streams);
				out[first + k].ts.push_back(ts);
				out[first + k].value.push_back(ser[k].value);
			}
		}
		first += size;
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
 * FormatFloat8 prints d as PostgreSQL's float8out does with the default
 * extra_float_digits (1): the shortest digits that read back exactly, in
 * fixed notation when the decimal exponent is in [-4, 15), else as
 * d.ddde+XX.
 */
std::string
FormatFloat8(double d)
{
	char		sci[64];
	auto		res = std::to_chars(sci, sci + sizeof(sci), d, std::chars_format::scientific);
	std::string s(sci, res.ptr);

	if (!std::isfinite(d))
		return std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
	if (d == 0)
		return std::signbit(d) ? "-0" : "0";

	bool		neg = s[0] == '-';
	size_t		epos = s.find('e');
	std::string mant = s.substr(neg ? 1 : 0, epos - (neg ? 1 : 0));
	int			exp = atoi(s.c_str() + epos + 1);
	std::string digits;
	std::string r = neg ? "-" : "";

	for (char ch : mant)
		if (ch != '.')
			digits += ch;
	if (exp < -4 || exp >= 15)
	{
		char		e[16];

		r += digits.substr(0, 1);
		if (digits.size() > 1)
			r += "." + digits.substr(1);
		snprintf(e, sizeof(e), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
		return r + e;
	}
	if (exp < 0)
		return r + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
	if (digits.size() <= static_cast<size_t>(exp) + 1)
		return r + digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
	return r + digits.substr(0, static_cast<size_t>(exp) + 1) + "." +
		digits.substr(static_cast<size_t>(exp) + 1);
}

/*
 * FormatTimestamptz prints PostgreSQL microseconds as psql's COPY does with
 * DateStyle ISO and TimeZone UTC: 2024-01-01 00:00:15.003+00, trailing
 * zeros of the fraction dropped.
 */
std::string
FormatTimestamptz(int64_t us)
{
	int64_t		unix_us = us + 946684800LL * 1000000;
	time_t		sec = static_cast<time_t>(unix_us / 1000000);
	int			frac = static_cast<int>(unix_us % 1000000);
	struct tm	tm;
	char		buf[64];
	int			len;

	gmtime_r(&sec, &tm);
	len = snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
				   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (frac != 0)
	{
		len += snprintf(buf + len, sizeof(buf) - len, ".%06d", frac);
		while (buf[len - 1] == '0')
			len--;
		buf[len] = '\0';
	}
	return std::string(buf) + "+00";
}

/*
 * DumpCsv writes data as "ts,series_id,value" lines ordered by (ts,
 * series_id), as COPY (... ORDER BY ts, series_id) TO ... CSV prints them.
 */
void
DumpCsv(const std::vector<Series> &data)
{
	std::vector<std::pair<int64_t, std::pair<uint32_t, uint32_t>>> rows;

	for (size_t k = 0; k < data.size(); k++)
		for (size_t p = 0; p < data[k].ts.size(); p++)
			rows.push_back({data[k].ts[p], {static_cast<uint32_t>(k), static_cast<uint32_t>(p)}});
	std::sort(rows.begin(), rows.end());
	for (const auto &[ts, at] : rows)
		printf("%s,%u,%s\n", FormatTimestamptz(ts).c_str(), at.first,
			   FormatFloat8(data[at.first].value[at.second]).c_str());
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

	/* the shared-vector form: one chunk per kColdBlockRows span of every series */
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
	static const char *const kNames[] = {"plain", "const", "rle", "pack", "dod", "gorilla",
										 "decimal", "bitmap", "sparse"};
	const char *csv = nullptr;

	if (argc > 2 && strcmp(argv[1], "--csv") == 0)
	{
		csv = argv[2];
		argc -= 2;
		argv += 2;
	}

	int			npoints = argc > 1 ? atoi(argv[1]) : 4096;
	int			scale = argc > 2 ? atoi(argv[2]) : 100;
	int			nseries = std::max(10, 1000 * scale / 100);

	if (npoints < 1 || scale < 1 ||
		(csv != nullptr && strcmp(csv, "scraped") != 0 && strcmp(csv, "scraped_uniform") != 0))
	{
		fprintf(stderr, "usage: codec_bench [--csv scraped|scraped_uniform] "
				"[points_per_series [series_scale_percent]]\n");
		return 2;
	}
	if (csv != nullptr)
	{
		DumpCsv(strcmp(csv, "scraped") == 0 ? Scraped(nseries, npoints) :
				ScrapedUniform(nseries, npoints));
		return 0;
	}
	Report("devops_10s", DevOps(nseries, npoints));
	Report("scraped", Scraped(nseries, npoints));
	Report("scraped_uniform", ScrapedUniform(nseries, npoints));
	printf("{\"dataset\": \"scraped_uniform\", \"entropy_bound_bytes_per_point\": %.3f}\n",
		   UniformEntropyBytesPerPoint(nseries));
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
