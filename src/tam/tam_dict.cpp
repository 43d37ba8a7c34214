/*-------------------------------------------------------------------------
 *
 * tam_dict.cpp
 *	  Dictionary encoding of text and varchar columns.
 *
 * Each distinct string of a text or varchar column gets a 32-bit code, and
 * chunks store the codes as an int4 column: hot chunks, warm files, cold
 * codecs, series filters and sorting by series work on codes unchanged.
 * Strings are kept bit-exact (no collation is applied to them here).
 *
 * The dictionary is the table ztsdb_internal.dictionary(relid, attnum,
 * code, value), written through SPI in the inserting (sub)transaction.  Its
 * rows are PostgreSQL WAL-logged (so they replicate and survive a crash) and
 * share the fate of the rows that use them: a transaction that adds a
 * string writes PostgreSQL WAL, so its ztsdb commit marker is never a
 * kCommitSelf one (ingest_buffer.cpp), and replay keeps its rows only if
 * PostgreSQL's commit record, which also commits the dictionary rows, is
 * there.  A transaction that uses a string another one added flushes
 * PostgreSQL's WAL when it first reads that entry (MakeSeenDurable), so its
 * own durable commit never outlives an asynchronous commit it depends on.  Rows of an aborted transaction may carry codes whose dictionary
 * rows aborted too; those rows are invisible.
 *
 * Codes come from the sequence ztsdb_internal.dictionary_code_seq, so a
 * code is never reused, even after an abort or a crash.  They follow first
 * appearance, not text order: series order within chunks is code order,
 * and no custom path may claim text order from it (query_*.cpp refuse
 * tables with dictionary columns).
 *
 * Concurrency: a new string is added under a transaction-lifetime lock on
 * the table's dictionary (an object lock on (dictionary, relid)), after
 * looking again with a fresh snapshot: two transactions adding the same
 * string serialise, the second sees the first's code once it commits, or
 * adds its own if the first aborted.  Lookups of existing strings take no
 * lock.  Reads use the latest snapshot, not the transaction's, because a
 * committed code is valid for everyone whatever the isolation level.
 * XXX: one transaction adding strings to a table blocks others adding
 * (other) new strings to it until it ends; fine for tags, which are rarely
 * new, but not for high-cardinality text.
 *
 * Cache (backend-local, CacheMemoryContext): code -> value entries are
 * immutable (codes are never reused) and never freed, so decoded Datums
 * may point into them.  value -> code entries made in the current
 * transaction are "pending" until it commits; any abort (also of a
 * subtransaction) forgets pending ones, since their dictionary rows may
 * have vanished, and commit forgets those of strings we added (see
 * MakeSeenDurable), and a relcache invalidation of a table (DROP, TRUNCATE,
 * ALTER) forgets its value -> code entries in case its OID is reused.
 * DROP TABLE deletes the table's dictionary rows in the same transaction
 * (the event trigger ztsdb_drop_dictionaries, ztsdb--0.1.0.sql).
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/tam/tam_dict.h"

extern "C" {
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_collation.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "storage/lmgr.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
}

namespace ztsdb {

struct CodeKey
{
	Oid			relid;
	int16		attnum;
	int16		pad;			/* zeroed: keys hash as bytes */
	int32		code;
};

struct CodeEntry
{
	CodeKey		key;
	struct varlena *value;		/* 4-byte header, in dict_cxt; never freed */
};

struct ValueKey
{
	Oid			relid;
	int16		attnum;
	const char *data;			/* points to the string's bytes */
	uint32		len;
};

struct ValueEntry
{
	ValueKey	key;			/* data points into the CodeEntry's value */
	int32		code;
	bool		pending;		/* learnt in the current transaction */
	bool		own;			/* ... by adding it (not yet flushed) */
};

static MemoryContext dict_cxt = NULL;
static HTAB *code_hash = NULL;
static HTAB *value_hash = NULL;
static int	npending = 0;
static SPIPlanPtr plan_find = NULL;
static SPIPlanPtr plan_load = NULL;
static SPIPlanPtr plan_insert = NULL;

bool
IsDictType(Oid typid)
{
	return typid == TEXTOID || typid == VARCHAROID;
}

int
DictColumns(TupleDesc desc, bool *is_dict)
{
	int			n = 0;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		is_dict[i] = !att->attisdropped && IsDictType(att->atttypid);
		n += is_dict[i] ? 1 : 0;
	}
	return n;
}

bool
RelationHasDictColumns(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < desc->natts; i++)
		if (IsDictType(TupleDescAttr(desc, i)->atttypid))
			return true;
	return false;
}

