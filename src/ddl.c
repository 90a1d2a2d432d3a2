/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  Event triggers that keep the catalog consistent with the tables it
 *	  describes: dropping a table or column a relationship uses is an ERROR
 *	  naming the relationship, or with CASCADE drops the relationship too.
 *
 * Columns and relationships share an object's JSON keys, so ALTER TABLE may
 * not add or rename a column to the name of a relationship or proxy either.
 *
 * A relationship is a row in corm.relationship, not an object PostgreSQL's
 * dependency machinery knows, so corm does the RESTRICT/CASCADE check itself:
 * ddl_command_start records whether the statement said CASCADE (only the
 * parse tree knows), and sql_drop, which sees everything the statement
 * dropped, checks the catalog against it.  Both run in the dropping
 * transaction, so an ERROR undoes the whole DROP.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "corm.h"

PG_FUNCTION_INFO_V1(corm_ddl_command_start);
PG_FUNCTION_INFO_V1(corm_ddl_command_end);
PG_FUNCTION_INFO_V1(corm_sql_drop);

/* Whether the statement now running said CASCADE; set at ddl_command_start. */
static bool statement_cascades = false;

/* What one statement dropped: tables, and columns of tables that remain. */
typedef struct DroppedObjects
{
	int			n;
	Oid		   *relids;
	int16	   *attnums;		/* 0 for a whole table */
	char	  **descriptions;	/* e.g. "column author_id of table public.books" */
	char	  **identities;		/* a table's qualified name; NULL for a column */
} DroppedObjects;

static bool
parsetree_cascades(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			return ((DropStmt *) parsetree)->behavior == DROP_CASCADE;
		case T_DropOwnedStmt:
			return ((DropOwnedStmt *) parsetree)->behavior == DROP_CASCADE;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				AlterTableCmd *cmd = lfirst(lc);

				if (cmd->subtype == AT_DropColumn && cmd->behavior == DROP_CASCADE)
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * DROP EXTENSION corm: the triggers corm installed on users' tables depend on
 * its functions; they go first, so that the extension drops cleanly.
 */
static bool
drops_corm(Node *parsetree)
{
	DropStmt   *stmt = (DropStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, DropStmt) || stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
		if (strcmp(strVal(lfirst(lc)), "corm") == 0)
			return true;
	return false;
}

Datum
corm_ddl_command_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "corm_ddl_command_start: not fired by event trigger manager");
	trigdata = (EventTriggerData *) fcinfo->context;
	statement_cascades = parsetree_cascades(trigdata->parsetree);
	if (drops_corm(trigdata->parsetree))
		corm_remove_all_triggers();
	PG_RETURN_NULL();
}

/* The tables and columns the current statement dropped. */
static DroppedObjects *
dropped_objects(void)
{
	MemoryContext outer = CurrentMemoryContext;
	DroppedObjects *dropped = palloc0(sizeof(DroppedObjects));
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT objid, objsubid, "
					"CASE WHEN objsubid OPERATOR(pg_catalog.=) 0 "
					"THEN 'table ' OPERATOR(pg_catalog.||) object_identity "
					"ELSE pg_catalog.format('column %I of table %I.%I', address_names[3], "
					"address_names[1], address_names[2]) END, "
					"CASE WHEN objsubid OPERATOR(pg_catalog.=) 0 THEN object_identity END "
					"FROM pg_catalog.pg_event_trigger_dropped_objects() "
					"WHERE classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
					"AND object_type OPERATOR(pg_catalog.=) ANY (ARRAY['table', 'table column'])",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_event_trigger_dropped_objects()");

	MemoryContextSwitchTo(outer);
	dropped->n = (int) SPI_processed;
	dropped->relids = palloc(sizeof(Oid) * (dropped->n + 1));
	dropped->attnums = palloc(sizeof(int16) * (dropped->n + 1));
	dropped->descriptions = palloc(sizeof(char *) * (dropped->n + 1));
	dropped->identities = palloc(sizeof(char *) * (dropped->n + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		dropped->relids[i] = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		dropped->attnums[i] = (int16) DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		dropped->descriptions[i] = SPI_getvalue(tup, desc, 3);
		dropped->identities[i] = SPI_getvalue(tup, desc, 4);
	}
	SPI_finish();
	return dropped;
}

/*
 * The description of the dropped object that relid.attnum (attnum 0: the
 * table) is or belongs to, or NULL when it survives.
 */
static const char *
find_dropped(const DroppedObjects *dropped, Oid relid, AttrNumber attnum)
{
	int			i;

	for (i = 0; i < dropped->n; i++)
		if (dropped->relids[i] == relid &&
			(dropped->attnums[i] == 0 || dropped->attnums[i] == attnum))
			return dropped->descriptions[i];
	return NULL;
}

static const char *
find_dropped_column(const DroppedObjects *dropped, Oid relid, const AttrNumber *attnums, int n)
{
	const char *what = find_dropped(dropped, relid, 0);
	int			i;

	for (i = 0; i < n && what == NULL; i++)
		what = find_dropped(dropped, relid, attnums[i]);
	return what;
}

/* The dropped object that relationship rel uses, or NULL. */
static const char *
relationship_uses(const DroppedObjects *dropped, const CormRelationship *rel)
{
	const char *what;
	AttrNumber	order_attnums[CORM_MAX_KEYS];
	int			i;

	for (i = 0; i < rel->norder; i++)
		order_attnums[i] = rel->order_by[i].attnum;
	what = find_dropped_column(dropped, rel->parent, rel->local_attnums, rel->nlocal);
	if (what == NULL)
		what = find_dropped_column(dropped, rel->target, rel->remote_attnums, rel->nremote);
	if (what == NULL)
		what = find_dropped_column(dropped, rel->target, order_attnums, rel->norder);
	if (what == NULL && OidIsValid(rel->secondary))
		what = find_dropped_column(dropped, rel->secondary, rel->secondary_local_attnums,
								   rel->nlocal);
	if (what == NULL && OidIsValid(rel->secondary))
		what = find_dropped_column(dropped, rel->secondary, rel->secondary_remote_attnums,
								   rel->nremote);
	return what;
}

/*
 * "schema.table.name" for messages; the table may be one the statement just
 * dropped, which only the event trigger's list still names.
 */
static char *
attribute_display(const DroppedObjects *dropped, Oid parent, const char *name)
{
	int			i;

	for (i = 0; i < dropped->n; i++)
		if (dropped->relids[i] == parent && dropped->attnums[i] == 0)
			return psprintf("%s.%s", dropped->identities[i], name);
	return psprintf("%s.%s",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(parent)),
											   get_rel_name(parent)),
					name);
}

