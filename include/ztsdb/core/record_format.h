/*-------------------------------------------------------------------------
 *
 * record_format.h
 *	  Records that travel through the ring and the sidecar WAL (core zone).
 *
 * A backend encodes a record into a ring slot; the writer copies it,
 * unchanged, behind a WalRecordHeader into the sidecar WAL, so replay reads
 * exactly what the ring carried.  All integers little-endian, all structs
 * 8-byte aligned with explicit padding.
 *
 * Batch record (kRecBatch): BatchHeader, then for each column c in order:
 *	validity bitmap, BitmapBytes(nrows) rounded up to 8 (bit i set = row i
 *	is not NULL), then nrows values of ColumnWidth(types[c]) bytes rounded
 *	up to 8.  A batch is self-describing (it carries the table layout), so
 *	the writer and replay never need the catalog.
 *
 * Transaction ids are stamped with the writer generation they were seen in
 * (see wal_generation.h): PostgreSQL may hand out again, after a crash, an
 * xid that never reached its own WAL, so an xid alone does not say which
 * transaction it was.
 *
 * A transaction's commit marker is either a kRecCommit record or, when its
 * last record is a batch, that batch's kBatchCommits flag (one record for a
 * single-row transaction).  A marker with kCommitSelf decides alone: the
 * transaction wrote no PostgreSQL WAL, so PostgreSQL did not flush its commit
 * record and clog may have forgotten it after a crash; replay keeps such a
 * transaction unless a kRecAbort record for it follows (it failed after its
 * marker was written) or clog, for an xid that cannot have been reused,
 * says it aborted.
 *
 * WAL record: WalRecordHeader { total_len, crc, lsn } then the payload,
 * padded to 8.  crc is CRC32C over the header (crc field zero) and the
 * payload; lsn is the record's byte position in the WAL stream, so a record
 * left over from an earlier lap of a recycled file is never mistaken for a
 * new one.
 *
 *-------------------------------------------------------------------------
 */
#pragma once

#include <cstddef>
#include <cstdint>

#include "ztsdb/core/chunk_file.h"
#include "ztsdb/core/column_type.h"
#include "ztsdb/core/status.h"

