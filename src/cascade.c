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
 * A partitioned table with foreign partitions (postgres_fdw shards) can
 * have no transition tables at all: PostgreSQL refuses to collect them from
 * foreign partitions.  There both triggers are plain row triggers, which
 * PostgreSQL clones onto every partition, foreign ones included, and each
 * event does the work for its one row: the same statements, reading the row
 * from parameters (deparse.c), which postgres_fdw sends to the shards as
 * "DELETE ... WHERE fk = $1" (docs/scaling.md).
 *
 * Like PostgreSQL's own referential actions (ri_triggers.c), every action
 * runs as the owner of the table it changes, ignoring forced row-level
 * security; a cascade that ERRORs undoes the whole statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tupconvert.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_trigger.h"
#include "catalog/indexing.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "deparse.h"
#include "load.h"

PG_FUNCTION_INFO_V1(corm_on_delete);
PG_FUNCTION_INFO_V1(corm_on_update);

#define DELETE_TRIGGER	"Corm_on_delete"
#define UPDATE_TRIGGER	"Corm_on_update"

/* ---------- one piece of work per statement ---------- */

/*
 * A statement whose row events are being counted down: the first event of
 * (trigger, transition table) does the work for all the statement's rows,
 * the others only count.  For a table without inheritance children (see
 * check_no_inheritance) a statement fires exactly one row event per row
 * of its transition table, so the count always reaches zero and an entry
 * never outlives its statement — unless the statement fails: then the
 * (sub)transaction it ran in aborts, and so do the entries made in it, so
 * that a later statement's transition table at the same address is never
 * taken for it.  A subtransaction aborted by someone else's EXCEPTION
 * block leaves the others alone.
 */
typedef struct PendingStatement
{
	Tuplestorestate *table;
	Oid			trigger;
	int64		remaining;
	SubTransactionId subid;		/* made in this subtransaction */
} PendingStatement;

static List *pending = NIL;
static bool callback_registered = false;

static void
forget_pending(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		list_free_deep(pending);
		pending = NIL;
	}
}

static void
forget_pending_subxact(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	/* what began after mySubid began lies within it: gone with it */
	foreach(lc, pending)
	{
		PendingStatement *p = lfirst(lc);

		if (p->subid >= mySubid)
		{
			pending = foreach_delete_current(pending, lc);
			pfree(p);
		}
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
		p->subid = GetCurrentSubTransactionId();
		pending = lappend(pending, p);
		MemoryContextSwitchTo(old);
	}
	return true;
}

/*
 * A DELETE on a table with inheritance children puts the children's rows
 * in the transition table but fires no row event of the parent's for
 * them: the count above would never end.  Relationships follow foreign
 * keys, which do not reach into inheritance children, so corm refuses such
 * tables at registration; this catches children added later.
 */
static void
check_no_inheritance(Relation rel)
{
	if (rel->rd_rel->relkind == RELKIND_RELATION && rel->rd_rel->relhassubclass &&
		find_inheritance_children(RelationGetRelid(rel), NoLock) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("corm cannot cascade deletes from table \"%s\", which has inheritance children",
						RelationGetRelationName(rel)),
				 errdetail("corm's relationships follow foreign keys, which do not reach into inheritance children."),
				 errhint("Use declarative partitioning, or drop the relationships of \"%s\".",
						 RelationGetRelationName(rel))));
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

/*
 * The row of a row event, as the parameters of deparse.c's one-row
 * statements (NULL in a statement's work over transition tables).
 */
typedef struct ChangedRow
{
	int			nargs;
	Oid		   *types;
	Datum	   *values;
	char	   *nulls;
} ChangedRow;

/*
 * Run a statement of deparse.c as the owner of relid (the table it
 * changes, or reads for a check), as ri_triggers.c runs referential
 * actions: row-level security not forced on the owner, search_path pinned
 * to pg_catalog, pg_temp while it is parsed and run.
 *
 * Its AFTER triggers are not fired at its end but queued at the level of
 * the statement being cascaded, which fires them when this trigger
 * returns (ri_triggers.c does the same): a cascade down a tree 10,000
 * levels deep is a loop of that level, not a recursion of the stack.
 * Returns the number of rows processed (at most limit, 0 for all).
 */
