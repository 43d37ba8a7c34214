/*-------------------------------------------------------------------------
 *
 * tam_options.cpp
 *	  Declared time and series columns of a ztsdb table, and its layout.
 *
 * A ztsdb table has one time column and at most one series column.  Unless
 * declared they are guessed (LayoutFromTupleDesc): the first NOT NULL
 * timestamptz/timestamp column and the first integer column.  A user
 * declares them as table options:
 *
 *		CREATE TABLE m (...) USING ztsdb
 *			WITH (ztsdb.time = 'ts', ztsdb.series = 'host_id');
 *
 * ztsdb.series = '' declares that the table has no series column.
 *
 * Why table options stored in pg_class.reloptions: that is where a
 * PostgreSQL user looks for per-table settings (\d+ shows them as
 * "Options:"), and pg_dump writes them back into the CREATE TABLE it emits,
 * so a restored table has its declared layout before its first row is
 * loaded.  (A catalog table of our own, dumped as extension configuration,
 * would be restored by pg_dump at an order of its choosing, possibly after
 * the table's rows, which would then be stored with the guessed layout.)
 * In PostgreSQL 15 a table access method cannot declare reloptions of its
 * own, and heap's validation rejects the "ztsdb" namespace, so the utility
 * hook (query_hooks.cpp) takes them out of the CREATE TABLE statement,
 * lets PostgreSQL create the table, then checks them against the columns
 * and writes them into pg_class.reloptions as "ztsdb.time=<column>" and
 * "ztsdb.series=<column>".  PostgreSQL's own reloptions parser ignores
 * entries it does not know when it is not validating (relcache, autovacuum),
 * so those entries are harmless there.  The one statement that validates
 * the whole array is ALTER TABLE SET/RESET (...): for it the hook takes our
 * entries out before PostgreSQL's work and puts them back after.  ALTER
 * TABLE ... RENAME COLUMN of a declared column updates the entry (also in
 * partitions, which the rename reaches).  Changing a declared column after
 * CREATE TABLE is refused: stored chunks are sorted and indexed by it.
 * CREATE TABLE AS refuses the options, since its rows are written before
 * the hook could record them.
 *
 * pg_dump writes the entries as "ztsdb.series"='host_id' (a quoted single
 * name), the user writes ztsdb.series = 'host_id' (namespace ztsdb, name
 * series): both forms are accepted.
 *
 * XXX: the options are recorded when PostgreSQL's CREATE TABLE work is
 * done; an event trigger on ddl_command_end that inserts into the new table
 * would write its rows with the guessed layout.
 *
 * The layout is not cached: LayoutOfRelation reads pg_class through the
 * syscache each time (a scan, a write buffer, a plan), which costs far less
 * than the work it starts, and can never be stale.  The writer never needs
 * it: every batch record carries the layout the backend computed, and chunk
 * files store it in their header.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/pg.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/tam/tam_dict.h"

extern "C" {
#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace ztsdb {

static const char *const declare_hint =
	"Declare the columns with WITH (ztsdb.time = 'column', ztsdb.series = 'column'); ztsdb.series = '' means no series column.";

/* ReadDeclared fills decl from relid's pg_class.reloptions (none if absent). */
static void
ReadDeclared(Oid relid, DeclaredColumns *decl)
{
	HeapTuple	tup;
	Datum		d;
	bool		isnull;
	ListCell   *lc;

	memset(decl, 0, sizeof(*decl));
	/* absent while CREATE TABLE creates the storage, before pg_class has the row */
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return;
	d = SysCacheGetAttr(RELOID, tup, Anum_pg_class_reloptions, &isnull);
	if (!isnull)
	{
		foreach(lc, untransformRelOptions(d))
		{
			DefElem    *def = lfirst_node(DefElem, lc);
			const char *value = def->arg ? defGetString(def) : "";

			if (strcmp(def->defname, "ztsdb.time") == 0)
			{
				decl->time = pstrdup(value);
				decl->has_time = true;
			}
			else if (strcmp(def->defname, "ztsdb.series") == 0)
			{
				decl->series = pstrdup(value);
				decl->has_series = true;
			}
		}
	}
	ReleaseSysCache(tup);
}

