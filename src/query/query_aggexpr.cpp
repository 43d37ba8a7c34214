/*-------------------------------------------------------------------------
 *
 * query_aggexpr.cpp
 *	  Aggregate arguments that are arithmetic of one row's columns
 *	  (avg(usage_user + usage_system), sum(bytes_in - bytes_out), max(x * 2),
 *	  min(-x), avg(x / 100.0)), evaluated by ZtsdbAgg a column vector at a
 *	  time instead of by an Agg node a row at a time.
 *
 * Only a whitelist of PostgreSQL's operator and cast functions is
 * accepted, each reproduced exactly: float8pl/mi/mul/div/um with
 * float8_pl's etc. overflow, underflow and zero-division checks (the same
 * IEEE operations, so the same bits, infinities and NaNs), int2, int4 and
 * int8 pl/mi/mul/div/um and their mixed-width forms (int24pl, int84div,
 * ...) with int4pl's etc. range and zero-division checks, and the casts
 * of int2/int4/int8 to float8 and between the integer widths.  Every one is strict: a NULL operand gives NULL,
 * with no check.  Anything else keeps PostgreSQL's Agg (query_agg.cpp
 * does not offer its path).
 *
 * A program is the expression in postfix order -- operands left to right,
 * then the function, which is the order PostgreSQL's expression evaluation
 * computes them in for one row.  Each step fills a vector over the rows
 * asked for (integers as int64, whatever their SQL type, range-checked for
 * int4 results) and a validity bitmap (the AND of its operands'); columns
 * of float8 and int8 are read in place.  Errors are not raised while
 * evaluating: each step flags rows whose check fails, and only when some
 * row is flagged does a second pass find the first valid one.  The error
 * PostgreSQL raises is the one of the first row, and within that row the
 * one of the first step (an operand's error comes before its consumer's,
 * whose value at that row is then garbage and its flag ignored).  The
 * caller (query_agg.cpp) feeds the aggregates every row before that one
 * before raising it, so an aggregate's own error at an earlier row still
 * comes first.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/query/query_aggexpr.h"

extern "C" {
#include "nodes/nodeFuncs.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
}

#include <cmath>

namespace ztsdb {

enum StepOp : uint8
{
	kStepVarFloat8,				/* a float8 column, read in place */
	kStepVarInt,				/* an int2/int4/int8 column, as int64 */
	kStepConstFloat8,
	kStepConstInt,
	kStepF8Pl,
	kStepF8Mi,
	kStepF8Mul,
	kStepF8Div,
	kStepF8Um,
	kStepI2Pl,
	kStepI2Mi,
	kStepI2Mul,
	kStepI2Div,
	kStepI2Um,
	kStepI4Pl,
	kStepI4Mi,
	kStepI4Mul,
	kStepI4Div,
	kStepI4Um,
	kStepI8Pl,
	kStepI8Mi,
	kStepI8Mul,
	kStepI8Div,
	kStepI8Um,
	kStepIntToF8,				/* i2tod, i4tod, i8tod */
	kStepI8ToI4,				/* int4(int8): range-checked */
	kStepIntToI2,				/* int2(int4), int2(int8): range-checked */
	kStepWiden					/* int8(int4), int4(int2), int8(int2): the same int64 */
};

/* A whitelisted function: its step and its argument and result types. */
struct OpInfo
{
	Oid			fn;
	StepOp		op;
	Oid			arg0;
	Oid			arg1;			/* InvalidOid: unary */
	Oid			result;
};