namespace ztsdb::core {

enum RecordType : uint8_t
{
	kRecBatch = 1,				/* rows of one table from one (xid, cid) */
	kRecCommit = 2,				/* all batches of top_xid precede this */
	kRecDropIfCommitted = 3,	/* remove a table's data once xid commits */
	kRecDropIfAborted = 4,		/* remove it once xid aborts */
	kRecTruncate = 5,			/* remove a table's data now (same-xact truncate) */
	kRecRequest = 6,			/* seal/compress/drop_chunks; never WAL-logged */
	kRecRunStart = 7,			/* first record of every writer run */
	kRecAbort = 8,				/* a kCommitSelf marker's transaction aborted */
	kRecStamped = 9,			/* rows of running xid went into a chunk file */
	kRecFileImage = 10			/* a chunk file's bytes, written while a base
								 * backup runs (wal_rmgr.h); replay ignores it */
};

/* Identifies a table's storage: PostgreSQL's RelFileNode. */
struct TableKey
{
	uint32_t	spc;
	uint32_t	db;
	uint32_t	rel;
	uint32_t	reserved;		/* zero, so keys compare with memcmp */
};

/* BatchHeader.flags and CommitRecord.flags */
constexpr uint8_t kBatchCommits = 0x1;	/* also the commit marker of top_xid */
constexpr uint8_t kCommitDurable = 0x2; /* the committer waits for fdatasync */
constexpr uint8_t kCommitSelf = 0x4;	/* the marker alone decides (see above) */
constexpr uint8_t kStampUnmarked = 0x8; /* kRecStamped: the marker of stamp_top was
										 * not yet taken from the ring (wal_writer.cpp) */

/*
 * The command id a standby's hot chunk stores for the rows of a batch that
 * belongs to a transaction whose kCommitSelf marker decides alone: they
 * count as committed unless clog says the transaction aborted (the
 * primary's commit record may never come, after a crash that the primary's
 * replay survives with these rows).  No command has this id (PostgreSQL's
 * InvalidCommandId).
 */
constexpr uint32_t kMarkerDecidesCid = 0xFFFFFFFF;

struct BatchHeader
{
	uint8_t		type;			/* kRecBatch */
	uint8_t		flags;			/* kBatchCommits */
	uint16_t	ncols;
	int16_t		time_col;
	int16_t		series_col;
	TableKey	table;
	uint32_t	top_xid;		/* top-level transaction */
	uint32_t	xid;			/* the (sub)transaction that wrote the rows */
	uint32_t	cid;			/* command id of the rows */
	uint32_t	nrows;
	uint32_t	generation;		/* writer generation the xids belong to */
	uint32_t	interval_s;		/* chunk time window in seconds, stamped by the
								 * writer before the record enters the WAL (0 in
								 * older WAL: ztsdb.chunk_time_interval) */
	uint8_t		types[kMaxColumns];
};

struct CommitRecord
{
	uint8_t		type;			/* kRecCommit, kRecAbort, kRecStamped */
	uint8_t		flags;			/* kCommitDurable, kCommitSelf (kRecCommit);
								 * kStampUnmarked (kRecStamped) */
	uint8_t		reserved[2];
	uint32_t	top_xid;		/* kRecStamped: the stamped xid (a
								 * subtransaction's, if the rows are) */
	uint32_t	generation;
	uint32_t	stamp_top;		/* kRecStamped with kStampUnmarked: top-level
								 * xid whose marker decides; else zero */
};

struct TableRecord
{
	uint8_t		type;			/* kRecDropIf*, kRecTruncate */
	uint8_t		reserved[3];
	uint32_t	xid;
	TableKey	table;
	uint32_t	generation;
	uint32_t	reserved2;
};

enum RequestOp : uint8_t
{
	kReqSeal = 1,
	kReqCompress = 2,
	kReqDropChunks = 3
};

struct RequestRecord
{
	uint8_t		type;			/* kRecRequest */
	uint8_t		op;				/* RequestOp */
	uint8_t		reserved[2];
	uint32_t	procno;			/* requesting backend: where the answer goes */
	TableKey	table;
	int64_t		older_than;		/* compress/drop_chunks: max_ts < this (usec) */
	uint64_t	request_id;		/* echoed in the answer */
};

/*
 * RunStartRecord opens every writer run's stream, so replay can tell the
 * torn tail of an earlier run (followed by a file that starts a run) from
 * damage in the middle of one run.
 */
struct RunStartRecord
{
	uint8_t		type;			/* kRecRunStart */
	uint8_t		reserved[3];
	uint32_t	generation;
};

/*
 * FileImageRecord, then file_len bytes: a chunk file sealed while a base
 * backup was copying the data directory.  The copy may hold the manifest
 * that lists the file but not the file (created after its directory was
 * read); a cluster restored from the backup writes the file from this image
 * before its replay (wal_rmgr.h).
 */
struct FileImageRecord
{
	uint8_t		type;			/* kRecFileImage */
	uint8_t		tier;			/* kTierWarm / kTierCold */
	uint8_t		reserved[6];
	TableKey	table;
	uint64_t	chunk_id;
	uint64_t	file_len;
};

struct WalRecordHeader
{
	uint32_t	total_len;		/* header + payload, excluding padding */
	uint32_t	crc;
	uint64_t	lsn;
};

constexpr size_t
Align8(size_t n)
{
	return (n + 7) & ~size_t{7};
}

constexpr size_t
BitmapBytes(uint32_t nrows)
{
	return (nrows + 7) / 8;
}

/* BatchColumnBytes returns the bytes column type t of nrows rows takes in a batch. */
constexpr size_t
BatchColumnBytes(ColumnType t, uint32_t nrows)
{
	return Align8(BitmapBytes(nrows)) + Align8(ColumnWidth(t) * nrows);
}

/* BatchRowBytes returns the batch bytes one row costs at most (for sizing). */
size_t		BatchRowBytes(const ChunkLayout &layout) noexcept;

/* BatchBytes returns the exact size of a batch record of nrows rows. */
size_t		BatchBytes(const ChunkLayout &layout, uint32_t nrows) noexcept;

/*
 * BatchColumns fills validity[c] and values[c] with pointers into a batch
 * record.  ValidateRecord must have accepted the record first.
 */
void		BatchColumns(const uint8_t *record, uint8_t **validity, uint8_t **values) noexcept;

/*
 * ValidateRecord checks that payload[0..len) is a well-formed record of a
 * known type (sizes, column types, layout); replay calls it on every record
 * before trusting any field.
 */
Status		ValidateRecord(const uint8_t *payload, size_t len) noexcept;

/* WalRecordCrc returns the CRC32C of a WAL record (header crc field as zero). */
uint32_t	WalRecordCrc(const WalRecordHeader &header, const uint8_t *payload,
						 size_t payload_len) noexcept;

} // namespace ztsdb::core

#include "ztsdb/core/core_guard.h"