/* FindColumn returns the 0-based index of the live column called name, or -1. */
static int
FindColumn(TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	return -1;
}

bool
LayoutWithDeclared(TupleDesc desc, const DeclaredColumns *decl, core::ChunkLayout *layout,
				   bool report)
{
	if (!LayoutFromTupleDesc(desc, layout, report))
		return false;
	if (decl->has_time)
	{
		int			i = FindColumn(desc, decl->time);
		Form_pg_attribute att = i >= 0 ? TupleDescAttr(desc, i) : NULL;

		if (att == NULL)
		{
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" named by ztsdb.time does not exist", decl->time),
						 errhint("ztsdb.time names a timestamptz or timestamp column declared NOT NULL.")));
			return false;
		}
		if (att->atttypid != TIMESTAMPTZOID && att->atttypid != TIMESTAMPOID)
		{
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("time column \"%s\" has type %s", decl->time,
								format_type_be(att->atttypid)),
						 errhint("ztsdb.time names a timestamptz or timestamp column declared NOT NULL.")));
			return false;
		}
		if (!att->attnotnull)
		{
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
						 errmsg("time column \"%s\" of a ztsdb table must be NOT NULL", decl->time),
						 errhint("Declare it as \"%s %s NOT NULL\".", decl->time,
								 format_type_be(att->atttypid))));
			return false;
		}
		layout->time_col = (int16) i;
	}
	if (decl->has_series && decl->series[0] == '\0')
		layout->series_col = -1;
	else if (decl->has_series)
	{
		int			i = FindColumn(desc, decl->series);
		Form_pg_attribute att = i >= 0 ? TupleDescAttr(desc, i) : NULL;

		if (att == NULL)
		{
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" named by ztsdb.series does not exist", decl->series),
						 errhint("ztsdb.series names a smallint, integer, bigint, text or varchar column, or is '' for none.")));
			return false;
		}
		if (att->atttypid == NUMERICOID)
		{
			/* sealed files sort and index rows by an integer series */
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("series column \"%s\" has type numeric, which cannot be a series key",
								decl->series),
						 errhint("ztsdb.series names a smallint, integer, bigint, text or varchar column, or is '' for none.")));
			return false;
		}
		if (att->atttypid != INT2OID && att->atttypid != INT4OID && att->atttypid != INT8OID &&
			!IsDictType(att->atttypid))
		{
			if (report)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("series column \"%s\" has type %s", decl->series,
								format_type_be(att->atttypid)),
						 errhint("ztsdb.series names a smallint, integer, bigint, text or varchar column, or is '' for none.")));
			return false;
		}
		layout->series_col = (int16) i;
	}
	return true;
}

bool
LayoutOfRelation(Relation rel, core::ChunkLayout *layout, bool report)
{
	DeclaredColumns decl;

	ReadDeclared(RelationGetRelid(rel), &decl);
	return LayoutWithDeclared(RelationGetDescr(rel), &decl, layout, report);
}

/*
 * OptionKey returns "time" or "series" if def is one of our options in
 * either spelling (ztsdb.series = ..., "ztsdb.series" = ...), NULL if it is
 * not ours; it ereports for an unknown ztsdb option.
 */
static const char *
OptionKey(DefElem *def)
{
	const char *key;

	if (def->defnamespace != NULL && strcmp(def->defnamespace, "ztsdb") == 0)
		key = def->defname;
	else if (def->defnamespace == NULL && strncmp(def->defname, "ztsdb.", 6) == 0)
		key = def->defname + 6;
	else
		return NULL;
	if (strcmp(key, "time") != 0 && strcmp(key, "series") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized parameter \"ztsdb.%s\"", key),
				 errhint("ztsdb tables take the options ztsdb.time and ztsdb.series.")));
	return key;
}

/*
 * SplitOptions moves our options out of *options (a new list; the old one
 * is not modified) into decl; returns whether there were any.
 */