static const OpInfo kOps[] = {
	{F_FLOAT8PL, kStepF8Pl, FLOAT8OID, FLOAT8OID, FLOAT8OID},
	{F_FLOAT8MI, kStepF8Mi, FLOAT8OID, FLOAT8OID, FLOAT8OID},
	{F_FLOAT8MUL, kStepF8Mul, FLOAT8OID, FLOAT8OID, FLOAT8OID},
	{F_FLOAT8DIV, kStepF8Div, FLOAT8OID, FLOAT8OID, FLOAT8OID},
	{F_FLOAT8UM, kStepF8Um, FLOAT8OID, InvalidOid, FLOAT8OID},
	{F_INT2PL, kStepI2Pl, INT2OID, INT2OID, INT2OID},
	{F_INT2MI, kStepI2Mi, INT2OID, INT2OID, INT2OID},
	{F_INT2MUL, kStepI2Mul, INT2OID, INT2OID, INT2OID},
	{F_INT2DIV, kStepI2Div, INT2OID, INT2OID, INT2OID},
	{F_INT2UM, kStepI2Um, INT2OID, InvalidOid, INT2OID},
	{F_INT24PL, kStepI4Pl, INT2OID, INT4OID, INT4OID},
	{F_INT24MI, kStepI4Mi, INT2OID, INT4OID, INT4OID},
	{F_INT24MUL, kStepI4Mul, INT2OID, INT4OID, INT4OID},
	{F_INT24DIV, kStepI4Div, INT2OID, INT4OID, INT4OID},
	{F_INT42PL, kStepI4Pl, INT4OID, INT2OID, INT4OID},
	{F_INT42MI, kStepI4Mi, INT4OID, INT2OID, INT4OID},
	{F_INT42MUL, kStepI4Mul, INT4OID, INT2OID, INT4OID},
	{F_INT42DIV, kStepI4Div, INT4OID, INT2OID, INT4OID},
	{F_INT28PL, kStepI8Pl, INT2OID, INT8OID, INT8OID},
	{F_INT28MI, kStepI8Mi, INT2OID, INT8OID, INT8OID},
	{F_INT28MUL, kStepI8Mul, INT2OID, INT8OID, INT8OID},
	{F_INT28DIV, kStepI8Div, INT2OID, INT8OID, INT8OID},
	{F_INT82PL, kStepI8Pl, INT8OID, INT2OID, INT8OID},
	{F_INT82MI, kStepI8Mi, INT8OID, INT2OID, INT8OID},
	{F_INT82MUL, kStepI8Mul, INT8OID, INT2OID, INT8OID},
	{F_INT82DIV, kStepI8Div, INT8OID, INT2OID, INT8OID},
	{F_INT4PL, kStepI4Pl, INT4OID, INT4OID, INT4OID},
	{F_INT4MI, kStepI4Mi, INT4OID, INT4OID, INT4OID},
	{F_INT4MUL, kStepI4Mul, INT4OID, INT4OID, INT4OID},
	{F_INT4DIV, kStepI4Div, INT4OID, INT4OID, INT4OID},
	{F_INT4UM, kStepI4Um, INT4OID, InvalidOid, INT4OID},
	{F_INT8PL, kStepI8Pl, INT8OID, INT8OID, INT8OID},
	{F_INT8MI, kStepI8Mi, INT8OID, INT8OID, INT8OID},
	{F_INT8MUL, kStepI8Mul, INT8OID, INT8OID, INT8OID},
	{F_INT8DIV, kStepI8Div, INT8OID, INT8OID, INT8OID},
	{F_INT8UM, kStepI8Um, INT8OID, InvalidOid, INT8OID},
	{F_INT84PL, kStepI8Pl, INT8OID, INT4OID, INT8OID},
	{F_INT84MI, kStepI8Mi, INT8OID, INT4OID, INT8OID},
	{F_INT84MUL, kStepI8Mul, INT8OID, INT4OID, INT8OID},
	{F_INT84DIV, kStepI8Div, INT8OID, INT4OID, INT8OID},
	{F_INT48PL, kStepI8Pl, INT4OID, INT8OID, INT8OID},
	{F_INT48MI, kStepI8Mi, INT4OID, INT8OID, INT8OID},
	{F_INT48MUL, kStepI8Mul, INT4OID, INT8OID, INT8OID},
	{F_INT48DIV, kStepI8Div, INT4OID, INT8OID, INT8OID},
	{F_FLOAT8_INT2, kStepIntToF8, INT2OID, InvalidOid, FLOAT8OID},
	{F_FLOAT8_INT4, kStepIntToF8, INT4OID, InvalidOid, FLOAT8OID},
	{F_FLOAT8_INT8, kStepIntToF8, INT8OID, InvalidOid, FLOAT8OID},
	{F_INT8_INT4, kStepWiden, INT4OID, InvalidOid, INT8OID},
	{F_INT4_INT2, kStepWiden, INT2OID, InvalidOid, INT4OID},
	{F_INT4_INT8, kStepI8ToI4, INT8OID, InvalidOid, INT4OID},
	{F_INT8_INT2, kStepWiden, INT2OID, InvalidOid, INT8OID},
	{F_INT2_INT4, kStepIntToI2, INT4OID, InvalidOid, INT2OID},
	{F_INT2_INT8, kStepIntToI2, INT8OID, InvalidOid, INT2OID},
};

