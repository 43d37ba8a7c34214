/*-------------------------------------------------------------------------
 *
 * tam_numeric.h
 *	  numeric columns: Datum to NumericSlot and back (tam_numeric.cpp).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

/* Bytes a numeric Datum built by NumericSlotDatum takes at most (MAXALIGNed). */
constexpr Size kNumericDatumBytes = 32;

/*
 * NumericToSlot stores the numeric value (any varlena form) of column
 * attnum of relid as a core::NumericSlot at dst.  A value whose scaled
 * integer does not fit 128 bits is ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE
 * naming the column: never rounded, never truncated.
 */
void		NumericToSlot(Oid relid, int16 attnum, Datum value, void *dst);

/*
 * NumericSlotDatum returns row's value of a numeric column array as a
 * numeric Datum, byte for byte what PostgreSQL stored.  It is built in buf
 * (kNumericDatumBytes, 4-byte aligned; valid until the caller reuses it)
 * or, with buf NULL, palloc'd in CurrentMemoryContext.  An invalid slot is
 * ERRCODE_DATA_CORRUPTED.
 */
Datum		NumericSlotDatum(const void *values, uint32 row, void *buf);

} // namespace ztsdb
