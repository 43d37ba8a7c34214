/*-------------------------------------------------------------------------
 *
 * query.h
 *	  Helpers shared by ztsdb's SQL functions.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

enum RequiredRight
{
	kNeedSelect,
	kNeedOwner
};

/*
 * OpenZtsdbTable opens relid with lockmode after checking that the caller
 * has the right and that it is a ztsdb table; ereports otherwise.
 */
Relation	OpenZtsdbTable(Oid relid, LOCKMODE lockmode, RequiredRight right);

} // namespace ztsdb