static const OpInfo *
OpOf(Oid fn)
{
	for (const OpInfo &o : kOps)
		if (o.fn == fn)
			return &o;
	return nullptr;
}

/* ColumnTypeOid: the SQL type of an arithmetic column type, InvalidOid for others. */
static Oid
ColumnTypeOid(core::ColumnType t)
{
	switch (t)
	{
		case core::ColumnType::kInt2:
			return INT2OID;
		case core::ColumnType::kInt4:
			return INT4OID;
		case core::ColumnType::kInt8:
			return INT8OID;
		case core::ColumnType::kFloat8:
			return FLOAT8OID;
		default:
			return InvalidOid;
	}
}

/* FunctionOf returns the function and arguments of a FuncExpr or OpExpr, or false. */
static bool
FunctionOf(Node *n, Oid *fn, List **args)
{
	if (IsA(n, FuncExpr))
	{
		FuncExpr   *f = (FuncExpr *) n;

		if (f->funcretset || f->funcvariadic)
			return false;
		*fn = f->funcid;
		*args = f->args;
		return true;
	}
	if (IsA(n, OpExpr))
	{
		OpExpr	   *o = (OpExpr *) n;

		set_opfuncid(o);
		if (o->opretset)
			return false;
		*fn = o->opfuncid;
		*args = o->args;
		return true;
	}
	return false;
}

/* Supported: the recursion of AggExprSupported; *nvars counts Vars. */
static bool
Supported(Node *n, Index relid, const core::ChunkLayout &layout, uint64 *cols, int *nvars,
		  int depth)
{
	Oid			fn;
	List	   *args;
	const OpInfo *op;
	ListCell   *lc;

	if (n == NULL || depth > 32)
		return false;
	if (IsA(n, Var))
	{
		Var		   *v = (Var *) n;
		int			c = v->varattno - 1;

		if (v->varno != (int) relid || v->varlevelsup != 0 || v->varattno <= 0 ||
			c >= layout.ncols || ColumnTypeOid(layout.types[c]) != v->vartype)
			return false;
		*cols |= UINT64CONST(1) << c;
		(*nvars)++;
		return true;
	}
	if (IsA(n, Const))
	{
		Const	   *k = (Const *) n;

		return !k->constisnull && (k->consttype == FLOAT8OID || k->consttype == INT2OID ||
								   k->consttype == INT4OID || k->consttype == INT8OID);
	}
	if (!FunctionOf(n, &fn, &args) || (op = OpOf(fn)) == nullptr ||
		list_length(args) != (op->arg1 == InvalidOid ? 1 : 2) ||
		exprType((Node *) linitial(args)) != op->arg0 ||
		(op->arg1 != InvalidOid && exprType((Node *) lsecond(args)) != op->arg1) ||
		exprType(n) != op->result)
		return false;
	foreach(lc, args)
		if (!Supported((Node *) lfirst(lc), relid, layout, cols, nvars, depth + 1))
			return false;
	return true;
}

