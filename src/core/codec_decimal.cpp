/*-------------------------------------------------------------------------
 *
 * codec_decimal.cpp
 *	  Floats that are decimals, stored as scaled integers (ALP-like; core
 *	  zone).
 *
 * A value v is "decimal at exponent e" when the integer k = round(v * 10^e),
 * |k| < 2^53, gives back exactly v's bits as (double) k / 10^e (for float4:
 * (float) ((double) k / 10^e)).  Division by an exact power of ten is
 * correctly rounded, so every double parsed from a decimal string with at
 * most e digits after the point (and under 16 significant digits) is
 * decimal at e.  Values that are not (NaN, infinities, -0.0, noise) are
 * stored aside as exceptions.
 *
 * kCodecDecimal payload:
 *	u8 e								0 .. 18
 *	varint nexc							number of exceptions, < n
 *	nexc times: varint gap, raw value	gap = position - previous position - 1
 *										(previous = -1 at first); raw value is
 *										8 bytes (float8) or 4 (float4)
 *	nested integer block				the k of every value (exceptions hold
 *										the previous k): an int codec id byte
 *										and its payload, see EncodeIntBlock
 * Decoding is one integer decode, one division per value and a patch per
 * exception.  The encoder verifies every value bit-exactly, so a block
 * never changes a value; it gives up when half of the values are
 * exceptions.
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>
#include <cmath>
#include <cstring>

#include "ztsdb/core/codec_bits.h"
#include "ztsdb/core/codec_internal.h"

namespace ztsdb::core {

namespace {

constexpr int kMaxExponent = 18;
constexpr int kNotDecimal = kMaxExponent + 1;

constexpr double kPow10[kMaxExponent + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18
};

/* DecimalBits is the one formula both sides use to turn k back into bits. */
inline uint64_t
DecimalBits(int64_t k, int e, bool float4)
{
	double		d = static_cast<double>(k) / kPow10[e];
	uint64_t	bits = 0;

	if (float4)
	{
		float		f = static_cast<float>(d);

		memcpy(&bits, &f, 4);
	}
	else
		memcpy(&bits, &d, 8);
	return bits;
}

inline double
AsDouble(uint64_t bits, bool float4)
{
	if (float4)
	{
		float		f;
		uint32_t	b32 = static_cast<uint32_t>(bits);

		memcpy(&f, &b32, 4);
		return f;
	}
	double		d;

	memcpy(&d, &bits, 8);
	return d;
}

/* ScaleAt sets *k and returns true when bits is decimal at exponent e. */
inline bool
ScaleAt(uint64_t bits, int e, bool float4, int64_t *k)
{
	double		s = AsDouble(bits, float4) * kPow10[e];

	if (!(std::fabs(s) < 9007199254740992.0))	/* 2^53; false for NaN */
		return false;
	*k = std::llround(s);
	return DecimalBits(*k, e, float4) == bits;
}

/* MinExponent returns the smallest e at which bits is decimal, or kNotDecimal. */
int
MinExponent(uint64_t bits, bool float4)
{
	int64_t		k;

	for (int e = 0; e <= kMaxExponent; e++)
		if (ScaleAt(bits, e, float4, &k))
			return e;
	return kNotDecimal;
}

/* EncodeAt appends the payload for exponent e; false if too many exceptions. */
bool
EncodeAt(const uint64_t *v, uint32_t n, bool float4, int e, std::vector<uint8_t> &out)
{
	std::vector<uint64_t> ks(n);
	std::vector<uint32_t> exc;
	int64_t		prev = 0;
	bool		have_prev = false;

	for (uint32_t i = 0; i < n; i++)
	{
		int64_t		k;

		if (ScaleAt(v[i], e, float4, &k))
		{
			if (!have_prev)
			{
				/* earlier exceptions take the first k: no jump at the start */
				for (uint32_t j = 0; j < i; j++)
					ks[j] = static_cast<uint64_t>(k);
				have_prev = true;
			}
			ks[i] = static_cast<uint64_t>(k);
			prev = k;
		}
		else
		{
			exc.push_back(i);
			ks[i] = static_cast<uint64_t>(prev);
		}
	}
	if (exc.size() * 2 > n)
		return false;
	out.push_back(static_cast<uint8_t>(e));
	PutVarint(out, exc.size());

	int64_t		last = -1;

	for (uint32_t pos : exc)
	{
		uint8_t		b[8];

		PutVarint(out, static_cast<uint64_t>(pos - last - 1));
		last = pos;
		memcpy(b, &v[pos], 8);
		out.insert(out.end(), b, b + (float4 ? 4 : 8));
	}
	EncodeIntBlock(ks.data(), n, out);
	return true;
}

} // namespace

