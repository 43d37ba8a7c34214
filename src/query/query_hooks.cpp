/*-------------------------------------------------------------------------
 *
 * query_hooks.cpp
 *	  Planner and utility hooks that keep ztsdb tables within what they
 *	  support.
 *
 * get_relation_info_hook: no parallel scans of ztsdb tables (their scan
 * is not parallel-aware yet).  object_access_hook: DROP TABLE hands the
 * table's data to the writer to delete once the dropping transaction
 * commits.  ProcessUtility_hook: ALTER TABLE forms that would change the
 * column layout of stored chunks are refused, and so is publishing a ztsdb
 * table by name (its rows are not in PostgreSQL's WAL); table options
 * ztsdb.time and ztsdb.series are handled around PostgreSQL's work
 * (tam_options.cpp).  Every hook calls the
 * previous one.
 *
 * CREATE TABLE ... USING ztsdb with a PRIMARY KEY, UNIQUE or EXCLUDE
 * constraint, and VACUUM FULL or CLUSTER of a named ztsdb table, are refused
 * in ProcessUtility_hook before PostgreSQL creates any storage: refused
 * later (index build, copy_for_cluster), they would leave a drop record for
 * the writer to resolve for a table that never held a row.
 *
 *-------------------------------------------------------------------------
 */
#include "ztsdb/core/record_format.h"
#include "ztsdb/pg.h"
#include "ztsdb/tam/tam.h"
#include "ztsdb/wal/wal_rmgr.h"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "access/tableam.h"
#include "nodes/parsenodes.h"
#include "optimizer/plancat.h"
#include "executor/executor.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
}

namespace ztsdb {

static get_relation_info_hook_type prev_get_relation_info = NULL;
static object_access_hook_type prev_object_access = NULL;
static ProcessUtility_hook_type prev_process_utility = NULL;
static ExecutorStart_hook_type prev_executor_start = NULL;
static ExecutorEnd_hook_type prev_executor_end = NULL;

/*
 * CheckModifyTable refuses UPDATE, DELETE and MERGE on ztsdb tables before
 * any row is touched, with the statement's name in the error.
 */
static void
CheckModifyTable(Plan *plan, List *rtable)
{
	ModifyTable *mt;
	const char *what;
	ListCell   *lc;

	if (plan == NULL || !IsA(plan, ModifyTable))
		return;
	mt = castNode(ModifyTable, plan);
	switch (mt->operation)
	{
		case CMD_UPDATE:
			what = "UPDATE";
			break;
		case CMD_DELETE:
			what = "DELETE";
			break;
		case CMD_MERGE:
			what = "MERGE";
			break;
		default:
			return;
	}
	foreach(lc, mt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), rtable);

		if (rte->rtekind == RTE_RELATION && rte->relkind == RELKIND_RELATION &&
			IsZtsdbRelid(rte->relid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s is not supported on ztsdb tables", what),
					 errhint("ztsdb tables are append-only; remove old data with ztsdb.drop_chunks().")));
	}
}

static void
ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	PlannedStmt *stmt = queryDesc->plannedstmt;
	ListCell   *lc;

	CheckModifyTable(stmt->planTree, stmt->rtable);
	foreach(lc, stmt->subplans)
		CheckModifyTable(static_cast<Plan *>(lfirst(lc)), stmt->rtable);
	NoteBackupStatement(queryDesc->sourceText);
	if (prev_executor_start)
		prev_executor_start(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
ExecutorEnd(QueryDesc *queryDesc)
{
	const char *sql = queryDesc->sourceText;

	if (prev_executor_end)
		prev_executor_end(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
	NoteBackupStatementDone(sql);
}

static void
GetRelationInfo(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	if (prev_get_relation_info)
		prev_get_relation_info(root, relid, inhparent, rel);
	if (get_rel_relkind(relid) == RELKIND_RELATION)
	{
		Relation	r = relation_open(relid, NoLock);

		if (IsZtsdbRelation(r))
			rel->rel_parallel_workers = 0;
		relation_close(r, NoLock);
	}
}

static void
ObjectAccess(ObjectAccessType access, Oid classId, Oid objectId, int subId, void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_DROP && classId == RelationRelationId && subId == 0 &&
		get_rel_relkind(objectId) == RELKIND_RELATION)
	{
		Relation	r = try_relation_open(objectId, NoLock);

		if (r != NULL)
		{
			if (IsZtsdbRelation(r))
				PushTableRecord(core::kRecDropIfCommitted, r->rd_node);
			relation_close(r, NoLock);
		}
	}
}

static void
CheckAlterTable(AlterTableStmt *stmt)
{
	Oid			relid;
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !IsZtsdbRelid(relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		const char *what = NULL;

		switch (cmd->subtype)
		{
			case AT_AddColumn:
			case AT_AddColumnRecurse:
				what = "ADD COLUMN";
				break;
			case AT_DropColumn:
			case AT_DropColumnRecurse:
				what = "DROP COLUMN";
				break;
			case AT_AlterColumnType:
				what = "ALTER COLUMN TYPE";
				break;
			case AT_DropNotNull:
				what = "DROP NOT NULL";
				break;
			case AT_SetAccessMethod:
				what = "SET ACCESS METHOD";
				break;
			case AT_SetLogged:
			case AT_SetUnLogged:
				what = "SET LOGGED/UNLOGGED";
				break;
			case AT_SetTableSpace:
				what = "SET TABLESPACE";
				break;
			default:
				break;
		}
		if (what != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ALTER TABLE ... %s is not supported on ztsdb tables", what),
					 errhint("Create a new ztsdb table and copy the rows with INSERT ... SELECT.")));
	}
}