bool
AggExprSupported(Node *n, Index relid, const core::ChunkLayout &layout, uint64 *cols)
{
	int			nvars = 0;

	*cols = 0;
	return Supported(n, relid, layout, cols, &nvars, 0) && nvars > 0;
}

/* One step of a program, with its output vector. */
struct Step
{
	StepOp		op;
	bool		is_float;		/* output is double (else int64) */
	int			a;				/* operand steps (-1: none) */
	int			b;
	int			col;			/* Var column */
	core::ColumnType col_type;
	double		fconst;
	int64		iconst;
	uint32		cap;			/* rows the buffers hold */
	char	   *store;			/* the buffers: cap values, cap / 8 + 1 validity bytes */
	uint8	   *bits_store;
	void	   *buf;			/* own output values (8 bytes a row), indexed by row:
								 * store shifted down by the first row of the call
								 * (rounded down to a multiple of 8) */
	uint8	   *bits_buf;		/* own validity, indexed by row the same way */
	const void *data;			/* output values: buf, or a column or operand in place */
	const uint8 *bits;			/* output validity (NULL: no NULLs) */
	uint32		err_row;
	int			err_kind;
};

struct AggExprProgram
{
	int			nsteps;
	Step	   *steps;
	MemoryContext cxt;
};

/* Compile appends n's steps to p (operands first) and returns n's step. */
static int
Compile(AggExprProgram *p, Node *n, const core::ChunkLayout &layout)
{
	Step		s;
	Oid			fn = InvalidOid;
	List	   *args = NIL;

	memset(&s, 0, sizeof(s));
	s.a = -1;
	s.b = -1;
	if (IsA(n, Var))
	{
		s.col = ((Var *) n)->varattno - 1;
		s.col_type = layout.types[s.col];
		s.is_float = s.col_type == core::ColumnType::kFloat8;
		s.op = s.is_float ? kStepVarFloat8 : kStepVarInt;
	}
	else if (IsA(n, Const))
	{
		Const	   *k = (Const *) n;

		s.is_float = k->consttype == FLOAT8OID;
		s.op = s.is_float ? kStepConstFloat8 : kStepConstInt;
		if (k->consttype == FLOAT8OID)
			s.fconst = DatumGetFloat8(k->constvalue);
		else if (k->consttype == INT2OID)
			s.iconst = DatumGetInt16(k->constvalue);
		else if (k->consttype == INT4OID)
			s.iconst = DatumGetInt32(k->constvalue);
		else
			s.iconst = DatumGetInt64(k->constvalue);
	}
	else
	{
		const OpInfo *op;

		(void) FunctionOf(n, &fn, &args);
		op = OpOf(fn);
		Assert(op != nullptr);
		s.op = op->op;
		s.is_float = op->result == FLOAT8OID;
		s.a = Compile(p, (Node *) linitial(args), layout);
		if (list_length(args) == 2)
			s.b = Compile(p, (Node *) lsecond(args), layout);
	}
	p->steps[p->nsteps] = s;
	return p->nsteps++;
}

/* CountSteps: how many steps n compiles to. */
static int
CountSteps(Node *n)
{
	Oid			fn;
	List	   *args;
	int			count = 1;
	ListCell   *lc;

	if (FunctionOf(n, &fn, &args))
		foreach(lc, args)
			count += CountSteps((Node *) lfirst(lc));
	return count;
}

AggExprProgram *
AggExprCompile(Node *n, const core::ChunkLayout &layout, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	AggExprProgram *p = static_cast<AggExprProgram *>(palloc0(sizeof(AggExprProgram)));

	p->cxt = cxt;
	p->steps = static_cast<Step *>(palloc0(sizeof(Step) * CountSteps(n)));
	(void) Compile(p, n, layout);
	MemoryContextSwitchTo(old);
	return p;
}

core::ColumnType
AggExprResultType(const AggExprProgram *p)
{
	return p->steps[p->nsteps - 1].is_float ? core::ColumnType::kFloat8 : core::ColumnType::kInt8;
}

