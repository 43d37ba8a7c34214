/*-------------------------------------------------------------------------
 *
 * wal_rmgr.h
 *	  ztsdb records in PostgreSQL's WAL: standbys, PITR and base backups.
 *
 * The sidecar WAL (wal.h) stays the log replay reads: hot rows come back
 * through it, and PostgreSQL's checkpoints know nothing of hot chunks.
 * With wal_level = replica or logical the writer also ships every sidecar
 * record it writes into PostgreSQL's WAL, as one record of a custom
 * resource manager ("ztsdb") carrying the sidecar record verbatim (header
 * with its sidecar LSN, payload).  A group is written to the sidecar file,
 * shipped, and its committers are woken (shipped_pos); the sidecar's
 * fdatasync runs later, off the commit path (WriteShip in wal_io.cpp), so
 * a commit costs one flush of PostgreSQL's WAL as with minimal WAL.  A
 * commit marker decides alone (kCommitSelf) only for a durable ztsdb-only
 * transaction whose rows are all in that record (ingest_buffer.cpp): the
 * writer flushes PostgreSQL's WAL up to it before it wakes the group's
 * committers, whose commit records follow unflushed.  Every server reading
 * that WAL then decides the same way: replay after a crash keeps the rows
 * without a commit record, a standby applies them as committed unless clog
 * says the transaction aborted (core::kMarkerDecidesCid), and redo of a
 * recovery to a target clears the flag, so that commit records decide
 * there as for heap rows.  PostgreSQL's commit record decides every other
 * transaction.  So:
 *
 *  - a transaction's ztsdb records precede its commit record in
 *    PostgreSQL's WAL and become durable with it; records no commit record
 *    decides (run starts, stamps, drop_chunks, file images, markers that
 *    decide alone) are flushed at once;
 *  - no checkpoint takes its redo pointer between the shipping and the
 *    sidecar's fdatasync (DELAY_CHKPT_START): records before a redo pointer
 *    are durable in the sidecar file, and records after it are in the WAL
 *    that recovery replays;
 *  - a record shipped before a base backup's start LSN was written to its
 *    sidecar file before that, so the backup's copy of the file holds it.
 *
 * Redo (startup process) advances the next xid past the xids a record names,
 * so xids of ztsdb-only transactions are never handed out again after a
 * crash (on a hot standby it also makes them known as running, as redo does
 * for xids of records a transaction writes itself), and appends the sidecar
 * record to $PGDATA/ztsdb/inbox, skipping records the inbox already holds
 * (redo restarts from a restart point).
 *
 * A hot standby's writer follows the primary.  It starts once the standby
 * is consistent, writes every inbox record into its own sidecar WAL at the
 * record's sidecar LSN (so the stream is byte for byte the primary's and the
 * copied files' replay coverage, which names sidecar LSNs, stays valid),
 * replays that WAL as after a crash -- except that it keeps the rows of
 * transactions that have not ended (they may still commit on the primary)
 * and writes no record of its own (no run start, no stamp, no generation:
 * every xid it meets is the primary's, in PostgreSQL's WAL, and clog
 * decides) -- then keeps taking what redo appends: batches go to hot
 * chunks as on the primary, drops and drop_chunks are repeated; its seals,
 * compression and sidecar checkpoints are its own.  A query on the standby
 * waits until the writer has taken every record PostgreSQL replayed before
 * the query began (follow_replay_pos), so it sees the ztsdb rows of every
 * transaction its snapshot sees committed.  Once the writer holds every
 * inbox record durably (inbox_taken_lsn), redo empties the inbox when it
 * passes 16 MB (an epoch tells the writer).  When recovery ends (promotion,
 * the end of point-in-time recovery) the writer takes the rest, starts a
 * generation of its own and a fresh sidecar file, removes the inbox and
 * goes on as the primary's writer.  Chunk file images are written only for
 * a file the local manifest lists and the data directory lacks.
 *
 * Without hot standby, or after a crash, the writer starts when recovery
 * ends: it writes every inbox record into its sidecar WAL the same way,
 * removes the inbox and replays as after a crash: transactions committed
 * up to the point replayed are kept, others are not.
 *
 * Base backups.  While pg_basebackup runs (a walsender reports the
 * BASE_BACKUP progress command) the writer keeps its checkpoint and every
 * chunk file in place (no compress, re-sort, drop or WAL checkpoint; seals
 * go on, so ingestion never stalls), and puts the bytes of each file it
 * seals into the sidecar WAL (kRecFileImage): the copy may list a file in
 * a manifest without holding the file, and the restored cluster writes it
 * from the image.
 *
 * Not yet: low-level pg_backup_start() backups are not detected; a base
 * backup taken from a standby gets no images; logical decoding skips ztsdb
 * records (publications of ztsdb tables are refused).
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include "ztsdb/pg.h"

namespace ztsdb {

/*
 * Our resource manager id, in the range PostgreSQL leaves to extensions.
 * To be registered on https://wiki.postgresql.org/wiki/CustomWALResourceManagers
 * before a release.
 */
constexpr uint8 kZtsdbRmgrId = 191;

/* RmgrInit registers the resource manager (from _PG_init, postmaster only). */
void		RmgrInit(void);

/* ShippingEnabled tells whether sidecar records go into PostgreSQL's WAL. */
bool		ShippingEnabled(void);

/*
 * ShipSidecarRecords inserts each sidecar record of buf[0..len) (headers
 * and payloads, 8-byte aligned, as written to the sidecar file) into
 * PostgreSQL's WAL and returns the end of the last one; sets *decisive if
 * one of them is not decided by a later commit record (run start, stamp,
 * drop_chunks, file image), which the caller must flush at once.  Writer
 * only.
 */
uint64		ShipSidecarRecords(const uint8 *buf, Size len, bool *decisive);

/*
 * BaseBackupRunning tells whether a walsender is taking a base backup or a
 * session may be in a low-level one (pg_backup_start() .. pg_backup_stop()).
 */
bool		BaseBackupRunning(void);

/*
 * NoteBackupStatement (ExecutorStart) counts this session as one that may
 * hold a low-level backup once it runs a statement naming pg_backup_start;
 * NoteBackupStatementDone (ExecutorEnd) stops counting it after a statement
 * naming pg_backup_stop has run; so does the session's end, which aborts
 * its backup.  The statement's text is what is looked at (the executor has
 * no cheaper sign of the call); a false alarm only pauses compression.
 */
void		NoteBackupStatement(const char *sql);
void		NoteBackupStatementDone(const char *sql);

/* The inbox redo fills in archive recovery (path relative to $PGDATA). */
#define ZTSDB_INBOX "ztsdb/inbox"

} // namespace ztsdb
