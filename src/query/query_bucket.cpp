/*-------------------------------------------------------------------------
 *
 * query_bucket.cpp
 *	  Time buckets for ZtsdbAgg: date_bin and date_trunc of the time column,
 *	  computed by arithmetic where that is exactly PostgreSQL's answer, by
 *	  PostgreSQL's own function everywhere else.
 *
 * Both functions, over the timestamps where they are well behaved, map ts to
 * the grid point at or below it of a grid phase + k * width:
 *	- date_bin(stride, ts, origin): width = the stride (no months), phase =
 *	  origin; timestamps within 2^61 us of the epoch and a stride above
 *	  MIN_TIMESTAMP (beyond those PostgreSQL checks for overflow).
 *	- date_trunc(unit, ts) for the units microseconds .. week: width = the
 *	  unit, phase 0 (Monday 2000-01-03 for weeks); for timestamptz the
 *	  truncation happens in the session time zone, which is a fixed offset
 *	  only for zones such as UTC or 'Etc/GMT-5' (pg_get_timezone_offset):
 *	  then phase = -offset.  Years 1900 to 9999 only.
 * Anything else -- zones with daylight saving time, months and years, the
 * three-argument date_trunc, timestamps out of those ranges -- calls the
 * function for each row, with its results and its errors.
 *
 * Before trusting the arithmetic, TimeBucketInit checks it against the
 * function on probe timestamps around grid points (the last verdicts are
 * kept per backend): a zone with leap seconds ("right/UTC" is a fixed
 * offset by pg_get_timezone_offset, yet shifts local time), or a server
 * whose date_bin rounds differently (15.0 to 15.5 returned the bin below
 * a boundary lying before the origin) then falls back to the function.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/query/query_bucket.h"

extern "C" {
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "parser/scansup.h"
#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
}

namespace ztsdb {

/* timestamps the date_trunc arithmetic holds for: [1900-01-01, 10000-01-01) */
constexpr int64 kTruncLo = INT64CONST(-36524) * USECS_PER_DAY;
constexpr int64 kTruncHi = INT64CONST(2921940) * USECS_PER_DAY - 1;
/* and date_bin's: no overflow in ts - origin and the grid arithmetic */
constexpr int64 kBinLimit = INT64CONST(1) << 61;

static Const *
ConstArg(FuncExpr *f, int i)
{
	Node	   *n = (Node *) list_nth(f->args, i);

	return n != NULL && IsA(n, Const) && !((Const *) n)->constisnull ? (Const *) n : NULL;
}

TimeBucketKind
TimeBucketKindOf(Node *n, Index relid, int time_col, Oid time_type)
{
	FuncExpr   *f;
	Var		   *v;
	int			time_arg;
	TimeBucketKind kind;

	if (n == NULL || !IsA(n, FuncExpr))
		return kBucketNone;
	f = (FuncExpr *) n;
	switch (f->funcid)
	{
		case F_DATE_BIN_INTERVAL_TIMESTAMPTZ_TIMESTAMPTZ:
		case F_DATE_BIN_INTERVAL_TIMESTAMP_TIMESTAMP:
			if (list_length(f->args) != 3 || ConstArg(f, 0) == NULL || ConstArg(f, 2) == NULL)
				return kBucketNone;
			kind = kBucketDateBin;
			time_arg = 1;
			break;
		case F_DATE_TRUNC_TEXT_TIMESTAMPTZ:
		case F_DATE_TRUNC_TEXT_TIMESTAMP:
			if (list_length(f->args) != 2 || ConstArg(f, 0) == NULL)
				return kBucketNone;
			kind = kBucketDateTrunc;
			time_arg = 1;
			break;
		case F_DATE_TRUNC_TEXT_TIMESTAMPTZ_TEXT:
			if (list_length(f->args) != 3 || ConstArg(f, 0) == NULL || ConstArg(f, 2) == NULL)
				return kBucketNone;
			kind = kBucketDateTrunc;
			time_arg = 1;
			break;
		default:
			return kBucketNone;
	}
	if (f->funcresulttype != time_type || f->funcretset)
		return kBucketNone;
	v = (Var *) list_nth(f->args, time_arg);
	if (!IsA(v, Var) || v->varno != (int) relid || v->varlevelsup != 0 ||
		v->varattno != time_col + 1 || v->vartype != time_type)
		return kBucketNone;
	return kind;
}

