/*-------------------------------------------------------------------------
 *
 * core_guard.h
 *	  Keeps the core zone free of PostgreSQL.
 *
 * Every header under include/ztsdb/core/ includes this file last.  Code in
 * the core zone must never call into PostgreSQL (it could longjmp through
 * C++ frames), so a translation unit that pulled in postgres.h before a core
 * header fails to compile here.  PostgreSQL-zone files include core headers
 * first, then the PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#ifdef POSTGRES_H
#error "a ztsdb core-zone header was included after postgres.h; include core headers first"
#endif