/*
 * EncodeDecimal finds the exponents worth trying (those that make most
 * values exact) and keeps the smallest encoding.
 */
bool
EncodeDecimal(const uint64_t *v, uint32_t n, bool float4, std::vector<uint8_t> &out)
{
	uint32_t	count[kNotDecimal + 1] = {0};
	uint32_t	probe = n < 64 ? n : 64;
	uint32_t	bad = 0;

	if (n == 0)
		return false;
	/* a quick look at the start of the block rejects noise cheaply */
	for (uint32_t i = 0; i < probe; i++)
		bad += MinExponent(v[i], float4) == kNotDecimal;
	if (bad * 2 > probe)
		return false;
	for (uint32_t i = 0; i < n; i++)
		count[MinExponent(v[i], float4)]++;
	if (count[kNotDecimal] * 2 > n)
		return false;

	/* candidates: exponents covering at least 75% of the values, largest first */
	std::vector<uint8_t> best;
	std::vector<uint8_t> tmp;
	uint32_t	covered = 0;
	int			tried = 0;
	int			smallest_ok = kNotDecimal;

	for (int e = 0; e <= kMaxExponent; e++)
	{
		covered += count[e];
		if (count[e] > 0 && covered * 4 >= 3 * n)
		{
			smallest_ok = e;
			break;
		}
	}
	for (int e = kMaxExponent; e >= smallest_ok && tried < 4; e--)
	{
		if (count[e] == 0)
			continue;
		tried++;
		tmp.clear();
		if (!EncodeAt(v, n, float4, e, tmp))
			continue;
		if (best.empty() || tmp.size() < best.size())
			best.swap(tmp);
	}
	if (best.empty())
		return false;
	out.insert(out.end(), best.begin(), best.end());
	return true;
}

/* DecodeDecimal reverses EncodeDecimal. */
bool
DecodeDecimal(const uint8_t *p, size_t len, uint32_t n, bool float4, uint64_t *out,
			  uint32_t limit)
{
	uint32_t	m = limit < n ? limit : n;	/* values wanted */
	const uint8_t *end = p + len;
	size_t		raw = float4 ? 4 : 8;
	uint64_t	nexc;

	if (len < 1 || *p > kMaxExponent)
		return false;
	int			e = *p++;

	if (!GetVarint(&p, end, &nexc) || nexc > n / 2)
		return false;

	/* skip the exceptions to find the nested block; patch them afterwards */
	const uint8_t *exc = p;
	uint64_t	pos = 0;

	for (uint64_t j = 0; j < nexc; j++)
	{
		uint64_t	gap;

		if (!GetVarint(&p, end, &gap) || gap >= n - pos || static_cast<size_t>(end - p) < raw)
			return false;
		pos += gap + 1;
		p += raw;
	}
	if (!DecodeIntBlock(p, static_cast<size_t>(end - p), n, out, m))
		return false;
	if (float4)
	{
		for (uint32_t i = 0; i < m; i++)
			out[i] = DecimalBits(static_cast<int64_t>(out[i]), e, true);
	}
	else
	{
		double		scale = kPow10[e];

		for (uint32_t i = 0; i < m; i++)
		{
			double		d = static_cast<double>(static_cast<int64_t>(out[i])) / scale;

			memcpy(&out[i], &d, 8);
		}
	}
	pos = 0;
	for (uint64_t j = 0; j < nexc; j++)
	{
		uint64_t	gap = 0;
		uint64_t	x = 0;

		(void) GetVarint(&exc, end, &gap);
		pos += gap + (j > 0 ? 1 : 0);
		memcpy(&x, exc, raw);
		exc += raw;
		out[pos] = x;
	}
	return true;
}

} // namespace ztsdb::core
