/*-------------------------------------------------------------------------
 *
 * codec_sparse.cpp
 *	  Values that rarely change, stored as the list of their changes (core
 *	  zone).
 *
 * Scraped metrics hold many series that keep one value for long stretches
 * and then step: histogram buckets of quiet handlers, error counters, open
 * file descriptors, free filesystem pages.  Run-length coding pays a whole
 * raw value per run and delta packing a few bits per row; this codec pays
 * only for each change: where it is and by how much.
 *
 * kCodecSparse payload (n >= 1):
 *	varint zigzag(v[0])
 *	varint nchanges					< n
 *	nchanges times:
 *		varint gap					rows from the previous change (or row 0)
 *									to this one, minus 1
 *		varint zigzag(delta)		v[row] - v[row - 1], wrapping on uint64
 * Rows between changes repeat the previous value.  For integers (and the
 * scaled integers of the decimal codec, which nests an integer block) a
 * step of a small counter costs two or three bytes; float bits are
 * accepted too, where a change costs about as much as in Gorilla and a
 * repeat nothing.  Decoding is a fill per run.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec_bits.h"
#include "ztsdb/core/codec_internal.h"

namespace ztsdb::core {

/*
 * EncodeSparse writes the change list; it gives up when that is no smaller
 * than 8 bytes a value, which keeps noisy blocks cheap to try.
 */
bool
EncodeSparse(const uint64_t *v, uint32_t n, std::vector<uint8_t> &out)
{
	size_t		start = out.size();
	size_t		limit = static_cast<size_t>(n) * 8;
	uint32_t	nchanges = 0;
	uint32_t	last = 0;

	if (n == 0)
		return false;
	for (uint32_t i = 1; i < n; i++)
		nchanges += v[i] != v[i - 1];
	/* a change costs at least two bytes: skip the pass when that loses */
	if (static_cast<size_t>(nchanges) * 2 >= limit)
		return false;
	PutVarint(out, ZigZag(v[0]));
	PutVarint(out, nchanges);
	for (uint32_t i = 1; i < n; i++)
	{
		if (v[i] == v[i - 1])
			continue;
		PutVarint(out, i - last - 1);
		PutVarint(out, ZigZag(v[i] - v[i - 1]));
		last = i;
		if (out.size() - start >= limit)
			return false;
	}
	return true;
}

/* DecodeSparse replays the changes; they must stay within n rows. */
bool
DecodeSparse(const uint8_t *p, size_t len, uint32_t n, uint64_t *out, uint32_t limit)
{
	const uint8_t *end = p + len;
	uint32_t	m = limit < n ? limit : n;	/* values wanted */
	uint64_t	x;
	uint64_t	nchanges;
	uint32_t	row = 1;

	if (n == 0 || !GetVarint(&p, end, &x) || !GetVarint(&p, end, &nchanges) || nchanges >= n)
		return false;
	x = UnZigZag(x);
	out[0] = x;
	for (uint64_t k = 0; k < nchanges && row < m; k++)
	{
		uint64_t	gap;
		uint64_t	delta;

		if (!GetVarint(&p, end, &gap) || !GetVarint(&p, end, &delta) || gap >= n - row)
			return false;
		for (uint64_t j = 0; j < gap; j++)
			out[row++] = x;
		x += UnZigZag(delta);
		out[row++] = x;
	}
	if (row >= m && m < n)
		return true;			/* the rest is not wanted */
	while (row < n)
		out[row++] = x;
	return p == end;
}

} // namespace ztsdb::core