static inline bool
Valid(const uint8 *bits, uint32 i)
{
	return bits == nullptr || ((bits[i >> 3] >> (i & 7)) & 1);
}

/*
 * RunStep computes f(i) for rows [r, e): f writes the row's value and
 * returns the error its check finds there (0: none), garbage at rows that
 * are NULL or whose operands were.  Only if some row was flagged does the
 * second pass look for the first valid one.
 */
template <typename F>
static inline void
RunStep(Step *s, uint32 r, uint32 e, F f)
{
	int			any = 0;

	for (uint32 i = r; i < e; i++)
		any |= f(i);
	if (any == 0)
		return;
	for (uint32 i = r; i < e; i++)
	{
		int			kind;

		if (!Valid(s->bits, i))
			continue;
		kind = f(i);
		if (kind != 0)
		{
			s->err_row = i;
			s->err_kind = kind;
			return;
		}
	}
}

static inline int
Int4Range(int64 z)
{
	return z < PG_INT32_MIN || z > PG_INT32_MAX ? kExprErrInt4Range : 0;
}

static inline int
Int2Range(int64 z)
{
	return z < PG_INT16_MIN || z > PG_INT16_MAX ? kExprErrInt2Range : 0;
}

/* InRange: the error of result z of an operation whose out-of-range error is range. */
static inline int
InRange(int range, int64 z)
{
	return range == kExprErrInt4Range ? Int4Range(z) : range == kExprErrInt2Range ? Int2Range(z) : 0;
}

/* RangeOf: the out-of-range error of an integer step's result type. */
static inline int
RangeOf(StepOp op)
{
	switch (op)
	{
		case kStepI2Pl:
		case kStepI2Mi:
		case kStepI2Mul:
		case kStepI2Div:
		case kStepI2Um:
			return kExprErrInt2Range;
		case kStepI4Pl:
		case kStepI4Mi:
		case kStepI4Mul:
		case kStepI4Div:
		case kStepI4Um:
			return kExprErrInt4Range;
		default:
			return kExprErrInt8Range;
	}
}