static uint64
run_as_owner(Oid relid, const char *sql, long limit, const ChangedRow *row)
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	SPIPlanPtr	plan;
	int			ret;

	CHECK_FOR_INTERRUPTS();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(table_owner(relid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	plan = SPI_prepare(sql, row ? row->nargs : 0, row ? row->types : NULL);
	if (plan == NULL)
		elog(ERROR, "corm could not prepare its cascade statement: %s",
			 SPI_result_code_string(SPI_result));
	ret = SPI_execute_snapshot(plan, row ? row->values : NULL, row ? row->nulls : NULL,
							   InvalidSnapshot, InvalidSnapshot, false, false, limit);
	if (ret < 0)
		elog(ERROR, "corm cascade statement failed: %s", SPI_result_code_string(ret));
	SPI_freeplan(plan);

	AtEOXact_GUC(true, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return SPI_processed;
}

/* ---------- parent DELETE ---------- */

/*
 * Without delete cascade: the children's keys become NULL, if they can.
 * The check reads the children as their owner, like the UPDATE would: a
 * policy hiding them from the deleting role must not let it through.
 */
static void
nullify_children(CormRelationship *rel, const ChangedRow *row)
{
	int			i;
	bool		not_null = false;

	for (i = 0; i < rel->nremote; i++)
		not_null |= corm_column_not_null(rel->target, rel->remote_attnums[i]);
	if (!not_null)
	{
		run_as_owner(rel->target, corm_deparse_nullify_children(rel, row != NULL), 0, row);
		return;
	}
	if (run_as_owner(rel->target, corm_deparse_children_exist(rel, row != NULL), 1, row) > 0)
	{
		StringInfoData cols;

		initStringInfo(&cols);
		for (i = 0; i < rel->nremote; i++)
		{
			if (i > 0)
				appendStringInfoString(&cols, ", ");
			corm_deparse_column(&cols, rel->target, rel->remote_attnums[i], NULL);
		}
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("deleting from \"%s\" would set %s of \"%s\" to NULL through relationship \"%s\"",
						get_rel_name(rel->parent), cols.data, get_rel_name(rel->target),
						corm_relationship_display(rel->parent, rel->name)),
				 errdetail("The relationship's cascade has no delete, so its children are de-associated, but the column is NOT NULL."),
				 errhint("Add delete to the relationship's cascade (e.g. 'all, delete-orphan'), delete the children first, or pass passive_deletes => 'true' to leave it to the foreign key.")));
	}
}

/* ---------- what a foreign key already does ---------- */

/*
 * Whether a foreign key of fkrel (columns fkcols) referencing pkrel
 * (columns pkcols, paired in that order, in any order of the pairs) is
 * declared ON DELETE CASCADE.  Then PostgreSQL's own referential action
 * deletes those rows, as the table's owner, ignoring row-level security,
 * before the statement ends: exactly what corm's statement would do.  corm
 * leaves it to the foreign key rather than deleting first and letting the
 * foreign key's trigger search, row by row, for what is already gone.
 */
