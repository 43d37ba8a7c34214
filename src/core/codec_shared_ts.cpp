/*-------------------------------------------------------------------------
 *
 * codec_shared_ts.cpp
 *	  A chunk's timestamp column, each distinct per-series timestamp vector
 *	  stored once (core zone).
 *
 * Byte layout:
 *	varint ndistinct			distinct vectors, <= nseries
 *	nseries varints ref[k]		the distinct vector series k uses; numbered in
 *								order of first use, so ref[k] <= the number of
 *								distinct vectors used by series 0 .. k-1
 *	ndistinct times:			in number order
 *		varint len				bytes of the block
 *		block					EncodeColumn(kTimestamp) of the vector of its
 *								first user, no NULLs
 * Every user of a vector has as many rows as its first user.  1,000 series
 * of one scrape target therefore cost one column block plus 1,000 bytes of
 * references, instead of 1,000 blocks.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec_shared_ts.h"

#include <cstring>
#include <new>
#include <unordered_map>
#include <vector>

#include "ztsdb/core/codec.h"
#include "ztsdb/core/codec_bits.h"

namespace ztsdb::core {

namespace {

/* StartsValid checks a series directory handed in by the caller. */
bool
StartsValid(const uint32_t *starts, uint32_t nseries)
{
	if (starts == nullptr || starts[0] != 0)
		return false;
	for (uint32_t k = 0; k < nseries; k++)
		if (starts[k + 1] < starts[k] || starts[k + 1] - starts[k] > kMaxBlockRows)
			return false;
	return true;
}

/* Layout is a parsed header: references and where each block lies. */
struct Layout
{
	std::vector<uint32_t> ref;			/* per series */
	std::vector<uint32_t> first_user;	/* per distinct vector */
	std::vector<const uint8_t *> block;
	std::vector<size_t> block_len;
};

/* ParseLayout reads the header and block boundaries; false when invalid. */
bool
ParseLayout(const uint8_t *in, size_t in_len, const uint32_t *starts, uint32_t nseries,
			Layout *l)
{
	const uint8_t *p = in;
	const uint8_t *end = in + in_len;
	uint64_t	ndistinct;

	if (!GetVarint(&p, end, &ndistinct) || ndistinct > nseries)
		return false;
	l->ref.resize(nseries);
	for (uint32_t k = 0; k < nseries; k++)
	{
		uint64_t	r;

		if (!GetVarint(&p, end, &r) || r > l->first_user.size() || r >= ndistinct)
			return false;
		if (r == l->first_user.size())
			l->first_user.push_back(k);
		else if (starts[k + 1] - starts[k] !=
				 starts[l->first_user[r] + 1] - starts[l->first_user[r]])
			return false;
		l->ref[k] = static_cast<uint32_t>(r);
	}
	if (l->first_user.size() != ndistinct)
		return false;
	for (uint64_t d = 0; d < ndistinct; d++)
	{
		uint64_t	len;

		if (!GetVarint(&p, end, &len) || len > static_cast<size_t>(end - p))
			return false;
		l->block.push_back(p);
		l->block_len.push_back(static_cast<size_t>(len));
		p += len;
	}
	return p == end;
}

/* DecodeVector expands distinct vector d into ts; the status of DecodeColumn. */
Status
DecodeVector(const Layout &l, const uint32_t *starts, uint32_t d, int64_t *ts)
{
	uint32_t	u = l.first_user[d];
	uint32_t	n = starts[u + 1] - starts[u];
	std::vector<uint8_t> valid((n + 7) / 8 + 1);
	Status		st = DecodeColumn(ColumnType::kTimestamp, l.block[d], l.block_len[d], n, ts,
								  valid.data());

	if (!st.ok())
		return st;
	for (uint32_t i = 0; i < n; i++)
		if (!((valid[i >> 3] >> (i & 7)) & 1))
			return Status::Corrupt("shared timestamp vector has a NULL");
	return Status::Ok();
}

uint64_t
HashVector(const int64_t *ts, uint32_t n)
{
	uint64_t	h = 0x9e3779b97f4a7c15ULL ^ n;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ static_cast<uint64_t>(ts[i])) * 0x100000001b3ULL + (h >> 29);
	return h;
}

} // namespace

size_t
MaxSharedTimestampsSize(uint32_t nseries, uint32_t nrows) noexcept
{
	/* every series distinct: a block each, plus a 5-byte ref and length each */
	return 10 + static_cast<size_t>(nseries) * (10 + MaxEncodedColumnSize(ColumnType::kTimestamp, 0)) +
		MaxEncodedColumnSize(ColumnType::kTimestamp, nrows);
}