bool
DictColumnsNeeded(Relation r, RelOptInfo *rel, bool target, int except_col, bool quals_as_codes)
{
	TupleDesc	desc = RelationGetDescr(r);
	Bitmapset  *attrs = NULL;
	Bitmapset  *qattrs = NULL;
	ListCell   *lc;
	int			x = -1;

	if (target)
		pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &attrs);
	/* quals_as_codes: the caller pushes every clause, none reads a string */
	if (!quals_as_codes)
		foreach(lc, rel->baserestrictinfo)
			pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause, rel->relid, &qattrs);
	/* codes stand for strings one to one only under a deterministic collation */
	if (except_col >= 0 && except_col < desc->natts &&
		(!OidIsValid(TupleDescAttr(desc, except_col)->attcollation) ||
		 get_collation_isdeterministic(TupleDescAttr(desc, except_col)->attcollation)))
	{
		attrs = bms_del_member(attrs, except_col + 1 - FirstLowInvalidHeapAttributeNumber);
	}
	attrs = bms_add_members(attrs, qattrs);
	while ((x = bms_next_member(attrs, x)) >= 0)
	{
		AttrNumber	a = (AttrNumber) (x + FirstLowInvalidHeapAttributeNumber);

		if (a == 0 && RelationHasDictColumns(r))
			return true;		/* a whole-row reference */
		if (a > 0 && a <= desc->natts && IsDictType(TupleDescAttr(desc, a - 1)->atttypid))
			return true;
	}
	return false;
}

static uint32
ValueHash(const void *key, Size keysize)
{
	const ValueKey *k = static_cast<const ValueKey *>(key);

	(void) keysize;
	return hash_bytes(reinterpret_cast<const unsigned char *>(k->data), (int) k->len) ^
		murmurhash32((uint32) k->relid * 32749u + (uint32) k->attnum);
}

static int
ValueMatch(const void *key1, const void *key2, Size keysize)
{
	const ValueKey *a = static_cast<const ValueKey *>(key1);
	const ValueKey *b = static_cast<const ValueKey *>(key2);

	(void) keysize;
	if (a->relid != b->relid || a->attnum != b->attnum || a->len != b->len)
		return 1;
	return memcmp(a->data, b->data, a->len);
}