/* Whether proxies already holds the proxy parent.name. */
static bool
proxy_listed(List *proxies, const CormProxy *proxy)
{
	ListCell   *lc;

	foreach(lc, proxies)
	{
		CormProxy  *other = lfirst(lc);

		if (other->parent == proxy->parent && strcmp(other->name, proxy->name) == 0)
			return true;
	}
	return false;
}

Datum
corm_sql_drop(PG_FUNCTION_ARGS)
{
	bool		cascade = statement_cascades;
	DroppedObjects *dropped;
	List	   *doomed_rels = NIL;
	List	   *doomed_proxies = NIL;
	List	   *doomed_keys = NIL;
	StringInfoData detail;
	const char *first_what = NULL;
	bool		key_first = false;	/* only a declared key uses first_what */
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "corm_sql_drop: not fired by event trigger manager");
	statement_cascades = false;

	/* DROP EXTENSION corm: the catalog itself is gone, nothing to check */
	if (!OidIsValid(corm_catalog_relid("relationship", true)) ||
		!OidIsValid(corm_catalog_relid("association_proxy", true)))
		PG_RETURN_NULL();

	dropped = dropped_objects();
	if (dropped->n == 0)
		PG_RETURN_NULL();

	initStringInfo(&detail);
	foreach(lc, corm_catalog_all_relationships())
	{
		CormRelationship *rel = lfirst(lc);
		const char *what = relationship_uses(dropped, rel);
		ListCell   *lc2;

		if (what == NULL)
			continue;
		if (first_what == NULL)
			first_what = what;
		doomed_rels = lappend(doomed_rels, rel);
		appendStringInfo(&detail, "%srelationship %s uses %s", detail.len ? "\n" : "",
						 attribute_display(dropped, rel->parent, rel->name), what);
		foreach(lc2, corm_catalog_proxies_using(rel->parent, rel->name))
		{
			if (!proxy_listed(doomed_proxies, lfirst(lc2)))
				doomed_proxies = lappend(doomed_proxies, lfirst(lc2));
		}
	}
	foreach(lc, corm_catalog_all_proxies())
	{
		CormProxy  *proxy = lfirst(lc);
		const char *what = find_dropped(dropped, proxy->parent, 0);

		if (what == NULL && proxy->target_attnum > 0)
			what = find_dropped(dropped, proxy->target, proxy->target_attnum);
		if (what == NULL)
			continue;
		if (first_what == NULL)
			first_what = what;
		if (!proxy_listed(doomed_proxies, proxy))
			doomed_proxies = lappend(doomed_proxies, proxy);
		appendStringInfo(&detail, "%sassociation proxy %s uses %s", detail.len ? "\n" : "",
						 attribute_display(dropped, proxy->parent, proxy->name), what);
	}

	/*
	 * Declared keys (corm_primary_key): one goes with its table, like a
	 * primary key; a dropped column of one is refused like a relationship's
	 * unless CASCADE, which drops the declaration.
	 */
	foreach(lc, corm_catalog_all_primary_keys())
	{
		CormDeclaredKey *key = lfirst(lc);
		const char *what;

		if (find_dropped(dropped, key->relid, 0) != NULL)
		{
			doomed_keys = lappend(doomed_keys, key);
			continue;
		}
		what = find_dropped_column(dropped, key->relid, key->attnums, key->n);
		if (what == NULL)
			continue;
		if (first_what == NULL)
		{
			first_what = what;
			key_first = true;
		}
		doomed_keys = lappend(doomed_keys, key);
		appendStringInfo(&detail, "%sthe key declared for table %s uses %s", detail.len ? "\n" : "",
						 corm_qualified_name(key->relid), what);
		if (cascade)
			ereport(NOTICE,
					(errmsg("drop cascades to the key declared for table %s",
							corm_qualified_name(key->relid))));
	}
	foreach(lc, doomed_keys)
		corm_catalog_set_primary_key(((CormDeclaredKey *) lfirst(lc))->relid, NULL, 0);

	if (first_what == NULL)
		PG_RETURN_NULL();

	if (!cascade && key_first)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop %s because corm's declared key of its table uses it", first_what),
				 errdetail("%s", detail.data),
				 errhint("Use DROP ... CASCADE to drop the declared key too, or declare another first with corm_primary_key().")));
	if (!cascade)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop %s because corm relationships use it", first_what),
				 errdetail("%s", detail.data),
				 errhint("Use DROP ... CASCADE to drop the relationships too, or drop them first with corm_drop_relationship().")));

	/* CASCADE: the relationships and proxies go with what they used */
	foreach(lc, doomed_proxies)
	{
		CormProxy  *proxy = lfirst(lc);

		ereport(NOTICE,
				(errmsg("drop cascades to association proxy %s",
						attribute_display(dropped, proxy->parent, proxy->name))));
		corm_catalog_delete_proxy(proxy->parent, proxy->name);
	}
	foreach(lc, doomed_rels)
	{
		CormRelationship *rel = lfirst(lc);

		ereport(NOTICE,
				(errmsg("drop cascades to relationship %s",
						attribute_display(dropped, rel->parent, rel->name))));
		corm_catalog_delete_relationship(rel->parent, rel->name);
	}
	/* the tables that remain keep only the triggers they still need */
	foreach(lc, doomed_rels)
	{
		CormRelationship *rel = lfirst(lc);

		corm_sync_triggers(rel->parent);
		corm_sync_triggers(rel->target);
		if (OidIsValid(rel->secondary))
			corm_sync_triggers(rel->secondary);
	}
	PG_RETURN_NULL();
}