Status
EncodeSharedTimestamps(const int64_t *ts, const uint32_t *starts, uint32_t nseries, uint8_t *out,
					   size_t out_cap, size_t *out_len) noexcept
{
	try
	{
		std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash;
		std::vector<uint32_t> first_user;
		std::vector<uint8_t> buf;
		std::vector<uint8_t> block;

		if (out_len == nullptr || !StartsValid(starts, nseries) ||
			(starts[nseries] > 0 && ts == nullptr))
			return Status::Invalid("invalid series directory for shared timestamps");
		std::vector<uint32_t> ref(nseries);

		for (uint32_t k = 0; k < nseries; k++)
		{
			const int64_t *v = ts + starts[k];
			uint32_t	n = starts[k + 1] - starts[k];
			std::vector<uint32_t> &cands = by_hash[HashVector(v, n)];
			bool		found = false;

			for (uint32_t d : cands)
			{
				uint32_t	u = first_user[d];

				if (starts[u + 1] - starts[u] == n &&
					(n == 0 || memcmp(ts + starts[u], v, n * sizeof(int64_t)) == 0))
				{
					ref[k] = d;
					found = true;
					break;
				}
			}
			if (!found)
			{
				ref[k] = static_cast<uint32_t>(first_user.size());
				cands.push_back(ref[k]);
				first_user.push_back(k);
			}
		}
		PutVarint(buf, first_user.size());
		for (uint32_t k = 0; k < nseries; k++)
			PutVarint(buf, ref[k]);
		for (uint32_t u : first_user)
		{
			uint32_t	n = starts[u + 1] - starts[u];
			size_t		len = 0;

			block.resize(MaxEncodedColumnSize(ColumnType::kTimestamp, n));
			Status		st = EncodeColumn(ColumnType::kTimestamp, ts + starts[u], nullptr, n,
										  block.data(), block.size(), &len);

			if (!st.ok())
				return st;
			PutVarint(buf, len);
			buf.insert(buf.end(), block.begin(), block.begin() + static_cast<long>(len));
		}
		if (buf.size() > out_cap)
			return Status::NoSpace("shared timestamp buffer too small");
		memcpy(out, buf.data(), buf.size());
		*out_len = buf.size();
		return Status::Ok();
	}
	catch (const std::bad_alloc &)
	{
		return Status{StatusCode::kOutOfMemory, "out of memory encoding shared timestamps"};
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception encoding shared timestamps"};
	}
}

Status
DecodeSharedTimestamps(const uint8_t *in, size_t in_len, const uint32_t *starts,
					   uint32_t nseries, int64_t *ts) noexcept
{
	try
	{
		Layout		l;

		if (!StartsValid(starts, nseries))
			return Status::Invalid("invalid series directory for shared timestamps");
		if (in == nullptr || !ParseLayout(in, in_len, starts, nseries, &l))
			return Status::Corrupt("shared timestamp header is invalid");
		for (uint32_t d = 0; d < l.first_user.size(); d++)
		{
			Status		st = DecodeVector(l, starts, d, ts + starts[l.first_user[d]]);

			if (!st.ok())
				return st;
		}
		for (uint32_t k = 0; k < nseries; k++)
		{
			uint32_t	u = l.first_user[l.ref[k]];

			if (u != k && starts[k + 1] > starts[k])
				memcpy(ts + starts[k], ts + starts[u], (starts[k + 1] - starts[k]) * sizeof(int64_t));
		}
		return Status::Ok();
	}
	catch (const std::bad_alloc &)
	{
		return Status{StatusCode::kOutOfMemory, "out of memory decoding shared timestamps"};
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception decoding shared timestamps"};
	}
}

Status
DecodeSeriesTimestamps(const uint8_t *in, size_t in_len, const uint32_t *starts, uint32_t nseries,
					   uint32_t k, int64_t *ts) noexcept
{
	try
	{
		Layout		l;

		if (!StartsValid(starts, nseries) || k >= nseries)
			return Status::Invalid("invalid series for shared timestamps");
		if (in == nullptr || !ParseLayout(in, in_len, starts, nseries, &l))
			return Status::Corrupt("shared timestamp header is invalid");
		return DecodeVector(l, starts, l.ref[k], ts);
	}
	catch (const std::bad_alloc &)
	{
		return Status{StatusCode::kOutOfMemory, "out of memory decoding shared timestamps"};
	}
	catch (...)
	{
		return Status{StatusCode::kInternal, "unexpected exception decoding shared timestamps"};
	}
}

} // namespace ztsdb::core