static bool
foreign_key_cascades(Oid fkrel, const AttrNumber *fkcols, Oid pkrel,
					 const AttrNumber *pkcols, int n)
{
	Relation	rel = table_open(fkrel, AccessShareLock);
	List	   *fkeys = RelationGetFKeyList(rel);
	ListCell   *lc;
	bool		result = false;

	foreach(lc, fkeys)
	{
		ForeignKeyCacheInfo *fk = lfirst(lc);
		HeapTuple	tup;
		int			matched = 0;

		if (fk->confrelid != pkrel || fk->nkeys != n)
			continue;
		for (int i = 0; i < n; i++)
			for (int j = 0; j < n; j++)
				if (fk->conkey[j] == fkcols[i] && fk->confkey[j] == pkcols[i])
				{
					matched++;
					break;
				}
		if (matched != n)
			continue;
		tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(fk->conoid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for constraint %u", fk->conoid);
		result = ((Form_pg_constraint) GETSTRUCT(tup))->confdeltype == FKCONSTR_ACTION_CASCADE;
		ReleaseSysCache(tup);
		if (result)
			break;
	}
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Whether the children of rel (a one-to-many or one-to-one with delete
 * cascade) are left to their foreign key.  Not when another relationship
 * of the same parent de-associates rows of the same table: corm's
 * nullifying comes before the foreign key's deletes, and must not see
 * (or refuse as NOT NULL) the rows those deletes take.
 */
static bool
children_left_to_foreign_key(List *rels, CormRelationship *rel)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		CormRelationship *other = lfirst(lc);

		if (other->parent == rel->parent && other->target == rel->target &&
			other->passive_deletes == CORM_PASSIVE_FALSE &&
			(other->direction == CORM_ONE_TO_MANY || other->direction == CORM_ONE_TO_ONE) &&
			!(other->cascade & CORM_CASCADE_DELETE))
			return false;
	}
	return foreign_key_cascades(rel->target, rel->remote_attnums, rel->parent,
								rel->local_attnums, rel->nremote);
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
delete_actions(Oid relid, List *rels, const ChangedRow *row)
{
	ListCell   *lc;
	bool		one_row = row != NULL;

	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);

		if (rel->parent == relid && rel->passive_deletes == CORM_PASSIVE_FALSE)
		{
			switch (rel->direction)
			{
				case CORM_ONE_TO_MANY:
				case CORM_ONE_TO_ONE:
					if ((rel->cascade & CORM_CASCADE_DELETE) &&
						!children_left_to_foreign_key(rels, rel))
						run_as_owner(rel->target, corm_deparse_delete_children(rel, one_row), 0, row);
					break;
				case CORM_MANY_TO_ONE:
					/* the rare cascade from a child to the object it refers to */
					if (rel->cascade & CORM_CASCADE_DELETE)
						run_as_owner(rel->target, corm_deparse_delete_children(rel, one_row), 0, row);
					break;
				case CORM_MANY_TO_MANY:
					/* the objects the association rows lead to, then the rows */
					if (rel->cascade & CORM_CASCADE_DELETE)
						run_as_owner(rel->target,
									 corm_deparse_delete_secondary_targets(rel, one_row), 0, row);
					if (!foreign_key_cascades(rel->secondary, rel->secondary_local_attnums,
											  rel->parent, rel->local_attnums, rel->nlocal))
						run_as_owner(rel->secondary, corm_deparse_delete_secondary(rel, true, one_row),
									 0, row);
					break;
			}
		}
		/* the other side of a many-to-many: its association rows go too */
		if (rel->target == relid && rel->direction == CORM_MANY_TO_MANY &&
			!mirror_registered(rels, rel) &&
			!foreign_key_cascades(rel->secondary, rel->secondary_remote_attnums,
								  rel->target, rel->remote_attnums, rel->nremote))
			run_as_owner(rel->secondary, corm_deparse_delete_secondary(rel, false, one_row), 0, row);
		/* an association row gone: delete-orphan deletes what it led to, if nothing else does */
		if (rel->secondary == relid && (rel->cascade & CORM_CASCADE_DELETE_ORPHAN))
			run_as_owner(rel->target, corm_deparse_delete_secondary_orphans(rel, one_row), 0, row);
	}

	/*
	 * Then the children left are de-associated: not before, so that a child
	 * another relationship deletes is not nullified (or refused as NOT NULL)
	 * first, whatever the order of the relationships' names — as SQLAlchemy
	 * does not nullify what it deletes.
	 */
	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);

		if (rel->parent == relid && rel->passive_deletes == CORM_PASSIVE_FALSE &&
			(rel->direction == CORM_ONE_TO_MANY || rel->direction == CORM_ONE_TO_ONE) &&
			!(rel->cascade & CORM_CASCADE_DELETE))
			nullify_children(rel, row);
	}
}

/*
 * The primary key of relid (or its declared key), to pair its rows before
 * and after an update, or to find a row that moved between partitions.
 */
static int
primary_key(Oid relid, AttrNumber *pk)
{
	CormTable  *t = corm_cached_table(relid);
	int			i;

	if (t->npk == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has no primary key", get_rel_name(relid)),
				 errdetail("corm finds orphans by pairing the rows before and after an update by primary key, and rows moved between partitions by it."),
				 t->foreign_parts
				 ? errhint("A partitioned table with foreign partitions cannot have one: declare its key with corm_primary_key().")
				 : errhint("Add a primary key to the table.")));
	for (i = 0; i < t->npk; i++)
		pk[i] = t->attnums[t->pk[i]];
	return t->npk;
}

