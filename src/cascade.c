/*-------------------------------------------------------------------------
 *
 * cascade.c
 *	  The trigger functions that carry out SQLAlchemy's cascades for every
 *	  client, and the installing and removing of those triggers.
 *
 * Two triggers per table at most, each serving every relationship of the
 * table; which relationships apply is read from the catalog when they fire:
 *
 *	 "Corm_on_delete"  AFTER DELETE ... REFERENCING OLD TABLE AS corm_old
 *		a parent's delete cascades to its children, or nullifies their keys;
 *		deleting either side of a many-to-many deletes its association rows.
 *	 "Corm_on_update"  AFTER UPDATE ... REFERENCING OLD TABLE, NEW TABLE
 *		delete-orphan: a child whose key went from a value to NULL (by any
 *		statement, ON DELETE SET NULL included) is deleted.
 *
 * Each action is one set-based statement over the transition table, not one
 * per row.  The delete trigger is a ROW trigger all the same: row-level
 * AFTER triggers fire in name order, and "Corm_..." sorts before the
 * "RI_ConstraintTrigger_..." that check NO ACTION foreign keys, so the
 * children are gone before PostgreSQL checks that nothing references the
 * deleted rows.  Its first event of a statement does the whole statement's
 * work; the others only count down.  (Partitioned tables do not allow row
 * triggers with transition tables: there it is a statement trigger.)
 *
 * Like PostgreSQL's own referential actions (ri_triggers.c), every action
 * runs as the owner of the table it changes, ignoring forced row-level
 * security; a cascade that ERRORs undoes the whole statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "load.h"

PG_FUNCTION_INFO_V1(corm_on_delete);
PG_FUNCTION_INFO_V1(corm_on_update);

#define DELETE_TRIGGER	"Corm_on_delete"
#define UPDATE_TRIGGER	"Corm_on_update"

/* ---------- one piece of work per statement ---------- */

/* A statement whose row events are being counted down. */
typedef struct PendingStatement
{
	Tuplestorestate *table;
	Oid			trigger;
	int64		remaining;
} PendingStatement;

static List *pending = NIL;
static bool callback_registered = false;

static void
forget_pending(XactEvent event, void *arg)
{
	/* at the end of the transaction, nothing is pending any more */
	list_free_deep(pending);
	pending = NIL;
}

static void
forget_pending_subxact(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	/*
	 * An aborted subtransaction may leave counts behind; forgetting them all
	 * is safe, since doing a statement's work twice changes nothing.
	 */
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		list_free_deep(pending);
		pending = NIL;
	}
}

/*
 * Whether this row event is the first of its statement for this trigger:
 * then the caller does the statement's work.
 */
static bool
first_event(TriggerData *td, Tuplestorestate *table)
{
	ListCell   *lc;
	PendingStatement *p;
	int64		count = tuplestore_tuple_count(table);

	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		return true;
	foreach(lc, pending)
	{
		p = lfirst(lc);
		if (p->table == table && p->trigger == td->tg_trigger->tgoid)
		{
			if (--p->remaining <= 0)
			{
				pending = foreach_delete_current(pending, lc);
				pfree(p);
			}
			return false;
		}
	}
	if (!callback_registered)
	{
		RegisterXactCallback(forget_pending, NULL);
		RegisterSubXactCallback(forget_pending_subxact, NULL);
		callback_registered = true;
	}
	if (count > 1)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		p = palloc(sizeof(PendingStatement));
		p->table = table;
		p->trigger = td->tg_trigger->tgoid;
		p->remaining = count - 1;
		pending = lappend(pending, p);
		MemoryContextSwitchTo(old);
	}
	return true;
}

/* ---------- statements ---------- */

static Oid
table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* "a.c1, a.c2" for columns of relid (alias may be NULL) */
static char *
column_list(Oid relid, const AttrNumber *attnums, int n, const char *alias)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s%s%s", i ? ", " : "", alias ? alias : "", alias ? "." : "",
						 quote_identifier(get_attname(relid, attnums[i], false)));
	return buf.data;
}