const char *
TimeBucketName(Oid funcid)
{
	return funcid == F_DATE_BIN_INTERVAL_TIMESTAMPTZ_TIMESTAMPTZ ||
		funcid == F_DATE_BIN_INTERVAL_TIMESTAMP_TIMESTAMP ? "date_bin" : "date_trunc";
}

/* GridStart: the grid point at or below ts (no overflow: see the callers). */
static inline int64
GridStart(int64 ts, int64 phase, int64 width)
{
	int64		d = ts - phase;
	int64		q = d / width;

	if (d % width < 0)
		q--;
	return phase + q * width;
}

/* Call: PostgreSQL's function on ts, in tb's scratch context. */
static int64
Call(TimeBucket *tb, int64 ts)
{
	MemoryContext old;
	Datum		d;

	/* date_trunc pallocs its downcased unit: free the scratch now and then */
	if (++tb->calls % 1024 == 0)
		MemoryContextReset(tb->scratch);
	old = MemoryContextSwitchTo(tb->scratch);
	tb->fcinfo->args[tb->time_arg].value = Int64GetDatum(ts);
	tb->fcinfo->args[tb->time_arg].isnull = false;
	tb->fcinfo->isnull = false;
	d = FunctionCallInvoke(tb->fcinfo);
	MemoryContextSwitchTo(old);
	if (tb->fcinfo->isnull)
		elog(ERROR, "%s returned NULL", TimeBucketName(tb->flinfo.fn_oid));
	return DatumGetInt64(d);
}

/* The grid a date_trunc unit gives (fixed-width units only). */
static bool
TruncUnitWidth(Const *unit, int64 *width, int64 *phase)
{
	text	   *t = DatumGetTextPP(unit->constvalue);
	char	   *low = downcase_truncate_identifier(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false);
	int			val;

	*phase = 0;
	if (DecodeUnits(0, low, &val) != UNITS)
		return false;
	switch (val)
	{
		case DTK_MICROSEC:
			*width = 1;
			return true;
		case DTK_MILLISEC:
			*width = 1000;
			return true;
		case DTK_SECOND:
			*width = USECS_PER_SEC;
			return true;
		case DTK_MINUTE:
			*width = USECS_PER_MINUTE;
			return true;
		case DTK_HOUR:
			*width = USECS_PER_HOUR;
			return true;
		case DTK_DAY:
			*width = USECS_PER_DAY;
			return true;
		case DTK_WEEK:
			*width = 7 * USECS_PER_DAY;
			*phase = 2 * USECS_PER_DAY;	/* 2000-01-01 was a Saturday */
			return true;
	}
	return false;
}

/* Verdicts of earlier probes in this backend (the probes cost calls). */
struct ProbeVerdict
{
	Oid			funcid;
	const pg_tz *zone;
	int64		width;
	int64		phase;
	int64		lo;
	int64		hi;
	bool		exact;
};
constexpr int kVerdicts = 8;
static ProbeVerdict verdicts[kVerdicts];
static int	nverdicts;

/*
 * ArithmeticExact compares the grid with the function on timestamps around
 * grid points spread over [lo, hi]: both sides of each boundary, and the
 * last microsecond of a bucket.
 */
static bool
ArithmeticExact(TimeBucket *tb, Oid funcid, const pg_tz *zone)
{
	const int64 anchors[] = {0, INT64CONST(757382400) * USECS_PER_SEC,	/* 2000, 2024 */
		INT64CONST(-946684800) * USECS_PER_SEC, tb->phase,	/* 1970, the origin */
		tb->lo + 2 * tb->width, tb->hi - 2 * tb->width};
	bool		exact = true;

	for (int i = 0; i < nverdicts; i++)
	{
		ProbeVerdict *v = &verdicts[i];

		if (v->funcid == funcid && v->zone == zone && v->width == tb->width &&
			v->phase == tb->phase && v->lo == tb->lo && v->hi == tb->hi)
			return v->exact;
	}
	for (int64 a : anchors)
	{
		int64		g;

		if (a - tb->width < tb->lo || a + tb->width > tb->hi)
			continue;
		g = GridStart(a, tb->phase, tb->width);
		for (int64 ts : {g - 1, g, g + 1, g + tb->width - 1, g + tb->width})
			if (ts >= tb->lo && ts <= tb->hi && Call(tb, ts) != GridStart(ts, tb->phase, tb->width))
				exact = false;
	}
	verdicts[nverdicts % kVerdicts] = {funcid, zone, tb->width, tb->phase, tb->lo, tb->hi, exact};
	nverdicts = nverdicts % kVerdicts + 1;
	return exact;
}