/*
 * The table whose relationships a trigger serves: its own, or for a clone
 * that PostgreSQL made on a partition (row triggers of a partitioned
 * table), the table of the trigger it was cloned from, up the chain.
 */
static Oid
trigger_table(TriggerData *td)
{
	Oid			relid = RelationGetRelid(td->tg_relation);
	Oid			tgoid = td->tg_trigger->tgoid;
	Relation	tgrel;

	if (!td->tg_trigger->tgisclone)
		return relid;
	tgrel = table_open(TriggerRelationId, AccessShareLock);
	while (OidIsValid(tgoid))
	{
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;
		Form_pg_trigger tg;

		ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(tgoid));
		scan = systable_beginscan(tgrel, TriggerOidIndexId, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "could not find trigger %u", tgoid);
		tg = (Form_pg_trigger) GETSTRUCT(tup);
		relid = tg->tgrelid;
		tgoid = tg->tgparentid;
		systable_endscan(scan);
	}
	table_close(tgrel, AccessShareLock);
	return relid;
}

/*
 * A row event's old row (and new, for an update) as the parameters of the
 * one-row statements: the live columns of relid — the table the trigger
 * serves, of which the row's table is a partition — in attribute order,
 * matched by name.
 */
static ChangedRow *
changed_row(TriggerData *td, Oid relid, HeapTuple oldtup, HeapTuple newtup)
{
	CormTable  *t = corm_cached_table(relid);
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConversionMap *map = convert_tuples_by_name(RelationGetDescr(td->tg_relation), desc);
	ChangedRow *row = palloc(sizeof(ChangedRow));
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *isnull = palloc(sizeof(bool) * desc->natts);
	int			n = t->ncols;
	int			k;
	int			i;

	row->nargs = newtup ? 2 * n : n;
	row->types = palloc(sizeof(Oid) * row->nargs);
	row->values = palloc(sizeof(Datum) * row->nargs);
	row->nulls = palloc(row->nargs);
	for (k = 0; k < (newtup ? 2 : 1); k++)
	{
		HeapTuple	tup = k == 0 ? oldtup : newtup;

		if (map)
			tup = execute_attr_map_tuple(tup, map);
		heap_deform_tuple(tup, desc, values, isnull);
		for (i = 0; i < n; i++)
		{
			int			a = t->attnums[i] - 1;

			row->types[k * n + i] = t->coltypes[i];
			row->values[k * n + i] = values[a];
			row->nulls[k * n + i] = isnull[a] ? 'n' : ' ';
		}
	}
	table_close(rel, AccessShareLock);
	return row;
}

/*
 * A row event's DELETE of a row that is still there, by key: an UPDATE of
 * the partition key moved it to another partition, which PostgreSQL runs
 * as a DELETE and an INSERT and reports as the DELETE alone to row
 * triggers.  Nothing was deleted: row (the old row) gets the row as it is
 * now as its new row, and true is returned.  Only rows of local partitions
 * move: postgres_fdw updates a foreign partition's row in place (and
 * PostgreSQL checks no partition constraint of a foreign partition).
 */
static bool
moved_row(Oid relid, ChangedRow *row)
{
	AttrNumber	pk[CORM_MAX_KEYS];
	int			npk = primary_key(relid, pk);
	int			n = row->nargs;
	int			i;

	if (run_as_owner(relid, corm_deparse_row_by_key(relid, pk, npk), 1, row) == 0)
		return false;
	row->types = repalloc(row->types, sizeof(Oid) * 2 * n);
	row->values = repalloc(row->values, sizeof(Datum) * 2 * n);
	row->nulls = repalloc(row->nulls, 2 * n);
	for (i = 0; i < n; i++)
	{
		bool		isnull;
		Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, i);
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);

		row->types[n + i] = row->types[i];
		row->values[n + i] = isnull ? (Datum) 0 : datumCopy(d, att->attbyval, att->attlen);
		row->nulls[n + i] = isnull ? 'n' : ' ';
	}
	row->nargs = 2 * n;
	return true;
}

static void update_actions(Oid relid, List *rels, const ChangedRow *row);

