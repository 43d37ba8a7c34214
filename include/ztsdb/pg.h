/*-------------------------------------------------------------------------
 *
 * pg.h
 *	  PostgreSQL headers for the PostgreSQL zone, wrapped for C++.
 *
 * PostgreSQL's headers are C: they need C linkage, and under -Wextra in C++
 * some of them warn (unused parameters, `register`).  The pragmas apply to
 * these includes only, so our own code keeps every warning.  Include core
 * headers before this one (core_guard.h enforces it).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

/*
 * Core-zone headers first: they refuse to be included after postgres.h
 * (core_guard.h), and including them here means no PostgreSQL-zone file
 * has to think about the order.
 */
#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/codec.h"
#include "ztsdb/core/crc.h"
#include "ztsdb/core/histogram.h"
#include "ztsdb/core/record_format.h"
#include "ztsdb/core/ring.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wregister"
#pragma GCC diagnostic ignored "-Wdeprecated-enum-enum-conversion"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Wdeprecated-register"
#pragma GCC diagnostic ignored "-Wc99-designator"
#endif
extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "port/pg_crc32c.h"
#include "storage/condition_variable.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}
#pragma GCC diagnostic pop