void
TimeBucketInit(TimeBucket *tb, FuncExpr *f, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "ztsdb time bucket", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	int			nargs = list_length(f->args);
	const pg_tz *zone = NULL;
	ListCell   *lc;
	int			i = 0;

	memset(tb, 0, sizeof(*tb));
	tb->cxt = cxt;
	tb->scratch = AllocSetContextCreate(cxt, "ztsdb time bucket calls", ALLOCSET_SMALL_SIZES);
	tb->kind = f->funcid == F_DATE_BIN_INTERVAL_TIMESTAMPTZ_TIMESTAMPTZ ||
		f->funcid == F_DATE_BIN_INTERVAL_TIMESTAMP_TIMESTAMP ? kBucketDateBin : kBucketDateTrunc;
	tb->time_arg = 1;
	tb->cache_lo = 1;
	tb->cache_hi = 0;			/* empty */
	fmgr_info(f->funcid, &tb->flinfo);
	tb->fcinfo = static_cast<FunctionCallInfo>(palloc0(SizeForFunctionCallInfo(nargs)));
	InitFunctionCallInfoData(*tb->fcinfo, &tb->flinfo, nargs, f->inputcollid, NULL, NULL);
	foreach(lc, f->args)
	{
		Node	   *a = (Node *) lfirst(lc);

		if (i != tb->time_arg)
		{
			tb->fcinfo->args[i].value = ((Const *) a)->constvalue;
			tb->fcinfo->args[i].isnull = false;
		}
		i++;
	}

	if (tb->kind == kBucketDateBin)
	{
		Interval   *stride = DatumGetIntervalP(ConstArg(f, 0)->constvalue);
		int64		origin = DatumGetInt64(ConstArg(f, 2)->constvalue);

		/* months, a stride <= 0, far origins: the function (and its errors) */
		tb->fast = stride->month == 0 && stride->day >= 0 && stride->day < 25000 &&
			stride->time >= 0 && stride->time < kBinLimit / 2 &&
			origin > -kBinLimit && origin < kBinLimit;
		tb->width = (int64) stride->day * USECS_PER_DAY + stride->time;
		tb->fast &= tb->width > 0;
		tb->phase = origin;
		tb->lo = Max(-kBinLimit, MIN_TIMESTAMP + tb->width);
		tb->hi = kBinLimit;
		tb->method = tb->fast ? "arithmetic" : "function per row (stride or origin)";
	}
	else if (nargs == 2)
	{
		long		gmtoff = 0;

		tb->fast = TruncUnitWidth(ConstArg(f, 0), &tb->width, &tb->phase);
		tb->lo = kTruncLo;
		tb->hi = kTruncHi;
		tb->method = tb->fast ? "arithmetic" : "function per row (unit)";
		if (tb->fast && f->funcid == F_DATE_TRUNC_TEXT_TIMESTAMPTZ)
		{
			/* local time = ts + offset: grid points at phase - offset */
			zone = session_timezone;
			tb->fast = pg_get_timezone_offset(session_timezone, &gmtoff);
			tb->phase = ((tb->phase - (int64) gmtoff * USECS_PER_SEC) % tb->width + tb->width) % tb->width;
			tb->method = tb->fast ? "arithmetic (fixed-offset time zone)"
				: "function per row (time zone with offset changes)";
		}
	}
	else
		tb->method = "function per row (time zone argument)";
	if (tb->fast && !ArithmeticExact(tb, f->funcid, zone))
	{
		tb->fast = false;
		tb->method = "function per row (arithmetic disagreed)";
	}
	MemoryContextSwitchTo(old);
}

void
TimeBucketRelease(TimeBucket *tb)
{
	if (tb->cxt != NULL)
		MemoryContextDelete(tb->cxt);
	tb->cxt = NULL;
	tb->scratch = NULL;
}

int64
TimeBucketCompute(TimeBucket *tb, int64 ts)
{
	int64		start;

	if (!tb->fast || ts < tb->lo || ts > tb->hi)
		return Call(tb, ts);
	start = GridStart(ts, tb->phase, tb->width);
	tb->cache_val = start;
	tb->cache_lo = Max(start, tb->lo);
	tb->cache_hi = Min(start + (tb->width - 1), tb->hi);
	return start;
}

} // namespace ztsdb