/* "(c1, c2)" or "c1": the left side of an IN over n columns */
static char *
row_of(const char *list, int n)
{
	return n > 1 ? psprintf("(%s)", list) : pstrdup(list);
}

/* A condition that all (all_null false) or any (true) of the columns is NULL / NOT NULL. */
static char *
null_test(Oid relid, const AttrNumber *attnums, int n, const char *alias, bool is_null,
		  bool any)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s.%s IS %sNULL", i ? (any ? " OR " : " AND ") : "", alias,
						 quote_identifier(get_attname(relid, attnums[i], false)),
						 is_null ? "" : "NOT ");
	return psprintf("(%s)", buf.data);
}

/* Run an action statement as the owner of the table it changes. */
static uint64
run_action(Oid changed, const char *sql)
{
	Oid			save_userid;
	int			save_sec_context;
	int			ret;

	CHECK_FOR_INTERRUPTS();
	check_stack_depth();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(table_owner(changed),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	ret = SPI_execute(sql, false, 0);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (ret < 0)
		elog(ERROR, "corm cascade statement failed: %s", SPI_result_code_string(ret));
	return SPI_processed;
}

static bool
exists(const char *sql)
{
	int			ret = SPI_execute(sql, true, 1);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "corm cascade check failed: %s", SPI_result_code_string(ret));
	return SPI_processed > 0;
}

/* ---------- parent DELETE ---------- */

/* The rows of rel's target that the deleted parents (corm_old) hold. */
static char *
children_of_deleted(CormRelationship *rel)
{
	return psprintf("%s IN (SELECT %s FROM corm_old)",
					row_of(column_list(rel->target, rel->remote_attnums, rel->nremote, NULL),
						   rel->nremote),
					column_list(rel->parent, rel->local_attnums, rel->nlocal, NULL));
}

/* Without delete cascade: the children's keys become NULL, if they can. */
static void
nullify_children(CormRelationship *rel)
{
	StringInfoData set;
	int			i;
	bool		not_null = false;

	for (i = 0; i < rel->nremote; i++)
		not_null |= corm_column_not_null(rel->target, rel->remote_attnums[i]);
	if (not_null)
	{
		if (exists(psprintf("SELECT 1 FROM %s WHERE %s", corm_qualified_name(rel->target),
							children_of_deleted(rel))))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("deleting from \"%s\" would set %s of \"%s\" to NULL through relationship \"%s\"",
							get_rel_name(rel->parent),
							column_list(rel->target, rel->remote_attnums, rel->nremote, NULL),
							get_rel_name(rel->target),
							corm_relationship_display(rel->parent, rel->name)),
					 errdetail("The relationship's cascade has no delete, so its children are de-associated, but the column is NOT NULL."),
					 errhint("Add delete to the relationship's cascade (e.g. 'all, delete-orphan'), delete the children first, or pass passive_deletes => 'true' to leave it to the foreign key.")));
		return;
	}
	initStringInfo(&set);
	for (i = 0; i < rel->nremote; i++)
		appendStringInfo(&set, "%s%s = NULL", i ? ", " : "",
						 quote_identifier(get_attname(rel->target, rel->remote_attnums[i], false)));
	run_action(rel->target, psprintf("UPDATE %s SET %s WHERE %s", corm_qualified_name(rel->target), set.data,
									 children_of_deleted(rel)));
}

/* Whether relid has a relationship that is rel read from the other end. */
static bool
mirror_registered(List *rels, CormRelationship *rel)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		CormRelationship *m = lfirst(lc);

		if (m->parent == rel->target && m->secondary == rel->secondary &&
			m->direction == CORM_MANY_TO_MANY && m->nlocal == rel->nremote &&
			memcmp(m->secondary_local_attnums, rel->secondary_remote_attnums,
				   sizeof(AttrNumber) * rel->nremote) == 0)
			return true;
	}
	return false;
}

