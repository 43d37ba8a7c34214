/*-------------------------------------------------------------------------
 *
 * query_bucket.h
 *	  Time buckets ZtsdbAgg groups by: date_bin(interval, time, origin) and
 *	  date_trunc(unit, time [, zone]) of the table's time column, with the
 *	  results of PostgreSQL's own functions (query_bucket.cpp).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

enum TimeBucketKind
{
	kBucketNone = 0,
	kBucketDateBin,
	kBucketDateTrunc
};

/*
 * TimeBucketKindOf says whether n is a time bucket of relid's time column
 * (time_col 0-based, of type time_type) ZtsdbAgg can group by: date_bin
 * with constant stride and origin, date_trunc with a constant unit (and a
 * constant zone).  Constants only: the function is then fixed for the whole
 * scan.  Does not ereport.
 */
TimeBucketKind TimeBucketKindOf(Node *n, Index relid, int time_col, Oid time_type);

/*
 * A time bucket being computed.  "fast": the bucket of ts is the grid point
 * phase + k * width at or below ts, for lo <= ts <= hi (see
 * TimeBucketInit for when that is PostgreSQL's answer); every other
 * timestamp goes to PostgreSQL's function.  [cache_lo, cache_hi] holds the
 * timestamps known to map to cache_val: rows come in time order within a
 * series, so most rows need one comparison.
 */
struct TimeBucket
{
	TimeBucketKind kind;
	bool		fast;
	int64		width;
	int64		phase;
	int64		lo;
	int64		hi;
	int64		cache_lo;
	int64		cache_hi;
	int64		cache_val;
	FunctionCallInfo fcinfo;	/* PostgreSQL's function, constants filled in */
	FmgrInfo	flinfo;
	int			time_arg;		/* argument the timestamp goes to */
	MemoryContext cxt;			/* everything above */
	MemoryContext scratch;		/* the calls' (date_trunc pallocs), reset now and then */
	uint32		calls;
	const char *method;			/* for EXPLAIN: how buckets are computed */
};

/*
 * TimeBucketInit prepares tb for f (an expression TimeBucketKindOf
 * accepted) in the current session time zone; allocates in a context of
 * its own under parent.  May ereport (it calls the function on probe
 * timestamps).  TimeBucketRelease frees what it allocated (tb may then be
 * set up again).
 */
void		TimeBucketInit(TimeBucket *tb, FuncExpr *f, MemoryContext parent);
void		TimeBucketRelease(TimeBucket *tb);

/* TimeBucketCompute: the bucket of ts when the cache misses; may ereport. */
int64		TimeBucketCompute(TimeBucket *tb, int64 ts);

/* TimeBucketOf returns PostgreSQL's bucket of ts; may ereport. */
static inline int64
TimeBucketOf(TimeBucket *tb, int64 ts)
{
	if (ts >= tb->cache_lo && ts <= tb->cache_hi)
		return tb->cache_val;
	return TimeBucketCompute(tb, ts);
}

/* TimeBucketName: "date_bin" or "date_trunc", by the function's OID. */
const char *TimeBucketName(Oid funcid);

} // namespace ztsdb