Datum
corm_on_delete(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	CormCachePin *pin;
	Oid			relid;
	ChangedRow *row = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_DELETE(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event) ||
		(td->tg_oldtable == NULL && !TRIGGER_FIRED_FOR_ROW(td->tg_event)))
		elog(ERROR, "corm.on_delete must fire AFTER DELETE with an OLD TABLE, or for each row");
	if (td->tg_oldtable != NULL)
	{
		if (!first_event(td, td->tg_oldtable))
			return PointerGetDatum(NULL);
		check_no_inheritance(td->tg_relation);
	}

	pin = corm_cache_pin(CurrentMemoryContext);
	relid = trigger_table(td);
	if (td->tg_oldtable == NULL)
		row = changed_row(td, relid, td->tg_trigtuple, NULL);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (row == NULL)
		SPI_register_trigger_data(td);
	/* (postgres_fdw updates rows in place: only a local partition's can move) */
	if (row != NULL && td->tg_relation->rd_rel->relkind != RELKIND_FOREIGN_TABLE &&
		moved_row(relid, row))
		update_actions(relid, corm_cached_all_relationships(), row);
	else
		delete_actions(relid, corm_cached_all_relationships(), row);
	SPI_finish();
	corm_cache_unpin(pin);
	return PointerGetDatum(NULL);
}

/* ---------- child UPDATE: delete-orphan ---------- */

static void
update_actions(Oid relid, List *rels, const ChangedRow *row)
{
	ListCell   *lc;
	AttrNumber	pk[CORM_MAX_KEYS];
	bool		one_row = row != NULL;

	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);

		if (!(rel->cascade & CORM_CASCADE_DELETE_ORPHAN))
			continue;

		/* a child whose key went from a value to NULL, and is still NULL */
		if (rel->target == relid &&
			(rel->direction == CORM_ONE_TO_MANY || rel->direction == CORM_ONE_TO_ONE))
			run_as_owner(relid,
						 corm_deparse_delete_orphans(rel, pk, primary_key(relid, pk), one_row),
						 0, row);

		/*
		 * many-to-one with single_parent: the object a row stopped referring
		 * to is an orphan, unless another row still refers to it
		 */
		if (rel->parent == relid && rel->direction == CORM_MANY_TO_ONE)
			run_as_owner(rel->target,
						 corm_deparse_delete_m2o_orphans(rel, pk, primary_key(relid, pk), one_row),
						 0, row);
	}
}

Datum
corm_on_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	CormCachePin *pin;
	Oid			relid;
	ChangedRow *row = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event) ||
		(td->tg_oldtable == NULL && !TRIGGER_FIRED_FOR_ROW(td->tg_event)) ||
		((td->tg_oldtable == NULL) != (td->tg_newtable == NULL)))
		elog(ERROR, "corm.on_update must fire AFTER UPDATE with OLD and NEW TABLE, or for each row");
	if (td->tg_oldtable != NULL && !first_event(td, td->tg_oldtable))
		return PointerGetDatum(NULL);
	pin = corm_cache_pin(CurrentMemoryContext);
	relid = trigger_table(td);
	if (td->tg_oldtable == NULL)
		row = changed_row(td, relid, td->tg_trigtuple, td->tg_newtuple);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (row == NULL)
		SPI_register_trigger_data(td);
	update_actions(relid, corm_cached_all_relationships(), row);
	SPI_finish();
	corm_cache_unpin(pin);
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

/*
 * The OID of corm's trigger tgname on relid, or InvalidOid; *transition
 * says whether it has transition tables.
 */
static Oid
find_trigger(Oid relid, const char *tgname, bool *transition)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Oid			result = InvalidOid;
	int			i;

	*transition = false;
	if (rel->trigdesc)
		for (i = 0; i < rel->trigdesc->numtriggers; i++)
			if (strcmp(rel->trigdesc->triggers[i].tgname, tgname) == 0)
			{
				result = rel->trigdesc->triggers[i].tgoid;
				*transition = rel->trigdesc->triggers[i].tgoldtable != NULL;
			}
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * Remove a trigger of corm's without the usual ownership check: corm put it
 * there, and whoever may drop the relationship (or the extension) may drop it.
 * The clones PostgreSQL made of it on partitions go with it.
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
 * Whether relid is a partitioned table with a foreign table among its
 * partitions, at any level.  PostgreSQL collects no transition tables from
 * foreign partitions (a DELETE through a table whose trigger wants them
 * fails), so corm's triggers there work a row at a time, and the table
 * needs a declared key (corm_primary_key), having no unique index.
 */