static void
delete_actions(Oid relid, List *rels)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);
		const char *secondary = OidIsValid(rel->secondary) ? corm_qualified_name(rel->secondary) : NULL;

		if (rel->parent == relid)
		{
			switch (rel->direction)
			{
				case CORM_ONE_TO_MANY:
				case CORM_ONE_TO_ONE:
					if (rel->passive_deletes != CORM_PASSIVE_FALSE)
						break;
					if (rel->cascade & CORM_CASCADE_DELETE)
						run_action(rel->target, psprintf("DELETE FROM %s WHERE %s",
														 corm_qualified_name(rel->target),
														 children_of_deleted(rel)));
					else
						nullify_children(rel);
					break;
				case CORM_MANY_TO_ONE:
					/* the rare cascade from a child to the object it refers to */
					if ((rel->cascade & CORM_CASCADE_DELETE) &&
						rel->passive_deletes == CORM_PASSIVE_FALSE)
						run_action(rel->target, psprintf("DELETE FROM %s WHERE %s",
														 corm_qualified_name(rel->target),
														 children_of_deleted(rel)));
					break;
				case CORM_MANY_TO_MANY:
					{
						char	   *assoc;

						if (rel->passive_deletes != CORM_PASSIVE_FALSE)
							break;
						assoc = psprintf("%s IN (SELECT %s FROM corm_old)",
										 row_of(column_list(rel->secondary, rel->secondary_local_attnums,
															rel->nlocal, NULL), rel->nlocal),
										 column_list(rel->parent, rel->local_attnums, rel->nlocal, NULL));
						if (rel->cascade & CORM_CASCADE_DELETE)
							/* the objects the association rows lead to, then the rows */
							run_action(rel->target,
									   psprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM %s WHERE %s)",
												corm_qualified_name(rel->target),
												row_of(column_list(rel->target, rel->remote_attnums,
																   rel->nremote, NULL), rel->nremote),
												column_list(rel->secondary, rel->secondary_remote_attnums,
															rel->nremote, NULL),
												secondary, assoc));
						run_action(rel->secondary, psprintf("DELETE FROM %s WHERE %s", secondary, assoc));
					}
					break;
			}
		}
		/* the other side of a many-to-many: its association rows go too */
		if (rel->target == relid && rel->direction == CORM_MANY_TO_MANY &&
			!mirror_registered(rels, rel))
			run_action(rel->secondary,
					   psprintf("DELETE FROM %s WHERE %s IN (SELECT %s FROM corm_old)", secondary,
								row_of(column_list(rel->secondary, rel->secondary_remote_attnums,
												   rel->nremote, NULL), rel->nremote),
								column_list(rel->target, rel->remote_attnums, rel->nremote, NULL)));
		/* an association row gone: delete-orphan deletes what it led to, if nothing else does */
		if (rel->secondary == relid && (rel->cascade & CORM_CASCADE_DELETE_ORPHAN))
			run_action(rel->target,
					   psprintf("DELETE FROM %s t WHERE %s IN (SELECT %s FROM corm_old) "
								"AND NOT EXISTS (SELECT 1 FROM %s s WHERE %s = %s)",
								corm_qualified_name(rel->target),
								row_of(column_list(rel->target, rel->remote_attnums, rel->nremote, "t"),
									   rel->nremote),
								column_list(rel->secondary, rel->secondary_remote_attnums, rel->nremote, NULL),
								secondary,
								row_of(column_list(rel->secondary, rel->secondary_remote_attnums,
												   rel->nremote, "s"), rel->nremote),
								row_of(column_list(rel->target, rel->remote_attnums, rel->nremote, "t"),
									   rel->nremote)));
	}
}

Datum
corm_on_delete(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			relid;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_DELETE(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event) || td->tg_oldtable == NULL)
		elog(ERROR, "corm.on_delete must fire AFTER DELETE with an OLD TABLE");
	if (!first_event(td, td->tg_oldtable))
		return PointerGetDatum(NULL);

	relid = RelationGetRelid(td->tg_relation);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPI_register_trigger_data(td);
	corm_cache_check();
	delete_actions(relid, corm_cached_all_relationships());
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* ---------- child UPDATE: delete-orphan ---------- */