static bool
SplitOptions(List **options, DeclaredColumns *decl)
{
	List	   *rest = NIL;
	bool		found = false;
	ListCell   *lc;

	memset(decl, 0, sizeof(*decl));
	foreach(lc, *options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		const char *key = OptionKey(def);
		const char *value;

		if (key == NULL)
		{
			rest = lappend(rest, def);
			continue;
		}
		if (def->arg == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"ztsdb.%s\" needs a column name", key),
					 errhint("%s", declare_hint)));
		value = defGetString(def);
		found = true;
		if (strcmp(key, "time") == 0)
		{
			decl->time = pstrdup(value);
			decl->has_time = true;
		}
		else
		{
			decl->series = pstrdup(value);
			decl->has_series = true;
		}
	}
	*options = rest;
	return found;
}

/*
 * WriteDeclared replaces relid's ztsdb.* reloptions entries by decl's
 * (none if decl is NULL), keeping every other entry.  Sends the relcache
 * invalidation (CatalogTupleUpdate does) and makes the change visible.
 */
static void
WriteDeclared(Oid relid, const DeclaredColumns *decl)
{
	Relation	pg_class = table_open(RelationRelationId, RowExclusiveLock);
	HeapTuple	tup = SearchSysCacheCopy1(RELOID, ObjectIdGetDatum(relid));
	ArrayBuildState *astate = NULL;
	Datum		values[Natts_pg_class];
	bool		nulls[Natts_pg_class];
	bool		replace[Natts_pg_class];
	Datum		d;
	bool		isnull;
	HeapTuple	newtup;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	d = SysCacheGetAttr(RELOID, tup, Anum_pg_class_reloptions, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems,
						  NULL, &n);
		for (int i = 0; i < n; i++)
		{
			char	   *s = TextDatumGetCString(elems[i]);

			if (strncmp(s, "ztsdb.", 6) != 0)
				astate = accumArrayResult(astate, elems[i], false, TEXTOID, CurrentMemoryContext);
		}
	}
	if (decl != NULL && decl->has_time)
		astate = accumArrayResult(astate, CStringGetTextDatum(psprintf("ztsdb.time=%s", decl->time)),
								  false, TEXTOID, CurrentMemoryContext);
	if (decl != NULL && decl->has_series)
		astate = accumArrayResult(astate,
								  CStringGetTextDatum(psprintf("ztsdb.series=%s", decl->series)),
								  false, TEXTOID, CurrentMemoryContext);

	memset(values, 0, sizeof(values));
	memset(nulls, false, sizeof(nulls));
	memset(replace, false, sizeof(replace));
	replace[Anum_pg_class_reloptions - 1] = true;
	if (astate != NULL)
		values[Anum_pg_class_reloptions - 1] = makeArrayResult(astate, CurrentMemoryContext);
	else
		nulls[Anum_pg_class_reloptions - 1] = true;
	newtup = heap_modify_tuple(tup, RelationGetDescr(pg_class), values, nulls, replace);
	CatalogTupleUpdate(pg_class, &newtup->t_self, newtup);
	heap_freetuple(newtup);
	heap_freetuple(tup);
	table_close(pg_class, RowExclusiveLock);
	CommandCounterIncrement();
}

/*
 * ReportLayout is the NOTICE a CREATE TABLE of a ztsdb table gives when it
 * guessed a column: which ones it chose, and how to declare them.
 */
static void
ReportLayout(Relation rel, const DeclaredColumns *decl, const core::ChunkLayout &layout)
{
	TupleDesc	desc = RelationGetDescr(rel);
	const char *time_name = NameStr(TupleDescAttr(desc, layout.time_col)->attname);

	if (decl->has_time && decl->has_series)
		return;
	if (layout.series_col >= 0)
		ereport(NOTICE,
				(errmsg("ztsdb table \"%s\" uses time column \"%s\" and series column \"%s\"",
						RelationGetRelationName(rel), time_name,
						NameStr(TupleDescAttr(desc, layout.series_col)->attname)),
				 errhint("%s", declare_hint)));
	else
		ereport(NOTICE,
				(errmsg("ztsdb table \"%s\" uses time column \"%s\" and no series column",
						RelationGetRelationName(rel), time_name),
				 errhint("%s", declare_hint)));
}