static void
EnsureCache(void)
{
	HASHCTL		ctl;

	if (code_hash != NULL)
		return;
	if (dict_cxt == NULL)
		dict_cxt = AllocSetContextCreate(CacheMemoryContext, "ztsdb dictionary",
										 ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(CodeKey);
	ctl.entrysize = sizeof(CodeEntry);
	ctl.hcxt = dict_cxt;
	code_hash = hash_create("ztsdb dictionary codes", 256, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ValueKey);
	ctl.entrysize = sizeof(ValueEntry);
	ctl.hash = ValueHash;
	ctl.match = ValueMatch;
	ctl.hcxt = dict_cxt;
	value_hash = hash_create("ztsdb dictionary values", 256, &ctl,
							 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static CodeKey
MakeCodeKey(Oid relid, int16 attnum, int32 code)
{
	CodeKey		k;

	memset(&k, 0, sizeof(k));
	k.relid = relid;
	k.attnum = attnum;
	k.code = code;
	return k;
}

/*
 * Remember adds code <-> value to the cache (value: any varlena form, not
 * external).  The value -> code entry is pending when it was learnt in the
 * current transaction through a path that may see its own uncommitted
 * rows.  Returns the stable copy of the value.
 */
static CodeEntry *
Remember(Oid relid, int16 attnum, int32 code, const char *data, uint32 len, bool pending,
		 bool own)
{
	CodeKey		ck = MakeCodeKey(relid, attnum, code);
	CodeEntry  *ce;
	ValueEntry *ve;
	ValueKey	vk;
	bool		found;

	ce = static_cast<CodeEntry *>(hash_search(code_hash, &ck, HASH_ENTER, &found));
	if (!found)
	{
		ce->value = static_cast<struct varlena *>(MemoryContextAlloc(dict_cxt, VARHDRSZ + len));
		SET_VARSIZE(ce->value, VARHDRSZ + len);
		memcpy(VARDATA(ce->value), data, len);
	}
	vk.relid = relid;
	vk.attnum = attnum;
	vk.data = VARDATA(ce->value);
	vk.len = len;
	ve = static_cast<ValueEntry *>(hash_search(value_hash, &vk, HASH_ENTER, &found));
	if (!found)
	{
		ve->key = vk;
		ve->code = code;
		ve->pending = pending;
		ve->own = own;
		if (pending)
			npending++;
	}
	return ce;
}

/* PrepareKept prepares and keeps one of our statements (in SPI). */
static SPIPlanPtr
PrepareKept(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL)
		elog(ERROR, "ztsdb: SPI_prepare failed for dictionary query: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "ztsdb: SPI_keepplan failed");
	return plan;
}

/*
 * DictConnect connects to SPI as the bootstrap superuser (the dictionary
 * is internal: users need no rights on it); DictFinish undoes both.  An
 * error in between is cleaned up by transaction abort.
 */
static void
DictConnect(Oid *save_userid, int *save_sec)
{
	GetUserIdAndSecContext(save_userid, save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   *save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "ztsdb: SPI_connect failed");
	if (plan_find == NULL)
	{
		Oid			types[3] = {OIDOID, INT2OID, TEXTOID};

		plan_find = PrepareKept("SELECT code FROM ztsdb_internal.dictionary"
								" WHERE relid OPERATOR(pg_catalog.=) $1"
								" AND attnum OPERATOR(pg_catalog.=) $2"
								" AND value OPERATOR(pg_catalog.=) $3",
								3, types);
		plan_load = PrepareKept("SELECT code, value FROM ztsdb_internal.dictionary"
								" WHERE relid OPERATOR(pg_catalog.=) $1"
								" AND attnum OPERATOR(pg_catalog.=) $2",
								2, types);
		plan_insert = PrepareKept("INSERT INTO ztsdb_internal.dictionary(relid, attnum, code, value)"
								  " VALUES ($1, $2, pg_catalog.nextval('ztsdb_internal.dictionary_code_seq'::pg_catalog.regclass)::pg_catalog.int4, $3)"
								  " RETURNING code",
								  3, types);
	}
}

static void
DictFinish(Oid save_userid, int save_sec)
{
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec);
}

/*
 * MakeSeenDurable flushes PostgreSQL's WAL up to now, and with it the
 * commit record of any transaction whose dictionary rows we just read.  A
 * transaction that only uses existing strings writes no WAL and may commit
 * by its ztsdb marker alone (kCommitSelf, ingest_buffer.cpp): without the
 * flush, an asynchronous commit that added a string could be lost in a
 * crash while rows using its code survive.  Once per string and backend
 * (the cache remembers what was read), nothing on a standby.
 */
static void
MakeSeenDurable(void)
{
	if (!RecoveryInProgress())
		XLogFlush(GetXLogInsertRecPtr());
}

/* FindCode looks value up with the latest snapshot (inside DictConnect). */
static bool
FindCode(Oid relid, int16 attnum, text *value, int32 *code)
{
	Datum		args[3] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum), PointerGetDatum(value)};
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	int			rc;
	bool		isnull;

	rc = SPI_execute_snapshot(plan_find, args, NULL, snap, InvalidSnapshot, true, false, 1);
	UnregisterSnapshot(snap);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "ztsdb: dictionary lookup failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return false;
	*code = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	MakeSeenDurable();
	return true;
}

static ValueEntry *
CachedValue(Oid relid, int16 attnum, text *t)
{
	ValueKey	vk;

	vk.relid = relid;
	vk.attnum = attnum;
	vk.data = VARDATA_ANY(t);
	vk.len = VARSIZE_ANY_EXHDR(t);
	return static_cast<ValueEntry *>(hash_search(value_hash, &vk, HASH_FIND, NULL));
}

int32
DictEncode(Oid relid, int16 attnum, Datum value)
{
	text	   *t = DatumGetTextPP(value);
	ValueEntry *ve;
	Oid			save_userid;
	int			save_sec;
	int32		code;
	bool		added = false;

	EnsureCache();
	ve = CachedValue(relid, attnum, t);
	if (ve != NULL)
	{
		code = ve->code;
		if ((Pointer) t != DatumGetPointer(value))
			pfree(t);
		return code;
	}

	DictConnect(&save_userid, &save_sec);
	if (!FindCode(relid, attnum, t, &code))
	{
		/* new here: serialise adders of this table's strings, look again */
		LockDatabaseObject(RelationRelationId, relid, 0x7a74, ExclusiveLock);
		if (!FindCode(relid, attnum, t, &code))
		{
			Datum		args[3] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum), PointerGetDatum(t)};
			int			rc = SPI_execute_plan(plan_insert, args, NULL, false, 1);
			bool		isnull;

			if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
				elog(ERROR, "ztsdb: dictionary insert failed: %s", SPI_result_code_string(rc));
			code = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											   &isnull));
			added = true;
		}
	}
	DictFinish(save_userid, save_sec);
	Remember(relid, attnum, code, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true, added);
	if ((Pointer) t != DatumGetPointer(value))
		pfree(t);
	return code;
}