/*
 * ddl_command_end of ALTER TABLE and CREATE FOREIGN TABLE: no column may
 * carry the name of a relationship or association proxy of its table (their
 * JSON keys would collide); and a registered partitioned table that gained
 * its first foreign partition (or lost its last) gets cascade triggers of
 * the kind it now allows (corm_fix_trigger_kinds).  The catalog is small;
 * checking all of it is cheap.
 */
Datum
corm_ddl_command_end(PG_FUNCTION_ARGS)
{
	List	   *partitioned = NIL;
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "corm_ddl_command_end: not fired by event trigger manager");
	if (!OidIsValid(corm_catalog_relid("relationship", true)))
		PG_RETURN_NULL();

	foreach(lc, corm_catalog_all_relationships())
	{
		CormRelationship *rel = lfirst(lc);
		Oid			relids[3] = {rel->parent, rel->target, rel->secondary};
		int			i;

		for (i = 0; i < 3; i++)
			if (OidIsValid(relids[i]) && get_rel_relkind(relids[i]) == RELKIND_PARTITIONED_TABLE)
				partitioned = list_append_unique_oid(partitioned, relids[i]);
	}
	foreach(lc, partitioned)
		corm_fix_trigger_kinds(lfirst_oid(lc));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT c.parent::pg_catalog.text, c.name, c.kind FROM ("
					"  SELECT parent, name, 'relationship' AS kind FROM corm.relationship"
					"  UNION ALL SELECT parent, name, 'association proxy' FROM corm.association_proxy) c "
					"JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.parent "
					"AND a.attname OPERATOR(pg_catalog.=) c.name AND a.attnum OPERATOR(pg_catalog.>) 0 "
					"AND NOT a.attisdropped LIMIT 1",
					false, 1) != SPI_OK_SELECT)	/* not read-only: see the new column */
		elog(ERROR, "corm could not check column names");
	if (SPI_processed > 0)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" has the name of a corm %s",
						SPI_getvalue(tup, desc, 2), SPI_getvalue(tup, desc, 1), SPI_getvalue(tup, desc, 3)),
				 errdetail("Objects render their columns and relationships under one set of JSON keys."),
				 errhint("Choose another column name, or drop the %s first with corm_drop_relationship().",
						 SPI_getvalue(tup, desc, 3))));
	}
	SPI_finish();
	PG_RETURN_NULL();
}
