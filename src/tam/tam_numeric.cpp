/*-------------------------------------------------------------------------
 *
 * tam_numeric.cpp
 *	  numeric columns of ztsdb tables: the crossing between PostgreSQL's
 *	  numeric Datums and the core zone's NumericSlot (codec_numeric.h).
 *
 * A numeric is stored per row as a scaled int64 and its display scale, so
 * batches, hot chunks, warm and cold files handle it as a fixed-width
 * column, and reading it back rebuilds PostgreSQL's own bytes (same digits,
 * same display scale: 1.50 stays 1.50; NaN and the infinities kept).
 *
 * XXX Values whose scaled integer needs more than 127 bits have no fallback
 * area (a variable-size side area per chunk in batches, hot chunks and both
 * file formats): inserting one is an error naming the column.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/codec_numeric.h"
#include "ztsdb/tam/tam_numeric.h"

extern "C" {
#include "utils/lsyscache.h"
}

namespace ztsdb {

static_assert(VARHDRSZ + core::kNumericMaxForm <= kNumericDatumBytes,
			  "a numeric Datum fits its buffer");

void
NumericToSlot(Oid relid, int16 attnum, Datum value, void *dst)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(value);
	core::NumericSlot slot;
	core::NumericFit fit;

	fit = core::NumericFromForm(reinterpret_cast<const uint8 *>(VARDATA_ANY(v)),
								VARSIZE_ANY_EXHDR(v), &slot);
	if (fit != core::NumericFit::kFits)
	{
		char	   *name = get_attname(relid, attnum, true);

		if (fit == core::NumericFit::kTooBig)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("numeric value in column \"%s\" is too long for a ztsdb table",
							name != NULL ? name : "?"),
					 errdetail("ztsdb stores a numeric as an integer of at most 38 digits counted at its display scale (|value * 10^scale| < 2^127)."),
					 errhint("Round the value or lower its scale (e.g. declare the column numeric(38, 2)), or keep such values in a heap table.")));
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("numeric value in column \"%s\" has an unexpected stored form",
						name != NULL ? name : "?")));
	}
	memcpy(dst, &slot, sizeof(slot));
	if ((Pointer) v != DatumGetPointer(value))
		pfree(v);
}

Datum
NumericSlotDatum(const void *values, uint32 row, void *buf)
{
	core::NumericSlot slot;
	size_t		len = 0;
	core::Status st;
	char	   *out = static_cast<char *>(buf);

	memcpy(&slot, static_cast<const char *>(values) + (Size) row * sizeof(slot), sizeof(slot));
	if (out == NULL)
		out = static_cast<char *>(palloc(kNumericDatumBytes));
	st = core::NumericToForm(slot, reinterpret_cast<uint8 *>(VARDATA(out)),
							 kNumericDatumBytes - VARHDRSZ, &len);
	if (!st.ok())
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("ztsdb numeric value is corrupt: %s", st.message)));
	SET_VARSIZE(out, VARHDRSZ + len);
	return PointerGetDatum(out);
}

} // namespace ztsdb