bool
DictLookup(Oid relid, int16 attnum, Datum value, int32 *code)
{
	text	   *t = DatumGetTextPP(value);
	ValueEntry *ve;
	Oid			save_userid;
	int			save_sec;
	bool		found;

	EnsureCache();
	ve = CachedValue(relid, attnum, t);
	if (ve != NULL)
	{
		*code = ve->code;
		return true;
	}
	DictConnect(&save_userid, &save_sec);
	found = FindCode(relid, attnum, t, code);
	DictFinish(save_userid, save_sec);
	if (found)
		Remember(relid, attnum, *code, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true, false);
	return found;
}

/* LoadColumn caches every dictionary entry of (relid, attnum) it can see. */
static void
LoadColumn(Oid relid, int16 attnum)
{
	Datum		args[2] = {ObjectIdGetDatum(relid), Int16GetDatum(attnum)};
	Oid			save_userid;
	int			save_sec;
	Snapshot	snap;
	int			rc;

	DictConnect(&save_userid, &save_sec);
	snap = RegisterSnapshot(GetLatestSnapshot());
	rc = SPI_execute_snapshot(plan_load, args, NULL, snap, InvalidSnapshot, true, false, 0);
	UnregisterSnapshot(snap);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "ztsdb: dictionary load failed: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		int32		code = DatumGetInt32(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		Datum		v = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);
		CodeKey		ck = MakeCodeKey(relid, attnum, code);
		text	   *t;

		if (hash_search(code_hash, &ck, HASH_FIND, NULL) != NULL)
			continue;
		t = DatumGetTextPP(v);	/* detoasts a long value, in SPI memory */
		Remember(relid, attnum, code, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true, false);
	}
	if (SPI_processed > 0)
		MakeSeenDurable();
	DictFinish(save_userid, save_sec);
}

Datum
DictDecode(Oid relid, int16 attnum, int32 code)
{
	CodeKey		ck = MakeCodeKey(relid, attnum, code);
	CodeEntry  *ce;

	EnsureCache();
	ce = static_cast<CodeEntry *>(hash_search(code_hash, &ck, HASH_FIND, NULL));
	if (ce == NULL)
	{
		LoadColumn(relid, attnum);
		ce = static_cast<CodeEntry *>(hash_search(code_hash, &ck, HASH_FIND, NULL));
		if (ce == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("ztsdb: code %d of column %d of table \"%s\" has no dictionary entry",
							code, attnum, get_rel_name(relid))));
	}
	return PointerGetDatum(ce->value);
}

/*
 * ForgetValues removes value -> code entries: the pending ones (after an
 * abort), or those of relid (InvalidOid: all).  Code entries stay.
 */
static void
ForgetValues(bool pending_only, Oid relid)
{
	HASH_SEQ_STATUS st;
	ValueEntry *ve;

	if (value_hash == NULL)
		return;
	hash_seq_init(&st, value_hash);
	while ((ve = static_cast<ValueEntry *>(hash_seq_search(&st))) != NULL)
	{
		bool		drop = pending_only ? ve->pending
			: (relid == InvalidOid || ve->key.relid == relid);

		if (!drop)
			continue;
		if (ve->pending)
			npending--;
		(void) hash_search(value_hash, &ve->key, HASH_REMOVE, NULL);
	}
}

static void
DictXactCallback(XactEvent event, void *arg)
{
	(void) arg;
	if (npending == 0 || value_hash == NULL)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		HASH_SEQ_STATUS st;
		ValueEntry *ve;

		/*
		 * Strings we added are forgotten: their next use reads them again
		 * and so flushes our commit record, which may be asynchronous
		 * (MakeSeenDurable).  The others stay.
		 */
		hash_seq_init(&st, value_hash);
		while ((ve = static_cast<ValueEntry *>(hash_seq_search(&st))) != NULL)
		{
			if (ve->own)
				(void) hash_search(value_hash, &ve->key, HASH_REMOVE, NULL);
			else
				ve->pending = false;
		}
		npending = 0;
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_PREPARE)
		ForgetValues(true, InvalidOid);
}

static void
DictSubXactCallback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
					void *arg)
{
	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event == SUBXACT_EVENT_ABORT_SUB && npending > 0)
		ForgetValues(true, InvalidOid);
}

static void
DictRelcacheCallback(Datum arg, Oid relid)
{
	(void) arg;
	ForgetValues(false, relid);
}

void
DictInit(void)
{
	RegisterXactCallback(DictXactCallback, NULL);
	RegisterSubXactCallback(DictSubXactCallback, NULL);
	CacheRegisterRelcacheCallback(DictRelcacheCallback, PointerGetDatum(NULL));
}

} // namespace ztsdb
