/*-------------------------------------------------------------------------
 *
 * util_shmem.h
 *	  One table of every subsystem's shared memory, sized and carved once.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

namespace ztsdb {

/* ShmemInit installs the shmem request and startup hooks (from _PG_init). */
void		ShmemInit(void);

} // namespace ztsdb