/* "o.pk1 = n.pk1 AND ..." pairing old and new rows of relid by primary key */
static char *
pair_by_pk(Oid relid)
{
	CormTable  *t = corm_cached_table(relid);
	StringInfoData buf;
	int			i;

	if (t->npk == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has no primary key", get_rel_name(relid)),
				 errdetail("corm finds orphans by pairing the rows before and after an update by primary key."),
				 errhint("Add a primary key to the table.")));
	initStringInfo(&buf);
	for (i = 0; i < t->npk; i++)
		appendStringInfo(&buf, "%so.%s = n.%s", i ? " AND " : "", t->colnames[t->pk[i]],
						 t->colnames[t->pk[i]]);
	return buf.data;
}

static char *
pk_list(Oid relid, const char *alias)
{
	CormTable  *t = corm_cached_table(relid);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < t->npk; i++)
		appendStringInfo(&buf, "%s%s%s%s", i ? ", " : "", alias ? alias : "", alias ? "." : "",
						 t->colnames[t->pk[i]]);
	return buf.data;
}

static void
update_actions(Oid relid, List *rels)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);

		if (!(rel->cascade & CORM_CASCADE_DELETE_ORPHAN))
			continue;

		/* a child whose key went from a value to NULL, and is still NULL */
		if (rel->target == relid &&
			(rel->direction == CORM_ONE_TO_MANY || rel->direction == CORM_ONE_TO_ONE))
		{
			int			npk = corm_cached_table(relid)->npk;

			run_action(relid,
					   psprintf("DELETE FROM %s c WHERE %s IN (SELECT %s FROM corm_old o JOIN corm_new n ON %s "
								"WHERE %s AND %s) AND %s",
								corm_qualified_name(relid), row_of(pk_list(relid, "c"), npk), pk_list(relid, "n"),
								pair_by_pk(relid),
								null_test(relid, rel->remote_attnums, rel->nremote, "o", false, false),
								null_test(relid, rel->remote_attnums, rel->nremote, "n", true, true),
								null_test(relid, rel->remote_attnums, rel->nremote, "c", true, true)));
		}

		/*
		 * many-to-one with single_parent: the object a row stopped referring
		 * to is an orphan, unless another row still refers to it
		 */
		if (rel->parent == relid && rel->direction == CORM_MANY_TO_ONE)
		{
			char	   *remote = row_of(column_list(rel->target, rel->remote_attnums, rel->nremote, "t"),
										rel->nremote);

			run_action(rel->target,
					   psprintf("DELETE FROM %s t WHERE %s IN (SELECT %s FROM corm_old o JOIN corm_new n ON %s "
								"WHERE %s AND %s IS DISTINCT FROM %s) "
								"AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s = %s)",
								corm_qualified_name(rel->target), remote,
								column_list(relid, rel->local_attnums, rel->nlocal, "o"),
								pair_by_pk(relid),
								null_test(relid, rel->local_attnums, rel->nlocal, "o", false, false),
								row_of(column_list(relid, rel->local_attnums, rel->nlocal, "o"), rel->nlocal),
								row_of(column_list(relid, rel->local_attnums, rel->nlocal, "n"), rel->nlocal),
								corm_qualified_name(relid),
								row_of(column_list(relid, rel->local_attnums, rel->nlocal, "p"), rel->nlocal),
								remote));
		}
	}
}

Datum
corm_on_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event) || td->tg_oldtable == NULL || td->tg_newtable == NULL)
		elog(ERROR, "corm.on_update must fire AFTER UPDATE with OLD and NEW TABLE");
	if (!first_event(td, td->tg_oldtable))
		return PointerGetDatum(NULL);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPI_register_trigger_data(td);
	corm_cache_check();
	update_actions(RelationGetRelid(td->tg_relation), corm_cached_all_relationships());
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* ---------- installing and removing the triggers ---------- */

static void
corm_execute_ddl(const char *sql)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "corm could not run: %s", sql);
	SPI_finish();
}