/* EvalStep fills step s over [r, e); its operands are done. */
static void
EvalStep(AggExprProgram *p, Step *s, const void *const *values, const uint8 *const *validity,
		 uint32 r, uint32 e)
{
	const Step *sa = s->a >= 0 ? &p->steps[s->a] : nullptr;
	const Step *sb = s->b >= 0 ? &p->steps[s->b] : nullptr;
	const double *fa = sa ? static_cast<const double *>(sa->data) : nullptr;
	const double *fb = sb ? static_cast<const double *>(sb->data) : nullptr;
	const int64 *ia = sa ? static_cast<const int64 *>(sa->data) : nullptr;
	const int64 *ib = sb ? static_cast<const int64 *>(sb->data) : nullptr;
	double	   *fo = static_cast<double *>(s->buf);
	int64	   *io = static_cast<int64 *>(s->buf);

	s->err_row = UINT32_MAX;
	s->err_kind = kExprErrNone;
	s->data = s->buf;

	/* validity: strict functions are NULL where an operand is */
	if (sa == nullptr)
		s->bits = s->op == kStepVarFloat8 || s->op == kStepVarInt ? validity[s->col] : nullptr;
	else if (sb == nullptr || sb->bits == nullptr)
		s->bits = sa->bits;
	else if (sa->bits == nullptr)
		s->bits = sb->bits;
	else
	{
		for (uint32 k = r >> 3; k <= (e - 1) >> 3; k++)
			s->bits_buf[k] = sa->bits[k] & sb->bits[k];
		s->bits = s->bits_buf;
	}

	switch (s->op)
	{
		case kStepVarFloat8:
			s->data = values[s->col];
			break;
		case kStepVarInt:
			if (s->col_type == core::ColumnType::kInt8)
				s->data = values[s->col];
			else
				for (uint32 i = r; i < e; i++)
					io[i] = core::IntegerAt(s->col_type, values[s->col], i);
			break;
		case kStepConstFloat8:
			for (uint32 i = r; i < e; i++)
				fo[i] = s->fconst;
			break;
		case kStepConstInt:
			for (uint32 i = r; i < e; i++)
				io[i] = s->iconst;
			break;
		case kStepF8Pl:
			/* float8_pl */
			RunStep(s, r, e, [&](uint32 i) {
				double		x = fa[i], y = fb[i], z = x + y;

				fo[i] = z;
				return std::isinf(z) && !std::isinf(x) && !std::isinf(y) ? kExprErrFloatOverflow : 0;
			});
			break;
		case kStepF8Mi:
			/* float8_mi */
			RunStep(s, r, e, [&](uint32 i) {
				double		x = fa[i], y = fb[i], z = x - y;

				fo[i] = z;
				return std::isinf(z) && !std::isinf(x) && !std::isinf(y) ? kExprErrFloatOverflow : 0;
			});
			break;
		case kStepF8Mul:
			/* float8_mul */
			RunStep(s, r, e, [&](uint32 i) {
				double		x = fa[i], y = fb[i], z = x * y;

				fo[i] = z;
				if (std::isinf(z) && !std::isinf(x) && !std::isinf(y))
					return (int) kExprErrFloatOverflow;
				return z == 0.0 && x != 0.0 && y != 0.0 ? (int) kExprErrFloatUnderflow : 0;
			});
			break;
		case kStepF8Div:
			/* float8_div */
			RunStep(s, r, e, [&](uint32 i) {
				double		x = fa[i], y = fb[i], z = x / y;

				fo[i] = z;
				if (y == 0.0 && !std::isnan(x))
					return (int) kExprErrDivZero;
				if (std::isinf(z) && !std::isinf(x))
					return (int) kExprErrFloatOverflow;
				return z == 0.0 && x != 0.0 && !std::isinf(y) ? (int) kExprErrFloatUnderflow : 0;
			});
			break;
		case kStepF8Um:
			for (uint32 i = r; i < e; i++)
				fo[i] = -fa[i];
			break;
		case kStepI2Pl:
		case kStepI4Pl:
		case kStepI8Pl:
			{
				int			range = RangeOf(s->op);

				RunStep(s, r, e, [&](uint32 i) {
					int64		z;
					bool		ov = __builtin_add_overflow(ia[i], ib[i], &z);

					io[i] = z;
					return ov ? range : InRange(range, z);
				});
				break;
			}
		case kStepI2Mi:
		case kStepI4Mi:
		case kStepI8Mi:
			{
				int			range = RangeOf(s->op);

				RunStep(s, r, e, [&](uint32 i) {
					int64		z;
					bool		ov = __builtin_sub_overflow(ia[i], ib[i], &z);

					io[i] = z;
					return ov ? range : InRange(range, z);
				});
				break;
			}
		case kStepI2Mul:
		case kStepI4Mul:
		case kStepI8Mul:
			{
				int			range = RangeOf(s->op);

				RunStep(s, r, e, [&](uint32 i) {
					int64		z;
					bool		ov = __builtin_mul_overflow(ia[i], ib[i], &z);

					io[i] = z;
					return ov ? range : InRange(range, z);
				});
				break;
			}
		case kStepI2Div:
		case kStepI4Div:
		case kStepI8Div:
			{
				/* int4div / int8div: zero first, then -1 (x / -1 is -x, range-checked) */
				int			range = RangeOf(s->op);

				RunStep(s, r, e, [&](uint32 i) {
					int64		x = ia[i], y = ib[i], z;

					if (y == 0)
					{
						io[i] = 0;
						return (int) kExprErrDivZero;
					}
					if (y == -1)
					{
						bool		ov = __builtin_sub_overflow((int64) 0, x, &z);

						io[i] = z;
						return ov ? range : InRange(range, z);
					}
					z = x / y;
					io[i] = z;
					return InRange(range, z);
				});
				break;
			}
		case kStepI2Um:
		case kStepI4Um:
		case kStepI8Um:
			{
				int			range = RangeOf(s->op);

				RunStep(s, r, e, [&](uint32 i) {
					int64		z;
					bool		ov = __builtin_sub_overflow((int64) 0, ia[i], &z);

					io[i] = z;
					return ov ? range : InRange(range, z);
				});
				break;
			}
		case kStepIntToF8:
			for (uint32 i = r; i < e; i++)
				fo[i] = (double) ia[i];
			break;
		case kStepI8ToI4:
			RunStep(s, r, e, [&](uint32 i) {
				io[i] = ia[i];
				return Int4Range(ia[i]);
			});
			break;
		case kStepIntToI2:
			RunStep(s, r, e, [&](uint32 i) {
				io[i] = ia[i];
				return Int2Range(ia[i]);
			});
			break;
		case kStepWiden:
			s->data = sa->data;
			break;
	}
}