/* RelidInCreationNamespace finds the table rv names where CREATE puts it. */
static Oid
RelidInCreationNamespace(const RangeVar *rv)
{
	Oid			nsp = RangeVarGetCreationNamespace(rv);

	return get_relname_relid(rv->relname, nsp);
}

PlannedStmt *
TableOptionsBefore(PlannedStmt *pstmt, TableOptionsState *st)
{
	Node	   *node = pstmt->utilityStmt;

	memset(st, 0, sizeof(*st));
	if (IsA(node, CreateStmt))
	{
		CreateStmt *stmt = castNode(CreateStmt, node);
		List	   *options = stmt->options;
		DeclaredColumns decl;
		bool		found = SplitOptions(&options, &decl);

		st->kind = kOptCreate;
		st->rv = stmt->relation;
		st->decl = decl;
		st->declared = found;
		if (stmt->if_not_exists)
			st->existed = OidIsValid(RelidInCreationNamespace(stmt->relation));
		if (found)
		{
			/* the statement may be in a cached plan: strip a copy */
			pstmt = static_cast<PlannedStmt *>(copyObjectImpl(pstmt));
			castNode(CreateStmt, pstmt->utilityStmt)->options = options;
			st->rv = castNode(CreateStmt, pstmt->utilityStmt)->relation;
		}
	}
	else if (IsA(node, CreateTableAsStmt))
	{
		/* its rows are written before the hook could record the options */
		CreateTableAsStmt *stmt = castNode(CreateTableAsStmt, node);
		List	   *options = stmt->into->options;
		DeclaredColumns decl;

		if (stmt->objtype == OBJECT_TABLE && SplitOptions(&options, &decl))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ztsdb.time and ztsdb.series cannot be given to CREATE TABLE AS"),
					 errhint("Create the table with CREATE TABLE ... USING ztsdb WITH (...), then fill it with INSERT ... SELECT.")));
	}
	else if (IsA(node, AlterTableStmt))
	{
		AlterTableStmt *stmt = castNode(AlterTableStmt, node);
		const char *ours = NULL;
		bool		sets = false;
		bool		is_ztsdb;
		Oid			relid;
		ListCell   *lc;

		if (stmt->objtype != OBJECT_TABLE)
			return pstmt;
		foreach(lc, stmt->cmds)
		{
			AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
			ListCell   *ld;

			if (cmd->subtype != AT_SetRelOptions && cmd->subtype != AT_ResetRelOptions &&
				cmd->subtype != AT_ReplaceRelOptions)
				continue;
			sets = true;
			foreach(ld, (List *) cmd->def)
			{
				const char *key = OptionKey(lfirst_node(DefElem, ld));

				if (key != NULL)
					ours = key;
			}
		}
		if (!sets)
			return pstmt;
		relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		is_ztsdb = OidIsValid(relid) && IsZtsdbRelid(relid);
		if (ours != NULL && !is_ztsdb)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ztsdb.%s applies only to tables using the ztsdb access method", ours),
					 errhint("Remove the option.")));
		if (ours != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ztsdb.%s cannot be changed after CREATE TABLE", ours),
					 errhint("Create a new table with the option and copy the rows with INSERT ... SELECT.")));
		if (!is_ztsdb)
			return pstmt;

		/*
		 * PostgreSQL validates the whole reloptions array and would reject
		 * our entries: take them out, put them back after.  The lock is the
		 * strongest any reloption asks, so that there is no upgrade later.
		 */
		LockRelationOid(relid, AccessExclusiveLock);
		ReadDeclared(relid, &st->decl);
		if (st->decl.has_time || st->decl.has_series)
		{
			st->kind = kOptAlter;
			st->relid = relid;
			WriteDeclared(relid, NULL);
		}
	}
	else if (IsA(node, RenameStmt))
	{
		RenameStmt *stmt = castNode(RenameStmt, node);

		if (stmt->renameType != OBJECT_COLUMN || stmt->relationType != OBJECT_TABLE ||
			stmt->relation == NULL)
			return pstmt;
		st->kind = kOptRename;
		st->rv = stmt->relation;
		st->oldname = stmt->subname;
		st->newname = stmt->newname;
	}
	return pstmt;
}