bool
corm_has_foreign_partitions(Oid relid)
{
	ListCell   *lc;

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return false;
	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			return true;
	return false;
}

/*
 * The kind of corm's delete (for_delete) or update trigger relid takes:
 * a row trigger with transition tables where allowed; on a partitioned
 * table a statement trigger; with foreign partitions a row trigger
 * without them.
 */
static void
trigger_kind(Oid relid, bool for_delete, bool *for_row, bool *transition)
{
	bool		one_row = corm_has_foreign_partitions(relid);

	*transition = !one_row;
	*for_row = one_row || (for_delete && get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE);
}

/*
 * Make one of corm's triggers on relid what it should be: present when
 * needed, with transition tables or not; one of the wrong kind is made
 * again.
 */
static void
sync_trigger(Oid relid, const char *tgname, bool needed, bool for_delete)
{
	bool		for_row;
	bool		transition;
	bool		has_transition;
	Oid			tg = find_trigger(relid, tgname, &has_transition);

	trigger_kind(relid, for_delete, &for_row, &transition);

	if (OidIsValid(tg) && (!needed || has_transition != transition))
	{
		remove_trigger(tg);
		CommandCounterIncrement();
		tg = InvalidOid;
	}
	if (needed && !OidIsValid(tg))
		corm_execute_ddl(corm_deparse_create_trigger(relid, tgname, for_delete, for_row,
													 transition));
}

/*
 * Make relid carry exactly the triggers its relationships need, of the kind
 * its partitions allow.  Creating one runs CREATE TRIGGER as the caller, who
 * registration checked owns relid (or who changed its partitions, which
 * needs ownership too).
 */
void
corm_sync_triggers(Oid relid)
{
	bool		on_delete;
	bool		on_update;

	if (!OidIsValid(relid) || get_rel_name(relid) == NULL)
		return;
	needed_triggers(relid, corm_catalog_all_relationships(), &on_delete, &on_update);
	sync_trigger(relid, DELETE_TRIGGER, on_delete, true);
	sync_trigger(relid, UPDATE_TRIGGER, on_update, false);
	CommandCounterIncrement();
}

/*
 * After DDL that changed relid's partitions: a trigger of corm's on it that
 * has transition tables where its partitions no longer allow them (a
 * foreign partition came) — or has none where they could again — is made
 * again of the right kind, as relid's owner: corm put it there, and the
 * role attaching a partition further down need not own relid.  Triggers
 * are neither added nor removed here: that is registration's business.
 */
void
corm_fix_trigger_kinds(Oid relid)
{
	int			k;

	for (k = 0; k < 2; k++)
	{
		const char *tgname = k == 0 ? DELETE_TRIGGER : UPDATE_TRIGGER;
		bool		has_transition;
		bool		for_row;
		bool		transition;
		Oid			save_userid;
		int			save_sec_context;

		trigger_kind(relid, k == 0, &for_row, &transition);
		if (!OidIsValid(find_trigger(relid, tgname, &has_transition)) ||
			has_transition == transition)
			continue;
		GetUserIdAndSecContext(&save_userid, &save_sec_context);
		SetUserIdAndSecContext(table_owner(relid), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		sync_trigger(relid, tgname, true, k == 0);
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	CommandCounterIncrement();
}

/* DROP EXTENSION corm: every trigger corm installed goes first. */
void
corm_remove_all_triggers(void)
{
	MemoryContext caller = CurrentMemoryContext;
	uint64		i;
	List	   *oids = NIL;
	ListCell   *lc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT t.oid FROM pg_catalog.pg_trigger t "
					"JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid "
					"WHERE p.pronamespace OPERATOR(pg_catalog.=) "
					"(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) 'corm') "
					"AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['on_delete', 'on_update']::pg_catalog.name[]) "
					/* not the clones on partitions: they go with their parent trigger */
					"AND t.tgparentid OPERATOR(pg_catalog.=) 0",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list corm's triggers");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			tgoid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));
		/* the list must outlive SPI_finish(), which frees SPI's memory */
		MemoryContext spi = MemoryContextSwitchTo(caller);

		oids = lappend_oid(oids, tgoid);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	foreach(lc, oids)
		remove_trigger(lfirst_oid(lc));
}