void
AggExprEval(AggExprProgram *p, const void *const *values, const uint8 *const *validity,
			uint32 r, uint32 e, const void **out, const uint8 **out_validity, uint32 *err_row,
			int *err_kind)
{
	*err_row = UINT32_MAX;
	*err_kind = kExprErrNone;
	for (int k = 0; k < p->nsteps; k++)
	{
		Step	   *s = &p->steps[k];

		/*
		 * Room for rows [base, e) only, base = r rounded down to a byte of
		 * the validity bitmap: the caller's runs may be single rows far into
		 * a chunk (a hot chunk's rows of a few series), and buffers as long
		 * as the row numbers would be mostly untouched memory, page-faulted
		 * into place on every query.
		 */
		uint32		base = r & ~7u;
		uint32		need = e > base ? e - base : 0;

		if (s->cap < need || s->store == nullptr)
		{
			/* the values need no keeping: every call computes the rows it reads */
			uint32		cap = Max(need, Max(s->cap * 2, (uint32) 1024));

			if (s->store != nullptr)
			{
				pfree(s->store);
				pfree(s->bits_store);
			}
			s->store = static_cast<char *>(MemoryContextAlloc(p->cxt, (Size) cap * 8));
			s->bits_store = static_cast<uint8 *>(MemoryContextAlloc(p->cxt, cap / 8 + 1));
			s->cap = cap;
		}
		s->buf = reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(s->store) - (uintptr_t) base * 8);
		s->bits_buf = reinterpret_cast<uint8 *>(reinterpret_cast<uintptr_t>(s->bits_store) - base / 8);
		if (e > r)
			EvalStep(p, s, values, validity, r, e);
		else
		{
			s->data = s->buf;
			s->bits = nullptr;
			s->err_row = UINT32_MAX;
		}
		/* the first row's error; at one row, the earlier step's */
		if (s->err_row < *err_row)
		{
			*err_row = s->err_row;
			*err_kind = s->err_kind;
		}
	}
	*out = p->steps[p->nsteps - 1].data;
	*out_validity = p->steps[p->nsteps - 1].bits;
}

void
AggExprRaise(int kind)
{
	switch (kind)
	{
		case kExprErrFloatOverflow:
			float_overflow_error();
		case kExprErrFloatUnderflow:
			float_underflow_error();
		case kExprErrDivZero:
			/* int4div's, int8div's and float_zero_divide_error()'s */
			ereport(ERROR, (errcode(ERRCODE_DIVISION_BY_ZERO), errmsg("division by zero")));
			break;
		case kExprErrInt2Range:
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("smallint out of range")));
			break;
		case kExprErrInt4Range:
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("integer out of range")));
			break;
		case kExprErrInt8Range:
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("bigint out of range")));
			break;
	}
	elog(ERROR, "unexpected ztsdb expression error %d", kind);
}

} // namespace ztsdb