/* RenameDeclared follows a column rename in relid's declared columns. */
static void
RenameDeclared(Oid relid, const char *oldname, const char *newname)
{
	DeclaredColumns decl;
	bool		changed = false;

	if (!IsZtsdbRelid(relid))
		return;
	ReadDeclared(relid, &decl);
	if (decl.has_time && strcmp(decl.time, oldname) == 0)
	{
		decl.time = pstrdup(newname);
		changed = true;
	}
	if (decl.has_series && strcmp(decl.series, oldname) == 0)
	{
		decl.series = pstrdup(newname);
		changed = true;
	}
	if (changed)
		WriteDeclared(relid, &decl);
}

void
TableOptionsAfter(TableOptionsState *st)
{
	switch (st->kind)
	{
		case kOptNone:
			break;
		case kOptCreate:
			{
				Oid			relid;
				Relation	rel;
				core::ChunkLayout layout;

				if (st->existed)
				{
					if (st->declared)
						ereport(NOTICE,
								(errmsg("ztsdb.time and ztsdb.series were not applied to the existing table \"%s\"",
										st->rv->relname)));
					break;
				}
				CommandCounterIncrement();
				relid = RelidInCreationNamespace(st->rv);
				if (!OidIsValid(relid))
					break;
				/* created by this statement: we hold its AccessExclusiveLock */
				rel = relation_open(relid, NoLock);
				if (!IsZtsdbRelation(rel))
				{
					if (st->declared)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("ztsdb.time and ztsdb.series apply only to tables using the ztsdb access method"),
								 errhint("Add USING ztsdb to CREATE TABLE, or remove the options.")));
					relation_close(rel, NoLock);
					break;
				}
				(void) LayoutWithDeclared(RelationGetDescr(rel), &st->decl, &layout, true);
				if (st->declared)
					WriteDeclared(relid, &st->decl);
				ReportLayout(rel, &st->decl, layout);
				relation_close(rel, NoLock);
				break;
			}
		case kOptAlter:
			WriteDeclared(st->relid, &st->decl);
			break;
		case kOptRename:
			{
				Oid			relid = RangeVarGetRelid(st->rv, NoLock, true);
				List	   *rels;
				ListCell   *lc;

				if (!OidIsValid(relid))
					break;
				/* the rename reached inheritors (partitions) too; we hold their locks */
				rels = find_all_inheritors(relid, NoLock, NULL);
				foreach(lc, rels)
					RenameDeclared(lfirst_oid(lc), st->oldname, st->newname);
				break;
			}
	}
}

} // namespace ztsdb

extern "C" {
PG_FUNCTION_INFO_V1(ztsdb_table_layout);
}

/*
 * ztsdb_table_layout returns the time and series columns a ztsdb table
 * uses, and whether each was declared (else guessed).  Column names are
 * catalog information, readable without privileges on the table.
 */
extern "C" Datum
ztsdb_table_layout(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	ztsdb::DeclaredColumns decl;
	ztsdb::core::ChunkLayout layout;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	NameData	time_name;
	NameData	series_name;

	InitMaterializedSRF(fcinfo, 0);
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!ztsdb::IsZtsdbRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a ztsdb table", RelationGetRelationName(rel)),
				 errhint("Create it with CREATE TABLE ... USING ztsdb.")));
	ztsdb::ReadDeclared(relid, &decl);
	(void) ztsdb::LayoutWithDeclared(RelationGetDescr(rel), &decl, &layout, true);
	desc = RelationGetDescr(rel);
	namestrcpy(&time_name, NameStr(TupleDescAttr(desc, layout.time_col)->attname));
	values[0] = NameGetDatum(&time_name);
	if (layout.series_col >= 0)
	{
		namestrcpy(&series_name, NameStr(TupleDescAttr(desc, layout.series_col)->attname));
		values[1] = NameGetDatum(&series_name);
	}
	else
		nulls[1] = true;
	values[2] = BoolGetDatum(decl.has_time);
	values[3] = BoolGetDatum(decl.has_series);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}