/* Which of corm's triggers relid needs, from the catalog as it is now. */
static void
needed_triggers(Oid relid, List *rels, bool *on_delete, bool *on_update)
{
	ListCell   *lc;

	*on_delete = *on_update = false;
	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);

		if (rel->parent == relid)
		{
			if ((rel->direction != CORM_MANY_TO_ONE && rel->passive_deletes == CORM_PASSIVE_FALSE) ||
				(rel->direction == CORM_MANY_TO_ONE && (rel->cascade & CORM_CASCADE_DELETE)))
				*on_delete = true;
			if (rel->direction == CORM_MANY_TO_ONE && (rel->cascade & CORM_CASCADE_DELETE_ORPHAN))
				*on_update = true;
		}
		if (rel->target == relid && rel->direction == CORM_MANY_TO_MANY)
			*on_delete = true;
		if (rel->secondary == relid && (rel->cascade & CORM_CASCADE_DELETE_ORPHAN))
			*on_delete = true;
		if (rel->target == relid && (rel->cascade & CORM_CASCADE_DELETE_ORPHAN) &&
			(rel->direction == CORM_ONE_TO_MANY || rel->direction == CORM_ONE_TO_ONE))
			*on_update = true;
	}
}

/* The OID of corm's trigger tgname on relid, or InvalidOid. */
static Oid
find_trigger(Oid relid, const char *tgname)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Oid			result = InvalidOid;
	int			i;

	if (rel->trigdesc)
		for (i = 0; i < rel->trigdesc->numtriggers; i++)
			if (strcmp(rel->trigdesc->triggers[i].tgname, tgname) == 0)
				result = rel->trigdesc->triggers[i].tgoid;
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Remove a trigger of corm's without the usual ownership check: corm put it
 * there, and whoever may drop the relationship (or the extension) may drop it.
 */
static void
remove_trigger(Oid tgoid)
{
	ObjectAddress object;

	object.classId = TriggerRelationId;
	object.objectId = tgoid;
	object.objectSubId = 0;
	performDeletion(&object, DROP_RESTRICT, PERFORM_DELETION_INTERNAL);
}

/*
 * Make relid carry exactly the triggers its relationships need.  Creating one
 * runs CREATE TRIGGER as the caller, who registration checked owns relid.
 */
void
corm_sync_triggers(Oid relid)
{
	bool		on_delete;
	bool		on_update;
	Oid			tg;
	bool		partitioned;

	if (!OidIsValid(relid) || get_rel_name(relid) == NULL)
		return;
	needed_triggers(relid, corm_catalog_all_relationships(), &on_delete, &on_update);
	partitioned = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE;

	tg = find_trigger(relid, DELETE_TRIGGER);
	if (on_delete && !OidIsValid(tg))
		corm_execute_ddl(psprintf("CREATE TRIGGER %s AFTER DELETE ON %s REFERENCING OLD TABLE AS corm_old "
								  "FOR EACH %s EXECUTE FUNCTION corm.on_delete()",
								  quote_identifier(DELETE_TRIGGER), corm_qualified_name(relid),
								  partitioned ? "STATEMENT" : "ROW"));
	else if (!on_delete && OidIsValid(tg))
		remove_trigger(tg);

	tg = find_trigger(relid, UPDATE_TRIGGER);
	if (on_update && !OidIsValid(tg))
		corm_execute_ddl(psprintf("CREATE TRIGGER %s AFTER UPDATE ON %s "
								  "REFERENCING OLD TABLE AS corm_old NEW TABLE AS corm_new "
								  "FOR EACH STATEMENT EXECUTE FUNCTION corm.on_update()",
								  quote_identifier(UPDATE_TRIGGER), corm_qualified_name(relid)));
	else if (!on_update && OidIsValid(tg))
		remove_trigger(tg);
	CommandCounterIncrement();
}

/* DROP EXTENSION corm: every trigger corm installed goes first. */
void
corm_remove_all_triggers(void)
{
	uint64		i;
	List	   *oids = NIL;
	ListCell   *lc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT t.oid FROM pg_catalog.pg_trigger t "
					"JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid "
					"WHERE p.pronamespace OPERATOR(pg_catalog.=) "
					"(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) 'corm') "
					"AND p.proname IN ('on_delete', 'on_update')",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list corm's triggers");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		oids = lappend_oid(oids, DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																  SPI_tuptable->tupdesc, 1, &isnull)));
	}
	SPI_finish();
	foreach(lc, oids)
		remove_trigger(lfirst_oid(lc));
}
