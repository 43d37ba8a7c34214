/*-------------------------------------------------------------------------
 *
 * wal_writer.h
 *	  Registration of the writer background worker.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

namespace ztsdb {

/* WriterRegister registers the writer worker (from _PG_init, postmaster only). */
void		WriterRegister(void);

} // namespace ztsdb