/*
 * CheckPublication refuses to publish a ztsdb table by name: its rows are
 * not in PostgreSQL's WAL, so logical decoding would silently send none.
 */
static void
CheckPublication(List *pubobjects)
{
	ListCell   *lc;

	foreach(lc, pubobjects)
	{
		PublicationObjSpec *obj = lfirst_node(PublicationObjSpec, lc);
		Oid			relid;

		if (obj->pubobjtype != PUBLICATIONOBJ_TABLE || obj->pubtable == NULL)
			continue;
		relid = RangeVarGetRelid(obj->pubtable->relation, NoLock, true);
		if (OidIsValid(relid) && IsZtsdbRelid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ztsdb table \"%s\" cannot be published",
							obj->pubtable->relation->relname),
					 errdetail("ztsdb rows are not written to PostgreSQL's WAL, so logical replication would not send them."),
					 errhint("Publish a heap table instead, or copy the rows with ztsdb.range().")));
	}
}

/* IndexConstraintName names a constraint that needs an index, else NULL. */
static const char *
IndexConstraintName(Node *node)
{
	if (node == NULL || !IsA(node, Constraint))
		return NULL;
	switch (castNode(Constraint, node)->contype)
	{
		case CONSTR_PRIMARY:
			return "PRIMARY KEY";
		case CONSTR_UNIQUE:
			return "UNIQUE";
		case CONSTR_EXCLUSION:
			return "EXCLUDE";
		default:
			return NULL;
	}
}

/*
 * CheckCreateTable refuses CREATE TABLE ... USING ztsdb (or with ztsdb as
 * default_table_access_method) when the raw statement declares a
 * constraint that needs an index, with the same error the index build
 * would give.
 */
static void
CheckCreateTable(CreateStmt *stmt)
{
	const char *am = stmt->accessMethod != NULL ? stmt->accessMethod : default_table_access_method;
	ListCell   *lc;

	if (am == NULL || strcmp(am, "ztsdb") != 0 || stmt->partspec != NULL)
		return;
	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = (Node *) lfirst(lc);
		const char *what = IndexConstraintName(elt);

		if (what == NULL && IsA(elt, ColumnDef))
		{
			ListCell   *cc;

			foreach(cc, castNode(ColumnDef, elt)->constraints)
				if ((what = IndexConstraintName((Node *) lfirst(cc))) != NULL)
					break;
		}
		if (what != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("indexes on ztsdb tables are not supported"),
					 errdetail("A %s constraint needs an index.", what),
					 errhint("ztsdb tables keep their own time index; filter on the time column, and remove old data with ztsdb.drop_chunks().")));
	}
}

static void
RefuseRewrite(const RangeVar *rv)
{
	Oid			relid;

	if (rv == NULL)
		return;
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (OidIsValid(relid) && IsZtsdbRelid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("CLUSTER and VACUUM FULL are not supported on ztsdb tables"),
				 errhint("Chunks are already sorted by series and time when sealed.")));
}

/*
 * CheckVacuumFull refuses VACUUM FULL of a named ztsdb table before
 * PostgreSQL creates the new storage it would copy into.  A database-wide
 * VACUUM FULL still fails in copy_for_cluster.
 */
static void
CheckVacuumFull(VacuumStmt *stmt)
{
	bool		full = false;
	ListCell   *lc;

	if (!stmt->is_vacuumcmd)
		return;
	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "full") == 0)
			full = defGetBoolean(opt);
	}
	if (!full)
		return;
	foreach(lc, stmt->rels)
		RefuseRewrite(lfirst_node(VacuumRelation, lc)->relation);
}

static void
ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			   ProcessUtilityContext context, ParamListInfo params,
			   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	TableOptionsState options;

	if (IsA(pstmt->utilityStmt, AlterTableStmt))
		CheckAlterTable(castNode(AlterTableStmt, pstmt->utilityStmt));
	else if (IsA(pstmt->utilityStmt, CreateStmt))
		CheckCreateTable(castNode(CreateStmt, pstmt->utilityStmt));
	else if (IsA(pstmt->utilityStmt, VacuumStmt))
		CheckVacuumFull(castNode(VacuumStmt, pstmt->utilityStmt));
	else if (IsA(pstmt->utilityStmt, ClusterStmt))
		RefuseRewrite(castNode(ClusterStmt, pstmt->utilityStmt)->relation);
	else if (IsA(pstmt->utilityStmt, CreatePublicationStmt))
		CheckPublication(castNode(CreatePublicationStmt, pstmt->utilityStmt)->pubobjects);
	else if (IsA(pstmt->utilityStmt, AlterPublicationStmt))
		CheckPublication(castNode(AlterPublicationStmt, pstmt->utilityStmt)->pubobjects);
	pstmt = TableOptionsBefore(pstmt, &options);
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
							 dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);
	TableOptionsAfter(&options);
}

void
HooksInit(void)
{
	prev_get_relation_info = get_relation_info_hook;
	get_relation_info_hook = GetRelationInfo;
	prev_object_access = object_access_hook;
	object_access_hook = ObjectAccess;
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = ProcessUtility;
	prev_executor_start = ExecutorStart_hook;
	ExecutorStart_hook = ExecutorStart;
	prev_executor_end = ExecutorEnd_hook;
	ExecutorEnd_hook = ExecutorEnd;
}

} // namespace ztsdb
